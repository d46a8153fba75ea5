"""The meter oracle: smart meters put their readings on chain, one per slot (chapter 08).

A reading says how many Wh a household exported to and imported from the grid in one
15-minute slot. It arrives as a transaction *sent by the meter's own key*: the chain has
already checked that signature, so ``msg.sender`` is the meter, and the identity registry
says which household it is bound to. A reading is accepted only

* from a meter bound to an attested household (``Identity.household_of``),
* for a slot that exists (slot 0 starts at genesis) and is over,
* within the reading window: from the slot's end until ``WINDOW`` seconds later,
* once per household and slot (a meter cannot change its story).

Readings are public once on chain: chapter 08 discusses what that reveals about a home.
"""

from minichain.vm.lang import *

SLOT = 900          # seconds in a slot
WINDOW = 3600       # seconds after a slot's end in which its reading is accepted


class Identity(Interface):
    def household_of(self, meter: address) -> address: ...


class MeterOracle:
    registry: address
    genesis_time: int
    exported: Map[address, Map[int, int]]      # household -> slot -> Wh
    imported: Map[address, Map[int, int]]
    reported: Map[address, Map[int, bool]]

    Reading = Event(household=address, meter=address, slot=int, export_wh=int, import_wh=int)

    def __init__(self, registry: address, genesis_time: int):
        self.registry = registry
        self.genesis_time = genesis_time

    @public
    def submit(self, slot: int, export_wh: int, import_wh: int):
        household = Identity(self.registry).household_of(msg.sender)
        require(household != address(0), "not a registered meter")
        require(slot >= 0, "no such slot")
        end = self.genesis_time + SLOT * (slot + 1)
        require(block.timestamp >= end, "the slot is not over yet")
        require(block.timestamp < end + WINDOW, "the reading window has closed")
        require(not self.reported[household][slot], "this slot already has a reading")
        require(export_wh >= 0 and import_wh >= 0, "readings are whole Wh >= 0")
        self.exported[household][slot] = export_wh
        self.imported[household][slot] = import_wh
        self.reported[household][slot] = True
        emit(Reading(household, msg.sender, slot, export_wh, import_wh))

    @public
    def export_of(self, household: address, slot: int) -> int:
        return self.exported[household][slot]

    @public
    def import_of(self, household: address, slot: int) -> int:
        return self.imported[household][slot]

    @public
    def has_reading(self, household: address, slot: int) -> bool:
        return self.reported[household][slot]
