"""Escrow, bonds and settlement off chain (chapter 10): every token accounted for.

One slot on Sunny Street, worked by hand: Alice offers 2 kWh at 12; Carol takes 0.3 kWh of
it directly; at gate closure Bob (1.5 kWh at 25) and Carol (1 kWh at 20) bid, and McAfee
clears the rest. Alice's meter then shows only 1 kWh exported. Then properties: on random
books, mechanisms and readings, clearing and settlement move every locked token exactly
once and never create or destroy one.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from minichain.market.auction import MECHANISMS, MCAFEE, UTILITY, clear
from minichain.market.orders import BUY, SELL, Order, Tariffs
from minichain.market.trades import Trade
from minichain.market.settlement import (Delivery, GridBill, Release,
                                         after_clearing, after_curtailment, delivered_by_seller,
                                         grid_bill, locked_for, market_trades, settle_slot,
                                         share_export)
from minichain.market.units import amount_for
from minichain.errors import SettlementError
from minichain.wallet import Wallet

ALICE, BOB, CAROL = (Wallet.from_seed(n).address for n in ("alice", "bob", "carol"))
TARIFFS = Tariffs(feed_in=8, retail=30)
SLOT = 8

OFFER = Order(1, ALICE, SELL, 2_000, 12, SLOT)
TAKE = Trade(id=1, slot=SLOT, buyer=CAROL, seller=ALICE, buy_order=0, sell_order=1,
             quantity_wh=300, price=12, seller_price=12)     # Carol takes 300 Wh
BOOK = (Order(1, ALICE, SELL, 1_700, 12, SLOT),                  # what is left of the offer
        Order(2, BOB, BUY, 1_500, 25, SLOT), Order(3, CAROL, BUY, 1_000, 20, SLOT))
LOCKED = {1: locked_for(SELL, 2_000, 12, TARIFFS), 2: locked_for(BUY, 1_500, 25, TARIFFS),
          3: locked_for(BUY, 1_000, 20, TARIFFS)}


def test_posting_locks_the_buyers_escrow_or_the_sellers_delivery_bond():
    # Bob's escrow: 1.5 kWh at his limit 25; Alice's bond: 2 kWh at the retail tariff 30
    assert LOCKED == {1: 60, 2: 37, 3: 20}
    with pytest.raises(SettlementError, match="side must be 'buy' or 'sell'"):
        locked_for("hold", 1, 1, TARIFFS)


def test_clearing_returns_escrow_beyond_the_trades_and_bonds_for_unsold_wh():
    clearing = clear(MCAFEE, BOOK, TARIFFS)
    # one merit walk: Bob 1,500 Wh and Carol 200 Wh of Alice's 1,700; no bid or ask comes
    # after them, so p0 = (feed-in 8 + retail 30) // 2 = 19, inside [12, 20]
    trades = market_trades(clearing, first_id=2)
    assert [(t.id, t.buyer, t.quantity_wh, t.price, t.amount) for t in trades] == [
        (2, BOB, 1_500, 19, 28), (3, CAROL, 200, 19, 3)]
    money = after_clearing(BOOK, LOCKED, clearing, TARIFFS)
    assert money.refunds == (Release(2, BOB, 37 - 28), Release(3, CAROL, 20 - 3))
    assert money.releases == (Release(1, ALICE, 0),)      # all 1,700 Wh sold
    assert money.bonds == {1: 60} and money.surplus == 0


def test_settlement_shares_the_export_over_the_trades_in_trade_order():
    trades = [TAKE] + market_trades(clear(MCAFEE, BOOK, TARIFFS), first_id=2)
    # Alice exported 1,000 Wh: the take gets its 300 first, Bob the next 700 of his 1,500,
    # Carol's auction trade nothing
    assert share_export(trades, {ALICE: 1_000}) == [(300, 0), (700, 800), (0, 200)]
    settled = settle_slot(trades, {ALICE: 1_000}, {1: (ALICE, 60)}, TARIFFS)
    assert settled.deliveries == (
        Delivery(1, ALICE, CAROL, 300, 300, 0, paid=3, penalty=0),
        Delivery(2, ALICE, BOB, 1_500, 700, 800, paid=28, penalty=24),
        Delivery(3, ALICE, CAROL, 200, 0, 200, paid=3, penalty=6))
    # the penalties (800 + 200 Wh at retail) come out of the bond; its rest goes back
    assert settled.penalties == 30
    assert settled.bond_returns == (Release(1, ALICE, 60 - 30),)
    assert settled.credit(ALICE) == 3 + 28 + 3 + 30 and settled.credit(UTILITY) == 30
    assert settled.credits == tuple(sorted(((ALICE, 64), (UTILITY, 30))))
    assert delivered_by_seller(settled.deliveries) == {ALICE: 1_000}


def test_a_seller_without_a_reading_delivered_nothing_and_pays_for_all_of_it():
    settled = settle_slot([TAKE], {}, {1: (ALICE, 60)}, TARIFFS, utility="grid")
    assert settled.deliveries == (Delivery(1, ALICE, CAROL, 300, 0, 300, 3, 9),)
    assert settled.credits == ((ALICE, 3 + 51), ("grid", 9))


@pytest.mark.parametrize("trades, exports, bonds, message", [
    ([TAKE, TAKE], {}, {1: (ALICE, 60)}, "trade order"),
    ([TAKE, Trade(id=2, slot=SLOT + 1, buyer=BOB, seller=ALICE, buy_order=0, sell_order=1,
                  quantity_wh=1, price=12, seller_price=12)], {}, {1: (ALICE, 60)},
     "one slot at a time"),
    ([TAKE], {}, {}, "sell order 1 holds no bond"),
    ([TAKE], {ALICE: -1}, {1: (ALICE, 60)}, "whole Wh >= 0"),
    ([TAKE], {}, {1: (ALICE, 8)}, "the penalty 9 is more than the bond 8"),
])
def test_a_settlement_that_cannot_add_up_is_refused(trades, exports, bonds, message):
    with pytest.raises(SettlementError, match=message):
        settle_slot(trades, exports, bonds, TARIFFS)


def test_clearing_money_needs_what_every_order_holds():
    with pytest.raises(SettlementError, match="order 3 is in the book but holds no escrow"):
        after_clearing(BOOK, {1: 60, 2: 37}, clear(MCAFEE, BOOK, TARIFFS), TARIFFS)


def test_the_grid_bills_what_the_meter_shows_beyond_the_market():
    # Bob bought 1,500 Wh but imported 2,100: 600 Wh at retail; Alice exported 1,000 of
    # which 1,000 were delivered in trades: nothing left at feed-in
    assert grid_bill(0, 2_100, 1_500, 0, TARIFFS) == GridBill(600, 0, 18, 0)
    assert grid_bill(1_000, 0, 0, 1_000, TARIFFS) == GridBill(0, 0, 0, 0)
    # a meter that saw 2,500 Wh out and 100 in: net 2,400 out, of which the market booked
    # 1,000 delivered; the 300 Wh bought came in and went out again with the rest, so the
    # utility carried 2,400 - 1,000 + 300 = 1,700 Wh out (utility_exchange: each Wh once)
    assert grid_bill(2_500, 100, 300, 1_000, TARIFFS) == GridBill(0, 1_700, 0, 13)
    with pytest.raises(SettlementError, match="more than the export"):
        grid_bill(10, 0, 0, 11, TARIFFS)


# --- properties -------------------------------------------------------------------------------

OWNERS = [Wallet.from_seed(f"owner-{i}").address for i in range(5)]


@st.composite
def slots(draw):
    """A book (ids from 10), a few direct takes of its offers, and the meters' exports."""
    orders = []
    for i in range(draw(st.integers(0, 10))):
        orders.append(Order(10 + i, draw(st.sampled_from(OWNERS)),
                            draw(st.sampled_from([BUY, SELL])),
                            draw(st.sampled_from([1, 333, 1_000, 2_500])),
                            draw(st.integers(8, 30)), SLOT))
    exports = draw(st.dictionaries(st.sampled_from(OWNERS), st.integers(0, 6_000), max_size=5))
    takes = draw(st.lists(st.tuples(st.integers(0, 50), st.sampled_from(OWNERS),
                                    st.integers(1, 100)), max_size=4))
    return orders, exports, takes


@settings(max_examples=200, deadline=None)
@given(slots(), st.sampled_from(sorted(MECHANISMS)))
def test_clearing_and_settlement_move_every_locked_token_exactly_once(slot, mechanism):
    orders, exports, take_plan = slot
    locked = {o.id: locked_for(o.side, o.quantity_wh, o.price, TARIFFS) for o in orders}
    # direct takes shrink offers before clearing; the buyer's money goes into the trade
    left = {o.id: o.quantity_wh for o in orders}
    offers = [o for o in orders if o.side == SELL]
    takes, paid_in = [], 0
    for n, (pick, buyer, percent) in enumerate(take_plan):
        if not offers:
            break
        offer = offers[pick % len(offers)]
        quantity = left[offer.id] * percent // 100
        if quantity == 0 or buyer == offer.owner:
            continue
        left[offer.id] -= quantity
        takes.append(Trade(id=len(takes) + 1, slot=SLOT, buyer=buyer, seller=offer.owner,
                           buy_order=0, sell_order=offer.id, quantity_wh=quantity,
                           price=offer.price, seller_price=offer.price))
        paid_in += amount_for(quantity, offer.price)
    book = [Order(o.id, o.owner, o.side, left[o.id], o.price, SLOT)
            for o in orders if left[o.id] > 0]
    clearing = clear(mechanism, book, TARIFFS)
    money = after_clearing(book, {o.id: locked[o.id] for o in book}, clearing, TARIFFS)
    auction = market_trades(clearing, first_id=len(takes) + 1)
    bonds = {o.id: money.bonds.get(o.id, locked[o.id]) for o in orders if o.side == SELL}
    held_by_trades = sum(t.seller_amount for t in takes + auction)
    # clearing: what was locked is now refunded, released, surplus, held in trades or bonds
    before = sum(locked.values()) + paid_in
    after = (sum(r.amount for r in money.refunds + money.releases) + money.surplus
             + held_by_trades + sum(bonds.values()))
    assert before == after
    # settlement: what trades and bonds held comes out as credits, to the token
    owners = {o.id: o.owner for o in orders}
    settled = settle_slot(takes + auction, exports,
                          {order: (owners[order], bond) for order, bond in bonds.items()},
                          TARIFFS)
    assert sum(amount for _, amount in settled.credits) == held_by_trades + sum(bonds.values())
    # each seller delivered what it exported, up to what it sold, in trade order
    for seller in OWNERS:
        sold = sum(t.quantity_wh for t in takes + auction if t.seller == seller)
        assert delivered_by_seller(settled.deliveries).get(seller, 0) == min(
            sold, exports.get(seller, 0))
    assert all(d.penalty == amount_for(d.shortfall_wh, TARIFFS.retail)
               for d in settled.deliveries)


@settings(max_examples=200, deadline=None)
@given(quantity=st.integers(1, 50_000), cut=st.integers(0, 50_000),
       price=st.integers(8, 30), reduction=st.integers(0, 22))
def test_a_curtailment_moves_every_token_of_the_cut_wh_exactly_once(quantity, cut, price,
                                                                      reduction):
    tariffs = Tariffs(feed_in=8, retail=30)
    accepted = quantity - min(cut, quantity)
    seller_price = max(price - reduction, 8)
    trade = Trade(id=7, slot=3, buyer="bob", seller="alice", buy_order=2, sell_order=1,
                  quantity_wh=quantity, price=price, seller_price=seller_price)
    step = after_curtailment(trade, accepted, tariffs)
    assert step.trade.quantity_wh == accepted and step.trade.id == 7
    # the buyer's refund comes from what the trade held and the fund's share of the surplus
    assert step.refund == trade.amount - step.trade.amount
    assert step.refund == (trade.seller_amount - step.trade.seller_amount) + step.fund_back
    assert step.released == amount_for(quantity - accepted, tariffs.retail)
    # what stays in the bond still covers a total shortfall of the accepted Wh
    assert amount_for(quantity, tariffs.retail) - step.released >= amount_for(accepted,
                                                                              tariffs.retail)


def test_a_trade_cannot_be_curtailed_above_its_quantity():
    trade = Trade(id=1, slot=0, buyer="bob", seller="alice", buy_order=2, sell_order=1,
                  quantity_wh=1_000, price=12, seller_price=12)
    with pytest.raises(SettlementError, match="0..1000 Wh, got 1001"):
        after_curtailment(trade, 1_001, Tariffs(feed_in=8, retail=30))
