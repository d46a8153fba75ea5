"""Is a meter reading physically possible? The export a home's panels can make (chapter 13).

A signed reading proves which meter key sent it, not that it is true: a tampered meter,
or a stolen meter key, can report any number. Physics gives a bound. A home can export
no more in a slot than its panels make under a clear sky with the sun where it stands
then, plus what its battery can deliver in the slot. ``export_limit_wh`` computes that
bound from the same clear-sky model the simulator uses (``profiles.clear_sky_poa_day``,
checked against pvlib) with generous margins, so an honest reading is never flagged:

* the panels at **100 %** of their rating on the plane-of-array irradiance (the simulator
  assumes 80 %: no real system loses nothing, so this leaves room for the best of them);
* **25 % more light than a clear sky** (``OVERIRRADIANCE_PERMILLE``): at the edge of a
  cloud, sunlight scattered off it adds to the direct beam, and over a quarter hour that
  can exceed clear sky by about a tenth to a fifth;
* the battery's full power for the whole slot (``BatterySpec.limit_wh``).

The rounding rule: a meter counts whole Wh, so a slot can show up to 1 Wh that flowed in
the slot before (the simulator's running-total rounding does the same); the panels' part
is therefore the energy rounded down plus 1 Wh while the sun gives any light, and 0 when
it gives none; the battery's whole Wh are added to it. A reading is flagged when it is
*above* the bound. At night a home without a battery that exports is flagged at once.
A flag is not a verdict: an authority looks at it, and if the meter key is compromised
revokes it in the identity registry (chapter 08) and registers a new meter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from minichain.errors import EnergyModelError
from minichain.microgrid.household import Household
from minichain.microgrid.profiles import (SLOT_HOURS, SLOT_SECONDS, SLOTS_PER_DAY, Site,
                                          clear_sky_poa_day, day_and_slot)

OVERIRRADIANCE_PERMILLE = 250        # light above clear sky allowed for (cloud enhancement)


def export_limit_wh(household: Household, site: Site, day: date, slot: int) -> int:
    """The most Wh ``household`` can export in ``slot`` of ``day`` (the site's local clock)."""
    if not 0 <= slot < SLOTS_PER_DAY:
        raise EnergyModelError(f"slot must be within 0..{SLOTS_PER_DAY - 1}, got {slot}")
    panels = 0
    if household.has_pv:
        poa = clear_sky_poa_day(site, day, household.pv_tilt_deg, household.pv_azimuth_deg)
        energy = (poa[slot] * household.pv_peak_w / 1000.0 * SLOT_HOURS
                  * (1000 + OVERIRRADIANCE_PERMILLE) / 1000)
        panels = math.floor(energy) + 1 if energy > 0 else 0
    battery = household.battery.limit_wh(SLOT_SECONDS) if household.has_battery else 0
    return panels + battery


@dataclass(frozen=True)
class Flag:
    """A reading above what the home can physically export."""

    household: str
    day: date
    slot: int                  # of the day, the site's local clock
    export_wh: int
    limit_wh: int

    def __str__(self) -> str:
        return (f"{self.household} reported {self.export_wh} Wh exported in slot {self.slot} "
                f"of {self.day.isoformat()}; its panels and battery can give at most "
                f"{self.limit_wh} Wh")


def check_export(household: Household, site: Site, day: date, slot: int,
                 export_wh: int) -> Flag | None:
    """A ``Flag`` if ``export_wh`` is more than the home can make in that slot, else None."""
    if not isinstance(export_wh, int) or isinstance(export_wh, bool) or export_wh < 0:
        raise EnergyModelError(f"a reading is whole Wh >= 0, got {export_wh!r}")
    limit = export_limit_wh(household, site, day, slot)
    return Flag(household.name, day, slot, export_wh, limit) if export_wh > limit else None


def chain_slot(site: Site, genesis_time: int, slot: int) -> tuple[date, int]:
    """The local day and slot of the day that the meter oracle's ``slot`` (counted in
    15-minute steps from the chain's genesis) is."""
    return day_and_slot(site, genesis_time + slot * SLOT_SECONDS)


def check_oracle_reading(household: Household, site: Site, genesis_time: int, slot: int,
                         export_wh: int) -> Flag | None:
    """``check_export`` for a reading as the meter oracle numbers its slots."""
    day, of_day = chain_slot(site, genesis_time, slot)
    return check_export(household, site, day, of_day, export_wh)


__all__ = ["Flag", "OVERIRRADIANCE_PERMILLE", "chain_slot", "check_export",
           "check_oracle_reading", "export_limit_wh"]
