"""The names a contract may use, with what each one means (chapter 07).

A contract is Python source that ``minichain.vm.compile_contract`` reads with ``ast`` and
turns into bytecode; it never runs as Python. A contract file may start with
``from minichain.vm.lang import *`` so that editors know these names; the compiler accepts
that one import and ignores it. Everything here is a placeholder for readers and editors:
calling one outside the chain raises ``NotImplementedError``.

The language in one screen::

    STEP = 1                            # a constant (or in the class, used as self.STEP)

    class Counter:                      # one class: the contract
        count: int                      # state: int, bool, address,
        owner: address                  #   Map[K, V] (nested too), Array[T, capacity]
        Bumped = Event(by=address, count=int)    # an event and its typed fields

        def __init__(self):             # runs once, at deploy
            self.owner = msg.sender

        @public                         # callable in a transaction; @payable also takes money
        def bump(self, times: int) -> int:
            require(times > 0, "bump at least once")      # refuse with a reason
            for i in range(times):                        # if / while / for-range / break
                self.count += STEP
            emit(Bumped(msg.sender, self.count))          # a log in the receipt
            return self.count

Also: ``msg.sender``, ``msg.value``, ``block.number``, ``block.timestamp``,
``self.address``, ``self.balance``, ``send(to, amount)`` (µ€ out of the contract),
``revert("reason")``, ``len``, ``min``, ``max``, ``abs``, ``int``, ``bool``,
``address("0x…")``, memory lists ``xs = [0] * n`` (``xs[i]``, ``len(xs)``), storage arrays
``self.a.append(v)``, ``self.a.pop()``, ``self.a.clear()``, ``len(self.a)``, and internal
methods (no decorator) called as ``self.helper(x)``. Only whole numbers: ``//`` and ``%``
round like Python's; results outside -2**255 .. 2**255 - 1 stop the call.
``sha256(a, b, ...)`` hashes 1 to 255 words into an int (chapter 13: a salted commitment
is ``sha256(reading, salt)``; ``minichain.vm.opcodes.sha256_words`` is the same in Python).

Other contracts (chapter 08): declare what you call, then call it by address::

    class Registry(Interface):          # next to the contract, body ``...``
        def is_household(self, who: address) -> bool: ...

    ok = Registry(self.registry).is_household(msg.sender)   # msg.sender there = this contract

A call takes back one value (or none); if the other contract refuses, this call refuses
with the same reason, and everything both did rolls back. While the other contract runs,
it may call back into this one: ``@nonreentrant`` on a public function (next to
``@public``) refuses such a call while a guarded function is running (chapter 13).
"""

from __future__ import annotations

from typing import Any

_ON_CHAIN = ("contracts run on the chain: compile the source with "
             "minichain.vm.compile_contract and deploy it")


class address(int):
    """A 160-bit account address; ``address("0x…")`` or ``address(0)`` in a contract."""


class Map:
    """``Map[K, V]``: every key starts at zero; K is int, bool or address."""

    def __class_getitem__(cls, item: Any) -> Any:
        return cls


class Array:
    """``Array[T, capacity]``: a list in storage that holds at most ``capacity`` items."""

    def __class_getitem__(cls, item: Any) -> Any:
        return cls


class Interface:
    """``class Name(Interface):`` declares the methods of another contract (bodies ``...``)."""

    def __init__(self, where: Any = None) -> None:
        raise NotImplementedError(_ON_CHAIN)


class Event:
    """``Name = Event(field=type, ...)`` declares an event; ``emit(Name(...))`` emits it."""

    def __init__(self, **fields: Any) -> None:
        self.fields = fields

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(_ON_CHAIN)


class _Context:
    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError(_ON_CHAIN)


msg: Any = _Context()       # msg.sender (address), msg.value (int, µ€ sent with the call)
block: Any = _Context()     # block.number, block.timestamp (seconds)


def public(function: Any) -> Any:
    """Mark a method as callable by a transaction (others are internal helpers)."""
    return function


def payable(function: Any) -> Any:
    """Mark a public method that accepts money (µ€) with the call (``msg.value``)."""
    return function


def require(condition: Any, reason: str = "") -> None:
    """Refuse the call with ``reason`` unless ``condition`` holds (state rolls back)."""
    raise NotImplementedError(_ON_CHAIN)


def revert(reason: str = "") -> None:
    """Refuse the call with ``reason`` (state rolls back, unused gas is refunded)."""
    raise NotImplementedError(_ON_CHAIN)


def emit(event: Any) -> None:
    """Add an event to the transaction's receipt."""
    raise NotImplementedError(_ON_CHAIN)


def send(to: Any, amount: int) -> None:
    """Send ``amount`` µ€ from the contract's balance to ``to``."""
    raise NotImplementedError(_ON_CHAIN)


def sha256(*words: Any) -> int:
    """SHA-256 of 1 to 255 words (each as 32 bytes, first word first), as an int."""
    raise NotImplementedError(_ON_CHAIN)


def nonreentrant(function: Any) -> Any:
    """Refuse a call to this public function while a guarded function of the same
    contract is still running (a callee calling back in): the reentrancy lock."""
    return function


__all__ = ["address", "Map", "Array", "Interface", "Event", "msg", "block", "public", "payable",
           "nonreentrant", "require", "revert", "emit", "send", "sha256"]
