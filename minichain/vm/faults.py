"""The faults the machine raises while code runs, built in one place (chapter 06).

Both engines of the machine, the step loop (``machine.py``) and the fast path
(``fastpath.py``), raise their faults through these functions, so the same mistake gives
the same error, with the same words, whichever engine ran it. Each fault names the
instruction (``op``) and its code offset (``pc``); the machine adds the contract and, when
the source is known, the line (see ``sources.py``).
"""

from __future__ import annotations

from minichain.errors import (BadAddress, BadJump, CallDepthExceeded, CallFailed,
                              DivisionByZero, IntegerOverflow, MemoryFault, OutOfGas,
                              StackError, TransferFailed)
from minichain.vm.opcodes import MAX_CALL_DEPTH, MAX_CONTRACT_DEPTH, MAX_MEMORY_WORDS, MAX_STACK


def out_of_gas(op: str, pc: int, needs: int, left: int, more: bool = False) -> OutOfGas:
    return OutOfGas(f"needs {needs}{' more' if more else ''} gas, {left} left", op, pc)


def stack_underflow(op: str, pc: int, needs: int, depth: int) -> StackError:
    return StackError(f"needs {needs} stack words, the stack has {depth}", op, pc)


def stack_overflow(op: str, pc: int) -> StackError:
    return StackError(f"the stack would grow past its limit of {MAX_STACK} words", op, pc)


def overflow(op: str, pc: int, value: int) -> IntegerOverflow:
    return IntegerOverflow(f"the result {value} is outside the word range "
                           "-2**255 .. 2**255 - 1", op, pc)


def division_by_zero(op: str, pc: int) -> DivisionByZero:
    return DivisionByZero("division by zero", op, pc)


def bad_handle(op: str, pc: int, handle: int) -> MemoryFault:
    return MemoryFault(f"{handle} is not the handle of a memory list", op, pc)


def bad_index(op: str, pc: int, index: int, length: int) -> MemoryFault:
    return MemoryFault(f"index {index} is out of range for a memory list of length {length} "
                       f"(expected 0 <= index < {length})", op, pc)


def bad_length(op: str, pc: int, length: int) -> MemoryFault:
    return MemoryFault(f"a list cannot have length {length}", op, pc)


def memory_full(op: str, pc: int, words: int) -> MemoryFault:
    return MemoryFault(f"{words} more words would pass the memory limit of "
                       f"{MAX_MEMORY_WORDS} words", op, pc)


def bad_address(op: str, pc: int, word: int) -> BadAddress:
    return BadAddress(f"{word} is not an address (expected 0 <= word < 2**160)", op, pc)


def too_many_calls(op: str, pc: int) -> CallDepthExceeded:
    return CallDepthExceeded(f"more than {MAX_CALL_DEPTH} nested calls", op, pc)


def too_many_contracts(op: str, pc: int) -> CallDepthExceeded:
    return CallDepthExceeded(f"more than {MAX_CONTRACT_DEPTH} contracts calling each other",
                             op, pc)


def nothing_to_return_from(op: str, pc: int) -> BadJump:
    return BadJump("there is no internal call to return from", op, pc)


def transfer_refused(op: str, pc: int, amount: int, have: int) -> TransferFailed:
    if amount < 0:
        return TransferFailed(f"cannot send a negative amount ({amount})", op, pc)
    return TransferFailed(f"the contract holds {have} µ€, cannot send {amount} µ€", op, pc)


def no_contract(op: str, pc: int, target: str) -> CallFailed:
    return CallFailed(f"{target} holds no contract code", op, pc)


def too_many_words(op: str, pc: int, target: str, count: int) -> CallFailed:
    return CallFailed(f"{target} returned {count} words; a call between contracts takes "
                      "back at most one", op, pc)
