"""Solutions to the chapter 01 exercises (try them yourself first!)."""

from minichain import crypto
from minichain.encoding import encode, sha256
from minichain.wallet import message_digest, verify_message


def hash_reading(reading):
    """The SHA-256 of a reading's canonical encoding, as 32 bytes."""
    return sha256(encode(reading))


def count_flipped_bits(a, b):
    """How many bit positions differ between two byte strings of equal length."""
    return sum(bin(x ^ y).count("1") for x, y in zip(a, b))


def wh_from_kwh(text):
    """kWh written with up to three decimals ("1.234") as whole Wh (1234), with ints only."""
    whole, _, decimals = text.partition(".")
    return int(whole) * 1000 + int(decimals.ljust(3, "0"))


def address_of(public_key):
    """'0x' + the last 20 bytes of SHA-256 of the compressed public key, in hex."""
    return "0x" + sha256(public_key)[-20:].hex()


def verify_reading(public_key, reading, signature):
    """True only if the key belongs to the meter named in the reading and signed it."""
    return address_of(public_key) == reading["meter"] and \
        verify_message(public_key, reading, signature)


def recover_key(reading1, signature1, reading2, signature2):
    """The private key of a meter that signed two readings with the same nonce k."""
    n = crypto.CURVE_ORDER
    z1 = int.from_bytes(message_digest(reading1), "big")
    z2 = int.from_bytes(message_digest(reading2), "big")
    r = int.from_bytes(signature1[:32], "big")
    s1 = int.from_bytes(signature1[32:], "big")
    s2 = int.from_bytes(signature2[32:], "big")
    k = (z1 - z2) * pow(s1 - s2, -1, n) % n
    return (s1 * k - z1) * pow(r, -1, n) % n
