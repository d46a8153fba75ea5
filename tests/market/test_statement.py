"""A household's statement (chapter 10), worked by hand: Alice's two slots on Sunny Street.

Slot 40: Carol takes 0.3 kWh of Alice's offer at 12; Alice sells 0.6 kWh into Bob's bid at
25 and delivers only 0.4 of it; her meter shows 0.7 kWh exported and 0.25 kWh imported.
Slot 41: Alice buys 1 kWh from Carol in the auction at 17; the slot is not settled yet.
Bob rates Alice 2 stars for the short delivery and Alice rates him 5. Tariffs 8 and 30.
"""

from __future__ import annotations

import pytest

from minichain.errors import MarketError
from minichain.market.orders import BUY, SELL, Tariffs
from minichain.market.settlement import GridBill
from minichain.market.statement import (AUCTION, BID_TAKEN, OFFER_TAKEN, TOOK_BID, TOOK_OFFER,
                                        Rating, RatingLine, SlotBill, TradeLine, statement,
                                        trade_line)
from minichain.market.trades import Trade
from minichain.wallet import Wallet

ALICE, BOB, CAROL, DAVE = (Wallet.from_seed(n).address for n in ("alice", "bob", "carol", "dave"))
TARIFFS = Tariffs(feed_in=8, retail=30)

TRADES = [
    Trade(id=1, slot=40, buyer=CAROL, seller=ALICE, buy_order=0, sell_order=1,
          quantity_wh=300, price=12, seller_price=12, delivered_wh=300),
    Trade(id=2, slot=40, buyer=BOB, seller=ALICE, buy_order=3, sell_order=4,
          quantity_wh=600, price=25, seller_price=25, delivered_wh=400),
    Trade(id=3, slot=40, buyer=BOB, seller=CAROL, buy_order=3, sell_order=2,
          quantity_wh=500, price=17, seller_price=17, delivered_wh=500),     # not Alice's
    Trade(id=4, slot=41, buyer=ALICE, seller=CAROL, buy_order=5, sell_order=6,
          quantity_wh=1_000, price=17, seller_price=17),                     # not settled
    Trade(id=5, slot=42, buyer=DAVE, seller=ALICE, buy_order=0, sell_order=7,
          quantity_wh=100, price=20, seller_price=20),                       # a later slot
]
READINGS = {39: (0, 400), 40: (700, 250), 41: (0, 1_200), 42: (100, 0)}
RATINGS = [Rating(2, BOB, ALICE, 2), Rating(2, ALICE, BOB, 5), Rating(3, BOB, CAROL, 4),
           Rating(5, DAVE, ALICE, 1)]


@pytest.fixture
def alice():
    return statement(ALICE, range(40, 42), TRADES, READINGS, RATINGS, TARIFFS, bid_takes={2})


def test_each_trade_is_seen_from_the_households_side(alice):
    assert alice.trades == (
        TradeLine(1, 40, SELL, CAROL, OFFER_TAKEN, 300, 12, 3, 300, 0),
        # 0.2 kWh short: the penalty is 0.2 kWh at retail 30 = 6
        TradeLine(2, 40, SELL, BOB, TOOK_BID, 600, 25, 15, 400, 6),
        TradeLine(4, 41, BUY, CAROL, AUCTION, 1_000, 17, 17, None, 0))
    assert [line.shortfall_wh for line in alice.trades] == [0, 200, 0]
    assert [line.settled for line in alice.trades] == [True, True, False]


def test_each_slot_has_its_bill_and_the_utilitys_waits_for_settlement(alice):
    # slot 40: 0.25 kWh imported beyond the 0 kWh she bought, at retail: 7; all 0.7 kWh
    # exported were delivered, so the utility buys nothing from her
    assert alice.bills == (
        SlotBill(40, (700, 250), bought_wh=0, sold_wh=900, delivered_wh=700, paid=0,
                 received=18, penalties=6, grid=GridBill(250, 0, 7, 0)),
        SlotBill(41, (0, 1_200), bought_wh=1_000, sold_wh=0, delivered_wh=0, paid=17,
                 received=0, penalties=0, grid=None))
    assert [bill.net for bill in alice.bills] == [18 - 6 - 7, None]
    assert alice.pending == (41,)


def test_the_totals_add_up_the_lines(alice):
    assert (alice.bought_wh, alice.sold_wh, alice.shortfall_wh) == (1_000, 900, 200)
    assert (alice.paid, alice.received, alice.penalties) == (17, 18, 6)
    assert (alice.grid_pays, alice.grid_receives, alice.net) == (7, 0, 5)


def test_ratings_given_and_received_for_the_trades_in_range(alice):
    assert alice.ratings_given == (RatingLine(2, BOB, 5, True),)
    assert alice.ratings_received == (RatingLine(2, BOB, 2, False),)     # not Dave's: slot 42


def test_the_buyers_side_names_how_the_trade_was_made():
    bob = statement(BOB, range(40, 41), TRADES, {}, RATINGS, TARIFFS, bid_takes={2})
    assert [(line.trade_id, line.side, line.how, line.amount) for line in bob.trades] == [
        (2, BUY, BID_TAKEN, 15), (3, BUY, AUCTION, 8)]
    carol = statement(CAROL, range(40, 41), TRADES, {}, RATINGS, TARIFFS)
    assert [(line.trade_id, line.how) for line in carol.trades] == [(1, TOOK_OFFER),
                                                                    (3, AUCTION)]
    # no reading: the utility's bill is not known
    assert [bill.grid for bill in carol.bills] == [None]


def test_a_slot_with_only_a_reading_is_billed_by_the_utility_alone():
    dave = statement(DAVE, range(39, 41), TRADES, {39: (0, 400), 40: (120, 0)}, [], TARIFFS)
    assert dave.trades == ()
    assert [(bill.slot, bill.grid) for bill in dave.bills] == [
        (39, GridBill(400, 0, 12, 0)), (40, GridBill(0, 120, 0, 0))]   # 120 Wh x 8: 0.96
    assert dave.net == -12


def test_a_statement_needs_a_range_of_consecutive_slots_and_a_party():
    with pytest.raises(MarketError, match="slots must be a range of consecutive slots"):
        statement(ALICE, [40, 41], TRADES, {}, [], TARIFFS)
    with pytest.raises(MarketError, match="slots must be a range of consecutive slots"):
        statement(ALICE, range(40, 48, 2), TRADES, {}, [], TARIFFS)
    with pytest.raises(MarketError, match="trade 3 is between"):
        trade_line(TRADES[2], ALICE, False, TARIFFS.retail)
