"""Solutions to the chapter 06 exercises: the contract machine.

Try each exercise first; `check(your_function)` tells you what is wrong and hints at why.
"""

from minichain.state import State
from minichain.vm import Message, assemble, execute, trace_call
from minichain.vm.assembler import assemble_items, parse

CALLER = "0x" + "b0" * 20
CONTRACT = "0x" + "c0" * 20


def stack_after(program):
    """The stack (bottom first) after running the instructions in `program`."""
    two_words = {"ADD": lambda a, b: a + b, "SUB": lambda a, b: a - b,
                 "MUL": lambda a, b: a * b, "DIV": lambda a, b: a // b,
                 "MOD": lambda a, b: a % b, "LT": lambda a, b: int(a < b),
                 "GT": lambda a, b: int(a > b), "EQ": lambda a, b: int(a == b)}
    stack = []
    for line in program:
        name, *rest = line.split()
        if name == "PUSH":
            stack.append(int(rest[0]))
        elif name == "POP":
            stack.pop()
        elif name == "DUP":
            stack.append(stack[-int(rest[0])])
        elif name == "SWAP":
            n = int(rest[0])
            stack[-1], stack[-1 - n] = stack[-1 - n], stack[-1]
        elif name == "ISZERO":
            stack.append(1 if stack.pop() == 0 else 0)
        else:
            b, a = stack.pop(), stack.pop()
            stack.append(two_words[name](a, b))
    return stack


def sum_call_data_asm():
    """Assembly that returns the sum of every word of the call data."""
    return """
    PUSH 0
    STORE 0            ; the sum
    PUSH 0
    STORE 1            ; i, the index of the next word
loop:
    JUMPDEST
    LOAD 1
    CALLDATASIZE
    LT                 ; i < number of words?
    ISZERO
    JUMPI done         ; no: we are done
    LOAD 0
    LOAD 1
    CALLDATA           ; word i
    ADD
    STORE 0            ; sum = sum + word i
    LOAD 1
    PUSH 1
    ADD
    STORE 1            ; i = i + 1
    JUMP loop
done:
    JUMPDEST
    LOAD 0
    RETURN 1
"""


def costliest_line(program, gas):
    """The line of `program` whose instructions were charged the most gas in total."""
    lines = assemble_items(parse(program)).lines
    trace = trace_call(State(), assemble(program), Message(CALLER, CONTRACT, gas=gas),
                       lines=lines)
    totals = {}
    for step in trace.steps:
        totals[step.line] = totals.get(step.line, 0) + step.cost
    return max(totals, key=totals.get)


def payments(result):
    """The payments a call's events record: (seller address, wh, µ€), in order."""
    return [(f"0x{log.data[0]:040x}", log.data[1], log.data[2])
            for log in result.logs if log.topic == "Paid"]


def how_it_ended(state, code, gas):
    """How a call ended ("success", "revert" or "halt"), its gas, and if the state is unchanged."""
    before = state.root()
    result = execute(state, code, Message(CALLER, CONTRACT, gas=gas))
    if result.success:
        ending = "success"
    elif result.reverted:
        ending = "revert"
    else:
        ending = "halt"
    return ending, result.gas_used, state.root() == before
