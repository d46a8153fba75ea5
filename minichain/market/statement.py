"""A household's statement: its trades, deliveries, bills, penalties and ratings over a range of slots (chapter 10).

"View its records" is a step of every household's journey on the platform. The chain
holds the facts: the trades (``MarketClient.trades_of``), what settlement found delivered
(the market's ``Settled`` events), the meter's readings, the ratings (``Rated`` events).
``statement`` puts one household's facts in order and adds them up; it is pure, so the
same facts give the same statement, whoever reads them.

* **Trades** (``TradeLine``), as the household sees them: bought or sold, from or to whom,
  how (in the auction, or directly: it took an offer or a bid, or its own was taken), Wh,
  its price and amount, and once the slot is settled what was delivered and the penalty
  for the shortfall, ``amount_for(shortfall, retail)``, which the seller pays the utility.
* **Bills** (``SlotBill``), one per slot with a trade or a reading: what the market took
  and paid, the penalties, and the utility's bill for the energy outside the market
  (``settlement.grid_bill``: imports beyond what it bought at retail, exports beyond what
  it delivered at feed-in). The utility's bill needs the reading and, when the household
  traded in the slot, the settlement: until then it is ``None`` (pending).
* **Ratings** (``RatingLine``) it gave and received.

Money is in µ€ and every amount is derived with the one rounding rule from the trade's
quantity and price, as the contract moved it (``trades.Trade``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Mapping, Sequence

from minichain.errors import MarketError
from minichain.market.orders import BUY, SELL, Tariffs
from minichain.market.settlement import GridBill, grid_bill
from minichain.market.trades import Trade
from minichain.market.units import amount_for

AUCTION = "auction"
TOOK_OFFER = "took an offer"        # it bought directly from a listed offer
TOOK_BID = "took a bid"             # it sold directly into a listed bid
OFFER_TAKEN = "its offer was taken"
BID_TAKEN = "its bid was taken"


@dataclass(frozen=True)
class Rating:
    """One rating on chain: ``rater`` gave ``rated`` ``stars`` for a settled trade."""

    trade_id: int
    rater: str
    rated: str
    stars: int


@dataclass(frozen=True)
class TradeLine:
    """One trade as the household sees it."""

    trade_id: int
    slot: int
    side: str                   # BUY: the household bought; SELL: it sold
    partner: str
    how: str                    # AUCTION, TOOK_OFFER, TOOK_BID, OFFER_TAKEN or BID_TAKEN
    quantity_wh: int
    price: int                  # µ€/kWh it pays (bought) or receives (sold)
    amount: int                 # µ€ it pays (bought) or receives (sold)
    delivered_wh: int | None    # what the seller's meter showed delivered; None until settled
    penalty: int                # µ€ it paid the utility for Wh it sold but did not deliver

    @property
    def settled(self) -> bool:
        return self.delivered_wh is not None

    @property
    def shortfall_wh(self) -> int:
        """Sold but not delivered (0 until settled)."""
        return 0 if self.delivered_wh is None else self.quantity_wh - self.delivered_wh


@dataclass(frozen=True)
class SlotBill:
    """One slot's money for the household: in the market and with the utility."""

    slot: int
    reading: tuple[int, int] | None     # (export Wh, import Wh) the meter reported
    bought_wh: int
    sold_wh: int
    delivered_wh: int                   # of its sales, as settled so far
    paid: int                           # µ€ to sellers for energy bought
    received: int                       # µ€ from buyers for energy sold
    penalties: int                      # µ€ to the utility for its shortfalls
    grid: GridBill | None               # the utility's bill; None while pending

    @property
    def net(self) -> int | None:
        """µ€ it gained (negative: spent) in the slot, once the utility's bill is known."""
        if self.grid is None:
            return None
        return self.received - self.paid - self.penalties + self.grid.receives - self.grid.pays


@dataclass(frozen=True)
class RatingLine:
    """A rating the household gave (``given``) or received, and the partner's side of it."""

    trade_id: int
    partner: str
    stars: int
    given: bool


@dataclass(frozen=True)
class Statement:
    """One household's records over a range of slots, and their totals."""

    household: str
    slots: range
    trades: tuple[TradeLine, ...]           # by slot, then trade id (the settlement's order)
    bills: tuple[SlotBill, ...]             # by slot
    ratings_given: tuple[RatingLine, ...]   # by trade id
    ratings_received: tuple[RatingLine, ...]

    def _sum(self, side: str, field: str) -> int:
        return sum(getattr(line, field) for line in self.trades if line.side == side)

    @property
    def bought_wh(self) -> int:
        return self._sum(BUY, "quantity_wh")

    @property
    def sold_wh(self) -> int:
        return self._sum(SELL, "quantity_wh")

    @property
    def paid(self) -> int:
        """µ€ paid to sellers."""
        return self._sum(BUY, "amount")

    @property
    def received(self) -> int:
        """µ€ received from buyers."""
        return self._sum(SELL, "amount")

    @property
    def penalties(self) -> int:
        """µ€ paid to the utility for energy sold and not delivered."""
        return self._sum(SELL, "penalty")

    @property
    def shortfall_wh(self) -> int:
        return sum(line.shortfall_wh for line in self.trades if line.side == SELL)

    @property
    def grid_pays(self) -> int:
        """µ€ the utility billed for imports beyond the market (slots whose bill is known)."""
        return sum(bill.grid.pays for bill in self.bills if bill.grid is not None)

    @property
    def grid_receives(self) -> int:
        """µ€ the utility paid for exports beyond the market (slots whose bill is known)."""
        return sum(bill.grid.receives for bill in self.bills if bill.grid is not None)

    @property
    def pending(self) -> tuple[int, ...]:
        """Slots whose utility bill is not known yet (no reading, or not settled)."""
        return tuple(bill.slot for bill in self.bills if bill.grid is None)

    @property
    def net(self) -> int:
        """µ€ gained over the slots whose bills are known (negative: spent)."""
        return sum(bill.net for bill in self.bills if bill.net is not None)


def trade_line(trade: Trade, household: str, bid_take: bool, retail: int) -> TradeLine:
    """``trade`` seen from ``household`` (its buyer or its seller); ``bid_take`` says the
    seller made it by taking the buyer's bid."""
    if household == trade.buyer:
        side, partner, price, amount = BUY, trade.seller, trade.price, trade.amount
        how = TOOK_OFFER if trade.is_take else BID_TAKEN if bid_take else AUCTION
    elif household == trade.seller:
        side, partner, price, amount = SELL, trade.buyer, trade.seller_price, trade.seller_amount
        how = OFFER_TAKEN if trade.is_take else TOOK_BID if bid_take else AUCTION
    else:
        raise MarketError(f"trade {trade.id} is between {trade.buyer} and {trade.seller}, "
                          f"not {household}")
    penalty = amount_for(trade.shortfall_wh, retail) if side == SELL else 0
    return TradeLine(trade.id, trade.slot, side, partner, how, trade.quantity_wh, price, amount,
                     trade.delivered_wh, penalty)


def slot_bill(slot: int, lines: Sequence[TradeLine], reading: tuple[int, int] | None,
              tariffs: Tariffs) -> SlotBill:
    """One slot's bill from the household's trade lines of that slot and its reading."""
    bought = sum(line.quantity_wh for line in lines if line.side == BUY)
    sales = [line for line in lines if line.side == SELL]
    delivered = sum(line.delivered_wh or 0 for line in sales)
    grid = None
    if reading is not None and all(line.settled for line in lines):
        grid = grid_bill(reading[0], reading[1], bought, delivered, tariffs)
    return SlotBill(slot, reading, bought, sum(line.quantity_wh for line in sales), delivered,
                    sum(line.amount for line in lines if line.side == BUY),
                    sum(line.amount for line in sales), sum(line.penalty for line in sales),
                    grid)


def statement(household: str, slots: range, trades: Sequence[Trade],
              readings: Mapping[int, tuple[int, int]], ratings: Sequence[Rating],
              tariffs: Tariffs, bid_takes: Collection[int] = ()) -> Statement:
    """The statement of ``household`` over ``slots``: ``trades`` are its trades (settled
    ones with ``delivered_wh``), ``readings`` its meter's (export, import) per slot,
    ``ratings`` those of its trades, ``bid_takes`` the ids of trades a seller made by
    taking a bid. Facts outside ``slots`` (or of other households) are left out."""
    if not isinstance(slots, range) or slots.step != 1:
        raise MarketError(f"slots must be a range of consecutive slots, e.g. range(40, 48), "
                          f"got {slots!r}")
    mine = sorted((t for t in trades if t.slot in slots and household in (t.buyer, t.seller)),
                  key=lambda t: (t.slot, t.id))
    lines = tuple(trade_line(t, household, t.id in bid_takes, tariffs.retail) for t in mine)
    by_slot: dict[int, list[TradeLine]] = {}
    for line in lines:
        by_slot.setdefault(line.slot, []).append(line)
    wanted = sorted(set(by_slot) | {slot for slot in readings if slot in slots})
    bills = tuple(slot_bill(slot, by_slot.get(slot, []), readings.get(slot), tariffs)
                  for slot in wanted)
    traded = {line.trade_id: line for line in lines}
    given, received = [], []
    for rating in sorted(ratings, key=lambda r: (r.trade_id, r.rater)):
        if rating.trade_id not in traded:
            continue
        if rating.rater == household:
            given.append(RatingLine(rating.trade_id, rating.rated, rating.stars, True))
        elif rating.rated == household:
            received.append(RatingLine(rating.trade_id, rating.rater, rating.stars, False))
    return Statement(household, slots, lines, bills, tuple(given), tuple(received))
