"""Keys, addresses and signatures over secp256k1 (chapter 01).

Built on python-ecdsa. Signatures are deterministic (RFC 6979: the nonce ``k`` is derived
from the key and the message, so signing the same thing twice gives the same bytes and no
random number generator can leak the key) and low-S (of the two valid ``s`` values only the
smaller is accepted, so nobody can flip a signature into a second valid one).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import ecdsa
from ecdsa.util import sigdecode_string, sigencode_string_canonize

from minichain.encoding import sha256
from minichain.errors import CryptoError

CURVE = ecdsa.SECP256k1
CURVE_ORDER = CURVE.order
HALF_ORDER = CURVE_ORDER // 2
PUBLIC_KEY_SIZE = 33   # compressed point
SIGNATURE_SIZE = 64    # r || s, 32 bytes each
ADDRESS_BYTES = 20

Address = str  # "0x" + 40 lowercase hex digits


def address_from_public_key(public_key: bytes) -> Address:
    """An address is the last 20 bytes of the SHA-256 of the compressed public key."""
    if len(public_key) != PUBLIC_KEY_SIZE:
        raise CryptoError(f"public key must be {PUBLIC_KEY_SIZE} bytes (compressed), "
                          f"got {len(public_key)}")
    return "0x" + sha256(public_key)[-ADDRESS_BYTES:].hex()


def is_address(value: object) -> bool:
    """True for a well-formed address string."""
    if not isinstance(value, str) or len(value) != 2 + 2 * ADDRESS_BYTES:
        return False
    return value.startswith("0x") and all(c in "0123456789abcdef" for c in value[2:])


def check_address(value: object, what: str = "address") -> Address:
    """Return ``value`` if it is a well-formed address, else raise ``CryptoError``."""
    if not is_address(value):
        raise CryptoError(f"{what} must be '0x' followed by 40 lowercase hex digits, "
                          f"got {value!r}")
    return value  # type: ignore[return-value]


@dataclass(frozen=True)
class PrivateKey:
    """A secret number on secp256k1, with its public key and address."""

    secret: int

    def __post_init__(self) -> None:
        if not 1 <= self.secret < CURVE_ORDER:
            raise CryptoError("a private key must be between 1 and the curve order - 1")

    @classmethod
    def from_seed(cls, seed: str) -> "PrivateKey":
        """A key derived from a name, so notebooks give the same output on every run."""
        digest = sha256(b"minichain key seed:" + seed.encode("utf-8"))
        return cls(int.from_bytes(digest, "big") % (CURVE_ORDER - 1) + 1)

    @functools.cached_property
    def _signing_key(self) -> ecdsa.SigningKey:
        return ecdsa.SigningKey.from_secret_exponent(self.secret, curve=CURVE,
                                                     hashfunc=_sha256_hashfunc)

    @functools.cached_property
    def public_key(self) -> bytes:
        """The compressed public key (33 bytes)."""
        return self._signing_key.get_verifying_key().to_string("compressed")

    @property
    def address(self) -> Address:
        return address_from_public_key(self.public_key)

    def sign(self, digest: bytes) -> bytes:
        """Sign a 32-byte digest: RFC 6979 nonce, low-S, 64 bytes r || s."""
        if len(digest) != 32:
            raise CryptoError(f"sign a 32-byte digest, got {len(digest)} bytes")
        return self._signing_key.sign_digest_deterministic(
            digest, hashfunc=_sha256_hashfunc, sigencode=sigencode_string_canonize)

    def __repr__(self) -> str:
        return f"PrivateKey(address={self.address})"


def _sha256_hashfunc(data: bytes = b""):
    import hashlib
    return hashlib.sha256(data)


@functools.lru_cache(maxsize=4096)
def _verifying_key(public_key: bytes) -> ecdsa.VerifyingKey:
    try:
        return ecdsa.VerifyingKey.from_string(public_key, curve=CURVE,
                                              hashfunc=_sha256_hashfunc)
    except (ecdsa.MalformedPointError, ValueError) as error:
        raise CryptoError(f"not a valid secp256k1 public key: {error}") from None


def is_low_s(signature: bytes) -> bool:
    """True when ``s`` is in the lower half of the curve order (the canonical form)."""
    return int.from_bytes(signature[32:], "big") <= HALF_ORDER


def verify(public_key: bytes, digest: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid low-S signature of ``digest`` by ``public_key``."""
    if len(signature) != SIGNATURE_SIZE or len(digest) != 32:
        return False
    if not is_low_s(signature):
        return False
    return _verified(bytes(public_key), bytes(digest), bytes(signature))


@functools.lru_cache(maxsize=65536)
def _verified(public_key: bytes, digest: bytes, signature: bytes) -> bool:
    """python-ecdsa's verdict, remembered: a node that built a block need not check it twice."""
    try:
        key = _verifying_key(public_key)
    except CryptoError:
        return False
    try:
        return key.verify_digest(signature, digest, sigdecode=sigdecode_string)
    except ecdsa.BadSignatureError:
        return False


def clear_caches() -> None:
    """Forget remembered keys and verdicts (benchmarks measure verification cold)."""
    _verifying_key.cache_clear()
    _verified.cache_clear()


def flip_s(signature: bytes) -> bytes:
    """The other valid signature (r, n - s): what the low-S rule exists to refuse."""
    r, s = signature[:32], int.from_bytes(signature[32:], "big")
    return r + (CURVE_ORDER - s).to_bytes(32, "big")
