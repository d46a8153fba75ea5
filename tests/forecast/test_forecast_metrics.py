"""How wrong a forecast was: MAE, RMSE and skill, on numbers small enough to check by hand."""

import math

import pytest

from minichain.errors import ForecastError
from minichain.forecast.metrics import mae, relative_mae, rmse, skill


def test_mae_and_rmse_by_hand():
    truth = [0, 100, 200, 300]
    forecast = [0, 150, 150, 500]              # misses 0, 50, 50, 200
    assert mae(truth, forecast) == 75.0
    assert rmse(truth, forecast) == math.sqrt((0 + 2500 + 2500 + 40000) / 4)
    assert rmse(truth, forecast) > mae(truth, forecast)    # the big miss weighs more
    assert mae(truth, truth) == rmse(truth, truth) == 0.0


def test_a_relative_error_compares_a_home_with_a_street():
    assert relative_mae([100, 300], [150, 250]) == 0.25
    assert relative_mae([1200, 3600], [1300, 3500]) == pytest.approx(100 / 2400)
    with pytest.raises(ForecastError, match="positive mean"):
        relative_mae([0, 0], [1, 1])


def test_skill_is_the_share_of_the_references_error_removed():
    assert skill(75.0, 100.0) == 0.25
    assert skill(0.0, 100.0) == 1.0
    assert skill(120.0, 100.0) == pytest.approx(-0.2)
    with pytest.raises(ForecastError, match="reference is already perfect"):
        skill(1.0, 0.0)


def test_errors_need_matching_non_empty_series():
    with pytest.raises(ForecastError, match="got 2 and 3 values"):
        mae([1, 2], [1, 2, 3])
    with pytest.raises(ForecastError, match="at least one slot"):
        rmse([], [])
