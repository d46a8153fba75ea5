"""Transactions: what a wallet signs and the chain checks (chapter 02).

A ``Transaction`` says who sends what to whom; a ``SignedTransaction`` adds the sender's
public key and a signature over the transaction's canonical encoding. Everything that can
be checked without knowing the state is checked when the object is built, so a
malformed transaction never exists in memory: its constructor raises a typed error. The
checks that need the state (nonce, balance) live in ``state.apply_transaction``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields

from minichain import crypto
from minichain.encoding import (EncodingError, decode, encode, encode_member, encode_object_of,
                                from_plain, sha256, to_plain)
from minichain.errors import (BadSignature, CryptoError, InvalidValue, MalformedTransaction,
                              TransactionTooLarge, UnknownField, WrongChainId, WrongSigner)

# The kinds a transaction can be. ``transfer`` moves tokens; the contract chapters add
# ``deploy`` (install bytecode) and ``call`` (run a contract function).
KINDS = ("transfer", "deploy", "call")

MAX_UINT = 2**256 - 1          # largest value, nonce, gas or price a field may hold
MAX_DATA_BYTES = 48 * 1024     # call data or contract code in one transaction
MAX_TX_BYTES = 64 * 1024       # the whole signed transaction, encoded

TX_BASE_GAS = 21_000           # what every transaction costs before it does anything
DATA_BYTE_GAS = 16             # per byte of data carried
DEPLOY_BASE_GAS = 32_000       # extra for creating a contract

SIGNING_DOMAIN = b"minichain transaction:"


@dataclass(frozen=True)
class Transaction:
    """An unsigned transaction: a sender's request to change the state."""

    sender: str
    nonce: int
    chain_id: int
    kind: str
    to: str
    value: int = 0
    data: bytes = b""
    gas: int = TX_BASE_GAS
    gas_price: int = 0

    def __post_init__(self) -> None:
        check_fields(self)

    @functools.cached_property
    def encoded(self) -> bytes:
        """The canonical encoding, once: the signing digest and the signed bytes contain it."""
        return encode(self)

    @functools.cached_property
    def signing_digest(self) -> bytes:
        """The 32 bytes a wallet signs: a domain tag plus the canonical encoding."""
        return sha256(SIGNING_DOMAIN + self.encoded)

    def intrinsic_gas(self) -> int:
        """Gas paid before any code runs: base cost, data bytes, contract creation."""
        extra = DEPLOY_BASE_GAS if self.kind == "deploy" else 0
        return TX_BASE_GAS + extra + DATA_BYTE_GAS * len(self.data)

    def max_fee(self) -> int:
        return self.gas * self.gas_price


def _require_uint(name: str, value: object, error: type[Exception] = MalformedTransaction) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise error(f"{name} must be a whole number (int), got {value!r}")
    if not 0 <= value <= MAX_UINT:
        raise error(f"{name} must be between 0 and 2**256 - 1, got {value}")


def check_fields(tx: Transaction) -> None:
    """Stateless checks: types, ranges, kinds, addresses, sizes."""
    for name in ("sender", "kind", "to"):
        if not isinstance(getattr(tx, name), str):
            raise MalformedTransaction(f"{name} must be a string, got {getattr(tx, name)!r}")
    _require_address("sender", tx.sender)
    _require_uint("value", tx.value, InvalidValue)
    for name in ("nonce", "chain_id", "gas", "gas_price"):
        _require_uint(name, getattr(tx, name))
    if tx.kind not in KINDS:
        raise MalformedTransaction(f"kind must be one of {KINDS}, got {tx.kind!r}")
    if tx.kind == "deploy":
        if tx.to != "":
            raise MalformedTransaction("a deploy transaction has no recipient: use to=''")
    else:
        _require_address("to", tx.to)
    if not isinstance(tx.data, bytes):
        raise MalformedTransaction(f"data must be bytes, got {type(tx.data).__name__}")
    if len(tx.data) > MAX_DATA_BYTES:
        raise TransactionTooLarge(f"data is {len(tx.data)} bytes; at most {MAX_DATA_BYTES}")


def _require_address(name: str, value: str) -> None:
    try:
        crypto.check_address(value, name)
    except CryptoError as error:
        raise MalformedTransaction(str(error)) from None


@dataclass(frozen=True)
class SignedTransaction:
    """A transaction with the public key that signed it and the signature."""

    tx: Transaction
    public_key: bytes
    signature: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.tx, Transaction):
            raise MalformedTransaction("tx must be a Transaction")
        for name, size in (("public_key", crypto.PUBLIC_KEY_SIZE),
                           ("signature", crypto.SIGNATURE_SIZE)):
            value = getattr(self, name)
            if not isinstance(value, bytes) or len(value) != size:
                raise MalformedTransaction(f"{name} must be {size} bytes")
        if len(self.raw) > MAX_TX_BYTES:
            raise TransactionTooLarge(f"the signed transaction is over {MAX_TX_BYTES} bytes")

    @functools.cached_property
    def hash(self) -> bytes:
        """The transaction's id: SHA-256 of its signed encoding."""
        return sha256(self.raw)

    @property
    def sender(self) -> str:
        return self.tx.sender

    def to_plain(self) -> dict:
        return {"tx": to_plain(self.tx), "public_key": "0x" + self.public_key.hex(),
                "signature": "0x" + self.signature.hex()}

    @functools.cached_property
    def raw(self) -> bytes:
        """The canonical bytes sent over the network and hashed into the id.

        They are ``encode(self.to_plain())``, built around the transaction's own bytes.
        """
        return encode_object_of([encode_member("public_key", encode(self.public_key)),
                                 encode_member("signature", encode(self.signature)),
                                 encode_member("tx", self.tx.encoded)])

    def to_bytes(self) -> bytes:
        return self.raw

    @classmethod
    def from_bytes(cls, raw: bytes) -> "SignedTransaction":
        """Parse a signed transaction from the wire; every problem is a typed error."""
        if len(raw) > MAX_TX_BYTES:
            raise TransactionTooLarge(f"{len(raw)} bytes is over the {MAX_TX_BYTES}-byte limit")
        try:
            plain = decode(raw)
        except EncodingError as error:
            raise MalformedTransaction(str(error)) from None
        stx = cls.from_plain(plain)
        if stx.raw != bytes(raw):
            raise MalformedTransaction("bytes are not the canonical encoding of this "
                                       "transaction (expected every field to be present)")
        return stx

    @classmethod
    def from_plain(cls, plain: object) -> "SignedTransaction":
        if not isinstance(plain, dict) or not isinstance(plain.get("tx"), dict):
            raise MalformedTransaction("expected an object with tx, public_key and signature")
        _refuse_unknown(plain, {"tx", "public_key", "signature"}, "signed transaction")
        _refuse_unknown(plain["tx"], {f.name for f in fields(Transaction)}, "transaction")
        value = plain["tx"].get("value", 0)
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidValue(f"value must be a whole number (int), got {value!r}")
        try:
            tx = from_plain(Transaction, plain["tx"], "tx")
            public_key = from_plain(bytes, plain.get("public_key"), "public_key")
            signature = from_plain(bytes, plain.get("signature"), "signature")
        except EncodingError as error:
            raise MalformedTransaction(str(error)) from None
        return cls(tx, public_key, signature)


def _refuse_unknown(plain: dict, allowed: set[str], what: str) -> None:
    unknown = sorted(set(plain) - allowed)
    if unknown:
        raise UnknownField(f"{what} has unknown field(s) {unknown}; "
                           f"expected only {sorted(allowed)}")


def sign_transaction(tx: Transaction, key: crypto.PrivateKey) -> SignedTransaction:
    """Sign ``tx`` with ``key`` (deterministic, low-S)."""
    return SignedTransaction(tx, key.public_key, key.sign(tx.signing_digest))


def check_signature(stx: SignedTransaction, chain_id: int) -> None:
    """Check that ``stx`` is for this chain and really signed by its sender."""
    if stx.tx.chain_id != chain_id:
        raise WrongChainId(f"transaction is for chain {stx.tx.chain_id}, "
                           f"this chain's id is {chain_id}")
    signer = crypto.address_from_public_key(stx.public_key)
    if signer != stx.tx.sender:
        raise WrongSigner(f"signed by the key of {signer}, but the sender is {stx.tx.sender}")
    if not crypto.verify(stx.public_key, stx.tx.signing_digest, stx.signature):
        raise BadSignature(f"signature does not verify for sender {stx.tx.sender} "
                           "(expected a low-S signature of this exact transaction)")
