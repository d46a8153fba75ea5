"""The contract machine: run loaded code and say what happened (chapter 06).

``execute(state, code, message)`` runs a call. Before each instruction the machine charges
its gas and checks the stack; then the opcode's one definition does the work: a ``Formula``
in the table for arithmetic and comparisons (``op_formula``), a short function here for
everything else (below, in table order). The call ends in one of three ways:

* **success** (``STOP``, ``RETURN``, or running off the end): effects stand;
* **revert** (``REVERT``, a ``Revert``): the contract refused and said why; storage,
  balances and logs roll back, and the unused gas is given back;
* **exceptional halt** (an ``ExceptionalHalt``: out of gas, stack under/overflow,
  overflow, division by zero, bad memory access, ...): everything rolls back and *all* the
  gas is used.

A contract can call another contract (``XCALL``, chapter 08): ``op_xcall`` runs the callee
with ``execute`` itself, as a nested call one level deeper, with ``msg.sender`` = the
caller's address and all the gas the caller has left. The callee's gas comes off the
caller's; its events join the caller's; if it fails, the caller fails the same way, so a
whole chain of calls either stands or rolls back together.

A call is also a little world of its own: an operand stack of words, local variables per
internal call frame, memory lists (``ALLOC``), and the contract's storage in the state.

Two engines run a call, and the caller names which: ``Engine.STEPS`` is the plain loop
here, one instruction at a time (the definition; the debugger's tracer watches it);
``Engine.FAST`` (what the chain uses) runs straight-line stretches as generated Python
(``fastpath.py``) and hands every other instruction to the same ``step``.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, replace
from typing import Protocol

from minichain.encoding import sha256
from minichain.errors import ExceptionalHalt, Revert, VMError
from minichain.receipts import BlockContext, Log
from minichain.state import State
from minichain.vm import faults
from minichain.vm.fastpath import run_fast
from minichain.vm.opcodes import (ADDRESS_LIMIT, GAS_ALLOC_WORD, INT_MAX, INT_MIN,
                                  MAX_CALL_DEPTH, MAX_CONTRACT_DEPTH, MAX_LOCALS,
                                  MAX_MEMORY_WORDS, MAX_STACK, TABLE, address_to_word, dup,
                                  sha256_words, swap, word_bytes, word_to_address,
                                  words_to_text)
from minichain.vm.program import Instruction, Program, load
from minichain.vm.sources import locate

DEFAULT_BLOCK = BlockContext(chain_id=1, number=0, timestamp=0, sealer="")
SLOT_DOMAIN = b"minichain slot:"


class Engine(enum.Enum):
    """How ``execute`` runs a call; both give the same result, state and gas."""

    FAST = "fast"       # generated Python for straight-line code: what the chain uses
    STEPS = "steps"     # one instruction at a time: the definition, and what a tracer sees


# --- a call in progress ----------------------------------------------------------------

@dataclass(frozen=True)
class Message:
    """A call into a contract: who calls, which contract, tokens sent, call data, gas."""

    caller: str
    address: str
    value: int = 0
    data: bytes = b""
    gas: int = 1_000_000
    depth: int = 0          # 0 for a transaction's call; +1 for each contract calling another


class Tracer(Protocol):
    """Receives every step of a traced run (see ``trace.py``)."""

    def before(self, machine: "Machine", instruction: Instruction) -> None: ...

    def storage_write(self, slot: int, value: int) -> None: ...


class Halt(Exception):
    """Raised by STOP and RETURN to end a call successfully (never leaves ``execute``)."""

    def __init__(self, output: tuple[int, ...] = ()) -> None:
        super().__init__("halt")
        self.output = output


class Machine:
    """Everything a running call can see and change."""

    __slots__ = ("program", "state", "address", "self_word", "caller_word", "value",
                 "data", "block", "gas", "stack", "locals", "frames", "heap", "heap_words",
                 "logs", "index", "engine", "tracer", "depth")

    def __init__(self, program: Program, state: State, message: Message,
                 block: BlockContext, engine: Engine = Engine.FAST,
                 tracer: Tracer | None = None) -> None:
        self.program = program
        self.state = state
        self.address = message.address
        self.self_word = address_to_word(message.address)
        self.caller_word = address_to_word(message.caller)
        self.value = message.value
        self.data = data_words(bytes(message.data))
        self.block = block
        self.gas = message.gas
        self.stack: list[int] = []
        self.locals: list[int] = [0] * MAX_LOCALS
        self.frames: list[tuple[int, list[int]]] = []
        self.heap: list[list[int]] = []
        self.heap_words = 0
        self.logs: list[Log] = []
        self.index = 0
        self.engine = engine
        self.tracer = tracer
        self.depth = message.depth

    @property
    def pc(self) -> int:
        return self.program.instructions[self.index].pc


@functools.lru_cache(maxsize=4096)
def data_words(data: bytes) -> tuple[int, ...]:
    """Call data as words: 32-byte big-endian signed chunks, the last padded with zeros.

    Remembered: every node that runs a block reads the same call data."""
    return tuple(int.from_bytes(data[i:i + 32].ljust(32, b"\x00"), "big", signed=True)
                 for i in range(0, len(data), 32))


# --- helpers the opcodes share -----------------------------------------------------------

def checked(ins: Instruction, value: int) -> int:
    """``value`` if it fits in a word, else an ``IntegerOverflow``."""
    if INT_MIN <= value <= INT_MAX:
        return value
    raise faults.overflow(ins.op.name, ins.pc, value)


def charge(m: Machine, ins: Instruction, amount: int) -> None:
    """Take gas that depends on the operands (e.g. the size of a new memory list)."""
    if amount > m.gas:
        raise faults.out_of_gas(ins.op.name, ins.pc, amount, m.gas, more=True)
    m.gas -= amount


def as_address(ins: Instruction, word: int) -> str:
    if not 0 <= word < ADDRESS_LIMIT:
        raise faults.bad_address(ins.op.name, ins.pc, word)
    return word_to_address(word)


@functools.lru_cache(maxsize=1 << 16)
def slot_of(seed: int, key: int) -> int:
    """The storage slot of ``key`` in the map whose seed slot is ``seed`` (248-bit hash).

    Remembered: a contract hashes the same few keys again and again, on every node."""
    data = SLOT_DOMAIN + seed.to_bytes(32, "big", signed=True) + key.to_bytes(32, "big",
                                                                             signed=True)
    return int.from_bytes(sha256(data)[:31], "big")


def memory_list(m: Machine, ins: Instruction, handle: int) -> list[int]:
    if not 0 <= handle < len(m.heap):
        raise faults.bad_handle(ins.op.name, ins.pc, handle)
    return m.heap[handle]


def memory_index(ins: Instruction, words: list[int], index: int) -> int:
    if not 0 <= index < len(words):
        raise faults.bad_index(ins.op.name, ins.pc, index, len(words))
    return index


# --- what each opcode does (table order) ---------------------------------------------------

def op_formula(m: Machine, ins: Instruction) -> None:
    """ADD, SUB, MUL, DIV, MOD, LT, GT, EQ, ISZERO: the formula in the opcode's table row."""
    formula, stack = ins.op.formula, m.stack
    if len(formula.operands) == 1:
        value = formula.evaluate(stack.pop())
    else:
        b, a = stack.pop(), stack.pop()
        if formula.divides and b == 0:
            raise faults.division_by_zero(ins.op.name, ins.pc)
        value = formula.evaluate(a, b)
    if formula.boolean:
        value = 1 if value else 0
    elif formula.overflows:
        value = checked(ins, value)
    stack.append(value)


def op_stop(m: Machine, ins: Instruction) -> None:
    """End the call successfully with no output."""
    raise Halt(())


def op_hash(m: Machine, ins: Instruction) -> None:
    """The slot of a map entry: hash of the map's seed slot and the key."""
    key, seed = m.stack.pop(), m.stack.pop()
    m.stack.append(slot_of(seed, key))


def op_sha256(m: Machine, ins: Instruction) -> None:
    """SHA256 n: the table's ``sha256_words`` of the top n words, deepest first."""
    cut = len(m.stack) - ins.arg
    words = m.stack[cut:]
    del m.stack[cut:]
    m.stack.append(sha256_words(words))


def op_address(m: Machine, ins: Instruction) -> None:
    m.stack.append(m.self_word)


def op_balance(m: Machine, ins: Instruction) -> None:
    address = as_address(ins, m.stack.pop())
    m.stack.append(checked(ins, m.state.balance(address)))


def op_caller(m: Machine, ins: Instruction) -> None:
    m.stack.append(m.caller_word)


def op_callvalue(m: Machine, ins: Instruction) -> None:
    m.stack.append(checked(ins, m.value))


def op_calldata(m: Machine, ins: Instruction) -> None:
    i = m.stack.pop()
    m.stack.append(m.data[i] if 0 <= i < len(m.data) else 0)


def op_calldatasize(m: Machine, ins: Instruction) -> None:
    m.stack.append(len(m.data))


def op_number(m: Machine, ins: Instruction) -> None:
    m.stack.append(m.block.number)


def op_timestamp(m: Machine, ins: Instruction) -> None:
    m.stack.append(m.block.timestamp)


def op_pop(m: Machine, ins: Instruction) -> None:
    m.stack.pop()


def op_load(m: Machine, ins: Instruction) -> None:
    m.stack.append(m.locals[ins.arg])


def op_store(m: Machine, ins: Instruction) -> None:
    m.locals[ins.arg] = m.stack.pop()


def op_sload(m: Machine, ins: Instruction) -> None:
    m.stack.append(m.state.storage_get(m.address, m.stack.pop()))


def op_sstore(m: Machine, ins: Instruction) -> None:
    slot, value = m.stack.pop(), m.stack.pop()
    m.state.storage_set(m.address, slot, value)
    if m.tracer is not None:
        m.tracer.storage_write(slot, value)


def op_jump(m: Machine, ins: Instruction) -> None:
    m.index = ins.target


def op_jumpi(m: Machine, ins: Instruction) -> None:
    if m.stack.pop() != 0:
        m.index = ins.target


def op_call(m: Machine, ins: Instruction) -> None:
    """Enter an internal function: remember where to come back, start fresh locals."""
    if len(m.frames) >= MAX_CALL_DEPTH:
        raise faults.too_many_calls(ins.op.name, ins.pc)
    m.frames.append((m.index, m.locals))
    m.locals = [0] * MAX_LOCALS
    m.index = ins.target


def op_ret(m: Machine, ins: Instruction) -> None:
    """Go back to the instruction after the matching CALL, with the caller's locals."""
    if not m.frames:
        raise faults.nothing_to_return_from(ins.op.name, ins.pc)
    m.index, m.locals = m.frames.pop()


def op_jumpdest(m: Machine, ins: Instruction) -> None:
    """Only marks a place that jumps may go to."""


def op_push(m: Machine, ins: Instruction) -> None:
    m.stack.append(ins.arg)


def op_dup(m: Machine, ins: Instruction) -> None:
    dup(m.stack, ins.arg)


def op_swap(m: Machine, ins: Instruction) -> None:
    swap(m.stack, ins.arg)


def op_log(m: Machine, ins: Instruction) -> None:
    """Record an event: the topic names it, the data words describe it."""
    topic = m.stack.pop()
    data = tuple(m.stack[len(m.stack) - ins.arg:])
    del m.stack[len(m.stack) - ins.arg:]
    m.logs.append(Log(m.address, topic_text(topic), data))


@functools.lru_cache(maxsize=1024)
def topic_text(topic: int) -> str:
    """An event's name from its topic word. Remembered: a contract logs the same few names."""
    return words_to_text((topic,))


def op_alloc(m: Machine, ins: Instruction) -> None:
    """A new memory list of n zeros; its handle is its position in the heap."""
    n = m.stack.pop()
    if n < 0:
        raise faults.bad_length(ins.op.name, ins.pc, n)
    charge(m, ins, GAS_ALLOC_WORD * n)
    if m.heap_words + n > MAX_MEMORY_WORDS:
        raise faults.memory_full(ins.op.name, ins.pc, n)
    m.heap_words += n
    m.heap.append([0] * n)
    m.stack.append(len(m.heap) - 1)


def op_aload(m: Machine, ins: Instruction) -> None:
    index, handle = m.stack.pop(), m.stack.pop()
    words = memory_list(m, ins, handle)
    m.stack.append(words[memory_index(ins, words, index)])


def op_astore(m: Machine, ins: Instruction) -> None:
    index, handle, value = m.stack.pop(), m.stack.pop(), m.stack.pop()
    words = memory_list(m, ins, handle)
    words[memory_index(ins, words, index)] = value


def op_alen(m: Machine, ins: Instruction) -> None:
    m.stack.append(len(memory_list(m, ins, m.stack.pop())))


def op_transfer(m: Machine, ins: Instruction) -> None:
    """Send tokens from the contract's own balance."""
    amount, recipient = m.stack.pop(), as_address(ins, m.stack.pop())
    have = m.state.balance(m.address)
    if not 0 <= amount <= have:
        raise faults.transfer_refused(ins.op.name, ins.pc, amount, have)
    m.state.transfer(m.address, recipient, amount)


def op_xcall(m: Machine, ins: Instruction) -> None:
    """Call another contract and push the one word it returns (0 if it returns nothing)."""
    cut = len(m.stack) - ins.arg - 1
    words = m.stack[cut:]                       # the selector, then the arguments
    del m.stack[cut:]
    target = as_address(ins, m.stack.pop())
    if m.depth >= MAX_CONTRACT_DEPTH:
        raise faults.too_many_contracts(ins.op.name, ins.pc)
    code = m.state.code(target)
    if not code:
        raise faults.no_contract(ins.op.name, ins.pc, target)
    data = b"".join(word_bytes(word) for word in words)
    result = execute(m.state, code, Message(m.address, target, 0, data, m.gas, m.depth + 1),
                     m.block, m.engine, m.tracer)
    m.gas -= result.gas_used
    if not result.success:
        raise result.fault              # the same revert reason, or the same fault
    if len(result.output) > 1:
        raise faults.too_many_words(ins.op.name, ins.pc, target, len(result.output))
    m.logs.extend(result.logs)
    m.stack.append(result.output[0] if result.output else 0)


def op_return(m: Machine, ins: Instruction) -> None:
    raise Halt(tuple(m.stack[len(m.stack) - ins.arg:]))


def op_revert(m: Machine, ins: Instruction) -> None:
    raise Revert(words_to_text(m.stack[len(m.stack) - ins.arg:]), ins.op.name, ins.pc)


OPERATIONS = {"STOP": op_stop, "HASH": op_hash, "SHA256": op_sha256, "ADDRESS": op_address,
              "BALANCE": op_balance, "CALLER": op_caller, "CALLVALUE": op_callvalue,
              "CALLDATA": op_calldata, "CALLDATASIZE": op_calldatasize, "NUMBER": op_number,
              "TIMESTAMP": op_timestamp, "POP": op_pop, "LOAD": op_load, "STORE": op_store,
              "SLOAD": op_sload, "SSTORE": op_sstore, "JUMP": op_jump, "JUMPI": op_jumpi,
              "CALL": op_call, "RET": op_ret, "JUMPDEST": op_jumpdest, "PUSH": op_push,
              "DUP": op_dup, "SWAP": op_swap, "LOG": op_log, "ALLOC": op_alloc,
              "ALOAD": op_aload, "ASTORE": op_astore, "ALEN": op_alen,
              "TRANSFER": op_transfer, "XCALL": op_xcall, "RETURN": op_return,
              "REVERT": op_revert}
OPERATIONS.update({op.name: op_formula for op in TABLE if op.formula is not None})
DISPATCH = [OPERATIONS[op.name] if op is not None else None     # indexed by the opcode byte
            for op in (next((row for row in TABLE if row.code == byte), None)
                       for byte in range(256))]


# --- the loop ----------------------------------------------------------------------------

def step(m: Machine, ins: Instruction) -> None:
    """Run one instruction: charge gas, check the stack, then do what the opcode says."""
    if m.gas < ins.gas:
        raise faults.out_of_gas(ins.op.name, ins.pc, ins.gas, m.gas)
    depth = len(m.stack)
    if depth < ins.needs:
        raise faults.stack_underflow(ins.op.name, ins.pc, ins.needs, depth)
    if depth + ins.growth > MAX_STACK:
        raise faults.stack_overflow(ins.op.name, ins.pc)
    if m.tracer is not None:
        m.tracer.before(m, ins)
    m.gas -= ins.gas
    m.index += 1
    DISPATCH[ins.op.code](m, ins)


def run_steps(m: Machine) -> None:
    """The reference loop: one instruction at a time until the call halts."""
    instructions = m.program.instructions
    while True:
        step(m, instructions[m.index])


# --- running a call ----------------------------------------------------------------------

@dataclass(frozen=True)
class Result:
    """How a call ended: success or not, gas used, output words, events, and the fault.

    ``error``, ``reverted`` and ``reason`` are read off the fault, never stored twice.
    """

    success: bool
    gas_used: int
    output: tuple[int, ...] = ()
    logs: tuple[Log, ...] = ()
    fault: VMError | None = None

    @property
    def reverted(self) -> bool:
        """True for a ``Revert`` (its unused gas went back), False otherwise."""
        return isinstance(self.fault, Revert)

    @property
    def error(self) -> str:
        """The fault's kind and words on one line (``VMError.describe``); empty on success."""
        return "" if self.fault is None else self.fault.describe()

    @property
    def reason(self) -> str:
        """The revert reason, or the fault's own words ("" on success)."""
        return "" if self.fault is None else self.fault.reason

    def explain(self) -> str:
        """The word success, or the fault in the learner's words, with its source line."""
        return "success" if self.fault is None else self.fault.explain()


def execute(state: State, code: bytes | Program, message: Message,
            block: BlockContext = DEFAULT_BLOCK, engine: Engine = Engine.FAST,
            tracer: Tracer | None = None) -> Result:
    """Run one call against ``state`` on ``engine``; on failure the state is left exactly
    as it was. A ``tracer`` sees every step, so it needs ``Engine.STEPS``.

    Raises ``InvalidCode`` or ``BadJump`` if ``code`` cannot be loaded; every fault while
    running becomes a failed ``Result`` instead.
    """
    if tracer is not None and engine is not Engine.STEPS:
        raise ValueError("a tracer sees every step only on engine=Engine.STEPS")
    program = code if isinstance(code, Program) else load(bytes(code))
    m = Machine(program, state, message, block, engine, tracer)
    snapshot = state.snapshot()
    try:
        if engine is Engine.STEPS:
            run_steps(m)
        else:
            run_fast(m, step, DISPATCH)
    except Halt as halt:
        return Result(True, message.gas - m.gas, halt.output, tuple(m.logs))
    except Revert as fault:
        state.rollback(snapshot)
        return Result(False, message.gas - m.gas, fault=_placed(fault, m))
    except ExceptionalHalt as fault:
        state.rollback(snapshot)
        return Result(False, message.gas, fault=_placed(fault, m))
    raise AssertionError("both engines only end by raising")  # pragma: no cover


def _placed(fault: VMError, m: Machine) -> VMError:
    """Name the contract a fault happened in (a callee's fault keeps its own), and look up
    its source line or label if this process knows the code's source. Code that belongs to
    no one line (a compiled contract's shared revert stubs) is placed in the function the
    innermost internal call entered."""
    if fault.address:
        return fault
    fault.address = m.address
    code = m.program.code
    where = locate(code, fault.pc)
    if where is not None and not where.line and m.frames:
        call = m.program.instructions[m.frames[-1][0] - 1]        # the CALL that entered it
        entered = locate(code, m.program.instructions[call.target].pc)
        where = entered if entered is None else replace(entered, line=0, text="")
    fault.where = where
    return fault
