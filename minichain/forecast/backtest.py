"""Scoring forecasters honestly: held-out weeks, a split in time, skill, and what aggregation buys (chapter 12).

**A split in time.** Every day of a held-out week is forecast from a ``Past`` that ends
where the day begins (``History.past``), exactly as a household would forecast it at
gate closure, and the forecaster learns afresh each day from the ``TRAINING_DAYS``
before it. No forecast ever sees its own day, nor any later one. A *random* split would
cheat: a day's neighbours (in the training set) would tell the model what its weather
and habits were, which no household knows a day ahead.

``random_split_error`` shows the cheat in numbers: split the slots of some days at
random, and guess each held-out slot from the training slots just before and after it
on the same day. The guess scores far better than any honest forecast, and it could
never be made at gate closure: it reads the day it forecasts.

**Held-out weeks** (``HELD_OUT_WEEKS``): fixed before any forecaster was scored, the
week from the second Monday of each month from March to November 2026, and two December
weeks, from the 7th and from the 21st (Christmas), grouped by meteorological season.
Each has eight weeks of the year before it to learn from; January and February have
not, so winter is December alone.

**Sky classes** (``sky_class``): a day is *clear* when the street's PV reaches at least
80 % of what a clear sky would give, *overcast* below 40 %, and *partly cloudy* in
between. The class is the day's truth (known only afterwards): it sorts days to score,
it is never a forecaster's input. Kasten-Czeplak's clear-sky index runs from 0.25
(overcast) to 1 (clear); partly cloudy is roughly its middle half.

**The day's own readings** (``intraday_run``): the PV a home's agent expects for the
slot it bids for, ``lead`` slots ahead of the slot that starts as it bids, from the
day-ahead forecast alone and from the same forecast corrected by the readings of the
slots that have ended (``intraday.updated_pv``).

**Aggregation** (``aggregation``): the street's total forecast two ways, by one model on
the street's own series and as the sum of every home's forecast, each against the truth;
and every forecast's error relative to the mean of what it forecasts, home by home and
for the street: individual noise partly cancels in a sum, so the street is easier to
forecast than any one home.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Mapping, Sequence

from minichain.errors import ForecastError
from minichain.forecast.dayahead import HOME_FORECASTER, HomeForecaster, forecasts_from_history
from minichain.forecast.history import PV, STREET, History
from minichain.forecast.intraday import updated_pv
from minichain.forecast.metrics import mae, relative_mae, rmse, skill
from minichain.forecast.past import Forecaster, forecast_day
from minichain.microgrid.profiles import SLOTS_PER_DAY

TRAINING_DAYS = 56                      # eight weeks of past days behind every forecast
CLEAR, PARTLY_CLOUDY, OVERCAST = "clear", "partly cloudy", "overcast"
CLEAR_FROM, OVERCAST_BELOW = 0.80, 0.40  # share of clear-sky PV the street made that day

HELD_OUT_WEEKS: dict[str, tuple[date, ...]] = {      # Mondays, 2026
    "spring": (date(2026, 3, 9), date(2026, 4, 13), date(2026, 5, 11)),
    "summer": (date(2026, 6, 8), date(2026, 7, 13), date(2026, 8, 10)),
    "autumn": (date(2026, 9, 14), date(2026, 10, 12), date(2026, 11, 9)),
    "winter": (date(2026, 12, 7), date(2026, 12, 21)),
}


def week_days(mondays: Sequence[date]) -> list[date]:
    """The seven days of each week, in order."""
    return [monday + timedelta(days=n) for monday in mondays for n in range(7)]


def clear_sky_share(history: History, day: date) -> float:
    """The street's PV on ``day`` as a share of what a clear sky would have given."""
    clear = sum(history.on(day, history.clear_sky_wh[STREET]))
    if clear == 0:
        raise ForecastError(f"the street has no PV to judge the sky of {day} by")
    return sum(history.on(day, history.pv_wh[STREET])) / clear


def sky_class(history: History, day: date) -> str:
    """Clear, partly cloudy or overcast, from the street's PV that day (the truth)."""
    share = clear_sky_share(history, day)
    if share >= CLEAR_FROM:
        return CLEAR
    return OVERCAST if share < OVERCAST_BELOW else PARTLY_CLOUDY


@dataclass(frozen=True)
class Run:
    """Forecasts and truth for some homes over some days, pooled slot by slot."""

    quantity: str
    names: tuple[str, ...]
    days: tuple[date, ...]
    truth: tuple[float, ...]                  # by day, then home, then slot
    forecasts: dict[str, tuple[float, ...]]   # forecaster name -> the same layout

    def mae(self, forecaster: str) -> float:
        return mae(self.truth, self.forecasts[forecaster])

    def rmse(self, forecaster: str) -> float:
        return rmse(self.truth, self.forecasts[forecaster])

    def skill(self, forecaster: str, reference: str) -> float:
        """``forecaster``'s MAE skill against ``reference``."""
        return skill(self.mae(forecaster), self.mae(reference))

    def only(self, days: Sequence[date]) -> "Run":
        """The same run cut to some of its days."""
        keep = set(days)
        width = len(self.names) * SLOTS_PER_DAY
        chosen = [n for n, day in enumerate(self.days) if day in keep]

        def cut(values: Sequence[float]) -> tuple[float, ...]:
            return tuple(v for n in chosen for v in values[n * width:(n + 1) * width])
        return Run(self.quantity, self.names, tuple(self.days[n] for n in chosen),
                   cut(self.truth), {name: cut(values) for name, values in self.forecasts.items()})

    def of(self, name: str, values: Sequence[float]) -> list[float]:
        """One home's slots, day after day, out of the pooled truth or a pooled forecast."""
        k = self.names.index(name)
        width = len(self.names) * SLOTS_PER_DAY
        return [value for n in range(len(self.days))
                for value in values[n * width + k * SLOTS_PER_DAY:n * width + (k + 1) * SLOTS_PER_DAY]]


def run(history: History, quantity: str, names: Sequence[str], days: Sequence[date],
        forecasters: Mapping[str, Forecaster], training_days: int = TRAINING_DAYS) -> Run:
    """Forecast every (day, home) from its past alone and keep the truth beside it."""
    truth: list[float] = []
    out: dict[str, list[float]] = {name: [] for name in forecasters}
    for day in days:
        for name in names:
            past = history.past(quantity, name, day, days=training_days)
            truth.extend(history.on(day, history.series(quantity, name)))
            for label, forecaster in forecasters.items():
                out[label].extend(forecast_day(forecaster, past))
    return Run(quantity, tuple(names), tuple(days), tuple(truth),
               {label: tuple(values) for label, values in out.items()})


DAY_AHEAD, CORRECTED = "day-ahead", "corrected by the readings"


def intraday_run(history: History, days: Sequence[date],
                 forecaster: HomeForecaster = HOME_FORECASTER, lead: int = 2) -> Run:
    """Every PV home's slots as its agent sees them when it bids, ``lead`` slots ahead: the
    day-ahead forecast, and the same corrected by the readings of the slots that have ended
    (the day runner bids two slots ahead, ``day.runner.BID_AHEAD``)."""
    names = pv_homes(history)
    truth: list[float] = []
    out: dict[str, list[float]] = {DAY_AHEAD: [], CORRECTED: []}
    for day in days:
        forecasts = dict(zip(history.names, forecasts_from_history(history, day, forecaster)))
        for name in names:
            real = history.on(day, history.pv_wh[name])
            forecast = forecasts[name].pv_wh
            truth.extend(real)
            out[DAY_AHEAD].extend(forecast)
            out[CORRECTED].extend(updated_pv(forecast, real[:max(0, slot - lead)])[slot]
                                  for slot in range(len(real)))
    return Run(PV, names, tuple(days), tuple(truth),
               {label: tuple(values) for label, values in out.items()})


def pv_homes(history: History) -> tuple[str, ...]:
    """The homes with PV, in street order."""
    return tuple(home.name for home in history.homes if home.has_pv)


def partly_cloudy_days(history: History, days: Sequence[date]) -> list[date]:
    """The days among ``days`` that turned out partly cloudy."""
    return [day for day in days if sky_class(history, day) == PARTLY_CLOUDY]


@dataclass(frozen=True)
class Aggregation:
    """The street's total forecast by one model and as a sum of homes, and relative errors."""

    street_mae: float              # one model on the street's series
    sum_of_homes_mae: float        # every home's forecast added up
    street_relative: float         # street MAE / the street's mean value
    home_relative: dict[str, float]   # each home's MAE / its own mean value


def aggregate(forecasts: Sequence[Sequence[float]]) -> tuple[float, ...]:
    """Slot-by-slot sum of several forecasts (or series) of the same slots."""
    if not forecasts or len({len(values) for values in forecasts}) != 1:
        raise ForecastError("aggregate needs one or more forecasts of the same length")
    return tuple(map(math.fsum, zip(*forecasts)))


def aggregation(history: History, quantity: str, days: Sequence[date],
                forecaster: Forecaster, training_days: int = TRAINING_DAYS) -> Aggregation:
    """How the street's forecast compares with the sum of its homes' forecasts."""
    names = pv_homes(history) if quantity == PV else history.names
    homes = run(history, quantity, names, days, {"f": forecaster}, training_days)
    street = run(history, quantity, (STREET,), days, {"f": forecaster}, training_days)
    forecasts = [homes.of(name, homes.forecasts["f"]) for name in names]
    relative = {name: relative_mae(homes.of(name, homes.truth), forecast)
                for name, forecast in zip(names, forecasts)}
    return Aggregation(street.mae("f"), mae(street.truth, aggregate(forecasts)),
                       relative_mae(street.truth, street.forecasts["f"]), relative)


def random_split_error(history: History, quantity: str, names: Sequence[str],
                       days: Sequence[date], test_permille: int = 200, seed: int = 0) -> float:
    """The MAE of a cheat that a random split of slots allows: each held-out slot guessed as
    the mean of the nearest training slots before and after it on the same day.

    About ``test_permille`` per mille of the slots (every home in ``names``, every day in
    ``days``) are held out at random (``random.Random(seed)``); the rest are training.
    """
    if not 0 < test_permille < 1000:
        raise ForecastError(f"test_permille is the share held out, 1..999 per mille, got "
                            f"{test_permille!r}")
    rng = random.Random(seed)
    misses: list[float] = []
    for day in days:
        for name in names:
            values = history.on(day, history.series(quantity, name))
            held = [rng.randrange(1000) < test_permille for _ in values]
            for slot, value in enumerate(values):
                if not held[slot]:
                    continue
                before = next((values[s] for s in range(slot - 1, -1, -1) if not held[s]), None)
                after = next((values[s] for s in range(slot + 1, len(values)) if not held[s]),
                             None)
                known = [v for v in (before, after) if v is not None]
                guess = math.fsum(known) / len(known) if known else 0.0
                misses.append(abs(value - guess))
    if not misses:
        raise ForecastError("no slot was held out: ask for more days or a larger share")
    return math.fsum(misses) / len(misses)
