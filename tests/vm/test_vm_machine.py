"""The contract machine, one rule at a time (chapter 06).

Each test runs a few lines of assembly and checks the exact outcome: words, gas, errors,
and that a failed call leaves the state exactly as it was. Every program runs through the
fast path (as on chain); ``test_vm_properties`` proves the fast path equals the reference.
"""

from __future__ import annotations

import pytest

from minichain.errors import (BadAddress, BadJump, CallDepthExceeded, DivisionByZero,
                              IntegerOverflow, InvalidCode, MemoryFault, OutOfGas, Revert,
                              StackError, TransferFailed, VMError)
from minichain.state import State
from minichain.vm import opcodes
from minichain.vm.abi import encode_words
from minichain.vm.machine import OPERATIONS, data_words, execute, slot_of
from minichain.vm.program import decode, load, push_size
from minichain.vm.opcodes import (GAS_SLOAD, GAS_SSTORE, INT_MAX, INT_MIN, MAX_CALL_DEPTH,
                                  MAX_CODE_SIZE, MAX_MEMORY_WORDS, MAX_STACK, TABLE,
                                  address_to_word, text_to_words, words_to_text)
from vmkit import (BLOCK, CALLER, CONTRACT, OTHER, funded_state, message, run, run_both,
                   run_reference)


# --- the table ---------------------------------------------------------------------------

def test_the_table_has_about_forty_opcodes_each_with_a_unique_byte_and_a_function():
    assert 30 <= len(TABLE) <= 42
    assert len({op.code for op in TABLE}) == len(TABLE)
    assert len({op.name for op in TABLE}) == len(TABLE)
    assert set(OPERATIONS) == {op.name for op in TABLE}
    assert all(op.gas >= 1 for op in TABLE if op.name not in opcodes.HALTS)


def test_storage_writes_cost_twenty_times_a_read():
    assert GAS_SSTORE == 20 * GAS_SLOAD
    rows = {row["opcode"]: row for row in opcodes.table_rows()}
    assert rows["SSTORE"]["gas"] == 2_000 and rows["SLOAD"]["gas"] == 100
    assert rows["ADD"] == {"opcode": "ADD", "byte": "0x01", "immediate": 0, "stack in": "2",
                           "stack out": "1", "gas": 2, "what it does": "a + b"}


def test_text_travels_as_words_of_31_characters():
    words = text_to_words("only the owner can reset this counter")
    assert len(words) == 2
    assert words_to_text(words) == "only the owner can reset this counter"
    assert words_to_text([7]) == "<7>"


# --- arithmetic: bounded, checked, like Python's // and % --------------------------------

@pytest.mark.parametrize("a, b, op, expected", [
    (2, 3, "ADD", 5), (2, 3, "SUB", -1), (-4, 3, "MUL", -12),
    (7, 2, "DIV", 3), (-7, 2, "DIV", -4), (7, -2, "DIV", -4),
    (7, 2, "MOD", 1), (-7, 2, "MOD", 1), (7, -2, "MOD", -1),
    (2, 3, "LT", 1), (3, 2, "LT", 0), (3, 2, "GT", 1), (3, 3, "EQ", 1), (3, 4, "EQ", 0),
])
def test_arithmetic_and_comparisons_give_what_python_gives(a, b, op, expected):
    result = run(f"PUSH {a}\nPUSH {b}\n{op}\nRETURN 1")
    assert result.success and result.output == (expected,)


def test_iszero_is_logical_not():
    assert run("PUSH 0\nISZERO\nPUSH 5\nISZERO\nRETURN 2").output == (1, 0)


@pytest.mark.parametrize("program, error", [
    (f"PUSH {INT_MAX}\nPUSH 1\nADD", "ADD at pc"),
    (f"PUSH {INT_MIN}\nPUSH 1\nSUB", "SUB at pc"),
    (f"PUSH {2 ** 128}\nPUSH {2 ** 128}\nMUL", "MUL at pc"),
    (f"PUSH {INT_MIN}\nPUSH -1\nDIV", "DIV at pc"),
])
def test_results_outside_the_word_range_are_an_overflow_error(program, error):
    result = run(program + "\nRETURN 1", gas=5_000)
    assert not result.success and not result.reverted
    assert isinstance(result.fault, IntegerOverflow)
    assert result.error.startswith("IntegerOverflow: " + error)
    assert result.gas_used == 5_000          # an exceptional halt burns all the gas


@pytest.mark.parametrize("op", ["DIV", "MOD"])
def test_division_by_zero_is_an_error_not_a_number(op):
    result = run(f"PUSH 1\nPUSH 0\n{op}\nRETURN 1", gas=777)
    assert isinstance(result.fault, DivisionByZero)
    assert result.error == f"DivisionByZero: {op} at pc 6: division by zero"
    assert result.gas_used == 777


def test_the_word_range_is_exactly_signed_256_bit():
    assert run(f"PUSH {INT_MAX}\nPUSH {INT_MIN}\nRETURN 2").output == (INT_MAX, INT_MIN)
    assert run(f"PUSH {INT_MAX - 1}\nPUSH 1\nADD\nRETURN 1").output == (INT_MAX,)


# --- gas ---------------------------------------------------------------------------------

def test_gas_is_the_sum_of_the_instructions_run():
    # PUSH 1 + PUSH 1 + ADD 2 + RETURN 0
    assert run("PUSH 2\nPUSH 3\nADD\nRETURN 1").gas_used == 4
    # PUSH, PUSH, SSTORE, STOP
    assert run("PUSH 9\nPUSH 1\nSSTORE\nSTOP").gas_used == 1 + 1 + GAS_SSTORE


def test_gas_is_charged_before_an_instruction_runs():
    state = State()
    result = run("PUSH 9\nPUSH 1\nSSTORE\nSTOP", gas=2 + GAS_SSTORE - 1, state=state)
    assert isinstance(result.fault, OutOfGas)
    assert result.error == "OutOfGas: SSTORE at pc 6: needs 2000 gas, 1999 left"
    assert state.storage_items(CONTRACT) == {}
    assert result.gas_used == 2 + GAS_SSTORE - 1


def test_an_endless_loop_stops_when_the_gas_runs_out():
    result = run("top:\nJUMPDEST\nJUMP top", gas=10_000)
    assert isinstance(result.fault, OutOfGas) and result.gas_used == 10_000


def test_log_gas_grows_with_its_data():
    one = run("PUSH 1\nPUSH 2\nLOG 1\nSTOP").gas_used
    two = run("PUSH 1\nPUSH 1\nPUSH 2\nLOG 2\nSTOP").gas_used
    assert one == 2 + opcodes.GAS_LOG + opcodes.GAS_LOG_WORD
    assert two - one == 1 + opcodes.GAS_LOG_WORD


# --- halts: success, revert, exceptional --------------------------------------------------

def test_running_off_the_end_is_a_successful_stop():
    result = run("PUSH 1")
    assert result.success and result.output == () and result.gas_used == 1


def test_revert_refunds_the_unused_gas_and_says_why():
    words = text_to_words("meter reading is too old")
    pushes = "\n".join(f"PUSH {w}" for w in words)
    state = funded_state()
    before = state.root()
    result = run(f"PUSH 5\nPUSH 1\nSSTORE\n{pushes}\nREVERT {len(words)}", gas=50_000,
                 state=state)
    assert not result.success and result.reverted
    assert result.reason == "meter reading is too old"
    assert result.error == "Revert: meter reading is too old"
    assert isinstance(result.fault, Revert)
    assert result.gas_used == 1 + 1 + GAS_SSTORE + 1      # not the 50,000 given
    assert state.root() == before


def test_an_exceptional_halt_rolls_back_storage_balances_and_logs():
    state = funded_state()
    before = state.root()
    program = f"""
        PUSH 99
        PUSH 1
        SSTORE                ; overwrite slot 1
        PUSH {address_to_word(OTHER)}
        PUSH 300
        TRANSFER              ; send 300 tokens out
        PUSH 1
        PUSH 2
        LOG 1                 ; emit an event
        PUSH 1
        PUSH 0
        DIV                   ; and then fail
    """
    result = run(program, gas=20_000, state=state)
    assert isinstance(result.fault, DivisionByZero)
    assert result.logs == () and result.gas_used == 20_000
    assert state.root() == before
    assert state.balance(OTHER) == 0 and state.storage_get(CONTRACT, 1) == 11


def test_a_successful_call_keeps_its_effects_and_logs():
    state = funded_state()
    result = run(f"PUSH 99\nPUSH 1\nSSTORE\nPUSH {address_to_word(OTHER)}\nPUSH 300\n"
                 f"TRANSFER\nPUSH 4\nPUSH {text_to_words('Paid')[0]}\nLOG 1\nSTOP", state=state)
    assert result.success
    assert state.storage_get(CONTRACT, 1) == 99
    assert state.balance(OTHER) == 300 and state.balance(CONTRACT) == 700
    assert [(log.address, log.topic, log.data) for log in result.logs] == [(CONTRACT, "Paid", (4,))]


# --- the stack -----------------------------------------------------------------------------

def test_dup_and_swap_reach_down_the_stack():
    assert run("PUSH 1\nPUSH 2\nPUSH 3\nDUP 3\nRETURN 4").output == (1, 2, 3, 1)
    assert run("PUSH 1\nPUSH 2\nPUSH 3\nSWAP 2\nRETURN 3").output == (3, 2, 1)


def test_taking_from_an_empty_stack_is_a_stack_error():
    result = run("PUSH 1\nADD")
    assert isinstance(result.fault, StackError)
    assert result.error == "StackError: ADD at pc 3: needs 2 stack words, the stack has 1"


def test_the_stack_holds_at_most_1024_words():
    grow = "PUSH 1\ntop:\nJUMPDEST\nDUP 1\nJUMP top"
    result = run(grow, gas=1_000_000)
    assert isinstance(result.fault, StackError)
    assert "grow past its limit of 1024 words" in result.error
    fits = "\n".join(["PUSH 0"] * MAX_STACK) + "\nSTOP"
    assert run(fits).success
    assert isinstance(run(fits.replace("STOP", "PUSH 0")).fault, StackError)


@pytest.mark.parametrize("filled, error", [(MAX_STACK - 2, ""), (MAX_STACK - 1, "StackError")])
def test_a_balanced_loop_near_the_stack_limit_overflows_exactly_when_it_should(filled, error):
    # the loop body rises two words above where it starts: it fits with 1022 words below it;
    # CALLER (run by the step loop) makes the fast path enter the loop at its own function
    fill = "\n".join(["PUSH 0"] * (filled - 1))
    program = (f"{fill}\nCALLER\nPUSH 3\nSTORE 0\ntop:\nJUMPDEST\nLOAD 0\nPUSH 1\nSUB\n"
               "DUP 1\nSTORE 0\nJUMPI top\nSTOP")
    fast, reference, fast_root, reference_root = run_both(program, State(), gas=5_000)
    assert fast == reference and fast.error.startswith(error)
    assert fast.success == (error == "")


# --- jumps are checked when the code is loaded ---------------------------------------------

def test_jumps_must_land_on_a_jumpdest_checked_at_load():
    with pytest.raises(BadJump, match="JUMP at pc 0: its target 3 is not a JUMPDEST"):
        load(bytes([0x56, 0x00, 0x03, 0x00]))
    # a JUMPDEST byte hidden inside PUSH data is not a destination
    hidden = bytes([0x60, 0x01, 0x5B, 0x56, 0x00, 0x02])
    with pytest.raises(BadJump, match="its target 2 is not"):
        load(hidden)


@pytest.mark.parametrize("code, message", [
    (bytes([0xEE]), "byte 0xee at pc 0 is not an opcode"),
    (bytes([0x60]), "PUSH at pc 0 has no length byte"),
    (bytes([0x60, 0x00]), "PUSH at pc 0 has length 0; expected 1..32"),
    (bytes([0x60, 0x02, 0x01]), "PUSH at pc 0 is cut off"),
    (bytes([0x60, 0x02, 0x00, 0x05]), "PUSH at pc 0 uses 2 bytes for 5; the canonical form uses 1"),
    (bytes([0x56, 0x00]), "JUMP at pc 0 is cut off"),
    (bytes([0x80, 0x00]), "DUP 0 at pc 0: n must be at least 1"),
    (bytes(MAX_CODE_SIZE + 1), f"the limit is {MAX_CODE_SIZE}"),
])
def test_code_that_cannot_be_decoded_is_refused_before_it_runs(code, message):
    with pytest.raises(InvalidCode, match=message):
        load(code)


def test_push_uses_the_fewest_bytes_of_twos_complement():
    assert [push_size(v) for v in (0, 127, 128, -128, -129, INT_MAX, INT_MIN)] == \
        [1, 1, 2, 1, 2, 32, 32]
    assert decode(bytes([0x60, 0x01, 0xFF])) == [(0, opcodes.BY_NAME["PUSH"], -1)]


def test_loaded_programs_are_cached_by_code():
    code = bytes([0x60, 0x01, 0x07])
    assert load(code) is load(bytes(code))


# --- internal calls ------------------------------------------------------------------------

DOUBLE = """
    PUSH 21
    CALL double
    RETURN 1
double:
    JUMPDEST
    STORE 0          ; the argument becomes local 0 of a fresh frame
    LOAD 0
    LOAD 0
    ADD
    RET
"""


def test_internal_call_and_return_with_fresh_locals():
    result = run(DOUBLE)
    assert result.success and result.output == (42,)


def test_locals_are_per_frame():
    program = """
        PUSH 5
        STORE 0
        CALL clobber
        LOAD 0
        RETURN 1
    clobber:
        JUMPDEST
        PUSH 9
        STORE 0
        RET
    """
    assert run(program).output == (5,)


def test_ret_without_a_call_is_a_bad_jump():
    assert isinstance(run("RET").fault, BadJump)


def test_call_depth_is_limited():
    forever = "start:\nJUMPDEST\nCALL start"
    result = run(forever, gas=1_000_000)
    assert isinstance(result.fault, CallDepthExceeded)
    assert f"more than {MAX_CALL_DEPTH} nested calls" in result.error


# --- storage, maps, context ------------------------------------------------------------------

def test_sload_of_an_unwritten_slot_is_zero_and_sstore_writes():
    state = State()
    result = run("PUSH 5\nSLOAD\nPUSH 7\nPUSH 5\nSSTORE\nPUSH 5\nSLOAD\nRETURN 2", state=state)
    assert result.output == (0, 7)
    assert state.storage_items(CONTRACT) == {5: 7}


def test_hash_derives_the_slot_of_a_map_entry():
    result = run("PUSH 3\nPUSH 42\nHASH\nRETURN 1")
    assert result.output == (slot_of(3, 42),)
    assert 0 <= slot_of(3, 42) < 2 ** 248
    assert slot_of(3, 42) != slot_of(42, 3)


def test_context_words():
    state = funded_state()
    data = encode_words([10, -20])
    program = ("CALLER\nCALLVALUE\nADDRESS\nNUMBER\nTIMESTAMP\nCALLDATASIZE\n"
               "PUSH 1\nCALLDATA\nPUSH 5\nCALLDATA\nADDRESS\nBALANCE\nRETURN 9")
    result = run(program, data=data, value=3, state=state)
    assert result.output == (address_to_word(CALLER), 3, address_to_word(CONTRACT), BLOCK.number,
                             BLOCK.timestamp, 2, -20, 0, 1_000)


def test_call_data_is_read_as_words_padded_with_zeros():
    assert data_words(b"\x01") == (2 ** 248,)
    assert data_words(b"\xff" * 32) == (-1,)
    assert data_words(b"") == ()


def test_balance_of_a_word_that_is_not_an_address_fails():
    result = run(f"PUSH {2 ** 160}\nBALANCE")
    assert isinstance(result.fault, BadAddress)


# --- memory lists ------------------------------------------------------------------------------

def test_memory_lists_are_zeroed_fixed_length_and_bounds_checked():
    program = """
        PUSH 3
        ALLOC            ; handle 0
        STORE 0
        PUSH 8
        LOAD 0
        PUSH 2
        ASTORE           ; xs[2] = 8
        LOAD 0
        PUSH 2
        ALOAD
        LOAD 0
        PUSH 0
        ALOAD
        LOAD 0
        ALEN
        RETURN 3
    """
    result = run(program)
    assert result.output == (8, 0, 3)
    # PUSH, ALLOC 10 + 3 words, STORE; 3 + ASTORE 3; 2 x (2 + ALOAD 3); LOAD + ALEN 2
    assert result.gas_used == 1 + 13 + 1 + 3 + 3 + 2 * 5 + 3
    out_of_range = run("PUSH 3\nALLOC\nPUSH 3\nALOAD")
    assert isinstance(out_of_range.fault, MemoryFault)
    assert out_of_range.error == ("MemoryFault: ALOAD at pc 7: index 3 is out of range for a "
                                  "memory list of length 3 (expected 0 <= index < 3)")
    assert isinstance(run("PUSH 3\nALLOC\nPUSH -1\nALOAD").fault, MemoryFault)
    assert isinstance(run("PUSH 0\nPUSH 0\nALOAD").fault, MemoryFault)      # no list 0 yet
    assert isinstance(run("PUSH -1\nALLOC").fault, MemoryFault)


def test_memory_is_limited_and_priced_per_word():
    assert run("PUSH 1000\nALLOC\nSTOP").gas_used == 1 + opcodes.GAS_ALLOC + 1000
    too_big = run(f"PUSH {MAX_MEMORY_WORDS + 1}\nALLOC", gas=10_000_000)
    assert isinstance(too_big.fault, MemoryFault) and "memory limit" in too_big.error
    assert isinstance(run("PUSH 100000\nALLOC", gas=5_000).fault, OutOfGas)


# --- tokens out of the contract ----------------------------------------------------------------

def test_a_contract_can_send_only_what_it_holds():
    state = funded_state(contract_balance=100)
    before = state.root()
    result = run(f"PUSH {address_to_word(OTHER)}\nPUSH 101\nTRANSFER", state=state)
    assert isinstance(result.fault, TransferFailed)
    assert result.error == ("TransferFailed: TRANSFER at pc 25: the contract holds 100 µ€, "
                            "cannot send 101 µ€")
    assert state.root() == before
    assert isinstance(run(f"PUSH {address_to_word(OTHER)}\nPUSH -1\nTRANSFER",
                          state=state).fault, TransferFailed)
    assert isinstance(run("PUSH -5\nPUSH 1\nTRANSFER", state=state).fault, BadAddress)


# --- fast path and reference agree on these programs too -------------------------------------

@pytest.mark.parametrize("program", [
    DOUBLE, "PUSH 1\nADD", "top:\nJUMPDEST\nJUMP top", f"PUSH {INT_MAX}\nPUSH 1\nADD",
    "PUSH 3\nALLOC\nPUSH 3\nALOAD", "PUSH 1\ntop:\nJUMPDEST\nDUP 1\nJUMP top",
])
def test_fast_path_and_reference_agree(program):
    fast, reference, fast_root, reference_root = run_both(program, funded_state(), gas=30_000)
    assert fast == reference and fast.error == reference.error
    assert fast_root == reference_root


def test_only_vm_errors_come_out_of_execute_for_unloadable_code():
    with pytest.raises(VMError):
        execute(State(), bytes([0xEE]), message())


def test_reference_loop_gives_the_same_gas_for_a_loop():
    program = ("PUSH 50\nSTORE 0\ntop:\nJUMPDEST\nLOAD 0\nPUSH 1\nSUB\nDUP 1\nSTORE 0\n"
               "JUMPI top\nSTOP")
    # PUSH + STORE, then 50 rounds of JUMPDEST LOAD PUSH SUB DUP STORE JUMPI = 11 gas
    assert run(program).gas_used == run_reference(program).gas_used == 2 + 50 * 11


def test_a_long_chain_of_tiny_blocks_runs_in_both_paths():
    # 600 JUMPDESTs in a row: each is a block, so the fast path must stop inlining somewhere
    program = "\n".join(f"L{i}:\nJUMPDEST" for i in range(600)) + "\nPUSH 1\nRETURN 1"
    fast, reference, _, _ = run_both(program, State(), gas=10_000)
    assert fast == reference and fast.output == (1,) and fast.gas_used == 601
