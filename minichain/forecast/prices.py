"""What energy cost on Sunny Street, slot by slot, over a year: a cheap and honest price model (chapter 12).

Running a full market day (agents, orders, grid check, dispatch, records) for each of 365
days would take minutes; a year of history must take seconds. This model keeps the real
auction and simplifies the bidders, and every simplification is written here:

1. **Quantities.** Each home trades exactly what plain self-consumption leaves over
   (``household.self_consume``: PV first, then its battery, whose charge is carried from
   slot to slot and day to day, empty at the start): a surplus is offered, a shortfall is
   bid for. This is what a truthful agent trades.
2. **Prices.** Each home has a fixed *temperament*, drawn once from its name and the seed
   (``temperament``): where in the tariff band it asks when it sells (one of
   ``ASK_POSITIONS``, the lower half) and where it bids when it buys (one of
   ``BID_POSITIONS``, the upper half), in per mille of the band (``Tariffs.price_at``). So
   prices follow the ``Tariffs`` given and never depend on the money's scale.
3. **Aggregation.** Homes that ask (or bid) the same price become one order with their Wh
   added up: the street's supply and demand as curves of three steps each, at most six
   orders a slot. Merging orders of one price changes no clearing price: equal prices sit
   side by side in merit order, and the uniform price depends only on the prices of the
   marginal pair (a test clears both books and compares).
4. **Clearing.** ``auction.clear_uniform_price`` with k = ``k_percent`` / 100 (the
   course's default mechanism, k = 1/2). A slot with no seller or no buyer has no trade
   and no price (None), which is what the auction says for such a book (tested), so it is
   not cleared at all.

What it is not: no strategic bidding, no battery arbitrage, no feeder limits, no
reputation. Yet prices move the way supply and demand move them: on a sunny midday the
street's surplus exceeds its demand, every buyer is served and the price falls towards the
cheap asks; in the morning and evening a few sellers meet many buyers and it rises
towards the high bids; at night nobody sells and there is no market price at all.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterable, Sequence

from minichain.market.auction import clear_uniform_price
from minichain.market.orders import BUY, SELL, Order, Tariffs

ASK_POSITIONS = (0, 200, 400)        # per mille of the band, from feed-in: a seller's ask
BID_POSITIONS = (600, 800, 1000)     # per mille of the band, from feed-in: a buyer's bid
DEFAULT_K_PERCENT = 50


@dataclass(frozen=True)
class Temperament:
    """Where a home asks when it sells and bids when it buys, per mille of the tariff band."""

    ask_permille: int
    bid_permille: int


def temperament(seed: int, name: str) -> Temperament:
    """A home's fixed temperament, drawn from its own stream (independent of the street's size)."""
    rng = random.Random(f"temperament:{seed}:{name}")
    return Temperament(rng.choice(ASK_POSITIONS), rng.choice(BID_POSITIONS))


def tier_owner(side: str, price: int) -> str:
    """The made-up account of one aggregated order: one per side and price."""
    return f"0x{(1 if side == SELL else 2):02x}{price:038x}"


def street_book(offers: Iterable[tuple[str, int, int]], slot: int) -> list[Order]:
    """The slot's aggregated book: one order per (side, price) with the Wh of every home at it.

    ``offers`` are (side, price, Wh) per home; ids go sells first, then buys, by price.
    """
    totals: dict[tuple[str, int], int] = {}
    for side, price, quantity_wh in offers:
        if quantity_wh > 0:
            totals[(side, price)] = totals.get((side, price), 0) + quantity_wh
    keys = sorted(totals, key=lambda key: (key[0] != SELL, key[1]))
    return [Order(n, tier_owner(side, price), side, totals[(side, price)], price, slot)
            for n, (side, price) in enumerate(keys)]


def slot_price(offers: Sequence[tuple[str, int, int]], tariffs: Tariffs, slot: int,
               k_percent: int = DEFAULT_K_PERCENT) -> tuple[int | None, int]:
    """(clearing price or None, Wh traded) of one slot's offers, by the real uniform-price auction."""
    sides = {side for side, _, quantity_wh in offers if quantity_wh > 0}
    if sides != {SELL, BUY}:
        return None, 0                           # one side empty: no pair, no trade, no price
    clearing = clear_uniform_price(street_book(offers, slot), tariffs, k_percent, 100)
    return clearing.price, clearing.traded_wh
