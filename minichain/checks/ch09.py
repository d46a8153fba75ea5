"""Checks for the chapter 09 exercises: a payment, merit order, the walk, the price, McAfee,
welfare, a search of the street's book and a direct take on the street's network.

Every checker holds the learner's answer against the market's own reference code
(``market.units.amount_for``, ``market.auction.merit_order`` / ``merit_walk`` /
``k_price`` / ``clear_mcafee``, a ``Clearing``'s ``welfare_milliunits``, and
``MarketClient.offers`` and ``take`` on a street running on its three authorities' nodes)
on the chapter's books, in µ€ per kWh: the noon book of Sunny Street, the toy book (bids
10 and 5 ct against asks 9 and 1 ct), books with ties and books that do not cross. The
usual wrong turns get the hint that fixes them: rounding a payment to nearest or up, the
quantity before the price, a detour through a float; bids sorted low to high, ties kept in
list order; a walk that needs bid > ask, skips sorting, or retires both orders of a pair;
k applied from the bid's side or rounded away; McAfee's price taken from the marginal pair,
a missing order not replaced by the tariff, no reduction; welfare counted at the prices
paid; a search that forgets a filter; a take of an offer the contract refuses. The
chapter's three concept questions are registered here too.
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from minichain import cast
from minichain.checks import FORGOT_RETURN, Mismatch, Mistake, compare, exercise, hint_for
from minichain.checks.quiz import concept
from minichain.contracts.client import (MarketClient, R_OFFER_TOO_SMALL,
                                        R_REPUTATION_TOO_LOW, Street, sunny_street)
from minichain.errors import Revert
from minichain.market.auction import (MCAFEE, PAY_AS_BID, UNIFORM_PRICE, Trade, clear,
                                      k_price, merit_order, merit_walk)
from minichain.market.orders import BUY, SELL, STREET_TARIFFS, Order, Tariffs
from minichain.market.units import amount_for, cents_per_kwh

SLOT = 48
TARIFFS = STREET_TARIFFS                       # 8 to 32 ct/kWh, in µ€ per kWh
TOY_TARIFFS = Tariffs(feed_in=cents_per_kwh(1), retail=cents_per_kwh(10))
NAMES = cast.HOUSEHOLDS[:7]                    # alice, bob, carol, dave, erin, frank, grace


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@functools.lru_cache(maxsize=1)
def addresses() -> dict[str, str]:
    """The households' addresses, from the cast as in the chapter."""
    return {name: cast.wallet(name).address for name in NAMES}


def order(id: int, name: str, side: str, wh: int, cents: int, slot: int = SLOT) -> Order:
    """An order of a cast member, its limit price given in ct/kWh (stored in µ€/kWh)."""
    return Order(id, addresses()[name], side, wh, cents_per_kwh(cents), slot)


def noon_book() -> list[Order]:
    """The chapter's noon book, after Grace took 500 Wh of Alice's offer."""
    return [order(1, "alice", SELL, 2_500, 10), order(2, "carol", SELL, 2_000, 14),
            order(3, "dave", SELL, 1_000, 25), order(4, "bob", BUY, 2_500, 28),
            order(5, "erin", BUY, 1_500, 20), order(6, "frank", BUY, 2_000, 12)]


def regression_book() -> list[Order]:
    """Bids 10 and 5 ct against asks 9 and 1 ct, 1 kWh each (tariff band 1 to 10 ct)."""
    return [order(1, "bob", BUY, 1_000, 10, 0), order(2, "erin", BUY, 1_000, 5, 0),
            order(3, "dave", SELL, 1_000, 9, 0), order(4, "alice", SELL, 1_000, 1, 0)]


def random_book(seed: int, size: int, prices: Sequence[int] = (10, 12, 14, 14, 20, 20, 25),
                ) -> list[Order]:
    """A book with many equal prices, its ids handed out in a shuffled list order."""
    rng = random.Random(seed)
    ids = list(range(1, size + 1))
    rng.shuffle(ids)
    return [order(n, rng.choice(NAMES), rng.choice((BUY, SELL)), rng.choice((500, 1_000, 1_500)),
                  rng.choice(prices)) for n in ids]


# --- amount_for ---------------------------------------------------------------------------

AMOUNT_CASES = ((1_000, 170_000), (1_020, 156_666), (1_234, 156_666), (500, 100_000),
                (2_500, 280_000), (1_500, 200_000), (1, 80_000), (999, 1), (0, 320_000),
                (1_999, 1), (3_333, 320_000), (1_000_000, 320_000), (2_750, 133_333),
                (60_000_000_000_002, 156_666))     # a country's year of solar, 60 TWh

AMOUNT_MISTAKES = (
    Mistake(lambda q, p: int(q * p / 1000),
            "int(q * p / 1000) goes through a float, which keeps only about 16 digits: on "
            "60 TWh it is off by a µ€. Stay with integers: q * p // 1000"),
    Mistake(lambda q, p: q * p / 1000,
            "money is a whole number of µ€: use // (floor division), not /"),
    Mistake(lambda q, p: round(q * p / 1000),
            "round DOWN, never to the nearest: 1,234 Wh at 156,666 µ€/kWh is worth "
            "193,325.844 µ€ and pays 193,325 (//). (Python's round even rounds halves to "
            "the nearest even number)"),
    Mistake(lambda q, p: math.ceil(q * p / 1000),
            "round down, not up: a buyer never pays more than the exact value of its energy"),
    Mistake(lambda q, p: q * p,
            "the price is per kWh and the quantity in Wh: divide q * p by 1000"),
    Mistake(lambda q, p: q // 1000 * p,
            "multiply first, then divide once: rounding the quantity to whole kWh first gives "
            "the 20 Wh of 1,020 Wh away"),
    Mistake(lambda q, p: q * (p // 1000),
            "multiply q by p first, then divide the product by 1000 (p // 1000 drops the "
            "price's last three digits)"),
)


@exercise("amount_for", chapter=9, title="Pay for energy with the one rounding rule",
          hint="the exact value is q_wh * price / 1000 µ€; compute q_wh * price first "
               "and divide by 1000 rounding down, with //")
def check_amount_for(fn: Callable) -> None:
    for q, p in AMOUNT_CASES:
        got = fn(q, p)
        if not isinstance(got, (int, float)) and got is not None:
            raise Mismatch(f"amount_for({q}, {p}) returned {got!r}",
                           "return the amount as an int (µ€)")
        compare(f"amount_for({q}, {p})", got, amount_for(q, p), AMOUNT_MISTAKES, (q, p))


# --- merit_order ------------------------------------------------------------------------

def merit_cases() -> list[tuple[str, list[Order]]]:
    noon = noon_book()
    ties = [order(8, "carol", SELL, 1_000, 10), order(3, "alice", SELL, 1_000, 10),
            order(9, "bob", BUY, 1_000, 20), order(4, "erin", BUY, 500, 20),
            order(6, "dave", SELL, 700, 9), order(5, "frank", BUY, 800, 25),
            order(11, "grace", SELL, 400, 10), order(2, "bob", BUY, 300, 20)]
    return [("the noon book", noon),
            ("the noon book listed in another order", [noon[i] for i in (4, 0, 5, 2, 3, 1)]),
            ("equal prices listed late id first", ties),
            ("no orders at all", []),
            ("only offers", [order(7, "alice", SELL, 1_000, 12), order(2, "dave", SELL, 900, 12),
                             order(4, "carol", SELL, 500, 11)]),
            ("a crowded book with many ties", random_book(9, 14))]


def _ids(orders: Sequence[Any]) -> list[Any]:
    return [o.id if isinstance(o, Order) else o for o in orders]


def merit_variants(orders: Sequence[Order]) -> list[tuple[tuple[list, list], str]]:
    """Plausible wrong merit orders, each with the hint that fixes it."""
    bids = [o for o in orders if o.side == BUY]
    asks = [o for o in orders if o.side == SELL]
    right_bids, right_asks = merit_order(orders)
    return [
        ((_ids(right_asks), _ids(right_bids)),
         "return (bids, asks): the buy orders first, then the sell orders"),
        ((_ids(sorted(bids, key=lambda o: (o.price, o.id))), _ids(right_asks)),
         "bids go best first, and the best bid is the HIGHEST price: sort by -price"),
        ((_ids(right_bids), _ids(sorted(asks, key=lambda o: (-o.price, o.id)))),
         "asks go best first, and the best ask is the LOWEST price"),
        ((_ids(sorted(bids, key=lambda o: -o.price)), _ids(sorted(asks, key=lambda o: o.price))),
         "equal prices: the lower id (the order that arrived first) goes first, whatever "
         "order the list is in: sort by (price, id)"),
        ((_ids(sorted(bids, key=lambda o: (-o.price, -o.id))),
          _ids(sorted(asks, key=lambda o: (o.price, -o.id)))),
         "equal prices: the LOWER id goes first (first come, first served)"),
        ((_ids(sorted(bids, key=lambda o: o.id)), _ids(sorted(asks, key=lambda o: o.id))),
         "sort by price first; the id only breaks ties between equal prices"),
    ]


@exercise("merit_order", chapter=9, title="Sort a book into merit order",
          hint="bids = the buy orders sorted by (-price, id); asks = the sell orders sorted by "
               "(price, id); return (bids, asks)")
def check_merit_order(fn: Callable) -> None:
    for what, orders in merit_cases():
        right_bids, right_asks = merit_order(orders)
        expected = (_ids(right_bids), _ids(right_asks))
        got = fn(list(orders))
        call = f"merit_order({what})"
        if not isinstance(got, (tuple, list)) or len(got) != 2 \
                or not all(isinstance(part, (tuple, list)) for part in got):
            if isinstance(got, (tuple, list)) and all(isinstance(o, Order) for o in got):
                raise Mismatch(f"{call} returned one list of {len(got)} orders",
                               "split the book in two: return (bids, asks), the buy orders "
                               "and the sell orders, each in its own list")
            raise Mismatch(f"{call} returned {got!r}",
                           "return a pair of lists: (bids, asks)")
        if any(not isinstance(o, Order) for part in got for o in part):
            raise Mismatch(f"{call} returned {[list(part) for part in got]!r}",
                           "return the Order objects themselves (sorted), not their ids or "
                           "prices")
        if any(o not in orders for part in got for o in part):
            raise Mismatch(f"{call} returned orders that are not in the book",
                           "sort the orders you were given; don't build new ones")
        result = (_ids(got[0]), _ids(got[1]))
        if result == expected:
            continue
        said = f"{call}: expected ids {expected}, got {result}"
        for wrong, hint in merit_variants(orders):
            if result == (list(wrong[0]), list(wrong[1])):
                raise Mismatch(said, hint)
        raise Mismatch(said)


# --- clearing_quantity --------------------------------------------------------------------

_QUANTITY_CASES_CT = (                 # (what, bids, asks) with prices in ct/kWh
    ("the noon book", [(28, 2_500), (20, 1_500), (12, 2_000)],
     [(10, 2_500), (14, 2_000), (25, 1_000)]),
    ("the noon book listed in another order", [(12, 2_000), (28, 2_500), (20, 1_500)],
     [(25, 1_000), (10, 2_500), (14, 2_000)]),
    ("the toy book", [(10, 1_000), (5, 1_000)], [(9, 1_000), (1, 1_000)]),
    ("a bid equal to the ask", [(14, 1_000)], [(14, 600)]),
    ("nothing crosses", [(12, 2_000), (11, 500)], [(14, 1_000)]),
    ("no bids", [], [(10, 1_000)]),
    ("no orders at all", [], []),
    ("a big bid against small asks", [(25, 3_000), (9, 1_000)],
     [(10, 1_000), (12, 700), (26, 800), (15, 400)]),
    ("small bids against a big ask", [(20, 400), (18, 700), (30, 600), (9, 2_000)],
     [(17, 1_500), (19, 2_000)]),
)

QUANTITY_CASES: tuple[tuple[str, list[tuple[int, int]], list[tuple[int, int]]], ...] = tuple(
    (what, [(cents_per_kwh(c), wh) for c, wh in bids], [(cents_per_kwh(c), wh) for c, wh in asks])
    for what, bids, asks in _QUANTITY_CASES_CT)      # (price in µ€/kWh, Wh) pairs


def _as_orders(bids: Sequence[tuple[int, int]], asks: Sequence[tuple[int, int]]
               ) -> list[Order]:
    owner = addresses()["alice"]
    book = [Order(n + 1, owner, BUY, wh, price, SLOT) for n, (price, wh) in enumerate(bids)]
    return book + [Order(len(bids) + n + 1, owner, SELL, wh, price, SLOT)
                   for n, (price, wh) in enumerate(asks)]


def walked_wh(bids: Sequence[tuple[int, int]], asks: Sequence[tuple[int, int]]) -> int:
    """The Wh the library's merit walk trades."""
    sorted_bids, sorted_asks = merit_order(_as_orders(bids, asks))
    return sum(wh for _, _, wh in merit_walk(sorted_bids, sorted_asks))


def model_quantity(bids: Sequence[tuple[int, int]], asks: Sequence[tuple[int, int]],
                   mistake: str = "") -> float:
    """The walk, right or with one usual mistake."""
    if mistake == "totals":
        return min(sum(wh for _, wh in bids), sum(wh for _, wh in asks))
    if mistake != "unsorted":
        bids = sorted(bids, key=lambda pair: -pair[0])
        asks = sorted(asks, key=lambda pair: pair[0])
    i = j = traded = pairs = 0
    bid_left = bids[0][1] if bids else 0
    ask_left = asks[0][1] if asks else 0
    while i < len(bids) and j < len(asks):
        if bids[i][0] < asks[j][0] or (mistake == "strict" and bids[i][0] == asks[j][0]):
            break
        q = min(bid_left, ask_left)
        traded += q
        pairs += 1
        bid_left -= q
        ask_left -= q
        if bid_left == 0 or mistake == "whole":
            i += 1
            bid_left = bids[i][1] if i < len(bids) else 0
        if ask_left == 0 or mistake == "whole":
            j += 1
            ask_left = asks[j][1] if j < len(asks) else 0
    if mistake == "kwh":
        return traded / 1000
    return pairs if mistake == "pairs" else traded


QUANTITY_MISTAKES = (
    ("strict", "a bid EQUAL to the ask trades: keep walking while bid >= ask"),
    ("unsorted", "sort first: bids from the highest price down, asks from the lowest up; "
                 "the lists may come in any order"),
    ("whole", "after a pair, move past only the order that is used up; the other keeps "
              "its rest for the next pair"),
    ("totals", "only Wh whose bid reaches the ask trade: stop when the best bid left is "
               "below the best ask left"),
    ("kwh", "return Wh, as the orders give them (not kWh)"),
    ("pairs", "return the Wh traded, not the number of pairs"),
)


@exercise("clearing_quantity", chapter=9, title="Walk the book to the clearing quantity",
          hint="sort bids by price down and asks by price up; keep each order's Wh left; "
               "while there is a bid and an ask and bid price >= ask price, trade the smaller "
               "of the two Wh left, and move past whichever order is used up")
def check_clearing_quantity(fn: Callable) -> None:
    for what, bids, asks in QUANTITY_CASES:
        expected = walked_wh(bids, asks)
        if model_quantity(bids, asks) != expected:      # the model must agree with the library
            raise RuntimeError(f"checker out of step with merit_walk on {what}")
        got = fn(list(bids), list(asks))
        call = f"clearing_quantity({bids}, {asks}) ({what})"
        if isinstance(got, float) and got == expected:
            raise Mismatch(f"{call} returned the float {got!r}",
                           "return an int: Wh are whole numbers")
        if not _is_int(got) and not isinstance(got, float):
            raise Mismatch(f"{call} returned {got!r}", "return the Wh traded, an int")
        if got == expected:
            continue
        said = f"{call}: expected {expected}, got {got}"
        for mistake, hint in QUANTITY_MISTAKES:
            if model_quantity(bids, asks, mistake) == got:
                raise Mismatch(said, hint)
        raise Mismatch(said)


# --- uniform_price -----------------------------------------------------------------------

PRICE_CASES = ((20, 14, 1, 2), (20, 14, 0, 1), (20, 14, 1, 1), (20, 13, 1, 3), (21, 14, 1, 2),
               (28, 10, 2, 3), (10, 1, 1, 2), (15, 15, 1, 2), (29, 9, 3, 4), (30, 8, 5, 7),
               (200_000, 140_000, 1, 2), (190_000, 140_000, 1, 3), (210_003, 140_000, 1, 2),
               (320_000, 80_000, 2, 7))

PRICE_MISTAKES: tuple[tuple[Callable[[int, int, int, int], Any], str], ...] = (
    (lambda b, a, n, d: a + n * (b - a) / d,
     "prices are whole numbers: use // to round down, not /"),
    (lambda b, a, n, d: a + round(n * (b - a) / d),
     "round DOWN (towards the ask) with //, not to the nearest"),
    (lambda b, a, n, d: a + math.ceil(n * (b - a) / d),
     "round down, towards the ask: start from the ask and add (k_num * (bid - ask)) // "
     "k_den (working from the bid's side, bid - ..., rounds the other way)"),
    (lambda b, a, n, d: b - (n * (b - a)) // d,
     "k = 0 is the ASK's price and k = 1 the bid's: price = ask + k * (bid - ask)"),
    (lambda b, a, n, d: a + (n // d) * (b - a),
     "multiply by k_num before dividing by k_den: k_num // k_den is 0 for any k below 1"),
    (lambda b, a, n, d: (b + a) // 2,
     "use k: the midpoint is only k = 1/2"),
)


@exercise("uniform_price", chapter=9, title="The uniform price for any k",
          hint="price = ask_m + (k_num * (bid_m - ask_m)) // k_den: whole numbers only, "
               "rounded down towards the ask")
def check_uniform_price(fn: Callable) -> None:
    for bid, ask, k_num, k_den in PRICE_CASES:
        expected = k_price(bid, ask, k_num, k_den)
        got = fn(bid, ask, k_num, k_den)
        call = f"uniform_price({bid}, {ask}, {k_num}, {k_den})"
        if isinstance(got, float) and got == expected:
            raise Mismatch(f"{call} returned the float {got!r}",
                           "return an int: prices on chain are whole numbers (use //)")
        if not _is_int(got) and not isinstance(got, float):
            raise Mismatch(f"{call} returned {got!r}", "return the price as an int")
        if got == expected and _is_int(got):
            continue
        said = f"{call}: expected {expected}, got {got!r}"
        for mistake, hint in PRICE_MISTAKES:
            wrong = mistake(bid, ask, k_num, k_den)
            if got == wrong and type(got) is type(wrong):
                raise Mismatch(said, hint)
        raise Mismatch(said)


# --- welfare --------------------------------------------------------------------------------

@dataclass(frozen=True)
class WelfareCase:
    what: str
    orders: tuple[Order, ...]
    trades: tuple[Trade, ...]
    expected: int


def welfare_cases() -> list[WelfareCase]:
    noon = noon_book()
    afternoon = [order(1, "alice", SELL, 3_000, 10)] + noon[1:]     # before Grace's take
    dave_at_30 = [o if o.id != 3 else order(3, "dave", SELL, 1_000, 30) for o in noon]
    crowded = random_book(4, 12, prices=(8, 11, 13, 17, 19, 23, 29))
    books = [("the noon book, uniform price", noon, TARIFFS, UNIFORM_PRICE, {}),
             ("the noon book, pay-as-bid", noon, TARIFFS, PAY_AS_BID, {}),
             ("the noon book, McAfee", noon, TARIFFS, MCAFEE, {}),
             ("the noon book before Grace's take (Erin's bid split in two)", afternoon,
              TARIFFS, UNIFORM_PRICE, {}),
             ("the noon book with Dave at 30, McAfee (reduced)", dave_at_30, TARIFFS, MCAFEE, {}),
             ("the toy book, uniform price", regression_book(), TOY_TARIFFS,
              UNIFORM_PRICE, {}),
             ("a book that does not cross", [order(1, "alice", SELL, 1_000, 20),
                                              order(2, "bob", BUY, 1_000, 15)],
              TARIFFS, UNIFORM_PRICE, {}),
             ("a crowded book, uniform price with k = 1/3", crowded, TARIFFS, UNIFORM_PRICE,
              {"k_numerator": 1, "k_denominator": 3})]
    cases = []
    for what, orders, tariffs, mechanism, options in books:
        result = clear(mechanism, orders, tariffs, **options)
        cases.append(WelfareCase(what, tuple(orders), result.trades, result.welfare_milliunits))
    return cases


def welfare_variants(case: WelfareCase) -> list[tuple[Any, str]]:
    by_id = {o.id: o for o in case.orders}
    trades = case.trades
    limit = sum((by_id[t.buy_order].price - by_id[t.sell_order].price) * t.quantity_wh
                for t in trades)
    return [
        (sum((t.price - t.seller_price) * t.quantity_wh for t in trades),
         "welfare counts each Wh at its LIMIT prices (bid - ask), not at the prices paid: "
         "a payment only moves money between neighbours. Look up trade.buy_order and "
         "trade.sell_order in the orders"),
        (sum(t.amount - t.seller_amount for t in trades),
         "the amounts paid cancel out between buyer and seller; use the orders' limit prices: "
         "(bid price - ask price) * Wh per trade"),
        (limit / 1000,
         "keep it exact in thousandths of a µ€: (bid - ask) * Wh, without dividing"),
        (limit // 1000,
         "keep it exact in thousandths of a µ€: (bid - ask) * Wh, without dividing"),
        (sum((by_id[t.buy_order].price - t.price) * t.quantity_wh for t in trades),
         "that is only the buyers' gain: count the whole gap between bid and ask"),
        (sum((by_id[t.buy_order].price - by_id[t.sell_order].price)
             * by_id[t.buy_order].quantity_wh for t in trades),
         "count the Wh each trade moved (trade.quantity_wh), not the whole order's size"),
        (sum(by_id[t.buy_order].price * t.quantity_wh for t in trades),
         "subtract what the energy is worth to its seller: bid - ask per Wh"),
    ]


@exercise("welfare", chapter=9, title="Measure a clearing's welfare",
          hint="for each trade, find its bid and ask by id (trade.buy_order, "
               "trade.sell_order) and add (bid.price - ask.price) * trade.quantity_wh")
def check_welfare(fn: Callable) -> None:
    for case in welfare_cases():
        got = fn(list(case.orders), list(case.trades))
        call = f"welfare({case.what})"
        if isinstance(got, float) and got == case.expected:
            raise Mismatch(f"{call} returned the float {got!r}",
                           "return an int: prices and Wh are whole numbers, so is q * p")
        if not _is_int(got) and not isinstance(got, float):
            raise Mismatch(f"{call} returned {got!r}", "return the welfare as an int "
                                                       "(thousandths of a µ€)")
        if got == case.expected and _is_int(got):
            continue
        said = f"{call}: expected {case.expected}, got {got!r}"
        for wrong, hint in welfare_variants(case):
            if got == wrong and type(got) is type(wrong):
                raise Mismatch(said, hint)
        raise Mismatch(said)


# --- mcafee_prices ----------------------------------------------------------------------------

MCAFEE_CASES: tuple[tuple[str, tuple[float, ...], tuple[float, ...]], ...] = (  # ct/kWh
    ("the toy book (tariffs 1 and 10 ct)", (10, 5), (9, 1)),
    ("p0 inside the marginal pair", (28, 20, 12), (10, 14, 25)),
    ("p0 above the marginal bid: reduced", (28, 20, 12), (10, 14, 30)),
    ("no bid after the marginal one: feed-in stands in", (25, 20), (10, 12, 29)),
    ("no ask after the marginal one: retail stands in", (30, 26, 9), (10, 12)),
    ("every order crosses, none left: the tariffs set p0", (30, 29), (9, 10)),
    ("nothing crosses", (12, 11), (14, 20)),
    ("listed in any order", (12, 28, 20), (25, 10, 14)),
    ("one pair, reduced to none", (20, 12), (14, 30)),
    ("an odd number of µ€ between the next bid and ask", (27, 21, 13.0001), (10, 15, 24)),
)


def _unit_book(bids: Sequence[int], asks: Sequence[int]) -> list[Order]:
    """1 kWh orders at the given prices (µ€/kWh), ids in the order listed, bids first."""
    owner = addresses()["alice"]
    book = [Order(n + 1, owner, BUY, 1_000, price, SLOT) for n, price in enumerate(bids)]
    return book + [Order(len(bids) + n + 1, owner, SELL, 1_000, price, SLOT)
                   for n, price in enumerate(asks)]


def mcafee_reference(bids: Sequence[int], asks: Sequence[int],
                     tariffs: Tariffs = TARIFFS) -> tuple[int, int | None, int | None]:
    """(1 kWh trades, buyers' price, sellers' price) by the library's ``clear_mcafee``."""
    trades = clear(MCAFEE, _unit_book(bids, asks), tariffs).trades
    if not trades:
        return (0, None, None)
    return (len(trades), trades[0].price, trades[0].seller_price)


def _mcafee_model(bids, asks, tariffs, next_missing=None, from_marginal=False, reduce=True,
                  reduced_prices="limits", keep_marginal=False, halves=False):
    """McAfee for unit orders, right or with one usual mistake (to recognise it)."""
    bids, asks = sorted(bids, reverse=True), sorted(asks)
    k = 0
    while k < min(len(bids), len(asks)) and bids[k] >= asks[k]:
        k += 1
    if k == 0:
        return (0, None, None)
    bid_k, ask_k = bids[k - 1], asks[k - 1]
    missing_bid = tariffs.feed_in if next_missing is None else next_missing
    missing_ask = tariffs.retail if next_missing is None else next_missing
    bid_next = bids[k] if k < len(bids) else missing_bid
    ask_next = asks[k] if k < len(asks) else missing_ask
    p0 = (bid_k + ask_k) // 2 if from_marginal else (bid_next + ask_next) // 2
    if halves:
        p0 = (bid_next + ask_next) / 2
    if ask_k <= p0 <= bid_k or not reduce:
        return (k, p0, p0)
    trades = k if keep_marginal else k - 1
    if trades == 0:
        return (0, None, None)
    if reduced_prices == "p0":
        return (trades, p0, p0)
    if reduced_prices == "swapped":
        return (trades, ask_k, bid_k)
    return (trades, bid_k, ask_k)


MCAFEE_MISTAKES = (
    Mistake(lambda b, a, t: _mcafee_model(b, a, t, halves=True),
            "p0 is a whole number of µ€: (b_k+1 + a_k+1) // 2, rounded down; / gives a float"),
    Mistake(lambda b, a, t: _mcafee_model(b, a, t, from_marginal=True),
            "McAfee's price comes from the first orders that do NOT trade, b_k+1 and a_k+1: "
            "p0 = (b_k+1 + a_k+1) // 2; the marginal pair's own prices would let it set its "
            "price, as under uniform price"),
    Mistake(lambda b, a, t: _mcafee_model(b, a, t, next_missing=0),
            "when there is no bid after the marginal pair the utility stands in at the "
            "feed-in tariff (it always buys); no ask after it: the retail tariff"),
    Mistake(lambda b, a, t: _mcafee_model(b, a, t, reduce=False),
            "when p0 lies outside [a_k, b_k] the marginal pair steps out: one trade fewer, "
            "buyers pay b_k and sellers receive a_k"),
    Mistake(lambda b, a, t: _mcafee_model(b, a, t, keep_marginal=True),
            "a reduced clearing trades one kWh FEWER: the marginal pair (the k-th bid and "
            "ask) does not trade"),
    Mistake(lambda b, a, t: _mcafee_model(b, a, t, reduced_prices="p0"),
            "after the reduction nobody trades at p0 (it lies outside the marginal pair): "
            "buyers pay b_k, the marginal bid, and sellers receive a_k, the marginal ask"),
    Mistake(lambda b, a, t: _mcafee_model(b, a, t, reduced_prices="swapped"),
            "after the reduction the buyers pay the HIGHER price, b_k, and the sellers "
            "receive the lower one, a_k; the difference goes to the community fund"),
)


@exercise("mcafee_prices", chapter=9, title="Price a book by McAfee's trade reduction",
          hint="sort bids high to low and asks low to high; k = how many pairs cross; "
               "p0 = (next bid + next ask) // 2, the tariffs standing in for a missing one; "
               "if a_k <= p0 <= b_k: (k, p0, p0), else (k - 1, b_k, a_k)")
def check_mcafee_prices(fn: Callable) -> None:
    for what, bid_cents, ask_cents in MCAFEE_CASES:
        bids = [cents_per_kwh(c) for c in bid_cents]
        asks = [cents_per_kwh(c) for c in ask_cents]
        tariffs = TOY_TARIFFS if what.startswith("the toy book") else TARIFFS
        expected = mcafee_reference(bids, asks, tariffs)
        if _mcafee_model(bids, asks, tariffs) != expected:     # the model must agree
            raise RuntimeError(f"checker out of step with clear_mcafee on {what}")
        got = fn(list(bids), list(asks), tariffs.feed_in, tariffs.retail)
        if isinstance(got, list):
            got = tuple(got)
        if got is not None and not (isinstance(got, tuple) and len(got) == 3):
            raise Mismatch(f"mcafee_prices({what}) returned {got!r}",
                           "return a tuple of three: (trades, buyers' price, sellers' price)")
        compare(f"mcafee_prices({bids}, {asks}, {tariffs.feed_in}, {tariffs.retail}) ({what})",
                got, expected, MCAFEE_MISTAKES, (bids, asks, tariffs))


# --- the street for the search and take exercises ----------------------------------------------

MORNING = 24                 # 06:00-06:15: the chapter's first track record
TRUSTED_SCORE = 3_000        # a careful buyer's least owner score (a newcomer's)
TRUSTED_RELIABILITY = 900    # ... and least share of sold energy delivered, per mille
PRACTICE_ORDERS = (          # (name, side, Wh, ct/kWh, slot, minimum partner reputation)
    ("alice", SELL, 3_000, 10, SLOT, 0), ("carol", SELL, 2_000, 14, SLOT, 0),
    ("dave", SELL, 1_000, 25, SLOT, 0), ("bob", BUY, 2_500, 28, SLOT, 0),
    ("erin", BUY, 1_500, 20, SLOT, 0), ("frank", BUY, 2_000, 12, SLOT, 0),
    ("dave", SELL, 1_000, 13, SLOT + 1, 3_500), ("carol", SELL, 500, 11, SLOT + 1, 3_200),
    ("frank", SELL, 700, 12, SLOT + 1, 0), ("bob", SELL, 600, 12, SLOT + 1, 0),
    ("erin", SELL, 800, 31, SLOT + 1, 0), ("alice", SELL, 1_500, 9, SLOT + 2, 0),
)


MORNING_SALES = (            # (seller, buyer, Wh delivered of 1 kWh, buyer's stars for seller)
    ("carol", "bob", 1_000, 5), ("dave", "erin", 500, 1), ("frank", "grace", 800, 4))


def practice_street() -> Street:
    """The chapter's street at 08:00 on its three nodes, with a morning's record and the
    orders of ``PRACTICE_ORDERS`` posted, for the exercises to search and trade on.

    This morning (slot 24) Carol, Dave and Frank each sold 1 kWh (``MORNING_SALES``): Carol
    delivered all and got five stars, Dave half and one star, Frank 80 % and four stars;
    and Carol gave Bob, who paid, one star."""
    street = sunny_street(NAMES)
    market, home, meters = street.market, street.households, street.meters
    start = market.genesis_time
    market.advance_to(start + 5 * 3600)
    market.seal([market.post_tx(home[seller], SELL, 1_000, cents_per_kwh(12), MORNING)
                 for seller, *_ in MORNING_SALES]
                + [market.post_tx(home[buyer], BUY, 1_000, cents_per_kwh(20), MORNING)
                   for _, buyer, *_ in MORNING_SALES])
    market.clear(MORNING, by=home["bob"], at=market.gate_closure(MORNING))
    market.seal([market.reading_tx(meters[seller], MORNING, delivered, 0)
                 for seller, _, delivered, _ in MORNING_SALES]
                + [market.reading_tx(meters[buyer], MORNING, 0, 1_000)
                   for _, buyer, *_ in MORNING_SALES], at=market.slot_end(MORNING))
    market.settle(MORNING, by=home["bob"], at=market.window_end(MORNING))
    trades = market.trades(MORNING)
    market.seal([market.rate_tx(home[buyer], trade.id, stars)
                 for trade, (_, buyer, _, stars) in zip(trades, MORNING_SALES)]
                + [market.rate_tx(home["carol"], trades[0].id, 1)])
    market.advance_to(start + 8 * 3600)
    receipts = market.seal([market.post_tx(home[name], side, wh, cents_per_kwh(cents), slot,
                                           minimum)
                            for name, side, wh, cents, slot, minimum in PRACTICE_ORDERS])
    failed = [receipt.explain() for receipt in receipts if not receipt.success]
    if failed:
        raise RuntimeError(f"the practice street's orders were refused: {failed}")
    return street


@functools.lru_cache(maxsize=1)
def _search_street() -> Street:
    """One practice street for the search exercise (searching changes nothing)."""
    return practice_street()


# --- trusted_offers -----------------------------------------------------------------------------

SEARCHES = (                  # (who searches, slots, most ct/kWh)
    ("grace", range(SLOT, SLOT + 2), 30),
    ("carol", range(SLOT, SLOT + 2), 30),
    ("bob", range(SLOT + 1, SLOT + 3), 20),
    ("grace", range(SLOT, SLOT + 1), 12),
)


def _search(market: MarketClient, me: str, slots: range, max_price: int,
            *drop: str) -> list:
    """The right search, or one with the filters named in ``drop`` left out (a mistake)."""
    options = dict(side=SELL, slots=slots, max_price=max_price, reputation=market.score(me),
                   min_owner_score=TRUSTED_SCORE, min_owner_reliability=TRUSTED_RELIABILITY)
    for name in drop:
        options.pop(name)
    if "slots" in drop:
        options["slot"] = slots.start
    return [order.id for order in market.offers(**options)]


SEARCH_MISTAKES = (
    Mistake(lambda m, me, s, p: _search(m, me, s, p, "side"),
            "a buyer searches OFFERS: side=SELL (bids are other buyers)"),
    Mistake(lambda m, me, s, p: _search(m, me, s, p, "reputation"),
            "leave out offers that would refuse you: reputation=market.score(me) keeps only "
            "orders whose minimum partner reputation your score meets"),
    Mistake(lambda m, me, s, p: _search(m, me, s, p, "min_owner_score"),
            "ask about the owner too: min_owner_score=3_000 leaves out sellers rated below a "
            "newcomer"),
    Mistake(lambda m, me, s, p: _search(m, me, s, p, "min_owner_reliability"),
            "ask about the owner's deliveries: min_owner_reliability=900 leaves out sellers "
            "who delivered less than 90 % of what they sold"),
    Mistake(lambda m, me, s, p: _search(m, me, s, p, "min_owner_score",
                                        "min_owner_reliability"),
            "filter by the owner's record: min_owner_score=3_000 and "
            "min_owner_reliability=900"),
    Mistake(lambda m, me, s, p: _search(m, me, s, p, "slots"),
            "search every slot of the range: slots=slots (range(48, 50) is 48 and 49), not "
            "only its first"),
    Mistake(lambda m, me, s, p: _search(m, me, s, p, "max_price"),
            "max_price=max_price: only offers at or below the most you will pay"),
    Mistake(lambda m, me, s, p: list(reversed(_search(m, me, s, p))),
            "keep the listing order of market.offers: by slot, then cheapest first"),
)


@exercise("trusted_offers", chapter=9, title="Search the street's book for trusted offers",
          hint="market.offers(side=SELL, slots=slots, max_price=max_price, "
               "reputation=market.score(me), min_owner_score=3_000, "
               "min_owner_reliability=900), then the ids")
def check_trusted_offers(fn: Callable) -> None:
    street = _search_street()
    market = street.market
    for name, slots, cents in SEARCHES:
        me, max_price = street.address(name), cents_per_kwh(cents)
        got = fn(market, me, slots, max_price)
        if (isinstance(got, (list, tuple)) and got
                and all(isinstance(x, Order) for x in got)):
            raise Mismatch(f"trusted_offers({name}'s address, {slots}, {max_price:,}) "
                           f"returned {len(got)} orders",
                           "return the orders' ids (order.id), in the listing order")
        if isinstance(got, tuple):
            got = list(got)
        compare(f"trusted_offers({name}'s address, {slots}, {max_price:,})", got,
                _search(market, me, slots, max_price), SEARCH_MISTAKES,
                (market, me, slots, max_price))


# --- buy_cheapest: a direct take on the street's network ------------------------------------

TAKE_OFFERS = (               # (seller, Wh, ct/kWh, slot, minimum partner reputation)
    ("alice", 3_000, 10, SLOT + 1, 0),      # the cheapest, but for the next slot
    ("carol", 2_000, 11, SLOT, 3_500),      # cheap, for partners with 3.5 stars
    ("dave", 300, 12, SLOT, 0),             # cheap, but only 300 Wh
    ("frank", 1_000, 13, SLOT, 0),          # the one to take
    ("grace", 1_000, 14, SLOT, 0),          # dearer
    ("erin", 2_000, 15, SLOT, 0),           # above the buyer's limit
)
TAKES = (("bob", 500, 14), ("bob", 1_500, 14))    # (buyer, Wh, most ct/kWh), in slot 48


def take_street() -> tuple[Street, dict[str, int]]:
    """A fresh street on its three nodes with ``TAKE_OFFERS`` posted: (street, seller -> id)."""
    street = sunny_street(NAMES)
    market = street.market
    market.advance_to(market.genesis_time + 8 * 3600)
    receipts = market.seal([market.post_tx(street.households[name], SELL, wh,
                                           cents_per_kwh(cents), slot, minimum)
                            for name, wh, cents, slot, minimum in TAKE_OFFERS])
    ids = {name: market.returned(market.contracts.market, "post", receipt)
           for (name, *_), receipt in zip(TAKE_OFFERS, receipts)}
    return street, ids


def expected_take(market: MarketClient, buyer: str, wh: int, max_price: int) -> int | None:
    """The offer a careful buyer takes: the first the search lists with ``wh`` left."""
    found = market.offers(side=SELL, slot=SLOT, max_price=max_price,
                          reputation=market.score(buyer), min_quantity=wh)
    return found[0].id if found else None


REFUSAL_HINTS = {
    R_REPUTATION_TOO_LOW: "that offer asks for a better-rated partner than you: search with "
                          "reputation=market.score(buyer.address)",
    R_OFFER_TOO_SMALL: "that offer has fewer Wh left than you want: search with "
                       "min_quantity=wh",
}


@exercise("buy_cheapest", chapter=9, title="Buy from the cheapest offer on the street's network",
          hint="found = market.offers(side=SELL, slot=slot, max_price=max_price, "
               "reputation=market.score(buyer.address), min_quantity=wh); None if empty; "
               "else trade_id = market.take(buyer, found[0].id, wh) and return "
               "market.trade(trade_id)")
def check_buy_cheapest(fn: Callable) -> None:
    street, ids = take_street()
    market = street.market
    sellers = {order_id: name.capitalize() for name, order_id in ids.items()}
    for name, wh, cents in TAKES:
        buyer, max_price = street.households[name], cents_per_kwh(cents)
        call = f"buy_cheapest(market, {name}, {SLOT}, {wh}, {max_price:,})"
        right = expected_take(market, buyer.address, wh, max_price)
        before = market.trades(SLOT) + market.trades(SLOT + 1)
        try:
            got = fn(market, buyer, SLOT, wh, max_price)
        except Revert as refusal:
            raise Mismatch(f"{call}: the contract refused your take: {refusal}",
                           REFUSAL_HINTS.get(str(refusal), ""))
        made = [t for t in market.trades(SLOT) + market.trades(SLOT + 1) if t not in before]

        def wrong_offer(taken: Trade) -> str:
            if taken.slot != SLOT:
                return "only offers for the slot asked for: slot=slot"
            if taken.price > max_price:
                return ("take nothing above max_price: search with max_price=max_price, and "
                        "return None when nothing is found")
            if taken.sell_order == ids["grace"]:
                return ("take the CHEAPEST: market.offers lists offers cheapest first, so "
                        "take the first one found")
            return ""

        if right is None:
            if made:
                taken = made[0]
                raise Mismatch(f"{call}: expected None (no offer fits), but you took "
                               f"{sellers.get(taken.sell_order, '?')}'s offer at "
                               f"{taken.price:,} µ€/kWh", wrong_offer(taken))
            if got is not None:
                raise Mismatch(f"{call}: expected None (no offer fits), got {got!r}",
                               "return None when the search finds nothing")
            continue
        if not made:
            raise Mismatch(f"{call}: no trade on the chain",
                           FORGOT_RETURN if got is None else
                           "take the offer: market.take(buyer, offer_id, wh) sends the "
                           "transaction and waits for its block")
        taken = made[0]
        if len(made) > 1:
            raise Mismatch(f"{call}: {len(made)} trades on the chain, expected one",
                           "take one offer, once")
        if taken.sell_order != right:
            raise Mismatch(f"{call}: you took {sellers.get(taken.sell_order, '?')}'s offer, "
                           f"expected {sellers[right]}'s", wrong_offer(taken))
        if taken.quantity_wh != wh:
            raise Mismatch(f"{call}: your trade is for {taken.quantity_wh:,} Wh, expected "
                           f"{wh:,}", "take wh, what the buyer wants, not the whole offer")
        on_chain = market.trade(taken.id)
        if got == taken.id and isinstance(got, int):
            raise Mismatch(f"{call} returned the trade id {got}",
                           "read the trade back from the chain and return it: "
                           "market.trade(trade_id)")
        compare(call, got, on_chain, (), (),
                "return the Trade read back from the chain: market.trade(trade_id)")


# --- concept questions ------------------------------------------------------------------------

concept(9, "Grace adds a bid for 1 kWh at 16 ct to the noon book, and the uniform price falls "
           "from 17 to 15 ct although demand rose. Why?",
        ["her bid becomes the marginal bid: the walk goes one pair further, and a uniform "
         "price sits between the marginal pair's prices, (14 + 16) / 2",
         "more demand always lowers a double auction's price",
         "the contract averages every bid in the book"],
        answer="a", why="the uniform price follows the last pair that trades, not the total "
                        "demand; Grace's 16 ct is a lower marginal bid than Erin's 20 ct",
        nudges={"b": "more demand usually raises a price; here the last pair that trades "
                     "changed, and that pair sets the price",
                "c": "only the marginal pair's bid and ask enter k_price"})
concept(9, "Bob values his kWh at 10 ct. Under which rule can he NOT gain by bidding less "
           "(every order 1 kWh)?",
        ["uniform price: the price is set between the marginal pair's prices",
         "pay-as-bid: he pays what he bids",
         "McAfee's trade reduction: the price comes from orders that do not trade"],
        answer="c", why="under McAfee his bid decides only whether he trades, never the "
                        "price, so the truth is a best reply",
        nudges={"a": "as the marginal buyer his bid sets the price: bidding 5 ct lowered "
                     "what he paid",
                "b": "he pays his bid, so he gains by bidding just above what sellers ask"})
concept(9, "Erin bids 28 ct but only from sellers with 3.2 stars; Alice (3.0 stars) has "
           "the cheapest offer, Carol (3.3 stars) the next one. What does the clearing do?",
        ["Erin passes over Alice's offer, which stays in line for the next bid; Erin buys "
         "Carol's, at the one price clamped into that pair's limits (Carol's 14 ct)",
         "the contract refuses Erin's bid, since the cheapest seller fails its condition",
         "Erin buys from Alice anyway: the cheapest ask always comes first"],
        answer="a", why="the conditioned walk matches each bid only with eligible asks, and "
                        "a single price below Carol's ask would pay her less than her limit",
        nudges={"b": "the condition is checked per pair at clearing, not when the bid is "
                     "posted",
                "c": "merit order decides among ELIGIBLE asks only"})
