"""Checks for the chapter 12 exercises: seasonal naive, skill, and a forecast the day's readings correct.

Each checker holds the learner's answer against the library the chapter uses:
``forecast.naive.seasonal_naive`` for the day a season back, ``forecast.metrics`` for the
MAE skill, and ``forecast.intraday.updated_pv`` for Carol's PV corrected by her last
hour of readings, on the views her agent was really shown on a day of the chapter's
held-out week. The usual wrong turns get the hint that fixes them: yesterday whatever
the period, counting from the oldest reading, a whole period or the wrong day, a period
in slots; a squared or signed error, a difference or a bare ratio instead of a skill, the
ratio upside down, per cent; the whole day or one slot instead of the last hour, the
ratio upside down, no limits, no care for the night, rounding down, the wrong slot. The
chapter's three concept questions are registered here too.
"""

from __future__ import annotations

import dataclasses
import math
import random
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Callable, Sequence

from minichain.checks import Mismatch, Mistake, compare, exercise
from minichain.checks.quiz import concept
from minichain.day.agents import OrderIntent, SlotView, Truthful
from minichain.forecast.intraday import MIN_FORECAST_WH, RATIO_LIMITS, WINDOW, updated_pv
from minichain.forecast.metrics import mae, rmse, skill
from minichain.market.orders import BUY, SELL
from minichain.forecast.naive import seasonal_naive
from minichain.microgrid.household import HouseholdDay
from minichain.microgrid.profiles import SLOTS_PER_DAY, round_half_up

CHAPTER_DAY = date(2026, 6, 8)        # the Monday of the chapter's held-out week
LEARNING_DAYS = 28                    # what the default forecaster needs before it
HOME = "carol"                        # PV, no battery, on the street of seed 1


@lru_cache(maxsize=1)
def chapter_history():
    """The chapter's street (12 homes, seed 1) from four weeks before its Monday to the Tuesday."""
    from minichain.day.scenario import Scenario
    from minichain.forecast.history import make_history
    from minichain.microgrid.household import make_street
    return make_history(make_street(12, 0.5, 0.25, 1), Scenario().tariffs,
                        CHAPTER_DAY - timedelta(days=LEARNING_DAYS), LEARNING_DAYS + 2, seed=1)


# --- seasonal_naive_day ----------------------------------------------------------------------

def counted_days(days: int) -> list[int]:
    """Day k, slot s holds 1000 k + s: a series whose every value says where it came from."""
    return [1000 * k + s for k in range(days) for s in range(SLOTS_PER_DAY)]


def alice_use() -> list[int]:
    """Alice's use over the 28 days before the chapter's Monday."""
    history = chapter_history()
    return list(history.past("load", "alice", CHAPTER_DAY, days=LEARNING_DAYS).readings)


NAIVE_CASES: list[tuple[str, Callable[[], list[int]], int]] = [
    ("three counted days, same as yesterday (period_days=1)", lambda: counted_days(3), 1),
    ("two counted weeks, same day last week (period_days=7)", lambda: counted_days(14), 7),
    ("eight counted days, a week back (period_days=7)", lambda: counted_days(8), 7),
    ("exactly one week of readings (period_days=7)", lambda: counted_days(7), 7),
    ("Alice's use over the 28 days before Monday 8 June (period_days=7)", alice_use, 7),
]

NAIVE_MISTAKES = (
    Mistake(lambda r, p: list(r[-SLOTS_PER_DAY:]),
            "that is yesterday whatever the period: the day to copy starts period_days x 96 "
            "values before the end of the readings"),
    Mistake(lambda r, p: list(r[:SLOTS_PER_DAY]),
            "count back from the newest reading (the end of the list), not from the oldest"),
    Mistake(lambda r, p: list(r[-p * SLOTS_PER_DAY:]),
            "return one day (96 values), not the whole period"),
    Mistake(lambda r, p: list(r[-(p + 1) * SLOTS_PER_DAY:-p * SLOTS_PER_DAY]),
            "one day too far back: the day period_days before the forecast day starts at "
            "len(readings) - period_days * 96"),
    Mistake(lambda r, p: list(r[-p:]),
            "period_days counts days, and one day is 96 slots of 15 minutes"),
    Mistake(lambda r, p: [r[-1]] * SLOTS_PER_DAY,
            "copy a whole day slot for slot, not the last reading 96 times"),
)


@exercise("seasonal_naive_day", chapter=12, title="Same as last week",
          hint="the forecast of slot s is the reading period_days days earlier: "
               "readings[len(readings) - period_days * 96 + s] for s in 0..95")
def check_seasonal_naive_day(fn: Callable) -> None:
    for what, make, period in NAIVE_CASES:
        readings = make()
        expected = list(seasonal_naive(readings, period * SLOTS_PER_DAY, SLOTS_PER_DAY))
        got = fn(list(readings), period)
        if isinstance(got, tuple):
            got = list(got)
        compare(f"{what}: the {len(expected)} values", got, expected, NAIVE_MISTAKES,
                (readings, period))


# --- mae_skill ------------------------------------------------------------------------------

def _mean_error(truth: Sequence[float], forecast: Sequence[float]) -> float:
    return math.fsum(t - f for t, f in zip(truth, forecast)) / len(truth)


def alice_pv_monday() -> tuple[list[float], list[float], list[float]]:
    """Alice's PV on the chapter's Monday: the truth, the PV regression, persistence."""
    from minichain.forecast.naive import PERSISTENCE
    from minichain.forecast.past import forecast_day
    from minichain.forecast.regression import PV_REGRESSION
    history = chapter_history()
    past = history.past("pv", "alice", CHAPTER_DAY, days=LEARNING_DAYS)
    return (list(history.on(CHAPTER_DAY, history.pv_wh["alice"])),
            list(forecast_day(PV_REGRESSION, past)), list(forecast_day(PERSISTENCE, past)))


SKILL_CASES: list[tuple[str, Callable[[], tuple[list[float], list[float], list[float]]]]] = [
    ("four slots: the forecast misses by 12.5 Wh on average, the reference by 150",
     lambda: ([100, 200, 300, 400], [110, 190, 330, 400], [100, 100, 100, 100])),
    ("a forecast worse than its reference",
     lambda: ([100, 200, 300], [0, 400, 300], [90, 210, 300])),
    ("a forecast that misses above and below in turn",
     lambda: ([100, 100, 100, 100], [150, 50, 150, 50], [120, 120, 120, 120])),
    ("Alice's PV on Monday 8 June: the PV regression against persistence", alice_pv_monday),
]

SKILL_MISTAKES = (
    Mistake(lambda t, f, r: 1 - rmse(t, f) / rmse(t, r),
            "use the mean ABSOLUTE error: the squared error (RMSE) weighs big misses more"),
    Mistake(lambda t, f, r: 1 - _mean_error(t, f) / _mean_error(t, r),
            "take abs() of every miss: misses above and below the truth would cancel"),
    Mistake(lambda t, f, r: mae(t, r) - mae(t, f),
            "skill is a share, 1 - MAE(forecast) / MAE(reference), not a difference in Wh"),
    Mistake(lambda t, f, r: mae(t, f) / mae(t, r),
            "that is the share of the reference's error that is left; skill is 1 minus it"),
    Mistake(lambda t, f, r: 1 - mae(t, r) / mae(t, f),
            "divide the forecast's MAE by the reference's, not the other way round"),
    Mistake(lambda t, f, r: 100 * (1 - mae(t, f) / mae(t, r)),
            "answer as a share (0.25), not in per cent (25)"),
)


def close(got: Any, expected: float) -> bool:
    return (isinstance(got, (int, float)) and not isinstance(got, bool)
            and math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12))


@exercise("mae_skill", chapter=12, title="How much better than the reference?",
          hint="MAE = mean of abs(truth - forecast); skill = 1 - MAE(forecast) / MAE(reference)")
def check_mae_skill(fn: Callable) -> None:
    for what, make in SKILL_CASES:
        truth, forecast, reference = make()
        expected = skill(mae(truth, forecast), mae(truth, reference))
        got = fn(list(truth), list(forecast), list(reference))
        if close(got, expected):
            continue
        said = f"{what}: expected {expected:.6f}, got {got!r}"
        if got is None:
            compare(what, got, expected)                    # says: forgot to return
        for mistake in SKILL_MISTAKES:
            try:
                wrong = mistake.answer(truth, forecast, reference)
            except (ArithmeticError, ValueError):
                continue
            if close(got, wrong):
                raise Mismatch(said, mistake.hint)
        raise Mismatch(said, "")


# --- expected_pv ----------------------------------------------------------------------------

def pv_guess(view: SlotView, window: int = WINDOW, threshold: bool = True, limits: bool = True,
             invert: bool = False, rounding: Callable[[float], int] = round_half_up,
             slot: Callable[[SlotView], int] = lambda view: view.slot) -> int:
    """The corrected forecast as the exercise asks, or with one of the usual mistakes."""
    forecast, readings = view.forecast.pv_wh, view.readings.pv_wh
    start = max(0, len(readings) - window)
    expected, made = sum(forecast[start:len(readings)]), sum(readings[start:])
    if threshold and expected < MIN_FORECAST_WH:
        return forecast[slot(view)]
    ratio = expected / made if invert else made / expected
    if limits:
        low, high = RATIO_LIMITS
        ratio = min(high, max(low, ratio))
    return rounding(forecast[slot(view)] * ratio)


PV_MISTAKES = (
    Mistake(lambda v: pv_guess(v, window=len(v.readings.pv_wh)),
            "use the last hour only (the last 4 readings): the sky changes through the day"),
    Mistake(lambda v: pv_guess(v, window=1),
            "one slot is noisy: use the whole last hour, the last 4 readings"),
    Mistake(lambda v: pv_guess(v, invert=True),
            "the ratio is what the panels made divided by what was forecast for them"),
    Mistake(lambda v: pv_guess(v, rounding=int),
            "round half up to whole Wh: int(x + 0.5), not int(x)"),
    Mistake(lambda v: pv_guess(v, slot=lambda view: view.now),
            "scale the forecast of the slot you bid for, view.slot, not of view.now"),
    Mistake(lambda v: pv_guess(v, limits=False),
            "keep the ratio within 0.25 and 4: a sky cannot do more than that"),
    Mistake(lambda v: pv_guess(v, threshold=False),
            "when less than 100 Wh was forecast over that hour (night, dawn) the ratio says "
            "nothing: return the forecast as it is"),
)


def hand_view(slot: int, forecast: Sequence[int], readings: Sequence[int]) -> SlotView:
    """A view of slot ``slot`` with a PV forecast and the readings of the slots before ``slot - 2``."""
    zeros = (0,) * len(forecast)
    return SlotView(HOME, slot, slot - 2, CHAPTER_DAY, HouseholdDay(tuple(forecast), zeros),
                    HouseholdDay(tuple(readings), zeros[:len(readings)]), None, (),
                    chapter_history().tariffs, (), random.Random(0))


def sunny_hour(made: int) -> SlotView:
    """Forecast 500 Wh a slot from 08:00; the panels made ``made`` Wh in each slot of the hour."""
    forecast = (0,) * 32 + (500,) * 64
    return hand_view(40, forecast, (0,) * 32 + (made,) * 6)


@lru_cache(maxsize=1)
def carol_views() -> tuple[SlotView, ...]:
    """Every view Carol's agent was shown on the chapter's Monday (truthful bidding)."""
    from minichain.day import trials
    from minichain.day.native import NativeMarket
    from minichain.day.runner import run_day
    seen: list[SlotView] = []

    def spy(view: SlotView):
        if view.household == HOME:
            seen.append(view)
        return Truthful().orders(view)
    contender = trials.Contender("spy", spy, trials.HOME_FORECASTER)
    run_day(trials.day_plan(chapter_history(), CHAPTER_DAY, contender), NativeMarket())
    return tuple(seen)


def truthful_with(expected: Callable[[SlotView], int]) -> Callable[[SlotView], list]:
    """Truthful bidding for a home without a battery, its PV for the slot from ``expected``."""
    def agent(view: SlotView) -> list[OrderIntent]:
        surplus = expected(view) - view.forecast_load_wh
        if surplus > 0:
            return [OrderIntent(SELL, surplus, view.tariffs.feed_in)]
        return [OrderIntent(BUY, -surplus, view.tariffs.retail)] if surplus < 0 else []
    agent.__name__ = getattr(expected, "__name__", "expected")
    return agent


def day_ahead_pv(view: SlotView) -> int:
    """The day-ahead forecast of the slot's PV, as it was made before the day."""
    return view.forecast_pv_wh


def carol_bill(expected: Callable[[SlotView], int]) -> int:
    """Carol's bill (µ€) on the chapter's Monday bidding with ``expected``, the rest truthful."""
    from minichain.day import kpis, trials
    from minichain.day.native import NativeMarket
    from minichain.day.runner import run_day
    history = chapter_history()
    contender = trials.Contender("truthful", Truthful(), trials.HOME_FORECASTER)
    plan = trials.day_plan(history, CHAPTER_DAY, contender)
    agents = tuple(truthful_with(expected) if name == HOME else agent
                   for name, agent in zip(plan.names, plan.agents))
    return kpis.bill(run_day(dataclasses.replace(plan, agents=agents), NativeMarket()), HOME)


def _clock(slot: int) -> str:
    minutes = slot * 15
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@exercise("expected_pv", chapter=12, title="Correct the forecast with the last hour",
          hint="hour = the last 4 readings; if the forecast for them adds up to less than 100 Wh "
               "return forecast[view.slot]; else ratio = made / forecast over that hour, kept "
               "within 0.25..4, and return int(forecast[view.slot] * ratio + 0.5)")
def check_expected_pv(fn: Callable) -> None:
    cases = [("a darker hour: the panels made 300 of 500 Wh a slot", sunny_hour(300)),
             ("a brighter hour than forecast: 600 of 500 Wh a slot", sunny_hour(600)),
             ("an hour far darker than a sky can make it: 50 of 500 Wh a slot", sunny_hour(50))]
    cases += [(f"Carol on Monday 8 June, bidding for {_clock(view.slot)} with readings up to "
               f"{_clock(max(0, view.now))}", view) for view in carol_views()]
    for what, view in cases:
        expected = updated_pv(view.forecast.pv_wh, view.readings.pv_wh)[view.slot]
        try:
            got = fn(view)
        except ZeroDivisionError:
            raise Mismatch(f"{what}: your function divided by zero",
                           PV_MISTAKES[-1].hint) from None
        compare(what, got, expected, PV_MISTAKES, (view,))


# --- concept questions ----------------------------------------------------------------------

concept(12, "Carol's agent bids for the slot that starts at 14:00. On this street that happens "
            "as the 13:30 slot starts. What does her agent know then?",
        ["its meter's readings up to 13:30, its battery at 13:30, its trades for 13:30 and "
         "13:45, and its day-ahead forecast for 14:00",
         "what her panels will really make at 14:00, since the simulator knows it",
         "everything the market knows at 14:15, when the slot is settled",
         "only yesterday's readings: nothing of today is known before midnight"],
        answer="a",
        why="orders go out at the gate closure of the slot before, as the slot before that "
            "starts: only what has happened by then, and forecasts, can go into them",
        nudges={"b": "the simulator knows it, Carol does not: the truth is used only for "
                     "delivery and settlement",
                "c": "the orders for 14:00 are in the book long before 14:15",
                "d": "her meter has read today's slots that have ended; she may use them"})

concept(12, "Why does a random split of slots into training and test make a forecaster look "
            "better than it is?",
        ["a held-out slot is guessed from its neighbours on the same day, which nobody has "
         "read a day ahead",
         "random numbers add noise to the test set",
         "a random split tests fewer slots than a split in time",
         "the training set becomes too small to learn from"],
        answer="a",
        why="the day's own readings leak into training: the guess sees the day's weather, "
            "which no forecast made before the day can",
        nudges={"b": "the split is seeded; the problem is what the training set holds",
                "c": "the number of test slots can be the same either way",
                "d": "it holds most slots; the trouble is which ones"})

concept(12, "The PV regression has a skill of 40 % over persistence. What does that say?",
        ["its mean absolute error is 40 % smaller than persistence's",
         "it is right in 40 % of the slots",
         "its error is 40 % of the mean PV",
         "it beats persistence on 40 % of the days"],
        answer="a",
        why="skill = 1 - MAE(forecast) / MAE(reference): the share of the reference's error "
            "it removes",
        nudges={"b": "no forecast of Wh is ever exactly right; skill compares the sizes of errors",
                "c": "that would be a relative error; skill compares two forecasters",
                "d": "skill pools every slot of every day before it compares"})
