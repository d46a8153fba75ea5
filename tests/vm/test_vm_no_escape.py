"""Nothing but a typed machine error ever leaves the machine, for any code (chapter 06).

A node must never crash on a contract: whatever bytes a deploy stores, every later call is
either run or refused the same way on every node. The fast path writes Python for straight
runs of instructions; a run of one opcode hundreds of instructions long once made it write
Python that CPython refuses to compile, so a plain Python exception escaped ``execute``
(and ``apply_transaction``), and no sealer could build a block with such a call.

These tests hold the whole class, not that one case: a long run of *every* opcode in the
table (the list comes from the table, so a new opcode is covered without anyone adding it
here), up to the maximum code size, with a full or an empty stack below it, run through the
fast path and the step loop, which must agree; random long runs and byte strings up to the
maximum size; the fast path's fallback when CPython refuses what it wrote; and the original
case end to end, through a signed transaction in a sealed block.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from minichain.chain import Chain, Genesis
from minichain.errors import VMError
from minichain.state import State
from minichain.tx import Transaction
from minichain.vm import fastpath
from minichain.vm.machine import load
from minichain.vm.opcodes import BY_NAME, MAX_CODE_SIZE, TABLE, Opcode
from minichain.vm.runtime import contract_address, deploy_data
from minichain.wallet import Wallet
from vmkit import funded_state, run_both

GAS = 200_000
FULL_STACK = 1_000                  # words below the run: deep enough for any n-ary opcode


def instruction(op: Opcode) -> bytes:
    """One instance of ``op`` with the smallest valid immediate (jumps go to pc 0)."""
    if op.name == "PUSH":
        return bytes([op.code, 1, 1])
    if op.name in ("DUP", "SWAP"):
        return bytes([op.code, 1])
    return bytes([op.code]) + bytes(op.immediate)


def long_run(op: Opcode, below: int, size: int = MAX_CODE_SIZE) -> bytes:
    """A JUMPDEST, ``below`` words of PUSH 1, then ``op`` again and again up to ``size``."""
    head = bytes([BY_NAME["JUMPDEST"].code]) + bytes([BY_NAME["PUSH"].code, 1, 1]) * below
    one = instruction(op)
    return head + one * ((size - len(head)) // len(one))


def only_machine_errors(code: bytes, gas: int = GAS, data: bytes = b"") -> None:
    """Load and run ``code`` both ways: only ``VMError``s, and the two engines agree."""
    try:
        load(code)
    except VMError:
        return
    state = funded_state()
    before = state.root()
    fast, reference, fast_root, reference_root = run_both(code, state, gas, data)
    assert (fast, fast.error) == (reference, reference.error)
    assert fast_root == reference_root
    if not fast.success:
        assert fast_root == before


@pytest.mark.parametrize("op", TABLE, ids=[op.name for op in TABLE])
@pytest.mark.parametrize("below", [0, FULL_STACK])
def test_a_run_of_any_opcode_up_to_the_maximum_code_size_stays_inside_the_machine(op, below):
    code = long_run(op, below)
    assert len(code) <= MAX_CODE_SIZE
    only_machine_errors(code)


@pytest.mark.parametrize("name", ["ISZERO", "DUP", "SWAP", "POP", "ADD", "LT", "PUSH",
                                  "LOAD", "STORE", "ALEN", "JUMPDEST"])
@pytest.mark.parametrize("length", [255, 256, 257, 300, 1_000])
def test_runs_around_the_fast_paths_limits_agree_with_the_step_loop(name, length):
    code = long_run(BY_NAME[name], FULL_STACK if name not in ("PUSH", "LOAD") else 0,
                    size=FULL_STACK * 3 + 1 + length * len(instruction(BY_NAME[name])))
    only_machine_errors(code, gas=10_000_000)


def test_the_run_that_crashed_the_fast_path_now_succeeds():
    """Three hundred ISZEROs made CPython refuse "too many nested parentheses"."""
    code = bytes([BY_NAME["PUSH"].code, 1, 5]) + bytes([BY_NAME["ISZERO"].code]) * 300 + \
        bytes([BY_NAME["RETURN"].code, 1])
    fast, reference, _, _ = run_both(code, State())
    assert fast.success and fast.output == (1,) and fast == reference


def test_what_cpython_will_not_compile_runs_on_the_step_loop(monkeypatch):
    """The safety net behind the bounds: with the nesting bound lifted, CPython refuses the
    Python the fast path writes, and the block runs one step at a time instead."""
    monkeypatch.setattr(fastpath, "MAX_EXPRESSION_DEPTH", 10 ** 6)
    monkeypatch.setattr(fastpath, "MAX_BLOCK_INSTRUCTIONS", 10 ** 6)
    code = bytes([BY_NAME["PUSH"].code, 1, 5]) + bytes([BY_NAME["ISZERO"].code]) * 3_000 + \
        bytes([BY_NAME["RETURN"].code, 1])
    fast, reference, _, _ = run_both(code, State(), gas=10_000)
    assert fast.success and fast.output == (1,) and fast == reference


# --- random long runs -------------------------------------------------------------------

SEGMENTS = st.lists(st.tuples(st.sampled_from(TABLE), st.integers(1, 2_000)), min_size=1,
                    max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SEGMENTS, st.integers(0, FULL_STACK), st.sampled_from([50, 5_000, GAS]))
def test_random_long_runs_of_table_opcodes_stay_inside_the_machine(segments, below, gas):
    code = bytes([BY_NAME["PUSH"].code, 1, 1]) * below
    for op, count in segments:
        code += instruction(op) * count
    only_machine_errors(code[:MAX_CODE_SIZE], gas)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2 ** 32), st.integers(1, MAX_CODE_SIZE))
def test_random_bytes_up_to_the_maximum_code_size_are_refused_or_run(seed, size):
    rng = random.Random(seed)
    only_machine_errors(bytes(rng.randrange(256) for _ in range(size)))


def test_code_one_byte_over_the_limit_is_refused():
    code = long_run(BY_NAME["JUMPDEST"], 0, MAX_CODE_SIZE + 1)
    assert len(code) == MAX_CODE_SIZE + 1
    with pytest.raises(VMError, match="limit"):
        load(code)


# --- the original case, end to end ---------------------------------------------------------

def test_a_deployed_long_run_is_called_in_a_sealed_block_and_every_node_agrees():
    """One cheap deploy once made every later block with a call to it impossible to build."""
    alice, sealer = Wallet.from_seed("alice"), Wallet.from_seed("grid-operator")
    genesis = Genesis(balances=((alice.address, 10 ** 9),), authorities=(sealer.address,))
    chain, replica = Chain(genesis), Chain(genesis)
    code = bytes([BY_NAME["PUSH"].code, 1, 5]) + bytes([BY_NAME["ISZERO"].code]) * 2_000 + \
        bytes([BY_NAME["RETURN"].code, 1])
    deploy = alice.sign(Transaction(sender=alice.address, nonce=0, chain_id=1, kind="deploy",
                                    to="", value=0, data=deploy_data(code), gas=2_000_000))
    call = alice.sign(Transaction(sender=alice.address, nonce=1, chain_id=1, kind="call",
                                  to=contract_address(alice.address, 0), value=0, data=b"",
                                  gas=100_000))
    time = chain.head.header.timestamp
    for transactions in ([deploy], [call]):
        time += 15
        block, rejected = chain.build_block(sealer.key, transactions, time)
        assert rejected == [] and len(block.transactions) == 1
        assert chain.add_block(block) and replica.add_block(block)
    receipt, = chain.receipts[chain.head.hash]
    assert receipt.success and receipt.output == (1,)
    assert replica.state.root() == chain.state.root()
