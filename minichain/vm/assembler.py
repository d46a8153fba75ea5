"""Assembly text with labels, to bytecode and back (chapter 06).

One instruction per line; ``name:`` defines a label at the next instruction; jumps and
internal calls name a label (or a code offset); ``;`` or ``#`` starts a comment::

    ; count down from 3 and return 3 2 1
        PUSH 3
        STORE 0
    loop:
        JUMPDEST
        LOAD 0
        DUP 1
        ISZERO
        JUMPI done
        DUP 1
        PUSH 1
        SUB
        STORE 0
        JUMP loop
    done:
        JUMPDEST
        POP               ; the 0 that ended the loop
        RETURN 3

``assemble`` turns text into bytes, ``disassemble`` turns bytes into text (naming every jump
target ``L<pc>``), and ``assemble(disassemble(code)) == code`` for any loadable code. The
compiler uses the same ``Op``/``Label`` items, so compiled code can be read as assembly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from minichain.errors import CompileError
from minichain.vm.program import decode, push_size
from minichain.vm.sources import SourceMap, remember
from minichain.vm.opcodes import BY_NAME, INT_MAX, INT_MIN, JUMPS, MAX_JUMP_TARGET

_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


@dataclass(frozen=True)
class Op:
    """One instruction to assemble; ``arg`` is a number or, for jumps, a label name."""

    name: str
    arg: int | str | None = None
    line: int = 0          # source line it came from (0: none), for the source map


@dataclass(frozen=True)
class Label:
    """A name for the position of the next instruction."""

    name: str


@dataclass(frozen=True)
class Assembled:
    """Bytecode plus where each instruction came from."""

    code: bytes
    lines: dict[int, int]          # pc -> source line (only for items that have one)
    labels: dict[str, int]         # label -> pc


def encode_op(op: Op, labels: dict[str, int]) -> bytes:
    """The bytes of one instruction, with labels already placed."""
    spec = BY_NAME.get(op.name)
    if spec is None:
        raise CompileError(f"unknown opcode {op.name!r}; expected one of "
                           f"{', '.join(sorted(BY_NAME))}", op.line)
    if spec.immediate == 0:
        if op.arg is not None:
            raise CompileError(f"{op.name} takes no operand, got {op.arg!r}", op.line)
        return bytes([spec.code])
    arg = op.arg
    if arg is None:
        raise CompileError(f"{op.name} needs an operand", op.line)
    if isinstance(arg, str):
        if op.name not in JUMPS:
            raise CompileError(f"{op.name} needs a number, got {arg!r}", op.line)
        if arg not in labels:
            raise CompileError(f"{op.name} goes to label {arg!r}, which is not defined",
                               op.line)
        arg = labels[arg]
    if op.name == "PUSH":
        if not INT_MIN <= arg <= INT_MAX:
            raise CompileError(f"PUSH {arg}: outside the word range -2**255 .. 2**255 - 1",
                               op.line)
        size = push_size(arg)
        return bytes([spec.code, size]) + arg.to_bytes(size, "big", signed=True)
    limit = MAX_JUMP_TARGET if op.name in JUMPS else 255
    if not 0 <= arg <= limit:
        raise CompileError(f"{op.name} {arg}: the operand must be between 0 and {limit}",
                           op.line)
    return bytes([spec.code]) + arg.to_bytes(spec.immediate, "big")


def op_size(op: Op) -> int:
    """How many bytes an instruction takes (labels are 2-byte jump immediates)."""
    spec = BY_NAME.get(op.name)
    if spec is None:
        raise CompileError(f"unknown opcode {op.name!r}", op.line)
    if op.name == "PUSH":
        value = op.arg if isinstance(op.arg, int) else 0
        return 2 + push_size(value)
    return 1 + spec.immediate


def assemble_items(items: list[Op | Label]) -> Assembled:
    """Place labels, then encode every instruction (two passes)."""
    labels: dict[str, int] = {}
    pc = 0
    for item in items:
        if isinstance(item, Label):
            if item.name in labels:
                raise CompileError(f"label {item.name!r} is defined twice")
            labels[item.name] = pc
        else:
            pc += op_size(item)
    code = bytearray()
    lines: dict[int, int] = {}
    for item in items:
        if isinstance(item, Op):
            if item.line:
                lines[len(code)] = item.line
            code += encode_op(item, labels)
    return Assembled(bytes(code), lines, labels)


def parse(text: str) -> list[Op | Label]:
    """Read assembly text into items; the line numbers become the source map."""
    items: list[Op | Label] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.split(r"[;#]", raw, maxsplit=1)[0].strip()
        while line:
            head, colon, rest = line.partition(":")
            if colon and _LABEL.match(head.strip()):
                items.append(Label(head.strip()))
                line = rest.strip()
                continue
            break
        if not line:
            continue
        words = line.split()
        name = words[0].upper()
        if len(words) > 2:
            raise CompileError(f"expected one instruction and at most one operand, got "
                               f"{line!r}", number, raw.find(words[2]))
        arg: int | str | None = None
        if len(words) == 2:
            arg = _operand(words[1], number, raw.find(words[1]))
        items.append(Op(name, arg, number))
    return items


def _operand(text: str, line: int, column: int) -> int | str:
    try:
        return int(text, 0)
    except ValueError:
        pass
    if _LABEL.match(text):
        return text
    raise CompileError(f"operand {text!r} is neither a number nor a label name", line, column)


def assemble(text: str) -> bytes:
    """Assembly text to bytecode (remembering its lines and labels, so a fault in it can
    name the label and line it happened at)."""
    assembled = assemble_items(parse(text))
    regions = tuple(sorted((pc, label) for label, pc in assembled.labels.items()))
    remember(assembled.code, SourceMap(text, assembled.lines, regions))
    return assembled.code


def disassemble(code: bytes, show_pc: bool = False) -> str:
    """Bytecode to assembly text that assembles back to the same bytes."""
    decoded = decode(code)
    starts = {pc for pc, _, _ in decoded}
    targets = {arg for _, op, arg in decoded if op.name in JUMPS and arg in starts}
    lines = []
    for pc, op, arg in decoded:
        if pc in targets:
            lines.append(f"L{pc}:")
        if op.immediate == 0:
            text = op.name
        elif op.name in JUMPS and arg in targets:
            text = f"{op.name} L{arg}"
        else:
            text = f"{op.name} {arg}"
        lines.append(f"    {text:<24}; pc {pc}" if show_pc else f"    {text}")
    return "\n".join(lines) + ("\n" if lines else "")
