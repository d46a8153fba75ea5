"""The planner (chapter 12): when it stores, what it offers and at what price, from its forecast.

Each story is one household's view at one moment of a hand-made day: a 10 kWh battery
(1,250 Wh a slot in or out, 90 % round trip), tariffs of 8 (feed-in) and 32 (retail), so
energy it means to store is worth 32 x 0.9 = 28. The numbers are worked by hand in the
comments.
"""

from __future__ import annotations

import random
from datetime import date

from minichain.day.agents import Commitment, SlotView
from minichain.day.planner import Planner, input_for, look_ahead
from minichain.market.orders import BUY, SELL, Tariffs
from minichain.microgrid.household import Battery, BatterySpec, HouseholdDay

TARIFFS = Tariffs(feed_in=8, retail=32)
TEN_KWH = BatterySpec(capacity_wh=10_000, power_w=5_000)
SLOTS = 96


def profile(base: int, spans: dict[tuple[int, int], int] = {}) -> tuple[int, ...]:
    """``base`` Wh in every slot, and other values in the given [start, end) spans."""
    values = [base] * SLOTS
    for (start, end), value in spans.items():
        values[start:end] = [value] * (end - start)
    return tuple(values)


def view(slot, pv, load, stored=None, readings=None, committed=()) -> SlotView:
    now = slot - 2
    read = readings or HouseholdDay((), ())
    battery = None if stored is None else Battery(TEN_KWH, stored)
    return SlotView("alice", slot, now, date(2026, 6, 21), HouseholdDay(pv, load), read,
                    battery, tuple(committed), TARIFFS, (), random.Random(0))


def sides(intents):
    return [(i.side, i.quantity_wh, i.price) for i in intents]


SUNNY = profile(0, {(32, 72): 1500})             # 1.5 kWh a slot from 08:00 to 18:00
GREY = profile(0, {(40, 56): 300})               # a little sun around noon
QUIET = profile(150)                             # 150 Wh a slot, all day
EVENING = profile(150, {(68, 88): 600})          # and a cooking, washing evening


def test_with_plenty_of_sun_ahead_it_sells_its_surplus_rather_than_store_it():
    # From 09:15 the battery would fill in nine slots and stay full: a Wh stored now would
    # only push a later Wh out at feed-in. So all 1,350 Wh go on offer at feed-in.
    assert sides(Planner().orders(view(37, SUNNY, QUIET, stored=0))) == [(SELL, 1350, 8)]


def test_on_a_grey_day_it_stores_everything_and_buys_energy_to_store():
    # Noon's 150 Wh surplus will not fill the battery for the evening: it keeps all of it,
    # and buys what the battery can still take this slot (1,250 - 150) at 28.
    assert sides(Planner().orders(view(44, GREY, EVENING, stored=0))) == [(BUY, 1100, 28)]


def test_what_it_means_to_store_it_offers_only_at_what_storing_is_worth():
    # The day's last sunny slot, nearly full: 1,000 Wh of room takes 1,112 Wh in (1,000 /
    # 0.9, up); its 1,200 Wh surplus is more than that, so 88 go at feed-in and the 1,112
    # it needs for the evening are offered only to a buyer who pays 28.
    orders = Planner().orders(view(44, profile(0, {(44, 45): 1350}), EVENING, stored=9000))
    assert sides(orders) == [(SELL, 88, 8), (SELL, 1112, 28)]
    assert input_for(1000, 900) == 1112


def test_in_the_evening_it_offers_what_its_battery_holds_spare():
    # A full battery at 20:00; until tomorrow's sun it needs 15 x 300 (rest of the day)
    # + 32 x 150 (the early hours) = 9,300 Wh beyond this slot's 300: 400 Wh are spare.
    evening = profile(150, {(68, 96): 300})
    sunny_evening = tuple(max(p, 0) for p in SUNNY)
    assert sides(Planner().orders(view(80, sunny_evening, evening, stored=10_000))) == \
        [(SELL, 400, 8)]
    ahead = look_ahead(Battery(TEN_KWH, 9_700), sunny_evening[81:] + sunny_evening[:32],
                       evening[81:] + evening[:32], 900)
    assert (ahead.lacking_wh, ahead.spare_wh) == (0, 400)


def test_when_its_battery_will_run_empty_anyway_it_buys_now_what_it_needs():
    evening = profile(150, {(68, 96): 300})
    # 3,000 Wh will not last the night: a Wh bought now is a Wh kept for later.
    assert sides(Planner().orders(view(80, SUNNY, evening, stored=3_000))) == [(BUY, 300, 32)]


def test_without_a_battery_it_trades_its_outlook_at_its_real_value():
    assert sides(Planner().orders(view(40, SUNNY, QUIET))) == [(SELL, 1350, 8)]
    assert sides(Planner().orders(view(80, SUNNY, EVENING))) == [(BUY, 600, 32)]


def test_the_battery_it_plans_with_is_the_one_its_trades_leave_at_the_slot_start():
    # Now (slot 35) the battery holds 2,000 Wh; slots 35 and 36 are sold in full (1,350
    # each): the battery is untouched, so at slot 37 it still holds 2,000.
    deals = (Commitment(35, 0, 1350), Commitment(36, 0, 1350))
    sample = view(37, SUNNY, QUIET, stored=2_000, committed=deals)
    assert sample.expected_battery() == Battery(TEN_KWH, 2_000)
    unsold = view(37, SUNNY, QUIET, stored=2_000, committed=(Commitment(35, 0, 0),
                                                                Commitment(36, 0, 0)))
    assert unsold.expected_battery() == Battery(TEN_KWH, 2_000 + 2 * 1125)


def test_a_darker_hour_than_forecast_makes_it_offer_less():
    # Slots 36-39 made half their forecast: the rest of the day is expected at half too.
    readings = HouseholdDay(SUNNY[:32] + (750,) * 8, QUIET[:40])
    sample = view(42, SUNNY, QUIET, readings=readings)
    assert sides(Planner().orders(sample)) == [(SELL, 600, 8)]              # 750 - 150
    assert sides(Planner(intraday=False).orders(sample)) == [(SELL, 1350, 8)]
    assert Planner().outlook(sample).pv_wh[:40] == readings.pv_wh
