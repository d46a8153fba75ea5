"""Headers and blocks: how transactions are batched, linked and sealed (chapter 03).

A header commits to its parent (``parent_hash``), to its transactions (a Merkle root), to
the state after them (``state_root``) and to their receipts; the sealer signs the header,
and the block's hash covers that signature. Change one Wh in an old block and its Merkle
root no longer matches; fix the root and the seal breaks; re-seal it and the next block's
``parent_hash`` no longer matches. That chain of evidence is chapter 03.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

from minichain import crypto
from minichain.encoding import (EncodingError, decode, encode, encode_list_of, encode_member,
                                encode_object_of, from_plain, sha256, to_plain)
from minichain.errors import BadTransactionInBlock, InvalidBlock, InvalidTransaction
from minichain.execution import Receipt
from minichain.merkle import merkle_root
from minichain.tx import SignedTransaction

MAX_BLOCK_BYTES = 1024 * 1024
ZERO_HASH = bytes(32)
SEAL_DOMAIN = b"minichain header:"


@dataclass(frozen=True)
class Header:
    """Everything a block commits to, and the sealer's signature over it."""

    parent_hash: bytes
    number: int
    timestamp: int
    difficulty: int
    gas_limit: int
    gas_used: int
    tx_root: bytes
    state_root: bytes
    receipts_root: bytes
    extra: bytes = b""           # consensus data (e.g. the authority list at a checkpoint)
    vote: str = ""               # an authority vote: "+0xabc…" to add, "-0xabc…" to remove
    sealer_key: bytes = b""      # compressed public key of the sealer
    signature: bytes = b""       # the sealer's signature over ``signing_digest``

    @functools.cached_property
    def hash(self) -> bytes:
        """The block's id: SHA-256 of the whole header, seal included."""
        return sha256(encode(self))

    @functools.cached_property
    def signing_digest(self) -> bytes:
        """What the sealer signs: the header without its signature."""
        return sha256(SEAL_DOMAIN + encode(replace(self, signature=b"")))

    @property
    def sealer(self) -> str:
        """The sealer's address, derived from the key in the header ("" if unsealed)."""
        if not self.sealer_key:
            return ""
        try:
            return crypto.address_from_public_key(self.sealer_key)
        except crypto.CryptoError:
            return ""

    def seal_is_valid(self) -> bool:
        return bool(self.sealer_key) and crypto.verify(self.sealer_key, self.signing_digest,
                                                       self.signature)


def seal_header(header: Header, key: crypto.PrivateKey) -> Header:
    """Sign a header with a sealer's key."""
    unsigned = replace(header, sealer_key=key.public_key, signature=b"")
    return replace(unsigned, signature=key.sign(unsigned.signing_digest))


@dataclass(frozen=True)
class Block:
    """A header and the transactions it commits to."""

    header: Header
    transactions: tuple[SignedTransaction, ...] = ()

    @property
    def hash(self) -> bytes:
        return self.header.hash

    @property
    def number(self) -> int:
        return self.header.number

    def to_plain(self) -> dict:
        return {"header": to_plain(self.header),
                "transactions": [stx.to_plain() for stx in self.transactions]}

    def to_bytes(self) -> bytes:
        return self._bytes

    @functools.cached_property
    def _bytes(self) -> bytes:
        """``encode(self.to_plain())``, built from the header's bytes and each transaction's
        own (which its id hashes too), once: a block, like its parts, never changes."""
        return encode_object_of([
            encode_member("header", encode(self.header)),
            encode_member("transactions", encode_list_of(stx.raw for stx in self.transactions))])

    @classmethod
    def from_bytes(cls, raw: bytes) -> "Block":
        """Parse a block from the wire or from disk; every problem is a typed error."""
        if len(raw) > MAX_BLOCK_BYTES:
            raise InvalidBlock(f"{len(raw)} bytes is over the {MAX_BLOCK_BYTES}-byte limit")
        try:
            plain = decode(raw)
            if not isinstance(plain, dict) or set(plain) != {"header", "transactions"}:
                raise EncodingError("expected an object with header and transactions")
            header = from_plain(Header, plain["header"], "header")
            if not isinstance(plain["transactions"], list):
                raise EncodingError("transactions must be a list")
        except EncodingError as error:
            raise InvalidBlock(f"malformed block: {error}") from None
        txs = []
        for index, item in enumerate(plain["transactions"]):
            try:
                txs.append(SignedTransaction.from_plain(item))
            except InvalidTransaction as error:
                raise BadTransactionInBlock(f"block #{header.number}: transaction {index} is "
                                            f"invalid: {error}") from error
        block = cls(header, tuple(txs))
        if block.to_bytes() != bytes(raw):
            raise InvalidBlock("malformed block: bytes are not its canonical encoding "
                               "(expected every field to be present)")
        return block


def transactions_root(transactions: tuple[SignedTransaction, ...] | list) -> bytes:
    return merkle_root([stx.raw for stx in transactions])


def receipts_root(receipts: list[Receipt] | tuple[Receipt, ...]) -> bytes:
    return merkle_root([receipt.encoded for receipt in receipts])
