"""Linear regression on what is known a day ahead: the weather forecast and the calendar (chapter 12).

A regression forecasts a slot as a weighted sum of its *features*, numbers known before
the day starts: ``forecast = b_1 x_1 + b_2 x_2 + ...``. The weights b are learnt from the
past days of a window by least squares (``least_squares``: the normal equations, solved
in ``linalg``), using the features those days had *as they were forecast* (the day-ahead
weather forecast, not the weather that came), so learning sees what forecasting will see.

Two feature sets come with the course, each one ``SlotInputs -> numbers`` function:

* ``pv_features``: the home's clear-sky output of the slot (astronomy and its own roof),
  and the same times the clear-sky index that the forecast cloudiness implies
  (``profiles.clear_sky_index``, Kasten-Czeplak). No constant: without sun there is no
  power, so the fit passes through zero. One model for all slots (``PV_REGRESSION``).
* ``load_features``: a constant and two calendar flags, Saturday and Sunday-or-holiday
  (workdays are the constant alone). Households live by the clock, so there is one model
  per slot of the day (``per_slot``): slot-of-day x day-type, learnt from the last eight
  weeks (``LOAD_REGRESSION``). With these flags each slot's fit is the average of the
  past days of the same type: the noise of any one day averages out, which a naive
  forecaster cannot do.

Forecasts below zero are cut to zero (``clip_at_zero``): no home makes negative energy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from minichain.forecast.linalg import gram, solve
from minichain.forecast.past import Past
from minichain.microgrid.profiles import SATURDAY, SLOTS_PER_DAY, SUNDAY, clear_sky_index


@dataclass(frozen=True)
class SlotInputs:
    """What is known a day ahead about one slot."""

    day_type: str                 # workday, saturday or sunday (Sundays and holidays)
    slot: int                     # 0..95 in the day
    cloudiness_forecast: float    # the day-ahead forecast, 0 clear .. 1 overcast
    clear_sky_wh: float           # the home's output under a clear sky


def least_squares(rows: Sequence[Sequence[float]], targets: Sequence[float],
                  names: Sequence[str] | None = None) -> tuple[float, ...]:
    """The weights b that minimise the sum of (y - row . b)^2: the normal equations."""
    xtx, xty = gram(rows, targets)
    return solve(xtx, xty, names)


def predict(weights: Sequence[float], rows: Sequence[Sequence[float]]) -> tuple[float, ...]:
    """Each row's weighted sum."""
    return tuple(sum(w * x for w, x in zip(weights, row)) for row in rows)


def pv_features(inputs: SlotInputs) -> tuple[float, float]:
    """Clear-sky output, and clear-sky output times the forecast's clear-sky index."""
    clear = inputs.clear_sky_wh
    return (clear, clear * clear_sky_index(inputs.cloudiness_forecast))


def load_features(inputs: SlotInputs) -> tuple[float, float, float]:
    """A constant, and flags for Saturday and for Sunday or a public holiday."""
    return (1.0, float(inputs.day_type == SATURDAY), float(inputs.day_type == SUNDAY))


PV_FEATURE_NAMES = ("clear sky", "clear sky x forecast clear-sky index")
LOAD_FEATURE_NAMES = ("constant", "Saturday", "Sunday or holiday")


def slot_inputs(past: Past, index: int) -> list[SlotInputs]:
    """The inputs of every slot of day ``index`` of a past (``past.days`` = the day to forecast)."""
    kind = past.day_type_of(index)
    start = index * SLOTS_PER_DAY
    return [SlotInputs(kind, slot, past.cloudiness_forecast[start + slot],
                       past.clear_sky_wh[start + slot]) for slot in range(SLOTS_PER_DAY)]


@dataclass(frozen=True)
class Regression:
    """Least squares on features known a day ahead, learnt from the last ``window_days``."""

    features: Callable[[SlotInputs], Sequence[float]]
    feature_names: tuple[str, ...]
    per_slot: bool = False
    window_days: int | None = 28
    clip_at_zero: bool = True
    name: str = "regression"

    def rows(self, past: Past) -> tuple[list[list[tuple[float, ...]]], list[tuple[float, ...]]]:
        """Features of every past day's slots (by day, then slot) and of the day to forecast."""
        past_rows = [[tuple(self.features(x)) for x in slot_inputs(past, index)]
                     for index in range(past.days)]
        return past_rows, [tuple(self.features(x)) for x in slot_inputs(past, past.days)]

    def window(self, past: Past) -> Past:
        """The days it learns from: the last ``window_days`` (at least one)."""
        past = past.last(self.window_days)
        past.need(1, self.name)
        return past

    def fit(self, past: Past) -> tuple[tuple[float, ...], ...]:
        """The learnt weights: one tuple for all slots, or one per slot with ``per_slot``."""
        past = self.window(past)
        return self._fit(past, self.rows(past)[0])

    def _fit(self, past: Past, past_rows: list[list[tuple[float, ...]]]) -> tuple[tuple[float, ...], ...]:
        if not self.per_slot:
            rows = [row for day in past_rows for row in day]
            return (least_squares(rows, past.readings, self.feature_names),)
        return tuple(least_squares([day[slot] for day in past_rows],
                                   past.readings[slot::SLOTS_PER_DAY], self.feature_names)
                     for slot in range(SLOTS_PER_DAY))

    def forecast(self, past: Past) -> tuple[float, ...]:
        """Learn from the window, then weigh the day's own features (cut at zero)."""
        past = self.window(past)
        past_rows, day_rows = self.rows(past)
        weights = self._fit(past, past_rows)
        values = [predict(weights[slot if self.per_slot else 0], [row])[0]
                  for slot, row in enumerate(day_rows)]
        return tuple(max(0.0, value) for value in values) if self.clip_at_zero else tuple(values)


PV_REGRESSION = Regression(pv_features, PV_FEATURE_NAMES, window_days=28, name="PV regression")
LOAD_REGRESSION = Regression(load_features, LOAD_FEATURE_NAMES, per_slot=True, window_days=56,
                             name="load regression")
