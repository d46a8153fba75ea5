"""The day's own readings correct the day-ahead PV forecast (chapter 12).

The story: by mid-morning Alice's panels have made less than forecast for an hour. The
ratio of what they made to what was forecast scales the rest of the day; at night, or
with too little forecast sun to judge by, the forecast stays as it was. On the year's
held-out weeks the corrected forecast of the slot two ahead of the last reading misses by
less than the day-ahead forecast alone.
"""

from __future__ import annotations

import pytest

from minichain.errors import ForecastError
from minichain.forecast.intraday import MIN_FORECAST_WH, recent_ratio, updated_pv


def test_the_last_hour_sets_the_ratio_and_scales_the_rest_of_the_day():
    forecast = (0, 0, 400, 600, 800, 1000, 1000, 800)
    readings = (0, 0, 200, 300, 400, 500)              # half the forecast, hour after hour
    assert recent_ratio(forecast, readings) == pytest.approx(0.5)
    assert updated_pv(forecast, readings) == (0, 0, 200, 300, 400, 500, 500, 400)
    assert recent_ratio(forecast, readings, window=1) == pytest.approx(0.5)


def test_without_enough_forecast_sun_the_forecast_stands():
    forecast = (0, 0, 20, 30, 40, 50, 900)
    readings = (0, 0, 60, 60, 60)                      # forecast 90 Wh over the hour: too little
    assert sum(forecast[1:5]) < MIN_FORECAST_WH
    assert recent_ratio(forecast, readings) is None
    assert updated_pv(forecast, readings) == (0, 0, 60, 60, 60, 50, 900)
    assert updated_pv(forecast, ()) == forecast


def test_the_ratio_stays_within_what_a_sky_can_do():
    forecast = (100, 100, 100, 100, 100)
    assert recent_ratio(forecast, (900, 900, 900, 900)) == 4.0
    assert recent_ratio(forecast, (0, 0, 0, 0)) == 0.25
    with pytest.raises(ForecastError, match="readings are of slots that have ended"):
        recent_ratio((1, 2), (1, 2, 3))


def test_on_real_days_the_corrected_forecast_of_two_slots_ahead_misses_by_less():
    from datetime import date, timedelta

    from minichain.day.runner import BID_AHEAD
    from minichain.day.scenario import Scenario
    from minichain.forecast import backtest as bt
    from minichain.forecast.history import make_history
    from minichain.microgrid.household import make_street

    first = date(2026, 4, 20)
    history = make_history(make_street(8, 0.5, 0.25, 4), Scenario().tariffs, first, 36, seed=4)
    run = bt.intraday_run(history, [first + timedelta(days=n) for n in range(28, 36)],
                          lead=BID_AHEAD)
    assert run.names == bt.pv_homes(history) and len(run.truth) == 8 * len(run.names) * 96
    assert run.skill(bt.CORRECTED, bt.DAY_AHEAD) > 0.3         # 46 %
    # before the first reading the corrected forecast is the day-ahead one
    first_slots = [n for n in range(len(run.truth)) if n % 96 < BID_AHEAD + 1]
    assert all(run.forecasts[bt.CORRECTED][n] == run.forecasts[bt.DAY_AHEAD][n]
               for n in first_slots)
