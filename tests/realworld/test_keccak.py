"""Keccak-256 in plain Python against two independent implementations (chapter 14)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings, strategies as st

from minichain.errors import EncodingError
from minichain.realworld.keccak import RATE_BYTES, ROTATION_OFFSETS, ROUND_CONSTANTS, keccak256

pycryptodome = pytest.importorskip("Crypto.Hash.keccak", reason="pycryptodome is in the test extra")
eth_hash = pytest.importorskip("eth_hash.auto", reason="eth-hash is in the test extra")


def oracles(message: bytes) -> tuple[bytes, bytes]:
    return (pycryptodome.new(digest_bits=256, data=message).digest(),
            eth_hash.keccak(message))


def test_the_digests_everyone_knows():
    assert keccak256(b"").hex() == (
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
    assert keccak256(b"abc").hex() == (
        "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")


def test_ethereum_hash_is_not_sha3_256_one_padding_byte_apart():
    assert keccak256(b"") != hashlib.sha3_256(b"").digest()
    assert hashlib.sha3_256(b"").hexdigest().startswith("a7ffc6f8bf1ed766")


@pytest.mark.parametrize("length", [0, 1, 31, 32, RATE_BYTES - 1, RATE_BYTES, RATE_BYTES + 1,
                                    2 * RATE_BYTES - 1, 2 * RATE_BYTES, 1_000])
def test_every_block_boundary_agrees_with_both_oracles(length):
    message = bytes((7 * i + 3) % 256 for i in range(length))
    assert (keccak256(message),) * 2 == oracles(message)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_any_message_agrees_with_both_oracles(message):
    assert (keccak256(message),) * 2 == oracles(message)


def test_the_constants_computed_from_their_definitions_match_the_specification_tables():
    # rho offsets r[x][y] as the Keccak reference tabulates them
    table = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61],
             [28, 55, 25, 21, 56], [27, 20, 39, 8, 14]]
    assert ROTATION_OFFSETS == table
    assert len(ROUND_CONSTANTS) == 24
    assert ROUND_CONSTANTS[:4] == [0x1, 0x8082, 0x800000000000808A, 0x8000000080008000]
    assert ROUND_CONSTANTS[-1] == 0x8000000080008008


def test_text_must_be_encoded_first():
    with pytest.raises(EncodingError, match="encode text first"):
        keccak256("abc")
