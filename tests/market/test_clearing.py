"""Grid-aware clearing (chapter 11): the auction's trades, cut back to what the cables carry."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain.market.auction import (COMMUNITY_FUND, MCAFEE, MECHANISMS, PAY_AS_BID,
                                      UNIFORM_PRICE, UTILITY, clear)
from minichain.market.clearing import clear_on_grid, reference_price
from minichain.microgrid.grid import line_flows, make_feeder
from minichain.market.orders import BUY, SELL, Order, Tariffs
from minichain.market.units import amount_for
from minichain.errors import SettlementError, GridError

FIVE = ["alice", "bob", "carol", "dave", "erin"]
ADDRESS = {name: "0x" + f"{i + 1:040x}" for i, name in enumerate(FIVE)}
NODES = {address: name for name, address in ADDRESS.items()}
TARIFFS = Tariffs(feed_in=8, retail=30)


def thin_street():
    """alice, bob on bus-1; carol, dave on bus-2; erin on bus-3; mains carry 1,000 Wh a slot."""
    return make_feeder(FIVE, main_capacity_w=4000, service_capacity_w=8000)


def ample_street():
    return make_feeder(FIVE, main_capacity_w=10**9, service_capacity_w=10**9)


def order(i, who, side, wh, price, slot=40):
    return Order(i, ADDRESS[who], side, wh, price, slot)


# --- a story --------------------------------------------------------------------------

EVENING_AT_THE_END_OF_THE_STREET = [
    order(1, "erin", BUY, 1500, 30),
    order(2, "alice", SELL, 800, 10),
    order(3, "bob", SELL, 500, 12),
    order(4, "carol", SELL, 300, 14),
]


def test_trades_the_cables_cannot_carry_are_cut_in_merit_order():
    result = clear_on_grid(EVENING_AT_THE_END_OF_THE_STREET, TARIFFS, thin_street(), NODES)
    # The market alone: erin takes 800 from alice, 500 from bob, 200 from carol at 22.
    assert [(t.seller, t.quantity_wh) for t in result.plain.trades] == \
        [(ADDRESS["alice"], 800), (ADDRESS["bob"], 500), (ADDRESS["carol"], 200)]
    assert result.plain.price == 22                       # 14 + (30 - 14) // 2
    # bus-2's line carries 1,000 Wh: alice's 800 fit, bob's only 200, carol's none (bus-3).
    assert result.proposed_wh == (800, 500, 200)
    assert result.accepted_wh == (800, 200, 0)
    assert result.binding_line == (None, "bus-2", "bus-3")
    assert result.curtailed_wh == 500
    # Quantities shrink, the price stays, money is recomputed once per trade.
    assert [(t.quantity_wh, t.price, t.amount) for t in result.trades] == [(800, 22, 17),
                                                                          (200, 22, 4)]
    assert result.clearing.price == 22
    # The curtailed Wh fall back to the utility: erin buys 500 at retail, bob and carol sell
    # 300 each at feed-in.
    erin, alice, bob, carol = (result.clearing.fill(i) for i in (1, 2, 3, 4))
    assert (erin.filled_wh, erin.utility_wh, erin.utility_amount) == (1000, 500, 15)
    assert (bob.filled_wh, bob.utility_wh, bob.utility_amount) == (200, 300, 2)
    assert (carol.filled_wh, carol.utility_wh, carol.utility_amount) == (0, 300, 2)
    assert alice.utility_wh == 0
    assert result.clearing.welfare_milliunits == 30 * 1000 - (10 * 800 + 12 * 200)
    assert {f.account: f.net for f in result.clearing.market_flows} == \
        {ADDRESS["erin"]: -21, ADDRESS["alice"]: 17, ADDRESS["bob"]: 4}
    assert {f.account: f.net for f in result.clearing.utility_flows} == \
        {ADDRESS["erin"]: -15, ADDRESS["bob"]: 2, ADDRESS["carol"]: 2, UTILITY: 11}
    # The market's booked flows fill the two lines exactly.
    assert result.line_flows_wh["bus-2"] == -1000 and result.line_flows_wh["bus-3"] == -1000
    assert result.max_loading_permille == 1000


def test_with_ample_cables_the_result_is_the_plain_mechanism():
    for mechanism in MECHANISMS:
        result = clear_on_grid(EVENING_AT_THE_END_OF_THE_STREET, TARIFFS, ample_street(),
                               NODES, mechanism)
        assert result.clearing == result.plain == clear(mechanism,
                                                        EVENING_AT_THE_END_OF_THE_STREET,
                                                        TARIFFS)
        assert result.curtailed_wh == 0


def test_mechanism_options_pass_through():
    result = clear_on_grid(EVENING_AT_THE_END_OF_THE_STREET, TARIFFS, thin_street(), NODES,
                           UNIFORM_PRICE, k_numerator=0, k_denominator=1)
    assert result.clearing.price == 14                   # k = 0: the marginal ask's price
    assert [t.amount for t in result.trades] == [amount_for(800, 14), amount_for(200, 14)]
    fund = clear_on_grid(EVENING_AT_THE_END_OF_THE_STREET, TARIFFS, ample_street(), NODES,
                         MCAFEE, surplus_account="street-party")
    assert fund.clearing.surplus_account == "street-party"


def test_background_flow_takes_room_first_and_a_trade_against_it_relieves_the_line():
    feeder = thin_street()
    # dave already draws 700 Wh down through bus-1's and bus-2's lines: 300 Wh of room left.
    background = line_flows(feeder, {"dave": -700})
    down = [order(1, "carol", BUY, 600, 30), order(2, "alice", SELL, 600, 8)]
    cut = clear_on_grid(down, TARIFFS, feeder, NODES, background_wh=background)
    assert (cut.accepted_wh, cut.binding_line) == ((300,), ("bus-2",))
    assert cut.line_flows_wh["bus-2"] == -1000
    up = [order(1, "alice", BUY, 600, 30), order(2, "carol", SELL, 600, 8)]
    relief = clear_on_grid(up, TARIFFS, feeder, NODES, background_wh=background)
    assert (relief.accepted_wh, relief.binding_line) == ((600,), (None,))
    assert relief.line_flows_wh["bus-2"] == -100


def test_reducing_a_trade_rounds_its_money_once():
    plain = clear(PAY_AS_BID, EVENING_AT_THE_END_OF_THE_STREET, TARIFFS)
    trade = plain.trades[0]
    smaller = trade.cut_to(333)
    assert (smaller.quantity_wh, smaller.amount, smaller.seller_amount) == \
        (333, amount_for(333, 30), amount_for(333, 30))
    assert trade.cut_to(trade.quantity_wh) == trade
    with pytest.raises(SettlementError, match="can only be cut to 0..800 Wh"):
        trade.cut_to(801)


def test_every_owner_needs_a_home_on_the_feeder():
    with pytest.raises(GridError, match="no home on the feeder"):
        clear_on_grid(EVENING_AT_THE_END_OF_THE_STREET, TARIFFS, thin_street(),
                      {ADDRESS["erin"]: "erin"})


def test_the_reference_price_is_the_clearing_price_or_the_mean_paid():
    book = EVENING_AT_THE_END_OF_THE_STREET
    assert reference_price(clear(UNIFORM_PRICE, book, TARIFFS)) == 22
    # Pay-as-bid: everyone pays erin's 30.
    assert reference_price(clear(PAY_AS_BID, book, TARIFFS)) == 30
    mixed = [order(1, "erin", BUY, 1000, 30), order(2, "dave", BUY, 500, 21),
             order(3, "alice", SELL, 1500, 8)]
    assert reference_price(clear(PAY_AS_BID, mixed, TARIFFS)) == (1000 * 30 + 500 * 21) // 1500
    assert reference_price(clear(UNIFORM_PRICE, [order(1, "erin", BUY, 5, 9)], TARIFFS)) is None


# --- properties -----------------------------------------------------------------------

@st.composite
def books(draw):
    """A slot's book from the five homes, each on one side only, prices in the band."""
    orders = []
    for i, name in enumerate(FIVE):
        side = draw(st.sampled_from([BUY, SELL, None]))
        for k in range(draw(st.integers(0, 2)) if side else 0):
            orders.append(order(10 * i + k, name, side, draw(st.integers(1, 2500)),
                                draw(st.integers(TARIFFS.feed_in, TARIFFS.retail))))
    return orders


PROPERTY = settings(max_examples=150, deadline=None)


@PROPERTY
@given(book=books(), mechanism=st.sampled_from(sorted(MECHANISMS)),
       main_w=st.integers(400, 12_000), service_w=st.integers(400, 12_000))
def test_the_grid_is_never_overloaded_and_every_token_is_accounted_for(book, mechanism, main_w,
                                                                       service_w):
    feeder = make_feeder(FIVE, main_capacity_w=main_w, service_capacity_w=service_w)
    result = clear_on_grid(book, TARIFFS, feeder, NODES, mechanism)
    plain, after = result.plain, result.clearing
    # Limits: no line carries more than its capacity, in either direction.
    assert not any(loading.overloaded for loading in result.loadings)
    assert result.max_loading_permille <= 1000
    # Flows are exactly the accepted trades along their paths.
    net = {}
    for trade in result.trades:
        net[NODES[trade.seller]] = net.get(NODES[trade.seller], 0) + trade.quantity_wh
        net[NODES[trade.buyer]] = net.get(NODES[trade.buyer], 0) - trade.quantity_wh
    assert dict(result.line_flows_wh) == line_flows(feeder, net)
    # Quantities only shrink, prices stay, money is amount_for of what is left.
    assert all(0 <= got <= want for got, want in zip(result.accepted_wh, result.proposed_wh))
    assert len(result.trades) == sum(1 for got in result.accepted_wh if got)
    for trade in result.trades:
        assert trade.amount == amount_for(trade.quantity_wh, trade.price)
        assert trade.seller_amount == amount_for(trade.quantity_wh, trade.seller_price)
    assert after.price == plain.price
    # What the grid refused, the utility supplies and takes.
    assert after.traded_wh == plain.traded_wh - result.curtailed_wh
    assert after.utility_import_wh == plain.utility_import_wh + result.curtailed_wh
    assert after.utility_export_wh == plain.utility_export_wh + result.curtailed_wh
    for fill in after.fills:
        assert fill.filled_wh + fill.utility_wh == fill.quantity_wh
    # Tokens: the market's and the utility's books each balance exactly.
    assert sum(flow.net for flow in after.market_flows) == 0
    assert sum(flow.net for flow in after.utility_flows) == 0
    assert after.surplus == sum(t.amount - t.seller_amount for t in after.trades)
    if mechanism == MCAFEE:
        assert after.surplus_account == COMMUNITY_FUND


@PROPERTY
@given(book=books(), mechanism=st.sampled_from(sorted(MECHANISMS)))
def test_ample_capacity_gives_exactly_the_plain_mechanism(book, mechanism):
    result = clear_on_grid(book, TARIFFS, ample_street(), NODES, mechanism)
    assert result.clearing == result.plain == clear(mechanism, book, TARIFFS)
    assert result.accepted_wh == result.proposed_wh


@PROPERTY
@given(book=books(), injections=st.dictionaries(st.sampled_from(FIVE), st.integers(-500, 500)))
def test_with_background_flow_a_line_only_gets_fuller_if_it_has_room(book, injections):
    feeder = make_feeder(FIVE, main_capacity_w=3000, service_capacity_w=2400)
    background = line_flows(feeder, injections)
    result = clear_on_grid(book, TARIFFS, feeder, NODES, background_wh=background)
    for loading in result.loadings:
        assert abs(loading.flow_wh) <= max(loading.capacity_wh, abs(background[loading.line]))
