"""The Sunny Street dashboard, driven without a browser (chapter 11).

A learner moves a control; the app must build the new ``Scenario``, run the day once with
the runner it was given, and redraw exactly what the pure functions draw for that
scenario. These tests set controls the way the front end does (``control.value = ...``)
and read the figures, the key-figure table and the outputs back as data. The browser
test (``test_browser_dashboard.py``) proves the same app live in Chromium.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest

from minichain.day import kpis
from minichain.market.auction import MCAFEE, PAY_AS_BID, UNIFORM_PRICE
from minichain.microgrid.profiles import SLOTS_PER_DAY
from minichain.day.records import BlockRecord
from minichain.errors import EnergyModelError, InvalidAuctionParameter, InvalidTariffs
from minichain.viz import app
from minichain.viz.app import Scenario, dashboard, kpi_html, kpi_rows, run_market_only, \
    run_scenario, scenario_figures

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "sunny_street_dashboard.ipynb"
PLOTLY = "application/vnd.plotly.v1+json"
DEFAULT_KPIS = {"self_sufficiency": "71.6 %", "self_consumption": "32.6 %",
                "traded": "35,472 Wh", "curtailed": "0 Wh", "mean_price": "21.7 ct/kWh",
                "welfare": "€7.39", "peak_import": "3.5 kW at 00:00",
                "max_loading": "27.4 % (carol)", "books": "yes"}


class CountingRunner:
    """The market-only runner, remembering every scenario it was asked to run."""

    def __init__(self):
        self.scenarios: list[Scenario] = []

    def __call__(self, scenario: Scenario):
        self.scenarios.append(scenario)
        return run_market_only(scenario)


@pytest.fixture
def runner():
    return CountingRunner()


@pytest.fixture
def board(runner):
    return dashboard(runner=runner)


def values(day) -> dict[str, str]:
    return {key: value for key, _, value in kpi_rows(day)}


def shown(board) -> dict[str, dict]:
    """What each figure output holds now: plotly's JSON, or nothing."""
    return {name: output.outputs[0]["data"][PLOTLY] if output.outputs else None
            for name, output in board.outputs.items()}


def as_json(figure) -> dict:
    """A figure as the dashboard shows it: plotly's JSON, resizing with its column."""
    shown = {**json.loads(figure.to_json()), "config": app.PLOTLY_CONFIG}
    shown["layout"]["title"]["font"] = app.DASHBOARD_TITLE_FONT
    return shown


# --- the scenario ---------------------------------------------------------------------

def test_the_default_scenario_is_a_june_day_on_a_street_of_twelve():
    scenario = Scenario()
    homes = app.street(scenario)
    assert scenario.day == date(2026, 6, 21) and len(homes) == 12
    assert [h.name for h in homes if h.has_pv] == ["alice", "carol", "erin", "grace", "ivan",
                                                   "kevin"]
    assert [h.name for h in homes if h.has_battery] == ["alice", "erin", "ivan"]
    assert scenario.mechanism_options == {"k_numerator": 50, "k_denominator": 100}
    assert Scenario(mechanism=PAY_AS_BID).mechanism_options == {}
    assert Scenario(mechanism=MCAFEE, k_percent=10).mechanism_options == {}


@pytest.mark.parametrize("fields, error, words", [
    ({"households": 0}, EnergyModelError, "households must be a whole number 1..200"),
    ({"households": 201}, EnergyModelError, "1..200"),
    ({"households": 12.0}, EnergyModelError, "households"),
    ({"pv_percent": 101}, EnergyModelError, "pv_percent must be a whole number 0..100"),
    ({"cloudiness_percent": -1}, EnergyModelError, "cloudiness_percent"),
    ({"k_percent": True}, EnergyModelError, "k_percent"),
    ({"pv_percent": 20, "battery_percent": 30}, EnergyModelError, "comes with PV"),
    ({"feed_in": 400_000}, InvalidTariffs, "must not be above retail"),
    ({"mechanism": "dutch"}, InvalidAuctionParameter, "unknown mechanism 'dutch'"),
    ({"agents": "greedy"}, EnergyModelError, "unknown agent mix 'greedy'"),
    ({"seed": -1}, EnergyModelError, "seed must be a whole number >= 0"),
    ({"day": "2026-06-21"}, EnergyModelError, "datetime.date"),
])
def test_a_scenario_that_cannot_run_cannot_be_built(fields, error, words):
    with pytest.raises(error, match=words):
        Scenario(**fields)


def test_a_seeded_scenario_gives_the_same_day_and_exact_key_figures():
    day = run_scenario(Scenario())
    assert day == run_scenario(Scenario())
    assert values(day) == DEFAULT_KPIS
    assert kpis.token_difference(day) == 0 and kpis.unbalanced(day) == ()
    assert sum(r.pv_wh for r in day.records) == 225_207


def test_clouds_take_sunshine_away_and_the_season_matters():
    def pv(**fields):
        return sum(r.pv_wh for r in run_scenario(Scenario(**fields)).records)

    assert pv(cloudiness_percent=0) == 272_440
    assert pv(cloudiness_percent=100) == 118_239
    assert pv(day=date(2026, 12, 21), cloudiness_percent=0) < pv(cloudiness_percent=0) // 3


def test_each_agent_mix_gives_each_home_its_strategy():
    scenario = Scenario()
    homes = app.street(scenario)
    mixed = run_scenario(scenario)
    assert dict(zip(mixed.names, mixed.agents)) == {
        h.name: "battery-aware" if h.has_battery else "price-ramp" for h in homes}
    for mix in ("truthful", "price-ramp", "battery-aware"):
        assert set(run_scenario(dataclasses.replace(scenario, agents=mix)).agents) == {mix}


def test_run_scenario_refuses_a_runner_that_answers_for_another_street():
    other = run_market_only(Scenario(households=5))
    with pytest.raises(EnergyModelError, match="the scenario has"):
        run_scenario(Scenario(), lambda scenario: other)
    with pytest.raises(EnergyModelError, match="must return a DayRecord, got dict"):
        run_scenario(Scenario(), lambda scenario: {})


def test_figures_and_key_figures_are_the_pure_builders_output():
    scenario = Scenario()
    day = run_scenario(scenario)
    figures = scenario_figures(scenario, day)
    assert list(figures) == ["energy", "price", "savings", "trades", "batteries",
                             "feeder"]                                   # no chain: no blocks
    assert list(figures["savings"].data[0].x) == list(day.names)
    assert figures["feeder"].layout.title.text.startswith("The feeder at 11:15 (slot 45)")
    one = scenario_figures(scenario, day, household="alice", slot=40)
    assert one["energy"].layout.title.text == "Energy through the day: alice"
    assert "(slot 40)" in one["feeder"].layout.title.text
    table = kpi_html(day)
    assert table.count("<tr ") == 9                   # no community fund without McAfee
    assert '<td data-kpi="traded" style="text-align:right"><b>35,472 Wh</b></td>' in table


# --- the widgets ----------------------------------------------------------------------

def test_the_dashboard_opens_on_the_default_day_drawn_by_the_pure_builders(board, runner):
    assert runner.scenarios == [Scenario()]
    assert board.scenario == Scenario()
    assert board.kpis.value == kpi_html(run_market_only(Scenario()))
    expected = scenario_figures(Scenario(), run_market_only(Scenario()))
    assert shown(board) == {**{name: as_json(f) for name, f in expected.items()}, "chain": None}
    assert all(control.continuous_update is False for control in board.controls.values()
               if hasattr(control, "continuous_update"))
    assert "12 homes, 6 with PV, 3 with a battery; the market alone" in board.status.value


def test_moving_the_households_slider_reruns_the_day_once_and_redraws_it(board, runner):
    board.controls["households"].value = 13
    after = Scenario(households=13)
    assert runner.scenarios == [Scenario(), after]
    assert board.scenario == after
    assert list(board.figures["savings"].data[0].x)[-1] == "mike"
    assert len(shown(board)["savings"]["data"][0]["x"]) == 13
    assert values(board.day) == {**DEFAULT_KPIS, "self_sufficiency": "72.8 %",
                                 "self_consumption": "33.6 %", "traded": "35,852 Wh",
                                 "mean_price": "21.1 ct/kWh", "welfare": "€7.40", "peak_import": "3.8 kW at 00:00"}
    assert board.kpis.value == kpi_html(run_market_only(after))
    assert shown(board)["price"] == as_json(scenario_figures(after, run_market_only(after))["price"])


def test_the_mechanism_menu_switches_the_market_and_k_only_applies_to_uniform_price(board, runner):
    assert board.controls["k_percent"].disabled is False
    board.controls["mechanism"].value = PAY_AS_BID
    assert board.controls["k_percent"].disabled is True
    assert board.scenario.mechanism == PAY_AS_BID and board.day.mechanism == PAY_AS_BID
    assert values(board.day)["mean_price"] == "28.8 ct/kWh"
    assert "(pay as bid)" in board.figures["price"].layout.title.text
    board.controls["mechanism"].value = UNIFORM_PRICE
    board.controls["k_percent"].value = 100          # the bid's price: buyers pay more
    assert board.scenario.mechanism_options == {"k_numerator": 100, "k_denominator": 100}
    assert len(runner.scenarios) == 4


def test_fewer_pv_homes_pull_the_battery_share_down_with_one_recomputation(board, runner):
    board.controls["pv_percent"].value = 10
    assert board.controls["battery_percent"].value == 10 == board.controls["battery_percent"].max
    assert runner.scenarios[1:] == [Scenario(pv_percent=10, battery_percent=10)]
    assert "EnergyModelError" not in board.status.value
    assert "12 homes, 2 with PV, 2 with a battery" in board.status.value


def test_a_lower_retail_tariff_pulls_the_feed_in_tariff_down(board, runner):
    board.controls["retail"].value = 5
    assert board.controls["feed_in"].value == 5
    assert board.scenario.tariffs.feed_in == board.scenario.tariffs.retail == 5
    assert runner.scenarios[1:] == [Scenario(feed_in=5, retail=5)]


def test_the_view_menus_always_show_a_choice(board):
    # ipywidgets reads a None value as "nothing selected": the menus must never hold one
    assert (board.household.index, board.household.label) == (0, "the whole street")
    assert (board.slot.index, board.slot.label) == (0, "busiest slot")
    board.household.value = "laura"
    board.controls["households"].value = 4              # laura moved away
    assert (board.household.index, board.household.label) == (0, "the whole street")
    assert board.figures["energy"].layout.title.text == "Energy through the day: Sunny Street"


def test_choosing_a_home_or_a_slot_redraws_without_rerunning_the_day(board, runner, monkeypatch):
    draws = []
    monkeypatch.setattr(app, "scenario_figures",
                        lambda *args: draws.append(args[2:]) or scenario_figures(*args))
    board.household.value = "bob"
    board.slot.value = 40
    assert len(runner.scenarios) == 1 and draws == [("bob", None), ("bob", 40)]
    assert board.figures["energy"].layout.title.text == "Energy through the day: bob"
    feeder_title = shown(board)["feeder"]["layout"]["title"]["text"]
    assert feeder_title.startswith("The feeder at 10:00 (slot 40)")
    board.controls["households"].value = 3             # bob still lives here
    assert board.household.value == "bob"
    assert draws[2:] == [("bob", 40)]                   # one redraw for the new street
    assert [label for label, _ in board.household.options] == ["the whole street", "alice",
                                                               "bob", "carol"]
    board.controls["households"].value = 1 + 1         # down to alice and bob
    board.controls["seed"].value = 7
    assert board.household.value == "bob" and board.scenario == Scenario(households=2, seed=7)
    assert board.figures["energy"].layout.title.text == "Energy through the day: bob"


def test_a_failing_run_says_what_went_wrong_and_keeps_the_last_good_figures():
    def broken(scenario):
        if scenario.households == 13:
            raise EnergyModelError("no meter readings for slot 3")
        return run_market_only(scenario)

    board = dashboard(runner=broken)
    before = shown(board)
    board.controls["households"].value = 13
    assert "EnergyModelError:</b> no meter readings for slot 3" in board.status.value
    assert board.scenario == Scenario() and shown(board) == before


def test_run_on_chain_is_disabled_and_explained_without_an_on_chain_runner(board):
    assert board.chain_button.disabled is True
    assert "on_chain_runner" in board.chain_note.value
    board.chain_button.click()                          # nothing happens
    assert board.day.blocks is None and shown(board)["chain"] is None


def test_run_on_chain_calls_the_second_runner_with_a_progress_bar_and_draws_the_chain(runner):
    calls = []

    def on_chain(scenario, progress):
        assert board.chain_button.disabled is True      # no second run while this one runs
        assert all(c.disabled for c in board.controls.values())   # nothing changes under it
        for _ in range(SLOTS_PER_DAY):
            progress(1)
        calls.append((scenario, progress.__self__.n, progress.__self__.total))
        day = run_market_only(scenario)
        blocks = (BlockRecord(1, day.start_timestamp + 3600, 4, 84_000, "grid-operator"),
                  BlockRecord(2, day.start_timestamp + 3605, 2, 42_000, "municipality"))
        return dataclasses.replace(day, blocks=blocks)

    board = dashboard(runner=runner, on_chain_runner=on_chain)
    assert board.chain_button.disabled is False and board.chain_note.value == ""
    board.controls["households"].value = 5
    board.chain_button.click()
    assert calls == [(Scenario(households=5), SLOTS_PER_DAY, SLOTS_PER_DAY)]
    assert board.chain_button.disabled is False
    assert "on the street&#x27;s three nodes" in board.status.value
    chain = shown(board)["chain"]
    assert chain["layout"]["title"]["text"] == "The chain: 2 blocks, 6 transactions"
    assert chain["data"][0]["y"] == [2]                # two blocks in hour 1
    assert "On chain:</b> 2 blocks, 6 transactions, 126,000 gas" in board.chain_figures.value
    board.controls["households"].value = 6             # a new street: the market again
    assert board.day.blocks is None and shown(board)["chain"] is None
    assert "the chain run is out of date" in board.status.value
    assert runner.scenarios == [Scenario(), Scenario(households=5), Scenario(households=6)]


def test_a_scenario_on_another_day_opens_with_that_day_in_the_menu():
    board = dashboard(scenario=Scenario(day=date(2026, 5, 1), households=4))
    assert board.controls["day"].value == date(2026, 5, 1)
    assert board.controls["day"].label == "01 May 2026"
    assert board.day.day == date(2026, 5, 1) and len(board.day.names) == 4


# --- the app notebook -----------------------------------------------------------------

def test_the_app_notebook_is_committed_executed_tagged_and_without_widget_state():
    notebook = json.loads(NOTEBOOK.read_text())
    assert "widgets" not in notebook["metadata"]
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert [cell["execution_count"] for cell in code] == [1]
    (cell,) = code
    assert "dashboard(on_chain_runner=run_on_chain)" in "".join(cell["source"])
    assert "nbval-ignore-output" in cell["metadata"]["tags"]
    mimes = {mime for output in cell["outputs"] for mime in output.get("data", {})}
    assert "application/vnd.jupyter.widget-view+json" in mimes


# --- what the dashboard explains --------------------------------------------------------------

def test_a_control_that_has_to_follow_another_says_why(board, runner):
    board.controls["battery_percent"].value = 25
    board.controls["pv_percent"].value = 10
    assert board.controls["battery_percent"].value == 10
    assert "the battery share went from 25 % to 10 %" in board.notes.value
    board.controls["households"].value = 11             # the next change: no stale note
    assert board.notes.value == ""
    board.controls["retail"].value = 50_000
    assert "went from 8 ct/kWh to 5 ct/kWh" in board.notes.value


def test_one_household_has_its_own_key_figures_and_battery_picture(board):
    board.household.value = "alice"
    assert 'data-kpi="bill"' in board.kpis.value and 'data-kpi="savings"' in board.kpis.value
    rows = {key: value for key, _, value in app.household_rows(board.day, "alice")}
    assert rows["agent"] == "battery-aware" and rows["bill"].startswith(("€", "-€"))
    assert board.figures["batteries"].layout.title.text == "alice's battery through the day"
    board.household.value = app.WHOLE_STREET
    assert 'data-kpi="welfare"' in board.kpis.value


def test_a_cable_over_its_rating_is_flagged_and_explained():
    thin = run_scenario(Scenario(households=12, pv_percent=100, battery_percent=0,
                                 cloudiness_percent=0, main_cable_kw=10))
    line, permille = app.fullest_line(thin)
    assert permille > 1000
    table = kpi_html(thin)
    assert f"{permille // 10}.{permille % 10} % ({line})" in table
    assert 'class="sunny-overload"' in table and "the grid operator's job" in table
    assert "sunny-overload" not in kpi_html(run_scenario(Scenario()))


def test_the_cables_ratings_are_settings_and_reach_the_feeder():
    scenario = Scenario(main_cable_kw=40, house_kw=11, transformer_kva=100)
    feeder = app.scenario_feeder(scenario)
    assert feeder.capacity_wh("bus-1") == 40_000 * 900 // 3600
    assert feeder.capacity_wh("alice") == 11_000 * 900 // 3600
    assert feeder.transformer_capacity_wh == 100_000 * 900 // 3600
    with pytest.raises(EnergyModelError, match="house_kw must be a whole number 1..10000"):
        Scenario(house_kw=0)


def test_mcafee_days_show_the_community_fund_and_others_do_not():
    assert "fund" not in values(run_scenario(Scenario(households=6)))
    assert "fund" in values(run_scenario(Scenario(households=6, mechanism=MCAFEE)))


def test_a_viewer_without_widgets_reads_a_sentence_not_a_repr(board):
    text = board._repr_mimebundle_()["text/plain"]
    assert text.startswith("The Sunny Street dashboard: run this notebook")


def test_the_crash_switch_runs_the_day_with_the_grid_operators_node_down_at_noon(runner):
    asked = []

    def on_chain(scenario, progress, crash=False):
        asked.append(crash)
        return run_market_only(scenario)

    board = dashboard(runner=runner, on_chain_runner=on_chain)
    board.chain_button.click()
    board.crash.value = True
    board.chain_button.click()
    assert asked == [False, True]
    assert "the grid operator&#x27;s node down from noon to one o&#x27;clock" in board.status.value
    assert board.crash.disabled is False and board.chain_button.disabled is False
