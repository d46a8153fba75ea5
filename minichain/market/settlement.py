"""Escrow, bonds and settlement, off chain: where the market's money goes (chapter 10).

The market contract (``minichain/contracts/sources/market.py``) moves tokens between its internal
accounts (free deposits, buy escrow, sell bonds, the utility and the community fund) at
three moments; these pure functions say what it must move, so the differential tests can
compare every token (``docs/market_rules.md``, "Money held by the market" and
"Settlement after the readings"):

1. **Posting.** A buy order locks ``amount_for(q, price)`` of its owner's free deposit; a
   sell order locks a delivery bond of ``amount_for(q, retail)`` (``locked_for``).
2. **Clearing** (``after_clearing``). Each buy order's escrow beyond what its trades cost
   returns to its owner; each sell order's bond for the Wh it did not sell,
   ``amount_for(unsold, retail)``, returns to its owner; McAfee's budget surplus goes to
   the community fund. Every trade keeps what its seller will receive until settlement.
3. **Curtailment** (``after_curtailment``). Between clearing and settlement the grid
   operator may cut a trade to fewer Wh: the buyer gets back
   ``amount_for(q, price) - amount_for(accepted, price)``, the seller its bond for the cut
   Wh, ``amount_for(q - accepted, retail)``; the trade then holds
   ``amount_for(accepted, seller_price)`` and McAfee's fund returns (or gains) the rest.
4. **Settlement** (``settle_slot``). Per seller, the export its meter reported for the
   slot (0 without a reading) is shared over its trades in trade order (direct takes
   first, then the auction's trades in walk order): ``delivered = min(traded, export
   left)``. The seller receives the trade's amount; it pays the utility
   ``amount_for(shortfall, retail)`` from the bond; after the slot's trades, every bond's
   rest returns to its owner.

Rounding: every amount is computed once, rounded down, and moved whole, so no step ever
creates or destroys a token. The bond always covers the penalties, because
``amount_for(a) + amount_for(b) <= amount_for(a + b)``.

``grid_bill`` is the part that stays off chain: energy a household imported beyond what it
bought is sold by the utility at retail, energy it exported beyond what it delivered is
bought at feed-in (the simulator bills it from the same readings).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from minichain.market.auction import UTILITY, Clearing
from minichain.market.orders import BUY, SELL, Order, Tariffs
from minichain.market.trades import Trade
from minichain.market.units import amount_for
from minichain.errors import SettlementError


def locked_for(side: str, quantity_wh: int, price: int, tariffs: Tariffs) -> int:
    """What posting an order locks: a buyer's escrow, or a seller's delivery bond."""
    if side == BUY:
        return amount_for(quantity_wh, price)
    if side == SELL:
        return amount_for(quantity_wh, tariffs.retail)
    raise SettlementError(f"side must be 'buy' or 'sell', got {side!r}")


def market_trades(clearing: Clearing, first_id: int) -> list[Trade]:
    """The auction's trades numbered from ``first_id`` in walk order, as the market records them."""
    return [trade.numbered(first_id + n) for n, trade in enumerate(clearing.trades)]


@dataclass(frozen=True)
class Release:
    """Tokens that go back from an order's escrow or bond to its owner's free deposit."""

    order_id: int
    owner: str
    amount: int


@dataclass(frozen=True)
class ClearingMoney:
    """What clearing a slot moves: refunds, bond releases, the surplus, and what stays held."""

    refunds: tuple[Release, ...]      # buy orders, by id: escrow beyond their trades' cost
    releases: tuple[Release, ...]     # sell orders, by id: bond for the Wh they did not sell
    surplus: int                      # McAfee's budget surplus, to the community fund
    bonds: dict[int, int]             # sell order id -> bond still held after clearing


def after_clearing(book: Sequence[Order], locked: Mapping[int, int],
                   clearing: Clearing, tariffs: Tariffs) -> ClearingMoney:
    """The money step of clearing: ``book`` is what entered the auction (each order with the
    Wh it still had open), ``locked`` what each of those orders held before clearing."""
    paid: dict[int, int] = {}
    sold: dict[int, int] = {}
    for trade in clearing.trades:
        paid[trade.buy_order] = paid.get(trade.buy_order, 0) + trade.amount
        sold[trade.sell_order] = sold.get(trade.sell_order, 0) + trade.quantity_wh
    refunds, releases, bonds = [], [], {}
    for order in sorted(book, key=lambda order: order.id):
        if order.id not in locked:
            raise SettlementError(f"order {order.id} is in the book but holds no escrow or bond")
        held = locked[order.id]
        if order.side == BUY:
            refund = held - paid.get(order.id, 0)
            if refund < 0:
                raise SettlementError(f"buy order {order.id} holds {held} but its trades cost "
                                      f"{paid.get(order.id, 0)}")
            refunds.append(Release(order.id, order.owner, refund))
        else:
            release = amount_for(order.quantity_wh - sold.get(order.id, 0), tariffs.retail)
            releases.append(Release(order.id, order.owner, release))
            bonds[order.id] = held - release
    return ClearingMoney(tuple(refunds), tuple(releases), clearing.surplus, bonds)


@dataclass(frozen=True)
class CurtailmentMoney:
    """What cutting a cleared trade to fewer Wh moves (the grid operator's check)."""

    trade: Trade            # the same trade for the accepted Wh
    refund: int             # to the buyer's free deposit
    released: int           # from the sell order's bond to the seller's free deposit
    fund_back: int          # from the community fund to the buyer (negative: to the fund)


def after_curtailment(trade: Trade, accepted_wh: int, tariffs: Tariffs) -> CurtailmentMoney:
    """The money step of cutting ``trade`` to ``accepted_wh``: each amount computed once."""
    cut = trade.cut_to(accepted_wh)
    refund = trade.amount - cut.amount
    held_back = trade.seller_amount - cut.seller_amount
    return CurtailmentMoney(cut, refund,
                            amount_for(trade.quantity_wh - accepted_wh, tariffs.retail),
                            refund - held_back)


@dataclass(frozen=True)
class Delivery:
    """How one trade settled: what the meter showed delivered and who was paid what."""

    trade_id: int
    seller: str
    buyer: str
    quantity_wh: int
    delivered_wh: int
    shortfall_wh: int
    paid: int            # to the seller, from the buyer's escrow
    penalty: int         # from the seller's bond to the utility: amount_for(shortfall, retail)


@dataclass(frozen=True)
class SlotSettlement:
    """Everything settling one slot moves."""

    deliveries: tuple[Delivery, ...]        # in trade order
    bond_returns: tuple[Release, ...]       # every bond's rest, by order id
    penalties: int                          # total to the utility
    credits: tuple[tuple[str, int], ...]    # what each account's free deposit gains, by account

    def credit(self, account: str) -> int:
        """What one account's free deposit gains in this settlement."""
        return dict(self.credits).get(account, 0)


def share_export(trades: Sequence[Trade],
                 exports: Mapping[str, int]) -> list[tuple[int, int]]:
    """(delivered, shortfall) per trade: each seller's export shared over its trades in order."""
    left = {}
    shares = []
    for trade in trades:
        have = left.get(trade.seller, exports.get(trade.seller, 0))
        delivered = min(trade.quantity_wh, have)
        left[trade.seller] = have - delivered
        shares.append((delivered, trade.quantity_wh - delivered))
    return shares


def settle_slot(trades: Sequence[Trade], exports: Mapping[str, int],
                bonds: Mapping[int, tuple[str, int]], tariffs: Tariffs,
                utility: str = UTILITY) -> SlotSettlement:
    """Settle one slot: ``trades`` in trade order (ascending id), ``exports`` each seller's
    metered export in Wh (missing: 0), ``bonds`` every sell order of the slot that still holds
    a bond, as order id -> (owner, bond)."""
    ids = [trade.id for trade in trades]
    if ids != sorted(set(ids)):
        raise SettlementError(f"trades must come in trade order (ascending, unique ids), got {ids}")
    if len({trade.slot for trade in trades}) > 1:
        raise SettlementError("settle one slot at a time; the trades are for slots "
                              f"{sorted({trade.slot for trade in trades})}")
    for seller, exported in exports.items():
        if not isinstance(exported, int) or exported < 0:
            raise SettlementError(f"the export of {seller} must be whole Wh >= 0, got {exported!r}")
    held = {order: amount for order, (_, amount) in bonds.items()}
    credits: dict[str, int] = {}
    deliveries = []
    penalties = 0
    for trade, (delivered, shortfall) in zip(trades, share_export(trades, exports)):
        if trade.sell_order not in held:
            raise SettlementError(f"trade {trade.id}: sell order {trade.sell_order} holds no bond")
        penalty = amount_for(shortfall, tariffs.retail)
        if penalty > held[trade.sell_order]:
            raise SettlementError(f"trade {trade.id}: the penalty {penalty} is more than the "
                                  f"bond {held[trade.sell_order]} of order {trade.sell_order}")
        held[trade.sell_order] -= penalty
        penalties += penalty
        _credit(credits, trade.seller, trade.seller_amount)
        _credit(credits, utility, penalty)
        deliveries.append(Delivery(trade.id, trade.seller, trade.buyer, trade.quantity_wh,
                                   delivered, shortfall, trade.seller_amount, penalty))
    returns = []
    for order in sorted(bonds):
        owner = bonds[order][0]
        returns.append(Release(order, owner, held[order]))
        _credit(credits, owner, held[order])
    return SlotSettlement(tuple(deliveries), tuple(returns), penalties,
                          tuple(sorted((account, amount) for account, amount in credits.items()
                                       if amount)))


def _credit(credits: dict[str, int], account: str, amount: int) -> None:
    credits[account] = credits.get(account, 0) + amount


def utility_exchange(meter_export_wh: int, bought_wh: int, delivered_wh: int) -> tuple[int, int]:
    """(import, export) with the utility: what a home's meter saw beyond its market trades.

    ``meter_export_wh`` is the slot's net export (negative: the home drew energy in). The
    market says the home received ``bought_wh`` and delivered ``delivered_wh``, so what
    the utility carried is ``net = meter_export_wh - delivered_wh + bought_wh``: it
    imported ``max(0, -net)`` and exported ``max(0, net)``. A home that bought energy and
    still exported resells the bought Wh to the utility at feed-in: every Wh is booked
    exactly once, so a day's records balance by construction (``day.kpis``).
    """
    net = meter_export_wh - delivered_wh + bought_wh
    return max(0, -net), max(0, net)


@dataclass(frozen=True)
class GridBill:
    """One household's energy outside the market in one slot, billed by the utility."""

    imported_wh: int      # imported beyond what it bought in the market
    exported_wh: int      # exported beyond what it delivered in the market
    pays: int             # amount_for(imported_wh, retail)
    receives: int         # amount_for(exported_wh, feed_in)


def grid_bill(export_wh: int, import_wh: int, bought_wh: int, delivered_wh: int,
              tariffs: Tariffs) -> GridBill:
    """The utility's bill for the energy a household's meter shows beyond its market trades:
    ``utility_exchange`` of the reading's net export, each amount rounded once."""
    for name, value in (("export_wh", export_wh), ("import_wh", import_wh),
                        ("bought_wh", bought_wh), ("delivered_wh", delivered_wh)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise SettlementError(f"{name} must be whole Wh >= 0, got {value!r}")
    if delivered_wh > export_wh:
        raise SettlementError(f"delivered {delivered_wh} Wh is more than the export "
                              f"{export_wh} Wh the meter shows")
    imported, exported = utility_exchange(export_wh - import_wh, bought_wh, delivered_wh)
    return GridBill(imported, exported, amount_for(imported, tariffs.retail),
                    amount_for(exported, tariffs.feed_in))


def delivered_by_seller(deliveries: Iterable[Delivery]) -> dict[str, int]:
    """Delivered Wh per seller over a settlement's trades (what ``grid_bill`` needs)."""
    total: dict[str, int] = {}
    for delivery in deliveries:
        total[delivery.seller] = total.get(delivery.seller, 0) + delivery.delivered_wh
    return total
