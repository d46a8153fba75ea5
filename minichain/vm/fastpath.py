"""The fast path: run straight-line stretches of bytecode as generated Python (chapter 06).

Optional reading. The step loop in ``machine.py`` is the definition of what every
instruction does; this module computes exactly the same thing, only faster, and the tests
prove it on random programs (same success, gas, output, logs, error and state root). Why
bother: a loop that calls one Python function per instruction spends most of its time on
the calling, not the work, and a contract that sorts a thousand orders runs millions of
instructions.

It restates no opcode. What it writes comes from the same definitions the step loop uses:
the table's ``Formula`` text for arithmetic and comparisons (the step loop evaluates it,
this module pastes it into Python), ``opcodes.dup``/``opcodes.swap`` applied to a list of
Python expressions instead of words, and the fault builders of ``faults.py``.

How it works:

1. **Blocks.** The code is cut into blocks that start at a ``JUMPDEST``, after a jump or
   after a handed-over instruction, and end at a jump or a handed-over instruction (at
   most ``MAX_BLOCK_INSTRUCTIONS`` long). Formulas, stack and local-variable moves and
   memory lists become Python. Storage, logs and the call's context (``IN_PLACE``) are
   the machine's own function for the opcode, called on the real stack from the
   generated Python: the block's guards have done what ``step`` checks first, and these
   never read the gas or the place in the code. Every other instruction (internal and
   contract calls, memory allocation, halts) is *handed over*: it ends its block, and the
   generated Python calls the machine's function for it with the gas and the place
   brought up to date, exactly as ``step`` would have left them, then goes on from where
   the machine is.
2. **One Python function per entry block**, written the first time that block runs and
   kept for that ``Program``. Stack words inside a block become Python expressions
   (named once they nest ``MAX_EXPRESSION_DEPTH`` deep); a jump back to the function's
   first block becomes ``continue`` in a ``while True`` loop, so a whole loop of the
   contract runs inside one Python loop; other blocks are inlined up to a size limit, and
   beyond it the function returns the index to go on from.
3. **Guards keep it exact.** Before a block runs, the function checks that the gas left
   covers the whole block and that the stack can neither under- nor overflow in it. If a
   guard fails, the block is run by ``step`` one instruction at a time, which raises the
   right error at the right instruction. Inside a block an error (overflow, division by
   zero, bad memory access) raises the same error as ``step`` would, and because a failed
   call rolls everything back and burns all its gas, charging a block's gas up front
   changes nothing anyone can observe.
4. **Never a crash.** Whatever CPython refuses to compile (it should not happen, the
   limits above keep the Python small) runs on ``step`` instead: a contract can make the
   fast path slow, never make it fail.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from minichain.vm import faults
from minichain.vm.opcodes import (HALTS, INT_MAX, INT_MIN, MAX_STACK, TABLE, Formula, dup,
                                  swap)
from minichain.vm.program import Instruction, Program

Step = Callable[[Any, Instruction], None]     # machine.step: runs one instruction on a Machine
Operations = Sequence[Callable[[Any, Instruction], None] | None]   # machine.DISPATCH, by byte

MOVES = frozenset({"PUSH", "POP", "DUP", "SWAP", "LOAD", "STORE", "ALOAD", "ASTORE", "ALEN",
                   "JUMPDEST", "JUMP", "JUMPI"})
# Opcodes whose function reads and changes only the stack, the state, the logs and the
# call's context: never the gas, the place in the code, the locals or the memory lists,
# and never ends the call but by a fault (which uses all the gas, whenever it comes).
IN_PLACE = frozenset({"HASH", "SHA256", "ADDRESS", "BALANCE", "CALLER", "CALLVALUE",
                      "CALLDATA", "CALLDATASIZE", "NUMBER", "TIMESTAMP", "SLOAD", "SSTORE",
                      "LOG", "TRANSFER"})
SIMPLE = MOVES | IN_PLACE | {op.name for op in TABLE if op.formula is not None}
HANDED_OVER = frozenset(op.name for op in TABLE) - SIMPLE      # each ends its block
MAX_FUNCTION_INSTRUCTIONS = 300    # inlining stops once a function holds this many,
MAX_FUNCTION_BLOCKS = 48           # or this many blocks,
MAX_NESTING = 40                   # or at this depth of nested ``if``s
MAX_BLOCK_INSTRUCTIONS = 128       # a longer straight line is cut into blocks of this size
MAX_EXPRESSION_DEPTH = 16          # a deeper expression is kept in a variable first


@dataclass(frozen=True)
class Block:
    """A run of instructions with one entry and one exit (module docstring, 1)."""

    start: int
    end: int          # index after the last instruction
    cost: int         # gas of all its instructions
    need: int         # words it takes from below its starting stack height
    peak: int         # how far the stack rises above its starting height
    net: int          # how the stack height changes from start to end
    jump: str         # "JUMP", "JUMPI", "HANDED" (the last is handed over), or "" when it
                      # runs into the next block


@dataclass
class Analysis:
    """What the fast path knows about one program, built once."""

    boundary: list[bool]                  # True where a block starts
    blocks: dict[int, Block]
    functions: list = field(default_factory=list)


_ANALYSES: weakref.WeakKeyDictionary[Program, Analysis] = weakref.WeakKeyDictionary()


def analyse(program: Program) -> Analysis:
    """Cut the program into blocks (once per program; forgotten with the program)."""
    known = _ANALYSES.get(program)
    if known is not None:
        return known
    instructions = program.instructions
    n = len(instructions)
    boundary = [False] * n
    for i, ins in enumerate(instructions):
        name = ins.op.name
        if i == 0 or name == "JUMPDEST":
            boundary[i] = True
        if (name in ("JUMP", "JUMPI") or name in HANDED_OVER) and i + 1 < n:
            boundary[i + 1] = True
    run = 0
    for i in range(n):             # bound every block, so the Python written for it is too
        run = 0 if boundary[i] else run + 1
        if run == MAX_BLOCK_INSTRUCTIONS:
            boundary[i], run = True, 0
    blocks = {i: _block(instructions, boundary, i) for i in range(n) if boundary[i]}
    analysis = Analysis(boundary, blocks, [None] * n)
    _ANALYSES[program] = analysis
    return analysis


def _block(instructions: tuple[Instruction, ...], boundary: list[bool], start: int) -> Block:
    cost = need = peak = height = 0
    j = start
    while True:
        ins = instructions[j]
        cost += ins.gas
        need = max(need, ins.needs - height)
        height += ins.growth
        peak = max(peak, height)
        j += 1
        if ins.op.name in ("JUMP", "JUMPI"):
            return Block(start, j, cost, need, peak, height, ins.op.name)
        if ins.op.name in HANDED_OVER:    # the implicit STOP at the end is one: every
            return Block(start, j, cost, need, peak, height, "HANDED")   # block ends
        if boundary[j]:
            return Block(start, j, cost, need, peak, height, "")


# --- writing the Python for one entry block ---------------------------------------------

@dataclass(frozen=True)
class _Word:
    """A stack word while a block is being translated: a Python expression."""

    expr: str
    is_bool: bool = False          # a comparison not yet turned into 0/1
    const: int | None = None       # the value, when it is a PUSHed constant
    depth: int = 0                 # how deeply ``expr`` nests other expressions


@dataclass
class _Known:
    """What the code written so far on this path already has in Python variables."""

    locals: dict[int, _Word] = field(default_factory=dict)
    lists: dict[str, tuple[str, str]] = field(default_factory=dict)   # handle -> (list, len)
    valid: set[tuple[str, str]] = field(default_factory=set)          # (list, index) checked

    def copy(self) -> "_Known":
        return _Known(dict(self.locals), dict(self.lists), set(self.valid))


class _Writer:
    """Writes the Python source of one function, rooted at one block."""

    def __init__(self, program: Program, analysis: Analysis, root: int) -> None:
        self.instructions = program.instructions
        self.blocks = analysis.blocks
        self.root = root
        self.lines: list[str] = []
        self.temps = 0
        self.size = 0
        self.count = 0
        self.root_peak = 0

    def source(self) -> str:
        self.block(self.root, frozenset({self.root}), 2, _Known(), clean=True)
        head = ["def run(m, s, L, H, gas):", "    while True:"]
        if self.root_peak > 0:
            head.append(f"        if len(s) > {MAX_STACK - self.root_peak}: "
                        f"return {-1 - self.root}, gas")
        return "\n".join(head + self.lines) + "\n"

    def emit(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def temp(self) -> str:
        self.temps += 1
        return f"t{self.temps}"

    # -- control ------------------------------------------------------------------------

    def block(self, b: int, path: frozenset[int], depth: int, known: _Known,
              clean: bool) -> None:
        blk = self.blocks[b]
        self.size += blk.end - blk.start
        self.count += 1
        bail = f"return {-1 - b}, gas"
        if clean and blk.net == 0 and blk.need <= 0:
            self.root_peak = max(self.root_peak, blk.peak)
        else:
            clean = False
            checks = []
            if blk.need > 0:
                checks.append(f"len(s) < {blk.need}")
            if blk.peak > 0:
                checks.append(f"len(s) > {MAX_STACK - blk.peak}")
            if checks:
                self.emit(depth, f"if {' or '.join(checks)}: {bail}")
        self.emit(depth, f"if gas < {blk.cost}: {bail}")
        self.emit(depth, f"gas -= {blk.cost}")
        stack: list[_Word] = []
        body_end = blk.end - 1 if blk.jump else blk.end
        for i in range(b, body_end):
            self.instruction(i, stack, depth, known)
        if blk.jump == "JUMP":
            self.flush(stack, depth)
            self.go(self.instructions[blk.end - 1].target, path, depth, known, clean)
        elif blk.jump == "HANDED":
            self.flush(stack, depth)
            self.hand_over(blk.end - 1, path, depth, known, clean)
        elif blk.jump == "JUMPI":
            self.pull(stack, 1, depth)
            condition = stack.pop()
            self.flush(stack, depth)
            self.emit(depth, f"if {condition.expr}:")
            self.go(self.instructions[blk.end - 1].target, path, depth + 1, known.copy(),
                    clean)
            self.go(blk.end, path, depth, known, clean)
        else:
            self.flush(stack, depth)
            self.go(blk.end, path, depth, known, clean)

    def hand_over(self, index: int, path: frozenset[int], depth: int, known: _Known,
                  clean: bool) -> None:
        """Call the machine's function for a handed-over instruction with the gas and the
        place as ``step`` leaves them, then go on from where the machine is."""
        ins = self.instructions[index]
        name = ins.op.name
        self.emit(depth, f"m.gas = gas; m.index = {index + 1}")
        self.emit(depth, f"D[{ins.op.code}](m, I[{index}])")
        if name in HALTS:
            return                                  # it always raises: the call is over
        if name == "RET":
            self.emit(depth, "return m.index, m.gas")
        elif name == "CALL":                        # a fresh frame of locals
            self.emit(depth, "gas = m.gas; L = m.locals")
            self.go(ins.target, path, depth, _Known(), clean)
        else:
            self.emit(depth, "gas = m.gas")
            self.go(index + 1, path, depth, known, clean)

    def go(self, target: int, path: frozenset[int], depth: int, known: _Known,
           clean: bool) -> None:
        if target == self.root:
            self.emit(depth, "continue")
        elif (target not in self.blocks or target in path or depth > MAX_NESTING
              or self.size >= MAX_FUNCTION_INSTRUCTIONS or self.count >= MAX_FUNCTION_BLOCKS):
            self.emit(depth, f"return {target}, gas")
        else:
            self.block(target, path | {target}, depth, known, clean)

    # -- the stack ---------------------------------------------------------------------

    def pull(self, stack: list[_Word], count: int, depth: int) -> None:
        """Make sure ``count`` words are in Python variables, popping from the real stack."""
        while len(stack) < count:
            t = self.temp()
            self.emit(depth, f"{t} = s.pop()")
            stack.insert(0, _Word(t))

    def integer(self, word: _Word, depth: int) -> _Word:
        if not word.is_bool:
            return word
        t = self.temp()
        self.emit(depth, f"{t} = 1 if {word.expr} else 0")
        return _Word(t)

    def pop(self, stack: list[_Word], depth: int) -> _Word:
        self.pull(stack, 1, depth)
        return self.integer(stack.pop(), depth)

    def flush(self, stack: list[_Word], depth: int) -> None:
        words = [self.integer(word, depth).expr for word in stack]
        if len(words) == 1:
            self.emit(depth, f"s.append({words[0]})")
        elif words:
            self.emit(depth, f"s.extend(({', '.join(words)},))")
        stack.clear()

    # -- one instruction ---------------------------------------------------------------

    def instruction(self, index: int, stack: list[_Word], depth: int, known: _Known) -> None:
        ins = self.instructions[index]
        name, pc, emit = ins.op.name, ins.pc, self.emit
        if ins.op.formula is not None:
            self.formula(ins, ins.op.formula, stack, depth)
        elif name in IN_PLACE:
            self.flush(stack, depth)                 # the machine's function takes its words
            emit(depth, f"D[{ins.op.code}](m, I[{index}])")     # from the real stack
        elif name == "JUMPDEST":
            return
        elif name == "PUSH":
            stack.append(_Word(repr(ins.arg) if ins.arg >= 0 else f"({ins.arg})", False,
                               ins.arg))
        elif name == "POP":
            self.pull(stack, 1, depth)
            stack.pop()
        elif name == "DUP":
            self.pull(stack, ins.arg, depth)
            dup(stack, ins.arg)
        elif name == "SWAP":
            self.pull(stack, ins.arg + 1, depth)
            swap(stack, ins.arg)
        elif name == "LOAD":
            if ins.arg not in known.locals:
                t = self.temp()
                emit(depth, f"{t} = L[{ins.arg}]")
                known.locals[ins.arg] = _Word(t)
            stack.append(known.locals[ins.arg])
        elif name == "STORE":
            value = self.pop(stack, depth)
            emit(depth, f"L[{ins.arg}] = {value.expr}")
            known.locals[ins.arg] = value
        elif name == "ALOAD":
            index, handle = self.pop(stack, depth), self.pop(stack, depth)
            words, length = self.memory_list(handle, pc, name, depth, known)
            self.index_check(words, length, index, pc, name, depth, known)
            t = self.temp()
            emit(depth, f"{t} = {words}[{index.expr}]")
            stack.append(_Word(t))
        elif name == "ASTORE":
            index, handle = self.pop(stack, depth), self.pop(stack, depth)
            value = self.pop(stack, depth)
            words, length = self.memory_list(handle, pc, name, depth, known)
            self.index_check(words, length, index, pc, name, depth, known)
            emit(depth, f"{words}[{index.expr}] = {value.expr}")
        elif name == "ALEN":
            handle = self.pop(stack, depth)
            _, length = self.memory_list(handle, pc, name, depth, known)
            stack.append(_Word(length))
        else:  # pragma: no cover - blocks hold only SIMPLE instructions
            raise AssertionError(f"{name} is not a simple instruction")

    def formula(self, ins: Instruction, formula: Formula, stack: list[_Word],
                depth: int) -> None:
        """Write the table's formula for ``ins`` with the operands' expressions pasted in.

        A comparison may take a comparison as it stands (Python's True and False are 1 and
        0 in arithmetic); every other operand is a 0/1 integer first.
        """
        self.pull(stack, len(formula.operands), depth)
        words = stack[-len(formula.operands):]
        del stack[-len(formula.operands):]
        if not formula.boolean:
            words = [self.integer(word, depth) for word in words]
        words = [self.shallow(word, depth) for word in words]
        names = dict(zip(formula.operands, (word.expr for word in words)))
        if formula.divides:
            divisor = words[-1]
            if divisor.const is None:
                self.emit(depth, f"if {divisor.expr} == 0: raise _division_by_zero("
                                 f"{ins.op.name!r}, {ins.pc})")
            elif divisor.const == 0:
                self.emit(depth, f"raise _division_by_zero({ins.op.name!r}, {ins.pc})")
        if formula.boolean:
            nesting = max(word.depth for word in words) + 1
            stack.append(_Word(f"({formula.expression(**names)})", True, None, nesting))
            return
        t = self.temp()
        self.emit(depth, f"{t} = {formula.expression(**names)}")
        high, low = _can_leave_the_word_range(formula, words)
        self.range_check(t, high, low, ins.pc, ins.op.name, depth)
        stack.append(_Word(t))

    def shallow(self, word: _Word, depth: int) -> _Word:
        """``word``, or a variable holding it if its expression nests too deep for CPython."""
        if word.depth < MAX_EXPRESSION_DEPTH:
            return word
        t = self.temp()
        self.emit(depth, f"{t} = {word.expr}")
        return _Word(t, word.is_bool)

    def range_check(self, t: str, high: bool, low: bool, pc: int, name: str,
                    depth: int) -> None:
        if high and low:
            test = f"not {INT_MIN} <= {t} <= {INT_MAX}"
        elif high:
            test = f"{t} > {INT_MAX}"
        elif low:
            test = f"{t} < {INT_MIN}"
        else:
            return
        self.emit(depth, f"if {test}: raise _overflow({name!r}, {pc}, {t})")

    def memory_list(self, handle: _Word, pc: int, name: str, depth: int,
                    known: _Known) -> tuple[str, str]:
        if handle.expr not in known.lists:
            words, length = self.temp(), self.temp()
            self.emit(depth, f"if not 0 <= {handle.expr} < len(H): "
                             f"raise _bad_handle({name!r}, {pc}, {handle.expr})")
            self.emit(depth, f"{words} = H[{handle.expr}]")
            self.emit(depth, f"{length} = len({words})")
            known.lists[handle.expr] = (words, length)
        return known.lists[handle.expr]

    def index_check(self, words: str, length: str, index: _Word, pc: int, name: str,
                    depth: int, known: _Known) -> None:
        if (words, index.expr) in known.valid:
            return
        test = (f"{index.expr} >= {length}" if index.const is not None and index.const >= 0
                else f"not 0 <= {index.expr} < {length}")
        self.emit(depth, f"if {test}: raise _bad_index({name!r}, {pc}, {index.expr}, {length})")
        known.valid.add((words, index.expr))


def _can_leave_the_word_range(formula: Formula, words: list[_Word]) -> tuple[bool, bool]:
    """Whether the result can pass the top and the bottom of the word range.

    Only a formula that can overflow at all needs a check; when every operand but one is a
    constant and the result grows or falls with that one (``monotone``), the formula at
    the two ends of the word range bounds the result, so a side it cannot reach needs no
    check.
    """
    if not formula.overflows:
        return False, False
    unknown = [name for name, word in zip(formula.operands, words) if word.const is None]
    constants = {name: word.const for name, word in zip(formula.operands, words)}
    if formula.divides and constants.get("b") == 0:
        return False, False                    # it raised DivisionByZero already
    if not unknown:
        value = formula.evaluate(*constants.values())
        return value > INT_MAX, value < INT_MIN
    if len(unknown) == 1 and unknown[0] in formula.monotone:
        ends = [formula.evaluate(*{**constants, unknown[0]: end}.values())
                for end in (INT_MIN, INT_MAX)]
        return max(ends) > INT_MAX, min(ends) < INT_MIN
    return True, True


def python_source(program: Program, root: int) -> str:
    """The Python the fast path writes for the block at instruction ``root`` (to read)."""
    return _Writer(program, analyse(program), root).source()


_NAMESPACE = {"_overflow": faults.overflow, "_division_by_zero": faults.division_by_zero,
              "_bad_handle": faults.bad_handle, "_bad_index": faults.bad_index}


def _compile(program: Program, analysis: Analysis, root: int, operations: Operations):
    """Write and compile the function for ``root``; its faults come from ``faults.py``, its
    ``IN_PLACE`` instructions are ``operations`` (the machine's, by opcode byte)."""
    source = _Writer(program, analysis, root).source()
    namespace = dict(_NAMESPACE, D=operations, I=program.instructions)
    try:
        exec(compile(source, f"<fast path of block {root}>", "exec"), namespace)
    except (SyntaxError, RecursionError, MemoryError, ValueError, OverflowError):
        return _refused(root)       # CPython will not compile it: the step loop runs it
    return namespace["run"]


def _refused(root: int):
    """A stand-in for a block the fast path could not turn into Python: always take the
    guard-failed exit, so the trampoline runs the block one step at a time."""
    def run(m: Any, s: list, L: list, H: list, gas: int) -> tuple[int, int]:
        return -1 - root, gas
    return run


# --- the trampoline ----------------------------------------------------------------------

def run_fast(m: Any, step: Step, operations: Operations) -> None:
    """Run the call on machine ``m`` to its end (which always raises) through the generated
    functions. Every place it goes on from starts a block (the first instruction, a
    ``JUMPDEST``, the one after a handed-over instruction: where a ``RET`` goes back to).
    ``operations`` are the machine's function for each opcode, and ``step`` the machine's
    own, for a block whose guard fails."""
    program = m.program
    analysis = analyse(program)
    functions, boundary, instructions = analysis.functions, analysis.boundary, program.instructions
    s, H = m.stack, m.heap
    i, gas = m.index, m.gas
    while True:
        run = functions[i]
        if run is None:
            run = functions[i] = _compile(program, analysis, i, operations)
        i, gas = run(m, s, m.locals, H, gas)
        if i < 0:
            # a guard failed: take this block one step at a time, as the reference does
            m.index, m.gas = -1 - i, gas
            while True:
                step(m, instructions[m.index])
                if boundary[m.index]:
                    break
            i, gas = m.index, m.gas
