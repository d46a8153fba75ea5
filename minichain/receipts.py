"""What a transaction may know about its block, and what it leaves behind (chapters 02, 06).

``BlockContext`` is the block a transaction runs in; ``Log`` is an event a contract
emitted; ``Outcome`` is what a transaction handler reports; ``Receipt`` is the record the
chain keeps for every transaction. They live in their own small module so that both the
contract machine (``vm/``) and the state transition (``execution.py``) can use them:
``execution`` re-exports all four.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from minichain.encoding import encode
from minichain.errors import VMError


@dataclass(frozen=True)
class BlockContext:
    """What a transaction may know about the block it runs in."""

    chain_id: int
    number: int
    timestamp: int
    sealer: str


@dataclass(frozen=True)
class Log:
    """An event a contract emitted: its address, a topic (the event's name) and integer data."""

    address: str
    topic: str
    data: tuple[int, ...] = ()


@dataclass(frozen=True)
class Receipt:
    """What happened when a transaction ran.

    ``error`` is None on success; for a contract call that failed it is the typed fault:
    a ``Revert`` (with its ``reason``) or an ``ExceptionalHalt`` such as ``OutOfGas``.
    ``record()`` is what the chain commits to (the receipts root): the same on every node.
    """

    tx_hash: bytes
    success: bool
    gas_used: int
    logs: tuple[Log, ...] = ()
    error: VMError | None = None
    output: tuple[int, ...] = ()
    contract_address: str = ""

    def record(self) -> dict:
        """The receipt as plain data, for hashing and showing: the fault as its one-line
        description ("" on success)."""
        return {"tx_hash": self.tx_hash, "success": self.success, "gas_used": self.gas_used,
                "logs": self.logs,
                "error": "" if self.error is None else self.error.describe(),
                "output": self.output, "contract_address": self.contract_address}

    @functools.cached_property
    def encoded(self) -> bytes:
        """``encode(record())``, what the receipts root hashes; kept, as a sealer checks the
        root of the receipts it has just built."""
        return encode(self.record())

    def explain(self) -> str:
        """The word success, or why it failed in the learner's words (with the source line
        when this process compiled the contract)."""
        return "success" if self.error is None else self.error.explain()


@dataclass(frozen=True)
class Outcome:
    """A handler's result: gas it used beyond the intrinsic cost, and what it produced."""

    success: bool = True
    extra_gas: int = 0
    logs: tuple[Log, ...] = ()
    error: VMError | None = None
    output: tuple[int, ...] = ()
    contract_address: str = ""
