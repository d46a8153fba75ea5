"""A few seeded slots of Sunny Street on chain: every step of a household's journey (chapter 10, ``minichain statement``).

The platform as the article describes it, from the households' side: registered with
their meters and buses (``sunny_street``), they post offers and bids, take an offer or a
bid directly, the market clears at gate closure, meters report, settlement pays and
charges, and partners rate each other. Half-way through the run three households update
their profiles: one rotates its key, one gets a new meter, one moves to another bus.
``minichain statement`` prints what one of them sees afterwards (``MarketClient.statement``).

Everything comes from ``random.Random(seed)``: the same seed gives the same chain. The
houses alternate: the first, third, ... have rooftop PV and sell; the others buy. Prices
sit in the tariff band (``Tariffs.price_at``), sellers deliver all, most or half of what
they sold (so the statement has shortfalls and penalties), buyers rate sellers by what
arrived (5 stars in full, 3 for half or more, else 1) and sellers rate buyers 5.

The events of all slots run in time order on the chain's clock, as a real day does:
for slot ``s``, orders 45 minutes before it starts, direct takes 5 minutes later,
clearing at gate closure, readings when it ends, settlement and ratings when its reading
window closes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from minichain import cast
from minichain.contracts.client import READING_WINDOW, SLOT_SECONDS, Street, sunny_street
from minichain.errors import MarketError
from minichain.market.auction import UNIFORM_PRICE
from minichain.market.orders import BUY, SELL
from minichain.tx import SignedTransaction

POST_BEFORE = 2_700          # seconds before its slot starts that a slot's orders are posted
TAKE_AFTER = 300             # seconds after the orders that the direct takes come
RATE_AFTER = 60              # seconds after settlement that partners rate
DELIVERY = (1000, 1000, 800, 500)   # per mille of its sales a seller delivers, drawn per slot
MAX_SLOTS = 12
MIN_HOUSEHOLDS = 3           # a seller, a buyer, and three different profile updates


@dataclass(frozen=True)
class Journey:
    """The street after the run, the slots it traded, and who updated what."""

    street: Street
    slots: range
    rotated: str            # the household that rotated its key
    new_meter: str          # the one that got a new meter
    moved: str              # the one that moved to another bus


def is_seller(n: int) -> bool:
    """House n has rooftop PV and sells (the first, third, ...); the others buy."""
    return n % 2 == 0


def street_journey(households: int = 4, first_slot: int = 48, slots: int = 4, seed: int = 1,
                   mechanism: str = UNIFORM_PRICE, nodes: bool = True,
                   store_dir: str | Path | None = None,
                   progress: Callable[[int], object] | None = None) -> Journey:
    """Run ``slots`` slots from ``first_slot`` on a street of ``households`` homes (cast
    order: alice, bob, ...); ``progress(1)`` after every block. Returns the ``Journey``."""
    if not MIN_HOUSEHOLDS <= households <= len(cast.HOUSEHOLDS):
        raise MarketError(f"a journey needs {MIN_HOUSEHOLDS} to {len(cast.HOUSEHOLDS)} "
                          f"households, got {households}")
    if not 1 <= slots <= MAX_SLOTS:
        raise MarketError(f"a journey runs 1 to {MAX_SLOTS} slots, got {slots}")
    if first_slot * SLOT_SECONDS < POST_BEFORE + 600:
        raise MarketError(f"the first slot must start at least {(POST_BEFORE + 600) // 60} "
                          f"minutes after genesis (slot 4 or later), got slot {first_slot}")
    names = cast.HOUSEHOLDS[:households]
    street = sunny_street(names, mechanism=mechanism, nodes=nodes, store_dir=store_dir,
                          seed=seed)
    rng = random.Random(seed)
    played = range(first_slot, first_slot + slots)
    rotated, new_meter, moved = names[0], names[-1], names[1]
    events: list[tuple[int, int, Callable[[], list[SignedTransaction]]]] = []
    for n, slot in enumerate(played):
        start = street.market.slot_start(slot)
        events += [(start - POST_BEFORE, 0, _orders(street, names, slot, rng)),
                   (start - POST_BEFORE + TAKE_AFTER, 1, _takes(street, names, slot, rng)),
                   (start - SLOT_SECONDS, 2, _clearing(street, slot)),
                   (start + SLOT_SECONDS, 3, _readings(street, names, slot, rng)),
                   (start + SLOT_SECONDS + READING_WINDOW, 4, _settlement(street, slot)),
                   (start + SLOT_SECONDS + READING_WINDOW + RATE_AFTER, 5,
                    _ratings(street, slot))]
    middle = street.market.slot_start(first_slot + slots // 2) - POST_BEFORE - 120
    events.append((middle, -1, _profile_updates(street, rotated, new_meter, moved)))
    for at, _, make in sorted(events, key=lambda event: event[:2]):
        transactions = make()
        if not transactions:
            continue
        for receipt in street.market.seal(transactions, at=max(at, street.market.now + 1)):
            if not receipt.success:
                raise MarketError(f"a transaction of the journey failed: {receipt.explain()}")
        if progress is not None:
            progress(1)
    return Journey(street, played, rotated, new_meter, moved)


def _orders(street: Street, names, slot: int, rng: random.Random):
    def make() -> list[SignedTransaction]:
        market, band = street.market, street.market.tariffs
        out = []
        for n, name in enumerate(names):
            side = SELL if is_seller(n) else BUY
            permille = rng.randint(50, 550) if side == SELL else rng.randint(450, 950)
            out.append(market.post_tx(street.households[name], side, rng.randint(4, 25) * 100,
                                      band.price_at(permille), slot))
        return out
    return make


def _takes(street: Street, names, slot: int, rng: random.Random):
    """One buyer takes part of the cheapest offer, one seller part of the highest bid."""
    def make() -> list[SignedTransaction]:
        market = street.market
        account = {street.address(name): name for name in names}
        out = []
        offers, bids = market.offers(side=SELL, slot=slot), market.offers(side=BUY, slot=slot)
        buyers = [name for n, name in enumerate(names) if not is_seller(n)]
        sellers = [name for n, name in enumerate(names) if is_seller(n)]
        if offers:
            buyer = rng.choice(buyers)
            offer = offers[0]
            out.append(market.take_tx(street.households[buyer], offer.id,
                                      max(1, offer.quantity_wh * rng.randint(20, 60) // 100)))
        if bids:
            bid = bids[0]
            seller = rng.choice([name for name in sellers if name != account[bid.owner]])
            out.append(market.take_bid_tx(street.households[seller], bid.id,
                                          max(1, bid.quantity_wh * rng.randint(20, 60) // 100)))
        return out
    return make


def _clearing(street: Street, slot: int):
    def make() -> list[SignedTransaction]:
        return [street.market.clear_tx(street.operator, slot)]
    return make


def _readings(street: Street, names, slot: int, rng: random.Random):
    """Sellers export some share of what they sold (and a little more); buyers import
    what they bought and more."""
    def make() -> list[SignedTransaction]:
        market = street.market
        sold: dict[str, int] = {}
        bought: dict[str, int] = {}
        for trade in market.trades(slot):
            sold[trade.seller] = sold.get(trade.seller, 0) + trade.quantity_wh
            bought[trade.buyer] = bought.get(trade.buyer, 0) + trade.quantity_wh
        out = []
        for name in names:
            account = street.address(name)
            delivery = rng.choice(DELIVERY)
            export_wh = sold.get(account, 0) * delivery // 1000 + rng.randint(0, 300)
            import_wh = bought.get(account, 0) + rng.randint(0, 500)
            out.append(market.reading_tx(street.meters[name], slot, export_wh, import_wh))
        return out
    return make


def _settlement(street: Street, slot: int):
    def make() -> list[SignedTransaction]:
        return [street.market.settle_tx(street.operator, slot)]
    return make


def _ratings(street: Street, slot: int):
    def make() -> list[SignedTransaction]:
        market = street.market
        key = {street.address(name): street.households[name] for name in street.households}
        delivered = {event["trade"]: event["delivered_wh"]
                     for event in market.events(market.receipts[-1:], "Settled")}
        out = []
        for trade in market.trades(slot):
            share = 1000 * delivered[trade.id] // trade.quantity_wh if trade.quantity_wh else 1000
            stars = 5 if share == 1000 else 3 if share >= 500 else 1
            out.append(market.rate_tx(key[trade.buyer], trade.id, stars))
            out.append(market.rate_tx(key[trade.seller], trade.id, 5))
        return out
    return make


def _profile_updates(street: Street, rotated: str, new_meter: str, moved: str):
    """One rotates its key, one gets the spare meter, one moves to the next bus."""
    def make() -> list[SignedTransaction]:
        market = street.market
        key = cast.new_key(rotated)
        spare = cast.wallet(cast.SPARE_METER)
        mover = street.address(moved)
        meter_owner = street.address(new_meter)
        out = [market.apply_key_tx(key, street.address(rotated)),
               market.attest_key_tx(street.authorities[1], key.address),
               market.ask_update_tx(street.households[new_meter], spare.address,
                                    market.bus_of(meter_owner)),
               market.attest_update_tx(street.operator, meter_owner),
               market.ask_update_tx(street.households[moved], market.meter_of(mover),
                                    market.bus_of(mover) + 1),
               market.attest_update_tx(street.operator, mover)]
        street.households[rotated] = key
        street.meters[new_meter] = spare
        return out
    return make
