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

class _Leaf:
    """A key, its path and its value; ``hash`` is filled in when a root first needs it."""

    __slots__ = ("path", "key", "value", "hash")

    def __init__(self, path: bytes, key: Any, value: Any) -> None:
        self.path, self.key, self.value, self.hash = path, key, value, None


class _Node:
    """Two or more leaves below, in 16 children (``None`` where a digit has none).

    ``hashes`` holds each child's root once known (``EMPTY_ROOT`` for none, ``None`` for a
    child not hashed yet, listed in ``dirty``), so a node's hash joins 16 hashes and
    computes only the new ones. A node belongs to the ``updated`` call that made it
    (``owner``): that call may change it in place, since nothing else holds it yet; any
    other node is copied before a change.
    """

    __slots__ = ("children", "hashes", "dirty", "owner", "hash")

    def __init__(self, children: list, hashes: list, owner: object) -> None:
        self.children, self.hashes, self.owner = children, hashes, owner
        self.dirty: list[int] = []
        self.hash: bytes | None = None

    def put(self, slot: int, child: "_Leaf | _Node | None") -> None:
        """Hang ``child`` at ``slot`` (the node must belong to the caller's update)."""
        self.children[slot] = child
        if child is None:
            self.hashes[slot] = EMPTY_ROOT
            return
        known = child.hash
        if known is None and self.hashes[slot] is not None:
            self.dirty.append(slot)
        self.hashes[slot] = known


@dataclass(frozen=True)
class Trie:
    """A persistent trie: ``updated`` returns a new trie and leaves this one as it was."""

    _top: _Leaf | _Node | None = None

    def __bool__(self) -> bool:
        return self._top is not None

    def get(self, path: bytes, default: Any = None) -> Any:
        """The value at ``path``, or ``default``."""
        node, depth = self._top, 0
        while node is not None:
            if node.__class__ is _Leaf:
                return node.value if node.path == path else default
            byte = path[depth >> 1]
            node = node.children[byte & 15 if depth & 1 else byte >> 4]
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
                top = _insert(top, _Leaf(path, *change), 0, owner)
        return Trie(top)

    def root(self, value_bytes: ValueBytes) -> bytes:
        """The root hash; ``value_bytes`` turns a value into the bytes its leaf hashes."""
        top = self._top
        if top is None:
            return EMPTY_ROOT
        return top.hash or _hash(top, value_bytes)

    def items(self) -> Iterator[tuple[Any, Any]]:
        """Every ``(key, value)``, in path order."""
        waiting = [self._top] if self._top is not None else []
        while waiting:
            node = waiting.pop()
            if node.__class__ is _Leaf:
                yield node.key, node.value
            else:
                waiting.extend(child for child in reversed(node.children) if child is not None)


def _own(node: _Node, owner: object) -> _Node:
    """``node`` itself if this update made it, else a copy this update may change."""
    if node.owner is owner:
        node.hash = None
        return node
    copy = _Node(list(node.children), list(node.hashes), owner)
    copy.dirty = list(node.dirty)
    return copy


def _insert(node: _Leaf | _Node | None, leaf: _Leaf, depth: int, owner: object) -> _Leaf | _Node:
    if node is None:
        return leaf
    if node.__class__ is _Leaf:
        if node.path == leaf.path:
            return leaf
        split = _Node([None] * WIDTH, [EMPTY_ROOT] * WIDTH, owner)   # two leaves, one place
        split.put(digit(node.path, depth), node)
        node = split
    elif node.owner is owner:
        node.hash = None
    else:
        node = _own(node, owner)
    byte = leaf.path[depth >> 1]
    slot = byte & 15 if depth & 1 else byte >> 4
    node.put(slot, _insert(node.children[slot], leaf, depth + 1, owner))
    return node


def _remove(node: _Leaf | _Node, path: bytes, depth: int,
            owner: object) -> _Leaf | _Node | None:
    """``node`` without the leaf at ``path``, which must be below it."""
    if node.__class__ is _Leaf:
        return None
    slot = digit(path, depth)
    after = _remove(node.children[slot], path, depth + 1, owner)
    node = _own(node, owner)
    node.put(slot, after)
    if node.children.count(None) == WIDTH - 1:
        alone = next(child for child in node.children if child is not None)
        if alone.__class__ is _Leaf:
            return alone                                 # one leaf alone is its own root
    return node


def _hash(node: _Leaf | _Node, value_bytes: ValueBytes) -> bytes:
    if node.__class__ is _Leaf:
        node.hash = leaf_hash(node.path, value_bytes(node.value))
        return node.hash
    hashes, children = node.hashes, node.children
    for slot in node.dirty:
        if hashes[slot] is None:
            child = children[slot]
            hashes[slot] = child.hash or _hash(child, value_bytes)
    node.dirty = []
    node.hash = node_hash(hashes)
    return node.hash
