"""What a household knows when it forecasts a day: only the past, and what is public a day ahead (chapter 12).

A forecaster never sees a ``History`` (which holds the future too). It sees a ``Past``:

* ``readings``: its own meter readings (or any series it forecasts), one value per slot,
  whole days, oldest first, ending where ``day`` begins. Nothing of ``day`` itself.
* ``cloudiness_forecast``: the day-ahead weather forecast, one value per slot, for the
  same days *and for* ``day`` (each day's forecast is issued the day before, so the one
  for ``day`` is known when its first slot is bid for; ``microgrid.weather``).
* ``clear_sky_wh``: what its own PV system would make under a clear sky, for the same days
  and ``day`` (astronomy: known for any date in advance; zeros for a home without PV).
* the calendar: every day's date is known, so its day type (workday, Saturday,
  Sunday/holiday, ``profiles.day_type``) is too.

So a ``Past`` for ``day`` can be built at any moment after the last slot of the day
before has been metered: at gate closure of ``day``'s first slot at the latest. A
forecaster is anything with a ``forecast(past)`` method (or a plain function of the past)
that returns ``SLOTS_PER_DAY`` numbers for ``day``; ``forecast_day`` asks it and checks
the answer. ``as_wh`` turns a forecast into whole Wh for orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Callable, Protocol, Sequence

from minichain.errors import ForecastError, NotEnoughHistory
from minichain.microgrid.profiles import SLOTS_PER_DAY, day_type, round_half_up


@dataclass(frozen=True)
class Past:
    """Everything known at the start of ``day``: readings before it, forecasts up to it."""

    day: date
    readings: tuple[float, ...]
    cloudiness_forecast: tuple[float, ...]
    clear_sky_wh: tuple[float, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.day, date):
            raise ForecastError(f"day must be a datetime.date, got {self.day!r}")
        if len(self.readings) % SLOTS_PER_DAY:
            raise ForecastError(f"readings must cover whole days ({SLOTS_PER_DAY} values a "
                                f"day), got {len(self.readings)} values")
        expected = len(self.readings) + SLOTS_PER_DAY
        for name in ("cloudiness_forecast", "clear_sky_wh"):
            if len(getattr(self, name)) != expected:
                raise ForecastError(f"{name} must cover the past days and the day to forecast: "
                                    f"{expected} values, got {len(getattr(self, name))}")

    @property
    def days(self) -> int:
        """How many whole days of readings there are."""
        return len(self.readings) // SLOTS_PER_DAY

    @property
    def first_day(self) -> date:
        return self.day - timedelta(days=self.days)

    def date_of(self, index: int) -> date:
        """The date of day ``index`` (0 = first past day, ``days`` = the day to forecast)."""
        return self.first_day + timedelta(days=index)

    def day_type_of(self, index: int) -> str:
        """The calendar's day type of day ``index``: workday, saturday or sunday (holidays too)."""
        return day_type(self.date_of(index))

    def readings_of(self, index: int) -> tuple[float, ...]:
        """The readings of past day ``index`` (0..days-1)."""
        return self.readings[index * SLOTS_PER_DAY:(index + 1) * SLOTS_PER_DAY]

    def last(self, days: int | None) -> "Past":
        """The same past cut to its last ``days`` days (all of it for None)."""
        if days is None or days >= self.days:
            return self
        if days < 1:
            raise ForecastError(f"a window must hold at least one day, got {days}")
        cut = (self.days - days) * SLOTS_PER_DAY
        return Past(self.day, self.readings[cut:], self.cloudiness_forecast[cut:],
                    self.clear_sky_wh[cut:])

    def need(self, days: int, who: str) -> None:
        """Refuse to forecast with fewer than ``days`` past days."""
        if self.days < days:
            raise NotEnoughHistory(f"{who} needs at least {days} past day(s) of readings to "
                                   f"forecast {self.day}, got {self.days}")


class Forecaster(Protocol):
    """Anything that turns a ``Past`` into one value per slot of ``past.day``."""

    def forecast(self, past: Past) -> Sequence[float]: ...


def forecaster_name(forecaster: Any) -> str:
    """A short name for tables: the forecaster's ``name``, or its function name."""
    name = getattr(forecaster, "name", None)
    if isinstance(name, str) and name:
        return name
    return getattr(forecaster, "__name__", type(forecaster).__name__)


def forecast_day(forecaster: Forecaster | Callable[[Past], Sequence[float]],
                 past: Past) -> tuple[float, ...]:
    """Ask a forecaster (object or function) for ``past.day`` and check the answer's shape."""
    ask = getattr(forecaster, "forecast", None)
    answer = tuple(ask(past) if callable(ask) else forecaster(past))
    if len(answer) != SLOTS_PER_DAY:
        raise ForecastError(f"forecaster {forecaster_name(forecaster)!r} returned "
                            f"{len(answer)} values for {past.day}; expected one per slot "
                            f"({SLOTS_PER_DAY})")
    for value in answer:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise ForecastError(f"forecaster {forecaster_name(forecaster)!r} returned "
                                f"{value!r}; expected numbers")
    return answer


def as_wh(values: Sequence[float]) -> tuple[int, ...]:
    """A forecast as whole Wh per slot: negatives become 0, halves round up."""
    return tuple(max(0, round_half_up(value)) for value in values)
