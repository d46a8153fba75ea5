"""Checks for the chapter 03 exercises: parent links, Merkle roots, proofs, tampering, its error.

Each checker runs the learner's function on cases built from the chapter's story (Bob pays
Alice for the surplus of her rooftop PV at 20 ct/kWh; the grid operator seals every
block), compares with the library, and recognises the usual wrong turns (leaves hashed
without their prefix, Bitcoin's duplicated odd node, the sibling on the wrong side, a
position in the list instead of a block number, a valid block that does not sit on the
block before it, the base class instead of the error's own name) to give the hint that
fixes them. The chapter's three concept questions are registered here too.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

from minichain import cast
from minichain.block import Block, seal_header, transactions_root
from minichain.chain import GENESIS_TIME, Chain, Genesis, verify_chain
from minichain.checks import Mismatch, Mistake, exercise, hint_for
from minichain.checks.quiz import concept
from minichain.encoding import encode, sha256
from minichain.errors import InvalidBlock
from minichain.market.units import amount_for, cents_per_kwh
from minichain.merkle import (EMPTY_ROOT, LEAF_PREFIX, NODE_PREFIX, ProofStep, leaf_hash,
                              merkle_proof, merkle_root)
from minichain.wallet import Wallet

PRICE = cents_per_kwh(20)                    # µ€ per kWh: Bob pays Alice 20 ct/kWh
OPENING = 10_000_000                         # µ€: Bob starts with €10
SURPLUS = (900, 1200, 1500, 1650, 1800, 1800, 1650, 1500, 1200, 900, 600, 300)
BLOCK_SLOTS = ((0, 3), (3, 8), (8, 12))      # which 15-minute slots each block seals
TEN_AM = GENESIS_TIME + 10 * 3600
SLOT_SECONDS = 900


def _hex(value: object) -> str:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()[:16] + "…"
    return repr(value)


# --- the story the checks are built on --------------------------------------------------

@dataclass(frozen=True)
class Story:
    """Chapter 03's chain, and the forgeries a learner's function must see through."""

    genesis: Genesis
    blocks: tuple[Block, ...]          # genesis first
    forgeries: dict[str, tuple[tuple[Block, ...], int | None]]


def _trade(bob: Wallet, alice: Wallet, slot: int, wh: int, value: int | None = None):
    paid = amount_for(wh, PRICE) if value is None else value
    return bob.transfer(alice.address, paid, nonce=slot, data=encode({"slot": slot, "wh": wh}))


@functools.lru_cache(maxsize=1)
def story() -> Story:
    """Build the chain once: three blocks of Bob's payments, sealed by the grid operator."""
    alice, bob, grid = (cast.wallet(n) for n in ("alice", "bob", cast.GRID_OPERATOR))
    genesis = Genesis(balances=((bob.address, OPENING),), authorities=(grid.address,))
    chain = Chain(genesis)
    trades = [_trade(bob, alice, slot, wh) for slot, wh in enumerate(SURPLUS)]
    for first, end in BLOCK_SLOTS:
        chain.seal(grid.key, trades[first:end], TEN_AM + SLOT_SECONDS * end)
    blocks = tuple(chain.canonical_chain())
    one, two, three = blocks[1:]

    # Bob rewrites slot 5 (third transaction of block #2) to say 1799 Wh for the same pay.
    forged_tx = _trade(bob, alice, 5, 1799, value=two.transactions[2].tx.value)
    txs = list(two.transactions)
    txs[2] = forged_tx
    edited = replace(two, transactions=tuple(txs))
    rooted = replace(edited, header=replace(two.header, tx_root=transactions_root(txs)))
    resealed = replace(rooted, header=seal_header(rooted.header, bob.key))
    rebuilt_chain = Chain(genesis)
    rebuilt_chain.add_block(one)
    rebuilt, _ = rebuilt_chain.build_block(grid.key, txs, two.header.timestamp)
    late_one, _ = Chain(genesis).build_block(grid.key, one.transactions, GENESIS_TIME)
    last_txs = list(three.transactions)
    last_txs[0] = _trade(bob, alice, 8, 1201, value=three.transactions[0].tx.value)
    last_edited = replace(three, transactions=tuple(last_txs))
    # A second, perfectly valid #3 on #2 (the last two payments only, a minute later): the
    # chain would keep it as a fork, but in a list it does not sit on the #3 before it.
    forked = Chain(genesis)
    for block in (one, two):
        forked.add_block(block)
    sibling, _ = forked.build_block(grid.key, three.transactions[2:],
                                    three.header.timestamp + 60)
    forgeries = {
        "the untouched chain": ((one, two, three), None),
        "slot 5 changed to 1799 Wh in block #2": ((one, edited, three), 2),
        "block #2's Merkle root recomputed after the change": ((one, rooted, three), 2),
        "block #2 re-sealed with Bob's key": ((one, resealed, three), 2),
        "block #2 rebuilt with the grid operator's key": ((one, rebuilt, three), 3),
        "block #1 sealed at the genesis timestamp": ((late_one, two, three), 1),
        "slot 8 changed in the last block": ((one, two, last_edited), 3),
        "a second, valid #3 sealed on #2, listed after #3": ((one, two, three, sibling), 3),
    }
    return Story(genesis, blocks, forgeries)


# --- block_links_ok ---------------------------------------------------------------------

def _link_cases() -> list[tuple[str, list[Block], bool]]:
    s = story()
    zero, one, two, three = s.blocks
    rebuilt = s.forgeries["block #2 rebuilt with the grid operator's key"][0][1]
    edited = s.forgeries["slot 8 changed in the last block"][0][2]
    return [
        ("genesis, #1, #2, #3", [zero, one, two, three], True),
        ("#2 replaced by a rebuilt block (numbers still 0, 1, 2, 3)",
         [zero, one, rebuilt, three], False),
        ("#1, #2 and #3 without genesis", [one, two, three], True),
        ("genesis, #1, #3 (block #2 left out)", [zero, one, three], False),
        ("#3, #2, #1 (newest first)", [three, two, one], False),
        ("genesis, #1, #2 and #3 with a transaction changed inside #3",
         [zero, one, two, edited], True),
        ("just genesis", [zero], True),
        ("an empty list", [], True),
    ]


@exercise("block_links_ok", chapter=3, title="Do the parent hashes link?",
          hint="for every i from 1, compare blocks[i].header.parent_hash with "
               "blocks[i - 1].hash; return True only if all of them match")
def check_block_links_ok(fn) -> None:
    for what, blocks, expected in _link_cases():
        try:
            got = fn(list(blocks))
        except IndexError as error:
            raise Mismatch(f"block_links_ok({what}) raised IndexError: {error}",
                           "with fewer than two blocks there is no link to break: return "
                           "True; start comparing at i = 1") from None
        if not isinstance(got, bool):
            raise Mismatch(f"block_links_ok({what}) returned {got!r}",
                           "return True or False (a bool)")
        if got == expected:
            continue
        if "rebuilt" in what:
            raise Mismatch(f"block_links_ok({what}): expected False, got True",
                           "the numbers count up nicely, but block #3 names the hash of "
                           "the old block #2: compare every blocks[i].header.parent_hash "
                           "with blocks[i - 1].hash (numbers that count up prove nothing)")
        if "changed inside" in what:
            raise Mismatch(f"block_links_ok({what}): expected True, got False",
                           "the link is the header's hash, block.hash, which covers the "
                           "transactions only through tx_root: changing a transaction "
                           "breaks the Merkle root, not the link. Use block.hash")
        if not blocks or len(blocks) == 1:
            raise Mismatch(f"block_links_ok({what}): expected True, got False",
                           "with fewer than two blocks there is no link to break: "
                           "return True")
        if expected:
            raise Mismatch(f"block_links_ok({what}): expected True, got False",
                           "each block names the block BEFORE it: compare "
                           "blocks[i].header.parent_hash with blocks[i - 1].hash, the "
                           "hash of its header (seal included) that the library computes")
        raise Mismatch(f"block_links_ok({what}): expected False, got True",
                       "check every consecutive pair, not just the first or the last, "
                       "and return False as soon as one parent_hash differs")


# --- merkle_root ------------------------------------------------------------------------

def _reference(leaves: list[bytes], leaf, node, odd: str) -> bytes:
    """A Merkle root with pluggable hashing and odd-node rule, to recognise mistakes."""
    if not leaves:
        return EMPTY_ROOT
    level = [leaf(x) for x in leaves]
    while len(level) > 1:
        if len(level) % 2 and odd == "duplicate":
            level = level + [level[-1]]
        pairs = [node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            pairs.append(level[-1] if odd == "carry" else sha256(NODE_PREFIX + level[-1]))
        level = pairs
    return level[0]


def _prefixed(prefix: bytes):
    return lambda *parts: sha256(prefix + b"".join(parts))


ROOT_MISTAKES = tuple(Mistake(lambda leaves, m=model: _reference(leaves, *m), hint)
                      for *model, hint in (
    (lambda x: sha256(x), lambda a, b: sha256(a + b), "carry",
     "hash a leaf as sha256(b'\\x00' + leaf) and two children as "
     "sha256(b'\\x01' + left + right): the prefixes keep a leaf from passing for a node"),
    (lambda x: x, _prefixed(NODE_PREFIX), "carry",
     "start from the leaf hashes, sha256(LEAF_PREFIX + leaf), not from the leaves"),
    (_prefixed(NODE_PREFIX), _prefixed(LEAF_PREFIX), "carry",
     "leaves get LEAF_PREFIX (0x00), inner nodes NODE_PREFIX (0x01)"),
    (_prefixed(LEAF_PREFIX), _prefixed(NODE_PREFIX), "duplicate",
     "an odd node is carried up unchanged, not paired with a copy of itself (with copies, "
     "[a, b, c] and [a, b, c, c] would share a root)"),
    (_prefixed(LEAF_PREFIX), _prefixed(NODE_PREFIX), "hash",
     "an odd node is carried up to the next level as it is, without hashing it again"),
))

READINGS = tuple(encode({"slot": slot, "wh": wh}) for slot, wh in enumerate(SURPLUS))
ROOT_CASES = (READINGS[:1], READINGS[:2], READINGS[:4], READINGS[:3], READINGS[:5],
              READINGS[:7], READINGS, ())


@exercise("merkle_root", chapter=3, title="Compute a Merkle root",
          hint="hash every leaf as sha256(LEAF_PREFIX + leaf); then, level by level, hash "
               "pairs as sha256(NODE_PREFIX + left + right) and carry an odd last node up "
               "unchanged; the empty list's root is sha256(b'')")
def check_merkle_root(fn) -> None:
    for leaves in ROOT_CASES:
        what = f"merkle_root of {len(leaves)} lea{'f' if len(leaves) == 1 else 'ves'}"
        expected = merkle_root(list(leaves))
        try:
            got = fn(list(leaves))
        except IndexError as error:
            if leaves:
                raise
            raise Mismatch(f"{what} raised IndexError: {error}",
                           "the empty list has a fixed root: return sha256(b'')") from None
        if isinstance(got, str):
            raise Mismatch(f"{what} returned text {got[:20]!r}…",
                           "return the 32 raw bytes (sha256(...) gives bytes), not hex text")
        if not isinstance(got, bytes):
            raise Mismatch(f"{what} returned {got!r}", "return the root as 32 bytes")
        if got == expected:
            continue
        said = f"{what}: expected {_hex(expected)}, got {_hex(got)}"
        if not leaves:
            raise Mismatch(said, "the empty list has a fixed root: return sha256(b'')")
        raise Mismatch(said, hint_for(got, ROOT_MISTAKES, list(leaves)))


# --- verify_inclusion -------------------------------------------------------------------

def _inclusion_cases() -> list[tuple[str, bytes, tuple[ProofStep, ...], bytes, bool]]:
    leaves = list(READINGS[3:8])            # block #2's five readings
    root = merkle_root(leaves)
    cases = [(f"leaf {i} of 5 with its own proof", leaves[i], merkle_proof(leaves, i), root,
              True) for i in range(5)]
    forged = encode({"slot": 5, "wh": 1799})
    cases += [
        ("the only leaf of a one-leaf tree, empty proof", leaves[0], (), leaf_hash(leaves[0]),
         True),
        ("a changed reading (1799 Wh) with leaf 2's proof", forged, merkle_proof(leaves, 2),
         root, False),
        ("leaf 2 with the proof of leaf 3", leaves[2], merkle_proof(leaves, 3), root, False),
        ("leaf 2 and its proof against another block's root", leaves[2],
         merkle_proof(leaves, 2), merkle_root(list(READINGS[:3])), False),
    ]
    return cases


@exercise("verify_inclusion", chapter=3, title="Check an inclusion proof",
          hint="start from sha256(LEAF_PREFIX + leaf); for each step hash "
               "NODE_PREFIX + sibling + current if step.sibling_on_left, else "
               "NODE_PREFIX + current + sibling; compare the result with root")
def check_verify_inclusion(fn) -> None:
    for what, leaf, proof, root, expected in _inclusion_cases():
        got = fn(leaf, proof, root)
        if not isinstance(got, bool):
            raise Mismatch(f"verify_inclusion({what}) returned {got!r}",
                           "return True or False: compare the rebuilt root with root "
                           "(current == root)")
        if got == expected:
            continue
        if expected and all(not step.sibling_on_left for step in proof) and proof:
            raise Mismatch(f"verify_inclusion({what}): expected True, got False",
                           "rebuild the root exactly as the tree was built: start from "
                           "sha256(LEAF_PREFIX + leaf), then hash NODE_PREFIX + left + right "
                           "at every step")
        if expected and not proof:
            raise Mismatch(f"verify_inclusion({what}): expected True, got False",
                           "with an empty proof the leaf's own hash, "
                           "sha256(LEAF_PREFIX + leaf), must equal the root")
        if expected:
            raise Mismatch(f"verify_inclusion({what}): expected True, got False",
                           "when step.sibling_on_left is True the sibling goes first: "
                           "sha256(NODE_PREFIX + step.sibling + current)")
        raise Mismatch(f"verify_inclusion({what}): expected False, got True",
                       "a proof only vouches for one leaf in one tree: rebuild the root "
                       "from this leaf and return whether it equals root")


# --- first_invalid_block ----------------------------------------------------------------

@exercise("first_invalid_block", chapter=3, title="Find where a tampered chain breaks",
          hint="make a Chain(genesis); for each block, first check that its parent_hash is "
               "the chain's head_hash, then chain.add_block it; return the number of the "
               "first block that fails either way (InvalidBlock), or None if all are accepted")
def check_first_invalid_block(fn) -> None:
    s = story()
    for what, (blocks, expected) in s.forgeries.items():
        got = fn(s.genesis, list(blocks))
        if got == expected and not isinstance(got, bool):
            continue
        said = f"first_invalid_block({what}): expected {expected!r}, got {got!r}"
        if expected is None:
            raise Mismatch(said, "when every block is valid return None (0 would be the "
                                 "genesis block's number)")
        if got is None:
            if "second, valid #3" in what:
                raise Mismatch(said, "that block is valid on its own, and chain.add_block even "
                                     "stores it, as a fork on #2; but it does not sit on top "
                                     "of the block before it in the list. Check "
                                     "block.header.parent_hash == chain.head_hash before "
                                     "add_block")
            if "rebuilt" in what:
                raise Mismatch(said, "block #2 is now perfectly valid, but block #3 still "
                                     "names the old #2 as its parent: check every block's "
                                     "parent too (chain.add_block does)")
            raise Mismatch(said, "this chain was tampered with: validate every block fully "
                                 "(seal, Merkle root, transactions …), e.g. with "
                                 "chain.add_block inside try / except InvalidBlock")
        if isinstance(got, int) and got == expected - 1:
            raise Mismatch(said, "return the block's number (block.number), not its "
                                 "position in the list")
        raise Mismatch(said)


# --- name_the_error ---------------------------------------------------------------------

def first_error_name(genesis: Genesis, blocks) -> str | None:
    """Reference: the class name of the error a new node raises first, or None."""
    try:
        verify_chain(genesis, list(blocks))
    except InvalidBlock as error:
        return type(error).__name__
    return None


@exercise("name_the_error", chapter=3, title="Name the error a new node reports",
          hint="replay the blocks as a new node would (verify_chain(genesis, blocks), or a "
               "Chain plus a parent check per block); catch InvalidBlock as error and return "
               "type(error).__name__, or None when every block is accepted")
def check_name_the_error(fn) -> None:
    s = story()
    for what, (blocks, _) in s.forgeries.items():
        expected = first_error_name(s.genesis, blocks)
        got = fn(s.genesis, list(blocks))
        said = f"name_the_error({what}): expected {expected!r}, got {_short(got)}"
        if got == expected:
            continue
        if isinstance(got, BaseException) or (isinstance(got, type)
                                              and issubclass(got, BaseException)):
            raise Mismatch(said, "return the error's name as text: type(error).__name__")
        if got == "InvalidBlock":
            raise Mismatch(said, "InvalidBlock is the family; every check has its own error "
                                 "class (BadMerkleRoot, BadSeal, …): return "
                                 "type(error).__name__")
        if isinstance(got, str) and got.startswith("block #"):
            raise Mismatch(said, "that is the error's message; return its class name, "
                                 "type(error).__name__")
        if expected is None:
            raise Mismatch(said, "every block of this chain is valid: return None")
        if got is None or (got == "UnknownParent" and expected == "WrongParent"):
            raise Mismatch(said, "a new node first checks that each block sits on top of the "
                                 "block before it: a block whose parent_hash is not the "
                                 "previous block's hash is refused as WrongParent "
                                 "(verify_chain checks it before add_block)")
        raise Mismatch(said)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


# --- concept questions ------------------------------------------------------------------

concept(3, "Bob changes one payment inside block #2 and leaves the header as it was. Which "
           "check fails first when a new node replays the chain?",
        ["block #3's parent link, because block #2's hash changed",
         "block #2's Merkle root: its transactions no longer give the header's tx_root",
         "block #2's seal, because the authority did not sign the new payment"],
        answer="b", why="a block's hash covers its header only; the header holds the "
                        "transactions through tx_root, and that is what no longer matches",
        nudges={"a": "the hash is the hash of the HEADER, which Bob did not touch: block #3 "
                     "still links to it",
                "c": "the seal signs the header, which did not change, so it still fits"})
concept(3, "Why are Merkle leaves hashed with the prefix 0x00 and inner nodes with 0x01?",
        ["to keep the tree balanced",
         "so that leaves sort before nodes",
         "so that two child hashes glued together can never pass for a transaction, or a "
         "transaction for a node"],
        answer="c", why="without prefixes a node is the hash of 64 bytes, just like a leaf "
                        "of those bytes, and a light client could be shown a transaction "
                        "that never existed",
        nudges={"a": "the odd node carried up keeps every list its own root; the prefixes "
                     "are about telling leaves from nodes",
                "b": "nothing is sorted in a Merkle tree: the order of the transactions is "
                     "part of what the root commits to"})
concept(3, "Why does a validator check a block's seal before it runs the block's "
           "transactions?",
        ["cheap checks first: a forged or unauthorised block is refused before the costly "
         "work of running its transactions",
         "because running the transactions first would change the chain's balances",
         "because the seal covers the state root, which needs the transactions"],
        answer="a", why="numbers cost nothing, a signature about a millisecond, running "
                        "transactions the most; and they run on a copy of the state anyway",
        nudges={"b": "the transactions run on a COPY of the parent's state, so a refused "
                     "block changes nothing whatever the order",
                "c": "the state root is compared after running the transactions; the seal "
                     "needs only the header"})
