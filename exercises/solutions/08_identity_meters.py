"""Solutions to the chapter 08 exercises: identity and smart meters.

Try each exercise first; `check(your_function)` tells you what is wrong and hints at why.
"""

from minichain.encoding import hash_of
from minichain.contracts.client import HOUSEHOLD

SLOT_SECONDS = 900
READING_WINDOW = 3600


def register_household(market, household, meter, bus, authority):
    """Apply from the household's key, attest from the authority's; return its status."""
    market.apply(household, meter.address, bus)           # layer 1: the household's own key
    market.attest(authority, household.address)           # layers 2 and 3: attest and bind
    return market.status(household.address)


def report_reading(market, meter, household, slot, export_wh, import_wh, replica):
    """Send the meter's reading in its window; return what another node's replica holds."""
    market.submit_reading(meter, slot, export_wh, import_wh, at=market.slot_end(slot))
    return market.on(replica).reading(household, slot)


def reading_accepted(slot, now, already_reported):
    """The oracle's answer to a bound meter's reading for `slot`, sent `now` s after genesis."""
    if slot < 0:
        return "no such slot"
    end = SLOT_SECONDS * (slot + 1)
    if now < end:
        return "the slot is not over yet"
    if now >= end + READING_WINDOW:
        return "the reading window has closed"
    if already_reported:
        return "this slot already has a reading"
    return "accepted"


def meter_reports_for(history, meter):
    """The household `meter` reports for after the registry's `history`, or None."""
    bound = {}                                   # meter -> household
    for name, fields in history:
        if name == "Attested":                   # an authority binds the meter
            bound[fields["meter"]] = fields["household"]
        elif name == "Revoked":                  # revocation unbinds it
            bound.pop(fields["meter"], None)
        elif name == "MeterSwapped":             # the old meter is retired, the new one bound
            bound.pop(fields["old_meter"], None)
            bound[fields["meter"]] = fields["household"]
    return bound.get(meter)                      # Applied, BusMoved, KeyRotated bind nothing


def commit_reading(reading, salt):
    """A commitment to (slot, export_wh, import_wh) that hides it until the salt is revealed."""
    slot, export_wh, import_wh = reading
    return hash_of([slot, export_wh, import_wh, salt])


def reveal_ok(commitment, reading, salt):
    """True if `reading` and `salt` are exactly what `commitment` committed to."""
    slot, export_wh, import_wh = reading
    return hash_of([slot, export_wh, import_wh, salt]) == commitment
