"""Persistence and seasonal naive, and what every forecaster is handed: a Past, checked."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain.errors import ForecastError, NotEnoughHistory
from minichain.forecast.naive import PERSISTENCE, WEEKLY_NAIVE, SeasonalNaive, seasonal_naive
from minichain.forecast.past import Past, as_wh, forecast_day
from minichain.microgrid.profiles import SLOTS_PER_DAY

MONDAY = date(2026, 6, 15)


def past_of(days, day=MONDAY, value=lambda d, s: 100 * d + s):
    """A past of ``days`` days before ``day`` whose reading is value(day index, slot)."""
    readings = tuple(float(value(d, s)) for d in range(days) for s in range(SLOTS_PER_DAY))
    zeros = (0.0,) * (len(readings) + SLOTS_PER_DAY)
    return Past(day, readings, zeros, zeros)


@settings(deadline=None, max_examples=200)
@given(st.integers(1, 12), st.data())
def test_a_series_that_repeats_with_the_period_is_forecast_exactly(period, data):
    season = data.draw(st.lists(st.floats(-1e6, 1e6), min_size=period, max_size=period))
    cycles = data.draw(st.integers(1, 5))
    offset = data.draw(st.integers(0, period - 1))
    series = (season * (cycles + 2))[offset:offset + cycles * period + data.draw(st.integers(0, period))]
    if len(series) < period:
        return
    horizon = data.draw(st.integers(0, 3 * period))
    future = [season[(offset + len(series) + h) % period] for h in range(horizon)]
    assert list(seasonal_naive(series, period, horizon)) == future


def test_persistence_repeats_yesterday_and_seasonal_naive_last_week():
    past = past_of(10)
    assert forecast_day(PERSISTENCE, past) == past.readings_of(9)
    assert forecast_day(WEEKLY_NAIVE, past) == past.readings_of(3)
    assert forecast_day(SeasonalNaive(2), past) == past.readings_of(8)
    assert (PERSISTENCE.name, WEEKLY_NAIVE.name) == ("persistence", "seasonal naive")


def test_a_naive_forecaster_needs_its_period_of_history():
    with pytest.raises(NotEnoughHistory, match="seasonal naive needs at least 7 past day"):
        WEEKLY_NAIVE.forecast(past_of(6))
    with pytest.raises(NotEnoughHistory, match="at least 4 past values"):
        seasonal_naive([1, 2, 3], 4, 1)
    with pytest.raises(ForecastError, match="period must be"):
        seasonal_naive([1, 2, 3], 0, 1)
    with pytest.raises(ForecastError, match="period_days"):
        SeasonalNaive(0)


def test_a_past_is_whole_days_with_forecasts_for_one_more_day():
    past = past_of(3)
    assert (past.days, past.first_day) == (3, MONDAY - timedelta(days=3))
    assert past.date_of(3) == MONDAY and past.day_type_of(3) == "workday"
    assert past.day_type_of(2) == "sunday" and past.day_type_of(1) == "saturday"
    assert past.last(2).readings == past.readings[SLOTS_PER_DAY:]
    assert past.last(None) is past and past.last(5) is past
    zeros = (0.0,) * (2 * SLOTS_PER_DAY)
    with pytest.raises(ForecastError, match="whole days"):
        Past(MONDAY, (1.0,) * 95, zeros, zeros)
    with pytest.raises(ForecastError, match="cloudiness_forecast must cover the past days and the day"):
        Past(MONDAY, (1.0,) * SLOTS_PER_DAY, zeros[:SLOTS_PER_DAY], zeros)
    with pytest.raises(ForecastError, match="clear_sky_wh must cover"):
        Past(MONDAY, (1.0,) * SLOTS_PER_DAY, zeros, ())
    with pytest.raises(ForecastError, match="at least one day"):
        past.last(0)


def test_any_function_of_a_past_is_a_forecaster_and_its_answer_is_checked():
    past = past_of(2)

    def flat(p):
        return [1.5] * SLOTS_PER_DAY
    assert forecast_day(flat, past) == (1.5,) * SLOTS_PER_DAY
    with pytest.raises(ForecastError, match="'short' returned 3 values"):
        forecast_day(type("Short", (), {"name": "short", "forecast": lambda self, p: [1, 2, 3]})(), past)
    with pytest.raises(ForecastError, match="expected numbers"):
        forecast_day(lambda p: ["a"] * SLOTS_PER_DAY, past)
    with pytest.raises(ForecastError, match="expected numbers"):
        forecast_day(lambda p: [float("nan")] * SLOTS_PER_DAY, past)


def test_a_forecast_becomes_whole_wh_for_orders():
    assert as_wh([0.4, 0.5, 2.49, -3.0, 7]) == (0, 1, 2, 0, 7)
