"""The cloning attack, both ways, on the network of nodes (chapter 13).

Without the finality gadget one authority key on two nodes across a partition keeps both
sides sealing: two heads with confirmations on both sides, a merchant who waited for six
confirmations ships, and the heal takes her payment away. With it, nothing after the split
is final on either side, the merchant who waits for finality never ships, every node holds
evidence of the key's double votes that anyone can check, the honest authorities vote the
key out, finality goes on, and no two conflicting blocks are ever final. With "at least
two thirds" (2 of 3) instead of "more than two thirds", both sides finalise and the street
splits for good. Chapters 04 and 05 are unchanged: their scenarios give, bit for bit, the
logs they gave before the gadget existed, and without it no vote is ever sent.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

import pytest

from minichain import street_network
from minichain.attacks.cloning import (CLONE, CLONED, MERCHANT, cloning_attack,
                                       conflicting_final)
from minichain.finality import DOUBLE_VOTE, FinalityRule, check_evidence
from minichain.network import Envelope, Network
from minichain.poa import Clique


@pytest.fixture(scope="module")
def without():
    return cloning_attack(finality=False)


@pytest.fixture(scope="module")
def with_gadget():
    return cloning_attack(finality=True)


def test_without_the_gadget_clique_accepts_both_sides(without):
    a, b = without.heads_at_heal["A"], without.heads_at_heal["B"]
    assert a.hash != b.hash and without.fork.number == 3
    assert (without.blocks_above_fork("A"), without.blocks_above_fork("B")) == (12, 9)
    assert without.confirmations_seen == 8                # Erin saw 8 blocks on her payment
    assert without.shipped_at == 51
    grid = without.network.nodes["grid"]
    sealers = {blk.header.sealer for blk in grid.chain.canonical_chain()[without.fork.number + 1:]}
    assert grid.address in sealers and without.network.nodes[CLONED].address in sealers


def test_without_the_gadget_the_heal_takes_the_merchants_payment_away(without):
    assert not without.on_final_chain(without.payment)
    assert without.on_final_chain(without.double_spend)
    assert without.dropped_at_merchant() == 9
    assert not without.network.vote_evidence and not without.network.finalized
    members = without.network.rule.authorities(without.network.nodes["grid"].chain)
    assert without.network.nodes[CLONED].address in members     # nothing caught the clone


def test_with_the_gadget_nothing_after_the_split_is_final_and_the_merchant_never_ships(
        with_gadget):
    assert with_gadget.confirmations_seen == 8              # the same blocks, the same count
    assert with_gadget.shipped_at is None and not with_gadget.payment_final_at_merchant
    heal = 80
    before_heal = [r for r in with_gadget.network.finalized if r.time < heal]
    assert all(r.number <= with_gadget.fork.number for r in before_heal)
    assert conflicting_final(with_gadget.network) == []


def test_with_the_gadget_the_clone_is_caught_by_evidence_anyone_can_check(with_gadget):
    network = with_gadget.network
    cloned = network.nodes[CLONED].address
    seen = network.vote_evidence
    assert {record.node for record in seen} == set(network.names) - {CLONE}
    assert {record.evidence.offender for record in seen} == {cloned}
    assert {record.evidence.kind for record in seen} == {DOUBLE_VOTE}
    assert min(record.time for record in seen) == pytest.approx(80.03, abs=0.01)
    for record in seen:
        assert check_evidence(record.evidence, network.genesis.chain_id,
                              network.finality) == cloned


def test_with_the_gadget_the_clone_is_voted_out_and_finality_goes_on(with_gadget):
    network = with_gadget.network
    grid = network.nodes["grid"]
    members = network.rule.authorities(grid.chain)
    assert network.nodes[CLONED].address not in members and len(members) == 2
    votes = [(blk.number, blk.header.vote[:1]) for blk in grid.chain.canonical_chain()
             if blk.header.vote]
    assert votes == [(17, "-"), (19, "-")]                  # grid, then city: 2 of 3
    final = sorted({(r.time, r.number) for r in network.finalized if r.node == MERCHANT})
    assert final[0] == (85.298, 14) and final[-1][1] == 24
    assert network.converged()
    assert not with_gadget.on_final_chain(with_gadget.payment)


def test_no_node_ever_leaves_a_block_it_made_final(with_gadget):
    network = with_gadget.network
    for record in network.finalized:
        node = network.nodes[record.node]
        if record.node not in network.down:
            assert node.chain.is_canonical(record.block)
            assert node.finality.is_final(record.block)


def test_at_least_two_thirds_is_not_enough_with_three_authorities():
    """Besu's ceil(2n/3) is 2 of 3: the clone and one honest key finalise each side."""

    @dataclass(frozen=True)
    class AtLeastTwoThirds(FinalityRule):
        def quorum(self, authorities: int) -> int:
            return -(-2 * authorities // 3)

    split = cloning_attack(finality=True, rule=AtLeastTwoThirds())
    assert split.shipped_at == 37 and split.payment_final_at_merchant
    assert len(conflicting_final(split.network)) > 0
    assert split.dropped_at_merchant() == 0                # Erin's side never comes back
    assert not split.network.converged()
    assert split.network.nodes[MERCHANT].chain.find_transaction(split.payment.hash) is not None


def test_a_healthy_street_with_the_gadget_finalises_behind_its_head():
    network = street_network.sunny_street_network(7)
    gadget = Network(network.graph, network.genesis, network.keys, seed=7, rule=Clique(),
                     finality=FinalityRule())
    street_network.schedule_transfers(gadget, random.Random(7), 1, 40, 12)
    gadget.run(63)
    finals = {name: gadget.nodes[name].finality.final_block.number for name in gadget.names}
    assert set(finals.values()) == {8} and gadget.nodes["grid"].chain.height == 12
    assert gadget.converged() and not gadget.vote_evidence
    counts = gadget.inclusion_counts("grid")
    assert sorted(set(counts.values())) == [1]


def test_a_restarted_authority_does_not_vote_twice():
    network = street_network.sunny_street_network(7)
    gadget = Network(network.graph, network.genesis, network.keys, seed=7, rule=Clique(),
                     finality=FinalityRule())
    gadget.crash("city", at=22)
    gadget.restart("city", at=40)
    gadget.run(90)
    assert not gadget.vote_evidence
    assert gadget.nodes["city"].finality.last_target >= 12
    assert gadget.converged()


# --- chapters 04 and 05 are unchanged -------------------------------------------------------

def fingerprint(result) -> str:
    network = result.network
    text = "\n".join(f"{e.time}|{e.node}|{e.text}" for e in network.log)
    text += f"|{network.messages_sent}|{network.messages_lost}|" + "|".join(
        f"{name}:{block.hash.hex()}" for name, block in sorted(network.heads().items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# Taken from these scenarios before the finality gadget existed, then pinned again when the
# state root became a Merkle trie (every block hash changed).
BEFORE = {"healthy": "568235656fc50ec8", "partition": "70d5bedfa18dcf64",
          "few": "60ce6d8eef0f97bf", "rogue_ool": "0ef0f2c00387f8ee",
          "rogue_ds": "c401951616fdda6a", "crash": "b3a02e665ac7bdf2"}


def test_chapter_05s_scenarios_give_the_same_logs_as_before_the_gadget(tmp_path):
    s = street_network
    results = {"healthy": s.healthy_network(), "partition": s.partition_and_heal(),
               "few": s.too_few_authorities(back_at=40), "rogue_ool": s.rogue_authority(),
               "rogue_ds": s.rogue_authority(mode="double_seal"),
               "crash": s.crash_and_restart(tmp_path)}
    assert {name: fingerprint(result) for name, result in results.items()} == BEFORE
    for result in results.values():
        assert result.network.finality is None and not result.network.finalized
        assert all(node.finality is None for node in result.network.nodes.values())


def test_without_the_gadget_no_vote_is_ever_sent(monkeypatch):
    sent = []
    original = Network._send

    def spy(self, source, target, message: Envelope):
        sent.append(message.kind)
        original(self, source, target, message)

    monkeypatch.setattr(Network, "_send", spy)
    street_network.partition_and_heal()
    assert "vote" not in sent and {"block", "tx", "status"} <= set(sent)


def test_the_stories_say_what_the_numbers_say(without, with_gadget):
    shared = ("the street splits after block #3; both sides keep sealing with two keys each "
              "(coop's key on both): 12 block(s) on the coop side, 9 on the clone's side "
              "before the heal")
    lost = ("after the heal the payment to Erin is not on the chain and Mallory's second "
            "payment is on it; Erin's node dropped 9 block(s)")
    assert without.story == [
        shared, "Erin saw Mallory's payment under 8 confirmation(s); she shipped at 51 s "
                "(she waits for 6)", lost, "coop's key is still an authority on the final chain"]
    assert with_gadget.story == [
        shared, "Erin saw Mallory's payment under 8 confirmation(s); she never shipped (she "
                "waits for finality)", lost,
        "final on the grid operator's node: up to #24; conflicting final blocks anywhere: 0",
        "9 node(s) hold evidence of double votes by coop",
        "coop's key is no longer an authority on the final chain"]
