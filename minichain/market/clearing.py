"""Grid-aware clearing: trades cut to what the street's cables carry (chapters 09, 11).

``clear_on_grid`` clears one slot's book in two steps:

1. **The market.** A native mechanism from ``auction.py`` (uniform price, pay-as-bid or
   McAfee) clears the book exactly as chapter 09 teaches: the *plain* clearing.
2. **The grid check.** Its trades, in walk order (the merit order: best bid with best
   ask first), go through ``grid.check_capacity`` as transfers between homes: each trade is accepted up to the most
   Wh that every line on its path from the seller's home to the buyer's can still carry
   on top of the ``background`` flows and the trades accepted before it.

**What a curtailed Wh becomes.** A trade keeps its partners and its price per kWh; only
its quantity shrinks to the accepted Wh, and its money is recomputed once with the one
rounding rule: ``amount = amount_for(accepted, price)``,
``seller_amount = amount_for(accepted, seller_price)``. A trade cut to 0 Wh is dropped.
The curtailed Wh fall back to the utility at the tariffs, exactly like any other unfilled
part of an order: the buyer's order is filled that much less and the utility sells the
rest at retail, the seller's order is filled that much less and the utility buys the rest
at feed-in. The result is then settled by ``auction.settle`` with the plain clearing's
mechanism, price and surplus account, so fills, utility flows, welfare and McAfee's surplus
are all recomputed from the accepted trades with the same code the auction uses. Tokens
are conserved exactly: per trade the buyer pays ``amount`` and the seller receives
``seller_amount``, the difference (McAfee only) goes to the surplus account, and every
utility payment is one account's debit and another's credit.

The price is *not* recomputed: the uniform price (or McAfee's p0) of the plain clearing
stays, because the grid cut happens after the market found it; re-running the auction
without the cut orders would move the price the bidders saw. With ample capacity nothing
is cut and the result equals the plain clearing exactly.

**Contract paths, not electrons.** The check books each trade along its path, the way a
transmission right would, and limits how much of each line the market may reserve.
Physically the line flows depend only on what each home injects or draws (pv, load,
battery), whoever is paid for it; a curtailed trade that falls back to the utility does
not change those flows. The simulator reports both: ``GridClearing.line_flows_wh`` (the
market's booked flows, never over a line's capacity) and the physical flows from the
meters. That money and electrons take different paths is one of the course's honest
limits (chapter 14).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from minichain.market.auction import UNIFORM_PRICE, Clearing, clear, settle
from minichain.market.trades import Trade
from minichain.microgrid.grid import Feeder, LineLoading, Transfer, check_capacity
from minichain.market.orders import Order, Tariffs
from minichain.errors import GridError


@dataclass(frozen=True)
class GridClearing:
    """One slot cleared by the market and checked against the feeder."""

    plain: Clearing                   # the mechanism's result before the grid check
    clearing: Clearing                # after the check: accepted trades, utility takes the rest
    proposed_wh: tuple[int, ...]      # per trade of ``plain``, in walk order
    accepted_wh: tuple[int, ...]      # what the grid let through of each
    binding_line: tuple[str | None, ...]   # the line that cut each trade (None: whole)
    line_flows_wh: Mapping[str, int]  # background + accepted trades along their paths
    loadings: tuple[LineLoading, ...]

    @property
    def trades(self) -> tuple[Trade, ...]:
        """The accepted trades, in walk order, with their reduced quantities and money."""
        return self.clearing.trades

    @property
    def curtailed_wh(self) -> int:
        """Wh the market matched but the grid refused (they go to the utility instead)."""
        return sum(self.proposed_wh) - sum(self.accepted_wh)

    @property
    def max_loading_permille(self) -> int:
        """Loading of the fullest line under the market's booked flows, per mille."""
        return max((loading.loading_permille for loading in self.loadings), default=0)


def clear_on_grid(orders: Iterable[Order], tariffs: Tariffs, feeder: Feeder,
                  nodes: Mapping[str, str], mechanism: str = UNIFORM_PRICE,
                  background_wh: Mapping[str, int] | None = None,
                  **options) -> GridClearing:
    """Clear a slot's book with ``mechanism``, then cut trades the feeder cannot carry.

    ``nodes`` maps each order owner (an address) to its home on the feeder;
    ``background_wh`` is flow already on the lines (line -> Wh, + up to the transformer);
    ``options`` go to the mechanism (``k_numerator``, ``k_denominator``, ``surplus_account``).
    """
    orders = tuple(orders)
    plain = clear(mechanism, orders, tariffs, **options)
    missing = sorted({owner for trade in plain.trades for owner in (trade.buyer, trade.seller)
                      if owner not in nodes})
    if missing:
        raise GridError(f"owners {missing} have no home on the feeder; give clear_on_grid a "
                        "nodes mapping from every owner address to its household node")
    transfers = [Transfer(nodes[trade.seller], nodes[trade.buyer], trade.quantity_wh)
                 for trade in plain.trades]
    cut = check_capacity(feeder, transfers, background_wh)
    accepted = [trade.cut_to(wh) for trade, wh in zip(plain.trades, cut.accepted_wh) if wh > 0]
    after = settle(plain.mechanism, plain.slot, tariffs, orders, accepted, plain.price,
                   plain.surplus_account)
    return GridClearing(plain, after, cut.proposed_wh, cut.accepted_wh, cut.binding_line,
                        dict(cut.flows), cut.loadings)


def reference_price(clearing: Clearing) -> int | None:
    """The slot's one price for charts and agents (``price_of_trades`` of its clearing)."""
    return price_of_trades(clearing.trades, clearing.price)


def price_of_trades(trades: Sequence[Trade], price: int | None) -> int | None:
    """A slot's one price: its clearing price, else the mean paid; None when nothing traded.

    Uniform price and McAfee's p0 have one price (``price``). Otherwise (pay-as-bid,
    McAfee's reduced case) it is the volume-weighted mean of the buyers' prices, rounded
    down: ``sum(q * p) // sum(q)``. Trades cut to 0 Wh count for nothing.
    """
    volume = sum(trade.quantity_wh for trade in trades)
    if not volume:
        return None
    if price is not None:
        return price
    return sum(trade.quantity_wh * trade.price for trade in trades) // volume
