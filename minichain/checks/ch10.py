"""Checks for the chapter 10 exercises: sharing an export, settling a trade, score, reliability.

Each checker holds the learner's answer against the library that the market contract is
differentially tested against: ``settlement.share_export`` for the delivered and missing
Wh per trade, ``units.amount_for`` for every amount, ``reputation.score`` and
``reputation.reliability`` for the two reputation numbers. The usual wrong turns get the
hint that fixes them: giving every trade the whole export, one pool for all sellers,
sharing in proportion or biggest first, a seller without a reading; paying the seller
only for what arrived, the buyer's price instead of the seller's under McAfee, the penalty
at the trade price or as a difference of two rounded amounts; the plain average, a prior
of weight one, stars not in milli-stars, rounding to nearest; averaging per-trade ratios,
a fraction or a percentage, and no sales yet.
"""

from __future__ import annotations

from typing import Any, Callable

from minichain.checks import Mismatch, exercise
from minichain.market.reputation import (PRIOR_SCORE, PRIOR_WEIGHT, Record, reliability,
                                         score)
from minichain.market.settlement import share_export
from minichain.market.trades import Trade
from minichain.market.units import amount_for

SLOT = 52
RETAIL = 30


def trade(id: int, seller: str, buyer: str, quantity_wh: int, price: int = 14,
          seller_price: int | None = None, buy_order: int = 0, sell_order: int = 1) -> Trade:
    """A trade of the chapter's slot (a direct take unless ``buy_order`` is given)."""
    return Trade(id=id, slot=SLOT, buyer=buyer, seller=seller, buy_order=buy_order,
                 sell_order=sell_order, quantity_wh=quantity_wh, price=price,
                 seller_price=price if seller_price is None else seller_price)


def _run(fn: Callable, call: str, *args: Any, hints: dict[type, str] | None = None) -> Any:
    """Call the learner's function; turn the crashes ``hints`` explains into a Mismatch."""
    try:
        return fn(*args)
    except tuple(hints or {}) as error:
        hint = next(text for kind, text in (hints or {}).items() if isinstance(error, kind))
        raise Mismatch(f"{call} raised {type(error).__name__}: {error}", hint) from None


def _matching_hint(got: Any, wrong_answers: list[tuple[Callable[[], Any], str]]) -> str:
    """The hint of the first plausible wrong answer that gives what the learner got."""
    for wrong, hint in wrong_answers:
        try:
            if wrong() == got:
                return hint
        except (ArithmeticError, KeyError, ValueError, IndexError):
            continue
    return ""


# --- share_delivery ------------------------------------------------------------------------

CHAPTER_TRADES = [trade(1, "carol", "frank", 1_000),
                  trade(2, "alice", "bob", 2_500, 16, 14, buy_order=4, sell_order=2),
                  trade(3, "alice", "erin", 1_500, 16, 14, buy_order=5, sell_order=2)]
INTERLEAVED = [trade(1, "alice", "bob", 1_000), trade(2, "carol", "dave", 500),
               trade(3, "alice", "erin", 800), trade(4, "carol", "frank", 500),
               trade(5, "alice", "frank", 300)]

SHARE_CASES: list[tuple[str, list[Trade], dict[str, int]]] = [
    ("the chapter's slot: a cloud over Alice", CHAPTER_TRADES, {"alice": 3_000, "carol": 1_600}),
    ("the sun shone", CHAPTER_TRADES, {"alice": 5_000, "carol": 1_000}),
    ("Carol's meter sent no reading", CHAPTER_TRADES, {"alice": 4_000}),
    ("two sellers, trades interleaved", INTERLEAVED, {"alice": 1_200, "carol": 300}),
    ("no export at all", INTERLEAVED, {"alice": 0, "carol": 0}),
    ("a small take before a big auction trade",
     [trade(1, "alice", "carol", 300), trade(2, "alice", "bob", 1_500, 19, buy_order=3)],
     {"alice": 1_000}),
    ("a slot without trades", [], {"alice": 900}),
]


def _share_model(trades: list[Trade], exports: dict[str, int], mistake: str) -> list:
    """The usual wrong ways to share an export."""
    if mistake == "independent":
        return [(min(t.quantity_wh, exports.get(t.seller, 0)),
                 t.quantity_wh - min(t.quantity_wh, exports.get(t.seller, 0))) for t in trades]
    if mistake == "pooled":
        left, out = sum(exports.values()), []
        for t in trades:
            delivered = min(t.quantity_wh, left)
            left -= delivered
            out.append((delivered, t.quantity_wh - delivered))
        return out
    if mistake == "proportional":
        sold = {}
        for t in trades:
            sold[t.seller] = sold.get(t.seller, 0) + t.quantity_wh
        out = []
        for t in trades:
            delivered = min(t.quantity_wh,
                            t.quantity_wh * exports.get(t.seller, 0) // sold[t.seller])
            out.append((delivered, t.quantity_wh - delivered))
        return out
    if mistake == "biggest first":
        order = sorted(range(len(trades)), key=lambda i: -trades[i].quantity_wh)
        shares = share_export([trades[i] for i in order], exports)
        out = [None] * len(trades)
        for i, share in zip(order, shares):
            out[i] = share
        return out
    if mistake == "swapped":
        return [(short, done) for done, short in share_export(trades, exports)]
    raise ValueError(mistake)


SHARE_HINTS = (
    ("independent", "the export is shared: what one trade took is gone for the next. Keep "
                    "what is left of each seller's export and take each trade's share from "
                    "it, in trade order"),
    ("pooled", "keep what is left PER SELLER: Carol's export cannot deliver Alice's trades"),
    ("proportional", "not in proportion: first come, first served. Each trade in trade "
                     "order takes min(its Wh, what is left), and later trades get the rest"),
    ("biggest first", "share in trade order, as the list comes (direct takes first, then "
                      "the auction's trades), not the biggest trade first"),
    ("swapped", "each pair is (delivered_wh, shortfall_wh), delivered first"),
)


@exercise("share_delivery", chapter=10, title="Share a seller's export over its trades",
          hint="keep a dict of what is left of each seller's export (start: "
               "measured_export_wh.get(seller, 0)); for each trade in order, delivered = "
               "min(trade.quantity_wh, left), shortfall = the rest, and take delivered from left")
def check_share_delivery(fn: Callable) -> None:
    for what, trades, exports in SHARE_CASES:
        expected = share_export(trades, exports)
        call = f"share_delivery(trades, {exports}) ({what})"
        got = _run(fn, call, list(trades), dict(exports), hints={KeyError: (
            "a seller whose meter sent no reading exported nothing: look its export up "
            "with measured_export_wh.get(seller, 0)")})
        if isinstance(got, (list, tuple)) and all(isinstance(pair, (list, tuple))
                                                  for pair in got):
            got = [tuple(pair) for pair in got]
        elif isinstance(got, (list, tuple)) and all(isinstance(wh, int) for wh in got) and got:
            raise Mismatch(f"{call} returned {list(got)}",
                           "return a PAIR per trade, (delivered_wh, shortfall_wh), not only "
                           "the delivered Wh")
        else:
            raise Mismatch(f"{call} returned {got!r}",
                           "return a list with one (delivered_wh, shortfall_wh) pair per "
                           "trade, in trade order ([] for no trades)")
        if got == expected:
            continue
        said = f"{call}: expected {expected}, got {got}"
        if len(got) != len(expected):
            raise Mismatch(said, "one pair per trade, for every trade in the list")
        hint = _matching_hint(got, [(lambda m=m: _share_model(trades, exports, m), h)
                                    for m, h in SHARE_HINTS])
        raise Mismatch(said, hint)


# --- settlement_transfers --------------------------------------------------------------------

TRANSFER_CASES: list[tuple[str, Trade, int, int]] = [
    ("Alice → Erin, 500 of 1,500 Wh delivered (McAfee: Erin pays 16, Alice gets 14)",
     CHAPTER_TRADES[2], 500, RETAIL),
    ("Alice → Bob, all delivered", CHAPTER_TRADES[1], 2_500, RETAIL),
    ("Carol → Frank, a direct take, nothing delivered", CHAPTER_TRADES[0], 0, RETAIL),
    ("a trade at 19, 333 of 1,500 Wh delivered", trade(7, "dave", "bob", 1_500, 19), 333,
     RETAIL),
    ("odd amounts at a retail tariff of 31", trade(8, "erin", "carol", 777, 23, 21), 250, 31),
]


def expected_transfers(t: Trade, delivered_wh: int, retail: int) -> tuple[int, int]:
    """What the rules move: the trade's seller amount, and the shortfall at retail."""
    return t.seller_amount, amount_for(t.quantity_wh - delivered_wh, retail)


TRANSFER_HINTS = (
    (lambda t, d, r: (amount_for(d, t.seller_price), amount_for(t.quantity_wh - d, r)),
     "the seller is paid for ALL it sold, amount_for(trade.quantity_wh, trade.seller_price): "
     "the buyer is whole (the utility supplies the shortfall), and the seller pays for the "
     "missing Wh through the penalty"),
    (lambda t, d, r: (t.amount, amount_for(t.quantity_wh - d, r)),
     "the seller receives trade.seller_price, not the buyer's trade.price: under McAfee's "
     "reduction the difference went to the community fund at clearing"),
    (lambda t, d, r: (t.seller_amount, amount_for(t.quantity_wh - d, t.seller_price)),
     "the shortfall is bought from the utility at the RETAIL tariff, not at the trade's price"),
    (lambda t, d, r: (t.seller_amount, amount_for(t.quantity_wh - d, t.price)),
     "the shortfall is bought from the utility at the RETAIL tariff, not at the trade's price"),
    (lambda t, d, r: (t.seller_amount, amount_for(t.quantity_wh, r) - amount_for(d, r)),
     "compute the penalty once, on the missing Wh: amount_for(quantity - delivered, retail). "
     "The difference of two rounded-down amounts can be a token more"),
    (lambda t, d, r: (round(t.quantity_wh * t.seller_price / 1000),
                      round((t.quantity_wh - d) * r / 1000)),
     "amounts are rounded DOWN, once: use amount_for(q, price), which is q * price // 1000"),
    (lambda t, d, r: expected_transfers(t, d, r)[::-1],
     "return (paid, penalty): what the seller receives first, then the penalty"),
)


@exercise("settlement_transfers", chapter=10, title="What settling one trade moves",
          hint="paid = amount_for(trade.quantity_wh, trade.seller_price); penalty = "
               "amount_for(trade.quantity_wh - delivered_wh, retail); return (paid, penalty)")
def check_settlement_transfers(fn: Callable) -> None:
    for what, t, delivered, retail in TRANSFER_CASES:
        expected = expected_transfers(t, delivered, retail)
        call = (f"settlement_transfers(trade of {t.quantity_wh} Wh at {t.price} "
                f"(seller {t.seller_price}), {delivered}, {retail}) ({what})")
        got = _run(fn, call, t, delivered, retail)
        if isinstance(got, list):
            got = tuple(got)
        if not isinstance(got, tuple) or len(got) != 2:
            raise Mismatch(f"{call} returned {got!r}",
                           "return a pair (paid, penalty): two whole numbers of tokens")
        if any(isinstance(v, float) for v in got):
            raise Mismatch(f"{call} returned {got!r}",
                           "tokens are whole numbers: use amount_for(q, price) (q * price "
                           "// 1000), never /")
        if got == expected:
            continue
        said = f"{call}: expected {expected}, got {got}"
        hint = _matching_hint(got, [(lambda w=w: w(t, delivered, retail), h)
                                    for w, h in TRANSFER_HINTS])
        raise Mismatch(said, hint)


# --- bayesian_score --------------------------------------------------------------------------

SCORE_CASES: list[tuple[str, list[int]]] = [
    ("a newcomer", []),
    ("one friend's five stars", [5]),
    ("one angry rating", [1]),
    ("Alice in the chapter", [5, 2]),
    ("five times five stars", [5] * 5),
    ("Carol's honest record", [4, 5, 5, 4, 5, 5, 4, 5, 5, 5, 4, 5]),
    ("three bad trades", [1, 1, 1]),
    ("forty-five five-star ratings", [5] * 45),
]


def _score_of(stars: list[int]) -> int:
    return score(Record(stars=sum(stars), ratings=len(stars)))


SCORE_HINTS = (
    (lambda s: 1000 * sum(s) // len(s),
     "that is the plain average: count PRIOR_WEIGHT = 5 imaginary ratings of 3000 in, "
     "(5 * 3000 + 1000 * sum(stars)) // (5 + len(stars))"),
    (lambda s: (PRIOR_SCORE + 1000 * sum(s)) // (1 + len(s)),
     "the prior weighs as FIVE ratings, not one: 5 * 3000 on top, 5 + len(stars) below"),
    (lambda s: (PRIOR_WEIGHT * PRIOR_SCORE + sum(s)) // (PRIOR_WEIGHT + len(s)),
     "stars are 1 to 5 but the score is in milli-stars: multiply the sum of stars by 1000"),
    (lambda s: round((PRIOR_WEIGHT * PRIOR_SCORE + 1000 * sum(s)) / (PRIOR_WEIGHT + len(s))),
     "round DOWN with //, as the contract does: (15000 + 1000 * sum) // (5 + n)"),
    (lambda s: (PRIOR_WEIGHT * 3 + sum(s)) // (PRIOR_WEIGHT + len(s)),
     "the score is in milli-stars: 3000 for three stars, 1000 per star"),
)


@exercise("bayesian_score", chapter=10, title="The Bayesian score",
          hint="(5 * 3000 + 1000 * sum(stars_list)) // (5 + len(stars_list)): five imaginary "
               "three-star ratings counted in with the real ones, in milli-stars")
def check_bayesian_score(fn: Callable) -> None:
    for what, stars in SCORE_CASES:
        expected = _score_of(stars)
        call = f"bayesian_score({stars}) ({what})"
        got = _run(fn, call, list(stars), hints={ZeroDivisionError: (
            "a newcomer has no rating to divide by, and scores the prior: with the five "
            "imaginary ratings counted in, 5 + len(stars) is never 0")})
        if isinstance(got, float):
            raise Mismatch(f"{call} returned {got!r}",
                           "return whole milli-stars (an int, e.g. 3333 for 3.333 stars): "
                           "divide with //")
        if not isinstance(got, int) or isinstance(got, bool):
            raise Mismatch(f"{call} returned {got!r}", "return the score as an int of milli-stars")
        if got == expected:
            continue
        said = f"{call}: expected {expected}, got {got}"
        if not stars and got == 0:
            raise Mismatch(said, "a newcomer has no rating yet and scores the prior: 3000")
        hint = _matching_hint(got, [(lambda w=w: w(stars), h) for w, h in SCORE_HINTS])
        raise Mismatch(said, hint)


# --- delivery_reliability -------------------------------------------------------------------

RELIABILITY_CASES: list[tuple[str, list[int], list[int]]] = [
    ("nothing sold yet", [], []),
    ("Alice in the chapter", [2_500, 500], [2_500, 1_500]),
    ("a third", [1], [3]),
    ("two thirds", [2], [3]),
    ("a tiny failed trade", [1_000, 0], [1_000, 1]),
    ("always on time", [1_000, 1_000, 1_000], [1_000, 1_000, 1_000]),
    ("never delivered", [0, 0], [800, 700]),
]


def _reliability_of(delivered: list[int], traded: list[int]) -> int:
    return reliability(Record(delivered_wh=sum(delivered), traded_wh=sum(traded)))


RELIABILITY_HINTS = (
    (lambda d, t: sum(1000 * a // b for a, b in zip(d, t)) // len(t),
     "weigh by Wh, not by trade: add up all delivered and all traded Wh first, then "
     "1000 * delivered // traded (a tiny trade must not count as much as a big one)"),
    (lambda d, t: sum(d) / sum(t),
     "reliability is in per mille, a whole number: 1000 * delivered // traded (750, not 0.75)"),
    (lambda d, t: 100 * sum(d) // sum(t),
     "per mille, not per cent: multiply by 1000"),
    (lambda d, t: round(1000 * sum(d) / sum(t)),
     "round DOWN with //, as the contract does"),
    (lambda d, t: 1000 * (sum(t) - sum(d)) // sum(t),
     "that is the share that went missing: reliability is the DELIVERED share"),
)


@exercise("delivery_reliability", chapter=10, title="Delivery reliability",
          hint="1000 * sum(delivered) // sum(traded), and 1000 when nothing was sold yet")
def check_delivery_reliability(fn: Callable) -> None:
    for what, delivered, traded in RELIABILITY_CASES:
        expected = _reliability_of(delivered, traded)
        call = f"delivery_reliability({delivered}, {traded}) ({what})"
        got = _run(fn, call, list(delivered), list(traded), hints={ZeroDivisionError: (
            "a seller who has sold nothing yet has failed nobody: return 1000 when the "
            "traded Wh add up to 0")})
        if isinstance(got, float):
            said = f"{call} returned {got!r}"
            if traded and got == sum(delivered) / sum(traded):
                raise Mismatch(said, RELIABILITY_HINTS[1][1])
            raise Mismatch(said, "return whole per mille (an int): divide with //")
        if not isinstance(got, int) or isinstance(got, bool):
            raise Mismatch(f"{call} returned {got!r}", "return the reliability as an int, "
                                                        "in per mille")
        if got == expected:
            continue
        said = f"{call}: expected {expected}, got {got}"
        if not traded:
            raise Mismatch(said, RELIABILITY_HINTS[2][1] if got == 100 else
                           "a seller who has sold nothing yet has failed nobody: 1000")
        hint = _matching_hint(got, [(lambda w=w: w(delivered, traded), h)
                                    for w, h in RELIABILITY_HINTS])
        raise Mismatch(said, hint)
