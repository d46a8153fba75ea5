"""What a transaction may know about its block, and what it leaves behind (chapters 02, 06).

``BlockContext`` is the block a transaction runs in; ``Log`` is an event a contract
emitted; ``Outcome`` is what a transaction handler reports; ``Receipt`` is the record the
chain keeps for every transaction. They live in their own small module so that both the
contract machine (``vm/``) and the state transition (``execution.py``) can use them:
``execution`` re-exports all four.
"""

from __future__ import annotations

from dataclasses import dataclass


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

    ``error`` is empty on success; for a contract call that failed it starts with the
    kind of failure, e.g. ``"Revert: not enough tokens"`` or ``"OutOfGas: ..."``.
    """

    tx_hash: bytes
    success: bool
    gas_used: int
    logs: tuple[Log, ...] = ()
    error: str = ""
    output: tuple[int, ...] = ()
    contract_address: str = ""


@dataclass(frozen=True)
class Outcome:
    """A handler's result: gas it used beyond the intrinsic cost, and what it produced."""

    success: bool = True
    extra_gas: int = 0
    logs: tuple[Log, ...] = ()
    error: str = ""
    output: tuple[int, ...] = ()
    contract_address: str = ""
