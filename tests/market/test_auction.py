"""The energy double auction (chapter 09): one afternoon on Sunny Street, cleared three ways.

Every number below is worked out by hand from the rules in ``minichain.market.auction``'s
docstring, so these tests are also worked examples for the contract author.
"""

from __future__ import annotations

import pytest

from minichain.encoding import encode
from minichain.market.auction import (COMMUNITY_FUND, MCAFEE, MECHANISMS, PAY_AS_BID,
                                      UNIFORM_PRICE, UTILITY, Clearing, Fill, Flow, Trade,
                                      clear, clear_mcafee, clear_pay_as_bid,
                                      clear_uniform_price, k_price, merit_order, merit_walk)
from minichain.market.orders import BUY, SELL, Order, Tariffs
from minichain.errors import InvalidAuctionParameter, MixedSlots, PriceOutOfBand
from minichain.wallet import Wallet

ALICE, BOB, CAROL, DAVE, ERIN, FRANK = (Wallet.from_seed(name).address for name in
                                        ("alice", "bob", "carol", "dave", "erin", "frank"))
TARIFFS = Tariffs(feed_in=8, retail=30)
SLOT = 52


def sell(id: int, owner: str, wh: int, price: int) -> Order:
    return Order(id=id, owner=owner, side=SELL, quantity_wh=wh, price=price, slot=SLOT)


def buy(id: int, owner: str, wh: int, price: int) -> Order:
    return Order(id=id, owner=owner, side=BUY, quantity_wh=wh, price=price, slot=SLOT)


# Sellers: Alice 3 kWh at 10, Carol 2 kWh at 14, Dave 1 kWh at 25 (units per kWh).
# Buyers:  Bob 2.5 kWh at 28, Erin 1.5 kWh at 20, Frank 2 kWh at 12.
AFTERNOON = (sell(1, ALICE, 3000, 10), sell(2, CAROL, 2000, 14), sell(3, DAVE, 1000, 25),
             buy(4, BOB, 2500, 28), buy(5, ERIN, 1500, 20), buy(6, FRANK, 2000, 12))


def pairs(clearing: Clearing) -> list[tuple[int, int, int, int, int, int, int]]:
    return [(t.buy_order, t.sell_order, t.quantity_wh, t.price, t.amount, t.seller_price,
             t.seller_amount) for t in clearing.trades]


def nets(flows: tuple[Flow, ...]) -> dict[str, int]:
    return {flow.account: flow.net for flow in flows}


# --- the merit walk every mechanism shares ------------------------------------------------

def test_the_walk_matches_the_highest_bids_with_the_cheapest_asks_until_they_stop_crossing():
    bids, asks = merit_order(AFTERNOON)
    assert [o.id for o in bids] == [4, 5, 6] and [o.id for o in asks] == [1, 2, 3]
    # Bob takes 2.5 kWh of Alice; Erin the last 0.5 kWh of Alice and 1 kWh of Carol;
    # then Frank's 12 no longer reaches Carol's 14.
    assert merit_walk(bids, asks) == [(0, 0, 2500), (1, 0, 500), (1, 1, 1000)]


def test_equal_prices_are_served_in_id_order():
    book = [sell(8, CAROL, 1000, 10), sell(3, ALICE, 1000, 10), buy(9, BOB, 1000, 10)]
    for name in MECHANISMS:
        if name == MCAFEE:
            continue   # McAfee reduces this one trade away (see below)
        assert [t.sell_order for t in clear(name, book, TARIFFS).trades] == [3]


def test_k_price_rounds_down_towards_the_ask():
    assert k_price(20, 14, 1, 2) == 17
    assert k_price(20, 14, 1, 4) == 15       # 15.5 rounded down
    assert k_price(20, 14, 0, 1) == 14 and k_price(20, 14, 1, 1) == 20


# --- uniform price ------------------------------------------------------------------------

def test_uniform_price_everyone_pays_seventeen_halfway_between_erin_and_carol():
    clearing = clear_uniform_price(AFTERNOON, TARIFFS)
    assert clearing.mechanism == UNIFORM_PRICE and clearing.slot == SLOT
    assert clearing.price == 17   # 14 + (20 - 14) // 2
    # 2.5 kWh x 17 = 42.5 -> 42 units; 0.5 kWh x 17 = 8.5 -> 8 units
    assert pairs(clearing) == [(4, 1, 2500, 17, 42, 17, 42), (5, 1, 500, 17, 8, 17, 8),
                               (5, 2, 1000, 17, 17, 17, 17)]
    assert clearing.traded_wh == 4000
    assert clearing.welfare_milliunits == 28 * 2500 + 20 * 1500 - 10 * 3000 - 14 * 1000 == 56_000
    assert clearing.surplus == 0 and clearing.surplus_account is None
    assert nets(clearing.market_flows) == {ALICE: 50, CAROL: 17, BOB: -42, ERIN: -25}


def test_what_the_market_leaves_goes_to_the_utility_at_the_tariffs():
    clearing = clear_uniform_price(AFTERNOON, TARIFFS)
    assert clearing.fills == (
        Fill(1, ALICE, SELL, 3000, 3000, 50, 0, 0),
        Fill(2, CAROL, SELL, 2000, 1000, 17, 1000, 8),    # 1 kWh to the grid at feed-in 8
        Fill(3, DAVE, SELL, 1000, 0, 0, 1000, 8),
        Fill(4, BOB, BUY, 2500, 2500, 42, 0, 0),
        Fill(5, ERIN, BUY, 1500, 1500, 25, 0, 0),
        Fill(6, FRANK, BUY, 2000, 0, 0, 2000, 60),        # 2 kWh from the grid at retail 30
    )
    assert (clearing.utility_import_wh, clearing.utility_export_wh) == (2000, 2000)
    assert nets(clearing.utility_flows) == {CAROL: 8, DAVE: 8, FRANK: -60, UTILITY: 44}
    assert clearing.fill(6).utility_amount == 60
    with pytest.raises(KeyError):
        clearing.fill(7)
    assert clearing.net(CAROL) == 17 + 8 and clearing.net(UTILITY) == 44


@pytest.mark.parametrize("k, price", [((0, 1), 14), ((1, 3), 16), ((2, 3), 18), ((1, 1), 20)])
def test_k_moves_the_price_from_the_marginal_ask_to_the_marginal_bid(k, price):
    clearing = clear_uniform_price(AFTERNOON, TARIFFS, *k)
    assert clearing.price == price
    assert {t.price for t in clearing.trades} == {t.seller_price for t in clearing.trades} == {price}
    assert clearing.welfare_milliunits == 56_000   # k splits the gains; it does not change them


@pytest.mark.parametrize("k", [(3, 2), (-1, 2), (1, 0), (1, -2), (0.5, 1), (True, 2)])
def test_a_k_outside_zero_to_one_is_refused(k):
    with pytest.raises(InvalidAuctionParameter):
        clear_uniform_price(AFTERNOON, TARIFFS, *k)


# --- pay as bid ---------------------------------------------------------------------------

def test_pay_as_bid_each_pair_trades_at_the_bid_and_the_seller_gets_all_of_it():
    clearing = clear_pay_as_bid(AFTERNOON, TARIFFS)
    assert clearing.price is None
    assert pairs(clearing) == [(4, 1, 2500, 28, 70, 28, 70), (5, 1, 500, 20, 10, 20, 10),
                               (5, 2, 1000, 20, 20, 20, 20)]
    assert nets(clearing.market_flows) == {ALICE: 80, CAROL: 20, BOB: -70, ERIN: -30}
    assert clearing.welfare_milliunits == 56_000


# --- McAfee ---------------------------------------------------------------------------------

def test_mcafee_all_efficient_trades_happen_when_the_next_pair_midpoint_fits():
    clearing = clear_mcafee(AFTERNOON, TARIFFS)
    # next bid Frank 12, next ask Dave 25: p0 = 37 // 2 = 18, inside [a_k=14, b_k=20]
    assert clearing.price == 18
    assert pairs(clearing) == [(4, 1, 2500, 18, 45, 18, 45), (5, 1, 500, 18, 9, 18, 9),
                               (5, 2, 1000, 18, 18, 18, 18)]
    assert clearing.welfare_milliunits == 56_000
    assert clearing.surplus == 0 and clearing.surplus_account == COMMUNITY_FUND
    assert nets(clearing.market_flows)[COMMUNITY_FUND] == 0


def test_mcafee_reduces_the_marginal_pair_and_the_fund_keeps_the_difference():
    book = AFTERNOON[:2] + (sell(3, DAVE, 1000, 30),) + AFTERNOON[3:]
    clearing = clear_mcafee(book, TARIFFS)
    # p0 = (12 + 30) // 2 = 21 > b_k = 20: Erin and Carol (who set the prices) step out;
    # Bob pays Erin's 20, Alice receives Carol's 14 for 2.5 kWh.
    assert clearing.price is None
    assert pairs(clearing) == [(4, 1, 2500, 20, 50, 14, 35)]
    assert clearing.trades[0].surplus == 15
    assert clearing.surplus == 15
    assert nets(clearing.market_flows) == {ALICE: 35, BOB: -50, COMMUNITY_FUND: 15}
    assert clearing.welfare_milliunits == (28 - 10) * 2500 == 45_000   # 11 units given up
    assert [f.filled_wh for f in clearing.fills] == [2500, 0, 0, 2500, 0, 0]
    assert nets(clearing.utility_flows) == {ALICE: 4, CAROL: 16, DAVE: 8, ERIN: -45,
                                            FRANK: -60, UTILITY: 77}


def test_mcafee_surplus_can_go_to_any_named_account_but_not_to_nobody():
    book = AFTERNOON[:2] + (sell(3, DAVE, 1000, 30),) + AFTERNOON[3:]
    fund = Wallet.from_seed("sunny street co-op").address
    clearing = clear_mcafee(book, TARIFFS, surplus_account=fund)
    assert nets(clearing.market_flows)[fund] == 15
    for bad in ("", None, 7):
        with pytest.raises(InvalidAuctionParameter, match="surplus_account"):
            clear_mcafee(book, TARIFFS, surplus_account=bad)


def test_mcafee_with_one_crossing_pair_and_no_room_trades_nothing():
    book = [sell(3, ALICE, 1000, 10), buy(9, BOB, 1000, 10)]
    # nobody after the pair: b_k+1 = feed-in 8, a_k+1 = retail 30, p0 = 19 > b_k = 10
    clearing = clear_mcafee(book, TARIFFS)
    assert clearing.trades == () and clearing.welfare_milliunits == 0
    assert clearing.utility_import_wh == clearing.utility_export_wh == 1000


def test_mcafee_uses_the_tariffs_when_a_side_runs_out():
    # one seller, one buyer, wide band: p0 = (feed_in 8 + retail 30) // 2 = 19 in [9, 29]
    clearing = clear_mcafee([sell(1, ALICE, 2000, 9), buy(2, BOB, 1500, 29)], TARIFFS)
    assert pairs(clearing) == [(2, 1, 1500, 19, 28, 19, 28)]   # 28.5 rounded down


# --- the regression every merit-order mechanism must pass ---------------------------------

REGRESSION_TARIFFS = Tariffs(feed_in=1, retail=10)
REGRESSION = [buy(1, BOB, 1000, 10), buy(2, ERIN, 1000, 5),
              sell(3, DAVE, 1000, 9), sell(4, ALICE, 1000, 1)]


@pytest.mark.parametrize("name, price", [(UNIFORM_PRICE, 5), (PAY_AS_BID, 10), (MCAFEE, 7)])
def test_bids_10_and_5_against_asks_9_and_1_reach_the_optimal_welfare_of_9(name, price):
    # The optimum: 10 buys from 1 (gain 9). Pairing 10-9 and 5-1 would give only 1 + 4 = 5.
    clearing = clear(name, REGRESSION, REGRESSION_TARIFFS)
    assert pairs(clearing) == [(1, 4, 1000, price, price, price, price)]
    assert clearing.welfare_milliunits == 9 * 1000   # 9 units
    # McAfee reaches it too: the next pair (5, 9) has midpoint 7, inside [1, 10], so the
    # one efficient trade is kept and priced by orders that do not trade.


def test_uniform_price_rewards_shading_a_bid_and_mcafee_punishes_it():
    # Bob values 1 kWh at 10. Under uniform price he pays 5 when truthful, 3 when he bids 6.
    shaded = [buy(1, BOB, 1000, 6)] + REGRESSION[1:]
    assert clear_uniform_price(REGRESSION, REGRESSION_TARIFFS).trades[0].amount == 5
    assert clear_uniform_price(shaded, REGRESSION_TARIFFS).trades[0].amount == 3
    # Under McAfee the same lie pushes p0 = 7 above his bid of 6: he trades nothing at all.
    assert clear_mcafee(shaded, REGRESSION_TARIFFS).trades == ()


# --- edges, refusals, determinism ------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(MECHANISMS))
def test_a_book_with_no_crossing_or_one_side_or_nothing_clears_to_the_grid(name):
    for book in ([], [sell(1, ALICE, 700, 20), buy(2, BOB, 900, 19)], [sell(1, ALICE, 700, 9)]):
        clearing = clear(name, book, TARIFFS)
        assert clearing.trades == () and clearing.price is None
        assert clearing.traded_wh == clearing.welfare_milliunits == clearing.surplus == 0
        assert clearing.market_flows == (() if name != MCAFEE else (Flow(COMMUNITY_FUND, 0, 0),))
        assert clearing.utility_import_wh == sum(o.quantity_wh for o in book if o.side == BUY)
        assert clearing.utility_export_wh == sum(o.quantity_wh for o in book if o.side == SELL)
    assert clear(name, [], TARIFFS).slot is None


@pytest.mark.parametrize("name", sorted(MECHANISMS))
def test_tiny_trades_round_to_zero_units_and_money_is_still_conserved(name):
    book = [sell(1, ALICE, 1, 9), buy(2, BOB, 1, 29), sell(3, CAROL, 1, 10), buy(4, ERIN, 1, 28)]
    clearing = clear(name, book, TARIFFS)
    assert all(t.amount == 0 for t in clearing.trades)   # 1 Wh is worth < 0.03 units
    assert sum(f.paid for f in clearing.market_flows) == sum(f.received for f in clearing.market_flows)


@pytest.mark.parametrize("name", sorted(MECHANISMS))
def test_a_bad_book_is_refused_with_a_typed_error(name):
    with pytest.raises(PriceOutOfBand, match="order 4 has price 31"):
        clear(name, AFTERNOON[:3] + (buy(4, BOB, 2500, 31),), TARIFFS)
    with pytest.raises(MixedSlots):
        clear(name, AFTERNOON + (Order(7, ALICE, SELL, 10, 10, SLOT + 1),), TARIFFS)


def test_an_unknown_mechanism_is_refused():
    with pytest.raises(InvalidAuctionParameter, match="unknown mechanism 'vickrey'"):
        clear("vickrey", AFTERNOON, TARIFFS)


@pytest.mark.parametrize("name", sorted(MECHANISMS))
def test_same_book_in_any_order_gives_byte_identical_clearings(name):
    forwards = clear(name, AFTERNOON, TARIFFS)
    backwards = clear(name, list(reversed(AFTERNOON)), TARIFFS)
    assert backwards == forwards
    assert encode(backwards) == encode(forwards)   # the canonical encoder takes a Clearing


def test_a_household_with_two_orders_gets_one_flow_per_account():
    book = AFTERNOON + (buy(7, BOB, 500, 27),)
    clearing = clear_pay_as_bid(book, TARIFFS)
    # Bob: 2.5 kWh at 28 (70) and 0.5 kWh at 27 (13.5 -> 13) from Alice's last 0.5 kWh
    assert [f for f in clearing.market_flows if f.account == BOB] == [Flow(BOB, 83, 0)]
    assert isinstance(clearing.trades[0], Trade)
