"""A household keeps its profile true: a new meter, another feeder bus, a new key (chapter 08).

Each update is asked by the household and attested by an authority, like the registration
itself, and the events keep the history. After a meter swap the old meter can never report
again (its readings stay); after a key rotation the old key can do nothing at the market,
the registry or reputation, while the new key does everything the old one could, because
the household is an account and everything is kept under it: the rotation moves no token.
Every refusal leaves the state as it was, save the sender's fee and nonce (state roots).
"""

from __future__ import annotations

import pytest

from minichain import cast
from minichain.contracts.client import (HOUSEHOLD, R_ALREADY_REGISTERED, R_AUTHORITY_METER,
                                        R_AUTHORITY_TRADES, R_BAD_BUS, R_DUPLICATE_READING,
                                        R_HOUSEHOLD_KEY, R_KEY_REPLACED, R_METER_BOUND,
                                        R_METER_RETIRED, R_METER_TRADES, R_NO_CHANGE,
                                        R_NO_KEY_APPLICATION, R_NO_UPDATE,
                                        R_NOT_AUTHORITY_ATTEST, R_NOT_REGISTERED,
                                        R_UNREGISTERED_METER, REVOKED, SIDE_CODES, ZERO_ADDRESS,
                                        Street)
from minichain.market.orders import BUY, SELL
from market_fixtures import fund, refused, toy_street

pytestmark = pytest.mark.usefixtures("each_crypto_backend")   # both backends

PRICE = 2                      # a non-zero gas price, so a refusal's fee shows
SLOT = 20
SPARE = cast.wallet(cast.SPARE_METER)
NEW_KEY = cast.new_key("alice")


@pytest.fixture
def street() -> Street:
    street = toy_street(("alice", "bob", "carol"), gas_price=PRICE, balance=10 ** 9,
                        deposit=50_000)
    for wallet in (SPARE, NEW_KEY, *street.meters.values()):
        fund(street, wallet)
    return street


def shown(street: Street, receipts) -> list[str]:
    return [str(event) for event in street.market.events(receipts)]


# --- a meter swap -------------------------------------------------------------------------

def test_a_meter_swap_retires_the_old_meter_and_keeps_its_readings(street):
    market, alice = street.market, street.address("alice")
    old = street.meters["alice"]
    market.submit_reading(old, 3, 700, 20, at=market.slot_end(3))
    street.swap_meter("alice", SPARE, authority=street.authorities[1],
                      at=market.slot_end(4) + 60)
    assert shown(street, market.receipts[-2:]) == [
        f"UpdateAsked(household={alice}, meter={SPARE.address}, bus=1)",
        f"MeterSwapped(household={alice}, old_meter={old.address}, meter={SPARE.address}, "
        f"authority={street.authorities[1].address}, time={market.slot_end(4) + 60})"]
    identity, state = market.contracts.identity, market.chain.state
    assert market.meter_of(alice) == SPARE.address
    assert identity.query(state, "household_of", SPARE.address) == alice
    assert identity.query(state, "household_of", old.address) == ZERO_ADDRESS
    assert identity.read(state, "retired", old.address) == alice       # the history stays
    # the old meter can no longer report, not even for the slot still in its window ...
    refused(street, market.contracts.oracle, old, "submit", 4, 500, 0,
            reason=R_UNREGISTERED_METER)
    # ... what it reported stays, and the new meter cannot tell slot 3 again
    assert market.reading(alice, 3) == (700, 20)
    refused(street, market.contracts.oracle, SPARE, "submit", 3, 900, 0,
            reason=R_DUPLICATE_READING)
    market.submit_reading(SPARE, 4, 650, 0)
    assert market.reading(alice, 4) == (650, 0)


def test_a_retired_meter_can_never_be_bound_again(street):
    market = street.market
    old = street.meters["alice"]
    street.swap_meter("alice", SPARE)
    erin = cast.wallet("erin")
    fund(street, erin)
    refused(street, market.contracts.identity, erin, "apply", old.address, 2,
            reason=R_METER_RETIRED)
    refused(street, market.contracts.identity, street.households["bob"], "ask_update",
            old.address, 1, reason=R_METER_RETIRED)
    # nor may it trade as a household itself
    refused(street, market.contracts.identity, old, "apply", cast.meter("erin").address, 2,
            reason=R_METER_TRADES)


# --- a bus move ---------------------------------------------------------------------------

def test_a_bus_move_changes_the_bus_and_nothing_else(street):
    market, bob = street.market, street.address("bob")
    meter = market.meter_of(bob)
    assert market.bus_of(bob) == 1
    street.move_bus("bob", 4, authority=street.authorities[2])
    assert shown(street, market.receipts[-2:]) == [
        f"UpdateAsked(household={bob}, meter={meter}, bus=4)",
        f"BusMoved(household={bob}, old_bus=1, bus=4, "
        f"authority={street.authorities[2].address}, time={market.now})"]
    assert (market.bus_of(bob), market.meter_of(bob)) == (4, meter)


def test_one_update_may_swap_the_meter_and_move_the_bus_together(street):
    market, carol = street.market, street.address("carol")
    market.update_profile(street.households["carol"], street.operator, meter=SPARE, bus=7)
    assert [event.name for event in market.events(market.receipts[-2:])] == [
        "UpdateAsked", "MeterSwapped", "BusMoved"]
    assert (market.meter_of(carol), market.bus_of(carol)) == (SPARE.address, 7)


@pytest.mark.parametrize("meter, bus, reason", [
    ("alice-meter", 1, R_NO_CHANGE),          # the meter and the bus it has now
    ("alice-meter", 0, R_BAD_BUS),
    ("bob-meter", 1, R_METER_BOUND),
    ("bob", 1, R_HOUSEHOLD_KEY),
    ("alice", 1, "the meter needs its own key"),
    ("municipality", 1, R_AUTHORITY_METER),
])
def test_an_update_must_change_something_and_name_a_fresh_meter(street, meter, bus, reason):
    refused(street, street.market.contracts.identity, street.households["alice"], "ask_update",
            cast.wallet(meter).address, bus, reason=reason)


def test_only_an_authority_attests_an_update_and_only_an_open_one(street):
    market, alice = street.market, street.address("alice")
    refused(street, market.contracts.identity, street.operator, "attest_update", alice,
            reason=R_NO_UPDATE)
    market.ask_update(street.households["alice"], SPARE.address, 2)
    refused(street, market.contracts.identity, street.households["bob"], "attest_update",
            alice, reason=R_NOT_AUTHORITY_ATTEST)
    # an update of a household that is revoked meanwhile is gone with its registration
    market.revoke(street.operator, alice)
    refused(street, market.contracts.identity, street.operator, "attest_update", alice,
            reason=R_NOT_REGISTERED)
    market.register(street.households["alice"], cast.meter("erin"), 1, street.operator)
    refused(street, market.contracts.identity, street.operator, "attest_update", alice,
            reason=R_NO_UPDATE)


def test_an_update_by_a_key_that_is_no_household_is_refused(street):
    erin = cast.wallet("erin")
    fund(street, erin)
    refused(street, street.market.contracts.identity, erin, "ask_update", SPARE.address, 2,
            reason=R_NOT_REGISTERED)


# --- a key rotation -----------------------------------------------------------------------

def alices_afternoon(street: Street) -> tuple[int, int]:
    """Alice sold Bob 1 kWh (settled, rated 5 by Bob) and has an offer open in SLOT;
    return (the offer, the settled trade)."""
    market = street.market
    alice, bob = street.households["alice"], street.households["bob"]
    sold = market.post(alice, SELL, 1_000, 12, SLOT - 4)
    trade = market.take(bob, sold, 1_000)
    market.clear(SLOT - 4, bob, at=market.gate_closure(SLOT - 4))
    market.submit_reading(street.meters["alice"], SLOT - 4, 1_000, 0,
                          at=market.slot_end(SLOT - 4))
    market.settle(SLOT - 4, bob, at=market.window_end(SLOT - 4))
    market.rate(bob, trade, 5)
    offer = market.post(alice, SELL, 2_000, 15, SLOT + 8)
    return offer, trade


def test_a_new_key_takes_over_the_account_and_no_token_moves(street):
    market = street.market
    old, alice = street.households["alice"], street.address("alice")
    offer, trade = alices_afternoon(street)
    state = market.chain.state
    kept = {contract.address: (state.account(contract.address),
                               state.storage_items(contract.address))
            for contract in (market.contracts.market, market.contracts.reputation,
                             market.contracts.oracle)}
    figures = (market.free(alice), market.score(alice), market.reliability(alice))
    street.rotate_key("alice", NEW_KEY, authority=street.authorities[1])
    assert shown(street, market.receipts[-2:]) == [
        f"KeyApplied(household={alice}, key={NEW_KEY.address})",
        f"KeyRotated(household={alice}, old_key={old.address}, key={NEW_KEY.address}, "
        f"authority={street.authorities[1].address}, time={market.now})"]
    # the registry says who signs for whom; the market and reputation did not change at all
    assert market.account_of(NEW_KEY.address) == alice and market.key_of(alice) == NEW_KEY.address
    assert market.account_of(old.address) == ZERO_ADDRESS
    state = market.chain.state
    assert {address: (state.account(address), state.storage_items(address))
            for address in kept} == kept
    assert (market.free(alice), market.score(alice), market.reliability(alice)) == figures
    assert street.address("alice") == alice and market.status(alice) == HOUSEHOLD
    # the new key does what the old could: cancel her offer, withdraw, post, rate
    wallet = market.chain.balance(NEW_KEY.address)
    market.cancel(NEW_KEY, offer)
    market.withdraw(NEW_KEY, 1_000)
    receipt = market.last_receipt
    assert market.free(alice) == figures[0] + 60 - 1_000       # her bond came back
    assert market.chain.balance(NEW_KEY.address) == wallet + 1_000 - PRICE * (
        receipt.gas_used + market.receipts[-2].gas_used)
    order = market.post(NEW_KEY, BUY, 500, 20, SLOT + 8)
    assert market.order(order).owner == alice
    market.rate(NEW_KEY, trade, 4)
    assert market.score(street.address("bob")) == (15_000 + 4_000) // 6
    # her meter still reports for her
    market.submit_reading(street.meters["alice"], SLOT + 8, 300, 0,
                          at=market.slot_end(SLOT + 8))
    assert market.reading(alice, SLOT + 8) == (300, 0)


@pytest.mark.parametrize("contract, name, args, value", [
    ("market", "deposit", (), 100),
    ("market", "withdraw", (100,), 0),
    ("market", "post", (SIDE_CODES[SELL], 500, 12, SLOT, 0), 0),
    ("market", "cancel", (1,), 0),
    ("market", "take", (1, 100), 0),
    ("market", "take_bid", (1, 100), 0),
    ("reputation", "rate", (1, 3), 0),
    ("identity", "apply", (cast.meter("erin").address, 2), 0),
    ("identity", "ask_update", (cast.meter("erin").address, 2), 0),
])
def test_the_old_key_can_do_nothing_any_more(street, contract, name, args, value):
    alices_afternoon(street)
    old = street.households["alice"]
    street.rotate_key("alice", NEW_KEY)
    refused(street, getattr(street.market.contracts, contract), old, name, *args,
            value=value, reason=R_KEY_REPLACED)


def test_the_key_after_the_next_rotation_is_replaced_too_and_no_old_key_comes_back(street):
    market, alice = street.market, street.address("alice")
    first = street.households["alice"]
    street.rotate_key("alice", NEW_KEY)
    newest = cast.new_key("bob")            # any fresh key will do
    fund(street, newest)
    street.rotate_key("alice", newest)
    assert market.events(market.receipts[-1:])[0]["old_key"] == NEW_KEY.address
    assert [market.account_of(k.address) for k in (first, NEW_KEY, newest)] == [
        ZERO_ADDRESS, ZERO_ADDRESS, alice]
    refused(street, market.contracts.market, NEW_KEY, "withdraw", 1, reason=R_KEY_REPLACED)
    # an old key is a household's for good: no meter, no new key of anyone
    refused(street, market.contracts.identity, street.households["bob"], "ask_update",
            first.address, 1, reason=R_HOUSEHOLD_KEY)
    refused(street, market.contracts.identity, NEW_KEY, "apply_key", street.address("bob"),
            reason=R_HOUSEHOLD_KEY)


@pytest.mark.parametrize("key, household, reason", [
    ("municipality", "alice", R_AUTHORITY_TRADES),
    ("bob-meter", "alice", R_METER_TRADES),
    ("bob", "alice", R_HOUSEHOLD_KEY),         # a household cannot take over another
    ("alice-new-key", "erin", R_NOT_REGISTERED),
])
def test_a_key_application_needs_a_fresh_key_and_a_registered_household(street, key,
                                                                         household, reason):
    who = street.address(household) if household in street.households else \
        cast.wallet(household).address
    refused(street, street.market.contracts.identity, cast.wallet(key), "apply_key", who,
            reason=reason)


def test_only_an_authority_attests_a_key_and_only_an_open_application(street):
    market, alice = street.market, street.address("alice")
    refused(street, market.contracts.identity, street.operator, "attest_key",
            NEW_KEY.address, reason=R_NO_KEY_APPLICATION)
    market.apply_key(NEW_KEY, alice)
    refused(street, market.contracts.identity, street.households["bob"], "attest_key",
            NEW_KEY.address, reason=R_NOT_AUTHORITY_ATTEST)
    # meanwhile the key was named as someone's meter: it cannot sign for Alice then
    erin = cast.wallet("erin")
    fund(street, erin)
    market.register(erin, NEW_KEY, 2, street.operator)
    refused(street, market.contracts.identity, street.operator, "attest_key",
            NEW_KEY.address, reason=R_METER_TRADES)


def test_a_revoked_household_keeps_its_account_under_its_new_key(street):
    market, alice = street.market, street.address("alice")
    street.rotate_key("alice", NEW_KEY)
    market.revoke(street.operator, alice)
    assert market.status(alice) == REVOKED
    refused(street, market.contracts.market, NEW_KEY, "post", SIDE_CODES[BUY], 500, 20, SLOT,
            0, reason="household revoked")
    # what it has is still its own, under the new key ...
    market.withdraw(NEW_KEY, 50_000)
    assert market.free(alice) == 0
    # ... and it applies again from its new key, as the same account
    market.apply(NEW_KEY, cast.meter("erin").address, 3)
    market.attest(street.authorities[2], alice)
    assert (market.status(alice), market.bus_of(alice)) == (HOUSEHOLD, 3)
    refused(street, market.contracts.identity, NEW_KEY, "apply", cast.meter("erin").address, 3,
            reason=R_ALREADY_REGISTERED)
    # a key application for a revoked household is refused at attestation
    street_key = cast.new_key("carol")
    fund(street, street_key)
    market.apply_key(street_key, street.address("carol"))
    market.revoke(street.operator, street.address("carol"))
    refused(street, market.contracts.identity, street.operator, "attest_key",
            street_key.address, reason=R_NOT_REGISTERED)
