"""The chapter 08 checks teach the contracts' real rules and answer wrong turns with the right hint.

First the checkers' reference answers are held against the contracts on chain: what the
meter oracle answers at every edge of the reading window, which household the registry
says a meter speaks for. (The exercises that drive the chain are tested in
``test_checks_ch08_chain.py``.) Then
each test writes one plausible wrong answer and names the hint it must get.
"""

from __future__ import annotations

import pytest
from checks_kit import failed_with, named

from minichain.chain import GENESIS_TIME
from minichain.checks import PASSED, check
from minichain.checks.ch08 import (ACCEPTED, COMMIT_MISTAKES, HISTORIES, READINGS,
                                   SPEAKS_CASES, SPEAKS_MISTAKES, WINDOW_CASES,
                                   WINDOW_MISTAKES, _salts, commitment_of, reading_verdict,
                                   speaks_for)
from minichain.encoding import hash_of
from minichain.contracts.client import Street
from minichain.receipts import BlockContext
from minichain import cast
from minichain.checks.ch08 import CHAPTER_HISTORY, registry_street
from minichain.wallet import Wallet
from market_fixtures import toy_street

ZERO = "0x" + "00" * 20


def at(street: Street, now: int) -> BlockContext:
    """A block context ``now`` seconds after genesis (for free simulations)."""
    return BlockContext(street.chain.chain_id, street.chain.height + 1, GENESIS_TIME + now,
                        street.operator.address)


# --- the references against the contracts -------------------------------------------------

def test_the_window_reference_is_what_the_oracle_answers_at_every_edge():
    street = toy_street(("alice", "bob"))
    market = street.market
    alice_meter, bob_meter = street.meters["alice"], street.meters["bob"]
    reported = sorted({slot for slot, _, done in WINDOW_CASES if done and slot >= 0})
    for slot in reported:                                   # Alice's meter reports these
        market.submit_reading(alice_meter, slot, 0, 10, at=market.slot_end(slot))
    oracle = market.contracts.oracle
    for slot, now, done in WINDOW_CASES:
        meter = alice_meter if done else bob_meter          # Bob's meter never reported
        result = oracle.simulate(street.chain.state, "submit", slot, 0, 10,
                                 caller=meter.address, block=at(street, now))
        answer = ACCEPTED if result.success else result.reason
        assert answer == reading_verdict(slot, now, done), (slot, now, done)
    assert {reading_verdict(*case) for case in WINDOW_CASES} == {
        ACCEPTED, "no such slot", "the slot is not over yet", "the reading window has closed",
        "this slot already has a reading"}


def test_the_history_reference_is_what_the_registry_binds_after_the_chapters_story():
    street = registry_street()
    market = street.market
    grid, city, coop = street.authorities
    people = {name: cast.wallet(name) for name in ("alice", "bob", "carol", "dave", "erin",
                                                  "frank")}
    market.apply(people["alice"], cast.meter("alice").address, 1)
    market.attest(grid, people["alice"].address)
    for name, bus, by in (("bob", 1, city), ("carol", 2, coop), ("dave", 2, grid),
                          ("erin", 3, coop)):
        market.register(people[name], cast.meter(name), bus, by)
    market.apply(people["frank"], cast.meter("frank").address, 3)
    market.revoke(grid, people["dave"].address)
    spare, new_key = cast.wallet(cast.SPARE_METER), cast.new_key("bob")
    market.swap_meter(people["carol"], spare, grid)
    market.move_bus(people["erin"], 4, grid)
    market.rotate_key(people["bob"].address, new_key, city)
    street.a_moment()
    names = {w.address: name for name, w in people.items()}
    names.update({cast.meter(name).address: f"{name}-meter" for name in people})
    names.update({spare.address: "spare-meter", new_key.address: "bob-new-key",
                  grid.address: "grid operator", city.address: "municipality",
                  coop.address: "energy co-op"})
    for node, view in street.views().items():
        history = tuple((e.name, {field: names.get(value, value) for field, value in e.args
                                  if field != "time"}) for e in view.chain_events())
        assert history == CHAPTER_HISTORY, node
        for meter in sorted(set(names.values())):
            address = next(a for a, n in names.items() if n == meter)
            bound = view.contracts.identity.query(view.chain.state, "household_of", address)
            assert names.get(bound) == speaks_for(history, meter), (node, meter)


def test_an_unsalted_commitment_is_found_by_counting_and_a_salt_changes_everything():
    slot, reading = 169, 521
    commitment = hash_of([slot, 0, reading])
    assert next(n for n in range(10_000) if hash_of([slot, 0, n]) == commitment) == reading
    one, two = _salts(2)
    assert len(commitment_of((slot, 0, reading), one)) == 32
    assert commitment_of((slot, 0, reading), one) != commitment_of((slot, 0, reading), two)
    assert _salts(3) == _salts(3) and len(set(_salts(6))) == 6


# --- right answers pass, wrong ones get their hint -----------------------------------------

def test_the_references_pass_their_own_checks():
    for name, reference in [("reading_accepted", reading_verdict),
                            ("meter_reports_for", speaks_for), ("commit_reading", commitment_of)]:
        assert check(named(name)(lambda *args, f=reference: f(*args))).status == PASSED


@pytest.mark.parametrize("index", range(len(WINDOW_MISTAKES)))
def test_each_window_mistake_gets_its_own_hint(index):
    mistake, hint = WINDOW_MISTAKES[index]
    failed_with(named("reading_accepted")(lambda *args: mistake(*args)), hint)


def test_a_window_written_by_a_learner_with_the_last_second_in_is_caught():
    @named("reading_accepted")
    def inclusive(slot, now, already_reported):
        if slot < 0:
            return "no such slot"
        end = 900 * (slot + 1)
        if now < end:
            return "the slot is not over yet"
        if now > end + 3600:
            return "the reading window has closed"
        if already_reported:
            return "this slot already has a reading"
        return "accepted"
    failed_with(inclusive, "reading_accepted(4, now=8100, already_reported=False): expected "
                "'the reading window has closed', got 'accepted'", "half-open")


def test_window_answers_as_booleans_are_refused():
    failed_with(named("reading_accepted")(lambda slot, now, done: not done), "returned True",
                "return \"accepted\" or the oracle's reason")


@pytest.mark.parametrize("index", range(len(SPEAKS_MISTAKES)))
def test_each_history_mistake_gets_its_own_hint(index):
    mistake, hint = SPEAKS_MISTAKES[index]
    failed_with(named("meter_reports_for")(lambda history, meter: mistake(history, meter)),
                hint)


def test_a_learner_who_reads_only_attestations_is_told_about_the_swap_first():
    @named("meter_reports_for")
    def attested_only(history, meter):
        found = None
        for name, fields in history:
            if name == "Attested" and fields["meter"] == meter:
                found = fields["household"]
        return found
    failed_with(attested_only, "'spare-meter'): expected 'carol', got None",
                "MeterSwapped", "retires old_meter")


def test_a_learner_who_takes_the_last_event_naming_the_meter_is_caught():
    @named("meter_reports_for")
    def last_mention(history, meter):
        found = None
        for name, fields in history:
            if meter in (fields.get("meter"), fields.get("old_meter")):
                found = fields["household"]
        return found
    failed_with(last_mention, "'carol-meter'): expected None, got 'carol'", "retires")


@pytest.mark.parametrize("index", range(len(COMMIT_MISTAKES)))
def test_each_commitment_mistake_gets_its_own_hint(index):
    mistake, hint = COMMIT_MISTAKES[index]
    failed_with(named("commit_reading")(lambda reading, salt: mistake(reading, salt)), hint)


def test_a_commitment_as_hex_text_is_refused():
    failed_with(named("commit_reading")(lambda r, s: commitment_of(r, s).hex()),
                "returned the text", "not their hex text")


def test_a_commitment_that_ignores_the_salt_in_a_way_no_table_knows_is_still_caught():
    @named("commit_reading")
    def salt_ignored(reading, salt):
        return hash_of({"slot": reading[0], "export": reading[1], "import": reading[2]})
    failed_with(salt_ignored, "commit_reading((169, 0, 521)", "Hint:")


def test_a_correct_reveal_passes_and_the_usual_wrong_reveals_get_their_hints():
    @named("reveal_ok")
    def reveal(commitment, reading, salt):
        return commitment_of(reading, salt) == commitment
    assert check(reveal).status == PASSED

    @named("reveal_ok")
    def without_salt(commitment, reading, salt):
        return hash_of(list(reading)) == commitment
    failed_with(without_salt, "for Bob reveals his reading and salt: expected True, got False")

    @named("reveal_ok")
    def always_true(commitment, reading, salt):
        return True
    failed_with(always_true, "the right reading with another salt", "WITH the salt given")

    @named("reveal_ok")
    def prefix(commitment, reading, salt):
        return commitment_of(reading, salt).startswith(commitment)
    failed_with(prefix, "only the first 16 bytes", "compare the whole commitment")

    @named("reveal_ok")
    def the_hash(commitment, reading, salt):
        return commitment_of(reading, salt)
    failed_with(the_hash, "return True or False")


def test_the_cases_cover_every_status_action_and_reading():
    assert len(READINGS) >= 5
    assert {speaks_for(HISTORIES[i][1], m) for i, m in SPEAKS_CASES} >= {
        None, "alice", "carol", "bob", "erin", "grace", "dave"}
