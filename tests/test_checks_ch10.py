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


@pytest.mark.parametrize("case", range(3), ids=["chapter", "no minimum", "carol's minimum"])
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
