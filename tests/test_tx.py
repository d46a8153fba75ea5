"""Transactions (chapter 02): what can be built, signed, sent and read back."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger_fixtures import ALICE, BOB, CHAIN_ID, MALLORY
from minichain.crypto import flip_s
from minichain.encoding import encode, sha256
from minichain.errors import (BadSignature, InvalidValue, MalformedTransaction,
                              TransactionTooLarge, UnknownField, WrongChainId, WrongSigner)
from minichain.tx import (DATA_BYTE_GAS, DEPLOY_BASE_GAS, MAX_DATA_BYTES, MAX_TX_BYTES,
                          MAX_UINT, SIGNING_DOMAIN, TX_BASE_GAS, SignedTransaction,
                          Transaction, check_signature, sign_transaction)

pytestmark = pytest.mark.usefixtures("each_crypto_backend")   # both backends

PROPERTY = settings(max_examples=30, deadline=None)


def transfer(**changes) -> Transaction:
    fields = dict(sender=ALICE.address, nonce=0, chain_id=CHAIN_ID, kind="transfer",
                  to=BOB.address, value=250)
    fields.update(changes)
    return Transaction(**fields)


def wire(stx: SignedTransaction, **tx_changes) -> bytes:
    """The signed transaction's bytes with some transaction fields rewritten."""
    plain = json.loads(stx.raw)
    plain["tx"].update(tx_changes)
    return encode(plain)


# --- stateless checks at construction -------------------------------------------------

@pytest.mark.parametrize("changes, error, message", [
    ({"sender": "alice"}, MalformedTransaction, "sender must be '0x' followed by 40"),
    ({"sender": 7}, MalformedTransaction, "sender must be a string"),
    ({"to": "0x1234"}, MalformedTransaction, "to must be '0x' followed by 40"),
    ({"kind": "mint"}, MalformedTransaction, "kind must be one of"),
    ({"nonce": -1}, MalformedTransaction, "nonce must be between 0 and 2\\*\\*256 - 1"),
    ({"nonce": True}, MalformedTransaction, "nonce must be a whole number"),
    ({"chain_id": "1"}, MalformedTransaction, "chain_id must be a whole number"),
    ({"gas": 21000.0}, MalformedTransaction, "gas must be a whole number"),
    ({"gas_price": MAX_UINT + 1}, MalformedTransaction, "gas_price must be between"),
    ({"value": -5}, InvalidValue, "value must be between 0 and 2\\*\\*256 - 1, got -5"),
    ({"value": 2.5}, InvalidValue, "value must be a whole number \\(int\\), got 2.5"),
    ({"value": "5"}, InvalidValue, "value must be a whole number"),
    ({"value": MAX_UINT + 1}, InvalidValue, "value must be between"),
    ({"data": "1500 Wh"}, MalformedTransaction, "data must be bytes, got str"),
    ({"data": bytes(MAX_DATA_BYTES + 1)}, TransactionTooLarge,
     f"data is {MAX_DATA_BYTES + 1} bytes; at most {MAX_DATA_BYTES}"),
    ({"kind": "deploy"}, MalformedTransaction, "a deploy transaction has no recipient"),
])
def test_a_transaction_with_a_bad_field_cannot_even_be_built(changes, error, message):
    with pytest.raises(error, match=message) as raised:
        transfer(**changes)
    assert type(raised.value) is error


def test_the_largest_values_are_allowed():
    tx = transfer(value=MAX_UINT, nonce=MAX_UINT, gas=MAX_UINT, gas_price=MAX_UINT)
    assert tx.value == MAX_UINT


def test_a_signed_transaction_needs_a_33_byte_key_and_a_64_byte_signature():
    stx = ALICE.sign(transfer())
    with pytest.raises(MalformedTransaction, match="public_key must be 33 bytes"):
        SignedTransaction(stx.tx, stx.public_key[:32], stx.signature)
    with pytest.raises(MalformedTransaction, match="signature must be 64 bytes"):
        SignedTransaction(stx.tx, stx.public_key, stx.signature + b"\x00")
    with pytest.raises(MalformedTransaction, match="tx must be a Transaction"):
        SignedTransaction(stx.tx.__dict__, stx.public_key, stx.signature)


def test_data_that_fits_the_data_limit_can_still_make_the_signed_transaction_too_large():
    # Bytes travel as hex, two characters each, so ~32 KiB of data fills the 64 KiB limit.
    tx = transfer(data=bytes(33_000), gas=TX_BASE_GAS + DATA_BYTE_GAS * 33_000)
    with pytest.raises(TransactionTooLarge, match=f"over {MAX_TX_BYTES} bytes"):
        ALICE.sign(tx)


# --- gas ------------------------------------------------------------------------------

def test_intrinsic_gas_is_base_plus_16_per_data_byte_plus_contract_creation():
    assert transfer().intrinsic_gas() == 21_000
    assert transfer(data=b"x" * 10).intrinsic_gas() == 21_000 + 160
    deploy = transfer(kind="deploy", to="", data=b"\x00" * 4)
    assert deploy.intrinsic_gas() == TX_BASE_GAS + DEPLOY_BASE_GAS + 4 * DATA_BYTE_GAS
    assert transfer(gas=30_000, gas_price=3).max_fee() == 90_000


# --- signing --------------------------------------------------------------------------

def test_a_wallet_signs_the_domain_tagged_canonical_encoding():
    tx = transfer()
    assert tx.signing_digest == sha256(SIGNING_DOMAIN + encode(tx))
    stx = ALICE.sign(tx)
    assert stx == sign_transaction(tx, ALICE.key) == ALICE.sign(tx)
    assert stx.public_key == ALICE.public_key
    check_signature(stx, CHAIN_ID)


def test_a_wallet_transfer_is_a_signed_transfer_with_just_enough_gas():
    stx = ALICE.transfer(BOB.address, 250, nonce=3, data=b"slot 7")
    assert stx.tx == transfer(nonce=3, data=b"slot 7", gas=21_000 + 6 * 16)
    check_signature(stx, CHAIN_ID)


def test_the_id_is_the_hash_of_the_signed_bytes():
    stx = ALICE.sign(transfer())
    assert stx.hash == sha256(stx.raw) == sha256(stx.to_bytes())
    assert stx.raw == encode(stx.to_plain()) and stx.tx.encoded == encode(stx.tx)
    assert stx.hash != ALICE.sign(transfer(nonce=1)).hash


def test_a_transaction_for_another_chain_is_refused_with_both_chain_ids():
    stx = ALICE.sign(transfer(chain_id=2))
    with pytest.raises(WrongChainId, match="transaction is for chain 2, this chain's id is 1"):
        check_signature(stx, CHAIN_ID)


def test_a_transaction_signed_by_another_key_is_refused_naming_both_addresses():
    stx = MALLORY.sign(transfer())
    with pytest.raises(WrongSigner) as error:
        check_signature(stx, CHAIN_ID)
    assert MALLORY.address in str(error.value) and ALICE.address in str(error.value)


def test_a_signature_from_another_transaction_is_refused():
    stx = ALICE.sign(transfer())
    other = ALICE.sign(transfer(value=999))
    with pytest.raises(BadSignature, match="expected a low-S signature of this exact"):
        check_signature(SignedTransaction(stx.tx, stx.public_key, other.signature), CHAIN_ID)


def test_the_high_s_twin_of_a_good_signature_is_refused():
    stx = ALICE.sign(transfer())
    twin = SignedTransaction(stx.tx, stx.public_key, flip_s(stx.signature))
    assert twin.hash != stx.hash
    with pytest.raises(BadSignature):
        check_signature(twin, CHAIN_ID)


# --- the wire -------------------------------------------------------------------------

def test_a_signed_transaction_round_trips_through_its_bytes():
    stx = ALICE.transfer(BOB.address, 250, nonce=0, data=b'{"wh":1500}')
    back = SignedTransaction.from_bytes(stx.to_bytes())
    assert back == stx and back.hash == stx.hash
    check_signature(back, CHAIN_ID)


addresses = st.sampled_from([ALICE.address, BOB.address, MALLORY.address])
uints = st.integers(min_value=0, max_value=MAX_UINT)
transactions = st.builds(Transaction, sender=st.just(ALICE.address), nonce=uints,
                         chain_id=uints, kind=st.just("transfer"), to=addresses, value=uints,
                         data=st.binary(max_size=100), gas=uints, gas_price=uints)


@PROPERTY
@given(transactions)
def test_any_valid_transaction_round_trips_and_still_verifies(tx):
    stx = ALICE.sign(tx)
    assert stx.raw == encode(stx.to_plain())            # built from the tx's own bytes
    back = SignedTransaction.from_bytes(stx.raw)
    assert back == stx and back.raw == stx.raw
    assert back.tx.signing_digest == sha256(SIGNING_DOMAIN + encode(tx))
    check_signature(back, tx.chain_id)


def raw_with_value(text: bytes) -> bytes:
    """Alice's signed transfer as bytes, with the value written by a hostile peer."""
    raw = ALICE.sign(transfer()).raw
    assert raw.count(b'"value":250') == 1
    return raw.replace(b'"value":250', b'"value":' + text)


@pytest.mark.parametrize("text", [b"-5", b'"5"', b"true", b"null", b"[250]"])
def test_a_negative_or_non_integer_value_on_the_wire_is_an_invalid_value(text):
    with pytest.raises(InvalidValue, match="value must be"):
        SignedTransaction.from_bytes(raw_with_value(text))


@pytest.mark.parametrize("text, message", [(b"2.5", "number 2.5 is not an integer"),
                                           (b"250.0", "number 250.0 is not an integer"),
                                           (b"25e1", "number 25e1 is not an integer"),
                                           (str(2**256).encode(), "wider than 256 bits")])
def test_a_fractional_or_huge_value_on_the_wire_is_refused_by_the_decoder_first(text, message):
    # The canonical decoder refuses every float and every integer over 256 bits, wherever
    # it is, before any field is read: so these are malformed rather than invalid values.
    with pytest.raises(MalformedTransaction, match=message):
        SignedTransaction.from_bytes(raw_with_value(text))


def test_an_unknown_field_is_refused_and_named():
    with pytest.raises(UnknownField, match=r"transaction has unknown field\(s\) \['tip'\]"):
        SignedTransaction.from_bytes(wire(ALICE.sign(transfer()), tip=5))
    plain = json.loads(ALICE.sign(transfer()).raw)
    plain["memo"] = "hi"
    with pytest.raises(UnknownField, match=r"signed transaction has unknown field\(s\) "
                                          r"\['memo'\]; expected only"):
        SignedTransaction.from_bytes(encode(plain))


@pytest.mark.parametrize("raw, message", [
    (b"not json", "not canonical JSON"),
    (b"[]", "expected an object with tx, public_key and signature"),
    (b'{"tx":{}}', "missing field"),
    (encode({"public_key": "0x00", "signature": "0x00", "tx": {"sender": ALICE.address}}),
     "missing field"),
])
def test_malformed_bytes_are_refused_with_a_typed_error(raw, message):
    with pytest.raises(MalformedTransaction, match=message):
        SignedTransaction.from_bytes(raw)


@pytest.mark.parametrize("field, value, message", [
    ("nonce", "0", "expected an integer"),
    ("kind", "mint", "kind must be one of"),
    ("to", "bob", "to must be '0x'"),
    ("data", "0xZZ", "not valid hex"),
    ("data", "0xAB", "not canonical hex"),
])
def test_a_badly_typed_field_on_the_wire_is_malformed(field, value, message):
    with pytest.raises(MalformedTransaction, match=message):
        SignedTransaction.from_bytes(wire(ALICE.sign(transfer()), **{field: value}))


def test_a_transaction_over_64_kib_is_refused_before_it_is_even_parsed():
    with pytest.raises(TransactionTooLarge, match=f"over the {MAX_TX_BYTES}-byte limit"):
        SignedTransaction.from_bytes(b" " * (MAX_TX_BYTES + 1))


def test_the_same_transaction_cannot_travel_as_two_different_byte_strings():
    stx = ALICE.sign(transfer())
    plain = json.loads(stx.raw)
    del plain["tx"]["gas_price"]                       # a field left at its default
    with pytest.raises(MalformedTransaction, match="not the canonical encoding"):
        SignedTransaction.from_bytes(encode(plain))
    upper = stx.raw.replace(stx.signature.hex().encode(), stx.signature.hex().upper().encode())
    with pytest.raises(MalformedTransaction, match="not canonical hex"):
        SignedTransaction.from_bytes(upper)
