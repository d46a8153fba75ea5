"""The chapter 09 checks, part 2: McAfee's prices, a search of the street's book, a take on
its network, and the chapter's concept questions.

Each test writes one plausible wrong answer and names the hint it must get. The search and
take answers run against a street on its three authorities' nodes, as the learner's do.
"""

from __future__ import annotations

import pytest
from checks_kit import failed_with, named

from minichain.checks import PASSED, check
from minichain.checks.ch09 import (MCAFEE_CASES, TAKE_OFFERS, TARIFFS, _mcafee_model,
                                   _search_street, mcafee_reference, take_street)
from minichain.checks.quiz import answer, questions_of
from minichain.market.orders import SELL
from minichain.market.units import cents_per_kwh


# --- mcafee_prices ----------------------------------------------------------------------------

def mcafee(**mistake):
    @named("mcafee_prices")
    def mcafee_prices(bids, asks, feed_in, retail):
        from minichain.market.orders import Tariffs
        return _mcafee_model(bids, asks, Tariffs(feed_in, retail), **mistake)
    return mcafee_prices


def test_the_mcafee_model_agrees_with_the_library_and_passes():
    for what, bids, asks in MCAFEE_CASES:
        if what.startswith("the toy book"):
            continue
        bids = [cents_per_kwh(c) for c in bids]
        asks = [cents_per_kwh(c) for c in asks]
        assert _mcafee_model(bids, asks, TARIFFS) == mcafee_reference(bids, asks), what
    noon = mcafee_reference([280_000, 200_000, 120_000], [100_000, 140_000, 250_000])
    assert noon == (2, 185_000, 185_000)
    assert check(mcafee()).status == PASSED


@pytest.mark.parametrize("mistake, fragments", [
    ({"from_marginal": True}, ("(the toy book (tariffs 1 and 10 ct)): expected (1, 70000, "
                               "70000), got (1, 55000, 55000)", "do NOT trade")),
    ({"next_missing": 0}, ("(no bid after the marginal one: feed-in stands in): expected "
                           "(2, 185000, 185000), got (2, 145000, 145000)", "feed-in tariff")),
    ({"reduce": False}, ("(p0 above the marginal bid: reduced): expected (1, 200000, "
                         "140000), got (2, 210000, 210000)", "steps out")),
    ({"keep_marginal": True}, ("got (2, 200000, 140000)", "one kWh FEWER")),
    ({"reduced_prices": "p0"}, ("got (1, 210000, 210000)", "nobody trades at p0")),
    ({"reduced_prices": "swapped"}, ("got (1, 140000, 200000)", "HIGHER price")),
])
def test_each_usual_mcafee_mistake_gets_its_own_hint(mistake, fragments):
    failed_with(mcafee(**mistake), *fragments)


def test_a_float_p0_and_a_forgotten_return_are_named():
    @named("mcafee_prices")
    def halves(bids, asks, feed_in, retail):
        k, buyers, sellers = mcafee()(bids, asks, feed_in, retail)
        if k and buyers == sellers:
            bids, asks = sorted(bids, reverse=True), sorted(asks)
            nxt_bid = bids[k] if k < len(bids) else feed_in
            nxt_ask = asks[k] if k < len(asks) else retail
            return (k, (nxt_bid + nxt_ask) / 2, (nxt_bid + nxt_ask) / 2)
        return (k, buyers, sellers)
    failed_with(halves, "(an odd number of µ€ between the next bid and ask): expected "
                "(2, 185000, 185000), got (2, 185000.5, 185000.5)", "/ gives a float")

    @named("mcafee_prices")
    def silent(bids, asks, feed_in, retail):
        _mcafee_model(bids, asks, TARIFFS)
    failed_with(silent, "got None", "forget `return`")


# --- trusted_offers -----------------------------------------------------------------------------

def searcher(**drop):
    @named("trusted_offers")
    def trusted_offers(market, me, slots, max_price):
        options = dict(side=SELL, slots=slots, max_price=max_price,
                       reputation=market.score(me), min_owner_score=3_000,
                       min_owner_reliability=900)
        for name in drop:
            options.pop(name)
        if "slots" in drop:
            options["slot"] = slots.start
        return [order.id for order in market.offers(**options)]
    return trusted_offers


def test_the_practice_street_has_the_chapters_record_and_a_right_search_passes():
    street = _search_street()
    market = street.market
    assert market.score(street.address("carol")) == 3_333
    record = {name: (market.score(street.address(name)), market.reliability(street.address(name)))
              for name in ("bob", "dave", "frank")}
    assert record == {"bob": (2_666, 1_000), "dave": (2_666, 500), "frank": (3_166, 800)}
    assert check(searcher()).status == PASSED


@pytest.mark.parametrize("drop, fragments", [
    ({"side": True}, ("a buyer searches OFFERS",)),
    ({"reputation": True}, ("reputation=market.score(me)",)),
    ({"min_owner_score": True, "min_owner_reliability": True},
     ("min_owner_score=3_000 and min_owner_reliability=900",)),
    ({"min_owner_reliability": True}, ("min_owner_reliability=900 leaves out",)),
    ({"min_owner_score": True}, ("min_owner_score=3_000 leaves out",)),
    ({"slots": True}, ("not only its first",)),
    ({"max_price": True}, ("at or below the most you will pay",)),
])
def test_each_forgotten_filter_gets_its_own_hint(drop, fragments):
    failed_with(searcher(**drop), *fragments)


def test_orders_instead_of_ids_and_the_wrong_order_are_named():
    @named("trusted_offers")
    def orders(market, me, slots, max_price):
        return market.offers(side=SELL, slots=slots, max_price=max_price,
                             reputation=market.score(me), min_owner_score=3_000,
                             min_owner_reliability=900)
    failed_with(orders, "returned 2 orders", "order.id")

    @named("trusted_offers")
    def dearest_first(market, me, slots, max_price):
        return list(reversed(searcher()(market, me, slots, max_price)))
    failed_with(dearest_first, "cheapest first")


# --- buy_cheapest -------------------------------------------------------------------------------

def buyer_that(search=None, take_wh=None, give_back="trade", pick=0):
    """A learner's buy_cheapest, right or with one usual mistake."""
    @named("buy_cheapest")
    def buy_cheapest(market, buyer, slot, wh, max_price):
        options = dict(side=SELL, slot=slot, max_price=max_price,
                       reputation=market.score(buyer.address), min_quantity=wh)
        options.update(search or {})
        found = [o for o in market.offers(**{k: v for k, v in options.items()
                                              if v is not None})]
        if not found:
            return None
        chosen = found[pick]
        trade_id = market.take(buyer, chosen.id, take_wh(chosen) if take_wh else wh)
        if give_back == "trade":
            return market.trade(trade_id)
        if give_back == "id":
            return trade_id
        if give_back == "order":
            return chosen
        return None
    return buy_cheapest


def test_the_take_street_and_a_right_buyer_pass_and_the_trade_is_on_every_node():
    street, ids = take_street()
    assert sorted(ids) == sorted(name for name, *_ in TAKE_OFFERS)
    trade = buyer_that()(street.market, street.households["bob"], 48, 500, cents_per_kwh(14))
    assert (trade.sell_order, trade.quantity_wh, trade.price, trade.is_take) \
        == (ids["frank"], 500, 130_000, True)
    coop = street.market.on(street.network.nodes["energy-co-op"].chain)
    assert coop.trade(trade.id) == trade
    assert check(buyer_that()).status == PASSED


@pytest.mark.parametrize("mistake, fragments", [
    (dict(search={"reputation": None}),
     ("the contract refused your take: your reputation is below the offer's minimum",
      "reputation=market.score(buyer.address)")),
    (dict(search={"min_quantity": None}),
     ("the contract refused your take: the offer has less left", "min_quantity=wh")),
    (dict(search={"slot": None}),
     ("expected None (no offer fits), but you took Alice's offer", "slot=slot")),
    (dict(pick=-1), ("you took Grace's offer, expected Frank's", "CHEAPEST")),
    (dict(search={"max_price": None}),
     ("expected None (no offer fits), but you took Erin's offer", "max_price=max_price")),
    (dict(take_wh=lambda order: order.quantity_wh),
     ("your trade is for 1,000 Wh, expected 500", "not the whole offer")),
    (dict(give_back="id"), ("returned the trade id", "market.trade(trade_id)")),
    (dict(give_back="order"), ("expected Trade(", "read back from the chain")),
    (dict(give_back=None), ("got None", "forget `return`")),
])
def test_each_usual_take_mistake_gets_its_own_hint(mistake, fragments):
    failed_with(buyer_that(**mistake), *fragments)


def test_a_buyer_that_never_takes_is_told_to_take():
    @named("buy_cheapest")
    def window_shopper(market, buyer, slot, wh, max_price):
        found = market.offers(side=SELL, slot=slot, max_price=max_price, min_quantity=wh,
                              reputation=market.score(buyer.address))
        return found[0] if found else None
    failed_with(window_shopper, "no trade on the chain", "market.take(buyer, offer_id, wh)")


# --- the concept questions ----------------------------------------------------------------------

def test_chapter_09_asks_three_questions_and_each_wrong_choice_has_its_nudge():
    questions = questions_of(9)
    assert [q.number for q in questions] == [1, 2, 3]
    for question in questions:
        right = answer(9, question.number, "abc"[question.answer])
        assert right.passed and right.message == f"right: {question.why}"
        for index, nudge in enumerate(question.nudges):
            if index != question.answer:
                assert nudge and question.verdict(index).message.endswith(nudge)
    assert "marginal" in answer(9, 1, "a").message
    assert not answer(9, 2, "a").passed and answer(9, 2, "c").passed
