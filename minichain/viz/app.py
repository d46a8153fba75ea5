"""The Sunny Street dashboard: sliders and menus that re-run a day and redraw it (chapter 11).

Three layers, each thin:

* ``Scenario`` (from ``day/scenario.py``): the settings a learner can change (how many homes, PV and battery
  shares, the day, the clouds, the tariffs, the market mechanism and its k, the bidding
  agents, the seed), checked when built.
* ``run_scenario(scenario, runner)``: runs the day with a *runner*, any function from a
  ``Scenario`` to a ``records.DayRecord``. The default, ``run_market_only``, builds the
  street once (``scenario.plan``) and runs the one day runner (``runner.run_day``) on the
  market in memory; ``onchain.run_on_chain`` runs the same day on the street's nodes.
  ``scenario_figures`` and ``kpi_html`` turn the day into pictures
  (``viz/dashboard.py``) and a table of key figures (``day/kpis.py``).
* ``dashboard(runner=..., on_chain_runner=None)``: the ipywidgets app. Every control
  recomputes on release (``continuous_update=False``); figures go into ``Output``
  widgets as plotly's own mime type (no ``FigureWidget``, so no anywidget needed). The
  "run on chain" button calls ``on_chain_runner(scenario, progress)``, where
  ``progress(n)`` advances a ``tqdm.auto`` bar by ``n`` of the day's slots; without an
  on-chain runner the button is disabled and says why.

Open it as an app with Voila: ``voila notebooks/sunny_street_dashboard.ipynb``.
"""

from __future__ import annotations

import html
import json
from datetime import date
from typing import Mapping

import ipywidgets as widgets
import plotly.graph_objects as go

from minichain.day import kpis
from minichain.market.auction import MCAFEE, PAY_AS_BID, UNIFORM_PRICE
from minichain.microgrid.profiles import SLOT_SECONDS, SLOTS_PER_DAY
from minichain.day.records import DayRecord
# The scenario and its street live in ``day/scenario.py``; these names are kept here
# too, so ``from minichain.viz.app import Scenario, run_market_only, ...`` keeps working.
from minichain.day.scenario import (AGENT_MIXES, MAX_HOUSEHOLDS, MAX_TARIFF,  # noqa: F401
                                       MIDSUMMER, OnChainRunner, Runner, Scenario,
                                       agents_for, household_days, run_market_only,
                                       run_scenario, scenario_feeder, sky, street)
from minichain.errors import MinichainError
from minichain.market.units import format_money, format_price
from minichain.viz import dashboard as pictures

DAYS = (("winter: 21 December", date(2026, 12, 21)), ("spring: 20 March", date(2026, 3, 20)),
        ("summer: 21 June", MIDSUMMER), ("autumn: 23 September", date(2026, 9, 23)))
MECHANISM_LABELS = ((UNIFORM_PRICE, "uniform price"), (PAY_AS_BID, "pay as bid"),
                    (MCAFEE, "McAfee"))


def scenario_figures(scenario: Scenario, day: DayRecord, household: str | None = None,
                     slot: int | None = None) -> dict[str, go.Figure]:
    """The dashboard's figures for a day: energy, price, savings, feeder (and chain)."""
    figures = {"energy": pictures.energy_flows_figure(day, household),
               "price": pictures.price_figure(day),
               "savings": pictures.savings_figure(day),
               "feeder": pictures.feeder_figure(day, scenario_feeder(scenario), slot)}
    if day.blocks is not None:
        figures["chain"] = pictures.chain_figure(day)
    return figures


# --- the key figures as a table (pure) ------------------------------------------------

def _percent(permille: int | None) -> str:
    return "n/a" if permille is None else f"{permille // 10}.{permille % 10} %"


def _clock(slot: int | None, slot_seconds: int = SLOT_SECONDS) -> str:
    """When a slot starts, as HH:MM on the local clock ("never" for no slot)."""
    if slot is None:
        return "never"
    minutes = slot * slot_seconds // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def kpi_rows(day: DayRecord) -> list[tuple[str, str, str]]:
    """(key, label, value) for each headline figure of the day, exact and in plain words."""
    summary = kpis.summary(day)
    prices = kpis.day_price_stats(day)
    mean = "no trades" if prices.mean_price is None else format_price(prices.mean_price, 1)
    peak = summary.peak_utility_import
    balanced = summary.unbalanced_slots == 0 and summary.unconserved_slots == 0
    return [
        ("self_sufficiency", "self-sufficiency", _percent(summary.self_sufficiency_permille)),
        ("self_consumption", "self-consumption", _percent(summary.self_consumption_permille)),
        ("traded", "traded between neighbours", f"{summary.traded_wh:,} Wh"),
        ("curtailed", "refused by the grid check", f"{summary.curtailed_wh:,} Wh"),
        ("mean_price", "mean price", mean),
        ("welfare", "community welfare", format_money(summary.community_welfare, 2)),
        ("fund", "community fund (McAfee)", format_money(summary.fund_received, 2)),
        ("peak_import", "peak import from the utility",
         f"{peak.wh:,} Wh at {_clock(peak.slot, day.slot_seconds)}"),
        ("max_loading", "fullest line", _percent(summary.max_loading_permille)),
        ("books", "energy balances, tokens conserved", "yes" if balanced else
         f"no: {summary.unbalanced_slots} unbalanced, {summary.unconserved_slots} unconserved"),
    ]


def kpi_html(day: DayRecord) -> str:
    """The key figures as a small HTML table; each value cell carries ``data-kpi=<key>``."""
    rows = "".join(f'<tr><td>{html.escape(label)}</td>'
                   f'<td data-kpi="{key}" style="text-align:right"><b>{html.escape(value)}</b>'
                   f"</td></tr>" for key, label, value in kpi_rows(day))
    return f'<table style="font-size:16px;border-spacing:12px 2px">{rows}</table>'


def figure_output(figure: go.Figure) -> dict:
    """A figure as one notebook display output in plotly's mime type (what fig.show() emits)."""
    return {"output_type": "display_data", "metadata": {},
            "data": {"application/vnd.plotly.v1+json": json.loads(figure.to_json()),
                     "text/plain": figure.layout.title.text or "a plotly figure"}}


# --- the widgets: wiring only ---------------------------------------------------------

NOTE_NO_CHAIN = ("<i>Run on chain needs the on-chain simulator: pass "
                 "<code>dashboard(on_chain_runner=...)</code>. The figures show the market "
                 "alone, without the chain.</i>")
FIGURE_ORDER = ("energy", "price", "savings", "feeder", "chain")
WIDE = {"description_width": "150px"}
WHOLE_STREET = ""               # the household menu's value for "the whole street"
BUSIEST_SLOT = -1               # the slot menu's value for "the busiest slot"
CONTROL_WIDTH = "380px"


def _controls(scenario: Scenario) -> dict[str, widgets.ValueWidget]:
    """One control per ``Scenario`` field, each recomputing only when released."""
    def slider(value, low, high, step, label):
        return widgets.IntSlider(value=value, min=low, max=high, step=step, description=label,
                                 continuous_update=False, style=WIDE,
                                 layout={"width": CONTROL_WIDTH})

    def menu(value, options, label):
        return widgets.Dropdown(value=value, options=options, description=label, style=WIDE,
                                layout={"width": CONTROL_WIDTH})

    return {
        "households": slider(scenario.households, 2, MAX_HOUSEHOLDS, 1, "households"),
        "pv_percent": slider(scenario.pv_percent, 0, 100, 5, "with PV (%)"),
        "battery_percent": slider(scenario.battery_percent, 0, 100, 5, "with battery (%)"),
        "day": menu(scenario.day, DAYS if scenario.day in dict(DAYS).values()
                    else DAYS + ((f"{scenario.day:%d %B %Y}", scenario.day),), "day"),
        "cloudiness_percent": slider(scenario.cloudiness_percent, 0, 100, 5, "cloudiness (%)"),
        "seed": widgets.BoundedIntText(value=scenario.seed, min=0, max=10**6, description="seed",
                                       continuous_update=False, style=WIDE,
                                       layout={"width": CONTROL_WIDTH}),
        "feed_in": slider(scenario.feed_in, 0, MAX_TARIFF, 1, "feed-in tariff"),
        "retail": slider(scenario.retail, 0, MAX_TARIFF, 1, "retail tariff"),
        "mechanism": menu(scenario.mechanism, [(label, name) for name, label in MECHANISM_LABELS],
                          "mechanism"),
        "k_percent": slider(scenario.k_percent, 0, 100, 5, "k (%)"),
        "agents": menu(scenario.agents, AGENT_MIXES, "agents"),
    }


class Dashboard(widgets.VBox):
    """The app: controls on the left; status, key figures and figures on the right.

    Plain attributes for tests and notebooks: ``controls`` (field name -> widget),
    ``scenario`` and ``day`` shown now, ``figures`` (name -> go.Figure) as last drawn,
    ``outputs`` (name -> Output), ``kpis`` and ``status`` (HTML), ``household`` and
    ``slot`` (what the energy and feeder figures show), ``chain_button``.
    """

    def __init__(self, runner: Runner = run_market_only,
                 on_chain_runner: OnChainRunner | None = None,
                 scenario: Scenario = Scenario()) -> None:
        self.runner, self.on_chain_runner = runner, on_chain_runner
        self.scenario: Scenario | None = None
        self.day: DayRecord | None = None
        self.figures: dict[str, go.Figure] = {}
        self._quiet = False
        self.controls = _controls(scenario)
        for name, control in self.controls.items():
            control.add_class(f"sunny-{name.replace('_', '-')}")
        self.status = widgets.HTML(layout={"width": "100%"}).add_class("sunny-status")
        self.kpis = widgets.HTML().add_class("sunny-kpis")
        # menu values are never None: ipywidgets reads None as "nothing selected"
        narrow = {"description_width": "80px"}
        self.household = widgets.Dropdown(options=[("the whole street", WHOLE_STREET)],
                                          description="energy of", style=narrow)
        self.slot = widgets.Dropdown(
            options=[("busiest slot", BUSIEST_SLOT)] + [(_clock(s), s) for s in range(SLOTS_PER_DAY)],
            description="feeder at", style=narrow)
        self.household.add_class("sunny-view-household")
        self.slot.add_class("sunny-view-slot")
        self.outputs = {name: widgets.Output(layout={"width": "100%"}).add_class(
            f"sunny-figure-{name}") for name in FIGURE_ORDER}
        self.chain_button = widgets.Button(description="run on chain", icon="link",
                                           disabled=on_chain_runner is None,
                                           tooltip="run this day on the proof-of-authority chain")
        self.chain_button.add_class("sunny-run-on-chain")
        self.chain_note = widgets.HTML(NOTE_NO_CHAIN if on_chain_runner is None else "")
        self.progress = widgets.Output()

        # limits first, so a clamped control recomputes once with a valid scenario
        self.controls["pv_percent"].observe(self._limit_batteries, names="value")
        self.controls["retail"].observe(self._limit_feed_in, names="value")
        self.controls["mechanism"].observe(self._k_only_for_uniform_price, names="value")
        for name, control in self.controls.items():
            control.observe(self._scenario_changed, names="value")
        self.household.observe(self._view_changed, names="value")
        self.slot.observe(self._view_changed, names="value")
        self.chain_button.on_click(self._run_on_chain)
        self._limit_batteries()
        self._limit_feed_in()
        self._k_only_for_uniform_price()

        def group(title, names):
            return [widgets.HTML(f"<h3 style='margin:8px 0 0 0'>{title}</h3>")] + \
                [self.controls[name] for name in names]

        left = widgets.VBox(
            group("The street", ["households", "pv_percent", "battery_percent", "day",
                                 "cloudiness_percent", "seed"])
            + group("The market", ["feed_in", "retail", "mechanism", "k_percent", "agents"])
            + [widgets.HTML("<h3 style='margin:8px 0 0 0'>The chain</h3>"), self.chain_button,
               self.chain_note, self.progress],
            layout={"width": "400px", "flex": "0 0 400px"})
        right = widgets.VBox([self.status, self.kpis, widgets.HBox([self.household, self.slot])]
                             + [self.outputs[name] for name in FIGURE_ORDER],
                             layout={"flex": "1 1 auto", "min_width": "600px"})
        super().__init__([widgets.HBox([left, right])])
        self.add_class("sunny-dashboard")
        self._scenario_changed()

    # --- callbacks ----------------------------------------------------------------

    def current_scenario(self) -> Scenario:
        """The scenario the controls show now (raises a typed error when inconsistent)."""
        return Scenario(**{name: control.value for name, control in self.controls.items()})

    def _limit_batteries(self, change: Mapping | None = None) -> None:
        self.controls["battery_percent"].max = self.controls["pv_percent"].value

    def _limit_feed_in(self, change: Mapping | None = None) -> None:
        self.controls["feed_in"].max = self.controls["retail"].value

    def _k_only_for_uniform_price(self, change: Mapping | None = None) -> None:
        self.controls["k_percent"].disabled = self.controls["mechanism"].value != UNIFORM_PRICE

    def _scenario_changed(self, change: Mapping | None = None) -> None:
        """Recompute the day with the runner, unless nothing really changed."""
        try:
            scenario = self.current_scenario()
        except MinichainError as error:
            self._fail(error)
            return
        if scenario == self.scenario and self.day is not None and self.day.blocks is None:
            return                            # e.g. a clamped slider fired twice
        self._show(scenario, self.runner, "the market alone, without the chain")

    def _run_on_chain(self, button: widgets.Button | None = None) -> None:
        """Run the same scenario with the on-chain runner, with a progress bar per slot."""
        if self.on_chain_runner is None:
            return
        from tqdm.auto import tqdm

        on_chain = self.on_chain_runner
        self.chain_button.disabled = True          # one run at a time
        self.progress.clear_output()
        with self.progress:
            bar = tqdm(total=SLOTS_PER_DAY, desc="slots on chain", unit="slot")
        try:
            self._show(self.current_scenario(), lambda scenario: on_chain(scenario, bar.update),
                       "on chain")
        except MinichainError as error:
            self._fail(error)
        finally:
            bar.close()
            self.chain_button.disabled = False

    def _show(self, scenario: Scenario, runner: Runner, how: str) -> None:
        self.status.value = "<i>computing the day...</i>"
        try:
            day = run_scenario(scenario, runner)
        except MinichainError as error:
            self._fail(error)
            return
        self.scenario, self.day = scenario, day
        shown = self.household.value
        self._quiet = True                    # new names for the menu: no redraw yet
        try:
            self.household.options = [("the whole street", WHOLE_STREET)] + \
                [(name, name) for name in day.names]
            self.household.value = shown if shown in day.names else WHOLE_STREET
        finally:
            self._quiet = False
        homes = street(scenario)
        self.status.value = (f"<b>{scenario.day:%d %B %Y}</b>: {len(homes)} homes, "
                             f"{sum(h.has_pv for h in homes)} with PV, "
                             f"{sum(h.has_battery for h in homes)} with a battery; "
                             f"{html.escape(how)}.")
        self.kpis.value = kpi_html(day)
        self._draw()

    def _view_changed(self, change: Mapping | None = None) -> None:
        if self.day is not None and not self._quiet:
            self._draw()

    def _draw(self) -> None:
        household = None if self.household.value == WHOLE_STREET else self.household.value
        slot = None if self.slot.value == BUSIEST_SLOT else self.slot.value
        self.figures = scenario_figures(self.scenario, self.day, household, slot)
        for name, output in self.outputs.items():
            figure = self.figures.get(name)
            output.outputs = (figure_output(figure),) if figure is not None else ()

    def _fail(self, error: MinichainError) -> None:
        self.status.value = (f'<span style="color:#d73027"><b>{type(error).__name__}:</b> '
                             f"{html.escape(str(error))}</span>")


def dashboard(runner: Runner = run_market_only, on_chain_runner: OnChainRunner | None = None,
              scenario: Scenario = Scenario()) -> Dashboard:
    """The Sunny Street app: an ipywidgets layout wired to the pure builders above."""
    return Dashboard(runner, on_chain_runner, scenario)
