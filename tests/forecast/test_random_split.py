"""Why a random split cheats (chapter 12): a guess from the day's own neighbouring slots.

The story: split a week's slots at random and guess each held-out slot from the training
slots around it. The guess misses Alice's PV by a fraction of what the honest day-ahead
regression misses, because it reads the very day it forecasts, which nobody can at gate
closure. The split is seeded: the same seed gives the same number.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from minichain.day.scenario import Scenario
from minichain.errors import ForecastError
from minichain.forecast import backtest as bt
from minichain.forecast.history import PV, make_history
from minichain.forecast.regression import PV_REGRESSION
from minichain.microgrid.household import make_street

FIRST = date(2026, 5, 1)


@pytest.fixture(scope="module")
def history():
    return make_history(make_street(6, 0.5, 0.0, 3), Scenario().tariffs, FIRST, 35, seed=3)


def test_guessing_from_the_same_day_beats_any_honest_forecast_by_far(history):
    days = [FIRST + timedelta(days=n) for n in range(28, 35)]
    homes = bt.pv_homes(history)
    cheat = bt.random_split_error(history, PV, homes, days, seed=1)
    honest = bt.run(history, PV, homes, days, {"regression": PV_REGRESSION},
                    training_days=28).mae("regression")
    assert cheat < honest / 2
    assert cheat == bt.random_split_error(history, PV, homes, days, seed=1)
    assert cheat != bt.random_split_error(history, PV, homes, days, seed=2)


def test_the_share_held_out_must_leave_something_on_both_sides(history):
    with pytest.raises(ForecastError, match="1..999 per mille"):
        bt.random_split_error(history, PV, ("alice",), [FIRST], test_permille=0)
