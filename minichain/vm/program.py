"""Bytecode checked and decoded once, before it ever runs: ``load`` (chapter 06).

``load(code)`` checks a contract's bytecode: every byte is a known opcode, no immediate is
cut off, every ``PUSH`` is in its shortest form, and every jump and internal call lands on
a ``JUMPDEST`` ("JUMPDEST analysis"). Code that breaks a rule raises ``InvalidCode`` or
``BadJump`` and is never run. What comes back is a ``Program``: the decoded
``Instruction``s with what both engines of the machine need to run them (static gas, the
stack words an instruction needs, how it changes the stack height, where a jump goes).

The machine (``machine.py``) and its fast path (``fastpath.py``) both read a ``Program``;
neither changes it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from minichain.errors import BadJump, InvalidCode
from minichain.vm.opcodes import BY_CODE, BY_NAME, JUMPS, MAX_CODE_SIZE, MAX_PUSH_BYTES, Opcode


@dataclass(frozen=True)
class Instruction:
    """One decoded instruction, with what the machine needs to run it quickly."""

    pc: int                 # offset of the opcode in the code
    op: Opcode
    arg: int = 0            # the immediate: PUSH value, jump target pc, or n
    target: int = -1        # for JUMP/JUMPI/CALL: the index of the target instruction
    gas: int = 0            # static gas, charged before it runs
    needs: int = 0          # stack words that must be there
    growth: int = 0         # how the stack height changes

    def __str__(self) -> str:
        return self.op.name if self.op.immediate == 0 else f"{self.op.name} {self.arg}"


@dataclass(frozen=True, eq=False)
class Program:
    """Checked, decoded code: the instructions and where each jump goes."""

    code: bytes
    instructions: tuple[Instruction, ...]     # the last one is an implicit STOP
    index_of_pc: dict[int, int]

    def __len__(self) -> int:
        return len(self.instructions) - 1


def push_size(value: int) -> int:
    """The fewest bytes of two's complement that hold ``value`` (PUSH's canonical length)."""
    bits = (value if value >= 0 else ~value).bit_length() + 1
    return max(1, (bits + 7) // 8)


def decode(code: bytes) -> list[tuple[int, Opcode, int]]:
    """Split code into (pc, opcode, immediate) triples; refuse unknown or cut-off bytes."""
    if len(code) > MAX_CODE_SIZE:
        raise InvalidCode(f"code is {len(code)} bytes; the limit is {MAX_CODE_SIZE}")
    out = []
    pc = 0
    while pc < len(code):
        op = BY_CODE.get(code[pc])
        if op is None:
            raise InvalidCode(f"byte 0x{code[pc]:02x} at pc {pc} is not an opcode")
        start = pc
        pc += 1
        if op.immediate == -1:
            if pc >= len(code):
                raise InvalidCode(f"PUSH at pc {start} has no length byte")
            size = code[pc]
            pc += 1
            if not 1 <= size <= MAX_PUSH_BYTES:
                raise InvalidCode(f"PUSH at pc {start} has length {size}; expected 1..32")
            if pc + size > len(code):
                raise InvalidCode(f"PUSH at pc {start} is cut off by the end of the code")
            arg = int.from_bytes(code[pc:pc + size], "big", signed=True)
            if size != push_size(arg):
                raise InvalidCode(f"PUSH at pc {start} uses {size} bytes for {arg}; "
                                  f"the canonical form uses {push_size(arg)}")
            pc += size
        else:
            if pc + op.immediate > len(code):
                raise InvalidCode(f"{op.name} at pc {start} is cut off by the end of the code")
            arg = int.from_bytes(code[pc:pc + op.immediate], "big")
            pc += op.immediate
            if op.name in ("DUP", "SWAP") and arg == 0:
                raise InvalidCode(f"{op.name} 0 at pc {start}: n must be at least 1")
        out.append((start, op, arg))
    return out


@functools.lru_cache(maxsize=256)
def load(code: bytes) -> Program:
    """Check and decode code once; the result is cached, so reloading the same code is free."""
    code = bytes(code)
    decoded = decode(code)
    index_of_pc = {pc: i for i, (pc, _, _) in enumerate(decoded)}
    jumpdests = {pc for pc, op, _ in decoded if op.name == "JUMPDEST"}
    instructions = []
    for pc, op, arg in decoded:
        target = -1
        if op.name in JUMPS:
            if arg not in jumpdests:
                raise BadJump(f"its target {arg} is not a JUMPDEST", op.name, pc)
            target = index_of_pc[arg]
        instructions.append(_instruction(pc, op, arg, target))
    instructions.append(_instruction(len(code), BY_NAME["STOP"], 0, -1))
    return Program(code, tuple(instructions), index_of_pc)


def _instruction(pc: int, op: Opcode, arg: int, target: int) -> Instruction:
    needs = op.stack_in(arg)
    return Instruction(pc, op, arg, target, op.static_gas(arg), needs,
                       op.stack_out(arg) - needs)
