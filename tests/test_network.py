"""Sunny Street as a network of nodes: gossip, forks, partitions, stalls, rogues, crashes (ch. 05).

Nodes are tested on their own first (orphans, reorgs, double sealing), then the scenario
functions chapter 05 runs: each result is checked against the rules, and every submitted
transaction must end up on the final canonical chain exactly once.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings, strategies as st

from minichain.block import Block
from minichain.chain import Chain, Genesis, verify_chain
from minichain.errors import MinichainError, RecentlySigned, UnauthorisedSealer, WrongChainId
from minichain.network import Network
from minichain.street_network import (HOUSEHOLDS, MINORITY_SIDE, authority_key,
                                      crash_and_restart, explain_stall, healthy_network,
                                      partition_and_heal, rogue_authority, schedule_transfers,
                                      sunny_street_graph, sunny_street_network,
                                      too_few_authorities)
from minichain.node import Equivocation, Node, transaction_counts
from minichain.poa import Clique
from minichain.wallet import Wallet

PERIOD = 5
GRID, CITY, COOP = (authority_key(name) for name in ("grid", "city", "coop"))
ALICE, BOB = Wallet.from_seed("alice"), Wallet.from_seed("bob")
GENESIS = Genesis(balances=((ALICE.address, 1_000), (BOB.address, 1_000)),
                  authorities=(GRID.address, CITY.address, COOP.address))


def node(name: str = "bob", key=None) -> Node:
    return Node(name, GENESIS, Clique(period=PERIOD), key=key)


def seal_on(chain: Chain, key, txs=(), parent: bytes | None = None, offset: int = 0) -> Block:
    parent_block = chain.blocks[parent or chain.head_hash]
    block, rejected = chain.build_block(key, list(txs),
                                        parent_block.header.timestamp + PERIOD + offset,
                                        parent_hash=parent_block.hash)
    assert rejected == []
    return block


def revalidated(network: Network, name: str) -> Chain:
    """The node's canonical chain, checked block by block by a newcomer with a fresh rule."""
    rule = Clique(epoch=network.rule.epoch, period=network.rule.period)
    return verify_chain(network.genesis, network.canonical_chain(name), rule)


def assert_every_transaction_once(network: Network) -> None:
    for name in network.names:
        counts = network.inclusion_counts(name)
        assert sorted(set(counts.values())) == [1], name


# --- a node on its own -------------------------------------------------------------------

def test_a_block_before_its_parent_waits_and_names_the_missing_ancestor():
    source, bob = node("grid", GRID), node()
    first, _ = source.seal(GENESIS.timestamp + PERIOD)
    second = seal_on(source.chain, CITY if source.rule.in_turn_signer(source.chain) == CITY.address
                     else COOP)
    source.chain.add_block(second)
    early = bob.receive_block(second)
    assert (early.added, early.missing, bob.chain.height) == ([], first.hash, 0)
    assert bob.missing_ancestor(second.hash) == first.hash
    late = bob.receive_block(first)
    assert [b.hash for b in late.added] == [first.hash, second.hash]
    assert (bob.chain.head_hash, bob.orphans) == (second.hash, {})


def test_a_reorg_returns_dropped_transactions_to_the_mempool_and_none_twice():
    chain = Chain(GENESIS, Clique(period=PERIOD))
    bob = node()
    pay = [ALICE.transfer(BOB.address, 10, nonce=0), ALICE.transfer(BOB.address, 20, nonce=1)]
    for stx in pay:
        assert bob.receive_transaction(stx) is True
    assert bob.receive_transaction(pay[0]) is False            # already known
    rule = bob.rule
    genesis = chain.head_hash
    by_address = {k.address: k for k in (GRID, CITY, COOP)}
    # the light branch: one out-of-turn block holding both transfers
    out_of_turn = next(k for k in (GRID, CITY, COOP) if k.address != rule.in_turn_signer(chain))
    light = seal_on(chain, out_of_turn, pay)
    result = bob.receive_block(light)
    assert len(bob.mempool) == 0 and result.reorg.depth == 0
    # the heavy branch: two in-turn blocks, the second holds only the first transfer
    heavy1 = seal_on(chain, by_address[rule.in_turn_signer(chain)], parent=genesis)
    chain.add_block(heavy1)
    heavy2 = seal_on(chain, by_address[rule.in_turn_signer(chain, heavy1.hash)], [pay[0]],
                     parent=heavy1.hash)
    result = bob.receive_block(heavy1)                   # heavier already: 2 > 1
    assert result.reorg.dropped == (light,) and result.reorg.added == (heavy1,)
    assert result.returned == pay and bob.mempool.transactions() == pay
    result = bob.receive_block(heavy2)
    assert result.reorg.depth == 0 and result.returned == []
    assert bob.chain.head_hash == heavy2.hash
    assert bob.mempool.transactions() == [pay[1]]


def test_a_double_sealed_pair_gives_the_same_head_in_any_order_and_leaves_evidence():
    chain = Chain(GENESIS, Clique(period=PERIOD))
    sealer = next(k for k in (GRID, CITY, COOP) if k.address == Clique().in_turn_signer(chain))
    one = seal_on(chain, sealer, [ALICE.transfer(BOB.address, 1, nonce=0)])
    two = seal_on(chain, sealer, offset=1)
    winner = min(one, two, key=lambda b: b.hash)
    for order in ((one, two), (two, one)):
        honest = node("grid", GRID if sealer is not GRID else CITY)
        for block in order:
            honest.receive_block(block)
        assert honest.chain.head_hash == winner.hash
        assert honest.chain.total_difficulty[one.hash] == honest.chain.total_difficulty[two.hash]
        assert honest.evidence == [Equivocation(sealer.address, 1, order[0].hash, order[1].hash)]
        assert honest.proposals == {sealer.address: False}
        assert honest.choose_vote() == "-" + sealer.address


def test_a_node_refuses_a_block_that_breaks_the_signer_limit_and_keeps_its_state():
    honest = node()
    chain = Chain(GENESIS, Clique(period=PERIOD))
    sealer = next(k for k in (GRID, CITY, COOP) if k.address == Clique().in_turn_signer(chain))
    first = seal_on(chain, sealer)
    chain.add_block(first)
    again = seal_on(chain, sealer, [ALICE.transfer(BOB.address, 5, nonce=0)])
    honest.receive_block(first)
    before = (honest.chain.head_hash, honest.chain.state.root(), set(honest.chain.blocks))
    with pytest.raises(RecentlySigned):
        honest.receive_block(again)
    assert (honest.chain.head_hash, honest.chain.state.root(), set(honest.chain.blocks)) == before


HOMES = [Wallet.from_seed(f"household {i}") for i in range(5)]
TREE_GENESIS = Genesis(balances=tuple((w.address, 100) for w in HOMES),
                       authorities=(GRID.address, CITY.address, COOP.address))
TREE_TXS = [w.transfer(HOMES[(i + 1) % 5].address, 1, nonce=0) for i, w in enumerate(HOMES)]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 99), st.sets(st.integers(0, 4))), min_size=1,
                max_size=8), st.randoms(use_true_random=False))
def test_whatever_order_forks_arrive_in_each_transaction_is_on_the_chain_or_pending(
        moves, shuffle):
    """Never lost, never doubled: on the canonical chain once, or else in the mempool."""
    builder = Chain(TREE_GENESIS, Clique(period=PERIOD))
    keys = {k.address: k for k in (GRID, CITY, COOP)}
    blocks = []
    for parent_pick, picks in moves:
        parent = ([builder.head_hash] + [b.hash for b in blocks])[parent_pick % (len(blocks) + 1)]
        on_branch = transaction_counts(builder.canonical_chain(parent))
        txs = [TREE_TXS[i] for i in sorted(picks) if TREE_TXS[i].hash not in on_branch]
        sealer = keys[builder.rule.who_may_seal(builder, parent)[0]]
        blocks.append(seal_on(builder, sealer, txs, parent=parent))
        builder.add_block(blocks[-1])
    bob = Node("bob", TREE_GENESIS, Clique(period=PERIOD))
    for stx in TREE_TXS:
        bob.receive_transaction(stx)
    shuffle.shuffle(blocks)
    for block in blocks:
        bob.receive_block(block)
        counts = transaction_counts(bob.chain.canonical_chain())
        for stx in TREE_TXS:
            assert counts.get(stx.hash, 0) + (stx.hash in bob.mempool) == 1
    assert bob.chain.head_hash == builder.head_hash and bob.orphans == {}


def test_a_transaction_for_another_chain_is_refused():
    bob = node()
    with pytest.raises(WrongChainId):
        bob.receive_transaction(ALICE.transfer(BOB.address, 1, nonce=0, chain_id=2))
    assert len(bob.mempool) == 0


# --- the simulation itself -------------------------------------------------------------------

def test_the_street_graph_links_every_household_to_an_authority_with_seeded_latency():
    graph = sunny_street_graph(seed=3)
    assert sorted(graph.nodes) == sorted(("grid", "city", "coop") + HOUSEHOLDS)
    for house in HOUSEHOLDS:
        assert any(graph.nodes[n]["role"] == "authority" for n in graph.neighbors(house))
    latencies = [graph.edges[e]["latency"] for e in sorted(graph.edges)]
    assert all(0.02 <= x <= 0.2 for x in latencies)
    assert latencies == [sunny_street_graph(seed=3).edges[e]["latency"]
                         for e in sorted(graph.edges)]
    assert latencies != [sunny_street_graph(seed=4).edges[e]["latency"]
                         for e in sorted(graph.edges)]


def test_a_partition_must_place_every_node_once():
    network = sunny_street_network(seed=1)
    with pytest.raises(MinichainError, match="missing"):
        network.partition([("grid", "city")], at=1)
    with pytest.raises(MinichainError, match="two groups"):
        network.partition([network.names, ("grid",)], at=1)


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    first, again, other = (healthy_network(seed=s, duration=33, transfers=4) for s in (5, 5, 6))
    assert first.network.sightings == again.network.sightings
    assert first.network.log == again.network.log
    assert [s.time for s in first.network.sightings] != [s.time for s in other.network.sightings]


# --- the scenarios ---------------------------------------------------------------------------

def test_a_healthy_street_converges_on_one_valid_head_with_every_transfer_once():
    result = healthy_network(seed=7)
    network = result.network
    assert result.converged
    assert network.nodes["grid"].chain.height == 12        # one block every 5 s up to 60 s
    assert revalidated(network, "alice").head_hash == network.nodes["grid"].chain.head_hash
    assert len(network.submitted) == 12
    assert_every_transaction_once(network)
    assert network.rejections == []
    # short forks happen when an out-of-turn sealer's wiggle ends before the in-turn block
    # arrives; the in-turn block weighs more and wins everywhere
    assert network.reorgs
    for reorg in network.reorgs:
        chain = network.nodes[reorg.node].chain
        assert len(reorg.dropped) == len(reorg.added) == 1
        assert [chain.blocks[h].header.difficulty for h in reorg.dropped + reorg.added] == [1, 2]
    assert result.story[0] == "all 9 running nodes agree on head #12 " \
                              f"({network.nodes['grid'].chain.head_hash.hex()[:8]})"


@pytest.mark.parametrize("seed", [1, 4])
def test_lost_messages_are_recovered_by_head_announcements(seed):
    result = healthy_network(seed=seed, loss=0.3, duration=93)
    assert result.network.messages_lost > 0.2 * result.network.messages_sent
    assert result.converged
    assert_every_transaction_once(result.network)


def test_a_node_quiet_when_idle_says_nothing_its_neighbours_already_know(tmp_path):
    """The street's day network: an hour with nothing to do costs no messages at all."""
    chatty, quiet = (Network(sunny_street_graph(3, ("grid", "city", "coop"), ()), GENESIS,
                             {"grid": GRID, "city": CITY, "coop": COOP}, seed=3,
                             rule=Clique(period=PERIOD), seal_empty=False,
                             status_when_idle=idle) for idle in (True, False))
    for network in (chatty, quiet):
        network.run(3600)
    assert chatty.messages_sent == 3 * 2 * 360          # every node, both links, every 10 s
    assert quiet.messages_sent == 3 * 2                  # its first announcement only


@pytest.mark.parametrize("seed", [1, 4])
def test_a_quiet_node_still_announces_after_a_loss_so_lost_messages_are_recovered(seed):
    network = sunny_street_network(seed, loss=0.3)
    network.status_when_idle = False
    schedule_transfers(network, random.Random(seed), 1, 73, 12)
    network.run(93)
    assert network.messages_lost > 0.2 * network.messages_sent
    assert network.converged()
    assert_every_transaction_once(network)


def test_a_partition_forks_and_on_heal_the_heavier_branch_wins_with_no_transfer_lost():
    result = partition_and_heal(seed=7)
    network = result.network
    assert result.converged
    final = network.nodes["grid"].chain
    split = next(e.time for e in network.log if e.text.startswith("partition"))
    # the minority (coop's side) sealed its own block during the split ...
    coop_address = network.nodes["coop"].address
    fork = [s for s in network.sightings if s.node == "coop" and s.sealer == coop_address
            and s.time > split and final.canonical_chain()[s.number].hash != s.block]
    assert len(fork) == 1
    # ... and every minority node dropped it for the heavier branch when the street healed
    healed = [r for r in network.reorgs if fork[0].block in r.dropped]
    assert sorted(r.node for r in healed) == sorted(MINORITY_SIDE)
    for reorg in healed:
        chain = network.nodes[reorg.node].chain
        assert chain.total_difficulty[reorg.old_head] < chain.total_difficulty[reorg.new_head]
    dropped_txs = final.blocks[fork[0].block].transactions
    assert len(dropped_txs) >= 1 and all(r.returned == len(dropped_txs) for r in healed)
    assert {stx.hash for stx in dropped_txs} <= set(transaction_counts(final.canonical_chain()))
    assert_every_transaction_once(network)
    assert len(network.submitted) == 32
    revalidated(network, "carol")


def test_with_fewer_than_a_majority_of_authorities_online_the_chain_stalls():
    result = too_few_authorities(seed=7)
    assert result.network.nodes["grid"].chain.height == 1
    assert explain_stall(result.network) == result.story[1]
    assert "signer limit lets each seal only one of any 2 consecutive blocks " \
           "(floor(3/2)+1) and grid sealed #1" in result.story[1]
    resumed = too_few_authorities(seed=7, back_at=30)
    assert resumed.network.nodes["grid"].chain.height > 5
    assert resumed.converged
    assert explain_stall(resumed.network).startswith("not stalled")


@pytest.mark.parametrize("online, expected_height", [(1, 1), (2, 2), (3, None)])
def test_five_authorities_need_three_online(online, expected_height):
    names = ("a1", "a2", "a3", "a4", "a5")
    network = sunny_street_network(seed=2, authorities=names, households=("alice", "bob"))
    for name in names[online:]:
        network.crash(name, at=0)
    network.run(63)
    height = network.nodes["alice"].chain.height
    if expected_height is None:
        assert height == 12 and "not stalled" in explain_stall(network)
    else:
        assert height == expected_height and "stalled at block" in explain_stall(network)


def test_a_rogue_sealing_out_of_the_signer_limit_is_rejected_by_every_honest_neighbour():
    result = rogue_authority(seed=7, mode="out_of_limit")
    network = result.network
    honest = [n for n in network.names if n != "coop"]
    assert result.converged
    rejected = [r for r in network.rejections if r.node in honest]
    assert rejected and {r.error for r in rejected} == {"RecentlySigned"}
    assert {r.sealer for r in rejected} == {network.nodes["coop"].address}
    for name in honest:
        chain = revalidated(network, name)
        assert not {r.block for r in rejected} & set(chain.blocks)
    assert_every_transaction_once(network)


def test_a_double_sealing_rogue_gains_no_weight_and_is_voted_out():
    result = rogue_authority(seed=7, mode="double_seal")
    network = result.network
    rogue = network.nodes["coop"].address
    honest = [n for n in network.names if n != "coop"]
    assert result.converged
    assert all(network.nodes[n].evidence for n in honest)
    final = revalidated(network, "alice")
    canonical = {b.hash for b in final.canonical_chain()}
    for name in honest:
        for evidence in network.nodes[name].evidence:
            assert len({evidence.first, evidence.second} & canonical) <= 1
    assert rogue not in network.rule.authorities(network.nodes["alice"].chain)
    after_removal = [r for r in network.rejections if r.node in honest and r.error ==
                     UnauthorisedSealer.__name__]
    assert after_removal and {r.sealer for r in after_removal} == {rogue}
    assert result.story[2] == "the rogue is no longer an authority on the honest chain"
    assert_every_transaction_once(network)


def test_a_crashed_authority_restarts_from_its_store_with_nothing_lost(tmp_path):
    result = crash_and_restart(tmp_path, seed=7)
    network = result.network
    crashed = next(e for e in network.log if e.node == "city" and "crashes" in e.text)
    restarted = next(e for e in network.log if e.node == "city" and "restarts" in e.text)
    height = int(crashed.text.rsplit(" ", 1)[1])
    assert height >= 3
    assert restarted.text == f"restarts from its store on disk at height {height}"
    assert result.converged
    assert_every_transaction_once(network)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.chain" for n in network.names)


def test_without_a_store_a_restarted_node_starts_from_genesis_and_catches_up():
    result = crash_and_restart(None, seed=7)
    network = result.network
    restarted = next(e for e in network.log if e.node == "city" and "restarts" in e.text)
    assert restarted.text == "restarts from genesis (nothing on disk) at height 0"
    assert result.converged
    # it listened before sealing, so it never sealed on a stale head while catching up
    street_height = max(s.number for s in network.sightings
                        if s.node == "grid" and s.time <= restarted.time)
    sealed_after = [int(e.text.split("#")[1].split()[0]) for e in network.log
                    if e.node == "city" and e.text.startswith("seals block")
                    and e.time > restarted.time]
    assert sealed_after and min(sealed_after) > street_height
    assert_every_transaction_once(network)


def test_transfers_are_handed_to_the_senders_own_node_with_increasing_nonces():
    network = sunny_street_network(seed=1)
    sent = schedule_transfers(network, random.Random(1), 1, 20, 10, senders=("alice", "bob"))
    for sender in ("alice", "bob"):
        mine = [stx.tx.nonce for stx in sent if stx.sender == Wallet.from_seed(sender).address]
        assert mine == list(range(len(mine)))
    assert network.submitted == sent


def test_a_scenario_result_names_the_authorities_like_its_network():
    result = healthy_network(duration=10, transfers=1)
    names = result.authority_names()
    assert names == result.network.authority_names()
    assert sorted(names.values()) == ["city", "coop", "grid"]
