"""The record of a simulated day on Sunny Street: what every home and the street did, slot by slot (chapter 11).

A ``DayRecord`` is plain data that the simulator writes and the KPIs (``kpis.py``) and the
dashboard (``viz/dashboard.py``) read; neither needs the chain or the simulator to run.

* ``SlotRecord``: one household in one slot. Energy in Wh: PV, load, the battery
  (charged including loss, loss, discharged, stored at the start and end), the market
  (bought, sold, delivered of what was sold), the utility (import beyond what was bought,
  export beyond what was delivered). Money in token units: paid and received in the
  market, paid to and received from the utility, and what a seller paid the utility for
  a delivery shortfall (docs/market_rules.md). Every home balances exactly:

      pv + bought + utility_import = load + delivered + utility_export
                                     + (stored_end - stored_start) + loss

* ``TradeRecord``: one accepted trade, by household name, with what was delivered.
* ``StreetSlotRecord``: the street in one slot: the price, orders, trades, what the grid
  check curtailed, welfare, McAfee's surplus to the community fund, the utility's own
  money, and the line flows, both physical (from the meters) and as booked by the
  market's trades (``clearing.GridClearing.line_flows_wh``).
* ``FeederLine``: a line's name, the node above it and its capacity per slot.
* ``BlockRecord``: one block of the chain (number, timestamp, transactions, gas), when
  the day ran on chain.

``build_day_record_market_only`` runs a day without the chain: agents bid, the grid-aware
clearing clears, homes dispatch, and everything is recorded. It is for tests, notebooks
and figures before the on-chain simulator (``day/onchain.py``) exists.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any, Callable, Iterable, Mapping, Sequence

from minichain.day.agents import OrderIntent, SlotView, agent_name, dispatch, orders_for
from minichain.market.auction import COMMUNITY_FUND, UNIFORM_PRICE
from minichain.market.clearing import clear_on_grid, reference_price
from minichain.microgrid.grid import TRANSFORMER, Feeder, line_flows
from minichain.microgrid.household import Battery, Household, HouseholdDay
from minichain.market.orders import Tariffs
from minichain.microgrid.profiles import SUNNY_STREET, Site, slot_timestamp
from minichain.market.units import amount_for
from minichain.errors import EnergyModelError
from minichain.wallet import Wallet


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
    """One household in one slot: energy in Wh and money in token units."""

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


def utility_exchange(meter_export_wh: int, bought_wh: int, delivered_wh: int) -> tuple[int, int]:
    """(import, export) with the utility: what the meter saw beyond the market's share.

    ``net = meter_export_wh - delivered_wh + bought_wh``; import is ``max(0, -net)``, export
    ``max(0, net)``. A record built this way balances by construction (``kpis``); the
    on-chain simulator uses it with ``delivered_wh`` from settlement.
    """
    net = meter_export_wh - delivered_wh + bought_wh
    return max(0, -net), max(0, net)


# --- the street, one slot -------------------------------------------------------------

@dataclass(frozen=True)
class TradeRecord:
    """An accepted trade between two households, after the grid check."""

    slot: int
    buyer: str
    seller: str
    quantity_wh: int
    delivered_wh: int
    price: int               # the buyer's price per kWh
    amount: int              # the buyer pays: amount_for(quantity_wh, price)
    seller_price: int        # the seller's price per kWh (differs only in McAfee's reduction)
    seller_amount: int       # the seller receives: amount_for(quantity_wh, seller_price)

    def __post_init__(self) -> None:
        _check_whole(self, ["slot", "quantity_wh", "delivered_wh", "price", "amount",
                            "seller_price", "seller_amount"])

    @property
    def surplus(self) -> int:
        return self.amount - self.seller_amount


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
    trades: tuple[TradeRecord, ...]
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
    def trades(self) -> tuple[TradeRecord, ...]:
        """Every accepted trade of the day, slot by slot, in walk order."""
        return tuple(trade for street in self.slots for trade in street.trades)

    def slot_hours(self, slot: int) -> float:
        """When a slot starts, in hours after the day's first slot (for chart axes)."""
        return slot * self.slot_seconds / 3600

    def top_lines(self) -> tuple[str, ...]:
        """The lines that hang straight off the transformer (their flows add up to its flow)."""
        return tuple(line.line for line in self.lines if line.upstream == TRANSFORMER)


# --- a day without the chain ----------------------------------------------------------

AgentLike = Any   # an object with orders(view), or a function of the view


def owner_address(name: str) -> str:
    """The household's address: its wallet derived from its name, as in the notebooks."""
    return Wallet.from_seed(name).address


def _agents_by_household(agents: AgentLike | Mapping[str, AgentLike],
                         names: Sequence[str]) -> list[AgentLike]:
    if isinstance(agents, Mapping):
        missing = [name for name in names if name not in agents]
        if missing:
            raise EnergyModelError(f"no agent given for {missing}; map every household to "
                                   "an agent, or pass one agent for all")
        return [agents[name] for name in names]
    return [agents] * len(names)


def check_day_inputs(households: Sequence[Household], days: Sequence[HouseholdDay],
                     feeder: Feeder) -> tuple[list[str], int]:
    """One day per household, all of one length, every home on the feeder: names and slots."""
    names = [household.name for household in households]
    if len(days) != len(households):
        raise EnergyModelError(f"expected one HouseholdDay per household ({len(households)}), "
                               f"got {len(days)}")
    n_slots = len(days[0].pv_wh) if days else 0
    for name, profile in zip(names, days):
        if len(profile.pv_wh) != n_slots or len(profile.load_wh) != n_slots:
            raise EnergyModelError(f"{name}'s day has {len(profile.pv_wh)} PV and "
                                   f"{len(profile.load_wh)} load slots; expected {n_slots} each")
    missing = sorted(set(names) - set(feeder.households))
    if missing:
        raise EnergyModelError(f"households {missing} have no home on the feeder")
    return names, n_slots


def start_of_day(households: Sequence[Household], seed: int, initial_soc_permille: int
                 ) -> tuple[list[Battery | None], tuple[int, ...], list[random.Random],
                            random.Random]:
    """The street at midnight: batteries, what they hold, and the seeded random streams.

    Both the market-only and the on-chain day start here, so they draw the same numbers.
    """
    batteries: list[Battery | None] = [
        Battery.at_soc(h.battery, initial_soc_permille) if h.battery else None
        for h in households]
    initial = tuple(b.stored_wh if b else 0 for b in batteries)
    agent_rngs = [random.Random(f"agent:{seed}:{h.name}") for h in households]
    return batteries, initial, agent_rngs, random.Random(f"arrival:{seed}")


def slot_intents(slot: int, names: Sequence[str], days: Sequence[HouseholdDay],
                 batteries: Sequence[Battery | None], agents: Sequence[AgentLike],
                 tariffs: Tariffs, recent: tuple[int | None, ...],
                 agent_rngs: Sequence[random.Random], arrival_rng: random.Random,
                 slot_seconds: int) -> list[tuple[int, OrderIntent]]:
    """Every household's order intents for ``slot`` (by household index), in seeded arrival order.

    Both day runners ask the agents through here, so they see the same views and orders.
    """
    intents = []
    for i, name in enumerate(names):
        view = SlotView(name, slot, days[i].pv_wh[slot], days[i].load_wh[slot], batteries[i],
                        tariffs, recent, agent_rngs[i], slot_seconds)
        intents.extend((i, intent) for intent in orders_for(agents[i], view))
    arrival_rng.shuffle(intents)
    return intents


def build_day_record_market_only(
        households: Sequence[Household], days: Sequence[HouseholdDay],
        agents: AgentLike | Mapping[str, AgentLike], tariffs: Tariffs, feeder: Feeder,
        day: date, *, site: Site = SUNNY_STREET, mechanism: str = UNIFORM_PRICE,
        mechanism_options: Mapping[str, Any] | None = None, seed: int = 0,
        initial_soc_permille: int = 0, recent_prices: int = 8,
        address: Callable[[str], str] = owner_address) -> DayRecord:
    """Run a day of the market without the chain and record it (for tests, notebooks, figures).

    Per slot: each household's agent sees its slot's PV and load (perfect forecasts), its
    battery, the tariffs, the reference prices of up to ``recent_prices`` earlier slots and
    its own ``random.Random(f"agent:{seed}:{name}")``; orders arrive in an order shuffled
    by ``random.Random(f"arrival:{seed}")`` and get ids 0, 1, 2, ... through the day;
    ``clear_on_grid`` clears them on ``feeder`` (no background flow); every home then
    runs ``agents.dispatch``; imports and exports beyond the market are paid at the
    tariffs, ``amount_for`` once per household per slot.

    **Not applied here:** settlement of delivery shortfalls per docs/market_rules.md.
    Meters equal plans: every Wh sold counts as delivered (``delivered_wh = sold_wh``,
    ``shortfall_paid = 0``); if a home sold more than it had, the dispatch imports the
    difference from the utility at retail, which is what a shortfall would cost it. The
    on-chain simulator settles from meter readings instead.

    ``days`` holds one ``HouseholdDay`` per household (any equal number of slots, so tests
    can run short days); ``agents`` is one agent for all or a mapping name -> agent.
    """
    households = tuple(households)
    names, n_slots = check_day_inputs(households, days, feeder)
    chosen = _agents_by_household(agents, names)
    owners = [address(name) for name in names]
    nodes = dict(zip(owners, names))
    batteries, initial, agent_rngs, arrival_rng = start_of_day(households, seed,
                                                               initial_soc_permille)
    options = dict(mechanism_options or {})
    fund = options.get("surplus_account", COMMUNITY_FUND)
    slot_seconds = feeder.slot_seconds
    prices: list[int | None] = []
    records: list[SlotRecord] = []
    streets: list[StreetSlotRecord] = []
    next_id = 0

    for slot in range(n_slots):
        intents = slot_intents(slot, names, days, batteries, chosen, tariffs,
                               tuple(prices[-recent_prices:]), agent_rngs, arrival_rng,
                               slot_seconds)
        orders = []
        for i, intent in intents:
            orders.append(intent.to_order(next_id, owners[i], slot))
            next_id += 1
        result = clear_on_grid(orders, tariffs, feeder, nodes, mechanism, **options)
        clearing = result.clearing

        bought = [0] * len(names)
        sold = [0] * len(names)
        paid = [0] * len(names)
        received = [0] * len(names)
        position = {owner: i for i, owner in enumerate(owners)}
        trades = []
        for trade in clearing.trades:
            b, s = position[trade.buyer], position[trade.seller]
            bought[b] += trade.quantity_wh
            sold[s] += trade.quantity_wh
            paid[b] += trade.amount
            received[s] += trade.seller_amount
            trades.append(TradeRecord(slot, names[b], names[s], trade.quantity_wh,
                                      trade.quantity_wh, trade.price, trade.amount,
                                      trade.seller_price, trade.seller_amount))

        injections = {}
        utility_paid_total = utility_received_total = 0
        for i, name in enumerate(names):
            pv, load = days[i].pv_wh[slot], days[i].load_wh[slot]
            before = batteries[i].stored_wh if batteries[i] else 0
            home = dispatch(batteries[i], pv, load, bought[i], sold[i], slot_seconds)
            batteries[i] = home.battery
            meter = pv + home.discharged_wh - load - home.charged_wh
            imported, exported = utility_exchange(meter, bought[i], sold[i])  # delivered = sold
            to_utility = amount_for(imported, tariffs.retail)
            from_utility = amount_for(exported, tariffs.feed_in)
            utility_paid_total += from_utility
            utility_received_total += to_utility
            record = SlotRecord(
                household=name, slot=slot, pv_wh=pv, load_wh=load,
                charged_wh=home.charged_wh, loss_wh=home.loss_wh,
                discharged_wh=home.discharged_wh, stored_start_wh=before,
                stored_end_wh=home.battery.stored_wh if home.battery else 0,
                bought_wh=bought[i], sold_wh=sold[i], delivered_wh=sold[i],
                utility_import_wh=imported, utility_export_wh=exported,
                market_paid=paid[i], market_received=received[i],
                utility_paid=to_utility, utility_received=from_utility)
            records.append(record)
            injections[name] = record.meter_export_wh
        physical = line_flows(feeder, injections)
        book_bids = sum(o.quantity_wh for o in orders if o.side == "buy")
        streets.append(StreetSlotRecord(
            slot=slot, price=reference_price(clearing), orders=len(orders),
            bid_wh=book_bids, ask_wh=sum(o.quantity_wh for o in orders) - book_bids,
            proposed_wh=sum(result.proposed_wh), curtailed_wh=result.curtailed_wh,
            welfare_milliunits=clearing.welfare_milliunits, fund_received=clearing.surplus,
            utility_account_paid=utility_paid_total,
            utility_account_received=utility_received_total, trades=tuple(trades),
            line_flows_wh=tuple(physical[line] for line in feeder.lines),
            trade_flows_wh=tuple(result.line_flows_wh[line] for line in feeder.lines)))
        prices.append(reference_price(clearing))

    return DayRecord(
        day=day, start_timestamp=slot_timestamp(site, day, 0), slot_seconds=slot_seconds,
        tariffs=tariffs, mechanism=mechanism, community_fund=fund, households=households,
        agents=tuple(agent_name(agent) for agent in chosen), initial_stored_wh=initial,
        records=tuple(records), slots=tuple(streets),
        lines=tuple(FeederLine(line, feeder.parent[line], feeder.capacity_wh(line))
                    for line in feeder.lines),
        transformer_capacity_wh=feeder.transformer_capacity_wh)
