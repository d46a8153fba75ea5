"""A chain that keeps only its recent states (``Chain.states_kept``, chapter 03's chain as
the street's nodes run it all day): older states are forgotten and recomputed when a fork
needs one, and every block, root and balance is what a chain that keeps them all has."""

from __future__ import annotations

from ledger_fixtures import (ALICE, AUTHORITY, BOB, CAROL, add, next_time,
                             sunny_street_genesis)
from minichain.chain import Chain


def payments(n: int) -> list:
    return [ALICE.transfer(BOB.address, 10 + n, nonce=n)]


def two_chains() -> tuple[Chain, Chain]:
    """The same six blocks on a chain that keeps every state and on one that keeps two."""
    full = Chain(sunny_street_genesis())
    lean = Chain(sunny_street_genesis(), states_kept=2)
    for n in range(6):
        block = add(full, payments(n))
        lean.add_block(block)
    return full, lean


def test_a_lean_chain_keeps_genesis_and_the_states_of_its_last_blocks_only():
    """Dropped in batches: once more than twice ``states_kept`` (and genesis) are held."""
    full, lean = two_chains()
    assert lean.head_hash == full.head_hash and lean.state.root() == full.state.root()
    kept = sorted(lean.blocks[h].number for h in lean.states)
    assert kept == [0, 3, 4, 5, 6] and len(full.states) == 7


def test_a_forgotten_state_is_recomputed_exactly():
    full, lean = two_chains()
    second = full.canonical_chain()[2].hash
    assert second not in lean.states
    assert lean.state_after(second).root() == full.states[second].root()
    assert lean.state_after(second).balance(BOB.address) == full.states[second].balance(BOB.address)


def test_a_fork_from_below_the_kept_states_is_built_validated_and_wins_as_on_a_full_chain():
    full, lean = two_chains()
    old_branch = full.canonical_chain()[2:]                     # blocks #2-#6
    fork_point = full.canonical_chain()[1].hash
    assert fork_point not in lean.states                        # block #1's state: forgotten
    parent = fork_point
    blocks = []
    for n in range(7):                                          # longer than the main branch
        timestamp = full.blocks[parent].header.timestamp + 7
        block, rejected = full.build_block(AUTHORITY.key, [CAROL.transfer(ALICE.address, 1 + n,
                                                                          nonce=n)],
                                           timestamp, parent_hash=parent)
        assert not rejected
        full.add_block(block)
        lean.add_block(block)
        blocks.append(block)
        parent = block.hash
    assert full.head_hash == lean.head_hash == blocks[-1].hash
    assert lean.state.root() == full.state.root()
    assert lean.balance(CAROL.address) == full.balance(CAROL.address)
    assert lean.balance(BOB.address) == full.balance(BOB.address) == 1_000 + 10
    assert max(lean.blocks[h].number for h in lean.states) == 8
    assert len(lean.states) < len(full.states)
    for chain in (full, lean):                         # the canonical index followed the reorg
        assert [chain.is_canonical(b.hash) for b in blocks] == [True] * 7
        assert not any(chain.is_canonical(b.hash) for b in old_branch)
        assert chain.find_transaction(payments(3)[0].hash) is None   # only on the old branch
        assert chain.find_transaction(payments(0)[0].hash)[0].number == 1


def test_a_lean_chain_built_on_by_its_own_sealer_agrees_with_a_full_one():
    full, lean = Chain(sunny_street_genesis()), Chain(sunny_street_genesis(), states_kept=1)
    for n in range(5):
        block = add(lean, payments(n))
        full.add_block(block)
        assert block.header.state_root == full.state.root()
    assert next_time(lean) == next_time(full)


def test_an_anchor_on_a_shorter_branch_moves_the_canonical_index_with_the_head():
    """A finality gadget's anchor (chapter 13) can pull the head onto a shorter branch: what
    is canonical, and where a transaction is found, follow it there."""
    full, _ = two_chains()
    old_branch = full.canonical_chain()[2:]                     # blocks #2-#6
    side = full.build_block(AUTHORITY.key, [CAROL.transfer(ALICE.address, 5, nonce=0)],
                            full.canonical_chain()[1].header.timestamp + 7,
                            parent_hash=full.canonical_chain()[1].hash)[0]
    full.add_block(side)                                        # a sibling of #2: not the head
    assert not full.is_canonical(side.hash)
    reorg = full.set_anchor(side.hash)
    assert reorg is not None and full.head_hash == side.hash
    assert full.is_canonical(side.hash)
    assert not any(full.is_canonical(b.hash) for b in old_branch)
    assert full.find_transaction(payments(3)[0].hash) is None   # only on the old branch
    assert full.find_transaction(side.transactions[0].hash)[0].number == 2
