"""The Sunny Street dashboard: sliders and menus that re-run a day and redraw it (chapter 11).

Three layers, each thin:

* ``Scenario`` (from ``day/scenario.py``): the settings a learner can change (how many
  homes, PV and battery shares, the day, the clouds, the tariffs, the market mechanism and
  its k, the bidding agents, the seed, the cables' ratings), checked when built.
* ``run_scenario(scenario, runner)``: runs the day with a *runner*, any function from a
  ``Scenario`` to a ``records.DayRecord``. The default, ``run_market_only``, builds the
  street once (``scenario.plan``) and runs the one day runner (``runner.run_day``) on the
  market in memory; ``onchain.run_on_chain`` runs the same day on the street's nodes.
  ``scenario_figures`` and ``kpi_html`` turn the day into pictures
  (``viz/dashboard.py``) and a table of key figures (``day/kpis.py``).
* ``dashboard(runner=..., on_chain_runner=None)``: the ipywidgets app. Every control
  recomputes on release (``continuous_update=False``); figures go into ``Output``
  widgets as plotly's own mime type (no ``FigureWidget``, so no anywidget needed). The
  "run on chain" button calls ``on_chain_runner(scenario, progress)`` (with ``crash=True``
  when the grid operator's node is to crash at noon), where ``progress(n)`` advances a
  ``tqdm.auto`` bar by ``n`` of the day's slots; the controls are locked while it runs,
  and a control moved afterwards marks the chain's result out of date. Without an
  on-chain runner the button is disabled and says why. Clamped controls (batteries follow
  PV, feed-in follows retail) say why they moved; a cable over its rating is explained.

Open it as an app with Voila (README: the command culls idle kernels).
"""

from __future__ import annotations

import html
import json
from datetime import date
from typing import Mapping

import ipywidgets as widgets
import plotly.graph_objects as go

from minichain.day import kpis
from minichain.market.auction import MCAFEE, MECHANISM_NAMES, MECHANISMS, UNIFORM_PRICE
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
from minichain.viz.style import COLOURS

DAYS = (("winter: 21 December", date(2026, 12, 21)), ("spring: 20 March", date(2026, 3, 20)),
        ("summer: 21 June", MIDSUMMER), ("autumn: 23 September", date(2026, 9, 23)))
MICRO_PER_CENT = 10_000


def scenario_figures(scenario: Scenario, day: DayRecord, household: str | None = None,
                     slot: int | None = None) -> dict[str, go.Figure]:
    """The dashboard's figures for a day: energy, price, savings, who traded with whom, the
    batteries, the feeder (and the chain). ``household`` narrows energy and batteries to
    one home; ``slot`` picks the feeder's and the trade map's slot (the day's busiest and
    the whole day by default)."""
    figures = {"energy": pictures.energy_flows_figure(day, household),
               "price": pictures.price_figure(day),
               "savings": pictures.savings_figure(day),
               "trades": pictures.trades_figure(day, slot),
               "batteries": pictures.battery_figure(day, household),
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


# What each key figure means, in one place: the dashboard's tooltips and the report's glossary.
KEY_FIGURES = {
    "self_sufficiency": ("self-sufficiency",
                         "share of the street's use met by its own PV and batteries, not by "
                         "the utility"),
    "self_consumption": ("self-consumption",
                         "share of the street's PV used on the street (by its own homes or "
                         "their neighbours) instead of exported to the utility"),
    "traded": ("traded between neighbours", "energy the market moved from one home to another"),
    "curtailed": ("refused by the grid check",
                  "energy the market matched but the cables could not carry; it went to or "
                  "came from the utility instead"),
    "mean_price": ("mean price", "the volume-weighted mean price neighbours paid, in ct/kWh"),
    "welfare": ("community welfare",
                "how much less the street paid the utility than it would without trading "
                "(every home's savings plus the community fund)"),
    "fund": ("community fund (McAfee)",
             "what McAfee's trade reduction kept from each trade for the community"),
    "peak_import": ("peak import from the utility",
                    "the street's highest draw from the utility in one quarter hour, as an "
                    "average power"),
    "max_loading": ("fullest cable",
                    "the highest load any cable of the feeder carried, physically (from the "
                    "meters), against its rating"),
    "books": ("energy balances, money conserved",
              "every home's energy adds up in every slot, and not one µ€ was made or lost"),
}


def kpi_rows(day: DayRecord) -> list[tuple[str, str, str]]:
    """(key, label, value) for each headline figure of the day, exact and in plain words."""
    summary = kpis.summary(day)
    prices = kpis.day_price_stats(day)
    mean = "no trades" if prices.mean_price is None else format_price(prices.mean_price, 1)
    peak = summary.peak_utility_import
    balanced = summary.unbalanced_slots == 0 and summary.unconserved_slots == 0
    rows = [
        ("self_sufficiency", _percent(summary.self_sufficiency_permille)),
        ("self_consumption", _percent(summary.self_consumption_permille)),
        ("traded", f"{summary.traded_wh:,} Wh"),
        ("curtailed", f"{summary.curtailed_wh:,} Wh"),
        ("mean_price", mean),
        ("welfare", format_money(summary.community_welfare, 2)),
        ("fund", format_money(summary.fund_received, 2)),
        ("peak_import", "none" if peak.slot is None else
         f"{_kw(peak.wh, day.slot_seconds)} at {_clock(peak.slot, day.slot_seconds)}"),
        ("max_loading", _fullest(day)),
        ("books", "yes" if balanced else
         f"no: {summary.unbalanced_slots} unbalanced, {summary.unconserved_slots} unconserved"),
    ]
    if day.mechanism != MCAFEE:
        rows = [row for row in rows if row[0] != "fund"]       # only McAfee has a fund
    return [(key, KEY_FIGURES[key][0], value) for key, value in rows]


def _kw(wh: int, slot_seconds: int) -> str:
    """Wh in one slot as the average power over it: 900 Wh in 15 minutes is 3.6 kW."""
    return f"{wh * 3600 / slot_seconds / 1000:.1f} kW"


def fullest_line(day: DayRecord) -> tuple[str, int]:
    """The cable that carried most against its rating, and that loading in per mille."""
    loadings = kpis.max_line_loading_permille(day)
    line = max(loadings, key=lambda name: (loadings[name], name))
    return line, loadings[line]


def _fullest(day: DayRecord) -> str:
    line, permille = fullest_line(day)
    return f"{_percent(permille)} ({line})"


def overload_note(day: DayRecord) -> str:
    """Why a cable can be over its rating although the grid check refused little (or nothing)."""
    line, permille = fullest_line(day)
    if permille <= 1000:
        return ""
    refused = kpis.summary(day).curtailed_wh
    return (f"The {line} cable carried {_percent(permille)} of its rating. The grid check "
            f"limits what the market books (it refused {refused:,} Wh this day), but what "
            "homes send to the utility flows through the same cables: keeping those flows "
            "within limits is the grid operator's job outside the market (e.g. by capping "
            "feed-in). Raise the cable ratings under <i>The grid</i> to see the difference.")


def household_rows(day: DayRecord, household: str) -> list[tuple[str, str, str]]:
    """(key, label, value): one household's own key figures over the day."""
    records = day.household_records(household)
    bought = sum(r.bought_wh for r in records)
    sold = sum(r.sold_wh for r in records)
    delivered = sum(r.delivered_wh for r in records)
    penalties = sum(r.shortfall_paid for r in records)
    saved = kpis.savings(day)[household]
    return [
        ("bill", "bill for the day", format_money(kpis.bill(day, household), 2)),
        ("savings", "saved against no trading", format_money(saved, 2)),
        ("self_sufficiency", "self-sufficiency",
         _percent(kpis.permille(kpis.self_sufficiency(day, household)))),
        ("bought", "bought from neighbours", f"{bought:,} Wh"),
        ("sold", "sold to neighbours (delivered)", f"{sold:,} Wh ({delivered:,} Wh)"),
        ("penalties", "penalties for shortfalls", format_money(penalties, 2)),
        ("agent", "bidding agent", day.agents[day.names.index(household)]),
    ]


def kpi_html(day: DayRecord, household: str | None = None) -> str:
    """The key figures as a small HTML table; each value cell carries ``data-kpi=<key>``."""
    rows = kpi_rows(day) if household is None else household_rows(day, household)
    body = "".join(
        f'<tr title="{html.escape(KEY_FIGURES.get(key, (label, ""))[1])}">'
        f"<td>{html.escape(label)}</td>"
        f'<td data-kpi="{key}" style="text-align:right"><b>{html.escape(value)}</b></td></tr>'
        for key, label, value in rows)
    note = overload_note(day) if household is None else ""
    warning = (f'<p class="sunny-overload" style="color:{COLOURS["overload"]};max-width:720px">'
               f"{note}</p>" if note else "")
    return f'<table style="font-size:16px;border-spacing:12px 2px">{body}</table>{warning}'


def chain_html(day: DayRecord, nodes_agree: bool | None = None) -> str:
    """The chain's own figures after a run on chain: blocks, transactions, gas."""
    if day.blocks is None:
        return ""
    transactions = sum(block.transactions for block in day.blocks)
    gas = sum(block.gas_used for block in day.blocks)
    agree = "" if nodes_agree is None else (" · every node holds the same chain" if nodes_agree
                                            else " · the nodes DISAGREE")
    return (f'<div class="sunny-chain-figures" style="font-size:16px"><b>On chain:</b> '
            f"{len(day.blocks):,} blocks, {transactions:,} transactions, {gas:,} gas{agree}</div>")


# --- the widgets: wiring only ---------------------------------------------------------

NOTE_NO_CHAIN = ("<i>Run on chain needs the on-chain simulator: pass "
                 "<code>dashboard(on_chain_runner=...)</code>. The figures show the market "
                 "alone, without the chain.</i>")
FIGURE_ORDER = ("energy", "price", "savings", "trades", "batteries", "feeder", "chain")
WIDE = {"description_width": "150px"}
WHOLE_STREET = ""               # the household menu's value for "the whole street"
BUSIEST_SLOT = -1               # the slot menu's value for "the busiest slot"
CONTROL_WIDTH = "360px"
PLOTLY_CONFIG = {"responsive": True, "displaylogo": False}
DASHBOARD_TITLE_FONT = {"size": 18}
# Figures fill their column and follow the window; the columns wrap on a narrow screen.
STYLE = """<style>
.sunny-dashboard .sunny-columns { flex-flow: row wrap; align-items: flex-start; }
.sunny-dashboard .sunny-left { flex: 0 0 380px; max-width: 100%; }
.sunny-dashboard .sunny-right { flex: 1 1 560px; min-width: 0; max-width: 100%; }
.sunny-dashboard .js-plotly-plot, .sunny-dashboard .plot-container { width: 100% !important; }
.sunny-dashboard .sunny-progress { width: 100%; min-height: 2.2em; }
</style>"""


def figure_output(figure: go.Figure) -> dict:
    """A figure as one notebook display output in plotly's mime type (what fig.show() emits),
    resizing with its column."""
    payload = json.loads(figure.to_json())
    payload["config"] = PLOTLY_CONFIG
    title = payload.get("layout", {}).get("title")
    if title:                                    # a narrower column than a chapter's page
        title["font"] = DASHBOARD_TITLE_FONT
    return {"output_type": "display_data", "metadata": {},
            "data": {"application/vnd.plotly.v1+json": payload,
                     "text/plain": figure.layout.title.text or "a plotly figure"}}


def _controls(scenario: Scenario) -> dict[str, widgets.ValueWidget]:
    """One control per ``Scenario`` field, each recomputing only when released."""
    def slider(value, low, high, step, label, readout=None):
        control = widgets.IntSlider(value=value, min=low, max=high, step=step,
                                    description=label, continuous_update=False, style=WIDE,
                                    layout={"width": CONTROL_WIDTH})
        if readout:
            control.readout_format = readout
        return control

    def menu(value, options, label):
        return widgets.Dropdown(value=value, options=options, description=label, style=WIDE,
                                layout={"width": CONTROL_WIDTH})

    cent = MICRO_PER_CENT
    return {
        "households": slider(scenario.households, 1, MAX_HOUSEHOLDS, 1, "households"),
        "pv_percent": slider(scenario.pv_percent, 0, 100, 5, "with PV (%)"),
        "battery_percent": slider(scenario.battery_percent, 0, 100, 5, "with battery (%)"),
        "day": menu(scenario.day, DAYS if scenario.day in dict(DAYS).values()
                    else DAYS + ((f"{scenario.day:%d %B %Y}", scenario.day),), "day"),
        "cloudiness_percent": slider(scenario.cloudiness_percent, 0, 100, 5, "cloudiness (%)"),
        "seed": widgets.BoundedIntText(value=scenario.seed, min=0, max=10**6, description="seed",
                                       continuous_update=False, style=WIDE,
                                       layout={"width": CONTROL_WIDTH}),
        "feed_in": slider(scenario.feed_in, 0, MAX_TARIFF, cent, "feed-in (µ€/kWh)", ","),
        "retail": slider(scenario.retail, 0, MAX_TARIFF, cent, "retail (µ€/kWh)", ","),
        "mechanism": menu(scenario.mechanism,
                          [(MECHANISM_NAMES[name], name) for name in MECHANISMS], "mechanism"),
        "k_percent": slider(scenario.k_percent, 0, 100, 5, "k (%)"),
        "agents": menu(scenario.agents, AGENT_MIXES, "agents"),
        "main_cable_kw": slider(scenario.main_cable_kw, 5, 400, 5, "street cable (kW)"),
        "house_kw": slider(scenario.house_kw, 1, 60, 1, "house connection (kW)"),
        "transformer_kva": slider(scenario.transformer_kva, 50, 1000, 10, "transformer (kVA)"),
    }


class Dashboard(widgets.VBox):
    """The app: controls on the left; status, key figures and figures on the right.

    Plain attributes for tests and notebooks: ``controls`` (field name -> widget),
    ``scenario`` and ``day`` shown now, ``figures`` (name -> go.Figure) as last drawn,
    ``outputs`` (name -> Output), ``kpis``, ``chain_figures``, ``status`` and ``notes``
    (HTML), ``household`` and ``slot`` (what the energy, battery, trade and feeder
    figures show), ``chain_button``, ``crash`` (the grid operator's node down at noon).
    """

    def __init__(self, runner: Runner = run_market_only,
                 on_chain_runner: OnChainRunner | None = None,
                 scenario: Scenario = Scenario()) -> None:
        self.runner, self.on_chain_runner = runner, on_chain_runner
        self.scenario: Scenario | None = None
        self.day: DayRecord | None = None
        self.figures: dict[str, go.Figure] = {}
        self.chain_scenario: Scenario | None = None      # what the last chain run was for
        self._quiet = False
        self._clamped: str | None = None                 # why a control just followed another
        self.controls = _controls(scenario)
        for name, control in self.controls.items():
            control.add_class(f"sunny-{name.replace('_', '-')}")
        self.status = widgets.HTML(layout={"width": "100%"}).add_class("sunny-status")
        self.notes = widgets.HTML(layout={"width": "100%"}).add_class("sunny-notes")
        self.chain_figures = widgets.HTML().add_class("sunny-chain")
        self.kpis = widgets.HTML().add_class("sunny-kpis")
        # menu values are never None: ipywidgets reads None as "nothing selected"
        narrow = {"description_width": "80px"}
        self.household = widgets.Dropdown(options=[("the whole street", WHOLE_STREET)],
                                          description="show", style=narrow)
        self.slot = widgets.Dropdown(
            options=[("busiest slot", BUSIEST_SLOT)] + [(_clock(s), s) for s in range(SLOTS_PER_DAY)],
            description="feeder at", style=narrow)
        self.household.add_class("sunny-view-household")
        self.slot.add_class("sunny-view-slot")
        self.outputs = {name: widgets.Output(layout={"width": "100%"}).add_class(
            f"sunny-figure-{name}") for name in FIGURE_ORDER}
        self.chain_button = widgets.Button(description="run on chain",
                                           disabled=on_chain_runner is None,
                                           tooltip="run this day on the street's three nodes")
        self.chain_button.add_class("sunny-run-on-chain")
        self.crash = widgets.Checkbox(value=False, description="the grid operator's node "
                                      "crashes at noon", indent=False,
                                      disabled=on_chain_runner is None).add_class("sunny-crash")
        self.chain_note = widgets.HTML(NOTE_NO_CHAIN if on_chain_runner is None else "")
        self.progress = widgets.Output(layout={"width": "100%"}).add_class("sunny-progress")

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
            + group("The grid", ["main_cable_kw", "house_kw", "transformer_kva"])
            + [widgets.HTML("<h3 style='margin:8px 0 0 0'>The chain</h3>"), self.chain_button,
               self.crash, self.chain_note, self.progress]).add_class("sunny-left")
        right = widgets.VBox([self.status, self.notes, self.chain_figures, self.kpis,
                              widgets.HBox([self.household, self.slot],
                                           layout={"flex_flow": "row wrap"})]
                             + [self.outputs[name] for name in FIGURE_ORDER]
                             ).add_class("sunny-right")
        super().__init__([widgets.HTML(STYLE),
                          widgets.HBox([left, right]).add_class("sunny-columns")])
        self.add_class("sunny-dashboard")
        self._scenario_changed()

    def _repr_mimebundle_(self, **kwargs):
        """The app, and for a viewer that cannot run widgets a sentence instead of a repr."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if isinstance(bundle, dict):
            bundle["text/plain"] = ("The Sunny Street dashboard: run this notebook (or open "
                                    "it with Voila) to see and use it.")
        return bundle

    # --- callbacks ----------------------------------------------------------------

    def current_scenario(self) -> Scenario:
        """The scenario the controls show now (raises a typed error when inconsistent)."""
        return Scenario(**{name: control.value for name, control in self.controls.items()})

    def _limit_batteries(self, change: Mapping | None = None) -> None:
        """The battery share never exceeds the PV share; say so when it has to follow."""
        battery, pv = self.controls["battery_percent"], self.controls["pv_percent"].value
        if battery.value > pv:                       # the note first: the clamp recomputes
            self._clamped = (f"Batteries follow PV: every battery here comes with PV, so "
                             f"the battery share went from {battery.value} % to {pv} %.")
        battery.max = pv

    def _limit_feed_in(self, change: Mapping | None = None) -> None:
        """The feed-in tariff never exceeds retail; say so when it has to follow."""
        feed_in, retail = self.controls["feed_in"], self.controls["retail"].value
        if feed_in.value > retail:
            self._clamped = (f"The feed-in tariff cannot be above retail (the utility would "
                             f"pay more than it charges), so it went from "
                             f"{format_price(feed_in.value)} to {format_price(retail)}.")
        feed_in.max = retail

    def _k_only_for_uniform_price(self, change: Mapping | None = None) -> None:
        self.controls["k_percent"].disabled = self.controls["mechanism"].value != UNIFORM_PRICE

    def _lock(self, locked: bool) -> None:
        """While the chain runs, the controls cannot change the day under it."""
        for control in list(self.controls.values()) + [self.chain_button, self.crash]:
            control.disabled = locked
        if not locked:
            self._k_only_for_uniform_price()
            self.chain_button.disabled = self.crash.disabled = self.on_chain_runner is None

    def _scenario_changed(self, change: Mapping | None = None) -> None:
        """Recompute the day with the runner, unless nothing really changed."""
        try:
            scenario = self.current_scenario()
        except MinichainError as error:
            self._fail(error)
            return
        if scenario == self.scenario and self.day is not None and self.day.blocks is None:
            return                            # e.g. a clamped slider fired twice
        how = "the market alone, without the chain"
        if self.chain_scenario is not None and scenario != self.chain_scenario:
            how += " (the chain run is out of date: press run on chain again)"
        self._show(scenario, self.runner, how)

    def _run_on_chain(self, button: widgets.Button | None = None) -> None:
        """Run the same scenario on the street's nodes, with a progress bar per slot."""
        if self.on_chain_runner is None:
            return
        from tqdm.auto import tqdm

        on_chain, crash = self.on_chain_runner, self.crash.value
        self._lock(True)                           # one run at a time, nothing changes under it
        self.progress.clear_output()
        with self.progress:
            bar = tqdm(total=SLOTS_PER_DAY, desc="slots on chain", unit="slot")
        scenario = self.current_scenario()
        try:
            run = (lambda s: on_chain(s, bar.update, crash=True)) if crash else \
                (lambda s: on_chain(s, bar.update))
            how = "on the street's three nodes" + (", the grid operator's node down from noon "
                                                   "to one o'clock" if crash else "")
            self._show(scenario, run, how)
            self.chain_scenario = scenario
        except MinichainError as error:
            self._fail(error)
        finally:
            bar.close()
            self._lock(False)

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
        homes = day.households
        self.status.value = (f"<b>{scenario.day:%d %B %Y}</b>: {_homes(len(homes))}, "
                             f"{sum(h.has_pv for h in homes)} with PV, "
                             f"{sum(h.has_battery for h in homes)} with a battery; "
                             f"{html.escape(how)}.")
        self.notes.value = f"<i>{html.escape(self._clamped)}</i>" if self._clamped else ""
        self._clamped = None
        self.chain_figures.value = chain_html(day)
        self._draw()

    def _view_changed(self, change: Mapping | None = None) -> None:
        if self.day is not None and not self._quiet:
            self._draw()

    def _draw(self) -> None:
        household = None if self.household.value == WHOLE_STREET else self.household.value
        slot = None if self.slot.value == BUSIEST_SLOT else self.slot.value
        self.kpis.value = kpi_html(self.day, household)
        self.figures = scenario_figures(self.scenario, self.day, household, slot)
        for name, output in self.outputs.items():
            figure = self.figures.get(name)
            output.outputs = (figure_output(figure),) if figure is not None else ()

    def _fail(self, error: MinichainError) -> None:
        self.status.value = (f'<span style="color:#d73027"><b>{type(error).__name__}:</b> '
                             f"{html.escape(str(error))}</span>")


def _homes(n: int) -> str:
    return "1 home" if n == 1 else f"{n} homes"


def dashboard(runner: Runner = run_market_only, on_chain_runner: OnChainRunner | None = None,
              scenario: Scenario = Scenario()) -> Dashboard:
    """The Sunny Street app: an ipywidgets layout wired to the pure builders above."""
    return Dashboard(runner, on_chain_runner, scenario)
