"""Checks for the chapter 09 exercises: a payment, merit order, the walk, the price, welfare.

Every checker holds the learner's answer against the market's own reference code
(``energy.units.amount_for``, ``energy.auction.merit_order`` / ``merit_walk`` /
``k_price`` and a ``Clearing``'s ``welfare_milliunits``) on the chapter's books: the noon
book of Sunny Street, the regression book (bids 10 and 5 against asks 9 and 1), books with
ties and books that do not cross. The usual wrong turns get the hint that fixes them:
rounding a payment to nearest or up, or the quantity before the price; bids sorted low to
high, ties kept in list order; a walk that needs bid > ask, skips sorting, or retires both
orders of a pair; k applied from the bid's side or rounded away; welfare counted at the
prices paid instead of the limit prices.
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from minichain.checks import Mismatch, exercise
from minichain.market.auction import (MCAFEE, PAY_AS_BID, UNIFORM_PRICE, Trade, clear,
                                      k_price, merit_order, merit_walk)
from minichain.market.orders import BUY, SELL, Order, Tariffs
from minichain.market.units import amount_for
from minichain.wallet import Wallet

SLOT = 48
TARIFFS = Tariffs(feed_in=8, retail=30)
TOY_TARIFFS = Tariffs(feed_in=1, retail=10)
NAMES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@functools.lru_cache(maxsize=1)
def addresses() -> dict[str, str]:
    """The households' addresses, derived from their names as in the chapter."""
    return {name: Wallet.from_seed(name).address for name in NAMES}


def order(id: int, name: str, side: str, wh: int, price: int, slot: int = SLOT) -> Order:
    return Order(id, addresses()[name], side, wh, price, slot)


def noon_book() -> list[Order]:
    """The chapter's noon book, after Grace took 500 Wh of Alice's offer."""
    return [order(1, "alice", SELL, 2_500, 10), order(2, "carol", SELL, 2_000, 14),
            order(3, "dave", SELL, 1_000, 25), order(4, "bob", BUY, 2_500, 28),
            order(5, "erin", BUY, 1_500, 20), order(6, "frank", BUY, 2_000, 12)]


def regression_book() -> list[Order]:
    """Bids 10 and 5 against asks 9 and 1, 1 kWh each (tariff band 1 to 10)."""
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

AMOUNT_CASES = ((1_000, 17), (1_020, 17), (1_234, 17), (500, 10), (2_500, 28), (1_500, 20), (1, 29),
                (999, 1), (0, 30), (1_999, 1), (3_333, 30), (1_000_000, 30), (2_750, 13))

AMOUNT_MISTAKES: tuple[tuple[Callable[[int, int], Any], str], ...] = (
    (lambda q, p: q * p / 1000,
     "money is a whole number of token units: use // (floor division), not /"),
    (lambda q, p: round(q * p / 1000),
     "round DOWN, never to the nearest: 1,234 Wh at 17 is 20.978 tokens and pays 20 (//)"),
    (lambda q, p: math.ceil(q * p / 1000),
     "round down, not up: a buyer never pays more than the exact value of its energy"),
    (lambda q, p: q * p,
     "the price is per kWh and the quantity in Wh: divide q * p by 1000"),
    (lambda q, p: q // 1000 * p,
     "multiply first, then divide once: rounding the quantity to whole kWh first gives "
     "1,234 Wh away as 1 kWh"),
    (lambda q, p: q * (p // 1000),
     "multiply q by p first, then divide the product by 1000"),
)


@exercise("amount_for", chapter=9, title="Pay for energy with the one rounding rule",
          hint="the exact value is q_wh * price / 1000 tokens; compute q_wh * price first "
               "and divide by 1000 rounding down, with //")
def check_amount_for(fn: Callable) -> None:
    for q, p in AMOUNT_CASES:
        expected = amount_for(q, p)
        got = fn(q, p)
        call = f"amount_for({q}, {p})"
        if isinstance(got, float) and got == expected:
            raise Mismatch(f"{call} returned the float {got!r}",
                           "return an int: floor division // keeps whole token units")
        if not _is_int(got) and not isinstance(got, float):
            raise Mismatch(f"{call} returned {got!r}", "return the amount as an int")
        if got == expected and _is_int(got):
            continue
        said = f"{call}: expected {expected}, got {got!r}"
        for mistake, hint in AMOUNT_MISTAKES:
            if got == mistake(q, p) and type(got) is type(mistake(q, p)):
                raise Mismatch(said, hint)
        raise Mismatch(said)


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

QUANTITY_CASES: tuple[tuple[str, list[tuple[int, int]], list[tuple[int, int]]], ...] = (
    ("the noon book", [(28, 2_500), (20, 1_500), (12, 2_000)],
     [(10, 2_500), (14, 2_000), (25, 1_000)]),
    ("the noon book listed in another order", [(12, 2_000), (28, 2_500), (20, 1_500)],
     [(25, 1_000), (10, 2_500), (14, 2_000)]),
    ("the regression book", [(10, 1_000), (5, 1_000)], [(9, 1_000), (1, 1_000)]),
    ("a bid equal to the ask", [(14, 1_000)], [(14, 600)]),
    ("nothing crosses", [(12, 2_000), (11, 500)], [(14, 1_000)]),
    ("no bids", [], [(10, 1_000)]),
    ("no orders at all", [], []),
    ("a big bid against small asks", [(25, 3_000), (9, 1_000)],
     [(10, 1_000), (12, 700), (26, 800), (15, 400)]),
    ("small bids against a big ask", [(20, 400), (18, 700), (30, 600), (9, 2_000)],
     [(17, 1_500), (19, 2_000)]),
)


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
               (28, 10, 2, 3), (10, 1, 1, 2), (15, 15, 1, 2), (29, 9, 3, 4), (30, 8, 5, 7))

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
             ("the regression book, uniform price", regression_book(), TOY_TARIFFS,
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
         "a payment only moves tokens between neighbours. Look up trade.buy_order and "
         "trade.sell_order in the orders"),
        (sum(t.amount - t.seller_amount for t in trades),
         "the amounts paid cancel out between buyer and seller; use the orders' limit prices: "
         "(bid price - ask price) * Wh per trade"),
        (limit / 1000, "keep it exact in milli-units: (bid - ask) * Wh, without dividing"),
        (limit // 1000, "keep it exact in milli-units: (bid - ask) * Wh, without dividing"),
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
                                                       "(milli-units)")
        if got == case.expected and _is_int(got):
            continue
        said = f"{call}: expected {case.expected}, got {got!r}"
        for wrong, hint in welfare_variants(case):
            if got == wrong and type(got) is type(wrong):
                raise Mismatch(said, hint)
        raise Mismatch(said)
