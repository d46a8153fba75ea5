"""Checks for the chapter 10 exercises: settlement, conservation, ratings, reputation, the network.

Each checker holds the learner's answer against the library that the market contract is
differentially tested against: ``settlement.share_export`` for the delivered and missing
Wh per trade, ``units.amount_for`` for every amount, ``reputation.rating_target`` for the
contract's refusals in its order, ``reputation.score`` and ``reputation.reliability`` for
the two reputation numbers, ``auction.conditioned_walk`` for the minimum partner
reputation; ``settle_and_rate`` drives the street's three-authority network and reads the
result from the chain. Money is in µ€ (``cast.RETAIL`` is 320,000 µ€/kWh); cases with
large or odd numbers defeat float answers and rounding shortcuts.

The usual wrong turns get the hint that fixes them: giving every trade the whole export,
one pool for all sellers, sharing in proportion or biggest first, a seller without a
reading; paying the seller only for what arrived, the buyer's price instead of the
seller's under McAfee, the penalty at the trade price or as a difference of two rounded
amounts, floats, rounding up or to nearest; forgetting the penalties or McAfee's surplus
(money created or destroyed); checking a rating's rules out of order, the wrong "already
rated" flag, stars off by one; the plain average, a prior of weight one; averaging
per-trade ratios; an ask passed over for good, only the bid's minimum checked, a walk that
stops at the first ask it may not take; settling inside the reading window, rating before
settling, rating from the wrong key. The chapter's three concept questions close the
module.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from minichain import cast
from minichain.checks import FLOAT_FOR_INT, Mismatch, Mistake, compare, exercise, hint_for
from minichain.checks.quiz import concept
from minichain.errors import RatingRejected, Revert
from minichain.market.auction import conditioned_walk, merit_order, partner_rule
from minichain.market.orders import BUY, SELL, Order
from minichain.market.reputation import (ALREADY_RATED, BAD_STARS, NEWCOMER_SCORE, NOT_A_PARTY,
                                         NOT_SETTLED, PRIOR_SCORE, PRIOR_WEIGHT, Record,
                                         rating_target, reliability, score)
from minichain.market.settlement import share_export
from minichain.market.trades import Trade
from minichain.market.units import amount_for
from minichain.market.units import cents_per_kwh as ct

SLOT = 52
RETAIL = cast.RETAIL                 # 320,000 µ€/kWh: 32 ct
UTILITY = "utility"
FUND = "community fund"


def trade(id: int, seller: str, buyer: str, quantity_wh: int, price: int = ct(14),
          seller_price: int | None = None, buy_order: int = 0, sell_order: int = 1) -> Trade:
    """A trade of the chapter's slot (a direct take of an offer unless ``buy_order`` is given)."""
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

# The chapter's slot 52: Carol's offer taken by Frank, Erin's bid taken by Dave, then McAfee's
# two auction trades of Alice's 4 kWh (buyers pay 16 ct, Alice receives 14 ct).
CHAPTER_TRADES = [trade(1, "carol", "frank", 1_000, sell_order=1),
                  trade(2, "dave", "erin", 500, ct(24), buy_order=2, sell_order=3),
                  trade(3, "alice", "bob", 2_500, ct(16), ct(14), buy_order=6, sell_order=4),
                  trade(4, "alice", "erin", 1_500, ct(16), ct(14), buy_order=2, sell_order=4)]
INTERLEAVED = [trade(1, "alice", "bob", 1_000), trade(2, "carol", "dave", 500),
               trade(3, "alice", "erin", 800), trade(4, "carol", "frank", 500),
               trade(5, "alice", "frank", 300)]

SHARE_CASES: list[tuple[str, list[Trade], dict[str, int]]] = [
    ("the chapter's slot: a cloud over Alice", CHAPTER_TRADES,
     {"alice": 3_000, "carol": 1_600, "dave": 500}),
    ("the sun shone", CHAPTER_TRADES, {"alice": 5_000, "carol": 1_000, "dave": 700}),
    ("Carol's meter sent no reading", CHAPTER_TRADES, {"alice": 4_000, "dave": 500}),
    ("two sellers, trades interleaved", INTERLEAVED, {"alice": 1_200, "carol": 300}),
    ("no export at all", INTERLEAVED, {"alice": 0, "carol": 0}),
    ("a small take before a big auction trade",
     [trade(1, "alice", "carol", 300), trade(2, "alice", "bob", 1_500, ct(19), buy_order=3)],
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

ODD_RETAIL = 312_345                 # 31.2345 ct/kWh: a tariff whose amounts do not come out whole

TRANSFER_CASES: list[tuple[str, Trade, int, int]] = [
    ("Alice → Erin, 500 of 1,500 Wh delivered (McAfee: Erin pays 16 ct, Alice gets 14 ct)",
     CHAPTER_TRADES[3], 500, RETAIL),
    ("Alice → Bob, all delivered", CHAPTER_TRADES[2], 2_500, RETAIL),
    ("Carol → Frank, a direct take, nothing delivered", CHAPTER_TRADES[0], 0, RETAIL),
    ("Dave → Erin, a take of a bid, 499 of 500 Wh delivered", CHAPTER_TRADES[1], 499, RETAIL),
    ("929 Wh at 20.0007 ct, 100 delivered, retail 31.2345 ct",
     trade(6, "carol", "bob", 929, 200_007), 100, ODD_RETAIL),
    ("odd amounts: 777 Wh, buyer 23.0009 ct, seller 21.0003 ct, retail 31.2345 ct",
     trade(8, "erin", "carol", 777, 230_009, 210_003), 250, ODD_RETAIL),
    ("a trade at 19.0007 ct, 333 of 1,501 Wh delivered, retail 31.2345 ct",
     trade(7, "dave", "bob", 1_501, 190_007), 333, ODD_RETAIL),
    ("a number too big for a float: 123,456,789,012,345 Wh at 21.9999 ct",
     trade(9, "alice", "frank", 123_456_789_012_345, 219_999), 98_765_432_109_876, RETAIL),
]


def expected_transfers(t: Trade, delivered_wh: int, retail: int) -> tuple[int, int]:
    """What the rules move: the trade's seller amount, and the shortfall at retail."""
    return t.seller_amount, amount_for(t.quantity_wh - delivered_wh, retail)


def _ceil(q: int, p: int) -> int:
    return -(-q * p // 1000)


TRANSFER_MISTAKES = (
    Mistake(lambda t, d, r: (amount_for(d, t.seller_price), amount_for(t.quantity_wh - d, r)),
            "the seller is paid for ALL it sold, amount_for(trade.quantity_wh, "
            "trade.seller_price): the buyer is whole (the utility supplies the shortfall), and "
            "the seller pays for the missing Wh through the penalty"),
    Mistake(lambda t, d, r: (t.amount, amount_for(t.quantity_wh - d, r)),
            "the seller receives trade.seller_price, not the buyer's trade.price: under "
            "McAfee's reduction the difference went to the community fund at clearing"),
    Mistake(lambda t, d, r: (t.seller_amount, amount_for(t.quantity_wh - d, t.seller_price)),
            "the shortfall is bought from the utility at the RETAIL tariff, not at the "
            "trade's price"),
    Mistake(lambda t, d, r: (t.seller_amount, amount_for(t.quantity_wh - d, t.price)),
            "the shortfall is bought from the utility at the RETAIL tariff, not at the "
            "trade's price"),
    Mistake(lambda t, d, r: (t.seller_amount, 0),
            "you forgot the penalty: the seller's bond pays the utility "
            "amount_for(quantity - delivered, retail) for the Wh it did not deliver"),
    Mistake(lambda t, d, r: (t.seller_amount, amount_for(t.quantity_wh, r) - amount_for(d, r)),
            "compute the penalty once, on the missing Wh: amount_for(quantity - delivered, "
            "retail). The difference of two rounded-down amounts can be a µ€ more"),
    Mistake(lambda t, d, r: (int(t.quantity_wh * t.seller_price / 1000),
                             int((t.quantity_wh - d) * r / 1000)),
            "q * price / 1000 goes through a float, which is not exact for large amounts; "
            "use amount_for(q, price), which is q * price // 1000 in whole numbers"),
    Mistake(lambda t, d, r: (_ceil(t.quantity_wh, t.seller_price),
                             _ceil(t.quantity_wh - d, r)),
            "amounts are rounded DOWN, never up: amount_for(q, price) is q * price // 1000"),
    Mistake(lambda t, d, r: (round(t.quantity_wh * t.seller_price / 1000),
                             round((t.quantity_wh - d) * r / 1000)),
            "amounts are rounded DOWN, once, in whole numbers: use amount_for(q, price), which "
            "is q * price // 1000 (round() rounds to nearest, and through a float)"),
    Mistake(lambda t, d, r: expected_transfers(t, d, r)[::-1],
            "return (paid, penalty): what the seller receives first, then the penalty"),
)


@exercise("settlement_transfers", chapter=10, title="What settling one trade moves",
          hint="paid = amount_for(trade.quantity_wh, trade.seller_price); penalty = "
               "amount_for(trade.quantity_wh - delivered_wh, retail); return (paid, penalty)")
def check_settlement_transfers(fn: Callable) -> None:
    for what, t, delivered, retail in TRANSFER_CASES:
        expected = expected_transfers(t, delivered, retail)
        call = (f"settlement_transfers(trade of {t.quantity_wh:,} Wh at {t.price:,} µ€/kWh "
                f"(seller {t.seller_price:,}), {delivered:,}, {retail:,}) ({what})")
        got = fn(t, delivered, retail)
        if isinstance(got, list):
            got = tuple(got)
        if got is None:
            compare(call, got, expected)
        if not isinstance(got, tuple) or len(got) != 2:
            raise Mismatch(f"{call} returned {got!r}",
                           "return a pair (paid, penalty): two whole numbers of µ€")
        if any(isinstance(v, float) for v in got):
            raise Mismatch(f"{call} returned {got!r}",
                           "money is whole µ€: use amount_for(q, price) (q * price // 1000), "
                           "never /")
        compare(call, got, expected, TRANSFER_MISTAKES, (t, delivered, retail))


# --- net_changes ------------------------------------------------------------------------------

NET_CASES: list[tuple[str, list[Trade], dict[str, int], int]] = [
    ("the chapter's slot 52", CHAPTER_TRADES, {"alice": 3_000, "carol": 1_600, "dave": 500},
     RETAIL),
    ("the sun shone on slot 52", CHAPTER_TRADES, {"alice": 4_000, "carol": 2_000, "dave": 500},
     RETAIL),
    ("uniform price: one trade, half delivered",
     [trade(1, "alice", "bob", 2_000, ct(19), buy_order=2, sell_order=1)], {"alice": 1_000},
     RETAIL),
    ("odd prices and a retail of 31.2345 ct",
     [trade(1, "carol", "dave", 777, 230_009, 210_003, buy_order=3, sell_order=1),
      trade(2, "carol", "erin", 1_501, 230_009, 210_003, buy_order=4, sell_order=1),
      trade(3, "frank", "dave", 333, 190_007, sell_order=2)],
     {"carol": 1_000, "frank": 0}, ODD_RETAIL),
    ("numbers too big for a float",
     [trade(1, "alice", "bob", 123_456_789_012_345, 219_999, 140_003, buy_order=2,
            sell_order=1)], {"alice": 98_765_432_109_876}, RETAIL),
    ("a slot without trades", [], {"alice": 900}, RETAIL),
]


def changes_by(trades: list[Trade], exports: dict[str, int], retail: int, *,
               penalties: bool = True, surplus: bool = True, seller_gets: str = "seller",
               paid_for: str = "sold", penalty_at: str = "retail",
               money: Callable[[int, int], Any] = amount_for) -> dict[str, Any]:
    """Each account's net change over the slot (the rules, or a usual mistake's version)."""
    changes: dict[str, Any] = {}

    def add(account: str, amount: Any) -> None:
        changes[account] = changes.get(account, 0) + amount

    for t, (delivered, shortfall) in zip(trades, share_export(trades, exports)):
        add(t.buyer, -money(t.quantity_wh, t.price))
        seller_price = t.seller_price if seller_gets == "seller" else t.price
        add(t.seller, money(t.quantity_wh if paid_for == "sold" else delivered, seller_price))
        if surplus and seller_gets == "seller":
            add(FUND, money(t.quantity_wh, t.price) - money(t.quantity_wh, t.seller_price))
        if penalties:
            penalty = money(shortfall, retail if penalty_at == "retail" else t.seller_price)
            add(t.seller, -penalty)
            add(UTILITY, penalty)
    return {account: amount for account, amount in changes.items() if amount != 0}


def _ceil_money(q: int, p: int) -> int:
    return -(-q * p // 1000)


NET_MISTAKES = (
    Mistake(lambda t, e, r: changes_by(t, e, r, penalties=False),
            "you forgot the penalties: a seller that fell short pays the utility "
            "amount_for(shortfall, retail) from its bond, and the utility's account gains it"),
    Mistake(lambda t, e, r: changes_by(t, e, r, surplus=False),
            "the buyers paid more than the sellers received: under McAfee's reduction the "
            "difference, amount_for(q, price) - amount_for(q, seller_price) per trade, goes to "
            "the 'community fund'. Without it your changes do not add up to 0"),
    Mistake(lambda t, e, r: changes_by(t, e, r, seller_gets="buyer"),
            "the seller receives amount_for(q, trade.seller_price), not the buyer's price; "
            "the difference is the community fund's"),
    Mistake(lambda t, e, r: changes_by(t, e, r, paid_for="delivered"),
            "the seller is paid for ALL it sold (the buyer is whole) and pays for its "
            "shortfall through the penalty"),
    Mistake(lambda t, e, r: changes_by(t, e, r, penalty_at="trade"),
            "the shortfall is bought from the utility at the RETAIL tariff, not at the "
            "trade's price"),
    Mistake(lambda t, e, r: changes_by(t, e, r, money=lambda q, p: int(q * p / 1000)),
            "q * price / 1000 goes through a float, which is not exact for large amounts: use "
            "amount_for(q, price), q * price // 1000 in whole numbers"),
    Mistake(lambda t, e, r: changes_by(t, e, r, money=_ceil_money),
            "amounts are rounded DOWN, never up: amount_for(q, price) is q * price // 1000"),
    Mistake(lambda t, e, r: changes_by(t, e, r, money=lambda q, p: round(q * p / 1000)),
            "amounts are rounded DOWN with //, once per trade: round() rounds to nearest "
            "through a float"),
)


def _without_zeros(changes: Any) -> Any:
    if isinstance(changes, dict):
        return {account: amount for account, amount in changes.items() if amount != 0}
    return changes


@exercise("net_changes", chapter=10, title="Conservation: every account's change over a slot",
          hint="per trade: the buyer -amount_for(q, price), the seller +amount_for(q, "
               "seller_price), the 'community fund' the difference; then per trade the "
               "penalty amount_for(shortfall, retail) from the seller to the 'utility' "
               "(shortfalls from share_export); the changes add up to 0")
def check_net_changes(fn: Callable) -> None:
    for what, trades, exports, retail in NET_CASES:
        expected = changes_by(trades, exports, retail)
        call = f"net_changes(trades, {exports}, {retail:,}) ({what})"
        got = _without_zeros(fn(list(trades), dict(exports), retail))
        if got is not None and not isinstance(got, dict):
            raise Mismatch(f"{call} returned {got!r}",
                           "return a dict: account -> its change in µ€ (negative for a payer)")
        if isinstance(got, dict) and any(isinstance(v, float) for v in got.values()):
            hint = hint_for(got, NET_MISTAKES, trades, exports, retail) or FLOAT_FOR_INT
            raise Mismatch(f"{call}: expected {expected!r}, got {got!r}", hint)
        if isinstance(got, dict) and got != expected:
            hint = hint_for(got, NET_MISTAKES, trades, exports, retail)
            total = sum(v for v in got.values() if isinstance(v, int))
            if not hint and total != 0:
                hint = (f"your changes add up to {total:,} µ€, not 0: money was "
                        f"{'created' if total > 0 else 'destroyed'}. Which flow is missing?")
            raise Mismatch(f"{call}: expected {expected!r}, got {got!r}", hint)
        compare(call, got, expected)


# --- rating_refusal ----------------------------------------------------------------------------

RATING_CASES: list[tuple[str, Trade | None, str, int, bool, bool]] = [
    ("Frank rates a trade that is not settled", None, "frank", 5, False, False),
    ("Alice rates Erin a second time", CHAPTER_TRADES[3], "alice", 3, True, True),
    ("Erin rates trade 4 a second time", CHAPTER_TRADES[3], "erin", 1, True, False),
    ("Bob rates Alice after a settled trade", CHAPTER_TRADES[2], "bob", 5, False, False),
    ("Alice rates Bob back", CHAPTER_TRADES[2], "alice", 5, True, False),
    ("Frank gives six stars to a trade that is not settled", None, "frank", 6, False, False),
    ("Dave rates Alice's trade with Erin", CHAPTER_TRADES[3], "dave", 1, False, False),
    ("Dave gives zero stars to Alice's trade with Erin", CHAPTER_TRADES[3], "dave", 0, False,
     False),
    ("Carol gives Frank six stars", CHAPTER_TRADES[0], "carol", 6, False, False),
    ("Carol gives Frank no star", CHAPTER_TRADES[0], "carol", 0, False, False),
    ("Carol gives Frank one star", CHAPTER_TRADES[0], "carol", 1, True, False),
    ("Carol gives Frank five stars", CHAPTER_TRADES[0], "carol", 5, False, False),
    ("Erin rates again with seven stars", CHAPTER_TRADES[3], "erin", 7, True, False),
    ("Alice rates Erin once, after Erin rated her", CHAPTER_TRADES[3], "alice", 3, True, False),
]


def refusal(trade_: Trade | None, rater: str, stars: int, by_buyer: bool,
            by_seller: bool) -> str | None:
    """The contract's reason, or None when it accepts the rating (``rating_target``)."""
    try:
        rating_target(trade_, rater, stars, by_buyer, by_seller)
    except RatingRejected as refused:
        return str(refused)
    return None


def refusal_by(trade_, rater, stars, by_buyer, by_seller, order=("settled", "party", "stars",
                                                                  "again"),
               low=1, high=5, flag="own"):
    """The rules checked in another order or with another range (the usual mistakes)."""
    party = trade_ is not None and rater in (trade_.buyer, trade_.seller)
    if trade_ is not None and rater == trade_.buyer:
        already = by_buyer if flag == "own" else by_seller if flag == "other" else \
            by_buyer or by_seller
    elif trade_ is not None:
        already = by_seller if flag == "own" else by_buyer if flag == "other" else \
            by_buyer or by_seller
    else:
        already = False
    checks = {"settled": (trade_ is None, NOT_SETTLED), "party": (not party, NOT_A_PARTY),
              "stars": (not low <= stars <= high, BAD_STARS),
              "again": (already, ALREADY_RATED)}
    for name in order:
        if name == "again" and flag == "never":
            continue
        failed, reason = checks[name]
        if failed:
            return reason
    return None


RATING_MISTAKES = (
    Mistake(lambda *a: refusal_by(*a, order=("stars", "settled", "party", "again")),
            "check in the contract's order: first is the trade settled, then is the rater a "
            "party, only then the stars, and last whether it rated already"),
    Mistake(lambda *a: refusal_by(*a, order=("party", "settled", "stars", "again")),
            "the contract asks 'is the trade settled?' first: an unsettled trade has no "
            "parties on record yet"),
    Mistake(lambda *a: refusal_by(*a, order=("settled", "party", "again", "stars")),
            "the stars are checked before 'already rated': the contract's order is settled, "
            "party, stars, already rated"),
    Mistake(lambda *a: refusal_by(*a, flag="either"),
            "one party having rated does not stop the other: each has its own flag"),
    Mistake(lambda *a: refusal_by(*a, flag="other"),
            "look at the RATER's own flag: the buyer has rated if rated_by_buyer, the seller "
            "if rated_by_seller"),
    Mistake(lambda *a: refusal_by(*a, flag="never"),
            "each party may rate a trade only ONCE: the buyer's flag is rated_by_buyer, the "
            "seller's rated_by_seller"),
    Mistake(lambda *a: refusal_by(*a, low=0),
            "stars run from 1 to 5: 0 stars is refused"),
    Mistake(lambda *a: refusal_by(*a, low=2),
            "1 star is allowed: the range is 1 to 5, both ends included"),
    Mistake(lambda *a: refusal_by(*a, high=4),
            "5 stars is allowed: the range is 1 to 5, both ends included"),
    Mistake(lambda *a: refusal_by(*a, high=6),
            "stars run from 1 to 5: 6 stars is refused"),
)


@exercise("rating_refusal", chapter=10, title="Which ratings does the contract refuse?",
          hint="in this order: trade is None -> 'trade not settled'; rater neither "
               "trade.buyer nor trade.seller -> 'not a party of this trade'; stars not 1 to "
               "5 -> 'stars must be 1 to 5'; the rater's own flag set -> 'trade already "
               "rated'; else None")
def check_rating_refusal(fn: Callable) -> None:
    for what, t, rater, stars, by_buyer, by_seller in RATING_CASES:
        expected = refusal(t, rater, stars, by_buyer, by_seller)
        call = f"rating_refusal({what}: stars={stars}, rated_by_buyer={by_buyer}, " \
               f"rated_by_seller={by_seller})"
        got = fn(t, rater, stars, by_buyer, by_seller)
        if isinstance(got, bool):
            raise Mismatch(f"{call} returned {got!r}",
                           "return the contract's reason as a string (e.g. 'trade not "
                           "settled'), or None when the rating is accepted, not True/False")
        if expected is None and got is None:
            continue
        if got is None:
            raise Mismatch(f"{call}: expected {expected!r}, got None (accepted)",
                           hint_for(got, RATING_MISTAKES, t, rater, stars, by_buyer, by_seller)
                           or "this rating breaks a rule: which one comes first?")
        compare(call, got, expected, RATING_MISTAKES, (t, rater, stars, by_buyer, by_seller),
                hint="return one of the contract's reasons exactly as it says it: 'trade not "
                     "settled', 'not a party of this trade', 'stars must be 1 to 5', 'trade "
                     "already rated'")


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


# --- conditioned_pairs ------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _address(name: str) -> str:
    return cast.wallet(name).address


def _order(id: int, name: str, side: str, wh: int, cents: int, minimum: int = 0) -> Order:
    return Order(id, _address(name), side, wh, ct(cents), SLOT, minimum)


def _walk_cases() -> list[tuple[str, list[Order], dict[str, int]]]:
    a = _address
    chapter = {a("alice"): 3_142, a("carol"): 4_000, a("bob"): 3_333, a("erin"): 3_000}
    return [
        ("exactly at the minimum",
         [_order(1, "alice", SELL, 1_000, 10), _order(2, "dave", SELL, 1_000, 11),
          _order(3, "bob", BUY, 1_000, 20, 3_142)], {**chapter, a("dave"): 4_100}),
        ("the chapter's day: Bob wants 4 stars",
         [_order(1, "alice", SELL, 1_000, 10), _order(2, "carol", SELL, 1_000, 14),
          _order(3, "bob", BUY, 1_000, 28, 4_000), _order(4, "erin", BUY, 1_000, 20)], chapter),
        ("nobody sets a minimum",
         [_order(1, "alice", SELL, 1_000, 10), _order(2, "carol", SELL, 1_000, 14),
          _order(3, "bob", BUY, 1_000, 28), _order(4, "erin", BUY, 1_000, 20)], chapter),
        ("Carol's offer asks for a buyer of 3.5 stars",
         [_order(1, "carol", SELL, 1_500, 12, 3_500), _order(2, "alice", SELL, 1_000, 13),
          _order(3, "erin", BUY, 1_000, 25), _order(4, "bob", BUY, 1_000, 24)], chapter),
        ("Bob needs 4 stars, and the first ask is Alice's",
         [_order(5, "alice", SELL, 500, 9), _order(6, "dave", SELL, 800, 11),
          _order(7, "carol", SELL, 700, 15), _order(8, "bob", BUY, 1_200, 26, 4_000),
          _order(9, "erin", BUY, 900, 18)], {**chapter, a("dave"): 4_100}),
        ("Frank is new: nobody has rated him yet",
         [_order(1, "frank", SELL, 1_000, 10), _order(2, "carol", SELL, 1_000, 12),
          _order(3, "bob", BUY, 800, 20, 3_000), _order(4, "erin", BUY, 800, 19, 3_100)],
         chapter),
        ("a tie in price: the earlier order goes first",
         [_order(4, "carol", SELL, 600, 12), _order(2, "alice", SELL, 600, 12),
          _order(6, "erin", BUY, 1_000, 20), _order(3, "bob", BUY, 1_000, 20, 3_500)], chapter),
        ("no ask is cheap enough", [_order(1, "carol", SELL, 1_000, 25),
                                    _order(2, "bob", BUY, 1_000, 20)], chapter),
    ]


def walk_by(orders: list[Order], scores: dict[str, int], *, both: bool = True,
            keep: bool = True, stop: bool = False, newcomer: int = NEWCOMER_SCORE,
            strict: bool = False, sort: bool = True, conditions: bool = True
            ) -> list[tuple[int, int, int]]:
    """The conditioned walk, or a usual mistake's version of it: (bid id, ask id, Wh) pairs."""
    if sort:
        bids, asks = merit_order(orders)
    else:
        bids = [o for o in orders if o.side == BUY]
        asks = [o for o in orders if o.side == SELL]

    def meets(owner: str, minimum: int) -> bool:
        have = scores.get(owner, newcomer)
        return have > minimum if strict and minimum else have >= minimum

    def eligible(bid: Order, ask: Order) -> bool:
        if not conditions:
            return True
        return meets(ask.owner, bid.min_reputation) and (not both or
                                                        meets(bid.owner, ask.min_reputation))

    left = [ask.quantity_wh for ask in asks]
    pairs = []
    for bid in bids:
        want = bid.quantity_wh
        for j, ask in enumerate(asks):
            if want == 0 or ask.price > bid.price:
                break
            if left[j] == 0:
                continue
            if not eligible(bid, ask):
                if not keep:
                    left[j] = 0
                if stop:
                    break
                continue
            quantity = min(want, left[j])
            pairs.append((bid.id, ask.id, quantity))
            want -= quantity
            left[j] -= quantity
    return pairs


def expected_walk(orders: list[Order], scores: dict[str, int]) -> list[tuple[int, int, int]]:
    """The library's conditioned walk (what the market contract does at gate closure)."""
    bids, asks = merit_order(orders)
    return [(bids[i].id, asks[j].id, q)
            for i, j, q in conditioned_walk(bids, asks, partner_rule(scores))]


WALK_MISTAKES = (
    Mistake(lambda o, s: walk_by(o, s, both=False),
            "the condition goes both ways: the ask's min_reputation must be met by the "
            "BIDDER's score too"),
    Mistake(lambda o, s: walk_by(o, s, conditions=False),
            "you matched as if nobody set a minimum: a bid may only trade with an ask whose "
            "owner's score is at least the bid's min_reputation (and the other way round)"),
    Mistake(lambda o, s: walk_by(o, s, keep=False),
            "an ask a bid passes over stays in line: a later bid with a lower (or no) minimum "
            "may still take it"),
    Mistake(lambda o, s: walk_by(o, s, stop=True),
            "do not stop at the first ask the bid may not take: pass over it and go on to the "
            "next asks, up to the first one priced above the bid"),
    Mistake(lambda o, s: walk_by(o, s, newcomer=0),
            "an owner nobody has rated yet is a newcomer and scores 3000 (three stars): use "
            "scores.get(owner, 3000)"),
    Mistake(lambda o, s: walk_by(o, s, strict=True),
            "a score EQUAL to the minimum meets it: compare with >="),
    Mistake(lambda o, s: walk_by(o, s, sort=False),
            "walk in merit order: bids by price high to low, asks low to high, ties by the "
            "smaller order id, not in the order the list gives"),
)


@exercise("conditioned_pairs", chapter=10, title="Minimum reputation: who trades with whom",
          hint="sort bids by (-price, id) and asks by (price, id); for each bid scan the asks "
               "with Wh left, up to the first priced above the bid, and trade min(Wh left) "
               "with each ask whose owner's score (3000 if unknown) >= the bid's minimum and "
               "whose minimum the bidder's score meets; pass over the others")
def check_conditioned_pairs(fn: Callable) -> None:
    for what, orders, scores in _walk_cases():
        expected = expected_walk(orders, scores)
        call = f"conditioned_pairs(orders, scores) ({what})"
        got = _run(fn, call, list(orders), dict(scores), hints={KeyError: (
            "an owner nobody has rated yet is missing from scores: a newcomer scores 3000, "
            "so look it up with scores.get(owner, 3000)")})
        if isinstance(got, (list, tuple)):
            got = [tuple(pair) if isinstance(pair, (list, tuple)) else pair for pair in got]
        if got is not None and not (isinstance(got, list) and all(
                isinstance(pair, tuple) and len(pair) == 3 for pair in got)):
            raise Mismatch(f"{call} returned {got!r}",
                           "return a list of (bid id, ask id, Wh) triples, in walk order")
        compare(call, got, expected, WALK_MISTAKES, (orders, scores))
        if got is not None and not all(isinstance(pair[2], int) for pair in got):
            raise Mismatch(f"{call} returned {got!r}", FLOAT_FOR_INT)


# --- settle_and_rate: on the street's network ----------------------------------------------

PRACTICE = ("alice", "bob", "carol")
DRIVE_CASES = ((52, 600, 4), (148, 1_000, 2))     # (slot, Carol's export Wh, Bob's stars)


def practice_street(slot: int = 52, export_wh: int = 600):
    """A street of three on the authorities' network, with one trade ready to settle:
    Carol offers 1,000 Wh at 14 ct for ``slot``, Bob takes it, the slot is cleared, and
    Carol's meter reports ``export_wh``. Returns (street, slot, trade id)."""
    from minichain.contracts.client import sunny_street
    street = sunny_street(PRACTICE)
    return (street, *_ready_trade(street, slot, export_wh))


def _ready_trade(street, slot: int, export_wh: int) -> tuple[int, int]:
    market, keys = street.market, street.households
    market.advance_to(market.slot_start(slot) - 3600)
    offer = market.post(keys["carol"], SELL, 1_000, ct(14), slot)
    trade_id = market.take(keys["bob"], offer, 1_000)
    market.clear(slot, by=keys["alice"], at=market.gate_closure(slot))
    market.submit_reading(street.meters["carol"], slot, export_wh, 0, at=market.slot_end(slot))
    return slot, trade_id


REVERT_HINTS = {
    "the reading window is still open": "settle only once the reading window has closed: "
                                        "pass at=market.window_end(slot) to settle",
    NOT_SETTLED: "settle the slot first: only a settled trade may be rated",
    "slot already settled": "settle the slot once; the second call is refused",
    ALREADY_RATED: "Bob rates the trade once",
    NOT_A_PARTY: "the rating must come from a party of the trade: Bob's key, "
                 "street.households['bob']",
}


@exercise("settle_and_rate", chapter=10, title="Settle and rate on the street's network",
          hint="market = street.market; market.settle(slot, by=street.households['bob'], "
               "at=market.window_end(slot)); market.rate(street.households['bob'], trade_id, "
               "stars); at_coop = market.on(street.network.nodes[cast.ENERGY_CO_OP].chain); "
               "return (at_coop.score(carol), at_coop.reliability(carol)) with carol = "
               "street.address('carol')")
def check_settle_and_rate(fn: Callable) -> None:
    from minichain.contracts.client import sunny_street
    street = sunny_street(PRACTICE)
    market = street.market
    carol, bob = street.address("carol"), street.address("bob")
    record = Record()
    for slot, export_wh, stars in DRIVE_CASES:
        _, trade_id = _ready_trade(street, slot, export_wh)
        call = f"settle_and_rate(street, {slot}, {trade_id}, {stars}) (Carol exported " \
               f"{export_wh:,} of 1,000 Wh)"
        try:
            got = fn(street, slot, trade_id, stars)
        except Revert as refused:
            hint = REVERT_HINTS.get(str(refused), "read the contract's reason: what must "
                                                  "happen first?")
            raise Mismatch(f"{call}: the contract refused: {refused}", hint) from None
        delivered = min(1_000, export_wh)
        record = Record(record.stars + stars, record.ratings + 1,
                        record.delivered_wh + delivered, record.traded_wh + 1_000)
        expected = (score(record), reliability(record))
        if isinstance(got, list):
            got = tuple(got)
        states = {name: market.on(node.chain).slot_state(slot)
                  for name, node in sorted(street.network.nodes.items())}
        if got is None:
            compare(call, got, expected)
        if any(state != 2 for state in states.values()):
            raise Mismatch(f"{call}: slot {slot} is not settled on every node ({states})",
                           "settle the slot: market.settle(slot, by=..., "
                           "at=market.window_end(slot))")
        rated = [e for e in market.chain_events("Rated") if e["trade"] == trade_id]
        if not rated:
            raise Mismatch(f"{call}: nobody rated trade {trade_id} on chain",
                           "Bob rates the trade: market.rate(street.households['bob'], "
                           "trade_id, stars)")
        if rated[0]["rater"] != bob:
            raise Mismatch(f"{call}: the rating of trade {trade_id} came from "
                           f"{'Carol' if rated[0]['rater'] == carol else rated[0]['rater']}",
                           "Bob, the buyer, rates Carol: sign with street.households['bob'] "
                           "(Carol's rating would be of Bob)")
        if rated[0]["stars"] != stars:
            raise Mismatch(f"{call}: Bob gave {rated[0]['stars']} stars, not {stars}",
                           "rate with the stars you are given")
        if not isinstance(got, tuple) or len(got) != 2:
            raise Mismatch(f"{call} returned {got!r}",
                           "return a pair (score, reliability) of Carol, read from the chain")
        compare(call, got, expected, (
            Mistake(lambda: expected[::-1], "return (score, reliability): the score first"),
            Mistake(lambda: (expected[0], record.delivered_wh / record.traded_wh),
                    "reliability is in per mille, a whole number: 600, not 0.6"),
            Mistake(lambda: (score(Record(record.stars - stars, record.ratings - 1)),
                             expected[1]),
                    "read the score AFTER Bob's rating is in a block"),
            Mistake(lambda: (score(Record(stars, 1)), expected[1]),
                    "read Carol's score from the chain: it counts every rating she received, "
                    "not only this one"),
            Mistake(lambda: (market.score(bob), market.reliability(bob)),
                    "that is Bob's record: return Carol's, street.address('carol')"),
        ), ())


# --- concept questions ----------------------------------------------------------------------

concept(10, "Alice sold 4 kWh at 14 ct/kWh and her meter shows 3 kWh delivered. What "
            "does settlement do?",
        ["pays her for 3 kWh only, and the buyer buys the missing kWh from the utility",
         "pays her for all 4 kWh, and her bond pays the utility the missing kWh at the "
         "retail tariff, 32 ct",
         "pays her nothing until she delivers the missing kWh in a later slot"],
        answer="b", why="the buyer is whole: the utility supplies the shortfall, and the "
                        "seller's bond, locked at retail when she posted, pays for it",
        nudges={"a": "then the buyer would carry the cloud's risk; the rules put it on "
                     "the seller, through the bond",
                "c": "a slot settles once, after its reading window; energy cannot be "
                     "delivered later for a slot that is over"})
concept(10, "Frank bought Carol's kWh; the trade is cleared but not settled yet. Frank "
            "tries to rate Carol five stars. What happens?",
        ["the rating counts at once: Frank is a party of the trade",
         "the contract refuses it, 'trade not settled', and only Frank's nonce moves",
         "the rating waits in the contract and counts after settlement"],
        answer="b", why="only the two parties of a SETTLED trade may rate it, once each; a "
                        "refused call is still in a block, with its nonce spent and "
                        "nothing else changed",
        nudges={"a": "being a party is not enough: the trade must be settled first, so "
                     "a rating says something about a delivery the meters measured",
                "c": "a refused transaction changes nothing but the nonce; Frank must "
                     "rate again after settlement"})
concept(10, "Bob's bid sets a minimum partner reputation of 4,000 milli-stars. Alice "
            "asks less than Carol but scores 3,142; Carol scores 4,000. What does the "
            "auction do?",
        ["matches Bob with Alice anyway: the cheapest ask always goes first",
         "refuses Bob's bid at posting, because a cheaper ask exists",
         "passes Bob's bid over Alice's ask to Carol's; Alice's ask stays in line for "
         "the next bid"],
        answer="c", why="the conditioned walk scans the asks in merit order and trades "
                        "only with owners whose score meets the bid's minimum; the asks "
                        "it passes over stay for later bids",
        nudges={"a": "the minimum is a condition of the order: the contract checks the "
                     "partner's score when it clears",
                "b": "the bid is accepted at posting; the condition is applied when the "
                     "slot clears"})
