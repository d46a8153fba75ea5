"""The sky over Sunny Street and its day-ahead forecast: right on average, wrong on the day."""

import math
import statistics
from datetime import date, timedelta

import pytest

from minichain.errors import EnergyModelError
from minichain.microgrid import profiles as p
from minichain.microgrid import weather as w
from minichain.microgrid.profiles import SUNNY_STREET

MIDSUMMER = date(2026, 6, 21)
YEAR = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]


def test_the_true_sky_is_the_simulators_own_sky_for_the_seed():
    assert w.sky(SUNNY_STREET, MIDSUMMER, 7) == p.cloudiness_day(
        SUNNY_STREET, MIDSUMMER, p.weather_rng(7, MIDSUMMER))


def test_the_forecast_blends_the_truth_with_an_independent_sky_from_the_same_climate():
    truth = w.sky(SUNNY_STREET, MIDSUMMER, 7)
    other = p.cloudiness_day(SUNNY_STREET, MIDSUMMER, w.forecast_rng(7, MIDSUMMER))
    forecast = w.sky_forecast(SUNNY_STREET, MIDSUMMER, 7, error=0.25)
    assert forecast == tuple(0.75 * t + 0.25 * o for t, o in zip(truth, other))
    assert all(0.0 <= value <= 1.0 for value in forecast)
    assert w.sky_forecast(SUNNY_STREET, MIDSUMMER, 7, error=0.0) == truth     # perfect
    assert w.sky_forecast(SUNNY_STREET, MIDSUMMER, 7, error=1.0) == other     # climate only
    assert w.sky_forecast(SUNNY_STREET, MIDSUMMER, 7) == w.sky_forecast(SUNNY_STREET, MIDSUMMER, 7)


def test_over_a_year_the_forecast_is_right_on_average_and_wrong_on_the_day():
    truth = [statistics.fmean(w.sky(SUNNY_STREET, day, 1)) for day in YEAR]
    forecast = [statistics.fmean(w.sky_forecast(SUNNY_STREET, day, 1)) for day in YEAR]
    assert abs(statistics.fmean(forecast) - statistics.fmean(truth)) < 0.03   # no bias
    misses = [abs(f - t) for f, t in zip(forecast, truth)]
    assert statistics.fmean(misses) > 0.1                  # a typical day is missed by > 0.1
    assert sum(miss > 0.3 for miss in misses) > 20         # and some days badly
    # informative, as day-ahead cloud forecasts are: theory says 0.71 for error 0.5
    assert 0.6 < statistics.correlation(forecast, truth) < 0.8
    assert statistics.stdev(forecast) < statistics.stdev(truth)   # smoother than the sky


def test_an_error_share_outside_0_to_1_is_refused():
    with pytest.raises(EnergyModelError, match="within 0..1"):
        w.sky_forecast(SUNNY_STREET, MIDSUMMER, 1, error=1.5)
    with pytest.raises(EnergyModelError, match="within 0..1"):
        w.sky_forecast(SUNNY_STREET, MIDSUMMER, 1, error=math.nan)
