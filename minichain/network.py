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
pending transactions, which heals lost messages; after a restart or a heal the nodes on
each link exchange heads at once. A partition cuts every link between groups; messages
in flight across it are lost. A crashed node hears nothing and seals nothing; on restart
it reloads its chain from its store if the network has a ``store_dir`` (re-validating
every block), or starts again from genesis and syncs from its peers; a restarted
authority listens for ``SYNC_GRACE`` seconds before it seals, so that it does not seal on
a stale head while it catches up. ``messages_lost`` counts every message that never
arrived: random loss, a cut link or a crashed receiver.

The scenario functions at the end run the stories chapter 05 tells (a healthy street, a
partition and its heal, too few authorities online, a rogue authority, a crash) and return
a ``ScenarioResult``: the network after the run and a few plain sentences about it.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import networkx as nx

from minichain import cast
from minichain.block import Block
from minichain.chain import GENESIS_TIME, Genesis
from minichain.crypto import PrivateKey
from minichain.errors import InvalidBlock, InvalidTransaction, MinichainError
from minichain.node import Node, Received, SealPlan, transaction_counts
from minichain.poa import BLOCK_PERIOD, EPOCH_LENGTH, Clique, signer_limit
from minichain.store import ChainStore
from minichain.tx import SignedTransaction
from minichain.wallet import Wallet

DEFAULT_LATENCY = 0.05     # seconds, for an edge without a ``latency`` attribute
STATUS_INTERVAL = 10.0     # seconds between a node's head announcements
SYNC_GRACE = 2.0           # a restarted authority listens this long before it seals


@dataclass(frozen=True)
class Message:
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
class LogEntry:
    time: float
    node: str
    text: str


@dataclass(order=True)
class _Event:
    time: float
    seq: int
    action: Callable = field(compare=False)
    args: tuple = field(compare=False, default=())


class Network:
    """Nodes on a graph, driven by a queue of timed events."""

    def __init__(self, graph: nx.Graph, genesis: Genesis, keys: dict[str, PrivateKey],
                 seed: int = 0, rule: Clique | None = None, loss: float = 0.0,
                 store_dir: str | Path | None = None, rogues: dict[str, str] | None = None,
                 status_interval: float = STATUS_INTERVAL) -> None:
        self.graph = graph
        self.genesis = genesis
        self.keys = dict(keys)
        self.seed = seed
        self.rule = rule if rule is not None else Clique()
        self.loss = loss
        self.store_dir = Path(store_dir) if store_dir is not None else None
        self.rogues = dict(rogues or {})
        self.status_interval = status_interval
        self.rng = random.Random(seed)
        self.now = 0.0
        self._queue: list[_Event] = []
        self._seq = itertools.count()
        self._life: dict[str, int] = {}
        self._plans: dict[str, int] = {}
        self._listening: set[str] = set()
        self.down: set[str] = set()
        self.groups: dict[str, int] | None = None
        self.submitted: list[SignedTransaction] = []
        self.sightings: list[Sighting] = []
        self.reorgs: list[ReorgRecord] = []
        self.rejections: list[Rejection] = []
        self.log: list[LogEntry] = []
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
        store = ChainStore(self.store_dir / f"{name}.chain") if self.store_dir else None
        rng = random.Random(f"{self.seed}:{name}:{self._life.get(name, 0)}")
        return Node(name, self.genesis, self.rule, self.keys.get(name), store, rng)

    def _start(self, name: str, grace: float = 0.0) -> None:
        """Start a node's head announcements and, after ``grace`` seconds, its sealer."""
        life = self._life[name]
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

    def note(self, node: str, text: str) -> None:
        self.log.append(LogEntry(round(self.now, 3), node, text))

    # --- what the scenario does to the network ----------------------------------------------

    def submit(self, name: str, stx: SignedTransaction, at: float | None = None) -> None:
        """A household hands a signed transaction to node ``name`` at time ``at``.

        If that node is down at that moment the transaction is lost, as when a household's
        own node is switched off; ``inclusion_counts`` will show it missing.
        """
        self.submitted.append(stx)
        self.at(self.now if at is None else at, self._on_tx, name, stx, None)

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

    def _crash(self, name: str) -> None:
        self.down.add(name)
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
                self._send(source, target, Message("status", self.nodes[source].chain.head_hash))

    # --- links and messages ------------------------------------------------------------------

    def link_up(self, a: str, b: str) -> bool:
        return self.groups is None or self.groups.get(a) == self.groups.get(b)

    def _send(self, source: str, target: str, message: Message) -> None:
        if source in self.down:
            return
        edge = self.graph.edges[source, target]
        self.messages_sent += 1
        if self.rng.random() < edge.get("loss", self.loss):
            self.messages_lost += 1
            return
        latency = edge.get("latency", DEFAULT_LATENCY)
        self.at(self.now + latency, self._deliver, source, target, message)

    def _gossip(self, source: str, message: Message, exclude: str | None = None) -> None:
        for neighbour in sorted(self.graph.neighbors(source)):
            if neighbour != exclude:
                self._send(source, neighbour, message)

    def _deliver(self, source: str, target: str, message: Message) -> None:
        if target in self.down or not self.link_up(source, target):
            self.messages_lost += 1
            return
        handler = {"tx": self._on_tx, "block": self._on_block,
                   "get_block": self._on_get_block, "status": self._on_status}[message.kind]
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
            self._gossip(name, Message("tx", stx), exclude=source)

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
            self._send(name, source, Message("block", block))

    def _on_status(self, name: str, head_hash: bytes, source: str) -> None:
        node = self.nodes[name]
        if head_hash in node.chain.blocks:
            return
        missing = node.missing_ancestor(head_hash)
        if missing is not None:
            self._send(name, source, Message("get_block", missing))

    def _tick(self, name: str, life: int) -> None:
        if name in self.down or self._life[name] != life:
            return
        node = self.nodes[name]
        self._gossip(name, Message("status", node.chain.head_hash))
        for stx in node.mempool.transactions():
            self._gossip(name, Message("tx", stx))
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
            self._gossip(name, Message("block", block), exclude=source)
        for block, error in result.rejected:
            self._reject(name, block, error)
        if result.missing is not None and source is not None:
            self._send(name, source, Message("get_block", result.missing))
        for evidence in result.evidence:
            self.note(name, f"sees {evidence.sealer[:10]}… seal two blocks #{evidence.number} "
                            "on the same parent (double sealing)")
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
                self._gossip(name, Message("tx", stx))
            self._plan(name)

    # --- sealing ---------------------------------------------------------------------------

    def _plan(self, name: str) -> None:
        """Schedule this node's next seal on its current head (replacing any older plan)."""
        if name in self.down:
            return
        self._listening.discard(name)
        node = self.nodes[name]
        plan = node.plan_seal(self.now)
        if plan is None and name in self.rogues and node.key is not None:
            plan = self._rogue_plan(node)
        self._plans[name] = self._plans.get(name, 0) + 1
        if plan is not None:
            self.at(plan.at, self._seal, name, plan, self._plans[name])

    def _seal(self, name: str, plan: SealPlan, token: int) -> None:
        node = self.nodes[name]
        if name in self.down or self._plans[name] != token or node.chain.head_hash != plan.parent:
            return
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
                self._send(name, target, Message("block", block))
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


# --- Sunny Street --------------------------------------------------------------------------

AUTHORITY_SEEDS = {node: seed for seed, node in cast.AUTHORITY_NODES.items()}   # node name -> seed
HOUSEHOLDS = cast.HOUSEHOLDS[:6]
OPENING_BALANCE = 1_000


def sunny_street_graph(seed: int = 0, authorities: Iterable[str] = tuple(AUTHORITY_SEEDS),
                       households: Iterable[str] = HOUSEHOLDS) -> nx.Graph:
    """Authorities linked to each other; household i to authority i mod A and its neighbour."""
    rng = random.Random(seed)
    authorities, households = list(authorities), list(households)
    graph = nx.Graph()
    for name in authorities:
        graph.add_node(name, role="authority")
    for name in households:
        graph.add_node(name, role="household")
    edges = list(itertools.combinations(authorities, 2))
    edges += [(house, authorities[i % len(authorities)]) for i, house in enumerate(households)]
    if len(households) > 2:
        edges += [(households[i], households[(i + 1) % len(households)])
                  for i in range(len(households))]
    for a, b in edges:
        graph.add_edge(a, b, latency=round(rng.uniform(0.02, 0.2), 3))
    return graph


def authority_key(name: str) -> PrivateKey:
    return Wallet.from_seed(AUTHORITY_SEEDS.get(name, name)).key


def sunny_street_network(seed: int = 0, loss: float = 0.0, store_dir: str | Path | None = None,
                         period: int = BLOCK_PERIOD, epoch: int = EPOCH_LENGTH,
                         rogues: dict[str, str] | None = None,
                         authorities: Iterable[str] = tuple(AUTHORITY_SEEDS),
                         households: Iterable[str] = HOUSEHOLDS) -> Network:
    """The street's nodes: authorities seal, every household holds 1000 tokens."""
    authorities, households = tuple(authorities), tuple(households)
    keys = {name: authority_key(name) for name in authorities}
    genesis = Genesis(timestamp=GENESIS_TIME,
                      balances=tuple((Wallet.from_seed(h).address, OPENING_BALANCE)
                                     for h in households),
                      authorities=tuple(key.address for key in keys.values()))
    graph = sunny_street_graph(seed, authorities, households)
    return Network(graph, genesis, keys, seed=seed, rule=Clique(epoch=epoch, period=period),
                   loss=loss, store_dir=store_dir, rogues=rogues)


def schedule_transfers(network: Network, rng: random.Random, start: float, end: float,
                       count: int, senders: Iterable[str] = HOUSEHOLDS,
                       receivers: Iterable[str] = HOUSEHOLDS,
                       nonces: dict[str, int] | None = None) -> list[SignedTransaction]:
    """``count`` small transfers at random times, each handed to the sender's own node."""
    senders, receivers = sorted(senders), sorted(receivers)
    if not senders or not receivers:
        return []
    nonces = nonces if nonces is not None else {}
    plans = sorted((round(rng.uniform(start, end), 3), rng.choice(senders), rng.choice(receivers),
                    rng.randint(1, 20)) for _ in range(count))
    submitted = []
    for time, sender, receiver, value in plans:
        wallet = Wallet.from_seed(sender)
        nonce = nonces.get(sender, 0)
        nonces[sender] = nonce + 1
        stx = wallet.transfer(Wallet.from_seed(receiver).address, value, nonce,
                              chain_id=network.genesis.chain_id)
        network.submit(sender, stx, at=time)
        submitted.append(stx)
    return submitted


@dataclass
class ScenarioResult:
    """A network after a scenario ran, and what a learner should notice about it."""

    name: str
    network: Network
    story: list[str]

    def authority_names(self) -> dict[str, str]:
        """Address to node name for every authority key (for tables and pictures)."""
        return self.network.authority_names()

    def heads(self) -> dict[str, Block]:
        return self.network.heads()

    @property
    def converged(self) -> bool:
        return self.network.converged()

    def __str__(self) -> str:
        return "\n".join([self.name] + ["  " + line for line in self.story])


def _short(block_hash: bytes) -> str:
    return block_hash.hex()[:8]


def _head_line(network: Network) -> str:
    heads = network.heads()
    distinct = sorted({(b.number, b.hash) for b in heads.values()})
    if len(distinct) == 1:
        number, block_hash = distinct[0]
        return f"all {len(heads)} running nodes agree on head #{number} ({_short(block_hash)})"
    return "the running nodes disagree: " + "; ".join(
        f"#{n} ({_short(h)}) at " + ", ".join(sorted(k for k, b in heads.items() if b.hash == h))
        for n, h in distinct)


def _inclusion_line(network: Network, name: str) -> str:
    counts = network.inclusion_counts(name)
    once = sum(1 for c in counts.values() if c == 1)
    return (f"{once} of {len(counts)} submitted transactions are on the canonical chain exactly "
            f"once ({sum(1 for c in counts.values() if c == 0)} missing, "
            f"{sum(1 for c in counts.values() if c > 1)} doubled)")


def healthy_network(seed: int = 7, duration: float = 63, transfers: int = 12,
                    loss: float = 0.0) -> ScenarioResult:
    """Everyone online: blocks every period, gossip keeps all nodes on one head."""
    network = sunny_street_network(seed, loss=loss)
    schedule_transfers(network, random.Random(seed), 1, duration - 20, transfers)
    network.run(duration)
    canonical = network.canonical_chain("grid")[1:]
    in_turn = sum(1 for block in canonical if block.header.difficulty == 2)
    forks = len({r.dropped for r in network.reorgs})
    story = [_head_line(network), _inclusion_line(network, "grid"),
             f"{in_turn} of the {len(canonical)} blocks were sealed in turn; {forks} short "
             f"fork(s) where an out-of-turn block lost to a heavier one",
             f"{network.messages_sent} messages sent, {network.messages_lost} lost"]
    return ScenarioResult("healthy network", network, story)


MAJORITY_SIDE = ("grid", "city", "alice", "bob", "dave", "erin")
MINORITY_SIDE = ("coop", "carol", "frank")


def partition_and_heal(seed: int = 7, split_at: float = 20, heal_at: float = 70,
                       duration: float = 133, transfers: int = 8,
                       sides: tuple[Iterable[str], Iterable[str]] = (MAJORITY_SIDE, MINORITY_SIDE),
                       store_dir: str | Path | None = None) -> ScenarioResult:
    """Split the street in two, let both sides seal, heal: the heavier branch wins.

    The split comes at ``split_at`` or, if no authority of the second side may seal then
    (it sealed the last block), just after the next block, so that both sides fork.
    Households on each side keep trading during the split; the second side's first
    transfers arrive before its lone block, so the heal sends them back to the mempool.
    """
    network = sunny_street_network(seed, store_dir=store_dir)
    majority, minority = (tuple(sorted(side)) for side in sides)
    rng = random.Random(seed)
    nonces: dict[str, int] = {}
    households = set(HOUSEHOLDS)
    schedule_transfers(network, rng, 1, split_at - 5, transfers, nonces=nonces)
    network.run(split_at)
    sealers = {network.nodes[n].address for n in minority if network.nodes[n].key}
    for _ in range(3 * network.rule.period):
        allowed = network.rule.who_may_seal(network.nodes[majority[0]].chain)
        if not sealers or sealers & set(allowed):
            break
        network.run(network.now + 1)
    split = network.now
    network.partition([majority, minority], at=split)
    for start, end, side, count in ((split + 1, heal_at - 5, majority, transfers),
                                    (split + 0.1, split + 2, minority, transfers // 2),
                                    (split + 2, heal_at - 5, minority, transfers // 2)):
        schedule_transfers(network, rng, start, end, count, nonces=nonces,
                           senders=[h for h in side if h in households])
    schedule_transfers(network, rng, heal_at + 1, duration - 40, transfers, nonces=nonces)
    network.run(heal_at - 0.001)
    during = {name: network.nodes[name].chain.head for name in (majority[0], minority[0])}
    network.heal(at=heal_at)
    network.run(duration)
    healed = [r for r in network.reorgs if r.time >= heal_at]
    reorged = sorted({r.node for r in healed})
    tds = {side[0]: network.nodes[side[0]].chain.total_difficulty[during[side[0]].hash]
           for side in (majority, minority)}
    story = [f"the street splits at {split:g} s and heals at {heal_at:g} s",
             f"just before the heal the {majority[0]} side is at #{during[majority[0]].number} "
             f"(total difficulty {tds[majority[0]]}), the {minority[0]} side at "
             f"#{during[minority[0]].number} (total difficulty {tds[minority[0]]})",
             f"after the heal {', '.join(reorged) or 'no node'} reorganise(s): up to "
             f"{max((len(r.dropped) for r in healed), default=0)} block(s) dropped, up to "
             f"{max((r.returned for r in healed), default=0)} transaction(s) back to a mempool",
             _head_line(network), _inclusion_line(network, majority[0])]
    return ScenarioResult("partition and heal", network, story)


def explain_stall(network: Network) -> str:
    """Why no running authority may seal the next block, in plain words."""
    running = [n for n in network.names if n not in network.down]
    node = network.nodes[running[0]]
    snap = network.rule.snapshot(node.chain)
    number = node.chain.height + 1
    online = sorted(network.nodes[n].address for n in running if network.nodes[n].key)
    recent = snap.recent_sealers(number)
    names = {network.nodes[n].address: n for n in network.names if network.nodes[n].key}
    may = [names[a] for a in online if snap.may_seal(a, number)]
    if may:
        return f"not stalled: {', '.join(may)} may seal block #{number}"
    limit = signer_limit(len(snap.signers))
    sealed = ", ".join(f"{names.get(s, s)} sealed #{n}" for n, s in sorted(recent.items()))
    return (f"stalled at block #{node.chain.height}: {len(online)} of {len(snap.signers)} "
            f"authorities are online, but the signer limit lets each seal only one of any "
            f"{limit} consecutive blocks (floor({len(snap.signers)}/2)+1) and {sealed}; "
            f"block #{number} needs an authority that is online and did not seal recently, "
            f"and none is")


def too_few_authorities(seed: int = 7, offline: Iterable[str] = ("city", "coop"),
                        duration: float = 63, back_at: float | None = None) -> ScenarioResult:
    """With fewer than floor(N/2)+1 authorities online the chain stops: the signer limit."""
    network = sunny_street_network(seed)
    offline = sorted(offline)
    for name in offline:
        network.crash(name, at=0)
    schedule_transfers(network, random.Random(seed), 1, duration - 10, 6)
    stop = duration if back_at is None else back_at
    network.run(stop)
    online = next(n for n in network.names if n not in network.down)
    story = [f"offline: {', '.join(offline)}; height after {stop:g} s: "
             f"{network.nodes[online].chain.height}", explain_stall(network)]
    if back_at is not None:
        network.restart(offline[0], at=back_at)
        network.run(duration)
        story.append(f"{offline[0]} comes back at {back_at:g} s; height after {duration:g} s: "
                     f"{network.nodes[online].chain.height}")
    return ScenarioResult("too few authorities", network, story)


def rogue_authority(seed: int = 7, mode: str = "out_of_limit", rogue: str = "coop",
                    duration: float = 63) -> ScenarioResult:
    """An authority that breaks the rules: ``out_of_limit`` or ``double_seal``."""
    if mode not in ("out_of_limit", "double_seal"):
        raise MinichainError(f"mode must be 'out_of_limit' or 'double_seal', got {mode!r}")
    network = sunny_street_network(seed, rogues={rogue: mode})
    schedule_transfers(network, random.Random(seed), 1, duration - 20, 8)
    network.run(duration)
    honest = [n for n in network.names if n != rogue]
    refused = sorted({(r.error, r.number) for r in network.rejections if r.node in honest})
    rogue_address = network.nodes[rogue].address
    members = network.rule.authorities(network.nodes[honest[0]].chain)
    story = [f"honest nodes refused {len(refused)} block(s) from the rogue: "
             + (", ".join(f"#{n} ({e})" for e, n in refused) or "none"),
             f"{sum(1 for n in honest if network.nodes[n].evidence)} honest node(s) hold "
             "evidence of double sealing",
             f"the rogue {'is still' if rogue_address in members else 'is no longer'} an "
             "authority on the honest chain", _head_line(network)]
    return ScenarioResult(f"rogue authority ({mode})", network, story)


def crash_and_restart(store_dir: str | Path | None, seed: int = 7, victim: str = "city",
                      crash_at: float = 20, restart_at: float = 45,
                      duration: float = 83) -> ScenarioResult:
    """An authority crashes and comes back: from its store on disk, or from nothing."""
    network = sunny_street_network(seed, store_dir=store_dir)
    schedule_transfers(network, random.Random(seed), 1, duration - 20, 10)
    network.crash(victim, at=crash_at)
    network.run(restart_at - 0.001)
    at_crash = network.nodes[victim].chain.height
    network.restart(victim, at=restart_at)
    network.run(restart_at)
    reloaded = network.nodes[victim].chain.height
    network.run(duration)
    source = "its store" if store_dir is not None else "genesis"
    story = [f"{victim} crashed at height {at_crash}, restarted from {source} at height "
             f"{reloaded}", _head_line(network), _inclusion_line(network, victim)]
    return ScenarioResult("crash and restart", network, story)
