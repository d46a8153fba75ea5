"""The two crypto backends are interchangeable bit for bit (chapter 01).

python-ecdsa (pure Python, what a browser kernel runs) and libsecp256k1 (``coincurve``,
what a laptop runs when it is installed) must make the same public keys, the same RFC 6979
low-S signatures and the same verdicts, or two nodes on different machines would disagree
about a block. These tests feed both the same 10,000 seeded keys and messages, the edge
keys and digests first, and compare every byte and every verdict.
"""

from __future__ import annotations

import hashlib
import importlib.util
import random

import ecdsa
import pytest
from ecdsa.util import sigencode_string, sigencode_string_canonize

from minichain import crypto
from minichain.crypto import CURVE_ORDER, HALF_ORDER, PrivateKey, flip_s
from minichain.errors import CryptoError

if crypto.FAST_BACKEND not in crypto.BACKENDS:
    if importlib.util.find_spec("coincurve") is not None:
        raise RuntimeError("coincurve is installed but minichain.crypto could not use it")
    pytest.skip("coincurve is not installed (pip install 'minichain[fast]')",
                allow_module_level=True)

PURE, FAST = crypto.BACKENDS[crypto.PURE_BACKEND], crypto.BACKENDS[crypto.FAST_BACKEND]
N = CURVE_ORDER
P = crypto.CURVE.curve.p()
G = crypto.CURVE.generator
CASES = 10_000

EDGE_SECRETS = [1, 2, 3, 7, N - 1, N - 2, N - 3, HALF_ORDER, HALF_ORDER + 1, HALF_ORDER - 1,
                2**32, 2**128, 2**128 - 1, 2**255, 2**256 - 2**32 - 978 - N, N - 2**128]
EDGE_DIGESTS = [bytes(32), (1).to_bytes(32, "big"), (N - 1).to_bytes(32, "big"),
                N.to_bytes(32, "big"), (N + 1).to_bytes(32, "big"), b"\xff" * 32,
                HALF_ORDER.to_bytes(32, "big"), (2**255).to_bytes(32, "big"),
                (P - 1).to_bytes(32, "big"), hashlib.sha256(b"").digest()]


def seeded_cases(seed: int = 2026) -> list[tuple[int, bytes]]:
    """Every edge key with every edge digest, then random keys and digests up to ``CASES``."""
    cases = [(secret, digest) for secret in EDGE_SECRETS for digest in EDGE_DIGESTS]
    rng = random.Random(seed)
    while len(cases) < CASES:
        cases.append((rng.randrange(1, N), rng.randbytes(32)))
    return cases


def sign_with(backend: crypto.Backend, secret: int, digest: bytes) -> tuple[bytes, bytes]:
    """The public key and signature a backend makes, through the calls PrivateKey makes."""
    key = backend.signing_key(secret)
    signature = key.sign_digest_deterministic(digest, hashfunc=crypto._sha256_hashfunc,
                                              sigencode=sigencode_string_canonize)
    return backend.public_key(key), signature


def signature_with_s(s: int, seed: int) -> tuple[bytes, bytes, bytes]:
    """A valid signature whose ``s`` we chose: pick the key and nonce, solve for the digest."""
    rng = random.Random(seed)
    d, k = rng.randrange(1, N), rng.randrange(1, N)
    r = (G * k).x() % N
    z = (s * k - r * d) % N            # s = (z + r d) / k  =>  z = s k - r d
    public_key = ecdsa.SigningKey.from_secret_exponent(
        d, curve=crypto.CURVE).get_verifying_key().to_string("compressed")
    return public_key, z.to_bytes(32, "big"), r.to_bytes(32, "big") + s.to_bytes(32, "big")


def with_r(signature: bytes, r: int) -> bytes:
    return r.to_bytes(32, "big") + signature[32:]


def with_s(signature: bytes, s: int) -> bytes:
    return signature[:32] + s.to_bytes(32, "big")


def not_on_curve() -> bytes:
    """A compressed key whose x has no point on the curve."""
    x = 5
    while pow((x**3 + 7) % P, (P - 1) // 2, P) == 1:
        x += 1
    return b"\x02" + x.to_bytes(32, "big")


# x = 1 is on the curve; 1 + p fits in 32 bytes and names the same x modulo p.
NON_CANONICAL_KEY = b"\x02" + (1 + P).to_bytes(32, "big")


def verdict_inputs(index: int, secret: int, digest: bytes, public_key: bytes,
                   signature: bytes) -> tuple[bytes, bytes, bytes]:
    """One of twelve checks, in turn: the valid signature and the ways to spoil it."""
    other = (digest[:-1] + bytes([digest[-1] ^ 1]))
    variant = index % 12
    if variant == 0:
        return public_key, digest, signature
    if variant == 1:
        return public_key, digest, flip_s(signature)                 # high-S twin
    if variant == 2:
        return public_key, other, signature                          # another message
    if variant == 3:
        return PrivateKey(secret % (N - 1) + 1).public_key, digest, signature  # another key
    if variant == 4:
        return public_key, digest, with_r(signature, 0)
    if variant == 5:
        return public_key, digest, with_s(signature, 0)
    if variant == 6:
        return public_key, digest, with_r(signature, int.from_bytes(signature[:32], "big") + N
                                          if int.from_bytes(signature[:32], "big") < 2**256 - N
                                          else N)                    # r + n: same r mod n
    if variant == 7:
        return public_key, digest, with_r(signature, 2**256 - 1)
    if variant == 8:
        return not_on_curve(), digest, signature
    if variant == 9:
        return bytes([public_key[0] ^ 1]) + public_key[1:], digest, signature  # other y
    if variant == 10:
        return NON_CANONICAL_KEY, digest, signature                  # x = 1 + p
    return public_key, digest[:31], signature                        # a 31-byte digest


def verdicts(backend: str, inputs: list[tuple[bytes, bytes, bytes]]) -> list[bool]:
    with crypto.use_backend(backend):
        return [crypto.verify(*item) for item in inputs]


def test_both_backends_make_the_same_keys_signatures_and_verdicts_on_10000_cases():
    cases = seeded_cases()
    inputs = []
    for index, (secret, digest) in enumerate(cases):
        pure = sign_with(PURE, secret, digest)
        fast = sign_with(FAST, secret, digest)
        assert fast == pure, f"case {index}: secret {secret:#x}, digest {digest.hex()}"
        assert crypto.is_low_s(pure[1])
        inputs.append(verdict_inputs(index, secret, digest, *pure))
    pure_verdicts = verdicts(crypto.PURE_BACKEND, inputs)
    fast_verdicts = verdicts(crypto.FAST_BACKEND, inputs)
    assert fast_verdicts == pure_verdicts
    # And the verdicts are the rules': only the untouched signature verifies, except that
    # for a digest of 0 mod n the key's mirror image -Q verifies it too (u1 = 0, so the
    # point checked is u2*Q or -u2*Q, and both have the same x).
    expected = [index % 12 == 0 or (index % 12 == 9 and int.from_bytes(digest, "big") % N == 0)
                for index, (_, digest) in enumerate(cases)]
    assert pure_verdicts == expected


@pytest.mark.parametrize("s, valid", [(1, True), (2, True), (HALF_ORDER - 1, True),
                                      (HALF_ORDER, True), (HALF_ORDER + 1, False),
                                      (N - 1, False), (N, False), (N + 1, False)])
def test_both_backends_agree_on_s_at_the_bounds_of_the_low_s_rule(s, valid):
    inputs = [signature_with_s(s, seed) for seed in range(4)]
    assert verdicts(crypto.PURE_BACKEND, inputs) == [valid] * 4
    assert verdicts(crypto.FAST_BACKEND, inputs) == [valid] * 4


def test_the_constructed_bound_signatures_are_valid_ecdsa_when_s_is_in_range():
    """A check on the construction above, by python-ecdsa alone and with no low-S rule."""
    public_key, digest, signature = signature_with_s(HALF_ORDER + 1, 0)
    key = ecdsa.VerifyingKey.from_string(public_key, curve=crypto.CURVE)
    assert key.verify_digest(signature, digest, sigdecode=ecdsa.util.sigdecode_string)


@pytest.mark.parametrize("public_key", [
    b"", b"\x02", b"\x04" + bytes(64), bytes(33), b"\x05" + bytes(32),
    b"\x02" + P.to_bytes(32, "big"), b"\x03" + (2**256 - 1).to_bytes(32, "big"),
    PrivateKey(9).public_key + b"\x00", PrivateKey(9).public_key[:32],
])
def test_both_backends_refuse_the_same_malformed_public_keys(public_key):
    for backend in (crypto.PURE_BACKEND, crypto.FAST_BACKEND):
        with crypto.use_backend(backend):
            with pytest.raises(CryptoError, match="not a valid secp256k1 public key"):
                crypto._verifying_key(public_key)


def test_the_libsecp256k1_key_signs_only_rfc6979_low_s():
    key = FAST.signing_key(5)
    with pytest.raises(CryptoError, match="only with an RFC 6979 SHA-256 nonce"):
        key.sign_digest_deterministic(bytes(32), hashfunc=hashlib.sha1,
                                      sigencode=sigencode_string_canonize)
    with pytest.raises(CryptoError, match="into a low-S 64-byte signature"):
        key.sign_digest_deterministic(bytes(32), hashfunc=crypto._sha256_hashfunc,
                                      sigencode=sigencode_string)


def test_a_key_signs_with_the_backend_in_use_even_after_a_switch():
    key = PrivateKey.from_seed("alice")
    digest = hashlib.sha256(b"slot 40: 1500 Wh").digest()
    with crypto.use_backend(crypto.PURE_BACKEND):
        pure = key.sign(digest)
        assert isinstance(key._signing_key, ecdsa.SigningKey)
    with crypto.use_backend(crypto.FAST_BACKEND):
        assert key.sign(digest) == pure
        assert not isinstance(key._signing_key, ecdsa.SigningKey)
