"""The identity registry: who may trade on Sunny Street, and which meter speaks for whom (chapter 08).

Multi-layer verification, one step per layer:

1. a household **applies from its own key** (``apply(meter, bus)``): the transaction's
   signature proves it controls that key, and it names its smart meter's key and the
   feeder bus its house hangs on;
2. an **authority attests** it (``attest(household)``): the registry records which
   authority and when (the block's time), so every attestation can be audited;
3. the attestation **binds** the meter key and the bus to the household: from then on
   only that meter reports readings for it (the meter oracle asks ``household_of``).

A household keeps its profile true the same way: it asks from its key, an authority
attests, and the events keep the history.

* **Meter swap, bus move**: ``ask_update(meter, bus)``, then ``attest_update(household)``.
  The old meter is retired: it can never report again, nor be bound again; the readings
  it already gave stay the household's.
* **Key rotation**: the new key asks, ``apply_key(household)`` (so it proves it is
  controlled), then ``attest_key(key)``. A household is an **account**, the address of
  the key it first applied from, and everything the street keeps about it (profile,
  deposit, orders, trades, readings, reputation) is kept under that account; a key only
  *signs for* it (``account_of``). A rotation changes which key signs, and nothing else:
  the new key may do all the old one could, the old key nothing at all, and no token
  moves, so none can be lost or counted twice. The old key need not sign, so a household
  that lost its key gets its account back; what stands between an account and a thief is
  the attesting authority, as at registration.

The authorities (grid operator, municipality, energy co-op) are fixed at deploy. Any of
them can ``revoke`` a household; its meter goes with it. The market asks ``account_of``
and ``status_of`` before every deposit, order and take: only an attested, unrevoked
household trades.
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
    asked_meter: Map[address, address]     # household -> the meter an open update asks for
    asked_bus: Map[address, int]           # household -> the bus it asks for (0: no update)
    retired: Map[address, address]         # old meter -> the household it reported for
    key: Map[address, address]             # household -> the key that signs for it, if rotated
    account: Map[address, address]         # key -> the household it signs for, if rotated in
    key_asked: Map[address, address]       # new key -> the household it applied to sign for
    replaced: Map[address, address]        # old key -> the household it signed for

    Applied = Event(household=address, meter=address, bus=int)
    Attested = Event(household=address, meter=address, bus=int, authority=address, time=int)
    Revoked = Event(household=address, meter=address, authority=address, time=int)
    UpdateAsked = Event(household=address, meter=address, bus=int)
    MeterSwapped = Event(household=address, old_meter=address, meter=address,
                         authority=address, time=int)
    BusMoved = Event(household=address, old_bus=int, bus=int, authority=address, time=int)
    KeyApplied = Event(household=address, key=address)
    KeyRotated = Event(household=address, old_key=address, key=address, authority=address,
                       time=int)

    def __init__(self, first: address, second: address, third: address):
        require(first != address(0), "name at least one authority")
        self.authorities[first] = True
        if second != address(0):
            self.authorities[second] = True
        if third != address(0):
            self.authorities[third] = True

    # --- registration ---------------------------------------------------------------

    @public
    def apply(self, meter: address, bus: int):
        who = self.signer()
        require(not self.authorities[who], "authorities do not trade")
        require(self.household[who] == address(0) and self.retired[who] == address(0),
                "a meter key cannot trade")
        require(self.status[who] != HOUSEHOLD, "already a registered household")
        self.check_meter(meter, who)
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
        self.check_meter(meter, who)
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
        self.asked_bus[who] = 0
        self.status[who] = REVOKED
        self.revoked_by[who] = msg.sender
        self.revoked_at[who] = block.timestamp
        emit(Revoked(who, meter, msg.sender, block.timestamp))

    # --- profile updates: a new meter, another bus, a new key -------------------------

    @public
    def ask_update(self, meter: address, bus: int):
        who = self.signer()
        require(self.status[who] == HOUSEHOLD, "not a registered household")
        require(bus >= 1, "the feeder bus is a number >= 1")
        require(meter != self.meter[who] or bus != self.bus[who], "the update changes nothing")
        if meter != self.meter[who]:
            self.check_meter(meter, who)
        self.asked_meter[who] = meter
        self.asked_bus[who] = bus
        emit(UpdateAsked(who, meter, bus))

    @public
    def attest_update(self, who: address):
        require(self.authorities[msg.sender], "only an authority attests")
        require(self.status[who] == HOUSEHOLD, "not a registered household")
        require(self.asked_bus[who] != 0, "no open update")
        old_meter = self.meter[who]
        meter = self.asked_meter[who]
        if meter != old_meter:
            self.check_meter(meter, who)
            self.household[old_meter] = address(0)
            self.retired[old_meter] = who
            self.meter[who] = meter
            self.household[meter] = who
            emit(MeterSwapped(who, old_meter, meter, msg.sender, block.timestamp))
        old_bus = self.bus[who]
        bus = self.asked_bus[who]
        if bus != old_bus:
            self.bus[who] = bus
            emit(BusMoved(who, old_bus, bus, msg.sender, block.timestamp))
        self.asked_meter[who] = address(0)
        self.asked_bus[who] = 0

    @public
    def apply_key(self, who: address):
        self.check_new_key(msg.sender)
        require(self.status[who] == HOUSEHOLD, "not a registered household")
        self.key_asked[msg.sender] = who
        emit(KeyApplied(who, msg.sender))

    @public
    def attest_key(self, key: address):
        require(self.authorities[msg.sender], "only an authority attests")
        who = self.key_asked[key]
        require(who != address(0), "no open key application")
        require(self.status[who] == HOUSEHOLD, "not a registered household")
        self.check_new_key(key)
        old_key = self.key_of(who)
        self.replaced[old_key] = who
        self.account[old_key] = address(0)
        self.account[key] = who
        self.key[who] = key
        self.key_asked[key] = address(0)
        emit(KeyRotated(who, old_key, key, msg.sender, block.timestamp))

    # --- the rules every key must pass --------------------------------------------------

    def signer(self) -> address:
        who = self.account_of(msg.sender)
        require(who != address(0), "that key was replaced by a new one")
        return who

    def check_meter(self, meter: address, who: address):
        require(meter != address(0) and meter != who, "the meter needs its own key")
        require(not self.authorities[meter], "an authority key cannot be a meter")
        require(self.status[meter] == NONE and self.account[meter] == address(0)
                and self.replaced[meter] == address(0), "that key belongs to a household")
        require(self.household[meter] == address(0), "meter already bound to a household")
        require(self.retired[meter] == address(0), "that meter was retired")

    def check_new_key(self, key: address):
        require(not self.authorities[key], "authorities do not trade")
        require(self.household[key] == address(0) and self.retired[key] == address(0),
                "a meter key cannot trade")
        require(self.status[key] == NONE and self.account[key] == address(0)
                and self.replaced[key] == address(0), "that key belongs to a household")

    # --- what others ask ------------------------------------------------------------------

    @public
    def account_of(self, key: address) -> address:
        if self.replaced[key] != address(0):
            return address(0)           # a replaced key signs for nobody
        if self.account[key] != address(0):
            return self.account[key]
        return key                      # a key never rotated in signs for itself

    @public
    def key_of(self, who: address) -> address:
        if self.key[who] != address(0):
            return self.key[who]
        return who

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
