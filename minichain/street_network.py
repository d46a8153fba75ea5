"""Sunny Street's network of nodes, and the stories chapter 05 tells with it (chapter 05).

The street's graph (the three authorities linked to each other, each household to an
authority and a neighbour), its nodes on ``network.Network``, a seeded workload of small
transfers, and the scenario functions: a healthy street, a partition and its heal, too few
authorities online, a rogue authority, a crash. Each returns a ``ScenarioResult``: the
network after the run and a few plain sentences about it.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import networkx as nx

from minichain import cast
from minichain.block import Block
from minichain.chain import GENESIS_TIME, Genesis
from minichain.crypto import PrivateKey
from minichain.errors import MinichainError
from minichain.network import Network
from minichain.poa import BLOCK_PERIOD, EPOCH_LENGTH, Clique, signer_limit
from minichain.tx import SignedTransaction
from minichain.wallet import Wallet

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
