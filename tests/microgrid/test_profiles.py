"""Sunshine and household demand on Sunny Street: the stories the profiles must tell."""

import json
import random
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain.microgrid import profiles as p
from minichain.microgrid.profiles import SUNNY_STREET, EnergyModelError

MIDSUMMER = date(2026, 6, 21)
MIDWINTER = date(2026, 12, 21)


# --- rounding -------------------------------------------------------------------------

def test_running_total_rounding_keeps_the_total_and_each_slot_within_one_wh():
    assert p.round_keeping_total([0.4, 0.4, 0.4]) == (0, 1, 0)
    assert p.round_keeping_total([0.5, 0.0, 2.25]) == (1, 0, 2)
    assert p.round_keeping_total([0.0, 0.0]) == (0, 0)


@settings(deadline=None, max_examples=200)
@given(st.lists(st.floats(min_value=0, max_value=5000, allow_nan=False), max_size=96))
def test_running_total_rounding_invariants(values):
    rounded = p.round_keeping_total(values)
    assert all(isinstance(v, int) and v >= 0 for v in rounded)
    assert all(abs(r - v) < 1.0 + 1e-9 for r, v in zip(rounded, values))
    running = 0.0
    for value in values:            # the same left-to-right float sum the rounding keeps
        running += value
    assert sum(rounded) == p.round_half_up(running)


def test_negative_energy_cannot_be_rounded():
    with pytest.raises(EnergyModelError, match=">= 0"):
        p.round_keeping_total([1.0, -0.1])


# --- clock ----------------------------------------------------------------------------

def test_slots_follow_the_sites_fixed_offset_clock():
    assert p.SLOTS_PER_DAY == 96 and p.SLOT_SECONDS == 900
    # Sunny Street runs on UTC+1: local midnight is 23:00 UTC the day before.
    assert p.slot_start(SUNNY_STREET, MIDSUMMER, 0) == datetime(2026, 6, 20, 23, 0, tzinfo=timezone.utc)
    assert p.slot_start(SUNNY_STREET, MIDSUMMER, 49) == datetime(2026, 6, 21, 11, 15, tzinfo=timezone.utc)
    utc_site = p.Site("Greenwich", 51.48, 0.0, utc_offset_minutes=0)
    assert p.slot_start(utc_site, MIDSUMMER, 95) == datetime(2026, 6, 21, 23, 45, tzinfo=timezone.utc)
    with pytest.raises(EnergyModelError, match="0..95"):
        p.slot_start(SUNNY_STREET, MIDSUMMER, 96)


def test_chain_timestamps_map_to_local_slots_and_back():
    genesis = 1_782_000_000                        # 21 June 2026 00:00 UTC = 01:00 in Berlin
    assert p.day_and_slot(SUNNY_STREET, genesis) == (MIDSUMMER, 4)
    assert p.day_and_slot(SUNNY_STREET, genesis - 3601) == (date(2026, 6, 20), 95)
    assert p.slot_timestamp(SUNNY_STREET, MIDSUMMER, 4) == genesis
    for slot in (0, 37, 95):
        stamp = p.slot_timestamp(SUNNY_STREET, MIDSUMMER, slot)
        assert stamp == p.slot_start(SUNNY_STREET, MIDSUMMER, slot).timestamp()
        assert p.day_and_slot(SUNNY_STREET, stamp + 899) == (MIDSUMMER, slot)
    with pytest.raises(EnergyModelError, match="whole Unix seconds"):
        p.day_and_slot(SUNNY_STREET, 1.5)


def test_a_moment_without_a_timezone_is_refused():
    with pytest.raises(EnergyModelError, match="timezone"):
        p.solar_position(52.5, 13.4, datetime(2026, 6, 21, 12))


def test_a_site_outside_the_globe_is_refused():
    with pytest.raises(EnergyModelError, match="latitude"):
        p.Site("nowhere", 91.0, 0.0)
    with pytest.raises(EnergyModelError, match="cloudiness_by_month"):
        p.Site("odd", 50.0, 0.0, 0, (0.5,) * 11)


# --- the sun --------------------------------------------------------------------------

def test_midsummer_noon_sun_in_berlin_stands_at_ninety_minus_latitude_plus_tilt_of_earth():
    # Solar noon in Berlin: 12:00 UTC - 4 min x 13.405 degrees east - equation of time
    # (-1.7 min) = about 11:08 UTC; the sun then stands 90 - 52.52 + 23.44 degrees high.
    noon = datetime(2026, 6, 21, 11, 8, tzinfo=timezone.utc)
    sun = p.solar_position(52.52, 13.405, noon)
    assert sun.elevation_deg == pytest.approx(90 - 52.52 + 23.44, abs=0.05)
    assert sun.azimuth_deg == pytest.approx(180, abs=0.5)
    assert sun.equation_of_time_min == pytest.approx(-1.7, abs=0.2)
    assert sun.declination_deg == pytest.approx(23.44, abs=0.01)


def test_refraction_lifts_the_sun_most_at_the_horizon():
    assert p.refraction_deg(0.0) == pytest.approx(0.48, abs=0.02)
    assert p.refraction_deg(45.0) == pytest.approx(0.016, abs=0.002)
    assert p.refraction_deg(-5.0) == 0.0


def test_clear_sky_is_dark_at_night_and_about_a_kilowatt_at_high_sun():
    assert p.clear_sky_ghi(95.0) == 0.0
    assert p.clear_sky_ghi(0.0) == pytest.approx(1098 * 2.718281828 ** -0.059, rel=1e-9)


def test_cloudiness_must_be_a_fraction():
    assert p.clear_sky_index(0.0) == 1.0
    assert p.clear_sky_index(1.0) == pytest.approx(0.25)
    with pytest.raises(EnergyModelError):
        p.clear_sky_index(1.2)


# --- PV -------------------------------------------------------------------------------

def test_a_clear_midsummer_day_on_five_kilowatts_peak():
    slots = p.pv_day(SUNNY_STREET, MIDSUMMER, 5000)
    assert len(slots) == 96 and all(isinstance(v, int) and v >= 0 for v in slots)
    # Pinned: the model's clear-sky output for this system and day, in Wh.
    assert sum(slots) == 34592
    assert slots[:14] == (0,) * 14 and slots[-12:] == (0,) * 12          # night, local clock
    peak = max(slots)
    assert 12 * 4 - 2 <= slots.index(peak) <= 12 * 4 + 1                    # around 12:00 CET
    assert peak <= 5000 * 900 // 3600                                       # never above Wp x 1/4 h


def test_winter_gives_less_and_clouds_give_less():
    summer = sum(p.pv_day(SUNNY_STREET, MIDSUMMER, 5000))
    winter = sum(p.pv_day(SUNNY_STREET, MIDWINTER, 5000))
    overcast = sum(p.pv_day(SUNNY_STREET, MIDSUMMER, 5000, [1.0] * 96))
    assert winter < summer / 3
    assert overcast == pytest.approx(summer * 0.25, abs=1)
    assert sum(p.pv_day(SUNNY_STREET, MIDSUMMER, 0)) == 0


def test_output_scales_with_peak_power_and_performance_ratio():
    base = sum(p.pv_day(SUNNY_STREET, MIDSUMMER, 4000))
    assert sum(p.pv_day(SUNNY_STREET, MIDSUMMER, 8000)) == pytest.approx(2 * base, abs=1)
    assert sum(p.pv_day(SUNNY_STREET, MIDSUMMER, 4000, performance_ratio_permille=400)) == \
        pytest.approx(base / 2, abs=1)


def test_an_east_roof_produces_in_the_morning_a_west_roof_in_the_afternoon():
    east = p.pv_day(SUNNY_STREET, MIDSUMMER, 5000, azimuth_deg=90)
    west = p.pv_day(SUNNY_STREET, MIDSUMMER, 5000, azimuth_deg=270)
    assert sum(east[:48]) > 2 * sum(east[48:])
    assert sum(west[48:]) > 2 * sum(west[:48])


def test_pv_rejects_bad_inputs():
    with pytest.raises(EnergyModelError, match="peak_w"):
        p.pv_day(SUNNY_STREET, MIDSUMMER, 5000.0)
    with pytest.raises(EnergyModelError, match="96 values"):
        p.pv_day(SUNNY_STREET, MIDSUMMER, 5000, [0.0] * 95)
    with pytest.raises(EnergyModelError, match="performance ratio"):
        p.pv_day(SUNNY_STREET, MIDSUMMER, 5000, performance_ratio_permille=0)


def test_weather_is_seeded_per_day_and_stays_within_zero_and_one():
    sky = p.cloudiness_day(SUNNY_STREET, MIDSUMMER, p.weather_rng(7, MIDSUMMER))
    again = p.cloudiness_day(SUNNY_STREET, MIDSUMMER, p.weather_rng(7, MIDSUMMER))
    other = p.cloudiness_day(SUNNY_STREET, MIDSUMMER, p.weather_rng(8, MIDSUMMER))
    assert sky == again and sky != other
    assert len(sky) == 96 and all(0.0 <= c <= 1.0 for c in sky)


def test_a_year_of_weather_gives_a_realistic_berlin_yield():
    """German rooftop systems deliver roughly 900-1,100 kWh per kWp a year."""
    for seed in (1, 2):
        total = 0
        for n in range(365):
            day = date(2026, 1, 1) + timedelta(days=n)
            sky = p.cloudiness_day(SUNNY_STREET, day, p.weather_rng(seed, day))
            total += sum(p.pv_day(SUNNY_STREET, day, 1000, sky))
        assert 900_000 <= total <= 1_100_000, total


# --- household demand -----------------------------------------------------------------

def test_the_shipped_h0_table_is_packaged_and_complete():
    path = resources.files("minichain.microgrid").joinpath("data").joinpath("bdew_h0.json")
    document = json.loads(path.read_text("utf-8"))
    assert "VDEW" in document["source"]
    table = p.h0_table()
    assert set(table) == {"winter", "transition", "summer"}
    assert all(len(table[s][k]) == 96 for s in table for k in ("workday", "saturday", "sunday"))
    # Winter workday, 00:00-00:15: 67.6 W for 1,000 kWh/a = 16.90 Wh.
    assert table["winter"]["workday"][0] == 1690
    # The evening peak of a winter workday falls between 17:00 and 21:00.
    day = table["winter"]["workday"]
    assert 68 <= day.index(max(day)) <= 84


def test_the_h0_data_is_declared_as_package_data():
    """Without this a wheel ships the code but not the table (setuptools skips .json)."""
    import tomllib
    from pathlib import Path
    config = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text("utf-8"))
    package_data = config["tool"]["setuptools"].get("package-data", {})
    assert "data/*.json" in package_data.get("minichain.microgrid", [])


def test_seasons_and_day_types_follow_the_bdew_calendar():
    assert [p.season_of(date(2026, m, d)) for m, d in
            ((3, 20), (3, 21), (5, 14), (5, 15), (9, 14), (9, 15), (10, 31), (11, 1))] == \
        ["winter", "transition", "transition", "summer", "summer", "transition", "transition", "winter"]
    assert p.day_type(date(2026, 6, 22)) == "workday"            # a Monday
    assert p.day_type(date(2026, 6, 20)) == "saturday"
    assert p.day_type(date(2026, 6, 21)) == "sunday"
    assert p.day_type(date(2026, 4, 3)) == "sunday"              # Good Friday
    assert p.day_type(date(2026, 12, 24)) == "saturday"          # Christmas Eve, a Thursday
    assert p.day_type(date(2026, 12, 25)) == "sunday"
    assert p.day_type(date(2026, 4, 3), holidays=frozenset()) == "workday"


def test_easter_and_the_german_holidays():
    assert [p.easter_sunday(y) for y in (2000, 2024, 2025, 2026, 2038)] == [
        date(2000, 4, 23), date(2024, 3, 31), date(2025, 4, 20), date(2026, 4, 5), date(2038, 4, 25)]
    assert sorted(p.german_holidays(2026)) == [
        date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 14),
        date(2026, 5, 25), date(2026, 10, 3), date(2026, 12, 25), date(2026, 12, 26)]


def test_a_year_of_smooth_h0_adds_up_to_the_annual_use():
    total = sum(sum(p.load_day(date(2026, 1, 1) + timedelta(days=n), 3000)) for n in range(365))
    assert abs(total - 3_000_000) <= 183            # at most half a Wh of rounding per day
    assert sum(p.day_factor(date(2026, 1, 1) + timedelta(days=n)) for n in range(365)) == \
        pytest.approx(365.0, rel=1e-12)


def test_winter_days_draw_more_than_summer_days():
    winter_workday = p.day_factor(date(2026, 1, 14))
    summer_workday = p.day_factor(date(2026, 7, 15))
    assert winter_workday > 1.1 and summer_workday < 0.9
    assert p.day_factor(date(2026, 1, 17)) > winter_workday        # Saturdays draw more


@settings(deadline=None, max_examples=60)
@given(day=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
       annual_kwh=st.integers(min_value=500, max_value=9000),
       seed=st.integers(min_value=0, max_value=2**32), noise=st.sampled_from([0.0, 0.1, 0.3, 0.8]))
def test_a_noisy_day_still_draws_exactly_its_share_of_the_year(day, annual_kwh, seed, noise):
    slots = p.load_day(day, annual_kwh, random.Random(seed), noise)
    expected = annual_kwh * 1000 / 365 * p.day_factor(day)
    assert len(slots) == 96 and all(isinstance(v, int) and v >= 0 for v in slots)
    # The stated tolerance: the day's total is the exact share rounded, so within 0.5 Wh.
    assert abs(sum(slots) - expected) <= 0.5 + 1e-6


def test_noise_is_seeded_and_reshapes_the_day():
    smooth = p.load_day(MIDSUMMER, 3000)
    noisy = p.load_day(MIDSUMMER, 3000, random.Random(5))
    assert noisy == p.load_day(MIDSUMMER, 3000, random.Random(5))
    assert noisy != smooth and sum(noisy) == sum(smooth)


def test_load_rejects_bad_inputs():
    with pytest.raises(EnergyModelError, match="annual_kwh"):
        p.load_day(MIDSUMMER, 3000.5)
    with pytest.raises(EnergyModelError, match="noise"):
        p.load_day(MIDSUMMER, 3000, random.Random(1), noise=-1)


def test_the_physics_runs_without_numpy():
    """The course also runs in a browser kernel, where numpy cannot be installed."""
    code = ("import sys, minichain.microgrid.profiles, minichain.microgrid.household, "
            "minichain.microgrid.grid; print(sorted(m for m in ('numpy', 'pandas', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
