"""A seeded year of Sunny Street to learn from: weather, forecasts, PV, load and prices (chapter 12).

``make_history`` runs the simulator's own models day by day, slot by slot (15 minutes):

* the sky: ``weather.sky`` (the simulator's seeded cloudiness) and its day-ahead forecast
  ``weather.sky_forecast`` (right on average, wrong on the day);
* every home's PV and load: ``household.household_day`` under that sky with the same seed,
  so any day of the history is exactly the day the simulator's models give;
* every home's clear-sky PV (``profiles.pv_day`` without clouds): known in advance;
* the street's totals, and a price per slot from ``prices`` (the real uniform-price
  auction on the street's aggregated orders; None when nothing traded).

It is made in memory, a year of 12 homes in about 4 seconds of CPU time (the goal is
5 s; ``benchmarks/bench_forecast.py`` prints the figure, a test keeps a generous bound),
so nothing is cached on disk and nothing can go stale: the same arguments always give the
same history, bit for bit. ``sunny_street_year`` keeps the last two years it made. About
two fifths of the time is the sun's path, a third the auction, the rest the load and
the rounding of every slot to whole Wh.

A forecaster never gets the ``History`` itself (it holds the future): ``History.past``
cuts out a ``Past`` that ends where the day to forecast begins, and
``past_from_readings`` makes the same ``Past`` from a home's own meter readings alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Sequence

from minichain.errors import ForecastError, NotEnoughHistory
from minichain.forecast.past import Past
from minichain.forecast.prices import DEFAULT_K_PERCENT, slot_price, temperament
from minichain.market.orders import BUY, SELL, Tariffs
from minichain.microgrid.household import Battery, Household, household_day, make_street, \
    self_consume
from minichain.microgrid.profiles import SLOTS_PER_DAY, SUNNY_STREET, Site, pv_day
from minichain.microgrid.weather import FORECAST_ERROR, sky, sky_forecast

STREET = "street"           # the name of the street's totals
PV, LOAD = "pv", "load"
QUANTITIES = (PV, LOAD)


@dataclass(frozen=True, eq=False)
class History:
    """Days of Sunny Street, one value per 15-minute slot, from ``first_day`` on.

    Series by home name (and ``STREET`` for the sum): ``pv_wh``, ``load_wh``,
    ``clear_sky_wh``. For the street: ``cloudiness`` (truth), ``cloudiness_forecast``
    (issued the day before), ``price`` (units per kWh, None without a trade), ``traded_wh``.
    """

    site: Site
    homes: tuple[Household, ...]
    tariffs: Tariffs
    seed: int
    first_day: date
    days: int
    cloudiness: tuple[float, ...]
    cloudiness_forecast: tuple[float, ...]
    pv_wh: dict[str, tuple[int, ...]]
    load_wh: dict[str, tuple[int, ...]]
    clear_sky_wh: dict[str, tuple[int, ...]]
    price: tuple[int | None, ...]
    traded_wh: tuple[int, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The homes' names in street order."""
        return tuple(home.name for home in self.homes)

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=self.days - 1)

    def dates(self) -> list[date]:
        """Every day of the history, in order."""
        return [self.first_day + timedelta(days=n) for n in range(self.days)]

    def index_of(self, day: date) -> int:
        """Day ``day``'s position in the history (0 = ``first_day``)."""
        index = (day - self.first_day).days
        if not 0 <= index < self.days:
            raise ForecastError(f"{day} is not in this history ({self.first_day} .. "
                                f"{self.last_day})")
        return index

    def series(self, quantity: str, name: str) -> tuple[int, ...]:
        """One home's (or the street's) PV or load, every slot of the history."""
        if quantity not in QUANTITIES:
            raise ForecastError(f"quantity must be one of {list(QUANTITIES)}, got {quantity!r}")
        table = self.pv_wh if quantity == PV else self.load_wh
        if name not in table:
            raise ForecastError(f"no home named {name!r} here; choose from "
                                f"{list(self.names) + [STREET]}")
        return table[name]

    def on(self, day: date, values: Sequence) -> tuple:
        """The 96 values of one day cut from a series of this history."""
        start = self.index_of(day) * SLOTS_PER_DAY
        return tuple(values[start:start + SLOTS_PER_DAY])

    def past(self, quantity: str, name: str, day: date, days: int | None = None) -> Past:
        """What ``name`` knows when it forecasts its ``quantity`` on ``day``: only the past.

        ``days`` limits the readings to the last so many days (None: all the history has).
        """
        series = self.series(quantity, name)
        end = self.index_of(day)
        start = 0 if days is None else end - days
        if start < 0:
            raise NotEnoughHistory(f"{days} past days before {day} were asked for, but the "
                                   f"history starts on {self.first_day} ({end} days before)")
        lo, hi = start * SLOTS_PER_DAY, end * SLOTS_PER_DAY
        return Past(day, series[lo:hi], self.cloudiness_forecast[lo:hi + SLOTS_PER_DAY],
                    self.clear_sky_wh[name][lo:hi + SLOTS_PER_DAY])


def _self_consume_day(battery: Battery, pv_wh: Sequence[int],
                      load_wh: Sequence[int]) -> tuple[Battery, list[int]]:
    """A battery home's day of self-consumption: its battery after it, and its net per slot."""
    nets = []
    for pv, load in zip(pv_wh, load_wh):
        balance = self_consume(battery, pv, load)
        battery = balance.battery
        nets.append(balance.export_wh - balance.import_wh)
    return battery, nets


def _tiers(nets: list[list[int]], asks: list[int], bids: list[int]) -> list[tuple[str, int, list[int]]]:
    """The street's Wh offered at each ask and wanted at each bid, slot by slot (merged by price)."""
    offered: dict[int, list[int]] = {}
    wanted: dict[int, list[int]] = {}
    for net, ask, bid in zip(nets, asks, bids):
        sell = offered.setdefault(ask, [0] * len(net))
        buy = wanted.setdefault(bid, [0] * len(net))
        for slot, wh in enumerate(net):
            if wh > 0:
                sell[slot] += wh
            elif wh < 0:
                buy[slot] -= wh
    return ([(SELL, ask, wh) for ask, wh in sorted(offered.items())]
            + [(BUY, bid, wh) for bid, wh in sorted(wanted.items())])


def make_history(homes: Sequence[Household], tariffs: Tariffs, first_day: date, days: int,
                 seed: int, site: Site = SUNNY_STREET, forecast_error: float = FORECAST_ERROR,
                 k_percent: int = DEFAULT_K_PERCENT) -> History:
    """``days`` days of the street from ``first_day``, by the simulator's own models (seeded)."""
    homes = tuple(homes)
    names = [home.name for home in homes]
    if not homes or len(set(names)) != len(names) or STREET in names:
        raise ForecastError(f"a history needs homes with distinct names other than "
                            f"{STREET!r}, got {names}")
    if not isinstance(tariffs, Tariffs):
        raise ForecastError(f"tariffs must be a Tariffs, got {type(tariffs).__name__}")
    if not isinstance(days, int) or days < 1:
        raise ForecastError(f"days must be a whole number >= 1, got {days!r}")
    tempers = [temperament(seed, name) for name in names]
    asks = [tariffs.price_at(t.ask_permille) for t in tempers]
    bids = [tariffs.price_at(t.bid_permille) for t in tempers]
    batteries = [Battery(home.battery) if home.battery else None for home in homes]
    no_sun = (0,) * SLOTS_PER_DAY
    cloudiness: list[float] = []
    forecast: list[float] = []
    pv = {name: [] for name in names}
    load = {name: [] for name in names}
    clear = {name: [] for name in names}
    price: list[int | None] = []
    traded: list[int] = []
    for n in range(days):
        day = first_day + timedelta(days=n)
        truth = sky(site, day, seed)
        cloudiness.extend(truth)
        forecast.extend(sky_forecast(site, day, seed, forecast_error))
        today = [household_day(home, site, day, truth, seed) for home in homes]
        for home, home_day in zip(homes, today):
            pv[home.name].extend(home_day.pv_wh)
            load[home.name].extend(home_day.load_wh)
            clear[home.name].extend(pv_day(site, day, home.pv_peak_w, None, home.pv_tilt_deg,
                                           home.pv_azimuth_deg) if home.has_pv else no_sun)
        nets = []                       # each home's surplus (+) or shortfall (-) per slot
        for i, home_day in enumerate(today):
            if batteries[i] is None:
                nets.append([p - q for p, q in zip(home_day.pv_wh, home_day.load_wh)])
            else:
                batteries[i], net = _self_consume_day(batteries[i], home_day.pv_wh,
                                                      home_day.load_wh)
                nets.append(net)
        tiers = _tiers(nets, asks, bids)
        for slot in range(SLOTS_PER_DAY):
            offers = [(side, limit, wh[slot]) for side, limit, wh in tiers if wh[slot]]
            cleared = slot_price(offers, tariffs, n * SLOTS_PER_DAY + slot, k_percent)
            price.append(cleared[0])
            traded.append(cleared[1])
    pv_t = {name: tuple(values) for name, values in pv.items()}
    load_t = {name: tuple(values) for name, values in load.items()}
    clear_t = {name: tuple(values) for name, values in clear.items()}
    for table in (pv_t, load_t, clear_t):
        table[STREET] = tuple(map(sum, zip(*(table[name] for name in names))))
    return History(site, homes, tariffs, seed, first_day, days, tuple(cloudiness),
                   tuple(forecast), pv_t, load_t, clear_t, tuple(price), tuple(traded))


def past_from_readings(home: Household, readings: Sequence[int], day: date, seed: int,
                       site: Site = SUNNY_STREET,
                       forecast_error: float = FORECAST_ERROR) -> Past:
    """A home's ``Past`` from its own meter readings alone (whole days ending where ``day`` begins).

    The public inputs are filled in as ``make_history`` makes them: the day-ahead weather
    forecast of each day up to ``day``, and the home's own clear-sky PV. This is what a day
    runner hands an agent at gate closure, without any ``History`` behind it.
    """
    if len(readings) % SLOTS_PER_DAY:
        raise ForecastError(f"readings must cover whole days ({SLOTS_PER_DAY} values a day), "
                            f"got {len(readings)} values")
    first = day - timedelta(days=len(readings) // SLOTS_PER_DAY)
    days = [first + timedelta(days=n) for n in range(len(readings) // SLOTS_PER_DAY + 1)]
    forecast = [value for d in days for value in sky_forecast(site, d, seed, forecast_error)]
    clear = [value for d in days
             for value in (pv_day(site, d, home.pv_peak_w, None, home.pv_tilt_deg,
                                  home.pv_azimuth_deg) if home.has_pv else (0,) * SLOTS_PER_DAY)]
    return Past(day, tuple(readings), tuple(forecast), tuple(clear))


@lru_cache(maxsize=2)            # a year holds about 35 MB: keep two at most
def sunny_street_year(tariffs: Tariffs, seed: int = 1, year: int = 2026, households: int = 12,
                      pv_percent: int = 50, battery_percent: int = 25) -> History:
    """The calendar year ``year`` of a street made by ``make_street`` (the simulator's defaults)."""
    homes = make_street(households, pv_percent / 100, battery_percent / 100, seed)
    first = date(year, 1, 1)
    return make_history(homes, tariffs, first, (date(year + 1, 1, 1) - first).days, seed)
