"""A Sunny Street scenario: the settings of one simulated day, and the street behind them (chapter 11).

``Scenario`` holds what a learner can change (how many homes, PV and battery shares, the
day, the clouds, the tariffs, the market mechanism and its k, the bidding agents, the
seed) and is checked when built. The pure functions here turn it into the street, its
feeder, each home's PV and load under one shared sky, each home's day-ahead forecast of
them, and each home's agent; a *runner* turns it into a ``records.DayRecord``:
``run_market_only`` here, ``onchain.run_on_chain`` on chain. The dashboard
(``viz/app.py``) and the CLI build on this.

**What the agents know** (chapter 12). The day's sky is drawn around the chosen
cloudiness (``sky``); its day-ahead forecast is the same forecast model as every other
day's (``weather.sky_forecast``, right on average and wrong on the day), drawn around the
same level. Every home forecasts its PV and use for the day with its default forecaster
(``forecast.dayahead.HOME_FORECASTER``) from its own past days, which are Sunny Street's
own (its climate, its seeded sky), and its agent bids from that forecast. The truth is
used only for delivery and settlement.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Callable

from minichain import cast
from minichain.day.agents import BatteryAware, PriceRamp, Truthful
from minichain.market.auction import MECHANISMS, UNIFORM_PRICE
from minichain.microgrid.grid import (MAIN_CAPACITY_W, SERVICE_CAPACITY_W,
                                      TRANSFORMER_CAPACITY_W, Feeder, make_feeder)
from minichain.microgrid.household import Household, HouseholdDay, household_day, make_street
from minichain.market.orders import Tariffs
from minichain.forecast.dayahead import HOME_FORECASTER, HomeForecaster, forecasts_for
from minichain.microgrid import weather
from minichain.microgrid.profiles import SUNNY_STREET, Site
from minichain.day.native import NativeMarket
from minichain.day.records import DayRecord
from minichain.day.runner import DayPlan, run_day
from minichain.errors import EnergyModelError, InvalidAuctionParameter

MIDSUMMER = cast.DAY
TRUTHFUL, PRICE_RAMP, BATTERY_AWARE, MIXED = "truthful", "price-ramp", "battery-aware", "mixed"
AGENT_MIXES = (TRUTHFUL, PRICE_RAMP, BATTERY_AWARE, MIXED)
MAX_HOUSEHOLDS = 200            # the street the simulator, dashboard and CLI accept
MAX_TARIFF = 600_000            # µ€ per kWh (60 ct/kWh): the sliders' range
CLOUD_CONCENTRATION = 50.0      # cloudiness_day's spread: the day stays near the chosen level
MAX_CAPACITY_KW = 10_000        # a cable or transformer rating the settings accept

Runner = Callable[["Scenario"], DayRecord]
Progress = Callable[[int], object]
OnChainRunner = Callable[["Scenario", Progress], DayRecord]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- the settings ---------------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    """Everything the dashboard lets a learner change; checked when built, like an order."""

    households: int = 12
    pv_percent: int = 50           # share of homes with rooftop PV
    battery_percent: int = 25      # share of homes with PV and a battery (<= pv_percent)
    day: date = MIDSUMMER
    cloudiness_percent: int = 70   # 0 clear .. 100 overcast, the day's mean (Berlin, June: ~73)
    feed_in: int = cast.FEED_IN    # µ€ per kWh the utility pays (8 ct/kWh)
    retail: int = cast.RETAIL      # µ€ per kWh the utility charges (32 ct/kWh)
    mechanism: str = UNIFORM_PRICE
    k_percent: int = 50            # uniform price only: 0 = the ask's price, 100 = the bid's
    agents: str = MIXED
    seed: int = 1
    main_cable_kw: int = MAIN_CAPACITY_W // 1000       # each street cable's rating
    house_kw: int = SERVICE_CAPACITY_W // 1000         # each house connection's rating
    transformer_kva: int = TRANSFORMER_CAPACITY_W // 1000

    def __post_init__(self) -> None:
        if not _is_int(self.households) or not 1 <= self.households <= MAX_HOUSEHOLDS:
            raise EnergyModelError(f"households must be a whole number 1..{MAX_HOUSEHOLDS}, "
                                   f"got {self.households!r}")
        for name in ("pv_percent", "battery_percent", "cloudiness_percent", "k_percent"):
            value = getattr(self, name)
            if not _is_int(value) or not 0 <= value <= 100:
                raise EnergyModelError(f"{name} must be a whole number 0..100, got {value!r}")
        if self.battery_percent > self.pv_percent:
            raise EnergyModelError(f"battery_percent ({self.battery_percent}) must not exceed "
                                   f"pv_percent ({self.pv_percent}): every home battery here "
                                   "comes with PV")
        if not isinstance(self.day, date):
            raise EnergyModelError(f"day must be a datetime.date, got {self.day!r}")
        Tariffs(self.feed_in, self.retail)          # raises InvalidTariffs when wrong
        if self.mechanism not in MECHANISMS:
            raise InvalidAuctionParameter(f"unknown mechanism {self.mechanism!r}; choose "
                                          f"from {sorted(MECHANISMS)}")
        if self.agents not in AGENT_MIXES:
            raise EnergyModelError(f"unknown agent mix {self.agents!r}; choose from "
                                   f"{list(AGENT_MIXES)}")
        if not _is_int(self.seed) or self.seed < 0:
            raise EnergyModelError(f"seed must be a whole number >= 0, got {self.seed!r}")
        for name in ("main_cable_kw", "house_kw", "transformer_kva"):
            value = getattr(self, name)
            if not _is_int(value) or not 1 <= value <= MAX_CAPACITY_KW:
                raise EnergyModelError(f"{name} must be a whole number 1..{MAX_CAPACITY_KW}, "
                                       f"got {value!r}")

    @property
    def tariffs(self) -> Tariffs:
        return Tariffs(self.feed_in, self.retail)

    @property
    def mechanism_options(self) -> dict[str, int]:
        """Options for the mechanism: k as a fraction of 100 for the uniform price only."""
        if self.mechanism == UNIFORM_PRICE:
            return {"k_numerator": self.k_percent, "k_denominator": 100}
        return {}


# --- the street behind a scenario (pure) ----------------------------------------------

def street(scenario: Scenario) -> tuple[Household, ...]:
    """The scenario's homes: ``household.make_street`` with its shares and seed."""
    return make_street(scenario.households, scenario.pv_percent / 100,
                       scenario.battery_percent / 100, scenario.seed)


def scenario_feeder(scenario: Scenario) -> Feeder:
    """The feeder the street hangs on, with the scenario's cable ratings (every runner uses it)."""
    return make_feeder([home.name for home in street(scenario)],
                       main_capacity_w=scenario.main_cable_kw * 1000,
                       service_capacity_w=scenario.house_kw * 1000,
                       transformer_capacity_w=scenario.transformer_kva * 1000)


def scenario_site(scenario: Scenario) -> Site:
    """Sunny Street with a climate whose every month is the chosen cloudiness."""
    level = min(0.99, max(0.01, scenario.cloudiness_percent / 100))
    return dataclasses.replace(SUNNY_STREET, cloudiness_by_month=(level,) * 12)


def sky(scenario: Scenario) -> tuple[float, ...]:
    """The day's cloudiness per slot, drawn around the chosen level from the seeded weather."""
    return weather.sky(scenario_site(scenario), scenario.day, scenario.seed,
                       spread=CLOUD_CONCENTRATION)


def sky_forecast(scenario: Scenario) -> tuple[float, ...]:
    """The day-ahead forecast of ``sky(scenario)``: the same model as any day's, around the same level."""
    return weather.sky_forecast(scenario_site(scenario), scenario.day, scenario.seed,
                                spread=CLOUD_CONCENTRATION)


def household_days(scenario: Scenario, homes: tuple[Household, ...]) -> list[HouseholdDay]:
    """Each home's PV and load for the day, under one shared sky."""
    clouds = sky(scenario)
    return [household_day(home, SUNNY_STREET, scenario.day, clouds, scenario.seed)
            for home in homes]


def agents_for(scenario: Scenario, homes: tuple[Household, ...]) -> dict[str, object]:
    """Each home's bidding agent; "mixed": battery homes battery-aware, the rest price-ramp."""
    choice = {TRUTHFUL: lambda home: Truthful(), PRICE_RAMP: lambda home: PriceRamp(),
              BATTERY_AWARE: lambda home: BatteryAware(),
              MIXED: lambda home: BatteryAware() if home.battery else PriceRamp()}
    return {home.name: choice[scenario.agents](home) for home in homes}


def household_forecasts(scenario: Scenario, homes: tuple[Household, ...],
                        forecaster: HomeForecaster = HOME_FORECASTER) -> tuple[HouseholdDay, ...]:
    """Each home's day-ahead forecast of its PV and use, from its own past and the sky's forecast."""
    return forecasts_for(homes, SUNNY_STREET, scenario.day, scenario.seed,
                         sky_forecast(scenario), forecaster)


def plan(scenario: Scenario) -> DayPlan:
    """The scenario's day, built once: the street, each home's PV and load and its forecast of
    them, the feeder, the agents."""
    homes = street(scenario)
    agents = agents_for(scenario, homes)
    return DayPlan(households=homes, days=tuple(household_days(scenario, homes)),
                   forecasts=household_forecasts(scenario, homes),
                   agents=tuple(agents[home.name] for home in homes), tariffs=scenario.tariffs,
                   feeder=scenario_feeder(scenario), day=scenario.day,
                   mechanism=scenario.mechanism, seed=scenario.seed,
                   **scenario.mechanism_options)


def run_market_only(scenario: Scenario) -> DayRecord:
    """The default runner: the day's market in memory (``native.NativeMarket``), no chain."""
    return run_day(plan(scenario), NativeMarket())


def run_scenario(scenario: Scenario, runner: Runner = run_market_only) -> DayRecord:
    """Run the scenario's day with ``runner`` and check it answered for this street."""
    day = runner(scenario)
    if not isinstance(day, DayRecord):
        raise EnergyModelError(f"a runner must return a DayRecord, got {type(day).__name__}")
    expected = tuple(home.name for home in street(scenario))
    if day.names != expected:
        raise EnergyModelError(f"the runner simulated households {list(day.names)}; the "
                               f"scenario has {list(expected)}")
    return day
