"""Checks for the chapter 01 exercises: hashing a reading, flipped bits, addresses, verifying.

Each checker runs the learner's function on a few cases, compares with the library, and
recognises the usual wrong turns (a hex string instead of bytes, unsorted JSON, the first
20 bytes instead of the last, a signature that verifies but for the wrong meter) to give
the hint that fixes them.
"""

from __future__ import annotations

import json

from minichain import crypto
from minichain.checks import Mismatch, exercise
from minichain.encoding import encode, hash_of, sha256
from minichain.wallet import Wallet, message_digest

READINGS = (
    {"meter": "alice", "slot": 48, "exported_wh": 1234},
    {"slot": 0, "meter": "bob", "exported_wh": 0},            # keys not in sorted order
    {"meter": "carol", "slot": 95, "imported_wh": 12, "exported_wh": 987_654},
)


def _hex(value: object) -> str:
    if isinstance(value, (bytes, bytearray)):
        text = bytes(value).hex()
        return "0x" + (text[:16] + "…" if len(text) > 16 else text)
    return repr(value)


def _near_misses(reading: dict) -> list[bytes]:
    """Hashes of the encodings people reach for before the canonical one."""
    texts = [str(reading), json.dumps(reading), json.dumps(reading, sort_keys=True),
             json.dumps(reading, separators=(",", ":"))]
    return [sha256(text.encode()) for text in texts]


@exercise("hash_reading", chapter=1, title="Hash a meter reading",
          hint="encode the reading with minichain.encoding.encode, then hash those bytes "
               "with minichain.encoding.sha256")
def check_hash_reading(fn) -> None:
    for reading in READINGS:
        expected = hash_of(reading)
        got = fn(dict(reading))
        if isinstance(got, str):
            raise Mismatch(f"hash_reading({reading!r}) returned text {got[:20]!r}…",
                           "return the 32 raw bytes of the hash (sha256(...) from "
                           "minichain.encoding, or hashlib's .digest()), not hex text")
        if got == message_digest(reading):
            raise Mismatch(f"hash_reading({reading!r}) returned the signing digest",
                           "message_digest adds a domain tag for signatures; here hash "
                           "only the canonical encoding: sha256(encode(reading))")
        if got in _near_misses(reading):
            raise Mismatch(f"hash_reading({reading!r}) hashed other bytes than "
                           f"encode(reading) = {encode(reading)!r}",
                           "json.dumps and str keep the keys in the order given and add "
                           "spaces; the canonical encoder sorts keys and has no spaces: "
                           "use minichain.encoding.encode")
        if got != expected:
            raise Mismatch(f"hash_reading({reading!r}): expected {_hex(expected)}, "
                           f"got {_hex(got)}")


BIT_CASES = (
    (b"\x00", b"\xff"),
    (b"\x0f\x00", b"\x00\x00"),
    (b"\xab\xcd", b"\xab\xcd"),
    (b"\x01\x10", b"\x10\x01"),
    (hash_of(READINGS[0]), hash_of(dict(READINGS[0], exported_wh=1235))),
)


def flipped_bits(a: bytes, b: bytes) -> int:
    """Reference: the number of bit positions where ``a`` and ``b`` differ."""
    return sum(bin(x ^ y).count("1") for x, y in zip(a, b))


@exercise("count_flipped_bits", chapter=1, title="Count the bits that differ",
          hint="XOR each pair of bytes and count the 1 bits: bin(x ^ y).count('1')")
def check_count_flipped_bits(fn) -> None:
    for a, b in BIT_CASES:
        expected = flipped_bits(a, b)
        got = fn(a, b)
        if got == expected:
            continue
        what = f"count_flipped_bits({_hex(a)}, {_hex(b)}): expected {expected}, got {got!r}"
        if got == sum(x != y for x, y in zip(a, b)):
            raise Mismatch(what, "you counted the bytes that differ; count the bits: "
                                 "one byte holds 8 bits that can each flip")
        if got == sum(x != y for x, y in zip(a.hex(), b.hex())):
            raise Mismatch(what, "you counted hex digits that differ; one hex digit is 4 "
                                 "bits: XOR the bytes and count the 1 bits")
        if got == 8 * len(a) - expected:
            raise Mismatch(what, "you counted the bits that stayed the same; count the "
                                 "ones that differ (the 1 bits of x ^ y)")
        raise Mismatch(what)


KEYS = tuple(Wallet.from_seed(name).public_key for name in ("alice", "bob", "alice meter"))


@exercise("address_of", chapter=1, title="Derive an address from a public key",
          hint="'0x' + the hex of the last 20 bytes of sha256(public_key)")
def check_address_of(fn) -> None:
    for public_key in KEYS:
        expected = crypto.address_from_public_key(public_key)
        got = fn(public_key)
        if got == expected:
            continue
        what = f"address_of({_hex(public_key)}): expected {expected!r}, got {got!r}"
        digest = sha256(public_key)
        if isinstance(got, (bytes, bytearray)):
            raise Mismatch(what, "an address is text: '0x' followed by 40 hex digits "
                                 "(use .hex() on the bytes)")
        if got in (digest[-20:].hex(), digest[-20:].hex().upper()):
            raise Mismatch(what, "start the address with '0x'")
        if isinstance(got, str) and got.lower() == expected:
            raise Mismatch(what, "use lowercase hex digits, as bytes.hex() gives them")
        if got == "0x" + digest[:20].hex():
            raise Mismatch(what, "take the LAST 20 bytes of the hash: digest[-20:]")
        if got == "0x" + digest.hex():
            raise Mismatch(what, "an address is only 20 bytes: keep the last 20 of the 32")
        raise Mismatch(what)


METER = Wallet.from_seed("alice meter")
OTHER_METER = Wallet.from_seed("bob meter")
SIGNED = {"meter": METER.address, "slot": 48, "exported_wh": 1234}
SIGNATURE = METER.sign_message(SIGNED)


def _verify_cases() -> list[tuple[str, tuple, bool, str]]:
    """(what, arguments, expected answer, hint when the answer is wrong)."""
    forged = dict(SIGNED, exported_wh=2234)
    claims_alice = {"meter": METER.address, "slot": 48, "exported_wh": 5000}
    return [
        ("a genuine reading", (METER.public_key, SIGNED, SIGNATURE), True,
         "a reading signed by its own meter must verify: use verify_message(public_key, "
         "reading, signature) from minichain.wallet"),
        ("a reading whose Wh were changed after signing",
         (METER.public_key, forged, SIGNATURE), False,
         "the signature covers the exact reading: verify it, don't just check the fields"),
        ("a reading naming Alice's meter but signed by Bob's meter",
         (OTHER_METER.public_key, claims_alice, OTHER_METER.sign_message(claims_alice)), False,
         "the signature is valid for Bob's meter key, but the reading names Alice's meter: "
         "also check address_of(public_key) == reading['meter']"),
        ("a genuine signature with s flipped to n - s",
         (METER.public_key, SIGNED, crypto.flip_s(SIGNATURE)), False,
         "minichain accepts only low-S signatures: use verify_message (or crypto.verify), "
         "which applies that rule"),
        ("a signature cut to 63 bytes", (METER.public_key, SIGNED, SIGNATURE[:63]), False,
         "a malformed signature is simply not valid: return False"),
    ]


@exercise("verify_reading", chapter=1, title="Trust a reading only from its own meter",
          hint="return address_of(public_key) == reading['meter'] and "
               "verify_message(public_key, reading, signature)")
def check_verify_reading(fn) -> None:
    for what, args, expected, hint in _verify_cases():
        try:
            got = fn(*args)
        except NotImplementedError:
            raise
        except Exception as error:
            raise Mismatch(f"verify_reading on {what} raised {type(error).__name__}: {error}",
                           "return True or False; a bad signature is an answer (False), "
                           "not an error") from None
        if got != expected:
            raise Mismatch(f"verify_reading on {what}: expected {expected}, got {got!r}", hint)
