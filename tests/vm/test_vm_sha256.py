"""SHA256 n: a hash of words in the machine and ``sha256(...)`` in the language (chapter 13).

The machine hashes words the way call data carries them (32 bytes each, big-endian two's
complement, the deepest word first) and reads the digest back as a signed word. These
tests check that definition against Python's ``hashlib`` written out independently here,
on both engines, with exact gas; the language's builtin and its compile errors; and long
runs of the opcode with several immediates (the general fuzz covers it through the table).
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings, strategies as st

from minichain.errors import CompileError, OutOfGas, StackError
from minichain.state import State
from minichain.vm import compile_contract
from minichain.vm.assembler import Op, assemble_items, disassemble
from minichain.vm.machine import slot_of
from minichain.vm.opcodes import (BY_CODE, BY_NAME, GAS_BASE, GAS_SHA256, GAS_SHA256_WORD,
                                  INT_MAX, INT_MIN, MAX_CODE_SIZE, TABLE, sha256_words)
from minichain.vm.program import load
from vmkit import CALLER, Sandbox, funded_state, run_both

WORDS = st.integers(INT_MIN, INT_MAX)


def reference(words: list[int]) -> int:
    """SHA-256 as the opcode table defines it, written out with hashlib."""
    data = b"".join(w.to_bytes(32, "big", signed=True) for w in words)
    return int.from_bytes(hashlib.sha256(data).digest(), "big", signed=True)


def hash_program(words: list[int]) -> bytes:
    return assemble_items([Op("PUSH", w) for w in words]
                          + [Op("SHA256", len(words)), Op("RETURN", 1)]).code


# --- the opcode ------------------------------------------------------------------------

def test_the_row_takes_a_free_byte_next_to_hash_and_charges_per_word():
    op = BY_NAME["SHA256"]
    assert (op.code, op.immediate, op.inputs, op.outputs) == (0x21, 1, "n", "1")
    assert sum(1 for row in TABLE if row.code == 0x21) == 1 and BY_CODE[0x21] is op
    assert (GAS_SHA256, GAS_SHA256_WORD) == (30, 6)
    assert [op.static_gas(n) for n in (0, 1, 2, 255)] == [30, 36, 42, 1_560]
    assert BY_NAME["HASH"].code == 0x20               # the map-slot hash keeps its byte


def test_known_digests():
    """Pinned: the bytes of SHA-256 itself, read as a signed word."""
    empty = hashlib.sha256(b"").digest()
    assert sha256_words([]) == int.from_bytes(empty, "big", signed=True)
    assert empty.hex().startswith("e3b0c442")          # SHA-256 of nothing, as everyone has it
    assert sha256_words([]) < 0                        # its top bit is set: a negative word
    assert sha256_words([1]) == int.from_bytes(hashlib.sha256(bytes(31) + b"\x01").digest(),
                                               "big", signed=True)
    assert sha256_words([-1]) == int.from_bytes(hashlib.sha256(b"\xff" * 32).digest(), "big",
                                                signed=True)


def test_order_matters_and_the_map_slot_hash_is_a_different_function():
    assert sha256_words([1, 2]) != sha256_words([2, 1])
    assert sha256_words([0, 5]) != slot_of(0, 5)


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=12))
def test_both_engines_hash_like_hashlib_with_exact_gas(words):
    fast, steps, fast_root, steps_root = run_both(hash_program(words), State())
    assert fast == steps and fast_root == steps_root
    assert fast.success and fast.output == (reference(words),)
    assert fast.gas_used == GAS_BASE * len(words) + GAS_SHA256 + GAS_SHA256_WORD * len(words)


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, max_size=8))
def test_the_word_is_the_digest_so_it_travels_through_call_data_unchanged(words):
    word = sha256_words(words)
    assert INT_MIN <= word <= INT_MAX
    digest = hashlib.sha256(b"".join(w.to_bytes(32, "big", signed=True)
                                     for w in words)).digest()
    assert word.to_bytes(32, "big", signed=True) == digest


def test_too_few_words_is_a_stack_error_and_too_little_gas_is_out_of_gas():
    code = assemble_items([Op("PUSH", 1), Op("PUSH", 2), Op("SHA256", 3)]).code
    fast, steps, _, _ = run_both(code, State())
    assert fast == steps and isinstance(fast.fault, StackError)
    assert fast.fault.reason == "needs 3 stack words, the stack has 2"
    code = hash_program([1, 2])
    fast, steps, _, _ = run_both(code, State(), gas=2 + GAS_SHA256 + 2 * GAS_SHA256_WORD - 1)
    assert fast == steps and isinstance(fast.fault, OutOfGas)
    assert fast.fault.op == "SHA256"


def test_a_failed_call_after_hashing_leaves_the_state_as_it_was():
    code = assemble_items([Op("PUSH", 9), Op("SHA256", 1), Op("PUSH", 0), Op("SSTORE"),
                           Op("PUSH", 0), Op("PUSH", 0), Op("DIV")]).code
    state = funded_state()
    before = state.root()
    fast, steps, fast_root, steps_root = run_both(code, state)
    assert not fast.success and fast == steps
    assert fast_root == steps_root == before


def test_it_assembles_and_disassembles():
    code = hash_program([7, 8])
    assert "SHA256 2" in disassemble(code)
    assert load(code).instructions[2].gas == 42


@pytest.mark.parametrize("n", [1, 2, 32, 255])
def test_long_runs_of_sha256_n_stay_inside_the_machine_and_agree(n):
    """The fuzz derives its runs from the table with the smallest immediate (0); these runs
    hash real words: a full stack below, then SHA256 n again and again."""
    below = 1_000
    head = bytes([BY_NAME["JUMPDEST"].code]) + bytes([BY_NAME["PUSH"].code, 1, 1]) * below
    one = bytes([BY_NAME["SHA256"].code, n])
    code = head + one * ((MAX_CODE_SIZE - len(head)) // len(one))
    state = funded_state()
    before = state.root()
    fast, steps, fast_root, steps_root = run_both(code, state, gas=200_000)
    assert (fast, fast.error) == (steps, steps.error) and fast_root == steps_root
    assert not fast.success and fast_root == before     # out of gas or out of words


# --- the language ----------------------------------------------------------------------

HASHER = '''
from minichain.vm.lang import *


class Hasher:
    last: int

    @public
    def one(self, a: int) -> int:
        return sha256(a)

    @public
    def pair(self, a: int, b: int) -> int:
        return sha256(a, b)

    @public
    def mixed(self, a: int, flag: bool, who: address) -> int:
        self.last = sha256(sha256(a, 1), flag, who, msg.sender, 3 + 4)
        return self.last
'''


@pytest.fixture(scope="module")
def hasher():
    return compile_contract(HASHER)


def test_the_builtin_compiles_to_one_sha256_over_its_arguments(hasher):
    assembly = hasher.assembly()
    assert "SHA256 1" in assembly and "SHA256 2" in assembly and "SHA256 5" in assembly


@settings(max_examples=60, deadline=None)
@given(WORDS, WORDS)
def test_a_contract_hashes_what_python_hashes(a, b):
    box = Sandbox(compile_contract(HASHER))
    assert box.value("one", a) == reference([a])
    assert box.value("pair", a, b) == reference([a, b])


def test_bools_addresses_and_expressions_are_words(hasher):
    box = Sandbox(hasher)
    who = "0x" + "ab" * 20
    expected = reference([reference([5, 1]), 1, int(who, 16), int(CALLER, 16), 7])
    assert box.value("mixed", 5, True, who) == expected
    assert box.read("last") == expected


def contract(body: str) -> str:
    return ("from minichain.vm.lang import *\n\nclass C:\n    @public\n"
            "    def f(self, a: int) -> int:\n"
            + "".join(f"        {line}\n" for line in body.splitlines()))


@pytest.mark.parametrize("body, message", [
    ("return sha256()", "sha256(...) hashes words: give it at least one"),
    ("return sha256('salt', a)", "sha256(...) hashes words, not text"),
    ("xs = [0] * 3\nreturn sha256(xs)", "not a memory list: pass its elements"),
    ("return sha256(a, salt=a)", "pass arguments by position"),
    (f"return sha256({', '.join(['a'] * 256)})", "takes at most 255 words, got 256"),
    ("b: bool = sha256(a)\nreturn a", "must be a bool, got an int"),
])
def test_misuse_is_a_compile_error_that_says_what_to_write(body, message):
    with pytest.raises(CompileError) as caught:
        compile_contract(contract(body))
    assert message in caught.value.reason


def test_255_words_compile_and_hash():
    source = contract(f"return sha256({', '.join(['a'] * 255)})")
    box = Sandbox(compile_contract(source))
    assert box.value("f", 3) == reference([3] * 255)
