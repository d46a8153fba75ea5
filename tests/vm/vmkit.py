"""Shared helpers for the contract-machine tests: run code both ways, fingerprint state.

``run`` executes code on ``Engine.FAST`` (what the chain uses); ``run_reference`` on
``Engine.STEPS``, the plain step loop (the definition). ``run_both`` runs both on copies of one state and
returns both results and both state roots, so a test can demand they agree. ``Sandbox``
deploys a compiled contract on a bare state and calls it through the real handlers.
"""

from __future__ import annotations

from minichain.receipts import BlockContext, Outcome
from minichain.state import State
from minichain.tx import SignedTransaction, Transaction
from minichain.vm.assembler import assemble
from minichain.vm.compiler import CompiledContract
from minichain.vm.interface import ContractInterface
from minichain.vm.machine import Engine, Message, Result, execute
from minichain.vm.runtime import apply_call, apply_deploy
from minichain.vm.trace import count_steps

CALLER = "0x" + "ca" * 20
CONTRACT = "0x" + "c0" * 20
OTHER = "0x" + "0b" * 20
BLOCK = BlockContext(chain_id=1, number=7, timestamp=1_782_000_105, sealer="0x" + "5e" * 20)


def code_of(program: str | bytes) -> bytes:
    return assemble(program) if isinstance(program, str) else program


def message(gas: int = 100_000, data: bytes = b"", value: int = 0,
            caller: str = CALLER) -> Message:
    return Message(caller, CONTRACT, value, data, gas)


def run(program: str | bytes, gas: int = 100_000, data: bytes = b"", value: int = 0,
        state: State | None = None, block: BlockContext = BLOCK) -> Result:
    """Run on the fast path (as on chain)."""
    return execute(state if state is not None else State(), code_of(program),
                   message(gas, data, value), block, Engine.FAST)


def run_reference(program: str | bytes, gas: int = 100_000, data: bytes = b"",
                  value: int = 0, state: State | None = None,
                  block: BlockContext = BLOCK) -> Result:
    """Run through the plain step loop, the machine's definition."""
    return execute(state if state is not None else State(), code_of(program),
                   message(gas, data, value), block, Engine.STEPS)


def run_both(program: str | bytes, state: State, gas: int = 100_000, data: bytes = b"",
             value: int = 0) -> tuple[Result, Result, bytes, bytes]:
    fast_state, reference_state = state.copy(), state.copy()
    fast = run(program, gas, data, value, fast_state)
    reference = run_reference(program, gas, data, value, reference_state)
    return fast, reference, fast_state.root(), reference_state.root()


def steps(program: str | bytes, gas: int = 100_000, state: State | None = None) -> int:
    return count_steps(state if state is not None else State(), code_of(program),
                       message(gas), BLOCK)[0]


def funded_state(contract_balance: int = 1_000) -> State:
    state = State()
    state.add_balance(CONTRACT, contract_balance)
    state.add_balance(CALLER, 5_000)
    state.storage_set(CONTRACT, 1, 11)
    state.commit()
    return state


# --- contracts without a chain: the real handlers on a bare state ---------------------------

def unsigned(tx: Transaction) -> SignedTransaction:
    """A transaction wrapper for calling handlers directly (signatures are not checked there)."""
    return SignedTransaction(tx, bytes(33), bytes(64))


class Sandbox:
    """One deployed contract on a bare state, called through ``apply_deploy``/``apply_call``.

    Like ``apply_transaction`` without fees and nonces: a failed call is rolled back.
    """

    def __init__(self, contract: CompiledContract, *args, deployer: str = CALLER,
                 value: int = 0, balances: dict[str, int] | None = None,
                 block: BlockContext = BLOCK) -> None:
        self.contract = contract
        self.block = block
        self.state = State()
        for address, amount in (balances or {CALLER: 10_000, OTHER: 10_000}).items():
            self.state.add_balance(address, amount)
        tx = Transaction(sender=deployer, nonce=0, chain_id=1, kind="deploy", to="",
                         value=value, data=contract.deploy_data(*args), gas=5_000_000)
        outcome = self.apply(tx, apply_deploy)
        if not outcome.success:
            raise AssertionError(f"deploy failed: {outcome.error}")
        self.deploy_outcome = outcome
        self.address = outcome.contract_address
        self.interface = ContractInterface(contract.abi, self.address)

    def apply(self, tx: Transaction, handler) -> Outcome:
        snapshot = self.state.snapshot()
        outcome = handler(self.state, unsigned(tx), self.block)
        if not outcome.success:
            self.state.rollback(snapshot)
        return outcome

    def call(self, name: str, *args, sender: str = CALLER, value: int = 0,
             gas: int = 3_000_000, data: bytes | None = None) -> Outcome:
        tx = Transaction(sender=sender, nonce=0, chain_id=1, kind="call", to=self.address,
                         value=value, gas=gas,
                         data=self.interface.encode_call(name, *args) if data is None else data)
        return self.apply(tx, apply_call)

    def value(self, name: str, *args, **options):
        """Call and return the decoded output; the call must succeed."""
        outcome = self.call(name, *args, **options)
        if not outcome.success:
            raise AssertionError(f"{name}{args} failed: {outcome.error}")
        return self.contract.abi.function(name).decode_output(outcome.output)

    def read(self, variable: str, *keys):
        return self.interface.read(self.state, variable, *keys)
