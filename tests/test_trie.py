"""The state's Merkle tree (chapter 02): its definition, and the persistent trie that keeps it."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain.encoding import encode_int, sha256
from minichain.trie import (EMPTY_ROOT, WIDTH, Trie, digit, leaf_hash, node_hash, trie_root)

PROPERTY = settings(max_examples=200, deadline=None)


def path(n: int) -> bytes:
    return sha256(b"key %d" % n)


def with_first_digits(*digits: int) -> bytes:
    """A made-up path that starts with the given hex digits (the rest zeros)."""
    text = "".join(f"{d:x}" for d in digits)
    return bytes.fromhex((text + "0" * 64)[:64])


# --- the definition ------------------------------------------------------------------------

def test_an_empty_tree_is_32_zero_bytes_and_one_leaf_is_its_own_root():
    assert trie_root({}) == EMPTY_ROOT == bytes(32)
    assert trie_root({path(1): b"7"}) == leaf_hash(path(1), b"7") == sha256(b"\x00" + path(1) + b"7")


def test_two_leaves_hang_from_a_node_by_the_first_digit_where_their_paths_differ():
    a, b = with_first_digits(3, 1), with_first_digits(3, 9)
    a_leaf, b_leaf = leaf_hash(a, b"A"), leaf_hash(b, b"B")
    inner = [EMPTY_ROOT] * 16
    inner[1], inner[9] = a_leaf, b_leaf
    outer = [EMPTY_ROOT] * 16
    outer[3] = node_hash(inner)                        # both start with 3: one more level
    assert trie_root({a: b"A", b: b"B"}) == node_hash(outer) == sha256(b"\x01" + b"".join(outer))


def test_digits_are_read_high_nibble_first():
    assert [digit(bytes([0xAB, 0xCD]), depth) for depth in range(4)] == [0xA, 0xB, 0xC, 0xD]


def test_the_root_depends_on_every_value_and_every_path_but_not_on_order():
    leaves = {path(n): encode_int(n) for n in range(50)}
    root = trie_root(leaves)
    assert trie_root(dict(reversed(list(leaves.items())))) == root
    changed = {**leaves, path(7): b"8"}
    assert trie_root(changed) != root
    moved = {(path(99) if p == path(7) else p): v for p, v in leaves.items()}
    assert trie_root(moved) != root


# --- the persistent trie against the definition -----------------------------------------------

def root_of(trie: Trie) -> bytes:
    return trie.root(lambda value: value)


changes = st.lists(st.tuples(st.integers(0, 40), st.one_of(st.none(), st.binary(max_size=2))),
                   max_size=40)


@PROPERTY
@given(st.lists(changes, max_size=6), st.booleans())
def test_the_trie_root_equals_the_root_from_scratch_after_any_changes(batches, in_place):
    """Sets and removals in batches, each batch a new trie or (one owner) changed in place."""
    trie, content, owner = Trie(), {}, (object() if in_place else None)
    for batch in batches:
        update = {}
        for n, value in batch:
            update[path(n)] = None if value is None else (n, value)
            if value is None:
                content.pop(path(n), None)
            else:
                content[path(n)] = value
        trie = trie.updated(update, owner)
        assert root_of(trie) == trie_root(content)
        assert dict(trie.items()) == {n: content[path(n)] for n in range(41) if path(n) in content}
        assert all(trie.get(path(n)) == content.get(path(n)) for n in range(41))


@PROPERTY
@given(changes, changes)
def test_an_update_leaves_the_trie_it_came_from_as_it_was(first, second):
    before = Trie().updated({path(n): (n, value) for n, value in first if value is not None})
    root, items = root_of(before), dict(before.items())
    after = before.updated({path(n): None if value is None else (n, value) for n, value in second})
    root_of(after)
    assert root_of(before) == root and dict(before.items()) == items


def test_an_owner_changes_its_own_new_nodes_in_place_and_copies_the_others():
    shared = Trie().updated({path(n): (n, b"x") for n in range(200)})
    root = root_of(shared)
    owner = object()
    mine = shared.updated({path(1): (1, b"y")}, owner)
    root_of(mine)
    again = mine.updated({path(2): (2, b"z"), path(3): None}, owner)   # mine's nodes change
    assert root_of(shared) == root                               # the shared trie is untouched
    expected = {path(n): b"x" for n in range(200) if n != 3} | {path(1): b"y", path(2): b"z"}
    assert root_of(again) == trie_root(expected)


def test_removing_leaves_collapses_the_tree_back_to_its_canonical_shape():
    rng = random.Random(5)
    keys = list(range(300))
    trie = Trie().updated({path(n): (n, b"v") for n in keys})
    rng.shuffle(keys)
    for count, n in enumerate(keys, start=1):
        trie = trie.updated({path(n): None})
        if count % 37 == 0 or count > 295:
            assert root_of(trie) == trie_root({path(k): b"v" for k in keys[count:]})
    assert not trie and root_of(trie) == EMPTY_ROOT


def test_removing_a_key_that_is_not_there_changes_nothing():
    trie = Trie().updated({path(1): (1, b"a"), path(2): (2, b"b")})
    assert root_of(trie.updated({path(3): None})) == root_of(trie)


@pytest.mark.parametrize("count", [1, 2, 17, 256, 2000])
def test_a_big_tree_is_about_log16_levels_deep(count):
    trie = Trie().updated({path(n): (n, b"v") for n in range(count)})
    depth, waiting = 0, [(trie._top, 0)]
    while waiting:
        node, level = waiting.pop()
        depth = max(depth, level)
        if isinstance(node, list):                       # a node: its 16 children first
            waiting.extend((child, level + 1) for child in node[:WIDTH] if child is not None)
    assert depth <= max(1, len(f"{count:x}")) + 2
