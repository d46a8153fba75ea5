"""Contracts written in the contract language (chapters 06-10).

Each ``sources/<name>.py`` is contract *source*: Python syntax that ``minichain.vm`` compiles
to bytecode. They are text to read and compile, not modules to import::

    from minichain.contracts import compiled, source
    print(source("counter"))
    counter = compiled("counter")          # a CompiledContract: code, abi, assembly

``counter`` (chapter 06), ``token`` with allowances and ``escrow`` for energy deals
(chapter 07), and for the testing-and-auditing section ``escrow_buggy`` (two planted bugs)
and ``escrow_fixed`` (the same file with both fixed). The Sunny Street market (chapters
08-10, rules in ``docs/market_rules.md``): ``identity`` (the registry of authorities,
households and their meters), ``meter_oracle`` (signed readings per slot), ``market``
(order book, escrow, clearing, settlement) and ``reputation`` (ratings and reliability).
``client.py`` (``MarketClient``) is the Python that deploys and drives those four. For the
attack lab (chapter 13): ``meter_commitments`` (salted reading commitments, checked with
``sha256``), ``payouts_buggy`` (a reentrancy bug), ``payouts_fixed`` (its two fixes),
``payout_drainer`` (the attacker's contract), ``sealed_bids`` (a lot sold by commit-reveal)
and ``prepaid_buggy`` / ``prepaid_fixed`` (a rounding leak and its fix).
"""

from __future__ import annotations

from pathlib import Path

from minichain.vm.compiler import CompiledContract, compile_contract
from minichain.vm.sources import source_map

SOURCES = Path(__file__).resolve().parent / "sources"


def available() -> list[str]:
    """The names of the contract sources in this folder."""
    return sorted(p.stem for p in SOURCES.glob("*.py") if not p.stem.startswith("_"))


def source(name: str) -> str:
    """The source text of a contract in this folder."""
    if name not in available():
        raise KeyError(f"no contract named {name!r}; choose from {available()}")
    return (SOURCES / f"{name}.py").read_text(encoding="utf-8")


_COMPILED: dict[str, CompiledContract] = {}


def compiled(name: str) -> CompiledContract:
    """The compiled contract (compiled once per process).

    The compiler remembers where each pc came from in a bounded cache (``vm.sources``);
    if a long session has pushed this contract out of it, compiling again puts it back,
    so a fault in a course contract always names its source line.
    """
    contract = _COMPILED.get(name)
    if contract is None or source_map(contract.code) is None:
        contract = _COMPILED[name] = compile_contract(source(name))
    return contract
