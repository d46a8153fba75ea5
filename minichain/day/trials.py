"""What forecasting is worth in the street's bill: agents on held-out weeks (chapter 12).

A *trial* runs whole weeks of the seeded year (``forecast.history``) through the one day
runner, the market in memory (``native.NativeMarket``), once per *contender*: an agent for
every home and the forecaster that makes each home's day-ahead forecast. Day after day the
homes' true PV and use come from the history, their forecasts from their own past alone
(``forecast.dayahead.forecasts_from_history``: the weeks before, never the day itself),
and each battery starts the day with what it held at the end of the day before (empty on
the Monday). The contenders of the course (``CONTENDERS``):

* ``naive``: the planner (``day.planner.Planner``) fed with the naive forecasts (same as
  yesterday, same as last week) and no intraday correction;
* ``forecast``: the planner fed with the default forecasts (``HOME_FORECASTER``) and
  corrected by the day's own readings: the forecast-driven agent;
* ``perfect foresight``: the planner handed the truth (``agents.PerfectForesight``);
* for comparison, ``truthful`` bidding from the default forecasts, and two halves of the
  forecast-driven agent: the default day-ahead forecasts without the intraday correction,
  and the naive forecasts with it.

**The bill** is the street's: what all its homes paid over the week, market and utility
together. Trades between neighbours only move money between them, so this is what the
street paid the utility: its imports at retail, minus its exports at feed-in, plus the
penalties of sellers who fell short. The energy left in the batteries at the end of the
week is worth something the next morning: each Wh saves a Wh bought at retail, so it is
subtracted at the retail tariff (``Week.bill``). The **gap closed** by a contender is
``(naive - it) / (naive - perfect foresight)``: the share of what a crystal ball would
save over naive forecasting that the contender saves.

The goal (chapter 12, ``benchmarks/bench_forecast.py``): the forecast-driven agent closes
at least half of the gap over the held-out weeks (``forecast.backtest.HELD_OUT_WEEKS``),
in every season. ``tests/day/test_trials.py`` checks it on a few days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Callable, Sequence

from minichain.day import kpis
from minichain.day.agents import PerfectForesight, Truthful
from minichain.day.native import NativeMarket
from minichain.day.planner import Planner
from minichain.day.records import DayRecord
from minichain.day.runner import DayPlan, run_day
from minichain.errors import ForecastError
from minichain.forecast.dayahead import (HOME_FORECASTER, NAIVE_FORECASTER, HomeForecaster,
                                         forecasts_from_history)
from minichain.forecast.history import History
from minichain.market.units import amount_for
from minichain.microgrid.grid import make_feeder
from minichain.microgrid.household import HouseholdDay


@dataclass(frozen=True)
class Contender:
    """Who bids: an agent for every home, fed by a forecaster (None: handed the truth)."""

    name: str
    agent: Any
    forecaster: HomeForecaster | None


NAIVE, FORECAST, PERFECT = "naive", "forecast", "perfect foresight"
NAIVE_PLANNER = "naive planner"
CONTENDERS = (
    Contender(NAIVE, Truthful(), NAIVE_FORECASTER),
    Contender(FORECAST, Planner(), HOME_FORECASTER),
    Contender(PERFECT, Planner(), None),
    Contender("truthful", Truthful(), HOME_FORECASTER),
    Contender(NAIVE_PLANNER, Planner(intraday=False), NAIVE_FORECASTER),
    Contender("day-ahead only", Planner(intraday=False), HOME_FORECASTER),
)


def true_days(history: History, day: date) -> tuple[HouseholdDay, ...]:
    """Every home's real PV and use on ``day``."""
    return tuple(HouseholdDay(history.on(day, history.pv_wh[name]),
                              history.on(day, history.load_wh[name]))
                 for name in history.names)


def day_plan(history: History, day: date, contender: Contender,
             initial_stored_wh: Sequence[int] | None = None) -> DayPlan:
    """The street's ``day`` from the history, every home bidding as ``contender`` says."""
    truth = true_days(history, day)
    forecaster = contender.forecaster or HOME_FORECASTER
    forecasts = forecasts_from_history(history, day, forecaster)
    if contender.forecaster is None:
        agents = tuple(PerfectForesight(real, contender.agent) for real in truth)
    else:
        agents = (contender.agent,) * len(truth)
    return DayPlan(households=history.homes, days=truth, forecasts=forecasts, agents=agents,
                   tariffs=history.tariffs, feeder=make_feeder(history.names), day=day,
                   seed=history.seed,
                   initial_stored_wh=None if initial_stored_wh is None
                   else tuple(initial_stored_wh))


@dataclass(frozen=True)
class Week:
    """Consecutive days of one contender: the days' records and what the batteries kept."""

    contender: str
    days: tuple[DayRecord, ...]

    @property
    def stored_at_end_wh(self) -> int:
        last = self.days[-1]
        return sum(record.stored_end_wh for record in last.slot_records(last.n_slots - 1))

    def paid(self) -> int:
        """What the street's homes paid over the days, market and utility together (µ€)."""
        return sum(sum(kpis.bills(day).values()) for day in self.days)

    def bill(self) -> int:
        """What they paid, less the energy left in their batteries at retail (µ€)."""
        return self.paid() - amount_for(self.stored_at_end_wh, self.days[0].tariffs.retail)


def run_days(history: History, first: date, days: int, contender: Contender,
             progress: Callable[[int], object] | None = None) -> Week:
    """``days`` consecutive days from ``first``, batteries carried from day to day."""
    if days < 1:
        raise ForecastError(f"a trial runs at least one day, got {days}")
    records: list[DayRecord] = []
    stored: tuple[int, ...] | None = None
    for n in range(days):
        record = run_day(day_plan(history, first + timedelta(days=n), contender, stored),
                         NativeMarket())
        stored = tuple(r.stored_end_wh for r in record.slot_records(record.n_slots - 1))
        records.append(record)
        if progress is not None:
            progress(1)
    return Week(contender.name, tuple(records))


def gap_closed(naive_bill: int, bill: int, perfect_bill: int) -> float:
    """The share of the naive-to-perfect gap a bill closes: 0 naive, 1 perfect foresight."""
    if naive_bill <= perfect_bill:
        raise ForecastError(f"perfect foresight's bill ({perfect_bill}) is not below the naive "
                            f"bill ({naive_bill}): there is no gap to close")
    return (naive_bill - bill) / (naive_bill - perfect_bill)
