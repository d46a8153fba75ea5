"""The example contracts against the same logic in plain Python (chapters 06-07).

Each contract gets a *model*: a small Python class written from the contract's description,
not from its bytecode. Random call sequences from several households then go to both; after
every call the success or revert reason, the returned value, the events, every state
variable and every balance must agree. For the audit section, the same check finds both
bugs planted in ``escrow_buggy`` and none in ``escrow_fixed``.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest
from hypothesis import find, given, settings, strategies as st

from minichain.contracts import available, compiled, source
from vmkit import BLOCK, CALLER, OTHER, Sandbox

ZERO = "0x" + "00" * 20
CAROL = "0x" + "c4" * 20
DAVE = "0x" + "d4" * 20
PEOPLE = [CALLER, OTHER, CAROL, DAVE]
START = 10_000
DIFFERENTIAL = settings(max_examples=300, deadline=None)


class ModelRevert(Exception):
    """The model refuses a call, with the reason the contract should give."""


def require(condition: bool, reason: str) -> None:
    if not condition:
        raise ModelRevert(reason)


def attempt(model, method: str, *args):
    """Run a model method like a transaction: all or nothing, with its events."""
    saved = copy.deepcopy(model.__dict__)
    model.events = []
    try:
        value = getattr(model, method)(*args)
    except ModelRevert as refused:
        model.__dict__.update(saved)
        return False, str(refused), []
    return True, value, model.events


def agree(box: Sandbox, model, name: str, args: tuple, sender: str, value: int = 0,
          model_args: tuple | None = None):
    """Call the contract and the model; demand the same outcome."""
    ok, payload, events = attempt(model, name, sender, value, *(model_args or args))
    outcome = box.call(name, *args, sender=sender, value=value)
    if ok:
        assert outcome.success, outcome.error
        assert box.contract.abi.function(name).decode_output(outcome.output) == payload
        assert [(e.name, tuple(v for _, v in e.args))
                for e in box.interface.events(outcome.logs)] == events
    else:
        assert not outcome.success and outcome.error.describe() == f"Revert: {payload}"
        assert outcome.logs == ()
    return outcome


def balances_agree(box: Sandbox, model) -> None:
    assert {p: box.state.balance(p) for p in PEOPLE} == model.balances
    assert box.state.balance(box.address) == model.contract_balance


def new_box(name: str, *args) -> Sandbox:
    return Sandbox(compiled(name), *args, balances={p: START for p in PEOPLE})


# --- counter -------------------------------------------------------------------------------

class CounterModel:
    def __init__(self, owner: str) -> None:
        self.owner, self.count, self.events = owner, 0, []

    def add(self, sender, value, amount):
        require(value == 0, "add does not accept tokens (not @payable)")
        require(amount > 0, "add a positive amount")
        self.count += amount
        self.events.append(("Added", (sender, amount, self.count)))
        return self.count

    def increment(self, sender, value):
        require(value == 0, "increment does not accept tokens (not @payable)")
        return self.add(sender, 0, 1)

    def reset(self, sender, value):
        require(value == 0, "reset does not accept tokens (not @payable)")
        require(sender == self.owner, "only the owner can reset")
        self.count = 0
        self.events.append(("Reset", (sender,)))

    def get(self, sender, value):
        require(value == 0, "get does not accept tokens (not @payable)")
        return self.count


COUNTER_CALLS = st.lists(st.tuples(
    st.sampled_from(["increment", "add", "reset", "get"]), st.sampled_from(PEOPLE),
    st.integers(-3, 50), st.sampled_from([0, 0, 0, 1])), max_size=25)


@DIFFERENTIAL
@given(COUNTER_CALLS)
def test_counter_behaves_like_its_python_model(calls):
    box, model = new_box("counter"), CounterModel(CALLER)
    for name, sender, amount, value in calls:
        args = (amount,) if name == "add" else ()
        agree(box, model, name, args, sender, value)
        assert box.read("count") == model.count and box.read("owner") == model.owner


# --- token ------------------------------------------------------------------------------------

class TokenModel:
    def __init__(self, minter: str, supply: int) -> None:
        self.minter, self.total_supply = minter, supply
        self.balances = {minter: supply}
        self.allowances: dict[tuple[str, str], int] = {}
        self.events = []

    def not_payable(self, name, value):
        require(value == 0, f"{name} does not accept tokens (not @payable)")

    def balance_of(self, sender, value, owner):
        self.not_payable("balance_of", value)
        return self.balances.get(owner, 0)

    def allowance(self, sender, value, owner, spender):
        self.not_payable("allowance", value)
        return self.allowances.get((owner, spender), 0)

    def move(self, sender, receiver, amount):
        require(amount >= 0, "cannot send a negative amount")
        require(self.balances.get(sender, 0) >= amount, "not enough credits")
        self.balances[sender] = self.balances.get(sender, 0) - amount
        self.balances[receiver] = self.balances.get(receiver, 0) + amount
        self.events.append(("Transfer", (sender, receiver, amount)))

    def transfer(self, sender, value, receiver, amount):
        self.not_payable("transfer", value)
        self.move(sender, receiver, amount)
        return True

    def approve(self, sender, value, spender, amount):
        self.not_payable("approve", value)
        require(amount >= 0, "an allowance cannot be negative")
        self.allowances[(sender, spender)] = amount
        self.events.append(("Approval", (sender, spender, amount)))
        return True

    def transfer_from(self, sender, value, owner, receiver, amount):
        self.not_payable("transfer_from", value)
        allowed = self.allowances.get((owner, sender), 0)
        require(amount <= allowed, "amount is over the allowance")
        self.allowances[(owner, sender)] = allowed - amount
        self.move(owner, receiver, amount)
        return True

    def issue(self, sender, value, receiver, amount):
        self.not_payable("issue", value)
        require(sender == self.minter, "only the minter can issue credits")
        require(amount >= 0, "cannot mint a negative amount")
        self.balances[receiver] = self.balances.get(receiver, 0) + amount
        self.total_supply += amount
        self.events.append(("Transfer", (ZERO, receiver, amount)))


TRADERS = PEOPLE[:3]          # fewer people, so approvals and transfer_from meet often
AMOUNTS = st.one_of(st.integers(1, 80), st.sampled_from([-1, 0, 200, 201, 600, 601]))
TOKEN_CALLS = st.lists(st.tuples(
    st.sampled_from(["transfer", "transfer", "approve", "approve", "transfer_from",
                     "transfer_from", "transfer_from", "issue", "balance_of", "allowance"]),
    st.sampled_from(TRADERS), st.sampled_from(TRADERS), st.sampled_from(TRADERS), AMOUNTS,
    st.sampled_from([0, 0, 0, 0, 2])), max_size=30)


def token_state_agrees(box: Sandbox, model: TokenModel) -> None:
    assert box.read("total_supply") == model.total_supply
    for owner in TRADERS:
        assert box.read("balances", owner) == model.balances.get(owner, 0)
        for spender in TRADERS:
            assert box.read("allowances", owner, spender) == model.allowances.get(
                (owner, spender), 0)


@DIFFERENTIAL
@given(TOKEN_CALLS)
def test_token_behaves_like_its_python_model(calls):
    box, model = new_box("token", 1_000), TokenModel(CALLER, 1_000)
    for neighbour in TRADERS[1:]:          # everyone starts with some credits
        agree(box, model, "transfer", (neighbour, 200), CALLER)
    for name, sender, first, second, amount, value in calls:
        args = {"transfer": (first, amount), "approve": (first, amount),
                "transfer_from": (first, second, amount), "issue": (first, amount),
                "balance_of": (first,), "allowance": (first, second)}[name]
        agree(box, model, name, args, sender, value)
        token_state_agrees(box, model)
    assert sum(box.read("balances", p) for p in TRADERS) == model.total_supply


def test_token_deploy_mints_the_supply_to_the_deployer():
    box = new_box("token", 500)
    events = box.interface.events(box.deploy_outcome.logs)
    assert [str(e) for e in events] == [f"Transfer(sender={ZERO}, receiver={CALLER}, amount=500)"]
    assert box.read("balances", CALLER) == 500 and box.read("minter") == CALLER


# --- escrow --------------------------------------------------------------------------------------

OPEN, RELEASED, REFUNDED = 1, 2, 3
ARBITER = DAVE


class EscrowModel:
    """Escrow as its docstring describes it (the correct rules)."""

    def __init__(self) -> None:
        self.arbiter, self.deals, self.held = ARBITER, 0, 0
        self.buyer, self.seller, self.amount, self.deadline, self.status = {}, {}, {}, {}, {}
        self.balances = {p: START for p in PEOPLE}
        self.contract_balance = 0
        self.now = BLOCK.timestamp
        self.events = []

    def pay_out(self, to, amount):
        self.contract_balance -= amount
        self.balances[to] += amount

    def open_deal(self, sender, value, seller, deadline):
        require(value > 0, "send the payment with the deal")
        require(seller != sender, "buyer and seller must differ")
        require(deadline > self.now, "the deadline must be in the future")
        self.deals += 1
        deal = self.deals
        self.buyer[deal], self.seller[deal], self.amount[deal] = sender, seller, value
        self.deadline[deal], self.status[deal] = deadline, OPEN
        self.held += value
        self.balances[sender] -= value
        self.contract_balance += value
        self.events.append(("Opened", (deal, sender, seller, value)))
        return deal

    def release(self, sender, value, deal):
        require(value == 0, "release does not accept tokens (not @payable)")
        require(self.status.get(deal, 0) == OPEN, "the deal is not open")
        require(sender in (self.buyer.get(deal), self.arbiter),
                "only the buyer or the arbiter can release")
        self.status[deal] = RELEASED
        self.held -= self.amount[deal]
        self.pay_out(self.seller[deal], self.amount[deal])
        self.events.append(("Released", (deal, self.seller[deal], self.amount[deal])))

    def refund(self, sender, value, deal):
        require(value == 0, "refund does not accept tokens (not @payable)")
        require(self.status.get(deal, 0) == OPEN, "the deal is not open")
        if sender != self.arbiter:
            require(sender == self.buyer.get(deal), "only the buyer or the arbiter can refund")
            require(self.now > self.deadline[deal], "wait until the deadline has passed")
        self.status[deal] = REFUNDED
        self.held -= self.amount[deal]
        self.pay_out(self.buyer[deal], self.amount[deal])
        self.events.append(("Refunded", (deal, self.buyer[deal], self.amount[deal])))

    def deal_status(self, sender, value, deal):
        require(value == 0, "deal_status does not accept tokens (not @payable)")
        return self.status.get(deal, 0)


# Deals are named relative to the newest one, sellers differ from buyers unless the shift
# is 0, and deadlines and waits are a few seconds, so calls land before, at and after them.
ESCROW_CALLS = st.lists(st.tuples(
    st.sampled_from(["open_deal", "open_deal", "release", "refund", "refund", "deal_status",
                     "wait"]),
    st.sampled_from(PEOPLE), st.sampled_from([0, 1, 1, 2, 3]), st.sampled_from([0, 0, 1, 2, -1]),
    st.integers(0, 40), st.integers(-1, 4), st.sampled_from([0] * 9 + [1])), max_size=24)


def escrow_state_agrees(box: Sandbox, model: EscrowModel) -> None:
    balances_agree(box, model)
    assert box.read("held") == model.held and box.read("deals") == model.deals
    for deal in range(1, model.deals + 1):
        assert (box.read("status", deal), box.read("amount", deal), box.read("buyer", deal),
                box.read("seller", deal), box.read("deadline", deal)) == (
            model.status[deal], model.amount[deal], model.buyer[deal], model.seller[deal],
            model.deadline[deal])


def run_escrow(name: str, calls) -> None:
    """Play ``calls`` against contract ``name`` and the correct model; fail on any difference."""
    box, model = new_box(name, ARBITER), EscrowModel()
    # two open deals to start with, so every sequence has something to release or refund
    agree(box, model, "open_deal", (OTHER, model.now + 2), CALLER, value=30)
    agree(box, model, "open_deal", (CALLER, model.now + 4), CAROL, value=20)
    for action, sender, shift, back, amount, offset, stray in calls:
        if action == "wait":
            model.now += max(offset, 1)
            box.block = replace(box.block, timestamp=model.now, number=box.block.number + 1)
            continue
        if action == "open_deal":
            seller = PEOPLE[(PEOPLE.index(sender) + shift) % len(PEOPLE)]
            agree(box, model, action, (seller, model.now + offset), sender, value=amount)
        else:
            deal = model.deals - back          # back = -1 names a deal that does not exist
            agree(box, model, action, (deal,), sender, value=stray)
        escrow_state_agrees(box, model)
    assert model.held == box.state.balance(box.address)


@DIFFERENTIAL
@given(ESCROW_CALLS)
def test_escrow_behaves_like_its_python_model(calls):
    run_escrow("escrow", calls)


@DIFFERENTIAL
@given(ESCROW_CALLS)
def test_the_fixed_escrow_behaves_like_the_model_too(calls):
    run_escrow("escrow_fixed", calls)


def differs(calls) -> bool:
    try:
        run_escrow("escrow_buggy", calls)
    except AssertionError:
        return True
    return False


def test_random_calls_find_the_planted_bugs_in_the_buggy_escrow():
    found = find(ESCROW_CALLS, differs, settings=settings(max_examples=2_000, database=None))
    assert differs(found)
    assert any(action in ("release", "refund") for action, *_ in found)


# --- the edges, one by one (random sequences reach them only sometimes) --------------------

def test_counter_refuses_zero_and_owner_only_reset():
    box, model = new_box("counter"), CounterModel(CALLER)
    for name, args, sender in [("add", (0,), CALLER), ("add", (1,), CALLER),
                               ("reset", (), OTHER), ("reset", (), CALLER)]:
        agree(box, model, name, args, sender)
    assert box.read("count") == 0


def test_token_moves_exactly_the_whole_balance_and_exactly_the_allowance():
    box, model = new_box("token", 1_000), TokenModel(CALLER, 1_000)
    steps = [("transfer", (OTHER, 1_000), CALLER), ("transfer", (CALLER, 1_001), OTHER),
             ("approve", (CAROL, 300), OTHER), ("transfer_from", (OTHER, CAROL, 301), CAROL),
             ("transfer_from", (OTHER, DAVE, 300), CAROL),
             ("transfer_from", (OTHER, DAVE, 1), CAROL),
             ("transfer_from", (OTHER, DAVE, -5), CAROL),
             ("issue", (DAVE, 7), OTHER), ("issue", (DAVE, 7), CALLER)]
    for name, args, sender in steps:
        agree(box, model, name, args, sender)
    assert (box.read("balances", OTHER), box.read("balances", DAVE)) == (700, 307)
    assert box.read("allowances", OTHER, CAROL) == 0 and box.read("total_supply") == 1_007


def test_escrow_refund_is_refused_at_the_deadline_and_allowed_one_second_later():
    box, model = new_box("escrow", ARBITER), EscrowModel()
    deadline = BLOCK.timestamp + 5
    agree(box, model, "open_deal", (OTHER, deadline), CALLER, value=50)
    for now, sender in [(deadline, CALLER), (deadline + 1, OTHER), (deadline + 1, CALLER),
                        (deadline + 1, CALLER)]:
        model.now = now
        box.block = replace(box.block, timestamp=now)
        agree(box, model, "refund", (1,), sender)
    escrow_state_agrees(box, model)
    assert box.read("status", 1) == REFUNDED and box.read("held") == 0


def test_escrow_release_by_buyer_or_arbiter_only_once():
    box, model = new_box("escrow", ARBITER), EscrowModel()
    agree(box, model, "open_deal", (OTHER, BLOCK.timestamp + 60), CALLER, value=50)
    agree(box, model, "open_deal", (CAROL, BLOCK.timestamp + 60), CALLER, value=20)
    for deal, sender in [(1, OTHER), (1, CALLER), (1, CALLER), (2, ARBITER), (3, ARBITER)]:
        agree(box, model, "release", (deal,), sender)
    escrow_state_agrees(box, model)
    assert model.balances[OTHER] == START + 50 and model.balances[CAROL] == START + 20


def test_bug_1_the_seller_can_release_the_payment_to_themselves():
    for name, works in (("escrow_buggy", True), ("escrow_fixed", False)):
        box = new_box(name, ARBITER)
        box.value("open_deal", OTHER, BLOCK.timestamp + 900, sender=CALLER, value=300)
        outcome = box.call("release", 1, sender=OTHER)        # the seller, before delivery
        assert outcome.success is works
        assert box.state.balance(OTHER) == START + (300 if works else 0)


def test_bug_2_a_buyer_can_refund_twice_and_take_another_buyers_money():
    for name, works in (("escrow_buggy", True), ("escrow_fixed", False)):
        box = new_box(name, ARBITER)
        box.value("open_deal", OTHER, BLOCK.timestamp + 10, sender=CALLER, value=300)
        box.value("open_deal", OTHER, BLOCK.timestamp + 900, sender=CAROL, value=300)
        box.block = replace(box.block, timestamp=BLOCK.timestamp + 20)
        assert box.call("refund", 1, sender=CALLER).success
        second = box.call("refund", 1, sender=CALLER)
        assert second.success is works
        assert box.state.balance(CALLER) == START + (300 if works else 0)
        assert box.state.balance(box.address) == (0 if works else 300)


def test_the_fixed_escrow_differs_from_the_buggy_one_by_exactly_two_requires():
    buggy, fixed = source("escrow_buggy").splitlines(), source("escrow_fixed").splitlines()
    added = [line for line in fixed if line not in buggy and line.strip().startswith("require")]
    assert len(added) == 2 and all("# FIX" in line for line in added)


def test_every_example_contract_compiles():
    assert {"counter", "token", "escrow", "escrow_buggy", "escrow_fixed"} <= set(available())
    for name in available():
        assert compiled(name).code
    with pytest.raises(KeyError, match="no contract named"):
        source("missing")
