"""The chapter 08 exercises that drive the chain: each wrong way to register a household or
to report a reading on the street's network gets the hint that names its layer.

Every wrong answer here is code a learner could write against ``MarketClient``: it sends
real transactions to the three authorities' nodes of a fresh street, and the checker
names the mistake from the contract's refusal or from what every node's registry holds.
"""

from __future__ import annotations

from checks_kit import failed_with, named

from minichain import cast
from minichain.checks import FORGOT_RETURN, PASSED, check
from minichain.checks.ch08 import READING_REFUSALS, REGISTER_REFUSALS, registry_street
from minichain.contracts.client import (HOUSEHOLD, R_AUTHORITY_TRADES, R_DUPLICATE_READING,
                                        R_METER_OWN_KEY, R_NO_APPLICATION,
                                        R_NOT_AUTHORITY_ATTEST, R_SLOT_NOT_OVER,
                                        R_UNREGISTERED_METER, R_WINDOW_CLOSED)


# --- the street the checkers build ---------------------------------------------------------

def test_the_checkers_street_is_chapter_08s_three_nodes_with_the_registry_only():
    street = registry_street(("alice", "bob"))
    market = street.market
    assert market.contracts.market is None and market.contracts.reputation is None
    assert sorted(street.views()) == ["city", "coop", "grid"]
    for node, view in street.views().items():
        assert view.chain.height == market.chain.height, node
        assert view.chain.head.hash == market.chain.head.hash, node
        assert view.status(cast.wallet("alice").address) == HOUSEHOLD
        assert view.meter_of(cast.wallet("bob").address) == cast.meter("bob").address


# --- register_household --------------------------------------------------------------------

def test_the_right_registration_passes_both_ways_round():
    @named("register_household")
    def in_one_block(market, household, meter, bus, authority):
        market.register(household, meter, bus, authority)
        return market.status(household.address)
    assert check(in_one_block).status == PASSED


def test_an_attestation_signed_by_the_household_is_named():
    @named("register_household")
    def self_attested(market, household, meter, bus, authority):
        market.apply(household, meter.address, bus)
        market.attest(household, household.address)
        return market.status(household.address)
    failed_with(self_attested, "the registry refused: only an authority attests",
                REGISTER_REFUSALS[R_NOT_AUTHORITY_ATTEST])


def test_an_application_signed_by_the_authority_is_named():
    @named("register_household")
    def authority_applies(market, household, meter, bus, authority):
        market.apply(authority, meter.address, bus)
        market.attest(authority, household.address)
        return market.status(household.address)
    failed_with(authority_applies, REGISTER_REFUSALS[R_AUTHORITY_TRADES])


def test_the_households_own_key_as_its_meter_is_named():
    @named("register_household")
    def own_key(market, household, meter, bus, authority):
        market.apply(household, household.address, bus)
        market.attest(authority, household.address)
        return market.status(household.address)
    failed_with(own_key, "the meter needs its own key", REGISTER_REFUSALS[R_METER_OWN_KEY])


def test_attesting_before_anyone_applied_is_named():
    @named("register_household")
    def attest_first(market, household, meter, bus, authority):
        market.attest(authority, household.address)
        market.apply(household, meter.address, bus)
        return market.status(household.address)
    failed_with(attest_first, "no open application", REGISTER_REFUSALS[R_NO_APPLICATION])


def test_an_application_without_an_attestation_is_only_applied():
    @named("register_household")
    def only_applies(market, household, meter, bus, authority):
        market.apply(household, meter.address, bus)
        return HOUSEHOLD
    failed_with(only_applies, "on the grid node erin is only applied", "an authority must attest")


def test_both_layers_in_one_block_in_the_wrong_order_leave_it_applied():
    @named("register_household")
    def wrong_order(market, household, meter, bus, authority):
        market.seal([market.attest_tx(authority, household.address),
                     market.apply_tx(household, meter.address, bus)])
        return market.status(household.address)
    failed_with(wrong_order, "is only applied", "after the application")


def test_a_meter_that_applies_as_the_household_is_named():
    @named("register_household")
    def meter_applies(market, household, meter, bus, authority):
        market.apply(meter, cast.wallet(cast.SPARE_METER).address, bus)
        market.attest(authority, meter.address)
        return HOUSEHOLD
    failed_with(meter_applies, "the meter's key applied as a household",
                "the household applies from its own key")


def test_a_wrong_bus_and_a_status_read_between_the_layers_are_named():
    @named("register_household")
    def zero_based(market, household, meter, bus, authority):
        market.register(household, meter, bus + 1, authority)
        return market.status(household.address)
    failed_with(zero_based, "is on bus 4, not 3", "the feeder bus you were given")

    @named("register_household")
    def read_too_early(market, household, meter, bus, authority):
        market.apply(household, meter.address, bus)
        status = market.status(household.address)
        market.attest(authority, household.address)
        return status
    failed_with(read_too_early, "returned 1", "read it after the attestation")


def test_a_forgotten_return_and_a_status_as_text_are_named():
    @named("register_household")
    def no_return(market, household, meter, bus, authority):
        market.register(household, meter, bus, authority)
    failed_with(no_return, "returned None", FORGOT_RETURN)

    @named("register_household")
    def as_text(market, household, meter, bus, authority):
        market.register(household, meter, bus, authority)
        return "household"
    failed_with(as_text, "returned 'household'", "as a number")


def test_an_untouched_registry_says_the_household_never_applied():
    failed_with(named("register_household")(lambda market, h, m, bus, a: HOUSEHOLD),
                "never applied", "market.apply(household, meter.address, bus)")


# --- report_reading ------------------------------------------------------------------------

def reporter(body):
    return named("report_reading")(body)


def test_a_reading_signed_by_the_household_is_named():
    @reporter
    def household_signs(market, meter, household, slot, export_wh, import_wh, replica):
        alice = cast.wallet("alice")
        market.submit_reading(alice, slot, export_wh, import_wh, at=market.slot_end(slot))
        return market.on(replica).reading(household, slot)
    failed_with(household_signs, "not a registered meter",
                READING_REFUSALS[R_UNREGISTERED_METER])


def test_a_reading_sent_before_its_slot_is_over_is_named():
    @reporter
    def now(market, meter, household, slot, export_wh, import_wh, replica):
        market.submit_reading(meter, slot, export_wh, import_wh)
        return market.on(replica).reading(household, slot)
    failed_with(now, "the slot is not over yet", READING_REFUSALS[R_SLOT_NOT_OVER])

    @reporter
    def at_start(market, meter, household, slot, export_wh, import_wh, replica):
        market.submit_reading(meter, slot, export_wh, import_wh, at=market.slot_start(slot))
        return market.on(replica).reading(household, slot)
    failed_with(at_start, READING_REFUSALS[R_SLOT_NOT_OVER])


def test_a_reading_sent_when_the_window_closes_is_named():
    @reporter
    def too_late(market, meter, household, slot, export_wh, import_wh, replica):
        market.submit_reading(meter, slot, export_wh, import_wh, at=market.window_end(slot))
        return market.on(replica).reading(household, slot)
    failed_with(too_late, "the reading window has closed", READING_REFUSALS[R_WINDOW_CLOSED])


def test_a_reading_sent_twice_is_named():
    @reporter
    def twice(market, meter, household, slot, export_wh, import_wh, replica):
        for _ in range(2):
            market.submit_reading(meter, slot, export_wh, import_wh, at=market.slot_end(slot))
        return market.on(replica).reading(household, slot)
    failed_with(twice, READING_REFUSALS[R_DUPLICATE_READING])


def test_export_and_import_swapped_on_chain_or_in_the_answer_are_named():
    @reporter
    def swapped_on_chain(market, meter, household, slot, export_wh, import_wh, replica):
        market.submit_reading(meter, slot, import_wh, export_wh, at=market.slot_end(slot))
        return market.on(replica).reading(household, slot)
    failed_with(swapped_on_chain, "expected (0, 62), got (62, 0)", "the oracle takes export first")

    @reporter
    def swapped_answer(market, meter, household, slot, export_wh, import_wh, replica):
        market.submit_reading(meter, slot, export_wh, import_wh, at=market.slot_end(slot))
        export_, import_ = market.on(replica).reading(household, slot)
        return import_, export_
    failed_with(swapped_answer, "expected (0, 62), got (62, 0)", "in that order")


def test_a_reading_never_sent_and_a_forgotten_return_are_named():
    failed_with(reporter(lambda market, meter, household, slot, e, i, replica: (0, 0)),
                "nothing reached the chain")

    @reporter
    def no_return(market, meter, household, slot, export_wh, import_wh, replica):
        market.submit_reading(meter, slot, export_wh, import_wh, at=market.slot_end(slot))
    failed_with(no_return, "got None", FORGOT_RETURN)


def test_a_list_answer_is_taken_as_the_pair_it_holds():
    @reporter
    def as_list(market, meter, household, slot, export_wh, import_wh, replica):
        market.submit_reading(meter, slot, export_wh, import_wh, at=market.slot_end(slot))
        return list(market.on(replica).reading(household, slot))
    assert check(as_list).status == PASSED
