"""The identity registry: who may trade on Sunny Street, and which meter speaks for whom (chapter 08).

Multi-layer verification, one step per layer:

1. a household **applies from its own key** (``apply(meter, bus)``): the transaction's
   signature proves it controls that key, and it names its smart meter's key and the
   feeder bus its house hangs on;
2. an **authority attests** it (``attest(household)``): the registry records which
   authority and when (the block's time), so every attestation can be audited;
3. the attestation **binds** the meter key and the bus to the household: from then on
   only that meter reports readings for it (the meter oracle asks ``household_of``).

The authorities (grid operator, municipality, energy co-op) are fixed at deploy. Any of
them can ``revoke`` a household; its meter goes with it. The market asks ``status_of``
before every deposit, order and take: only an attested, unrevoked household trades.
"""

from minichain.vm.lang import *

NONE = 0          # never applied
APPLIED = 1       # asked from its own key, waiting for an authority
HOUSEHOLD = 2     # attested: may trade; its meter may report
REVOKED = 3       # attested once, then revoked by an authority


class Identity:
    authorities: Map[address, bool]
    status: Map[address, int]              # NONE, APPLIED, HOUSEHOLD or REVOKED
    applied_meter: Map[address, address]   # what the application asked for
    applied_bus: Map[address, int]
    meter: Map[address, address]           # household -> its bound meter
    household: Map[address, address]       # meter -> the household it reports for
    bus: Map[address, int]                 # household -> its feeder bus
    attested_by: Map[address, address]
    attested_at: Map[address, int]
    revoked_by: Map[address, address]
    revoked_at: Map[address, int]

    Applied = Event(household=address, meter=address, bus=int)
    Attested = Event(household=address, meter=address, bus=int, authority=address, time=int)
    Revoked = Event(household=address, meter=address, authority=address, time=int)

    def __init__(self, first: address, second: address, third: address):
        require(first != address(0), "name at least one authority")
        self.authorities[first] = True
        if second != address(0):
            self.authorities[second] = True
        if third != address(0):
            self.authorities[third] = True

    @public
    def apply(self, meter: address, bus: int):
        who = msg.sender
        require(not self.authorities[who], "authorities do not trade")
        require(self.household[who] == address(0), "a meter key cannot trade")
        require(self.status[who] != HOUSEHOLD, "already a registered household")
        require(meter != address(0) and meter != who, "the meter needs its own key")
        require(not self.authorities[meter], "an authority key cannot be a meter")
        require(self.status[meter] == NONE, "that key belongs to a household")
        require(self.household[meter] == address(0), "meter already bound to a household")
        require(bus >= 1, "the feeder bus is a number >= 1")
        self.applied_meter[who] = meter
        self.applied_bus[who] = bus
        self.status[who] = APPLIED
        emit(Applied(who, meter, bus))

    @public
    def attest(self, who: address):
        require(self.authorities[msg.sender], "only an authority attests")
        require(self.status[who] == APPLIED, "no open application")
        meter = self.applied_meter[who]
        require(self.household[meter] == address(0), "meter already bound to a household")
        require(self.status[meter] == NONE, "that key belongs to a household")
        self.meter[who] = meter
        self.household[meter] = who
        self.bus[who] = self.applied_bus[who]
        self.attested_by[who] = msg.sender
        self.attested_at[who] = block.timestamp
        self.status[who] = HOUSEHOLD
        emit(Attested(who, meter, self.bus[who], msg.sender, block.timestamp))

    @public
    def revoke(self, who: address):
        require(self.authorities[msg.sender], "only an authority revokes")
        require(self.status[who] == HOUSEHOLD, "not a registered household")
        meter = self.meter[who]
        self.household[meter] = address(0)
        self.meter[who] = address(0)
        self.status[who] = REVOKED
        self.revoked_by[who] = msg.sender
        self.revoked_at[who] = block.timestamp
        emit(Revoked(who, meter, msg.sender, block.timestamp))

    @public
    def status_of(self, who: address) -> int:
        return self.status[who]

    @public
    def is_household(self, who: address) -> bool:
        return self.status[who] == HOUSEHOLD

    @public
    def is_authority(self, who: address) -> bool:
        return self.authorities[who]

    @public
    def household_of(self, meter: address) -> address:
        return self.household[meter]

    @public
    def meter_of(self, who: address) -> address:
        return self.meter[who]

    @public
    def bus_of(self, who: address) -> int:
        return self.bus[who]
