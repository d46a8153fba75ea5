"""Accounts, balances, nonces, contract code and storage, with a journal (chapter 02).

The state is a map from address to ``Account`` plus each contract's storage. Every change
goes through a setter that writes the old value to a journal first, so ``snapshot()`` /
``rollback()`` can undo any number of changes exactly: that is how a rejected transaction
or a reverted contract call leaves the state as it was. ``root()`` is one hash that
commits to the whole state; two states are equal exactly when their roots are.

The root is the SHA-256 of the canonical encoding of ``to_plain()``. Computing it that
way costs work for every account; ``root()`` keeps each address's bytes and the sorted
list of addresses between calls, and redoes only the addresses that changed since (what
is left in proportion to the number of accounts is joining and hashing their bytes).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Any

from minichain.encoding import encode_member, encode_plain, hash_object_of, sha256
from minichain.errors import InsufficientFunds, InvalidValue

_MISSING = object()


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


def _require_amount(amount: object) -> None:
    """Amounts moved are whole, non-negative µ€ (a negative debit would mint)."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise InvalidValue(f"an amount must be a non-negative int, got {amount!r}")


class _Remembered(dict):
    """Each address's bytes in the root (``"0x…":{…}``), kept until the address changes.

    Forgetting an address (``pop``) also notes it as changed, so the next root revisits
    only the addresses noted since the last one.
    """

    def __init__(self) -> None:
        super().__init__()
        self.changed: set[str] = set()

    def pop(self, address: str, default: Any = None) -> Any:
        self.changed.add(address)
        return super().pop(address, default)


class State:
    """All accounts and contract storage, with snapshot and rollback."""

    def __init__(self, accounts: dict[str, Account] | None = None,
                 storage: dict[str, dict[int, int]] | None = None) -> None:
        # Empty accounts and zero slots are left out, as the setters do, so that two
        # states with the same content always have the same root.
        self._accounts: dict[str, Account] = {
            address: account for address, account in (accounts or {}).items()
            if account != EMPTY_ACCOUNT}
        self._storage: dict[str, dict[int, int]] = {
            address: {key: value for key, value in slots.items() if value != 0}
            for address, slots in (storage or {}).items() if any(slots.values())}
        self._journal: list[tuple[str, Any, Any]] = []
        # What the root is made of, as of the last ``root()``: the addresses in order, the
        # bytes of each (also by address in ``_encoded``, which notes what changed since),
        # and the root itself.
        self._encoded = _Remembered()
        self._encoded.changed.update(self._accounts, self._storage)
        self._order: list[str] = []
        self._entries: list[bytes] = []
        self._root = b""

    # --- reading -----------------------------------------------------------------------

    def account(self, address: str) -> Account:
        return self._accounts.get(address, EMPTY_ACCOUNT)

    def balance(self, address: str) -> int:
        return self._accounts.get(address, EMPTY_ACCOUNT).balance

    def nonce(self, address: str) -> int:
        return self._accounts.get(address, EMPTY_ACCOUNT).nonce

    def code(self, address: str) -> bytes:
        return self._accounts.get(address, EMPTY_ACCOUNT).code

    def storage_get(self, address: str, key: int) -> int:
        slots = self._storage.get(address)
        return slots.get(key, 0) if slots else 0

    def storage_items(self, address: str) -> dict[int, int]:
        """A copy of one contract's non-zero storage slots."""
        return dict(self._storage.get(address, {}))

    def addresses(self) -> list[str]:
        return sorted(self._accounts)

    def total_supply(self) -> int:
        """Sum of all balances: transfers and fees never change it."""
        return sum(account.balance for account in self._accounts.values())

    # --- writing (every write is journaled) ---------------------------------------------

    def _set_account(self, address: str, account: Account) -> None:
        self._journal.append(("account", address, self._accounts.get(address, _MISSING)))
        self._encoded.pop(address, None)
        if not (account.balance or account.nonce or account.code):      # empty: left out
            self._accounts.pop(address, None)
        else:
            self._accounts[address] = account

    def set_balance(self, address: str, balance: int) -> None:
        if not isinstance(balance, int) or isinstance(balance, bool) or balance < 0:
            raise InvalidValue(f"a balance must be a non-negative int, got {balance!r}")
        self._put_balance(address, balance)

    def _put_balance(self, address: str, balance: int) -> None:
        """Write a balance already known to be a non-negative int."""
        account = self._accounts.get(address, EMPTY_ACCOUNT)
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
        slots = self._storage.get(address)
        old = slots.get(key, _MISSING) if slots else _MISSING
        if old == value or (old is _MISSING and value == 0):
            return                                   # nothing changes, nothing to undo
        if slots is None:
            slots = self._storage[address] = {}
        self._journal.append(("storage", (address, key), old))
        self._encoded.pop(address, None)
        if value == 0:
            slots.pop(key, None)
        else:
            slots[key] = value
        if not slots:
            del self._storage[address]

    # --- journal ------------------------------------------------------------------------

    def snapshot(self) -> int:
        """A marker to roll back to: the current length of the journal."""
        return len(self._journal)

    def rollback(self, snapshot: int) -> None:
        """Undo every change made since ``snapshot``, newest first."""
        while len(self._journal) > snapshot:
            table, key, old = self._journal.pop()
            self._encoded.pop(key if table == "account" else key[0], None)   # bytes now stale
            if table == "account":
                if old is _MISSING:
                    self._accounts.pop(key, None)
                else:
                    self._accounts[key] = old
            else:
                address, slot = key
                slots = self._storage.setdefault(address, {})
                if old is _MISSING:
                    slots.pop(slot, None)
                else:
                    slots[slot] = old
                if not slots:
                    del self._storage[address]

    def commit(self) -> None:
        """Forget the journal: the changes so far can no longer be rolled back."""
        self._journal.clear()

    def copy(self) -> "State":
        """An independent copy with an empty journal (and the root's remembered parts)."""
        twin = State()
        twin._accounts = dict(self._accounts)
        twin._storage = {address: dict(slots) for address, slots in self._storage.items()}
        twin._encoded.update(self._encoded)
        twin._encoded.changed = set(self._encoded.changed)
        twin._order, twin._entries = list(self._order), list(self._entries)
        twin._root = self._root
        return twin

    # --- commitment ---------------------------------------------------------------------

    def _addresses(self) -> list[str]:
        return sorted(set(self._accounts) | set(self._storage))

    def _plain_account(self, address: str) -> dict:
        account = self.account(address)
        return {"balance": account.balance, "nonce": account.nonce,
                "code_hash": "0x" + sha256(account.code).hex() if account.code else "",
                "storage": {str(k): v for k, v in
                            sorted(self._storage.get(address, {}).items())}}

    def to_plain(self) -> dict:
        """The whole state as plain data, in canonical order."""
        return {address: self._plain_account(address) for address in self._addresses()}

    def _entry(self, address: str) -> bytes:
        """One address's member of the whole state's object: ``"0x…":{…}``."""
        return encode_member(address, encode_plain(self._plain_account(address)))

    def root(self) -> bytes:
        """One hash that commits to every account and storage slot.

        It is ``sha256(encode(self.to_plain()))``, built from each address's member bytes
        (``encode_member``), remembered until the address changes, in address order
        (``tests/test_state.py`` checks the two agree after any sequence of changes,
        rollbacks, commits and copies).
        """
        changed = self._encoded.changed
        if changed or not self._root:
            if len(changed) * 8 > len(self._order):
                self._rebuild_order()
            else:
                for address in sorted(changed):
                    self._update_entry(address)
            changed.clear()
            self._root = hash_object_of(self._entries)
        return self._root

    def _update_entry(self, address: str) -> None:
        """Put one changed address's new bytes in place (or take the address out)."""
        index = bisect_left(self._order, address)
        listed = index < len(self._order) and self._order[index] == address
        if address not in self._accounts and address not in self._storage:
            if listed:
                del self._order[index], self._entries[index]
            return
        entry = self._encoded[address] = self._entry(address)
        if listed:
            self._entries[index] = entry
        else:
            self._order.insert(index, address)
            self._entries.insert(index, entry)

    def _rebuild_order(self) -> None:
        """Sort every address again, re-encoding only those without remembered bytes
        (a changed address has none: forgetting them is how it was noted)."""
        self._order = self._addresses()
        encoded = self._encoded
        for address in self._order:
            if address not in encoded:
                encoded[address] = self._entry(address)
        self._entries = [encoded[address] for address in self._order]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, State) and self.root() == other.root()

    def __repr__(self) -> str:
        return f"State({len(self._accounts)} accounts, root={self.root().hex()[:12]}…)"
