"""The canonical encoding (chapter 01): one value, one byte string, and back again."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain.encoding import (MAX_INT_BITS, decode, decode_as, encode, encode_int,
                                encode_list_of, encode_member, encode_object_of, from_plain,
                                hash_of, sha256, to_plain)
from minichain.errors import EncodingError, MinichainError

PROPERTY = settings(max_examples=150, deadline=None)


@dataclass(frozen=True)
class Reading:
    """A smart-meter reading, as a household would publish it."""

    meter: str
    slot: int
    wh: int
    signature: bytes = b""
    tags: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Batch:
    """Readings nested inside another dataclass."""

    feeder: str
    readings: tuple[Reading, ...]
    totals: dict[str, int]
    confirmed: bool


# --- exact bytes ----------------------------------------------------------------------

def test_keys_are_sorted_and_there_are_no_spaces():
    assert encode({"wh": 1500, "slot": 3, "meter": "alice"}) == b'{"meter":"alice","slot":3,"wh":1500}'


def test_bytes_are_written_as_lowercase_0x_hex_and_tuples_as_lists():
    assert encode({"sig": b"\x00\xab", "pair": (1, 2), "none": None, "ok": True}) == (
        b'{"none":null,"ok":true,"pair":[1,2],"sig":"0x00ab"}')


def test_a_dataclass_is_written_as_an_object_of_its_fields():
    reading = Reading("alice", 3, 1500, b"\x01")
    assert encode(reading) == (b'{"meter":"alice","note":null,"signature":"0x01",'
                               b'"slot":3,"tags":[],"wh":1500}')


def test_text_is_plain_ascii_so_every_machine_writes_the_same_bytes():
    assert encode("Café ☀") == b'"Caf\\u00e9 \\u2600"'
    assert decode(encode("Café ☀")) == "Café ☀"


def test_hash_of_is_sha256_of_the_canonical_bytes():
    value = {"slot": 1, "wh": 1500}
    assert hash_of(value) == sha256(b'{"slot":1,"wh":1500}')
    assert hash_of(value).hex() == sha256(encode(value)).hex()


# --- refusals -------------------------------------------------------------------------

@pytest.mark.parametrize("value", [1.5, 0.0, float("nan"), float("inf"), [1, 2.0],
                                   {"wh": 1500.0}, {"a": [{"b": (1, -0.5)}]},
                                   Reading("alice", 1, 2.5)])
def test_a_float_anywhere_is_refused_because_floats_round_differently(value):
    with pytest.raises(EncodingError, match="use integers"):
        encode(value)


def test_integers_are_limited_to_256_bits_either_way():
    assert encode(2**256 - 1) == str(2**256 - 1).encode()
    assert encode(-(2**256 - 1)) == str(-(2**256 - 1)).encode()
    for too_wide in (2**256, -(2**256)):
        with pytest.raises(EncodingError, match=f"wider than {MAX_INT_BITS} bits"):
            encode(too_wide)


@pytest.mark.parametrize("value, why", [
    ({1: "a"}, "keys must be strings"),
    ({"a": {(1, 2): 3}}, "keys must be strings"),
    ({1, 2}, "type set"),
    (object(), "type object"),
    (Reading, "type type"),
])
def test_values_without_one_obvious_encoding_are_refused(value, why):
    with pytest.raises(EncodingError, match=why):
        encode(value)


@pytest.mark.parametrize("data", [
    b'{"b":1,"a":2}',            # keys out of order
    b'{"a": 1}',                 # a space
    b' 1',                       # leading space
    b'1\n',                      # trailing newline
    b'{"a":1,"a":2}',            # a repeated key
    b'"\\u0041"',                # "A" written the long way
    b'"caf\xc3\xa9"',            # raw UTF-8 instead of an ASCII escape
    b'-0',                       # minus zero
    b'[1,2,]',                   # not JSON at all
    b'\xff\xfe1\x00',            # UTF-16
    b'',                         # nothing
])
def test_bytes_that_are_not_the_canonical_form_are_refused(data):
    with pytest.raises(EncodingError):
        decode(data)


@pytest.mark.parametrize("data", [b"1.5", b"1.0", b"1e3", b"NaN", b"Infinity", b"-Infinity",
                                  b'{"wh":1500.0}'])
def test_decoding_refuses_floats_too(data):
    with pytest.raises(EncodingError, match="not an integer|not canonical"):
        decode(data)


def test_the_refusal_says_what_was_expected():
    with pytest.raises(EncodingError) as error:
        decode(b'{"b":1,"a":2}')
    assert "expected sorted keys and no spaces" in str(error.value)


# --- typed decoding -------------------------------------------------------------------

def test_a_dataclass_comes_back_with_its_types():
    batch = Batch("feeder-1", (Reading("alice", 1, 1500, b"\x01\x02", ("pv",), "sunny"),
                               Reading("bob", 1, 0)), {"alice": 1500, "bob": 0}, True)
    assert decode_as(Batch, encode(batch)) == batch
    assert isinstance(decode_as(Batch, encode(batch)).readings, tuple)


@pytest.mark.parametrize("plain, message", [
    ({"meter": "a", "slot": 1, "wh": 1, "signature": "0x", "tags": [], "note": None,
      "colour": "red"}, "unknown field"),
    ({"meter": "a", "slot": 1}, r"missing field\(s\) \['wh'\]"),
    ({"meter": "a", "slot": "1", "wh": 1, "signature": "0x", "tags": [], "note": None},
     "expected an integer"),
    ({"meter": "a", "slot": True, "wh": 1, "signature": "0x", "tags": [], "note": None},
     "expected an integer"),
    ({"meter": "a", "slot": 1, "wh": 1, "signature": "01", "tags": [], "note": None},
     "0x-prefixed hex"),
    ({"meter": "a", "slot": 1, "wh": 1, "signature": "0xzz", "tags": [], "note": None},
     "not valid hex"),
    ({"meter": "a", "slot": 1, "wh": 1, "signature": "0xAB", "tags": [], "note": None},
     "not canonical hex"),
    ({"meter": "a", "slot": 1, "wh": 1, "signature": "0xab cd", "tags": [], "note": None},
     "not canonical hex"),
    ({"meter": "a", "slot": 1, "wh": 1, "signature": "0x", "tags": "pv", "note": None},
     "expected a list"),
])
def test_typed_decoding_refuses_what_does_not_fit_the_dataclass(plain, message):
    with pytest.raises(EncodingError, match=message):
        decode_as(Reading, encode(plain))


def test_typed_decoding_refuses_bytes_that_leave_out_a_field_with_a_default():
    # The same Reading could otherwise arrive as two different byte strings.
    short = b'{"meter":"a","slot":1,"wh":1}'
    assert from_plain(Reading, json.loads(short)) == Reading("a", 1, 1)
    with pytest.raises(EncodingError, match="not the canonical encoding of a Reading"):
        decode_as(Reading, short)


# --- properties -----------------------------------------------------------------------

ints = st.integers(min_value=-(2**MAX_INT_BITS - 1), max_value=2**MAX_INT_BITS - 1)
leaves = st.none() | st.booleans() | ints | st.text(max_size=12) | st.binary(max_size=12)
values = st.recursive(
    leaves,
    lambda children: (st.lists(children, max_size=5) | st.tuples(children, children)
                      | st.dictionaries(st.text(max_size=6), children, max_size=5)),
    max_leaves=25)
readings = st.builds(Reading, meter=st.text(max_size=10), slot=ints, wh=ints,
                     signature=st.binary(max_size=64), tags=st.lists(st.text(max_size=5),
                                                                     max_size=3).map(tuple),
                     note=st.none() | st.text(max_size=10))
batches = st.builds(Batch, feeder=st.text(max_size=10),
                    readings=st.lists(readings, max_size=4).map(tuple),
                    totals=st.dictionaries(st.text(max_size=6), ints, max_size=4),
                    confirmed=st.booleans())


@PROPERTY
@given(st.dictionaries(st.text(max_size=6), values, max_size=6), st.lists(values, max_size=6))
def test_objects_and_lists_built_from_encoded_parts_are_the_encoding_of_the_whole(obj, items):
    members = [encode_member(key, encode(obj[key])) for key in sorted(obj)]
    assert encode_object_of(members) == encode(obj)
    assert encode_list_of(encode(item) for item in items) == encode(items)
    assert encode_object_of([encode_member("list", encode_list_of(encode(i) for i in items)),
                             encode_member("object", encode_object_of(members))]) == (
        encode({"object": obj, "list": items}))


@PROPERTY
@given(st.integers(min_value=-2**MAX_INT_BITS + 1, max_value=2**MAX_INT_BITS - 1))
def test_the_short_way_to_encode_an_int_gives_the_canonical_bytes(value):
    assert encode_int(value) == encode(value)


@pytest.mark.parametrize("value", [2**MAX_INT_BITS, -2**MAX_INT_BITS, 1.5])
def test_the_short_way_refuses_what_encode_refuses(value):
    with pytest.raises(EncodingError):
        encode(value)
    with pytest.raises(EncodingError):
        encode_int(value)


@PROPERTY
@given(values)
def test_any_nested_value_round_trips_through_its_bytes(value):
    data = encode(value)
    assert decode(data) == to_plain(value)
    assert encode(decode(data)) == data


@PROPERTY
@given(batches)
def test_any_dataclass_round_trips_through_its_bytes(batch):
    assert decode_as(Batch, encode(batch)) == batch


@PROPERTY
@given(st.dictionaries(st.text(max_size=6), values, max_size=8), st.randoms(use_true_random=False))
def test_equal_values_give_equal_bytes_whatever_order_they_were_built_in(value, rng):
    keys = list(value)
    rng.shuffle(keys)
    rebuilt = {key: value[key] for key in keys}
    assert rebuilt == value
    assert encode(rebuilt) == encode(value)
    assert hash_of(rebuilt) == hash_of(value)


def same(a, b) -> bool:
    """Equality that tells true from 1 (Python's == does not)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


@PROPERTY
@given(values, st.data())
def test_bytes_are_equal_exactly_when_the_plain_values_are(a, data):
    b = data.draw(st.just(decode(encode(a))) | values)
    assert (encode(a) == encode(b)) == same(to_plain(a), to_plain(b))


@PROPERTY
@given(st.recursive(st.floats(), lambda c: st.lists(c, min_size=1, max_size=3)
                    | st.dictionaries(st.text(max_size=3), c, min_size=1, max_size=3),
                    max_leaves=8))
def test_a_value_made_of_floats_is_always_refused(value):
    with pytest.raises(EncodingError):
        encode(value)


@PROPERTY
@given(values, st.integers(min_value=0, max_value=2**32))
def test_a_value_with_one_extra_space_is_refused(value, seed):
    data = encode(value)
    position = random.Random(seed).randrange(len(data) + 1)
    spaced = data[:position] + b" " + data[position:]
    try:
        decoded = decode(spaced)
    except EncodingError:
        return
    # the only way in is a space inside a string, which is then a different value
    assert decoded != decode(data)


def test_encoding_errors_are_minichain_errors():
    assert issubclass(EncodingError, MinichainError)
