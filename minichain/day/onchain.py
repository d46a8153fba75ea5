"""The day's market on chain: the contracts on the street's network of nodes (chapter 11).

``ChainMarket`` is the backend that puts the whole day on the platform the course builds:

* **The network.** The three authorities (grid operator, municipality, energy co-op) each
  run a node with its own crash-safe store on disk (``gateway.street_nodes``) and seal in
  turn under Clique, a block whenever there is work. Every node validates every block.
  ``nodes=False`` puts the day on one chain instead (for tests of the market alone).
* **The street.** Each household applies with its own key, naming its smart meter's key
  and its feeder bus; an authority attests it; it deposits at the market. A household
  hands its transactions to a node of its choice (``contracts.client.node_choices``), and
  to the next node when that one is down.
* **Each slot**, at its gate closure (``runner.run_day``): the grid operator reads the
  slot's book from its node, clears it natively on the feeder and sends the contract's
  ``clear`` with one ``curtail(trade, accepted_wh)`` per trade the cables cannot carry
  (an authority's right between clearing and settlement, docs/market_rules.md); the
  meters send the readings of the slot that has just ended (signed by the meters' own
  keys); the grid operator settles the slots whose reading window has closed; the
  households send their orders for the next slot.
* **Faults.** ``outages`` crash a node and restart it later from its store; ``splits``
  cut the street's links in two for a while. The day carries on: a household whose node
  is down hands its transactions to another, blocks wait for a sealer the signer limit
  allows, a healed partition reorganises the shorter side.

At the end (``close``) the network runs until every transaction sent is decided and the
nodes agree; a transaction that is in no block and was refused by no node is a
``MarketError`` (nothing may be lost). Trades, deliveries and penalties are read back from
the chain: the market's storage and its ``Settled`` events.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

from minichain import cast
from minichain.contracts.client import (SIDE_CODES, MarketClient, street_gateway,
                                        street_genesis)
from minichain.day.records import BlockRecord, DayRecord
from minichain.day.runner import DayPlan, MarketDay, Progress, Work, run_day
from minichain.day.scenario import Scenario
from minichain.day.scenario import plan as day_plan
from minichain.errors import EnergyModelError, GridError, InvalidTransaction, MarketError
from minichain.gateway import PERIOD
from minichain.market.orders import Order
from minichain.microgrid.grid import Feeder
from minichain.microgrid.profiles import SLOT_SECONDS
from minichain.receipts import Receipt
from minichain.tx import SignedTransaction
from minichain.wallet import Wallet

LEAD_SLOTS = 4              # market slots between genesis and the day's first slot (set-up)
MARGIN = 2 * PERIOD         # seconds after a gate closure before its book is read: blocks
                            # stamped before the gate have reached every node by then
BALANCE = 100_000_000       # µ€ each household starts with (100 €)
DEPOSIT = 50_000_000        # of which it deposits at the market
POST_GAS = 400_000          # gas a post, a reading asks for (they use far less)
READING_GAS = 200_000
CLEAR_GAS = 12_000_000      # clearing a slot (200 homes: under 4 M in the default day)
SETTLE_GAS = 8_000_000      # settling one (200 homes: under 3.5 M)
CURTAIL_GAS = 200_000       # the grid operator's cut of one trade
QUIET = 600.0               # seconds the network may take, after the day, to decide everything


@dataclass(frozen=True)
class Outage:
    """A node is down from ``start`` until ``end`` (Unix seconds); it restarts from its store."""

    node: str
    start: int
    end: int


@dataclass(frozen=True)
class Split:
    """The street's links are cut between ``groups`` of nodes from ``start`` until ``end``."""

    groups: tuple[tuple[str, ...], ...]
    start: int
    end: int


def bus_number(feeder: Feeder, name: str) -> int:
    """The feeder bus a home hangs on, as the registry stores it (``bus-3`` -> 3)."""
    bus = feeder.parent[name]
    digits = bus.rsplit("-", 1)[-1]
    if not digits.isdigit():
        raise GridError(f"{name} hangs on {bus!r}; the registry needs buses named 'bus-<n>'")
    return int(digits)


class ChainMarket:
    """The market's contracts on the street's nodes (module docstring); one instance, one day."""

    def __init__(self, nodes: bool = True, store_dir: str | Path | None = None,
                 outages: Sequence[Outage] = (), splits: Sequence[Split] = (),
                 seed: int = 0, on_open: Callable[["ChainMarket"], object] | None = None) -> None:
        self.nodes = nodes
        self.on_open = on_open            # e.g. a live price board that starts watching
        self.store_dir = store_dir
        self.outages = tuple(outages)
        self.splits = tuple(splits)
        self.seed = seed
        self.sent: list[tuple[str, SignedTransaction]] = []     # (what for, transaction)
        self._last_sent = 0.0

    # -- opening the market ------------------------------------------------------------------

    def open(self, plan: DayPlan, owners: Sequence[str]) -> None:
        """Genesis, the nodes, the market's contracts, and the street registered and funded."""
        if plan.slot_seconds != SLOT_SECONDS:
            raise EnergyModelError(f"the market trades {SLOT_SECONDS}-second slots; the "
                                   f"feeder counts {plan.slot_seconds}-second slots")
        if (self.outages or self.splits) and not self.nodes:
            raise EnergyModelError("outages and splits happen to nodes: run with nodes=True")
        self.plan = plan
        self.authorities = [cast.wallet(name) for name in cast.AUTHORITIES]
        self.wallets = [Wallet.from_seed(name) for name in plan.names]
        self.meters = [Wallet.from_seed(cast.meter_seed(name)) for name in plan.names]
        if [wallet.address for wallet in self.wallets] != list(owners):
            raise EnergyModelError("the day's owners must be the households' own wallets")
        genesis = street_genesis(self.wallets + self.authorities, BALANCE, self.authorities,
                                 timestamp=plan.start - LEAD_SLOTS * SLOT_SECONDS)
        self.gateway = street_gateway(genesis, self.wallets, self.meters, self.store_dir,
                                      self.seed, self.nodes, sealers=self.authorities)
        self._schedule_faults(genesis.timestamp)
        self.operator = self.authorities[0]
        self.market = MarketClient.deploy(
            self.gateway, self.operator, [wallet.address for wallet in self.authorities],
            plan.mechanism, plan.tariffs, plan.k_numerator, plan.k_denominator,
            at=genesis.timestamp + PERIOD)
        setup = []
        for i, name in enumerate(plan.names):
            setup.append(self.market.apply_tx(self.wallets[i], self.meters[i].address,
                                              bus_number(plan.feeder, name)))
            setup.append(self.market.attest_tx(self.authorities[i % 3], owners[i]))
            setup.append(self.market.deposit_tx(self.wallets[i], DEPOSIT))
        for receipt in self.market.seal(setup):
            if not receipt.success:
                raise MarketError(f"registering the street failed: {receipt.explain()}")
        if self.on_open is not None:
            self.on_open(self)

    def _schedule_faults(self, genesis_time: int) -> None:
        network = getattr(self.gateway, "network", None)
        for outage in self.outages:
            network.crash(outage.node, at=outage.start - genesis_time)
            network.restart(outage.node, at=outage.end - genesis_time)
        for split in self.splits:
            network.partition(split.groups, at=split.start - genesis_time)
            network.heal(at=split.end - genesis_time)

    def market_slot(self, slot: int) -> int:
        """The market's number for the day's slot (the market counts from genesis)."""
        return slot + LEAD_SLOTS

    # -- the day -----------------------------------------------------------------------------

    def book(self, slot: int, at: int) -> tuple[Order, ...]:
        """The slot's open orders as the grid operator's node holds them after the gate."""
        self.gateway.run_until(at + MARGIN)
        return tuple(view.as_order() for view in self.market.orders(self.market_slot(slot))
                     if view.status == "open")

    def send(self, at: int, work: Work) -> None:
        """Sign what is due and hand it to the nodes, in the order a block should hold it."""
        market, contracts = self.market, self.market.contracts
        batch: list[tuple[str, SignedTransaction]] = []
        for slot in work.settle:
            batch.append((f"settle slot {slot}", market.settle_tx(
                self.operator, self.market_slot(slot), gas=SETTLE_GAS)))
        if work.clear is not None:
            slot, grid = work.clear
            first = contracts.market.read(market.chain.state, "trades") + 1
            batch.append((f"clear slot {slot}", market.clear_tx(
                self.operator, self.market_slot(slot), gas=CLEAR_GAS)))
            for n, (proposed, accepted) in enumerate(zip(grid.proposed_wh, grid.accepted_wh)):
                if accepted < proposed:
                    batch.append((f"curtail trade {first + n}", market.curtail_tx(
                        self.operator, first + n, accepted, gas=CURTAIL_GAS)))
        if work.readings is not None:
            slot, readings = work.readings
            for reading in readings:
                batch.append((f"reading of slot {slot}", market.call_tx(
                    contracts.oracle, self.meters[reading.household], "submit",
                    self.market_slot(slot), reading.export_wh, reading.import_wh,
                    gas=READING_GAS)))
        if work.post is not None:
            slot, intents = work.post
            for household, intent in intents:
                batch.append((f"order for slot {slot}", market.call_tx(
                    contracts.market, self.wallets[household], "post", SIDE_CODES[intent.side],
                    intent.quantity_wh, intent.price, self.market_slot(slot),
                    intent.min_reputation, gas=POST_GAS)))
        start = at + (MARGIN if self.nodes else 0)
        spacing = getattr(self.gateway, "spacing", 0.0)
        for n, (what, stx) in enumerate(batch):
            self.gateway.submit(stx, start + n * spacing)
        self.sent.extend(batch)
        self._last_sent = max(self._last_sent, start + len(batch) * spacing)

    # -- the end of the day ----------------------------------------------------------------

    def close(self) -> MarketDay:
        """Run until everything sent is decided, then read the day back from the chain."""
        self._decide_everything()
        settled = self._events("Settled")
        penalties = {event["trade"]: event["penalty"] for event in settled}
        delivered = {event["trade"]: event["delivered_wh"] for event in settled}
        trades = {}
        for slot in range(self.plan.n_slots):       # the day's slot numbers, as the runner's
            trades[slot] = tuple(replace(trade.settled(delivered[trade.id]) if trade.id in
                                         delivered else trade, slot=slot)
                                 for trade in self.market.trades(self.market_slot(slot)))
        chain = self.market.chain
        blocks = tuple(BlockRecord(block.number, block.header.timestamp, len(block.transactions),
                                   block.header.gas_used, block.header.sealer)
                       for block in chain.canonical_chain()[1:])
        return MarketDay(trades=trades, penalties=penalties,
                         community_fund=self.market.community_fund, blocks=blocks)

    def outcomes(self) -> list[tuple[str, SignedTransaction, Receipt | InvalidTransaction | None]]:
        """Every transaction the day sent: what it was for, and its receipt or refusal."""
        return [(what, stx, self.gateway.outcome(stx)) for what, stx in self.sent]

    def _decide_everything(self) -> None:
        last_fault = max([o.end for o in self.outages] + [s.end for s in self.splits], default=0)
        clock = max(self.market.now, last_fault, self._last_sent) + PERIOD
        deadline = clock + QUIET
        while True:
            self.gateway.run_until(clock)
            pending = [what for what, _, outcome in self.outcomes() if outcome is None]
            if not pending and self._nodes_agree():
                return
            if clock >= deadline:
                raise MarketError(f"{len(pending)} transactions are in no block and refused "
                                  f"by no node after the day (first: {pending[:3]}); nothing "
                                  "may be lost")
            clock += PERIOD

    def _nodes_agree(self) -> bool:
        network = getattr(self.gateway, "network", None)
        return network is None or (not network.down and network.converged())

    def _events(self, name: str) -> list:
        """The market contract's events of one kind, from every receipt on the chain."""
        chain = self.market.chain
        receipts = [receipt for block in chain.canonical_chain()
                    for receipt in chain.receipts[block.hash]]
        return self.market.events(receipts, name=name)


# --- the dashboard's and the command line's runner --------------------------------------------

def noon_outage(plan: DayPlan, node: str = cast.GRID_OPERATOR, hours: int = 1) -> Outage:
    """``node`` crashes at noon and restarts from its store ``hours`` later."""
    noon = plan.start + 12 * 3600
    return Outage(node, noon, noon + hours * 3600)


def run_on_chain(scenario: Scenario, progress: Progress | None = None, *, crash: bool = False,
                 nodes: bool = True, store_dir: str | Path | None = None) -> DayRecord:
    """A scenario's day with every slot on the street's nodes; ``crash``: the grid operator's
    node is down from noon to one o'clock and restarts from its store."""
    plan = day_plan(scenario)
    outages = [noon_outage(plan)] if crash else []
    market = ChainMarket(nodes=nodes, store_dir=store_dir, outages=outages, seed=scenario.seed)
    return run_day(plan, market, progress)
