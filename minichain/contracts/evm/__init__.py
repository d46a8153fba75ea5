"""The Sunny Street market in Vyper, for the real Ethereum Virtual Machine (chapter 14).

``market.vy`` is the market of chapters 09-10 written in Vyper, a Python-like language for
the EVM: the same rules (``docs/market_rules.md``) as minichain's own contract
(``contracts/sources/market.py``), for learners to read side by side. This file is pure
Python, so ``source()`` works in any kernel, a browser kernel included::

    from minichain.contracts import evm
    print(evm.source())                # the Vyper text
    evm.toolchain_missing()            # [] when vyper and titanoboa are installed

Compiling and running it needs the optional ``evm`` extra (the Vyper compiler and
titanoboa, which runs py-evm, the Python EVM): ``pip install 'minichain[evm]'``. Then
``minichain.contracts.evm.client.EVMMarket`` deploys and drives it. minichain itself never
imports that module.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "market.vy"
TOOLCHAIN = ("vyper", "boa")           # boa is titanoboa's import name
INSTALL_HINT = "pip install 'minichain[evm]'  (the Vyper compiler and titanoboa on py-evm)"


def source() -> str:
    """The Vyper source of the market."""
    return SOURCE.read_text(encoding="utf-8")


def toolchain_missing() -> list[str]:
    """The EVM toolchain's modules this Python cannot import (empty: all there)."""
    return [name for name in TOOLCHAIN if importlib.util.find_spec(name) is None]
