"""The platform on a network of nodes: an authority fails, the street is cut in two, nothing is lost.

The story: the same short trading morning runs three times on the three authorities' nodes.
Once undisturbed; once with the grid operator's node crashing and restarting an hour later
from its store on disk; once with the co-op's node cut off from the other two for a while.
Each time the day completes, every node ends on the same head, the same state root and the
same stored chain, tokens are conserved on every node after every block, and every
transaction sent is in the chain exactly once (a household whose node was down handed it
to another). Undisturbed and with the crash the day equals the market-only day exactly.
"""

from __future__ import annotations

import dataclasses

import pytest

from minichain import cast
from minichain.day import kpis
from minichain.day.native import NativeMarket
from minichain.day.onchain import ChainMarket, Outage, Split
from minichain.day.runner import DayPlan, run_day
from minichain.day.scenario import Scenario, plan
from minichain.microgrid.household import HouseholdDay
from minichain.node import transaction_counts
from minichain.store import ChainStore

SCENARIO = Scenario(households=6, seed=3, pv_percent=70, battery_percent=30,
                    cloudiness_percent=30, agents="truthful")
HOUR = 3600
GRID, CITY, COOP = cast.AUTHORITIES


def morning() -> DayPlan:
    """Twelve slots of the small street's midday (data of 11:00-14:00, clock from 00:00)."""
    return plan(SCENARIO).window(44, 12)


def run(tmp_path, **faults):
    market = ChainMarket(store_dir=tmp_path, **faults)
    day = run_day(morning(), market)
    return day, market


@pytest.fixture(scope="module")
def native():
    return run_day(morning(), NativeMarket())


def assert_one_street(market: ChainMarket, store_dir) -> None:
    """Every node: one head, one state root, the same stored chain; each sent tx once."""
    network = market.gateway.network
    assert not network.down and network.converged()
    chains = [network.nodes[name].chain for name in network.names]
    assert len({chain.head_hash for chain in chains}) == 1
    assert len({chain.state.root() for chain in chains}) == 1
    canonical = chains[0].canonical_chain()
    for name in network.names:
        stored = ChainStore(store_dir / f"{name}.chain").read()     # genesis first
        on_chain = {block.hash for block in canonical}
        assert [block.hash for block in stored if block.hash in on_chain] == \
            [block.hash for block in canonical]
        counts = transaction_counts(network.nodes[name].chain.canonical_chain())
        assert [counts.get(stx.hash, 0) for _, stx in market.sent] == [1] * len(market.sent)


def assert_tokens_conserved_on_every_node(market: ChainMarket) -> None:
    """The token supply never changes, on any node, after any block of its tree."""
    network = market.gateway.network
    supply = {network.nodes[name].chain.genesis.state().total_supply()
              for name in network.names}
    assert len(supply) == 1
    for name in network.names:
        chain = network.nodes[name].chain
        assert {state.total_supply() for state in chain.states.values()} == supply
    held = market.market.held([w.address for w in market.wallets] + [market.market.utility,
                                                market.market.community_fund])
    assert held["total"] == held["contract"]


def test_an_undisturbed_morning_on_the_nodes_equals_the_market_only_morning(tmp_path, native):
    day, market = run(tmp_path)
    assert day.records == native.records and day.slots == native.slots
    assert len(day.trades) > 10
    assert_one_street(market, tmp_path)
    assert_tokens_conserved_on_every_node(market)


def test_the_grid_operators_node_crashes_and_the_market_carries_on(tmp_path, native):
    start = morning().start
    day, market = run(tmp_path, outages=[Outage(GRID, start + HOUR, start + 2 * HOUR)])
    network = market.gateway.network
    assert day.records == native.records and day.slots == native.slots
    assert_one_street(market, tmp_path)
    assert_tokens_conserved_on_every_node(market)
    log = [entry.text for entry in network.log if entry.node == GRID]
    assert any("crashes" in text for text in log)
    assert any("restarts from its store on disk" in text for text in log)
    # households whose node is the grid operator's handed their transactions elsewhere
    assert any("goes elsewhere" in text for text in log)
    down = (start + HOUR - network.genesis.timestamp, start + 2 * HOUR - network.genesis.timestamp)
    sealers = {b.sealer for b in day.blocks
               if down[0] < b.timestamp - network.genesis.timestamp < down[1]}
    assert cast.wallet(GRID).address not in sealers and len(sealers) == 2


@pytest.mark.parametrize("cut_at", [HOUR - 60, HOUR - 300])    # across a gate closure
def test_the_co_op_is_cut_off_and_the_street_heals_with_nothing_lost(tmp_path, native, cut_at):
    start = morning().start
    split = Split(((GRID, CITY), (COOP,)), start + cut_at, start + cut_at + 11 * 60)
    day, market = run(tmp_path, splits=[split])
    network = market.gateway.network
    assert_one_street(market, tmp_path)
    assert_tokens_conserved_on_every_node(market)
    assert network.reorgs, "the co-op's side had blocks of its own that the heal replaced"
    assert kpis.unconserved_slots(day) == () and kpis.unbalanced(day) == ()
    # the orders the co-op's households sent reached the book before its gate closed, in
    # the order they were sent, so the day is the market-only day once more
    assert day.records == native.records and day.slots == native.slots
