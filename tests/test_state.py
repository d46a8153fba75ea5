"""The state (chapter 02): balances, nonces, storage, the journal and the state root."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger_fixtures import ALICE, BOB, CAROL
from minichain.encoding import encode, sha256
from minichain.errors import InsufficientFunds, InvalidValue
from minichain.state import EMPTY_ACCOUNT, Account, State

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

def test_the_root_is_the_hash_of_the_canonical_plain_state():
    state = street()
    state.set_code(C, b"\x60\x00")
    state.storage_set(C, 10, 3)
    assert state.to_plain()[C] == {"balance": 0, "nonce": 0,
                                   "code_hash": "0x" + sha256(b"\x60\x00").hex(),
                                   "storage": {"10": 3}}
    assert state.root() == sha256(encode(state.to_plain()))
    assert State().root() == sha256(b"{}")


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


@PROPERTY
@given(st.lists(operations, max_size=25), st.integers(0, 25))
def test_the_remembered_root_is_always_the_hash_of_the_whole_canonical_state(ops, rollback_at):
    """The root keeps each address's bytes between calls; it must never go stale."""
    state = street()
    state.root()
    marks = []
    for index, operation in enumerate(ops):
        if operation[0] == "snapshot":
            marks.append(state.snapshot())
        else:
            run(state, operation)
        if index == rollback_at and marks:
            state.rollback(marks.pop())
        assert state.root() == sha256(encode(state.to_plain()))
        twin = state.copy()
        assert twin.root() == state.root()
        twin.add_balance(A, 1)
        assert state.root() == sha256(encode(state.to_plain()))


# --- the remembered root against the root from scratch ----------------------------------

# Enough addresses that a few changes are put in place one by one and many make the root
# sort every address again: both ways are taken.
MANY = [f"0x{index:040x}" for index in range(1, 41)]
many = st.sampled_from(MANY)
journaled = st.one_of(
    st.tuples(st.just("set_balance"), many, st.integers(0, 3)),
    st.tuples(st.just("transfer"), many, many, st.integers(0, 3)),
    st.tuples(st.just("increment_nonce"), many),
    st.tuples(st.just("set_code"), many, st.binary(max_size=2)),
    st.tuples(st.just("storage_set"), many, st.integers(0, 2), st.integers(0, 2)),
)
steps = st.one_of(journaled, journaled, journaled,
                  st.tuples(st.just("snapshot")), st.tuples(st.just("rollback"), st.integers(0, 3)),
                  st.tuples(st.just("commit")), st.tuples(st.just("copy"), st.booleans()),
                  st.tuples(st.just("root")))


def from_scratch(state: State) -> bytes:
    """The root by its definition, ignoring everything the state remembers."""
    return sha256(encode(state.to_plain()))


@settings(max_examples=300, deadline=None)
@given(st.lists(steps, max_size=60))
def test_the_remembered_root_equals_the_root_from_scratch_after_any_sequence(ops):
    """Changes, snapshots, rollbacks, commits and copies in any order, with the root asked
    for at random moments (it remembers bytes between calls) and twins changed after."""
    state = State({address: Account(index % 4) for index, address in enumerate(MANY[:30])},
                  {MANY[0]: {1: 1}, MANY[35]: {2: 2}})
    everyone, marks = [state], []
    for name, *args in ops:
        if name == "snapshot":
            marks.append(state.snapshot())
        elif name == "rollback":
            if marks:
                state.rollback(marks[-1 - args[0] % len(marks)])
                marks = [mark for mark in marks if mark <= state.snapshot()]
        elif name == "commit":
            state.commit()
            marks = []
        elif name == "copy":
            twin = state.copy()
            assert twin.root() == state.root() == from_scratch(state)
            everyone.append(twin)
            if args[0]:                          # carry on with the copy, leave the original
                state, marks = twin, []
        elif name == "root":
            assert state.root() == from_scratch(state)
        else:
            try:
                getattr(state, name)(*args)
            except InsufficientFunds:
                pass
    for each in everyone:
        assert each.root() == from_scratch(each)
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
    state.set_balance("0x" + "0" * 39 + "1", 7)              # the first address changes
    state.set_balance("0x" + "f" * 40, 1)                      # a new last one
    state.set_balance(f"0x{250:040x}", 0)                      # a middle one leaves
    assert state.root() == from_scratch(state)
