"""Checks for the chapter 06 exercises: the stack, assembly, gas, events, how a call ended.

Each checker holds the learner's answer against the contract machine itself: the stack a
program leaves is read from a trace of the real machine, assembly is assembled and run on
call data of several lengths, and the gas per source line is summed from a real trace.
The usual wrong turns get the hint that fixes them: operands taken in the wrong order,
``DIV`` rounding towards zero, ``DUP``/``SWAP`` off by one, the stack returned top first;
a loop that skips a word or never ends, a missing ``RETURN 1``; counting how often a line
runs instead of the gas it burns, or the costliest single instruction instead of the
total; a seller left as a number, a note counted as a payment, events kept from a failed
call; a root taken after the call, a rollback assumed instead of measured, one slot
compared instead of the whole state, every failure called a revert. The chapter's three
concept questions are at the end.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable

from minichain.checks import FORGOT_RETURN, Mismatch, exercise
from minichain.checks.quiz import concept
from minichain.errors import CompileError, OutOfGas, StackError, VMError
from minichain.state import State
from minichain.vm.abi import encode_words
from minichain.vm.assembler import assemble, assemble_items, parse
from minichain.vm.machine import Message, execute
from minichain.vm.opcodes import text_to_words
from minichain.vm.trace import Trace, trace_call

CALLER = "0x" + "b0" * 20
CONTRACT = "0x" + "c0" * 20

# --- stack_after ----------------------------------------------------------------------

STACK_CASES: list[tuple[str, list[str]]] = [
    ("Alice's payment", ["PUSH 1200", "PUSH 200000", "MUL", "PUSH 1000", "DIV"]),
    ("a subtraction", ["PUSH 2", "PUSH 5", "SUB"]),
    ("nothing at all", []),
    ("a POP", ["PUSH 8", "PUSH 9", "POP"]),
    ("a comparison", ["PUSH 4", "PUSH 9", "LT"]),
    ("a division", ["PUSH 7", "PUSH 2", "DIV"]),
    ("a negative division", ["PUSH -7", "PUSH 2", "DIV"]),
    ("a negative remainder", ["PUSH -7", "PUSH 3", "MOD"]),
    ("a DUP", ["PUSH 1", "PUSH 2", "PUSH 3", "DUP 3"]),
    ("DUP 1", ["PUSH 6", "DUP 1", "MUL"]),
    ("a SWAP", ["PUSH 1", "PUSH 2", "PUSH 3", "SWAP 2"]),
    ("SWAP 1 before a SUB", ["PUSH 10", "PUSH 20", "SWAP 1", "SUB"]),
    ("equal, then not", ["PUSH 5", "PUSH 5", "EQ", "ISZERO"]),
    ("GT", ["PUSH 4", "PUSH 9", "GT", "PUSH 9", "PUSH 4", "GT"]),
    ("3 * 3 + 4 * 4", ["PUSH 3", "DUP 1", "MUL", "PUSH 4", "DUP 1", "MUL", "ADD"]),
]


def machine_stack(program: list[str]) -> list[int]:
    """The stack the real machine leaves after ``program`` (bottom first)."""
    trace = trace_call(State(), assemble("\n".join(program)), Message(CALLER, CONTRACT))
    return list(trace.steps[-1].stack)          # the last step is the implicit STOP


def model_stack(program: list[str], mistake: str = "") -> list[int]:
    """A small interpreter: right, or with one of the usual mistakes."""
    stack: list[int] = []
    for line in program:
        name, *rest = line.split()
        arg = int(rest[0]) if rest else 0
        if name == "PUSH":
            stack.append(arg)
        elif name == "POP":
            stack.pop()
        elif name == "DUP":
            stack.append(stack[-arg - 1] if mistake == "dup" else stack[-arg])
        elif name == "SWAP":
            other = -arg if mistake == "swap" else -1 - arg
            stack[-1], stack[other] = stack[other], stack[-1]
        elif name == "ISZERO":
            stack.append(1 if stack.pop() == 0 else 0)
        else:
            b, a = stack.pop(), stack.pop()
            if mistake == "order":
                a, b = b, a
            if name == "DIV" and mistake == "truncate":
                stack.append(int(a / b))
                continue
            stack.append({"ADD": a + b, "SUB": a - b, "MUL": a * b, "DIV": a // b,
                          "MOD": a % b, "LT": int(a < b), "GT": int(a > b),
                          "EQ": int(a == b)}[name])
    return stack[::-1] if mistake == "top first" else stack


STACK_MISTAKES = (
    ("top first", "return the stack bottom first, with the top word LAST (as the trace "
                  "prints it): after PUSH 1, PUSH 2 the stack is [1, 2]"),
    ("order", "the top word is b and the one under it a: SUB pushes a - b, so PUSH 2, "
              "PUSH 5, SUB leaves -3 (and LT pushes 1 if a < b)"),
    ("truncate", "DIV rounds down like Python's //, towards minus infinity: -7 // 2 is -4 "
                 "(int(-7 / 2) would be -3)"),
    ("dup", "DUP 1 copies the top word: DUP n copies stack[-n]"),
    ("swap", "SWAP n swaps the top word with the (n+1)-th from the top: stack[-1] and "
             "stack[-1 - n] (SWAP 1 swaps the top two)"),
)


@exercise("stack_after", chapter=6, title="What is on the stack?",
          hint="keep a Python list as the stack (top last); PUSH appends, POP pops, DUP n "
               "appends stack[-n], SWAP n swaps stack[-1] and stack[-1 - n]; a two-word "
               "instruction pops b (the top) then a and appends the result of a OP b")
def check_stack_after(fn: Callable) -> None:
    for what, program in STACK_CASES:
        expected = machine_stack(program)
        if model_stack(program) != expected:          # the checker must agree with the machine
            raise RuntimeError(f"checker out of step with the machine on {program}")
        call = f"stack_after({program}) ({what})"
        try:
            got = fn(list(program))
        except IndexError as error:
            used = {line.split()[0] for line in program}
            hints = dict(STACK_MISTAKES)
            hint = next((hints[op.lower()] for op in ("DUP", "SWAP") if op in used), "")
            raise Mismatch(f"{call} raised IndexError: {error}",
                           hint or "every two-word instruction pops exactly two words, and "
                                   "nothing else takes more than the stack holds") from None
        if isinstance(got, tuple):
            got = list(got)
        if not isinstance(got, list) or not all(isinstance(w, int) for w in got):
            raise Mismatch(f"{call} returned {got!r}",
                           "return the stack as a list of ints, bottom first ([] if empty)")
        if got == expected:
            continue
        said = f"{call}: expected {expected}, got {got}"
        for mistake, hint in STACK_MISTAKES:
            try:
                wrong = model_stack(program, mistake)
            except (IndexError, ZeroDivisionError):
                continue
            if wrong == got:
                raise Mismatch(said, hint)
        raise Mismatch(said)


# --- sum_call_data_asm --------------------------------------------------------------------

SUM_GAS = 100_000
SUM_CASES: list[tuple[str, list[int]]] = [
    ("three quarter-hour readings", [1200, 800, 450]),
    ("one word", [7]),
    ("no call data", []),
    ("negative words", [-5, 5, 10, -40]),
    ("a day of quarter hours", [(13 * i) % 500 for i in range(96)]),
    ("large words", [2 ** 200, 3 ** 100, -(2 ** 199)]),
]


def _run_sum(code: bytes, words: list[int]):
    return execute(State(), code, Message(CALLER, CONTRACT, 0, encode_words(words), SUM_GAS))


@exercise("sum_call_data_asm", chapter=6, title="Add up the call data in assembly",
          hint="keep the sum in local 0 and the index in local 1; loop: stop (JUMPI to the "
               "end) when LOAD 1 is no longer below CALLDATASIZE; else add CALLDATA of the "
               "index to the sum and add 1 to the index; at the end LOAD 0 and RETURN 1")
def check_sum_call_data_asm(fn: Callable) -> None:
    text = fn()
    if not isinstance(text, str) or not text.strip():
        raise Mismatch(f"sum_call_data_asm() returned {text!r}",
                       "return the assembly text, a str with one instruction per line")
    try:
        code = assemble(text)
        _run_sum(code, [])                     # loads the code: bad jumps show here
    except CompileError as error:
        raise Mismatch(f"your assembly does not assemble: {error}",
                       "one instruction per line, labels as 'name:' on their own line, "
                       "and every label you jump to defined once") from None
    except VMError as error:
        raise Mismatch(f"the machine refuses your code: {type(error).__name__}: {error}",
                       "every JUMP and JUMPI must go to a label placed right before a "
                       "JUMPDEST") from None
    for what, words in SUM_CASES:
        result = _run_sum(code, words)
        expected = sum(words)
        call = f"call data {words if len(words) <= 6 else f'of {len(words)} words'} ({what})"
        if not result.success:
            if isinstance(result.fault, OutOfGas):
                raise Mismatch(f"{call}: ran out of all {SUM_GAS:,} gas ({result.reason})",
                               "your loop never ends: compare the index with CALLDATASIZE "
                               "and JUMPI out of the loop when they are equal, and add 1 to "
                               "the index every time round")
            if isinstance(result.fault, StackError):
                raise Mismatch(f"{call}: {result.explain()}",
                               "count what each instruction pops and pushes (see the "
                               "table); a loop must leave the stack as it found it, or it "
                               "grows or shrinks every time round")
            raise Mismatch(f"{call}: the call failed: {result.explain()}")
        if len(result.output) != 1:
            raise Mismatch(f"{call}: expected one output word, got {list(result.output)}",
                           "end with the sum on top of the stack and RETURN 1 (STOP "
                           "returns nothing)")
        got = result.output[0]
        if got == expected:
            continue
        said = f"{call}: expected {expected}, got {got}"
        if len(words) > 1 and got == words[0]:
            raise Mismatch(said, "add up EVERY word, not just the first: loop over the "
                                 "indices 0, 1, …, CALLDATASIZE - 1")
        if len(words) > 1 and got == sum(words[1:]):
            raise Mismatch(said, "words are numbered from 0: start the index at 0, not 1")
        if len(words) > 1 and got == sum(words[:-1]):
            raise Mismatch(said, "the loop stops one word early: leave it when the index "
                                 "EQUALS CALLDATASIZE, after adding the last word")
        if got == len(words):
            raise Mismatch(said, "that is the number of words: CALLDATA takes an index "
                                 "from the stack and pushes the word at that index")
        raise Mismatch(said)


# --- costliest_line ---------------------------------------------------------------------

COST_CASES: list[tuple[str, str, int]] = [
    ("a meter log that writes every reading", """\
    PUSH 5
    STORE 0            ; readings left
loop:
    JUMPDEST
    LOAD 0
    ISZERO
    JUMPI done
    LOAD 0
    LOAD 0
    SSTORE             ; slot i = i
    LOAD 0
    PUSH 1
    SUB
    STORE 0
    JUMP loop
done:
    JUMPDEST
    STOP
""", 100_000),
    ("one write, thirty reads", """\
    PUSH 1
    PUSH 0
    SSTORE             ; write slot 0 once
    PUSH 30
    STORE 1
again:
    JUMPDEST
    PUSH 0
    SLOAD              ; read slot 0
    POP
    LOAD 1
    PUSH 1
    SUB
    DUP 1
    STORE 1
    JUMPI again
    STOP
""", 100_000),
    ("a call that runs out of gas", f"""\
    PUSH 7
    PUSH 0
    SSTORE             ; write slot 0 once
spin:
    JUMPDEST
    PUSH 1200
    PUSH {text_to_words("Reading")[0]}
    LOG 1              ; an event every time round
    JUMP spin
""", 20_000),
    ("no loop at all", """\
    PUSH 0
    SLOAD              ; read slot 0
    PUSH 1200
    ADD
    PUSH 0
    SSTORE             ; write it back
    STOP
""", 10_000),
]


def cost_trace(text: str, gas: int) -> Trace:
    """A trace of ``text`` whose steps carry the line of the text they came from."""
    lines = assemble_items(parse(text)).lines
    return trace_call(State(), assemble(text), Message(CALLER, CONTRACT, gas=gas), lines=lines)


def gas_by_line(trace: Trace) -> dict[int, int]:
    totals: dict[int, int] = {}
    for step in trace.steps:
        totals[step.line] = totals.get(step.line, 0) + step.cost
    return totals


@exercise("costliest_line", chapter=6, title="Which line burns the gas?",
          hint="trace the program with trace_call(State(), assemble(program), "
               "Message(caller, address, gas=gas), lines=assemble_items(parse(program)).lines); "
               "add up step.cost per step.line and return the line with the largest total")
def check_costliest_line(fn: Callable) -> None:
    for what, text, gas in COST_CASES:
        trace = cost_trace(text, gas)
        totals = gas_by_line(trace)
        expected = max(totals, key=lambda line: (totals[line], -line))
        got = fn(text, gas)
        call = f"costliest_line({what}, gas={gas:,})"
        if isinstance(got, str):
            raise Mismatch(f"{call} returned {got!r}",
                           "return the line NUMBER (an int, the first line of the text is "
                           "1), not the instruction")
        if not isinstance(got, int) or isinstance(got, bool):
            raise Mismatch(f"{call} returned {got!r}", "return a line number (an int)")
        if got == expected:
            continue
        source = text.splitlines()
        shown = (lambda n: f"line {n} ({source[n - 1].split(';')[0].strip()}, "
                           f"{totals.get(n, 0):,} gas)" if 1 <= n <= len(source) else f"{n}")
        said = f"{call}: expected {shown(expected)}, got {shown(got)}"
        runs = Counter(step.line for step in trace.steps)
        each = {step.line: step.cost for step in trace.steps}
        if got == expected - 1:
            raise Mismatch(said, "lines are numbered from 1, as the editor shows them (and "
                                 "as the assembler's line map gives them): no -1")
        if got in {step.pc for step in trace.steps} and got not in totals:
            raise Mismatch(said, "that looks like a code offset (pc); return the LINE: the "
                                 "line map turns a pc into the line of the text")
        if runs[got] == max(runs.values()) and runs[expected] < runs[got]:
            raise Mismatch(said, "the line that runs most often is not the one that costs "
                                 "most: weigh each step by its gas (step.cost) and add up")
        if each.get(got) == max(each.values()):
            raise Mismatch(said, "the costliest single instruction is not the costliest "
                                 "line: a cheaper line that runs many times can burn more. "
                                 "Add up the gas of every step of each line")
        raise Mismatch(said)


# --- payments: events, and what a failed call leaves of them ------------------------------

PAID_TOPIC = text_to_words("Paid")[0]
NOTED_TOPIC = text_to_words("Noted")[0]
SELLERS = ("0x" + "a1" * 20, "0x" + "0c" * 20)


def _paid(seller: str, wh: int, amount: int) -> str:
    """Assembly that emits Paid(seller, wh, amount): data words first, the topic on top."""
    return f"PUSH {int(seller, 16)}\nPUSH {wh}\nPUSH {amount}\nPUSH {PAID_TOPIC}\nLOG 3\n"


PAYMENT_CASES = (
    ("one payment", _paid(SELLERS[0], 1_200, 240_000) + "STOP", 10_000),
    ("two payments", _paid(SELLERS[0], 1_200, 240_000) + _paid(SELLERS[1], 800, 160_000) + "STOP",
     10_000),
    ("a payment and a note", f"PUSH 7\nPUSH {NOTED_TOPIC}\nLOG 1\n"
     + _paid(SELLERS[1], 800, 160_000) + "STOP", 10_000),
    ("a payment, then a refusal", _paid(SELLERS[0], 1_200, 240_000)
     + f"PUSH {text_to_words('no delivery yet')[0]}\nREVERT 1", 10_000),
    ("a payment, then out of gas", _paid(SELLERS[0], 1_200, 240_000)
     + "spin:\nJUMPDEST\nJUMP spin", 10_000),
    ("no event at all", "PUSH 1\nRETURN 1", 10_000),
)


def payment_result(text: str, gas: int):
    """The machine's ``Result`` of running ``text`` on an empty state."""
    return execute(State(), assemble(text), Message(CALLER, CONTRACT, gas=gas))


def expected_payments(result) -> list[tuple[str, int, int]]:
    return [(f"0x{log.data[0]:040x}", log.data[1], log.data[2])
            for log in result.logs if log.topic == "Paid"]


@exercise("payments", chapter=6, title="Read the payments out of a call's events",
          hint="go through result.logs; keep the logs whose topic is 'Paid' and turn each "
               "one's three data words into (f'0x{seller:040x}', wh, amount)")
def check_payments(fn: Callable) -> None:
    for what, text, gas in PAYMENT_CASES:
        result = payment_result(text, gas)
        expected = expected_payments(result)
        got = fn(result)
        said = f"payments(<{what}>)"
        if got is None:
            raise Mismatch(f"{said} returned None", "return a list of (seller, wh, amount) "
                                                   "tuples, [] when there are none")
        got = list(got)
        if got == expected:
            continue
        said = f"{said}: expected {expected}, got {got}"
        if not result.success:
            raise Mismatch(said, "a call that failed keeps none of its events: the machine "
                                 "rolled them back with the storage")
        if len(got) == len(expected) and all(
                isinstance(g, (tuple, list)) and len(g) == 3 and g[0] == int(e[0], 16)
                for g, e in zip(got, expected)):
            raise Mismatch(said, "the seller is a word on the stack; give it back as an "
                                 "address string, f'0x{word:040x}'")
        if len(got) == len(expected) and all(
                isinstance(g, (tuple, list)) and len(g) == 3 and (g[0], g[2], g[1]) == e
                for g, e in zip(got, expected)):
            raise Mismatch(said, "the data words come in the order they were pushed: the "
                                 "seller, then the Wh, then the µ€")
        if len(got) > len(expected):
            raise Mismatch(said, "keep only the logs whose topic is 'Paid' (log.topic); "
                                 "other events are not payments")
        if len(got) < len(expected):
            raise Mismatch(said, "a call can emit several Paid events: return every one, "
                                 "in the order of result.logs")
        raise Mismatch(said)


# --- how_it_ended: revert or halt, and the state root that proves the rollback ------------

STORED = 7                       # what slot 0 of the contract holds before every case
WRITE_42 = "PUSH 42\nPUSH 0\nSSTORE\n"
ENDING_GAS = 10_000
ENDING_CASES: tuple[tuple[str, str], ...] = (
    ("writes 42 to slot 0, then stops", WRITE_42 + "STOP"),
    ("writes 42 to slot 0, then refuses",
     WRITE_42 + f"PUSH {text_to_words('no delivery yet')[0]}\nREVERT 1"),
    ("writes 42 to slot 0, then loops for ever", WRITE_42 + "spin:\nJUMPDEST\nJUMP spin"),
    ("writes 42 to slot 0, then divides by zero", WRITE_42 + "PUSH 1\nPUSH 0\nDIV\nSTOP"),
    ("only emits an event", f"PUSH 1200\nPUSH {PAID_TOPIC}\nLOG 1\nSTOP"),
    ("writes 5 to slot 1", "PUSH 5\nPUSH 1\nSSTORE\nSTOP"),
    ("pops from an empty stack after a write", WRITE_42 + "POP\nSTOP"),
)


def ending_state() -> State:
    """The state every case starts from: the contract holds 7 in slot 0, the caller 1 €."""
    state = State()
    state.storage_set(CONTRACT, 0, STORED)
    state.add_balance(CALLER, 1_000_000)
    return state


def _ending(result) -> str:
    if result.success:
        return "success"
    return "revert" if result.reverted else "halt"


def reference_ending(code: bytes, gas: int, mistake: str = "") -> tuple[str, int, bool]:
    """The right answer, or the answer with one of the usual mistakes."""
    state = ending_state()
    before, slot_before = state.root(), state.storage_get(CONTRACT, 0)
    result = execute(state, code, Message(CALLER, CONTRACT, gas=gas))
    ending, used = _ending(result), result.gas_used
    unchanged = state.root() == before
    if mistake == "root after":
        unchanged = True
    elif mistake == "assumed":
        unchanged = not result.success
    elif mistake == "one slot":
        unchanged = state.storage_get(CONTRACT, 0) == slot_before
    elif mistake == "every failure a revert":
        ending = "success" if result.success else "revert"
    elif mistake == "gas left":
        used = gas - result.gas_used
    return ending, used, unchanged


# "one slot" comes first: on a write to slot 1 it gives what "root after" gives
ENDING_MISTAKES = (
    ("one slot", "compare the root of the whole state, not one slot: a call can write any "
                 "slot (or move money), and the root covers all of it"),
    ("root after", "take the root BEFORE the call (before = state.root()) and compare it with "
                   "state.root() after: a root taken after the call equals itself"),
    ("assumed", "measure, don't assume: compare the roots. A call that only emits an event "
                "succeeds and leaves the root unchanged: events live in the receipt, not in "
                "the state"),
    ("every failure a revert", "only REVERT is a revert (result.reverted): out of gas, "
                               "division by zero or a stack error is an exceptional halt, "
                               "and it burns all the gas"),
    ("gas left", "gas_used is what the call was charged (result.gas_used), not the gas "
                 "left over"),
)
ENDINGS = ("success", "revert", "halt")


@exercise("how_it_ended", chapter=6, title="How did the call end, and what did it leave?",
          hint="before = state.root(); result = execute(state, code, Message(CALLER, "
               "CONTRACT, gas=gas)); the ending is 'success' if result.success, 'revert' if "
               "result.reverted, else 'halt'; return (ending, result.gas_used, "
               "state.root() == before)")
def check_how_it_ended(fn: Callable) -> None:
    for what, text in ENDING_CASES:
        code = assemble(text)
        expected = reference_ending(code, ENDING_GAS)
        got = fn(ending_state(), code, ENDING_GAS)
        call = f"how_it_ended(<{what}>, gas={ENDING_GAS:,})"
        if got is None:
            raise Mismatch(f"{call} returned None", FORGOT_RETURN)
        if isinstance(got, list):
            got = tuple(got)
        if not isinstance(got, tuple) or len(got) != 3:
            raise Mismatch(f"{call} returned {got!r}",
                           "return a tuple of three: (ending, gas_used, unchanged)")
        if got == expected:
            continue
        said = f"{call}: expected {expected}, got {got}"
        if got[0] not in ENDINGS:
            raise Mismatch(said, "the ending is one of the words 'success', 'revert' or "
                                 "'halt'")
        for mistake, hint in ENDING_MISTAKES:
            if got == reference_ending(code, ENDING_GAS, mistake):
                raise Mismatch(said, hint)
        raise Mismatch(said)


# --- concept questions --------------------------------------------------------------------

concept(6, "A call writes 42 into storage slot 0 (which held 7), then runs out of gas. What "
           "does slot 0 hold afterwards, and what does the sender pay?",
        ["42, and the gas used up to the fault",
         "7, and all the gas the call was given",
         "7, and nothing, because the call failed"],
        answer="b", why="an exceptional halt rolls the state back to the snapshot taken "
                        "before the call and burns all of the call's gas",
        nudges={"a": "a failed call keeps none of its writes: the machine rolls back to "
                     "its snapshot",
                "c": "every node did the work up to the fault, so the gas is paid; a halt "
                     "pays all of it"})
concept(6, "Why does a storage write (SSTORE, 2,000 gas) cost twenty times a read (SLOAD, "
           "100 gas)?",
        ["writing to a disk is twenty times slower than reading",
         "so that contracts are nudged to use the stack instead",
         "what is written stays in the state that every node keeps for ever and every new "
         "node must download"],
        answer="c", why="gas prices the load a call puts on the whole street, and a write "
                        "is a cost every node carries for ever",
        nudges={"a": "the price is not about one disk's speed: think of who keeps the "
                     "written word, and for how long",
                "b": "the stack is gone when the call ends; storage is the only memory that "
                     "lasts, and that permanence is what is priced"})
concept(6, "Bob calls the counter's reset(), which refuses him: \"only the owner can "
           "reset\". What changed on chain?",
        ["his nonce went up by one and he paid the fee for the gas used; the rest of the "
         "gas came back",
         "nothing at all: a refused call leaves no trace",
         "the counter's storage up to the require, his nonce and the fee"],
        answer="a", why="a revert rolls back storage, balances and logs, refunds the unused "
                        "gas, and keeps the fee and the nonce (or the transaction could be "
                        "replayed)",
        nudges={"b": "the transaction is in a block: its nonce and fee stand, or it could "
                     "be sent again",
                "c": "nothing the call wrote survives a revert: compare the state roots in "
                     "the chapter's table of four calls"})
