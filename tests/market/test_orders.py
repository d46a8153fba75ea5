"""Orders, tariffs and the public order book (chapter 09): what can be built, and who sees what."""

from __future__ import annotations

import random

import pytest

from minichain.market.orders import (BUY, SELL, Order, Tariffs, ask_priority, bid_priority,
                                     check_book, list_orders)
from minichain.market.units import amount_for, exact_value_milliunits, wh
from minichain.errors import (DuplicateOrder, InvalidOrder, InvalidTariffs, MarketError,
                              MixedSlots, PriceOutOfBand)
from minichain.wallet import Wallet

ALICE = Wallet.from_seed("alice").address   # a PV household, sells
BOB = Wallet.from_seed("bob").address       # a family next door, buys
CAROL = Wallet.from_seed("carol").address   # sells too
TARIFFS = Tariffs(feed_in=8, retail=30)


def order(**changes) -> Order:
    fields = dict(id=1, owner=ALICE, side=SELL, quantity_wh=1500, price=12, slot=40)
    fields.update(changes)
    return Order(**fields)


# --- units --------------------------------------------------------------------------------

def test_money_for_energy_rounds_down_to_a_whole_token_unit():
    assert wh(3) == 3000
    assert amount_for(1500, 12) == 18          # 1.5 kWh at 12 units/kWh: exact
    assert amount_for(1, 999) == 0             # 0.999 units: the buyer keeps the fraction
    assert amount_for(1234, 7) == 8            # exactly 8.638 units, rounded down
    assert exact_value_milliunits(1234, 7) == 8638


# --- orders -------------------------------------------------------------------------------

def test_a_well_formed_order_has_a_default_minimum_reputation_of_zero():
    offer = order()
    assert (offer.side, offer.quantity_wh, offer.price, offer.min_reputation) == (SELL, 1500, 12, 0)


@pytest.mark.parametrize("changes, says", [
    (dict(id=-1), "order id must be a whole number >= 0"),
    (dict(id="7"), "order id must be a whole number >= 0"),
    (dict(owner="alice"), "owner must be an address"),
    (dict(owner=ALICE.upper()), "owner must be an address"),
    (dict(side="ask"), "side must be 'buy' or 'sell'"),
    (dict(quantity_wh=0), "quantity_wh must be a whole number of Wh > 0"),
    (dict(quantity_wh=1.5), "quantity_wh must be a whole number of Wh > 0"),
    (dict(quantity_wh=True), "quantity_wh must be a whole number of Wh > 0"),
    (dict(price=-1), "price must be a whole number of µ€ per kWh >= 0"),
    (dict(price=12.0), "price must be a whole number of µ€ per kWh >= 0"),
    (dict(slot=-3), "slot must be a whole number >= 0"),
    (dict(min_reputation=-1), "min_reputation must be a whole number >= 0"),
])
def test_a_malformed_order_cannot_be_built_and_the_error_says_what_was_expected(changes, says):
    with pytest.raises(InvalidOrder, match=says):
        order(**changes)


def test_market_errors_share_one_base_class():
    for error in (InvalidOrder, DuplicateOrder, MixedSlots, PriceOutOfBand, InvalidTariffs):
        assert issubclass(error, MarketError)


def test_tariffs_are_whole_numbers_with_feed_in_at_most_retail():
    assert Tariffs(5, 5).in_band(5)
    assert TARIFFS.in_band(8) and TARIFFS.in_band(30)
    assert not TARIFFS.in_band(7) and not TARIFFS.in_band(31)
    with pytest.raises(InvalidTariffs, match="must not be above retail"):
        Tariffs(feed_in=31, retail=30)
    with pytest.raises(InvalidTariffs, match="feed_in must be a whole number"):
        Tariffs(feed_in=-1, retail=30)
    with pytest.raises(InvalidTariffs, match="retail must be a whole number"):
        Tariffs(feed_in=1, retail=2.5)


# --- checking a book before it is cleared ------------------------------------------------

def test_a_good_book_clears_its_one_slot_and_an_empty_one_has_none():
    book = [order(id=2), order(id=1, owner=BOB, side=BUY, price=30)]
    assert check_book(book, TARIFFS) == 40
    assert check_book([], TARIFFS) is None


def test_prices_outside_the_tariff_band_are_refused_with_the_band_in_the_message():
    with pytest.raises(PriceOutOfBand, match="order 5 has price 7, expected between the "
                                             "feed-in tariff 8 and the retail tariff 30"):
        check_book([order(id=5, price=7)], TARIFFS)
    with pytest.raises(PriceOutOfBand, match="order 6 has price 31"):
        check_book([order(id=6, side=BUY, price=31)], TARIFFS)


def test_a_book_with_a_repeated_id_or_two_slots_or_a_stranger_is_refused():
    with pytest.raises(DuplicateOrder, match="order id 3 appears twice"):
        check_book([order(id=3), order(id=3, owner=CAROL)], TARIFFS)
    with pytest.raises(MixedSlots, match="order 4 is for slot 41 but the book clears slot 40"):
        check_book([order(id=4, slot=41), order(id=2)], TARIFFS)
    with pytest.raises(InvalidOrder, match="a book holds Order objects, got dict"):
        check_book([order(), {"id": 2}], TARIFFS)
    with pytest.raises(InvalidTariffs, match="tariffs must be a Tariffs"):
        check_book([order()], (8, 30))


def test_the_first_problem_in_id_order_is_the_one_reported():
    book = [order(id=9, price=99), order(id=2, price=1)]   # both out of band
    with pytest.raises(PriceOutOfBand, match="order 2 "):
        check_book(book, TARIFFS)


# --- priority ------------------------------------------------------------------------------

def test_priority_is_best_price_first_and_equal_prices_go_to_the_lower_id():
    bids = [order(id=i, side=BUY, price=p) for i, p in ((5, 20), (2, 25), (3, 20), (1, 9))]
    asks = [order(id=i, price=p) for i, p in ((5, 20), (2, 25), (3, 20), (1, 9))]
    assert [o.id for o in sorted(bids, key=bid_priority)] == [2, 3, 5, 1]
    assert [o.id for o in sorted(asks, key=ask_priority)] == [1, 3, 5, 2]


# --- anyone can list and filter offers ----------------------------------------------------

STREET = [
    order(id=1, owner=ALICE, side=SELL, quantity_wh=2000, price=12, slot=40),
    order(id=2, owner=CAROL, side=SELL, quantity_wh=500, price=10, slot=40, min_reputation=3),
    order(id=3, owner=BOB, side=BUY, quantity_wh=1200, price=20, slot=40),
    order(id=4, owner=BOB, side=BUY, quantity_wh=800, price=25, slot=41),
    order(id=5, owner=CAROL, side=SELL, quantity_wh=900, price=12, slot=40),
    order(id=6, owner=ALICE, side=BUY, quantity_wh=300, price=20, slot=40),
]


def ids(listed: list[Order]) -> list[int]:
    return [o.id for o in listed]


def test_the_listing_is_slot_then_offers_cheapest_first_then_bids_highest_first():
    assert ids(list_orders(STREET)) == [2, 1, 5, 3, 6, 4]


def test_the_listing_does_not_depend_on_the_order_the_book_arrived_in():
    shuffled = list(STREET)
    random.Random(7).shuffle(shuffled)
    assert list_orders(shuffled) == list_orders(STREET)


def test_each_filter_keeps_exactly_the_orders_it_names():
    assert ids(list_orders(STREET, side=SELL)) == [2, 1, 5]
    assert ids(list_orders(STREET, slot=41)) == [4]
    assert ids(list_orders(STREET, side=SELL, max_price=11)) == [2]
    assert ids(list_orders(STREET, side=BUY, min_price=21)) == [4]
    assert ids(list_orders(STREET, owner=BOB)) == [3, 4]
    assert ids(list_orders(STREET, min_quantity=900)) == [1, 5, 3]
    assert ids(list_orders(STREET, side=SELL, reputation=2)) == [1, 5]
    assert ids(list_orders(STREET, side=SELL, reputation=3)) == [2, 1, 5]
    assert ids(list_orders(STREET, side=SELL, slot=40, max_price=12, min_price=12,
                           owner=CAROL)) == [5]
    assert list_orders([], side=BUY) == []


def test_bad_filters_are_refused():
    with pytest.raises(InvalidOrder, match="side filter must be 'buy', 'sell' or None"):
        list_orders(STREET, side="offers")
    with pytest.raises(InvalidOrder, match="filter max_price must be a whole number or None"):
        list_orders(STREET, max_price=12.5)
    with pytest.raises(InvalidOrder, match=r"filter slots must be a range of slots \(e.g. "
                                           r"range\(40, 48\)\) or None, got \[40, 41\]"):
        list_orders(STREET, slots=[40, 41])
    with pytest.raises(InvalidOrder, match="filter min_owner_score must be a whole number"):
        list_orders(STREET, min_owner_score="3 stars", owner_scores={})
    with pytest.raises(InvalidOrder, match="filter min_owner_score needs the owners' figures: "
                                           "give owner_scores="):
        list_orders(STREET, min_owner_score=3_000)
    with pytest.raises(InvalidOrder, match="needs the owners' figures: give "
                                           "owner_reliabilities="):
        list_orders(STREET, min_owner_reliability=900)


# Carol has been rated well (4,200 milli-stars) but delivered only 70 % of what she sold;
# Alice is rated 2,500 and delivered all; Bob is a newcomer (3,000 and 1,000).
SCORES = {ALICE: 2_500, CAROL: 4_200}
RELIABILITY = {ALICE: 1_000, CAROL: 700}


def test_a_buyer_can_ask_for_sellers_with_a_good_score_or_a_good_delivery_record():
    well_rated = list_orders(STREET, side=SELL, min_owner_score=3_000, owner_scores=SCORES)
    assert ids(well_rated) == [2, 5]                          # Carol's offers
    reliable = list_orders(STREET, side=SELL, min_owner_reliability=900,
                           owner_reliabilities=RELIABILITY)
    assert ids(reliable) == [1]                               # Alice's
    assert list_orders(STREET, side=SELL, min_owner_score=3_000, owner_scores=SCORES,
                       min_owner_reliability=900, owner_reliabilities=RELIABILITY) == []
    # a newcomer meets the prior: 3000 milli-stars and full reliability
    assert ids(list_orders(STREET, side=BUY, min_owner_score=3_000, owner_scores=SCORES,
                           min_owner_reliability=1_000, owner_reliabilities=RELIABILITY)) \
        == [3, 4]
    # the bounds are inclusive
    assert ids(list_orders(STREET, min_owner_score=4_200, owner_scores=SCORES)) == [2, 5]


def test_a_range_of_slots_keeps_the_orders_of_those_slots():
    assert ids(list_orders(STREET, slots=range(41, 48))) == [4]
    assert ids(list_orders(STREET, slots=range(40, 41))) == [2, 1, 5, 3, 6]
    assert ids(list_orders(STREET, slots=range(40, 42), side=BUY)) == [3, 6, 4]
    assert list_orders(STREET, slots=range(42, 40)) == []
