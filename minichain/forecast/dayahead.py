"""A household's day-ahead forecast of its own PV and use, made from its own past (chapter 12).

Before the day starts every household forecasts its PV and its use for each slot of the
day from what it knows then, a ``Past``: its own readings of the days before, the
day-ahead weather forecast, its roof's clear-sky output and the calendar. A
``HomeForecaster`` pairs a PV forecaster with a load forecaster and says how many past
days each needs; ``day_ahead`` asks both and rounds to whole Wh (``past.as_wh``).

* ``HOME_FORECASTER``, every household's default: PV by the regression of
  ``forecast.regression`` on clear-sky output and the forecast's clear-sky index, learnt
  from the last 14 days (two weights need few days); use by daily smoothing per day type
  over the last 28 days (four of each weekend day). Both are cheap, so the dashboard
  recomputes a day of 20 homes, forecasts included, in well under half a second once
  their past is made (``python -m benchmarks simulation``); ``benchmarks/bench_forecast.py``
  scores them on the held-out weeks.
* ``NAIVE_FORECASTER``: "same as yesterday" for PV, "same as last week" for use: what
  any cleverer forecaster must beat.

**The past of any day** (``past_pv``, ``past_load``): a home's real PV and use on a day
before, by the simulator's own models under the site's own seeded sky (``weather.sky``),
exactly the day ``forecast.history.make_history`` makes (tested). Each is kept in a cache
per home, site, day and seed, so a change that moves only prices, agents or the day's
clouds makes nothing again, and the next day reuses all but one day of it.
``home_pasts`` cuts a home's PV and load ``Past`` for a day whose own weather forecast is
given (a scenario's chosen cloudiness has its own, ``day.scenario``);
``forecasts_from_history`` cuts them from a ``History`` instead (the held-out weeks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Sequence

from minichain.errors import ForecastError
from minichain.forecast.history import LOAD, PV, History
from minichain.forecast.naive import PERSISTENCE, WEEKLY_NAIVE
from minichain.forecast.past import Past, as_wh, forecast_day
from minichain.forecast.regression import PV_FEATURE_NAMES, Regression, pv_features
from minichain.forecast.smoothing import DailySmoothing
from minichain.microgrid.household import Household, HouseholdDay, household_load, household_pv
from minichain.microgrid.profiles import SLOTS_PER_DAY, Site
from minichain.microgrid.weather import FORECAST_ERROR, sky, sky_forecast


@dataclass(frozen=True)
class HomeForecaster:
    """A household's forecasters of its PV and its use, and how many past days each learns from."""

    pv: Any
    load: Any
    pv_days: int
    load_days: int
    name: str

    def __post_init__(self) -> None:
        for field in ("pv_days", "load_days"):
            value = getattr(self, field)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ForecastError(f"{field} must be a whole number of days >= 1, got {value!r}")

    @property
    def days(self) -> int:
        """The past days a home must have read to forecast with it."""
        return max(self.pv_days, self.load_days)


HOME_PV_REGRESSION = Regression(pv_features, PV_FEATURE_NAMES, window_days=14,
                                name="PV regression (14 days)")
HOME_FORECASTER = HomeForecaster(HOME_PV_REGRESSION, DailySmoothing(0.2), pv_days=14,
                                 load_days=28, name="regression and smoothing")
NAIVE_FORECASTER = HomeForecaster(PERSISTENCE, WEEKLY_NAIVE, pv_days=1, load_days=7,
                                  name="naive")


def day_ahead(forecaster: HomeForecaster, home: Household, pv_past: Past,
              load_past: Past) -> HouseholdDay:
    """The home's forecast of its PV and use for the day, whole Wh per slot (no PV: zeros)."""
    if pv_past.day != load_past.day:
        raise ForecastError(f"the PV past ends at {pv_past.day} and the load past at "
                            f"{load_past.day}; both must end where the forecast day begins")
    pv = (as_wh(forecast_day(forecaster.pv, pv_past)) if home.has_pv
          else (0,) * SLOTS_PER_DAY)
    return HouseholdDay(pv, as_wh(forecast_day(forecaster.load, load_past)))


# --- the past of any day -------------------------------------------------------------------

@lru_cache(maxsize=1024)
def past_sky(site: Site, day: date, seed: int) -> tuple[float, ...]:
    """The site's true sky on ``day`` (``weather.sky``)."""
    return sky(site, day, seed)


@lru_cache(maxsize=1024)
def past_sky_forecast(site: Site, day: date, seed: int,
                      error: float = FORECAST_ERROR) -> tuple[float, ...]:
    """The day-ahead forecast of the site's sky on ``day`` (``weather.sky_forecast``)."""
    return sky_forecast(site, day, seed, error)


@lru_cache(maxsize=8192)
def past_pv(home: Household, site: Site, day: date, seed: int) -> tuple[int, ...]:
    """The home's real PV on ``day`` under the site's own sky."""
    return household_pv(home, site, day, past_sky(site, day, seed))


@lru_cache(maxsize=8192)
def past_load(home: Household, day: date, seed: int) -> tuple[int, ...]:
    """The home's real use on ``day``."""
    return household_load(home, day, seed)


@lru_cache(maxsize=8192)
def clear_sky(home: Household, site: Site, day: date) -> tuple[int, ...]:
    """What the home's PV would make on ``day`` under a clear sky (zeros without PV)."""
    return household_pv(home, site, day, None)


def home_pasts(home: Household, site: Site, day: date, seed: int,
               sky_forecast_today: Sequence[float],
               forecaster: HomeForecaster = HOME_FORECASTER) -> tuple[Past, Past]:
    """The home's PV and load ``Past`` for ``day``, given the day's own weather forecast.

    The past days are the site's own (its climate, its seeded sky and that sky's
    forecast); only ``day``'s forecast is given, since a scenario chooses its own clouds.
    A home without PV gets an empty PV past of one day (it forecasts zeros).
    """
    if len(sky_forecast_today) != SLOTS_PER_DAY:
        raise ForecastError(f"the day's weather forecast needs {SLOTS_PER_DAY} values, got "
                            f"{len(sky_forecast_today)}")

    def past(days: int, series) -> Past:
        before = [day - timedelta(days=n) for n in range(days, 0, -1)]
        readings = tuple(value for d in before for value in series(d))
        weather = tuple(value for d in before for value in past_sky_forecast(site, d, seed))
        clear = tuple(value for d in before + [day] for value in clear_sky(home, site, d))
        return Past(day, readings, weather + tuple(sky_forecast_today), clear)

    pv_days = forecaster.pv_days if home.has_pv else 1
    pv = past(pv_days, lambda d: past_pv(home, site, d, seed) if home.has_pv
              else (0,) * SLOTS_PER_DAY)
    return pv, past(forecaster.load_days, lambda d: past_load(home, d, seed))


def forecasts_for(homes: Sequence[Household], site: Site, day: date, seed: int,
                  sky_forecast_today: Sequence[float],
                  forecaster: HomeForecaster = HOME_FORECASTER) -> tuple[HouseholdDay, ...]:
    """Every home's day-ahead forecast for ``day``, each from its own past alone."""
    return tuple(day_ahead(forecaster, home,
                           *home_pasts(home, site, day, seed, sky_forecast_today, forecaster))
                 for home in homes)


def forecasts_from_history(history: History, day: date,
                           forecaster: HomeForecaster = HOME_FORECASTER) -> tuple[HouseholdDay, ...]:
    """Every home's day-ahead forecast for a day of a ``History``, each from its own past alone."""
    return tuple(day_ahead(forecaster, home,
                           history.past(PV, home.name, day, days=forecaster.pv_days),
                           history.past(LOAD, home.name, day, days=forecaster.load_days))
                 for home in history.homes)


def clear_caches() -> None:
    """Forget every past day made so far (for timing a cold start)."""
    for cached in (past_sky, past_sky_forecast, past_pv, past_load, clear_sky):
        cached.cache_clear()
