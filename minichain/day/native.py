"""The day's market in memory: the market's rules applied natively, no chain (chapter 11).

``NativeMarket`` is the backend behind the dashboard's sliders and the market-only day. It
follows ``docs/market_rules.md`` with the native reference the contracts are tested
against, in the same steps the contracts take: orders get ids in the order they arrive
and lock escrow or a bond (``settlement.locked_for``); at gate closure the slot clears and
its trades are numbered (``settlement.market_trades``), refunds and bond releases follow
(``settlement.after_clearing``); the grid operator's cuts shrink trades
(``settlement.after_curtailment``); after the reading window each slot settles against
its meters' readings (``settlement.settle_slot``: what each seller delivered, penalties
for shortfalls from its bond).
"""

from __future__ import annotations

from typing import Sequence

from minichain.day.runner import DayPlan, MarketDay, Work
from minichain.market.auction import COMMUNITY_FUND, UTILITY
from minichain.market.orders import Order
from minichain.market.settlement import (after_clearing, after_curtailment, locked_for,
                                         market_trades, settle_slot)
from minichain.market.trades import Trade


class NativeMarket:
    """The market's rules in memory (module docstring); one instance runs one day."""

    def __init__(self, community_fund: str = COMMUNITY_FUND, utility: str = UTILITY) -> None:
        self.community_fund = community_fund
        self.utility = utility

    def open(self, plan: DayPlan, owners: Sequence[str]) -> None:
        self.plan = plan
        self.owners = list(owners)
        self._books: dict[int, list[Order]] = {}
        self._locked: dict[int, int] = {}                 # order id -> escrow or bond
        self._bonds: dict[int, dict[int, int]] = {}       # slot -> sell order -> bond left
        self._trades: dict[int, list[Trade]] = {}
        self._exports: dict[int, dict[str, int]] = {}     # slot -> owner -> metered export
        self._penalties: dict[int, int] = {}
        self._next_order = 1
        self._next_trade = 1

    def book(self, slot: int, at: int) -> tuple[Order, ...]:
        """The slot's orders, in the order they arrived (ids count up from 1 over the day)."""
        return tuple(self._books.get(slot, ()))

    def send(self, at: int, work: Work) -> None:
        """Apply what is due, in the order a block holds it on chain."""
        for slot in work.settle:
            self._settle(slot)
        if work.clear is not None:
            self._clear(*work.clear)
        if work.readings is not None:
            slot, readings = work.readings
            self._exports[slot] = {self.owners[r.household]: r.export_wh for r in readings}
        if work.post is not None:
            slot, intents = work.post
            for household, intent in intents:
                order = intent.to_order(self._next_order, self.owners[household], slot)
                self._next_order += 1
                self._books.setdefault(slot, []).append(order)
                self._locked[order.id] = locked_for(order.side, order.quantity_wh, order.price,
                                                    self.plan.tariffs)

    def _clear(self, slot: int, grid) -> None:
        """Number the clearing's trades, free what clearing frees, apply the grid's cuts."""
        book = self._books.get(slot, [])
        tariffs = self.plan.tariffs
        money = after_clearing(book, self._locked, grid.plain, tariffs)
        bonds = dict(money.bonds)
        trades = []
        for trade, accepted in zip(market_trades(grid.plain, self._next_trade), grid.accepted_wh):
            if accepted < trade.quantity_wh:
                cut = after_curtailment(trade, accepted, tariffs)
                bonds[trade.sell_order] -= cut.released
                trade = cut.trade
            trades.append(trade)
        self._next_trade += len(grid.plain.trades)
        self._trades[slot] = trades
        self._bonds[slot] = bonds

    def _settle(self, slot: int) -> None:
        """Settle the slot's trades against the sellers' metered exports."""
        owners = {order.id: order.owner for order in self._books.get(slot, [])}
        bonds = {order: (owners[order], bond) for order, bond in self._bonds[slot].items()}
        result = settle_slot(self._trades[slot], self._exports.get(slot, {}), bonds,
                             self.plan.tariffs, self.utility)
        delivered = {d.trade_id: d.delivered_wh for d in result.deliveries}
        self._penalties.update({d.trade_id: d.penalty for d in result.deliveries})
        self._trades[slot] = [trade.settled(delivered[trade.id]) for trade in self._trades[slot]]

    def close(self) -> MarketDay:
        return MarketDay(trades={slot: tuple(trades) for slot, trades in self._trades.items()},
                         penalties=dict(self._penalties), community_fund=self.community_fund,
                         blocks=None)
