"""Salted meter commitments: a reading hidden on chain now, checked against it later (chapter 13).

Chapter 08 showed what quarter-hour readings give away about a home (when it is empty,
when it cooks, when it sleeps). Here a registered meter puts only a **commitment** on
chain for each slot, within the same window as the meter oracle's readings:

    commitment = sha256(TAG, household, slot, export_wh, import_wh, salt)

The salt is a secret random word the meter keeps (``minichain.commitments`` derives one
per slot from the meter's key). Without it anyone could try every plausible reading (a
few million hashes) and open the commitment; with 256 unknown bits nobody can. The tag,
the household and the slot in the hash tie a commitment to this use, this home and this
slot, so it cannot be presented for another.

Later whoever holds the opening can show it: ``check`` is a free read that tells an
auditor, a neighbour in a dispute or the grid operator whether a reading the household
gave them privately is the one committed (nothing is published), and ``reveal`` puts the
opening on chain when a reading has to become public (settling a dispute). Either way
the contract recomputes the hash with the machine's ``SHA256``: a reading that was not
committed cannot be passed off as one that was.
"""

from minichain.vm.lang import *

SLOT = 900          # seconds in a slot
WINDOW = 3600       # seconds after a slot's end in which its commitment is accepted
TAG = 0x6d657465722072656164696e67     # "meter reading" in ASCII: what this hash is for


class Identity(Interface):
    def household_of(self, meter: address) -> address: ...


class MeterCommitments:
    registry: address
    genesis_time: int
    commitment: Map[address, Map[int, int]]      # household -> slot -> the committed hash
    committed: Map[address, Map[int, bool]]
    revealed: Map[address, Map[int, bool]]
    exported: Map[address, Map[int, int]]        # filled only by a reveal
    imported: Map[address, Map[int, int]]

    Committed = Event(household=address, meter=address, slot=int, commitment=int)
    Revealed = Event(household=address, slot=int, export_wh=int, import_wh=int)

    def __init__(self, registry: address, genesis_time: int):
        self.registry = registry
        self.genesis_time = genesis_time

    @public
    def commit(self, slot: int, commitment: int):
        household = Identity(self.registry).household_of(msg.sender)
        require(household != address(0), "not a registered meter")
        require(slot >= 0, "no such slot")
        end = self.genesis_time + SLOT * (slot + 1)
        require(block.timestamp >= end, "the slot is not over yet")
        require(block.timestamp < end + WINDOW, "the commitment window has closed")
        require(not self.committed[household][slot], "this slot already has a commitment")
        self.commitment[household][slot] = commitment
        self.committed[household][slot] = True
        emit(Committed(household, msg.sender, slot, commitment))

    @public
    def check(self, household: address, slot: int, export_wh: int, import_wh: int,
              salt: int) -> bool:
        if not self.committed[household][slot]:
            return False
        return self.commitment[household][slot] == sha256(TAG, household, slot, export_wh,
                                                          import_wh, salt)

    @public
    def reveal(self, household: address, slot: int, export_wh: int, import_wh: int,
               salt: int):
        require(self.committed[household][slot], "nothing committed for this slot")
        require(not self.revealed[household][slot], "this slot is already revealed")
        require(export_wh >= 0 and import_wh >= 0, "readings are whole Wh >= 0")
        require(self.check(household, slot, export_wh, import_wh, salt),
                "the opening does not match the commitment")
        self.exported[household][slot] = export_wh
        self.imported[household][slot] = import_wh
        self.revealed[household][slot] = True
        emit(Revealed(household, slot, export_wh, import_wh))
