"""Reputation off chain (chapter 10): the score, reliability, the rating rules, and the
partner rule that lets an order ask for a trustworthy counterpart in the auction.

Every number here is worked out by hand from ``minichain.market.reputation`` and rules 3,
5, 7 and 11 of ``minichain.market.auction``; the market contract must give the same.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from minichain.market.auction import (MECHANISMS, clear, clear_mcafee, clear_pay_as_bid,
                                      clear_uniform_price, conditioned_walk, merit_order,
                                      merit_walk)
from minichain.market.orders import BUY, SELL, Order, Tariffs
from minichain.market.reputation import (ALREADY_RATED, BAD_STARS, NEWCOMER_SCORE,
                                         NOT_A_PARTY, NOT_SETTLED, Record,
                                         rating_target, reliability, score, with_delivery,
                                         with_rating)
from minichain.market.trades import Trade
from minichain.errors import RatingRejected
from minichain.wallet import Wallet

ALICE, BOB, CAROL, ERIN = (Wallet.from_seed(n).address for n in ("alice", "bob", "carol", "erin"))
TARIFFS = Tariffs(feed_in=8, retail=30)


# --- score and reliability ------------------------------------------------------------------

def test_a_newcomer_scores_three_stars_and_is_fully_reliable():
    assert score(Record()) == NEWCOMER_SCORE == 3000
    assert reliability(Record()) == 1000


def test_one_angry_rating_moves_a_newcomer_only_a_little():
    assert score(with_rating(Record(), 1)) == (15_000 + 1_000) // 6 == 2666
    assert score(with_rating(Record(), 5)) == (15_000 + 5_000) // 6 == 3333


def test_many_ratings_outweigh_the_prior():
    record = Record()
    for _ in range(5):
        record = with_rating(record, 5)
    assert score(record) == (15_000 + 25_000) // 10 == 4000
    for _ in range(40):
        record = with_rating(record, 5)
    assert score(record) == (15_000 + 225_000) // 50 == 4800


def test_reliability_is_the_delivered_share_in_per_mille():
    record = with_delivery(with_delivery(Record(), 1_000, 1_000), 200, 1_000)
    assert (record.delivered_wh, record.traded_wh) == (1_200, 2_000)
    assert reliability(record) == 600
    assert reliability(with_delivery(Record(), 1, 3)) == 333        # rounded down
    with pytest.raises(RatingRejected, match="between 0 and the traded 5"):
        with_delivery(Record(), 6, 5)


@pytest.mark.parametrize("stars", [0, 6, -1, True, 2.5])
def test_stars_are_whole_numbers_from_one_to_five(stars):
    with pytest.raises(RatingRejected, match=BAD_STARS):
        with_rating(Record(), stars)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 5), max_size=60))
def test_a_score_lies_between_the_prior_and_the_average_of_the_ratings(stars):
    record = Record()
    for star in stars:
        record = with_rating(record, star)
    value = score(record)
    if stars:
        mean = 1000 * sum(stars) / len(stars)
        assert min(3000, mean) - 1 < value <= max(3000, mean)
    else:
        assert value == 3000
    assert value == (15_000 + 1000 * sum(stars)) // (5 + len(stars))


# --- who may rate whom ------------------------------------------------------------------------

TRADE = Trade(buyer=BOB, seller=ALICE, quantity_wh=1_000, price=14, seller_price=14, id=7,
              delivered_wh=1_000)


def test_the_buyer_rates_the_seller_and_the_seller_rates_the_buyer():
    assert rating_target(TRADE, BOB, 4, False, False) == ALICE
    assert rating_target(TRADE, ALICE, 2, False, False) == BOB
    # each party once: the other party's rating does not block it
    assert rating_target(TRADE, ALICE, 2, True, False) == BOB


@pytest.mark.parametrize("trade, rater, stars, by_buyer, by_seller, reason", [
    (None, BOB, 4, False, False, NOT_SETTLED),
    (TRADE, CAROL, 4, False, False, NOT_A_PARTY),
    (TRADE, BOB, 0, False, False, BAD_STARS),
    (TRADE, BOB, 4, True, False, ALREADY_RATED),
    (TRADE, ALICE, 4, False, True, ALREADY_RATED),
    (None, CAROL, 9, True, True, NOT_SETTLED),          # the checks run in this order
    (TRADE, CAROL, 9, True, True, NOT_A_PARTY),
    (TRADE, BOB, 9, True, True, BAD_STARS),
])
def test_ratings_that_break_a_rule_are_refused_with_the_contracts_reason(
        trade, rater, stars, by_buyer, by_seller, reason):
    with pytest.raises(RatingRejected) as error:
        rating_target(trade, rater, stars, by_buyer, by_seller)
    assert str(error.value) == reason


# --- the partner rule in the auction ----------------------------------------------------------

def order(id: int, owner: str, side: str, wh: int, price: int, minimum: int = 0) -> Order:
    return Order(id=id, owner=owner, side=side, quantity_wh=wh, price=price, slot=3,
                 min_reputation=minimum)


# Alice sells 1 kWh at 10 but scores only 2500; Carol sells 1 kWh at 18 and scores 4000.
# Bob bids 28 for 1 kWh and wants a partner of at least 3500; Erin bids 20, no minimum.
BOOK = (order(1, ALICE, SELL, 1_000, 10), order(2, CAROL, SELL, 1_000, 18),
        order(3, BOB, BUY, 1_000, 28, minimum=3_500), order(4, ERIN, BUY, 1_000, 20))
SCORES = {ALICE: 2_500, CAROL: 4_000, BOB: 3_000, ERIN: 3_000}


def test_a_bid_passes_over_an_ask_whose_owner_is_below_its_minimum():
    bids, asks = merit_order(BOOK)
    assert [o.id for o in bids] == [3, 4] and [o.id for o in asks] == [1, 2]
    # unconditioned: Bob gets Alice's cheap kWh, Erin Carol's
    assert merit_walk(bids, asks) == [(0, 0, 1_000), (1, 1, 1_000)]
    # conditioned: Bob passes over Alice (2500 < 3500), trades with Carol; Alice waits in
    # line and Erin, who sets no minimum, gets her kWh
    eligible = lambda bid, ask: (SCORES[ask.owner] >= bid.min_reputation
                                 and SCORES[bid.owner] >= ask.min_reputation)
    assert merit_walk(bids, asks, eligible) == [(0, 1, 1_000), (1, 0, 1_000)]


def prices(clearing) -> list[tuple[int, int, int, int]]:
    return [(t.buy_order, t.sell_order, t.price, t.seller_price) for t in clearing.trades]


def test_uniform_price_clamps_the_one_price_into_each_pairs_limits():
    # the last pair is (Erin 20, Alice 10): price = 10 + (20 - 10) // 2 = 15; Carol asked
    # 18, so her pair trades at her limit instead
    conditioned = clear_uniform_price(BOOK, TARIFFS, reputation=SCORES)
    assert conditioned.price == 15
    assert prices(conditioned) == [(3, 2, 18, 18), (4, 1, 15, 15)]
    # without the partner rule: Bob-Alice, Erin-Carol, one price (20 + 18) // 2 = 19
    assert prices(clear_uniform_price(BOOK, TARIFFS)) == [(3, 1, 19, 19), (4, 2, 19, 19)]


def test_pay_as_bid_and_mcafee_with_the_partner_rule():
    assert prices(clear_pay_as_bid(BOOK, TARIFFS, reputation=SCORES)) == [
        (3, 2, 28, 28), (4, 1, 20, 20)]
    # McAfee: marginal pair (Erin 20, Alice 10); no bid after Erin, so b_k+1 = feed-in 8;
    # the ask after Alice is Carol's 18: p0 = (8 + 18) // 2 = 13, inside [10, 20]
    mcafee = clear_mcafee(BOOK, TARIFFS, reputation=SCORES)
    assert mcafee.price == 13 and mcafee.surplus == 0
    assert prices(mcafee) == [(3, 2, 18, 18), (4, 1, 13, 13)]


def test_an_asks_own_minimum_applies_to_the_bidder_too():
    book = (order(1, ALICE, SELL, 1_000, 10, minimum=3_100), order(2, BOB, BUY, 1_000, 20))
    assert clear_pay_as_bid(book, TARIFFS, reputation={ALICE: 3_000, BOB: 3_000}).trades == ()
    assert len(clear_pay_as_bid(book, TARIFFS, reputation={ALICE: 3_000, BOB: 3_100}).trades) == 1
    # an owner missing from the scores is a newcomer (3000)
    assert clear_pay_as_bid(book, TARIFFS, reputation={}).trades == ()


def test_mcafees_reduced_walk_is_conditioned_too():
    # Bob (30, wants 3500) passes over Alice (9, scores 2500) and buys Carol's kWh (12);
    # Erin (25) buys Alice's; Frank (24) buys Dave's (13). Gina's 23 finds nothing left.
    dave, frank, gina = (Wallet.from_seed(n).address for n in ("dave", "frank", "gina"))
    book = (order(1, ALICE, SELL, 1_000, 9), order(2, CAROL, SELL, 1_000, 12),
            order(3, dave, SELL, 1_000, 13), order(4, BOB, BUY, 1_000, 30, minimum=3_500),
            order(5, ERIN, BUY, 1_000, 25), order(6, frank, BUY, 1_000, 24),
            order(7, gina, BUY, 1_000, 23))
    scores = {ALICE: 2_500, CAROL: 4_000}
    # marginal pair (Frank 24, Dave 13); next bid Gina 23, no next ask: retail 30;
    # p0 = (23 + 30) // 2 = 26 > 24, so Frank and Dave are left out and the walk runs again
    # over Bob, Erin and Alice, Carol -- with the partner rule: Bob-Carol, Erin-Alice.
    clearing = clear_mcafee(book, TARIFFS, reputation=scores)
    assert clearing.price is None
    assert prices(clearing) == [(4, 2, 24, 13), (5, 1, 24, 13)]
    assert clearing.surplus == 2 * (24 - 13)


# --- properties -----------------------------------------------------------------------------

OWNERS = [Wallet.from_seed(f"owner-{i}").address for i in range(5)]


@st.composite
def books(draw, minimums: bool = True):
    n = draw(st.integers(0, 12))
    out = []
    for i in range(n):
        out.append(Order(id=i + 1, owner=draw(st.sampled_from(OWNERS)),
                         side=draw(st.sampled_from([BUY, SELL])),
                         quantity_wh=draw(st.sampled_from([100, 250, 999, 1_000, 2_500])),
                         price=draw(st.integers(8, 30)), slot=1,
                         min_reputation=draw(st.sampled_from([0, 0, 2_800, 3_000, 3_400]))
                         if minimums else 0))
    return out


SCORE_MAPS = st.fixed_dictionaries({owner: st.sampled_from([2_500, 3_000, 3_300, 4_200])
                                    for owner in OWNERS})


@settings(max_examples=150, deadline=None)
@given(books(minimums=False), SCORE_MAPS, st.sampled_from(sorted(MECHANISMS)))
def test_a_book_without_minimums_clears_exactly_as_without_the_partner_rule(book, scores,
                                                                            mechanism):
    assert clear(mechanism, book, TARIFFS, reputation=scores) == clear(mechanism, book, TARIFFS)


@settings(max_examples=150, deadline=None)
@given(books(), st.sampled_from(sorted(MECHANISMS)))
def test_when_everyone_qualifies_the_partner_rule_changes_nothing(book, mechanism):
    everyone = {owner: 5_000 for owner in OWNERS}
    assert clear(mechanism, book, TARIFFS, reputation=everyone) == clear(mechanism, book, TARIFFS)
    bids, asks = merit_order(book)
    assert conditioned_walk(bids, asks, lambda bid, ask: True) == merit_walk(bids, asks)


@settings(max_examples=300, deadline=None)
@given(books(), SCORE_MAPS, st.sampled_from(sorted(MECHANISMS)))
def test_conditioned_clearings_respect_every_limit_minimum_and_quantity(book, scores,
                                                                         mechanism):
    clearing = clear(mechanism, book, TARIFFS, reputation=scores)
    by_id = {o.id: o for o in book}
    filled: dict[int, int] = {}
    for trade in clearing.trades:
        bid, ask = by_id[trade.buy_order], by_id[trade.sell_order]
        assert ask.price <= trade.seller_price <= trade.price <= bid.price
        assert scores[ask.owner] >= bid.min_reputation
        assert scores[bid.owner] >= ask.min_reputation
        assert trade.amount >= trade.seller_amount
        filled[bid.id] = filled.get(bid.id, 0) + trade.quantity_wh
        filled[ask.id] = filled.get(ask.id, 0) + trade.quantity_wh
    assert all(filled[i] <= by_id[i].quantity_wh for i in filled)
    assert clearing.surplus == sum(t.amount - t.seller_amount for t in clearing.trades)
