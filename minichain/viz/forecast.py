"""Chapter 12's pictures: forecasts against the truth, the split in time, errors, bills (chapter 12).

Pure figure builders over plain numbers (a series is one value per 15-minute slot, whole
days, from the midnight of ``first_day``); each returns a ``plotly.graph_objects.Figure``
and is tested as data (``tests/test_viz_forecast.py``).

* ``forecast_figure``: the truth as a thick grey line, each forecast as a coloured line
  over the same slots; the x axis in days, ticks at midnight.
* ``split_figure``: the days of a history in a strip per held-out day: the days it learns
  from (a split in time: only days before it), and itself.
* ``errors_figure``: each forecaster's MAE as a bar, its skill against a reference printed
  on it.
* ``aggregation_figure``: each home's MAE relative to its own mean use, and the street's.
* ``bills_figure``: what the street paid over some days with each contender bidding, and
  the share of the gap from the naive household to perfect foresight each one closes.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Mapping, Sequence

import plotly.graph_objects as go

from minichain.errors import ForecastError
from minichain.forecast.backtest import Aggregation, Run
from minichain.microgrid.profiles import SLOTS_PER_DAY

FONT = {"size": 18}
TITLE_FONT = {"size": 24}
HEIGHT = 520
TRUTH = "#7f7f7f"
COLOURS = ("#1f77b4", "#e8710a", "#1a9850", "#7b3294", "#d73027", "#f2b705")
TRAINING = "#9ecae1"
HELD_OUT = "#d73027"
STREET = "#222222"
HOME = "#1f77b4"


def _layout(figure: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    figure.update_layout(title={"text": title, "font": TITLE_FONT, "x": 0.02}, font=FONT,
                         height=HEIGHT, template="plotly_white",
                         legend={"font": FONT, "orientation": "h", "y": -0.2},
                         margin={"l": 80, "r": 40, "t": 90, "b": 120})
    figure.update_xaxes(title={"text": x_title, "font": FONT})
    figure.update_yaxes(title={"text": y_title, "font": FONT})
    return figure


def colour(index: int) -> str:
    """The n-th forecast's colour (they repeat after six)."""
    return COLOURS[index % len(COLOURS)]


def day_ticks(first_day: date, days: int) -> tuple[list[float], list[str]]:
    """Tick positions (days from the first midnight) and their labels (weekday and date)."""
    return ([float(n) for n in range(days + 1)],
            [f"{first_day + timedelta(days=n):%a %d %b}" for n in range(days + 1)])


def forecast_figure(truth: Sequence[float], forecasts: Mapping[str, Sequence[float]],
                    first_day: date, title: str, unit: str = "Wh per 15 minutes") -> go.Figure:
    """The truth and each forecast over the same slots (whole days from ``first_day``)."""
    if len(truth) % SLOTS_PER_DAY:
        raise ForecastError(f"a series here covers whole days ({SLOTS_PER_DAY} slots a day), "
                            f"got {len(truth)} values")
    for name, values in forecasts.items():
        if len(values) != len(truth):
            raise ForecastError(f"forecast {name!r} has {len(values)} values for "
                                f"{len(truth)} slots of truth")
    x = [slot / SLOTS_PER_DAY for slot in range(len(truth))]
    figure = go.Figure(go.Scatter(x=x, y=list(truth), name="truth", mode="lines",
                                  line={"color": TRUTH, "width": 5}))
    for n, (name, values) in enumerate(forecasts.items()):
        figure.add_trace(go.Scatter(x=x, y=list(values), name=name, mode="lines",
                                    line={"color": colour(n), "width": 2}))
    _layout(figure, title, "day", unit)
    ticks, labels = day_ticks(first_day, len(truth) // SLOTS_PER_DAY)
    figure.update_xaxes(tickvals=ticks, ticktext=labels)
    return figure


def split_figure(first_day: date, days: int, held_out: Sequence[date],
                 training_days: int) -> go.Figure:
    """Per held-out day (a row): the ``training_days`` before it that it learns from, and itself."""
    figure = go.Figure()
    rows = [f"{day:%a %d %b}" for day in held_out]
    for row, day in zip(rows, held_out):
        offset = (day - first_day).days
        if offset < training_days or offset >= days:
            raise ForecastError(f"{day} needs {training_days} days before it inside the "
                                f"{days} days from {first_day}")
        figure.add_trace(go.Bar(y=[row], x=[training_days], base=[offset - training_days],
                                orientation="h", marker={"color": TRAINING},
                                name="learns from", showlegend=row == rows[0],
                                hovertemplate=f"{row} learns from the {training_days} days "
                                              "before it<extra></extra>"))
        figure.add_trace(go.Bar(y=[row], x=[1], base=[offset], orientation="h",
                                marker={"color": HELD_OUT}, name="forecast (held out)",
                                showlegend=row == rows[0],
                                hovertemplate=f"{row}: forecast, never learnt from<extra></extra>"))
    _layout(figure, "A split in time: each day learns only from the days before it",
            "day of the history", "held-out day")
    ticks = list(range(0, days + 1, 7))
    figure.update_xaxes(tickvals=ticks,
                        ticktext=[f"{first_day + timedelta(days=n):%d %b}" for n in ticks],
                        range=[0, days])
    figure.update_yaxes(autorange="reversed")
    figure.update_layout(barmode="overlay")
    return figure


def errors_figure(run: Run, reference: str, title: str) -> go.Figure:
    """Each forecaster's MAE (bars), with its MAE skill against ``reference`` written on it."""
    names = list(run.forecasts)
    if reference not in names:
        raise ForecastError(f"the reference {reference!r} is not among the run's forecasters "
                            f"{names}")
    maes = [run.mae(name) for name in names]
    skills = [run.skill(name, reference) for name in names]
    figure = go.Figure(go.Bar(
        x=names, y=maes, text=[f"{mae:.0f} Wh, {skill:+.0%}" for mae, skill in zip(maes, skills)],
        textposition="outside", textfont=FONT,
        marker={"color": [TRUTH if name == reference else colour(n)
                          for n, name in enumerate(names)]},
        hovertemplate="%{x}: MAE %{y:.1f} Wh<extra></extra>"))
    _layout(figure, title, "forecaster", f"MAE, Wh per slot (skill against {reference})")
    figure.update_yaxes(rangemode="tozero")
    return figure


def aggregation_figure(aggregation: Aggregation, title: str) -> go.Figure:
    """Each home's relative MAE and the street's: sums forecast better than their parts."""
    names = list(aggregation.home_relative)
    values = [aggregation.home_relative[name] for name in names] + [aggregation.street_relative]
    figure = go.Figure(go.Bar(
        x=names + ["the street"], y=values, text=[f"{value:.0%}" for value in values],
        textposition="outside", textfont=FONT,
        marker={"color": [HOME] * len(names) + [STREET]},
        hovertemplate="%{x}: MAE is %{y:.0%} of the mean<extra></extra>"))
    _layout(figure, title, "", "MAE / mean of what is forecast")
    figure.update_yaxes(tickformat=".0%", rangemode="tozero")
    figure.update_xaxes(tickangle=-45)
    return figure


def bills_figure(bills: Mapping[str, int], naive: str, perfect: str, title: str) -> go.Figure:
    """What the street paid with each contender (µ€, shown in €), and the gap each closes."""
    if naive not in bills or perfect not in bills:
        raise ForecastError(f"bills for {naive!r} and {perfect!r} are needed to measure the "
                            f"gap, got {list(bills)}")
    gap = bills[naive] - bills[perfect]
    if gap <= 0:
        raise ForecastError("perfect foresight's bill is not below the naive one: no gap")
    names = list(bills)
    euros = [bills[name] / 1_000_000 for name in names]
    closed = [(bills[naive] - bills[name]) / gap for name in names]
    figure = go.Figure(go.Bar(
        x=names, y=euros, text=[f"€{e:.2f}<br>{c:.0%} of the gap" for e, c in zip(euros, closed)],
        textposition="outside", textfont=FONT,
        marker={"color": [TRUTH if name in (naive, perfect) else colour(n)
                          for n, name in enumerate(names)]},
        hovertemplate="%{x}: the street paid €%{y:.2f}<extra></extra>"))
    _layout(figure, title, "who bids", "the street's bill, €")
    return figure
