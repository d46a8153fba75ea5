"""Properties of the machine over random code (chapter 06).

Ten thousand random byte strings and thousands of random *valid* programs (random
instructions, jumps to real JUMPDESTs, internal calls, storage, memory lists, logs and token
transfers) must all satisfy:

* nothing but a ``VMError`` ever comes out of loading or running code;
* the number of instructions run is bounded by the gas (every instruction that does not end
  the call costs at least 1);
* a failed call leaves the state root exactly as it was;
* the fast path and the reference step loop agree on everything: success, gas, output,
  logs, error, and the state root after the call.

The opcodes drawn come from the instruction table itself, grouped by the kind of
immediate they take, so a new opcode is exercised without anyone adding it here.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings, strategies as st

from minichain.contracts import compiled
from minichain.errors import OutOfGas, VMError
from minichain.state import State
from minichain.vm import machine
from minichain.vm.abi import encode_words
from minichain.vm.assembler import Label, Op, assemble_items, disassemble, assemble
from minichain.vm.machine import load
from minichain.vm.opcodes import BY_NAME, JUMPS, TABLE, address_to_word, text_to_words
from minichain.vm.trace import count_steps
from vmkit import BLOCK, CALLER, CONTRACT, OTHER, Sandbox, funded_state, message, run_both

RANDOM_BYTES = settings(max_examples=10_000, deadline=None,
                        suppress_health_check=[HealthCheck.too_slow])
RANDOM_PROGRAMS = settings(max_examples=3_000, deadline=None,
                           suppress_health_check=[HealthCheck.too_slow])
GAS = 3_000

# The table, grouped by immediate: none, one byte (n), two bytes (a jump target), PUSH.
NO_IMMEDIATE = [op for op in TABLE if op.immediate == 0]
ONE_BYTE = [op for op in TABLE if op.immediate == 1]
JUMPING = [op for op in TABLE if op.name in JUMPS]
PUSH = BY_NAME["PUSH"]


def test_the_fuzz_draws_every_opcode_of_the_table():
    drawn = NO_IMMEDIATE + ONE_BYTE + JUMPING + [PUSH]
    assert sorted(op.code for op in drawn) == sorted(op.code for op in TABLE)
    assert {op.immediate for op in TABLE} == {-1, 0, 1, 2}


def check_one_run(code: bytes, state: State, data: bytes = b"", value: int = 0,
                  gas: int = GAS) -> None:
    """The four properties for one piece of code."""
    try:
        load(code)
    except VMError:
        return          # refused before running: the only other allowed outcome
    before = state.root()
    fast, reference, fast_root, reference_root = run_both(code, state, gas, data, value)
    assert (fast, fast.error) == (reference, reference.error)
    assert fast_root == reference_root
    if not fast.success:
        assert fast_root == before
    if fast.reverted or fast.success:
        assert fast.gas_used <= gas
    else:
        assert fast.gas_used == gas
    steps, again = count_steps(state.copy(), code, message(gas, data, value), BLOCK)
    assert again == reference
    assert steps <= fast.gas_used + 1


@RANDOM_BYTES
@given(st.binary(max_size=48))
def test_random_bytes_are_refused_or_run_safely(code):
    check_one_run(code, funded_state())


def _token(code: int, immediate: bytes = b"") -> bytes:
    return bytes([code]) + immediate


# Mostly well-formed instructions (so most strings load and run), plus some raw noise.
TOKENS = st.one_of(
    st.sampled_from([op.code for op in NO_IMMEDIATE]).map(_token),
    st.integers(-128, 127).map(
        lambda v: bytes([PUSH.code, 1]) + v.to_bytes(1, "big", signed=True)),
    st.tuples(st.sampled_from([op.code for op in ONE_BYTE]),
              st.integers(1, 3)).map(lambda t: bytes([t[0], t[1]])),
    st.tuples(st.sampled_from([op.code for op in JUMPING]), st.integers(0, 40)).map(
        lambda t: bytes([t[0]]) + t[1].to_bytes(2, "big")),
    st.just(bytes([BY_NAME["JUMPDEST"].code])),
    st.binary(min_size=1, max_size=1),
)


@RANDOM_BYTES
@given(st.lists(TOKENS, max_size=24).map(b"".join), st.binary(max_size=70))
def test_random_instruction_strings_run_safely(code, data):
    check_one_run(code, funded_state(), data)


# --- random valid programs -------------------------------------------------------------

PLAIN_OPS = [op.name for op in NO_IMMEDIATE if op.name != "JUMPDEST"]   # JUMPDEST: labels
INTERESTING = [0, 1, 2, 3, -1, 7, 100, 2 ** 128, 2 ** 254, -(2 ** 255), 2 ** 255 - 1,
               address_to_word(OTHER), address_to_word(CONTRACT)]


def random_program(rng: random.Random, size: int) -> bytes:
    """A loadable program: random instructions, every jump aimed at a real JUMPDEST."""
    labels = [f"L{i}" for i in range(rng.randint(1, 4))]
    items: list[Op | Label] = [Op("PUSH", rng.choice(INTERESTING))
                               for _ in range(rng.randint(2, 8))]
    places = sorted(rng.choices(range(size + 1), k=len(labels)))
    for position in range(size + 1):
        for label, place in zip(labels, places):
            if place == position:
                items.append(Label(label))
                items.append(Op("JUMPDEST"))
        if position == size:
            break
        roll = rng.random()
        if roll < 0.36:
            value = rng.choice(INTERESTING) if rng.random() < 0.5 else rng.randint(-5, 40)
            items.append(Op("PUSH", value))
        elif roll < 0.38:
            items.append(Op(rng.choice(JUMPING).name, rng.choice(labels)))
        elif roll < 0.52:
            op = rng.choice(ONE_BYTE)
            items.append(Op(op.name, rng.randint(1 if op.name in ("DUP", "SWAP") else 0, 3)))
        elif roll < 0.55:
            items.append(Op("TRANSFER"))
        elif roll < 0.57:
            word = text_to_words("no")[0]
            items += [Op("PUSH", word), Op("REVERT", 1)]
        else:
            items.append(Op(rng.choice(PLAIN_OPS)))
    return assemble_items(items).code


@RANDOM_PROGRAMS
@given(st.integers(0, 2 ** 32), st.integers(1, 40), st.integers(0, 3))
def test_random_valid_programs_agree_and_roll_back(seed, size, args):
    rng = random.Random(seed)
    code = random_program(rng, size)
    load(code)                                   # valid by construction
    assert assemble(disassemble(code)) == code   # and it reads back as the same text
    data = encode_words([rng.choice(INTERESTING) for _ in range(args)])
    check_one_run(code, funded_state(), data, value=rng.choice([0, 0, 5]),
                  gas=rng.choice([50, 500, GAS]))


BINARY_OPS = ["ADD", "SUB", "MUL", "DIV", "MOD", "LT", "GT", "EQ"]


def structured_program(rng: random.Random, statements: int) -> bytes:
    """Balanced statements on locals and a memory list, with loops and branches, that end
    by returning what they computed: small differences in any instruction show up."""
    labels = iter(range(10_000))
    size = rng.randint(3, 8)
    items: list[Op | Label] = [Op("PUSH", size), Op("ALLOC"), Op("STORE", 0)]

    def index() -> list[Op]:
        if rng.random() < 0.1:
            return value()
        return [Op("PUSH", rng.choice([-1] + [size] + list(range(size)) * 8))]

    for local in (1, 2, 3):
        items += [Op("PUSH", rng.choice(INTERESTING + [0, 1, 5])), Op("STORE", local)]

    def value() -> list[Op]:
        if rng.random() < 0.35:
            return [Op("PUSH", rng.choice(INTERESTING + [0, 1, 5, -7]))]
        return [Op("LOAD", rng.randint(1, 3))]

    def statement(depth: int) -> list[Op | Label]:
        roll = rng.random()
        target = Op("STORE", rng.randint(1, 3))
        if roll < 0.30:
            return value() + value() + [Op(rng.choice(BINARY_OPS)), target]
        if roll < 0.38:
            return value() + [Op("ISZERO"), target]
        if roll < 0.48:
            return value() + [Op("LOAD", 0)] + index() + [Op("ASTORE")]
        if roll < 0.58:
            return [Op("LOAD", 0)] + index() + [Op("ALOAD"), target]
        if roll < 0.62:
            return [Op("LOAD", 0), Op("ALEN"), target]
        if roll < 0.68:
            return value() + value() + [Op("SWAP", 1), target, Op("STORE", rng.randint(1, 3))]
        if roll < 0.72:
            return value() + [Op("DUP", 1), Op("ADD"), target]
        if roll < 0.75:
            return value() + [Op("PUSH", rng.randint(0, 3)), Op("SSTORE")]
        if roll < 0.88 and depth < 2:
            skip = f"skip{next(labels)}"
            body = [op for _ in range(rng.randint(1, 3)) for op in statement(depth + 1)]
            test = value() + ([Op("ISZERO")] if rng.random() < 0.5 else [])
            return test + [Op("JUMPI", skip)] + body + [Label(skip), Op("JUMPDEST")]
        if depth < 2:
            top, counter = f"top{next(labels)}", 4 + depth
            body = [op for _ in range(rng.randint(1, 3)) for op in statement(depth + 1)]
            return ([Op("PUSH", rng.randint(0, 4)), Op("STORE", counter), Label(top),
                     Op("JUMPDEST")] + body +
                    [Op("LOAD", counter), Op("PUSH", 1), Op("SUB"), Op("DUP", 1),
                     Op("STORE", counter), Op("PUSH", 0), Op("GT"), Op("JUMPI", top)])
        return value() + [target]

    for _ in range(statements):
        items += statement(0)
    items += [Op("LOAD", 1), Op("LOAD", 2), Op("LOAD", 3), Op("LOAD", 0), Op("ALEN"),
              Op("RETURN", 4)]
    return assemble_items(items).code


@RANDOM_PROGRAMS
@given(st.integers(0, 2 ** 32), st.integers(1, 12))
def test_random_structured_programs_agree_between_fast_path_and_reference(seed, statements):
    rng = random.Random(seed)
    code = structured_program(rng, statements)
    assert assemble(disassemble(code)) == code
    check_one_run(code, funded_state(), gas=rng.choice([60, 600, 20_000]))


def test_a_long_loop_uses_the_whole_budget_in_both_paths():
    code = random_program(random.Random(1), 30)
    check_one_run(code, funded_state(), gas=200_000)


def test_with_gas_enough_a_contract_call_never_falls_back_to_the_step_loop(monkeypatch):
    """Storage, logs and context run in place and calls and halts are handed over, so a
    token transfer (map slots, an event, internal calls, a return) runs without one
    instruction through ``step``; with too little gas a block's guard sends it to ``step``,
    which runs out of gas at the instruction itself."""
    box = Sandbox(compiled("token"), 1_000)
    stepped = []
    real_step = machine.step

    def counting_step(m, ins):
        stepped.append(ins.op.name)
        real_step(m, ins)

    monkeypatch.setattr(machine, "step", counting_step)
    outcome = box.call("transfer", OTHER, 250)
    assert outcome.success and stepped == []
    assert box.read("balances", OTHER) == 250 and box.read("balances", CALLER) == 750

    short = box.call("transfer", OTHER, 1, gas=22_536 + 2_000)   # intrinsic + 2,000 of 4,710
    assert stepped and isinstance(short.error, OutOfGas) and short.extra_gas == 2_000
    assert box.read("balances", OTHER) == 250                    # rolled back
