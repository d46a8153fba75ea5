"""The cloning attack on Clique, and the finality gadget that stops it (chapter 13).

Clique lets an authority seal one of any floor(N/2) + 1 consecutive blocks, so with three
authorities a side of a partition needs two keys to keep sealing: a lone authority
stalls (chapter 05). The attack (Ekparinya, Gramoli and Jourjon, "The Attack of the
Clones against Proof-of-Authority", 2020): whoever holds one authority key (here the
energy co-op's, stolen or abused) runs it on a second node, the *clone*, and cuts the
network in two: the co-op's node with the grid operator on one side, the clone with the
municipality on the other. Both sides have two keys, both keep sealing, and Clique
accepts both chains: each side sees its blocks pile up confirmations.

Mallory pays Erin, a merchant on the clone's side, and spends the same tokens again on
the other side (the same nonce, to her spare key: a key outside the street's cast). Erin
ships once the payment has ``CONFIRMATIONS`` blocks on top. Then the clone goes quiet,
the clone's side stalls, the partition heals, and the heavier side wins: Erin's payment
is gone, Mallory's other payment stands.

With the finality gadget (``finality.py``) each side has only two of the three votes a
checkpoint needs, so nothing after the split becomes final on either side; a merchant
who waits for finality never ships. When the sides meet, every node sees the co-op's key
vote for two different checkpoints at the same heights (the clone does not know what the
real node voted): that is evidence anyone can check, the other authorities vote the key
out, and finality goes on with the two honest authorities.

``cloning_attack(finality=...)`` runs the story and returns the numbers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from minichain import cast
from minichain.block import Block
from minichain.chain import Genesis
from minichain.finality import FinalityRule
from minichain.network import Network
from minichain.poa import Clique
from minichain.street_network import (AUTHORITY_SEEDS, HOUSEHOLDS, authority_key,
                                      sunny_street_graph)
from minichain.tx import SignedTransaction
from minichain.wallet import Wallet

CLONED = "coop"                       # the node whose key is cloned
CLONE = "coop-clone"                  # the attacker's second node with the same key
SIDE_A = ("alice", "carol", "coop", "dave", "frank", "grid")
SIDE_B = ("bob", CLONE, "city", "erin")
MERCHANT = "erin"
OPENING_BALANCE = 1_000
PRICE = 600                           # what Mallory pays Erin, and spends again
CONFIRMATIONS = 6                     # what Erin waits for before she ships
SPARE_SEED = "mallory-spare"          # Mallory's second key: outside the cast on purpose


def clone_network(seed: int = 7, finality: FinalityRule | None = None) -> Network:
    """The street's nodes, Mallory funded, and a clone of the co-op's key linked to the
    municipality and to Erin (down until the attack starts)."""
    graph = sunny_street_graph(seed)
    rng = random.Random(f"{seed}:clone")
    graph.add_node(CLONE, role="authority")
    for neighbour in ("city", MERCHANT):
        graph.add_edge(CLONE, neighbour, latency=round(rng.uniform(0.02, 0.2), 3))
    keys = {name: authority_key(name) for name in AUTHORITY_SEEDS}
    keys[CLONE] = keys[CLONED]
    funded = [Wallet.from_seed(name).address for name in HOUSEHOLDS + (cast.ATTACKER,)]
    genesis = Genesis(timestamp=cast.GENESIS_TIME,
                      balances=tuple((address, OPENING_BALANCE) for address in funded),
                      authorities=tuple(sorted(key.address for name, key in keys.items()
                                               if name != CLONE)))
    network = Network(graph, genesis, keys, seed=seed, rule=Clique(), finality=finality)
    network.crash(CLONE, at=0)
    return network


@dataclass
class CloneAttack:
    """What happened, in numbers (all times in simulated seconds)."""

    network: Network
    finality: bool
    payment: SignedTransaction            # Mallory -> Erin, handed to Erin's node
    double_spend: SignedTransaction       # the same nonce, to Mallory's spare key, side A
    fork: Block                           # the newest block both sides share
    heads_at_heal: dict[str, Block]       # the head of each side just before the heal
    confirmations_seen: int               # the most Erin saw on her payment before the heal
    shipped_at: float | None              # when Erin shipped (None: she never did)
    payment_final_at_merchant: bool       # did Erin's gadget ever make the payment final?
    split_at: float = 0.0
    story: list[str] = field(default_factory=list)

    def blocks_above_fork(self, side: str) -> int:
        return self.heads_at_heal[side].number - self.fork.number

    def on_final_chain(self, stx: SignedTransaction, node: str = "grid") -> bool:
        return self.network.inclusion_counts(node).get(stx.hash, 0) == 1

    def dropped_at_merchant(self) -> int:
        """Blocks Erin's node dropped when it reorganised after the heal."""
        return max((len(r.dropped) for r in self.network.reorgs
                    if r.node == MERCHANT and r.time >= self.split_at), default=0)


def cloning_attack(finality: bool, seed: int = 7, split_at: float = 20,
                   quiet_at: float = 65, heal_at: float = 80, duration: float = 140,
                   rule: FinalityRule = FinalityRule(),
                   confirmations: int = CONFIRMATIONS) -> CloneAttack:
    """Run the attack on the street, with or without the finality gadget."""
    network = clone_network(seed, rule if finality else None)
    network.run(split_at)
    network.partition([SIDE_A, SIDE_B], at=split_at)
    network.restart(CLONE, at=split_at)
    mallory, spare = cast.wallet(cast.ATTACKER), Wallet.from_seed(SPARE_SEED)
    erin = Wallet.from_seed(MERCHANT)
    payment = mallory.transfer(erin.address, PRICE, nonce=0)
    double_spend = mallory.transfer(spare.address, PRICE, nonce=0)
    network.submit(MERCHANT, payment, at=split_at + 1)
    network.submit("alice", double_spend, at=split_at + 1)
    network.crash(CLONE, at=quiet_at)
    seen, shipped_at, final_at_merchant = 0, None, False
    time = split_at
    while time < heal_at - 1:
        time += 1
        network.run(time)
        node = network.nodes[MERCHANT]
        found = node.chain.find_transaction(payment.hash)
        if found is None:
            continue
        block = found[0]
        seen = max(seen, node.chain.height - block.number)
        final = node.finality is not None and node.finality.is_final(block.hash)
        final_at_merchant = final_at_merchant or final
        ready = final if finality else seen >= confirmations
        if ready and shipped_at is None:
            shipped_at = time
    heads = {"A": network.nodes["grid"].chain.head, "B": network.nodes["city"].chain.head}
    fork = _common_ancestor(_all_blocks(network), heads["A"].hash, heads["B"].hash)
    network.heal(at=heal_at)
    network.run(duration)
    attack = CloneAttack(network, finality, payment, double_spend, fork, heads, seen,
                         shipped_at, final_at_merchant, split_at)
    attack.story = _story(attack, confirmations)
    return attack


def _all_blocks(network: Network) -> dict[bytes, Block]:
    """Every block any node holds (the whole tree, both sides of any partition)."""
    blocks: dict[bytes, Block] = {}
    for name in network.names:
        blocks.update(network.nodes[name].chain.blocks)
    return blocks


def _common_ancestor(blocks: dict[bytes, Block], one: bytes, other: bytes) -> Block:
    a, b = blocks[one], blocks[other]
    while a.hash != b.hash:
        if a.number >= b.number:
            a = blocks[a.header.parent_hash]
        else:
            b = blocks[b.header.parent_hash]
    return a


def conflicting_final(network: Network) -> list[tuple[bytes, bytes]]:
    """Pairs of blocks some node made final that are not on one branch (should be none)."""
    blocks = _all_blocks(network)
    final = sorted({record.block for record in network.finalized},
                   key=lambda h: (blocks[h].number, h))
    return [(a, b) for i, a in enumerate(final) for b in final[i + 1:]
            if _common_ancestor(blocks, a, b).hash != a]


def _story(attack: CloneAttack, confirmations: int) -> list[str]:
    network = attack.network
    cloned = network.nodes[CLONED].address
    names = {**network.authority_names(), cloned: CLONED}
    members = network.rule.authorities(network.nodes["grid"].chain)
    a, b = attack.blocks_above_fork("A"), attack.blocks_above_fork("B")
    lines = [f"the street splits after block #{attack.fork.number}; both sides keep sealing "
             f"with two keys each ({CLONED}'s key on both): {a} block(s) on the {CLONED} "
             f"side, {b} on the clone's side before the heal",
             f"Erin saw Mallory's payment under {attack.confirmations_seen} confirmation(s); "
             + (f"she shipped at {attack.shipped_at:g} s" if attack.shipped_at is not None
                else "she never shipped")
             + (" (she waits for finality)" if attack.finality
                else f" (she waits for {confirmations})"),
             f"after the heal the payment to Erin is "
             f"{'on' if attack.on_final_chain(attack.payment) else 'not on'} the chain and "
             f"Mallory's second payment is "
             f"{'on' if attack.on_final_chain(attack.double_spend) else 'not on'} it; Erin's "
             f"node dropped {attack.dropped_at_merchant()} block(s)"]
    if attack.finality:
        final_numbers = sorted({r.number for r in network.finalized if r.node == "grid"})
        offenders = sorted({record.evidence.offender for record in network.vote_evidence})
        lines.append(f"final on the grid operator's node: up to #{max(final_numbers, default=0)}; "
                     f"conflicting final blocks anywhere: {len(conflicting_final(network))}")
        caught = ", ".join(names.get(offender, offender) for offender in offenders)
        lines.append(f"{len({r.node for r in network.vote_evidence})} node(s) hold evidence "
                     f"of double votes by {caught or 'nobody'}")
    lines.append(f"{names[cloned]}'s key {'is still' if cloned in members else 'is no longer'} "
                 "an authority on the final chain")
    return lines


__all__ = ["CLONE", "CLONED", "CONFIRMATIONS", "CloneAttack", "MERCHANT", "PRICE", "SIDE_A",
           "SIDE_B", "clone_network", "cloning_attack", "conflicting_final"]
