"""The chapter 10 checks answer the usual wrong turns with the hint that fixes them.

A learner who gets an exercise wrong should read, in the verdict, the hint for the mistake
they actually made. Each test writes one plausible wrong answer and names the hint it must
get. The checkers' reference answers are held against the market contract itself: the
chapter's slot is traded, metered and settled on chain, and its ``Settled`` events and
scores must say what the checkers expect.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from checks_kit import failed_with, named

from minichain.checks import PASSED, check
from minichain.checks.ch10 import (CHAPTER_TRADES, RETAIL, SCORE_CASES, expected_transfers)
from minichain.contracts.client import MCAFEE, sunny_street
from minichain.market.orders import BUY, SELL
from minichain.market.settlement import share_export
from minichain.market.units import amount_for
from market_fixtures import toy_street

SOLUTIONS = Path(__file__).resolve().parent.parent / "exercises" / "solutions"


def returning(name, value):
    """A learner's function that returns ``value`` whatever it is given."""
    @named(name)
    def answer(*args):
        return value
    return answer


# --- the references agree with the chain ----------------------------------------------------

@pytest.fixture(scope="module")
def chapter_slot():
    """The chapter's slot 52 on chain: Frank takes 1 kWh of Carol's offer, McAfee clears
    Alice's 4 kWh to Bob and Erin, a cloud leaves Alice at 3 kWh, then Bob and Erin rate."""
    street = toy_street(("alice", "bob", "carol", "dave", "erin", "frank"), mechanism=MCAFEE)
    market, h = street.market, street.households
    offer = market.post(h["carol"], SELL, 2_000, 14, 52)
    market.take(h["frank"], offer, 1_000)
    market.post(h["alice"], SELL, 4_000, 10, 52)
    market.post(h["dave"], SELL, 1_000, 30, 52)
    market.post(h["bob"], BUY, 2_500, 28, 52)
    market.post(h["erin"], BUY, 2_000, 24, 52)
    market.post(h["frank"], BUY, 1_000, 16, 52)
    market.clear(52, by=h["dave"], at=market.gate_closure(52))
    market.submit_reading(street.meters["alice"], 52, 3_000, 0, at=market.slot_end(52))
    market.submit_reading(street.meters["carol"], 52, 1_600, 0)
    market.settle(52, by=h["dave"], at=market.window_end(52))
    market.rate(h["bob"], 2, 5)
    market.rate(h["erin"], 3, 2)
    return street


def test_the_checkers_chapter_trades_are_the_chains(chapter_slot):
    market = chapter_slot.market
    names = {chapter_slot.address(n): n for n in chapter_slot.households}
    on_chain = [(names[t.seller], names[t.buyer], t.quantity_wh, t.price, t.seller_price)
                for t in market.trades(52)]
    assert on_chain == [(t.seller, t.buyer, t.quantity_wh, t.price, t.seller_price)
                        for t in CHAPTER_TRADES]


def test_the_reference_settlement_is_what_the_contract_did(chapter_slot):
    settled = chapter_slot.market.events(name="Settled")
    shares = share_export(CHAPTER_TRADES, {"alice": 3_000, "carol": 1_600})
    assert shares == [(1_000, 0), (2_500, 0), (500, 1_000)]
    assert [(e["delivered_wh"], e["shortfall_wh"]) for e in settled] == shares
    assert [(e["paid"], e["penalty"]) for e in settled] == [
        expected_transfers(t, delivered, RETAIL)
        for t, (delivered, _) in zip(CHAPTER_TRADES, shares)] == [(14, 0), (35, 0), (21, 30)]


def test_the_reference_score_and_reliability_are_the_contracts(chapter_slot):
    market, alice = chapter_slot.market, chapter_slot.address("alice")
    solution = {}
    exec((SOLUTIONS / "10_settlement_reputation.py").read_text(), solution)
    assert market.score(alice) == solution["bayesian_score"]([5, 2]) == 3_142
    assert market.reliability(alice) == solution["delivery_reliability"](
        [2_500, 500], [2_500, 1_500]) == 750
    assert dict(SCORE_CASES)["a newcomer"] == []


# --- share_delivery -------------------------------------------------------------------------

def sharer(mistake=""):
    """A learner's share_delivery with (at most) one mistake switched on."""
    @named("share_delivery")
    def share_delivery(trades, measured_export_wh):
        left, out = {}, []
        pool = sum(measured_export_wh.values())
        for trade in sorted(trades, key=lambda t: -t.quantity_wh) if mistake == "biggest" \
                else trades:
            if mistake == "key error":
                have = left.get(trade.seller, measured_export_wh[trade.seller])
            elif mistake == "pooled":
                have = pool
            else:
                have = left.get(trade.seller, measured_export_wh.get(trade.seller, 0))
            delivered = min(trade.quantity_wh, have)
            if mistake == "pooled":
                pool -= delivered
            elif mistake != "independent":
                left[trade.seller] = have - delivered
            short = trade.quantity_wh - delivered
            out.append(delivered if mistake == "delivered only" else
                       (short, delivered) if mistake == "swapped" else (delivered, short))
        if mistake == "biggest":
            order = sorted(range(len(trades)), key=lambda i: -trades[i].quantity_wh)
            out = [out[order.index(i)] for i in range(len(trades))]
        return out
    return share_delivery


def test_a_correct_sharer_passes():
    assert check(sharer()).status == PASSED


def test_giving_every_trade_the_whole_export_gets_the_shared_hint():
    failed_with(sharer("independent"), "(the chapter's slot: a cloud over Alice): expected "
                "[(1000, 0), (2500, 0), (500, 1000)], got [(1000, 0), (2500, 0), (1500, 0)]",
                "what one trade took is gone for the next")


def test_one_pool_for_every_seller_gets_the_per_seller_hint():
    failed_with(sharer("pooled"), "PER SELLER")


def test_a_missing_reading_that_crashes_gets_the_get_hint():
    failed_with(sharer("key error"), "(Carol's meter sent no reading) raised KeyError",
                ".get(seller, 0)")


def test_the_biggest_trade_first_gets_the_trade_order_hint():
    failed_with(sharer("biggest"), "(a small take before a big auction trade): expected "
                "[(300, 0), (700, 800)], got [(0, 300), (1000, 500)]",
                "not the biggest trade first")


def test_sharing_in_proportion_gets_the_first_come_hint():
    @named("share_delivery")
    def proportional(trades, measured_export_wh):
        sold = {}
        for t in trades:
            sold[t.seller] = sold.get(t.seller, 0) + t.quantity_wh
        out = []
        for t in trades:
            delivered = min(t.quantity_wh,
                            t.quantity_wh * measured_export_wh.get(t.seller, 0) // sold[t.seller])
            out.append((delivered, t.quantity_wh - delivered))
        return out
    failed_with(proportional, "got [(1000, 0), (1875, 625), (1125, 375)]",
                "first come, first served")


def test_pairs_the_wrong_way_round_or_only_delivered_wh_are_named():
    failed_with(sharer("swapped"), "(delivered_wh, shortfall_wh), delivered first")
    failed_with(sharer("delivered only"), "returned [1000, 2500, 500]", "a PAIR per trade")
    failed_with(returning("share_delivery", None), "returned None", "did you forget `return`?")


# --- settlement_transfers ---------------------------------------------------------------------

def transfers(paid_rule="all", penalty_rule="retail", rounding="down", order="paid first"):
    """A learner's settlement_transfers with (at most) one mistake switched on."""
    @named("settlement_transfers")
    def settlement_transfers(trade, delivered_wh, retail):
        short = trade.quantity_wh - delivered_wh
        if rounding == "nearest":
            return (round(trade.quantity_wh * trade.seller_price / 1000),
                    round(short * retail / 1000))
        if rounding == "float":
            return trade.quantity_wh * trade.seller_price / 1000, short * retail / 1000
        paid = {"all": amount_for(trade.quantity_wh, trade.seller_price),
                "delivered": amount_for(delivered_wh, trade.seller_price),
                "buyer's price": amount_for(trade.quantity_wh, trade.price)}[paid_rule]
        penalty = {"retail": amount_for(short, retail),
                   "trade price": amount_for(short, trade.seller_price),
                   "difference": (amount_for(trade.quantity_wh, retail)
                                  - amount_for(delivered_wh, retail))}[penalty_rule]
        return (paid, penalty) if order == "paid first" else (penalty, paid)
    return settlement_transfers


def test_a_correct_settlement_passes():
    assert check(transfers()).status == PASSED


def test_paying_only_for_the_delivered_wh_gets_the_buyer_is_whole_hint():
    failed_with(transfers(paid_rule="delivered"), "expected (21, 30), got (7, 30)",
                "the seller is paid for ALL it sold", "the buyer is whole")


def test_paying_the_seller_the_buyers_price_gets_the_mcafee_hint():
    failed_with(transfers(paid_rule="buyer's price"), "expected (21, 30), got (24, 30)",
                "trade.seller_price", "community fund")


def test_a_penalty_at_the_trade_price_gets_the_retail_hint():
    failed_with(transfers(penalty_rule="trade price"), "expected (21, 30), got (21, 14)",
                "RETAIL tariff")


def test_a_penalty_as_a_difference_of_rounded_amounts_gets_the_once_hint():
    failed_with(transfers(penalty_rule="difference"),
                "(a trade at 19, 333 of 1,500 Wh delivered): expected (28, 35), got (28, 36)",
                "compute the penalty once")


def test_rounding_to_nearest_and_floats_are_refused():
    failed_with(transfers(rounding="nearest"), "expected (21, 30), got (22, 30)",
                "rounded DOWN, once")
    failed_with(transfers(rounding="float"), "returned (21.0, 30.0)", "never /")


def test_the_pair_the_wrong_way_round_is_named():
    failed_with(transfers(order="penalty first"), "expected (21, 30), got (30, 21)",
                "return (paid, penalty)")
    failed_with(returning("settlement_transfers", 51), "returned 51", "a pair (paid, penalty)")


# --- bayesian_score ---------------------------------------------------------------------------

def scorer(formula, name="bayesian_score"):
    @named(name)
    def bayesian_score(stars_list):
        return formula(stars_list)
    return bayesian_score


def test_a_correct_score_passes():
    assert check(scorer(lambda s: (15_000 + 1000 * sum(s)) // (5 + len(s)))).status == PASSED


def test_the_plain_average_crashes_on_a_newcomer_and_then_gets_the_prior_hint():
    failed_with(scorer(lambda s: 1000 * sum(s) // len(s)),
                "bayesian_score([]) (a newcomer) raised ZeroDivisionError",
                "5 + len(stars) is never 0")
    failed_with(scorer(lambda s: 1000 * sum(s) // len(s) if s else 3000),
                "bayesian_score([5]) (one friend's five stars): expected 3333, got 5000",
                "that is the plain average")


def test_a_newcomer_at_zero_is_told_the_prior():
    failed_with(scorer(lambda s: 1000 * sum(s) // len(s) if s else 0), "expected 3000, got 0",
                "scores the prior: 3000")


def test_a_prior_that_weighs_as_one_rating_gets_the_five_hint():
    failed_with(scorer(lambda s: (3000 + 1000 * sum(s)) // (1 + len(s))),
                "expected 3333, got 4000", "weighs as FIVE ratings")


def test_stars_not_in_milli_stars_get_the_units_hint():
    failed_with(scorer(lambda s: (15_000 + sum(s)) // (5 + len(s))), "expected 3333, got 2500",
                "multiply the sum of stars by 1000")


def test_rounding_to_nearest_and_floats_are_refused():
    failed_with(scorer(lambda s: round((15_000 + 1000 * sum(s)) / (5 + len(s)))),
                "(one angry rating): expected 2666, got 2667", "round DOWN")
    failed_with(scorer(lambda s: (15 + sum(s)) / (5 + len(s))), "returned 3.0",
                "whole milli-stars")


# --- delivery_reliability ------------------------------------------------------------------

def reliable(formula):
    @named("delivery_reliability")
    def delivery_reliability(delivered, traded):
        return formula(delivered, traded)
    return delivery_reliability


def test_a_correct_reliability_passes():
    assert check(reliable(lambda d, t: 1000 * sum(d) // sum(t) if sum(t) else 1000)).status \
        == PASSED


def test_no_sales_yet_is_full_reliability():
    failed_with(reliable(lambda d, t: 1000 * sum(d) // sum(t)),
                "delivery_reliability([], []) (nothing sold yet) raised ZeroDivisionError",
                "failed nobody")
    failed_with(reliable(lambda d, t: 1000 * sum(d) // sum(t) if t else 0),
                "expected 1000, got 0", "failed nobody: 1000")


def test_averaging_per_trade_ratios_gets_the_weigh_by_wh_hint():
    failed_with(reliable(lambda d, t: sum(1000 * a // b for a, b in zip(d, t)) // len(t)
                         if t else 1000),
                "(Alice in the chapter): expected 750, got 666", "weigh by Wh, not by trade")


def test_a_fraction_a_percentage_or_the_missing_share_are_named():
    failed_with(reliable(lambda d, t: sum(d) / sum(t) if t else 1000), "returned 0.75",
                "750, not 0.75")
    failed_with(reliable(lambda d, t: 100 * sum(d) // sum(t) if t else 100),
                "per mille, not per cent")
    failed_with(reliable(lambda d, t: 1000 * (sum(t) - sum(d)) // sum(t) if t else 1000),
                "expected 750, got 250", "the DELIVERED share")
    failed_with(reliable(lambda d, t: round(1000 * sum(d) / sum(t)) if t else 1000),
                "(two thirds): expected 666, got 667", "round DOWN")


def test_a_score_in_stars_not_milli_stars_gets_the_units_hint():
    failed_with(scorer(lambda s: (15 + sum(s)) // (5 + len(s))),
                "bayesian_score([]) (a newcomer): expected 3000, got 3", "3000 for three stars")
