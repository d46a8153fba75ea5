"""The attack lab's summary: each attack, what it needs, what stops it, what it costs (chapter 13).

``ATTACKS`` says in words what each attack needs and which defence stops it; the cost
column comes from a run: ``summary_rows(results)`` takes the result of each attack
module's story (by key) and reads the measured figures from it, so the table a chapter
shows is the table its runs produced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from minichain.market.units import format_money


@dataclass(frozen=True)
class Attack:
    """One row of the table, less the cost (which a run measures)."""

    key: str
    name: str
    needs: str
    stops: str
    cost: Callable[[Any], str]


def _euro(micro: int) -> str:
    """Money as µ€ with separators (the lab's sums are small), and in € from 1 € on."""
    return f"{micro:,} µ€" if abs(micro) < 1_000_000 else format_money(micro)


def _still_authority(result: Any, node: str) -> bool:
    network = result.network
    honest = next(name for name in network.names if name != node and network.nodes[name].key)
    return network.nodes[node].address in network.rule.authorities(network.nodes[honest].chain)


def _height(result: Any) -> int:
    network = result.network
    return min(network.nodes[name].chain.height for name in network.names
               if name not in network.down)


ATTACKS = (
    Attack("tampering", "history tampering on one replica", "write access to one node's disk",
           "checksums, re-validation on load, the other replicas",
           lambda t: "nothing gained: the edited store does not load"),
    Attack("replay", "replay and a malleated signature", "a signed payment seen anywhere",
           "chain id and nonce in the signature, the low-S rule",
           lambda said: f"{len(said)} of {len(said)} replays refused"),
    Attack("double_spend", "double spend across a partition",
           "a split network and a merchant in a hurry", "waiting for enough confirmations",
           lambda d: (f"the goods, for free, from a merchant who ships at {d.wait} "
                      f"confirmation(s)" if d.merchant_lost else
                      f"nothing: at {d.wait} confirmations the merchant never shipped")),
    Attack("rogue", "a rogue authority", "one authority key",
           "the signer limit, double-sealing evidence, a removal vote",
           lambda r: ("its authority seat: voted out" if not _still_authority(r, "coop")
                      else "nothing: it is still an authority")),
    Attack("offline", "authorities taken offline", "two of three authority servers down",
           "nothing stops the stall; the signer limit keeps it safe until they return",
           lambda r: f"two servers down; the chain stops at #{_height(r)} until one returns"),
    Attack("cloning", "cloning an authority key", "one authority key and a partition",
           "the finality gadget (more than 2/3: 3 of 3) and double-vote evidence",
           lambda c: (f"a payment reversed after {c.confirmations_seen} confirmations"
                      if not c.finality else "nothing becomes final; the key is voted out")),
    Attack("front_running", "front-running a take", "a sealer who orders her transaction first",
           "sealed bids (commit-reveal with sha256)",
           lambda race: f"nothing; gains {_euro(race.gain)} a lot"),
    Attack("ladder", "a ladder of sealed bids", "many commitments, revealed selectively",
           "a deposit lost for every unrevealed bid",
           lambda lot: f"{_euro(lot.forfeited)} forfeited for a gain of "
                       f"{_euro(lot.gain('mallory') + lot.forfeited)}"),
    Attack("reentrancy", "reentrancy", "a contract that calls out before its books are updated",
           "checks-effects-interactions, @nonreentrant",
           lambda d: f"one transaction and a contract; takes {_euro(d.loot)}"),
    Attack("rounding", "a rounding leak", "a contract that rounds twice",
           "one rounding per amount (the rest moves whole), a property test",
           lambda e: f"{e.deals} deals at gas price 0 for {_euro(e.mallory_gain)}"),
    Attack("spoofing", "meter spoofing, a stolen meter key", "a meter key",
           "the registry (unknown keys refused), plausibility flags, revocation",
           lambda flag: f"a stolen key, flagged ({flag.export_wh:,} Wh, the roof makes at most "
                        f"{flag.limit_wh:,} Wh) and revoked"),
    Attack("griefing", "gas griefing", "a registered household and many tiny orders",
           "the order cap: a full book clears in one block",
           lambda g: f"{g.spam_posted:,} orders; locks {_euro(g.stuck)} of others' money "
                     "without the cap"),
    Attack("spam", "book spam", "a registered household",
           "fees, locked escrow, revocation of the spammer",
           lambda s: f"{s.gas:,} gas a slot, {_euro(s.locked)} locked until clearing"),
    Attack("sybil", "sybil ratings", "fake households an authority attests",
           "only settled trades rate; attestation",
           lambda r: f"{r.size} attested fake(s), {r.trades} settled trades, "
                     f"{r.delivered_wh} Wh delivered"),
)


def summary_rows(results: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """(attack, what it needs, what stops it, what it cost) for each attack in ``results``."""
    unknown = sorted(set(results) - {attack.key for attack in ATTACKS})
    if unknown:
        raise KeyError(f"no attack named {unknown}; the keys are "
                       f"{[attack.key for attack in ATTACKS]}")
    return [(attack.name, attack.needs, attack.stops, attack.cost(results[attack.key]))
            for attack in ATTACKS if attack.key in results]


__all__ = ["ATTACKS", "Attack", "summary_rows"]
