"""A node: a chain, a mempool and, for an authority, a sealer (chapter 05).

A node knows nothing about the network around it: it is handed transactions and blocks and
says what happened, and ``network.py`` decides who hears about it. What a node does:

* keeps pending transactions in a **mempool** until a block on its canonical chain holds
  them; when a reorg drops blocks, their transactions go back into the mempool (unless the
  new branch holds them too), so none is lost and none is included twice;
* buffers a block whose parent it does not know yet (an *orphan*) and says which ancestor
  to ask for; once that arrives the buffered blocks are added in order;
* as an authority, plans when to seal the next block: the in-turn sealer at the block
  period, an out-of-turn one after an extra random delay of up to ``N × WIGGLE`` seconds
  (Clique's "wiggle"), so the in-turn block usually arrives first; a sealer the signer
  limit forbids does not plan at all;
* notices **double sealing**: two different blocks by one authority on the same parent.
  Both stay in the block tree, because whether a block is valid may not depend on which
  copy a node happened to hear first (that would split honest nodes for good); they weigh
  the same, so fork choice picks the same one (the smaller hash) everywhere and the rogue
  gains nothing. The node records an ``Equivocation`` and, if it is an authority, proposes
  in its next blocks to remove the rogue; once a majority agrees, every further block the
  rogue seals is rejected as ``UnauthorisedSealer``.

With a finality gadget (``finality.py``, chapter 13) a node also counts the authorities'
checkpoint votes: its fork choice never leaves the newest justified checkpoint (so never a
final block), an authority casts its own votes (``cast_vote``), and evidence that a key
voted twice makes an authority propose to remove it, as double sealing does.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from minichain.block import Block
from minichain.chain import Chain, Genesis, Reorg, check_seal
from minichain.crypto import PrivateKey
from minichain.errors import BadFinalityVote, InsufficientFunds, InvalidBlock, NonceGap
from minichain.finality import Evidence, Finality, FinalityRule, Vote
from minichain.poa import Clique, vote_to_add, vote_to_remove
from minichain.store import ChainStore
from minichain.tx import SignedTransaction, check_signature

WIGGLE = 0.5          # seconds of random delay per authority for an out-of-turn sealer
MAX_ORPHANS = 1024    # blocks buffered while their ancestors are fetched


@dataclass(frozen=True)
class Equivocation:
    """Evidence that ``sealer`` sealed two different blocks on the same parent."""

    sealer: str
    number: int
    first: bytes
    second: bytes


@dataclass(frozen=True)
class SealPlan:
    """When an authority will seal on top of ``parent``, and whether it is its turn."""

    parent: bytes
    timestamp: int       # the block's timestamp (chain seconds)
    at: float            # when to seal, in simulated seconds since genesis
    in_turn: bool


@dataclass
class Received:
    """What a node did with a block it was given."""

    added: list[Block] = field(default_factory=list)        # oldest first, orphans included
    missing: bytes | None = None                             # an ancestor to ask a peer for
    reorg: Reorg | None = None                               # set when the head moved
    returned: list[SignedTransaction] = field(default_factory=list)  # back to the mempool
    rejected: list[tuple[Block, InvalidBlock]] = field(default_factory=list)  # orphans refused
    evidence: list[Equivocation] = field(default_factory=list)
    finalized: list[bytes] = field(default_factory=list)     # checkpoints newly final here
    vote_evidence: list[Evidence] = field(default_factory=list)   # finality votes broken
    new_vote: bool = False                                   # a vote this node had not seen

    @property
    def head_changed(self) -> bool:
        return self.reorg is not None


class Mempool:
    """Pending transactions by hash, in the order they arrived."""

    def __init__(self) -> None:
        self._txs: dict[bytes, SignedTransaction] = {}

    def add(self, stx: SignedTransaction) -> bool:
        if stx.hash in self._txs:
            return False
        self._txs[stx.hash] = stx
        return True

    def discard(self, tx_hash: bytes) -> None:
        self._txs.pop(tx_hash, None)

    def __contains__(self, tx_hash: bytes) -> bool:
        return tx_hash in self._txs

    def __len__(self) -> int:
        return len(self._txs)

    def transactions(self) -> list[SignedTransaction]:
        """Arrival order, except that each sender's nonces come in ascending order.

        The places a sender's transactions hold in the arrival order are filled with that
        sender's transactions sorted by nonce: first come, first served between senders,
        and a sender's later nonce never goes before its earlier one.
        """
        by_sender: dict[str, list[SignedTransaction]] = {}
        for stx in self._txs.values():
            by_sender.setdefault(stx.sender, []).append(stx)
        queues = {sender: iter(sorted(txs, key=lambda stx: stx.tx.nonce))
                  for sender, txs in by_sender.items()}
        return [next(queues[stx.sender]) for stx in self._txs.values()]


class Node:
    """One participant: a chain, a mempool, and a sealer if it holds an authority key."""

    def __init__(self, name: str, genesis: Genesis, rule: Clique,
                 key: PrivateKey | None = None, store: ChainStore | None = None,
                 rng: random.Random | None = None, finality: FinalityRule | None = None,
                 last_target: int = 0, states_kept: int | None = None) -> None:
        self.name = name
        self.genesis = genesis
        self.rule = rule
        self.key = key
        self.store = store
        self.rng = rng if rng is not None else random.Random(name)
        self.chain = (store.open_chain(genesis, rule, states_kept) if store
                      else Chain(genesis, rule, states_kept=states_kept))
        self.mempool = Mempool()
        self.known_txs: set[bytes] = set()
        self.orphans: dict[bytes, Block] = {}
        self.proposals: dict[str, bool] = {}     # votes this authority will cast
        self.evidence: list[Equivocation] = []
        self._sealed_on: dict[tuple[bytes, str], bytes] = {}
        for block in self.chain.blocks.values():      # blocks reloaded from a store
            self._record(self._note_sealer(block))
        # The finality gadget's view (chapter 13); None: Clique alone, as in chapters 04-05.
        self.finality = (Finality(self.chain, rule, finality, key, last_target)
                         if finality is not None else None)

    def __repr__(self) -> str:
        return f"Node({self.name!r}, height={self.chain.height})"

    @property
    def address(self) -> str:
        return self.key.address if self.key else ""

    # --- transactions ------------------------------------------------------------------

    def receive_transaction(self, stx: SignedTransaction) -> bool:
        """Keep a new, correctly signed, not yet used transaction; True if it is new here."""
        if stx.hash in self.known_txs:
            return False
        check_signature(stx, self.chain.chain_id)
        if stx.tx.nonce < self.chain.nonce(stx.sender):
            return False
        self.known_txs.add(stx.hash)
        self.mempool.add(stx)
        return True

    # --- blocks ------------------------------------------------------------------------

    def missing_ancestor(self, block_hash: bytes) -> bytes | None:
        """The first unknown block on the way from ``block_hash`` back to a known one."""
        while block_hash in self.orphans:
            block_hash = self.orphans[block_hash].header.parent_hash
        return None if block_hash in self.chain.blocks else block_hash

    def receive_block(self, block: Block) -> Received:
        """Add a block (and any orphans waiting for it); raise if the block itself is invalid."""
        result = Received()
        if block.hash in self.chain.blocks or block.hash in self.orphans:
            return result
        if block.header.parent_hash not in self.chain.blocks:
            check_seal(block.header)                 # keep only orphans someone signed
            if len(self.orphans) < MAX_ORPHANS:
                self.orphans[block.hash] = block
            result.missing = self.missing_ancestor(block.hash)
            return result
        old_head = self.chain.head_hash
        self.chain.add_block(block)
        self._added(block, result)
        self._connect_orphans(block.hash, result)
        if self.finality is not None:
            result.finalized = self.finality.recount().finalized
        if self.chain.head_hash != old_head:
            self._moved_head(old_head, result)
        return result

    # --- finality votes (chapter 13) ---------------------------------------------------

    def receive_vote(self, vote: Vote) -> Received:
        """Count a finality vote; raise ``BadFinalityVote`` if it is malformed or forged.

        Evidence against its voter makes an authority propose to vote the key out.
        """
        if self.finality is None:
            raise BadFinalityVote(f"node {self.name} runs no finality gadget")
        result = Received()
        old_head = self.chain.head_hash
        counted = self.finality.receive(vote)
        result.new_vote, result.finalized = counted.new, counted.finalized
        result.vote_evidence = counted.evidence
        for evidence in counted.evidence:
            if self.key is not None and evidence.offender != self.address:
                self.proposals[evidence.offender] = False
        if self.chain.head_hash != old_head:
            self._moved_head(old_head, result)
        return result

    def cast_vote(self) -> tuple[Vote | None, Received]:
        """This authority's finality vote if one is due, and what counting it did here."""
        vote = self.finality.due_vote() if self.finality is not None else None
        if vote is None:
            return None, Received()
        return vote, self.receive_vote(vote)

    def _connect_orphans(self, parent_hash: bytes, result: Received) -> None:
        waiting = [parent_hash]
        while waiting:
            parent = waiting.pop(0)
            children = sorted((b for b in self.orphans.values()
                               if b.header.parent_hash == parent), key=lambda b: b.hash)
            for child in children:
                del self.orphans[child.hash]
                try:
                    self.chain.add_block(child)
                except InvalidBlock as error:
                    result.rejected.append((child, error))
                    continue
                self._added(child, result)
                waiting.append(child.hash)

    def _added(self, block: Block, result: Received) -> None:
        result.added.append(block)
        evidence = self._note_sealer(block)
        if evidence is not None:
            self._record(evidence)
            result.evidence.append(evidence)

    def _record(self, evidence: Equivocation | None) -> None:
        """Keep the evidence; an authority proposes to remove the rogue."""
        if evidence is None:
            return
        self.evidence.append(evidence)
        if self.key is not None and evidence.sealer != self.address:
            self.proposals[evidence.sealer] = False

    def _note_sealer(self, block: Block) -> Equivocation | None:
        if block.number == 0:
            return None
        key = (block.header.parent_hash, block.header.sealer)
        first = self._sealed_on.setdefault(key, block.hash)
        if first == block.hash:
            return None
        return Equivocation(block.header.sealer, block.number, first, block.hash)

    def _moved_head(self, old_head: bytes, result: Received) -> None:
        """Return dropped transactions to the mempool; drop those whose nonce is now used."""
        reorg = self.chain.reorg(old_head, self.chain.head_hash)
        result.reorg = reorg
        included = {stx.hash for block in reorg.added for stx in block.transactions}
        for block in reorg.dropped:
            for stx in block.transactions:
                if stx.hash not in included and self.mempool.add(stx):
                    result.returned.append(stx)
        state = self.chain.state
        for stx in self.mempool.transactions():
            if stx.tx.nonce < state.nonce(stx.sender):
                self.mempool.discard(stx.hash)     # included now, or its nonce was spent

    # --- sealing -----------------------------------------------------------------------

    def plan_seal(self, now: float) -> SealPlan | None:
        """When this authority should seal on its head, or None if it may not."""
        if self.key is None:
            return None
        head = self.chain.head
        snap = self.rule.snapshot(self.chain, head.hash)
        number = head.number + 1
        if not snap.may_seal(self.address, number):
            return None
        genesis_time = self.genesis.timestamp
        timestamp = max(head.header.timestamp + self.rule.period, genesis_time + math.ceil(now))
        at = float(timestamp - genesis_time)
        in_turn = snap.in_turn(number, self.address)
        if not in_turn:
            at += self.rng.uniform(0, WIGGLE * len(snap.signers))
        return SealPlan(head.hash, timestamp, at, in_turn)

    def choose_vote(self) -> str:
        """The first of this authority's proposals that would still change something."""
        number = self.chain.height + 1
        if self.rule.is_checkpoint(number):
            return ""
        signers = self.rule.snapshot(self.chain).signers
        for target, authorize in sorted(self.proposals.items()):
            if authorize != (target in signers):
                return vote_to_add(target) if authorize else vote_to_remove(target)
        return ""

    def seal(self, timestamp: int) -> tuple[Block, Received]:
        """Seal a block of mempool transactions on the head and add it to this chain."""
        if self.key is None:
            raise InvalidBlock(f"node {self.name} holds no authority key and cannot seal")
        block, rejected = self.chain.build_block(self.key, self.mempool.transactions(),
                                                 timestamp, vote=self.choose_vote())
        for item in rejected:
            if not isinstance(item.error, (NonceGap, InsufficientFunds)):
                self.mempool.discard(item.transaction.hash)   # can never become valid
        return block, self.receive_block(block)


def transaction_counts(blocks: list[Block]) -> dict[bytes, int]:
    """How many times each transaction hash appears in ``blocks``."""
    counts: dict[bytes, int] = {}
    for block in blocks:
        for stx in block.transactions:
            counts[stx.hash] = counts.get(stx.hash, 0) + 1
    return counts

