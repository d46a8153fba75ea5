"""Solutions to the chapter 01 exercises (try them yourself first!)."""

from minichain.encoding import encode, sha256
from minichain.wallet import verify_message


def hash_reading(reading):
    """The SHA-256 of a reading's canonical encoding, as 32 bytes."""
    return sha256(encode(reading))


def count_flipped_bits(a, b):
    """How many bit positions differ between two byte strings of equal length."""
    return sum(bin(x ^ y).count("1") for x, y in zip(a, b))


def address_of(public_key):
    """'0x' + the last 20 bytes of SHA-256 of the compressed public key, in hex."""
    return "0x" + sha256(public_key)[-20:].hex()


def verify_reading(public_key, reading, signature):
    """True only if the key belongs to the meter named in the reading and signed it."""
    return address_of(public_key) == reading["meter"] and \
        verify_message(public_key, reading, signature)
