"""One day on Sunny Street, slot by slot, over a market that runs natively or on chain (chapter 11).

``run_day(plan, market)`` is the one day runner. A ``DayPlan`` is the street (homes, their
PV and load for the day, the feeder, each home's bidding agent) and the market's terms;
a *market backend* is where the market runs: ``native.NativeMarket`` applies the market's
rules in memory, ``onchain.ChainMarket`` sends signed transactions to the contracts on
the street's network of nodes (or on one chain). Both take the same calls at the same
simulated times, so a day gives the same trades, bills and records on either, and the
records are written in one place (``_record``).

Each slot ``s`` runs one path, at its gate closure ``T(s)`` (one slot before it starts):

1. **The book.** The market's orders for ``s`` (``backend.book``), read once its gate has
   closed: the book is public, so the grid operator and every household can clear it.
2. **Clearing.** The grid operator clears it natively on the feeder
   (``clearing.clear_on_grid``: the mechanism, then trades cut to what the cables carry);
   on chain, the contract clears the same book and the operator cuts the same trades.
3. **Dispatch.** Each home runs its battery and meter for ``s`` given what it traded
   (``agents.dispatch``); its meter's reading for ``s`` is reported once ``s`` has ended.
4. **Orders for the next slot.** Each agent sees its ``SlotView`` (``agents.SlotView``) and
   answers with orders, which arrive in a seeded order. The view holds what the household
   knows at ``T(s)``, when slot ``s - 1`` starts: its battery then, its readings of the
   slots that have ended, its trades for ``s - 1`` and ``s``, the prices cleared so far,
   and its day-ahead forecast (``DayPlan.forecasts``). The truth (``DayPlan.days``) goes
   only into step 3: what the home really makes and uses, and so what its meter reads.
5. **What is due**: the clearing of ``s`` and the grid cuts, the readings of the slot that
   just ended, the settlement of slots whose reading window has closed, and the orders for
   ``s + 1``, all sent at ``T(s)`` plus a short margin (``backend.send``).

After the last slot the last readings and settlements follow. ``backend.close`` then says
what the market recorded: every slot's trades (numbered, after the grid's cuts), what
each delivered and the penalties for shortfalls, and the blocks on chain (McAfee's surplus
to the community fund is what the trades' prices leave: the fund holds exactly that).
The runner checks those trades against the native clearing of the same book: on chain a
difference is a ``MarketError``.
"""

from __future__ import annotations

import gc
import random
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Callable, Mapping, Protocol, Sequence

from minichain.day.agents import (Commitment, OrderIntent, SlotView, agent_name, dispatch,
                                  orders_for)
from minichain.day.records import (BlockRecord, DayRecord, FeederLine, SlotRecord,
                                   StreetSlotRecord)
from minichain.errors import EnergyModelError, MarketError
from minichain.market.auction import UNIFORM_PRICE
from minichain.market.clearing import GridClearing, clear_on_grid, reference_price
from minichain.market.orders import BUY, Order, Tariffs
from minichain.market.settlement import utility_exchange
from minichain.market.trades import Trade
from minichain.market.units import amount_for
from minichain.microgrid.grid import Feeder, line_flows
from minichain.microgrid.household import Battery, Household, HouseholdDay
from minichain.microgrid.profiles import SUNNY_STREET, Site, slot_timestamp
from minichain.wallet import Wallet

AgentLike = Any            # an object with orders(view), or a function of the view
Progress = Callable[[int], object]
READING_WINDOW = 3600      # seconds after a slot's end in which meters report (market rules)
BID_AHEAD = 2              # slot s is bid for as slot s - 2 starts: its orders go out at the
                           # gate closure of s - 1, one slot before its own gate closes


# --- what a day is made of ---------------------------------------------------------------

@dataclass(frozen=True)
class DayPlan:
    """The street and the market's terms for one day, built once (``scenario.plan``)."""

    households: tuple[Household, ...]
    days: tuple[HouseholdDay, ...]          # each home's true PV and load, slot by slot
    forecasts: tuple[HouseholdDay, ...]     # each home's day-ahead forecast of them (its agent's)
    agents: tuple[AgentLike, ...]           # each home's bidding agent
    tariffs: Tariffs
    feeder: Feeder
    day: date
    site: Site = SUNNY_STREET
    mechanism: str = UNIFORM_PRICE
    k_numerator: int = 1                    # uniform price only: k = numerator / denominator
    k_denominator: int = 2
    seed: int = 0
    initial_soc_permille: int = 0
    recent_prices: int = 8                  # earlier slots' prices an agent sees
    initial_stored_wh: tuple[int, ...] | None = None   # per home, in place of the soc above

    def __post_init__(self) -> None:
        n = len(self.households)
        if not n:
            raise EnergyModelError("a day needs at least one household")
        if len(self.days) != n or len(self.agents) != n:
            raise EnergyModelError(f"expected one HouseholdDay and one agent per household "
                                   f"({n}), got {len(self.days)} and {len(self.agents)}")
        if len(self.forecasts) != n:
            raise EnergyModelError(f"expected one forecast per household ({n}), got "
                                   f"{len(self.forecasts)}")
        n_slots = len(self.days[0].pv_wh)
        for home, profile, forecast in zip(self.households, self.days, self.forecasts):
            for what, values in (("day", profile), ("forecast", forecast)):
                if len(values.pv_wh) != n_slots or len(values.load_wh) != n_slots:
                    raise EnergyModelError(f"{home.name}'s {what} has {len(values.pv_wh)} PV and "
                                           f"{len(values.load_wh)} load slots; expected "
                                           f"{n_slots} each")
        if self.initial_stored_wh is not None:
            if len(self.initial_stored_wh) != n:
                raise EnergyModelError(f"initial_stored_wh needs one value per household ({n}), "
                                       f"got {len(self.initial_stored_wh)}")
            for home, stored in zip(self.households, self.initial_stored_wh):
                room = home.battery.capacity_wh if home.battery else 0
                if not isinstance(stored, int) or isinstance(stored, bool) or \
                        not 0 <= stored <= room:
                    raise EnergyModelError(f"{home.name}'s battery can start with 0..{room} Wh, "
                                           f"got {stored!r}")
        missing = sorted(set(self.names) - set(self.feeder.households))
        if missing:
            raise EnergyModelError(f"households {missing} have no home on the feeder")
        if len(set(self.names)) != n:
            raise EnergyModelError(f"household names must be distinct, got {list(self.names)}")

    @classmethod
    def of(cls, households: Sequence[Household], days: Sequence[HouseholdDay],
           agents: AgentLike | Mapping[str, AgentLike], tariffs: Tariffs, feeder: Feeder,
           day: date, *, forecasts: Sequence[HouseholdDay], **terms: Any) -> "DayPlan":
        """A plan from its parts; ``agents`` is one agent for every home or a name -> agent map."""
        names = [home.name for home in households]
        if isinstance(agents, Mapping):
            missing = [name for name in names if name not in agents]
            if missing:
                raise EnergyModelError(f"no agent given for {missing}; map every household to "
                                       "an agent, or pass one agent for all")
            chosen = tuple(agents[name] for name in names)
        else:
            chosen = (agents,) * len(names)
        return cls(tuple(households), tuple(days), tuple(forecasts), chosen, tariffs, feeder, day,
                   **terms)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(home.name for home in self.households)

    @property
    def n_slots(self) -> int:
        return len(self.days[0].pv_wh)

    @property
    def slot_seconds(self) -> int:
        return self.feeder.slot_seconds

    @property
    def start(self) -> int:
        """Unix seconds at which slot 0 begins."""
        return slot_timestamp(self.site, self.day, 0)

    def gate_closure(self, slot: int) -> int:
        """When ``slot`` takes its last order: one slot before it starts (market rules)."""
        return self.start + (slot - 1) * self.slot_seconds

    def window_end(self, slot: int) -> int:
        """When ``slot``'s reading window closes and it may be settled."""
        return self.start + (slot + 1) * self.slot_seconds + READING_WINDOW

    def window(self, first: int, count: int) -> "DayPlan":
        """The day cut to ``count`` slots from ``first``, truth and forecasts alike (for short
        stories and tests: the cut day's clock starts at 00:00)."""
        def cut(profile: HouseholdDay) -> HouseholdDay:
            return HouseholdDay(profile.pv_wh[first:first + count],
                                profile.load_wh[first:first + count])
        if not 0 <= first < first + count <= self.n_slots:
            raise EnergyModelError(f"a window of {count} slots from slot {first} must lie within "
                                   f"the day's {self.n_slots} slots")
        return replace(self, days=tuple(map(cut, self.days)),
                       forecasts=tuple(map(cut, self.forecasts)))

    @property
    def mechanism_options(self) -> dict[str, int]:
        """What the mechanism takes besides the book: k for uniform price only."""
        if self.mechanism == UNIFORM_PRICE:
            return {"k_numerator": self.k_numerator, "k_denominator": self.k_denominator}
        return {}


def owner_address(name: str) -> str:
    """A household's account: the address of its wallet, seeded by its name as in the cast."""
    return Wallet.from_seed(name).address


@dataclass(frozen=True)
class Reading:
    """What one household's smart meter reports for a slot, in Wh."""

    household: int        # index in the street
    export_wh: int
    import_wh: int


@dataclass
class Work:
    """What is sent to the market at one moment of the day (all optional)."""

    clear: tuple[int, GridClearing] | None = None          # a slot and the operator's clearing
    readings: tuple[int, tuple[Reading, ...]] | None = None
    settle: tuple[int, ...] = ()
    post: tuple[int, tuple[tuple[int, OrderIntent], ...]] | None = None   # (household, intent)


@dataclass(frozen=True)
class MarketDay:
    """What the market recorded once the day is over (``MarketBackend.close``)."""

    trades: Mapping[int, tuple[Trade, ...]]     # per slot: numbered, cut by the grid, settled
    penalties: Mapping[int, int]                # per trade id: paid from the seller's bond
    community_fund: str
    blocks: tuple[BlockRecord, ...] | None      # None: the day did not run on chain


class MarketBackend(Protocol):
    """Where a day's market runs; see the module docstring for when each call comes."""

    def open(self, plan: DayPlan, owners: Sequence[str]) -> None: ...

    def book(self, slot: int, at: int) -> tuple[Order, ...]: ...

    def send(self, at: int, work: Work) -> None: ...

    def close(self) -> MarketDay: ...


# --- the day ---------------------------------------------------------------------------------

@dataclass
class _Slot:
    """What one slot left behind on the way, for the records at the end of the day."""

    book: tuple[Order, ...]
    grid: GridClearing
    homes: list[tuple[int, int, Any, int, int]] = field(default_factory=list)
    # per household: (pv, load, dispatch, stored before, meter export)


def start_of_day(plan: DayPlan) -> tuple[list[Battery | None], tuple[int, ...],
                                         list[random.Random], random.Random]:
    """The street at midnight: batteries, what they hold, and the seeded random streams."""
    if plan.initial_stored_wh is not None:
        batteries: list[Battery | None] = [
            Battery(h.battery, stored) if h.battery else None
            for h, stored in zip(plan.households, plan.initial_stored_wh)]
    else:
        batteries = [Battery.at_soc(h.battery, plan.initial_soc_permille) if h.battery else None
                     for h in plan.households]
    initial = tuple(b.stored_wh if b else 0 for b in batteries)
    agent_rngs = [random.Random(f"agent:{plan.seed}:{h.name}") for h in plan.households]
    return batteries, initial, agent_rngs, random.Random(f"arrival:{plan.seed}")


@dataclass
class Known:
    """What the day has done so far that a household may be told: its batteries and its trades."""

    initial: tuple[Battery | None, ...]                   # every home's battery at midnight
    starts: list[tuple[Battery | None, ...]] = field(default_factory=list)
    # per slot dispatched: every home's battery as the slot started
    bought: list[tuple[int, ...]] = field(default_factory=list)   # per slot cleared: Wh bought
    sold: list[tuple[int, ...]] = field(default_factory=list)     # per slot cleared: Wh sold


def slot_view(plan: DayPlan, known: Known, i: int, slot: int, recent: tuple[int | None, ...],
              rng: random.Random) -> SlotView:
    """What household ``i`` knows when it bids for ``slot``: at the start of slot ``slot - 2``."""
    now = slot - BID_AHEAD
    ended = max(0, now)
    truth = plan.days[i]
    return SlotView(
        household=plan.names[i], slot=slot, now=now, day=plan.day, forecast=plan.forecasts[i],
        readings=HouseholdDay(truth.pv_wh[:ended], truth.load_wh[:ended]),
        battery_now=known.starts[now][i] if now >= 0 else known.initial[i],
        committed=tuple(Commitment(t, known.bought[t][i], known.sold[t][i])
                        for t in range(ended, slot)),
        tariffs=plan.tariffs, recent_prices=recent, rng=rng, slot_seconds=plan.slot_seconds)


def slot_intents(plan: DayPlan, slot: int, known: Known, recent: tuple[int | None, ...],
                 agent_rngs: Sequence[random.Random],
                 arrival_rng: random.Random) -> tuple[tuple[int, OrderIntent], ...]:
    """Every household's orders for ``slot`` (by household index), in a seeded arrival order."""
    intents = []
    for i in range(len(plan.households)):
        view = slot_view(plan, known, i, slot, recent, agent_rngs[i])
        intents.extend((i, intent) for intent in orders_for(plan.agents[i], view))
    arrival_rng.shuffle(intents)
    return tuple(intents)


@contextmanager
def collector_paused():
    """Python's cycle collector, paused while a day runs and resumed afterwards.

    Reference counting frees everything a day drops that holds no cycle, at once; the
    collector exists for cycles, and a day makes few (a 200-home day on the network peaks
    at the same memory with it paused). What it would cost: every block's state on every
    node is hundreds of thousands of tree nodes, and each collection walks the young ones
    again; on a 200-home day, a fifth of the time, growing faster than the day.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run_day(plan: DayPlan, market: MarketBackend, progress: Progress | None = None) -> DayRecord:
    """Run ``plan``'s day over ``market`` (module docstring) and record it."""
    with collector_paused():
        return _run_day(plan, market, progress)


def _run_day(plan: DayPlan, market: MarketBackend, progress: Progress | None) -> DayRecord:
    names, owners = plan.names, [owner_address(name) for name in plan.names]
    nodes = dict(zip(owners, names))
    index = {owner: i for i, owner in enumerate(owners)}
    market.open(plan, owners)
    batteries, initial, agent_rngs, arrival_rng = start_of_day(plan)
    known = Known(tuple(batteries))
    prices: list[int | None] = []
    slots: list[_Slot] = []
    unread: list[tuple[int, tuple[Reading, ...]]] = []   # readings not yet sent
    unsettled: list[int] = []                            # cleared slots not yet settled

    def due(at: int) -> tuple[tuple[int, tuple[Reading, ...]] | None, tuple[int, ...]]:
        """The readings of a slot that has ended by ``at``, and the slots ready to settle."""
        readings = None
        if unread and plan.start + (unread[0][0] + 1) * plan.slot_seconds <= at:
            readings = unread.pop(0)
        ready = tuple(s for s in unsettled if plan.window_end(s) <= at)
        for s in ready:
            unsettled.remove(s)
        return readings, ready

    def orders_for_slot(slot: int) -> tuple[tuple[int, OrderIntent], ...]:
        return slot_intents(plan, slot, known, tuple(prices[-plan.recent_prices:]),
                            agent_rngs, arrival_rng)

    if plan.n_slots:
        market.send(plan.gate_closure(0) - plan.slot_seconds,
                    Work(post=(0, orders_for_slot(0))))
    for slot in range(plan.n_slots):
        at = plan.gate_closure(slot)
        book = market.book(slot, at)
        grid = clear_on_grid(book, plan.tariffs, plan.feeder, nodes, plan.mechanism,
                             **plan.mechanism_options)
        record = _Slot(book, grid)
        bought, sold = [0] * len(names), [0] * len(names)
        for trade in grid.trades:
            bought[index[trade.buyer]] += trade.quantity_wh
            sold[index[trade.seller]] += trade.quantity_wh
        known.bought.append(tuple(bought))
        known.sold.append(tuple(sold))
        known.starts.append(tuple(batteries))
        meters = []
        for i in range(len(names)):
            pv, load = plan.days[i].pv_wh[slot], plan.days[i].load_wh[slot]
            before = batteries[i].stored_wh if batteries[i] else 0
            home = dispatch(batteries[i], pv, load, bought[i], sold[i], plan.slot_seconds)
            batteries[i] = home.battery
            meter = pv + home.discharged_wh - load - home.charged_wh
            record.homes.append((pv, load, home, before, meter))
            meters.append(Reading(i, max(0, meter), max(0, -meter)))
        slots.append(record)
        prices.append(reference_price(grid.clearing))
        readings, settle = due(at)
        unread.append((slot, tuple(meters)))
        unsettled.append(slot)
        post = (slot + 1, orders_for_slot(slot + 1)) if slot + 1 < plan.n_slots else None
        market.send(at, Work(clear=(slot, grid), readings=readings, settle=settle, post=post))
        if progress is not None:
            progress(1)
    at = plan.gate_closure(plan.n_slots)
    while unread or unsettled:
        next_times = ([plan.start + (unread[0][0] + 1) * plan.slot_seconds] if unread else []) + \
                     [plan.window_end(s) for s in unsettled[:1]]
        at = max(at, min(next_times))
        readings, settle = due(at)
        market.send(at, Work(readings=readings, settle=settle))
    return _record(plan, owners, initial, slots, market.close())


def _record(plan: DayPlan, owners: Sequence[str], initial: tuple[int, ...],
            slots: Sequence[_Slot], result: MarketDay) -> DayRecord:
    """The day's record from what each slot did and what the market says it settled."""
    names = plan.names
    position = {owner: i for i, owner in enumerate(owners)}
    name_of = dict(zip(owners, names))
    records: list[SlotRecord] = []
    streets: list[StreetSlotRecord] = []
    for slot, info in enumerate(slots):
        trades = tuple(trade for trade in result.trades.get(slot, ()) if trade.quantity_wh > 0)
        native = [(t.buyer, t.seller, t.quantity_wh, t.price, t.seller_price)
                  for t in info.grid.trades]
        if [(t.buyer, t.seller, t.quantity_wh, t.price, t.seller_price) for t in trades] != native:
            raise MarketError(f"slot {slot}: the market's trades differ from the native clearing "
                              "of the same book")
        n = len(names)
        bought, sold, delivered = [0] * n, [0] * n, [0] * n
        paid, received, penalty = [0] * n, [0] * n, [0] * n
        for trade in trades:
            if trade.delivered_wh is None:
                raise MarketError(f"trade {trade.id} of slot {slot} was never settled")
            b, s = position[trade.buyer], position[trade.seller]
            bought[b] += trade.quantity_wh
            sold[s] += trade.quantity_wh
            delivered[s] += trade.delivered_wh
            paid[b] += trade.amount
            received[s] += trade.seller_amount
            penalty[s] += result.penalties.get(trade.id, 0)
        injections = {}
        utility_paid = utility_received = 0
        for i, name in enumerate(names):
            pv, load, home, before, meter = info.homes[i]
            imported, exported = utility_exchange(meter, bought[i], delivered[i])
            to_utility = amount_for(imported, plan.tariffs.retail)
            from_utility = amount_for(exported, plan.tariffs.feed_in)
            utility_paid += from_utility
            utility_received += to_utility + penalty[i]
            records.append(SlotRecord(
                household=name, slot=slot, pv_wh=pv, load_wh=load,
                charged_wh=home.charged_wh, loss_wh=home.loss_wh,
                discharged_wh=home.discharged_wh, stored_start_wh=before,
                stored_end_wh=home.battery.stored_wh if home.battery else 0,
                bought_wh=bought[i], sold_wh=sold[i], delivered_wh=delivered[i],
                utility_import_wh=imported, utility_export_wh=exported,
                market_paid=paid[i], market_received=received[i],
                utility_paid=to_utility, utility_received=from_utility,
                shortfall_paid=penalty[i]))
            injections[name] = meter
        physical = line_flows(plan.feeder, injections)
        grid, book = info.grid, info.book
        bids = sum(order.quantity_wh for order in book if order.side == BUY)
        streets.append(StreetSlotRecord(
            slot=slot, price=reference_price(grid.clearing), orders=len(book),
            bid_wh=bids, ask_wh=sum(order.quantity_wh for order in book) - bids,
            proposed_wh=sum(grid.proposed_wh), curtailed_wh=grid.curtailed_wh,
            welfare_milliunits=grid.clearing.welfare_milliunits,
            fund_received=sum(trade.surplus for trade in trades),
            utility_account_paid=utility_paid, utility_account_received=utility_received,
            trades=tuple(trade.named(name_of) for trade in trades),
            line_flows_wh=tuple(physical[line] for line in plan.feeder.lines),
            trade_flows_wh=tuple(grid.line_flows_wh[line] for line in plan.feeder.lines)))
    return DayRecord(
        day=plan.day, start_timestamp=plan.start, slot_seconds=plan.slot_seconds,
        tariffs=plan.tariffs, mechanism=plan.mechanism, community_fund=result.community_fund,
        households=plan.households, agents=tuple(agent_name(agent) for agent in plan.agents),
        initial_stored_wh=initial, records=tuple(records), slots=tuple(streets),
        lines=tuple(FeederLine(line, plan.feeder.parent[line], plan.feeder.capacity_wh(line))
                    for line in plan.feeder.lines),
        transformer_capacity_wh=plan.feeder.transformer_capacity_wh, blocks=result.blocks)
