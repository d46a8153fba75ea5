"""Checks for the chapter 01 exercises: hashing, flipped bits, whole Wh, addresses, verifying, a reused k.

Each checker runs the learner's function on a few cases, compares with the library, and
recognises the usual wrong turns (a hex string instead of bytes, unsorted JSON, a float
for a whole number of Wh, the first 20 bytes instead of the last, a signature that
verifies but for the wrong meter, a digest without its domain tag) to give the hint that
fixes them. The chapter's three concept questions are registered here too.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import ecdsa
from ecdsa.util import sigencode_string

from minichain import cast, crypto
from minichain.checks import Mismatch, Mistake, compare, exercise, hint_for
from minichain.checks.quiz import concept
from minichain.encoding import encode, hash_of, sha256
from minichain.wallet import message_digest

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


# --- hash_reading ----------------------------------------------------------------------------

HASH_MISTAKES = (
    Mistake(message_digest, "message_digest adds a domain tag for signatures; here hash only "
                            "the canonical encoding: sha256(encode(reading))"),
    *(Mistake(lambda reading, dump=dump: sha256(dump(reading).encode()),
              "json.dumps and str keep the keys in the order given and add spaces; the "
              "canonical encoder sorts keys and has no spaces: use minichain.encoding.encode")
      for dump in (str, json.dumps, lambda r: json.dumps(r, sort_keys=True),
                   lambda r: json.dumps(r, separators=(",", ":")))),
)


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
        if got != expected:
            raise Mismatch(f"hash_reading({reading!r}): expected {_hex(expected)}, "
                           f"got {_hex(got)}", hint_for(got, HASH_MISTAKES, reading))


# --- count_flipped_bits ----------------------------------------------------------------------

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


BIT_MISTAKES = (
    Mistake(lambda a, b: sum(x != y for x, y in zip(a, b)),
            "you counted the bytes that differ; count the bits: one byte holds 8 bits that "
            "can each flip"),
    Mistake(lambda a, b: sum(x != y for x, y in zip(a.hex(), b.hex())),
            "you counted hex digits that differ; one hex digit is 4 bits: XOR the bytes and "
            "count the 1 bits"),
    Mistake(lambda a, b: 8 * len(a) - flipped_bits(a, b),
            "you counted the bits that stayed the same; count the ones that differ (the 1 "
            "bits of x ^ y)"),
)


@exercise("count_flipped_bits", chapter=1, title="Count the bits that differ",
          hint="XOR each pair of bytes and count the 1 bits: bin(x ^ y).count('1')")
def check_count_flipped_bits(fn) -> None:
    for a, b in BIT_CASES:
        compare(f"count_flipped_bits({_hex(a)}, {_hex(b)})", fn(a, b), flipped_bits(a, b),
                BIT_MISTAKES, (a, b))


# --- wh_from_kwh -----------------------------------------------------------------------------

KWH_TEXTS = ("1.234", "0.5", "12", "0", "0.007", "1.001", "4.35", "123456789.123",
             "9007199254740.993")


def wh_from_kwh_text(text: str) -> int:
    """Reference: kWh written with up to three decimals, as whole Wh (exact)."""
    return int(Fraction(text) * 1000)


KWH_MISTAKES = (
    Mistake(lambda text: round(float(text) * 1000),
            "rounding hides the float's error for small readings, but a float keeps only "
            "about 16 significant digits, so a large reading loses its last Wh: work with the "
            "digits as whole numbers (split the text at the dot)"),
    Mistake(lambda text: int(float(text) * 1000),
            "float('1.001') * 1000 is 1000.9999999999999 and int() cuts it to 1000: a float "
            "cannot hold 1.001 exactly. Split the text at the dot and work with whole numbers"),
    Mistake(lambda text: float(text) * 1000,
            "float(text) is a float, and a float cannot hold most decimals exactly: work "
            "with the digits as whole numbers (split the text at the dot) and return an int"),
    Mistake(lambda text: int(text.replace(".", "")),
            "pad the decimals to three digits: '0.5' kWh is 500 Wh, not 5"),
)


@exercise("wh_from_kwh", chapter=1, title="Whole watt-hours, without a float",
          hint="split the text at the dot: whole kWh * 1000 + the decimals padded to three "
               "digits (ljust(3, '0')); every step stays an int")
def check_wh_from_kwh(fn) -> None:
    for text in KWH_TEXTS:
        got = fn(text)
        expected = wh_from_kwh_text(text)
        if isinstance(got, (Decimal, Fraction)) and got == expected:
            raise Mismatch(f"wh_from_kwh({text!r}) returned {type(got).__name__} {got}",
                           "the value is right; return it as a plain int: int(...)")
        compare(f"wh_from_kwh({text!r})", got, expected, KWH_MISTAKES, (text,))


# --- address_of ------------------------------------------------------------------------------

KEYS = tuple(wallet.public_key for wallet in (cast.wallet("alice"), cast.wallet("bob"),
                                              cast.meter("alice")))

ADDRESS_MISTAKES = (
    Mistake(lambda key: sha256(key)[-20:].hex(), "start the address with '0x'"),
    Mistake(lambda key: sha256(key)[-20:].hex().upper(), "start the address with '0x'"),
    Mistake(lambda key: "0x" + sha256(key)[-20:].hex().upper(),
            "use lowercase hex digits, as bytes.hex() gives them"),
    Mistake(lambda key: "0x" + sha256(key)[:20].hex(),
            "take the LAST 20 bytes of the hash: digest[-20:]"),
    Mistake(lambda key: "0x" + sha256(key).hex(),
            "an address is only 20 bytes: keep the last 20 of the 32"),
)


@exercise("address_of", chapter=1, title="Derive an address from a public key",
          hint="'0x' + the hex of the last 20 bytes of sha256(public_key)")
def check_address_of(fn) -> None:
    for public_key in KEYS:
        expected = crypto.address_from_public_key(public_key)
        got = fn(public_key)
        call = f"address_of({_hex(public_key)})"
        if isinstance(got, (bytes, bytearray)):
            raise Mismatch(f"{call}: expected {expected!r}, got {_hex(got)}",
                           "an address is text: '0x' followed by 40 hex digits (use .hex() "
                           "on the bytes)")
        compare(call, got, expected, ADDRESS_MISTAKES, (public_key,))


# --- verify_reading --------------------------------------------------------------------------

METER = cast.meter("alice")
OTHER_METER = cast.meter("bob")
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


# --- recover_key -----------------------------------------------------------------------------

N = crypto.CURVE_ORDER


def _number(value: object) -> str:
    """A whole number as digits, shortened when long; anything else as its repr."""
    try:
        digits = str(int(value)) if int(value) == value else repr(value)
    except (TypeError, ValueError):
        return repr(value)
    return digits if len(digits) <= 24 else f"{digits[:12]}…{digits[-6:]} ({len(digits)} digits)"


def broken_signature(secret: int, reading: dict, k: int) -> bytes:
    """A plain ECDSA signature r || s made with a fixed nonce ``k`` (what a faulty meter does)."""
    key = ecdsa.SigningKey.from_secret_exponent(secret, curve=crypto.CURVE)
    return key.sign_digest(message_digest(reading), k=k, sigencode=sigencode_string)


def _recover(reading1, signature1, reading2, signature2, digest=message_digest,
             order="big", modulo=True, give="d"):
    """The algebra of chapter 01, with switches that model the usual slips."""
    z1, z2 = (int.from_bytes(digest(r), "big") for r in (reading1, reading2))
    r, s1 = (int.from_bytes(part, order) for part in (signature1[:32], signature1[32:]))
    s2 = int.from_bytes(signature2[32:], order)
    wrap = (lambda x: x % N) if modulo else (lambda x: x)
    k = wrap((z1 - z2) * pow(s1 - s2, -1, N))
    return k if give == "k" else wrap((s1 * k - z1) * pow(r, -1, N))


RECOVER_MISTAKES = (
    Mistake(lambda *a: _recover(*a, digest=lambda r: sha256(encode(r))),
            "the meter signs message_digest(reading), the domain tag plus the encoding, not "
            "sha256(encode(reading)): z = int.from_bytes(message_digest(reading), 'big')"),
    Mistake(lambda *a: _recover(*a, give="k"),
            "that is k, the nonce; the key follows from it: d = (s1 * k - z1) / r (mod n)"),
    Mistake(lambda *a: _recover(*a, modulo=False),
            "work modulo n = crypto.CURVE_ORDER: take % n after each step, so the key is a "
            "number between 1 and n - 1"),
    Mistake(lambda *a: _recover(*a, order="little"),
            "r and s are big-endian: int.from_bytes(part, 'big')"),
)

STUCK = ((cast.meter_seed("dave"), 123_456_789, 48, 49),
         (cast.meter_seed("erin"), 987_654_321_987, 60, 61),
         (cast.SPARE_METER, 2**200 + 7, 10, 90))


def _recover_cases() -> list[tuple[str, tuple, int]]:
    cases = []
    for seed, k, slot1, slot2 in STUCK:
        meter = cast.wallet(seed)
        readings = [{"meter": meter.address, "slot": slot, "exported_wh": 100 + 7 * slot}
                    for slot in (slot1, slot2)]
        secret = meter.key.secret
        args = (readings[0], broken_signature(secret, readings[0], k),
                readings[1], broken_signature(secret, readings[1], k))
        cases.append((f"recover_key(slots {slot1} and {slot2} of {seed})", args, secret))
    return cases


@exercise("recover_key", chapter=1, title="A reused nonce gives the key away",
          hint="z = int.from_bytes(message_digest(reading), 'big') for each reading; r and s "
               "are the two 32-byte halves of a signature; k = (z1 - z2) * pow(s1 - s2, -1, n) "
               "% n and d = (s1 * k - z1) * pow(r, -1, n) % n with n = crypto.CURVE_ORDER")
def check_recover_key(fn) -> None:
    for call, args, secret in _recover_cases():
        got = fn(*args)
        if isinstance(got, float):
            raise Mismatch(f"{call} returned a float",
                           "dividing modulo n is multiplying by an inverse: pow(x, -1, n), "
                           "then % n; / gives a float and loses the key's digits")
        if got != secret:
            raise Mismatch(f"{call}: got {_number(got)}, which is not the meter's key (it does "
                           "not give the meter's public key)",
                           hint_for(got, RECOVER_MISTAKES, *args))


# --- concept questions -----------------------------------------------------------------------

concept(1, "Alice's reading changes by one Wh. How alike are the SHA-256 hashes of the old and "
           "the new reading?",
        ["almost the same: only a bit or two differ",
         "about half of the 256 bits differ, with no pattern",
         "the hashes are equal, because the readings are nearly equal"],
        answer="b", why="the avalanche effect: a hash says only whether two inputs are the "
                        "same, never how close they are",
        nudges={"a": "count them in the chapter's histogram: around 128 of 256 flip",
                "c": "equal hashes would mean the hash cannot tell the readings apart; it "
                     "is built so that any change scrambles it"})
concept(1, "Bob checks a reading's signature with a public key, and it verifies. What does "
           "he now know?",
        ["that whoever holds that key's private key signed exactly these bytes; he still "
         "has to check that the key is the meter the reading names",
         "that the reading came from Alice's meter",
         "that the Wh in the reading were really delivered"],
        answer="a", why="a signature binds bytes to a key, nothing more: matching the key to "
                        "the meter (its address) is a separate check",
        nudges={"b": "any meter can sign a reading that names Alice's meter: compare "
                     "address_of(public_key) with reading['meter'] too",
                "c": "a signature vouches for who signed, not for the physics; chapter 10 "
                     "checks deliveries against readings"})
concept(1, "What does the low-S rule guarantee about a meter's signatures?",
        ["every reading has exactly one valid signature",
         "the nonce k can never be reused",
         "nobody without the key can turn a valid signature into a second valid one; the "
         "meter itself could still sign again with another nonce"],
        answer="c", why="(r, n - s) is refused, so a stranger cannot flip s; a signer who "
                        "picks another k gets another valid (r, s), which is why payments "
                        "are counted by nonce, not by signature",
        nudges={"a": "the signer can make others: another k gives another r and s, and both "
                     "verify",
                "b": "reusing k is prevented by RFC 6979 (k derived from the key and the "
                     "message), not by the low-S rule"})
