"""The chapter 12 checks answer the usual wrong turns with the hint that fixes them.

A learner who gets an exercise wrong should read, in the verdict, the hint for the mistake
they actually made. Each test writes one plausible wrong answer and names the hint it must
get. The checkers' references are the library's own: ``seasonal_naive`` for a day a
season back, ``metrics.skill`` of two MAEs, and ``intraday.updated_pv`` on the views
Carol's agent was really shown.
"""

from __future__ import annotations

import math

from checks_kit import failed_with, named

from minichain.checks.ch12 import (CHAPTER_DAY, HOME, alice_pv_monday, carol_views, pv_guess,
                                   sunny_hour)
from minichain.forecast.intraday import updated_pv
from minichain.forecast.metrics import mae, skill

# --- the references agree with the library -----------------------------------------------------

def test_carols_views_are_the_ones_her_agent_was_shown_that_monday():
    views = carol_views()
    assert len(views) == 96 and {v.household for v in views} == {HOME}
    assert {v.day for v in views} == {CHAPTER_DAY}
    assert [v.slot for v in views] == list(range(96))
    for view in views:
        assert pv_guess(view) == updated_pv(view.forecast.pv_wh, view.readings.pv_wh)[view.slot]
    moved = [v for v in views if pv_guess(v) != v.forecast.pv_wh[v.slot]]
    assert len(moved) > 20                       # the readings really correct the forecast


def test_the_skill_case_from_the_chapter_is_the_regression_against_persistence():
    truth, regression, persistence = alice_pv_monday()
    assert len(truth) == 96 and sum(truth) > 0
    assert skill(mae(truth, regression), mae(truth, persistence)) > 0


def test_the_hand_made_hours_are_clipped_where_no_sky_could_go():
    assert pv_guess(sunny_hour(300)) == 300 and pv_guess(sunny_hour(50)) == 125
    assert pv_guess(sunny_hour(50), limits=False) == 50


# --- seasonal_naive_day ---------------------------------------------------------------------

def test_yesterday_whatever_the_period_is_told_to_go_back_period_days():
    failed_with(named("seasonal_naive_day")(lambda readings, period: readings[-96:]),
                "same day last week", "that is yesterday whatever the period")


def test_counting_from_the_oldest_reading_is_told_to_count_from_the_end():
    failed_with(named("seasonal_naive_day")(lambda readings, period: readings[:96]),
                "same as yesterday", "count back from the newest reading")


def test_returning_the_whole_period_is_told_to_return_one_day():
    failed_with(named("seasonal_naive_day")(lambda r, p: r[-p * 96:]),
                "same day last week", "return one day (96 values)")


def test_a_day_too_far_back_is_told_where_the_day_starts():
    failed_with(named("seasonal_naive_day")(lambda r, p: r[-(p + 1) * 96:-p * 96]),
                "same as yesterday", "one day too far back")


def test_a_period_in_slots_is_told_a_day_is_96_slots():
    failed_with(named("seasonal_naive_day")(lambda r, p: r[-p:]),
                "same as yesterday", "one day is 96 slots")


def test_the_last_reading_repeated_is_told_to_copy_a_whole_day():
    failed_with(named("seasonal_naive_day")(lambda r, p: [r[-1]] * 96),
                "same as yesterday", "copy a whole day slot for slot")


# --- mae_skill ---------------------------------------------------------------------------------

def _mae(truth, values):
    return sum(abs(t - v) for t, v in zip(truth, values)) / len(truth)


def test_a_skill_of_rmse_is_told_to_use_the_absolute_error():
    def rmse_skill(truth, forecast, reference):
        def rmse(values):
            return math.sqrt(sum((t - v) ** 2 for t, v in zip(truth, values)) / len(truth))
        return 1 - rmse(forecast) / rmse(reference)
    failed_with(named("mae_skill")(rmse_skill), "12.5 Wh", "mean ABSOLUTE error")


def test_a_signed_error_is_told_to_take_abs():
    def signed(truth, forecast, reference):
        def me(values):
            return sum(t - v for t, v in zip(truth, values)) / len(truth)
        return 1 - me(forecast) / me(reference)
    failed_with(named("mae_skill")(signed), "12.5 Wh", "take abs() of every miss")


def test_a_difference_in_wh_is_told_skill_is_a_share():
    failed_with(named("mae_skill")(lambda t, f, r: _mae(t, r) - _mae(t, f)),
                "12.5 Wh", "not a difference in Wh")


def test_the_bare_ratio_is_told_to_take_one_minus_it():
    failed_with(named("mae_skill")(lambda t, f, r: _mae(t, f) / _mae(t, r)),
                "12.5 Wh", "skill is 1 minus it")


def test_the_ratio_upside_down_is_told_which_way_to_divide():
    failed_with(named("mae_skill")(lambda t, f, r: 1 - _mae(t, r) / _mae(t, f)),
                "12.5 Wh", "not the other way round")


def test_a_skill_in_per_cent_is_told_to_give_a_share():
    failed_with(named("mae_skill")(lambda t, f, r: 100 * (1 - _mae(t, f) / _mae(t, r))),
                "12.5 Wh", "not in per cent")


def test_a_skill_that_is_not_returned_is_told_to_return_it():
    def forgets(truth, forecast, reference):
        1 - _mae(truth, forecast) / _mae(truth, reference)
    failed_with(named("mae_skill")(forgets), "did you forget `return`")


# --- expected_pv ---------------------------------------------------------------------------------

def _guess(window=4, threshold=True, limits=True, invert=False, rounding=None, slot=None):
    def expected_pv(view):
        forecast, readings = view.forecast.pv_wh, view.readings.pv_wh
        start = max(0, len(readings) - window)
        hour = sum(forecast[start:len(readings)])
        target = view.slot if slot is None else slot(view)
        if threshold and hour < 100:
            return forecast[target]
        ratio = hour / sum(readings[start:]) if invert else sum(readings[start:]) / hour
        if limits:
            ratio = min(4, max(0.25, ratio))
        value = forecast[target] * ratio
        return rounding(value) if rounding else int(value + 0.5)
    return expected_pv


def test_the_whole_day_so_far_is_told_to_use_the_last_hour():
    def whole_day(view):
        return _guess(window=len(view.readings.pv_wh))(view)
    failed_with(named("expected_pv")(whole_day), "Carol on Monday 8 June",
                "use the last hour only")


def test_one_reading_is_told_to_use_the_whole_hour():
    failed_with(named("expected_pv")(_guess(window=1)), "Carol on Monday 8 June",
                "one slot is noisy")


def test_the_ratio_upside_down_is_told_what_it_divides():
    failed_with(named("expected_pv")(_guess(invert=True)), "a darker hour",
                "made divided by what was forecast")


def test_rounding_down_is_told_to_round_half_up():
    failed_with(named("expected_pv")(_guess(rounding=int)), "Carol on Monday 8 June",
                "round half up")


def test_the_forecast_of_now_is_told_to_scale_the_slot_it_bids_for():
    failed_with(named("expected_pv")(_guess(slot=lambda view: max(0, view.now))),
                "Carol on Monday 8 June", "view.slot, not of view.now")


def test_no_limits_is_told_what_a_sky_can_do():
    failed_with(named("expected_pv")(_guess(limits=False)), "far darker than a sky",
                "within 0.25 and 4")


def test_ignoring_the_night_is_told_to_keep_the_forecast_when_little_sun_was_due():
    failed_with(named("expected_pv")(_guess(threshold=False)), "Carol on Monday 8 June",
                "return the forecast as it is")


def test_a_ratio_of_only_the_readings_is_a_float_that_is_told_to_be_whole_wh():
    def floats(view):
        return float(_guess()(view))
    failed_with(named("expected_pv")(floats), "a darker hour", "whole number")
