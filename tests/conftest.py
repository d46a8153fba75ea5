"""Shared fixtures: the ledger's tests run once per crypto backend installed.

A module opts in with ``pytestmark = pytest.mark.usefixtures("each_crypto_backend")``: its
tests then run under python-ecdsa and again under libsecp256k1 (``coincurve``), so both
backends must meet every expectation. Without coincurve installed the second run is
skipped, and says so.
"""

from __future__ import annotations

import importlib.util

import pytest

from minichain import crypto


@pytest.fixture(scope="module", params=[crypto.PURE_BACKEND, crypto.FAST_BACKEND])
def each_crypto_backend(request):
    """Run the module's tests with one backend, then restore the default."""
    name = request.param
    if name not in crypto.BACKENDS:
        if importlib.util.find_spec("coincurve") is not None:
            pytest.fail("coincurve is installed but minichain.crypto could not use it")
        pytest.skip(f"the {name} backend is not installed (pip install 'minichain[fast]')")
    with crypto.use_backend(name):
        yield name
