"""Merkle roots and inclusion proofs (chapter 03): what a light client can check."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger_fixtures import ALICE, BOB, add, new_chain
from minichain.block import transactions_root
from minichain.encoding import sha256
from minichain.errors import MinichainError
from minichain.merkle import (EMPTY_ROOT, ProofStep, leaf_hash, merkle_proof, merkle_root,
                              node_hash, verify_proof)

PROPERTY = settings(max_examples=150, deadline=None)


def readings(n: int) -> list[bytes]:
    return [f'{{"slot":{i},"wh":{1000 + i}}}'.encode() for i in range(n)]


# --- the shape of the tree ------------------------------------------------------------

def test_leaves_and_nodes_are_hashed_with_different_prefixes():
    assert leaf_hash(b"x") == sha256(b"\x00x")
    assert node_hash(b"L", b"R") == sha256(b"\x01LR")


def test_the_empty_list_and_a_single_leaf_have_fixed_roots():
    assert merkle_root([]) == EMPTY_ROOT == sha256(b"")
    assert merkle_root([b"only"]) == leaf_hash(b"only")


def test_an_odd_leaf_is_carried_up_not_paired_with_a_copy_of_itself():
    a, b, c = (leaf_hash(x) for x in (b"a", b"b", b"c"))
    assert merkle_root([b"a", b"b", b"c"]) == node_hash(node_hash(a, b), c)
    assert merkle_root([b"a", b"b", b"c"]) != merkle_root([b"a", b"b", b"c", b"c"])


def test_five_leaves_give_the_root_written_out_by_hand():
    h = [leaf_hash(x) for x in (b"0", b"1", b"2", b"3", b"4")]
    expected = node_hash(node_hash(node_hash(h[0], h[1]), node_hash(h[2], h[3])), h[4])
    assert merkle_root([b"0", b"1", b"2", b"3", b"4"]) == expected


def test_order_matters():
    assert merkle_root([b"a", b"b"]) != merkle_root([b"b", b"a"])


def test_an_inner_node_cannot_pass_for_a_leaf():
    # Without prefixes, the one-leaf list [h(a)+h(b)] would share the root of [a, b].
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    assert merkle_root([a + b]) != merkle_root([b"a", b"b"])
    assert not verify_proof(a + b, (), merkle_root([b"a", b"b"]))


# --- inclusion proofs -----------------------------------------------------------------

@pytest.mark.parametrize("size", range(1, 18))
def test_every_leaf_of_every_list_up_to_17_proves_its_place(size):
    leaves = readings(size)
    root = merkle_root(leaves)
    for index, leaf in enumerate(leaves):
        proof = merkle_proof(leaves, index)
        assert verify_proof(leaf, proof, root)
        assert len(proof) <= math.ceil(math.log2(size))


@pytest.mark.parametrize("size", range(1, 18))
def test_a_wrong_leaf_a_wrong_sibling_a_wrong_side_or_a_wrong_root_fails(size):
    leaves = readings(size)
    root = merkle_root(leaves)
    wrong_root = sha256(root)
    for index, leaf in enumerate(leaves):
        proof = merkle_proof(leaves, index)
        assert not verify_proof(leaf + b" ", proof, root)
        if size > 1:
            assert not verify_proof(leaves[(index + 1) % size], proof, root)
            assert not verify_proof(leaf, proof[:-1], root)     # a step left out
        assert not verify_proof(leaf, proof, wrong_root)
        for step in range(len(proof)):
            bad_sibling = list(proof)
            flipped = bytes([proof[step].sibling[0] ^ 1]) + proof[step].sibling[1:]
            bad_sibling[step] = ProofStep(flipped, proof[step].sibling_on_left)
            assert not verify_proof(leaf, tuple(bad_sibling), root)
            wrong_side = list(proof)
            wrong_side[step] = ProofStep(proof[step].sibling, not proof[step].sibling_on_left)
            assert not verify_proof(leaf, tuple(wrong_side), root)


def test_a_proof_is_about_log2_n_hashes():
    leaves = readings(1000)
    assert len(merkle_proof(leaves, 0)) == 10
    assert len(merkle_proof(leaves, 999)) <= 10


@pytest.mark.parametrize("index", [-1, 3])
def test_asking_for_a_leaf_that_is_not_there_is_refused(index):
    with pytest.raises(MinichainError, match=r"leaf index .* is outside 0..2"):
        merkle_proof(readings(3), index)


@PROPERTY
@given(st.lists(st.binary(max_size=20), min_size=1, max_size=40, unique=True), st.data())
def test_any_leaf_of_any_list_proves_and_no_other_leaf_does(leaves, data):
    index = data.draw(st.integers(0, len(leaves) - 1))
    root = merkle_root(leaves)
    proof = merkle_proof(leaves, index)
    assert verify_proof(leaves[index], proof, root)
    other = data.draw(st.binary(max_size=20).filter(lambda b: b != leaves[index]))
    assert not verify_proof(other, proof, root)


@PROPERTY
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=20),
       st.lists(st.binary(max_size=8), min_size=1, max_size=20))
def test_different_lists_have_different_roots(one, two):
    assert (merkle_root(one) == merkle_root(two)) == (one == two)


# --- a light client -------------------------------------------------------------------

def test_a_light_client_holding_only_the_header_checks_a_payment_is_in_the_block():
    chain = new_chain()
    payments = [ALICE.transfer(BOB.address, 10 * (i + 1), nonce=i) for i in range(5)]
    block = add(chain, payments)
    raws = [stx.raw for stx in block.transactions]
    assert block.header.tx_root == transactions_root(block.transactions) == merkle_root(raws)
    proof = merkle_proof(raws, 3)
    assert verify_proof(payments[3].raw, proof, block.header.tx_root)
    forged = ALICE.transfer(BOB.address, 999, nonce=3)
    assert not verify_proof(forged.raw, proof, block.header.tx_root)
