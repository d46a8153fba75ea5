"""The chapter 10 checks answer the usual wrong turns with the hint that fixes them.

A learner who gets an exercise wrong should read, in the verdict, the hint for the mistake
they actually made. Each test writes one plausible wrong answer and names the hint it must
get. The checkers' reference answers are held against the market contract itself: the
chapter's slot is traded, metered and settled on the street's three-authority network,
and its ``Settled`` events, the free deposits and the scores must say what the checkers
expect; the conditioned walk is held against the contract's clearing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from checks_kit import failed_with, named

from minichain import cast
from minichain.checks import PASSED, check
from minichain.checks.ch10 import (CHAPTER_TRADES, RETAIL, SCORE_CASES, _walk_cases,
                                   changes_by, expected_transfers, expected_walk)
from minichain.contracts.client import MCAFEE, sunny_street
from minichain.market.orders import BUY, SELL
from minichain.market.settlement import share_export
from minichain.market.units import amount_for
from minichain.market.units import cents_per_kwh as ct

SOLUTIONS = Path(__file__).resolve().parent.parent / "exercises" / "solutions"
EXPORTS = {"alice": 3_000, "carol": 1_600, "dave": 500}


def returning(name, value):
    """A learner's function that returns ``value`` whatever it is given."""
    @named(name)
    def answer(*args):
        return value
    return answer


def solution():
    namespace: dict = {}
    exec((SOLUTIONS / "10_settlement_reputation.py").read_text(), namespace)
    return namespace


# --- the references agree with the chain ----------------------------------------------------

@pytest.fixture(scope="module")
def chapter_slot():
    """The chapter's slot 52 on the three authorities' nodes: Frank takes 1 kWh of Carol's
    offer, Dave sells 500 Wh into Erin's bid, McAfee clears Alice's 4 kWh to Bob and Erin, a
    cloud leaves Alice at 3 kWh, then Bob and Erin rate her."""
    street = sunny_street(("alice", "bob", "carol", "dave", "erin", "frank"), mechanism=MCAFEE)
    market, h = street.market, street.households
    everyone = [street.address(n) for n in h] + [market.utility, market.community_fund]
    before = {a: market.free(a) for a in everyone}
    offer = market.post(h["carol"], SELL, 2_000, ct(14), 52)
    market.take(h["frank"], offer, 1_000)
    bid = market.post(h["erin"], BUY, 2_000, ct(24), 52)
    market.take_bid(h["dave"], bid, 500)
    market.post(h["alice"], SELL, 4_000, ct(10), 52)
    market.post(h["dave"], SELL, 1_000, ct(30), 52)
    market.post(h["bob"], BUY, 2_500, ct(28), 52)
    market.post(h["frank"], BUY, 1_000, ct(16), 52)
    market.clear(52, by=h["dave"], at=market.gate_closure(52))
    market.seal([market.reading_tx(street.meters[n], 52, wh, 0) for n, wh in EXPORTS.items()],
                at=market.slot_end(52))
    market.settle(52, by=street.authorities[1], at=market.window_end(52))
    market.rate(h["bob"], 3, 5)
    market.rate(h["erin"], 4, 2)
    return street, before


def test_the_checkers_chapter_trades_are_the_chains(chapter_slot):
    street, _ = chapter_slot
    names = {street.address(n): n for n in street.households}
    on_chain = [(t.id, names[t.seller], names[t.buyer], t.quantity_wh, t.price, t.seller_price,
                 t.sell_order) for t in street.market.trades(52)]
    assert on_chain == [(t.id, t.seller, t.buyer, t.quantity_wh, t.price, t.seller_price,
                         t.sell_order) for t in CHAPTER_TRADES]


def test_the_reference_settlement_is_what_the_contract_did(chapter_slot):
    street, _ = chapter_slot
    settled = street.market.events(name="Settled")
    shares = share_export(CHAPTER_TRADES, EXPORTS)
    assert shares == [(1_000, 0), (500, 0), (2_500, 0), (500, 1_000)]
    assert [(e["delivered_wh"], e["shortfall_wh"]) for e in settled] == shares
    assert [(e["paid"], e["penalty"]) for e in settled] == [
        expected_transfers(t, delivered, RETAIL)
        for t, (delivered, _) in zip(CHAPTER_TRADES, shares)] == [
        (140_000, 0), (120_000, 0), (350_000, 0), (210_000, 320_000)]


def test_the_predicted_net_changes_are_what_every_node_shows(chapter_slot):
    street, before = chapter_slot
    market = street.market
    labels = {street.address(n): n for n in street.households}
    labels.update({market.utility: "utility", market.community_fund: "community fund"})
    predicted = changes_by(CHAPTER_TRADES, EXPORTS, RETAIL)
    assert predicted == solution()["net_changes"](CHAPTER_TRADES, EXPORTS, RETAIL)
    assert sum(predicted.values()) == 0 and predicted["utility"] == 320_000
    for node in street.network.nodes.values():
        replica = market.on(node.chain)
        moved = {labels[a]: replica.free(a) - was for a, was in before.items()
                 if replica.free(a) != was}
        assert moved == predicted


def test_the_reference_score_and_reliability_are_the_contracts(chapter_slot):
    street, _ = chapter_slot
    market, alice = street.market, street.address("alice")
    answers = solution()
    assert market.score(alice) == answers["bayesian_score"]([5, 2]) == 3_142
    assert market.reliability(alice) == answers["delivery_reliability"](
        [2_500, 500], [2_500, 1_500]) == 750
    assert dict(SCORE_CASES)["a newcomer"] == []


@pytest.mark.parametrize("case", range(1, 4), ids=["chapter", "no minimum", "carol's minimum"])
def test_the_reference_walk_is_how_the_contract_clears(case):
    """The first three walk cases, posted on a market that clears by uniform price."""
    what, orders, scores = _walk_cases()[case]
    names = {cast.wallet(n).address: n for n in ("alice", "bob", "carol", "erin")}
    street = sunny_street(tuple(names.values()), nodes=False)
    market, h = street.market, street.households
    # ratings that give each owner its score in the case: a (1 Wh) trade per rating
    stars_for = {3_142: [5, 2], 4_000: [5, 5, 5, 5, 5], 3_333: [5], 3_000: []}
    slot, rater = 10, {"alice": "bob", "bob": "alice", "carol": "erin", "erin": "carol"}
    for owner, score in sorted(scores.items()):
        seller = names[owner]
        for stars in stars_for[score]:
            offer = market.post(h[seller], SELL, 1, ct(10), slot)
            trade_id = market.take(h[rater[seller]], offer, 1)
            market.clear(slot, by=h[seller], at=market.gate_closure(slot))
            market.submit_reading(street.meters[seller], slot, 1, 0, at=market.slot_end(slot))
            market.settle(slot, by=h[seller], at=market.window_end(slot))
            market.rate(h[rater[seller]], trade_id, stars)
            slot += 8
        assert market.score(owner) == score
    slot += 8
    market.advance_to(market.slot_start(slot) - 3600)
    ids = {}
    for order in sorted(orders, key=lambda o: o.id):
        ids[market.post(h[names[order.owner]], order.side, order.quantity_wh, order.price,
                        slot, min_reputation=order.min_reputation)] = order.id
    market.clear(slot, by=h["alice"], at=market.gate_closure(slot))
    pairs = [(ids[t.buy_order], ids[t.sell_order], t.quantity_wh) for t in market.trades(slot)]
    assert pairs == expected_walk(orders, scores), what


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
                "[(1000, 0), (500, 0), (2500, 0), (500, 1000)], got [(1000, 0), (500, 0), "
                "(2500, 0), (1500, 0)]", "what one trade took is gone for the next")


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
    failed_with(proportional, "got [(1000, 0), (500, 0), (1875, 625), (1125, 375)]",
                "first come, first served")


def test_pairs_the_wrong_way_round_or_only_delivered_wh_are_named():
    failed_with(sharer("swapped"), "(delivered_wh, shortfall_wh), delivered first")
    failed_with(sharer("delivered only"), "returned [1000, 500, 2500, 500]", "a PAIR per trade")
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
        if rounding == "int of a float":
            return (int(trade.quantity_wh * trade.seller_price / 1000),
                    int(short * retail / 1000))
        if rounding == "up":
            return (-(-trade.quantity_wh * trade.seller_price // 1000),
                    -(-short * retail // 1000))
        paid = {"all": amount_for(trade.quantity_wh, trade.seller_price),
                "delivered": amount_for(delivered_wh, trade.seller_price),
                "buyer's price": amount_for(trade.quantity_wh, trade.price)}[paid_rule]
        penalty = {"retail": amount_for(short, retail),
                   "none": 0,
                   "trade price": amount_for(short, trade.seller_price),
                   "difference": (amount_for(trade.quantity_wh, retail)
                                  - amount_for(delivered_wh, retail))}[penalty_rule]
        return (paid, penalty) if order == "paid first" else (penalty, paid)
    return settlement_transfers


def test_a_correct_settlement_passes():
    assert check(transfers()).status == PASSED


def test_paying_only_for_the_delivered_wh_gets_the_buyer_is_whole_hint():
    failed_with(transfers(paid_rule="delivered"), "expected (210000, 320000), got "
                "(70000, 320000)", "the seller is paid for ALL it sold", "the buyer is whole")


def test_paying_the_seller_the_buyers_price_gets_the_mcafee_hint():
    failed_with(transfers(paid_rule="buyer's price"), "expected (210000, 320000), got "
                "(240000, 320000)", "trade.seller_price", "community fund")


def test_forgetting_the_penalty_is_named():
    failed_with(transfers(penalty_rule="none"), "expected (210000, 320000), got (210000, 0)",
                "you forgot the penalty")


def test_a_penalty_at_the_trade_price_gets_the_retail_hint():
    failed_with(transfers(penalty_rule="trade price"), "expected (210000, 320000), got "
                "(210000, 140000)", "RETAIL tariff")


def test_a_penalty_as_a_difference_of_rounded_amounts_gets_the_once_hint():
    failed_with(transfers(penalty_rule="difference"),
                "(odd amounts: 777 Wh, buyer 23.0009 ct, seller 21.0003 ct, retail 31.2345 "
                "ct): expected (163172, 164605), got (163172, 164606)", "compute the penalty once")


def test_rounding_up_to_nearest_or_through_a_float_is_named():
    failed_with(transfers(rounding="up"), "expected (185806, 258934), got (185807, 258935)",
                "rounded DOWN, never up")
    failed_with(transfers(rounding="nearest"), "got (185807, 258934)", "round() rounds to "
                "nearest")
    failed_with(transfers(rounding="float"), "returned (210000.0, 320000.0)", "never /")
    failed_with(transfers(rounding="int of a float"),
                "(a number too big for a float: 123,456,789,012,345 Wh at 21.9999 ct)",
                "not exact for large amounts")


def test_the_pair_the_wrong_way_round_is_named():
    failed_with(transfers(order="penalty first"), "expected (210000, 320000), got "
                "(320000, 210000)", "return (paid, penalty)")
    failed_with(returning("settlement_transfers", 51), "returned 51", "a pair (paid, penalty)")
    failed_with(returning("settlement_transfers", None), "got None", "did you forget `return`?")


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


# --- net_changes ------------------------------------------------------------------------------

def changer(**mistake):
    """A learner's net_changes with (at most) one mistake switched on (``changes_by``'s)."""
    @named("net_changes")
    def net_changes(trades, measured_export_wh, retail):
        return changes_by(trades, measured_export_wh, retail, **mistake)
    return net_changes


def test_a_correct_prediction_passes_and_zeros_may_be_kept():
    assert check(changer()).status == PASSED

    @named("net_changes")
    def with_zeros(trades, measured_export_wh, retail):
        return {"utility": 0, "community fund": 0,
                **changes_by(trades, measured_export_wh, retail)}
    assert check(with_zeros).status == PASSED


def test_forgetting_the_penalties_is_named():
    failed_with(changer(penalties=False), "(the chapter's slot 52)", "'alice': 560000",
                "you forgot the penalties")


def test_forgetting_mcafees_surplus_is_named_as_money_that_vanished():
    failed_with(changer(surplus=False), "(the chapter's slot 52)", "community fund",
                "Without it your changes do not add up to 0")


def test_the_seller_paid_at_the_buyers_price_or_for_delivered_wh_only_is_named():
    failed_with(changer(seller_gets="buyer"), "not the buyer's price")
    failed_with(changer(paid_for="delivered"), "paid for ALL it sold")
    failed_with(changer(penalty_at="trade"), "RETAIL tariff")


def test_rounding_up_to_nearest_or_through_a_float_is_named():
    failed_with(changer(money=lambda q, p: -(-q * p // 1000)), "(odd prices and a retail of "
                "31.2345 ct)", "rounded DOWN, never up")
    failed_with(changer(money=lambda q, p: round(q * p / 1000)), "(odd prices", "round() rounds")
    failed_with(changer(money=lambda q, p: int(q * p / 1000)), "(numbers too big for a float)",
                "not exact for large amounts")
    failed_with(changer(money=lambda q, p: q * p / 1000), "got {", "whole number")


def test_an_unknown_imbalance_says_how_much_money_was_created():
    @named("net_changes")
    def buyers_forgotten(trades, measured_export_wh, retail):
        changes = changes_by(trades, measured_export_wh, retail)
        return {account: amount for account, amount in changes.items() if amount > 0}
    failed_with(buyers_forgotten, "your changes add up to 900,000 µ€, not 0: money was created")
    failed_with(returning("net_changes", [("alice", 240_000)]), "return a dict")
    failed_with(returning("net_changes", None), "did you forget `return`?")


# --- rating_refusal ----------------------------------------------------------------------------

def refuser(order=("settled", "party", "stars", "again"), **mistake):
    from minichain.checks.ch10 import refusal_by

    @named("rating_refusal")
    def rating_refusal(trade, rater, stars, rated_by_buyer, rated_by_seller):
        return refusal_by(trade, rater, stars, rated_by_buyer, rated_by_seller, order,
                          **mistake)
    return rating_refusal


def test_the_contracts_order_passes():
    assert check(refuser()).status == PASSED


def test_checking_the_stars_first_gets_the_order_hint():
    failed_with(refuser(("stars", "settled", "party", "again")),
                "(Frank gives six stars to a trade that is not settled: stars=6",
                "expected 'trade not settled', got 'stars must be 1 to 5'",
                "check in the contract's order")
    failed_with(refuser(("party", "settled", "stars", "again")), "'trade not settled'",
                "asks 'is the trade settled?' first")
    failed_with(refuser(("settled", "party", "again", "stars")),
                "(Erin rates again with seven stars", "before 'already rated'")


def test_each_flag_and_each_end_of_the_star_range_is_named():
    failed_with(refuser(flag="never"), "(Alice rates Erin a second time", "only ONCE")
    failed_with(refuser(flag="other"), "(Erin rates trade 4 a second time",
                "the RATER's own flag")
    failed_with(refuser(flag="either"), "(Alice rates Bob back", "each has its own flag")
    failed_with(refuser(low=0), "(Carol gives Frank no star", "0 stars is refused")
    failed_with(refuser(low=2), "(Erin rates trade 4 a second time", "1 star is allowed")
    failed_with(refuser(high=4), "(Bob rates Alice after a settled trade", "5 stars is allowed")
    failed_with(refuser(high=6), "(Carol gives Frank six stars", "6 stars is refused")


def test_true_false_or_another_wording_is_refused_with_the_reasons_to_use():
    failed_with(returning("rating_refusal", False), "not True/False")
    failed_with(returning("rating_refusal", "not settled"), "exactly as it says it")
    failed_with(returning("rating_refusal", None), "did you forget `return`?")


# --- conditioned_pairs ------------------------------------------------------------------------

def walker(**mistake):
    from minichain.checks.ch10 import walk_by

    @named("conditioned_pairs")
    def conditioned_pairs(orders, scores):
        return walk_by(orders, scores, **mistake)
    return conditioned_pairs


def test_the_conditioned_walk_passes():
    assert check(walker()).status == PASSED


def test_ignoring_the_minimums_or_checking_one_side_only_is_named():
    failed_with(walker(conditions=False), "(the chapter's day: Bob wants 4 stars): expected "
                "[(3, 2, 1000), (4, 1, 1000)], got [(3, 1, 1000), (4, 2, 1000)]",
                "as if nobody set a minimum")
    failed_with(walker(both=False), "(Carol's offer asks for a buyer of 3.5 stars)",
                "the BIDDER's score too")


def test_an_ask_dropped_for_good_or_a_walk_that_stops_is_named():
    failed_with(walker(keep=False), "(the chapter's day: Bob wants 4 stars)",
                "stays in line")
    failed_with(walker(stop=True), "(the chapter's day: Bob wants 4 stars)",
                "do not stop at the first ask")


def test_a_newcomer_at_zero_a_strict_minimum_and_no_merit_order_are_named():
    failed_with(walker(newcomer=0), "(Frank is new: nobody has rated him yet)",
                "scores.get(owner, 3000)")
    failed_with(walker(strict=True), "(exactly at the minimum)", "compare with >=")
    failed_with(walker(sort=False), "(a tie in price: the earlier order goes first)",
                "walk in merit order")

    @named("conditioned_pairs")
    def crashes(orders, scores):
        return walker()(orders, {owner: scores[owner] for owner in
                                 {o.owner for o in orders}})
    failed_with(crashes, "raised KeyError", "a newcomer scores 3000")


# --- settle_and_rate: on the street's network ----------------------------------------------

def driver(mistake=""):
    @named("settle_and_rate")
    def settle_and_rate(street, slot, trade_id, stars):
        market = street.market
        bob, carol = street.households["bob"], street.households["carol"]
        at = market.slot_end(slot) + 60 if mistake == "early" else market.window_end(slot)
        if mistake == "rate first":
            market.rate(bob, trade_id, stars)
        market.settle(slot, by=bob, at=at)
        if mistake != "rate first":
            market.rate(carol if mistake == "carol rates" else bob, trade_id, stars)
        coop = market.on(street.network.nodes[cast.ENERGY_CO_OP].chain)
        score, reliability = coop.score(street.address("carol")), \
            coop.reliability(street.address("carol"))
        if mistake == "swapped":
            return reliability, score
        if mistake == "fraction":
            return score, reliability / 1000
        return score, reliability
    return settle_and_rate


def test_settling_and_rating_through_the_nodes_passes():
    assert check(driver()).status == PASSED
    assert check(solution()["settle_and_rate"]).status == PASSED


def test_settling_inside_the_reading_window_or_rating_first_gets_the_contracts_reason():
    failed_with(driver("early"), "the contract refused: the reading window is still open",
                "at=market.window_end(slot)")
    failed_with(driver("rate first"), "the contract refused: trade not settled",
                "settle the slot first")


def test_a_rating_from_the_seller_or_a_swapped_or_fractional_answer_is_named():
    failed_with(driver("carol rates"), "the rating of trade 1 came from Carol",
                "Bob, the buyer, rates Carol")
    failed_with(driver("swapped"), "expected (3166, 600), got (600, 3166)",
                "the score first")
    failed_with(driver("fraction"), "got (3166, 0.6)", "600, not 0.6")


def test_doing_nothing_on_chain_is_caught_by_reading_the_chain():
    failed_with(returning("settle_and_rate", (3166, 600)), "slot 52 is not settled on every node")
