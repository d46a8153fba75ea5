"""Every way the market contracts refuse, one story each (chapters 08-10).

Each test sends one transaction that breaks one rule of ``docs/market_rules.md``. The block
still takes it (the sender pays the fee and uses up the nonce), the receipt says
``success=False`` with the contract's reason, and the state root proves that nothing else
changed. The same call made as a free ``query`` raises the typed ``Revert`` with that
reason and changes nothing at all.
"""

from __future__ import annotations

import pytest

from minichain.contracts.client import (R_ALREADY_RATED, R_ALREADY_SETTLED, R_BAD_CURTAIL,
                                     R_BID_REPUTATION_TOO_LOW, R_BID_TOO_SMALL, R_BOOK_FULL,
                                     R_NO_BID, R_SELF_TAKE_BID,
                                     R_DUPLICATE_READING, R_GATE_CLOSED, R_NO_TRADE,
                                     R_NOT_AUTHORITY_CURTAIL, R_NOT_CLEARED,
                                     R_NO_FUNDS, R_NO_SLOT, R_NOT_REGISTERED, R_NOT_SETTLED,
                                     R_OUT_OF_BAND, R_REVOKED, R_SELF_TAKE, R_SELF_TRADE_BUY,
                                     R_SELF_TRADE_SELL, R_BAD_QUANTITY, R_UNREGISTERED_METER,
                                     R_WINDOW_CLOSED, SIDE_CODES, Street, sunny_street)
from minichain.market.orders import BUY, SELL, Tariffs
from minichain.market.settlement import after_curtailment
from minichain.wallet import Wallet
from market_fixtures import fund, refused, toy_street

pytestmark = pytest.mark.usefixtures("each_crypto_backend")   # both backends

PRICE = 2                      # a non-zero gas price, so the fee shows
SLOT = 20                      # gate closes at genesis + 19 slots
STRANGER = Wallet.from_seed("stranger")


@pytest.fixture
def street() -> Street:
    return toy_street(("alice", "bob", "carol"), gas_price=PRICE, balance=10 ** 9,
                        deposit=50_000)


def test_an_unregistered_party_cannot_deposit_or_post(street):
    market = street.market
    fund(street, STRANGER)          # the stranger has tokens but never applied
    refused(street, market.contracts.market, STRANGER, "post", SIDE_CODES[SELL], 1_000, 12,
            SLOT, 0, reason=R_NOT_REGISTERED)
    refused(street, market.contracts.market, STRANGER, "deposit", value=1_000,
            reason=R_NOT_REGISTERED)


def test_a_revoked_household_can_no_longer_post(street):
    market = street.market
    market.revoke(street.authorities[1], street.address("carol"))
    refused(street, market.contracts.market, street.households["carol"], "post",
            SIDE_CODES[BUY], 1_000, 20, SLOT, 0, reason=R_REVOKED)


def test_an_order_above_the_free_deposit_is_refused(street):
    market = street.market
    # 50,000 free: a buy of 2,000 kWh at 30 would lock 60,000
    refused(street, market.contracts.market, street.households["bob"], "post",
            SIDE_CODES[BUY], 2_000_000, 30, SLOT, 0, reason=R_NO_FUNDS)
    # a sell order's bond is amount_for(q, retail): 1,700 kWh at 30 = 51,000 > 50,000
    refused(street, market.contracts.market, street.households["bob"], "post",
            SIDE_CODES[SELL], 1_700_000, 8, SLOT, 0, reason=R_NO_FUNDS)


@pytest.mark.parametrize("quantity", [0, -500])
def test_a_zero_or_negative_quantity_is_refused(street, quantity):
    refused(street, street.market.contracts.market, street.households["alice"], "post",
            SIDE_CODES[SELL], quantity, 12, SLOT, 0, reason=R_BAD_QUANTITY)


@pytest.mark.parametrize("price", [7, 31])
def test_a_price_outside_the_tariff_band_is_refused(street, price):
    # the band is [feed-in 8, retail 30]
    refused(street, street.market.contracts.market, street.households["alice"], "post",
            SIDE_CODES[SELL], 1_000, price, SLOT, 0, reason=R_OUT_OF_BAND)


def test_an_order_for_a_slot_whose_gate_has_closed_is_refused(street):
    market = street.market
    # exactly at gate closure the slot no longer takes orders
    refused(street, market.contracts.market, street.households["alice"], "post",
            SIDE_CODES[SELL], 1_000, 12, SLOT, 0, reason=R_GATE_CLOSED,
            at=market.gate_closure(SLOT))


def test_a_household_cannot_trade_with_itself(street):
    market = street.market
    alice = street.households["alice"]
    offer = market.post(alice, SELL, 1_000, 12, SLOT)
    # no bid opposite her own open offer, and no direct take of it
    refused(street, market.contracts.market, alice, "post", SIDE_CODES[BUY], 500, 20, SLOT,
            0, reason=R_SELF_TRADE_BUY)
    refused(street, market.contracts.market, alice, "take", offer, 500, reason=R_SELF_TAKE)
    # nor an offer opposite her own open bid in another slot
    market.post(alice, BUY, 500, 20, SLOT + 1)
    refused(street, market.contracts.market, alice, "post", SIDE_CODES[SELL], 500, 12,
            SLOT + 1, 0, reason=R_SELF_TRADE_SELL)


# --- a seller taking a bid ------------------------------------------------------------------

def test_a_seller_can_take_only_an_open_bid_of_someone_else(street):
    market, h = street.market, street.households
    bid = market.post(h["bob"], BUY, 1_000, 20, SLOT)
    offer = market.post(h["carol"], SELL, 1_000, 12, SLOT)
    take = market.contracts.market
    refused(street, take, h["alice"], "take_bid", offer, 100, reason=R_NO_BID)   # an offer
    refused(street, take, h["alice"], "take_bid", 99, 100, reason=R_NO_BID)
    refused(street, take, h["alice"], "take_bid", bid, 0, reason=R_BAD_QUANTITY)
    refused(street, take, h["alice"], "take_bid", bid, 1_001, reason=R_BID_TOO_SMALL)
    refused(street, take, h["bob"], "take_bid", bid, 100, reason=R_SELF_TAKE_BID)
    refused(street, take, h["alice"], "take_bid", bid, 100, reason=R_GATE_CLOSED,
            at=market.gate_closure(SLOT))
    fund(street, STRANGER)
    refused(street, take, STRANGER, "take_bid", bid, 100, reason=R_NOT_REGISTERED)
    market.revoke(street.operator, street.address("carol"))
    refused(street, take, h["carol"], "take_bid", bid, 100, reason=R_REVOKED)


def test_a_seller_below_the_bids_minimum_or_without_a_bond_is_refused(street):
    market, h = street.market, street.households
    picky = market.post(h["bob"], BUY, 1_000, 20, SLOT, min_reputation=3_500)
    refused(street, market.contracts.market, h["alice"], "take_bid", picky, 100,
            reason=R_BID_REPUTATION_TOO_LOW)
    big = market.post(h["carol"], BUY, 2_000_000, 8, SLOT + 1)    # escrow 16,000
    # a bond for 1,700 kWh at retail 30 is 51,000: more than Alice's 50,000
    refused(street, market.contracts.market, h["alice"], "take_bid", big, 1_700_000,
            reason=R_NO_FUNDS)


def test_a_take_of_a_bid_needs_room_in_the_book_for_the_sellers_order():
    street = toy_street(("alice", "bob"), max_orders=1)
    market = street.market
    bid = market.post(street.households["bob"], BUY, 1_000, 20, SLOT)
    refused(street, market.contracts.market, street.households["alice"], "take_bid", bid, 100,
            reason=R_BOOK_FULL)


def test_a_reading_from_an_unregistered_meter_is_refused(street):
    market = street.market
    rogue = Wallet.from_seed("rogue-meter")
    fund(street, rogue)
    refused(street, market.contracts.oracle, rogue, "submit", 3, 500, 0,
            reason=R_UNREGISTERED_METER, at=market.slot_end(3))
    # a household's own key is not its meter either
    refused(street, market.contracts.oracle, street.households["alice"], "submit", 3, 500, 0,
            reason=R_UNREGISTERED_METER)


def test_a_second_reading_for_the_same_slot_is_refused(street):
    market = street.market
    meter = street.meters["alice"]
    fund(street, meter)
    market.submit_reading(meter, 2, 700, 100, at=market.slot_end(2))
    refused(street, market.contracts.oracle, meter, "submit", 2, 900, 0,
            reason=R_DUPLICATE_READING)
    assert market.reading(street.address("alice"), 2) == (700, 100)


def test_a_late_reading_is_refused(street):
    market = street.market
    meter = street.meters["bob"]
    fund(street, meter)
    refused(street, market.contracts.oracle, meter, "submit", 2, 700, 0,
            reason=R_WINDOW_CLOSED, at=market.window_end(2))


def test_a_reading_for_a_slot_that_does_not_exist_is_refused(street):
    market = street.market
    meter = street.meters["bob"]
    fund(street, meter)
    refused(street, market.contracts.oracle, meter, "submit", -1, 700, 0, reason=R_NO_SLOT)


def _one_trade(street: Street) -> int:
    """Alice sells 1 kWh to Bob by a direct take in slot SLOT; return the trade id."""
    market = street.market
    offer = market.post(street.households["alice"], SELL, 1_000, 12, SLOT)
    return market.take(street.households["bob"], offer, 1_000)


def test_rating_a_trade_that_is_not_settled_is_refused(street):
    market = street.market
    trade = _one_trade(street)
    refused(street, market.contracts.reputation, street.households["bob"], "rate", trade, 5,
            reason=R_NOT_SETTLED)
    # nor a trade that does not exist at all
    refused(street, market.contracts.reputation, street.households["bob"], "rate", 99, 5,
            reason=R_NOT_SETTLED)


def test_rating_the_same_trade_twice_is_refused(street):
    market = street.market
    trade = _one_trade(street)
    market.clear(SLOT, street.households["carol"], at=market.gate_closure(SLOT))
    market.settle(SLOT, street.households["carol"], at=market.window_end(SLOT))
    market.rate(street.households["bob"], trade, 2)
    refused(street, market.contracts.reputation, street.households["bob"], "rate", trade, 5,
            reason=R_ALREADY_RATED)
    # the seller may still rate the buyer once
    market.rate(street.households["alice"], trade, 4)
    assert market.score(street.address("alice")) == (15_000 + 2_000) // 6


# --- the grid operator's curtailment (between clearing and settlement) -------------------

def _cleared_trade(street: Street) -> int:
    """Alice's 1 kWh to Bob, cleared (so the grid operator may cut it); the trade id."""
    market = street.market
    trade = _one_trade(street)
    market.clear(SLOT, street.households["carol"], at=market.gate_closure(SLOT))
    return trade


def test_a_household_cannot_curtail_a_trade(street):
    trade = _cleared_trade(street)
    refused(street, street.market.contracts.market, street.households["carol"], "curtail",
            trade, 400, reason=R_NOT_AUTHORITY_CURTAIL)
    # not even the trade's own buyer
    refused(street, street.market.contracts.market, street.households["bob"], "curtail",
            trade, 400, reason=R_NOT_AUTHORITY_CURTAIL)


def test_a_trade_of_a_slot_not_yet_cleared_cannot_be_curtailed(street):
    trade = _one_trade(street)           # a direct take: recorded, but the slot is open
    refused(street, street.market.contracts.market, street.operator, "curtail", trade, 400,
            reason=R_NOT_CLEARED)
    # nor a trade that does not exist
    refused(street, street.market.contracts.market, street.operator, "curtail", 99, 0,
            reason=R_NO_TRADE)


def test_a_settled_trade_cannot_be_curtailed(street):
    market = street.market
    trade = _cleared_trade(street)
    market.settle(SLOT, street.households["carol"], at=market.window_end(SLOT))
    refused(street, market.contracts.market, street.authorities[1], "curtail", trade, 400,
            reason=R_ALREADY_SETTLED)


@pytest.mark.parametrize("accepted", [1_001, -1])
def test_a_trade_cannot_be_curtailed_above_its_quantity_or_below_zero(street, accepted):
    trade = _cleared_trade(street)
    refused(street, street.market.contracts.market, street.operator, "curtail", trade,
            accepted, reason=R_BAD_CURTAIL)


def test_curtailing_returns_the_buyers_money_and_the_sellers_bond_for_the_cut_wh(street):
    market = street.market
    alice, bob = street.address("alice"), street.address("bob")
    trade = _cleared_trade(street)
    before = market.trade(trade)
    free = {who: market.free(who) for who in (alice, bob)}
    bond = market.order(before.sell_order).locked
    market.curtail(street.operator, trade, 613)
    # 1,000 Wh at 12 cost 12; 613 Wh cost 7 (613 * 12 // 1000): Bob gets 5 back; Alice's
    # bond for the 387 cut Wh, 387 * 30 // 1000 = 11, is hers again
    native = after_curtailment(before, 613, Tariffs(feed_in=8, retail=30))
    assert (native.refund, native.released, native.fund_back) == (5, 11, 0)
    assert market.trade(trade) == native.trade
    assert market.free(bob) == free[bob] + 5
    assert market.free(alice) == free[alice] + 11
    assert market.order(before.sell_order).locked == bond - 11
    event, = market.events([market.last_receipt], name="Curtailed")
    assert (event["trade"], event["traded_wh"], event["accepted_wh"], event["refund"],
            event["released"]) == (trade, 1_000, 613, 5, 11)
    held = market.held([alice, bob, street.address("carol")])
    assert held["total"] == held["contract"]
