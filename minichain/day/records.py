"""The record of a simulated day on Sunny Street: what every home and the street did, slot by slot (chapter 11).

A ``DayRecord`` is plain data that the simulator writes and the KPIs (``kpis.py``) and the
dashboard (``viz/dashboard.py``) read; neither needs the chain or the simulator to run.

* ``SlotRecord``: one household in one slot. Energy in Wh: PV, load, the battery
  (charged including loss, loss, discharged, stored at the start and end), the market
  (bought, sold, delivered of what was sold), the utility (import beyond what was bought,
  export beyond what was delivered). Money in µ€: paid and received in the
  market, paid to and received from the utility, and what a seller paid the utility for
  a delivery shortfall (docs/market_rules.md). Every home balances exactly:

      pv + bought + utility_import = load + delivered + utility_export
                                     + (stored_end - stored_start) + loss

* ``market.trades.Trade``: one accepted trade, by household name, with what was delivered.
* ``StreetSlotRecord``: the street in one slot: the price, orders, trades, what the grid
  check curtailed, welfare, McAfee's surplus to the community fund, the utility's own
  money, and the line flows, both physical (from the meters) and as booked by the
  market's trades (``clearing.GridClearing.line_flows_wh``).
* ``FeederLine``: a line's name, the node above it and its capacity per slot.
* ``BlockRecord``: one block of the chain (number, timestamp, transactions, gas), when
  the day ran on chain.

``runner.run_day`` writes it, natively or on chain; the record is the same either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Iterable

from minichain.errors import EnergyModelError
from minichain.market.orders import Tariffs
from minichain.market.trades import Trade
from minichain.microgrid.grid import TRANSFORMER
from minichain.microgrid.household import Household


def _check_whole(owner: object, names: Iterable[str], signed: Iterable[str] = ()) -> None:
    """Every named field is an int; all but ``signed`` are >= 0."""
    signed = set(signed)
    for name in names:
        value = getattr(owner, name)
        if not isinstance(value, int) or isinstance(value, bool) or (
                name not in signed and value < 0):
            raise EnergyModelError(f"{type(owner).__name__}.{name} must be a whole number"
                                   f"{'' if name in signed else ' >= 0'}, got {value!r}")


# --- one home, one slot ---------------------------------------------------------------

@dataclass(frozen=True)
class SlotRecord:
    """One household in one slot: energy in Wh and money in µ€."""

    household: str
    slot: int
    pv_wh: int
    load_wh: int
    charged_wh: int          # taken into the battery, loss included
    loss_wh: int             # lost on the way in (the whole round trip, household.py)
    discharged_wh: int
    stored_start_wh: int
    stored_end_wh: int
    bought_wh: int           # accepted trades as buyer (the buyer always gets it all)
    sold_wh: int             # accepted trades as seller
    delivered_wh: int        # of sold_wh, what the meter shows delivered
    utility_import_wh: int   # from the utility, beyond what was bought
    utility_export_wh: int   # to the utility, beyond what was delivered
    market_paid: int         # for energy bought from neighbours
    market_received: int     # for energy sold to neighbours
    utility_paid: int        # amount_for(utility_import_wh, retail)
    utility_received: int    # amount_for(utility_export_wh, feed_in)
    shortfall_paid: int = 0  # amount_for(shortfall_wh, retail), paid from the seller's bond

    def __post_init__(self) -> None:
        if not isinstance(self.household, str) or not self.household:
            raise EnergyModelError(f"SlotRecord.household must be a name, got {self.household!r}")
        _check_whole(self, [name for name in self.__dataclass_fields__ if name != "household"])

    @property
    def shortfall_wh(self) -> int:
        """Sold but not delivered: the utility supplied it to the buyer instead."""
        return self.sold_wh - self.delivered_wh

    @property
    def meter_export_wh(self) -> int:
        """What the smart meter measures leaving the home (negative: drawn in)."""
        return self.pv_wh + self.discharged_wh - self.load_wh - self.charged_wh

    @property
    def bill(self) -> int:
        """What the slot cost the household in tokens (negative: it earned)."""
        return (self.market_paid - self.market_received + self.utility_paid
                - self.utility_received + self.shortfall_paid)


# --- the street, one slot -------------------------------------------------------------

@dataclass(frozen=True)
class FeederLine:
    """A line of the feeder, named by the node below it, with its capacity per slot."""

    line: str
    upstream: str
    capacity_wh: int


@dataclass(frozen=True)
class StreetSlotRecord:
    """The whole street in one slot: market, grid check, the utility's and the fund's money."""

    slot: int
    price: int | None              # clearing.reference_price: None when nothing traded
    orders: int                    # how many orders the book held
    bid_wh: int                    # Wh the buy orders asked for
    ask_wh: int                    # Wh the sell orders offered
    proposed_wh: int               # Wh the mechanism matched before the grid check
    curtailed_wh: int              # of those, Wh the grid refused (they went to the utility)
    welfare_milliunits: int        # gains from the accepted trades (auction rule 9)
    fund_received: int             # McAfee's surplus, paid to the community fund
    utility_account_paid: int      # the utility's account: paid to households (feed-in)
    utility_account_received: int  # received: retail imports and shortfall payments
    trades: tuple[Trade, ...]
    line_flows_wh: tuple[int, ...]    # physical, from the meters; one per DayRecord.lines
    trade_flows_wh: tuple[int, ...]   # as booked by the accepted trades (+ background)

    def __post_init__(self) -> None:
        _check_whole(self, ["slot", "orders", "bid_wh", "ask_wh", "proposed_wh", "curtailed_wh",
                            "fund_received", "utility_account_paid",
                            "utility_account_received", "welfare_milliunits"],
                     signed=["welfare_milliunits"])

    @property
    def traded_wh(self) -> int:
        return sum(trade.quantity_wh for trade in self.trades)


@dataclass(frozen=True)
class BlockRecord:
    """One block of the day's chain, for the chain statistics."""

    number: int
    timestamp: int           # simulated Unix seconds
    transactions: int
    gas_used: int
    sealer: str = ""


# --- the day --------------------------------------------------------------------------

@dataclass(frozen=True)
class DayRecord:
    """Everything a simulated day produced, in plain data (see the module docstring)."""

    day: date
    start_timestamp: int                 # Unix seconds at which slot 0 begins
    slot_seconds: int
    tariffs: Tariffs
    mechanism: str
    community_fund: str
    households: tuple[Household, ...]    # in street order
    agents: tuple[str, ...]              # each household's strategy, by name
    initial_stored_wh: tuple[int, ...]   # each household's battery at the start (0 without)
    records: tuple[SlotRecord, ...]      # slot by slot, households in street order
    slots: tuple[StreetSlotRecord, ...]  # one per slot
    lines: tuple[FeederLine, ...]        # root first, as grid.Feeder.lines
    transformer_capacity_wh: int
    blocks: tuple[BlockRecord, ...] | None = None   # None: the day did not run on chain

    def __post_init__(self) -> None:
        n = len(self.households)
        if not n or len(self.agents) != n or len(self.initial_stored_wh) != n:
            raise EnergyModelError("a day needs households, and one agent name and one "
                                   "starting battery content per household")
        if len(self.records) != n * len(self.slots):
            raise EnergyModelError(f"expected {n} x {len(self.slots)} slot records, "
                                   f"got {len(self.records)}")
        names = self.names
        for index, record in enumerate(self.records):
            slot, house = divmod(index, n)
            if record.slot != slot or record.household != names[house]:
                raise EnergyModelError(
                    f"slot record {index} is ({record.household}, slot {record.slot}); "
                    f"expected ({names[house]}, slot {slot}): slot by slot, street order")
        for index, street in enumerate(self.slots):
            if street.slot != index:
                raise EnergyModelError(f"street record {index} is for slot {street.slot}")
            if len(street.line_flows_wh) != len(self.lines) or \
                    len(street.trade_flows_wh) != len(self.lines):
                raise EnergyModelError(f"slot {index}: expected one flow per line "
                                       f"({len(self.lines)})")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(household.name for household in self.households)

    @property
    def n_slots(self) -> int:
        return len(self.slots)

    @cached_property
    def _index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.names)}

    def household(self, name: str) -> Household:
        return self.households[self._position(name)]

    def _position(self, name: str) -> int:
        if name not in self._index:
            raise EnergyModelError(f"no household {name!r} on this street; expected one of "
                                   f"{list(self.names)}")
        return self._index[name]

    def record(self, name: str, slot: int) -> SlotRecord:
        """One household's record for one slot."""
        if not 0 <= slot < self.n_slots:
            raise EnergyModelError(f"slot must be 0..{self.n_slots - 1}, got {slot}")
        return self.records[slot * len(self.households) + self._position(name)]

    def household_records(self, name: str) -> tuple[SlotRecord, ...]:
        """One household's day, slot by slot."""
        n, position = len(self.households), self._position(name)
        return self.records[position::n]

    def slot_records(self, slot: int) -> tuple[SlotRecord, ...]:
        """Every household in one slot, in street order."""
        n = len(self.households)
        return self.records[slot * n:(slot + 1) * n]

    @property
    def trades(self) -> tuple[Trade, ...]:
        """Every accepted trade of the day, slot by slot, in walk order."""
        return tuple(trade for street in self.slots for trade in street.trades)

    def slot_hours(self, slot: int) -> float:
        """When a slot starts, in hours after the day's first slot (for chart axes)."""
        return slot * self.slot_seconds / 3600

    def top_lines(self) -> tuple[str, ...]:
        """The lines that hang straight off the transformer (their flows add up to its flow)."""
        return tuple(line.line for line in self.lines if line.upstream == TRANSFORMER)
