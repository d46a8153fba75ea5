"""Households, their batteries and the seeded street they live on."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain.encoding import decode, encode
from minichain.microgrid import household as hh
from minichain.microgrid.household import (Battery, BatterySpec, Household, charge, discharge,
                                        make_street, self_consume)
from minichain.microgrid.profiles import SUNNY_STREET, EnergyModelError, day_energy_wh

MIDSUMMER = date(2026, 6, 21)
TEN_KWH = BatterySpec(capacity_wh=10_000, power_w=5_000, efficiency_permille=900)


# --- batteries ------------------------------------------------------------------------

def test_a_battery_spec_is_checked_when_built():
    assert TEN_KWH.limit_wh() == 1250                          # 5 kW for a quarter hour
    assert TEN_KWH.limit_wh(slot_seconds=3600) == 5000
    with pytest.raises(EnergyModelError, match="capacity_wh"):
        BatterySpec(0, 5000)
    with pytest.raises(EnergyModelError, match="power_w"):
        BatterySpec(10_000, 5000.0)
    with pytest.raises(EnergyModelError, match="efficiency_permille"):
        BatterySpec(10_000, 5000, 1001)
    with pytest.raises(EnergyModelError, match="stored_wh"):
        Battery(TEN_KWH, 10_001)


def test_charging_books_the_whole_round_trip_loss_on_the_way_in():
    result = charge(Battery(TEN_KWH), 2000)
    # The inverter passes at most 1,250 Wh in 15 minutes; 90 % of it is stored.
    assert (result.accepted_wh, result.stored_wh, result.loss_wh) == (1250, 1125, 125)
    assert result.battery == Battery(TEN_KWH, 1125)
    assert result.battery.soc_permille == 112


def test_a_nearly_full_battery_takes_only_what_fits():
    result = charge(Battery(TEN_KWH, 9950), 1000)
    # 50 Wh of room: 56 Wh in stores 50 (56 x 0.9 = 50.4, rounded down); 57 would store 51.
    assert (result.accepted_wh, result.stored_wh, result.loss_wh) == (56, 50, 6)
    assert result.battery.stored_wh == 10_000
    assert charge(result.battery, 500).accepted_wh == 0             # full takes nothing


def test_discharging_is_lossless_and_limited_by_power_and_content():
    assert discharge(Battery(TEN_KWH, 9000), 3000).delivered_wh == 1250
    low = discharge(Battery(TEN_KWH, 300), 1000)
    assert (low.delivered_wh, low.battery.stored_wh) == (300, 0)
    assert discharge(Battery(TEN_KWH), 100).delivered_wh == 0


def test_a_full_round_trip_returns_ninety_percent():
    battery, put_in = Battery(TEN_KWH), 0
    for _ in range(8):
        step = charge(battery, 1250)
        battery, put_in = step.battery, put_in + step.accepted_wh
    taken_out = 0
    while battery.stored_wh:
        step = discharge(battery, 1250)
        battery, taken_out = step.battery, taken_out + step.delivered_wh
    assert (put_in, taken_out) == (10_000, 9_000)


def test_bad_amounts_are_refused():
    with pytest.raises(EnergyModelError, match="offered_wh"):
        charge(Battery(TEN_KWH), -1)
    with pytest.raises(EnergyModelError, match="wanted_wh"):
        discharge(Battery(TEN_KWH), 1.5)
    with pytest.raises(EnergyModelError, match="soc_permille"):
        Battery.at_soc(TEN_KWH, 1200)
    assert Battery.at_soc(TEN_KWH, 333).stored_wh == 3330


specs = st.builds(BatterySpec, st.integers(1, 20_000), st.integers(1, 10_000), st.integers(1, 1000))
steps = st.lists(st.tuples(st.booleans(), st.integers(0, 5000)), max_size=40)


@settings(deadline=None, max_examples=150)
@given(spec=specs, start=st.integers(0, 1000), actions=steps)
def test_every_step_balances_exactly_and_stays_within_limits(spec, start, actions):
    battery = Battery.at_soc(spec, start)
    for is_charge, amount in actions:
        before = battery.stored_wh
        if is_charge:
            result = charge(battery, amount)
            assert result.accepted_wh <= min(amount, spec.limit_wh())
            assert result.accepted_wh == (result.battery.stored_wh - before) + result.loss_wh
            assert result.loss_wh >= 0
            if result.accepted_wh < min(amount, spec.limit_wh()):       # it took all that fits
                room = spec.capacity_wh - before
                assert room == 0 or (result.accepted_wh + 1) * spec.efficiency_permille // 1000 > room
        else:
            result = discharge(battery, amount)
            assert result.delivered_wh <= min(amount, spec.limit_wh())
            assert result.delivered_wh == before - result.battery.stored_wh
        battery = result.battery
        assert 0 <= battery.stored_wh <= spec.capacity_wh


# --- behind the meter -----------------------------------------------------------------

def test_own_use_first_then_the_battery_then_the_grid():
    sunny = self_consume(Battery(TEN_KWH), pv_wh=2000, load_wh=300)
    assert (sunny.self_used_wh, sunny.charged_wh, sunny.loss_wh, sunny.export_wh) == (300, 1250, 125, 450)
    evening = self_consume(sunny.battery, pv_wh=0, load_wh=600)
    assert (evening.discharged_wh, evening.import_wh, evening.battery.stored_wh) == (600, 0, 525)
    no_battery = self_consume(None, pv_wh=100, load_wh=400)
    assert (no_battery.self_used_wh, no_battery.import_wh, no_battery.battery) == (100, 300, None)


@settings(deadline=None, max_examples=150)
@given(spec=specs, start=st.integers(0, 1000), pv=st.integers(0, 5000), load=st.integers(0, 5000))
def test_the_meter_balances_exactly(spec, start, pv, load):
    slot = self_consume(Battery.at_soc(spec, start), pv, load)
    assert pv + slot.discharged_wh + slot.import_wh == load + slot.charged_wh + slot.export_wh
    assert slot.export_wh == 0 or slot.import_wh == 0


# --- households and the street --------------------------------------------------------

def test_a_household_is_whole_numbers_and_can_go_on_chain():
    home = Household("alice", persons=2, annual_kwh=2890, pv_peak_w=6000, battery=TEN_KWH)
    assert home.has_pv and home.has_battery
    assert decode(encode(home))["battery"]["capacity_wh"] == 10_000
    with pytest.raises(EnergyModelError, match="annual_kwh"):
        Household("bob", persons=1, annual_kwh=1900.0)
    with pytest.raises(EnergyModelError, match="pv_azimuth_deg"):
        Household("bob", persons=1, annual_kwh=1900, pv_azimuth_deg=360)


def test_names_are_reproducible_wallet_seeds():
    names = hh.household_names(28)
    assert names[:5] == ("alice", "bob", "carol", "dave", "erin")
    assert names[25:] == ("zoe", "alice2", "bob2")
    assert len(set(names)) == 28


def test_the_same_seed_builds_the_same_street():
    street = make_street(4, pv_share=0.5, battery_share=0.25, seed=0)
    assert street == make_street(4, pv_share=0.5, battery_share=0.25, seed=0)
    assert street != make_street(4, pv_share=0.5, battery_share=0.25, seed=1)
    assert street == (
        Household("alice", 1, 1900, 3500, 30, 135, BatterySpec(8_000, 4000, 900)),
        Household("bob", 1, 1900, 0, 30, 180, None),
        Household("carol", 4, 4085, 6000, 30, 135, None),
        Household("dave", 1, 1900, 0, 30, 180, None),
    )


def test_a_household_is_the_same_home_on_a_short_and_a_long_street():
    for seed in (0, 1, 7):
        assert make_street(6, 0.5, 0.25, seed) == make_street(40, 0.5, 0.25, seed)[:6]
        assert make_street(3, 0.3, 0.1, seed) == make_street(30, 0.3, 0.1, seed)[:3]
    for n in range(1, 41):
        street = make_street(n, 0.3, 0.2, seed=2)
        assert street[0].has_pv and street[0].has_battery          # Alice, whenever anyone has
        assert sum(h.has_pv for h in street) == -(-n * 3 // 10)      # ceil(n x 30 %)
        assert all(h.has_pv for h in street if h.has_battery)


def test_a_street_uses_real_figures():
    street = make_street(40, pv_share=0.5, battery_share=0.25, seed=3)
    assert [h.name for h in street[:3]] == ["alice", "bob", "carol"]
    with_pv = [h for h in street if h.has_pv]
    with_battery = [h for h in street if h.has_battery]
    assert (len(with_pv), len(with_battery)) == (20, 10)
    assert all(h.has_pv for h in with_battery)                       # batteries come with PV
    assert all(h.annual_kwh == {1: 1900, 2: 2890, 3: 3720, 4: 4085}[h.persons] for h in street)
    assert all(3000 <= h.pv_peak_w <= 10_000 for h in with_pv)
    assert all(5000 <= h.battery.capacity_wh <= 13_000 for h in with_battery)
    assert all(h.battery.power_w * 2 == h.battery.capacity_wh for h in with_battery)
    assert {h.persons for h in street} == {1, 2, 3, 4}


def test_street_shares_are_checked():
    with pytest.raises(EnergyModelError, match="exceeds pv_share"):
        make_street(10, pv_share=0.2, battery_share=0.5)
    with pytest.raises(EnergyModelError, match="pv_share"):
        make_street(10, pv_share=1.5)
    with pytest.raises(EnergyModelError, match="n_households"):
        make_street(0)
    assert sum(h.has_pv for h in make_street(5, pv_share=0.5, battery_share=0.0)) == 3   # 2.5 -> 3


def test_a_household_day_is_seeded_per_name_and_day():
    home = Household("alice", persons=2, annual_kwh=2890, pv_peak_w=6000)
    neighbour = Household("bob", persons=2, annual_kwh=2890)
    day = hh.household_day(home, SUNNY_STREET, MIDSUMMER, None, seed=1)
    assert day == hh.household_day(home, SUNNY_STREET, MIDSUMMER, None, seed=1)
    assert sum(day.pv_wh) > 0 and len(day.pv_wh) == len(day.load_wh) == 96
    assert sum(day.load_wh) == round(day_energy_wh(MIDSUMMER, 2890))
    other = hh.household_day(neighbour, SUNNY_STREET, MIDSUMMER, None, seed=1)
    assert other.pv_wh == (0,) * 96
    assert other.load_wh != day.load_wh and sum(other.load_wh) == sum(day.load_wh)
