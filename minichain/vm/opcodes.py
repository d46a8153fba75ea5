"""The contract machine's instruction set: one table row per opcode, and the gas rules (chapter 06).

The machine works on **words**: signed 256-bit integers, from ``INT_MIN = -2**255`` to
``INT_MAX = 2**255 - 1``. There are no floats and no wrap-around: an arithmetic result
outside that range stops the call with ``IntegerOverflow``, and dividing by zero stops it
with ``DivisionByZero``. ``DIV`` and ``MOD`` round like Python's ``//`` and ``%`` (towards
minus infinity), so a contract computes exactly what the same Python would. Addresses are
words in ``[0, 2**160)``; booleans are the words 0 and 1.

Each row of ``TABLE`` gives an opcode's name, its byte, how many bytes of immediate data
follow it in the code, how many stack words it reads and writes, its gas, and what it does.
Gas is charged *before* an instruction runs; storage writes cost twenty times as much as
reads because every node keeps them forever.

Each opcode has one meaning, written once. The arithmetic and comparison rows carry a
``Formula``: a Python expression of the words they pop, with the faults it can raise. The
machine's step loop evaluates it (``machine.op_formula``) and the fast path writes the same
text into the Python it generates, so the two cannot disagree. The stack shuffles ``DUP``
and ``SWAP`` are the functions ``dup`` and ``swap`` below, which both apply to their own
stack. Every other row is one short function in ``machine.py``.

Immediates (``n`` in the stack columns is the immediate):

* ``PUSH``: one length byte ``k`` (1..32), then ``k`` bytes of a big-endian two's-complement
  integer, in the fewest bytes that hold it (so every program has exactly one encoding).
* ``JUMP``, ``JUMPI``, ``CALL``: two bytes, the code offset of a ``JUMPDEST``.
* ``DUP``, ``SWAP``, ``LOAD``, ``STORE``, ``LOG``, ``SHA256``, ``XCALL``, ``RETURN``,
  ``REVERT``: one byte.

``CALL`` jumps to a function inside the same code; ``XCALL`` calls *another contract*
(chapter 08): the callee runs with ``msg.sender`` = the calling contract and the caller's
remaining gas, its effects roll back with the caller's, and if it fails the caller fails
the same way (a revert with the same reason, a fault with the same error).

``SHA256 n`` hashes words (chapter 13: sealed bids, salted meter commitments): it pops
the top ``n`` words and pushes ``sha256_words`` of them, the one definition both engines
and every off-chain tool use. Each word becomes 32 bytes, big-endian two's complement (the
bytes call data carries it in), the deepest word first, so ``sha256(a, b)`` in a contract
hashes ``a`` then ``b``; the 32-byte digest is read back the same way, as a signed word,
so all 256 bits of it are kept and a digest computed off chain travels through call data
unchanged. It costs ``GAS_SHA256`` plus ``GAS_SHA256_WORD`` per word. ``HASH`` is not this:
it derives a map entry's storage slot under its own domain prefix, and contract code
never sees it as a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from minichain.encoding import sha256

# --- the word -------------------------------------------------------------------------

WORD_BITS = 256
INT_MIN = -(2 ** (WORD_BITS - 1))
INT_MAX = 2 ** (WORD_BITS - 1) - 1
ADDRESS_LIMIT = 2 ** 160          # addresses are words in [0, ADDRESS_LIMIT)

# --- limits ---------------------------------------------------------------------------

MAX_STACK = 1024                  # words on the operand stack
MAX_CALL_DEPTH = 128              # nested internal CALLs
MAX_CONTRACT_DEPTH = 32           # contracts calling contracts (XCALL), nested
MAX_LOCALS = 256                  # local variables per call frame (LOAD/STORE take one byte)
MAX_CODE_SIZE = 24_576            # bytes of code in one contract
MAX_MEMORY_WORDS = 262_144        # words in all memory lists of one call together
MAX_PUSH_BYTES = 32
MAX_JUMP_TARGET = 2 ** 16 - 1     # jump immediates are two bytes

# --- gas ------------------------------------------------------------------------------

GAS_HALT = 0                      # STOP, RETURN, REVERT
GAS_BASE = 1                      # stack shuffling, locals, reading the context
GAS_FAST = 2                      # add, subtract, compare
GAS_MEMORY = 3                    # read or write one word of a memory list
GAS_MID = 4                       # multiply, divide, jump
GAS_CALL = 10                     # internal call and return
GAS_HASH = 30                     # derive a storage slot (maps)
GAS_SHA256 = 30                   # SHA-256 of words (SHA256 n) ...
GAS_SHA256_WORD = 6               # ... plus this per word hashed
GAS_ALLOC = 10                    # create a memory list ...
GAS_ALLOC_WORD = 1                # ... plus this per word (charged when it runs)
GAS_SLOAD = 100                   # read a storage slot
GAS_BALANCE = 100                 # read an account balance
GAS_LOG = 100                     # emit an event ...
GAS_LOG_WORD = 20                 # ... plus this per data word
GAS_TRANSFER = 1_000              # send money (µ€) from the contract
GAS_CONTRACT_CALL = 700           # call another contract (plus all the gas the callee uses)
GAS_SSTORE = 2_000                # write a storage slot: 20x a read
CODE_DEPOSIT_GAS = 20             # per byte of code a deploy stores on chain


@dataclass(frozen=True)
class Formula:
    """What a pure instruction computes, as Python: ``{b}`` is the top word, ``{a}`` the one
    below it (``ISZERO`` pops only ``{a}``)."""

    text: str                  # e.g. "{a} + {b}"
    overflows: bool = False    # the result can leave the word range: IntegerOverflow
    divides: bool = False      # {b} == 0 is DivisionByZero
    boolean: bool = False      # a comparison: the machine pushes 1 for True, 0 for False
    monotone: str = ""         # operands the result grows or falls with (the others fixed)
    evaluate: Callable[..., int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = ", ".join(self.operands)
        source = f"lambda {names}: {self.expression(a='a', b='b')}"
        object.__setattr__(self, "evaluate", eval(source, {}))   # the text, compiled once

    @property
    def operands(self) -> tuple[str, ...]:
        """The words it pops, named as in the text: ("a", "b") or ("a",)."""
        return ("a", "b") if "{b}" in self.text else ("a",)

    def expression(self, **words: str) -> str:
        """The formula with each operand replaced by a Python expression for it."""
        return self.text.format(**{k: w if w.isidentifier() or w.lstrip("-").isdigit()
                                   else f"({w})" for k, w in words.items()})


FORMULAS: dict[str, Formula] = {
    "ADD": Formula("{a} + {b}", overflows=True, monotone="ab"),
    "SUB": Formula("{a} - {b}", overflows=True, monotone="ab"),
    "MUL": Formula("{a} * {b}", overflows=True, monotone="ab"),
    "DIV": Formula("{a} // {b}", overflows=True, divides=True, monotone="a"),
    "MOD": Formula("{a} % {b}", divides=True),
    "LT": Formula("{a} < {b}", boolean=True),
    "GT": Formula("{a} > {b}", boolean=True),
    "EQ": Formula("{a} == {b}", boolean=True),
    "ISZERO": Formula("not {a}", boolean=True),
}


def dup(stack: list, n: int) -> None:
    """DUP n: copy the n-th word from the top onto the top."""
    stack.append(stack[-n])


def swap(stack: list, n: int) -> None:
    """SWAP n: swap the top word with the (n+1)-th."""
    stack[-1], stack[-1 - n] = stack[-1 - n], stack[-1]


def word_bytes(word: int) -> bytes:
    """A word as the 32 bytes call data carries it in: big-endian two's complement."""
    return word.to_bytes(32, "big", signed=True)


def sha256_words(words: Iterable[int]) -> int:
    """SHA256 n: SHA-256 of the words' 32-byte forms, first word first, as a signed word."""
    return int.from_bytes(sha256(b"".join(word_bytes(word) for word in words)), "big",
                          signed=True)


@dataclass(frozen=True)
class Opcode:
    """One row of the instruction table."""

    name: str
    code: int
    immediate: int      # bytes of immediate data after the opcode (-1: PUSH's length byte)
    inputs: str         # stack words read: "2", or "n", "n+1" for the immediate n
    outputs: str        # stack words written back
    gas: int            # charged before the instruction runs
    description: str
    gas_per_arg: int = 0   # extra gas per unit of the immediate (LOG, SHA256: per word)
    formula: Formula | None = None   # what it computes, for the pure rows

    def stack_in(self, arg: int) -> int:
        """How many words must be on the stack before this instruction."""
        return _count(self.inputs, arg)

    def stack_out(self, arg: int) -> int:
        """How many of those words (plus new ones) are there after it."""
        return _count(self.outputs, arg)

    def static_gas(self, arg: int) -> int:
        """The gas an instruction with immediate ``arg`` costs before it runs."""
        return self.gas + self.gas_per_arg * arg


def _count(text: str, arg: int) -> int:
    if text.startswith("n"):
        return arg + (int(text[2:]) if "+" in text else 0)
    return int(text)


_ROWS = (
    # name          code  imm in     out    gas          what it does
    ("STOP",        0x00, 0, "0",   "0",   GAS_HALT,    "end the call successfully, no output"),
    ("ADD",         0x01, 0, "2",   "1",   GAS_FAST,    "a + b"),
    ("SUB",         0x02, 0, "2",   "1",   GAS_FAST,    "a - b"),
    ("MUL",         0x03, 0, "2",   "1",   GAS_MID,     "a * b"),
    ("DIV",         0x04, 0, "2",   "1",   GAS_MID,     "a // b (floor, like Python)"),
    ("MOD",         0x05, 0, "2",   "1",   GAS_MID,     "a % b (sign of b, like Python)"),
    ("LT",          0x10, 0, "2",   "1",   GAS_FAST,    "1 if a < b else 0"),
    ("GT",          0x11, 0, "2",   "1",   GAS_FAST,    "1 if a > b else 0"),
    ("EQ",          0x12, 0, "2",   "1",   GAS_FAST,    "1 if a == b else 0"),
    ("ISZERO",      0x13, 0, "1",   "1",   GAS_FAST,    "1 if a == 0 else 0 (logical not)"),
    ("HASH",        0x20, 0, "2",   "1",   GAS_HASH,    "slot of key b in the map at seed slot a"),
    ("SHA256",      0x21, 1, "n",   "1",   GAS_SHA256,
     "SHA-256 of the top n words (deepest first)"),
    ("ADDRESS",     0x30, 0, "0",   "1",   GAS_BASE,    "this contract's address"),
    ("BALANCE",     0x31, 0, "1",   "1",   GAS_BALANCE, "balance of address a (µ€)"),
    ("CALLER",      0x32, 0, "0",   "1",   GAS_BASE,    "who sent the transaction"),
    ("CALLVALUE",   0x33, 0, "0",   "1",   GAS_BASE,    "µ€ sent with the call"),
    ("CALLDATA",    0x34, 0, "1",   "1",   GAS_FAST,    "word a of the call data (0 past the end)"),
    ("CALLDATASIZE", 0x35, 0, "0",  "1",   GAS_BASE,    "number of words of call data"),
    ("NUMBER",      0x40, 0, "0",   "1",   GAS_BASE,    "the block's number"),
    ("TIMESTAMP",   0x41, 0, "0",   "1",   GAS_BASE,    "the block's time (seconds)"),
    ("POP",         0x50, 0, "1",   "0",   GAS_BASE,    "drop the top word"),
    ("LOAD",        0x51, 1, "0",   "1",   GAS_BASE,    "push local variable n"),
    ("STORE",       0x52, 1, "1",   "0",   GAS_BASE,    "pop into local variable n"),
    ("SLOAD",       0x53, 0, "1",   "1",   GAS_SLOAD,   "read storage slot a"),
    ("SSTORE",      0x54, 0, "2",   "0",   GAS_SSTORE,  "write a to storage slot b (b on top)"),
    ("JUMP",        0x56, 2, "0",   "0",   GAS_MID,     "continue at JUMPDEST n"),
    ("JUMPI",       0x57, 2, "1",   "0",   GAS_MID,     "continue at JUMPDEST n if a != 0"),
    ("CALL",        0x58, 2, "0",   "0",   GAS_CALL,    "call the internal function at JUMPDEST n"),
    ("RET",         0x59, 0, "0",   "0",   GAS_CALL,    "return from an internal function"),
    ("JUMPDEST",    0x5B, 0, "0",   "0",   GAS_BASE,    "mark a place jumps may go to"),
    ("PUSH",        0x60, -1, "0",  "1",   GAS_BASE,    "push the immediate integer"),
    ("DUP",         0x80, 1, "n",   "n+1", GAS_BASE,    "copy the n-th word from the top"),
    ("SWAP",        0x90, 1, "n+1", "n+1", GAS_BASE,    "swap the top word with the (n+1)-th"),
    ("LOG",         0xA0, 1, "n+1", "0",   GAS_LOG,     "event: topic on top, n data words below"),
    ("ALLOC",       0xB0, 0, "1",   "1",   GAS_ALLOC,   "new memory list of a zeros: its handle"),
    ("ALOAD",       0xB1, 0, "2",   "1",   GAS_MEMORY,  "word b of memory list a"),
    ("ASTORE",      0xB2, 0, "3",   "0",   GAS_MEMORY,  "set word c of memory list b to a"),
    ("ALEN",        0xB3, 0, "1",   "1",   GAS_FAST,    "length of memory list a"),
    ("TRANSFER",    0xC0, 0, "2",   "0",   GAS_TRANSFER, "send b µ€ from the contract to a"),
    ("XCALL",       0xF1, 1, "n+2", "1",   GAS_CONTRACT_CALL,
     "call contract a with a selector and n argument words; push the word it returns"),
    ("RETURN",      0xF3, 1, "n",   "0",   GAS_HALT,    "success, the top n words are the output"),
    ("REVERT",      0xFD, 1, "n",   "0",   GAS_HALT,    "refuse the call: n words of reason text"),
)

GAS_PER_WORD = {"LOG": GAS_LOG_WORD, "SHA256": GAS_SHA256_WORD}   # times the immediate n

TABLE: tuple[Opcode, ...] = tuple(
    Opcode(name, code, imm, inputs, outputs, gas, description,
           GAS_PER_WORD.get(name, 0), FORMULAS.get(name))
    for name, code, imm, inputs, outputs, gas, description in _ROWS)

BY_NAME: dict[str, Opcode] = {op.name: op for op in TABLE}
BY_CODE: dict[int, Opcode] = {op.code: op for op in TABLE}

JUMPS = frozenset({"JUMP", "JUMPI", "CALL"})         # immediates that must hit a JUMPDEST
HALTS = frozenset({"STOP", "RETURN", "REVERT"})


def table_rows() -> list[dict]:
    """The table as plain rows, for printing in a notebook."""
    return [{"opcode": op.name, "byte": f"0x{op.code:02x}", "immediate": op.immediate,
             "stack in": op.inputs, "stack out": op.outputs, "gas": op.gas,
             "what it does": op.description} for op in TABLE]


# --- words and text -----------------------------------------------------------------

TEXT_WORD_BYTES = 31   # a word holds up to 31 bytes of ASCII text (reasons, event names)


def text_to_words(text: str) -> tuple[int, ...]:
    """Split ASCII text into words of up to 31 bytes each (for REVERT reasons and topics)."""
    data = text.encode("ascii")
    return tuple(int.from_bytes(data[i:i + TEXT_WORD_BYTES], "big")
                 for i in range(0, len(data), TEXT_WORD_BYTES))


def words_to_text(words: tuple[int, ...] | list[int]) -> str:
    """The text that ``text_to_words`` made; words that are not text show as numbers."""
    parts = []
    for word in words:
        if 0 <= word < 2 ** (8 * TEXT_WORD_BYTES):
            raw = word.to_bytes(TEXT_WORD_BYTES, "big").lstrip(b"\x00")
            if all(32 <= b < 127 for b in raw):
                parts.append(raw.decode("ascii"))
                continue
        parts.append(f"<{word}>")
    return "".join(parts)


def address_to_word(address: str) -> int:
    """An address string "0x…" as a word."""
    return int(address, 16)


def word_to_address(word: int) -> str:
    """A word as an address string; the caller checks the range first."""
    return f"0x{word:040x}"
