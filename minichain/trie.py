"""The state's Merkle tree: one hash over many keys, cheap to change and to copy (chapter 02).

The state root commits to every account, and each account's storage root to every one of
its storage slots. Both are the root of the same kind of tree, a *trie* over hashed keys,
defined from scratch by ``trie_root``:

* a key's **path** is the SHA-256 of its canonical encoding: 64 hex digits, spread evenly
  whatever the keys are, so the tree is about log16(n) levels deep;
* a **leaf** is a key's path and its value's bytes; its hash is
  ``sha256(0x00 || path || value)``;
* two or more leaves are split into 16 groups by the next digit of their paths; their
  **node** hashes ``sha256(0x01 || the 16 groups' roots)``, an empty group counting as 32
  zero bytes;
* one leaf alone is its group's root at whatever depth, and an empty tree's root is 32
  zero bytes (``EMPTY_ROOT``).

The prefixes keep a node from passing for a leaf (as in ``merkle.py``), and a leaf carries
its whole path, so a proof of one key is the siblings on its way down.

``Trie`` holds the same tree so that a change costs what it touches: it is *persistent*.
``updated`` builds new nodes only on the paths to the changed leaves (about log16(n) each)
and shares every other node with the trie it came from, which stays as it was; a copy is
the same object; ``root`` hashes only the nodes that have no hash yet. (An owner that
updates its own trie again and again may let it change its own new nodes in place.) Tests check that
``Trie.root`` equals ``trie_root`` after random changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

from minichain.encoding import sha256

EMPTY_ROOT = bytes(32)
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
WIDTH = 16             # children of a node: one per hex digit

ValueBytes = Callable[[Any], bytes]
_ABSENT = object()


def leaf_hash(path: bytes, value: bytes) -> bytes:
    return sha256(LEAF_PREFIX + path + value)


def node_hash(children: list[bytes]) -> bytes:
    """The hash of a node from its 16 children's roots (``EMPTY_ROOT`` where none)."""
    return sha256(NODE_PREFIX + b"".join(children))


def digit(path: bytes, depth: int) -> int:
    """The path's hex digit number ``depth`` (0 is the first): which child a key goes to."""
    byte = path[depth >> 1]
    return byte & 15 if depth & 1 else byte >> 4


def trie_root(leaves: Mapping[bytes, bytes]) -> bytes:
    """The root of the tree over ``leaves`` (path -> value bytes): the definition."""
    return _group_root(sorted(leaves.items()), 0)


def _group_root(items: list[tuple[bytes, bytes]], depth: int) -> bytes:
    if not items:
        return EMPTY_ROOT
    if len(items) == 1:
        return leaf_hash(*items[0])
    groups: list[list[tuple[bytes, bytes]]] = [[] for _ in range(WIDTH)]
    for path, value in items:
        groups[digit(path, depth)].append((path, value))
    return node_hash([_group_root(group, depth + 1) for group in groups])


# --- the persistent tree ------------------------------------------------------------------
#
# A leaf is a plain tuple ``(path, key, value)``; its hash is kept by the node above it. A
# node (two or more leaves below) is one plain list: its 16 children (``None`` where a
# digit has none), their 16 roots (the same bytes objects as the children's own hashes, so
# a copy of a node copies references, not 512 bytes), a bit per child not hashed since it
# changed, the ``updated`` call that made it (``owner``: that call may change it in place,
# since nothing else holds it yet; any other node is copied before a change), and its own
# hash once known. One object per node: a chain keeps many versions of a big tree, each
# sharing all but the paths that changed, and Python's garbage collector walks every
# object that can hold others.

Leaf = tuple            # (path, key, value)
Node = list             # children, their roots, DIRTY, OWNER, HASH
ROOTS = WIDTH           # node[ROOTS + i] is child i's root, unless its DIRTY bit is set
DIRTY = 2 * WIDTH
OWNER = DIRTY + 1
HASH = DIRTY + 2


def _empty_node(owner: object) -> Node:
    return [None] * WIDTH + [EMPTY_ROOT] * WIDTH + [0, owner, None]


@dataclass(frozen=True)
class Trie:
    """A persistent trie: ``updated`` returns a new trie and leaves this one as it was."""

    _top: Leaf | Node | None = None

    def __bool__(self) -> bool:
        return self._top is not None

    def get(self, path: bytes, default: Any = None) -> Any:
        """The value at ``path``, or ``default``."""
        node, depth = self._top, 0
        while node is not None:
            if node.__class__ is tuple:
                return node[2] if node[0] == path else default
            byte = path[depth >> 1]
            node = node[byte & 15 if depth & 1 else byte >> 4]
            depth += 1
        return default

    def updated(self, changes: Mapping[bytes, tuple[Any, Any] | None],
                owner: object | None = None) -> "Trie":
        """A trie with ``changes`` made: path -> ``(key, value)`` to set, or ``None`` to remove.

        This trie stays as it was, unless ``owner`` is given: then nodes that an earlier
        update with the same ``owner`` made are changed in place instead of copied. Give
        one only while no other trie can hold those nodes (``State`` does, until a copy).
        """
        top = self._top
        owner = object() if owner is None else owner
        for path, change in changes.items():
            if change is None:
                if Trie(top).get(path, _ABSENT) is not _ABSENT:
                    top = _remove(top, path, 0, owner)
            else:
                top = _insert(top, (path, *change), owner)
        return Trie(top)

    def root(self, value_bytes: ValueBytes) -> bytes:
        """The root hash; ``value_bytes`` turns a value into the bytes its leaf hashes."""
        top = self._top
        if top is None:
            return EMPTY_ROOT
        if top.__class__ is tuple:
            return leaf_hash(top[0], value_bytes(top[2]))
        return top[HASH] or _hash(top, value_bytes)

    def items(self) -> Iterator[tuple[Any, Any]]:
        """Every ``(key, value)``, in path order."""
        waiting = [self._top] if self._top is not None else []
        while waiting:
            node = waiting.pop()
            if node.__class__ is tuple:
                yield node[1], node[2]
            else:
                waiting.extend(child for child in reversed(node[:WIDTH]) if child is not None)


def _own(node: Node, owner: object) -> Node:
    """``node`` itself if this update made it, else a copy this update may change."""
    if node[OWNER] is not owner:
        node = node[:]
        node[OWNER] = owner
    node[HASH] = None
    return node


def _insert(top: Leaf | Node | None, leaf: Leaf, owner: object) -> Leaf | Node:
    """``top`` with ``leaf`` in its place: the nodes on the way down are this update's own
    (copied if another's), each with the child it leads to marked as changed."""
    path, depth = leaf[0], 0
    parent: Node | None = None
    slot = 0
    node = top
    while True:
        if node.__class__ is list:
            if node[OWNER] is owner:                     # _own, written out: it is hot
                new = node
            else:
                new = node[:]
                new[OWNER] = owner
            new[HASH] = None
        elif node is None or node[0] == path:
            new = leaf
        else:
            new = _split(node, leaf, depth, owner)
        if parent is None:
            top = new
        else:
            parent[slot] = new
            parent[DIRTY] |= 1 << slot
        if node.__class__ is not list:                   # the leaf is in place
            return top
        parent = new
        byte = path[depth >> 1]
        slot = byte & 15 if depth & 1 else byte >> 4
        node = new[slot]
        depth += 1


def _split(old: Leaf, leaf: Leaf, depth: int, owner: object) -> Node:
    """The nodes that hold two leaves whose paths agree up to ``depth``: one per digit they
    still share, then one where they part."""
    top = node = _empty_node(owner)
    while True:
        mine, theirs = digit(leaf[0], depth), digit(old[0], depth)
        if mine != theirs:
            node[theirs], node[mine] = old, leaf
            node[DIRTY] = 1 << theirs | 1 << mine
            return top
        below = _empty_node(owner)
        node[mine] = below
        node[DIRTY] = 1 << mine
        node, depth = below, depth + 1


def _remove(node: Leaf | Node, path: bytes, depth: int, owner: object) -> Leaf | Node | None:
    """``node`` without the leaf at ``path``, which must be below it."""
    if node.__class__ is tuple:
        return None
    slot = digit(path, depth)
    after = _remove(node[slot], path, depth + 1, owner)
    node = _own(node, owner)
    node[slot] = after
    node[DIRTY] |= 1 << slot
    children = node[:WIDTH]
    if children.count(None) == WIDTH - 1:
        alone = next(child for child in children if child is not None)
        if alone.__class__ is tuple:
            return alone                                 # one leaf alone is its own root
    return node


def _hash(node: Node, value_bytes: ValueBytes) -> bytes:
    dirty = node[DIRTY]
    while dirty:                                   # each changed child, lowest digit first
        lowest = dirty & -dirty
        dirty ^= lowest
        slot = lowest.bit_length() - 1
        child = node[slot]
        if child is None:
            known = EMPTY_ROOT
        elif child.__class__ is tuple:
            known = leaf_hash(child[0], value_bytes(child[2]))
        else:
            known = child[HASH] or _hash(child, value_bytes)
        node[ROOTS + slot] = known
    node[DIRTY] = 0
    known = node[HASH] = sha256(NODE_PREFIX + b"".join(node[ROOTS:DIRTY]))
    return known
