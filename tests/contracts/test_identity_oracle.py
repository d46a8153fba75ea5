"""Identity and smart meters on chain (chapter 08): who may trade, and whose meter speaks.

A story in three layers (apply from the household's own key, attestation by an authority
that the registry records, the meter and feeder bus bound by it), then revocation; and the
meter oracle, which takes each slot's reading from the bound meter's own key, once, inside
the reading window.
"""

from __future__ import annotations

import pytest

from minichain.chain import GENESIS_TIME
from minichain.contracts import compiled
from minichain.contracts.client import (APPLIED, HOUSEHOLD, NOT_REGISTERED, R_REVOKED,
                                     R_SLOT_NOT_OVER, R_UNREGISTERED_METER, REVOKED,
                                     READING_WINDOW, SELL, SLOT_SECONDS, Street, sunny_street)
from minichain.errors import Revert, WrongSigner
from minichain.tx import SignedTransaction
from minichain.vm.interface import deploy_tx
from minichain.wallet import Wallet
from market_fixtures import toy_street

pytestmark = pytest.mark.usefixtures("each_crypto_backend")   # both backends

ERIN, ERIN_METER = Wallet.from_seed("erin"), Wallet.from_seed("erin-meter")


@pytest.fixture
def street() -> Street:
    street = toy_street(("alice", "bob"))
    market = street.market
    market.seal([street.operator.transfer(wallet.address, 10_000, nonce=n)
                 for n, wallet in enumerate(
                     [ERIN, ERIN_METER] + list(street.meters.values()),
                     start=market.chain.nonce(street.operator.address))])
    return street


def test_a_household_applies_from_its_own_key_and_an_authority_attests_it(street):
    market = street.market
    municipality = street.authorities[1]
    assert market.status(ERIN.address) == NOT_REGISTERED
    market.apply(ERIN, ERIN_METER.address, 3)
    assert market.status(ERIN.address) == APPLIED
    assert [str(e) for e in market.events(market.receipts[-1:])] == [
        f"Applied(household={ERIN.address}, meter={ERIN_METER.address}, bus=3)"]
    assert market.meter_of(ERIN.address) == "0x" + "00" * 20     # not bound before attestation
    market.attest(municipality, ERIN.address, at=GENESIS_TIME + 4_000)
    registry, state = market.contracts.identity, market.chain.state
    assert market.status(ERIN.address) == HOUSEHOLD
    assert (market.meter_of(ERIN.address), market.bus_of(ERIN.address)) == (ERIN_METER.address, 3)
    assert registry.read(state, "household", ERIN_METER.address) == ERIN.address
    # the registry records which authority attested and when
    assert registry.read(state, "attested_by", ERIN.address) == municipality.address
    assert registry.read(state, "attested_at", ERIN.address) == GENESIS_TIME + 4_000
    assert [str(e) for e in market.events(market.receipts[-1:])] == [
        f"Attested(household={ERIN.address}, meter={ERIN_METER.address}, bus=3, "
        f"authority={municipality.address}, time={GENESIS_TIME + 4_000})"]
    assert registry.query(state, "is_household", ERIN.address) is True
    assert registry.query(state, "is_authority", municipality.address) is True
    # now Erin can deposit and trade
    market.deposit(ERIN, 5_000)
    assert market.post(ERIN, SELL, 1_000, 12, slot=30) == 1


@pytest.mark.parametrize("who, meter, bus, reason", [
    ("erin", "erin", 1, "the meter needs its own key"),
    ("erin", "zero", 1, "the meter needs its own key"),
    ("erin", "alice-meter", 1, "meter already bound to a household"),
    ("erin", "alice", 1, "that key belongs to a household"),
    ("erin", "municipality", 1, "an authority key cannot be a meter"),
    ("erin", "erin-meter", 0, "the feeder bus is a number >= 1"),
    ("alice", "erin-meter", 1, "already a registered household"),
    ("grid-operator", "erin-meter", 1, "authorities do not trade"),
    ("alice-meter", "erin-meter", 1, "a meter key cannot trade"),
])
def test_an_application_must_name_a_fresh_meter_key_and_a_bus(street, who, meter, bus, reason):
    market = street.market
    wallet = Wallet.from_seed(who)
    meter_address = "0x" + "00" * 20 if meter == "zero" else Wallet.from_seed(meter).address
    with pytest.raises(Revert, match=f"^{reason}$"):
        market.apply(wallet, meter_address, bus)


def test_only_an_authority_attests_and_only_an_open_application(street):
    market = street.market
    with pytest.raises(Revert, match="^no open application$"):
        market.attest(street.operator, ERIN.address)
    market.apply(ERIN, ERIN_METER.address, 2)
    with pytest.raises(Revert, match="^only an authority attests$"):
        market.attest(street.households["alice"], ERIN.address)
    assert market.status(ERIN.address) == APPLIED


def test_revoking_a_household_stops_its_trading_and_its_meter(street):
    market = street.market
    alice, meter = street.households["alice"], street.meters["alice"]
    co_op = street.authorities[2]
    with pytest.raises(Revert, match="^only an authority revokes$"):
        market.revoke(street.households["bob"], alice.address)
    market.revoke(co_op, alice.address, at=GENESIS_TIME + 9_000)
    registry, state = market.contracts.identity, market.chain.state
    assert market.status(alice.address) == REVOKED
    assert registry.read(state, "revoked_by", alice.address) == co_op.address
    assert registry.read(state, "revoked_at", alice.address) == GENESIS_TIME + 9_000
    assert registry.query(state, "household_of", meter.address) == "0x" + "00" * 20
    with pytest.raises(Revert, match=f"^{R_REVOKED}$"):
        market.post(alice, SELL, 1_000, 12, slot=30)
    with pytest.raises(Revert, match=f"^{R_UNREGISTERED_METER}$"):
        market.submit_reading(meter, 5, 100, 0)
    # what she had deposited is still hers to take out
    market.withdraw(alice, 100_000)
    assert market.free(alice.address) == 0
    # she may apply again (with the same meter); only a new attestation lets her trade
    market.apply(alice, meter.address, 1)
    market.attest(co_op, alice.address)
    assert market.status(alice.address) == HOUSEHOLD


def test_a_registry_needs_at_least_one_authority():
    street = toy_street(("alice",))
    market = street.market
    stx = deploy_tx(compiled("identity"), street.operator, "0x" + "00" * 20, "0x" + "00" * 20,
                    "0x" + "00" * 20, nonce=market.chain.nonce(street.operator.address))
    receipt, = market.seal([stx])
    assert receipt.error.describe() == "Revert: name at least one authority"


def test_a_meter_reports_each_slot_once_from_its_own_key(street):
    market = street.market
    alice, meter = street.address("alice"), street.meters["alice"]
    slot = 6
    assert market.reading(alice, slot) is None
    with pytest.raises(Revert, match=f"^{R_SLOT_NOT_OVER}$"):
        market.submit_reading(meter, slot, 1_200, 50, at=market.slot_end(slot) - 1)
    market.submit_reading(meter, slot, 1_200, 50, at=market.slot_end(slot))
    assert market.reading(alice, slot) == (1_200, 50)
    assert [str(e) for e in market.events(market.receipts[-1:])] == [
        f"Reading(household={alice}, meter={meter.address}, slot={slot}, export_wh=1200, "
        "import_wh=50)"]
    oracle = market.contracts.oracle
    assert oracle.query(market.chain.state, "export_of", alice, slot) == 1_200
    assert oracle.query(market.chain.state, "import_of", alice, slot) == 50
    # the last second of the window still counts
    market.submit_reading(street.meters["bob"], slot, 0, 900,
                          at=market.slot_end(slot) + READING_WINDOW - 1)
    assert market.reading(street.address("bob"), slot) == (0, 900)
    assert market.slot_end(slot) == GENESIS_TIME + SLOT_SECONDS * (slot + 1)
    with pytest.raises(Revert, match="^readings are whole Wh >= 0$"):
        market.submit_reading(meter, slot + 6, -1, 0, at=market.slot_end(slot + 6))


def test_the_chain_itself_proves_the_reading_came_from_the_meters_key(street):
    # a reading claiming to be from Alice's meter but signed by another key never runs
    market = street.market
    honest = market.reading_tx(street.meters["alice"], 7, 500, 0)
    forged = SignedTransaction(honest.tx, ERIN_METER.public_key,
                               ERIN_METER.sign(honest.tx).signature)
    with pytest.raises(WrongSigner):
        market.seal([forged], at=market.slot_end(7))
    assert market.reading(street.address("alice"), 7) is None
