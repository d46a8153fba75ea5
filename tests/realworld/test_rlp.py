"""RLP in plain Python against the textbook examples and an independent library (chapter 14)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from minichain.errors import RLPError
from minichain.realworld import rlp

reference = pytest.importorskip("rlp", reason="the rlp package is in the test extra")

LOREM = b"Lorem ipsum dolor sit amet, consectetur adipisicing elit"   # 56 bytes


@pytest.mark.parametrize("item, encoded", [
    (b"dog", "83646f67"),
    ([b"cat", b"dog"], "c88363617483646f67"),
    (b"", "80"),
    ([], "c0"),
    (0, "80"),
    (b"\x00", "00"),
    (15, "0f"),
    (1024, "820400"),
    ([[], [[]], [[], [[]]]], "c7c0c1c0c3c0c1c0"),          # the set-theoretic three
    (LOREM, "b838" + LOREM.hex()),
])
def test_the_textbook_examples(item, encoded):
    assert rlp.encode(item).hex() == encoded
    assert reference.encode(item).hex() == encoded


items = st.recursive(st.binary(max_size=70), lambda inner: st.lists(inner, max_size=6),
                     max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(items)
def test_any_item_encodes_as_the_library_does_and_decodes_back(item):
    encoded = rlp.encode(item)
    assert encoded == reference.encode(item)
    assert rlp.decode(encoded) == reference.decode(encoded) == item


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=2 ** 256))
def test_numbers_are_big_endian_without_leading_zeros(number):
    assert rlp.encode(number) == reference.encode(number)


@pytest.mark.parametrize("data, why", [
    ("8100", "a single byte below 0x80 must be written as itself"),
    ("b801ff", "must use the short form"),
    ("b90038" + "00" * 56, "must not start with a zero byte"),
    ("83646f", "runs past the end"),
    ("c3836461", "runs past the end"),
    ("83646f6700", "1 bytes left over"),
    ("", "ends where an item should start"),
])
def test_non_canonical_or_broken_encodings_are_refused(data, why):
    with pytest.raises(RLPError, match=why):
        rlp.decode(bytes.fromhex(data))
    with pytest.raises(Exception):
        reference.decode(bytes.fromhex(data))


@pytest.mark.parametrize("item", ["text", -1, True, 1.5, None, {"a": 1}])
def test_only_bytes_numbers_and_lists_encode(item):
    with pytest.raises(RLPError):
        rlp.encode(item)
