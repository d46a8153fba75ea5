"""The naive forecasters every cleverer one must beat: persistence and seasonal naive (chapter 12).

* ``PERSISTENCE``, "same as yesterday": tomorrow's slot is today's same slot. For PV it is
  as good as the weather is steady; for load it copies yesterday's noise and, on a
  Saturday, Friday's workday shape.
* ``WEEKLY_NAIVE``, "same as last week": ``SeasonalNaive`` with the same slot
  ``period_days`` = 7 days before. A week is the right season for household load: the
  standard load profile has three day types (workday, Saturday, Sunday/holiday), and
  only a whole week back lands on the same day type every day (except where a public
  holiday falls). For PV the season that matters is the day (the sun's path), so its
  seasonal naive *is* persistence.

Both rest on one series function, ``seasonal_naive``: repeat the last ``period`` values.
A series that repeats with that period is forecast exactly (a property test proves it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from minichain.errors import ForecastError, NotEnoughHistory
from minichain.forecast.past import Past
from minichain.microgrid.profiles import SLOTS_PER_DAY

DAYS_PER_WEEK = 7


def seasonal_naive(values: Sequence[float], period: int, horizon: int) -> tuple[float, ...]:
    """The next ``horizon`` values of a series, each the value one ``period`` before it."""
    if not isinstance(period, int) or period < 1 or not isinstance(horizon, int) or horizon < 0:
        raise ForecastError(f"period must be a whole number >= 1 and horizon >= 0, got "
                            f"{period!r} and {horizon!r}")
    if len(values) < period:
        raise NotEnoughHistory(f"seasonal naive with period {period} needs at least {period} "
                               f"past values, got {len(values)}")
    season = list(values[len(values) - period:])
    return tuple(season[h % period] for h in range(horizon))


@dataclass(frozen=True)
class SeasonalNaive:
    """The day to forecast is the day ``period_days`` before it, slot for slot."""

    period_days: int = DAYS_PER_WEEK
    name: str = "seasonal naive"

    def __post_init__(self) -> None:
        if not isinstance(self.period_days, int) or self.period_days < 1:
            raise ForecastError(f"period_days must be a whole number >= 1, got "
                                f"{self.period_days!r}")

    def forecast(self, past: Past) -> tuple[float, ...]:
        past.need(self.period_days, self.name)
        return seasonal_naive(past.readings, self.period_days * SLOTS_PER_DAY, SLOTS_PER_DAY)


PERSISTENCE = SeasonalNaive(1, "persistence")          # "same as yesterday"
WEEKLY_NAIVE = SeasonalNaive(DAYS_PER_WEEK, "seasonal naive")   # "same as last week"
