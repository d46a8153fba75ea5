"""Wallets: a household's key, its address, and the transactions it signs (chapters 01-02).

``Wallet.from_seed("alice")`` derives the key from a name, so every notebook run makes the
same keys, addresses and signatures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from minichain import crypto
from minichain.encoding import encode, sha256
from minichain.tx import (DATA_BYTE_GAS, TX_BASE_GAS, SignedTransaction, Transaction,
                          sign_transaction)

MESSAGE_DOMAIN = b"minichain message:"


def message_digest(message: Any) -> bytes:
    """The digest signed for an off-chain message such as a meter reading."""
    return sha256(MESSAGE_DOMAIN + encode(message))


def verify_message(public_key: bytes, message: Any, signature: bytes) -> bool:
    """True when ``signature`` over ``message`` was made by ``public_key``."""
    return crypto.verify(public_key, message_digest(message), signature)


@dataclass(frozen=True)
class Wallet:
    """A named key pair that signs transactions and messages."""

    name: str
    key: crypto.PrivateKey

    @classmethod
    def from_seed(cls, name: str) -> "Wallet":
        return cls(name, crypto.PrivateKey.from_seed(name))

    @property
    def address(self) -> str:
        return self.key.address

    @property
    def public_key(self) -> bytes:
        return self.key.public_key

    def sign_message(self, message: Any) -> bytes:
        return self.key.sign(message_digest(message))

    def sign(self, tx: Transaction) -> SignedTransaction:
        return sign_transaction(tx, self.key)

    def transfer(self, to: str, value: int, nonce: int, chain_id: int = 1,
                 data: bytes = b"", gas: int | None = None,
                 gas_price: int = 0) -> SignedTransaction:
        """A signed token transfer from this wallet."""
        tx = Transaction(sender=self.address, nonce=nonce, chain_id=chain_id,
                         kind="transfer", to=to, value=value, data=data,
                         gas=TX_BASE_GAS + DATA_BYTE_GAS * len(data) if gas is None else gas,
                         gas_price=gas_price)
        return self.sign(tx)

    def __repr__(self) -> str:
        return f"Wallet({self.name!r}, address={self.address})"
