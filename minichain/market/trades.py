"""A trade: energy sold from one sell order to one buyer, and the money for it (chapters 09-11).

One type follows a trade through its whole life. The auction's walk makes it (``id`` 0:
not numbered yet); the market numbers it (``numbered``) or a direct take of an offer makes
it (``buy_order`` 0); the grid operator may cut it to fewer Wh (``cut_to``); settlement
against the meters says what was delivered (``settled``); a day's record keeps it with the
households' names in place of their addresses (``named``). Money is derived, never
stored, so it cannot disagree with the quantity: the buyer pays
``amount_for(quantity_wh, price)`` and the seller receives
``amount_for(quantity_wh, seller_price)``; the two differ only under McAfee's reduction,
whose difference is the community fund's surplus.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

from minichain.errors import SettlementError
from minichain.market.units import amount_for


@dataclass(frozen=True)
class Trade:
    """Energy sold from one sell order to one buyer (see the module docstring)."""

    buyer: str               # an address at the market; a household's name in a day's record
    seller: str
    quantity_wh: int
    price: int               # what the buyer pays, µ€ per kWh
    seller_price: int        # what the seller receives, µ€ per kWh (below price only in McAfee)
    buy_order: int = 0       # 0 for a direct take of an offer
    sell_order: int = 0
    slot: int = 0
    id: int = 0              # the market's trade number, from 1; 0 until the market numbers it
    delivered_wh: int | None = None    # what the seller's meter showed delivered, once settled

    @property
    def amount(self) -> int:
        """What the buyer pays: ``amount_for(quantity_wh, price)``."""
        return amount_for(self.quantity_wh, self.price)

    @property
    def seller_amount(self) -> int:
        """What the seller receives: ``amount_for(quantity_wh, seller_price)``."""
        return amount_for(self.quantity_wh, self.seller_price)

    @property
    def surplus(self) -> int:
        """What the buyer pays that the seller does not receive (McAfee only)."""
        return self.amount - self.seller_amount

    @property
    def shortfall_wh(self) -> int:
        """Sold but not delivered (0 until settled)."""
        return 0 if self.delivered_wh is None else self.quantity_wh - self.delivered_wh

    @property
    def is_take(self) -> bool:
        """True for a direct take of a listed offer (no buy order behind it)."""
        return self.buy_order == 0

    def numbered(self, trade_id: int) -> "Trade":
        """The trade as the market records it, with its number."""
        return replace(self, id=trade_id)

    def cut_to(self, quantity_wh: int) -> "Trade":
        """The same trade for fewer Wh (the grid check); its money follows from the quantity."""
        if not isinstance(quantity_wh, int) or not 0 <= quantity_wh <= self.quantity_wh:
            raise SettlementError(f"trade {self.id} of {self.quantity_wh} Wh can only be cut to "
                                  f"0..{self.quantity_wh} Wh, got {quantity_wh!r}")
        return replace(self, quantity_wh=quantity_wh)

    def settled(self, delivered_wh: int) -> "Trade":
        """The trade after settlement: ``delivered_wh`` of its Wh arrived."""
        if not isinstance(delivered_wh, int) or not 0 <= delivered_wh <= self.quantity_wh:
            raise SettlementError(f"trade {self.id}: delivered Wh must be 0..{self.quantity_wh}, "
                                  f"got {delivered_wh!r}")
        return replace(self, delivered_wh=delivered_wh)

    def named(self, names: Mapping[str, str]) -> "Trade":
        """The trade with its parties' addresses replaced by their names (for a day's record)."""
        return replace(self, buyer=names[self.buyer], seller=names[self.seller])
