"""Properties of the double auction (chapter 09) on random books, checked against independent solvers.

* Welfare: uniform price and pay-as-bid reach the maximum welfare. Two solvers that share
  no code or idea with the merit walk find that maximum: an exhaustive search over every
  Wh-granular matching of tiny books, and a min-cost flow (networkx's network simplex) on
  larger ones, where every unit a buyer wants either flows to a seller (cost ask - bid) or
  straight to the grid (cost 0), so the cheapest flow is the best matching.
* Money: buyers pay exactly what sellers receive plus McAfee's surplus; utility flows
  balance the utility's account; every fill adds up.
* Limits: nobody trades at a price worse than its own limit, before or after rounding.
* Determinism: the same orders in any order give the same clearing.
* Truthfulness: with unit traders (1 kWh each) McAfee has no profitable lie, checked for
  every value profile on a small price grid and every unilateral misreport.
"""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain.market.auction import (MCAFEE, MECHANISMS, PAY_AS_BID, UNIFORM_PRICE, UTILITY,
                                      Clearing, clear, clear_mcafee, clear_uniform_price)
from minichain.market.orders import BUY, SELL, Order, Tariffs
from minichain.market.units import amount_for

PROPERTY = settings(max_examples=60, deadline=None)
OWNERS = ["0x" + f"{n:040x}" for n in range(1, 6)]   # few owners, so flows aggregate


@st.composite
def books(draw, max_per_side: int = 4, max_wh: int = 3000, spread: int = 12):
    """Tariffs and a book of one slot whose prices lie in the band, with many price ties."""
    feed_in = draw(st.integers(0, 20))
    tariffs = Tariffs(feed_in, feed_in + draw(st.integers(0, spread)))
    n_bids = draw(st.integers(0, max_per_side))
    n_asks = draw(st.integers(0, max_per_side))
    ids = draw(st.lists(st.integers(0, 99), min_size=n_bids + n_asks,
                        max_size=n_bids + n_asks, unique=True))
    orders = []
    for index, order_id in enumerate(ids):
        orders.append(Order(id=order_id, owner=draw(st.sampled_from(OWNERS)),
                            side=BUY if index < n_bids else SELL,
                            quantity_wh=draw(st.integers(1, max_wh)),
                            price=draw(st.integers(tariffs.feed_in, tariffs.retail)), slot=3))
    return tariffs, orders


# --- the independent solvers --------------------------------------------------------------

def exhaustive_max_welfare(orders: list[Order]) -> int:
    """Try every Wh-granular amount on every buyer-seller pair (tiny books only)."""
    bids = [o for o in orders if o.side == BUY]
    asks = [o for o in orders if o.side == SELL]
    pairs = [(i, j) for i in range(len(bids)) for j in range(len(asks))]
    best = 0

    def search(index: int, bid_left: list[int], ask_left: list[int], welfare: int) -> None:
        nonlocal best
        if index == len(pairs):
            best = max(best, welfare)
            return
        i, j = pairs[index]
        for q in range(min(bid_left[i], ask_left[j]) + 1):
            bid_left[i] -= q
            ask_left[j] -= q
            search(index + 1, bid_left, ask_left, welfare + q * (bids[i].price - asks[j].price))
            bid_left[i] += q
            ask_left[j] += q

    search(0, [o.quantity_wh for o in bids], [o.quantity_wh for o in asks], 0)
    return best


def flow_max_welfare(orders: list[Order]) -> int:
    """Maximum welfare as a min-cost flow: each wanted Wh goes to a seller or to the grid."""
    graph = nx.DiGraph()
    bids = [o for o in orders if o.side == BUY]
    asks = [o for o in orders if o.side == SELL]
    for bid in bids:
        graph.add_edge("source", ("bid", bid.id), capacity=bid.quantity_wh, weight=0)
        graph.add_edge(("bid", bid.id), "sink", capacity=bid.quantity_wh, weight=0)  # the grid
        for ask in asks:
            graph.add_edge(("bid", bid.id), ("ask", ask.id),
                           capacity=min(bid.quantity_wh, ask.quantity_wh),
                           weight=ask.price - bid.price)
    for ask in asks:
        graph.add_edge(("ask", ask.id), "sink", capacity=ask.quantity_wh, weight=0)
    if not bids:
        return 0
    flow = nx.max_flow_min_cost(graph, "source", "sink")
    return -nx.cost_of_flow(graph, flow)


def test_the_solvers_agree_with_the_worked_regression():
    book = [Order(1, OWNERS[0], BUY, 1000, 10, 0), Order(2, OWNERS[1], BUY, 1000, 5, 0),
            Order(3, OWNERS[2], SELL, 1000, 9, 0), Order(4, OWNERS[3], SELL, 1000, 1, 0)]
    assert flow_max_welfare(book) == 9000
    tiny = [Order(o.id, o.owner, o.side, 2, o.price, 0) for o in book]
    assert exhaustive_max_welfare(tiny) == 18


# --- welfare ------------------------------------------------------------------------------

@PROPERTY
@given(books(max_per_side=3, max_wh=3))
def test_merit_order_mechanisms_reach_the_exhaustive_maximum_on_tiny_books(book):
    tariffs, orders = book
    best = exhaustive_max_welfare(orders)
    assert clear_uniform_price(orders, tariffs).welfare_milliunits == best
    assert clear(PAY_AS_BID, orders, tariffs).welfare_milliunits == best
    assert 0 <= clear_mcafee(orders, tariffs).welfare_milliunits <= best


@PROPERTY
@given(books(max_per_side=7, max_wh=5000, spread=40))
def test_merit_order_mechanisms_reach_the_min_cost_flow_maximum(book):
    tariffs, orders = book
    best = flow_max_welfare(orders)
    assert clear_uniform_price(orders, tariffs).welfare_milliunits == best
    assert clear(PAY_AS_BID, orders, tariffs).welfare_milliunits == best
    assert 0 <= clear_mcafee(orders, tariffs).welfare_milliunits <= best


# --- money, fills and limits --------------------------------------------------------------

def check_money_and_fills(clearing: Clearing, orders: list[Order], tariffs: Tariffs) -> None:
    by_id = {o.id: o for o in orders}
    trades = clearing.trades
    # buyers pay exactly what sellers receive plus the surplus account's share
    assert sum(t.amount for t in trades) == sum(t.seller_amount for t in trades) + clearing.surplus
    assert sum(f.paid for f in clearing.market_flows) == sum(f.received for f in clearing.market_flows)
    assert sum(f.paid for f in clearing.utility_flows) == sum(f.received for f in clearing.utility_flows)
    # the utility sells the unmet demand at retail and buys the unsold surplus at feed-in
    utility = {f.account: f for f in clearing.utility_flows}.get(UTILITY, None)
    sold = sum(f.utility_amount for f in clearing.fills if f.side == BUY)
    bought = sum(f.utility_amount for f in clearing.fills if f.side == SELL)
    if utility is None:
        assert clearing.utility_import_wh == clearing.utility_export_wh == 0
    else:
        assert (utility.received, utility.paid) == (sold, bought)
    assert [f.order_id for f in clearing.fills] == sorted(by_id)
    for fill in clearing.fills:
        order = by_id[fill.order_id]
        assert fill.filled_wh + fill.utility_wh == order.quantity_wh
        assert 0 <= fill.filled_wh <= order.quantity_wh
        tariff = tariffs.retail if order.side == BUY else tariffs.feed_in
        assert fill.utility_amount == amount_for(fill.utility_wh, tariff)
        mine = [t for t in trades if fill.order_id in
                ((t.buy_order,) if order.side == BUY else (t.sell_order,))]
        assert fill.filled_wh == sum(t.quantity_wh for t in mine)
        assert fill.market_amount == sum(t.amount if order.side == BUY else t.seller_amount
                                         for t in mine)
    assert clearing.traded_wh == sum(t.quantity_wh for t in trades)
    assert clearing.utility_import_wh == sum(f.utility_wh for f in clearing.fills if f.side == BUY)
    assert clearing.utility_export_wh == sum(f.utility_wh for f in clearing.fills if f.side == SELL)
    # nobody trades beyond its limit, in price or after rounding
    for t in trades:
        bid, ask = by_id[t.buy_order], by_id[t.sell_order]
        assert (bid.side, ask.side) == (BUY, SELL) and (t.buyer, t.seller) == (bid.owner, ask.owner)
        assert t.quantity_wh > 0
        assert ask.price <= t.seller_price <= t.price <= bid.price
        assert tariffs.in_band(t.price) and tariffs.in_band(t.seller_price)
        assert t.amount == amount_for(t.quantity_wh, t.price)
        assert t.seller_amount == amount_for(t.quantity_wh, t.seller_price)
        assert t.amount * 1000 <= t.quantity_wh * bid.price
        assert t.seller_amount >= t.quantity_wh * ask.price // 1000


@PROPERTY
@given(books(max_per_side=6, max_wh=4000, spread=30), st.sampled_from(sorted(MECHANISMS)))
def test_money_is_conserved_fills_add_up_and_nobody_trades_beyond_its_limit(book, name):
    tariffs, orders = book
    check_money_and_fills(clear(name, orders, tariffs), orders, tariffs)


@PROPERTY
@given(books(max_per_side=6, spread=30),
       st.integers(1, 6).flatmap(lambda d: st.tuples(st.integers(0, d), st.just(d))))
def test_uniform_price_is_one_price_between_the_marginal_bid_and_ask(book, k):
    tariffs, orders = book
    numerator, denominator = k
    clearing = clear_uniform_price(orders, tariffs, numerator, denominator)
    if not clearing.trades:
        assert clearing.price is None
        return
    by_id = {o.id: o for o in orders}
    last = clearing.trades[-1]
    assert by_id[last.sell_order].price <= clearing.price <= by_id[last.buy_order].price
    assert {t.price for t in clearing.trades} == {t.seller_price for t in clearing.trades} == {clearing.price}
    # merit order: at most one partly filled order on each side
    for side in (BUY, SELL):
        partial = [f for f in clearing.fills if f.side == side and 0 < f.filled_wh < f.quantity_wh]
        assert len(partial) <= 1


# --- determinism --------------------------------------------------------------------------

@PROPERTY
@given(st.data(), books(max_per_side=6, spread=30), st.sampled_from(sorted(MECHANISMS)))
def test_shuffling_the_book_changes_nothing(data, book, name):
    tariffs, orders = book
    shuffled = data.draw(st.permutations(orders))
    assert clear(name, shuffled, tariffs) == clear(name, orders, tariffs)


# --- McAfee: no profitable lie for unit traders --------------------------------------------

def unit_book(buyer_values, seller_values) -> list[Order]:
    """Each trader wants to trade exactly 1 kWh; ids: buyers 0.., sellers after them."""
    book = [Order(i, OWNERS[0], BUY, 1000, v, 0) for i, v in enumerate(buyer_values)]
    book += [Order(len(buyer_values) + j, OWNERS[1], SELL, 1000, v, 0)
             for j, v in enumerate(seller_values)]
    return book


def gain(clearing: Clearing, order_id: int, value: int, side: str) -> int:
    """A trader's gain in milli-units: value of the energy minus money, or the reverse."""
    if side == BUY:
        return sum(value * t.quantity_wh - 1000 * t.amount
                   for t in clearing.trades if t.buy_order == order_id)
    return sum(1000 * t.seller_amount - value * t.quantity_wh
               for t in clearing.trades if t.sell_order == order_id)


def profitable_lies(n_buyers: int, n_sellers: int, grid: range, mechanism=clear_mcafee):
    tariffs = Tariffs(grid[0], grid[-1])
    found = []
    for values in itertools.product(grid, repeat=n_buyers + n_sellers):
        truth = list(values)
        honest = mechanism(unit_book(truth[:n_buyers], truth[n_buyers:]), tariffs)
        for trader, value in enumerate(truth):
            side = BUY if trader < n_buyers else SELL
            honest_gain = gain(honest, trader, value, side)
            for report in grid:
                if report == value:
                    continue
                lie = truth[:trader] + [report] + truth[trader + 1:]
                outcome = mechanism(unit_book(lie[:n_buyers], lie[n_buyers:]), tariffs)
                if gain(outcome, trader, value, side) > honest_gain:
                    found.append((tuple(truth), trader, report))
    return found


@pytest.mark.parametrize("n_buyers, n_sellers, grid", [
    (2, 2, range(1, 7)),
    (3, 2, range(1, 6)),
    (2, 3, range(1, 6)),
    (3, 3, range(2, 6)),
])
def test_mcafee_has_no_profitable_misreport_for_unit_traders(n_buyers, n_sellers, grid):
    assert profitable_lies(n_buyers, n_sellers, grid) == []


def test_the_truthfulness_check_has_teeth_uniform_price_fails_it():
    lies = profitable_lies(2, 2, range(1, 7), mechanism=clear_uniform_price)
    # buyers 6 and 1, sellers 1 and 6: truthful, buyer 0 pays 1 + (6 - 1) // 2 = 3;
    # bidding 2 makes the marginal pair (2, 1) and the price 1
    assert ((6, 1, 1, 6), 0, 2) in lies
