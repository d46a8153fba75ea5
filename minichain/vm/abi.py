"""How wallets and notebooks talk to contracts: the call-data format and its types (chapter 07).

**Call data** is a sequence of 32-byte words (big-endian, two's complement). The first
word is the function's *selector*, the first 4 bytes of SHA-256 of
``"minichain function:" + name`` read as a number; each argument follows as one word.
Three argument types exist: ``int`` (a signed 256-bit word), ``bool`` (0 or 1) and
``address`` (the 160-bit number of a ``"0x…"`` address). A function returns zero or more
words, and an event (``Log``) carries its name as the topic and its fields as data words.

``encode_call("transfer", bob, 5)`` builds call data without knowing the contract;
``ContractABI`` (made by the compiler) knows every function's argument and output types, so
it can check arguments, decode outputs and events, and locate state variables in storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from minichain import crypto
from minichain.encoding import sha256
from minichain.errors import ABIError
from minichain.receipts import Log
from minichain.vm.opcodes import (ADDRESS_LIMIT, INT_MAX, INT_MIN, address_to_word,
                                  word_to_address)

SCALARS = ("int", "bool", "address")
INIT = "__init__"           # the constructor: runs once, when the contract is deployed
WORD_BYTES = 32


def selector(name: str) -> int:
    """The number that names a function in call data."""
    return int.from_bytes(sha256(b"minichain function:" + name.encode("utf-8"))[:4], "big")


def to_word(value: Any, kind: str = "") -> int:
    """A Python value as a word: ints as they are, booleans as 0/1, addresses as numbers."""
    if not kind:
        kind = "bool" if isinstance(value, bool) else "address" if isinstance(value, str) else "int"
    if kind == "bool":
        if not isinstance(value, bool):
            raise ABIError(f"expected True or False for a bool, got {value!r}")
        return int(value)
    if kind == "address":
        if isinstance(value, str) and crypto.is_address(value):
            return address_to_word(value)
        raise ABIError(f"expected an address ('0x' and 40 lowercase hex digits), got {value!r}")
    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise ABIError(f"expected a whole number (int), got {value!r}")
        if not INT_MIN <= value <= INT_MAX:
            raise ABIError(f"{value} is outside the word range -2**255 .. 2**255 - 1")
        return value
    raise ABIError(f"unknown type {kind!r}; expected one of {SCALARS}")


def from_word(word: int, kind: str) -> Any:
    """A word read back as a Python value of the given type."""
    if kind == "int":
        return word
    if kind == "bool":
        if word not in (0, 1):
            raise ABIError(f"expected 0 or 1 for a bool, got {word}")
        return word == 1
    if kind == "address":
        if not 0 <= word < ADDRESS_LIMIT:
            raise ABIError(f"{word} is not an address (expected 0 <= word < 2**160)")
        return word_to_address(word)
    raise ABIError(f"unknown type {kind!r}; expected one of {SCALARS}")


def encode_words(words: list[int] | tuple[int, ...]) -> bytes:
    """Words as call-data bytes (32 each, big-endian, two's complement)."""
    return b"".join(w.to_bytes(WORD_BYTES, "big", signed=True) for w in words)


def encode_call(name: str, *args: Any) -> bytes:
    """Call data for ``name(*args)``: ints, bools and "0x…" addresses, typed by their value."""
    return encode_words([selector(name)] + [to_word(arg) for arg in args])


# --- storage types (what state variables are made of) ------------------------------------

@dataclass(frozen=True)
class MapType:
    """``Map[key, value]``: one seed slot; the entry for k lives at HASH(seed, k)."""

    key: str
    value: "StorageType"

    def __str__(self) -> str:
        return f"Map[{self.key}, {self.value}]"


@dataclass(frozen=True)
class ArrayType:
    """``Array[element, capacity]``: length at the seed slot, element i at seed + 1 + i*size."""

    element: "StorageType"
    capacity: int

    def __str__(self) -> str:
        return f"Array[{self.element}, {self.capacity}]"


StorageType = Union[str, MapType, ArrayType]   # a str is one of SCALARS


def slots_used(kind: StorageType) -> int:
    """How many consecutive slots a value of this type takes (maps take one seed slot)."""
    if isinstance(kind, ArrayType):
        return 1 + kind.capacity * slots_used(kind.element)
    return 1


@dataclass(frozen=True)
class StorageVar:
    """A state variable: its name, type and first slot."""

    name: str
    kind: StorageType
    slot: int


# --- functions and events ----------------------------------------------------------------

@dataclass(frozen=True)
class FunctionABI:
    """A public function: name, typed arguments, output types, whether it takes tokens."""

    name: str
    inputs: tuple[tuple[str, str], ...] = ()
    outputs: tuple[str, ...] = ()
    payable: bool = False

    @property
    def selector(self) -> int:
        return selector(self.name)

    def signature(self) -> str:
        args = ", ".join(f"{n}: {t}" for n, t in self.inputs)
        out = (" -> " + (self.outputs[0] if len(self.outputs) == 1
                         else f"tuple[{', '.join(self.outputs)}]")) if self.outputs else ""
        return f"{'@payable ' if self.payable else ''}{self.name}({args}){out}"

    def encode(self, *args: Any) -> bytes:
        """Call data for this function, checking the number and types of the arguments."""
        if len(args) != len(self.inputs):
            raise ABIError(f"{self.name} takes {len(self.inputs)} argument(s) "
                           f"({', '.join(n for n, _ in self.inputs)}), got {len(args)}")
        words = [self.selector]
        for value, (arg, kind) in zip(args, self.inputs):
            try:
                words.append(to_word(value, kind))
            except ABIError as error:
                raise ABIError(f"{self.name}: argument {arg}: {error}") from None
        return encode_words(words)

    def decode_output(self, output: tuple[int, ...] | list[int]) -> Any:
        """None for no outputs, one value for one, a tuple for several."""
        if len(output) != len(self.outputs):
            raise ABIError(f"{self.name} returns {len(self.outputs)} word(s), got {len(output)}")
        values = tuple(from_word(w, kind) for w, kind in zip(output, self.outputs))
        if not values:
            return None
        return values[0] if len(values) == 1 else values


@dataclass(frozen=True)
class DecodedEvent:
    """An event with its fields named and typed."""

    name: str
    args: tuple[tuple[str, Any], ...]
    address: str = ""

    def __getitem__(self, field: str) -> Any:
        for name, value in self.args:
            if name == field:
                return value
        raise KeyError(field)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.args)

    def __str__(self) -> str:
        return f"{self.name}({', '.join(f'{n}={v}' for n, v in self.args)})"


@dataclass(frozen=True)
class EventABI:
    """An event a contract can emit: its name and typed fields."""

    name: str
    fields: tuple[tuple[str, str], ...] = ()

    def decode(self, log: Log) -> DecodedEvent:
        if log.topic != self.name or len(log.data) != len(self.fields):
            raise ABIError(f"log {log.topic}{log.data} is not a {self.name} event with "
                           f"{len(self.fields)} field(s)")
        return DecodedEvent(self.name, tuple((n, from_word(w, t)) for w, (n, t)
                                             in zip(log.data, self.fields)), log.address)


@dataclass(frozen=True)
class ContractABI:
    """Everything outside code needs to call a contract and read what it did."""

    name: str
    functions: tuple[FunctionABI, ...] = ()
    events: tuple[EventABI, ...] = ()
    storage: tuple[StorageVar, ...] = ()
    constructor: FunctionABI | None = None

    def function(self, name: str) -> FunctionABI:
        for fn in self.functions:
            if fn.name == name:
                return fn
        if name == INIT and self.constructor is not None:
            return self.constructor
        raise ABIError(f"{self.name} has no public function {name!r}; it has "
                       f"{', '.join(fn.name for fn in self.functions) or 'none'}")

    def event(self, name: str) -> EventABI:
        for event in self.events:
            if event.name == name:
                return event
        raise ABIError(f"{self.name} has no event {name!r}")

    def variable(self, name: str) -> StorageVar:
        for var in self.storage:
            if var.name == name:
                return var
        raise ABIError(f"{self.name} has no state variable {name!r}")

    def decode_logs(self, logs: tuple[Log, ...] | list[Log]) -> list[DecodedEvent]:
        """Name and type every log this contract's events describe (others are skipped)."""
        by_name = {event.name: event for event in self.events}
        return [by_name[log.topic].decode(log) for log in logs
                if log.topic in by_name and len(log.data) == len(by_name[log.topic].fields)]
