"""Assembly text with labels, to bytecode and back (chapter 06)."""

from __future__ import annotations

import pytest

from minichain.errors import BadJump, CompileError
from minichain.vm.assembler import Label, Op, assemble, assemble_items, disassemble, parse
from minichain.vm.machine import execute, load
from minichain.state import State
from vmkit import message

COUNTDOWN = """
; count down from 3 and return 3 2 1
    PUSH 3
    STORE 0
loop:
    JUMPDEST
    LOAD 0
    DUP 1
    ISZERO
    JUMPI done        # a label, not a number
    DUP 1
    PUSH 1
    SUB
    STORE 0
    JUMP loop
done: JUMPDEST
    POP
    RETURN 3
"""


def test_text_assembles_to_the_bytes_the_table_describes():
    code = assemble(COUNTDOWN)
    assert code.hex() == ("600103" "5200" "5b" "5100" "8001" "13" "570019" "8001" "600101"
                          "02" "5200" "560005" "5b" "50" "f303")
    assert execute(State(), code, message()).output == (3, 2, 1)


def test_disassembly_names_jump_targets_and_assembles_back_to_the_same_bytes():
    code = assemble(COUNTDOWN)
    text = disassemble(code)
    assert text.splitlines()[2:5] == ["L5:", "    JUMPDEST", "    LOAD 0"]
    assert "    JUMPI L25" in text and "    JUMP L5" in text
    assert assemble(text) == code
    assert "; pc 25" in disassemble(code, show_pc=True)


def test_numbers_in_any_base_and_negative_pushes():
    assert assemble("PUSH 0x10\nPUSH -1\nPUSH 0b11") == bytes([0x60, 1, 16, 0x60, 1, 255,
                                                              0x60, 1, 3])
    assert assemble("JUMPDEST\nJUMP 0") == bytes([0x5B, 0x56, 0, 0])


def test_items_carry_source_lines_into_a_map():
    assembled = assemble_items([Op("PUSH", 1, line=4), Label("x"), Op("JUMPDEST", line=5),
                                Op("JUMP", "x", line=6)])
    assert assembled.lines == {0: 4, 3: 5, 4: 6}
    assert assembled.labels == {"x": 3}
    assert parse("a: b: STOP") == [Label("a"), Label("b"), Op("STOP", None, 1)]


@pytest.mark.parametrize("text, line, message", [
    ("PUSH 1\nFLY", 2, "unknown opcode 'FLY'"),
    ("ADD 3", 1, "ADD takes no operand"),
    ("PUSH", 1, "PUSH needs an operand"),
    ("JUMP nowhere", 1, "goes to label 'nowhere', which is not defined"),
    ("PUSH here", 1, "PUSH needs a number"),
    (f"PUSH {2 ** 255}", 1, "outside the word range"),
    ("DUP 256", 1, "the operand must be between 0 and 255"),
    ("PUSH 1 2", 1, "at most one operand"),
    ("PUSH 1$", 1, "neither a number nor a label name"),
])
def test_mistakes_in_assembly_name_their_line(text, line, message):
    with pytest.raises(CompileError) as caught:
        assemble(text)
    assert caught.value.line == line and message in caught.value.reason


def test_a_label_defined_twice_is_refused():
    with pytest.raises(CompileError, match="defined twice"):
        assemble("a:\nJUMPDEST\na:\nJUMPDEST")


def test_assembled_code_that_jumps_off_a_jumpdest_is_refused_at_load():
    with pytest.raises(BadJump, match="not a JUMPDEST"):
        load(assemble("x:\nPUSH 1\nJUMP x"))
