"""Keccak-256, the hash Ethereum uses for addresses, in plain Python (chapter 14).

minichain hashes with SHA-256 (chapter 01). Ethereum uses Keccak-256: the Keccak sponge as
it was submitted to the SHA-3 competition, before NIST standardised it as SHA3-256 with a
different padding byte. Same permutation, same rate, one byte apart in the padding, and
completely different digests, which is why ``hashlib.sha3_256`` is *not* Ethereum's hash.

The sponge, in four lines of prose:

* the state is 25 lanes of 64 bits (1,600 bits), all zero at the start;
* the message is padded (a 0x01 byte, zeros, and 0x80 on the last byte of the block) to a
  multiple of the *rate*, 136 bytes for a 256-bit digest (the other 64 bytes of the state,
  the *capacity*, are never touched by input or output);
* each 136-byte block is XORed into the first 17 lanes (little-endian), then the state is
  stirred by the permutation Keccak-f[1600]: 24 rounds of theta, rho, pi, chi and iota;
* the digest is the first 32 bytes of the state.

The rotation offsets and round constants are computed from their definitions below, not
copied from a table. Pure Python: slow (a millisecond or so per 136-byte block) but
plenty for addresses and genesis files. Tests check it against an independent implementation.
"""

from __future__ import annotations

from minichain.errors import EncodingError

LANE_BITS = 64
LANE_MASK = (1 << LANE_BITS) - 1
ROUNDS = 24
RATE_BYTES = 136          # 1600 - 2 * 256 bits, in bytes
DIGEST_BYTES = 32
KECCAK_PADDING = 0x01     # SHA3-256 uses 0x06 here: the one difference from Ethereum's hash


def _rotate_left(lane: int, bits: int) -> int:
    """A 64-bit lane rotated left by ``bits``."""
    bits %= LANE_BITS
    return ((lane << bits) | (lane >> (LANE_BITS - bits))) & LANE_MASK


def _rotation_offsets() -> list[list[int]]:
    """rho's offsets: lane (x, y) turns by (t + 1)(t + 2) / 2 bits, walking (x, y) -> (y, 2x + 3y)."""
    offsets = [[0] * 5 for _ in range(5)]
    x, y = 1, 0
    for t in range(24):
        offsets[x][y] = ((t + 1) * (t + 2) // 2) % LANE_BITS
        x, y = y, (2 * x + 3 * y) % 5
    return offsets


def _round_constants() -> list[int]:
    """iota's constants: bits of a linear feedback shift register (x^8 + x^6 + x^5 + x^4 + 1)."""
    register = 1

    def next_bit() -> int:
        nonlocal register
        bit = register & 1
        register <<= 1
        if register & 0x100:
            register ^= 0x171           # reduce by the feedback polynomial
        return bit

    constants = []
    for _ in range(ROUNDS):
        constant = 0
        for j in range(7):              # bits 2**j - 1 of the lane: 0, 1, 3, 7, 15, 31, 63
            if next_bit():
                constant |= 1 << ((1 << j) - 1)
        constants.append(constant)
    return constants


ROTATION_OFFSETS = _rotation_offsets()
ROUND_CONSTANTS = _round_constants()


def keccak_f1600(lanes: list[int]) -> list[int]:
    """The permutation: 24 rounds over 25 lanes, lane (x, y) at index x + 5 * y."""
    state = list(lanes)
    for constant in ROUND_CONSTANTS:
        # theta: every bit absorbs the parity of two nearby columns
        parity = [state[x] ^ state[x + 5] ^ state[x + 10] ^ state[x + 15] ^ state[x + 20]
                  for x in range(5)]
        for x in range(5):
            mix = parity[(x - 1) % 5] ^ _rotate_left(parity[(x + 1) % 5], 1)
            for y in range(5):
                state[x + 5 * y] ^= mix
        # rho and pi: turn every lane, then move lane (x, y) to (y, 2x + 3y)
        moved = [0] * 25
        for x in range(5):
            for y in range(5):
                moved[y + 5 * ((2 * x + 3 * y) % 5)] = _rotate_left(state[x + 5 * y],
                                                                     ROTATION_OFFSETS[x][y])
        # chi: the only non-linear step, along each row
        for y in range(5):
            row = moved[5 * y:5 * y + 5]
            for x in range(5):
                state[x + 5 * y] = row[x] ^ (~row[(x + 1) % 5] & row[(x + 2) % 5] & LANE_MASK)
        # iota: break the symmetry between rounds
        state[0] ^= constant
    return state


def pad(message: bytes) -> bytes:
    """Keccak's pad10*1: the padding byte, zeros, and the top bit of the block's last byte."""
    padded = bytearray(message)
    padded.append(KECCAK_PADDING)
    padded.extend(bytes(-len(padded) % RATE_BYTES))
    padded[-1] |= 0x80
    return bytes(padded)


def keccak256(message: bytes) -> bytes:
    """Ethereum's Keccak-256 digest of ``message`` (32 bytes)."""
    if not isinstance(message, (bytes, bytearray)):
        raise EncodingError(f"keccak256 hashes bytes, got {type(message).__name__}; "
                            "encode text first, e.g. text.encode('utf-8')")
    lanes = [0] * 25
    padded = pad(bytes(message))
    for start in range(0, len(padded), RATE_BYTES):
        block = padded[start:start + RATE_BYTES]
        for i in range(RATE_BYTES // 8):
            lanes[i] ^= int.from_bytes(block[8 * i:8 * i + 8], "little")
        lanes = keccak_f1600(lanes)
    return b"".join(lane.to_bytes(8, "little") for lane in lanes[:DIGEST_BYTES // 8])
