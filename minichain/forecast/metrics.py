"""How wrong a forecast was: MAE, RMSE and skill against a reference forecaster (chapter 12).

* ``mae``: mean absolute error, in the series' own unit (Wh per slot). Every miss counts
  by its size; it is what a household pays for, roughly, when it buys or sells the miss
  at the grid's price.
* ``rmse``: root mean squared error. Squaring weighs big misses more: one slot off by
  400 Wh counts as much as sixteen slots off by 100 Wh.
* ``relative_mae``: the MAE as a share of the truth's mean, so a home and a street of
  twelve homes can be compared (the street's slots are about twelve times larger).
* ``skill``: ``1 - error / reference_error``: the share of the reference's error that a
  forecaster removes. 0 is no better than the reference, 1 is perfect, below 0 is worse.
  The reference is a naive forecaster (persistence, or seasonal naive): skill says whether
  the cleverness paid for itself.

Errors are pooled: a forecast for many days (or homes) is scored on all their slots at
once, so ``mae(truth, forecast)`` over a week is the mean over its 672 slots.
"""

from __future__ import annotations

import math
from typing import Sequence

from minichain.errors import ForecastError


def _check(truth: Sequence[float], forecast: Sequence[float]) -> None:
    if len(truth) != len(forecast):
        raise ForecastError(f"truth and forecast must have one value each per slot: got "
                            f"{len(truth)} and {len(forecast)} values")
    if not truth:
        raise ForecastError("an error needs at least one slot to measure")


def mae(truth: Sequence[float], forecast: Sequence[float]) -> float:
    """Mean absolute error: the average size of a miss."""
    _check(truth, forecast)
    return math.fsum(abs(t - f) for t, f in zip(truth, forecast)) / len(truth)


def rmse(truth: Sequence[float], forecast: Sequence[float]) -> float:
    """Root mean squared error: big misses weigh more."""
    _check(truth, forecast)
    return math.sqrt(math.fsum((t - f) ** 2 for t, f in zip(truth, forecast)) / len(truth))


def relative_mae(truth: Sequence[float], forecast: Sequence[float]) -> float:
    """The MAE as a share of the mean of the truth: a size-free error."""
    mean = math.fsum(truth) / len(truth) if truth else 0.0
    if mean <= 0:
        raise ForecastError(f"a relative error needs a truth with a positive mean, got {mean}")
    return mae(truth, forecast) / mean


def skill(error: float, reference_error: float) -> float:
    """The share of the reference's error that a forecaster removes (1 - error / reference)."""
    if reference_error <= 0:
        raise ForecastError(f"skill needs a reference that makes some error, got "
                            f"{reference_error}: the reference is already perfect")
    return 1.0 - error / reference_error
