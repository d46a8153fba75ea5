"""RLP, Ethereum's Recursive Length Prefix encoding, in plain Python (chapter 14).

minichain encodes with sorted-key JSON (``minichain/encoding.py``, chapter 01). Ethereum
encodes blocks, transactions and a QBFT genesis's ``extraData`` with RLP, which knows only
two things: a *byte string* and a *list* of items (each a byte string or a list). Numbers
are written as big-endian bytes with no leading zero (0 is the empty string).

The prefix says what follows and how long it is:

* one byte below 0x80 stands for itself;
* a string of 0-55 bytes: ``0x80 + length``, then the bytes;
* a longer string: ``0xb7 + (bytes in the length)``, the length big-endian, the bytes;
* a list whose encoded items take 0-55 bytes: ``0xc0 + length``, then the items;
* a longer list: ``0xf7 + (bytes in the length)``, the length, the items.

``decode`` reads only canonical encodings (the shortest form), so every item has exactly
one encoding, as hashing needs. Tests check both against an independent library.
"""

from __future__ import annotations

from typing import Sequence, Union

from minichain.errors import RLPError

Item = Union[bytes, int, Sequence["Item"]]     # what encode takes
Decoded = Union[bytes, list["Decoded"]]         # what decode gives back

SHORT = 56                  # up to 55 bytes of payload, the length fits in the prefix
STRING, LONG_STRING = 0x80, 0xb7
LIST, LONG_LIST = 0xc0, 0xf7


def int_to_bytes(value: int) -> bytes:
    """A number as RLP writes it: big-endian, no leading zero byte, 0 as the empty string."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RLPError(f"RLP encodes whole numbers >= 0, got {value!r}")
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def _prefix(length: int, short: int, long: int) -> bytes:
    if length < SHORT:
        return bytes([short + length])
    size = int_to_bytes(length)
    return bytes([long + len(size)]) + size


def encode(item: Item) -> bytes:
    """The RLP encoding of bytes, a whole number >= 0, or a (nested) list of them."""
    if isinstance(item, (bytes, bytearray)):
        data = bytes(item)
        if len(data) == 1 and data[0] < STRING:
            return data
        return _prefix(len(data), STRING, LONG_STRING) + data
    if isinstance(item, int) and not isinstance(item, bool):
        return encode(int_to_bytes(item))
    if isinstance(item, (list, tuple)):
        payload = b"".join(encode(element) for element in item)
        return _prefix(len(payload), LIST, LONG_LIST) + payload
    raise RLPError(f"RLP encodes bytes, whole numbers >= 0 and lists of them, got "
                   f"{type(item).__name__}: encode text as bytes first")


def _length(data: bytes, start: int, size: int) -> int:
    """A long item's length, written in ``size`` bytes at ``start``; canonical only."""
    if start + size > len(data):
        raise RLPError("the data ends inside a length")
    written = data[start:start + size]
    if written[0] == 0:
        raise RLPError("a length must not start with a zero byte")
    length = int.from_bytes(written, "big")
    if length < SHORT:
        raise RLPError(f"a length of {length} must use the short form")
    return length


def _item(data: bytes, start: int) -> tuple[Decoded, int]:
    """Decode the item at ``start``; return it and where the next item starts."""
    if start >= len(data):
        raise RLPError("the data ends where an item should start")
    first = data[start]
    if first < STRING:
        return data[start:start + 1], start + 1
    if first < LIST:
        if first <= LONG_STRING:
            begin, length = start + 1, first - STRING
        else:
            size = first - LONG_STRING
            begin, length = start + 1 + size, _length(data, start + 1, size)
        end = begin + length
        if end > len(data):
            raise RLPError("a string runs past the end of the data")
        if length == 1 and data[begin] < STRING:
            raise RLPError("a single byte below 0x80 must be written as itself")
        return data[begin:end], end
    if first <= LONG_LIST:
        begin, length = start + 1, first - LIST
    else:
        size = first - LONG_LIST
        begin, length = start + 1 + size, _length(data, start + 1, size)
    end = begin + length
    if end > len(data):
        raise RLPError("a list runs past the end of the data")
    items, position = [], begin
    while position < end:
        element, position = _item(data, position)
        items.append(element)
    if position != end:
        raise RLPError("a list's items do not fill its length exactly")
    return items, end


def decode(data: bytes) -> Decoded:
    """The item one RLP encoding holds (bytes, or a list of items); refuses anything else."""
    if not isinstance(data, (bytes, bytearray)):
        raise RLPError(f"decode reads bytes, got {type(data).__name__}")
    item, end = _item(bytes(data), 0)
    if end != len(data):
        raise RLPError(f"{len(data) - end} bytes left over after the item")
    return item
