"""Front-running in the order book, and sealed bids by commit-reveal (chapter 13).

**The attack.** Alice lists 1,000 Wh at 12 ct/kWh, far below the 32 ct the utility
charges. Bob sends a ``take`` for it. Before his transaction is in a block it sits in
the sealer's pool, where the sealer sees it; a sealer who works with Mallory (or is
paid by her) puts Mallory's ``take`` of the same offer first in the block. Mallory gets
the cheap energy and Bob's take is refused (the offer is gone: "no such open offer"): he
buys from the utility at retail. Nothing in the chain's rules is broken: the sealer decides the
order of a block's transactions. ``take_race(first)`` runs it on the market contract.
(Shading is the same power used otherwise: a sealer who reads the pending orders prices
its own just inside the best of them. Sealed bids answer both.)

**The defence.** Sell the lot by sealed bids (``contracts/sources/sealed_bids.py``):
while bidding is open a bid is only ``sha256(TAG, lot, bidder, price, salt)``; prices
come out after bidding has closed, and the highest wins whatever the order of the
transactions (``sealed_lot``). Mallory cannot read Bob's price, so she can only win by
bidding more than him: competition, not a front-run.

**The attack on the defence.** Reveals are public too, so the last to reveal knows the
others' prices. Mallory commits a ladder of prices and reveals only the rung just above
Bob's (``ladder_attack``). Each commitment carries a deposit, lost to the seller if it
is never revealed: the rungs she leaves sealed cost her ``(rungs - 1) * deposit``, and a
deposit above ``ladder_break_even`` makes the ladder lose money.

Money in µ€, prices in µ€ per kWh; what Mallory gains is what she would have paid the
utility for the energy at retail, less what she pays (and forfeits) here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

from minichain import cast
from minichain.attacks.lab import START, ContractLab, contract_lab
from minichain.contracts.client import SELL, sunny_street
from minichain.errors import MarketError
from minichain.market.units import amount_for
from minichain.vm.interface import ContractInterface
from minichain.vm.opcodes import address_to_word, sha256_words, text_to_words

OFFER_WH = 1_000
OFFER_PRICE = 120_000            # 12 ct/kWh: Alice's cheap offer (and the lot's reserve)
SLOT = 8                         # the delivery slot of the story
BIDDERS = ("bob", cast.ATTACKER)
BID_TAG = text_to_words("sealed bid")[0]      # the contract's TAG
BIDDING = 600                    # seconds the lot takes sealed bids
REVEALING = 600                  # seconds it then takes reveals
LADDER = tuple(range(130_000, 320_001, 20_000))   # Mallory's rungs: 13 ct to 31 ct


def saved(quantity_wh: int, price: int) -> int:
    """What buying ``quantity_wh`` at ``price`` saves against the utility's retail price."""
    return amount_for(quantity_wh, cast.RETAIL) - amount_for(quantity_wh, price)


# --- the open book ----------------------------------------------------------------------

@dataclass(frozen=True)
class BookRace:
    """Two takes of one offer in one block, in the order the sealer chose."""

    order: tuple[str, ...]               # who the sealer put first, second
    buyer: str | None                    # who got the offer
    refused: dict[str, str]              # who was refused, and the contract's reason
    gain: int                            # what the buyer saved against retail

    def __str__(self) -> str:
        refused = "; ".join(f"{who}'s take refused: {why!r}" for who, why in self.refused.items())
        return (f"block order {' then '.join(self.order)}: {self.buyer} gets Alice's "
                f"{OFFER_WH:,} Wh and saves {self.gain:,} µ€; {refused}")


def take_race(first: str = cast.ATTACKER) -> BookRace:
    """Alice's offer is listed; Bob and Mallory take all of it in one block, ``first`` first."""
    if first not in BIDDERS:
        raise MarketError(f"first must be one of {BIDDERS}, got {first!r}")
    street = sunny_street(("alice", *BIDDERS), nodes=False)
    market, people = street.market, street.households
    offer = market.post(people["alice"], SELL, OFFER_WH, OFFER_PRICE, SLOT)
    order = (first, *(who for who in BIDDERS if who != first))
    receipts = market.seal([market.take_tx(people[who], offer, OFFER_WH) for who in order])
    buyers = [who for who, receipt in zip(order, receipts) if receipt.success]
    refused = {who: str(receipt.error) for who, receipt in zip(order, receipts)
               if not receipt.success}
    buyer = buyers[0] if buyers else None
    return BookRace(order, buyer, refused, saved(OFFER_WH, OFFER_PRICE) if buyer else 0)


# --- sealed bids -------------------------------------------------------------------------

def bid_commitment(lot: str, bidder: str, price: int, salt: int) -> int:
    """The commitment the contract checks: ``sha256(TAG, lot, bidder, price, salt)``."""
    return sha256_words((BID_TAG, address_to_word(lot), address_to_word(bidder), price, salt))


@dataclass(frozen=True)
class SealedLot:
    """How one lot sold by sealed bids went."""

    winner: str | None
    price: int                           # the winning price (0: unsold)
    paid: int                            # what the winner paid for the lot
    forfeited: int                       # deposits of bids never revealed (to the seller)
    commits: tuple[str, ...]             # who committed, in block order
    reveals: tuple[tuple[str, int], ...]     # (who, price) revealed, in block order
    spent: dict[str, int]                # each bidder's tokens before minus after withdrawing

    def gain(self, who: str) -> int:
        """What ``who`` saved against retail (0 if it did not win), less what it forfeited."""
        won = saved(OFFER_WH, self.price) if self.winner == who else 0
        lost = self.spent[who] - (self.paid if self.winner == who else 0)
        return won - lost


class _Lot:
    """Alice's lot on a lab contract: commit, reveal, finish, everyone withdraws."""

    def __init__(self, deposit: int, seed: int) -> None:
        self.lab: ContractLab = contract_lab(("alice", *BIDDERS))
        self.start = self.lab.now
        self.deposit = deposit
        self.rng = random.Random(seed)
        self.contract: ContractInterface = self.lab.deploy(
            "sealed_bids", "alice", OFFER_WH, OFFER_PRICE, self.start + BIDDING,
            self.start + BIDDING + REVEALING, deposit)
        self.sealed: list[tuple[str, int, int, int]] = []      # who, bid id, price, salt
        self.commits: list[str] = []
        self.reveals: list[tuple[str, int]] = []

    def commit(self, who: str, price: int) -> None:
        salt = self.rng.getrandbits(255)
        commitment = bid_commitment(self.contract.address, self.lab.address(who), price, salt)
        receipt = self.lab.send(who, self.contract, "commit", commitment, value=self.deposit)
        self.sealed.append((who, self.contract.output("commit", receipt), price, salt))
        self.commits.append(who)

    def reveal(self, who: str, price: int) -> None:
        self.lab.now = max(self.lab.now, self.start + BIDDING)
        _, bid, _, salt = next(s for s in self.sealed if s[0] == who and s[2] == price)
        receipt = self.lab.send(who, self.contract, "reveal", bid, price, salt,
                                value=amount_for(OFFER_WH, price))
        if not receipt.success:
            raise MarketError(f"{who}'s reveal was refused: {receipt.error}")
        self.reveals.append((who, price))

    def finish(self) -> SealedLot:
        self.lab.now = self.start + BIDDING + REVEALING
        self.lab.send("alice", self.contract, "finish")
        for who in ("alice", *BIDDERS):
            self.lab.send(who, self.contract, "withdraw")      # refused when nothing is owed
        spent = {who: START - self.lab.balance(who) for who in BIDDERS}
        winner = self.contract.query(self.lab.state, "winner")
        names = {self.lab.address(who): who for who in BIDDERS}
        price = self.contract.read(self.lab.state, "best_price")
        unrevealed = len(self.sealed) - len(self.reveals)
        return SealedLot(names.get(winner), price, amount_for(OFFER_WH, price) if price else 0,
                         unrevealed * self.deposit, tuple(self.commits), tuple(self.reveals),
                         spent)


def sealed_lot(bids: dict[str, int], commit_order: Sequence[str] | None = None,
               reveal_order: Sequence[str] | None = None, deposit: int = 0,
               seed: int = 13) -> SealedLot:
    """Alice's lot sold by sealed bids: each bidder commits one price, then reveals it,
    in the orders given (a sealer's choice)."""
    lot = _Lot(deposit, seed)
    for who in commit_order or sorted(bids):
        lot.commit(who, bids[who])
    for who in reveal_order or sorted(bids):
        lot.reveal(who, bids[who])
    return lot.finish()


def ladder_attack(deposit: int, bob: int = 250_000, ladder: Sequence[int] = LADDER,
                  seed: int = 13) -> SealedLot:
    """Bob commits one bid, Mallory one per rung of ``ladder``; Bob reveals first (or the
    sealer shows Mallory his reveal), and Mallory reveals only the cheapest rung above it
    (none if no rung is)."""
    lot = _Lot(deposit, seed)
    lot.commit("bob", bob)
    for price in ladder:
        lot.commit(cast.ATTACKER, price)
    lot.reveal("bob", bob)
    above = [price for price in ladder if price > bob]
    if above:
        lot.reveal(cast.ATTACKER, min(above))
    return lot.finish()


def ladder_break_even(bob: int = 250_000, ladder: Sequence[int] = LADDER) -> int:
    """The least deposit at which Mallory's ladder no longer gains her anything."""
    above = [price for price in ladder if price > bob]
    if not above:
        return 0
    unrevealed = len(ladder) - 1
    return saved(OFFER_WH, min(above)) // unrevealed + 1


__all__ = ["BID_TAG", "BookRace", "LADDER", "OFFER_PRICE", "OFFER_WH", "SLOT", "SealedLot",
           "bid_commitment", "ladder_attack", "ladder_break_even", "saved", "sealed_lot",
           "take_race"]
