"""Meter spoofing and a stolen meter key, end to end on the meter oracle (chapter 13).

A key that no authority bound to a household is refused by the oracle. A stolen meter
key is not: its readings carry a valid signature, so the chain accepts them; the
plausibility check flags the one no roof could produce at that hour; an authority
revokes the household (and with it the key), the stolen key is refused from then on, and
the household registers a new meter whose readings are accepted again.
"""

from __future__ import annotations

import pytest

from minichain import cast
from minichain.contracts.client import sunny_street
from minichain.errors import Revert
from minichain.microgrid.household import make_street
from minichain.microgrid.plausibility import check_oracle_reading
from minichain.microgrid.profiles import SUNNY_STREET

HOMES = {home.name: home for home in make_street(4, seed=0)}
SLOT = 40                                   # 11:00-11:15 on midsummer's day


@pytest.fixture
def street():
    return sunny_street(("alice", "bob", "carol", "dave"), nodes=False, deposit=0)


def test_an_unregistered_key_is_refused(street):
    market = street.market
    market.advance_to(market.slot_end(SLOT))
    with pytest.raises(Revert, match="^not a registered meter$"):
        market.submit_reading(cast.meter(cast.ATTACKER), SLOT, 5_000, 0)


def test_a_stolen_key_is_flagged_revoked_and_replaced(street):
    market, carol = street.market, street.households["carol"]
    stolen = street.meters["carol"]                       # Mallory has Carol's meter key
    honest = check_oracle_reading(HOMES["carol"], SUNNY_STREET, market.genesis_time, SLOT,
                                  1_100)
    assert honest is None
    market.submit_reading(stolen, SLOT, 5_000, 0, at=market.slot_end(SLOT))
    assert market.reading(carol.address, SLOT) == (5_000, 0)    # the chain cannot tell
    flag = check_oracle_reading(HOMES["carol"], SUNNY_STREET, market.genesis_time, SLOT,
                                market.reading(carol.address, SLOT)[0])
    assert (flag.household, flag.export_wh, flag.limit_wh) == ("carol", 5_000, 1_859)
    grid = street.authorities[0]
    market.revoke(grid, carol.address)
    with pytest.raises(Revert, match="^not a registered meter$"):
        market.submit_reading(stolen, SLOT + 1, 900, 0, at=market.slot_end(SLOT + 1))
    spare = cast.wallet(cast.SPARE_METER)
    market.apply(carol, spare.address, 2)
    market.attest(grid, carol.address)
    market.submit_reading(spare, SLOT + 2, 1_000, 0, at=market.slot_end(SLOT + 2))
    assert market.reading(carol.address, SLOT + 2) == (1_000, 0)
    assert market.meter_of(carol.address) == spare.address
