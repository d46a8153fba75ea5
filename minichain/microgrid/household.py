"""The households of Sunny Street: who lives there, their PV, their batteries (chapter 11).

A ``Household`` is plain configuration in whole numbers (persons, kWh a year, watts-peak,
a ``BatterySpec``), so it can be encoded and put on chain as it is. ``make_street`` builds a
seeded street from real German figures:

* annual use by household size, BDEW 2021: 1 person 1,900 kWh, 2 persons 2,890 kWh,
  3 persons 3,720 kWh, 4 or more 4,085 kWh;
* household sizes drawn with the shares of German households (Destatis, about 41 % one
  person, 34 % two, 12 % three, 13 % four or more);
* rooftop PV 3-10 kWp in 0.5 kWp steps, facing south-east, south or south-west;
* home batteries 5-13 kWh in 1 kWh steps, power half the capacity per hour (0.5 C), 90 %
  round-trip efficiency (AC to AC, as measured for current home storage systems).

**Batteries and where the loss is booked.** A ``Battery`` holds ``stored_wh``: the energy
it can still deliver. The whole round-trip loss is booked *when charging*: taking in
``accepted_wh`` stores ``accepted_wh * efficiency_permille // 1000`` and the rest is
``loss_wh``; discharging is then lossless (``delivered_wh`` comes straight out of
``stored_wh``). So every step balances exactly in integers:

    charge:    accepted_wh  = (stored after - stored before) + loss_wh
    discharge: delivered_wh = stored before - stored after

The power limit (``power_w``, both ways) caps the energy that passes the battery's
inverter in one slot: ``power_w * slot_seconds // 3600`` Wh (rounded down).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Sequence

from minichain import cast
from minichain.microgrid.profiles import (DEFAULT_AZIMUTH_DEG, DEFAULT_TILT_DEG, SLOT_SECONDS,
                                       SLOTS_PER_DAY, EnergyModelError, Site, load_day,
                                       pv_day)

ANNUAL_KWH_BY_PERSONS = {1: 1900, 2: 2890, 3: 3720, 4: 4085}     # BDEW 2021; 4 = "4 or more"
PERSONS_SHARES_PERCENT = ((1, 41), (2, 34), (3, 12), (4, 13))    # Destatis household sizes
PV_PEAK_W_CHOICES = tuple(range(3000, 10001, 500))
PV_AZIMUTH_CHOICES = (135, 180, 180, 225)                         # SE, S (twice as likely), SW
BATTERY_CAPACITY_WH_CHOICES = tuple(range(5000, 13001, 1000))
BATTERY_EFFICIENCY_PERMILLE = 900
BATTERY_C_RATE_PERMILLE = 500                                     # power = 0.5 x capacity / h

NAMES = cast.HOUSEHOLDS


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_wh(name: str, value: object) -> None:
    if not _is_int(value) or value < 0:
        raise EnergyModelError(f"{name} must be a whole number of Wh >= 0, got {value!r}")


# --- batteries ------------------------------------------------------------------------

@dataclass(frozen=True)
class BatterySpec:
    """What a home battery is: size, power and round-trip efficiency (all integers)."""

    capacity_wh: int
    power_w: int
    efficiency_permille: int = BATTERY_EFFICIENCY_PERMILLE

    def __post_init__(self) -> None:
        if not _is_int(self.capacity_wh) or self.capacity_wh <= 0:
            raise EnergyModelError(f"capacity_wh must be a whole number > 0, got {self.capacity_wh!r}")
        if not _is_int(self.power_w) or self.power_w <= 0:
            raise EnergyModelError(f"power_w must be a whole number > 0, got {self.power_w!r}")
        if not _is_int(self.efficiency_permille) or not 0 < self.efficiency_permille <= 1000:
            raise EnergyModelError(f"efficiency_permille must be 1..1000, got {self.efficiency_permille!r}")

    def limit_wh(self, slot_seconds: int = SLOT_SECONDS) -> int:
        """Most Wh that can pass the battery's inverter in one slot, either way."""
        return self.power_w * slot_seconds // 3600


@dataclass(frozen=True)
class Battery:
    """A battery and how much it holds right now (``stored_wh`` can all be delivered)."""

    spec: BatterySpec
    stored_wh: int = 0

    def __post_init__(self) -> None:
        if not _is_int(self.stored_wh) or not 0 <= self.stored_wh <= self.spec.capacity_wh:
            raise EnergyModelError(f"stored_wh must be 0..{self.spec.capacity_wh}, got {self.stored_wh!r}")

    @classmethod
    def at_soc(cls, spec: BatterySpec, soc_permille: int) -> "Battery":
        """A battery filled to ``soc_permille`` of its capacity (rounded down)."""
        if not _is_int(soc_permille) or not 0 <= soc_permille <= 1000:
            raise EnergyModelError(f"soc_permille must be 0..1000, got {soc_permille!r}")
        return cls(spec, spec.capacity_wh * soc_permille // 1000)

    @property
    def headroom_wh(self) -> int:
        return self.spec.capacity_wh - self.stored_wh

    @property
    def soc_permille(self) -> int:
        return self.stored_wh * 1000 // self.spec.capacity_wh


@dataclass(frozen=True)
class Charge:
    """The result of offering energy to a battery: what it took, kept and lost."""

    battery: Battery
    accepted_wh: int
    stored_wh: int
    loss_wh: int


@dataclass(frozen=True)
class Discharge:
    """The result of asking a battery for energy."""

    battery: Battery
    delivered_wh: int


def charge(battery: Battery, offered_wh: int, slot_seconds: int = SLOT_SECONDS) -> Charge:
    """Charge with up to ``offered_wh`` in one slot, within the power limit and the room left."""
    _check_wh("offered_wh", offered_wh)
    spec = battery.spec
    # the most input whose stored part (rounded down) still fits; a full battery takes none
    headroom = battery.headroom_wh
    most_input_that_fits = ((headroom + 1) * 1000 - 1) // spec.efficiency_permille if headroom else 0
    accepted = min(offered_wh, spec.limit_wh(slot_seconds), most_input_that_fits)
    stored = accepted * spec.efficiency_permille // 1000
    return Charge(Battery(spec, battery.stored_wh + stored), accepted, stored, accepted - stored)


def discharge(battery: Battery, wanted_wh: int, slot_seconds: int = SLOT_SECONDS) -> Discharge:
    """Deliver up to ``wanted_wh`` in one slot, within the power limit and what is stored."""
    _check_wh("wanted_wh", wanted_wh)
    delivered = min(wanted_wh, battery.spec.limit_wh(slot_seconds), battery.stored_wh)
    return Discharge(Battery(battery.spec, battery.stored_wh - delivered), delivered)


# --- households -----------------------------------------------------------------------

@dataclass(frozen=True)
class Household:
    """One home on Sunny Street: its people, its yearly use, its PV and battery."""

    name: str
    persons: int
    annual_kwh: int
    pv_peak_w: int = 0
    pv_tilt_deg: int = DEFAULT_TILT_DEG
    pv_azimuth_deg: int = DEFAULT_AZIMUTH_DEG
    battery: BatterySpec | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise EnergyModelError(f"a household needs a non-empty name, got {self.name!r}")
        for field in ("persons", "annual_kwh"):
            value = getattr(self, field)
            if not _is_int(value) or value <= 0:
                raise EnergyModelError(f"{field} must be a whole number > 0, got {value!r}")
        if not _is_int(self.pv_peak_w) or self.pv_peak_w < 0:
            raise EnergyModelError(f"pv_peak_w must be a whole number >= 0, got {self.pv_peak_w!r}")
        if not _is_int(self.pv_tilt_deg) or not 0 <= self.pv_tilt_deg <= 90:
            raise EnergyModelError(f"pv_tilt_deg must be 0..90, got {self.pv_tilt_deg!r}")
        if not _is_int(self.pv_azimuth_deg) or not 0 <= self.pv_azimuth_deg < 360:
            raise EnergyModelError(f"pv_azimuth_deg must be 0..359, got {self.pv_azimuth_deg!r}")

    @property
    def has_pv(self) -> bool:
        return self.pv_peak_w > 0

    @property
    def has_battery(self) -> bool:
        return self.battery is not None


@dataclass(frozen=True)
class HouseholdDay:
    """A household's 96 slots of production and use for one day, in Wh."""

    pv_wh: tuple[int, ...]
    load_wh: tuple[int, ...]


def load_rng(seed: int, name: str, day: date) -> random.Random:
    """The random stream for one household's use on one day (independent of call order)."""
    return random.Random(f"load:{seed}:{name}:{day.isoformat()}")


def household_pv(household: Household, site: Site, day: date,
                 cloudiness: Sequence[float] | None) -> tuple[int, ...]:
    """The household's PV output on ``day`` under ``cloudiness`` (None: a clear sky)."""
    if not household.has_pv:
        return (0,) * SLOTS_PER_DAY
    return pv_day(site, day, household.pv_peak_w, cloudiness, household.pv_tilt_deg,
                  household.pv_azimuth_deg)


def household_load(household: Household, day: date, seed: int,
                   noise: float = 0.3) -> tuple[int, ...]:
    """The household's use on ``day``: its H0 day with its own seeded noise."""
    return load_day(day, household.annual_kwh, load_rng(seed, household.name, day), noise)


def household_day(household: Household, site: Site, day: date,
                  cloudiness: Sequence[float] | None, seed: int,
                  noise: float = 0.3) -> HouseholdDay:
    """The household's PV output and use on ``day``; the street shares one ``cloudiness``."""
    return HouseholdDay(household_pv(household, site, day, cloudiness),
                        household_load(household, day, seed, noise))


@dataclass(frozen=True)
class SlotBalance:
    """One slot behind the meter: own use first, then the battery, then the grid.

    Balance (exact): pv + discharged + imported = load + charged + exported,
    where ``charged_wh`` = stored + lost.
    """

    battery: Battery | None
    self_used_wh: int
    charged_wh: int
    loss_wh: int
    discharged_wh: int
    export_wh: int
    import_wh: int


def self_consume(battery: Battery | None, pv_wh: int, load_wh: int,
                 slot_seconds: int = SLOT_SECONDS) -> SlotBalance:
    """Use own PV first, put surplus into the battery, cover shortfall from it; rest is grid."""
    _check_wh("pv_wh", pv_wh)
    _check_wh("load_wh", load_wh)
    own = min(pv_wh, load_wh)
    surplus, shortfall = pv_wh - own, load_wh - own
    charged = loss = discharged = 0
    if battery is not None and surplus > 0:
        result = charge(battery, surplus, slot_seconds)
        battery, charged, loss = result.battery, result.accepted_wh, result.loss_wh
        surplus -= charged
    if battery is not None and shortfall > 0:
        result = discharge(battery, shortfall, slot_seconds)
        battery, discharged = result.battery, result.delivered_wh
        shortfall -= discharged
    return SlotBalance(battery, own, charged, loss, discharged, surplus, shortfall)


# --- a street -------------------------------------------------------------------------

def household_names(n: int) -> tuple[str, ...]:
    """``n`` reproducible names: alice, bob, ... zoe, then alice2, bob2, ..."""
    if not _is_int(n) or n < 0:
        raise EnergyModelError(f"the number of names must be a whole number >= 0, got {n!r}")
    return tuple(NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else str(i // len(NAMES) + 1))
                 for i in range(n))


def _share(share: float | Fraction, what: str) -> Fraction:
    if isinstance(share, bool) or not isinstance(share, (int, float, Fraction)) \
            or not 0 <= share <= 1:
        raise EnergyModelError(f"{what} must be a share within 0..1, got {share!r}")
    return Fraction(share).limit_denominator(10_000)


def _every_so_often(index: int, share: Fraction) -> bool:
    """True for the homes that make ``ceil(n * share)`` of the first ``n``, for every ``n``.

    Home ``i`` is chosen when ``ceil((i + 1) * share) > ceil(i * share)``: the choices are
    spread evenly, the first home is chosen whenever the share is above 0, and a longer
    street only adds homes at its end, so the first ``n`` homes are the same in every street.
    """
    return math.ceil((index + 1) * share) > math.ceil(index * share)


def make_street(n_households: int, pv_share: float | Fraction = 0.5,
                battery_share: float | Fraction = 0.25, seed: int = 0) -> tuple[Household, ...]:
    """A seeded street of ``n_households`` homes named alice, bob, ...; same seed, same street.

    ``ceil(n * pv_share)`` homes get PV, spread evenly from the first (Alice has PV whenever
    anyone does), and ``ceil(n_pv * battery_share / pv_share)`` of those also get a battery,
    spread evenly over them, so ``battery_share`` cannot exceed ``pv_share``. Each home's
    size, rooftop and battery are drawn from a random stream of its own, seeded by ``seed``
    and its name: a household is the same home in a street of 6 and in a street of 40.
    """
    if not _is_int(n_households) or n_households < 1:
        raise EnergyModelError(f"n_households must be a whole number >= 1, got {n_households!r}")
    pv = _share(pv_share, "pv_share")
    battery = _share(battery_share, "battery_share")
    if battery > pv:
        raise EnergyModelError(f"battery_share {battery_share} exceeds pv_share {pv_share}: "
                               "every home battery here comes with PV")
    sizes = [size for size, _ in PERSONS_SHARES_PERCENT]
    weights = [share for _, share in PERSONS_SHARES_PERCENT]
    street, pv_homes = [], 0
    for i, name in enumerate(household_names(n_households)):
        rng = random.Random(f"minichain street {seed}: {name}")
        persons = rng.choices(sizes, weights)[0]
        peak_w, azimuth = rng.choice(PV_PEAK_W_CHOICES), rng.choice(PV_AZIMUTH_CHOICES)
        capacity = rng.choice(BATTERY_CAPACITY_WH_CHOICES)
        spec = None
        if not _every_so_often(i, pv):
            peak_w, azimuth = 0, DEFAULT_AZIMUTH_DEG
        else:
            if _every_so_often(pv_homes, battery / pv):
                spec = BatterySpec(capacity, capacity * BATTERY_C_RATE_PERMILLE // 1000)
            pv_homes += 1
        street.append(Household(name, persons, ANNUAL_KWH_BY_PERSONS[persons], peak_w,
                                DEFAULT_TILT_DEG, azimuth, spec))
    return tuple(street)
