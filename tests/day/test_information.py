"""What an agent knows when it bids (chapter 12): its forecast and its past, never the slot's truth.

The story: a household's agent is asked for its orders for slot s at the gate closure of
slot s - 1, when slot s - 2 starts. A spy agent writes down every view it is shown on a
whole day of the small street and each view is held against the day's record: the
battery is the one the meter knew as slot s - 2 started, the readings are exactly the
slots that had ended, the trades committed are the cleared ones not yet delivered, and
the forecast is the home's day-ahead forecast, not its day. Changing the truth of the
afternoon changes no order placed before the afternoon began. Perfect foresight is the
one agent that sees the truth, and only because it is handed it.
"""

from __future__ import annotations

import dataclasses

import pytest

from minichain.day import kpis
from minichain.day.agents import PerfectForesight, SlotView, Truthful
from minichain.day.native import NativeMarket
from minichain.day.planner import Planner
from minichain.day.runner import BID_AHEAD, run_day
from minichain.day.scenario import Scenario, plan
from minichain.microgrid.household import HouseholdDay

SMALL = Scenario(households=6, seed=3, pv_percent=70, battery_percent=30,
                 cloudiness_percent=30, agents="truthful")


class Spy:
    """Truthful bidding that writes down every view it is shown."""

    name = "spy"

    def __init__(self):
        self.views: list[SlotView] = []

    def orders(self, view):
        self.views.append(view)
        return Truthful().orders(view)


@pytest.fixture(scope="module")
def spied():
    spy = Spy()
    whole = plan(SMALL)
    day = run_day(dataclasses.replace(whole, agents=(spy,) * len(whole.households)),
                  NativeMarket())
    return whole, day, spy.views


def test_an_agent_bids_for_slot_s_as_slot_s_minus_2_starts(spied):
    whole, day, views = spied
    assert len(views) == 96 * 6 and BID_AHEAD == 2
    assert {(v.slot - v.now) for v in views} == {2}
    assert [v.slot for v in views[:6]] == [0] * 6 and views[0].now == -2


def test_the_view_holds_the_forecast_not_the_truth(spied):
    whole, day, views = spied
    for view in views:
        i = whole.names.index(view.household)
        assert view.forecast == whole.forecasts[i]
        assert view.day == whole.day and view.tariffs == whole.tariffs
    alice = whole.names.index("alice")
    assert whole.forecasts[alice] != whole.days[alice]        # a forecast is not the truth


def test_readings_battery_and_commitments_are_what_had_happened_by_then(spied):
    whole, day, views = spied
    for view in views:
        records = day.household_records(view.household)
        ended = max(0, view.now)
        truth = whole.days[whole.names.index(view.household)]
        assert view.readings == HouseholdDay(truth.pv_wh[:ended], truth.load_wh[:ended])
        stored = view.battery_now.stored_wh if view.battery_now else 0
        start = records[view.now].stored_start_wh if view.now >= 0 else \
            day.initial_stored_wh[day.names.index(view.household)]
        assert stored == start
        assert [(c.slot, c.bought_wh, c.sold_wh) for c in view.committed] == \
            [(s, records[s].bought_wh, records[s].sold_wh) for s in range(ended, view.slot)]


def test_with_forecasts_a_seller_sometimes_falls_short_and_pays_for_it(spied):
    _, day, _ = spied
    assert sum(r.shortfall_paid for r in day.records) > 0
    assert kpis.unbalanced(day) == () and kpis.token_difference(day) == 0


@pytest.mark.parametrize("changed_from", [30, 52])
def test_the_truth_of_later_slots_changes_no_order_placed_before_them(changed_from):
    whole = dataclasses.replace(plan(SMALL), agents=(Planner(),) * 6)   # it reads its meters
    brighter = tuple(HouseholdDay(d.pv_wh[:changed_from] + tuple(2 * v for v in d.pv_wh[changed_from:]),
                                  d.load_wh[:changed_from] + tuple(v + 100 for v in d.load_wh[changed_from:]))
                     for d in whole.days)
    same = run_day(whole, NativeMarket())
    other = run_day(dataclasses.replace(whole, days=brighter), NativeMarket())
    # Orders for slot s are made as slot s - 2 starts, from the readings of slots < s - 2.
    last_blind = changed_from + BID_AHEAD
    assert [(s.orders, s.bid_wh, s.ask_wh) for s in same.slots[:last_blind + 1]] == \
        [(s.orders, s.bid_wh, s.ask_wh) for s in other.slots[:last_blind + 1]]
    # ... and the very next slot's orders already know what the meters read.
    first = same.slots[last_blind + 1]
    assert (first.bid_wh, first.ask_wh) != \
        (other.slots[last_blind + 1].bid_wh, other.slots[last_blind + 1].ask_wh)


def test_perfect_foresight_alone_sees_the_truth_and_then_its_battery_is_exactly_right():
    whole = plan(SMALL)
    seen = []

    def look(view):
        seen.append((view.household, view.slot, view.expected_battery(), view.forecast))
        return Truthful().orders(view)
    agents = tuple(PerfectForesight(truth, look) for truth in whole.days)
    day = run_day(dataclasses.replace(whole, agents=agents), NativeMarket())
    assert day.agents == ("perfect foresight",) * 6
    for name, slot, battery, forecast in seen:
        i = whole.names.index(name)
        assert forecast == whole.days[i]
        assert (battery.stored_wh if battery else 0) == \
            day.household_records(name)[slot].stored_start_wh
    # Truthful bidding with the truth: no seller ever falls short.
    assert sum(r.shortfall_paid for r in day.records) == 0
    with pytest.raises(Exception, match="handed 3 slots of truth for a day of 96 slots"):
        run_day(dataclasses.replace(whole, agents=(PerfectForesight(
            HouseholdDay((0,) * 3, (0,) * 3)),) * 6), NativeMarket())


def test_the_default_day_with_forecasts_against_the_same_day_with_a_crystal_ball():
    from minichain.day import kpis as k
    whole = plan(Scenario())                           # the dashboard's default day
    honest = run_day(whole, NativeMarket())
    crystal = run_day(dataclasses.replace(whole, forecasts=whole.days), NativeMarket())
    assert k.permille(k.self_sufficiency(honest)) == 716
    assert k.permille(k.self_sufficiency(crystal)) == 767
    assert (k.summary(honest).traded_wh, k.summary(crystal).traded_wh) == (35_472, 34_112)
    assert sum(r.shortfall_paid for r in crystal.records) == 0
    assert sum(r.shortfall_paid for r in honest.records) > 0
