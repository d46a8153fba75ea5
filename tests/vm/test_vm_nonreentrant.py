"""@nonreentrant: the compiler's reentrancy lock (chapter 13).

A guarded public function's entry refuses the call while a guarded function of the same
contract runs, sets a lock in storage slot -1 (where no state variable can be), and
clears it after. These tests pin what it compiles to and what it costs, that it refuses
exactly the calls back (into the same function or another guarded one), that a failed
call leaves no lock behind, that internal calls are not guarded, and that without a call
back it changes nothing but gas.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from minichain.errors import CompileError
from minichain.tx import Transaction
from minichain.vm import compile_contract
from minichain.vm.declarations import REENTRANCY_LOCK_SLOT
from minichain.vm.interface import ContractInterface
from minichain.vm.opcodes import GAS_BASE, GAS_MID, GAS_SLOAD, GAS_SSTORE
from minichain.vm.runtime import apply_deploy
from vmkit import CALLER, Sandbox, unsigned

GUARDED = '''
from minichain.vm.lang import *


class Hook(Interface):
    def ping(self, n: int): ...


class Vault:
    count: int
    hook: address

    @public
    def set_hook(self, hook: address):
        self.hook = hook

    @public
    @nonreentrant
    def bump(self, n: int) -> int:
        self.count += n
        if self.hook != address(0) and n > 0:
            Hook(self.hook).ping(n)
        return self.count

    @public
    @nonreentrant
    def other(self, n: int) -> int:
        self.count += 100 * n
        return self.count

    @public
    @nonreentrant
    def twice(self, n: int) -> int:
        self.helper(n)
        return self.plain(n)

    def helper(self, n: int):
        self.count += n

    @public
    def plain(self, n: int) -> int:
        self.count += n
        return self.count

    @public
    @nonreentrant
    def fail(self, n: int):
        self.count += n
        require(n < 0, "refused on purpose")
'''

CALLER_BACK = '''
from minichain.vm.lang import *


class Vault(Interface):
    def bump(self, n: int) -> int: ...
    def other(self, n: int) -> int: ...
    def plain(self, n: int) -> int: ...


class Hook:
    vault: address
    mode: int

    def __init__(self, vault: address, mode: int):
        self.vault = vault
        self.mode = mode

    @public
    def ping(self, n: int):
        if self.mode == 1:
            Vault(self.vault).bump(n - 1)
        elif self.mode == 2:
            Vault(self.vault).other(n)
        elif self.mode == 3:
            Vault(self.vault).plain(n)
'''

UNGUARDED = GUARDED.replace("    @nonreentrant\n", "")


class TwoContracts:
    """The vault and a hook that calls back into it (mode 1: bump, 2: other, 3: plain)."""

    def __init__(self, vault_source: str, mode: int) -> None:
        self.vault = Sandbox(compile_contract(vault_source))
        self.state = self.vault.state
        hook = compile_contract(CALLER_BACK)
        tx = Transaction(sender=CALLER, nonce=1, chain_id=1, kind="deploy", to="",
                         data=hook.deploy_data(self.vault.address, mode), gas=5_000_000)
        outcome = apply_deploy(self.state, unsigned(tx), self.vault.block)
        assert outcome.success, outcome.error
        self.hook = ContractInterface(hook.abi, outcome.contract_address)
        assert self.vault.call("set_hook", self.hook.address).success

    def bump(self, n: int):
        return self.vault.call("bump", n)


# --- compiling ----------------------------------------------------------------------------

def test_the_lock_lives_in_a_slot_no_state_variable_can_use():
    assert REENTRANCY_LOCK_SLOT == -1
    contract = compile_contract(GUARDED)
    assert {var.slot for var in contract.abi.storage} == {0, 1}
    assembly = contract.assembly()
    assert assembly.count("PUSH -1") == 3 * 4           # four guarded entries: check, set, clear
    assert compile_contract(UNGUARDED).assembly().count("PUSH -1") == 0


def test_the_guard_costs_one_storage_read_and_two_writes():
    guarded, unguarded = Sandbox(compile_contract(GUARDED)), Sandbox(compile_contract(UNGUARDED))
    extra = GAS_SLOAD + GAS_MID + 2 * GAS_SSTORE + 5 * GAS_BASE     # 4,109
    assert guarded.call("bump", 1).extra_gas - unguarded.call("bump", 1).extra_gas == extra == 4_109


@pytest.mark.parametrize("source, message", [
    ("class C:\n    @nonreentrant\n    def __init__(self):\n        pass\n",
     "__init__ runs once, at deploy, and cannot be re-entered"),
    ("class C:\n    @nonreentrant\n    def helper(self):\n        pass\n",
     "@nonreentrant guards a function that transactions and other contracts call: add @public"),
    ("class C:\n    @public\n    @public\n    def f(self):\n        pass\n",
     "@public is written twice"),
])
def test_a_guard_where_it_cannot_work_is_a_compile_error(source, message):
    with pytest.raises(CompileError) as caught:
        compile_contract(source)
    assert message in caught.value.reason


def test_a_payable_function_may_be_guarded():
    source = ("class C:\n    paid: int\n\n    @payable\n    @nonreentrant\n"
              "    def pay(self):\n        self.paid += msg.value\n")
    box = Sandbox(compile_contract(source))
    assert box.call("pay", value=5).success and box.read("paid") == 5


# --- running ------------------------------------------------------------------------------

def test_without_a_call_back_the_guard_changes_nothing_but_gas():
    for mode in (0, 3):
        guarded = TwoContracts(GUARDED, mode)
        unguarded = TwoContracts(UNGUARDED, mode)
        for n in (1, 2, 3):
            a, b = guarded.bump(n), unguarded.bump(n)
            assert a.success and b.success and a.output == b.output
        assert guarded.vault.read("count") == unguarded.vault.read("count")
        assert guarded.state.storage_get(guarded.vault.address, REENTRANCY_LOCK_SLOT) == 0


def test_a_call_back_into_the_same_guarded_function_is_refused_and_everything_rolls_back():
    unguarded = TwoContracts(UNGUARDED, 1)
    assert unguarded.bump(3).success                  # 3, then 2, 1, 0 from inside ping
    assert unguarded.vault.read("count") == 6
    guarded = TwoContracts(GUARDED, 1)
    before = guarded.state.root()
    outcome = guarded.bump(3)
    assert outcome.error.reason == ("reentrant call: bump waits until this contract's running "
                                    "call ends (@nonreentrant)")
    assert guarded.state.root() == before             # the sandbox charges no nonce or fee
    assert guarded.bump(0).success                    # no lock was left behind


def test_a_call_back_into_another_guarded_function_is_refused_too():
    assert TwoContracts(UNGUARDED, 2).bump(1).success
    outcome = TwoContracts(GUARDED, 2).bump(1)
    assert outcome.error.reason.startswith("reentrant call: other waits")


def test_a_call_back_into_an_unguarded_function_is_allowed():
    both = TwoContracts(GUARDED, 3)
    assert both.bump(2).success and both.vault.read("count") == 4


def test_a_failed_guarded_call_leaves_no_lock_and_internal_calls_pass():
    box = Sandbox(compile_contract(GUARDED))
    assert box.call("fail", 1).error.reason == "refused on purpose"
    assert box.state.storage_get(box.address, REENTRANCY_LOCK_SLOT) == 0
    assert box.value("twice", 2) == 4                 # a guarded function calls its helpers
    assert box.value("other", 1) == 104


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["bump", "other", "plain", "twice", "fail"]),
                          st.integers(-3, 3)), max_size=12))
def test_any_sequence_of_calls_without_call_backs_ends_the_same_guarded_or_not(calls):
    guarded, unguarded = Sandbox(compile_contract(GUARDED)), Sandbox(compile_contract(UNGUARDED))
    for name, n in calls:
        a, b = guarded.call(name, n), unguarded.call(name, n)
        assert (a.success, a.output, a.error and a.error.reason) == \
            (b.success, b.output, b.error and b.error.reason)
    assert guarded.read("count") == unguarded.read("count")
    assert guarded.state.storage_get(guarded.address, REENTRANCY_LOCK_SLOT) == 0
