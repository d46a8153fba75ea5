"""Keys, addresses and signatures over secp256k1 (chapter 01).

Signatures are deterministic (RFC 6979: the nonce ``k`` is derived from the key and the
message, so signing the same thing twice gives the same bytes and no random number
generator can leak the key) and low-S (of the two valid ``s`` values only the smaller is
accepted, so nobody can flip a signature into a second valid one).

Two backends do the curve arithmetic and give the same bytes. python-ecdsa is pure Python
and runs everywhere, a browser kernel included. libsecp256k1 (Bitcoin's C library, through
the optional ``coincurve`` package: ``pip install 'minichain[fast]'``) verifies some 25
times faster and is used whenever it is installed. ``BACKEND`` names the one in use;
``use_backend`` forces one for a block of code and the environment variable
``MINICHAIN_CRYPTO_BACKEND`` for a whole process. Both make the same public keys, the same
signatures and the same verdicts: the tests compare them on 10,000 keys and messages.
"""

from __future__ import annotations

import contextlib
import functools
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import ecdsa
from ecdsa.util import sigdecode_string, sigencode_string_canonize

from minichain.encoding import sha256
from minichain.errors import CryptoError

try:  # the optional fast backend; without it everything runs on python-ecdsa
    from coincurve._libsecp256k1 import ffi as _ffi, lib as _lib
    from coincurve.context import GLOBAL_CONTEXT as _CONTEXT
except ImportError:
    _lib = None

CURVE = ecdsa.SECP256k1
CURVE_ORDER = CURVE.order
HALF_ORDER = CURVE_ORDER // 2
PUBLIC_KEY_SIZE = 33   # compressed point
SIGNATURE_SIZE = 64    # r || s, 32 bytes each
ADDRESS_BYTES = 20

PURE_BACKEND = "python-ecdsa"
FAST_BACKEND = "coincurve"
BACKEND_VARIABLE = "MINICHAIN_CRYPTO_BACKEND"

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
    def _signing_keys(self) -> dict[str, Any]:
        return {}

    @property
    def _signing_key(self) -> Any:
        """This key in the backend in use (each backend's is built once, on first use)."""
        key = self._signing_keys.get(BACKEND)
        if key is None:
            key = self._signing_keys[BACKEND] = _backend.signing_key(self.secret)
        return key

    @functools.cached_property
    def public_key(self) -> bytes:
        """The compressed public key (33 bytes)."""
        return _backend.public_key(self._signing_key)

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
    """The backend's verdict, remembered: a node that built a block need not check it twice."""
    try:
        key = _verifying_key(public_key)
    except CryptoError:
        return False
    return _backend.verify_digest(key, digest, signature)


@functools.lru_cache(maxsize=4096)
def _verifying_key(public_key: bytes) -> Any:
    """A public key parsed by the backend; only the 33-byte compressed form is a key here."""
    if len(public_key) != PUBLIC_KEY_SIZE or public_key[0] not in (2, 3):
        raise CryptoError(f"not a valid secp256k1 public key: expected {PUBLIC_KEY_SIZE} bytes "
                          f"starting 02 or 03 (compressed), got {public_key[:1].hex() or 'none'} "
                          f"and {len(public_key)} bytes")
    return _backend.verifying_key(public_key)


def clear_caches() -> None:
    """Forget remembered keys and verdicts (benchmarks measure verification cold)."""
    _verifying_key.cache_clear()
    _verified.cache_clear()


def flip_s(signature: bytes) -> bytes:
    """The other valid signature (r, n - s): what the low-S rule exists to refuse."""
    r, s = signature[:32], int.from_bytes(signature[32:], "big")
    return r + (CURVE_ORDER - s).to_bytes(32, "big")


# --- the two backends ---------------------------------------------------------------------

@dataclass(frozen=True)
class Backend:
    """One implementation of the curve arithmetic: the four things the module asks of it."""

    name: str
    signing_key: Callable[[int], Any]               # secret -> key with sign_digest_deterministic
    public_key: Callable[[Any], bytes]              # that key -> 33-byte compressed public key
    verifying_key: Callable[[bytes], Any]           # 33 bytes -> parsed key, or CryptoError
    verify_digest: Callable[[Any, bytes, bytes], bool]


def _ecdsa_signing_key(secret: int) -> ecdsa.SigningKey:
    return ecdsa.SigningKey.from_secret_exponent(secret, curve=CURVE, hashfunc=_sha256_hashfunc)


def _ecdsa_public_key(key: ecdsa.SigningKey) -> bytes:
    return key.get_verifying_key().to_string("compressed")


def _ecdsa_verifying_key(public_key: bytes) -> ecdsa.VerifyingKey:
    try:
        return ecdsa.VerifyingKey.from_string(public_key, curve=CURVE, hashfunc=_sha256_hashfunc)
    except (ecdsa.MalformedPointError, ValueError) as error:
        raise CryptoError(f"not a valid secp256k1 public key: {error}") from None


def _ecdsa_verify_digest(key: ecdsa.VerifyingKey, digest: bytes, signature: bytes) -> bool:
    try:
        return key.verify_digest(signature, digest, sigdecode=sigdecode_string)
    except ecdsa.BadSignatureError:
        return False


class _Libsecp256k1Key:
    """A libsecp256k1 secret key that offers the one method of python-ecdsa's ``SigningKey``
    that ``PrivateKey.sign`` calls, so signing reads the same with either backend."""

    def __init__(self, secret: int) -> None:
        self._secret = secret.to_bytes(32, "big")
        point = _ffi.new("secp256k1_pubkey *")
        if not _lib.secp256k1_ec_pubkey_create(_CONTEXT.ctx, point, self._secret):
            raise CryptoError("a private key must be between 1 and the curve order - 1")
        out, size = _ffi.new("unsigned char[33]"), _ffi.new("size_t *", PUBLIC_KEY_SIZE)
        _lib.secp256k1_ec_pubkey_serialize(_CONTEXT.ctx, out, size, point,
                                           _lib.SECP256K1_EC_COMPRESSED)
        self.public_key = bytes(_ffi.buffer(out, PUBLIC_KEY_SIZE))

    def sign_digest_deterministic(self, digest: bytes, hashfunc: Callable,
                                  sigencode: Callable) -> bytes:
        """RFC 6979 with HMAC-SHA-256, low-S, 64 bytes r || s: the only signing offered."""
        if hashfunc is not _sha256_hashfunc or sigencode is not sigencode_string_canonize:
            raise CryptoError("the libsecp256k1 backend signs only with an RFC 6979 SHA-256 "
                              "nonce into a low-S 64-byte signature")
        # RFC 6979 feeds the nonce the digest reduced mod n (bits2octets), as python-ecdsa
        # does; libsecp256k1 releases have not all done so, so reduce it here. The
        # signature itself is the same either way: ECDSA works with the digest mod n.
        number = int.from_bytes(digest, "big")
        if number >= CURVE_ORDER:
            digest = (number - CURVE_ORDER).to_bytes(32, "big")
        signature = _ffi.new("secp256k1_ecdsa_signature *")
        if not _lib.secp256k1_ecdsa_sign(_CONTEXT.ctx, signature, digest, self._secret,
                                         _ffi.NULL, _ffi.NULL):
            raise CryptoError("libsecp256k1 could not sign")  # only with a bad key: refused above
        out = _ffi.new("unsigned char[64]")
        _lib.secp256k1_ecdsa_signature_serialize_compact(_CONTEXT.ctx, out, signature)
        return bytes(_ffi.buffer(out, SIGNATURE_SIZE))   # libsecp256k1 always signs low-S


def _libsecp256k1_public_key(key: _Libsecp256k1Key) -> bytes:
    return key.public_key


def _libsecp256k1_verifying_key(public_key: bytes) -> Any:
    point = _ffi.new("secp256k1_pubkey *")
    if not _lib.secp256k1_ec_pubkey_parse(_CONTEXT.ctx, point, public_key, len(public_key)):
        raise CryptoError("not a valid secp256k1 public key: no point on the curve has "
                          "this x coordinate (or it is not below the field prime)")
    return point


def _libsecp256k1_verify_digest(key: Any, digest: bytes, signature: bytes) -> bool:
    parsed = _ffi.new(_SIGNATURE_TYPE)
    if not _lib.secp256k1_ecdsa_signature_parse_compact(_CONTEXT.ctx, parsed, signature):
        return False                         # r or s is not below the curve order
    return _lib.secp256k1_ecdsa_verify(_CONTEXT.ctx, parsed, digest, key) == 1


if _lib is not None:
    _SIGNATURE_TYPE = _ffi.typeof("secp256k1_ecdsa_signature *")

BACKENDS: dict[str, Backend] = {PURE_BACKEND: Backend(
    PURE_BACKEND, _ecdsa_signing_key, _ecdsa_public_key, _ecdsa_verifying_key,
    _ecdsa_verify_digest)}
if _lib is not None:
    BACKENDS[FAST_BACKEND] = Backend(
        FAST_BACKEND, _Libsecp256k1Key, _libsecp256k1_public_key,
        _libsecp256k1_verifying_key, _libsecp256k1_verify_digest)


def set_backend(name: str) -> None:
    """Do the curve arithmetic with backend ``name`` from now on (and forget remembered verdicts)."""
    global BACKEND, _backend
    if name not in BACKENDS:
        hint = (" (pip install 'minichain[fast]' installs it)" if name == FAST_BACKEND
                else "")
        raise CryptoError(f"no crypto backend {name!r} here{hint}; "
                          f"available: {sorted(BACKENDS)}")
    BACKEND, _backend = name, BACKENDS[name]
    clear_caches()


@contextlib.contextmanager
def use_backend(name: str) -> Iterator[None]:
    """Run a block of code with one backend, then go back to the one before (for tests)."""
    previous = BACKEND
    set_backend(name)
    try:
        yield
    finally:
        set_backend(previous)


BACKEND: str = PURE_BACKEND
_backend: Backend = BACKENDS[PURE_BACKEND]
set_backend(os.environ.get(BACKEND_VARIABLE)
            or (FAST_BACKEND if FAST_BACKEND in BACKENDS else PURE_BACKEND))
