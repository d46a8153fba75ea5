"""The sun's path over a day is computed once and shared by every roof, changing no bit of the sky."""

from datetime import date, timedelta

import pytest

from minichain.microgrid import profiles as p
from minichain.microgrid.profiles import SUNNY_STREET

SITES = [SUNNY_STREET, p.Site("Tromso", 69.6492, 18.9553, 60), p.Site("Sydney", -33.8688, 151.2093, 600)]
DAYS = [date(2026, 3, 20), date(2026, 6, 21), date(2026, 12, 21)]


@pytest.mark.parametrize("site", SITES, ids=lambda site: site.name)
@pytest.mark.parametrize("day", DAYS, ids=str)
def test_a_days_clear_sky_equals_the_mean_of_its_samples_moment_by_moment(site, day):
    step = timedelta(seconds=p.SLOT_SECONDS / p.SUB_SAMPLES)
    for tilt, azimuth in ((30, 135), (30, 180), (45, 225), (0, 180)):
        expected = []
        for slot in range(p.SLOTS_PER_DAY):
            start = p.slot_start(site, day, slot)
            samples = [p.clear_sky_poa(site, start + step * (k + 0.5), tilt, azimuth)
                       for k in range(p.SUB_SAMPLES)]
            expected.append(sum(samples) / p.SUB_SAMPLES)
        assert p.clear_sky_poa_day(site, day, tilt, azimuth) == tuple(expected)   # bit for bit


def test_the_sun_path_has_three_samples_a_slot_in_time_order():
    path = p.sun_path_day(SUNNY_STREET, date(2026, 6, 21))
    assert len(path) == p.SLOTS_PER_DAY * p.SUB_SAMPLES
    noon = path[12 * 4 * p.SUB_SAMPLES + 1][0]         # 12:02:30 local, 11:02:30 UTC
    assert noon.elevation_deg > 55                       # high summer sun over Berlin
    assert {day_of_year for _, day_of_year in path} == {171, 172}   # slot 0 is 23:00 UTC
