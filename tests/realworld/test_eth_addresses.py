"""Ethereum addresses from minichain's keys, and EIP-55 checksums, against independent libraries (chapter 14)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from minichain.crypto import CURVE_ORDER, PrivateKey
from minichain.errors import CryptoError
from minichain.realworld.addresses import (checksummed, ethereum_address, is_checksummed,
                                           uncompressed_public_key)
from minichain.wallet import Wallet

eth_keys = pytest.importorskip("eth_keys", reason="eth-keys is in the test extra")
eth_utils = pytest.importorskip("eth_utils", reason="eth-utils is in the test extra")


def oracle_address(secret: int) -> str:
    """The checksummed address eth-keys derives from the same private key."""
    return eth_keys.keys.PrivateKey(secret.to_bytes(32, "big")).public_key.to_checksum_address()


def test_the_key_one_has_the_address_everyone_knows():
    key = PrivateKey(1)
    assert checksummed(ethereum_address(key.public_key)) == (
        "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")


@pytest.mark.parametrize("name", ["grid-operator", "municipality", "energy-co-op", "alice"])
def test_a_wallet_has_one_address_per_system_from_one_key(name):
    wallet = Wallet.from_seed(name)
    address = ethereum_address(wallet.public_key)
    assert checksummed(address) == oracle_address(wallet.key.secret)
    assert address == address.lower() and len(address) == 42
    assert address != wallet.address            # minichain hashes with SHA-256 instead


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=CURVE_ORDER - 1))
def test_any_key_gives_the_address_eth_keys_gives(secret):
    key = PrivateKey(secret)
    assert checksummed(ethereum_address(key.public_key)) == oracle_address(secret)


def test_compressed_raw_and_prefixed_public_keys_give_the_same_address():
    key = eth_keys.keys.PrivateKey(Wallet.from_seed("bob").key.secret.to_bytes(32, "big"))
    raw = key.public_key.to_bytes()
    assert len(raw) == 64
    assert uncompressed_public_key(key.public_key.to_compressed_bytes()) == raw
    addresses = {ethereum_address(form) for form in
                 (raw, b"\x04" + raw, key.public_key.to_compressed_bytes())}
    assert addresses == {key.public_key.to_checksum_address().lower()}


# EIP-55's own examples: mixed case, and the all-caps and all-lowercase ones it lists
EIP55 = ["0x52908400098527886E0F7030069857D2E4169EE7",
         "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
         "0xde709f2102306220921060314715629080e2fb77",
         "0x27b1fdb04752bbc536007a920d24acb045561c26",
         "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
         "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
         "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
         "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"]


@pytest.mark.parametrize("address", EIP55)
def test_the_eip55_examples(address):
    assert checksummed(address.lower()) == address == eth_utils.to_checksum_address(address)
    assert is_checksummed(address)


def test_a_typo_breaks_the_checksum():
    good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    assert not is_checksummed(good.replace("5aA", "5AA"))
    assert not is_checksummed("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe")     # one short


@pytest.mark.parametrize("key", [b"", b"\x01" * 64, b"\x02" + b"\xff" * 32,
                                 b"\x05" + b"\x01" * 32, "02" * 33])
def test_a_key_that_is_not_a_curve_point_is_refused(key):
    with pytest.raises(CryptoError):
        ethereum_address(key)


@pytest.mark.parametrize("address", ["5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x12",
                                     "0x" + "g" * 40, 42])
def test_a_malformed_address_is_refused(address):
    with pytest.raises(CryptoError, match="'0x' and 40 hex digits"):
        checksummed(address)
