"""Ethereum addresses from minichain's keys, and the EIP-55 checksum (chapter 14).

A minichain address is the last 20 bytes of SHA-256 of the *compressed* public key
(chapter 01). Ethereum takes the same secp256k1 key pair and hashes differently: the last
20 bytes of Keccak-256 of the *uncompressed* public key, x and y as 32 bytes each (64
bytes, without the 0x04 prefix byte). So one wallet has two addresses, one per system,
and ``ethereum_address(wallet.public_key)`` finds the second without the private key.

Ethereum writes addresses in hex. EIP-55 hides a checksum in the letters' case: hash the
lowercase hex digits (as text) with Keccak-256; a letter is upper case when the matching
hex digit of that hash is 8 or more. A typo then usually breaks the checksum, and
wallets refuse the address instead of sending money nowhere.
"""

from __future__ import annotations

import ecdsa

from minichain.errors import CryptoError
from minichain.realworld.keccak import keccak256

ADDRESS_BYTES = 20
HEX_DIGITS = "0123456789abcdef"


def uncompressed_public_key(public_key: bytes) -> bytes:
    """The 64 bytes x || y of a secp256k1 public key given compressed (33), raw (64) or with 0x04 (65)."""
    if not isinstance(public_key, (bytes, bytearray)) or len(public_key) not in (33, 64, 65):
        raise CryptoError("a public key is 33 bytes (compressed), 64 bytes (x || y) or 65 "
                          f"bytes (0x04 || x || y), got {public_key!r}")
    try:
        point = ecdsa.VerifyingKey.from_string(bytes(public_key), curve=ecdsa.SECP256k1)
    except (ValueError, ecdsa.errors.MalformedPointError) as bad:
        raise CryptoError(f"not a point on secp256k1: {bad}") from None
    return point.to_string("raw")


def ethereum_address(public_key: bytes) -> str:
    """The Ethereum address of a public key: '0x' + 40 lowercase hex digits."""
    return "0x" + keccak256(uncompressed_public_key(public_key))[-ADDRESS_BYTES:].hex()


def address_bytes(address: str) -> bytes:
    """The 20 bytes of an address written as '0x' + 40 hex digits (any case)."""
    if (not isinstance(address, str) or len(address) != 2 + 2 * ADDRESS_BYTES
            or not address.startswith("0x")
            or any(c not in HEX_DIGITS for c in address[2:].lower())):
        raise CryptoError(f"an Ethereum address is '0x' and 40 hex digits, got {address!r}")
    return bytes.fromhex(address[2:])


def checksummed(address: str) -> str:
    """The EIP-55 spelling of an address: upper-case letters where the hash of the hex says so."""
    digits = address_bytes(address).hex()
    hashed = keccak256(digits.encode("ascii")).hex()
    return "0x" + "".join(c.upper() if c in "abcdef" and int(h, 16) >= 8 else c
                          for c, h in zip(digits, hashed))


def is_checksummed(address: str) -> bool:
    """True when an address is spelled exactly as EIP-55 says (all-lowercase does not count)."""
    try:
        return checksummed(address) == address
    except CryptoError:
        return False
