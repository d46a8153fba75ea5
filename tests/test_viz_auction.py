"""The auction's pictures, read as data (chapter 09).

The figures are checked on the chapter's books, whose numbers are worked by hand in
``tests/market/test_auction.py``: the noon book (4 kWh at 17 under uniform price), the
same book with Dave asking 30 (McAfee reduces it), and the regression book where Bob's
bid is shaded. The gains the welfare picture stacks must add up to the clearing's welfare
on any book, and under McAfee no unit trader's report may beat the truth.
"""

from __future__ import annotations

import plotly.graph_objects as go
import pytest
from hypothesis import given, settings, strategies as st

from minichain.market.auction import MCAFEE, MECHANISMS, PAY_AS_BID, UNIFORM_PRICE, clear
from minichain.market.orders import BUY, SELL, Order, Tariffs
from minichain.errors import InvalidOrder
from minichain.viz import auction as viz
from minichain.wallet import Wallet

ALICE, BOB, CAROL, DAVE, ERIN, FRANK = (Wallet.from_seed(name).address for name in
                                        ("alice", "bob", "carol", "dave", "erin", "frank"))
NAMES = {ALICE: "Alice", BOB: "Bob", CAROL: "Carol", DAVE: "Dave", ERIN: "Erin", FRANK: "Frank"}
TARIFFS = Tariffs(feed_in=8, retail=30)
TOY = Tariffs(feed_in=1, retail=10)
SLOT = 48
NOON = [Order(1, ALICE, SELL, 2_500, 10, SLOT), Order(2, CAROL, SELL, 2_000, 14, SLOT),
        Order(3, DAVE, SELL, 1_000, 25, SLOT), Order(4, BOB, BUY, 2_500, 28, SLOT),
        Order(5, ERIN, BUY, 1_500, 20, SLOT), Order(6, FRANK, BUY, 2_000, 12, SLOT)]
DAVE_AT_30 = NOON[:2] + [Order(3, DAVE, SELL, 1_000, 30, SLOT)] + NOON[3:]
REGRESSION = [Order(1, BOB, BUY, 1_000, 10, 0), Order(2, ERIN, BUY, 1_000, 5, 0),
              Order(3, DAVE, SELL, 1_000, 9, 0), Order(4, ALICE, SELL, 1_000, 1, 0)]


def traces(figure: go.Figure) -> dict[str, go.BaseTraceType]:
    return {trace.name: trace for trace in figure.data}


def readable(figure: go.Figure) -> None:
    """Back-row rule: big fonts, a title, and axes that say what they show."""
    assert figure.layout.font.size >= 18 and figure.layout.title.font.size >= 24
    assert figure.layout.title.text
    assert figure.layout.xaxis.title.text and figure.layout.yaxis.title.text


# --- supply and demand ----------------------------------------------------------------

def test_a_staircase_has_one_step_per_order_as_wide_as_its_kwh():
    bids = [NOON[3], NOON[4], NOON[5]]
    assert viz.staircase(bids) == ([0.0, 2.5, 4.0, 6.0], [28, 20, 12, 12])
    assert viz.staircase([]) == ([], [])


def test_the_noon_book_under_uniform_price_crosses_at_4_kwh_and_17():
    figure = viz.supply_demand_figure(NOON, TARIFFS, clear(UNIFORM_PRICE, NOON, TARIFFS), NAMES)
    readable(figure)
    assert figure.layout.title.text == "Supply and demand (uniform-price): 4 kWh at 17"
    named = traces(figure)
    assert list(named) == ["retail 30: the utility sells", "feed-in 8: the utility buys",
                           "demand (bids)", "supply (asks)", "marginal ask 14 to bid 20",
                           "buyers pay", "clearing: 4 kWh at 17"]
    assert list(named["demand (bids)"].y) == [28, 20, 12, 12]
    assert list(named["supply (asks)"].x) == [0.0, 2.5, 4.5, 5.5]
    assert list(named["supply (asks)"].y) == [10, 14, 25, 25]
    assert named["supply (asks)"].line.shape == "hv"
    assert named["demand (bids)"].customdata[0] == "order 4, Bob: 2500 Wh at 28"
    assert list(named["retail 30: the utility sells"].y) == [30, 30]
    assert list(named["feed-in 8: the utility buys"].y) == [8, 8]
    assert (list(named["marginal ask 14 to bid 20"].x), list(named["marginal ask 14 to bid 20"].y)
            ) == ([4.0, 4.0], [14, 20])
    assert list(named["buyers pay"].x) == [0.0, 2.5, None, 2.5, 4.0, None]
    assert list(named["buyers pay"].y) == [17, 17, None, 17, 17, None]
    assert (list(named["clearing: 4 kWh at 17"].x), list(named["clearing: 4 kWh at 17"].y)
            ) == ([4.0], [17])


def test_pay_as_bid_shows_each_pair_at_its_bid_and_no_single_price():
    figure = viz.supply_demand_figure(NOON, TARIFFS, clear(PAY_AS_BID, NOON, TARIFFS))
    assert figure.layout.title.text == \
        "Supply and demand (pay-as-bid): 4 kWh, each pair at its own price"
    named = traces(figure)
    assert list(named["buyers pay"].y) == [28, 28, None, 20, 20, None]
    assert "sellers receive" not in named
    assert not any(name.startswith("clearing") for name in named)
    assert named["demand (bids)"].customdata[0].startswith("order 4, 0x")   # no names given


def test_mcafees_reduction_shows_what_buyers_pay_and_sellers_receive_apart():
    figure = viz.supply_demand_figure(DAVE_AT_30, TARIFFS, clear(MCAFEE, DAVE_AT_30, TARIFFS))
    assert figure.layout.title.text == \
        "Supply and demand (mcafee): 2.5 kWh, buyers pay 20, sellers receive 14"
    named = traces(figure)
    assert list(named["buyers pay"].y) == [20, 20, None]
    assert list(named["sellers receive"].y) == [14, 14, None]
    assert list(named["sellers receive"].x) == [0.0, 2.5, None]
    # the grey bar still marks where the whole walk ends, at the book's marginal pair
    assert list(named["marginal ask 14 to bid 20"].x) == [4.0, 4.0]


def test_a_book_that_does_not_cross_has_no_marginal_pair_and_says_so():
    book = [Order(1, ALICE, SELL, 1_000, 20, SLOT), Order(2, BOB, BUY, 1_000, 15, SLOT)]
    figure = viz.supply_demand_figure(book, TARIFFS, clear(UNIFORM_PRICE, book, TARIFFS))
    assert figure.layout.title.text.endswith(": nothing crosses, all to the utility")
    assert viz.marginal_pair(book) is None
    assert [t.name for t in figure.data][-1] == "supply (asks)"
    assert viz.supply_demand_figure([], TARIFFS).layout.title.text == "Supply and demand"
    assert viz.supply_demand_figure(NOON, TARIFFS, title="Noon").layout.title.text == "Noon"


def test_the_marginal_pair_is_the_last_walk_pair():
    assert viz.marginal_pair(NOON) == (4_000, 20, 14)
    assert viz.marginal_pair(REGRESSION) == (1_000, 10, 1)


# --- who gains --------------------------------------------------------------------------

def test_gains_split_the_welfare_between_buyers_sellers_and_the_fund():
    assert viz.gains(NOON, clear(UNIFORM_PRICE, NOON, TARIFFS)) == \
        {"buyers": 32_000, "sellers": 22_000, "community fund": 0}
    assert viz.gains(NOON, clear(PAY_AS_BID, NOON, TARIFFS)) == \
        {"buyers": 0, "sellers": 54_000, "community fund": 0}
    # Bob pays 20 against his 28, Alice receives 14 against her 10, the fund keeps 6 per kWh
    assert viz.gains(DAVE_AT_30, clear(MCAFEE, DAVE_AT_30, TARIFFS)) == \
        {"buyers": 20_000, "sellers": 10_000, "community fund": 15_000}


OWNERS = (ALICE, BOB, CAROL, DAVE, ERIN, FRANK)


@st.composite
def books(draw, unit: bool = False, max_orders: int = 8):
    size = draw(st.integers(0, max_orders))
    return [Order(n + 1, draw(st.sampled_from(OWNERS)), draw(st.sampled_from((BUY, SELL))),
                  1_000 if unit else draw(st.integers(1, 3_000)),
                  draw(st.integers(TARIFFS.feed_in, TARIFFS.retail)), SLOT)
            for n in range(size)]


@settings(max_examples=150, deadline=None)
@given(books(), st.sampled_from(sorted(MECHANISMS)))
def test_the_stacked_gains_always_add_up_to_the_clearings_welfare(book, mechanism):
    result = clear(mechanism, book, TARIFFS)
    assert sum(viz.gains(book, result).values()) == result.welfare_milliunits


def test_the_welfare_figure_stacks_the_split_and_the_loss_per_mechanism():
    clearings = {m: clear(m, DAVE_AT_30, TARIFFS) for m in (UNIFORM_PRICE, PAY_AS_BID, MCAFEE)}
    figure = viz.welfare_figure(DAVE_AT_30, clearings)
    readable(figure)
    assert figure.layout.barmode == "stack"
    named = traces(figure)
    assert list(named["buyers"].x) == [UNIFORM_PRICE, PAY_AS_BID, MCAFEE]
    assert list(named["buyers"].y) == [32.0, 0.0, 20.0]
    assert list(named["sellers"].y) == [22.0, 54.0, 10.0]
    assert list(named["community fund"].y) == [0.0, 0.0, 15.0]
    assert list(named["lost against the best"].y) == [0.0, 0.0, 9.0]
    totals = named["welfare"]
    assert list(totals.text) == ["welfare 54", "welfare 54", "welfare 45"]
    assert list(totals.y) == [54.0, 54.0, 54.0]       # every bar is as tall as the best


# --- who may lie --------------------------------------------------------------------------

def test_bob_gains_by_shading_under_uniform_price_but_not_under_mcafee():
    uniform = viz.report_gains(REGRESSION, TOY, 1, 10, range(1, 11), UNIFORM_PRICE)
    mcafee = viz.report_gains(REGRESSION, TOY, 1, 10, range(1, 11), MCAFEE)
    assert [gain for _, gain in uniform] == [0, 0, 0, 0, 7_000, 7_000, 6_000, 6_000, 5_000, 5_000]
    assert [gain for _, gain in mcafee] == [0, 0, 0, 0, 0, 0, 3_000, 3_000, 3_000, 3_000]
    assert [report for report, _ in mcafee] == list(range(1, 11))


def test_a_sellers_gain_counts_what_it_receives_above_its_value():
    # Alice values her kWh at 1: truthful she receives 5 under uniform price, 7 under McAfee
    assert viz.report_gains(REGRESSION, TOY, 4, 1, [1, 8], UNIFORM_PRICE) == [(1, 4_000),
                                                                             (8, 8_000)]
    assert viz.report_gains(REGRESSION, TOY, 4, 1, [1, 8], MCAFEE) == [(1, 6_000), (8, 0)]


def test_asking_about_an_order_that_is_not_in_the_book_is_refused():
    with pytest.raises(InvalidOrder, match="order 99 is not in the book"):
        viz.report_gains(REGRESSION, TOY, 99, 10, [10], MCAFEE)


@settings(max_examples=120, deadline=None)
@given(books(unit=True), st.data())
def test_under_mcafee_no_unit_trader_gains_by_misreporting(book, data):
    if not book:
        return
    mine = data.draw(st.sampled_from(book))
    reports = range(TARIFFS.feed_in, TARIFFS.retail + 1)
    points = viz.report_gains(book, TARIFFS, mine.id, mine.price, reports, MCAFEE)
    truthful = dict(points)[mine.price]
    assert max(gain for _, gain in points) == truthful


def test_the_truthfulness_figure_has_a_line_per_mechanism_and_marks_the_truth():
    curves = {"uniform": viz.report_gains(REGRESSION, TOY, 1, 10, range(1, 11), UNIFORM_PRICE),
              "McAfee": viz.report_gains(REGRESSION, TOY, 1, 10, range(1, 11), MCAFEE)}
    figure = viz.truthfulness_figure(curves, value=10, who="Bob")
    readable(figure)
    assert figure.layout.title.text == "What Bob gains by each price it could report"
    named = traces(figure)
    assert list(named["uniform"].y) == [0, 0, 0, 0, 7, 7, 6, 6, 5, 5]
    assert list(named["McAfee"].x) == list(range(1, 11))
    assert list(named["the truth: 10"].x) == [10, 10]
    assert named["the truth: 10"].y[1] > 7
