"""A rounding leak in a contract, found by a property and exploited (chapter 13).

``contracts/sources/prepaid_buggy.py`` settles a prepaid energy deal by paying the seller
for the delivered Wh, rounded down, and refunding the buyer for the rest, rounded *up*.
Each part looks fair on its own; together they can pay out 1 µ€ more than the deal
locked. The property every settlement must keep (the street's rule: one rounding per
amount, the rest moves whole) is

    paid to the seller + refunded to the buyer == what the deal locked

``conserves`` checks it for one deal on the contract machine; ``search_leak`` tries
seeded random deals until one breaks it (the test suite asks hypothesis to find and
shrink one: ``tests/attacks/test_rounding.py``). ``prepaid_fixed.py`` refunds
``locked - paid`` and keeps the property for every deal.

The exploit (``exploit``): 1 µ€ a deal is nothing, but a deal costs nothing either on a
street whose gas price is 0. Mallory opens tiny deals that she knows will not be
delivered (1 Wh at a price whose amount does not round evenly); each refund pays her
1 µ€ of somebody else's money, until the contract cannot refund Bob.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from minichain import cast
from minichain.attacks.lab import ContractLab, contract_lab
from minichain.errors import MarketError
from minichain.market.units import amount_for
from minichain.vm.interface import ContractInterface

ARBITER = cast.GRID_OPERATOR
PEOPLE = ("alice", "bob", cast.ATTACKER, ARBITER)
TINY_WH = 1                      # Mallory's deals: 1 Wh ...
TINY_PRICE = 80_001              # ... at a price whose amount, 80.001 µ€, is rounded down to 80
START = 1_000_000_000            # µ€ each person holds in the lab (1,000 €)


def prepaid_lab(contract: str = "prepaid_buggy") -> tuple[ContractLab, ContractInterface]:
    """Alice, Bob, Mallory and the grid operator (the arbiter), and the contract deployed."""
    lab = contract_lab(PEOPLE, start=START)
    return lab, lab.deploy(contract, ARBITER, lab.address(ARBITER))


@dataclass(frozen=True)
class Settled:
    """One deal from open to confirmation, and where its money went."""

    quantity_wh: int
    price: int
    delivered_wh: int
    locked: int
    paid: int                    # to the seller
    refund: int                  # to the buyer

    @property
    def leak(self) -> int:
        """What the contract paid out beyond what the deal locked (0 when it conserves)."""
        return self.paid + self.refund - self.locked


def settle_deal(lab: ContractLab, prepaid: ContractInterface, buyer: str, quantity_wh: int,
                price: int, delivered_wh: int, seller: str = "alice") -> Settled:
    """``buyer`` prepays a deal with ``seller``; the arbiter confirms ``delivered_wh``."""
    locked = amount_for(quantity_wh, price)
    opened = lab.send(buyer, prepaid, "open", lab.address(seller), quantity_wh, price,
                      value=locked)
    if not opened.success:
        raise MarketError(f"opening the deal was refused: {opened.error}")
    deal = prepaid.output("open", opened)
    confirmed = lab.send(ARBITER, prepaid, "confirm", deal, delivered_wh)
    if not confirmed.success:
        raise MarketError(f"confirming the deal was refused: {confirmed.error}")
    event = prepaid.events(confirmed)[0]
    return Settled(quantity_wh, price, delivered_wh, locked, event["paid"],
                   event["refund"])


def conserves(contract: str, quantity_wh: int, price: int, delivered_wh: int) -> bool:
    """Does the contract pay out exactly what one such deal locked (with Bob's money
    beside it, so that an overpayment can be paid)?"""
    lab, prepaid = prepaid_lab(contract)
    lab.send("bob", prepaid, "open", lab.address("alice"), 1_000, cast.RETAIL,
             value=amount_for(1_000, cast.RETAIL))
    return settle_deal(lab, prepaid, cast.ATTACKER, quantity_wh, price,
                       delivered_wh).leak == 0


def search_leak(contract: str, seed: int = 1, tries: int = 50) -> Settled | None:
    """Seeded random deals (quantity, price in the tariff band, delivered) until one pays
    out more or less than it locked; None if ``tries`` deals all conserve."""
    rng = random.Random(seed)
    lab, prepaid = prepaid_lab(contract)
    lab.send("bob", prepaid, "open", lab.address("alice"), 1_000, cast.RETAIL,
             value=amount_for(1_000, cast.RETAIL))
    for _ in range(tries):
        quantity = rng.randint(1, 2_000)
        price = rng.randint(cast.FEED_IN, cast.RETAIL)
        deal = settle_deal(lab, prepaid, cast.ATTACKER, quantity, price,
                           rng.randint(0, quantity))
        if deal.leak:
            return deal
    return None


@dataclass(frozen=True)
class Exploit:
    """Mallory's tiny deals, then Bob's refund."""

    deals: int
    mallory_gain: int            # µ€ she got back beyond what she paid
    held_before_bob: int         # the contract's tokens when Bob's deal is confirmed
    bob_locked: int
    bob_refunded: bool
    reason: str                  # why Bob's confirmation failed ("" if it did not)


def exploit(contract: str = "prepaid_buggy", deals: int = 40, bob_wh: int = 7,
            bob_price: int = 100_003) -> Exploit:
    """Bob prepays a small deal; Mallory opens ``deals`` tiny ones, each confirmed with
    nothing delivered; then Bob's deal is confirmed undelivered too."""
    lab, prepaid = prepaid_lab(contract)
    bob_locked = amount_for(bob_wh, bob_price)
    opened = lab.send("bob", prepaid, "open", lab.address("alice"), bob_wh, bob_price,
                      value=bob_locked)
    before = lab.balance(cast.ATTACKER)
    for _ in range(deals):
        settle_deal(lab, prepaid, cast.ATTACKER, TINY_WH, TINY_PRICE, 0)
    held = lab.state.balance(prepaid.address)
    confirmed = lab.send(ARBITER, prepaid, "confirm", prepaid.output("open", opened), 0)
    return Exploit(deals, lab.balance(cast.ATTACKER) - before, held, bob_locked,
                   confirmed.success, "" if confirmed.success else str(confirmed.error))


__all__ = ["ARBITER", "Exploit", "Settled", "TINY_PRICE", "TINY_WH", "conserves", "exploit",
           "prepaid_lab", "search_leak", "settle_deal"]
