"""Proof of authority, Clique style (EIP-225): who may seal which block (chapter 04).

A few known authorities (on Sunny Street: the grid operator, the municipality, the energy
co-op) take turns to seal blocks. The rules, all checked from headers alone:

* **The authority set** is written, sorted, into the genesis header's ``extra`` and again
  into every epoch checkpoint (a block whose number is a multiple of ``epoch``). Any other
  block carries an empty ``extra``. ``extra`` is the canonical encoding of the sorted list
  of addresses, the same bytes ``Genesis.block()`` writes.
* **Turns.** With the authorities sorted, ``signers[number % N]`` is *in turn* for block
  ``number``. An in-turn block has difficulty 2, any other authority's block difficulty 1,
  so the chain where sealers kept their turns is the heavier one.
* **The signer limit.** An authority may seal at most one of any ``floor(N/2) + 1``
  consecutive blocks, so a single rogue key cannot outpace the others, and fewer than a
  majority of authorities cannot keep a chain going on their own.
* **Block period.** A block comes at least ``period`` seconds after its parent.
* **Votes.** ``Header.vote`` is ``""`` (no vote), ``"+0x…"`` (add that address) or
  ``"-0x…"`` (remove it). Each authority has one live vote per target (a new vote on the
  same target replaces the old one); votes that would change nothing (adding a member,
  removing a non-member) are ignored. When more than half of the authorities back a
  change it happens at once, and every vote on that target is cleared. A removed
  authority's own votes are discarded. Only the target of the current block's vote can
  change: other proposals that a shrinking majority would now pass wait until a block
  votes on them again (no cascades, as in EIP-225). A checkpoint block carries no vote and
  clears all pending votes.

``Snapshot`` is the voting state after a block: authorities, who sealed recently, live
votes. ``Clique`` computes it once per block hash and caches it, so adding a block costs
one small step however long the chain is. Fork choice is ``Chain``'s: the most total
difficulty, then the smaller hash.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from minichain import crypto
from minichain.block import Block, Header
from minichain.chain import Chain, check_seal
from minichain.encoding import EncodingError, decode, encode
from minichain.errors import (BadCheckpoint, BadVote, RecentlySigned, TooEarly,
                              UnauthorisedSealer, WrongDifficulty)

DIFF_IN_TURN = 2
DIFF_OUT_OF_TURN = 1
EPOCH_LENGTH = 30_000      # blocks between checkpoints (EIP-225's suggestion)
BLOCK_PERIOD = 5           # seconds between a block and its child, at least
ADD, REMOVE = "+", "-"


# --- votes and checkpoint lists --------------------------------------------------------

def vote_to_add(address: str) -> str:
    """The ``Header.vote`` that proposes making ``address`` an authority."""
    return ADD + crypto.check_address(address, "vote target")


def vote_to_remove(address: str) -> str:
    """The ``Header.vote`` that proposes removing ``address`` from the authorities."""
    return REMOVE + crypto.check_address(address, "vote target")


def parse_vote(vote: str) -> tuple[str, bool] | None:
    """``(target, authorize)`` from a header's vote, None for no vote; BadVote if malformed."""
    if vote == "":
        return None
    if not isinstance(vote, str) or vote[:1] not in (ADD, REMOVE) \
            or not crypto.is_address(vote[1:]):
        raise BadVote(f"vote {vote!r} is malformed: expected '' (no vote), '+0x…' (add) or "
                      "'-0x…' (remove) with a 40-hex-digit lowercase address")
    return vote[1:], vote[0] == ADD


def signer_list_extra(signers) -> bytes:
    """The ``extra`` of a checkpoint: the canonical encoding of the sorted authorities."""
    return encode(sorted(signers))


def signers_from_extra(extra: bytes) -> tuple[str, ...]:
    """Read a checkpoint's authority list; BadCheckpoint unless sorted, unique addresses."""
    try:
        signers = decode(extra)
    except EncodingError as error:
        raise BadCheckpoint(f"extra is not an encoded authority list: {error}") from None
    if not isinstance(signers, list) or not all(crypto.is_address(s) for s in signers):
        raise BadCheckpoint("extra must be a list of authority addresses")
    if signers != sorted(set(signers)):
        raise BadCheckpoint("the authority list must be sorted and without repeats")
    return tuple(signers)


def signer_limit(signer_count: int) -> int:
    """An authority may seal only one of any this many consecutive blocks."""
    return signer_count // 2 + 1


# --- the voting state after a block ---------------------------------------------------

@dataclass(frozen=True)
class Vote:
    """One authority's live vote to add (authorize) or remove ``target``."""

    signer: str
    target: str
    authorize: bool


@dataclass(frozen=True)
class Snapshot:
    """Authorities, recent sealers and live votes after block ``number`` (``hash``)."""

    number: int
    hash: bytes
    signers: tuple[str, ...]                  # sorted
    recents: tuple[tuple[int, str], ...] = ()  # (block number, sealer) still inside the limit
    votes: tuple[Vote, ...] = ()              # in the order they were cast

    @property
    def limit(self) -> int:
        return signer_limit(len(self.signers))

    def in_turn_signer(self, number: int) -> str:
        """The authority whose turn block ``number`` is ("" when there is none)."""
        if not self.signers:
            return ""
        return self.signers[number % len(self.signers)]

    def in_turn(self, number: int, signer: str) -> bool:
        return signer != "" and self.in_turn_signer(number) == signer

    def recent_sealers(self, number: int) -> dict[int, str]:
        """Who sealed the blocks that still count against the limit for block ``number``."""
        return {n: s for n, s in self.recents if n > number - self.limit}

    def may_seal(self, signer: str, number: int) -> bool:
        """True if ``signer`` is an authority and sealing block ``number`` keeps the limit."""
        return signer in self.signers and signer not in self.recent_sealers(number).values()

    def tally(self) -> dict[str, tuple[bool, int]]:
        """Per target: add or remove, and how many authorities back it now."""
        counts: dict[str, tuple[bool, int]] = {}
        for vote in self.votes:
            _, count = counts.get(vote.target, (vote.authorize, 0))
            counts[vote.target] = (vote.authorize, count + 1)
        return dict(sorted(counts.items()))

    def apply(self, header: Header, epoch: int) -> "Snapshot":
        """The snapshot after ``header``; raise if its sealer may not seal it."""
        number, sealer = header.number, header.sealer
        where = f"block #{number}"
        signers = set(self.signers)
        votes = [] if number % epoch == 0 else list(self.votes)
        recents = self.recent_sealers(number)
        if sealer not in signers:
            raise UnauthorisedSealer(f"{where}: sealed by {sealer or 'nobody'}, who is not one "
                                     f"of the authorities {sorted(signers)}")
        if sealer in recents.values():
            last = max(n for n, s in recents.items() if s == sealer)
            raise RecentlySigned(f"{where}: {sealer} already sealed block #{last}; the signer "
                                 f"limit lets an authority seal only one of any {self.limit} "
                                 "consecutive blocks")
        recents[number] = sealer
        proposal = parse_vote(header.vote)
        if proposal is not None:
            target, authorize = proposal
            votes = [v for v in votes if (v.signer, v.target) != (sealer, target)]
            if authorize != (target in signers):
                votes.append(Vote(sealer, target, authorize))
            backing = [v for v in votes if v.target == target]
            if len(backing) > len(signers) // 2:
                if backing[0].authorize:
                    signers.add(target)
                else:
                    signers.discard(target)
                    limit = signer_limit(len(signers))
                    recents = {n: s for n, s in recents.items() if n > number - limit}
                    votes = [v for v in votes if v.signer != target]
                votes = [v for v in votes if v.target != target]
        return Snapshot(number, header.hash, tuple(sorted(signers)),
                        tuple(sorted(recents.items())), tuple(votes))


def genesis_snapshot(genesis_block: Block) -> Snapshot:
    """The authorities the genesis block lists, with no votes and nobody recent."""
    return Snapshot(0, genesis_block.hash, signers_from_extra(genesis_block.header.extra))


# --- the sealing rule -----------------------------------------------------------------

@dataclass
class Clique:
    """The EIP-225 sealing rule, for ``Chain(genesis, Clique())``; caches snapshots."""

    epoch: int = EPOCH_LENGTH
    period: int = BLOCK_PERIOD
    snapshots: dict[bytes, Snapshot] = field(default_factory=dict, repr=False, compare=False)

    def snapshot(self, chain: Chain, block_hash: bytes | None = None) -> Snapshot:
        """The voting state after ``block_hash`` (default: the head), from the cache."""
        block_hash = block_hash or chain.head_hash
        pending: list[Header] = []
        cursor = block_hash
        while cursor not in self.snapshots:
            block = chain.blocks[cursor]
            if block.number == 0:
                self.snapshots[cursor] = genesis_snapshot(block)
                break
            pending.append(block.header)
            cursor = block.header.parent_hash
        snap = self.snapshots[cursor]
        for header in reversed(pending):
            snap = snap.apply(header, self.epoch)
            self.snapshots[header.hash] = snap
        return snap

    def is_checkpoint(self, number: int) -> bool:
        return number % self.epoch == 0

    def check_header(self, chain: Chain, parent: Block, header: Header) -> None:
        """Seal, period, vote, checkpoint list, authority, signer limit, difficulty."""
        where = f"block #{header.number}"
        check_seal(header)
        if header.timestamp < parent.header.timestamp + self.period:
            raise TooEarly(f"{where}: timestamp {header.timestamp} is less than one period "
                           f"({self.period} s) after its parent's {parent.header.timestamp}")
        parse_vote(header.vote)
        snap = self.snapshot(chain, parent.hash)
        if self.is_checkpoint(header.number):
            if header.vote:
                raise BadVote(f"{where} is an epoch checkpoint and may not carry a vote "
                              f"(got {header.vote!r})")
            if header.extra != signer_list_extra(snap.signers):
                raise BadCheckpoint(f"{where} is an epoch checkpoint: extra must list the "
                                    f"authorities {list(snap.signers)}, sorted")
        elif header.extra:
            raise BadCheckpoint(f"{where}: only checkpoint blocks (every {self.epoch}th) "
                                "carry extra data; expected it to be empty")
        after = snap.apply(header, self.epoch)
        expected = self.difficulty(chain, parent, header.sealer)
        if header.difficulty != expected:
            turn = "in turn" if expected == DIFF_IN_TURN else "out of turn"
            raise WrongDifficulty(f"{where}: difficulty {header.difficulty}, but {header.sealer} "
                                  f"is {turn}, so it must be {expected}")
        self.snapshots[header.hash] = after

    def difficulty(self, chain: Chain, parent: Block, sealer: str) -> int:
        """2 when ``sealer`` is in turn for the block after ``parent``, else 1."""
        in_turn = self.snapshot(chain, parent.hash).in_turn(parent.number + 1, sealer)
        return DIFF_IN_TURN if in_turn else DIFF_OUT_OF_TURN

    def extra_data(self, chain: Chain, parent: Block) -> bytes:
        """The authority list at a checkpoint, nothing otherwise."""
        if not self.is_checkpoint(parent.number + 1):
            return b""
        return signer_list_extra(self.snapshot(chain, parent.hash).signers)

    # --- questions a learner asks --------------------------------------------------------

    def authorities(self, chain: Chain, block_hash: bytes | None = None) -> tuple[str, ...]:
        """The authorities after ``block_hash`` (default: the head), sorted."""
        return self.snapshot(chain, block_hash).signers

    def in_turn_signer(self, chain: Chain, parent_hash: bytes | None = None) -> str:
        """Whose turn the block after ``parent_hash`` (default: the head) is."""
        parent = chain.blocks[parent_hash or chain.head_hash]
        return self.snapshot(chain, parent.hash).in_turn_signer(parent.number + 1)

    def who_may_seal(self, chain: Chain, parent_hash: bytes | None = None) -> list[str]:
        """The authorities the signer limit allows to seal the block after ``parent_hash``."""
        parent = chain.blocks[parent_hash or chain.head_hash]
        snap = self.snapshot(chain, parent.hash)
        return [s for s in snap.signers if snap.may_seal(s, parent.number + 1)]


@dataclass(frozen=True)
class Turn:
    """One block of the canonical chain: whose turn it was and who really sealed it."""

    number: int
    in_turn: str
    sealer: str
    difficulty: int
    authorities: tuple[str, ...]


def sealing_schedule(chain: Chain, rule: Clique) -> list[Turn]:
    """For every block after genesis on the canonical chain: the turn and the sealer."""
    turns = []
    for block in chain.canonical_chain()[1:]:
        before = rule.snapshot(chain, block.header.parent_hash)
        turns.append(Turn(block.number, before.in_turn_signer(block.number),
                          block.header.sealer, block.header.difficulty, before.signers))
    return turns
