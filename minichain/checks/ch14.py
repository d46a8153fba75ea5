"""Checks for the chapter 14 exercises: an Ethereum address, a genesis file's signers, a city's blocks, Vyper.

Each checker holds the learner's answer against the library that the chapter's tests
check against independent tools: ``realworld.addresses.ethereum_address`` (eth-keys) for
an address, ``realworld.genesis.signers_of`` (the EIP-225 layout) for a genesis file's
signers, ``realworld.scale.blocks_needed`` for a city's blocks, and
``market.reputation.score`` for the learner's Vyper port of the reputation score, which
the checker compiles with the real Vyper compiler and runs on py-evm through titanoboa
(where the kernel has them; elsewhere the verdict says it was not checked and how to
install them). The usual wrong turns get the hint that fixes them: SHA-256 or NIST's
SHA3-256 instead of Keccak-256, the first 20 bytes, the 0x04 prefix, no ``0x``, the
checksummed spelling; the vanity or the seal read as signers, offsets in hex characters;
dividing the total gas, rounding down, forgetting the fixed gas or the orders per home;
``/`` in Vyper, a function that is not ``@external``, the plain average, the prior weight
or the milli-stars left out.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable

from minichain import cast
from minichain.checks import FORGOT_RETURN, Mismatch, Mistake, Unavailable, compare, exercise
from minichain.checks.quiz import concept
from minichain.market.reputation import PRIOR_SCORE, PRIOR_WEIGHT, Record, score
from minichain.realworld.addresses import checksummed, ethereum_address, uncompressed_public_key
from minichain.realworld.genesis import (BESU, SEAL_BYTES, VANITY_BYTES, clique_genesis,
                                         signers_of)
from minichain.realworld.keccak import keccak256
from minichain.realworld.scale import blocks_needed, orders_per_block

# --- ethereum_address_of -------------------------------------------------------------------

ADDRESS_CASES = ("alice", "grid-operator", "bob-meter", "zoe")


def _hex_address(digest: bytes) -> str:
    return "0x" + digest.hex()


def _compressed(xy: bytes) -> bytes:
    return bytes([2 + (xy[-1] & 1)]) + xy[:32]


ADDRESS_MISTAKES = [
    Mistake(lambda xy: _hex_address(hashlib.sha256(xy).digest()[-20:]),
            "Ethereum hashes with Keccak-256 (minichain.realworld.keccak.keccak256), not "
            "SHA-256: SHA-256 is minichain's own hash"),
    Mistake(lambda xy: _hex_address(hashlib.sha3_256(xy).digest()[-20:]),
            "hashlib.sha3_256 is NIST's SHA3-256: the same sponge as Keccak-256 with another "
            "padding byte, so every digest differs; use keccak256 from "
            "minichain.realworld.keccak"),
    Mistake(lambda xy: _hex_address(keccak256(xy)[:20]),
            "the address is the LAST 20 bytes of the 32-byte hash, not the first"),
    Mistake(lambda xy: _hex_address(keccak256(b"\x04" + xy)[-20:]),
            "hash only the 64 bytes x || y: the 0x04 byte that says 'uncompressed' is not "
            "part of what Ethereum hashes"),
    Mistake(lambda xy: _hex_address(keccak256(_compressed(xy))[-20:]),
            "Ethereum hashes the uncompressed key (x || y, 64 bytes), not the 33-byte "
            "compressed one minichain uses"),
    Mistake(lambda xy: keccak256(xy)[-20:].hex(),
            "write the address as text: '0x' followed by 40 lowercase hex digits"),
    Mistake(lambda xy: checksummed(_hex_address(keccak256(xy)[-20:])),
            "right address, wrong spelling: return it lowercase, as minichain writes "
            "addresses; the EIP-55 capitals (checksummed) are for showing it to people"),
    Mistake(lambda xy: keccak256(xy)[-20:],
            "return text, '0x' followed by 40 hex digits, not the 20 raw bytes"),
]


@exercise("ethereum_address_of", chapter=14, title="An Ethereum address from a key",
          hint="'0x' + the last 20 bytes of keccak256(xy), in lowercase hex")
def check_ethereum_address_of(fn: Callable) -> None:
    for name in ADDRESS_CASES:
        public_key = cast.wallet(name).public_key
        xy = uncompressed_public_key(public_key)
        compare(f"ethereum_address_of(<{name}'s 64-byte key>)", fn(xy),
                ethereum_address(public_key), ADDRESS_MISTAKES, (xy,),
                hint="keccak256 of the 64 bytes, keep the last 20, write '0x' + hex")


# --- genesis_signers -------------------------------------------------------------------------

def _chunks(body: bytes) -> list[str]:
    return ["0x" + body[i:i + 20].hex() for i in range(0, len(body), 20)]


def _text_chunks(text: str) -> list[str]:
    return ["0x" + text[i:i + 40] for i in range(0, len(text), 40)]


def _extra(genesis: dict) -> bytes:
    return bytes.fromhex(genesis["extraData"][2:])


SIGNER_MISTAKES = [
    Mistake(lambda g: _chunks(_extra(g)[:-SEAL_BYTES]),
            "skip the first 32 bytes: they are the vanity, free bytes any sealer may fill, "
            "not a signer"),
    Mistake(lambda g: _chunks(_extra(g)[VANITY_BYTES:]),
            "leave out the last 65 bytes: they are where a block's seal (its signature) goes, "
            "zero in a genesis, not a signer"),
    Mistake(lambda g: _chunks(_extra(g)),
            "extraData is 32 bytes of vanity, then the signers, then a 65-byte seal: read "
            "only the middle part"),
    Mistake(lambda g: _text_chunks(g["extraData"][2:][VANITY_BYTES:-SEAL_BYTES]),
            "the offsets 32 and 65 count bytes, and in hex text each byte is two characters: "
            "turn the text into bytes first (bytes.fromhex, without the '0x')"),
    Mistake(lambda g: _text_chunks(g["extraData"][VANITY_BYTES:-SEAL_BYTES]),
            "the offsets 32 and 65 count bytes, and in hex text each byte is two characters "
            "(and the text starts with '0x'): turn it into bytes first"),
    Mistake(lambda g: [a[2:] for a in signers_of(g)],
            "write each signer as text: '0x' followed by 40 lowercase hex digits"),
    Mistake(lambda g: [bytes.fromhex(a[2:]) for a in signers_of(g)],
            "return the signers as text ('0x' + 40 hex digits), not raw bytes"),
    Mistake(lambda g: [checksummed(a) for a in signers_of(g)],
            "right signers, wrong spelling: return them lowercase, as minichain writes "
            "addresses"),
    Mistake(lambda g: tuple(signers_of(g)), "return a list, in the order extraData holds them"),
]


def _keys(*names: str) -> list[bytes]:
    return [cast.wallet(name).public_key for name in names]


def _with_vanity(genesis: dict, vanity: bytes) -> dict:
    """The same genesis with ``vanity`` (padded to 32 bytes) at the front of extraData."""
    extra = _extra(genesis)
    return {**genesis, "extraData": "0x" + (vanity.ljust(VANITY_BYTES, b"\0") +
                                            extra[VANITY_BYTES:]).hex()}


SIGNER_CASES: list[tuple[str, Callable[[], dict]]] = [
    ("Sunny Street's three authorities, for geth",
     lambda: clique_genesis(_keys(*cast.AUTHORITIES))),
    ("one signer", lambda: clique_genesis(_keys("grid-operator"))),
    ("five signers, for Besu",
     lambda: clique_genesis(_keys(*cast.AUTHORITIES, "fifth-authority", "alice"), client=BESU)),
    ("a vanity that says 'Sunny Street'",
     lambda: _with_vanity(clique_genesis(_keys(*cast.AUTHORITIES)), b"Sunny Street")),
]


@exercise("genesis_signers", chapter=14, title="Read a genesis file's signers",
          hint="extraData without its '0x', as bytes: skip 32 bytes of vanity, drop the last "
               "65 bytes of seal, and cut the rest into 20-byte addresses ('0x' + hex)")
def check_genesis_signers(fn: Callable) -> None:
    for what, make in SIGNER_CASES:
        genesis = make()
        compare(f"genesis_signers(<{what}>)", fn(dict(genesis)), signers_of(genesis),
                SIGNER_MISTAKES, (genesis,),
                hint="bytes 32 up to the last 65 of extraData, 20 bytes per signer")


# --- blocks_for_city ---------------------------------------------------------------------------

# Lines through two measured clearings (gas per order, fixed gas), rounded: the EVM's and
# minichain's through benchmarks/bench_evm.py's books of 100 and 1,000 orders (9,654,198
# and 89,071,012 gas on the EVM; 1,356,753 and 13,119,891 on minichain).
EVM_LINE = (88_240, 830_000)
MINICHAIN_LINE = (13_070, 50_000)
BLOCK = 30_000_000

CITY_CASES: list[tuple[str, tuple[int, int, int, int, int]]] = [
    ("a city of 100,000 homes, 2 orders each, on the EVM", (100_000, 2, *EVM_LINE, BLOCK)),
    ("the same city on minichain's machine", (100_000, 2, *MINICHAIN_LINE, BLOCK)),
    ("Sunny Street, 20 homes, 2 orders each, on the EVM", (20, 2, *EVM_LINE, BLOCK)),
    ("3 homes, 1 order each, 10 gas per order, 5 fixed, blocks of 25 (2 orders fit)",
     (3, 1, 10, 5, 25)),
    ("8 orders, 2 fit a block: exactly 4 blocks", (8, 1, 100, 0, 200)),
    ("a town of 2,500 homes posting 4 orders each, on the EVM", (2_500, 4, *EVM_LINE, BLOCK)),
    ("no homes at all", (0, 2, *EVM_LINE, BLOCK)),
]


def blocks_for_city_reference(homes: int, orders_per_home: int, gas_per_order: int,
                              fixed_gas: int, block_gas_limit: int) -> int:
    """Blocks to clear a city's orders in books that each fit one block."""
    return blocks_needed(homes * orders_per_home, gas_per_order, fixed_gas, block_gas_limit)


CITY_MISTAKES = [
    Mistake(lambda h, o, per, fixed, limit: -(-(h * o * per + fixed) // limit),
            "each block clears its own book and pays the fixed gas again: first find how many "
            "orders fit one block, (block gas - fixed) // gas per order, then divide the "
            "orders by that"),
    Mistake(lambda h, o, per, fixed, limit: h * o // orders_per_block(per, fixed, limit),
            "round up: the last book is smaller, but it still needs a block of its own"),
    Mistake(lambda h, o, per, fixed, limit: -(-(h * o) // (limit // per)),
            "a block holds the fixed gas too: subtract it before dividing by the gas per order"),
    Mistake(lambda h, o, per, fixed, limit: -(-h // orders_per_block(per, fixed, limit)),
            "every home posts orders_per_home orders: count orders, not homes"),
]


@exercise("blocks_for_city", chapter=14, title="A city's blocks per slot",
          hint="orders = homes * orders_per_home; one block clears "
               "(block_gas_limit - fixed_gas) // gas_per_order of them; round the number of "
               "blocks up")
def check_blocks_for_city(fn: Callable) -> None:
    for what, inputs in CITY_CASES:
        compare(f"blocks_for_city{inputs} ({what})", fn(*inputs),
                blocks_for_city_reference(*inputs), CITY_MISTAKES, inputs)


# --- score_in_vyper ------------------------------------------------------------------------------

SCORE_CASES = ((5, 1), (7, 2), (0, 0), (24, 6), (37, 12), (500, 100))
VYPER_HINT = ("a contract with `@external` and `@pure` (or `@view`) over "
              "`def score(stars: uint256, ratings: uint256) -> uint256:` that returns "
              f"({PRIOR_WEIGHT} * {PRIOR_SCORE} + 1000 * stars) // ({PRIOR_WEIGHT} + ratings)")
INSTALL = ("the Vyper compiler and titanoboa are not installed here (a browser kernel cannot "
           "install them); to check your contract: pip install 'minichain[evm]'")

SCORE_MISTAKES = [
    Mistake(lambda s, r: 1000 * s // r,
            "that is the plain average: count PRIOR_WEIGHT = 5 imaginary ratings of "
            "PRIOR_SCORE = 3000 milli-stars in, as chapter 10's score does"),
    Mistake(lambda s, r: (PRIOR_SCORE + 1000 * s) // (1 + r),
            "the prior weighs as 5 ratings, not 1: (5 * 3000 + 1000 * stars) // (5 + ratings)"),
    Mistake(lambda s, r: (PRIOR_WEIGHT * 3 + s) // (PRIOR_WEIGHT + r),
            "the score is in milli-stars: three stars are 3000 and each star counts 1000"),
    Mistake(lambda s, r: (PRIOR_WEIGHT * 3 + 1000 * s) // (PRIOR_WEIGHT + r),
            "the prior score is 3000 milli-stars (three stars), not 3"),
    Mistake(lambda s, r: (PRIOR_WEIGHT * PRIOR_SCORE + s) // (PRIOR_WEIGHT + r),
            "each star counts 1000 milli-stars: 1000 * stars"),
]


def _toolchain() -> Any:
    """titanoboa (which brings py-evm) and the Vyper compiler, or Unavailable."""
    from minichain.teach import missing
    if missing(("vyper", "boa")):
        raise Unavailable(INSTALL)
    import boa
    return boa


def _compiled(boa: Any, source: str) -> Any:
    """The learner's contract compiled by Vyper and deployed on a fresh py-evm chain."""
    from vyper.exceptions import VyperException
    try:
        with boa.swap_env(boa.Env()):
            return boa.loads(source, name="score_in_vyper")
    except VyperException as refused:
        message = getattr(refused, "message", "") or str(refused).splitlines()[0]
        hint = getattr(refused, "hint", None)
        raise Mismatch(f"the Vyper compiler refused your contract: {message}",
                       f"Vyper says: {hint}" if hint else VYPER_HINT) from None


@exercise("score_in_vyper", chapter=14, title="Port the reputation score to Vyper",
          hint=VYPER_HINT)
def check_score_in_vyper(fn: Callable) -> None:
    source = fn()
    if source is None:
        raise Mismatch("score_in_vyper() returned None", FORGOT_RETURN)
    if not isinstance(source, str):
        raise Mismatch(f"score_in_vyper() returned {type(source).__name__}",
                       "return the contract's source as text (a string), e.g. in triple quotes")
    boa = _toolchain()
    contract = _compiled(boa, source)
    if not hasattr(contract, "score"):
        raise Mismatch("your contract has no function `score` that anyone can call",
                       "name the function `score` and mark it `@external`: without it a "
                       "function is internal and no transaction can reach it")
    for stars, ratings in SCORE_CASES:
        expected = score(Record(stars=stars, ratings=ratings))
        call = f"score({stars}, {ratings}) on the EVM"
        try:
            got = contract.score(stars, ratings)
        except boa.BoaError:
            raise Mismatch(f"{call} reverted", "a newcomer has no ratings yet: a plain "
                           "average divides by zero there, while the Bayesian score counts "
                           f"{PRIOR_WEIGHT} imaginary ratings of {PRIOR_SCORE} in") from None
        compare(call, got, expected, SCORE_MISTAKES, (stars, ratings), hint=VYPER_HINT)


# --- concept questions ---------------------------------------------------------------------------

concept(14, "Alice's minichain address and her Ethereum address differ, although both come "
            "from the same secp256k1 key pair. Why?",
        ["each system hashes the same public key differently: SHA-256 of the 33-byte "
         "compressed key in minichain, Keccak-256 of the 64-byte uncompressed key on Ethereum",
         "Ethereum uses a different elliptic curve, so the key pair is a different one",
         "an Ethereum address also contains the chain id, so it changes per network",
         "minichain draws a fresh random key in every run"],
        answer="a",
        why="one key pair, two hash rules: the chapter derives both addresses from Alice's "
            "public key without touching her private key",
        nudges={"b": "both use secp256k1: that is why the same key pair works on both",
                "c": "an address is the same on every Ethereum network; the chain id goes "
                     "into each signed transaction instead",
                "d": "keys come from names (Wallet.from_seed), so every run gives the same"})

concept(14, "Sunny Street's three authorities move to a QBFT network on Besu. A QBFT network "
            "of n validators stays safe and live with f faulty ones (stopped, or lying) "
            "when n >= 3f + 1. How many faulty authorities can the street's network survive?",
        ["none: 3 >= 3f + 1 holds only for f = 0; surviving one faulty validator needs four",
         "one: two of three is still a majority",
         "two: one honest validator is enough to seal"],
        answer="a",
        why="bft_fault_tolerance(3) is 0 and bft_fault_tolerance(4) is 1: each block needs "
            "two thirds of the validators, and a liar among three can make up two thirds "
            "with either honest one, for two different blocks",
        nudges={"b": "a simple majority is what Clique needs to stay live; with one liar "
                     "among three, the liar and either honest validator make two thirds, "
                     "and can do so for two conflicting blocks",
                "c": "one validator alone is never two thirds of three"})

concept(14, "A city of 100,000 homes brings about 200,000 orders every 15 minutes, and one "
            "30 M-gas block of the real EVM clears a book of about 310. What do production "
            "designs such as Grid Singularity's do?",
        ["match the orders off chain and settle, or check the matching, on chain",
         "raise the block gas limit more than 600 times",
         "clear every order in a block of its own",
         "trade once an hour instead of every 15 minutes"],
        answer="a",
        why="sorting and walking a book is cheap off chain; what needs the chain is that "
            "everyone can check the result and that money moves only as the rules say",
        nudges={"b": "every node must run every block in time: a block 600 times larger "
                     "is a chain 600 times slower for everyone",
                "c": "an auction needs the whole book at once: one order per block cannot "
                     "find the price where supply meets demand",
                "d": "the grid balances every 15 minutes (or less); longer slots trade energy "
                     "that was never there at that moment"})
