"""EIP-225's own voting test cases, every one, expressed with minichain's API (chapter 04).

Each case starts a chain whose genesis lists some authorities, has named authorities seal
blocks in order (some carrying a vote, some being epoch checkpoints that list the
authorities), and checks either the final authority set or the typed error the first
invalid block raises. A rejected block must leave the chain exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from minichain.chain import Chain, Genesis
from minichain.errors import RecentlySigned, UnauthorisedSealer
from minichain.poa import Clique, signer_list_extra, vote_to_add, vote_to_remove
from minichain.wallet import Wallet

PERIOD = 1
KEYS = {name: Wallet.from_seed(f"eip225 signer {name}").key for name in "ABCDEF"}


def address(name: str) -> str:
    return KEYS[name].address


@dataclass(frozen=True)
class Seal:
    """One block: who seals it, an optional vote, and the list if it is a checkpoint."""

    signer: str
    voted: str = ""
    auth: bool = False
    checkpoint: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Case:
    name: str
    signers: tuple[str, ...]
    blocks: tuple[Seal, ...]
    results: tuple[str, ...] = ()
    failure: type[Exception] | None = None
    epoch: int = 30_000


def S(signer: str, voted: str = "", auth: bool = False, checkpoint=None) -> Seal:
    return Seal(signer, voted, auth, None if checkpoint is None else tuple(checkpoint))


# The cases in the order EIP-225 lists them; the comments are the EIP's own descriptions.
CASES = [
    Case("single signer, no votes cast", ("A",), (S("A"),), ("A",)),
    Case("single signer, voting to add two others (only accept first, second needs 2 votes)",
         ("A",), (S("A", "B", True), S("B"), S("A", "C", True)), ("A", "B")),
    Case("two signers, voting to add three others (only accept first two, third needs 3 "
         "votes already)", ("A", "B"),
         (S("A", "C", True), S("B", "C", True), S("A", "D", True), S("B", "D", True), S("C"),
          S("A", "E", True), S("B", "E", True)), ("A", "B", "C", "D")),
    Case("single signer, dropping itself (weird, but one less corner case by explicitly "
         "allowing this)", ("A",), (S("A", "A", False),), ()),
    Case("two signers, actually needing mutual consent to drop either of them (not "
         "fulfilled)", ("A", "B"), (S("A", "B", False),), ("A", "B")),
    Case("two signers, actually needing mutual consent to drop either of them (fulfilled)",
         ("A", "B"), (S("A", "B", False), S("B", "B", False)), ("A",)),
    Case("three signers, two of them deciding to drop the third", ("A", "B", "C"),
         (S("A", "C", False), S("B", "C", False)), ("A", "B")),
    Case("four signers, consensus of two not being enough to drop anyone",
         ("A", "B", "C", "D"), (S("A", "C", False), S("B", "C", False)),
         ("A", "B", "C", "D")),
    Case("four signers, consensus of three already being enough to drop someone",
         ("A", "B", "C", "D"), (S("A", "D", False), S("B", "D", False), S("C", "D", False)),
         ("A", "B", "C")),
    Case("authorizations are counted once per signer per target", ("A", "B"),
         (S("A", "C", True), S("B"), S("A", "C", True), S("B"), S("A", "C", True)),
         ("A", "B")),
    Case("authorizing multiple accounts concurrently is permitted", ("A", "B"),
         (S("A", "C", True), S("B"), S("A", "D", True), S("B"), S("A"), S("B", "D", True),
          S("A"), S("B", "C", True)), ("A", "B", "C", "D")),
    Case("deauthorizations are counted once per signer per target", ("A", "B"),
         (S("A", "B", False), S("B"), S("A", "B", False), S("B"), S("A", "B", False)),
         ("A", "B")),
    Case("deauthorizing multiple accounts concurrently is permitted", ("A", "B", "C", "D"),
         (S("A", "C", False), S("B"), S("C"), S("A", "D", False), S("B"), S("C"), S("A"),
          S("B", "D", False), S("C", "D", False), S("A"), S("B", "C", False)), ("A", "B")),
    Case("votes from deauthorized signers are discarded immediately (deauth votes)",
         ("A", "B", "C"),
         (S("C", "B", False), S("A", "C", False), S("B", "C", False), S("A", "B", False)),
         ("A", "B")),
    Case("votes from deauthorized signers are discarded immediately (auth votes)",
         ("A", "B", "C"),
         (S("C", "D", True), S("A", "C", False), S("B", "C", False), S("A", "D", True)),
         ("A", "B")),
    Case("cascading changes are not allowed, only the account being voted on may change",
         ("A", "B", "C", "D"),
         (S("A", "C", False), S("B"), S("C"), S("A", "D", False), S("B", "C", False), S("C"),
          S("A"), S("B", "D", False), S("C", "D", False)), ("A", "B", "C")),
    Case("changes reaching consensus out of bounds (via a deauth) execute on touch",
         ("A", "B", "C", "D"),
         (S("A", "C", False), S("B"), S("C"), S("A", "D", False), S("B", "C", False), S("C"),
          S("A"), S("B", "D", False), S("C", "D", False), S("A"), S("C", "C", True)),
         ("A", "B")),
    Case("changes reaching consensus out of bounds (via a deauth) may go out of consensus "
         "on first touch", ("A", "B", "C", "D"),
         (S("A", "C", False), S("B"), S("C"), S("A", "D", False), S("B", "C", False), S("C"),
          S("A"), S("B", "D", False), S("C", "D", False), S("A"), S("B", "C", True)),
         ("A", "B", "C")),
    Case("pending votes don't survive authorization status changes (F added, removed, "
         "re-added while one of its original voters is dropped)", ("A", "B", "C", "D", "E"),
         (S("A", "F", True),    # authorize F, 3 votes needed
          S("B", "F", True), S("C", "F", True),
          S("D", "F", False),   # deauthorize F, 4 votes needed (A's old vote stays)
          S("E", "F", False), S("B", "F", False), S("C", "F", False),
          S("D", "F", True),    # almost authorize F, 2/3 votes needed
          S("E", "F", True),
          S("B", "A", False),   # deauthorize A, 3 votes needed
          S("C", "A", False), S("D", "A", False),
          S("B", "F", True)),   # finish authorizing F, 3/3 votes needed
         ("B", "C", "D", "E", "F")),
    Case("epoch transitions reset all votes to allow chain checkpointing", ("A", "B"),
         (S("A", "C", True), S("B"), S("A", checkpoint=("A", "B")), S("B", "C", True)),
         ("A", "B"), epoch=3),
    Case("an unauthorized signer should not be able to sign blocks", ("A",), (S("B"),),
         failure=UnauthorisedSealer),
    Case("an authorized signer that signed recently should not be able to sign again",
         ("A", "B"), (S("A"), S("A")), failure=RecentlySigned),
    Case("recent signatures should not reset on checkpoint blocks imported in a batch",
         ("A", "B", "C"),
         (S("A"), S("B"), S("A", checkpoint=("A", "B", "C")), S("A")),
         failure=RecentlySigned, epoch=3),
]


def vote_field(seal: Seal) -> str:
    if not seal.voted:
        return ""
    make = vote_to_add if seal.auth else vote_to_remove
    return make(address(seal.voted))


def extra_field(seal: Seal) -> bytes:
    return b"" if seal.checkpoint is None else signer_list_extra(map(address, seal.checkpoint))


def test_the_table_holds_every_case_of_the_eip():
    assert len(CASES) == 23
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_eip225_voting_case(case: Case):
    rule = Clique(epoch=case.epoch, period=PERIOD)
    genesis = Genesis(authorities=tuple(address(name) for name in case.signers))
    chain = Chain(genesis, rule)
    for index, seal in enumerate(case.blocks):
        block, _ = chain.build_block(KEYS[seal.signer], [],
                                     chain.head.header.timestamp + PERIOD,
                                     vote=vote_field(seal), extra=extra_field(seal))
        if case.failure is not None and index == len(case.blocks) - 1:
            head, root, known = chain.head_hash, chain.state.root(), set(chain.blocks)
            with pytest.raises(case.failure):
                chain.add_block(block)
            assert (chain.head_hash, chain.state.root(), set(chain.blocks)) == (head, root, known)
            assert block.hash not in rule.snapshots
            return
        assert chain.add_block(block) is True
    assert case.failure is None
    assert rule.authorities(chain) == tuple(sorted(address(name) for name in case.results))
    # the cached snapshots agree with a fresh replay of the headers from genesis
    assert Clique(epoch=case.epoch, period=PERIOD).snapshot(chain) == rule.snapshot(chain)
