"""The sky over Sunny Street and its day-ahead forecast, right on average and wrong on the day (chapter 12).

**The truth** is the simulator's own sky: ``profiles.cloudiness_day`` drawn from
``profiles.weather_rng(seed, day)``, so a day here is the same day the simulator runs with
that seed. ``spread`` is ``cloudiness_day``'s concentration (1.0, its default, gives the
site's climate: many clear and many grey days).

**The forecast** for a day is issued the day before, so a household knows it when it bids
for any slot of that day. It is the truth blended with a second, independent sky drawn
from the same climate (``cloudiness_day`` again, from ``forecast_rng(seed, day)``):

    forecast = (1 - error) x truth + error x other          (slot by slot)

* *Right on average*: ``other`` comes from the same distribution as the truth, so over
  many days the forecast's mean equals the truth's mean (no bias).
* *Wrong on the day*: on one day it misses by ``error x (other - truth)``, and the miss
  has the shape of real weather (it drifts through the day rather than jumping).
* It stays within 0..1, and it is smoother than the truth, as real forecasts are.

With the default ``FORECAST_ERROR`` = 0.5 a day's mean forecast and mean truth correlate
at (1 - e) / sqrt((1 - e)^2 + e^2) = 0.71 in theory (a test measures 0.6-0.8 over a
year): clearly informative, and still off by more than 0.3 on about one day in seven.
``error`` = 0 is a perfect forecast; 1 is a forecast that knows only the climate.

Note what the simulator's sky lacks: each day's cloudiness is drawn on its own, so
today's weather says nothing about tomorrow's. Real weather has some day-to-day memory,
which makes "same as yesterday" a little better in the field than it is here.
"""

from __future__ import annotations

import random
from datetime import date

from minichain.errors import EnergyModelError
from minichain.microgrid.profiles import Site, cloudiness_day, weather_rng

FORECAST_ERROR = 0.5            # share of the forecast that is an independent sky


def sky(site: Site, day: date, seed: int, spread: float = 1.0) -> tuple[float, ...]:
    """The day's true cloudiness per slot: the simulator's sky for this seed."""
    return cloudiness_day(site, day, weather_rng(seed, day), spread=spread)


def forecast_rng(seed: int, day: date) -> random.Random:
    """The random stream of one day's forecast error, apart from the sky's own stream."""
    return random.Random(f"forecast:{seed}:{day.isoformat()}")


def sky_forecast(site: Site, day: date, seed: int, error: float = FORECAST_ERROR,
                 spread: float = 1.0) -> tuple[float, ...]:
    """The day-ahead forecast of the day's cloudiness per slot (issued the day before)."""
    if not 0.0 <= error <= 1.0:
        raise EnergyModelError(f"a forecast's error share must be within 0..1 (0 = perfect, "
                               f"1 = climate only), got {error}")
    truth = sky(site, day, seed, spread)
    other = cloudiness_day(site, day, forecast_rng(seed, day), spread=spread)
    return tuple((1.0 - error) * t + error * o for t, o in zip(truth, other))
