"""The planner: a battery-and-bidding agent that plans the rest of its day from its forecast (chapter 12).

Bidding for a slot, the planner first makes its **outlook** of the day: the readings of
the slots that have ended, and for the rest its day-ahead forecast, with the PV scaled by
how the panels did against the forecast over the last hour (``forecast.intraday``;
``intraday=False`` keeps the day-ahead forecast alone). Then it **looks ahead**: it runs
its battery by plain self-consumption over the slots after this one, and over tomorrow's
early hours (taken to be like today's, until the sun covers the use again), and reads off
two numbers, both counted until the battery would next be full (after that, more stored
energy would only spill):

* ``lacking``: what the home would have to buy because its battery is empty;
* ``spare``: the least the battery would hold on the way (energy it will not need).

**When to store, what to offer.** With a surplus in the slot, it stores as much of it as
its battery would lack later (at most what the battery can take), offers the rest at the
feed-in tariff, and when its own surplus leaves room in the battery and it will still
lack energy, it bids to buy energy to store. With a shortfall, it buys it when its battery
will run empty later anyway (a Wh bought now is a Wh kept for later), else it uses its
battery and offers what the battery holds spare.

**At what price.** What the energy is worth to the household: ``retail`` for energy it
would otherwise buy from the utility, ``feed_in`` for energy it would otherwise sell to
the utility, and ``retail x efficiency`` for energy it would store for later (a tenth is
lost on the way in): it offers the surplus it means to store at that price, so only a
buyer who pays more than storing is worth gets it, and it bids that much for energy to
store. It never sells below what it would get elsewhere, nor buys above what it would pay
anyway: the price it gets is the market's.

Fed with the truth (``agents.PerfectForesight``) it plans perfectly; fed with the naive
forecasts (``forecast.dayahead.NAIVE_FORECASTER``) and no intraday correction it is the
naive household; ``day.trials`` measures what lies between.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from minichain.day.agents import OrderIntent, SlotView
from minichain.forecast.intraday import updated_pv
from minichain.market.orders import BUY, SELL
from minichain.microgrid.household import Battery, HouseholdDay, charge, self_consume


@dataclass(frozen=True)
class Ahead:
    """What self-consumption from a battery would do over the slots ahead, until it is full."""

    lacking_wh: int        # bought from the utility with the battery empty
    spare_wh: int          # the least the battery holds on the way


def look_ahead(battery: Battery, pv_wh: Sequence[int], load_wh: Sequence[int],
               slot_seconds: int) -> Ahead:
    """Run the battery by self-consumption over the slots given, until it is full."""
    lacking, spare = 0, battery.stored_wh
    limit = battery.spec.limit_wh(slot_seconds)
    for pv, load in zip(pv_wh, load_wh):
        balance = self_consume(battery, pv, load, slot_seconds)
        battery = balance.battery
        if balance.import_wh and battery.stored_wh == 0:
            lacking += balance.import_wh
        spare = min(spare, battery.stored_wh)
        if balance.export_wh and balance.charged_wh < limit:      # no room left: full
            break
    return Ahead(lacking, spare)


def input_for(stored_wh: int, efficiency_permille: int) -> int:
    """The Wh to put into a battery so that ``stored_wh`` are stored (rounded up)."""
    return -(-stored_wh * 1000 // efficiency_permille)


@dataclass(frozen=True)
class Planner:
    """Plans from its forecast when to store, what to offer and at what price (module docstring)."""

    intraday: bool = True
    name: str = "planner"

    def outlook(self, view: SlotView) -> HouseholdDay:
        """The day as it looks now: readings where slots have ended, the forecast after."""
        if not self.intraday:
            return view.forecast
        ended = len(view.readings.pv_wh)
        return HouseholdDay(updated_pv(view.forecast.pv_wh, view.readings.pv_wh),
                            view.readings.load_wh + view.forecast.load_wh[ended:])

    def horizon(self, view: SlotView, day: HouseholdDay) -> tuple[Sequence[int], Sequence[int]]:
        """PV and use after the slot: the rest of the day, then tomorrow's early hours like today's."""
        n = len(day.pv_wh)
        morning = next((t for t in range(n) if day.pv_wh[t] > day.load_wh[t]), n // 2)
        after = view.slot + 1
        return (day.pv_wh[after:] + day.pv_wh[:morning], day.load_wh[after:] + day.load_wh[:morning])

    def orders(self, view: SlotView) -> list[OrderIntent]:
        day = self.outlook(view)
        battery = view.with_forecast(day).expected_battery()
        pv, load = day.pv_wh[view.slot], day.load_wh[view.slot]
        feed_in, retail = view.tariffs.feed_in, view.tariffs.retail
        if battery is None:
            if pv > load:
                return [OrderIntent(SELL, pv - load, feed_in)]
            return [OrderIntent(BUY, load - pv, retail)] if load > pv else []
        spec = battery.spec
        keep_price = retail * spec.efficiency_permille // 1000
        pv_ahead, load_ahead = self.horizon(view, day)
        if pv >= load:
            return self._surplus(view, battery, pv - load, pv_ahead, load_ahead, keep_price)
        balance = self_consume(battery, pv, load, view.slot_seconds)
        ahead = look_ahead(balance.battery, pv_ahead, load_ahead, view.slot_seconds)
        if ahead.lacking_wh:
            wanted = balance.import_wh + min(balance.discharged_wh, ahead.lacking_wh)
            return [OrderIntent(BUY, wanted, retail)]
        if balance.import_wh:
            return [OrderIntent(BUY, balance.import_wh, retail)]
        room = spec.limit_wh(view.slot_seconds) - balance.discharged_wh
        spare = min(ahead.spare_wh, room)
        return [OrderIntent(SELL, spare, feed_in)] if spare > 0 else []

    def _surplus(self, view: SlotView, battery: Battery, surplus: int, pv_ahead: Sequence[int],
                 load_ahead: Sequence[int], keep_price: int) -> list[OrderIntent]:
        """A slot with a surplus (or nothing over): store what it will lack, offer the rest."""
        spec = battery.spec
        feed_in = view.tariffs.feed_in
        ahead = look_ahead(battery, pv_ahead, load_ahead, view.slot_seconds)   # storing nothing
        intake = charge(battery, spec.limit_wh(view.slot_seconds), view.slot_seconds).accepted_wh
        needed = input_for(ahead.lacking_wh, spec.efficiency_permille)
        keep = min(surplus, intake, needed)
        if keep == surplus and needed > keep and intake > keep:
            return [OrderIntent(BUY, min(intake, needed) - keep, keep_price)]
        orders = []
        if surplus > keep:
            orders.append(OrderIntent(SELL, surplus - keep, feed_in))
        if keep:
            orders.append(OrderIntent(SELL, keep, keep_price))
        return orders
