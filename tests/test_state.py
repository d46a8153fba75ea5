"""The state (chapter 02): balances, nonces, storage, the journal and the state root."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger_fixtures import ALICE, BOB, CAROL
from minichain.encoding import encode, sha256
from minichain.errors import InsufficientFunds, InvalidValue
from minichain.state import (EMPTY_ACCOUNT, Account, State, account_bytes, address_path,
                             slot_path, state_root)
from minichain.trie import EMPTY_ROOT, leaf_hash, trie_root

pytestmark = pytest.mark.usefixtures("each_crypto_backend")   # both backends

PROPERTY = settings(max_examples=120, deadline=None)

A, B, C = ALICE.address, BOB.address, CAROL.address


def street() -> State:
    state = State()
    state.set_balance(A, 1_000)
    state.set_balance(B, 500)
    state.commit()
    return state


# --- reading and writing --------------------------------------------------------------

def test_an_address_never_seen_has_an_empty_account():
    assert State().account(A) == EMPTY_ACCOUNT == Account(0, 0, b"")
    assert State().balance(A) == 0 and State().nonce(A) == 0 and State().code(A) == b""
    assert State().storage_get(A, 1) == 0


def test_a_transfer_moves_tokens_and_keeps_the_total():
    state = street()
    state.transfer(A, C, 300)
    assert (state.balance(A), state.balance(B), state.balance(C)) == (700, 500, 300)
    assert state.total_supply() == 1_500
    assert state.addresses() == sorted([A, B, C])


def test_an_overspend_is_refused_and_changes_nothing():
    state = street()
    before = state.root(), state.snapshot()
    with pytest.raises(InsufficientFunds, match=f"{A} has 1000, needs 1001"):
        state.transfer(A, C, 1_001)
    assert (state.root(), state.snapshot()) == before


@pytest.mark.parametrize("amount", [-1, 2.5, True, "5"])
def test_a_negative_or_non_integer_amount_is_refused_everywhere(amount):
    state = street()
    before = state.root()
    for move in (lambda: state.transfer(A, C, amount), lambda: state.add_balance(C, amount),
                 lambda: state.sub_balance(A, amount), lambda: state.set_balance(A, amount)):
        with pytest.raises(InvalidValue, match="non-negative int"):
            move()
    assert state.root() == before


def test_subtracting_a_negative_amount_cannot_mint_tokens():
    state = street()
    with pytest.raises(InvalidValue):
        state.sub_balance(B, -1_000_000)
    assert state.balance(B) == 500 and state.total_supply() == 1_500


def test_nonces_and_code_are_kept_per_account():
    state = State()
    state.increment_nonce(A)
    state.increment_nonce(A)
    state.set_code(C, b"\x60\x00")
    assert state.nonce(A) == 2 and state.account(C).is_contract
    assert not state.account(A).is_contract


def test_storing_zero_deletes_a_slot():
    state = State()
    state.storage_set(C, 1, 42)
    state.storage_set(C, 2, 7)
    state.storage_set(C, 1, 0)
    assert state.storage_items(C) == {2: 7}
    state.storage_set(C, 2, 0)
    assert state.storage_items(C) == {} and state.root() == State().root()


def test_storage_items_is_a_copy():
    state = State()
    state.storage_set(C, 1, 42)
    state.storage_items(C)[1] = 99
    assert state.storage_get(C, 1) == 42


# --- journal --------------------------------------------------------------------------

def test_rollback_undoes_everything_since_the_snapshot_newest_first():
    state = street()
    start = state.snapshot()
    state.transfer(A, B, 100)
    state.increment_nonce(A)
    state.storage_set(C, 5, 9)
    state.set_code(C, b"\x01")
    state.rollback(start)
    assert state.root() == street().root() and state.snapshot() == start
    assert state.storage_items(C) == {} and state.code(C) == b""


def test_nested_snapshots_roll_back_one_layer_at_a_time():
    state = street()
    root0, outer = state.root(), state.snapshot()
    state.transfer(A, B, 100)
    root1, inner = state.root(), state.snapshot()
    state.transfer(B, C, 550)
    state.storage_set(C, 1, 3)
    assert state.root() not in (root0, root1)
    state.rollback(inner)
    assert state.root() == root1 and state.balance(C) == 0
    state.transfer(A, C, 1)              # carry on after an inner rollback
    state.rollback(outer)
    assert state.root() == root0


def test_commit_makes_the_changes_permanent():
    state = street()
    state.transfer(A, B, 100)
    state.commit()
    assert state.snapshot() == 0
    state.rollback(0)
    assert state.balance(B) == 600


# --- copies ---------------------------------------------------------------------------

def test_a_copy_is_independent_in_both_directions():
    original = street()
    original.storage_set(C, 1, 1)
    copy = original.copy()
    copy.transfer(A, B, 10)
    copy.storage_set(C, 1, 2)
    assert original.balance(A) == 1_000 and original.storage_get(C, 1) == 1
    original.transfer(B, A, 10)
    original.storage_set(C, 2, 2)
    assert copy.balance(A) == 990 and copy.storage_items(C) == {1: 2}
    assert copy.root() != original.root()


def test_a_copy_starts_with_an_empty_journal():
    state = street()
    state.transfer(A, B, 100)
    copy = state.copy()
    copy.rollback(0)
    assert copy.balance(B) == 600 and copy == state


# --- the state root -------------------------------------------------------------------

def test_the_root_is_a_tree_of_accounts_each_with_a_tree_of_its_storage():
    state = street()
    state.set_code(C, b"\x60\x00")
    state.storage_set(C, 10, 3)
    storage_root = trie_root({sha256(b"10"): b"3"})
    assert storage_root == leaf_hash(slot_path(10), b"3")          # one slot: its own leaf
    carol = account_bytes(state.account(C), storage_root)
    assert carol == ('{"balance":0,"code_hash":"0x%s","nonce":0,"storage_root":"0x%s"}'
                     % (sha256(b"\x60\x00").hex(), storage_root.hex())).encode()
    assert account_bytes(Account(1_000), EMPTY_ROOT) == (
        b'{"balance":1000,"code_hash":"","nonce":0,"storage_root":""}')
    leaves = {sha256(encode(A)): account_bytes(Account(1_000), EMPTY_ROOT),
              sha256(encode(B)): account_bytes(Account(500), EMPTY_ROOT),
              address_path(C): carol}
    assert state.root() == trie_root(leaves) == state_root(
        {A: Account(1_000), B: Account(500), C: state.account(C)}, {C: {10: 3}})
    assert State().root() == EMPTY_ROOT == bytes(32)


def test_the_root_from_scratch_leaves_out_empty_accounts_and_zero_slots():
    assert state_root({A: Account(5), B: EMPTY_ACCOUNT}, {C: {1: 0}, A: {2: 3, 4: 0}}) == (
        state_root({A: Account(5)}, {A: {2: 3}}))


def test_the_root_does_not_depend_on_the_order_of_writes():
    one, two = State(), State()
    one.set_balance(A, 5)
    one.set_balance(B, 6)
    two.set_balance(B, 6)
    two.set_balance(A, 5)
    assert one.root() == two.root() and one == two


def test_storage_of_an_address_without_an_account_still_counts_in_the_root():
    state = State()
    state.storage_set(C, 1, 42)
    assert state.root() != State().root()


def test_empty_accounts_and_zero_slots_passed_in_do_not_change_the_root():
    crowded = State({A: Account(5), B: EMPTY_ACCOUNT}, {C: {1: 0}, A: {2: 3, 4: 0}})
    clean = State({A: Account(5)}, {A: {2: 3}})
    assert crowded.root() == clean.root()


addresses = st.sampled_from([A, B, C])
amounts = st.integers(min_value=0, max_value=1_500)
operations = st.one_of(
    st.tuples(st.just("set_balance"), addresses, amounts),
    st.tuples(st.just("add_balance"), addresses, amounts),
    st.tuples(st.just("sub_balance"), addresses, amounts),
    st.tuples(st.just("transfer"), addresses, addresses, amounts),
    st.tuples(st.just("increment_nonce"), addresses),
    st.tuples(st.just("set_code"), addresses, st.binary(max_size=3)),
    st.tuples(st.just("storage_set"), addresses, st.integers(0, 3), st.integers(0, 2)),
    st.tuples(st.just("snapshot")),
)


def run(state: State, operation: tuple) -> None:
    """Apply one operation; an operation the state refuses must change nothing."""
    name, *args = operation
    before = state.root(), state.snapshot()
    try:
        getattr(state, name)(*args)
    except InsufficientFunds:
        assert (state.root(), state.snapshot()) == before


def content(state: State) -> tuple:
    """What the state holds, read back through its public readers."""
    seen = sorted(set(state.addresses()) | {a for a in (A, B, C) if state.storage_items(a)})
    return tuple((a, state.account(a), tuple(sorted(state.storage_items(a).items())))
                 for a in seen)


@PROPERTY
@given(st.lists(operations, max_size=25))
def test_rolling_back_nested_snapshots_restores_every_earlier_root(ops):
    state = street()
    marks = [(state.snapshot(), state.root())]
    for operation in ops:
        if operation[0] == "snapshot":
            marks.append((state.snapshot(), state.root()))
        else:
            run(state, operation)
    for mark, root in reversed(marks):
        state.rollback(mark)
        assert state.root() == root
    assert state == street()


@PROPERTY
@given(st.lists(operations, max_size=15), st.lists(operations, max_size=15))
def test_the_root_changes_exactly_when_the_content_changes(ops_one, ops_two):
    one, two = street(), street()
    for operation in ops_one:
        if operation[0] != "snapshot":
            run(one, operation)
    for operation in ops_two:
        if operation[0] != "snapshot":
            run(two, operation)
    assert (one.root() == two.root()) == (content(one) == content(two))


@PROPERTY
@given(st.lists(operations, max_size=20))
def test_every_single_change_moves_the_root_and_every_no_op_does_not(ops):
    state = street()
    for operation in ops:
        if operation[0] == "snapshot":
            continue
        before_root, before_content = state.root(), content(state)
        run(state, operation)
        assert (state.root() == before_root) == (content(state) == before_content)


@PROPERTY
@given(st.lists(operations, max_size=20))
def test_a_copy_never_sees_later_changes_to_its_original(ops):
    state = street()
    copy = state.copy()
    frozen = copy.root()
    for operation in ops:
        if operation[0] != "snapshot":
            run(state, operation)
    assert copy.root() == frozen and copy == street()


# --- the remembered trees against the root from scratch ----------------------------------

class Model:
    """The state as plain dictionaries, with snapshots as whole copies: too slow to use, too
    simple to be wrong. ``State`` must always have the root ``state_root`` gives for it."""

    def __init__(self, accounts: dict, storage: dict) -> None:
        self.accounts, self.storage = dict(accounts), {a: dict(s) for a, s in storage.items()}
        self.saved: list[tuple[dict, dict]] = []

    def copy(self) -> "Model":
        return Model(self.accounts, self.storage)

    def snapshot(self) -> int:
        self.saved.append(self.copy().content())
        return len(self.saved) - 1

    def rollback(self, mark: int) -> None:
        self.accounts, self.storage = self.saved[mark]
        del self.saved[mark:]

    def commit(self) -> None:
        self.saved = []

    def content(self) -> tuple[dict, dict]:
        return self.accounts, self.storage

    def account(self, address: str) -> Account:
        return self.accounts.get(address, EMPTY_ACCOUNT)

    def set_balance(self, address: str, balance: int) -> None:
        old = self.account(address)
        self.accounts[address] = Account(balance, old.nonce, old.code)

    def transfer(self, sender: str, recipient: str, amount: int) -> None:
        if self.account(sender).balance < amount:
            raise InsufficientFunds("the model refuses it too")
        self.set_balance(sender, self.account(sender).balance - amount)
        self.set_balance(recipient, self.account(recipient).balance + amount)

    def increment_nonce(self, address: str) -> None:
        old = self.account(address)
        self.accounts[address] = Account(old.balance, old.nonce + 1, old.code)

    def set_code(self, address: str, code: bytes) -> None:
        old = self.account(address)
        self.accounts[address] = Account(old.balance, old.nonce, code)

    def storage_set(self, address: str, key: int, value: int) -> None:
        self.storage.setdefault(address, {})[key] = value

    def root(self) -> bytes:
        return state_root(*self.content())


# Enough addresses and slots that the trees are a few levels deep.
MANY = [f"0x{index:040x}" for index in range(1, 41)]
many = st.sampled_from(MANY)
journaled = st.one_of(
    st.tuples(st.just("set_balance"), many, st.integers(0, 3)),
    st.tuples(st.just("transfer"), many, many, st.integers(0, 3)),
    st.tuples(st.just("increment_nonce"), many),
    st.tuples(st.just("set_code"), many, st.binary(max_size=2)),
    st.tuples(st.just("storage_set"), many, st.integers(0, 40), st.integers(0, 2)),
)
steps = st.one_of(journaled, journaled, journaled,
                  st.tuples(st.just("snapshot")), st.tuples(st.just("rollback"), st.integers(0, 3)),
                  st.tuples(st.just("commit")), st.tuples(st.just("copy"), st.booleans()),
                  st.tuples(st.just("root")), st.tuples(st.just("read"), many, st.integers(0, 40)))


def from_scratch(state: State) -> bytes:
    """The root by its definition, from the content the state's readers give."""
    held = state.to_plain()                        # every address with an account or storage
    return state_root({address: state.account(address) for address in held},
                      {address: state.storage_items(address) for address in held})


@settings(max_examples=300, deadline=None)
@given(st.lists(steps, max_size=60))
def test_the_root_equals_the_root_from_scratch_of_a_plain_model_after_any_sequence(ops):
    """Changes, reads, snapshots, rollbacks, commits and copies in any order, with the root
    asked for at random moments (the trees are kept between calls and shared by copies),
    checked against a model that keeps the state in plain dictionaries."""
    start_accounts = {address: Account(index % 4) for index, address in enumerate(MANY[:30])}
    start_storage = {MANY[0]: {1: 1}, MANY[35]: {2: 2}}
    state, model = State(start_accounts, start_storage), Model(start_accounts, start_storage)
    everyone, marks = [(state, model)], []
    for name, *args in ops:
        if name == "snapshot":
            marks.append((state.snapshot(), model.snapshot()))
        elif name == "rollback":
            if marks:
                index = len(marks) - 1 - args[0] % len(marks)
                state.rollback(marks[index][0])
                model.rollback(marks[index][1])
                del marks[index:]
        elif name == "commit":
            state.commit()
            model.commit()
            marks = []
        elif name == "copy":
            twin, twin_model = state.copy(), model.copy()
            assert twin.root() == state.root() == model.root()
            everyone.append((twin, twin_model))
            if args[0]:                          # carry on with the copy, leave the original
                state, model, marks = twin, twin_model, []
        elif name == "root":
            assert state.root() == model.root()
        elif name == "read":
            assert state.storage_get(args[0], args[1]) == model.storage.get(args[0], {}).get(
                args[1], 0)
            assert state.account(args[0]) == model.account(args[0])
        else:
            try:
                getattr(state, name)(*args)
            except InsufficientFunds:
                with pytest.raises(InsufficientFunds):
                    getattr(model, name)(*args)
            else:
                getattr(model, name)(*args)
    for each, each_model in everyone:
        assert each.root() == each_model.root() == from_scratch(each)
        rebuilt = State({a: each.account(a) for a in MANY},
                        {a: each.storage_items(a) for a in MANY})
        assert rebuilt.root() == each.root()


def test_a_write_that_changes_nothing_leaves_no_journal_entry():
    state = street()
    mark = state.snapshot()
    state.add_balance(A, 0)
    state.add_balance(C, 0)                # an empty account stays absent
    state.storage_set(C, 1, 0)
    state.set_code(A, b"")
    assert state.snapshot() == mark and state.addresses() == sorted([A, B])
    assert state.root() == street().root()


def test_the_root_of_many_accounts_is_the_root_from_scratch_after_one_change_each_way():
    state = State({f"0x{index:040x}": Account(index) for index in range(1, 500)})
    assert state.root() == from_scratch(state)
    state.set_balance("0x" + "0" * 39 + "1", 7)              # an address changes
    state.set_balance("0x" + "f" * 40, 1)                      # a new one
    state.set_balance(f"0x{250:040x}", 0)                      # one leaves
    assert state.root() == from_scratch(state)


def test_a_contract_with_many_slots_gets_the_root_from_scratch_after_one_slot_changes():
    state = State({C: Account(0, 1, b"\x01")}, {C: {key: key + 1 for key in range(3000)}})
    assert state.root() == from_scratch(state)
    for key, value in ((5, 0), (4000, 9), (17, 18)):          # cleared, new, the same again
        state.storage_set(C, key, value)
        assert state.root() == from_scratch(state)
