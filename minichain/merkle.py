"""Merkle roots and inclusion proofs (chapter 03).

A block's header commits to its transactions through one Merkle root. Leaves and inner
nodes are hashed with different one-byte prefixes (as in RFC 6962), so an inner node can
never pass for a leaf, and an odd node is carried up unchanged rather than paired with a
copy of itself (Bitcoin's duplication lets two different lists share a root).
A light client holding only the root checks that a transaction is in the block with a
proof of about log2(n) hashes.
"""

from __future__ import annotations

from dataclasses import dataclass

from minichain.encoding import sha256
from minichain.errors import MinichainError

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = sha256(b"")


def leaf_hash(leaf: bytes) -> bytes:
    return sha256(LEAF_PREFIX + leaf)


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(NODE_PREFIX + left + right)


def merkle_levels(leaves: list[bytes]) -> list[list[bytes]]:
    """Every level of the tree, leaf hashes first and the root last."""
    level = [leaf_hash(leaf) for leaf in leaves]
    levels = [level]
    while len(level) > 1:
        pairs = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            pairs.append(level[-1])
        level = pairs
        levels.append(level)
    return levels


def merkle_root(leaves: list[bytes]) -> bytes:
    """The root hash of a list of byte strings (the empty list has a fixed root)."""
    if not leaves:
        return EMPTY_ROOT
    return merkle_levels(leaves)[-1][0]


@dataclass(frozen=True)
class ProofStep:
    """One sibling on the path to the root, and whether it sits on the left."""

    sibling: bytes
    sibling_on_left: bool


def merkle_proof(leaves: list[bytes], index: int) -> tuple[ProofStep, ...]:
    """The siblings needed to rebuild the root from leaf ``index``."""
    if not 0 <= index < len(leaves):
        raise MinichainError(f"leaf index {index} is outside 0..{len(leaves) - 1}")
    steps = []
    for level in merkle_levels(leaves)[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            steps.append(ProofStep(level[sibling], sibling_on_left=sibling < index))
        index //= 2
    return tuple(steps)


def verify_proof(leaf: bytes, proof: tuple[ProofStep, ...], root: bytes) -> bool:
    """True when ``proof`` links ``leaf`` to ``root``: all a light client needs."""
    current = leaf_hash(leaf)
    for step in proof:
        current = (node_hash(step.sibling, current) if step.sibling_on_left
                   else node_hash(current, step.sibling))
    return current == root
