"""The Sunny Street dashboard's figures, read as data (chapter 11)."""

from __future__ import annotations

import dataclasses
from datetime import date

import plotly.graph_objects as go
import pytest

from minichain.day import kpis
from minichain.day.agents import BatteryAware, PriceRamp, Truthful
from minichain.market.auction import PAY_AS_BID
from minichain.microgrid.grid import make_feeder
from minichain.microgrid.household import BatterySpec, Household, HouseholdDay, household_day, \
    make_street
from minichain.market.orders import STREET_TARIFFS
from minichain.microgrid.profiles import SUNNY_STREET, cloudiness_day, weather_rng
from minichain.day.records import BlockRecord
from market_fixtures import market_only
from minichain.errors import EnergyModelError, GridError
from minichain.viz import dashboard as db

TARIFFS = STREET_TARIFFS              # 8 and 32 ct/kWh
MIDSUMMER = date(2026, 6, 21)


@pytest.fixture(scope="module")
def story():
    """Three homes, three slots: alice sells at noon, carol's battery covers her night."""
    homes = (Household("alice", 1, 1900, pv_peak_w=3000), Household("bob", 2, 2890),
             Household("carol", 2, 2890, pv_peak_w=4000, battery=BatterySpec(10_000, 5_000)))
    days = (HouseholdDay((1000, 1200, 0), (200, 200, 300)),
            HouseholdDay((0, 0, 0), (500, 400, 200)),
            HouseholdDay((0, 900, 0), (300, 100, 400)))
    feeder = make_feeder([h.name for h in homes])
    return market_only(homes, days, Truthful(), TARIFFS, feeder, MIDSUMMER), \
        feeder


@pytest.fixture(scope="module")
def street():
    homes = make_street(20, seed=1)
    sky = cloudiness_day(SUNNY_STREET, MIDSUMMER, weather_rng(1, MIDSUMMER))
    days = [household_day(h, SUNNY_STREET, MIDSUMMER, sky, seed=1) for h in homes]
    feeder = make_feeder([h.name for h in homes])
    agents = {h.name: BatteryAware() if h.battery else PriceRamp() for h in homes}
    return market_only(homes, days, agents, TARIFFS, feeder, MIDSUMMER,
                                        mechanism=PAY_AS_BID, seed=2), feeder


def traces(figure: go.Figure) -> dict[str, go.BaseTraceType]:
    return {trace.name: trace for trace in figure.data}


def readable(figure: go.Figure) -> None:
    """Back-row rule: big fonts, a title, and axes that say what they show."""
    assert figure.layout.font.size >= 18 and figure.layout.title.font.size >= 24
    assert figure.layout.title.text


# --- energy ---------------------------------------------------------------------------

def test_energy_flows_stack_sources_up_and_uses_down_and_mirror_each_other(story):
    day, _ = story
    figure = db.energy_flows_figure(day)
    readable(figure)
    assert [t.name for t in figure.data] == ["PV", "battery out", "bought from neighbours",
                                             "from the utility", "load", "battery in",
                                             "sold to neighbours", "to the utility"]
    named = traces(figure)
    assert list(named["PV"].x) == [0.0, 0.25, 0.5]
    assert list(named["PV"].y) == [1.0, 2.1, 0.0]                        # kWh per slot
    assert list(named["load"].y) == [-1.0, -0.7, -0.9]
    assert list(named["bought from neighbours"].customdata) == [800, 400, 0]
    assert list(named["battery in"].customdata) == [0, 800, 0]
    assert list(named["from the utility"].customdata) == [0, 0, 500]
    for slot in range(3):                         # every Wh that came in went somewhere
        sources = sum(t.customdata[slot] for t in figure.data if t.stackgroup == "sources")
        uses = sum(t.customdata[slot] for t in figure.data if t.stackgroup == "uses")
        assert sources == uses
    assert figure.layout.xaxis.title.text == "hour of the day"
    assert figure.layout.yaxis.title.text == "kWh per 15 minutes (sources + / uses -)"


def test_energy_flows_of_one_home(story):
    day, _ = story
    figure = db.energy_flows_figure(day, "carol")
    assert figure.layout.title.text == "Energy through the day: carol"
    named = traces(figure)
    assert list(named["battery out"].customdata) == [0, 0, 400]
    assert list(named["bought from neighbours"].customdata) == [300, 0, 0]
    with pytest.raises(EnergyModelError, match="no household 'zed'"):
        db.energy_flows_figure(day, "zed")


# --- prices ---------------------------------------------------------------------------

def test_the_price_sits_inside_the_tariff_band(story):
    day, _ = story
    figure = db.price_figure(day)
    readable(figure)
    named = traces(figure)
    assert list(named["feed-in tariff (8 ct/kWh)"].y) == [8, 8, 8]
    assert list(named["retail tariff (32 ct/kWh)"].y) == [32, 32, 32]
    assert named["retail tariff (32 ct/kWh)"].fill == "tonexty"   # the band is shaded
    price = named["clearing price"]
    assert list(price.y) == [20, 20, None]                         # no trade at night: a gap
    assert list(price.error_y.array) == [0, 0, None]
    assert list(named["traded kWh (right axis)"].y) == [0.8, 0.4, 0.0]
    assert named["traded kWh (right axis)"].yaxis == "y2"
    assert figure.layout.yaxis.title.text == "ct per kWh"
    assert figure.layout.yaxis2.tickformat == ".1f"               # no 0.186, 0.372 ... ticks
    assert list(figure.layout.xaxis.range) == [0, 0.75]            # the day's three slots


def test_a_day_without_trades_says_so_instead_of_empty_axes(story):
    day, _ = story
    quiet = dataclasses.replace(day, slots=tuple(dataclasses.replace(s, trades=())
                                                 for s in day.slots))
    figure = db.price_figure(quiet)
    assert figure.data == ()
    assert figure.layout.annotations[0].text.startswith("Nobody traded with a neighbour")


def test_pay_as_bid_prices_show_their_spread(street):
    day, _ = street
    figure = db.price_figure(day)
    price = traces(figure)["clearing price"]
    stats = kpis.price_stats(day)
    ct = 10_000
    assert list(price.y) == [None if s.price is None else s.price / ct for s in day.slots]
    for slot, stat in enumerate(stats):
        if stat.trades:
            assert price.error_y.array[slot] == pytest.approx(
                (stat.max_price - day.slots[slot].price) / ct)
            assert price.error_y.arrayminus[slot] == pytest.approx(
                (day.slots[slot].price - stat.min_price) / ct)
    assert any(s.trades and s.max_price > s.min_price for s in stats)
    assert "(pay as bid)" in figure.layout.title.text           # as people say it


# --- money ----------------------------------------------------------------------------

def test_savings_per_household_in_green_and_red(story, street):
    day, _ = story
    figure = db.savings_figure(day)
    readable(figure)
    [bars] = figure.data
    assert list(bars.x) == ["alice", "bob", "carol"]
    assert list(bars.y) == [0.144, 0.108, 0.036]                  # € saved
    assert list(bars.text) == ["€0.14", "€0.11", "€0.04"]
    assert list(bars.marker.color) == [db.SAVED] * 3
    assert figure.layout.title.text == "Savings against no trading: community welfare €0.29"
    assert [list(c) for c in bars.customdata] == [["-€0.19", "-€0.05", "truthful"],
                                                  ["€0.24", "€0.35", "truthful"],
                                                  ["€0.06", "€0.10", "truthful"]]
    big, _ = street
    [bars] = db.savings_figure(big).data
    saved = kpis.savings(big)
    assert list(bars.y) == [saved[n] / 1_000_000 for n in big.names]
    assert list(bars.marker.color) == [db.SAVED if saved[n] >= 0 else db.LOST for n in big.names]


# --- the feeder -----------------------------------------------------------------------

def test_a_street_of_200_homes_is_drawn_small_named_on_hover_and_stretched_to_read():
    from minichain.day.scenario import Scenario, run_scenario, scenario_feeder
    scenario = Scenario(households=200, seed=1)
    day, feeder = run_scenario(scenario), scenario_feeder(scenario)
    figure = db.feeder_figure(day, feeder)
    readable(figure)
    homes = [trace for trace in figure.data if trace.name.startswith("home ")]
    assert sorted(h for trace in homes for h in trace.text) == sorted(feeder.households)
    assert all(trace.mode == "markers" and trace.marker.size == 7 for trace in homes)
    assert len(feeder.households) == 200 > db.LABELLED_HOMES
    assert figure.layout.yaxis.scaleanchor is None           # not a 40:1 sliver
    widths = [trace.line.width for trace in figure.data if trace.name in feeder.lines]
    assert len(widths) == 300 and min(widths) >= 1 and max(widths) == 6


def test_loading_colours_run_green_yellow_red_dark_red():
    assert db.loading_colour(0) == "rgb(26, 152, 80)"
    assert db.loading_colour(500) == "rgb(254, 224, 139)"
    assert db.loading_colour(1000) == "rgb(215, 48, 39)"
    assert db.loading_colour(1500) == db.loading_colour(9000) == "rgb(103, 0, 31)"
    assert db.loading_colour(250) == "rgb(140, 188, 110)"          # halfway green -> yellow


def test_the_feeder_map_draws_every_line_by_loading_flow_and_direction(story):
    day, feeder = story
    figure = db.feeder_figure(day, feeder, slot=1)
    readable(figure)
    assert figure.layout.title.text == \
        "The feeder at 00:15 (slot 1): flows physical, from the meters"
    named = traces(figure)
    flows = dict(zip(feeder.lines, day.slots[1].line_flows_wh))
    assert flows == {"bus-1": 600, "alice": 1000, "bob": -400, "bus-2": 0, "carol": 0}
    for line in feeder.lines:
        trace = named[line]
        up = feeder.upstream(line)
        assert (list(trace.x), list(trace.y)) == (
            [feeder.graph.nodes[line]["pos"][0], feeder.graph.nodes[up]["pos"][0]],
            [feeder.graph.nodes[line]["pos"][1], feeder.graph.nodes[up]["pos"][1]])
        loading = kpis.loading_permille(flows[line], feeder.capacity_wh(line))
        assert trace.line.color == db.loading_colour(loading)
    assert named["alice"].line.width == db.MAX_LINE_WIDTH            # the largest flow
    assert named["bus-2"].line.width == db.MIN_LINE_WIDTH            # idle
    # One arrow per line that carries energy, from 30 % to 70 % of the way it runs.
    pos = {n: feeder.graph.nodes[n]["pos"] for n in ("alice", "bob", "bus-1", "transformer")}

    def arrow(start, end):
        return tuple(round(v, 6) for v in (start[0] + 0.7 * (end[0] - start[0]),
                                           start[1] + 0.7 * (end[1] - start[1]),
                                           start[0] + 0.3 * (end[0] - start[0]),
                                           start[1] + 0.3 * (end[1] - start[1])))
    assert {tuple(round(v, 6) for v in (a.x, a.y, a.ax, a.ay))
            for a in figure.layout.annotations} == {
        arrow(pos["alice"], pos["bus-1"]),                 # alice exports: up
        arrow(pos["bus-1"], pos["bob"]),                   # bob imports: down
        arrow(pos["bus-1"], pos["transformer"])}           # the street exports: up
    # Homes by what their meter shows.
    assert list(named["home exporting"].text) == ["alice"]
    assert list(named["home importing"].text) == ["bob"]
    assert list(named["home idle"].text) == ["carol"]
    assert list(named["transformer"].x) == [0.0]


def test_the_feeder_map_shows_the_busiest_slot_and_booked_flows_on_request(story):
    day, feeder = story
    assert db.busiest_slot(day) == 1                # alice's 1,000 Wh on her connection
    assert db.feeder_figure(day, feeder).layout.title.text.startswith("The feeder at 00:15")
    booked = db.feeder_figure(day, feeder, slot=0, booked=True)
    assert booked.layout.title.text.endswith("flows booked by the market")
    assert traces(booked)["bus-2"].line.color == db.loading_colour(12)   # 300 of 25,000 Wh
    with pytest.raises(GridError, match="different feeder"):
        db.feeder_figure(day, make_feeder(["alice", "bob", "carol", "dave"]))
    with pytest.raises(EnergyModelError, match="slot must be 0..2"):
        db.feeder_figure(day, feeder, slot=3)


# --- the chain ------------------------------------------------------------------------

def test_chain_statistics_per_hour(story):
    day, _ = story
    empty = db.chain_figure(day)
    assert empty.data == ()
    assert empty.layout.annotations[0].text == "This day ran without the chain: no blocks to show."
    start = day.start_timestamp
    blocks = (BlockRecord(1, start - 600, 2, 50_000), BlockRecord(2, start + 5, 0, 0),
              BlockRecord(3, start + 3599, 3, 70_000), BlockRecord(4, start + 7300, 1, 21_000))
    figure = db.chain_figure(dataclasses.replace(day, blocks=blocks))
    readable(figure)
    named = traces(figure)
    assert list(named["blocks"].x) == [-1, 0, 1, 2]      # hour -1: orders before midnight
    assert list(named["blocks"].y) == [1, 2, 0, 1]
    assert list(named["transactions"].y) == [2, 3, 0, 1]
    assert list(named["gas (millions)"].y) == [0.05, 0.07, 0, 0.021]
    # three counts, three axes: 4 blocks an hour never share an axis with 160 transactions
    assert (named["blocks"].yaxis, named["transactions"].yaxis, named["gas (millions)"].yaxis) \
        == ("y", "y2", "y3")
    assert figure.layout.title.text == "The chain: 4 blocks, 6 transactions"


# --- who traded with whom, batteries ------------------------------------------------------

def test_the_trade_map_says_who_sold_how_much_to_whom(story):
    day, _ = story
    assert db.trade_matrix(day) == (["alice"], ["bob", "carol"], [[900, 300]])
    assert db.trade_matrix(day, slot=1) == (["alice"], ["bob"], [[400]])
    figure = db.trades_figure(day)
    [heat] = figure.data
    assert list(heat.y) == ["alice"] and list(heat.x) == ["bob", "carol"]
    assert [list(row) for row in heat.z] == [[0.9, 0.3]]
    assert db.trades_figure(day, slot=2).layout.annotations[0].text == \
        "No neighbour traded with another in this slot."


def test_the_battery_picture_follows_each_home_battery_in_percent(story):
    day, _ = story
    figure = db.battery_figure(day)
    [carol] = figure.data
    assert carol.name == "carol (10 kWh)"
    stored = [r.stored_end_wh for r in day.household_records("carol")]
    assert list(carol.y) == [0.0] + [100 * wh / 10_000 for wh in stored]
    assert list(carol.x) == [0.0, 0.25, 0.5, 0.75]
    assert db.battery_figure(day, "alice").layout.annotations[0].text == "alice has no battery."


# --- the models behind one home's day -------------------------------------------------------

def test_a_homes_day_shows_each_model_beside_its_forecast_and_the_sky_in_per_cent():
    figure = db.home_day_figure("alice", (0, 800, 1200, 0), (0, 400, 1000, 0), (0, 500, 900, 0),
                                (100, 150, 200, 300), (120, 120, 250, 250),
                                (0.2, 0.6, 0.3, 0.3), (0.4, 0.4, 0.4, 0.5))
    readable(figure)
    shown = traces(figure)
    assert list(shown) == ["PV under a clear sky", "PV under the day's clouds",
                           "PV forecast (day ahead)", "use (H0 with the home's own noise)",
                           "use forecast (day ahead)", "cloudiness", "cloudiness forecast"]
    assert shown["PV under the day's clouds"].y == (0.0, 0.4, 1.0, 0.0)        # kWh
    assert shown["use forecast (day ahead)"].y == (0.12, 0.12, 0.25, 0.25)
    assert shown["cloudiness"].y == (20.0, 60.0, 30.0, 30.0)                   # per cent
    assert shown["cloudiness"].yaxis == "y2" and shown["PV under a clear sky"].yaxis == "y"
    assert shown["cloudiness"].x == (0.0, 0.25, 0.5, 0.75)                     # hours
    assert figure.layout.yaxis2.range == (0, 100)
    assert "alice's day" in figure.layout.title.text


def test_a_homes_day_refuses_series_of_different_lengths():
    with pytest.raises(EnergyModelError, match=r"one value per slot, got lengths \[2, 1"):
        db.home_day_figure("alice", (0, 1), (0,), (0, 1), (0, 1), (0, 1), (0.1, 0.2),
                           (0.1, 0.2))
