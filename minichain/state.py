"""Accounts, balances, nonces, contract code and storage, with a journal (chapter 02).

The state is a map from address to ``Account`` plus each contract's storage. Every change
goes through a setter that writes the old value to a journal first, so ``snapshot()`` /
``rollback()`` can undo any number of changes exactly: that is how a rejected transaction
or a reverted contract call leaves the state as it was. ``root()`` is one hash that
commits to the whole state; two states are equal exactly when their roots are.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from minichain.encoding import encode_plain, sha256
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
    """Amounts moved are whole, non-negative token units (a negative debit would mint)."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise InvalidValue(f"an amount must be a non-negative int, got {amount!r}")


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
        # Each address's canonical bytes, kept until the address changes: the root then
        # re-encodes only what a block touched.
        self._encoded: dict[str, bytes] = {}

    # --- reading -----------------------------------------------------------------------

    def account(self, address: str) -> Account:
        return self._accounts.get(address, EMPTY_ACCOUNT)

    def balance(self, address: str) -> int:
        return self.account(address).balance

    def nonce(self, address: str) -> int:
        return self.account(address).nonce

    def code(self, address: str) -> bytes:
        return self.account(address).code

    def storage_get(self, address: str, key: int) -> int:
        return self._storage.get(address, {}).get(key, 0)

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
        if account == EMPTY_ACCOUNT:
            self._accounts.pop(address, None)
        else:
            self._accounts[address] = account

    def set_balance(self, address: str, balance: int) -> None:
        if not isinstance(balance, int) or isinstance(balance, bool) or balance < 0:
            raise InvalidValue(f"a balance must be a non-negative int, got {balance!r}")
        self._set_account(address, replace(self.account(address), balance=balance))

    def add_balance(self, address: str, amount: int) -> None:
        _require_amount(amount)
        self.set_balance(address, self.balance(address) + amount)

    def sub_balance(self, address: str, amount: int) -> None:
        _require_amount(amount)
        have = self.balance(address)
        if amount > have:
            raise InsufficientFunds(f"{address} has {have}, needs {amount}")
        self.set_balance(address, have - amount)

    def transfer(self, sender: str, recipient: str, amount: int) -> None:
        """Move ``amount`` from sender to recipient, or raise and change nothing."""
        _require_amount(amount)
        self.sub_balance(sender, amount)
        self.add_balance(recipient, amount)

    def increment_nonce(self, address: str) -> None:
        account = self.account(address)
        self._set_account(address, replace(account, nonce=account.nonce + 1))

    def set_code(self, address: str, code: bytes) -> None:
        self._set_account(address, replace(self.account(address), code=bytes(code)))

    def storage_set(self, address: str, key: int, value: int) -> None:
        slots = self._storage.setdefault(address, {})
        self._journal.append(("storage", (address, key), slots.get(key, _MISSING)))
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
        """An independent copy with an empty journal."""
        twin = State(self._accounts, self._storage)
        twin._encoded = dict(self._encoded)
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

    def root(self) -> bytes:
        """One hash that commits to every account and storage slot.

        It is the SHA-256 of ``encode(self.to_plain())``; the bytes of each address are
        kept between calls and rebuilt only for addresses that changed.
        """
        parts = []
        for address in self._addresses():
            encoded = self._encoded.get(address)
            if encoded is None:
                encoded = self._encoded[address] = encode_plain(self._plain_account(address))
            parts.append(b'"' + address.encode("ascii") + b'":' + encoded)
        return sha256(b"{" + b",".join(parts) + b"}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, State) and self.root() == other.root()

    def __repr__(self) -> str:
        return f"State({len(self._accounts)} accounts, root={self.root().hex()[:12]}…)"
