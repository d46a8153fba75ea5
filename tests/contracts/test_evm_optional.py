"""The EVM toolchain stays optional: minichain never imports it, and says how to install it (chapter 14)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from minichain.contracts import evm

ROOT = Path(__file__).resolve().parents[2]


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_no_minichain_module_but_the_evm_client_imports_vyper_titanoboa_or_py_evm():
    done = run("""
        import importlib, pkgutil, sys
        import minichain
        for info in pkgutil.walk_packages(minichain.__path__, "minichain."):
            if info.name != "minichain.contracts.evm.client":
                importlib.import_module(info.name)
        loaded = sorted(name for name in sys.modules
                        if name.split(".")[0] in ("vyper", "boa", "eth", "eth_hash", "rlp"))
        print(loaded)
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_vyper_source_reads_without_the_toolchain():
    assert "def clear(slot: uint256):" in evm.source()
    assert evm.SOURCE.name == "market.vy"


def test_without_titanoboa_the_client_says_how_to_install_it():
    done = run("""
        import sys
        sys.modules["boa"] = None            # as if titanoboa were not installed
        from minichain.contracts import evm
        from minichain.errors import EVMUnavailable, MinichainError
        print(evm.toolchain_missing())
        try:
            import minichain.contracts.evm.client
        except EVMUnavailable as missing:
            print(isinstance(missing, (MinichainError, ImportError)), missing)
    """)
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.strip().splitlines()
    assert first == "['boa']"
    assert second == ("True the EVM toolchain is not installed (boa is missing): "
                      "pip install 'minichain[evm]'  (the Vyper compiler and titanoboa on py-evm)")
