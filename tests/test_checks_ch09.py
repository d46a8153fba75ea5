"""The chapter 09 checks answer the usual wrong turns with the hint that fixes them (part 1).

Each test writes one plausible wrong answer and names the hint it must get. The checkers'
own reference answers are held against the library too: the walk model against
``merit_walk`` on every case, and the welfare cases against the clearings' own
``welfare_milliunits``.
"""

from __future__ import annotations

import math

import pytest
from checks_kit import failed_with, named

from minichain.checks import PASSED, check
from minichain.checks.ch09 import (QUANTITY_CASES, merit_cases, model_quantity, noon_book,
                                   walked_wh, welfare_cases)
from minichain.market.auction import UNIFORM_PRICE, clear
from minichain.market.orders import BUY, SELL, Tariffs


def returning(name, value):
    """A learner's function that returns ``value`` whatever it is given."""
    @named(name)
    def answer(*args):
        return value
    return answer


# --- amount_for ---------------------------------------------------------------------------

def test_a_correct_amount_passes_and_the_cases_hold_the_worked_example():
    @named("amount_for")
    def amount_for(q_wh, price):
        return q_wh * price // 1000
    assert check(amount_for).status == PASSED
    assert amount_for(1_234, 156_666) == 193_325


def test_rounding_to_the_nearest_or_up_gets_the_round_down_hint():
    @named("amount_for")
    def nearest(q_wh, price):
        return round(q_wh * price / 1000)
    failed_with(nearest, "amount_for(1234, 156666): expected 193325, got 193326", "round DOWN")

    @named("amount_for")
    def up(q_wh, price):
        return math.ceil(q_wh * price / 1000)
    failed_with(up, "amount_for(1020, 156666): expected 159799, got 159800",
                "never pays more than the exact value")


def test_a_float_division_is_refused_with_the_floor_division_hint():
    @named("amount_for")
    def exact(q_wh, price):
        return q_wh * price / 1000
    failed_with(exact, "amount_for(1000, 170000): expected 170000, got 170000.0",
                "use // (floor division)")


def test_a_detour_through_a_float_fails_on_sixty_terawatt_hours():
    @named("amount_for")
    def through_float(q_wh, price):
        return int(q_wh * price / 1000)
    failed_with(through_float, "amount_for(60000000000002, 156666): expected "
                "9399960000000313, got 9399960000000314", "about 16 digits")


def test_rounding_the_quantity_first_and_forgetting_the_kilo_are_named():
    @named("amount_for")
    def kwh_first(q_wh, price):
        return q_wh // 1000 * price
    failed_with(kwh_first, "amount_for(1020, 156666): expected 159799, got 156666",
                "multiply first")

    @named("amount_for")
    def per_wh(q_wh, price):
        return q_wh * price
    failed_with(per_wh, "expected 170000, got 170000000", "divide q * p by 1000")

    @named("amount_for")
    def price_first(q_wh, price):
        return q_wh * (price // 1000)
    failed_with(price_first, "expected 159799, got 159120", "last three digits")


def test_a_forgotten_return_is_named():
    @named("amount_for")
    def silent(q_wh, price):
        q_wh * price // 1000
    failed_with(silent, "got None", "forget `return`")


# --- merit_order ------------------------------------------------------------------------

def sorter(bid_key, ask_key, swap=False):
    @named("merit_order")
    def merit_order(orders):
        bids = sorted((o for o in orders if o.side == BUY), key=bid_key)
        asks = sorted((o for o in orders if o.side == SELL), key=ask_key)
        return (asks, bids) if swap else (bids, asks)
    return merit_order


def test_a_correct_merit_order_passes():
    assert check(sorter(lambda o: (-o.price, o.id), lambda o: (o.price, o.id))).status == PASSED


def test_keeping_equal_prices_in_list_order_gets_the_tie_break_hint():
    # a stable sort by price alone passes the noon book (its ids arrive in order) and
    # fails where a later id is listed first
    message = failed_with(sorter(lambda o: -o.price, lambda o: o.price),
                          "equal prices listed late id first", "the lower id")
    assert "noon book" not in message


def test_bids_from_the_lowest_price_get_the_highest_first_hint():
    failed_with(sorter(lambda o: (o.price, o.id), lambda o: (o.price, o.id)),
                "merit_order(the noon book): expected ids ([4, 5, 6], [1, 2, 3]), "
                "got ([6, 5, 4], [1, 2, 3])", "HIGHEST price")


def test_asks_from_the_highest_price_get_the_lowest_first_hint():
    failed_with(sorter(lambda o: (-o.price, o.id), lambda o: (-o.price, o.id)), "LOWEST price")


def test_ties_by_the_higher_id_are_named():
    failed_with(sorter(lambda o: (-o.price, -o.id), lambda o: (o.price, -o.id)),
                "the LOWER id goes first")


def test_the_sides_swapped_or_sorted_by_id_are_named():
    failed_with(sorter(lambda o: (-o.price, o.id), lambda o: (o.price, o.id), swap=True),
                "return (bids, asks)")
    failed_with(sorter(lambda o: o.id, lambda o: o.id), "sort by price first")


def test_one_list_or_ids_instead_of_orders_are_refused():
    @named("merit_order")
    def one_list(orders):
        return sorted(orders, key=lambda o: (o.side, o.price, o.id))
    failed_with(one_list, "returned one list of 6 orders", "split the book in two")

    @named("merit_order")
    def ids(orders):
        bids = sorted((o for o in orders if o.side == BUY), key=lambda o: (-o.price, o.id))
        asks = sorted((o for o in orders if o.side == SELL), key=lambda o: (o.price, o.id))
        return [o.id for o in bids], [o.id for o in asks]
    failed_with(ids, "the Order objects themselves")


def test_the_merit_cases_include_ties_listed_against_their_ids():
    cases = dict(merit_cases())
    ties = cases["equal prices listed late id first"]
    assert [o.id for o in ties if o.side == SELL and o.price == 100_000] == [8, 3, 11]
    assert len(cases["a crowded book with many ties"]) == 14


# --- clearing_quantity --------------------------------------------------------------------

def walker(mistake=""):
    @named("clearing_quantity")
    def clearing_quantity(bids, asks):
        return model_quantity(bids, asks, mistake)
    return clearing_quantity


def test_the_walk_model_agrees_with_the_library_on_every_case():
    for what, bids, asks in QUANTITY_CASES:
        assert model_quantity(bids, asks) == walked_wh(bids, asks), what
    assert walked_wh(*QUANTITY_CASES[0][1:]) == 4_000
    assert check(walker()).status == PASSED


@pytest.mark.parametrize("mistake, fragments", [
    ("strict", ("(a bid equal to the ask): expected 600, got 0", "bid >= ask")),
    ("unsorted", ("(the noon book listed in another order): expected 4000, got 0",
                  "sort first")),
    ("whole", ("move past only the order that is used up",)),
    ("totals", ("(the noon book): expected 4000, got 5500", "stop when the best bid")),
    ("kwh", ("expected 4000, got 4.0", "return Wh")),
    ("pairs", ("expected 4000, got 2", "not the number of pairs")),
])
def test_each_usual_walk_mistake_gets_its_own_hint(mistake, fragments):
    failed_with(walker(mistake), *fragments)


def test_a_float_quantity_is_refused():
    @named("clearing_quantity")
    def as_float(bids, asks):
        return float(model_quantity(bids, asks))
    failed_with(as_float, "returned the float 4000.0", "Wh are whole numbers")


# --- uniform_price -----------------------------------------------------------------------

def pricer(formula):
    @named("uniform_price")
    def uniform_price(bid_m, ask_m, k_num, k_den):
        return formula(bid_m, ask_m, k_num, k_den)
    return uniform_price


def test_a_correct_price_passes():
    assert check(pricer(lambda b, a, n, d: a + n * (b - a) // d)).status == PASSED


@pytest.mark.parametrize("formula, fragments", [
    (lambda b, a, n, d: a + n * (b - a) / d,
     ("uniform_price(20, 14, 1, 2) returned the float 17.0", "use //")),
    (lambda b, a, n, d: a + round(n * (b - a) / d),
     ("uniform_price(21, 14, 1, 2): expected 17, got 18", "not to the nearest")),
    (lambda b, a, n, d: b - ((d - n) * (b - a)) // d,   # from the bid: rounds up
     ("uniform_price(20, 13, 1, 3): expected 15, got 16", "towards the ask")),
    (lambda b, a, n, d: b - n * (b - a) // d,
     ("uniform_price(20, 14, 0, 1): expected 14, got 20", "k = 0 is the ASK's price")),
    (lambda b, a, n, d: a + (n // d) * (b - a),
     ("uniform_price(20, 14, 1, 2): expected 17, got 14", "k_num // k_den is 0")),
    (lambda b, a, n, d: (b + a) // 2,
     ("uniform_price(20, 14, 0, 1): expected 14, got 17", "the midpoint is only k = 1/2")),
])
def test_each_usual_price_mistake_gets_its_own_hint(formula, fragments):
    failed_with(pricer(formula), *fragments)


# --- welfare --------------------------------------------------------------------------------

def test_the_welfare_cases_are_the_clearings_own_welfare():
    cases = {case.what: case for case in welfare_cases()}
    assert cases["the noon book, uniform price"].expected == 540_000_000       # €0.54
    assert cases["the noon book with Dave at 30, McAfee (reduced)"].expected == 450_000_000
    assert cases["the toy book, uniform price"].expected == 90_000_000
    assert cases["a book that does not cross"].expected == 0
    tariffs = Tariffs(80_000, 320_000)
    assert clear(UNIFORM_PRICE, noon_book(), tariffs).welfare_milliunits == 540_000_000


def welfarer(term):
    @named("welfare")
    def welfare(orders, trades):
        by_id = {o.id: o for o in orders}
        return sum(term(by_id[t.buy_order], by_id[t.sell_order], t) for t in trades)
    return welfare


def test_a_correct_welfare_passes():
    assert check(welfarer(lambda bid, ask, t: (bid.price - ask.price) * t.quantity_wh)
                 ).status == PASSED


def test_welfare_at_the_prices_paid_gets_the_limit_price_hint():
    failed_with(welfarer(lambda bid, ask, t: (t.price - t.seller_price) * t.quantity_wh),
                "welfare(the noon book, uniform price): expected 540000000, got 0",
                "LIMIT prices")


def test_welfare_in_whole_units_gets_the_milli_units_hint():
    @named("welfare")
    def in_units(orders, trades):
        by_id = {o.id: o for o in orders}
        return sum((by_id[t.buy_order].price - by_id[t.sell_order].price) * t.quantity_wh
                   for t in trades) // 1000
    failed_with(in_units, "expected 540000000, got 540000", "without dividing")


def test_the_buyers_gain_only_or_the_order_sizes_are_named():
    failed_with(welfarer(lambda bid, ask, t: (bid.price - t.price) * t.quantity_wh),
                "only the buyers' gain")
    failed_with(welfarer(lambda bid, ask, t: (bid.price - ask.price) * bid.quantity_wh),
                "(the noon book before Grace's take (Erin's bid split in two)): "
                "expected 560000000, got 690000000", "trade.quantity_wh")


def test_a_welfare_as_text_is_refused():
    failed_with(returning("welfare", "540000000"), "return the welfare as an int")
