"""Contracts calling contracts (chapter 08): ``class X(Interface)`` and the ``XCALL`` opcode.

The market asks the identity registry "may this household trade?" and the reputation
contract "what is this partner's score?" in the middle of its own calls. These tests pin
down what such a call means: the callee sees the calling *contract* as ``msg.sender``;
a refusal anywhere refuses the whole transaction with the callee's own reason; everything
both contracts did stands or rolls back together; the callee's gas is the caller's; and
nesting is bounded. The fast path and the reference step loop must agree on all of it.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings, strategies as st

from minichain.chain import Chain, Genesis
from minichain.errors import CallDepthExceeded, CallFailed, CompileError, OutOfGas, Revert
from minichain.state import State
from minichain.vm import ContractInterface, compile_contract, deploy_tx
from minichain.vm.abi import encode_call
from minichain.vm.machine import Engine, Message, execute
from minichain.vm.opcodes import BY_NAME, GAS_CONTRACT_CALL, MAX_CONTRACT_DEPTH
from minichain.vm.trace import trace_call
from minichain.wallet import Wallet
from vmkit import BLOCK, CALLER

ALICE = Wallet.from_seed("alice")
OPERATOR = Wallet.from_seed("grid-operator")
PRICE = 3
START = 100_000_000

COUNTER = '''
class Counter:
    count: int
    last_caller: address
    Bumped = Event(by=address, count=int)

    @public
    def bump(self, by: int) -> int:
        require(by > 0, "bump by at least one")
        self.count += by
        self.last_caller = msg.sender
        emit(Bumped(msg.sender, self.count))
        return self.count

    @public
    def who(self) -> address:
        return msg.sender

    @public
    def spin(self, n: int) -> int:
        total = 0
        for i in range(n):
            total += i
        return total

    @public
    def seven(self) -> int:
        return 7

    @public
    def pair(self) -> tuple[int, int]:
        return 1, 2
'''

CALLER_SOURCE = '''
class Counter(Interface):
    def bump(self, by: int) -> int: ...
    def who(self) -> address: ...
    def spin(self, n: int) -> int: ...
    def seven(self) -> bool: ...
    def pair(self) -> int: ...


class Caller:
    counter: address
    calls: int
    Called = Event(result=int)

    def __init__(self, counter: address):
        self.counter = counter

    @public
    def bump_twice(self, by: int) -> int:
        self.calls += 1
        Counter(self.counter).bump(by)
        result = Counter(self.counter).bump(by)
        emit(Called(result))
        return result

    @public
    def bump_then_refuse(self, by: int):
        self.calls += 1
        Counter(self.counter).bump(by)
        revert("changed my mind")

    @public
    def who_calls(self) -> address:
        return Counter(self.counter).who()

    @public
    def spin(self, n: int) -> int:
        return Counter(self.counter).spin(n)

    @public
    def seven_as_bool(self) -> bool:
        return Counter(self.counter).seven()

    @public
    def pair(self) -> int:
        return Counter(self.counter).pair()

    @public
    def call_nobody(self) -> int:
        return Counter(address(0)).spin(1)
'''

RECURSIVE = '''
class Down(Interface):
    def down(self, n: int) -> int: ...


class Recursive:
    deepest: int

    @public
    def down(self, n: int) -> int:
        if n == 0:
            return 0
        self.deepest = n
        return Down(self.address).down(n - 1) + 1
'''


def new_chain() -> Chain:
    return Chain(Genesis(balances=((ALICE.address, START),), authorities=(OPERATOR.address,)))


def seal(chain: Chain, transactions: list) -> list:
    block, rejected = chain.build_block(OPERATOR.key, transactions,
                                        chain.head.header.timestamp + 15)
    assert rejected == []
    assert chain.add_block(block)
    return chain.receipts[block.hash]


@pytest.fixture
def pair():
    """A chain with a Counter and a Caller that calls it."""
    chain = new_chain()
    counter_code, caller_code = compile_contract(COUNTER), compile_contract(CALLER_SOURCE)
    (deployed,) = seal(chain, [deploy_tx(counter_code, ALICE, nonce=0)])
    counter = ContractInterface(counter_code.abi, deployed.contract_address)
    (deployed,) = seal(chain, [deploy_tx(caller_code, ALICE, counter.address, nonce=1)])
    caller = ContractInterface(caller_code.abi, deployed.contract_address)
    return chain, counter, caller


def only_fee_and_nonce(before: State, stx, gas_used: int) -> bytes:
    expected = before.copy()
    expected.sub_balance(stx.tx.sender, gas_used * stx.tx.gas_price)
    expected.add_balance(OPERATOR.address, gas_used * stx.tx.gas_price)
    expected.increment_nonce(stx.tx.sender)
    return expected.root()


def test_the_callee_sees_the_calling_contract_as_the_sender(pair):
    chain, counter, caller = pair
    assert caller.query(chain.state, "who_calls", caller=ALICE.address) == caller.address
    assert counter.query(chain.state, "who", caller=ALICE.address) == ALICE.address


def test_a_successful_call_keeps_both_contracts_changes_and_both_contracts_events(pair):
    chain, counter, caller = pair
    (receipt,) = seal(chain, [caller.call_tx(ALICE, "bump_twice", 4, nonce=2)])
    assert receipt.success and caller.output("bump_twice", receipt) == 8
    assert counter.read(chain.state, "count") == 8
    assert counter.read(chain.state, "last_caller") == caller.address
    assert caller.read(chain.state, "calls") == 1
    # the events come in the order they happened, each under its own contract's address
    assert [(log.address, log.topic) for log in receipt.logs] == [
        (counter.address, "Bumped"), (counter.address, "Bumped"), (caller.address, "Called")]
    assert [str(e) for e in counter.events(receipt)] == [
        f"Bumped(by={caller.address}, count=4)", f"Bumped(by={caller.address}, count=8)"]


def test_a_refusal_in_the_callee_refuses_the_caller_with_the_same_reason(pair):
    chain, counter, caller = pair
    before = chain.state.copy()
    stx = caller.call_tx(ALICE, "bump_twice", 0, nonce=2, gas_price=PRICE)
    (receipt,) = seal(chain, [stx])
    assert not receipt.success and receipt.error.describe() == "Revert: bump by at least one"
    assert receipt.logs == ()
    assert receipt.gas_used < stx.tx.gas                  # a revert refunds the unused gas
    assert chain.state.root() == only_fee_and_nonce(before, stx, receipt.gas_used)
    with pytest.raises(Revert, match="^bump by at least one$"):
        caller.query(chain.state, "bump_twice", 0)


def test_the_callees_changes_roll_back_when_the_caller_refuses_afterwards(pair):
    chain, counter, caller = pair
    before = chain.state.copy()
    stx = caller.call_tx(ALICE, "bump_then_refuse", 5, nonce=2, gas_price=PRICE)
    (receipt,) = seal(chain, [stx])
    assert receipt.error.describe() == "Revert: changed my mind"
    assert counter.read(chain.state, "count") == 0 and caller.read(chain.state, "calls") == 0
    assert chain.state.root() == only_fee_and_nonce(before, stx, receipt.gas_used)


def test_the_callees_gas_is_charged_to_the_caller_and_bounded_by_what_it_has(pair):
    chain, counter, caller = pair
    direct = counter.simulate(chain.state, "spin", 50)
    through = caller.simulate(chain.state, "spin", 50)
    small = caller.simulate(chain.state, "spin", 0)
    small_direct = counter.simulate(chain.state, "spin", 0)
    assert direct.success and through.success
    # the extra work of 50 loop rounds costs the caller exactly what it costs the callee
    assert through.gas_used - small.gas_used == direct.gas_used - small_direct.gas_used > 1_000
    assert small.gas_used > small_direct.gas_used + GAS_CONTRACT_CALL
    # with too little gas the callee runs out, and so does the whole transaction
    before = chain.state.copy()
    stx = caller.call_tx(ALICE, "spin", 10_000, nonce=2, gas=60_000, gas_price=PRICE)
    (receipt,) = seal(chain, [stx])
    assert receipt.error.describe().startswith("OutOfGas: ") and receipt.gas_used == 60_000
    assert chain.state.root() == only_fee_and_nonce(before, stx, 60_000)


def test_contracts_calling_contracts_nest_at_most_max_contract_depth_deep():
    chain = new_chain()
    code = compile_contract(RECURSIVE)
    (deployed,) = seal(chain, [deploy_tx(code, ALICE, nonce=0)])
    recursive = ContractInterface(code.abi, deployed.contract_address)
    assert recursive.query(chain.state, "down", MAX_CONTRACT_DEPTH) == MAX_CONTRACT_DEPTH
    with pytest.raises(CallDepthExceeded, match=f"more than {MAX_CONTRACT_DEPTH} contracts"):
        recursive.query(chain.state, "down", MAX_CONTRACT_DEPTH + 1)
    (receipt,) = seal(chain, [recursive.call_tx(ALICE, "down", 3, nonce=1)])
    assert receipt.success and recursive.read(chain.state, "deepest") == 1


def test_calling_an_address_without_code_or_taking_back_two_words_is_a_fault(pair):
    chain, counter, caller = pair
    with pytest.raises(CallFailed, match="holds no contract code"):
        caller.query(chain.state, "call_nobody")
    with pytest.raises(CallFailed, match="returned 2 words"):
        caller.query(chain.state, "pair")


def test_a_value_that_is_not_the_declared_type_is_refused(pair):
    chain, counter, caller = pair
    with pytest.raises(Revert, match="^Counter.seven returned a value that is not True or "
                                     "False$"):
        caller.query(chain.state, "seven_as_bool")


def test_the_debugger_steps_through_the_callee_too(pair):
    chain, counter, caller = pair
    data = encode_call("who_calls")
    traced = trace_call(chain.state.copy(), chain.state.code(caller.address),
                        Message(ALICE.address, caller.address, 0, data, 100_000), BLOCK)
    plain = execute(chain.state.copy(), chain.state.code(caller.address),
                    Message(ALICE.address, caller.address, 0, data, 100_000), BLOCK)
    assert traced.result == plain and plain.success
    ops = [step.op for step in traced.steps]
    assert ops.count("XCALL") == 1 and ops.count("RETURN") == 2      # caller's and callee's


@pytest.mark.parametrize("source, line, message", [
    ("class I(Interface):\n    def f(self) -> int:\n        return 1\n", 2,
     "I.f runs in the other contract: write its body as ..."),
    ("class I(Interface):\n    def f(self) -> tuple[int, int]: ...\n", 2,
     "a call to another contract takes back one value"),
    ("class I(Interface):\n    x: int\n", 2, "an interface holds only methods"),
    ("class I(Interface):\n    @public\n    def f(self) -> int: ...\n", 3,
     "interface methods take no decorators"),
])
def test_interface_declarations_outside_the_language_are_refused(source, line, message):
    with pytest.raises(CompileError) as error:
        compile_contract(source + "\n\nclass C:\n    @public\n    def g(self) -> int:\n"
                                  "        return 1\n")
    assert error.value.line == line and message in error.value.reason


@pytest.mark.parametrize("body, message", [
    ("return I(self.a).f(1, 2)", "I.f takes 1 argument(s), got 2"),
    ("return I(self.a).g()", "interface I has no method 'g'"),
    ("return I(5).f(1)", "the address in I(...) must be an address, got an int"),
    ("return I(self.a).f(self.a)", "argument x of I.f must be an int, got an address"),
    ("x = I(self.a)\n        return 0", "I(...) names a contract: call one of its methods"),
])
def test_calls_to_other_contracts_are_type_checked(body, message):
    source = ("class I(Interface):\n    def f(self, x: int) -> int: ...\n\n\n"
              f"class C:\n    a: address\n\n    @public\n    def g(self) -> int:\n"
              f"        {body}\n")
    with pytest.raises(CompileError) as error:
        compile_contract(source)
    assert error.value.line == 10 and message in error.value.reason


# --- the fast path and the reference loop agree on calls between contracts ------------------

LOOPER = '''
class Counter(Interface):
    def bump(self, by: int) -> int: ...
    def spin(self, n: int) -> int: ...


class Looper:
    counter: address
    total: int

    @public
    def run(self, rounds: int, by: int, spin: int, refuse_at: int) -> int:
        for i in range(rounds):
            self.total += Counter(self.counter).bump(by) + Counter(self.counter).spin(spin)
            require(i != refuse_at, "refused in the loop")
        return self.total
'''
LOOPER_AT = "0x" + "1e" * 20
COUNTER_AT = "0x" + "c1" * 20


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 6), st.integers(-1, 5), st.integers(0, 30), st.integers(-1, 6),
       st.sampled_from([3_000, 20_000, 200_000]))
def test_fast_path_and_reference_agree_on_calls_between_contracts(rounds, by, spin, refuse_at,
                                                                    gas):
    looper, counter = compile_contract(LOOPER), compile_contract(COUNTER)
    state = State()
    state.set_code(LOOPER_AT, looper.code)
    state.set_code(COUNTER_AT, counter.code)
    state.storage_set(LOOPER_AT, 0, int(COUNTER_AT, 16))
    state.commit()
    before = state.root()
    data = encode_call("run", rounds, by, spin, refuse_at)
    message = Message(CALLER, LOOPER_AT, 0, data, gas)
    fast_state, reference_state = state.copy(), state.copy()
    fast = execute(fast_state, looper.code, message, BLOCK, Engine.FAST)
    reference = execute(reference_state, looper.code, message, BLOCK, Engine.STEPS)
    assert (fast, fast.error) == (reference, reference.error)
    assert fast_state.root() == reference_state.root()
    if not fast.success:
        assert fast_state.root() == before
    should_fail = rounds > 0 and (by <= 0 or 0 <= refuse_at < rounds)
    if gas == 200_000:
        assert fast.success == (not should_fail)


def test_xcall_is_one_row_of_the_instruction_table():
    row = BY_NAME["XCALL"]
    assert (row.code, row.immediate, row.inputs, row.outputs, row.gas) == (
        0xF1, 1, "n+2", "1", GAS_CONTRACT_CALL)
    assert row.stack_in(2) == 4 and row.stack_out(2) == 1


def test_random_argument_words_reach_the_callee_unchanged():
    rng = random.Random(8)
    counter = compile_contract(COUNTER)
    state = State()
    state.set_code(COUNTER_AT, counter.code)
    caller = compile_contract(CALLER_SOURCE)
    state.set_code(LOOPER_AT, caller.code)
    state.storage_set(LOOPER_AT, 0, int(COUNTER_AT, 16))
    total = 0
    for _ in range(5):
        by = rng.randint(1, 2 ** 200)
        result = execute(state, caller.code, Message(CALLER, LOOPER_AT, 0,
                                                     encode_call("bump_twice", by), 500_000),
                         BLOCK)
        total += 2 * by
        assert result.success and result.output == (total,)
    with pytest.raises(OutOfGas):
        raise execute(state, caller.code, Message(CALLER, LOOPER_AT, 0,
                                                  encode_call("spin", 10 ** 6), 50_000),
                      BLOCK).fault
