"""Sunny Street's network of nodes, and the stories chapter 05 tells with it (chapter 05).

The street's graph (the three authorities linked to each other, each household to an
authority and a neighbour), its nodes on ``network.Network``, a seeded workload of small
transfers, and the scenario functions: a healthy street, a partition and its heal, too few
authorities online, a rogue authority, a crash. Each returns a ``ScenarioResult``: the
network after the run and a few plain sentences about it.

Finality is measured here too: ``reorg_depths`` reads how many blocks each node had to take
back, ``finality_sample`` runs the partition story over many seeds and split times, and
``reversal_chances`` turns the depths into the chance that a payment seen with ``k``
confirmations is reversed. Money is in µ€ (``market.units``): every household starts with
€20 and the workload's payments are 1 to 20 cents.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterable

import networkx as nx

from minichain import cast
from minichain.block import Block
from minichain.chain import GENESIS_TIME, Genesis
from minichain.crypto import PrivateKey
from minichain.errors import MinichainError
from minichain.market.units import MICRO_PER_CENT, MICRO_PER_EURO
from minichain.network import Network
from minichain.poa import BLOCK_PERIOD, EPOCH_LENGTH, Clique, signer_limit
from minichain.tx import SignedTransaction
from minichain.wallet import Wallet

AUTHORITY_SEEDS = {node: seed for seed, node in cast.AUTHORITY_NODES.items()}   # node name -> seed
HOUSEHOLDS = cast.HOUSEHOLDS[:6]
OPENING_BALANCE = 20 * MICRO_PER_EURO     # µ€ each household holds at genesis (€20)


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
    """The street's nodes: authorities seal, every household holds ``OPENING_BALANCE`` µ€."""
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
    """``count`` small transfers (1 to 20 cents) at random times, each to the sender's own node."""
    senders, receivers = sorted(senders), sorted(receivers)
    if not senders or not receivers:
        return []
    nonces = nonces if nonces is not None else {}
    plans = sorted((round(rng.uniform(start, end), 3), rng.choice(senders), rng.choice(receivers),
                    rng.randint(1, 20) * MICRO_PER_CENT) for _ in range(count))
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
                       store_dir: str | Path | None = None,
                       heal_after: float | None = None) -> ScenarioResult:
    """Split the street in two, let both sides seal, heal: the heavier branch wins.

    The split comes at ``split_at`` or, if no authority of the second side may seal then
    (it sealed the last block), just after the next block, so that both sides fork.
    The heal comes at ``heal_at``, or ``heal_after`` seconds after the split when given
    (then ``duration`` counts from the heal too: the run ends ``duration - heal_at``
    seconds after it).
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
    minority_sealers = [network.nodes[n] for n in minority if network.nodes[n].key]
    waited_for = None           # the minority authority's head when it could not seal on it
    for _ in range(3 * network.rule.period):
        blocked = [node for node in minority_sealers
                   if node.address not in network.rule.who_may_seal(node.chain)]
        if len(blocked) < len(minority_sealers) or not minority_sealers:
            break
        waited_for = waited_for or (blocked[0].name, blocked[0].chain.head)
        network.run(network.now + 1)
    split = network.now
    if heal_after is not None:
        duration, heal_at = split + heal_after + (duration - heal_at), split + heal_after
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
    waited = ""
    if waited_for is not None:
        name, head = waited_for
        waited = (f" (asked for {split_at:g} s, but then {name}'s newest block, #{head.number}, "
                  f"was its own, so {name} could not seal the next one and its side could not "
                  f"fork: the split waits until {name} hears the next block)")
    story = [f"the street splits at {split:g} s{waited} and heals at {heal_at:g} s",
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


# --- finality: how deep can a reorg go? ------------------------------------------------------

FINALITY_SEEDS = (1, 2, 3)
FINALITY_SPLITS = (12, 26, 32)            # seconds after genesis
FINALITY_HEALS = (4, 8, 12, 30)           # seconds the street stays split


def reorg_depths(network: Network, since: float = 0.0) -> dict[str, int]:
    """The deepest reorg each node went through from ``since`` on: blocks it took back (0 if none).

    A payment has ``k`` confirmations on a node when it sits in the block ``k - 1`` blocks
    below the node's head (the head itself gives one). A reorg that drops ``d`` blocks takes
    back exactly the payments with ``d`` confirmations or fewer, so a payment seen with
    ``k`` confirmations was reversed on that node only if its depth is ``k`` or more.
    """
    depths = {name: 0 for name in network.names}
    for record in network.reorgs:
        if record.time >= since:
            depths[record.node] = max(depths[record.node], len(record.dropped))
    return depths


def finality_sample(seeds: Iterable[int] = FINALITY_SEEDS,
                    split_times: Iterable[float] = FINALITY_SPLITS,
                    heal_after: Iterable[float] = FINALITY_HEALS,
                    sides: tuple[Iterable[str], Iterable[str]] = (MAJORITY_SIDE, MINORITY_SIDE)
                    ) -> list[int]:
    """Every node's reorg depth in every run of the partition story: one run per seed, split, heal.

    The runs carry no payments (a reorg's depth does not depend on them, and the sample
    stays fast) and end 12 s after the heal. Depths count from the split on.
    """
    depths = []
    for seed in seeds:
        for split_at in split_times:
            for delay in heal_after:
                network = partition_and_heal(seed, split_at, duration=split_at + 12,
                                             heal_at=split_at, transfers=0, sides=sides,
                                             heal_after=delay).network
                split = next(e.time for e in network.log if e.text.startswith("partition"))
                depths += [depth for _, depth in sorted(reorg_depths(network, split).items())]
    return depths


def reversal_chances(depths: Iterable[int], most: int | None = None) -> list[tuple[int, Fraction]]:
    """For k = 1 .. ``most``: the share of depths of k or more.

    That is the measured chance that a payment a node had seen with ``k`` confirmations
    was taken back. ``most`` defaults to one more than the deepest reorg, the first ``k``
    whose chance is 0 in the sample.
    """
    depths = list(depths)
    if not depths:
        raise MinichainError("no reorg depths to measure: run at least one scenario")
    top = max(depths) + 1 if most is None else most
    return [(k, Fraction(sum(1 for d in depths if d >= k), len(depths)))
            for k in range(1, top + 1)]


def confirmations_for(depths: Iterable[int], risk: Fraction | float) -> int:
    """The fewest confirmations whose measured chance of a reversal is at most ``risk``."""
    depths = list(depths)
    for k, chance in reversal_chances(depths):
        if chance <= risk:
            return k
    return max(depths) + 1       # not reached: reversal_chances ends at a chance of 0
