"""A simulated network of nodes: gossip, latency, loss, partitions, crashes (chapter 05).

A discrete-event simulation: a heap of events ordered by simulated seconds since genesis
(no wall clock anywhere), on a networkx graph whose edges carry a ``latency`` in seconds
and may carry a ``loss`` probability. Every random choice (latency, loss, the sealers'
wiggle, the workload) comes from ``random.Random`` seeded by the caller, so a run repeats
exactly.

Nodes gossip: a new transaction or block goes to every neighbour except the one it came
from. A node that receives a block whose parent it does not know buffers it and asks the
sender for the missing ancestor. Every ``status_interval`` seconds each node tells its
neighbours its head (a neighbour that does not know it asks for it) and re-announces its
pending transactions, which heals lost messages (with ``status_when_idle=False`` a node
stays quiet while its head and mempool are as it last announced them and no message has
been lost since: then its neighbours already know it all); after a restart or a heal the
nodes on each link exchange heads at once. A partition cuts every link between groups; messages
in flight across it are lost. A crashed node hears nothing and seals nothing; on restart
it reloads its chain from its store if the network has a ``store_dir`` (re-validating
every block; ``sync_stores=False`` lets the stores skip the fsync, since in one process a
simulated crash loses nothing the operating system holds), or starts again from genesis and syncs from its peers; a restarted
authority listens for ``SYNC_GRACE`` seconds before it seals, so that it does not seal on
a stale head while it catches up. ``messages_lost`` counts every message that never
arrived: random loss, a cut link or a crashed receiver. ``states_kept`` is passed to every
node's chain (``Chain.states_kept``): a network that runs all day keeps recent states only.

With a ``finality`` rule (chapter 13) every node also runs the finality gadget
(``finality.py``): authorities send their checkpoint votes over the same links as blocks,
every node passes on votes it had not seen (and, with its head announcements, the votes
for checkpoints above its final one), and a node asks for a voted block it does not know.
Without one (chapters 04-05) no vote is ever sent and nothing changes. An authority's
newest voted target is kept per node across restarts (a real node keeps it on disk), so a
restarted authority never votes twice for one height; a key cloned onto a second node has
no such memory, which is how it gets caught.

The street's own network and the stories chapter 05 tells with it live in
``street_network`` (the engine knows nothing of Sunny Street).
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, NamedTuple

import networkx as nx

from minichain.block import Block
from minichain.chain import Genesis
from minichain.crypto import PrivateKey
from minichain.errors import BadFinalityVote, InvalidBlock, InvalidTransaction, MinichainError
from minichain.execution import check_nonce
from minichain.finality import Evidence, FinalityRule, Vote
from minichain.node import Node, Received, SealPlan, transaction_counts
from minichain.poa import Clique
from minichain.store import ChainStore
from minichain.tx import SignedTransaction

DEFAULT_LATENCY = 0.05     # seconds, for an edge without a ``latency`` attribute
STATUS_INTERVAL = 10.0     # seconds between a node's head announcements
SYNC_GRACE = 2.0           # a restarted authority listens this long before it seals


@dataclass(frozen=True)
class Envelope:
    """What travels along an edge: a transaction, a block, a request, or a head."""

    kind: str          # "tx", "block", "get_block" or "status"
    payload: Any


@dataclass(frozen=True)
class Sighting:
    """A node added a block to its tree at ``time``."""

    time: float
    node: str
    block: bytes
    number: int
    parent: bytes
    sealer: str
    difficulty: int


@dataclass(frozen=True)
class ReorgRecord:
    """A node's head moved to another branch: these blocks left and joined its chain."""

    time: float
    node: str
    old_head: bytes
    new_head: bytes
    dropped: tuple[bytes, ...]
    added: tuple[bytes, ...]
    returned: int              # transactions that went back to the mempool


@dataclass(frozen=True)
class Rejection:
    """A node refused a block, with the typed error it raised."""

    time: float
    node: str
    block: bytes
    number: int
    sealer: str
    error: str                 # the error class's name
    message: str


@dataclass(frozen=True)
class Finalized:
    """A node's finality gadget made a checkpoint final at ``time`` (chapter 13)."""

    time: float
    node: str
    number: int
    block: bytes


@dataclass(frozen=True)
class EvidenceSeen:
    """A node found two finality votes by one key that break a rule (chapter 13)."""

    time: float
    node: str
    evidence: Evidence


@dataclass(frozen=True)
class LogEntry:
    time: float
    node: str
    text: str


class _Event(NamedTuple):
    """An action due at a simulated time. A plain tuple, so the queue compares events in C:
    by time, then by ``seq`` (unique), which keeps the comparison from reaching the action."""

    time: float
    seq: int
    action: Callable
    args: tuple = ()


class Network:
    """Nodes on a graph, driven by a queue of timed events."""

    def __init__(self, graph: nx.Graph, genesis: Genesis, keys: dict[str, PrivateKey],
                 seed: int = 0, rule: Clique | None = None, loss: float = 0.0,
                 store_dir: str | Path | None = None, rogues: dict[str, str] | None = None,
                 status_interval: float = STATUS_INTERVAL, seal_empty: bool = True,
                 finality: FinalityRule | None = None, sync_stores: bool = True,
                 status_when_idle: bool = True, states_kept: int | None = None) -> None:
        self.graph = graph
        self.genesis = genesis
        self.keys = dict(keys)
        self.seed = seed
        self.rule = rule if rule is not None else Clique()
        self.loss = loss
        self.store_dir = Path(store_dir) if store_dir is not None else None
        self.rogues = dict(rogues or {})
        self.status_interval = status_interval
        self.seal_empty = seal_empty
        self.finality = finality
        self.sync_stores = sync_stores
        self.status_when_idle = status_when_idle
        self.states_kept = states_kept           # per node's chain (``Chain.states_kept``)
        self._announced: dict[str, tuple[bytes, int, int]] = {}   # what each node last said
        self.rng = random.Random(seed)
        self.now = 0.0
        self._queue: list[_Event] = []
        self._seq = itertools.count()
        self._life: dict[str, int] = {}
        self._plans: dict[str, int] = {}
        self._planned: set[str] = set()          # authorities with a seal scheduled
        self._listening: set[str] = set()
        self.down: set[str] = set()
        self.groups: dict[str, int] | None = None
        self.submitted: list[SignedTransaction] = []
        self.handed: dict[bytes, str] = {}       # transaction -> the node that took it
        self.refused: dict[bytes, tuple[str, InvalidTransaction]] = {}
        self.watchers: list[Callable[[str, Block], None]] = []
        self.sightings: list[Sighting] = []
        self.reorgs: list[ReorgRecord] = []
        self.rejections: list[Rejection] = []
        self.log: list[LogEntry] = []
        self.finalized: list[Finalized] = []
        self.vote_evidence: list[EvidenceSeen] = []
        self._last_targets: dict[str, int] = {}  # each authority node's newest voted target
        self.messages_sent = 0
        self.messages_lost = 0
        unknown = sorted(set(self.keys) - set(graph.nodes))
        if unknown:
            raise MinichainError(f"authority keys for {unknown}, which are not in the graph")
        self.nodes: dict[str, Node] = {}
        for name in self.names:
            self.nodes[name] = self._new_node(name)
            self._life[name] = 0
            self._start(name)

    # --- building blocks ------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return sorted(self.graph.nodes)

    def _new_node(self, name: str) -> Node:
        store = (ChainStore(self.store_dir / f"{name}.chain", sync=self.sync_stores)
                 if self.store_dir else None)
        rng = random.Random(f"{self.seed}:{name}:{self._life.get(name, 0)}")
        return Node(name, self.genesis, self.rule, self.keys.get(name), store, rng,
                    self.finality, self._last_targets.get(name, 0), self.states_kept)

    def _start(self, name: str, grace: float = 0.0) -> None:
        """Start a node's head announcements and, after ``grace`` seconds, its sealer."""
        life = self._life[name]
        self._announced.pop(name, None)
        self.at(self.now + self.status_interval, self._tick, name, life)
        if grace:
            self._listening.add(name)
            self.at(self.now + grace, self._plan_if_listening, name, life)
        else:
            self._plan(name)

    def _plan_if_listening(self, name: str, life: int) -> None:
        """After the grace: plan a seal unless a new head already did."""
        if self._life[name] == life and name in self._listening:
            self._plan(name)

    def at(self, time: float, action: Callable, *args) -> None:
        """Run ``action(*args)`` at simulated ``time`` (not before now)."""
        heapq.heappush(self._queue, _Event(max(time, self.now), next(self._seq), action, args))

    def run(self, until: float) -> "Network":
        """Process every event up to simulated second ``until``."""
        while self._queue and self._queue[0].time <= until:
            event = heapq.heappop(self._queue)
            self.now = event.time
            event.action(*event.args)
        self.now = max(self.now, until)
        return self

    def watch(self, callback: Callable[[str, Block], None]) -> None:
        """Call ``callback(node, head)`` whenever a node's head moves: a price board, a wallet."""
        self.watchers.append(callback)

    def note(self, node: str, text: str) -> None:
        self.log.append(LogEntry(round(self.now, 3), node, text))

    # --- what the scenario does to the network ----------------------------------------------

    def submit(self, name: str, stx: SignedTransaction, at: float | None = None,
               fallback: Iterable[str] = ()) -> None:
        """A household hands a signed transaction to node ``name`` at time ``at``.

        If that node is down at that moment, the wallet tries the ``fallback`` nodes in
        order; with none left up the transaction is lost, as when a household's own node is
        switched off (``inclusion_counts`` will show it missing). Which node took it is in
        ``handed``; a node that refuses it (a bad signature, a used nonce) puts the typed
        error in ``refused``, as a node answers a wallet that hands it a transaction.
        """
        self.submitted.append(stx)
        self.at(self.now if at is None else at, self._hand_over, (name, *fallback), stx)

    def crash(self, name: str, at: float) -> None:
        self.at(at, self._crash, name)

    def restart(self, name: str, at: float) -> None:
        self.at(at, self._restart, name)

    def partition(self, groups: Iterable[Iterable[str]], at: float) -> None:
        """Cut every link between the groups (every node must be in exactly one)."""
        membership = {}
        for index, group in enumerate(groups):
            for name in group:
                if name in membership:
                    raise MinichainError(f"{name} is in two groups of the partition")
                membership[name] = index
        missing = sorted(set(self.names) - set(membership))
        if missing:
            raise MinichainError(f"every node must be in one group; missing {missing}")
        self.at(at, self._partition, membership)

    def heal(self, at: float) -> None:
        self.at(at, self._heal)

    def _hand_over(self, names: tuple[str, ...], stx: SignedTransaction) -> None:
        """A wallet hands ``stx`` to the first of ``names`` that is up."""
        for name in names:
            if name in self.down:
                self.note(name, f"is down: transaction {stx.hash.hex()[:8]} goes elsewhere"
                          if name != names[-1] else f"is down: transaction "
                                                    f"{stx.hash.hex()[:8]} is lost")
                continue
            self.handed[stx.hash] = name
            node = self.nodes[name]
            try:
                new = node.receive_transaction(stx)
                if not new and node.chain.find_transaction(stx.hash) is None:
                    # a stale nonce that no block of this node's chain holds: say so
                    check_nonce(node.chain.nonce(stx.sender), stx.tx.nonce, stx.sender)
            except InvalidTransaction as error:
                self.refused[stx.hash] = (name, error)
                self.note(name, f"refuses transaction {stx.hash.hex()[:8]}: {error}")
                return
            if new:
                self._gossip(name, Envelope("tx", stx))
                self._plan_for_transactions(name)
            return

    def _crash(self, name: str) -> None:
        self.down.add(name)
        self._planned.discard(name)
        self._life[name] += 1
        self.note(name, f"crashes at height {self.nodes[name].chain.height}")

    def _restart(self, name: str) -> None:
        self.down.discard(name)
        self._life[name] += 1
        node = self._new_node(name)
        self.nodes[name] = node
        source = "its store on disk" if self.store_dir else "genesis (nothing on disk)"
        self.note(name, f"restarts from {source} at height {node.chain.height}")
        self._start(name, grace=SYNC_GRACE)
        for neighbour in sorted(self.graph.neighbors(name)):
            self._handshake(name, neighbour)

    def _partition(self, membership: dict[str, int]) -> None:
        self.groups = membership
        sides = {}
        for name, index in sorted(membership.items()):
            sides.setdefault(index, []).append(name)
        self.note("network", "partition: " + " | ".join(", ".join(side)
                                                         for _, side in sorted(sides.items())))

    def _heal(self) -> None:
        cut = [(a, b) for a, b in sorted(self.graph.edges) if not self.link_up(a, b)]
        self.groups = None
        self.note("network", "the partition heals")
        for a, b in cut:
            self._handshake(a, b)

    def _handshake(self, a: str, b: str) -> None:
        for source, target in ((a, b), (b, a)):
            if source not in self.down:
                self._send(source, target, Envelope("status", self.nodes[source].chain.head_hash))
                self._send_votes(source, [target])

    # --- links and messages ------------------------------------------------------------------

    def link_up(self, a: str, b: str) -> bool:
        return self.groups is None or self.groups.get(a) == self.groups.get(b)

    def _send(self, source: str, target: str, message: Envelope) -> None:
        if source in self.down:
            return
        edge = self.graph.edges[source, target]
        self.messages_sent += 1
        if self.rng.random() < edge.get("loss", self.loss):
            self.messages_lost += 1
            return
        latency = edge.get("latency", DEFAULT_LATENCY)
        self.at(self.now + latency, self._deliver, source, target, message)

    def _gossip(self, source: str, message: Envelope, exclude: str | None = None) -> None:
        for neighbour in sorted(self.graph.neighbors(source)):
            if neighbour != exclude:
                self._send(source, neighbour, message)

    def _deliver(self, source: str, target: str, message: Envelope) -> None:
        if target in self.down or not self.link_up(source, target):
            self.messages_lost += 1
            return
        handler = {"tx": self._on_tx, "block": self._on_block, "get_block": self._on_get_block,
                   "status": self._on_status, "vote": self._on_vote}[message.kind]
        handler(target, message.payload, source)

    def _on_tx(self, name: str, stx: SignedTransaction, source: str | None) -> None:
        if name in self.down:
            return
        try:
            new = self.nodes[name].receive_transaction(stx)
        except InvalidTransaction as error:
            self.note(name, f"refuses transaction {stx.hash.hex()[:8]}: {error}")
            return
        if new:
            self._gossip(name, Envelope("tx", stx), exclude=source)
            self._plan_for_transactions(name)

    def _plan_for_transactions(self, name: str) -> None:
        """An authority that seals only when there is work plans a seal when work arrives."""
        if not self.seal_empty and name not in self._planned and name not in self._listening \
                and self.nodes[name].key is not None:
            self._plan(name)

    def _on_block(self, name: str, block: Block, source: str | None) -> None:
        try:
            result = self.nodes[name].receive_block(block)
        except InvalidBlock as error:
            self._reject(name, block, error)
            return
        self._after_blocks(name, result, source)

    def _on_get_block(self, name: str, block_hash: bytes, source: str) -> None:
        block = self.nodes[name].chain.blocks.get(block_hash)
        if block is not None:
            self._send(name, source, Envelope("block", block))

    def _on_status(self, name: str, head_hash: bytes, source: str) -> None:
        node = self.nodes[name]
        if head_hash in node.chain.blocks:
            return
        missing = node.missing_ancestor(head_hash)
        if missing is not None:
            self._send(name, source, Envelope("get_block", missing))

    def _on_vote(self, name: str, vote: Vote, source: str) -> None:
        node = self.nodes[name]
        try:
            result = node.receive_vote(vote)
        except BadFinalityVote as error:
            self.note(name, f"refuses a finality vote: {error}")
            return
        if not result.new_vote:
            return
        self._gossip(name, Envelope("vote", vote), exclude=source)
        if vote.link.target not in node.chain.blocks and vote.link.target not in node.orphans:
            self._send(name, source, Envelope("get_block", vote.link.target))
        self._after_blocks(name, result, source)

    def _send_votes(self, name: str, targets: Iterable[str]) -> None:
        """Pass on every vote for a checkpoint above this node's final one."""
        finality = self.nodes[name].finality
        if finality is None:
            return
        votes = finality.open_votes()
        for target in targets:
            for vote in votes:
                self._send(name, target, Envelope("vote", vote))

    def _vote(self, name: str) -> None:
        """An authority casts the finality vote that is due, if any, and sends it out."""
        node = self.nodes[name]
        if self.finality is None or node.key is None or name in self.down:
            return
        vote, result = node.cast_vote()
        if vote is None:
            return
        self._last_targets[name] = vote.link.target_number
        self.note(name, f"votes #{vote.link.source_number} -> #{vote.link.target_number} "
                        f"({vote.link.target.hex()[:8]})")
        self._gossip(name, Envelope("vote", vote))
        self._after_blocks(name, result, None)

    def _tick(self, name: str, life: int) -> None:
        if name in self.down or self._life[name] != life:
            return
        node = self.nodes[name]
        said = (node.chain.head_hash, len(node.mempool), self.messages_lost)
        if self.status_when_idle or self._announced.get(name) != said:
            self._announced[name] = said
            self._gossip(name, Envelope("status", node.chain.head_hash))
            for stx in node.mempool.transactions():
                self._gossip(name, Envelope("tx", stx))
        self._send_votes(name, sorted(self.graph.neighbors(name)))
        self.at(self.now + self.status_interval, self._tick, name, life)

    def _reject(self, name: str, block: Block, error: InvalidBlock) -> None:
        self.rejections.append(Rejection(round(self.now, 3), name, block.hash, block.number,
                                         block.header.sealer, type(error).__name__,
                                         str(error)))
        self.note(name, f"rejects block #{block.number} ({type(error).__name__})")

    def _sighting(self, name: str, block: Block) -> Sighting:
        header = block.header
        return Sighting(round(self.now, 3), name, block.hash, block.number, header.parent_hash,
                        header.sealer, header.difficulty)

    def _after_blocks(self, name: str, result: Received, source: str | None) -> None:
        """Record and relay what a node added; ask for what it misses; plan its next seal."""
        for block in result.added:
            self.sightings.append(self._sighting(name, block))
            self._gossip(name, Envelope("block", block), exclude=source)
        for block, error in result.rejected:
            self._reject(name, block, error)
        if result.missing is not None and source is not None:
            self._send(name, source, Envelope("get_block", result.missing))
        for evidence in result.evidence:
            self.note(name, f"sees {evidence.sealer[:10]}… seal two blocks #{evidence.number} "
                            "on the same parent (double sealing)")
        for evidence in result.vote_evidence:
            self.vote_evidence.append(EvidenceSeen(round(self.now, 3), name, evidence))
            self.note(name, f"holds evidence of a {evidence.kind} by {evidence.offender[:10]}…")
        for checkpoint in result.finalized:
            number = self.nodes[name].chain.blocks[checkpoint].number
            self.finalized.append(Finalized(round(self.now, 3), name, number, checkpoint))
        if result.reorg is not None:
            reorg = result.reorg
            if reorg.dropped:
                self.reorgs.append(ReorgRecord(
                    round(self.now, 3), name, reorg.dropped[-1].hash, reorg.added[-1].hash,
                    tuple(b.hash for b in reorg.dropped), tuple(b.hash for b in reorg.added),
                    len(result.returned)))
                self.note(name, f"reorg: {len(reorg.dropped)} block(s) dropped, "
                                f"{len(reorg.added)} added, {len(result.returned)} "
                                "transaction(s) back to the mempool")
            for stx in result.returned:
                self._gossip(name, Envelope("tx", stx))
            self._plan(name)
            for callback in self.watchers:
                callback(name, self.nodes[name].chain.head)
        if self.finality is not None and (result.added or result.reorg is not None
                                          or result.finalized):
            self._vote(name)

    # --- sealing ---------------------------------------------------------------------------

    def _plan(self, name: str) -> None:
        """Schedule this node's next seal on its current head (replacing any older plan)."""
        if name in self.down:
            return
        self._listening.discard(name)
        node = self.nodes[name]
        self._plans[name] = self._plans.get(name, 0) + 1
        self._planned.discard(name)
        if not self.seal_empty and not len(node.mempool) and not node.choose_vote():
            return                    # nothing to seal: wait for a transaction
        plan = node.plan_seal(self.now)
        if plan is None and name in self.rogues and node.key is not None:
            plan = self._rogue_plan(node)
        if plan is not None:
            self._planned.add(name)
            self.at(plan.at, self._seal, name, plan, self._plans[name])

    def _seal(self, name: str, plan: SealPlan, token: int) -> None:
        node = self.nodes[name]
        if name in self.down or self._plans[name] != token or node.chain.head_hash != plan.parent:
            return
        self._planned.discard(name)
        if name in self.rogues:
            self._rogue_seal(name, plan)
            return
        block, result = node.seal(plan.timestamp)
        turn = "in turn" if plan.in_turn else "out of turn"
        self.note(name, f"seals block #{block.number} {turn} with "
                        f"{len(block.transactions)} transaction(s)")
        self._after_blocks(name, result, None)

    # --- rogue authorities ------------------------------------------------------------------

    def _rogue_plan(self, node: Node) -> SealPlan:
        """A rogue seals one period after its head whether the rules allow it or not."""
        head = node.chain.head
        timestamp = max(head.header.timestamp + self.rule.period,
                        self.genesis.timestamp + math.ceil(self.now))
        return SealPlan(head.hash, timestamp, float(timestamp - self.genesis.timestamp), False)

    def _rogue_seal(self, name: str, plan: SealPlan) -> None:
        """``out_of_limit``: seal whenever it likes; ``double_seal``: two blocks per parent."""
        node = self.nodes[name]
        first, _ = node.chain.build_block(node.key, node.mempool.transactions(),
                                          plan.timestamp, vote=node.choose_vote())
        neighbours = sorted(self.graph.neighbors(name))
        sends = [(first, neighbours)]
        if self.rogues[name] == "double_seal":
            second, _ = node.chain.build_block(node.key, [], plan.timestamp + 1)
            half = (len(neighbours) + 1) // 2
            sends = [(first, neighbours[:half]), (second, neighbours[half:])]
            self.note(name, f"(rogue) seals two different blocks #{first.number} on one parent")
        else:
            self.note(name, f"(rogue) seals block #{first.number} whatever the rules say")
        for block, targets in sends:
            try:
                result = node.receive_block(block)
            except InvalidBlock:
                result = None      # its own chain refuses it; the rogue sends it anyway
            if result is not None:
                self.sightings.extend(self._sighting(name, b) for b in result.added)
            for target in targets:
                self._send(name, target, Envelope("block", block))
        if node.chain.head_hash == plan.parent:
            self.at(self.now + self.rule.period, self._plan, name)
        else:
            self._plan(name)

    # --- reading the result --------------------------------------------------------------------

    def authority_names(self) -> dict[str, str]:
        """Address to node name for every authority key (for tables and pictures)."""
        return {key.address: name for name, key in sorted(self.keys.items())}

    def heads(self) -> dict[str, Block]:
        """Each running node's head block."""
        return {name: self.nodes[name].chain.head for name in self.names if name not in self.down}

    def converged(self) -> bool:
        """True when every running node has the same head."""
        return len({block.hash for block in self.heads().values()}) == 1

    def canonical_chain(self, name: str) -> list[Block]:
        return self.nodes[name].chain.canonical_chain()

    def inclusion_counts(self, name: str) -> dict[bytes, int]:
        """For every submitted transaction: how often it is on ``name``'s canonical chain."""
        counts = transaction_counts(self.canonical_chain(name))
        return {stx.hash: counts.get(stx.hash, 0) for stx in self.submitted}
