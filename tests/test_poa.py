"""Proof of authority on Sunny Street: turns, the signer limit, votes, checkpoints, fork choice.

The grid operator, the municipality and the energy co-op seal blocks in turn. Every way a
block can break the rules has its own typed error, and a rejected block leaves the chain
(head, state root, stored blocks) exactly as it was.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings, strategies as st

from minichain.block import Block, seal_header
from minichain.chain import Chain, Genesis, Reorg
from minichain.errors import (BadCheckpoint, BadSeal, BadVote, ConsensusError, CryptoError,
                              RecentlySigned, TooEarly, UnauthorisedSealer, WrongDifficulty)
from minichain.poa import (DIFF_IN_TURN, DIFF_OUT_OF_TURN, Clique, Snapshot, Turn,
                           parse_vote, sealing_schedule, signer_limit, signer_list_extra,
                           signers_from_extra, vote_to_add, vote_to_remove)
from minichain.wallet import Wallet

pytestmark = pytest.mark.usefixtures("each_crypto_backend")   # both backends

PERIOD = 5
GRID = Wallet.from_seed("grid-operator")
CITY = Wallet.from_seed("municipality")
COOP = Wallet.from_seed("energy-co-op")
SCHOOL = Wallet.from_seed("school")
MALLORY = Wallet.from_seed("mallory")
ALICE = Wallet.from_seed("alice")
BOB = Wallet.from_seed("bob")
AUTHORITIES = (GRID, CITY, COOP)
BY_ADDRESS = {w.address: w for w in (GRID, CITY, COOP, SCHOOL, MALLORY)}


def sorted_authorities(wallets=AUTHORITIES) -> list[Wallet]:
    return sorted(wallets, key=lambda w: w.address)


def new_chain(epoch: int = 30_000, wallets=AUTHORITIES) -> tuple[Chain, Clique]:
    rule = Clique(epoch=epoch, period=PERIOD)
    genesis = Genesis(balances=((ALICE.address, 1_000), (BOB.address, 1_000)),
                      authorities=tuple(w.address for w in wallets))
    return Chain(genesis, rule), rule


def build(chain: Chain, sealer: Wallet, txs=(), vote: str = "", parent: bytes | None = None,
          **extra_kwargs) -> Block:
    parent_block = chain.blocks[parent or chain.head_hash]
    block, rejected = chain.build_block(sealer.key, list(txs),
                                        parent_block.header.timestamp + PERIOD,
                                        parent_hash=parent_block.hash, vote=vote,
                                        **extra_kwargs)
    assert rejected == []
    return block


def seal(chain: Chain, sealer: Wallet, txs=(), vote: str = "") -> Block:
    block = build(chain, sealer, txs, vote)
    chain.add_block(block)
    assert chain.head_hash == block.hash
    return block


def in_turn_wallet(chain: Chain, rule: Clique) -> Wallet:
    return BY_ADDRESS[rule.in_turn_signer(chain)]


def fingerprint(chain: Chain, rule: Clique) -> tuple:
    return (chain.head_hash, chain.state.root(), frozenset(chain.blocks),
            tuple(sorted(chain.total_difficulty.items())), rule.snapshot(chain))


def reseal(block: Block, sealer: Wallet, **changes) -> Block:
    header = dataclasses.replace(block.header, **changes)
    return Block(seal_header(header, sealer.key), block.transactions)


def rejects(chain: Chain, rule: Clique, block: Block, error: type[Exception]) -> str:
    """Adding ``block`` raises exactly ``error`` and changes nothing; return the message."""
    before = fingerprint(chain, rule)
    with pytest.raises(error) as caught:
        chain.add_block(block)
    assert type(caught.value) is error
    assert fingerprint(chain, rule) == before
    return str(caught.value)


# --- the authority set and the turns ----------------------------------------------------

def test_genesis_lists_the_authorities_sorted_in_its_extra():
    chain, rule = new_chain()
    expected = tuple(sorted(w.address for w in AUTHORITIES))
    assert signers_from_extra(chain.head.header.extra) == expected
    assert rule.authorities(chain) == expected
    assert rule.snapshot(chain) == Snapshot(0, chain.head_hash, expected)


def test_turns_rotate_over_the_sorted_authorities_with_difficulty_two_in_turn():
    chain, rule = new_chain()
    order = sorted_authorities()
    for number in range(1, 7):
        assert rule.in_turn_signer(chain) == order[number % 3].address
        block = seal(chain, order[number % 3])
        assert block.header.difficulty == DIFF_IN_TURN
    assert chain.total_difficulty[chain.head_hash] == 12
    assert [t.sealer for t in sealing_schedule(chain, rule)] == [order[n % 3].address
                                                                 for n in range(1, 7)]


def test_an_out_of_turn_block_weighs_one():
    chain, rule = new_chain()
    order = sorted_authorities()
    block = seal(chain, order[2])                     # block 1 is order[1]'s turn
    assert block.header.difficulty == DIFF_OUT_OF_TURN
    assert sealing_schedule(chain, rule) == [
        Turn(1, order[1].address, order[2].address, 1, tuple(w.address for w in order))]


def test_the_signer_limit_is_a_strict_majority_of_the_authorities():
    assert [signer_limit(n) for n in range(1, 8)] == [1, 2, 2, 3, 3, 4, 4]


def test_with_five_authorities_a_sealer_waits_two_blocks_before_sealing_again():
    wallets = (GRID, CITY, COOP, SCHOOL, MALLORY)
    chain, rule = new_chain(wallets=wallets)
    order = sorted_authorities(wallets)
    seal(chain, order[1])
    seal(chain, order[2])
    assert BY_ADDRESS[order[1].address] not in [BY_ADDRESS[a] for a in rule.who_may_seal(chain)]
    assert rule.who_may_seal(chain) == [order[0].address, order[3].address, order[4].address]
    message = rejects(chain, rule, build(chain, order[1]), RecentlySigned)
    assert "already sealed block #1" in message and "one of any 3 consecutive" in message
    seal(chain, order[3])
    seal(chain, order[1])                              # block 4: #1 is out of the window


# --- every rejection is typed and changes nothing -----------------------------------------

def test_a_key_that_is_not_an_authority_is_refused():
    chain, rule = new_chain()
    seal(chain, in_turn_wallet(chain, rule))
    transfer = ALICE.transfer(BOB.address, 10, nonce=0)
    message = rejects(chain, rule, build(chain, MALLORY, [transfer]), UnauthorisedSealer)
    assert MALLORY.address in message and "not one of the authorities" in message


def test_sealing_two_blocks_in_a_row_breaks_the_signer_limit():
    chain, rule = new_chain()
    sealer = in_turn_wallet(chain, rule)
    seal(chain, sealer)
    transfer = ALICE.transfer(BOB.address, 10, nonce=0)
    rejects(chain, rule, build(chain, sealer, [transfer]), RecentlySigned)


@pytest.mark.parametrize("claimed", [DIFF_IN_TURN, DIFF_OUT_OF_TURN, 0, 3])
def test_a_block_must_claim_exactly_the_difficulty_of_its_turn(claimed):
    chain, rule = new_chain()
    order = sorted_authorities()
    for wallet in order:                              # in turn for block 1, then two others
        honest = build(chain, wallet, [ALICE.transfer(BOB.address, 10, nonce=0)])
        if honest.header.difficulty == claimed:
            continue
        message = rejects(chain, rule, reseal(honest, wallet, difficulty=claimed),
                          WrongDifficulty)
        assert f"must be {honest.header.difficulty}" in message


def test_a_checkpoint_must_list_exactly_the_current_authorities():
    chain, rule = new_chain(epoch=3)
    order = sorted_authorities()
    seal(chain, order[1])
    seal(chain, order[2])
    honest = build(chain, order[0])
    assert honest.header.extra == signer_list_extra(w.address for w in order)
    for wrong in (b"", signer_list_extra(w.address for w in order[:2]),
                  signer_list_extra(w.address for w in order + [MALLORY]),
                  b'["' + order[1].address.encode() + b'","' + order[0].address.encode() + b'"]'):
        rejects(chain, rule, build(chain, order[0], extra=wrong), BadCheckpoint)
    chain.add_block(honest)
    assert chain.height == 3


def test_only_checkpoints_carry_an_authority_list():
    chain, rule = new_chain(epoch=3)
    sealer = in_turn_wallet(chain, rule)
    block = build(chain, sealer, extra=signer_list_extra(w.address for w in AUTHORITIES))
    assert "expected it to be empty" in rejects(chain, rule, block, BadCheckpoint)


@pytest.mark.parametrize("vote", ["+", "0x" + "ab" * 20, "*0x" + "ab" * 20, "+0x" + "AB" * 20,
                                  "-0x" + "ab" * 19, "+0x" + "ab" * 20 + " "])
def test_a_malformed_vote_is_refused(vote):
    chain, rule = new_chain()
    block = build(chain, in_turn_wallet(chain, rule), [ALICE.transfer(BOB.address, 1, nonce=0)],
                  vote=vote)
    assert "malformed" in rejects(chain, rule, block, BadVote)


def test_a_checkpoint_may_not_carry_a_vote():
    chain, rule = new_chain(epoch=2)
    seal(chain, in_turn_wallet(chain, rule))
    block = build(chain, in_turn_wallet(chain, rule), vote=vote_to_add(SCHOOL.address))
    assert "checkpoint" in rejects(chain, rule, block, BadVote)


def test_a_block_sooner_than_one_period_after_its_parent_is_refused():
    chain, rule = new_chain()
    sealer = in_turn_wallet(chain, rule)
    block, _ = chain.build_block(sealer.key, [], chain.head.header.timestamp + PERIOD - 1)
    rejects(chain, rule, block, TooEarly)


def test_a_block_changed_after_sealing_has_a_broken_seal():
    chain, rule = new_chain()
    block = build(chain, in_turn_wallet(chain, rule))
    forged = Block(dataclasses.replace(block.header, vote=vote_to_add(MALLORY.address)))
    rejects(chain, rule, forged, BadSeal)


def test_every_consensus_rejection_is_a_consensus_error():
    for error in (UnauthorisedSealer, RecentlySigned, WrongDifficulty, BadCheckpoint, BadVote,
                  TooEarly, BadSeal):
        assert issubclass(error, ConsensusError)


# --- votes ------------------------------------------------------------------------------

def test_vote_fields_say_add_or_remove_an_address():
    assert vote_to_add(SCHOOL.address) == "+" + SCHOOL.address
    assert vote_to_remove(SCHOOL.address) == "-" + SCHOOL.address
    assert parse_vote(vote_to_add(SCHOOL.address)) == (SCHOOL.address, True)
    assert parse_vote(vote_to_remove(SCHOOL.address)) == (SCHOOL.address, False)
    assert parse_vote("") is None
    with pytest.raises(CryptoError):
        vote_to_add("school")


def test_two_of_three_authorities_vote_the_school_in_and_it_takes_turns():
    chain, rule = new_chain()
    order = sorted_authorities()
    seal(chain, order[1], vote=vote_to_add(SCHOOL.address))
    assert rule.snapshot(chain).tally() == {SCHOOL.address: (True, 1)}
    assert SCHOOL.address not in rule.authorities(chain)
    seal(chain, order[2], vote=vote_to_add(SCHOOL.address))
    members = tuple(sorted(w.address for w in AUTHORITIES + (SCHOOL,)))
    assert rule.authorities(chain) == members
    assert rule.snapshot(chain).tally() == {}
    while rule.in_turn_signer(chain) != SCHOOL.address:
        others = [a for a in rule.who_may_seal(chain) if a != SCHOOL.address]
        seal(chain, BY_ADDRESS[others[0]])
    assert seal(chain, SCHOOL).header.difficulty == DIFF_IN_TURN


def test_a_checkpoint_written_by_build_block_lists_the_voted_in_member():
    chain, rule = new_chain(epoch=4)
    order = sorted_authorities()
    seal(chain, order[1], vote=vote_to_add(SCHOOL.address))
    seal(chain, order[2], vote=vote_to_add(SCHOOL.address))
    seal(chain, order[0])
    checkpoint = seal(chain, BY_ADDRESS[rule.who_may_seal(chain)[0]])
    assert checkpoint.number == 4
    assert signers_from_extra(checkpoint.header.extra) == rule.authorities(chain)
    assert SCHOOL.address in rule.authorities(chain)


# --- fork choice --------------------------------------------------------------------------

def test_the_heavier_branch_wins_even_when_it_is_shorter_and_the_reorg_is_reported():
    chain, rule = new_chain()
    s0, s1, s2 = sorted_authorities()
    genesis = chain.head_hash
    # a longer branch of three out-of-turn blocks: total difficulty 3
    long_branch = []
    for sealer in (s2, s0, s1):
        long_branch.append(build(chain, sealer, parent=long_branch[-1].hash if long_branch
                                 else genesis))
        chain.add_block(long_branch[-1])
    assert [b.header.difficulty for b in long_branch] == [1, 1, 1]
    assert chain.head_hash == long_branch[-1].hash
    # a shorter branch of two in-turn blocks: total difficulty 4
    first = build(chain, s1, parent=genesis)
    assert chain.add_block(first) is False
    second = build(chain, s2, parent=first.hash)
    assert chain.add_block(second) is True
    assert (chain.head_hash, chain.height, chain.total_difficulty[chain.head_hash]) == \
           (second.hash, 2, 4)
    assert chain.reorg(long_branch[-1].hash, second.hash) == Reorg(
        chain.blocks[genesis], tuple(long_branch), (first, second))
    assert chain.reorg(genesis, second.hash).depth == 0


def test_equal_weight_siblings_resolve_to_the_smaller_hash_in_any_arrival_order():
    chain, rule = new_chain()
    s0, s1, s2 = sorted_authorities()
    a, b = build(chain, s0), build(chain, s2)          # both out of turn: difficulty 1
    winner = min(a, b, key=lambda block: block.hash)
    for order in ((a, b), (b, a)):
        fresh, _ = new_chain()
        for block in order:
            fresh.add_block(block)
        assert fresh.head_hash == winner.hash


# --- the snapshot cache -------------------------------------------------------------------

def test_each_block_costs_one_snapshot_step_however_long_the_chain(monkeypatch):
    chain, rule = new_chain()
    calls = []
    real_apply = Snapshot.apply
    monkeypatch.setattr(Snapshot, "apply",
                        lambda self, header, epoch: calls.append(header.number)
                        or real_apply(self, header, epoch))
    for _ in range(60):
        seal(chain, BY_ADDRESS[rule.in_turn_signer(chain)])
    assert calls == list(range(1, 61))
    fresh = Clique(epoch=rule.epoch, period=PERIOD)
    calls.clear()
    assert fresh.snapshot(chain) == rule.snapshot(chain)
    assert fresh.snapshot(chain) == rule.snapshot(chain)
    assert calls == list(range(1, 61))                  # replayed once, then cached


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 5)), min_size=1, max_size=25))
def test_any_chain_the_rule_accepts_keeps_the_turns_and_the_signer_limit(moves):
    """Random sealers and votes: what is accepted obeys the rules; the rest is typed."""
    wallets = (GRID, CITY, COOP, SCHOOL, MALLORY)
    chain, rule = new_chain(epoch=7, wallets=wallets[:3])
    targets = [w.address for w in wallets]
    for sealer_index, vote_index in moves:
        sealer = wallets[sealer_index]
        vote = ""
        if vote_index < 5 and not rule.is_checkpoint(chain.height + 1):
            target = targets[vote_index]
            vote = (vote_to_remove if target in rule.authorities(chain) else vote_to_add)(target)
        block = build(chain, sealer, vote=vote)
        before = rule.snapshot(chain)
        may = before.may_seal(sealer.address, chain.height + 1)
        try:
            chain.add_block(block)
        except (UnauthorisedSealer, RecentlySigned) as error:
            assert not may
            assert isinstance(error, RecentlySigned) == (sealer.address in before.signers)
            continue
        assert may
        assert block.header.difficulty == (
            DIFF_IN_TURN if before.in_turn_signer(block.number) == sealer.address
            else DIFF_OUT_OF_TURN)
    for turn in sealing_schedule(chain, rule):
        window = [t.sealer for t in sealing_schedule(chain, rule)
                  if turn.number - signer_limit(len(turn.authorities)) < t.number <= turn.number]
        assert len(window) == len(set(window))
    assert Clique(epoch=7, period=PERIOD).snapshot(chain) == rule.snapshot(chain)
