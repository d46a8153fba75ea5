"""The chapter 12 pictures, tested as data: forecasts against the truth, the split, errors, bills."""

from __future__ import annotations

from datetime import date

import pytest

from minichain.errors import ForecastError
from minichain.forecast.backtest import Aggregation, Run
from minichain.viz.forecast import (COLOURS, HELD_OUT, TRAINING, TRUTH, aggregation_figure,
                                    bills_figure, day_ticks, errors_figure, forecast_figure,
                                    split_figure)

MONDAY = date(2026, 6, 8)


def test_a_forecast_is_drawn_over_the_truth_slot_for_slot_with_days_on_the_axis():
    truth = list(range(192))
    figure = forecast_figure(truth, {"persistence": [0] * 192, "regression": [1] * 192},
                             MONDAY, "Alice's PV")
    names = [trace.name for trace in figure.data]
    assert names == ["truth", "persistence", "regression"]
    assert figure.data[0].line.color == TRUTH and figure.data[0].line.width == 5
    assert [t.line.color for t in figure.data[1:]] == list(COLOURS[:2])
    assert list(figure.data[0].x)[96] == 1.0 and list(figure.data[0].y) == truth
    assert list(figure.layout.xaxis.ticktext) == ["Mon 08 Jun", "Tue 09 Jun", "Wed 10 Jun"]
    assert figure.layout.title.text == "Alice's PV"
    with pytest.raises(ForecastError, match="whole days"):
        forecast_figure([1, 2], {}, MONDAY, "x")
    with pytest.raises(ForecastError, match="'bad' has 95 values for 96"):
        forecast_figure([0] * 96, {"bad": [0] * 95}, MONDAY, "x")
    assert day_ticks(MONDAY, 1) == ([0.0, 1.0], ["Mon 08 Jun", "Tue 09 Jun"])


def test_the_split_shows_each_held_out_day_learning_only_from_the_days_before_it():
    first = date(2026, 4, 13)
    figure = split_figure(first, 63, [MONDAY, date(2026, 6, 9)], 56)
    learn, itself = figure.data[0], figure.data[1]
    assert (learn.base[0], learn.x[0], learn.marker.color) == (0, 56, TRAINING)
    assert (itself.base[0], itself.x[0], itself.marker.color) == (56, 1, HELD_OUT)
    assert figure.data[2].base[0] == 1 and figure.data[3].base[0] == 57
    assert [t.showlegend for t in figure.data] == [True, True, False, False]
    with pytest.raises(ForecastError, match="needs 56 days before it"):
        split_figure(first, 63, [date(2026, 5, 1)], 56)


def run_of(truth, forecasts):
    return Run("pv", ("alice",), (MONDAY,), tuple(truth), {k: tuple(v) for k, v in forecasts.items()})


def test_errors_are_bars_of_mae_with_the_skill_against_the_reference_written_on():
    truth = [100.0] * 96
    run = run_of(truth, {"persistence": [60.0] * 96, "regression": [80.0] * 96})
    figure = errors_figure(run, "persistence", "PV errors")
    bars = figure.data[0]
    assert list(bars.x) == ["persistence", "regression"] and list(bars.y) == [40.0, 20.0]
    assert list(bars.text) == ["40 Wh, +0%", "20 Wh, +50%"]
    assert bars.marker.color[0] == TRUTH
    with pytest.raises(ForecastError, match="'naive' is not among"):
        errors_figure(run, "naive", "x")


def test_aggregation_puts_the_street_beside_its_homes():
    figure = aggregation_figure(Aggregation(10.0, 10.0, 0.1, {"alice": 0.3, "bob": 0.2}), "Use")
    bars = figure.data[0]
    assert list(bars.x) == ["alice", "bob", "the street"]
    assert list(bars.text) == ["30%", "20%", "10%"]


def test_bills_show_euros_and_the_share_of_the_gap_each_contender_closes():
    bills = {"naive": 10_000_000, "forecast": 7_000_000, "perfect foresight": 4_000_000}
    figure = bills_figure(bills, "naive", "perfect foresight", "A week")
    bars = figure.data[0]
    assert list(bars.y) == [10.0, 7.0, 4.0]
    assert list(bars.text) == ["€10.00<br>0% of the gap", "€7.00<br>50% of the gap",
                               "€4.00<br>100% of the gap"]
    with pytest.raises(ForecastError, match="no gap"):
        bills_figure({"naive": 1, "perfect foresight": 1}, "naive", "perfect foresight", "x")
    with pytest.raises(ForecastError, match="are needed"):
        bills_figure({"naive": 1}, "naive", "perfect foresight", "x")
