"""The attacks of chapters 02-05 and 08, run again as attacks (chapter 13).

Each function is a thin story over rules the earlier chapters built; the defences are
theirs (signatures and chain ids, hash links and the store's checks, the signer limit,
confirmations):

* ``tampered_replica``: Mallory edits one node's stored history. A flipped byte fails the
  record's checksum; a rewritten block with its checksum recomputed still fails, because
  loading re-validates every block like one from a stranger (its transactions no longer
  match the header's root, and only an authority's key can seal a new header).
* ``replayed_payment``: Alice's transfer replayed on another chain, on its own chain, and
  with its signature malleated (``s`` -> ``n - s``): each refused.
* ``double_spend(wait)``: the street splits; Mallory pays Carol, a merchant on the side
  with one authority, and spends the same tokens on the other side. That side can seal
  one block and then stalls at the signer limit, so Carol sees at most one confirmation;
  after the heal the heavier side wins. A merchant who ships at one confirmation loses
  the goods; one who waits for two never ships (chapter 05 measured how many to wait).

* ``meter_spoofing``: a key no authority bound is refused by the meter oracle; a stolen
  meter key is not, but its impossible reading is flagged by ``microgrid.plausibility``,
  an authority revokes the household, and the stolen key is refused from then on.

Rogue and offline authorities are chapter 05's ``street_network.rogue_authority`` and
``too_few_authorities``.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from minichain import cast, crypto
from minichain.block import Block
from minichain.chain import Chain, Genesis
from minichain.contracts.client import sunny_street
from minichain.errors import MinichainError
from minichain.microgrid.household import make_street
from minichain.microgrid.plausibility import Flag, check_oracle_reading
from minichain.microgrid.profiles import SUNNY_STREET
from minichain.store import ChainStore, encode_record
from minichain.street_network import (HOUSEHOLDS, MAJORITY_SIDE, MINORITY_SIDE,
                                      sunny_street_network)
from minichain.tx import SignedTransaction, check_signature

ALICE, BOB = cast.wallet("alice"), cast.wallet("bob")
SEALER = cast.wallet(cast.GRID_OPERATOR)


# --- tampering ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Tampering:
    """What loading the store said after each kind of edit."""

    flipped_byte: str
    rewritten_block: str
    honest_head: int              # the height the untouched store loads to


def _street_chain(chain_id: int = 1) -> Chain:
    return Chain(Genesis(chain_id=chain_id, balances=((ALICE.address, 1_000_000),),
                         authorities=(SEALER.address,)))


def tampered_replica(folder: str | Path | None = None) -> Tampering:
    """Alice pays Bob in block #1; Mallory edits the node's store two ways (in ``folder``,
    a temporary folder removed afterwards when None)."""
    if folder is None:
        with tempfile.TemporaryDirectory(prefix="tampered-") as temporary:
            return tampered_replica(temporary)
    folder = Path(folder)
    chain = _street_chain()
    chain.seal(SEALER.key, [ALICE.transfer(BOB.address, 300_000, nonce=0)],
               chain.head.header.timestamp + 5)
    chain.seal(SEALER.key, [], chain.head.header.timestamp + 10)
    blocks = chain.canonical_chain()
    path = folder / "grid.store"
    store = ChainStore(path)
    store.create(chain.genesis)
    for block in blocks[1:]:
        store.append(block)
    honest = store.load(chain.genesis).height
    data = path.read_bytes()
    record = encode_record(blocks[1])
    start = data.index(record)
    flipped = bytearray(data)
    flipped[start + len(record) - 5] ^= 1
    emptied = Block(blocks[1].header, ())        # Mallory drops Alice's payment
    outcomes = []
    for edited in (bytes(flipped), data.replace(record, encode_record(emptied))):
        path.write_bytes(edited)
        try:
            ChainStore(path).load(chain.genesis)
            outcomes.append("loaded")
        except MinichainError as error:
            outcomes.append(str(error).replace(f"{path}: ", "the store: "))
    return Tampering(outcomes[0], outcomes[1], honest)


# --- replay and malleability ----------------------------------------------------------------

def replayed_payment() -> dict[str, str]:
    """Alice's payment for chain 1, replayed three ways: what refuses each."""
    street, test_network = _street_chain(1), _street_chain(2)
    payment = ALICE.transfer(BOB.address, 300_000, nonce=0, chain_id=1)
    street.seal(SEALER.key, [payment], street.head.header.timestamp + 5)
    said = {}
    _, rejected = test_network.build_block(SEALER.key, [payment],
                                           test_network.head.header.timestamp + 5)
    said["on another chain"] = str(rejected[0].error)
    _, rejected = street.build_block(SEALER.key, [payment], street.head.header.timestamp + 5)
    said["again on its own chain"] = str(rejected[0].error)
    malleated = SignedTransaction(payment.tx, payment.public_key, crypto.flip_s(payment.signature))
    try:
        check_signature(malleated, 1)
        said["with s flipped to n - s"] = "accepted"
    except MinichainError as error:
        said["with s flipped to n - s"] = str(error)
    return said


# --- double spend across a partition ---------------------------------------------------------

MERCHANT = "carol"                   # on the side with one authority
PRICE = 500_000                      # what Mallory pays Carol (50 ct), and spends again


@dataclass(frozen=True)
class DoubleSpend:
    """Mallory's two payments with one nonce, and what Carol did."""

    wait: int                        # confirmations Carol waits for before she ships
    most_seen: int                   # the most confirmations Carol's node showed
    shipped: bool
    paid_in_the_end: bool            # is Mallory's payment to Carol on the final chain?
    other_in_the_end: bool           # is the double spend?

    @property
    def merchant_lost(self) -> bool:
        return self.shipped and not self.paid_in_the_end


def double_spend(wait: int, seed: int = 7, split_at: float = 21, heal_at: float = 60,
                 duration: float = 90) -> DoubleSpend:
    """The street splits at ``split_at`` (Carol's side holds only the co-op); Mallory pays
    Carol there and Dave on the other side with the same nonce; the street heals."""
    households = HOUSEHOLDS + (cast.ATTACKER,)
    network = sunny_street_network(seed, households=households)
    mallory = cast.wallet(cast.ATTACKER)
    paid = mallory.transfer(cast.wallet(MERCHANT).address, PRICE, nonce=0)
    other = mallory.transfer(cast.wallet("dave").address, PRICE, nonce=0)
    network.run(split_at)
    network.partition([MAJORITY_SIDE + (cast.ATTACKER,), MINORITY_SIDE], at=split_at)
    network.submit(MERCHANT, paid, at=split_at + 0.5)
    network.submit(cast.ATTACKER, other, at=split_at + 0.5)
    most, shipped, time = 0, False, split_at
    while time < duration:
        time += 1
        if time == heal_at:
            network.heal(at=heal_at)
        network.run(time)
        chain = network.nodes[MERCHANT].chain
        found = chain.find_transaction(paid.hash)
        if found is not None:
            most = max(most, chain.height - found[0].number + 1)
            shipped = shipped or most >= wait
    final = network.inclusion_counts("grid")
    return DoubleSpend(wait, most, shipped, final.get(paid.hash, 0) == 1,
                       final.get(other.hash, 0) == 1)


# --- meter spoofing and a stolen meter key ---------------------------------------------------

SPOOF_SLOT = 40                      # 11:00-11:15 on midsummer's day
SPOOFED_WH = 5_000


@dataclass(frozen=True)
class Spoofing:
    """What the street said to Mallory's readings, and what the authority did."""

    unknown_key: str                 # the oracle's answer to a key nobody bound
    on_chain: tuple[int, int]        # the stolen key's reading, as the chain holds it
    flag: Flag | None                # the plausibility check's verdict on it
    after_revoke: str                # the oracle's answer to the stolen key afterwards
    new_meter: tuple[int, int]       # a reading from Carol's new meter


def meter_spoofing() -> Spoofing:
    """Mallory reports from her own key, then from Carol's stolen meter key."""
    street = sunny_street(("alice", "bob", "carol", "dave"), nodes=False, deposit=0)
    market, carol = street.market, street.address("carol")
    homes = {home.name: home for home in make_street(4, seed=0)}
    market.advance_to(market.slot_end(SPOOF_SLOT))
    unknown, = market.seal([market.reading_tx(cast.meter(cast.ATTACKER), SPOOF_SLOT,
                                              SPOOFED_WH, 0)])
    market.submit_reading(street.meters["carol"], SPOOF_SLOT, SPOOFED_WH, 0)
    reading = market.reading(carol, SPOOF_SLOT)
    flag = check_oracle_reading(homes["carol"], SUNNY_STREET, market.genesis_time, SPOOF_SLOT,
                                reading[0])
    market.revoke(street.operator, carol)
    refused, = market.seal([market.reading_tx(street.meters["carol"], SPOOF_SLOT + 1, 900, 0)],
                           at=market.slot_end(SPOOF_SLOT + 1))
    spare = cast.wallet(cast.SPARE_METER)
    market.apply(street.households["carol"], spare.address, 2)
    market.attest(street.operator, carol)
    market.submit_reading(spare, SPOOF_SLOT + 2, 1_000, 0, at=market.slot_end(SPOOF_SLOT + 2))
    return Spoofing(str(unknown.error), reading, flag, str(refused.error),
                    market.reading(carol, SPOOF_SLOT + 2))


__all__ = ["DoubleSpend", "MERCHANT", "Spoofing", "Tampering", "double_spend",
           "meter_spoofing", "replayed_payment", "tampered_replica"]
