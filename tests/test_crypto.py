"""Hashes, keys, addresses and signatures (chapter 01), checked against outside oracles."""

from __future__ import annotations

import hashlib

import ecdsa
import pytest
from ecdsa.util import sigdecode_string, sigencode_string, sigencode_string_canonize
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain import crypto
from minichain.crypto import (CURVE_ORDER, HALF_ORDER, PrivateKey, address_from_public_key,
                              check_address, flip_s, is_address, is_low_s, verify)
from minichain.encoding import sha256
from minichain.errors import CryptoError
from minichain.wallet import MESSAGE_DOMAIN, Wallet, message_digest, verify_message

pytestmark = pytest.mark.usefixtures("each_crypto_backend")   # both backends

PROPERTY = settings(max_examples=25, deadline=None)

# The first RFC 6979 test vector for secp256k1 with SHA-256 that Bitcoin libraries share:
# private key 1, message "Satoshi Nakamoto".
SATOSHI_SIGNATURE = bytes.fromhex(
    "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8"
    "2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5")

secrets = st.integers(min_value=1, max_value=CURVE_ORDER - 1)
digests = st.binary(min_size=32, max_size=32)


def oracle_signature(secret: int, digest: bytes, canonize: bool = True) -> bytes:
    """Sign with python-ecdsa directly, as the reference for our wrapper."""
    key = ecdsa.SigningKey.from_secret_exponent(secret, curve=ecdsa.SECP256k1,
                                                hashfunc=hashlib.sha256)
    encoder = sigencode_string_canonize if canonize else sigencode_string
    return key.sign_digest_deterministic(digest, hashfunc=hashlib.sha256, sigencode=encoder)


# --- SHA-256 --------------------------------------------------------------------------

@pytest.mark.parametrize("data, digest", [
    (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
])
def test_sha256_matches_the_published_test_vectors(data, digest):
    assert sha256(data).hex() == digest


# --- keys and addresses ---------------------------------------------------------------

def test_a_wallet_made_from_a_name_is_the_same_every_time():
    assert Wallet.from_seed("alice").address == Wallet.from_seed("alice").address
    assert Wallet.from_seed("alice").key.secret == Wallet.from_seed("alice").key.secret
    assert Wallet.from_seed("alice").address != Wallet.from_seed("bob").address


def test_the_addresses_of_sunny_street_are_pinned_so_a_change_of_derivation_shows():
    assert Wallet.from_seed("alice").address == "0x7bf53ed453062c23bc9c1a8162d997c5de720d6b"
    assert Wallet.from_seed("bob").address == "0x15f34333a579fa0a260ac150bd8474d7c147c00b"
    assert Wallet.from_seed("grid-operator").address == (
        "0x49332f96e4c969d046d658ac4ef81622284c28fa")


def test_a_seed_key_is_sha256_of_the_tagged_name_reduced_into_the_curve_order():
    digest = hashlib.sha256(b"minichain key seed:alice").digest()
    assert PrivateKey.from_seed("alice").secret == int.from_bytes(digest, "big") % (
        CURVE_ORDER - 1) + 1


def test_the_public_key_is_the_compressed_point_python_ecdsa_derives():
    key = PrivateKey.from_seed("alice")
    oracle = ecdsa.SigningKey.from_secret_exponent(key.secret, curve=ecdsa.SECP256k1)
    assert key.public_key == oracle.get_verifying_key().to_string("compressed")
    assert len(key.public_key) == 33 and key.public_key[0] in (2, 3)


def test_an_address_is_the_last_20_bytes_of_the_public_keys_hash():
    key = PrivateKey.from_seed("alice")
    assert key.address == "0x" + hashlib.sha256(key.public_key).digest()[-20:].hex()
    assert is_address(key.address)


@pytest.mark.parametrize("secret", [0, CURVE_ORDER, -1])
def test_a_private_key_outside_1_to_n_minus_1_is_refused(secret):
    with pytest.raises(CryptoError, match="between 1 and the curve order - 1"):
        PrivateKey(secret)


def test_the_largest_private_key_is_allowed():
    assert is_address(PrivateKey(CURVE_ORDER - 1).address)


def test_a_public_key_must_be_33_bytes_compressed():
    uncompressed = ecdsa.SigningKey.from_secret_exponent(
        7, curve=ecdsa.SECP256k1).get_verifying_key().to_string("uncompressed")
    with pytest.raises(CryptoError, match="must be 33 bytes .compressed., got 65"):
        address_from_public_key(uncompressed)


@pytest.mark.parametrize("form", ["uncompressed", "hybrid", "raw"])
def test_a_signature_checked_against_another_encoding_of_the_key_does_not_verify(form):
    """Only the compressed key has an address, so only it can sign for one."""
    digest = sha256(b"1500 Wh")
    signature = PrivateKey(7).sign(digest)
    other = ecdsa.SigningKey.from_secret_exponent(
        7, curve=ecdsa.SECP256k1).get_verifying_key().to_string(form)
    assert verify(PrivateKey(7).public_key, digest, signature)
    assert not verify(other, digest, signature)
    with pytest.raises(CryptoError, match="expected 33 bytes starting 02 or 03"):
        crypto._verifying_key(other)


@pytest.mark.parametrize("value", [
    "0x" + "ab" * 19,                       # too short
    "0x" + "AB" * 20,                       # upper case
    "ab" * 21,                              # no 0x
    "0x" + "g" * 40,                        # not hex
    bytes(20),                              # not a string
    None,
])
def test_a_malformed_address_is_refused_with_what_was_expected(value):
    assert not is_address(value)
    with pytest.raises(CryptoError, match="'0x' followed by 40 lowercase hex digits"):
        check_address(value, "recipient")


def test_the_key_repr_shows_the_address_not_the_secret():
    key = PrivateKey.from_seed("alice")
    assert repr(key) == f"PrivateKey(address={key.address})"
    assert str(key.secret) not in repr(key) and hex(key.secret)[2:] not in repr(key)


# --- signatures -----------------------------------------------------------------------

def test_signing_matches_the_rfc6979_vector_for_key_1_and_satoshi_nakamoto():
    signature = PrivateKey(1).sign(sha256(b"Satoshi Nakamoto"))
    assert signature == SATOSHI_SIGNATURE
    assert signature == oracle_signature(1, sha256(b"Satoshi Nakamoto"))


def test_the_same_message_gives_the_same_signature_and_another_message_another():
    key = PrivateKey.from_seed("alice")
    digest = sha256(b"slot 1: 1500 Wh")
    assert key.sign(digest) == key.sign(digest)
    assert key.sign(digest) != key.sign(sha256(b"slot 1: 1501 Wh"))


@PROPERTY
@given(secrets, digests)
def test_signatures_are_python_ecdsas_rfc6979_signatures_in_low_s_form(secret, digest):
    signature = PrivateKey(secret).sign(digest)
    assert signature == oracle_signature(secret, digest)
    raw = oracle_signature(secret, digest, canonize=False)
    assert signature in (raw, flip_s(raw))
    assert is_low_s(signature)
    assert verify(PrivateKey(secret).public_key, digest, signature)


@PROPERTY
@given(secrets, digests)
def test_the_high_s_twin_is_valid_ecdsa_but_refused_by_the_low_s_rule(secret, digest):
    key = PrivateKey(secret)
    twin = flip_s(key.sign(digest))
    assert twin != key.sign(digest) and not is_low_s(twin)
    oracle = ecdsa.VerifyingKey.from_string(key.public_key, curve=ecdsa.SECP256k1)
    assert oracle.verify_digest(twin, digest, sigdecode=sigdecode_string)
    assert not verify(key.public_key, digest, twin)
    assert flip_s(twin) == key.sign(digest)


def test_low_s_means_at_most_half_the_curve_order():
    r = bytes(31) + b"\x01"
    assert is_low_s(r + HALF_ORDER.to_bytes(32, "big"))
    assert not is_low_s(r + (HALF_ORDER + 1).to_bytes(32, "big"))


def test_a_signature_does_not_verify_for_another_message_or_another_key():
    alice, bob = PrivateKey.from_seed("alice"), PrivateKey.from_seed("bob")
    digest = sha256(b"1500 Wh")
    signature = alice.sign(digest)
    assert verify(alice.public_key, digest, signature)
    assert not verify(alice.public_key, sha256(b"1501 Wh"), signature)
    assert not verify(bob.public_key, digest, signature)


@pytest.mark.parametrize("public_key, digest, signature", [
    (PrivateKey(5).public_key, bytes(32), bytes(63)),                 # short signature
    (PrivateKey(5).public_key, bytes(31), PrivateKey(5).sign(bytes(32))),  # short digest
    (b"\x02" + b"\xff" * 32, bytes(32), PrivateKey(5).sign(bytes(32))),   # not a point
    (b"\x05" + bytes(32), bytes(32), PrivateKey(5).sign(bytes(32))),      # bad prefix
    (b"", bytes(32), PrivateKey(5).sign(bytes(32))),                      # no key
    (PrivateKey(5).public_key, bytes(32), bytes(64)),                 # r = s = 0
])
def test_malformed_inputs_make_verify_say_no_rather_than_crash(public_key, digest, signature):
    assert verify(public_key, digest, signature) is False


def test_sign_refuses_anything_but_a_32_byte_digest():
    with pytest.raises(CryptoError, match="32-byte digest, got 11"):
        PrivateKey(5).sign(b"1500 Wh raw")


def test_a_compressed_key_whose_x_is_not_below_the_field_prime_is_refused():
    """x = 1 is on the curve; x = 1 + p names the same point in non-canonical bytes."""
    p = crypto.CURVE.curve.p()
    signature = PrivateKey(5).sign(bytes(32))
    for prefix in (b"\x02", b"\x03"):
        assert crypto._verifying_key(prefix + (1).to_bytes(32, "big")) is not None
        with pytest.raises(CryptoError, match="not a valid secp256k1 public key"):
            crypto._verifying_key(prefix + (1 + p).to_bytes(32, "big"))
        assert not verify(prefix + (1 + p).to_bytes(32, "big"), bytes(32), signature)


def test_the_verifying_key_cache_refuses_a_bad_key_with_a_crypto_error():
    with pytest.raises(CryptoError, match="not a valid secp256k1 public key"):
        crypto._verifying_key(b"\x02" + b"\xff" * 32)


# --- signed messages (meter readings) -------------------------------------------------

def test_a_signed_meter_reading_verifies_and_a_changed_one_does_not():
    alice, bob = Wallet.from_seed("alice"), Wallet.from_seed("bob")
    reading = {"meter": alice.address, "slot": 40, "wh": 1500}
    signature = alice.sign_message(reading)
    assert verify_message(alice.public_key, reading, signature)
    assert not verify_message(alice.public_key, {**reading, "wh": 1501}, signature)
    assert not verify_message(bob.public_key, reading, signature)
    assert signature == alice.sign_message(dict(reversed(list(reading.items()))))


def test_a_message_digest_is_domain_separated_from_plain_hashes():
    reading = {"slot": 40, "wh": 1500}
    assert message_digest(reading) == sha256(MESSAGE_DOMAIN + b'{"slot":40,"wh":1500}')
    assert message_digest(reading) != sha256(b'{"slot":40,"wh":1500}')


def test_a_remembered_verdict_is_the_verdict_and_forgetting_changes_nothing():
    key = PrivateKey.from_seed("alice")
    digest = sha256(b"a meter reading")
    signature = key.sign(digest)
    assert crypto.verify(key.public_key, digest, signature)
    assert not crypto.verify(key.public_key, sha256(b"another reading"), signature)
    crypto.clear_caches()
    assert crypto.verify(key.public_key, digest, signature)
    assert not crypto.verify(key.public_key, digest, crypto.flip_s(signature))


# --- backends -------------------------------------------------------------------------

def test_the_backend_in_use_is_named_and_can_be_forced_for_a_block_of_code(each_crypto_backend):
    assert crypto.BACKEND == each_crypto_backend
    with crypto.use_backend(crypto.PURE_BACKEND):
        assert crypto.BACKEND == "python-ecdsa"
        assert PrivateKey(1).sign(sha256(b"Satoshi Nakamoto")) == SATOSHI_SIGNATURE
    assert crypto.BACKEND == each_crypto_backend


def test_an_unknown_backend_is_refused_and_the_one_in_use_stays():
    before = crypto.BACKEND
    with pytest.raises(CryptoError, match="no crypto backend 'openssl' here; available: "):
        with crypto.use_backend("openssl"):
            pass
    assert crypto.BACKEND == before

