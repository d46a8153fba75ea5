"""Step records for the debugger: what the machine did, one instruction at a time (chapter 06).

``trace_call`` runs a call on the machine's step loop (``Engine.STEPS``) and records, before
every instruction, its code offset, opcode, the stack, the gas left and the call depth; the
storage writes the instruction made; and, given the compiler's line map, the source line it
came from. A ``Trace`` is plain data, so figures and tests can read it without a browser
(see ``minichain.viz.debugger``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from minichain.receipts import BlockContext
from minichain.state import State
from minichain.vm.machine import DEFAULT_BLOCK, Engine, Machine, Message, Result, execute
from minichain.vm.program import Instruction, Program, load
from minichain.vm.sources import source_map

MAX_TRACE_STEPS = 50_000


@dataclass(frozen=True)
class Step:
    """The machine just before one instruction, and the storage writes that instruction made."""

    number: int
    pc: int
    op: str
    arg: int | None
    stack: tuple[int, ...]          # bottom first; the top of the stack is the last word
    gas: int                        # gas left before the instruction
    cost: int                       # the instruction's static gas
    depth: int                      # internal call depth (0 in the entry code)
    storage_writes: tuple[tuple[int, int], ...] = ()
    line: int = 0                   # source line (0 if unknown)

    @property
    def instruction(self) -> str:
        return self.op if self.arg is None else f"{self.op} {self.arg}"


@dataclass(frozen=True)
class Trace:
    """Every step of one call, how it ended, and the source it ran (if compiled)."""

    steps: tuple[Step, ...]
    result: Result
    source: str = ""
    truncated: bool = False         # True if the call ran past ``max_steps``

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, index: int) -> Step:
        return self.steps[index]

    def table(self, first: int = 0, count: int = 20) -> str:
        """Steps as text: one line each, for printing in a notebook."""
        rows = [f"{'step':>5} {'pc':>5} {'line':>4} {'instruction':<18} {'gas':>9}  "
                "stack (top last)"]
        for step in self.steps[first:first + count]:
            stack = " ".join(_short(w) for w in step.stack[-6:])
            if len(step.stack) > 6:
                stack = "… " + stack
            rows.append(f"{step.number:>5} {step.pc:>5} {step.line or '':>4} "
                        f"{step.instruction:<18} {step.gas:>9}  {stack}")
        return "\n".join(rows)


def _short(word: int) -> str:
    text = str(word)
    return text if len(text) <= 12 else f"{text[:5]}…{text[-4:]}"


@dataclass
class Recorder:
    """A tracer: keeps a ``Step`` for every instruction the machine runs."""

    lines: dict[int, int] = field(default_factory=dict)
    max_steps: int = MAX_TRACE_STEPS
    steps: list[Step] = field(default_factory=list)
    truncated: bool = False
    _writes: list[tuple[int, int]] = field(default_factory=list)

    def before(self, machine: Machine, instruction: Instruction) -> None:
        self._close()
        if len(self.steps) >= self.max_steps:
            self.truncated = True
            return
        op = instruction.op
        line = self.lines.get(instruction.pc, 0)
        if not line and self.lines and self.steps:
            line = self.steps[-1].line   # a shared revert stub: the require that jumped here
        self.steps.append(Step(len(self.steps), instruction.pc, op.name,
                               None if op.immediate == 0 else instruction.arg,
                               tuple(machine.stack), machine.gas, instruction.gas,
                               len(machine.frames), (), line))

    def storage_write(self, slot: int, value: int) -> None:
        self._writes.append((slot, value))

    def _close(self) -> None:
        if self._writes and self.steps:
            last = self.steps[-1]
            self.steps[-1] = Step(last.number, last.pc, last.op, last.arg, last.stack, last.gas,
                                  last.cost, last.depth, tuple(self._writes), last.line)
        self._writes = []


def trace_call(state: State, code: bytes | Program, message: Message,
               block: BlockContext = DEFAULT_BLOCK, lines: dict[int, int] | None = None,
               source: str = "", max_steps: int = MAX_TRACE_STEPS) -> Trace:
    """Run one call step by step and record it (the state changes as with ``execute``).

    Without ``lines`` and ``source``, they come from the compiler or assembler that made
    the code in this process, if any (``sources.source_map``).
    """
    program = code if isinstance(code, Program) else load(bytes(code))
    known = source_map(program.code)
    if lines is None and known is not None:
        lines, source = known.lines, source or known.source
    recorder = Recorder(dict(lines or {}), max_steps)
    result = execute(state, program, message, block, Engine.STEPS, recorder)
    recorder._close()
    return Trace(tuple(recorder.steps), result, source, recorder.truncated)


def count_steps(state: State, code: bytes | Program, message: Message,
                block: BlockContext = DEFAULT_BLOCK) -> tuple[int, Result]:
    """How many instructions a call runs (cheaply: no records kept)."""
    counter = _Counter()
    result = execute(state, code, message, block, Engine.STEPS, counter)
    return counter.steps, result


class _Counter:
    def __init__(self) -> None:
        self.steps = 0

    def before(self, machine: Machine, instruction: Instruction) -> None:
        self.steps += 1

    def storage_write(self, slot: int, value: int) -> None:
        pass
