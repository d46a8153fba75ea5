"""Reentrancy: a contract that calls out before it updates its books is drained (chapter 13).

The story. The energy co-op keeps its sellers' earnings in a payout contract
(``contracts/sources/payouts_buggy.py``) that tells a seller's own contract when money
leaves (``paid``), *before* it sets what is owed to zero. Mallory's contract
(``payout_drainer.py``) is owed a little; when it is told of a payment it withdraws again,
and again: it is paid its 100 µ€ ten times over and the other sellers' money is gone.

What stops it, each alone (``payouts_fixed.py`` has both):

* **checks-effects-interactions**: set what is owed to zero before sending and calling
  out; a call back finds nothing owed and is refused, and the whole attack rolls back;
* **a reentrancy lock**: ``@nonreentrant`` makes the compiler guard the function's entry
  with a lock in storage; a call back into a guarded function is refused while one runs.

How an audit finds it: chapter 07's method, random calls to the contract and to a model
in plain Python of what it should do, compared after every call (``audit``). It finds the
bug only if the random calls include what an attacker would do, a contract that calls
back; with households alone it finds nothing.

And the street's market (``market_calls``, ``calls_between_contracts``): it calls only the
registry, the oracle and reputation, at addresses fixed when it was deployed, none of
which calls anything that could call the market, and ``send`` runs no code; so no
attacker's code ever runs while the market is in the middle of a call.
"""

from __future__ import annotations

import ast
import random
from dataclasses import dataclass, field

from minichain import cast
from minichain.contracts import compiled, source as contract_source
from minichain.execution import BlockContext, apply_transaction
from minichain.receipts import Receipt
from minichain.state import State
from minichain.tx import SignedTransaction
from minichain.vm.compiler import CompiledContract
from minichain.vm.interface import ContractInterface, deploy_tx
from minichain.vm.machine import Engine, Machine, Message, execute
from minichain.vm.opcodes import MAX_CONTRACT_DEPTH, word_to_address
from minichain.vm.program import Instruction
from minichain.wallet import Wallet

START = 10_000                       # µ€ every person holds before the story
CREDITS = (("alice", 400), ("bob", 300), ("carol", 200))   # what the sellers are owed
STAKE = 100                          # what the co-op owes Mallory's contract, honestly
# Every round trip (payouts -> drainer -> payouts) is two contract levels deeper.
MAX_ROUNDS = (MAX_CONTRACT_DEPTH - 1) // 2
BLOCK = BlockContext(chain_id=1, number=1, timestamp=cast.GENESIS_TIME,
                     sealer=cast.wallet(cast.GRID_OPERATOR).address)
NAMES = ("alice", "bob", "carol", cast.ATTACKER)


# --- the lab ---------------------------------------------------------------------------

@dataclass
class PayoutLab:
    """A payout contract holding the sellers' earnings, and Mallory's drainer next to it."""

    contract: CompiledContract
    state: State
    payouts: ContractInterface
    drainer: ContractInterface
    people: dict[str, Wallet]                 # alice, bob, carol, mallory, and the co-op
    receipts: list[Receipt] = field(default_factory=list)

    def send(self, who: str, target: ContractInterface, name: str, *args: object,
             value: int = 0) -> Receipt:
        """``who`` calls ``name(*args)`` on ``target`` in a transaction."""
        wallet = self.people[who]
        stx = target.call_tx(wallet, name, *args, value=value,
                             nonce=self.state.nonce(wallet.address), gas=3_000_000)
        receipt = apply_transaction(self.state, stx, BLOCK)
        self.receipts.append(receipt)
        return receipt

    def held(self) -> int:
        """Tokens in the payout contract."""
        return self.state.balance(self.payouts.address)

    def owed(self, who: str) -> int:
        """What the payout contract owes ``who`` (a person, or "drainer")."""
        return self.payouts.read(self.state, "owed", self.address(who))

    def address(self, who: str) -> str:
        return self.drainer.address if who == "drainer" else self.people[who].address

    def tokens(self) -> dict[str, int]:
        """Everybody's tokens: the people, the co-op, the drainer and the payout contract."""
        holders = {name: wallet.address for name, wallet in self.people.items()}
        holders.update(drainer=self.drainer.address, payouts=self.payouts.address)
        return {name: self.state.balance(address) for name, address in holders.items()}

    def attack(self, rounds: int) -> Receipt:
        """Mallory's contract withdraws, then ``rounds`` more times from inside ``paid``."""
        return self.send(cast.ATTACKER, self.drainer, "attack", rounds)


def payout_lab(contract: CompiledContract | str = "payouts_buggy",
               credits: tuple[tuple[str, int], ...] = CREDITS, stake: int = STAKE) -> PayoutLab:
    """The co-op deploys ``contract`` and credits the sellers; Mallory deploys her drainer,
    and the co-op owes it ``stake`` (she sold a little energy, honestly)."""
    contract = compiled(contract) if isinstance(contract, str) else contract
    people = {name: cast.wallet(name) for name in NAMES}
    people["co-op"] = cast.wallet(cast.ENERGY_CO_OP)
    state = State()
    for wallet in people.values():
        state.add_balance(wallet.address, START)
    state.commit()
    deployed = apply_transaction(state, deploy_tx(contract, people["co-op"], nonce=0), BLOCK)
    payouts = ContractInterface(contract.abi, deployed.contract_address)
    drainer_code = compiled("payout_drainer")
    planted = apply_transaction(state, deploy_tx(drainer_code, people[cast.ATTACKER],
                                                 payouts.address, nonce=0), BLOCK)
    drainer = ContractInterface(drainer_code.abi, planted.contract_address)
    lab = PayoutLab(contract, state, payouts, drainer, people, [deployed, planted])
    for name, amount in credits:
        lab.send("co-op", payouts, "credit", lab.address(name), value=amount)
    if stake:
        lab.send("co-op", payouts, "credit", drainer.address, value=stake)
    if not all(receipt.success for receipt in lab.receipts):
        failed = next(receipt for receipt in lab.receipts if not receipt.success)
        raise AssertionError(f"setting up the lab failed: {failed.explain()}")  # pragma: no cover
    state.commit()
    return lab


@dataclass(frozen=True)
class Drained:
    """What one attack did: its receipt, and the money before and after."""

    receipt: Receipt
    rounds: int
    held_before: int              # in the payout contract
    held_after: int
    loot: int                     # what Mallory's drainer gained
    owed_after: dict[str, int]    # what the contract still says it owes each seller
    root_before: bytes
    root_after: bytes
    root_if_refused: bytes        # the state root the attack leaves if it is refused

    @property
    def refused(self) -> bool:
        """True when the attack changed nothing but Mallory's nonce."""
        return self.root_after == self.root_if_refused


def drain(contract: CompiledContract | str = "payouts_buggy", rounds: int | None = None) -> Drained:
    """Run Mallory's attack on ``contract``; by default with as many rounds as the money
    allows (and the machine's depth limit: at most ``MAX_ROUNDS``)."""
    lab = payout_lab(contract)
    if rounds is None:
        rounds = min(MAX_ROUNDS, lab.held() // STAKE - 1)
    before = lab.state.root()
    refused = lab.state.copy()
    refused.increment_nonce(lab.people[cast.ATTACKER].address)
    held, loot = lab.held(), lab.state.balance(lab.drainer.address)
    receipt = lab.attack(rounds)
    return Drained(receipt, rounds, held, lab.held(),
                   lab.state.balance(lab.drainer.address) - loot,
                   {name: lab.owed(name) for name, _ in CREDITS}, before, lab.state.root(),
                   refused.root())


# --- the audit: chapter 07's method --------------------------------------------------------

@dataclass
class PayoutModel:
    """What the payout contract should do, in plain Python, from its description: each
    seller is paid what it is owed, once. A call that fails inside another fails whole
    (the machine's rule), so the drainer's ``attack`` with rounds to spare is refused:
    its second withdrawal finds nothing owed."""

    tokens: dict[str, int]
    owed: dict[str, int] = field(default_factory=dict)

    def credit(self, payer: str, seller: str, amount: int) -> bool:
        if amount <= 0 or self.tokens[payer] < amount:
            return False
        self.tokens[payer] -= amount
        self.tokens["payouts"] += amount
        self.owed[seller] = self.owed.get(seller, 0) + amount
        return True

    def withdraw(self, seller: str) -> bool:
        amount = self.owed.get(seller, 0)
        if amount <= 0:
            return False
        self.owed[seller] = 0
        self.tokens["payouts"] -= amount
        self.tokens[seller] += amount
        return True

    def attack(self, rounds: int) -> bool:
        """The drainer withdraws; told of it, it tries ``rounds`` more withdrawals."""
        if rounds > 0:
            return False            # the first retry finds nothing owed: all of it fails
        return self.withdraw("drainer")


ACTIONS = ("credit", "credit", "withdraw", "withdraw", "attack")
HOUSEHOLD_ACTIONS = ("credit", "credit", "withdraw", "withdraw")


def audit(contract: CompiledContract | str, seed: int, calls: int = 40,
          actions: tuple[str, ...] = ACTIONS) -> str | None:
    """Random calls to ``contract`` and to ``PayoutModel``: the first disagreement (on
    whether a call was accepted, anybody's tokens, or what is owed), or None."""
    rng = random.Random(seed)
    lab = payout_lab(contract, credits=(), stake=0)
    model = PayoutModel(lab.tokens())
    sellers = ("alice", "bob", "carol", "drainer")
    for number in range(1, calls + 1):
        action = rng.choice(actions)
        if action == "credit":
            payer, seller = rng.choice(("co-op", "alice", "bob")), rng.choice(sellers)
            amount = rng.randrange(50, 301, 50)
            said = f"call {number}: {payer} credits {seller} {amount}"
            receipt = lab.send(payer, lab.payouts, "credit", lab.address(seller), value=amount)
            accepted = model.credit(payer, seller, amount)
        elif action == "withdraw":
            seller = rng.choice(sellers[:3])
            said = f"call {number}: {seller} withdraws"
            receipt = lab.send(seller, lab.payouts, "withdraw")
            accepted = model.withdraw(seller)
        else:
            rounds = rng.randint(0, 3)
            said = f"call {number}: Mallory's contract attack({rounds})"
            receipt = lab.attack(rounds)
            accepted = model.attack(rounds)
        if receipt.success != accepted:
            return (f"{said}: the contract {'accepted' if receipt.success else 'refused'} it, "
                    f"the model {'accepts' if accepted else 'refuses'} it")
        tokens, expected = lab.tokens(), model.tokens
        if tokens != expected:
            wrong = sorted(name for name in tokens if tokens[name] != expected[name])
            return (f"{said}: tokens differ for {', '.join(wrong)} (contract "
                    f"{[tokens[n] for n in wrong]}, model {[expected[n] for n in wrong]})")
        owed = {seller: lab.owed(seller) for seller in sellers}
        if owed != {seller: model.owed.get(seller, 0) for seller in sellers}:
            return f"{said}: what is owed differs: contract {owed}, model {model.owed}"
    return None


# --- the market: can it be re-entered? -------------------------------------------------------

@dataclass(frozen=True)
class ExternalCall:
    """One call to another contract written in a contract's source."""

    function: str         # the method it is written in
    interface: str        # the declared interface, e.g. "Reputation"
    method: str
    target: str           # the address expression, as written: "self.reputation"
    line: int


def external_calls(source: str) -> list[ExternalCall]:
    """Every ``Interface(target).method(...)`` in a contract's source, read with ``ast``."""
    tree = ast.parse(source)
    interfaces = {node.name for node in tree.body if isinstance(node, ast.ClassDef)
                  and any(isinstance(base, ast.Name) and base.id == "Interface"
                          for base in node.bases)}
    found = []
    for cls in (node for node in tree.body if isinstance(node, ast.ClassDef)
                and node.name not in interfaces):
        for function in (item for item in cls.body if isinstance(item, ast.FunctionDef)):
            for node in ast.walk(function):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and isinstance(node.func.value, ast.Call)
                        and isinstance(node.func.value.func, ast.Name)
                        and node.func.value.func.id in interfaces):
                    target = ast.unparse(node.func.value.args[0])
                    found.append(ExternalCall(function.name, node.func.value.func.id,
                                              node.func.attr, target, node.lineno))
    return sorted(found, key=lambda call: (call.line, call.method))


def writers(source: str, variable: str) -> list[str]:
    """The methods that assign ``self.<variable>`` (the whole variable, not an entry)."""
    tree = ast.parse(source)
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        for inner in ast.walk(node):
            targets = (inner.targets if isinstance(inner, ast.Assign)
                       else [inner.target] if isinstance(inner, (ast.AugAssign,
                                                                 ast.AnnAssign)) else [])
            for target in targets:
                if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                        and target.value.id == "self" and target.attr == variable):
                    names.add(node.name)
    return sorted(names)


MARKET_CONTRACTS = ("market", "identity", "meter_oracle", "reputation")


def market_calls() -> dict[str, list[ExternalCall]]:
    """The calls each of the street's four market contracts makes to other contracts."""
    return {name: external_calls(contract_source(name)) for name in MARKET_CONTRACTS}


class CallRecorder:
    """A tracer that notes every call from one contract to another: (caller, callee)."""

    def __init__(self) -> None:
        self.calls: set[tuple[str, str]] = set()

    def before(self, machine: Machine, instruction: Instruction) -> None:
        if instruction.op.name == "XCALL":
            target = machine.stack[len(machine.stack) - instruction.arg - 2]
            self.calls.add((machine.address, word_to_address(target)))

    def storage_write(self, slot: int, value: int) -> None:
        pass


def calls_between_contracts(state: State, stx: SignedTransaction,
                            block: BlockContext) -> set[tuple[str, str]]:
    """Which contract called which while ``stx`` ran on ``state`` (which is not changed)."""
    tx = stx.tx
    if tx.kind != "call" or not state.code(tx.to):
        return set()
    recorder = CallRecorder()
    copy = state.copy()
    if tx.value:
        copy.transfer(tx.sender, tx.to, tx.value)
    execute(copy, copy.code(tx.to), Message(tx.sender, tx.to, tx.value, tx.data,
                                            tx.gas - tx.intrinsic_gas()),
            block, Engine.STEPS, recorder)
    return recorder.calls


__all__ = ["ACTIONS", "CREDITS", "CallRecorder", "Drained", "ExternalCall",
           "HOUSEHOLD_ACTIONS", "MARKET_CONTRACTS", "MAX_ROUNDS", "PayoutLab",
           "PayoutModel", "STAKE", "audit", "calls_between_contracts", "drain",
           "external_calls", "market_calls", "payout_lab", "writers"]
