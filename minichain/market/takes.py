"""Direct trades: a buyer takes part of an offer, a seller takes part of a bid (chapters 09-10).

Before gate closure a registered household need not wait for the auction: it may trade at
once with one order of the book, at that order's own price (``docs/market_rules.md``,
"Direct takes"). The two directions mirror each other:

* **a buyer takes an offer** (``take_offer``): ``amount_for(q, offer price)`` leaves the
  buyer's free deposit and the trade holds it; the seller's bond, locked when the offer was
  posted, now also covers the taken Wh;
* **a seller takes a bid** (``take_bid``): the bid's escrow already covers the trade, so
  ``amount_for(q, bid price)`` moves from the escrow into the trade; the seller locks a
  delivery bond of ``amount_for(q, retail)`` from its free deposit in a sell order of its
  own that the take fills at once. Settlement then treats that order like any other sale:
  its bond pays any shortfall, and the rest goes back.

Either way the order keeps ``q`` fewer Wh for the auction, the trade is recorded at once
(a slot's direct trades come before its auction's), and the order's minimum partner
reputation applies to the taker's score at the time of the take.

These functions apply the checks in the market contract's order and say what moves; a
refusal raises ``TakeRefused`` with the contract's own reason. The taker must be a
registered household (the registry's question, asked first) and, for a bid, the slot's
book must have room for the seller's filled order (asked last): the caller checks those.
"""

from __future__ import annotations

from dataclasses import dataclass

from minichain.errors import TakeRefused
from minichain.market.orders import BUY, SELL, Order, Tariffs
from minichain.market.trades import Trade
from minichain.market.units import amount_for

# The contract's reasons, in the order it checks them.
NO_OFFER = "no such open offer"
NO_BID = "no such open bid"
GATE_CLOSED = "the slot's gate has closed"
BAD_QUANTITY = "quantity must be positive"
OFFER_TOO_SMALL = "the offer has less left"
BID_TOO_SMALL = "the bid has less left"
OWN_OFFER = "self-trade: this is your own offer"
OWN_BID = "self-trade: this is your own bid"
OFFER_REPUTATION = "your reputation is below the offer's minimum"
BID_REPUTATION = "your reputation is below the bid's minimum"
NO_FUNDS = "not enough free deposit"


@dataclass(frozen=True)
class Take:
    """What a direct take moves: the trade, and the money each party locks for it."""

    trade: Trade         # not numbered yet (id 0); for a bid, sell_order is the seller's new order
    from_free: int       # what leaves the taker's free deposit: the buyer's payment, or the
                         # seller's bond
    from_escrow: int     # what moves from the bid's escrow into the trade (0 for an offer)
    left_wh: int         # the order's Wh still open after the take


def take_offer(offer: Order | None, buyer: str, quantity_wh: int, *, gate_open: bool,
               buyer_score: int, buyer_free: int) -> Take:
    """A buyer takes ``quantity_wh`` of ``offer`` (None: no such open offer) at its price."""
    if offer is None or offer.side != SELL:
        raise TakeRefused(NO_OFFER)
    _check(offer, buyer, quantity_wh, gate_open, buyer_score,
           (OFFER_TOO_SMALL, OWN_OFFER, OFFER_REPUTATION))
    amount = amount_for(quantity_wh, offer.price)
    if amount > buyer_free:
        raise TakeRefused(NO_FUNDS)
    trade = Trade(buyer=buyer, seller=offer.owner, quantity_wh=quantity_wh, price=offer.price,
                  seller_price=offer.price, buy_order=0, sell_order=offer.id, slot=offer.slot)
    return Take(trade, amount, 0, offer.quantity_wh - quantity_wh)


def take_bid(bid: Order | None, seller: str, quantity_wh: int, *, gate_open: bool,
             seller_score: int, seller_free: int, tariffs: Tariffs, sell_order: int) -> Take:
    """A seller takes ``quantity_wh`` of ``bid`` (None: no such open bid) at its price; its
    bond goes into a new sell order, ``sell_order``, filled at once."""
    if bid is None or bid.side != BUY:
        raise TakeRefused(NO_BID)
    _check(bid, seller, quantity_wh, gate_open, seller_score,
           (BID_TOO_SMALL, OWN_BID, BID_REPUTATION))
    bond = amount_for(quantity_wh, tariffs.retail)
    if bond > seller_free:
        raise TakeRefused(NO_FUNDS)
    trade = Trade(buyer=bid.owner, seller=seller, quantity_wh=quantity_wh, price=bid.price,
                  seller_price=bid.price, buy_order=bid.id, sell_order=sell_order, slot=bid.slot)
    return Take(trade, bond, amount_for(quantity_wh, bid.price), bid.quantity_wh - quantity_wh)


def _check(order: Order, taker: str, quantity_wh: int, gate_open: bool, taker_score: int,
           reasons: tuple[str, str, str]) -> None:
    """The checks both directions share, in the contract's order (``order.quantity_wh`` is
    what the order still has open)."""
    too_small, own, reputation = reasons
    if not gate_open:
        raise TakeRefused(GATE_CLOSED)
    if not isinstance(quantity_wh, int) or isinstance(quantity_wh, bool) or quantity_wh <= 0:
        raise TakeRefused(BAD_QUANTITY)
    if quantity_wh > order.quantity_wh:
        raise TakeRefused(too_small)
    if taker == order.owner:
        raise TakeRefused(own)
    if taker_score < order.min_reputation:
        raise TakeRefused(reputation)
