"""Exponential smoothing: recent days weigh more, older days fade away (chapter 12).

**Simple exponential smoothing** keeps one number, the *level*, and moves it a share
``alpha`` of the way towards every new value:

    level_t = alpha x y_t + (1 - alpha) x level_(t-1)

so a value k steps old weighs alpha x (1 - alpha)^k. Its forecast for any horizon is the
last level. ``simple_smoothing`` runs it over a series.

**Holt-Winters** (additive) adds a *season* of ``period`` terms, one per position in the
cycle (here: one per slot of the day), and optionally a *trend*. With m the period, l the
level, b the trend (0 without one) and s the seasonal terms, for each new value y_t:

    fitted_t = l_(t-1) + b_(t-1) + s_(t-m)                  (the one-step forecast of y_t)
    l_t      = alpha x (y_t - s_(t-m)) + (1 - alpha) x (l_(t-1) + b_(t-1))
    b_t      = beta x (l_t - l_(t-1)) + (1 - beta) x b_(t-1)
    s_t      = gamma x (y_t - l_(t-1) - b_(t-1)) + (1 - gamma) x s_(t-m)

and the forecast h steps past the end is l + h x b + the seasonal term of that position.
These are the equations statsmodels' ``ExponentialSmoothing`` uses; with the same
parameters and starting values the two give the same numbers (tested to 1e-9).

Two forecasters of a day build on them:

* ``DailySmoothing``: each slot of the day smoothed on its own across past days (the
  level of "slot 32 on workdays"), by default separately for each day type, so a Sunday
  is forecast from past Sundays. Noise averages out; a change of habit is followed after
  about 1 / alpha past days of the same type.
* ``HoltWinters``: the whole slot series with a daily season; it starts from the first
  day of its window (level = that day's mean, season = that day minus its mean).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from minichain.errors import ForecastError, NotEnoughHistory
from minichain.forecast.past import Past
from minichain.microgrid.profiles import SLOTS_PER_DAY


@dataclass(frozen=True)
class Smoothed:
    """A smoothing run: one-step fits, the forecast after the end, and the final state."""

    fitted: tuple[float, ...]      # fitted[t]: the forecast of values[t] made just before it
    forecast: tuple[float, ...]    # the next ``horizon`` values after the series
    level: float
    trend: float
    season: tuple[float, ...]      # seasonal terms, the next position in the cycle first


def _check_share(name: str, value: float) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0.0 <= value <= 1.0:
        raise ForecastError(f"{name} is a smoothing share within 0..1 (how far each new value "
                            f"pulls), got {value!r}")


def simple_smoothing(values: Sequence[float], alpha: float, initial_level: float,
                     horizon: int = 1) -> Smoothed:
    """Simple exponential smoothing of ``values`` from ``initial_level``."""
    _check_share("alpha", alpha)
    level = float(initial_level)
    fitted = []
    for value in values:
        fitted.append(level)
        level = alpha * value + (1.0 - alpha) * level
    return Smoothed(tuple(fitted), (level,) * horizon, level, 0.0, ())


def holt_winters(values: Sequence[float], period: int, alpha: float, gamma: float,
                 initial_level: float, initial_season: Sequence[float],
                 beta: float | None = None, initial_trend: float = 0.0,
                 horizon: int = 1) -> Smoothed:
    """Additive Holt-Winters: level, optional trend (``beta``), and a season of ``period``."""
    _check_share("alpha", alpha)
    _check_share("gamma", gamma)
    if beta is not None:
        _check_share("beta", beta)
    if not isinstance(period, int) or period < 1 or len(initial_season) != period:
        raise ForecastError(f"a season of period {period!r} needs {period!r} starting terms, "
                            f"got {len(initial_season)}")
    level = float(initial_level)
    trend = float(initial_trend) if beta is not None else 0.0
    season = [float(term) for term in initial_season]
    fitted = []
    for t, value in enumerate(values):
        position = t % period
        old_term = season[position]
        fitted.append(level + trend + old_term)
        new_level = alpha * (value - old_term) + (1.0 - alpha) * (level + trend)
        season[position] = gamma * (value - level - trend) + (1.0 - gamma) * old_term
        if beta is not None:
            trend = beta * (new_level - level) + (1.0 - beta) * trend
        level = new_level
    n = len(values)
    forecast = tuple(level + (h + 1) * trend + season[(n + h) % period] for h in range(horizon))
    next_season = tuple(season[(n + k) % period] for k in range(period))
    return Smoothed(tuple(fitted), forecast, level, trend, next_season)


@dataclass(frozen=True)
class DailySmoothing:
    """Each slot of the day smoothed across past days (of the same day type, by default)."""

    alpha: float = 0.3
    by_day_type: bool = True
    name: str = "daily smoothing"

    def __post_init__(self) -> None:
        _check_share("alpha", self.alpha)

    def forecast(self, past: Past) -> tuple[float, ...]:
        wanted = past.day_type_of(past.days) if self.by_day_type else None
        days = [index for index in range(past.days)
                if wanted is None or past.day_type_of(index) == wanted]
        if not days:
            raise NotEnoughHistory(f"{self.name} needs at least one past {wanted} to forecast "
                                   f"{past.day} (a {wanted}), got none in {past.days} days")
        first = past.readings_of(days[0])
        out = []
        for slot in range(SLOTS_PER_DAY):
            column = [past.readings[index * SLOTS_PER_DAY + slot] for index in days[1:]]
            out.append(simple_smoothing(column, self.alpha, first[slot]).level)
        return tuple(out)


@dataclass(frozen=True)
class HoltWinters:
    """The slot series with a daily season (and a trend when ``beta`` is given)."""

    alpha: float = 0.02
    gamma: float = 0.2
    beta: float | None = None
    window_days: int | None = 28
    name: str = "Holt-Winters"

    def __post_init__(self) -> None:
        for name in ("alpha", "gamma"):
            _check_share(name, getattr(self, name))
        if self.beta is not None:
            _check_share("beta", self.beta)

    def forecast(self, past: Past) -> tuple[float, ...]:
        past = past.last(self.window_days)
        past.need(2, self.name)
        first = past.readings_of(0)
        level = math.fsum(first) / SLOTS_PER_DAY
        run = holt_winters(past.readings[SLOTS_PER_DAY:], SLOTS_PER_DAY, self.alpha, self.gamma,
                           level, [value - level for value in first], self.beta,
                           horizon=SLOTS_PER_DAY)
        return run.forecast
