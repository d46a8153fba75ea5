"""The finality gadget on its own: quorum arithmetic, votes, evidence, justification (chapter 13).

Quorums are more than two thirds and any two share ``overlap(n)`` keys; a vote is an
authority's signature over a link between two checkpoints, refused when it is for another
chain, between non-checkpoints, backwards, or forged (a tampered link or a malleated
signature); two votes by one key that double vote or surround are evidence anyone can
check. On a real Clique chain of three or four authorities: a quorum of votes justifies
and finalises, fewer does not, non-authorities do not count, a vote waits for its block,
fork choice never leaves the newest justified checkpoint, and an honest authority never
votes against itself. Property tests: the outcome does not depend on the order votes
arrive in, and whenever two conflicting checkpoints are final, at least ``overlap(n)``
keys are caught by evidence (accountable safety).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from minichain import cast, crypto
from minichain.chain import Chain, Genesis
from minichain.errors import BadFinalityVote, InvalidEvidence, UnknownParent
from minichain.finality import (DOUBLE_VOTE, SURROUND_VOTE, Evidence, Finality, FinalityRule,
                                Link, check_evidence, check_vote, faults_tolerated,
                                find_evidence, link_digest, overlap, quorum, sign_vote)
from minichain.node import Node
from minichain.poa import Clique
from minichain.tx import Transaction
from minichain.wallet import Wallet, message_digest

SEEDS = (cast.GRID_OPERATOR, cast.MUNICIPALITY, cast.ENERGY_CO_OP, cast.NEW_AUTHORITY)
KEYS = [Wallet.from_seed(seed).key for seed in SEEDS]
STRANGER = Wallet.from_seed(cast.ATTACKER).key
RULE = FinalityRule(interval=2, confirmations=1)
H = bytes(range(32))
G = bytes(32)


# --- quorum arithmetic ---------------------------------------------------------------------

def test_a_quorum_is_more_than_two_thirds():
    assert [quorum(n) for n in range(1, 11)] == [1, 2, 3, 3, 4, 5, 5, 6, 7, 7]
    assert (quorum(3), overlap(3), faults_tolerated(3)) == (3, 3, 0)
    assert (quorum(4), overlap(4), faults_tolerated(4)) == (3, 2, 1)
    with pytest.raises(BadFinalityVote, match="at least one authority"):
        quorum(0)


@given(st.integers(1, 10_000))
def test_quorum_properties(n):
    q = quorum(n)
    assert 3 * q > 2 * n >= 3 * (q - 1)                 # the smallest count above 2n/3
    assert faults_tolerated(n) == (n - 1) // 3 == n - q
    assert overlap(n) == 2 * q - n >= faults_tolerated(n) + 1   # always one honest key shared
    besu = -(-2 * n // 3)                               # "at least two thirds", ceil(2n/3)
    assert q == besu + (1 if n % 3 == 0 else 0)


# --- votes -------------------------------------------------------------------------------------

def vote(key, s, t, source=G, target=H, chain_id=1):
    return sign_vote(key, Link(chain_id, s, source, t, target))


def test_a_vote_checks_and_its_digest_is_its_own():
    v = vote(KEYS[0], 0, 2)
    check_vote(v, 1, RULE)
    assert v.voter == KEYS[0].address
    assert v.digest == link_digest(v.link) != message_digest(v.link)
    assert v == vote(KEYS[0], 0, 2)                     # RFC 6979: the same link, the same vote


@pytest.mark.parametrize("forge, message", [
    (lambda v: replace(v, link=replace(v.link, chain_id=2)), "for chain 2, this chain's id is 1"),
    (lambda v: replace(v, link=replace(v.link, target_number=3)), "a vote links checkpoints"),
    (lambda v: replace(v, link=replace(v.link, target=bytes(32))), "does not verify"),
    (lambda v: replace(v, signature=crypto.flip_s(v.signature)), "does not verify"),
    (lambda v: replace(v, voter_key=KEYS[1].public_key), "does not verify"),
    (lambda v: replace(v, voter_key=bytes(32)), "not a compressed secp256k1"),
], ids=["another chain", "not a checkpoint", "tampered link", "malleated signature",
        "another key", "no key"])
def test_a_forged_or_misplaced_vote_is_refused(forge, message):
    with pytest.raises(BadFinalityVote, match=message):
        check_vote(forge(vote(KEYS[0], 0, 2)), 1, RULE)


def test_a_vote_goes_forwards():
    with pytest.raises(BadFinalityVote, match="target must come after its source"):
        check_vote(vote(KEYS[0], 2, 2), 1, RULE)


def test_a_vote_signature_is_no_transaction_signature():
    """Domain separation: the bytes signed for a vote are never a transaction's."""
    v = vote(KEYS[0], 0, 2)
    tx = Transaction(sender=KEYS[0].address, nonce=0, chain_id=1, kind="transfer",
                     to=KEYS[1].address, value=1)
    assert not crypto.verify(KEYS[0].public_key, tx.signing_digest, v.signature)


# --- evidence -------------------------------------------------------------------------------

def test_two_votes_for_one_height_are_a_double_vote_anyone_can_check():
    a, b = vote(KEYS[2], 0, 4, target=H), vote(KEYS[2], 0, 4, target=bytes(31) + b"\x01")
    evidence = find_evidence(a, b)
    assert evidence.kind == DOUBLE_VOTE and evidence == find_evidence(b, a)
    assert check_evidence(evidence, 1, RULE) == KEYS[2].address
    assert find_evidence(a, vote(KEYS[2], 2, 4, source=H)).kind == DOUBLE_VOTE   # other source


def test_one_link_inside_another_is_a_surround_vote():
    outer, inner = vote(KEYS[1], 0, 8), vote(KEYS[1], 2, 6)
    assert find_evidence(outer, inner).kind == SURROUND_VOTE == find_evidence(inner, outer).kind
    assert check_evidence(find_evidence(outer, inner), 1, RULE) == KEYS[1].address


@pytest.mark.parametrize("one, other", [
    ((0, 0, 2), (0, 0, 2)),            # the same vote twice
    ((0, 0, 2), (1, 0, 2)),            # two keys
    ((0, 0, 2), (0, 2, 4)),            # one link after the other: honest
    ((0, 0, 4), (0, 2, 6)),            # overlapping, not inside: allowed
    ((0, 0, 4), (0, 0, 6)),            # same source, later target: honest
])
def test_votes_that_break_no_rule_are_no_evidence(one, other):
    assert find_evidence(vote(KEYS[one[0]], one[1], one[2]),
                         vote(KEYS[other[0]], other[1], other[2])) is None


def test_forged_or_mislabelled_evidence_is_refused():
    a, b = vote(KEYS[2], 0, 4), vote(KEYS[2], 0, 4, target=bytes(31) + b"\x01")
    good = find_evidence(a, b)
    malleated = replace(good.second, signature=crypto.flip_s(good.second.signature))
    forged = Evidence(DOUBLE_VOTE, good.first, malleated)
    with pytest.raises(InvalidEvidence, match="two valid votes"):
        check_evidence(forged, 1, RULE)
    with pytest.raises(InvalidEvidence, match="not a surround vote"):
        check_evidence(replace(good, kind=SURROUND_VOTE), 1, RULE)
    framed = Evidence(DOUBLE_VOTE, a, vote(KEYS[3], 0, 4, target=bytes(31) + b"\x01"))
    with pytest.raises(InvalidEvidence, match="not a double vote"):
        check_evidence(framed, 1, RULE)                  # two keys: nobody is framed


# --- on a Clique chain ------------------------------------------------------------------------

def authority_chain(n: int = 3) -> Chain:
    keys = KEYS[:n]
    genesis = Genesis(timestamp=cast.GENESIS_TIME,
                      authorities=tuple(sorted(k.address for k in keys)))
    return Chain(genesis, Clique())


def extend(chain: Chain, parent: bytes, count: int, keys=KEYS, skew: int = 0) -> list[bytes]:
    """``count`` blocks on ``parent``, each by an authority the signer limit allows (the
    in-turn one when it may); ``skew`` seconds later than usual makes a distinct branch."""
    clique, made = chain.rule, []
    by_address = {key.address: key for key in keys}
    for _ in range(count):
        allowed = clique.who_may_seal(chain, parent)
        in_turn = clique.in_turn_signer(chain, parent)
        sealer = by_address[in_turn if in_turn in allowed else allowed[0]]
        timestamp = chain.blocks[parent].header.timestamp + clique.period + skew
        block, _ = chain.build_block(sealer, [], timestamp, parent_hash=parent)
        chain.add_block(block)
        made.append(block.hash)
        parent = block.hash
    return made


def at(chain: Chain, tip: bytes, number: int) -> bytes:
    return chain.canonical_chain(tip)[number].hash


def link_votes(chain: Chain, keys, source: bytes, target: bytes):
    s, t = chain.blocks[source].number, chain.blocks[target].number
    return [sign_vote(key, Link(chain.chain_id, s, source, t, target)) for key in keys]


def test_a_quorum_justifies_and_the_next_link_finalises():
    chain = authority_chain(3)
    tip = extend(chain, chain.head_hash, 6)[-1]
    genesis, c2, c4 = (at(chain, tip, n) for n in (0, 2, 4))
    view = Finality(chain, chain.rule, RULE)
    for v in link_votes(chain, KEYS[:2], genesis, c2):          # two of three: not enough
        view.receive(v)
    assert c2 not in view.justified and view.finalized == genesis
    view.receive(link_votes(chain, KEYS[2:3], genesis, c2)[0])
    assert c2 in view.justified and view.finalized == genesis   # justified, not yet final
    for v in link_votes(chain, KEYS[:3], c2, c4):
        counted = view.receive(v)
    assert counted.finalized == [c2] and view.finalized == c2 and c4 in view.justified
    assert view.is_final(c2) and view.is_final(genesis) and not view.is_final(c4)


def test_a_stranger_does_not_count_and_a_skipped_checkpoint_justifies_but_does_not_finalise():
    chain, replica = authority_chain(3), authority_chain(3)
    tip = extend(chain, chain.head_hash, 8)[-1]
    genesis, c4, c6 = (at(chain, tip, n) for n in (0, 4, 6))
    view = Finality(chain, chain.rule, RULE)
    stranger = link_votes(chain, [STRANGER], genesis, c4)[0]
    with pytest.raises(BadFinalityVote, match="not one of the authorities who vote on block #4"):
        view.receive(stranger)
    early = Finality(replica, replica.rule, RULE)
    assert early.receive(stranger).new                  # its block is not known here yet
    for block in chain.canonical_chain()[1:]:
        replica.add_block(block)
    for v in link_votes(chain, KEYS[:2], genesis, c4):
        view.receive(v)
        early.receive(v)
    assert c4 not in view.justified and c4 not in early.justified   # 2 + a stranger: no
    view.receive(link_votes(chain, KEYS[2:3], genesis, c4)[0])
    assert c4 in view.justified and view.finalized == genesis    # 0 -> 4 skips checkpoint 2
    for v in link_votes(chain, KEYS[:3], c4, c6):
        view.receive(v)
    assert view.finalized == c4


def test_with_four_authorities_three_votes_are_a_quorum():
    chain = authority_chain(4)
    tip = extend(chain, chain.head_hash, 6)[-1]
    genesis, c2, c4 = (at(chain, tip, n) for n in (0, 2, 4))
    view = Finality(chain, chain.rule, RULE)
    for v in link_votes(chain, KEYS[1:4], genesis, c2) + link_votes(chain, KEYS[:3], c2, c4):
        view.receive(v)
    assert view.finalized == c2


def test_a_vote_for_a_block_not_yet_known_counts_once_it_arrives():
    chain, replica = authority_chain(3), authority_chain(3)
    tip = extend(chain, chain.head_hash, 3)[-1]
    genesis, c2 = at(chain, tip, 0), at(chain, tip, 2)
    view = Finality(replica, replica.rule, RULE)
    for v in link_votes(chain, KEYS[:3], genesis, c2):
        assert view.receive(v).new
    assert c2 not in view.justified
    for block in chain.canonical_chain()[1:]:
        replica.add_block(block)
    view.recount()
    assert c2 in view.justified and replica.anchor_hash == c2


def test_fork_choice_never_leaves_the_newest_justified_checkpoint():
    chain = authority_chain(3)
    main = extend(chain, chain.head_hash, 4)
    genesis, c2 = at(chain, main[-1], 0), at(chain, main[-1], 2)
    view = Finality(chain, chain.rule, RULE)
    for v in link_votes(chain, KEYS[:3], genesis, c2):
        view.receive(v)
    assert chain.anchor_hash == c2
    heavier = extend(chain, at(chain, main[-1], 1), 8, skew=1)   # forks below the checkpoint
    assert chain.total_difficulty[heavier[-1]] > chain.total_difficulty[main[-1]]
    assert chain.head_hash == main[-1]                  # Clique alone would switch
    free = authority_chain(3)
    for block in chain.canonical_chain(main[-1])[1:] + chain.canonical_chain(heavier[-1])[2:]:
        free.add_block(block)
    assert free.head_hash == heavier[-1]                # and does, without the gadget


def test_a_justified_checkpoint_on_another_branch_moves_the_head_there():
    chain = authority_chain(3)
    genesis = chain.head_hash
    main = extend(chain, genesis, 8)
    other = extend(chain, genesis, 3, skew=1)
    assert chain.head_hash == main[-1]
    view = Finality(chain, chain.rule, RULE)
    for v in link_votes(chain, KEYS[:3], genesis, other[1]):
        result = view.receive(v)
    assert chain.head_hash == other[-1] and result.reorg is not None
    assert [b.hash for b in result.reorg.added] == other


def test_the_authorities_are_cliques_after_a_vote_out():
    chain = authority_chain(3)
    view = Finality(chain, chain.rule, RULE)
    removed = KEYS[2].address
    clique = chain.rule
    parent = chain.head_hash
    for key in KEYS[:2]:                                 # two of three vote the co-op out
        while key.address not in clique.who_may_seal(chain, parent):
            parent = extend(chain, parent, 1, keys=KEYS[:3])[-1]
        block, _ = chain.build_block(key, [], chain.blocks[parent].header.timestamp + 5,
                                     parent_hash=parent, vote=f"-{removed}")
        chain.add_block(block)
        parent = block.hash
    assert removed not in clique.authorities(chain)
    tip = extend(chain, parent, 4, keys=KEYS[:2])[-1]
    n = chain.blocks[tip].number
    source, target = at(chain, tip, 0), at(chain, tip, n - n % 2)
    for v in link_votes(chain, KEYS[:2], source, target):   # two of two now
        view.receive(v)
    assert target in view.justified


def test_an_anchor_must_be_a_known_block():
    chain = authority_chain(3)
    with pytest.raises(UnknownParent, match="cannot anchor fork choice"):
        chain.set_anchor(bytes(32))


# --- a node ------------------------------------------------------------------------------------

def node_pair():
    chain = authority_chain(3)
    extend(chain, chain.head_hash, 5)
    authority = Node("grid", chain.genesis, Clique(), KEYS[0], finality=RULE)
    household = Node("alice", chain.genesis, Clique(), finality=RULE)
    for block in chain.canonical_chain()[1:]:
        authority.receive_block(block)
        household.receive_block(block)
    return chain, authority, household


def test_a_node_that_holds_evidence_proposes_to_vote_the_key_out():
    chain, authority, household = node_pair()
    genesis, c2, c4 = (at(chain, chain.head_hash, n) for n in (0, 2, 4))
    one, two = link_votes(chain, KEYS[2:3], genesis, c2) + link_votes(chain, KEYS[2:3], genesis, c4)
    double = sign_vote(KEYS[2], Link(1, 0, genesis, 4, bytes(32)))
    for node in (authority, household):
        assert node.receive_vote(one).new_vote and not node.receive_vote(one).new_vote
        assert node.receive_vote(two).vote_evidence == []     # 0->2 then 0->4: honest
        seen = node.receive_vote(double).vote_evidence
        assert [(e.kind, e.offender) for e in seen] == [(DOUBLE_VOTE, KEYS[2].address)]
    assert authority.proposals == {KEYS[2].address: False}
    assert household.proposals == {}
    assert authority.choose_vote() == f"-{KEYS[2].address}"


def test_an_authority_node_casts_its_due_vote_and_counts_it():
    _, authority, household = node_pair()
    vote, result = authority.cast_vote()
    assert vote.voter == KEYS[0].address and vote.link.target_number == 4
    assert result.new_vote and authority.finality.links[vote.link] == {KEYS[0].address: vote}
    assert household.cast_vote()[0] is None                    # no key, no vote
    assert authority.cast_vote()[0] is None                    # not twice


def test_a_node_without_the_gadget_refuses_votes():
    chain = authority_chain(3)
    plain = Node("grid", chain.genesis, Clique(), KEYS[0])
    with pytest.raises(BadFinalityVote, match="runs no finality gadget"):
        plain.receive_vote(vote(KEYS[0], 0, 2))
    assert plain.finality is None and plain.cast_vote()[0] is None


# --- an honest authority ---------------------------------------------------------------------

def test_an_honest_authority_votes_once_per_checkpoint_and_never_against_itself():
    """Blocks arrive on random branches; the others vote along now and then."""
    chain = authority_chain(3)
    view = Finality(chain, chain.rule, RULE, key=KEYS[0])
    assert view.due_vote() is None                      # only genesis
    rng = random.Random(5)
    cast_votes = []
    tips = [chain.head_hash]
    for _ in range(60):
        start = rng.choice(tips + [chain.head_hash] * 3)
        tips.append(extend(chain, start, rng.randint(1, 3), skew=rng.randint(0, 2))[-1])
        view.recount()
        v = view.due_vote()
        if v is not None:
            view.receive(v)
            cast_votes.append(v)
            for other in KEYS[1:]:
                if rng.random() < 0.6 and other is not KEYS[3]:     # KEYS[3]: no authority
                    view.receive(sign_vote(other, v.link))
    links = [(v.link.source_number, v.link.target_number) for v in cast_votes]
    assert links == [(0, 2), (0, 4), (0, 6), (6, 8), (6, 10), (6, 12), (6, 14), (6, 16),
                     (6, 18), (18, 22)]           # sources never fall, targets always rise
    assert all(find_evidence(a, b) is None for a in cast_votes for b in cast_votes)
    assert view.evidence == []


def test_a_non_authority_casts_no_vote():
    chain = authority_chain(3)
    extend(chain, chain.head_hash, 5)
    assert Finality(chain, chain.rule, RULE, key=STRANGER).due_vote() is None
    assert Finality(chain, chain.rule, RULE, key=None).due_vote() is None


def test_last_target_survives_a_restart():
    chain = authority_chain(3)
    extend(chain, chain.head_hash, 5)
    assert Finality(chain, chain.rule, RULE, key=KEYS[0]).due_vote().link.target_number == 4
    assert Finality(chain, chain.rule, RULE, key=KEYS[0], last_target=4).due_vote() is None


# --- properties ---------------------------------------------------------------------------------

@dataclass
class Tree:
    chain: Chain
    checkpoints: list[bytes]


def random_tree(seed: int, n: int) -> Tree:
    rng = random.Random(seed)
    chain = authority_chain(n)
    tips = [chain.head_hash]
    for branch in range(rng.randint(1, 4)):
        start = rng.choice(tips)
        tips.append(extend(chain, start, rng.randint(2, 6), keys=KEYS[:n], skew=branch)[-1])
    checkpoints = sorted((h for h, b in chain.blocks.items() if b.number % RULE.interval == 0),
                         key=lambda h: (chain.blocks[h].number, h))
    return Tree(chain, checkpoints)


def random_votes(tree: Tree, n: int, rng: random.Random, links: int) -> list:
    """Votes by random sets of authorities (byzantine or not: anything goes): on random
    forward links between checkpoints of one branch, and along whole branches, checkpoint
    after checkpoint, the way a quorum finalises them."""
    chain, votes = tree.chain, []
    for _ in range(links):
        target = rng.choice(tree.checkpoints[1:])
        ancestors = [h for h in tree.checkpoints if chain.blocks[h].number <
                     chain.blocks[target].number and chain.descends_from(target, h)]
        if rng.random() < 0.5:
            walk = ancestors + [target]
            for source, step in zip(walk, walk[1:]):
                voters = rng.sample(KEYS[:n], rng.choice([n, n, n - 1]))
                votes += link_votes(chain, voters, source, step)
        else:
            voters = rng.sample(KEYS[:n], rng.randint(1, n))
            votes += link_votes(chain, voters, rng.choice(ancestors), target)
    return votes


def outcome(tree: Tree, votes) -> tuple[frozenset, frozenset]:
    chain = authority_chain(len(tree.chain.genesis.authorities))
    for block in sorted(tree.chain.blocks.values(), key=lambda b: b.number)[1:]:
        chain.add_block(block)
    view = Finality(chain, chain.rule, RULE)
    for v in votes:
        view.receive(v)
    return frozenset(view.justified), frozenset(view.finalizable)


PROPERTY = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.integers(0, 2 ** 32), st.sampled_from([3, 4]), st.randoms(use_true_random=False))
def test_the_outcome_does_not_depend_on_the_order_votes_arrive_in(seed, n, shuffle):
    tree = random_tree(seed, n)
    votes = random_votes(tree, n, random.Random(seed), links=5)
    first = outcome(tree, votes)
    shuffle.shuffle(votes)
    assert outcome(tree, votes) == first


@PROPERTY
@given(st.integers(0, 2 ** 32), st.sampled_from([3, 4]))
def test_accountable_safety_conflicting_final_checkpoints_expose_overlap_keys(seed, n):
    tree = random_tree(seed, n)
    rng = random.Random(seed)
    votes = random_votes(tree, n, rng, links=rng.randint(2, 6))
    _, final = outcome(tree, votes)
    chain = tree.chain
    conflicting = [(a, b) for a in final for b in final
                   if not (chain.descends_from(a, b) or chain.descends_from(b, a))]
    offenders = {e.offender for a in votes for b in votes
                 if (e := find_evidence(a, b)) is not None}
    if conflicting:
        assert len(offenders) >= overlap(n)


@pytest.mark.parametrize("n, expected", [(3, 1), (4, 9)])   # the trees' hashes decide
def test_accountable_safety_is_not_vacuous(n, expected):
    """Of 60 seeded random trees and votes, some do make conflicting checkpoints final,
    each time with every key of an overlap caught."""
    found = 0
    for seed in range(60):
        tree = random_tree(seed, n)
        rng = random.Random(seed)
        votes = random_votes(tree, n, rng, links=rng.randint(2, 6))
        _, final = outcome(tree, votes)
        chain = tree.chain
        if any(not (chain.descends_from(a, b) or chain.descends_from(b, a))
               for a in final for b in final):
            found += 1
            offenders = {e.offender for a in votes for b in votes
                         if (e := find_evidence(a, b)) is not None}
            assert len(offenders) >= overlap(n)
    assert found == expected
