"""A reading no roof and battery could give is flagged, an honest one never (chapter 13).

Carol's 6 kWp roof faces south-east: on midsummer's day at 11:00 it can give at most
1,859 Wh in a quarter hour by the bound (clear sky, panels at 100 %, 25 % over-irradiance),
where the simulator's clear sky gives 1,190. At night only a battery can export. And
whatever the weather, no home of the simulated street ever produces more than its bound.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import given, settings, strategies as st

from minichain import cast
from minichain.errors import EnergyModelError
from minichain.microgrid.household import make_street
from minichain.microgrid.plausibility import (OVERIRRADIANCE_PERMILLE, Flag, chain_slot,
                                              check_export, check_oracle_reading,
                                              export_limit_wh)
from minichain.microgrid.profiles import SUNNY_STREET, cloudiness_day, pv_day

HOMES = {home.name: home for home in make_street(8, seed=0)}
ALICE, BOB, CAROL = HOMES["alice"], HOMES["bob"], HOMES["carol"]
DAY = cast.DAY
ELEVEN = 44                               # 11:00-11:15 local time


def test_the_homes_of_the_story():
    assert (CAROL.pv_peak_w, CAROL.pv_azimuth_deg, CAROL.battery) == (6_000, 135, None)
    assert (ALICE.pv_peak_w, ALICE.battery.power_w) == (3_500, 4_000)
    assert (BOB.pv_peak_w, BOB.battery) == (0, None)
    assert OVERIRRADIANCE_PERMILLE == 250


def test_carols_bound_at_eleven_on_midsummers_day():
    clear = pv_day(SUNNY_STREET, DAY, CAROL.pv_peak_w, None, CAROL.pv_tilt_deg,
                   CAROL.pv_azimuth_deg)
    assert (clear[ELEVEN], export_limit_wh(CAROL, SUNNY_STREET, DAY, ELEVEN)) == (1_190, 1_859)
    assert check_export(CAROL, SUNNY_STREET, DAY, ELEVEN, 1_859) is None
    flag = check_export(CAROL, SUNNY_STREET, DAY, ELEVEN, 1_860)
    assert flag == Flag("carol", DAY, ELEVEN, 1_860, 1_859)
    assert str(flag) == ("carol reported 1860 Wh exported in slot 44 of 2026-06-21; its panels "
                         "and battery can give at most 1859 Wh")


def test_at_night_only_a_battery_exports():
    assert [export_limit_wh(CAROL, SUNNY_STREET, DAY, s) for s in (0, 10, 88, 95)] == [0] * 4
    assert export_limit_wh(CAROL, SUNNY_STREET, DAY, 15) == 1     # dawn: a glimmer, 1 Wh
    assert check_export(CAROL, SUNNY_STREET, DAY, 0, 1).limit_wh == 0
    assert export_limit_wh(ALICE, SUNNY_STREET, DAY, 0) == 1_000      # 4 kW for a quarter hour
    assert all(export_limit_wh(BOB, SUNNY_STREET, DAY, s) == 0 for s in range(96))


def test_the_oracles_slots_count_from_genesis():
    assert chain_slot(SUNNY_STREET, cast.GENESIS_TIME, 0) == (DAY, 4)   # 01:00 local
    assert chain_slot(SUNNY_STREET, cast.GENESIS_TIME, 40) == (DAY, ELEVEN)
    assert chain_slot(SUNNY_STREET, cast.GENESIS_TIME, 92) == (DAY + timedelta(days=1), 0)
    assert check_oracle_reading(CAROL, SUNNY_STREET, cast.GENESIS_TIME, 40, 5_000).limit_wh \
        == 1_859


@pytest.mark.parametrize("slot, reading, message", [
    (96, 0, "slot must be within 0..95"),
    (ELEVEN, -1, "a reading is whole Wh >= 0"),
    (ELEVEN, 1.5, "a reading is whole Wh >= 0"),
])
def test_what_cannot_be_checked(slot, reading, message):
    with pytest.raises(EnergyModelError, match=message):
        check_export(CAROL, SUNNY_STREET, DAY, slot, reading)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(HOMES)), st.integers(0, 364), st.integers(0, 2 ** 32))
def test_no_home_of_the_simulated_street_ever_makes_more_than_its_bound(name, day_of_year,
                                                                        seed):
    """Whatever the sky, the whole year: PV plus a full battery stays within the bound (it
    once did not, by the 1 Wh the running-total rounding can carry into a slot at dusk)."""
    home = HOMES[name]
    day = date(2026, 1, 1) + timedelta(days=day_of_year)
    sky = cloudiness_day(SUNNY_STREET, day, random.Random(seed), spread=0.3)
    pv = pv_day(SUNNY_STREET, day, home.pv_peak_w, sky, home.pv_tilt_deg, home.pv_azimuth_deg)
    battery = home.battery.limit_wh() if home.battery else 0
    for slot, wh in enumerate(pv):
        assert wh + battery <= export_limit_wh(home, SUNNY_STREET, day, slot)
