"""What forecasting is worth in the street's bill, on a sample of held-out days (chapter 12).

The story: the twelve homes of Sunny Street (seed 1) live the first three days of two
held-out weeks, spring and autumn, four times: as naive households (truthful bids from
"same as yesterday" and "same as last week"), with the planner on those naive forecasts,
with the planner on the default forecasts corrected by the day's own readings, and with
the planner handed the truth. Every day's true PV and use come from the seeded history,
the forecasts from the weeks before alone. The forecast-driven planner closes at least
half of the gap between the naive household and perfect foresight (the goal, measured on
every held-out week by ``python -m benchmarks forecast``), and the forecasts alone, the
same planner fed naive or default forecasts, are part of it.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from minichain.day import kpis, trials
from minichain.day.scenario import Scenario
from minichain.forecast.history import make_history
from minichain.microgrid.household import make_street

SAMPLE = (date(2026, 4, 13), date(2026, 10, 12))     # Mondays of held-out weeks
DAYS = 3
LEARNING_DAYS = 28                                   # the default forecaster's longest past
GOAL = 0.5


@pytest.fixture(scope="module")
def weeks():
    """Each contender's bill over the sample, and the naive and forecast runs themselves."""
    homes = make_street(12, 0.5, 0.25, 1)
    chosen = {c.name: c for c in trials.CONTENDERS}
    bills = {name: 0 for name in (trials.NAIVE, trials.NAIVE_PLANNER, trials.FORECAST,
                                  trials.PERFECT)}
    runs = []
    for monday in SAMPLE:
        history = make_history(homes, Scenario().tariffs, monday - timedelta(days=LEARNING_DAYS),
                               LEARNING_DAYS + DAYS, seed=1)
        for name in bills:
            week = trials.run_days(history, monday, DAYS, chosen[name])
            bills[name] += week.bill()
            runs.append(week)
    return bills, runs


def test_the_forecast_driven_planner_closes_half_the_gap_to_perfect_foresight(weeks):
    bills, _ = weeks
    assert bills[trials.NAIVE] > bills[trials.FORECAST] > bills[trials.PERFECT]
    closed = trials.gap_closed(bills[trials.NAIVE], bills[trials.FORECAST], bills[trials.PERFECT])
    assert closed >= GOAL, f"closed {closed:.0%} of the gap"


def test_better_forecasts_alone_lower_the_same_planners_bill(weeks):
    bills, _ = weeks
    assert bills[trials.NAIVE_PLANNER] > bills[trials.FORECAST]


def test_every_trial_day_balances_and_conserves_tokens(weeks):
    _, runs = weeks
    for week in runs:
        for day in week.days:
            assert kpis.unbalanced(day) == () and kpis.token_difference(day) == 0
        # each day's batteries start where the day before ended
        for before, after in zip(week.days, week.days[1:]):
            assert after.initial_stored_wh == tuple(
                r.stored_end_wh for r in before.slot_records(before.n_slots - 1))
    assert runs[0].days[0].initial_stored_wh == (0,) * 12


def test_a_gap_needs_perfect_foresight_to_do_better():
    assert trials.gap_closed(100, 70, 40) == 0.5
    with pytest.raises(Exception, match="no gap to close"):
        trials.gap_closed(40, 50, 40)
