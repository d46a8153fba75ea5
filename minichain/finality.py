"""A finality gadget beside Clique: a quorum of authorities makes checkpoints final (chapter 13).

Clique alone never makes a block final: a heavier branch can always replace any number of
blocks. One authority key run on two nodes across a partition (the *cloning attack*)
keeps both sides sealing, and each side sees its blocks pile up confirmations. This
gadget adds what QBFT (Besu's BFT proof of authority) gives: a block that more than two
thirds of the authorities signed for is final, and no node ever leaves it.

The rules, in the style of Casper FFG (the gadget Ethereum runs on top of its chain):

* **Checkpoints** are the blocks whose number is a multiple of ``FinalityRule.interval``
  (genesis is one, justified and final from the start).
* **A vote** is an authority's signature over a *link* between two checkpoints of one
  branch: ``source`` (a justified checkpoint) -> ``target`` (a newer one), with the chain
  id, under its own domain prefix, so a vote is never mistaken for a transaction, a
  header or a vote on another chain.
* **The quorum** is more than two thirds of the authorities: ``quorum(n) = 2n // 3 + 1``
  (3 of 3, 3 of 4, 4 of 5, 5 of 7). Two quorums of the same n authorities always share
  ``overlap(n) = 2 * quorum(n) - n`` keys (3 of 3, 2 of 4): to make two conflicting blocks
  final, every one of those shared keys must have voted for both. With 3 authorities the
  gadget tolerates no broken or offline key for *finality* (the chain itself goes on), but
  a single cloned key, even two, cannot make conflicting blocks final. Besu documents QBFT
  as needing at least two thirds, ``ceil(2n/3)``: the same for 4 authorities, but 2 of 3 for
  three, which is exactly what one cloned key and one honest authority on each side of a
  partition have (``tests/attacks/test_cloning.py`` shows both sides made final with it).
  The authorities counted for a vote are Clique's, after the target's parent.
* **Justified**: a checkpoint is justified when a quorum voted for one link to it from a
  justified source it descends from. **Final**: a justified checkpoint is final when a
  quorum voted for a link from it to the very next checkpoint (``number + interval``).
* **An honest authority** votes, once its head is ``confirmations`` blocks above a new
  checkpoint, for the link from the newest justified checkpoint on its chain to that
  checkpoint, and never twice for one target height. Its fork choice starts from the
  newest justified checkpoint it knows (``Chain.set_anchor``), which always descends from
  the final one: a final block is never reverted.
* **Evidence** that a key broke a rule is two of its votes, checkable by anyone with no
  other data: a *double vote* (two different votes for one target height) or a *surround
  vote* (one link strictly inside the other: ``s1 < s2 < t2 < t1``). Honest authorities
  never produce either; a node that holds evidence proposes, in its next blocks, to vote
  the key out (Clique's ``-0x…`` vote, chapter 04).

Accountable safety (the theorem of Casper FFG, ``tests/test_finality_gadget.py`` checks it on
random votes): if two conflicting checkpoints are final, at least ``overlap(n)`` keys of
the authorities have evidence against them. The proof assumes one set of authorities;
when Clique votes a key out, the count changes from the next target on (a real network
handles such changes with care; this gadget only counts the set Clique gives).
Liveness needs a quorum of honest authorities online that see each other's votes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from minichain import crypto
from minichain.block import Block
from minichain.chain import Chain, Reorg
from minichain.encoding import encode, sha256
from minichain.errors import BadFinalityVote, CryptoError, InvalidEvidence
from minichain.poa import Clique

VOTE_DOMAIN = b"minichain finality vote:"
DOUBLE_VOTE = "double vote"
SURROUND_VOTE = "surround vote"


def quorum(authorities: int) -> int:
    """Votes needed from ``authorities`` keys: more than two thirds, 2n // 3 + 1."""
    if authorities < 1:
        raise BadFinalityVote(f"a quorum needs at least one authority, got {authorities}")
    return 2 * authorities // 3 + 1


def overlap(authorities: int) -> int:
    """Keys any two quorums share: all of them must vote twice to make conflicting blocks
    final."""
    return 2 * quorum(authorities) - authorities


def faults_tolerated(authorities: int) -> int:
    """Broken or offline keys with which a quorum of the others can still finalise:
    n - quorum(n), i.e. (n - 1) // 3."""
    return authorities - quorum(authorities)


@dataclass(frozen=True)
class FinalityRule:
    """Which blocks are checkpoints, and how deep one must be before authorities vote."""

    interval: int = 2               # every interval-th block is a checkpoint
    confirmations: int = 1          # blocks on top of a checkpoint before voting for it

    def __post_init__(self) -> None:
        if self.interval < 1 or self.confirmations < 0:
            raise BadFinalityVote(f"checkpoints every {self.interval} blocks with "
                                  f"{self.confirmations} confirmations: expected an interval "
                                  ">= 1 and confirmations >= 0")

    def is_checkpoint(self, number: int) -> bool:
        return number >= 0 and number % self.interval == 0

    def quorum(self, authorities: int) -> int:
        """The votes a link needs: ``quorum`` (a subclass may try another threshold)."""
        return quorum(authorities)


@dataclass(frozen=True)
class Link:
    """What a vote says: on chain ``chain_id``, checkpoint ``target`` follows ``source``."""

    chain_id: int
    source_number: int
    source: bytes
    target_number: int
    target: bytes


@dataclass(frozen=True)
class Vote:
    """An authority's signature over a link."""

    link: Link
    voter_key: bytes                # compressed public key, 33 bytes
    signature: bytes                # 64 bytes, r || s, low-S

    @functools.cached_property
    def voter(self) -> str:
        """The voting key's address ("" if the key is malformed)."""
        try:
            return crypto.address_from_public_key(self.voter_key)
        except CryptoError:
            return ""

    @functools.cached_property
    def digest(self) -> bytes:
        return link_digest(self.link)

    def __str__(self) -> str:
        link = self.link
        return (f"{self.voter[:10]}… #{link.source_number} {link.source.hex()[:8]} -> "
                f"#{link.target_number} {link.target.hex()[:8]}")


def link_digest(link: Link) -> bytes:
    """The 32 bytes an authority signs for ``link``."""
    return sha256(VOTE_DOMAIN + encode(link))


def sign_vote(key: crypto.PrivateKey, link: Link) -> Vote:
    """An authority's vote for ``link`` (RFC 6979: the same link always gives the same vote)."""
    return Vote(link, key.public_key, key.sign(link_digest(link)))


def check_vote(vote: Vote, chain_id: int, rule: FinalityRule) -> None:
    """Everything about a vote that needs no chain: raise ``BadFinalityVote`` if it fails."""
    link = vote.link
    if not isinstance(vote.voter_key, bytes) or not vote.voter:
        raise BadFinalityVote("the vote's key is not a compressed secp256k1 public key")
    if link.chain_id != chain_id:
        raise BadFinalityVote(f"the vote is for chain {link.chain_id}, this chain's id is "
                              f"{chain_id}")
    if not (rule.is_checkpoint(link.source_number) and rule.is_checkpoint(link.target_number)):
        raise BadFinalityVote(f"a vote links checkpoints (multiples of {rule.interval}), got "
                              f"#{link.source_number} -> #{link.target_number}")
    if link.target_number <= link.source_number:
        raise BadFinalityVote(f"a vote's target must come after its source, got "
                              f"#{link.source_number} -> #{link.target_number}")
    if not crypto.verify(vote.voter_key, vote.digest, vote.signature):
        raise BadFinalityVote(f"the signature of {vote.voter}'s vote does not verify (expected "
                              "a low-S signature of this exact link)")


# --- evidence ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """Two votes by one key that break a rule; ``first`` is the one with the smaller digest."""

    kind: str                       # DOUBLE_VOTE or SURROUND_VOTE
    first: Vote
    second: Vote

    @property
    def offender(self) -> str:
        return self.first.voter

    def __str__(self) -> str:
        return f"{self.kind} by {self.offender}: {self.first} and {self.second}"


def find_evidence(one: Vote, other: Vote) -> Evidence | None:
    """The rule two votes by one key break together, if any (signatures not checked here)."""
    if one.voter_key != other.voter_key or one.link.chain_id != other.link.chain_id \
            or one.link == other.link:
        return None
    first, second = sorted((one, other), key=lambda vote: vote.digest)
    a, b = first.link, second.link
    if a.target_number == b.target_number:
        return Evidence(DOUBLE_VOTE, first, second)
    if (a.source_number < b.source_number and b.target_number < a.target_number) or \
            (b.source_number < a.source_number and a.target_number < b.target_number):
        return Evidence(SURROUND_VOTE, first, second)
    return None


def check_evidence(evidence: Evidence, chain_id: int, rule: FinalityRule) -> str:
    """The offender's address if ``evidence`` proves it broke a rule; else ``InvalidEvidence``.

    Anyone can run it: it needs the two votes and nothing else.
    """
    for vote in (evidence.first, evidence.second):
        try:
            check_vote(vote, chain_id, rule)
        except BadFinalityVote as error:
            raise InvalidEvidence(f"evidence needs two valid votes: {error}") from None
    found = find_evidence(evidence.first, evidence.second)
    if found is None or found.kind != evidence.kind:
        raise InvalidEvidence(f"these two votes are not a {evidence.kind}: expected one key, "
                              "two different links, and the same target height (double vote) "
                              "or one link strictly inside the other (surround vote)")
    return found.offender


# --- one node's view --------------------------------------------------------------------------

@dataclass
class Counted:
    """What a node did with a vote it was given."""

    new: bool = False                                       # not seen before: pass it on
    evidence: list[Evidence] = field(default_factory=list)  # against its voter
    finalized: list[bytes] = field(default_factory=list)    # checkpoints newly final
    reorg: Reorg | None = None                              # the head moved (a new anchor)


class Finality:
    """One node's view of the gadget: the votes it has seen, what is justified and final,
    the evidence it holds; and, for an authority, the votes it casts."""

    def __init__(self, chain: Chain, rule: Clique, finality: FinalityRule,
                 key: crypto.PrivateKey | None = None, last_target: int = 0) -> None:
        self.chain = chain
        self.clique = rule
        self.rule = finality
        self.key = key
        genesis = chain.canonical_chain()[0]
        self.justified: dict[bytes, int] = {genesis.hash: 0}     # checkpoint -> its number
        self.finalizable: set[bytes] = {genesis.hash}  # every checkpoint a quorum finalised
        self.finalized = genesis.hash                  # the newest of them on this node's branch
        self.history: list[bytes] = [genesis.hash]               # final checkpoints, in order
        self.conflicts: list[bytes] = []    # final by quorum, but off this node's final branch
        self.links: dict[Link, dict[str, Vote]] = {}
        self.by_voter: dict[str, list[Vote]] = {}
        self.evidence: list[Evidence] = []
        self.offenders: set[str] = set()
        self.last_target = last_target      # the newest target this authority voted for

    # -- reading ---------------------------------------------------------------------------

    @property
    def final_block(self) -> Block:
        return self.chain.blocks[self.finalized]

    def is_final(self, block_hash: bytes) -> bool:
        """True for the final checkpoint and every block it descends from."""
        return self.chain.descends_from(self.finalized, block_hash)

    def votes(self) -> list[Vote]:
        """Every vote this node holds, oldest target first (what it passes on)."""
        return sorted((vote for voters in self.links.values() for vote in voters.values()),
                      key=lambda vote: (vote.link.target_number, vote.voter, vote.digest))

    def open_votes(self) -> list[Vote]:
        """The votes for targets above the final checkpoint: what peers may still need."""
        final = self.final_block.number
        return [vote for vote in self.votes() if vote.link.target_number > final]

    # -- votes in --------------------------------------------------------------------------

    def receive(self, vote: Vote) -> Counted:
        """Check and keep a vote; note evidence against its voter; recount.

        A vote for a block this node knows, by a key that is not one of the authorities
        who count for it, is refused: it could never count, and keeping it would let
        anyone fill the node's memory. (A vote for a block not seen yet is kept until it
        arrives.)
        """
        check_vote(vote, self.chain.chain_id, self.rule)
        target = self.chain.blocks.get(vote.link.target)
        if target is not None and vote.voter not in self.clique.authorities(
                self.chain, target.header.parent_hash):
            raise BadFinalityVote(f"{vote.voter} is not one of the authorities who vote on "
                                  f"block #{target.number}")
        counted = Counted()
        voters = self.links.setdefault(vote.link, {})
        if vote.voter in voters:
            return counted
        voters[vote.voter] = vote
        counted.new = True
        earlier = self.by_voter.setdefault(vote.voter, [])
        for other in earlier:
            found = find_evidence(other, vote)
            if found is not None:
                self.evidence.append(found)
                if found.offender not in self.offenders:
                    self.offenders.add(found.offender)
                    counted.evidence.append(found)
        earlier.append(vote)
        self.recount(counted)
        return counted

    def recount(self, counted: Counted | None = None) -> Counted:
        """Justify and finalise what the votes and known blocks allow, then move the anchor.

        The result depends only on the votes and blocks held, not their order: links are
        tried again until nothing more is justified.
        """
        counted = counted if counted is not None else Counted()
        supermajority = {}
        changed = True
        while changed:
            changed = False
            for link in sorted(self.links, key=lambda l: (l.target_number, l.source_number,
                                                          l.target, l.source)):
                if link.source not in self.justified or not self._has_quorum(link):
                    continue
                supermajority[link] = True
                if link.target not in self.justified:
                    self.justified[link.target] = link.target_number
                    changed = True
        for link in sorted(supermajority, key=lambda l: (l.source_number, l.source)):
            if link.target_number == link.source_number + self.rule.interval:
                self.finalizable.add(link.source)
                self._finalize(link.source, counted)
        reorg = self.chain.set_anchor(self.anchor())
        if reorg is not None:
            counted.reorg = reorg
        return counted

    def _has_quorum(self, link: Link) -> bool:
        chain = self.chain
        target = chain.blocks.get(link.target)
        source = chain.blocks.get(link.source)
        if target is None or source is None or target.number != link.target_number \
                or source.number != link.source_number \
                or not chain.descends_from(link.target, link.source):
            return False
        authorities = set(self.clique.authorities(chain, target.header.parent_hash))
        voted = sum(1 for voter in self.links[link] if voter in authorities)
        return voted >= self.rule.quorum(len(authorities))

    def _finalize(self, checkpoint: bytes, counted: Counted) -> None:
        if self.is_final(checkpoint):
            return
        if not self.chain.descends_from(checkpoint, self.finalized):
            if checkpoint not in self.conflicts:
                self.conflicts.append(checkpoint)    # only evidence-backed keys can do this
            return
        self.finalized = checkpoint
        self.history.append(checkpoint)
        counted.finalized.append(checkpoint)

    def anchor(self) -> bytes:
        """Where fork choice starts: the newest justified checkpoint that descends from the
        final one (the smaller hash on a tie)."""
        best, best_number = self.finalized, self.final_block.number
        for checkpoint, number in self.justified.items():
            if (number, _inverted(checkpoint)) > (best_number, _inverted(best)) and \
                    self.chain.descends_from(checkpoint, self.finalized):
                best, best_number = checkpoint, number
        return best

    # -- votes out ---------------------------------------------------------------------------

    def due_vote(self) -> Vote | None:
        """An authority's next vote, if one is due: for the newest checkpoint that has
        ``confirmations`` blocks on top on its chain, above every target it voted for, from
        the newest justified checkpoint that checkpoint descends from."""
        if self.key is None:
            return None
        head = self.chain.head
        height = head.number - self.rule.confirmations
        height -= height % self.rule.interval
        if height <= self.last_target or height <= 0:
            return None
        target = head
        while target.number > height:
            target = self.chain.blocks[target.header.parent_hash]
        if self.key.address not in self.clique.authorities(self.chain, target.header.parent_hash):
            return None
        source = target
        while source.hash not in self.justified:
            source = self.chain.blocks[source.header.parent_hash]
        if source.number >= height:
            return None
        vote = sign_vote(self.key, Link(self.chain.chain_id, source.number, source.hash,
                                        height, target.hash))
        self.last_target = height
        return vote


def _inverted(block_hash: bytes) -> bytes:
    return bytes(255 - b for b in block_hash)


__all__ = ["DOUBLE_VOTE", "SURROUND_VOTE", "Counted", "Evidence", "Finality", "FinalityRule",
           "Link", "Vote", "check_evidence", "check_vote", "faults_tolerated", "find_evidence",
           "link_digest", "overlap", "quorum", "sign_vote"]
