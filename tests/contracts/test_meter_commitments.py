"""Salted meter commitments on chain, checked with SHA256 (chapter 13).

A registered meter commits ``sha256(TAG, household, slot, export, import, salt)`` in the
slot's reading window; the right opening checks and reveals, a wrong one does not, and
only registered, unrevoked meters commit. Off chain, an unsalted commitment is opened by
trying every reading, a salted one is not.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from minichain.commitments import (READING_TAG, open_by_guessing, reading_commitment,
                                   reading_salt)
from minichain.contracts import compiled
from minichain.contracts.client import sunny_street
from minichain.vm.interface import ContractInterface, deploy_tx
from minichain.vm.opcodes import INT_MAX, INT_MIN, address_to_word, sha256_words
from minichain.vm.runtime import contract_address
from minichain.wallet import Wallet

SLOT = 40                      # 10:00 to 10:15 on the street's first day


class Commitments:
    """The street's registry with the commitment contract deployed next to it."""

    def __init__(self) -> None:
        self.street = sunny_street(("alice", "bob"), nodes=False, deposit=0)
        self.market = self.street.market
        operator = self.street.operator
        chain = self.market.chain
        nonce = chain.nonce(operator.address)
        self.contract = ContractInterface(compiled("meter_commitments").abi,
                                          contract_address(operator.address, nonce))
        receipt, = self.market.seal([deploy_tx(
            compiled("meter_commitments"), operator, self.market.contracts.identity.address,
            self.market.genesis_time, nonce=nonce, gas=3_000_000)])
        assert receipt.success, receipt.explain()
        self.market.advance_to(self.market.slot_end(SLOT))

    def send(self, wallet: Wallet, name: str, *args):
        receipt, = self.market.seal([self.market.call_tx(self.contract, wallet, name, *args)])
        return receipt

    def check(self, *args) -> bool:
        return self.contract.query(self.market.chain.state, "check", *args)

    def read(self, variable: str, *keys):
        return self.contract.read(self.market.chain.state, variable, *keys)


@pytest.fixture(scope="module")
def street():
    return Commitments()


def alice(street):
    return street.street.households["alice"].address


def test_the_python_commitment_is_the_contracts_hash():
    who = Wallet.from_seed("alice").address
    assert reading_commitment(who, 3, 1200, 5, 77) == sha256_words(
        [READING_TAG, address_to_word(who), 3, 1200, 5, 77])
    assert READING_TAG == 0x6d657465722072656164696e67          # the contract's TAG


def test_a_registered_meter_commits_and_the_right_opening_checks_and_reveals(street):
    meter = street.street.meters["alice"]
    salt = reading_salt(meter.key, SLOT)
    commitment = reading_commitment(alice(street), SLOT, 1_200, 0, salt)
    committed = street.send(meter, "commit", SLOT, commitment)
    assert committed.success
    event, = street.contract.events(committed)
    assert (event.name, event["household"], event["commitment"]) == \
        ("Committed", alice(street), commitment)
    assert street.read("commitment", alice(street), SLOT) == commitment
    assert street.read("exported", alice(street), SLOT) == 0        # nothing public yet
    assert street.check(alice(street), SLOT, 1_200, 0, salt) is True
    assert street.check(alice(street), SLOT, 1_201, 0, salt) is False
    assert street.check(alice(street), SLOT, 1_200, 0, salt + 1) is False
    assert street.check(alice(street), SLOT + 1, 1_200, 0, salt) is False  # never committed
    bob = street.street.households["bob"]
    expected = street.market.chain.state.copy()
    expected.increment_nonce(bob.address)        # a refused call moves only the nonce (no fees)
    wrong = street.send(bob, "reveal", alice(street), SLOT, 1_500, 0, salt)
    assert wrong.error.reason == "the opening does not match the commitment"
    assert street.market.chain.state.root() == expected.root()
    revealed = street.send(bob, "reveal", alice(street), SLOT, 1_200, 0,
                           salt)                      # anyone who holds the opening may show it
    assert revealed.success
    assert (street.read("exported", alice(street), SLOT),
            street.read("revealed", alice(street), SLOT)) == (1_200, True)
    again = street.send(meter, "reveal", alice(street), SLOT, 1_200, 0, salt)
    assert again.error.reason == "this slot is already revealed"


def test_what_is_refused(street):
    bob_meter = street.street.meters["bob"]
    commitment = reading_commitment(street.street.households["bob"].address, SLOT, 0, 300, 9)
    stranger = Wallet.from_seed("mallory-meter")
    refusals = [(stranger, SLOT, "not a registered meter"),
                (street.street.households["bob"], SLOT, "not a registered meter"),
                (bob_meter, SLOT + 1, "the slot is not over yet"),
                (bob_meter, -1, "no such slot")]
    for wallet, slot, reason in refusals:
        assert street.send(wallet, "commit", slot, commitment).error.reason == reason
    assert street.send(bob_meter, "commit", SLOT, commitment).success
    assert street.send(bob_meter, "commit", SLOT, commitment).error.reason == \
        "this slot already has a commitment"
    assert street.send(bob_meter, "reveal", street.street.households["bob"].address, SLOT - 1,
                       0, 300, 9).error.reason == "nothing committed for this slot"


def test_the_window_closes_and_a_revoked_meter_is_refused():
    street = Commitments()
    meter = street.street.meters["alice"]
    street.market.revoke(street.street.operator, alice(street))
    assert street.send(meter, "commit", SLOT, 1).error.reason == "not a registered meter"
    bob_meter = street.street.meters["bob"]
    street.market.advance_to(street.market.slot_end(SLOT) + 3_600)
    assert street.send(bob_meter, "commit", SLOT, 1).error.reason == \
        "the commitment window has closed"


@pytest.fixture(scope="module")
def opened():
    """Alice's meter committed 2345 Wh out, 17 Wh in for a slot; the opening."""
    street = Commitments()
    meter = street.street.meters["alice"]
    slot = SLOT + 2
    salt = reading_salt(meter.key, slot)
    street.market.advance_to(street.market.slot_end(slot))
    assert street.send(meter, "commit", slot,
                       reading_commitment(alice(street), slot, 2_345, 17, salt)).success
    return street, slot, (2_345, 17, salt)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(INT_MIN, INT_MAX))
def test_the_contract_checks_any_opening_like_python(opened, export_wh, import_wh, salt):
    street, slot, opening = opened
    who = alice(street)
    assert street.check(who, slot, export_wh, import_wh, salt) == (
        (export_wh, import_wh, salt) == opening)
    assert street.check(who, slot, *opening) is True


def test_gas_of_a_commitment_and_a_reveal():
    """The figures chapter 13 quotes; the SHA256 of six words in them is 30 + 6 x 6 = 66."""
    street = Commitments()
    meter = street.street.meters["bob"]
    bob = street.street.households["bob"].address
    salt = reading_salt(meter.key, SLOT)
    commit = street.send(meter, "commit", SLOT, reading_commitment(bob, SLOT, 10, 20, salt))
    reveal = street.send(meter, "reveal", bob, SLOT, 10, 20, salt)
    assert commit.success and reveal.success
    assert (commit.gas_used, reveal.gas_used) == (COMMIT_GAS, REVEAL_GAS)


COMMIT_GAS = 28_356     # 21,000 + call data + the registry call + four storage writes
REVEAL_GAS = 31_352     # 21,000 + call data + the hash check + four storage writes


# --- off chain: why the salt --------------------------------------------------------------

READINGS = [(export_wh, 0) for export_wh in range(0, 3_001)]     # a sunny quarter hour


def test_an_unsalted_commitment_is_opened_by_trying_every_reading():
    who = Wallet.from_seed("alice").address
    commitment = reading_commitment(who, SLOT, 1_234, 0, salt=0)
    assert open_by_guessing(commitment, who, SLOT, READINGS) == (1_234, 0)


def test_a_salted_commitment_is_not():
    who = Wallet.from_seed("alice").address
    salt = reading_salt(Wallet.from_seed("alice-meter").key, SLOT)
    commitment = reading_commitment(who, SLOT, 1_234, 0, salt)
    assert open_by_guessing(commitment, who, SLOT, READINGS, salts=range(10)) is None
    assert open_by_guessing(commitment, who, SLOT, READINGS[1_234:1_235], salts=[salt]) == \
        (1_234, 0)


def test_salts_are_the_meters_own_and_differ_by_slot():
    one, two = Wallet.from_seed("alice-meter").key, Wallet.from_seed("bob-meter").key
    assert reading_salt(one, 5) == reading_salt(one, 5)
    assert len({reading_salt(one, 5), reading_salt(one, 6), reading_salt(two, 5)}) == 3
    assert INT_MIN <= reading_salt(one, 5) <= INT_MAX
