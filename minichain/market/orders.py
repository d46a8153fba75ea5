"""Orders, tariffs and the public order book that anyone can search (chapter 09).

An ``Order`` is a household's offer to buy or sell energy for one delivery slot: how many
Wh, and the limit price in µ€ per kWh (the most a buyer pays, the least a seller
accepts). Like a transaction, an order is checked when it is built, so a malformed order
never exists in memory.

``Tariffs`` are the grid's two prices: the utility buys any surplus at the feed-in tariff
and sells any shortfall at the retail tariff. Nobody rational sells to a neighbour for less
than feed-in or buys for more than retail, so a clearing refuses orders outside that band
(``check_book``).

Priority (merit order), used by the auctions and by ``list_orders``:

* buy orders (bids): price high to low, then order id low to high;
* sell orders (asks): price low to high, then order id low to high.

Ids are unique in a book and the contract hands them out in arrival order, so "lower id
first" is "first come, first served" among equal prices, and the order is total: the same
orders in any input order give the same priority.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from minichain import cast
from minichain.crypto import is_address
from minichain.errors import (DuplicateOrder, InvalidOrder, InvalidTariffs, MixedSlots,
                              PriceOutOfBand)
from minichain.market.reputation import FULL_RELIABILITY, NEWCOMER_SCORE

BUY = "buy"
SELL = "sell"
SIDES = (BUY, SELL)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Order:
    """A limit order for energy in one delivery slot; checked when built."""

    id: int
    owner: str
    side: str
    quantity_wh: int
    price: int            # µ€ per kWh: a buyer's maximum, a seller's minimum
    slot: int             # delivery slot number (15 minutes each by default)
    min_reputation: int = 0   # least reputation a trading partner must have (see list_orders)

    def __post_init__(self) -> None:
        check_order_fields(self)


def check_order_fields(order: Order) -> None:
    """Stateless checks of one order: types, ranges, side, owner address."""
    if not _is_int(order.id) or order.id < 0:
        raise InvalidOrder(f"order id must be a whole number >= 0, got {order.id!r}")
    if not is_address(order.owner):
        raise InvalidOrder(f"order {order.id}: owner must be an address ('0x' and 40 "
                           f"lowercase hex digits), got {order.owner!r}")
    if order.side not in SIDES:
        raise InvalidOrder(f"order {order.id}: side must be 'buy' or 'sell', got {order.side!r}")
    if not _is_int(order.quantity_wh) or order.quantity_wh <= 0:
        raise InvalidOrder(f"order {order.id}: quantity_wh must be a whole number of Wh > 0, "
                           f"got {order.quantity_wh!r}")
    if not _is_int(order.price) or order.price < 0:
        raise InvalidOrder(f"order {order.id}: price must be a whole number of µ€ "
                           f"per kWh >= 0, got {order.price!r}")
    if not _is_int(order.slot) or order.slot < 0:
        raise InvalidOrder(f"order {order.id}: slot must be a whole number >= 0, "
                           f"got {order.slot!r}")
    if not _is_int(order.min_reputation) or order.min_reputation < 0:
        raise InvalidOrder(f"order {order.id}: min_reputation must be a whole number >= 0, "
                           f"got {order.min_reputation!r}")


@dataclass(frozen=True)
class Tariffs:
    """The grid's prices in µ€ per kWh: it buys at feed_in and sells at retail."""

    feed_in: int
    retail: int

    def __post_init__(self) -> None:
        for name in ("feed_in", "retail"):
            value = getattr(self, name)
            if not _is_int(value) or value < 0:
                raise InvalidTariffs(f"{name} must be a whole number of µ€ per kWh "
                                     f">= 0, got {value!r}")
        if self.feed_in > self.retail:
            raise InvalidTariffs(f"feed_in ({self.feed_in}) must not be above retail "
                                 f"({self.retail}): the grid would pay more than it charges")

    def in_band(self, price: int) -> bool:
        """True when a price is one the grid cannot beat for either side."""
        return self.feed_in <= price <= self.retail

    def price_at(self, permille: int) -> int:
        """The price ``permille`` of the way from feed-in (0) to retail (1000), rounded down."""
        if not _is_int(permille) or not 0 <= permille <= 1000:
            raise PriceOutOfBand(f"a position in the tariff band is a whole number 0..1000 "
                                 f"per mille (0 = feed-in, 1000 = retail), got {permille!r}")
        return self.feed_in + (self.retail - self.feed_in) * permille // 1000


STREET_TARIFFS = Tariffs(feed_in=cast.FEED_IN, retail=cast.RETAIL)   # Sunny Street's grid


def bid_priority(order: Order) -> tuple[int, int]:
    """Sort key for buy orders: highest price first, then lowest id."""
    return (-order.price, order.id)


def ask_priority(order: Order) -> tuple[int, int]:
    """Sort key for sell orders: lowest price first, then lowest id."""
    return (order.price, order.id)


def check_book(orders: Sequence[Order], tariffs: Tariffs) -> int | None:
    """Check a book before clearing it; return its one delivery slot (None when empty).

    Checks, in this order, for each order in ascending id: it is an ``Order``; ids are
    unique; all share one slot; its price is in [feed_in, retail]. The first failure raises.
    """
    if not isinstance(tariffs, Tariffs):
        raise InvalidTariffs(f"tariffs must be a Tariffs, got {type(tariffs).__name__}")
    for order in orders:
        if not isinstance(order, Order):
            raise InvalidOrder(f"a book holds Order objects, got {type(order).__name__}")
    ordered = sorted(orders, key=lambda order: order.id)
    slot = ordered[0].slot if ordered else None
    for previous, order in zip([None] + ordered, ordered):
        if previous is not None and previous.id == order.id:
            raise DuplicateOrder(f"order id {order.id} appears twice; each order needs its own id")
        if order.slot != slot:
            raise MixedSlots(f"order {order.id} is for slot {order.slot} but the book clears "
                             f"slot {slot}; clear one slot at a time")
        if not tariffs.in_band(order.price):
            raise PriceOutOfBand(f"order {order.id} has price {order.price}, expected between "
                                 f"the feed-in tariff {tariffs.feed_in} and the retail tariff "
                                 f"{tariffs.retail} (µ€ per kWh)")
    return slot


def book_order_key(order: Order) -> tuple[int, int, int, int]:
    """Listing order: slot, then sell offers before buy bids, each in merit order, then id."""
    if order.side == SELL:
        return (order.slot, 0, order.price, order.id)
    return (order.slot, 1, -order.price, order.id)


def list_orders(orders: Iterable[Order], side: str | None = None, slot: int | None = None,
                max_price: int | None = None, min_price: int | None = None,
                owner: str | None = None, min_quantity: int | None = None,
                reputation: int | None = None, slots: range | None = None,
                min_owner_score: int | None = None, min_owner_reliability: int | None = None,
                owner_scores: Mapping[str, int] | None = None,
                owner_reliabilities: Mapping[str, int] | None = None) -> list[Order]:
    """Anyone can list and filter offers: the matching orders, in a fixed listing order.

    Every filter left as ``None`` lets all orders through; prices and quantities are
    inclusive bounds, ``slots`` a range of delivery slots (``range(40, 48)``: 40 to 47).
    ``reputation`` is the viewer's own reputation: only orders that accept a partner with
    that reputation (``min_reputation <= reputation``) are listed. ``min_owner_score`` and
    ``min_owner_reliability`` ask the same of the order's owner: its score in milli-stars
    and its delivery reliability in per mille, looked up in ``owner_scores`` and
    ``owner_reliabilities`` (an owner missing from them is a newcomer: 3000 and 1000).
    The result is sorted by ``book_order_key`` (slot; sell offers, cheapest first; then buy
    bids, highest first; ties by id), so it never depends on the input order.
    """
    if side is not None and side not in SIDES:
        raise InvalidOrder(f"side filter must be 'buy', 'sell' or None, got {side!r}")
    for name, value in (("slot", slot), ("max_price", max_price), ("min_price", min_price),
                        ("min_quantity", min_quantity), ("reputation", reputation),
                        ("min_owner_score", min_owner_score),
                        ("min_owner_reliability", min_owner_reliability)):
        if value is not None and not _is_int(value):
            raise InvalidOrder(f"filter {name} must be a whole number or None, got {value!r}")
    if slots is not None and not isinstance(slots, range):
        raise InvalidOrder(f"filter slots must be a range of slots (e.g. range(40, 48)) or "
                           f"None, got {slots!r}")
    for name, value, lookup in (("min_owner_score", min_owner_score, owner_scores),
                                ("min_owner_reliability", min_owner_reliability,
                                 owner_reliabilities)):
        if value is not None and lookup is None:
            raise InvalidOrder(f"filter {name} needs the owners' figures: give "
                               f"owner_{'scores' if 'score' in name else 'reliabilities'}=")
    scores = owner_scores or {}
    reliabilities = owner_reliabilities or {}
    chosen = [order for order in orders
              if (side is None or order.side == side)
              and (slot is None or order.slot == slot)
              and (slots is None or order.slot in slots)
              and (max_price is None or order.price <= max_price)
              and (min_price is None or order.price >= min_price)
              and (owner is None or order.owner == owner)
              and (min_quantity is None or order.quantity_wh >= min_quantity)
              and (reputation is None or order.min_reputation <= reputation)
              and (min_owner_score is None
                   or scores.get(order.owner, NEWCOMER_SCORE) >= min_owner_score)
              and (min_owner_reliability is None
                   or reliabilities.get(order.owner, FULL_RELIABILITY) >= min_owner_reliability)]
    return sorted(chosen, key=book_order_key)
