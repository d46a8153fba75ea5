"""Correcting the day-ahead PV forecast with the day's own readings (chapter 12).

A day-ahead forecast is made before the day from the weather forecast, which is right on
average and wrong on the day (``microgrid.weather``). Once the sun is up, the household's
own meter says what the sky is really doing: the day's cloudiness drifts slowly around
the day's own level (``profiles.cloudiness_day``), so the last hour tells a lot about
the next few.

``recent_ratio`` is what the panels made over the last ``window`` slots that have ended,
divided by what the day-ahead forecast said for them: 0.6 means the sky is darker than
forecast, 1.3 brighter. It is None while too little sun was forecast to judge by
(``MIN_FORECAST_WH`` over the window: night, dawn, a home without PV), and it is kept
within ``RATIO_LIMITS`` (a clear sky gives at most four times an overcast one,
``profiles.clear_sky_index``). ``updated_pv`` scales the forecast of the slots still to
come by it and keeps the readings for the slots that have ended.

Use is not corrected: a home's use wanders from slot to slot with little memory
(``profiles.load_day``), so the last hour says almost nothing about the next.
"""

from __future__ import annotations

from typing import Sequence

from minichain.errors import ForecastError
from minichain.microgrid.profiles import round_half_up

WINDOW = 4                      # slots: the last hour that has ended
MIN_FORECAST_WH = 100           # over the window: less forecast sun than this says too little
RATIO_LIMITS = (0.25, 4.0)


def recent_ratio(forecast: Sequence[int], readings: Sequence[int],
                 window: int = WINDOW) -> float | None:
    """Made / forecast over the last ``window`` ended slots, or None with too little forecast sun."""
    if len(readings) > len(forecast):
        raise ForecastError(f"{len(readings)} readings for a forecast of {len(forecast)} slots: "
                            "readings are of slots that have ended, within the forecast day")
    start = max(0, len(readings) - window)
    expected = sum(forecast[start:len(readings)])
    if expected < MIN_FORECAST_WH:
        return None
    low, high = RATIO_LIMITS
    return min(high, max(low, sum(readings[start:]) / expected))


def updated_pv(forecast: Sequence[int], readings: Sequence[int],
               window: int = WINDOW) -> tuple[int, ...]:
    """The day's PV: readings for the ended slots, the forecast scaled by ``recent_ratio`` after."""
    ratio = recent_ratio(forecast, readings, window)
    ended = len(readings)
    ahead = forecast[ended:] if ratio is None else \
        [round_half_up(value * ratio) for value in forecast[ended:]]
    return tuple(readings) + tuple(ahead)
