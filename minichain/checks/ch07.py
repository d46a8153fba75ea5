"""Checks for the chapter 07 exercises: a selector, a meter log, events, a bug fix, an audit.

The learner's selector is compared with ``minichain.vm.abi.selector``; the two contracts
the learner writes are compiled, deployed on a fresh state and called through
``apply_transaction``, exactly as on chain, in a short story whose every step has one
right ending. The usual wrong turns get the hint that fixes them: the domain prefix left
out, the bytes read little-endian or not cut to four; a zero reading refused, a negative one
or a stranger's accepted; the prepaid contract still checking the total instead of the
caller's own deposit, or refusing to pay back a whole deposit; an approval counted as
credits, what was sent left out, the deploy's mint skipped; an audit model copied from
the buggy code (the total) instead of written from the description, or one that forgets to
subtract a withdrawal; a syntax-tree walk that misses ``+=``, subscripts or tuples. The
chapter's three concept questions are at the end.
"""

from __future__ import annotations

import ast
import functools
import random
from typing import Any, Callable

from minichain import cast
from minichain.chain import GENESIS_TIME
from minichain.checks import FORGOT_RETURN, Mismatch, exercise
from minichain.checks.quiz import concept
from minichain.contracts import source as contract_source
from minichain.encoding import sha256
from minichain.errors import ABIError, CompileError, Revert
from minichain.execution import BlockContext, apply_transaction
from minichain.receipts import Receipt
from minichain.state import State
from minichain.vm.abi import selector
from minichain.vm.compiler import CompiledContract, compile_contract
from minichain.vm.interface import ContractInterface, deploy_tx
from minichain.wallet import Wallet                 # the type of a signer

BLOCK = BlockContext(chain_id=1, number=1, timestamp=GENESIS_TIME + 12 * 3600,
                     sealer=cast.wallet(cast.GRID_OPERATOR).address)
START = 1_000

# --- selector_of ------------------------------------------------------------------------

SELECTOR_NAMES = ("add", "transfer", "transfer_from", "open_deal", "record", "__init__")


def _digest(name: str, prefix: bytes = b"minichain function:") -> bytes:
    return sha256(prefix + name.encode("utf-8"))


SELECTOR_MISTAKES: tuple[tuple[Callable[[str], int], str], ...] = (
    (lambda n: int.from_bytes(_digest(n, b"")[:4], "big"),
     "hash the name WITH the domain in front: b\"minichain function:\" + name (so a "
     "function's selector can never be mistaken for another hash)"),
    (lambda n: int.from_bytes(_digest(n, b"minichain function: ")[:4], "big"),
     "no space after the colon: b\"minichain function:\" + name"),
    (lambda n: int.from_bytes(_digest(n)[:4], "little"),
     "read the four bytes big-endian: int.from_bytes(digest[:4], \"big\")"),
    (lambda n: int.from_bytes(_digest(n), "big"),
     "a selector is only the FIRST FOUR bytes of the hash: digest[:4]"),
    (lambda n: int.from_bytes(_digest(n)[-4:], "big"),
     "take the first four bytes (digest[:4]), not the last"),
)


@exercise("selector_of", chapter=7, title="The selector of a function",
          hint="sha256(b\"minichain function:\" + name.encode()) from minichain.encoding; "
               "then int.from_bytes(the first 4 bytes, \"big\")")
def check_selector_of(fn: Callable) -> None:
    for name in SELECTOR_NAMES:
        expected = selector(name)
        got = fn(name)
        call = f"selector_of({name!r})"
        if isinstance(got, (bytes, bytearray)):
            raise Mismatch(f"{call} returned bytes {bytes(got).hex()}",
                           "return the selector as a number: int.from_bytes(four_bytes, "
                           "\"big\")")
        if isinstance(got, str):
            raise Mismatch(f"{call} returned the text {got!r}",
                           "return a number (an int), not its hex text")
        if not isinstance(got, int) or isinstance(got, bool):
            raise Mismatch(f"{call} returned {got!r}", "return the selector as an int")
        if got == expected:
            continue
        said = f"{call}: expected {expected}, got {got}"
        for mistake, hint in SELECTOR_MISTAKES:
            if got == mistake(name):
                raise Mismatch(said, hint)
        raise Mismatch(said)


# --- contracts on a fresh state ----------------------------------------------------------

METER = cast.meter("alice")
ALICE, BOB, CAROL = (cast.wallet(name) for name in ("alice", "bob", "carol"))
WHO = {METER.address: "the meter", ALICE.address: "Alice", BOB.address: "Bob",
       CAROL.address: "Carol"}


class Deployed:
    """A learner's contract deployed on a state of its own; calls go through apply_transaction."""

    def __init__(self, contract: CompiledContract, deployer: Wallet) -> None:
        self.state = State()
        for wallet in (METER, ALICE, BOB, CAROL):
            self.state.add_balance(wallet.address, START)
        try:
            stx = deploy_tx(contract, deployer, nonce=0)
        except ABIError as error:
            raise Mismatch(f"the contract cannot be deployed without arguments: {error}",
                           "__init__ takes no arguments here (just self): whoever deploys "
                           "is msg.sender") from None
        receipt = apply_transaction(self.state, stx, BLOCK)
        if not receipt.success:
            raise Mismatch(f"deploying the contract failed: {receipt.explain()}",
                           "the constructor (__init__) should only remember who deployed")
        self.contract = contract
        self.interface = ContractInterface(contract.abi, receipt.contract_address)

    def call(self, wallet: Wallet, name: str, *args: Any, value: int = 0) -> Receipt:
        stx = self.interface.call_tx(wallet, name, *args, value=value,
                                     nonce=self.state.nonce(wallet.address))
        return apply_transaction(self.state, stx, BLOCK)

    def root_if_refused(self, wallet: Wallet) -> bytes:
        """The state root after a refused call by ``wallet``: only its nonce moved (no fees)."""
        expected = self.state.copy()
        expected.increment_nonce(wallet.address)
        return expected.root()

    def output(self, name: str, receipt: Receipt) -> Any:
        return self.contract.abi.function(name).decode_output(receipt.output)


def compile_answer(fn: Callable, what: str) -> CompiledContract:
    """The learner's source, compiled; a wrong type or a compile error is a Mismatch."""
    text = fn()
    if not isinstance(text, str) or not text.strip():
        raise Mismatch(f"{fn.__name__}() returned {text!r}",
                       f"return the source text of {what} (a str)")
    try:
        return compile_contract(text)
    except CompileError as error:
        raise Mismatch(f"your contract does not compile: {error}",
                       "fix the line and column it names; the message says what to write "
                       "instead") from None


def require_functions(contract: CompiledContract, wanted: dict[str, str]) -> None:
    """Every function in ``wanted`` (name -> signature) is public with that signature."""
    have = {f.name: f.signature() for f in contract.abi.functions}
    for name, signature in wanted.items():
        if have.get(name) != signature:
            now = have.get(name, "missing")
            raise Mismatch(f"the contract's function {name}: expected {signature}, "
                           f"found {now}",
                           "keep the decorator (@public, or @payable for a function that "
                           "takes money) and exactly these argument and return types")


def _call_text(wallet: Wallet, name: str, args: tuple, value: int = 0) -> str:
    shown = ", ".join(str(a) for a in args)
    sent = f" sending {value} µ€" if value else ""
    return f"{WHO[wallet.address]} calls {name}({shown}){sent}"


# --- meter_log_source -------------------------------------------------------------------

METER_FUNCTIONS = {"record": "record(wh: int) -> int", "total_wh": "total_wh() -> int"}

# (who, reading, accepted, total after)
METER_STORY = (
    (METER, 1_200, True, 1_200),
    (METER, 0, True, 1_200),
    (METER, -5, False, 1_200),
    (ALICE, 500, False, 1_200),
    (METER, 800, True, 2_000),
)


@exercise("meter_log_source", chapter=7, title="A meter log that refuses bad readings",
          hint="remember the meter in __init__ (self.meter = msg.sender); in record, "
               "require(msg.sender == self.meter, \"...\") and require(wh >= 0, \"...\"), "
               "then add wh to the total and return it")
def check_meter_log_source(fn: Callable) -> None:
    contract = compile_answer(fn, "a meter log contract")
    require_functions(contract, METER_FUNCTIONS)
    log = Deployed(contract, METER)
    for who, wh, accepted, total in METER_STORY:
        unchanged = log.root_if_refused(who)
        receipt = log.call(who, "record", wh)
        said = _call_text(who, "record", (wh,))
        if accepted and not receipt.success:
            if who is METER and wh == 0:
                raise Mismatch(f"{said}: refused ({receipt.explain()})",
                               "a zero reading is a real reading (a dark quarter hour): "
                               "refuse wh < 0 only, require(wh >= 0, ...)")
            raise Mismatch(f"{said}: refused ({receipt.explain()})",
                           "the meter that deployed the contract must be able to record: "
                           "keep msg.sender in __init__ and compare with it")
        if not accepted and receipt.success:
            if who is METER:
                raise Mismatch(f"{said}: accepted", "refuse a negative reading: "
                                                    "require(wh >= 0, \"a reading cannot be "
                                                    "negative\")")
            raise Mismatch(f"{said}: accepted",
                           "only the meter may record: require(msg.sender == self.meter, "
                           "...), where self.meter was set to msg.sender in __init__")
        if not accepted:
            if not isinstance(receipt.error, Revert):
                raise Mismatch(f"{said}: failed with {receipt.explain()}",
                               "refuse with require(condition, \"reason\"), so the call "
                               "reverts with a reason")
            if log.state.root() != unchanged:
                raise Mismatch(f"{said}: refused, but the state changed",
                               "nothing may change when a reading is refused")
            continue
        got = log.output("record", receipt)
        if got != total:
            raise Mismatch(f"{said}: expected it to return {total}, got {got}",
                           "record returns the total of every reading so far, including "
                           "this one")
    got = log.interface.query(log.state, "total_wh")
    if got != 2_000:
        raise Mismatch(f"total_wh() after readings of 1200, 0 and 800: expected 2000, got {got}",
                       "total_wh returns the stored total")


# --- credits_from_events: allowances on chain, read back from the receipts -------------------

COOP = cast.wallet(cast.ENERGY_CO_OP)
SUPPLY = 100_000


@functools.lru_cache(maxsize=1)
def credits_story() -> tuple[ContractInterface, tuple[Receipt, ...], dict[str, int]]:
    """The co-op's credits on a fresh state: a deploy and eight calls, one of them refused.

    Returns the token's interface, every receipt in order, and each person's balance as
    the contract itself reports it (``balance_of``), by address.
    """
    state = State()
    token = compile_contract(contract_source("token"))
    deployed = apply_transaction(state, deploy_tx(token, COOP, SUPPLY, nonce=0), BLOCK)
    credits = ContractInterface(token.abi, deployed.contract_address)
    story = ((COOP, "transfer", (BOB.address, 1_000)),
             (BOB, "approve", (COOP.address, 300)),
             (COOP, "transfer_from", (BOB.address, ALICE.address, 120)),
             (COOP, "transfer_from", (BOB.address, ALICE.address, 200)),     # over the allowance
             (ALICE, "transfer", (CAROL.address, 20)),
             (BOB, "approve", (CAROL.address, 50)),
             (CAROL, "transfer_from", (BOB.address, CAROL.address, 50)),
             (ALICE, "approve", (BOB.address, 70)))
    receipts = [deployed]
    for wallet, name, args in story:
        stx = credits.call_tx(wallet, name, *args, nonce=state.nonce(wallet.address))
        receipts.append(apply_transaction(state, stx, BLOCK))
    balances = {w.address: credits.query(state, "balance_of", w.address)
                for w in (ALICE, BOB, CAROL, COOP)}
    return credits, tuple(receipts), balances


def _credits_read(credits: ContractInterface, receipts, who: str, approvals: bool = False,
                  sent: bool = True, mint: bool = True) -> int:
    """Net credits of ``who`` from the events, right or with one usual mistake."""
    total = 0
    for receipt in receipts[(0 if mint else 1):]:
        for event in credits.events(receipt):
            fields = event.as_dict()
            if event.name == "Transfer":
                total += fields["amount"] if fields["receiver"] == who else 0
                total -= fields["amount"] if fields["sender"] == who and sent else 0
            elif event.name == "Approval" and approvals and fields["spender"] == who:
                total += fields["amount"]
    return total


CREDITS_MISTAKES = (
    (dict(approvals=True), "an Approval moves no credits: it only allows the spender to move "
                           "them later with transfer_from, which emits a Transfer"),
    (dict(sent=False), "subtract what `who` sent (Transfer events with sender == who) from "
                       "what it received"),
    (dict(mint=False), "the deploy's receipt counts too: the constructor minted the supply "
                       "with a Transfer from nobody (the address 0x000…0)"),
)


@exercise("credits_from_events", chapter=7, title="Read the credits back from the events",
          hint="for each receipt, for each event in credits.events(receipt): a Transfer adds "
               "its amount when event['receiver'] == who and subtracts it when "
               "event['sender'] == who; other events move nothing")
def check_credits_from_events(fn: Callable) -> None:
    credits, receipts, balances = credits_story()
    for wallet in (ALICE, BOB, CAROL, COOP):
        who = wallet.address
        expected = balances[who]
        if _credits_read(credits, receipts, who) != expected:   # events agree with storage
            raise RuntimeError("checker out of step with the token contract")
        got = fn(credits, list(receipts), who)
        said = f"credits_from_events(<the co-op's credits>, <{len(receipts)} receipts>, " \
               f"<{WHO.get(who, 'the energy co-op')}>)"
        if got is None:
            raise Mismatch(f"{said} returned None", FORGOT_RETURN)
        if got == expected and isinstance(got, int) and not isinstance(got, bool):
            continue
        said = f"{said}: balance_of says {expected}, got {got!r}"
        for switches, hint in CREDITS_MISTAKES:
            if got == _credits_read(credits, receipts, who, **switches):
                raise Mismatch(said, hint)
        raise Mismatch(said)


# --- fix_the_bug --------------------------------------------------------------------------

PREPAID_BUGGY = '''"""Prepaid energy: households deposit money, and take back what is unused."""

from minichain.vm.lang import *


class Prepaid:
    total: int                      # µ€ the contract holds for everybody
    deposits: Map[address, int]     # what each household has left

    Deposited = Event(who=address, amount=int)
    Withdrawn = Event(who=address, amount=int)

    @payable
    def deposit(self) -> int:
        require(msg.value > 0, "send money to deposit")
        self.deposits[msg.sender] += msg.value
        self.total += msg.value
        emit(Deposited(msg.sender, msg.value))
        return self.deposits[msg.sender]

    @public
    def withdraw(self, amount: int) -> int:
        require(amount > 0, "withdraw a positive amount")
        require(amount <= self.total, "not enough deposited")
        self.deposits[msg.sender] -= amount
        self.total -= amount
        send(msg.sender, amount)
        emit(Withdrawn(msg.sender, amount))
        return self.deposits[msg.sender]

    @public
    def deposit_of(self, who: address) -> int:
        return self.deposits[who]
'''

PREPAID_FUNCTIONS = {"deposit": "@payable deposit() -> int",
                     "withdraw": "withdraw(amount: int) -> int",
                     "deposit_of": "deposit_of(who: address) -> int"}

# (who, function, argument, µ€ sent, accepted, output)
PREPAID_STORY = (
    (ALICE, "deposit", None, 100, True, 100),
    (BOB, "deposit", None, 50, True, 50),
    (BOB, "withdraw", 80, 0, False, None),       # 30 of them would be Alice's
    (BOB, "withdraw", 50, 0, True, 0),           # his whole deposit
    (ALICE, "withdraw", 30, 0, True, 70),
    (CAROL, "withdraw", 1, 0, False, None),      # never deposited
    (ALICE, "withdraw", 0, 0, False, None),
    (ALICE, "withdraw", 71, 0, False, None),
    (ALICE, "withdraw", 70, 0, True, 0),
)


@functools.lru_cache(maxsize=1)
def prepaid_buggy() -> CompiledContract:
    return compile_contract(PREPAID_BUGGY)


@exercise("fix_the_bug", chapter=7, title="Fix the prepaid energy contract",
          hint="a household may take back only what it deposited: compare amount with "
               "self.deposits[msg.sender], not with self.total")
def check_fix_the_bug(fn: Callable) -> None:
    contract = compile_answer(fn, "the fixed Prepaid contract")
    require_functions(contract, PREPAID_FUNCTIONS)
    if sorted(f.name for f in contract.abi.functions) != sorted(PREPAID_FUNCTIONS):
        raise Mismatch("the fixed contract has other public functions than Prepaid",
                       "change only what is wrong: keep deposit, withdraw and deposit_of")
    prepaid = Deployed(contract, ALICE)
    for who, name, argument, value, accepted, output in PREPAID_STORY:
        args = () if argument is None else (argument,)
        unchanged = prepaid.root_if_refused(who)
        receipt = prepaid.call(who, name, *args, value=value)
        said = _call_text(who, name, args, value)
        if receipt.success != accepted:
            outcome = "accepted" if receipt.success else f"refused ({receipt.explain()})"
            if who is BOB and argument == 80:
                hint = ("Bob deposited 50 and took 80: 30 of them were Alice's. Compare the "
                        "amount with the caller's own deposit, self.deposits[msg.sender], "
                        "not with self.total")
            elif accepted and name == "withdraw" and output == 0:
                hint = ("taking back a whole deposit must work: the amount may EQUAL what is "
                        "left (<=, not <)")
            elif accepted and name == "deposit":
                hint = "deposit must still accept money: keep it as it was"
            elif who is CAROL:
                hint = "Carol never deposited anything: she may take nothing"
            elif argument == 71:
                hint = "Alice has 70 left: 71 is one µ€ too many"
            else:
                hint = ""
            raise Mismatch(f"{said}: expected it to be "
                           f"{'accepted' if accepted else 'refused'}, it was {outcome}", hint)
        if not accepted:
            if prepaid.state.root() != unchanged:
                raise Mismatch(f"{said}: refused, but the state changed",
                               "refuse with require(...) before changing anything")
            continue
        got = prepaid.output(name, receipt)
        if got != output:
            raise Mismatch(f"{said}: expected it to return {output}, got {got}",
                           "deposit and withdraw return what the caller has left")
    held = prepaid.state.balance(prepaid.interface.address)
    if held != 0 or prepaid.state.balance(BOB.address) != START:
        raise Mismatch(f"after everyone took their deposits back the contract still holds "
                       f"{held} µ€", "withdraw must send exactly the amount")


# --- prepaid_model: the audit's model, written from the description --------------------------

PREPAID_FIXED = PREPAID_BUGGY.replace(
    'require(amount <= self.total, "not enough deposited")',
    'require(amount <= self.deposits[msg.sender], "not enough deposited")')
HOUSEHOLD_KEYS = {"alice": ALICE, "bob": BOB, "carol": CAROL}

# (who, function, amount): the exercise's story, then a withdrawal from an emptied deposit
MODEL_STORY = (
    ("alice", "deposit", 100), ("bob", "deposit", 50), ("bob", "withdraw", 80),
    ("bob", "deposit", 0), ("bob", "withdraw", 50), ("alice", "withdraw", 30),
    ("carol", "withdraw", 1), ("alice", "withdraw", 0), ("alice", "withdraw", 71),
    ("alice", "withdraw", 70), ("alice", "withdraw", 1), ("carol", "deposit", 20),
    ("carol", "withdraw", 20),
)
MODEL_AMOUNTS = (0, 1, 5, 10, 20, 40)      # at most 20 deposits of 40 µ€: within START


def random_calls(seed: int, count: int = 20) -> tuple[tuple[str, str, int], ...]:
    """Random deposits and withdrawals by three households, as the chapter's audit draws them."""
    rng = random.Random(seed)
    return tuple((rng.choice(sorted(HOUSEHOLD_KEYS)), rng.choice(("deposit", "withdraw")),
                  rng.choice(MODEL_AMOUNTS)) for _ in range(count))


MODEL_CASES = (("the exercise's story", MODEL_STORY),
               *((f"random calls, seed {seed}", random_calls(seed)) for seed in range(4)))


@functools.lru_cache(maxsize=2)
def prepaid_compiled(fixed: bool) -> CompiledContract:
    return compile_contract(PREPAID_FIXED if fixed else PREPAID_BUGGY)


def contract_accepts(calls: tuple[tuple[str, str, int], ...], fixed: bool = True) -> list[bool]:
    """Each call sent to the prepaid contract (fixed or buggy) on a fresh state: accepted?"""
    prepaid = Deployed(prepaid_compiled(fixed), ALICE)
    accepted = []
    for who, name, amount in calls:
        wallet = HOUSEHOLD_KEYS[who]
        if name == "deposit":
            receipt = prepaid.call(wallet, "deposit", value=amount)
        else:
            receipt = prepaid.call(wallet, "withdraw", amount)
        accepted.append(receipt.success)
    return accepted


def model_accepts(calls, own: bool = True, at_most: bool = True, zero_withdraw: bool = False,
                  zero_deposit: bool = False, subtract: bool = True) -> list[bool]:
    """The model, right or with one usual mistake switched on (for naming the learner's)."""
    left: dict[str, int] = {}
    accepted = []
    for who, name, amount in calls:
        if name == "deposit":
            ok = amount > 0 or zero_deposit
            if ok:
                left[who] = left.get(who, 0) + amount
        else:
            limit = left.get(who, 0) if own else sum(left.values())
            ok = (amount > 0 or zero_withdraw) and (amount <= limit if at_most
                                                    else amount < limit)
            if ok and subtract:
                left[who] = left.get(who, 0) - amount
        accepted.append(ok)
    return accepted


MODEL_MISTAKES = (
    (dict(own=False), "your model agrees with PREPAID_BUGGY: it compares the amount with "
                      "everybody's deposits together, as the contractor's code does. Write "
                      "the model from the description: a household takes back only what it "
                      "has left of its OWN deposit"),
    (dict(at_most=False), "a household may take back its whole deposit: the amount may "
                          "EQUAL what it has left (<=, not <)"),
    (dict(zero_withdraw=True), "a withdrawal must be of a positive amount: 0 is refused"),
    (dict(zero_deposit=True), "a deposit must send money: a deposit of 0 is refused"),
    (dict(subtract=False), "after a withdrawal the household has less left: subtract the "
                           "amount, or it can take the same money twice"),
)


@exercise("prepaid_model", chapter=7, title="Audit the prepaid contract with a model",
          hint="keep a dict: name -> µ€ left; a deposit is accepted if amount > 0 (add it); "
               "a withdrawal if 0 < amount <= what that name has left (subtract it); append "
               "True or False for every call")
def check_prepaid_model(fn: Callable) -> None:
    for what, calls in MODEL_CASES:
        expected = contract_accepts(calls)
        if model_accepts(calls) != expected:          # the checker must agree with the contract
            raise RuntimeError(f"checker out of step with the fixed contract on {what}")
        got = fn([list(call) for call in calls])
        said = f"prepaid_model(<{what}>)"
        if got is None:
            raise Mismatch(f"{said} returned None", FORGOT_RETURN)
        if not isinstance(got, (list, tuple)) or not all(isinstance(g, bool) for g in got):
            raise Mismatch(f"{said} returned {got!r}",
                           "return a list of booleans, one per call: True if the contract "
                           "should accept it")
        got = list(got)
        if len(got) != len(calls):
            raise Mismatch(f"{said}: {len(calls)} calls, but {len(got)} answers",
                           "give one True or False for every call, in order")
        if got == expected:
            continue
        first = next(i for i, (g, e) in enumerate(zip(got, expected)) if g != e)
        who, name, amount = calls[first]
        verb = lambda ok: "accepts" if ok else "refuses"
        said = (f"{said}, call {first + 1}: {who} {name}({amount}): the contract "
                f"{verb(expected[first])}, your model {verb(got[first])}")
        for switches, hint in MODEL_MISTAKES:
            if got == model_accepts(calls, **switches):
                raise Mismatch(said, hint)
        raise Mismatch(said)


# --- state_writes: reading a contract with Python's ast -----------------------------------

def _state_writes(text: str, augmented: bool = True, subscripts: bool = True,
                  tuples: bool = True, reads: bool = False,
                  locals_too: bool = False) -> dict[str, list[str]]:
    """The reference: for each method of the contract class, the state it assigns. The
    switches turn one part off (or a wrong part on), to recognise a learner's answer that
    misses it and give the hint for that part."""
    tree = ast.parse(text)
    contract = next(node for node in tree.body if isinstance(node, ast.ClassDef)
                    and not any(getattr(base, "id", "") == "Interface" for base in node.bases))
    writes = {}
    for method in contract.body:
        if not isinstance(method, ast.FunctionDef):
            continue
        names = set()
        for node in ast.walk(method):
            if reads and isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "self":
                names.add(node.attr)
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign) and augmented:
                targets = [node.target]
            else:
                continue
            for target in targets:
                for item in target.elts if isinstance(target, ast.Tuple) and tuples else [target]:
                    while isinstance(item, ast.Subscript) and subscripts:
                        item = item.value
                    if (isinstance(item, ast.Attribute) and isinstance(item.value, ast.Name)
                            and item.value.id == "self"):
                        names.add(item.attr)
                    elif isinstance(item, ast.Name) and locals_too:
                        names.add(item.id)
        writes[method.name] = sorted(names)
    return writes


SWAPPER = '''
class Swapper:
    low: int
    high: int
    seen: Map[int, Map[int, bool]]

    @public
    def order(self, a: int, b: int):
        if a > b:
            a, b = b, a
        self.low, self.high = a, b
        self.seen[a][b] = True

    @public
    def spread(self) -> int:
        width = self.high - self.low
        return width
'''
STATE_WRITES_CASES = (("counter", None), ("token", None), ("escrow", None),
                      ("a contract with tuple assignments", SWAPPER))
STATE_WRITES_MISTAKES = (
    (dict(augmented=False), "self.count += amount writes count too: look at ast.AugAssign "
                            "(its .target) as well as ast.Assign (its .targets)"),
    (dict(subscripts=False), "self.balances[to] = ... writes balances: the target is an "
                             "ast.Subscript; follow .value down to the self.<name> under it"),
    (dict(tuples=False), "self.low, self.high = a, b writes two variables: the target is an "
                         "ast.Tuple; look at each of its .elts"),
    (dict(locals_too=True), "only self.<name> targets are state: a local such as "
                            "width = ... is not"),
    (dict(reads=True), "list what the method assigns, not every self.<name> it mentions: "
                       "only the targets of an assignment count"),
)


@exercise("state_writes", chapter=7, title="Which state does each function write?",
          hint="ast.parse(source), find the class, and for each FunctionDef walk its nodes "
               "(ast.walk); the targets of Assign and AugAssign that are self.<name>, or "
               "self.<name>[...], are writes of <name>")
def check_state_writes(fn: Callable) -> None:
    for name, text in STATE_WRITES_CASES:
        text = text if text is not None else contract_source(name)
        expected = _state_writes(text)
        got = fn(text)
        said = f"state_writes(<{name}>)"
        if not isinstance(got, dict):
            raise Mismatch(f"{said} returned {got!r}", "return a dict: method name -> sorted "
                                                       "list of the state variables it writes")
        if got == expected:
            continue
        wrong = next((m for m in expected if got.get(m) != expected[m]), None)
        if set(got) != set(expected) or wrong is None:
            raise Mismatch(f"{said}: the methods are {sorted(expected)}, got {sorted(got)}",
                           "every method of the contract is a key, also those that write "
                           "nothing ([])")
        said = f"{said}: {wrong} writes {expected[wrong]}, got {got[wrong]}"
        if any(isinstance(v, list) and v != sorted(set(v)) for v in got.values()):
            raise Mismatch(said, "give each method's names sorted, each once")
        for switches, hint in STATE_WRITES_MISTAKES:
            if got == _state_writes(text, **switches):
                raise Mismatch(said, hint)
        raise Mismatch(said)


# --- concept questions --------------------------------------------------------------------

concept(7, "How does a transaction tell a contract which of its functions to run?",
        ["it sends the function's name as text in the call data",
         "functions are numbered in the order they appear in the source, and the call sends "
         "the number",
         "the first word of the call data is the selector: the first four bytes of SHA-256 "
         "of \"minichain function:\" and the name"],
        answer="c", why="the dispatcher compares word 0 with each public function's "
                        "selector; a word is a number, and a hash of the name makes "
                        "the numbers stable whatever order the functions are written in",
        nudges={"a": "the machine has no strings: every word of call data is a number",
                "b": "reordering the source would then change every caller: the number "
                     "comes from the name, through a hash"})
concept(7, "Why is `kwh = wh / 1000` a compile error in the contract language?",
        ["/ gives a float, and the chain has only whole numbers, so every node rounds "
         "exactly alike: write // (and % for the remainder)",
         "the compiler has not learnt division yet",
         "division is too expensive in gas"],
        answer="a", why="money and energy are integers on chain, with one written rounding "
                        "rule; // rounds down like Python's floor division",
        nudges={"b": "// compiles: it is DIV of chapter 06; only / is refused",
                "c": "DIV costs 4 gas, like MUL: the reason is what / returns, not its price"})
concept(7, "The chapter's random audit of escrow_buggy found nothing with seed 0 in 40 "
           "calls. What does that tell the auditor?",
        ["the contract is correct",
         "little: random calls can miss a bug; try more seeds and calls, and keep a "
         "targeted test for every bug found",
         "the model must be wrong, since the contract has bugs"],
        answer="b", why="an audit finds what the model says differently on the calls it "
                        "happens to draw; seeds 1 to 5 found the release bug at once",
        nudges={"a": "seeds 1 to 5 found a bug in the same contract: no disagreement is "
                     "not a proof",
                "c": "the model refused what the buggy contract accepted on other seeds: "
                     "it is the calls drawn, not the model, that missed"})
