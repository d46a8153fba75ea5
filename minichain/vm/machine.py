"""The contract machine: load bytecode, run it, and say what happened (chapter 06).

``load(code)`` checks a contract's bytecode once, before it ever runs: every byte is a
known opcode, no immediate is cut off, every ``PUSH`` is in its shortest form, and every
jump and internal call lands on a ``JUMPDEST`` ("JUMPDEST analysis"). Code that breaks a
rule raises ``InvalidCode`` or ``BadJump`` and is never run.

``execute(state, code, message)`` runs a call. Before each instruction the machine charges
its gas and checks the stack; then one short function per opcode (below, in table order)
does the work. The call ends in one of three ways:

* **success** (``STOP``, ``RETURN``, or running off the end): effects stand;
* **revert** (``REVERT``): the contract refused and said why; storage, balances and logs
  roll back, and the unused gas is given back;
* **exceptional halt** (out of gas, stack under/overflow, overflow, division by zero, bad
  memory access, ...): everything rolls back and *all* the gas is used.

A contract can call another contract (``XCALL``, chapter 08): ``op_xcall`` runs the callee
with ``execute`` itself, as a nested call one level deeper, with ``msg.sender`` = the
caller's address and all the gas the caller has left. The callee's gas comes off the
caller's; its events join the caller's; if it fails, the caller fails the same way, so a
whole chain of calls either stands or rolls back together.

A call is also a little world of its own: an operand stack of words, local variables per
internal call frame, memory lists (``ALLOC``), and the contract's storage in the state.

``execute`` normally runs through ``fastpath`` (which turns straight-line stretches of
code into Python once and reuses them); with a ``tracer`` it runs the plain step-by-step
loop here, which is the definition the fast path is tested against.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable, Protocol

from minichain.encoding import sha256
from minichain.errors import (BadAddress, BadJump, CallDepthExceeded, CallFailed, DivisionByZero,
                              IntegerOverflow, InvalidCode, MemoryFault, OutOfGas, Revert,
                              StackError, TransferFailed, VMError)
from minichain.receipts import BlockContext, Log
from minichain.state import State
from minichain.vm.fastpath import run_fast
from minichain.vm.opcodes import (ADDRESS_LIMIT, BY_CODE, BY_NAME, GAS_ALLOC_WORD, INT_MAX,
                                  INT_MIN, JUMPS, MAX_CALL_DEPTH, MAX_CODE_SIZE,
                                  MAX_CONTRACT_DEPTH, MAX_LOCALS,
                                  MAX_MEMORY_WORDS, MAX_PUSH_BYTES, MAX_STACK, Opcode,
                                  address_to_word, word_to_address, words_to_text)

DEFAULT_BLOCK = BlockContext(chain_id=1, number=0, timestamp=0, sealer="")
SLOT_DOMAIN = b"minichain slot:"


# --- loading -----------------------------------------------------------------------------

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
    run: Callable[["Machine", "Instruction"], None] | None = field(default=None, repr=False,
                                                                  compare=False)

    def __str__(self) -> str:
        return self.op.name if self.op.immediate == 0 else f"{self.op.name} {self.arg}"


@dataclass(frozen=True, eq=False)
class Program:
    """Checked, decoded code: the instructions and where each jump goes."""

    code: bytes
    instructions: tuple[Instruction, ...]     # the last one is an implicit STOP
    index_of_pc: dict[int, int]
    # filled in by ``fastpath`` the first time a piece of code runs; never part of equality
    fast: list = field(default_factory=list, repr=False)

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
                raise BadJump(f"{op.name} at pc {pc} goes to {arg}, which is not a JUMPDEST")
            target = index_of_pc[arg]
        instructions.append(_instruction(pc, op, arg, target))
    instructions.append(_instruction(len(code), BY_NAME["STOP"], 0, -1))
    return Program(code, tuple(instructions), index_of_pc)


def _instruction(pc: int, op: Opcode, arg: int, target: int) -> Instruction:
    needs = op.stack_in(arg)
    return Instruction(pc, op, arg, target, op.static_gas(arg), needs,
                       op.stack_out(arg) - needs, OPERATIONS[op.name])


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
                 "logs", "index", "tracer", "depth")

    def __init__(self, program: Program, state: State, message: Message,
                 block: BlockContext, tracer: Tracer | None = None) -> None:
        self.program = program
        self.state = state
        self.address = message.address
        self.self_word = address_to_word(message.address)
        self.caller_word = address_to_word(message.caller)
        self.value = message.value
        self.data = data_words(message.data)
        self.block = block
        self.gas = message.gas
        self.stack: list[int] = []
        self.locals: list[int] = [0] * MAX_LOCALS
        self.frames: list[tuple[int, list[int]]] = []
        self.heap: list[list[int]] = []
        self.heap_words = 0
        self.logs: list[Log] = []
        self.index = 0
        self.tracer = tracer
        self.depth = message.depth

    @property
    def pc(self) -> int:
        return self.program.instructions[self.index].pc


def data_words(data: bytes) -> tuple[int, ...]:
    """Call data as words: 32-byte big-endian signed chunks, the last padded with zeros."""
    return tuple(int.from_bytes(data[i:i + 32].ljust(32, b"\x00"), "big", signed=True)
                 for i in range(0, len(data), 32))


# --- errors shared with the fast path -----------------------------------------------------

def overflow_error(pc: int, name: str, value: int) -> IntegerOverflow:
    return IntegerOverflow(f"{name} at pc {pc}: the result {value} is outside the word range "
                           "-2**255 .. 2**255 - 1")


def division_error(pc: int, name: str) -> DivisionByZero:
    return DivisionByZero(f"{name} at pc {pc}: division by zero")


def handle_error(pc: int, name: str, handle: int) -> MemoryFault:
    return MemoryFault(f"{name} at pc {pc}: {handle} is not the handle of a memory list")


def index_error(pc: int, name: str, index: int, length: int) -> MemoryFault:
    return MemoryFault(f"{name} at pc {pc}: index {index} is out of range for a memory list "
                       f"of length {length} (expected 0 <= index < {length})")


FAULTS = {"overflow": overflow_error, "division": division_error, "handle": handle_error,
          "index": index_error}


def checked(m: Machine, ins: Instruction, value: int) -> int:
    """``value`` if it fits in a word, else an ``IntegerOverflow``."""
    if INT_MIN <= value <= INT_MAX:
        return value
    raise overflow_error(ins.pc, ins.op.name, value)


def charge(m: Machine, amount: int, what: str) -> None:
    """Take gas that depends on the operands (e.g. the size of a new memory list)."""
    if amount > m.gas:
        raise OutOfGas(f"{what} at pc {m.pc}: needs {amount} more gas, {m.gas} left")
    m.gas -= amount


def as_address(m: Machine, ins: Instruction, word: int) -> str:
    if not 0 <= word < ADDRESS_LIMIT:
        raise BadAddress(f"{ins.op.name} at pc {ins.pc}: {word} is not an address "
                         "(expected 0 <= word < 2**160)")
    return word_to_address(word)


def slot_of(seed: int, key: int) -> int:
    """The storage slot of ``key`` in the map whose seed slot is ``seed`` (248-bit hash)."""
    data = SLOT_DOMAIN + seed.to_bytes(32, "big", signed=True) + key.to_bytes(32, "big",
                                                                             signed=True)
    return int.from_bytes(sha256(data)[:31], "big")


def memory_list(m: Machine, ins: Instruction, handle: int) -> list[int]:
    if not 0 <= handle < len(m.heap):
        raise handle_error(ins.pc, ins.op.name, handle)
    return m.heap[handle]


# --- one function per opcode (table order) --------------------------------------------

def op_stop(m: Machine, ins: Instruction) -> None:
    """End the call successfully with no output."""
    raise Halt(())


def op_add(m: Machine, ins: Instruction) -> None:
    b, a = m.stack.pop(), m.stack.pop()
    m.stack.append(checked(m, ins, a + b))


def op_sub(m: Machine, ins: Instruction) -> None:
    b, a = m.stack.pop(), m.stack.pop()
    m.stack.append(checked(m, ins, a - b))


def op_mul(m: Machine, ins: Instruction) -> None:
    b, a = m.stack.pop(), m.stack.pop()
    m.stack.append(checked(m, ins, a * b))


def op_div(m: Machine, ins: Instruction) -> None:
    b, a = m.stack.pop(), m.stack.pop()
    if b == 0:
        raise division_error(ins.pc, "DIV")
    m.stack.append(checked(m, ins, a // b))


def op_mod(m: Machine, ins: Instruction) -> None:
    b, a = m.stack.pop(), m.stack.pop()
    if b == 0:
        raise division_error(ins.pc, "MOD")
    m.stack.append(a % b)


def op_lt(m: Machine, ins: Instruction) -> None:
    b, a = m.stack.pop(), m.stack.pop()
    m.stack.append(1 if a < b else 0)


def op_gt(m: Machine, ins: Instruction) -> None:
    b, a = m.stack.pop(), m.stack.pop()
    m.stack.append(1 if a > b else 0)


def op_eq(m: Machine, ins: Instruction) -> None:
    b, a = m.stack.pop(), m.stack.pop()
    m.stack.append(1 if a == b else 0)


def op_iszero(m: Machine, ins: Instruction) -> None:
    m.stack.append(1 if m.stack.pop() == 0 else 0)


def op_hash(m: Machine, ins: Instruction) -> None:
    """The slot of a map entry: hash of the map's seed slot and the key."""
    key, seed = m.stack.pop(), m.stack.pop()
    m.stack.append(slot_of(seed, key))


def op_address(m: Machine, ins: Instruction) -> None:
    m.stack.append(m.self_word)


def op_balance(m: Machine, ins: Instruction) -> None:
    address = as_address(m, ins, m.stack.pop())
    m.stack.append(checked(m, ins, m.state.balance(address)))


def op_caller(m: Machine, ins: Instruction) -> None:
    m.stack.append(m.caller_word)


def op_callvalue(m: Machine, ins: Instruction) -> None:
    m.stack.append(checked(m, ins, m.value))


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
        raise CallDepthExceeded(f"CALL at pc {ins.pc}: more than {MAX_CALL_DEPTH} nested calls")
    m.frames.append((m.index, m.locals))
    m.locals = [0] * MAX_LOCALS
    m.index = ins.target


def op_ret(m: Machine, ins: Instruction) -> None:
    """Go back to the instruction after the matching CALL, with the caller's locals."""
    if not m.frames:
        raise BadJump(f"RET at pc {ins.pc}: there is no internal call to return from")
    m.index, m.locals = m.frames.pop()


def op_jumpdest(m: Machine, ins: Instruction) -> None:
    """Only marks a place that jumps may go to."""


def op_push(m: Machine, ins: Instruction) -> None:
    m.stack.append(ins.arg)


def op_dup(m: Machine, ins: Instruction) -> None:
    m.stack.append(m.stack[-ins.arg])


def op_swap(m: Machine, ins: Instruction) -> None:
    stack, n = m.stack, ins.arg
    stack[-1], stack[-1 - n] = stack[-1 - n], stack[-1]


def op_log(m: Machine, ins: Instruction) -> None:
    """Record an event: the topic names it, the data words describe it."""
    topic = m.stack.pop()
    data = tuple(m.stack[len(m.stack) - ins.arg:])
    del m.stack[len(m.stack) - ins.arg:]
    m.logs.append(Log(m.address, words_to_text((topic,)), data))


def op_alloc(m: Machine, ins: Instruction) -> None:
    """A new memory list of n zeros; its handle is its position in the heap."""
    n = m.stack.pop()
    if n < 0:
        raise MemoryFault(f"ALLOC at pc {ins.pc}: a list cannot have length {n}")
    charge(m, GAS_ALLOC_WORD * n, "ALLOC")
    if m.heap_words + n > MAX_MEMORY_WORDS:
        raise MemoryFault(f"ALLOC at pc {ins.pc}: {n} more words would pass the memory limit "
                          f"of {MAX_MEMORY_WORDS} words")
    m.heap_words += n
    m.heap.append([0] * n)
    m.stack.append(len(m.heap) - 1)


def op_aload(m: Machine, ins: Instruction) -> None:
    index, handle = m.stack.pop(), m.stack.pop()
    words = memory_list(m, ins, handle)
    if not 0 <= index < len(words):
        raise index_error(ins.pc, "ALOAD", index, len(words))
    m.stack.append(words[index])


def op_astore(m: Machine, ins: Instruction) -> None:
    index, handle, value = m.stack.pop(), m.stack.pop(), m.stack.pop()
    words = memory_list(m, ins, handle)
    if not 0 <= index < len(words):
        raise index_error(ins.pc, "ASTORE", index, len(words))
    words[index] = value


def op_alen(m: Machine, ins: Instruction) -> None:
    m.stack.append(len(memory_list(m, ins, m.stack.pop())))


def op_transfer(m: Machine, ins: Instruction) -> None:
    """Send tokens from the contract's own balance."""
    amount, recipient = m.stack.pop(), as_address(m, ins, m.stack.pop())
    if amount < 0:
        raise TransferFailed(f"TRANSFER at pc {ins.pc}: cannot send a negative amount ({amount})")
    have = m.state.balance(m.address)
    if amount > have:
        raise TransferFailed(f"TRANSFER at pc {ins.pc}: the contract holds {have} tokens, "
                             f"cannot send {amount}")
    m.state.transfer(m.address, recipient, amount)


def op_xcall(m: Machine, ins: Instruction) -> None:
    """Call another contract and push the one word it returns (0 if it returns nothing)."""
    cut = len(m.stack) - ins.arg - 1
    words = m.stack[cut:]                       # the selector, then the arguments
    del m.stack[cut:]
    target = as_address(m, ins, m.stack.pop())
    if m.depth >= MAX_CONTRACT_DEPTH:
        raise CallDepthExceeded(f"XCALL at pc {ins.pc}: more than {MAX_CONTRACT_DEPTH} "
                                "contracts calling each other")
    code = m.state.code(target)
    if not code:
        raise CallFailed(f"XCALL at pc {ins.pc}: {target} holds no contract code")
    data = b"".join(word.to_bytes(32, "big", signed=True) for word in words)
    result = execute(m.state, code, Message(m.address, target, 0, data, m.gas, m.depth + 1),
                     m.block, m.tracer)
    m.gas -= result.gas_used
    if not result.success:
        raise result.fault              # the same revert reason, or the same fault
    if len(result.output) > 1:
        raise CallFailed(f"XCALL at pc {ins.pc}: {target} returned {len(result.output)} "
                         "words; a call between contracts takes back at most one")
    m.logs.extend(result.logs)
    m.stack.append(result.output[0] if result.output else 0)


def op_return(m: Machine, ins: Instruction) -> None:
    raise Halt(tuple(m.stack[len(m.stack) - ins.arg:]))


def op_revert(m: Machine, ins: Instruction) -> None:
    raise Revert(words_to_text(m.stack[len(m.stack) - ins.arg:]))


OPERATIONS: dict[str, Callable[[Machine, Instruction], None]] = {
    "STOP": op_stop, "ADD": op_add, "SUB": op_sub, "MUL": op_mul, "DIV": op_div,
    "MOD": op_mod, "LT": op_lt, "GT": op_gt, "EQ": op_eq, "ISZERO": op_iszero,
    "HASH": op_hash, "ADDRESS": op_address, "BALANCE": op_balance, "CALLER": op_caller,
    "CALLVALUE": op_callvalue, "CALLDATA": op_calldata, "CALLDATASIZE": op_calldatasize,
    "NUMBER": op_number, "TIMESTAMP": op_timestamp, "POP": op_pop, "LOAD": op_load,
    "STORE": op_store, "SLOAD": op_sload, "SSTORE": op_sstore, "JUMP": op_jump,
    "JUMPI": op_jumpi, "CALL": op_call, "RET": op_ret, "JUMPDEST": op_jumpdest,
    "PUSH": op_push, "DUP": op_dup, "SWAP": op_swap, "LOG": op_log, "ALLOC": op_alloc,
    "ALOAD": op_aload, "ASTORE": op_astore, "ALEN": op_alen, "TRANSFER": op_transfer,
    "XCALL": op_xcall, "RETURN": op_return, "REVERT": op_revert,
}


# --- the loop ----------------------------------------------------------------------------

def step(m: Machine, ins: Instruction) -> None:
    """Run one instruction: charge gas, check the stack, then do what the opcode says."""
    if m.gas < ins.gas:
        raise OutOfGas(f"{ins.op.name} at pc {ins.pc}: needs {ins.gas} gas, {m.gas} left")
    depth = len(m.stack)
    if depth < ins.needs:
        raise StackError(f"{ins.op.name} at pc {ins.pc}: needs {ins.needs} stack words, "
                         f"the stack has {depth}")
    if depth + ins.growth > MAX_STACK:
        raise StackError(f"{ins.op.name} at pc {ins.pc}: the stack would grow past its limit "
                         f"of {MAX_STACK} words")
    if m.tracer is not None:
        m.tracer.before(m, ins)
    m.gas -= ins.gas
    m.index += 1
    ins.run(m, ins)


def run_steps(m: Machine) -> None:
    """The reference loop: one instruction at a time until the call halts."""
    instructions = m.program.instructions
    while True:
        step(m, instructions[m.index])


# --- running a call ----------------------------------------------------------------------

@dataclass(frozen=True)
class Result:
    """How a call ended: success or not, gas used, output words, events, and why it failed."""

    success: bool
    gas_used: int
    output: tuple[int, ...] = ()
    logs: tuple[Log, ...] = ()
    error: str = ""               # "" on success, else "Revert: reason" or "OutOfGas: ..."
    reverted: bool = False        # True for REVERT (unused gas refunded)
    reason: str = ""              # the revert reason, or the fault's message
    fault: VMError | None = field(default=None, compare=False, repr=False)


def execute(state: State, code: bytes | Program, message: Message,
            block: BlockContext = DEFAULT_BLOCK, tracer: Tracer | None = None) -> Result:
    """Run one call against ``state``; on failure the state is left exactly as it was.

    Raises ``InvalidCode`` or ``BadJump`` if ``code`` cannot be loaded; every fault while
    running becomes a failed ``Result`` instead.
    """
    program = code if isinstance(code, Program) else load(bytes(code))
    m = Machine(program, state, message, block, tracer)
    snapshot = state.snapshot()
    try:
        if tracer is None:
            run_fast(m, step, FAULTS)
        else:
            run_steps(m)
    except Halt as halt:
        return Result(True, message.gas - m.gas, halt.output, tuple(m.logs))
    except Revert as revert:
        state.rollback(snapshot)
        return Result(False, message.gas - m.gas, error=f"Revert: {revert}", reverted=True,
                      reason=str(revert), fault=revert)
    except VMError as fault:
        state.rollback(snapshot)
        return Result(False, message.gas, error=f"{type(fault).__name__}: {fault}",
                      reason=str(fault), fault=fault)
    raise AssertionError("both loops only end by raising")  # pragma: no cover
