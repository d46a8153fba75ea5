"""The auction's pictures, read as data (chapter 09).

The figures are checked on the chapter's books, in µ€ per kWh and drawn in ct/kWh: the
noon book (4 kWh at 17 ct under uniform price), the same book with Dave asking 30 ct
(McAfee reduces it), and the toy book where Bob's bid is shaded. The gains the welfare
picture stacks must add up to the clearing's welfare on any book, and under McAfee no unit
trader's report may beat the truth.
"""

from __future__ import annotations

import plotly.graph_objects as go
import pytest
from hypothesis import given, settings, strategies as st

from minichain.market.auction import MCAFEE, MECHANISMS, PAY_AS_BID, UNIFORM_PRICE, clear
from minichain import cast
from minichain.market.orders import BUY, SELL, STREET_TARIFFS, Order, Tariffs
from minichain.market.units import cents_per_kwh as ct
from minichain.errors import InvalidOrder
from minichain.viz import auction as viz

ALICE, BOB, CAROL, DAVE, ERIN, FRANK = (cast.wallet(name).address for name in
                                        ("alice", "bob", "carol", "dave", "erin", "frank"))
NAMES = {ALICE: "Alice", BOB: "Bob", CAROL: "Carol", DAVE: "Dave", ERIN: "Erin", FRANK: "Frank"}
TARIFFS = STREET_TARIFFS                                  # 8 and 32 ct/kWh
TOY = Tariffs(feed_in=ct(1), retail=ct(10))
SLOT = 48
NOON = [Order(1, ALICE, SELL, 2_500, ct(10), SLOT), Order(2, CAROL, SELL, 2_000, ct(14), SLOT),
        Order(3, DAVE, SELL, 1_000, ct(25), SLOT), Order(4, BOB, BUY, 2_500, ct(28), SLOT),
        Order(5, ERIN, BUY, 1_500, ct(20), SLOT), Order(6, FRANK, BUY, 2_000, ct(12), SLOT)]
DAVE_AT_30 = NOON[:2] + [Order(3, DAVE, SELL, 1_000, ct(30), SLOT)] + NOON[3:]
REGRESSION = [Order(1, BOB, BUY, 1_000, ct(10), 0), Order(2, ERIN, BUY, 1_000, ct(5), 0),
              Order(3, DAVE, SELL, 1_000, ct(9), 0), Order(4, ALICE, SELL, 1_000, ct(1), 0)]
CENTS = [ct(cents) for cents in range(1, 11)]             # every whole-cent report, 1 to 10


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
    assert figure.layout.title.text == \
        "Supply and demand (uniform price): 4 kWh at 17 ct/kWh"
    assert (figure.layout.xaxis.title.text, figure.layout.yaxis.title.text) == \
        ("kWh (cumulative)", "ct/kWh")
    named = traces(figure)
    assert list(named) == ["retail 32 ct/kWh: the utility sells",
                           "feed-in 8 ct/kWh: the utility buys", "demand (bids)",
                           "supply (asks)", "marginal ask 14 ct/kWh to bid 20 ct/kWh",
                           "buyers pay", "clearing: 4 kWh at 17 ct/kWh"]
    assert list(named["demand (bids)"].y) == [28, 20, 12, 12]
    assert list(named["supply (asks)"].x) == [0.0, 2.5, 4.5, 5.5]
    assert list(named["supply (asks)"].y) == [10, 14, 25, 25]
    assert named["supply (asks)"].line.shape == "hv"
    assert named["demand (bids)"].customdata[0] == "order 4, Bob: 2500 Wh at 28 ct/kWh"
    assert list(named["retail 32 ct/kWh: the utility sells"].y) == [32, 32]
    assert list(named["feed-in 8 ct/kWh: the utility buys"].y) == [8, 8]
    marginal = named["marginal ask 14 ct/kWh to bid 20 ct/kWh"]
    assert (list(marginal.x), list(marginal.y)) == ([4.0, 4.0], [14, 20])
    assert list(named["buyers pay"].x) == [0.0, 2.5, None, 2.5, 4.0, None]
    assert list(named["buyers pay"].y) == [17, 17, None, 17, 17, None]
    clearing = named["clearing: 4 kWh at 17 ct/kWh"]
    assert (list(clearing.x), list(clearing.y)) == ([4.0], [17])


def test_pay_as_bid_shows_each_pair_at_its_bid_and_no_single_price():
    figure = viz.supply_demand_figure(NOON, TARIFFS, clear(PAY_AS_BID, NOON, TARIFFS))
    assert figure.layout.title.text == \
        "Supply and demand (pay as bid): 4 kWh, each pair at its own price"
    named = traces(figure)
    assert list(named["buyers pay"].y) == [28, 28, None, 20, 20, None]
    assert "sellers receive" not in named
    assert not any(name.startswith("clearing") for name in named)
    assert named["demand (bids)"].customdata[0].startswith("order 4, 0x")   # no names given


def test_mcafees_reduction_shows_what_buyers_pay_and_sellers_receive_apart():
    figure = viz.supply_demand_figure(DAVE_AT_30, TARIFFS, clear(MCAFEE, DAVE_AT_30, TARIFFS))
    assert figure.layout.title.text == \
        "Supply and demand (McAfee's trade reduction): 2.5 kWh, buyers pay 20 ct/kWh, " \
        "sellers receive 14 ct/kWh"
    named = traces(figure)
    assert list(named["buyers pay"].y) == [20, 20, None]
    assert list(named["sellers receive"].y) == [14, 14, None]
    assert list(named["sellers receive"].x) == [0.0, 2.5, None]
    # the grey bar still marks where the whole walk ends, at the book's marginal pair
    assert list(named["marginal ask 14 ct/kWh to bid 20 ct/kWh"].x) == [4.0, 4.0]


def test_a_book_that_does_not_cross_has_no_marginal_pair_and_says_so():
    book = [Order(1, ALICE, SELL, 1_000, ct(20), SLOT), Order(2, BOB, BUY, 1_000, ct(15), SLOT)]
    figure = viz.supply_demand_figure(book, TARIFFS, clear(UNIFORM_PRICE, book, TARIFFS))
    assert figure.layout.title.text.endswith(": nothing crosses, all to the utility")
    assert viz.marginal_pair(book) is None
    assert [t.name for t in figure.data][-1] == "supply (asks)"
    assert viz.supply_demand_figure([], TARIFFS).layout.title.text == "Supply and demand"
    assert viz.supply_demand_figure(NOON, TARIFFS, title="Noon").layout.title.text == "Noon"


def test_the_marginal_pair_is_the_last_walk_pair():
    assert viz.marginal_pair(NOON) == (4_000, ct(20), ct(14))
    assert viz.marginal_pair(REGRESSION) == (1_000, ct(10), ct(1))


# --- who gains --------------------------------------------------------------------------

def test_gains_split_the_welfare_between_buyers_sellers_and_the_fund():
    assert viz.gains(NOON, clear(UNIFORM_PRICE, NOON, TARIFFS)) == \
        {"buyers": 320_000_000, "sellers": 220_000_000, "community fund": 0}
    assert viz.gains(NOON, clear(PAY_AS_BID, NOON, TARIFFS)) == \
        {"buyers": 0, "sellers": 540_000_000, "community fund": 0}
    # Bob pays 20 ct against his 28, Alice receives 14 against her 10, the fund keeps 6 per kWh
    assert viz.gains(DAVE_AT_30, clear(MCAFEE, DAVE_AT_30, TARIFFS)) == \
        {"buyers": 200_000_000, "sellers": 100_000_000, "community fund": 150_000_000}


OWNERS = (ALICE, BOB, CAROL, DAVE, ERIN, FRANK)


@st.composite
def books(draw, unit: bool = False, max_orders: int = 8):
    size = draw(st.integers(0, max_orders))
    return [Order(n + 1, draw(st.sampled_from(OWNERS)), draw(st.sampled_from((BUY, SELL))),
                  1_000 if unit else draw(st.integers(1, 3_000)),
                  ct(draw(st.integers(8, 32))), SLOT)
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
    assert list(totals.text) == ["welfare 54 ct", "welfare 54 ct", "welfare 45 ct"]
    assert figure.layout.yaxis.title.text == "gains (ct)"
    assert list(totals.y) == [54.0, 54.0, 54.0]       # every bar is as tall as the best


# --- who may lie --------------------------------------------------------------------------

def test_bob_gains_by_shading_under_uniform_price_but_not_under_mcafee():
    uniform = viz.report_gains(REGRESSION, TOY, 1, ct(10), CENTS, UNIFORM_PRICE)
    mcafee = viz.report_gains(REGRESSION, TOY, 1, ct(10), CENTS, MCAFEE)
    # in ct: truthful 4.5 (he pays 5.5), best 7 at a report of 5 (he ties Erin, wins by id)
    assert [gain // 10_000_000 for _, gain in uniform] == [0, 0, 0, 0, 7, 6, 6, 5, 5, 4]
    assert [gain for _, gain in uniform][-1] == 45_000_000
    assert [gain // 10_000_000 for _, gain in mcafee] == [0, 0, 0, 0, 0, 0, 3, 3, 3, 3]
    assert [report for report, _ in mcafee] == CENTS


def test_a_sellers_gain_counts_what_it_receives_above_its_value():
    # Alice values her kWh at 1 ct: truthful she receives 5.5 ct under uniform price, 7 ct
    # under McAfee
    assert viz.report_gains(REGRESSION, TOY, 4, ct(1), [ct(1), ct(8)], UNIFORM_PRICE) == \
        [(ct(1), 45_000_000), (ct(8), 80_000_000)]
    assert viz.report_gains(REGRESSION, TOY, 4, ct(1), [ct(1), ct(8)], MCAFEE) == \
        [(ct(1), 60_000_000), (ct(8), 0)]


def test_asking_about_an_order_that_is_not_in_the_book_is_refused():
    with pytest.raises(InvalidOrder, match="order 99 is not in the book"):
        viz.report_gains(REGRESSION, TOY, 99, ct(10), [ct(10)], MCAFEE)


@settings(max_examples=120, deadline=None)
@given(books(unit=True), st.data())
def test_under_mcafee_no_unit_trader_gains_by_misreporting(book, data):
    if not book:
        return
    mine = data.draw(st.sampled_from(book))
    reports = range(TARIFFS.feed_in, TARIFFS.retail + 1, 10_000)     # every whole cent
    points = viz.report_gains(book, TARIFFS, mine.id, mine.price, reports, MCAFEE)
    truthful = dict(points)[mine.price]
    assert max(gain for _, gain in points) == truthful


def test_the_truthfulness_figure_has_a_line_per_mechanism_and_marks_the_truth():
    curves = {"uniform": viz.report_gains(REGRESSION, TOY, 1, ct(10), CENTS, UNIFORM_PRICE),
              "McAfee": viz.report_gains(REGRESSION, TOY, 1, ct(10), CENTS, MCAFEE)}
    figure = viz.truthfulness_figure(curves, value=ct(10), who="Bob")
    readable(figure)
    assert figure.layout.title.text == "What Bob gains by each price it could report"
    named = traces(figure)
    assert list(named["uniform"].y) == [0, 0, 0, 0, 7, 6.5, 6, 5.5, 5, 4.5]
    assert list(named["McAfee"].x) == list(range(1, 11))
    assert list(named["the truth: 10 ct/kWh"].x) == [10, 10]
    assert named["the truth: 10 ct/kWh"].y[1] > 7
    assert (figure.layout.xaxis.title.text, figure.layout.yaxis.title.text) == \
        ("reported price (ct/kWh)", "gain (ct)")
