"""Exponential smoothing against statsmodels, the field's reference, and the stories it must tell.

statsmodels (numpy inside) is a test oracle only. With the same parameters and starting
values (``initialization_method="known"``, ``optimized=False``) the one-step fits and the
final level, trend and season must agree to 1e-9. The forecast after the end must equal
Hyndman and Athanasopoulos' formula on statsmodels' final states for every horizon, and
statsmodels' own ``forecast`` for every horizon that is not a whole number of seasons:
statsmodels up to 0.15 uses the season before the last one at horizons m, 2m, ...
(statsmodels issue 9538, fixed after 0.15), which the formula does not.
"""

import random
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.tsa.holtwinters import ExponentialSmoothing, SimpleExpSmoothing

from minichain.errors import ForecastError, NotEnoughHistory
from minichain.forecast.past import Past, forecast_day
from minichain.forecast.smoothing import DailySmoothing, HoltWinters, holt_winters, simple_smoothing
from minichain.microgrid.profiles import SLOTS_PER_DAY

TOLERANCE = 1e-9


def noisy_seasonal(n, period, seed, trend=0.0):
    rng = random.Random(seed)
    return [50 + 20 * ((t % period) / period - 0.5) ** 2 * 4 + trend * t + rng.gauss(0, 3)
            for t in range(n)]


@pytest.mark.parametrize("alpha", [0.05, 0.3, 0.9])
def test_simple_smoothing_matches_statsmodels(alpha):
    y = noisy_seasonal(200, 24, seed=1)
    fit = SimpleExpSmoothing(np.array(y), initialization_method="known",
                             initial_level=40.0).fit(smoothing_level=alpha, optimized=False)
    mine = simple_smoothing(y, alpha, 40.0, horizon=5)
    assert max(abs(a - b) for a, b in zip(mine.fitted, fit.fittedvalues)) < TOLERANCE
    assert max(abs(a - b) for a, b in zip(mine.forecast, fit.forecast(5))) < TOLERANCE
    assert abs(mine.level - fit.level[-1]) < TOLERANCE


@pytest.mark.parametrize("trend", [False, True])
@pytest.mark.parametrize("period", [4, 24, 96])
def test_holt_winters_matches_statsmodels(trend, period):
    y = noisy_seasonal(6 * period + 5, period, seed=period, trend=0.05 if trend else 0.0)
    season0 = [y[k] - sum(y[:period]) / period for k in range(period)]
    options = dict(smoothing_level=0.2, smoothing_seasonal=0.3, optimized=False)
    if trend:
        options["smoothing_trend"] = 0.1
    fit = ExponentialSmoothing(np.array(y), trend="add" if trend else None, seasonal="add",
                               seasonal_periods=period, initialization_method="known",
                               initial_level=48.0, initial_trend=0.1 if trend else None,
                               initial_seasonal=season0).fit(**options)
    horizon = 2 * period + 3
    mine = holt_winters(y, period, 0.2, 0.3, 48.0, season0, 0.1 if trend else None,
                        0.1 if trend else 0.0, horizon)
    assert max(abs(a - b) for a, b in zip(mine.fitted, fit.fittedvalues)) < TOLERANCE
    assert abs(mine.level - fit.level[-1]) < TOLERANCE
    final_trend = fit.trend[-1] if trend else 0.0
    assert abs(mine.trend - final_trend) < TOLERANCE
    last_season = list(fit.season[-period:])            # s_(T-m+1) .. s_T
    for h in range(1, horizon + 1):
        # Hyndman: y_(T+h) = l_T + h b_T + s_(T+h-m(k+1)), k = (h - 1) // m
        term = last_season[(h - 1) % period]
        assert abs(mine.forecast[h - 1] - (fit.level[-1] + h * final_trend + term)) < TOLERANCE
        if h % period:
            assert abs(mine.forecast[h - 1] - fit.forecast(horizon)[h - 1]) < TOLERANCE
    assert max(abs(a - b) for a, b in zip(mine.season, last_season)) < TOLERANCE


@settings(deadline=None, max_examples=100)
@given(st.lists(st.floats(-100, 100), min_size=2, max_size=10), st.integers(1, 4),
       st.floats(0, 1), st.floats(0, 1), st.floats(-50, 50))
def test_a_series_that_is_its_starting_season_exactly_is_forecast_exactly(season, cycles, alpha,
                                                                          gamma, level):
    period = len(season)
    series = [level + s for s in season] * cycles
    run = holt_winters(series, period, alpha, gamma, level, season, horizon=2 * period)
    assert all(abs(f - y) < 1e-9 for f, y in zip(run.fitted, series))
    assert all(abs(f - level - season[h % period]) < 1e-9 for h, f in enumerate(run.forecast))


def test_smoothing_shares_must_be_between_0_and_1():
    with pytest.raises(ForecastError, match="alpha is a smoothing share within 0..1"):
        simple_smoothing([1.0], 1.5, 0.0)
    with pytest.raises(ForecastError, match="gamma"):
        holt_winters([1.0], 1, 0.5, -0.1, 0.0, [0.0])
    with pytest.raises(ForecastError, match="needs 2 starting terms"):
        holt_winters([1.0], 2, 0.5, 0.5, 0.0, [0.0])
    with pytest.raises(ForecastError, match="beta"):
        HoltWinters(beta=2.0)


HABITS = {"sunday": 10.0, "workday": 1.0, "saturday": 5.0}     # Wh a slot, by day type


def habits(day, days):
    """``days`` days before ``day`` in which every slot draws what its day type says."""
    empty = (0.0,) * ((days + 1) * SLOTS_PER_DAY)
    calendar = Past(day, empty[SLOTS_PER_DAY:], empty, empty)
    readings = tuple(HABITS[calendar.day_type_of(d)] for d in range(days)
                     for _ in range(SLOTS_PER_DAY))
    return Past(day, readings, empty, empty)


def test_daily_smoothing_forecasts_a_sunday_from_past_sundays():
    sunday, monday = habits(date(2026, 6, 14), 20), habits(date(2026, 6, 15), 20)
    assert forecast_day(DailySmoothing(0.3), sunday) == (10.0,) * SLOTS_PER_DAY
    assert forecast_day(DailySmoothing(0.3), monday) == (1.0,) * SLOTS_PER_DAY
    mixed = forecast_day(DailySmoothing(0.3, by_day_type=False), monday)
    assert 1.0 < mixed[0] < 10.0                  # weekends leak into a Monday's forecast
    with pytest.raises(NotEnoughHistory, match="past workday"):
        DailySmoothing().forecast(habits(date(2026, 6, 15), 2))     # only Saturday, Sunday


def test_holt_winters_learns_a_steady_daily_shape():
    shape = [max(0.0, 500 - (slot - 48) ** 2) for slot in range(SLOTS_PER_DAY)]
    day = date(2026, 6, 15)
    past = Past(day, tuple(shape) * 10, (0.0,) * (11 * SLOTS_PER_DAY), (0.0,) * (11 * SLOTS_PER_DAY))
    forecast = forecast_day(HoltWinters(), past)
    assert max(abs(f - s) for f, s in zip(forecast, shape)) < 1e-9
    with pytest.raises(NotEnoughHistory, match="Holt-Winters needs at least 2"):
        HoltWinters().forecast(past.last(1))
