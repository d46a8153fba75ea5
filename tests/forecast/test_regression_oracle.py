"""Least squares by the normal equations, against scikit-learn, and forecasts from features known a day ahead.

scikit-learn (numpy inside) is a test oracle only. ``LinearRegression`` solves the same
least-squares problem by a different route (an SVD-based solver), so the weights must
agree to a relative 1e-9 on well-scaled features; the pure code is also deterministic,
bit for bit, run after run.
"""

import random
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LinearRegression

from minichain.day.scenario import Scenario
from minichain.errors import ForecastError, SingularFeatures
from minichain.forecast.history import LOAD, PV, make_history
from minichain.forecast.linalg import gram, solve
from minichain.forecast.regression import (LOAD_REGRESSION, PV_REGRESSION, Regression,
                                           least_squares, load_features, predict, pv_features,
                                           slot_inputs)
from minichain.microgrid.household import make_street
from minichain.microgrid.profiles import SLOTS_PER_DAY, clear_sky_index

RELATIVE = 1e-9


def close(mine, theirs, relative=RELATIVE):
    scale = max(1.0, max(abs(float(v)) for v in theirs))
    return all(abs(a - float(b)) <= relative * scale for a, b in zip(mine, theirs))


@pytest.fixture(scope="module")
def spring():
    return make_history(make_street(12, 0.5, 0.25, 5), Scenario().tariffs, date(2026, 3, 1), 70,
                        seed=5)


@pytest.fixture(scope="module")
def sunny(spring):
    """The first home with PV on the street."""
    return next(home.name for home in spring.homes if home.has_pv)


@pytest.mark.parametrize("seed", range(5))
def test_least_squares_matches_scikit_learn(seed):
    rng = random.Random(seed)
    width = rng.randint(1, 6)
    rows = [[rng.uniform(-5, 5) for _ in range(width)] for _ in range(rng.randint(width + 1, 300))]
    targets = [rng.gauss(0, 10) for _ in rows]
    oracle = LinearRegression(fit_intercept=False).fit(np.array(rows), np.array(targets))
    assert close(least_squares(rows, targets), oracle.coef_)
    with_constant = [[1.0] + row for row in rows]
    oracle = LinearRegression().fit(np.array(rows), np.array(targets))
    mine = least_squares(with_constant, targets)
    assert close(mine, [oracle.intercept_, *oracle.coef_])
    assert close(predict(mine, with_constant), oracle.predict(np.array(rows)))
    assert least_squares(rows, targets) == least_squares(rows, targets)     # bit for bit


def test_the_pv_regression_learns_what_scikit_learn_learns_from_the_same_days(spring, sunny):
    day = date(2026, 5, 1)
    past = spring.past(PV, sunny, day, days=28)
    rows = [pv_features(x) for index in range(past.days) for x in slot_inputs(past, index)]
    oracle = LinearRegression(fit_intercept=False).fit(np.array(rows), np.array(past.readings))
    (weights,) = PV_REGRESSION.fit(past)
    assert close(weights, oracle.coef_)
    tomorrow = [pv_features(x) for x in slot_inputs(past, past.days)]
    expected = [max(0.0, v) for v in oracle.predict(np.array(tomorrow))]
    assert close(PV_REGRESSION.forecast(past), expected)
    # the model is the clear sky scaled down by the forecast clouds: both weights count
    assert weights[1] > 0


def test_the_load_regression_is_one_fit_per_slot_matching_scikit_learn(spring):
    past = spring.past(LOAD, "bob", date(2026, 5, 4), days=56)
    weights = LOAD_REGRESSION.fit(past)
    assert len(weights) == SLOTS_PER_DAY
    for slot in (0, 30, 75):
        rows = [load_features(slot_inputs(past, index)[slot])[1:] for index in range(past.days)]
        targets = past.readings[slot::SLOTS_PER_DAY]
        oracle = LinearRegression().fit(np.array(rows), np.array(targets))
        assert close(weights[slot], [oracle.intercept_, *oracle.coef_])
        # with day-type flags the fit is the mean of past days of each type
        workdays = [t for t, row in zip(targets, rows) if row == (0.0, 0.0)]
        assert abs(weights[slot][0] - sum(workdays) / len(workdays)) < 1e-9


@settings(deadline=None, max_examples=150)
@given(st.lists(st.floats(-100, 100), min_size=1, max_size=5), st.integers(0, 2 ** 32 - 1))
def test_an_exactly_linear_target_is_recovered(weights, seed):
    rng = random.Random(seed)
    rows = [[rng.uniform(-10, 10) for _ in weights] for _ in range(len(weights) + 10)]
    targets = [sum(w * x for w, x in zip(weights, row)) for row in rows]
    recovered = least_squares(rows, targets)
    assert all(abs(a - b) < 1e-6 * max(1.0, abs(b)) for a, b in zip(recovered, weights))


def test_a_feature_that_adds_nothing_is_named():
    rows = [[1.0, 2.0, float(n)] for n in range(10)]
    targets = [float(n) for n in range(10)]
    with pytest.raises(SingularFeatures, match="feature 'double' is a combination of the others"):
        least_squares([[a, b * 1.0, c] for a, b, c in rows], targets, ("one", "double", "n"))
    saturday_never = [[1.0, 0.0] for _ in range(10)]
    with pytest.raises(SingularFeatures, match="feature 'Saturday'"):
        least_squares(saturday_never, targets, ("constant", "Saturday"))
    with pytest.raises(ForecastError, match="one target"):
        gram([[1.0]], [1.0, 2.0])
    with pytest.raises(ForecastError, match="every row needs 2 features"):
        gram([[1.0, 2.0], [1.0]], [1.0, 2.0])
    with pytest.raises(ForecastError, match="at least one row"):
        gram([], [])


def test_gaussian_elimination_swaps_rows_when_a_pivot_is_zero():
    assert solve([[0.0, 1.0], [2.0, 0.0]], [3.0, 4.0]) == (2.0, 3.0)
    x = solve([[4.0, -2.0, 1.0], [-2.0, 4.0, -2.0], [1.0, -2.0, 4.0]], [11.0, -16.0, 17.0])
    assert all(abs(a - b) < 1e-12 for a, b in zip(x, (1.0, -2.0, 3.0)))
    with pytest.raises(ForecastError, match="square matrix"):
        solve([[1.0, 2.0]], [1.0])


def test_a_pv_forecast_is_the_clear_sky_dimmed_by_the_forecast_clouds(spring, sunny):
    day = date(2026, 5, 2)
    past = spring.past(PV, sunny, day, days=28)
    forecast = PV_REGRESSION.forecast(past)
    inputs = slot_inputs(past, past.days)
    assert all(f == 0.0 for f, x in zip(forecast, inputs) if x.clear_sky_wh == 0)   # no sun, no power
    assert all(f >= 0.0 for f in forecast)
    assert inputs[48].clear_sky_wh == spring.on(day, spring.clear_sky_wh[sunny])[48]
    assert inputs[48].cloudiness_forecast == spring.on(day, spring.cloudiness_forecast)[48]
    assert pv_features(inputs[48])[1] == inputs[48].clear_sky_wh * clear_sky_index(
        inputs[48].cloudiness_forecast)
    no_pv = next(home.name for home in spring.homes if not home.has_pv)
    with pytest.raises(SingularFeatures, match="'clear sky' .* always zero"):
        PV_REGRESSION.forecast(spring.past(PV, no_pv, day, days=28))


def test_a_regression_learns_afresh_from_its_own_window_every_day(spring):
    day = date(2026, 5, 4)
    past = spring.past(LOAD, "carol", day, days=56)
    assert LOAD_REGRESSION.forecast(past) == LOAD_REGRESSION.forecast(past)      # deterministic
    shorter = Regression(load_features, ("c", "sat", "sun"), per_slot=True, window_days=14)
    assert shorter.fit(past) == shorter.fit(past.last(14))
    later = spring.past(LOAD, "carol", day + timedelta(days=1), days=56)
    assert LOAD_REGRESSION.fit(later) != LOAD_REGRESSION.fit(past)      # it learns every day
