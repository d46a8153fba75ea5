"""The Sunny Street simulator: a whole day of the energy market on the proof-of-authority chain (chapter 11).

``simulate_on_chain`` runs a day of 96 slots (or fewer, for tests) with everything on a
``Chain`` sealed under ``Clique``:

* **Authorities.** The grid operator, the municipality and the energy co-op
  (``market.AUTHORITY_NAMES``) seal the blocks in turn (each block in turn, difficulty 2,
  ``BLOCK_STEP`` >= the Clique period apart) and attest the households.
* **Households** apply with their own keys, naming their smart meter's key and their feeder
  bus; the authorities attest them; each deposits tokens at the market (one block).
* **Each slot**, in as few blocks as possible (the ``*_tx`` builders and ``seal``):
  one block just before the slot's gate closure carries every household's orders (signed
  by the household, in the same seeded arrival order as the market-only day) and the
  settlements whose reading window has closed; one block at gate closure carries the
  clearing of the slot and the meter readings (signed by the meters' own keys) of the
  slot that has just ended.
* After the last slot, the last readings and the last settlements follow.

Agents see exactly what they see in the market-only day (perfect forecasts, the battery
as it will stand, the prices of the slots cleared so far), so both modes give the same
orders; ``simulate_market_only`` is ``records.build_day_record_market_only`` with the same
arguments. The tests prove the two modes give the same trades and bills.

**Grid limits on chain.** The market contract knows no feeder; the grid operator does.
At gate closure it runs the native grid check (``clearing.clear_on_grid``) on the same
book, read back from the chain, and in the same block, right after the slot's ``clear``,
sends one ``curtail(trade, accepted_wh)`` for every trade the check cuts (an authority's
right between clearing and settlement, docs/market_rules.md): the buyer gets back the
money for the cut Wh, the seller its bond for them. The contract's trades before the cut
must equal the plain clearing, and after it the accepted trades, exactly as the
market-only day books them (``records.build_day_record_market_only``), so both modes
agree on days with curtailment too. On the course's feeders (``grid.make_feeder``) no
street up to the dashboard's 40 homes comes close to a line's capacity, so nothing is
cut there; a feeder with thin cables shows it. The day's ``line_flows_wh`` are the
physical flows from the meters, ``trade_flows_wh`` the flows the accepted trades booked.

**Money.** Trades, prices, the community fund's surplus and delivery shortfalls come from
the chain (the contract's storage and its ``Cleared`` and ``Settled`` events). Energy
beyond the market is billed by the utility off chain from the same readings
(``records.utility_exchange``, ``amount_for`` once per household and slot), as in
docs/market_rules.md.

``run_on_chain(scenario, progress)`` and ``scenario.run_market_only(scenario)`` are the
dashboard's runners (``viz/app.py``); ``progress(n)`` is told after every slot (e.g. a
``tqdm.auto`` bar's ``update``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Mapping, Sequence

from minichain.chain import Chain, Genesis
from minichain.day.agents import agent_name, dispatch
from minichain.market.auction import UNIFORM_PRICE
from minichain.market.clearing import clear_on_grid, reference_price
from minichain.microgrid.grid import Feeder, line_flows
from minichain.microgrid.household import Household, HouseholdDay
from minichain.contracts.client import AUTHORITY_NAMES, SIDE_CODES, MarketClient
from minichain.market.orders import BUY, Order, Tariffs
from minichain.microgrid.profiles import SUNNY_STREET, Site, slot_timestamp
from minichain.day.scenario import (Scenario, agents_for, household_days,  # noqa: F401
                                       run_market_only, scenario_feeder, street)
from minichain.day.records import (AgentLike, BlockRecord, DayRecord, FeederLine,
                                      SlotRecord, StreetSlotRecord, TradeRecord,
                                      _agents_by_household, build_day_record_market_only,
                                      check_day_inputs, slot_intents, start_of_day,
                                      utility_exchange)
from minichain.market.units import amount_for
from minichain.errors import EnergyModelError, GridError, MarketError
from minichain.gateway import SoloGateway
from minichain.poa import Clique
from minichain.wallet import Wallet

PERIOD = 5                  # Clique period: seconds between a block and its child, at least
BLOCK_STEP = PERIOD         # the simulator's blocks are never closer than this
LEAD_SLOTS = 4              # market slots between genesis and the day's first slot (setup)
BALANCE = 100_000_000       # µ€ each household starts with (100 €)
DEPOSIT = 50_000_000        # of which it deposits at the market
POST_GAS = 400_000          # gas a post, a reading asks for (they use far less)
READING_GAS = 200_000
CLEAR_GAS = 12_000_000      # clearing and settling a slot of up to 40 homes
SETTLE_GAS = 8_000_000
CURTAIL_GAS = 200_000       # the grid operator's cut of one trade

Progress = Callable[[int], object]


def household_wallet(name: str) -> Wallet:
    """A household's key, derived from its name (``records.owner_address`` uses the same)."""
    return Wallet.from_seed(name)


def meter_wallet(name: str) -> Wallet:
    """The household's smart meter has a key of its own."""
    return Wallet.from_seed(f"{name}-meter")


def bus_number(feeder: Feeder, name: str) -> int:
    """The feeder bus a home hangs on, as the registry stores it (``bus-3`` -> 3)."""
    bus = feeder.parent[name]
    digits = bus.rsplit("-", 1)[-1]
    if not digits.isdigit():
        raise GridError(f"{name} hangs on {bus!r}; the registry needs buses named 'bus-<n>'")
    return int(digits)


@dataclass
class _Slot:
    """What one slot left behind on the way, for the records at the end of the day."""

    orders: list[Order]
    trades: list[Any]             # MarketTrade read from the chain, trade order
    grid: Any                     # the operator's GridClearing
    surplus: int
    homes: list[tuple]            # per household: (pv, load, dispatch, stored_before)


def _sealers_in_turn(chain: Chain, rule: Clique, wallets: Sequence[Wallet]) -> list[Wallet]:
    """The authorities in the order their turns come, starting with the next block's."""
    by_address = {wallet.address: wallet for wallet in wallets}
    signers = rule.authorities(chain)
    first = chain.height + 1
    return [by_address[signers[(first + i) % len(signers)]] for i in range(len(signers))]


def simulate_on_chain(
        households: Sequence[Household], days: Sequence[HouseholdDay],
        agents: AgentLike | Mapping[str, AgentLike], tariffs: Tariffs, feeder: Feeder,
        day: date, *, site: Site = SUNNY_STREET, mechanism: str = UNIFORM_PRICE,
        mechanism_options: Mapping[str, Any] | None = None, seed: int = 0,
        initial_soc_permille: int = 0, recent_prices: int = 8,
        progress: Progress | None = None) -> DayRecord:
    """Run the day on chain (module docstring) and record it; ``blocks`` lists every block."""
    households = tuple(households)
    names, n_slots = check_day_inputs(households, days, feeder)
    options = dict(mechanism_options or {})
    unknown = sorted(set(options) - {"k_numerator", "k_denominator"})
    if unknown:
        raise EnergyModelError(f"on chain the mechanism takes only k_numerator and "
                               f"k_denominator, got {unknown}")
    chosen = _agents_by_household(agents, names)
    slot_seconds = feeder.slot_seconds
    start = slot_timestamp(site, day, 0)

    # --- the chain, the authorities, the market, the street -----------------------------
    authorities = [Wallet.from_seed(name) for name in AUTHORITY_NAMES]
    wallets = [household_wallet(name) for name in names]
    meters = [meter_wallet(name) for name in names]
    owners = [wallet.address for wallet in wallets]
    funded = sorted({wallet.address: BALANCE for wallet in wallets + authorities}.items())
    genesis = Genesis(timestamp=start - LEAD_SLOTS * slot_seconds, balances=tuple(funded),
                      authorities=tuple(sorted(w.address for w in authorities)))
    rule = Clique(period=PERIOD)
    chain = Chain(genesis, rule)
    operator = authorities[0]
    market = MarketClient.deploy(
        SoloGateway(chain, authorities, BLOCK_STEP), operator,
        [wallet.address for wallet in authorities], mechanism, tariffs,
        options.get("k_numerator", 1), options.get("k_denominator", 2),
        at=genesis.timestamp + BLOCK_STEP)
    setup = []
    for i, name in enumerate(names):
        setup.append(market.apply_tx(wallets[i], meters[i].address, bus_number(feeder, name)))
        setup.append(market.attest_tx(authorities[i % 3], owners[i]))
        setup.append(market.deposit_tx(wallets[i], DEPOSIT))
    _all_succeed(market.seal(setup), "registering the street")

    def market_slot(slot: int) -> int:
        return slot + LEAD_SLOTS

    # --- the day ---------------------------------------------------------------------
    position = {owner: i for i, owner in enumerate(owners)}
    nodes = dict(zip(owners, names))
    batteries, initial, agent_rngs, arrival_rng = start_of_day(households, seed,
                                                               initial_soc_permille)
    prices: list[int | None] = []
    slots: list[_Slot] = []
    readings: list[tuple[int, list]] = []     # (slot, [(meter, export, import)]) not yet sent
    settled: list[int] = []                   # day slots settled so far

    def due_readings(at: int) -> list:
        out = []
        while readings and market.slot_end(market_slot(readings[0][0])) <= at:
            slot, rows = readings.pop(0)
            out += [market.call_tx(market.contracts.oracle, meter, "submit",
                                   market_slot(slot), export, imported, gas=READING_GAS)
                    for meter, export, imported in rows]
        return out

    def due_settlements(at: int) -> list:
        out = []
        while len(settled) < len(slots) and \
                market.window_end(market_slot(len(settled))) <= at:
            out.append(market.settle_tx(operator, market_slot(len(settled)), gas=SETTLE_GAS))
            settled.append(len(settled))
        return out

    def agents_orders(slot: int) -> list:
        """Every household's intents for ``slot``, in the seeded arrival order."""
        return slot_intents(slot, names, days, batteries, chosen, tariffs,
                            tuple(prices[-recent_prices:]), agent_rngs, arrival_rng,
                            slot_seconds)

    def post_txs(slot: int, intents: list) -> list:
        return [market.call_tx(market.contracts.market, wallets[i], "post",
                               SIDE_CODES[intent.side], intent.quantity_wh, intent.price,
                               market_slot(slot), intent.min_reputation, gas=POST_GAS)
                for i, intent in intents]

    def seal(transactions: list, at: int, what: str) -> list:
        receipts = market.seal(transactions, at=max(at, market.now + BLOCK_STEP))
        _all_succeed(receipts, what)
        return receipts

    def book_of(slot: int, intents: list, receipts: list) -> list[Order]:
        ids = [market.returned(market.contracts.market, "post", receipt)
               for receipt in receipts]
        return [intent.to_order(order_id, owners[i], market_slot(slot))
                for order_id, (i, intent) in zip(ids, intents)]

    intents = agents_orders(0) if n_slots else []
    posts = post_txs(0, intents)
    receipts = seal(posts, market.gate_closure(market_slot(0)) - BLOCK_STEP, "posting slot 0")
    book = book_of(0, intents, receipts)
    for slot in range(n_slots):
        m = market_slot(slot)
        # The book is public at gate closure, so the grid operator and every household
        # can clear it natively (the differential tests prove the contract agrees; it is
        # checked again below).
        grid = clear_on_grid(book, tariffs, feeder, nodes, mechanism, **options)
        bought = [0] * len(names)
        sold = [0] * len(names)
        for trade in grid.trades:
            bought[position[trade.buyer]] += trade.quantity_wh
            sold[position[trade.seller]] += trade.quantity_wh
        homes, rows = [], []
        for i in range(len(names)):
            pv, load = days[i].pv_wh[slot], days[i].load_wh[slot]
            before = batteries[i].stored_wh if batteries[i] else 0
            home = dispatch(batteries[i], pv, load, bought[i], sold[i], slot_seconds)
            batteries[i] = home.battery
            meter = pv + home.discharged_wh - load - home.charged_wh
            homes.append((pv, load, home, before, meter))
            rows.append((meters[i], max(0, meter), max(0, -meter)))
        prices.append(reference_price(grid.clearing))

        # One block at gate closure: old settlements, this clearing and the grid operator's
        # cuts, the readings of the slot that just ended, and the orders for the next slot.
        at = market.gate_closure(m)
        settlements = due_settlements(at)
        clear = market.clear_tx(operator, m, gas=CLEAR_GAS)
        first = market.contracts.market.read(chain.state, "trades") + 1
        cuts = [(first + n, accepted) for n, (proposed, accepted)
                in enumerate(zip(grid.proposed_wh, grid.accepted_wh)) if accepted < proposed]
        curtails = [market.curtail_tx(operator, trade_id, accepted, gas=CURTAIL_GAS)
                    for trade_id, accepted in cuts]
        due = due_readings(at)
        readings.append((slot, rows))
        intents = agents_orders(slot + 1) if slot + 1 < n_slots else []
        posts = post_txs(slot + 1, intents)
        receipts = seal(settlements + [clear] + curtails + due + posts, at, f"slot {slot}")
        cleared, = market.events([receipts[len(settlements)]], name="Cleared")
        if cleared["trades"] != len(grid.plain.trades) or \
                [(event["trade"], event["accepted_wh"])
                 for event in market.events(receipts, name="Curtailed")] != cuts:
            raise MarketError(f"slot {slot}: the contract's clearing differs from the native "
                              "clearing of the same book")
        trades = [trade for trade in market.trades(m) if trade.quantity_wh > 0]
        if [(t.buyer, t.seller, t.quantity_wh, t.price, t.seller_price) for t in trades] != \
                [(t.buyer, t.seller, t.quantity_wh, t.price, t.seller_price)
                 for t in grid.trades]:
            raise MarketError(f"slot {slot}: the contract's trades differ from the native "
                              "clearing of the same book")
        surplus = sum(trade.amount - trade.seller_amount for trade in trades)
        slots.append(_Slot(book, trades, grid, surplus, homes))
        book = book_of(slot + 1, intents, receipts[len(receipts) - len(posts):])
        if progress is not None:
            progress(1)

    # --- the last readings and settlements ---------------------------------------------
    while readings or len(settled) < len(slots):
        times = []
        if readings:
            times.append(market.slot_end(market_slot(readings[0][0])))
        if len(settled) < len(slots):
            times.append(market.window_end(market_slot(len(settled))))
        at = max(min(times), market.now + BLOCK_STEP)
        seal(due_settlements(at) + due_readings(at), at, "the last readings and settlements")

    return _day_record(market, chain, households, chosen, initial, slots, tariffs, feeder,
                       day, start, mechanism, owners, names)


def _all_succeed(receipts, what: str) -> None:
    for receipt in receipts:
        if not receipt.success:
            raise MarketError(f"{what} failed: {receipt.error}")


def _day_record(market: MarketClient, chain: Chain, households, chosen, initial, slots,
                tariffs: Tariffs, feeder: Feeder, day: date, start: int, mechanism: str,
                owners: list[str], names: list[str]) -> DayRecord:
    """Read settlement back from the chain's events and write the day's record."""
    name_of = dict(zip(owners, names))
    delivered: dict[int, int] = {}
    penalty: dict[int, int] = {}
    for event in market.events(name="Settled"):
        delivered[event["trade"]] = event["delivered_wh"]
        penalty[event["trade"]] = event["penalty"]
    records: list[SlotRecord] = []
    streets: list[StreetSlotRecord] = []
    for slot, info in enumerate(slots):
        n = len(names)
        bought, sold, done = [0] * n, [0] * n, [0] * n
        paid, received, short_paid = [0] * n, [0] * n, [0] * n
        trades = []
        position = {owner: i for i, owner in enumerate(owners)}
        for trade in info.trades:
            if trade.id not in delivered:
                raise MarketError(f"trade {trade.id} of slot {slot} was never settled")
            b, s = position[trade.buyer], position[trade.seller]
            bought[b] += trade.quantity_wh
            sold[s] += trade.quantity_wh
            done[s] += delivered[trade.id]
            paid[b] += trade.amount
            received[s] += trade.seller_amount
            short_paid[s] += penalty[trade.id]
            trades.append(TradeRecord(slot, name_of[trade.buyer], name_of[trade.seller],
                                      trade.quantity_wh, delivered[trade.id], trade.price,
                                      trade.amount, trade.seller_price, trade.seller_amount))
        injections = {}
        utility_paid_total = utility_received_total = 0
        for i, name in enumerate(names):
            pv, load, home, before, meter = info.homes[i]
            imported, exported = utility_exchange(meter, bought[i], done[i])
            to_utility = amount_for(imported, tariffs.retail)
            from_utility = amount_for(exported, tariffs.feed_in)
            utility_paid_total += from_utility
            utility_received_total += to_utility + short_paid[i]
            records.append(SlotRecord(
                household=name, slot=slot, pv_wh=pv, load_wh=load,
                charged_wh=home.charged_wh, loss_wh=home.loss_wh,
                discharged_wh=home.discharged_wh, stored_start_wh=before,
                stored_end_wh=home.battery.stored_wh if home.battery else 0,
                bought_wh=bought[i], sold_wh=sold[i], delivered_wh=done[i],
                utility_import_wh=imported, utility_export_wh=exported,
                market_paid=paid[i], market_received=received[i],
                utility_paid=to_utility, utility_received=from_utility,
                shortfall_paid=short_paid[i]))
            injections[name] = meter
        physical = line_flows(feeder, injections)
        grid = info.grid
        bids = sum(o.quantity_wh for o in info.orders if o.side == BUY)
        streets.append(StreetSlotRecord(
            slot=slot, price=reference_price(grid.clearing), orders=len(info.orders),
            bid_wh=bids, ask_wh=sum(o.quantity_wh for o in info.orders) - bids,
            proposed_wh=sum(grid.proposed_wh), curtailed_wh=grid.curtailed_wh,
            welfare_milliunits=grid.clearing.welfare_milliunits, fund_received=info.surplus,
            utility_account_paid=utility_paid_total,
            utility_account_received=utility_received_total, trades=tuple(trades),
            line_flows_wh=tuple(physical[line] for line in feeder.lines),
            trade_flows_wh=tuple(grid.line_flows_wh[line] for line in feeder.lines)))
    blocks = tuple(BlockRecord(block.number, block.header.timestamp, len(block.transactions),
                               block.header.gas_used, block.header.sealer)
                   for block in chain.canonical_chain()[1:])
    return DayRecord(
        day=day, start_timestamp=start, slot_seconds=feeder.slot_seconds, tariffs=tariffs,
        mechanism=mechanism, community_fund=market.community_fund, households=households,
        agents=tuple(agent_name(agent) for agent in chosen), initial_stored_wh=initial,
        records=tuple(records), slots=tuple(streets),
        lines=tuple(FeederLine(line, feeder.parent[line], feeder.capacity_wh(line))
                    for line in feeder.lines),
        transformer_capacity_wh=feeder.transformer_capacity_wh, blocks=blocks)


def simulate_market_only(households: Sequence[Household], days: Sequence[HouseholdDay],
                         agents: AgentLike | Mapping[str, AgentLike], tariffs: Tariffs,
                         feeder: Feeder, day: date, **options: Any) -> DayRecord:
    """The same day without the chain: ``records.build_day_record_market_only``."""
    return build_day_record_market_only(households, days, agents, tariffs, feeder, day,
                                        **options)


# --- the dashboard's runners --------------------------------------------------------------

def run_on_chain(scenario: Scenario, progress: Progress | None = None) -> DayRecord:
    """The dashboard's on-chain runner: the scenario's day, every slot on chain."""
    homes = street(scenario)
    return simulate_on_chain(homes, household_days(scenario, homes), agents_for(scenario, homes),
                             scenario.tariffs, scenario_feeder(scenario), scenario.day,
                             mechanism=scenario.mechanism,
                             mechanism_options=scenario.mechanism_options, seed=scenario.seed,
                             progress=progress)
