"""The one canonical encoder, and the hashes built on it (chapter 01).

Everything minichain hashes or signs goes through ``encode``: JSON with sorted keys, no
spaces, integers only (floats are refused: they round differently on different machines),
bytes written as ``0x``-prefixed hex, and dataclasses written as objects of their fields.
Two values that are equal always encode to the same bytes, so their hashes are equal too.
``decode_as`` reads bytes back into a typed dataclass and refuses anything else.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from typing import Any, Iterable

from minichain.errors import EncodingError

MAX_INT_BITS = 256


def sha256(data: bytes) -> bytes:
    """SHA-256 of raw bytes: the only hash function on the chain."""
    return hashlib.sha256(data).digest()


def to_plain(value: Any) -> Any:
    """Turn a value into plain JSON data (dict, list, str, int, bool, None)."""
    kind = type(value)
    if kind is str or kind is bool or value is None:       # the common kinds first
        return value
    if kind is int and value.bit_length() <= MAX_INT_BITS:
        return value
    if kind is bytes:
        return "0x" + value.hex()
    if kind is tuple or kind is list:
        return [to_plain(item) for item in value]
    names = _FIELD_NAMES.get(kind)
    if names is not None:
        return {name: to_plain(getattr(value, name)) for name in names}
    return _to_plain_any(value)


# The field names of each dataclass met so far (``dataclasses.fields`` is slow to ask).
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _to_plain_any(value: Any) -> Any:
    """``to_plain`` for every kind of value, with the checks and errors."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if value.bit_length() > MAX_INT_BITS:
            raise EncodingError(f"integer {value} is wider than {MAX_INT_BITS} bits")
        return value
    if isinstance(value, float):
        raise EncodingError(f"float {value!r} cannot be encoded: use integers (Wh, µ€)")
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = tuple(f.name for f in dataclasses.fields(value))
        _FIELD_NAMES[type(value)] = names
        return {name: to_plain(getattr(value, name)) for name in names}
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise EncodingError("dictionary keys must be strings to be encoded")
        return {key: to_plain(item) for key, item in value.items()}
    raise EncodingError(f"cannot encode a value of type {type(value).__name__}")


def encode(value: Any) -> bytes:
    """Canonical bytes of a value: equal values give equal bytes."""
    return encode_plain(to_plain(value))


def encode_plain(plain: Any) -> bytes:
    """Canonical bytes of data that is already plain (what ``to_plain`` returns)."""
    return json.dumps(plain, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True, allow_nan=False).encode("ascii")


def encode_int(value: int) -> bytes:
    """``encode(value)`` for an int, without the general machinery: a state root encodes many."""
    if value.__class__ is not int or value.bit_length() > MAX_INT_BITS:
        return encode(value)                  # the general path refuses it, with its message
    return b"%d" % value


def encode_member(key: str, encoded: bytes) -> bytes:
    """One member of an object as ``encode`` writes it, ``"key":value``, from a value's bytes.

    With ``encode_object_of`` and ``encode_list_of`` it builds the canonical bytes of a
    large value from parts encoded earlier (a block's header and transactions),
    so parts that did not change need not be encoded again.
    """
    return encode_plain(key) + b":" + encoded


def encode_object_of(members: Iterable[bytes]) -> bytes:
    """An object as ``encode`` writes it, from its members' bytes in the order of their keys."""
    return b"{" + b",".join(members) + b"}"


def encode_list_of(items: Iterable[bytes]) -> bytes:
    """A list as ``encode`` writes it, from its items' bytes."""
    return b"[" + b",".join(items) + b"]"


def decode(data: bytes) -> Any:
    """Plain JSON data back from canonical bytes; refuses floats and non-canonical input."""
    try:
        value = json.loads(data, parse_float=_refuse_float, parse_constant=_refuse_float)
    except (ValueError, UnicodeDecodeError) as error:
        raise EncodingError(f"not canonical JSON: {error}") from None
    if encode(value) != bytes(data):
        raise EncodingError("bytes are valid JSON but not in canonical form "
                            "(expected sorted keys and no spaces)")
    return value


def _refuse_float(text: str) -> Any:
    raise EncodingError(f"number {text} is not an integer")


def hash_of(value: Any) -> bytes:
    """SHA-256 of a value's canonical encoding."""
    return sha256(encode(value))


def decode_as(cls: type, data: bytes) -> Any:
    """Read canonical bytes back into an instance of the dataclass ``cls``."""
    value = from_plain(cls, decode(data))
    if encode(value) != bytes(data):
        raise EncodingError(f"bytes are not the canonical encoding of a {cls.__name__} "
                            "(expected every field, with bytes as lowercase 0x hex)")
    return value


def from_plain(tp: Any, value: Any, where: str = "value") -> Any:
    """Build a value of type ``tp`` from plain JSON data, checking every field."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(tp)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return from_plain(option, value, where)
            except EncodingError as error:
                errors.append(str(error))
        raise EncodingError("; ".join(errors))
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(value, list):
            raise EncodingError(f"{where}: expected a list, got {type(value).__name__}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_plain(args[0], item, f"{where}[{i}]") for i, item in enumerate(value))
        if len(args) != len(value):
            raise EncodingError(f"{where}: expected {len(args)} items, got {len(value)}")
        return tuple(from_plain(arg, item, f"{where}[{i}]")
                     for i, (arg, item) in enumerate(zip(args, value)))
    if origin is dict:
        key_type, item_type = typing.get_args(tp)
        if not isinstance(value, dict):
            raise EncodingError(f"{where}: expected an object, got {type(value).__name__}")
        return {from_plain(key_type, k, where): from_plain(item_type, v, f"{where}[{k}]")
                for k, v in value.items()}
    if dataclasses.is_dataclass(tp):
        return _dataclass_from_plain(tp, value, where)
    if tp is bytes:
        return _bytes_from_hex(value, where)
    if tp is bool:
        if not isinstance(value, bool):
            raise EncodingError(f"{where}: expected true or false, got {value!r}")
        return value
    if tp is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise EncodingError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise EncodingError(f"{where}: expected a string, got {value!r}")
        return value
    if tp is Any:
        return value
    raise EncodingError(f"{where}: cannot decode into type {tp!r}")


def _bytes_from_hex(value: Any, where: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise EncodingError(f"{where}: expected 0x-prefixed hex, got {value!r}")
    try:
        data = bytes.fromhex(value[2:])
    except ValueError:
        raise EncodingError(f"{where}: {value!r} is not valid hex") from None
    if "0x" + data.hex() != value:
        raise EncodingError(f"{where}: {value!r} is not canonical hex "
                            "(expected lowercase digits, two per byte, no spaces)")
    return data


def _dataclass_from_plain(cls: type, value: Any, where: str) -> Any:
    if not isinstance(value, dict):
        raise EncodingError(f"{where}: expected an object for {cls.__name__}, "
                            f"got {type(value).__name__}")
    hints = typing.get_type_hints(cls)
    fields = [f for f in dataclasses.fields(cls) if f.init]
    names = {f.name for f in fields}
    unknown = sorted(set(value) - names)
    if unknown:
        raise EncodingError(f"{where}: unknown field(s) {unknown} for {cls.__name__}; "
                            f"expected only {sorted(names)}")
    missing = sorted(f.name for f in fields if f.name not in value
                     and f.default is dataclasses.MISSING
                     and f.default_factory is dataclasses.MISSING)
    if missing:
        raise EncodingError(f"{where}: missing field(s) {missing} for {cls.__name__}")
    kwargs = {name: from_plain(hints[name], item, f"{where}.{name}")
              for name, item in value.items()}
    return cls(**kwargs)
