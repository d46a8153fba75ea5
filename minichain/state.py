"""Accounts, balances, nonces, contract code and storage, with a journal (chapter 02).

The state is a map from address to ``Account`` plus each contract's storage. Every change
goes through a setter that writes the old value to a journal first, so ``snapshot()`` /
``rollback()`` can undo any number of changes exactly: that is how a rejected transaction
or a reverted contract call leaves the state as it was. ``root()`` is one hash that
commits to the whole state; two states are equal exactly when their roots are.

The root is defined by ``state_root``: a Merkle tree (``trie.trie_root``) with one leaf
per address, whose bytes are the account's balance, nonce, code hash and *storage root*,
itself the root of a tree with one leaf per non-zero storage slot. ``State`` keeps both
trees between roots (``trie.Trie``), and ``root()`` puts in only what changed since the
last one, so its cost follows the changes, not the number of accounts or of slots; a
``copy()`` shares the trees and costs nothing in proportion to the state's size.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Mapping

from minichain.encoding import encode, encode_int, encode_plain, sha256
from minichain.errors import InsufficientFunds, InvalidValue
from minichain.trie import EMPTY_ROOT, Trie, trie_root

_MISSING = object()
_EMPTY_TRIE = Trie()


@dataclass(frozen=True)
class Account:
    """What the chain knows about one address."""

    balance: int = 0
    nonce: int = 0
    code: bytes = b""

    @property
    def is_contract(self) -> bool:
        return bool(self.code)


EMPTY_ACCOUNT = Account()


# --- the state root, by definition -------------------------------------------------------

@functools.lru_cache(maxsize=1 << 14)
def address_path(address: str) -> bytes:
    """An address's place in the state's tree: the SHA-256 of its canonical encoding."""
    return sha256(encode(address))


@functools.lru_cache(maxsize=1 << 18)
def slot_path(key: int) -> bytes:
    """A storage slot's place in its account's storage tree."""
    return sha256(encode_int(key))


def account_bytes(account: Account, storage_root: bytes) -> bytes:
    """What an address's leaf holds: its account and the root of its storage ("" for none)."""
    return encode_plain({
        "balance": account.balance, "nonce": account.nonce,
        "code_hash": "0x" + sha256(account.code).hex() if account.code else "",
        "storage_root": "0x" + storage_root.hex() if storage_root != EMPTY_ROOT else ""})


def state_root(accounts: Mapping[str, Account],
               storage: Mapping[str, Mapping[int, int]]) -> bytes:
    """The state root from scratch: the one definition ``State.root`` always equals.

    A leaf per address with a non-empty account or a non-zero slot: the account's bytes
    with its storage root, the root of a leaf per non-zero slot (the value's canonical
    encoding). Empty accounts and zero slots are left out, so equal content, equal root.
    """
    leaves = {}
    for address in set(accounts) | set(storage):
        account = accounts.get(address, EMPTY_ACCOUNT)
        slots = {slot_path(key): encode_int(value)
                 for key, value in storage.get(address, {}).items() if value != 0}
        if account == EMPTY_ACCOUNT and not slots:
            continue
        leaves[address_path(address)] = account_bytes(account, trie_root(slots))
    return trie_root(leaves)


class _Entry:
    """An address's leaf in the state's tree: its account and its storage's tree."""

    __slots__ = ("account", "storage")

    def __init__(self, account: Account, storage: Trie) -> None:
        self.account, self.storage = account, storage


def _entry_bytes(entry: _Entry) -> bytes:
    return account_bytes(entry.account, entry.storage.root(encode_int))


def _require_amount(amount: object) -> None:
    """Amounts moved are whole, non-negative µ€ (a negative debit would mint)."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise InvalidValue(f"an amount must be a non-negative int, got {amount!r}")


# --- the state ---------------------------------------------------------------------------

class State:
    """All accounts and contract storage, with snapshot and rollback."""

    def __init__(self, accounts: Mapping[str, Account] | None = None,
                 storage: Mapping[str, Mapping[int, int]] | None = None) -> None:
        # The content as of the last fold (``root()``, ``copy()``): a tree of ``_Entry``s,
        # shared with copies. Read from it and kept until a copy: its entries by address
        # (``_entries``, None for none), and the accounts and slots read or written since
        # (``_accounts``, ``_slots``: what the state holds now); which of those were written.
        self._tree = _EMPTY_TRIE
        self._entries: dict[str, _Entry | None] = {}
        self._accounts: dict[str, Account] = {}
        self._slots: dict[str, dict[int, int]] = {}
        self._changed: set[str] = set()                  # addresses written
        self._changed_slots: dict[str, set[int]] = {}    # slots written, per address
        self._journal: list[tuple[str, Any, Any]] = []
        self._root = EMPTY_ROOT
        self._owner = object()        # may change the tree nodes it made (none shared yet)
        for address, account in (accounts or {}).items():
            if account != EMPTY_ACCOUNT:
                self._write_account(address, account)
        for address, slots in (storage or {}).items():
            for key, value in slots.items():
                if value != 0:
                    self._write_slot(address, key, value)
        self._fold()

    # --- reading -----------------------------------------------------------------------

    def _entry(self, address: str) -> _Entry | None:
        """The address's leaf as of the last fold (None: it had none)."""
        try:
            return self._entries[address]
        except KeyError:
            entry = self._entries[address] = self._tree.get(address_path(address))
            return entry

    def account(self, address: str) -> Account:
        account = self._accounts.get(address)
        if account is None:
            entry = self._entry(address)
            account = self._accounts[address] = entry.account if entry else EMPTY_ACCOUNT
        return account

    def balance(self, address: str) -> int:
        return self.account(address).balance

    def nonce(self, address: str) -> int:
        return self.account(address).nonce

    def code(self, address: str) -> bytes:
        return self.account(address).code

    def storage_get(self, address: str, key: int) -> int:
        slots = self._slots.get(address)
        if slots is None:
            slots = self._slots[address] = {}
        value = slots.get(key)
        if value is None:
            entry = self._entry(address)
            value = slots[key] = entry.storage.get(slot_path(key), 0) if entry else 0
        return value

    def storage_items(self, address: str) -> dict[int, int]:
        """A copy of one contract's non-zero storage slots."""
        self._fold()
        entry = self._entry(address)
        return dict(entry.storage.items()) if entry else {}

    def addresses(self) -> list[str]:
        """Every address with a non-empty account, in order."""
        self._fold()
        return sorted(address for address, entry in self._tree.items()
                      if entry.account != EMPTY_ACCOUNT)

    def total_supply(self) -> int:
        """Sum of all balances: transfers and fees never change it."""
        self._fold()
        return sum(entry.account.balance for _, entry in self._tree.items())

    # --- writing (every write is journaled) ---------------------------------------------

    def _write_account(self, address: str, account: Account) -> None:
        self._accounts[address] = account
        self._changed.add(address)

    def _set_account(self, address: str, account: Account) -> None:
        self._journal.append(("account", address, self.account(address)))
        self._write_account(address, account)

    def set_balance(self, address: str, balance: int) -> None:
        if not isinstance(balance, int) or isinstance(balance, bool) or balance < 0:
            raise InvalidValue(f"a balance must be a non-negative int, got {balance!r}")
        self._put_balance(address, balance)

    def _put_balance(self, address: str, balance: int) -> None:
        """Write a balance already known to be a non-negative int."""
        account = self.account(address)
        if balance != account.balance:          # a write that changes nothing leaves no trace
            self._set_account(address, Account(balance, account.nonce, account.code))

    def add_balance(self, address: str, amount: int) -> None:
        _require_amount(amount)
        if amount:
            self._put_balance(address, self.balance(address) + amount)

    def sub_balance(self, address: str, amount: int) -> None:
        _require_amount(amount)
        have = self.balance(address)
        if amount > have:
            raise InsufficientFunds(f"{address} has {have}, needs {amount}")
        if amount:
            self._put_balance(address, have - amount)

    def transfer(self, sender: str, recipient: str, amount: int) -> None:
        """Move ``amount`` from sender to recipient, or raise and change nothing."""
        _require_amount(amount)
        self.sub_balance(sender, amount)
        self.add_balance(recipient, amount)

    def increment_nonce(self, address: str) -> None:
        account = self.account(address)
        self._set_account(address, Account(account.balance, account.nonce + 1, account.code))

    def set_code(self, address: str, code: bytes) -> None:
        account = self.account(address)
        if code != account.code:
            self._set_account(address, Account(account.balance, account.nonce, bytes(code)))

    def storage_set(self, address: str, key: int, value: int) -> None:
        old = self.storage_get(address, key)
        if old == value:
            return                                   # nothing changes, nothing to undo
        self._journal.append(("storage", (address, key), old))
        self._write_slot(address, key, value)

    def _write_slot(self, address: str, key: int, value: int) -> None:
        slots = self._slots.get(address)
        if slots is None:
            slots = self._slots[address] = {}
        slots[key] = value
        self._changed.add(address)
        written = self._changed_slots.get(address)
        if written is None:
            self._changed_slots[address] = {key}
        else:
            written.add(key)

    # --- journal ------------------------------------------------------------------------

    def snapshot(self) -> int:
        """A marker to roll back to: the current length of the journal."""
        return len(self._journal)

    def rollback(self, snapshot: int) -> None:
        """Undo every change made since ``snapshot``, newest first."""
        while len(self._journal) > snapshot:
            table, key, old = self._journal.pop()
            if table == "account":
                self._write_account(key, old)
            else:
                self._write_slot(key[0], key[1], old)

    def commit(self) -> None:
        """Forget the journal: the changes so far can no longer be rolled back."""
        self._journal.clear()

    def copy(self) -> "State":
        """An independent copy with an empty journal, sharing the trees (they never change).

        What the original had read goes to the copy, which holds the same content after
        the fold (``_entries``, ``_accounts``, ``_slots``), and the original starts reading
        afresh: a chain copies a block's state once, for the next block, whose transactions
        read the same slots again, and keeps the original only to read now and then.
        """
        self._fold()
        self._owner = object()        # the tree is shared from now on: change it by copying
        twin = State.__new__(State)
        twin._tree, twin._root, twin._owner = self._tree, self._root, object()
        twin._entries, twin._accounts, twin._slots = self._entries, self._accounts, self._slots
        self._entries, self._accounts, self._slots = {}, {}, {}
        twin._changed, twin._changed_slots, twin._journal = set(), {}, []
        return twin

    # --- commitment ---------------------------------------------------------------------

    def _fold(self) -> None:
        """Put what was written since the last fold into the tree."""
        if self._changed:
            changes: dict[bytes, tuple[str, _Entry] | None] = {}
            entries = self._entries
            for address in self._changed:
                entry = self._entry(address)
                storage = entry.storage if entry else _EMPTY_TRIE
                written = self._changed_slots.get(address)
                if written:
                    slots = self._slots[address]
                    storage = storage.updated({
                        slot_path(key): (key, slots[key]) if slots[key] != 0 else None
                        for key in written}, self._owner)
                account = self._accounts.get(address)
                if account is None:
                    account = entry.account if entry else EMPTY_ACCOUNT
                if account != EMPTY_ACCOUNT or storage:
                    entry = entries[address] = _Entry(account, storage)
                    changes[address_path(address)] = (address, entry)
                else:
                    entries[address] = None
                    changes[address_path(address)] = None
            self._tree = self._tree.updated(changes, self._owner)
            self._root = b""
            self._changed.clear()
            self._changed_slots.clear()

    def root(self) -> bytes:
        """One hash that commits to every account and storage slot (``state_root``).

        Only what changed since the last root is hashed again (``tests/test_state.py``
        checks it equals ``state_root`` after any sequence of changes, rollbacks, commits
        and copies).
        """
        if self._changed or not self._root:
            self._fold()
            self._root = self._tree.root(_entry_bytes)
        return self._root

    def to_plain(self) -> dict:
        """The whole state as plain data, in address order (to show it, or compare two)."""
        self._fold()
        return {address: {"balance": entry.account.balance, "nonce": entry.account.nonce,
                          "code_hash": "0x" + sha256(entry.account.code).hex()
                          if entry.account.code else "",
                          "storage": {str(key): value for key, value in
                                      sorted(entry.storage.items())}}
                for address, entry in sorted(self._tree.items())}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, State) and self.root() == other.root()

    def __repr__(self) -> str:
        return f"State({len(self.addresses())} accounts, root={self.root().hex()[:12]}…)"
