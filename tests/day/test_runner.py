"""One day runner, two markets: the day in memory equals the day on the street's nodes (chapter 11).

The story: six homes trade a whole midsummer day. Run natively (the market's rules in
memory) and on chain (signed transactions to the contracts, on the three authorities'
nodes, every node validating every block), the day gives exactly the same trades, bills
and records. In every slot of every day tokens are conserved, every home's energy
balances, and no line carries more than it may. On a feeder with thin cables the grid
operator curtails trades on chain right after clearing, and the day still equals the
market-only one.
"""

from __future__ import annotations

import dataclasses

import pytest

from minichain import cast
from minichain.day import kpis
from minichain.day.native import NativeMarket
from minichain.day.onchain import ChainMarket, run_on_chain
from minichain.day.runner import DayPlan, run_day
from minichain.day.scenario import Scenario, plan, run_market_only
from minichain.errors import EnergyModelError
from minichain.microgrid.grid import make_feeder
from minichain.microgrid.household import HouseholdDay
from minichain.viz import app

SMALL = Scenario(households=6, seed=3, pv_percent=70, battery_percent=30,
                 cloudiness_percent=30)


@pytest.fixture(scope="module")
def both_days():
    """The small street's day on the nodes (with a count of progress calls) and in memory."""
    calls = []
    on_chain = run_on_chain(SMALL, calls.append)
    return on_chain, run_market_only(SMALL), calls


def trade_rows(day):
    return [(t.slot, t.buyer, t.seller, t.quantity_wh, t.delivered_wh, t.price, t.amount,
             t.seller_price, t.seller_amount) for t in day.trades]


def short_plan(scenario: Scenario, first: int, count: int, **changes) -> DayPlan:
    """The scenario's day cut to ``count`` slots from ``first`` (e.g. the midday trades)."""
    return dataclasses.replace(plan(scenario).window(first, count), **changes)


def test_on_chain_and_market_only_give_the_same_trades_and_bills(both_days):
    on_chain, market_only, _ = both_days
    assert on_chain.n_slots == market_only.n_slots == 96
    assert len(on_chain.trades) > 50                  # a real trading day, not an empty one
    assert trade_rows(on_chain) == trade_rows(market_only)
    assert kpis.bills(on_chain) == kpis.bills(market_only)
    assert on_chain.records == market_only.records
    assert on_chain.slots == market_only.slots
    assert kpis.community_welfare(on_chain) == kpis.community_welfare(market_only)


def test_the_on_chain_day_is_sealed_by_the_three_authorities_and_reports_each_slot(both_days):
    on_chain, market_only, calls = both_days
    assert market_only.blocks is None
    blocks = on_chain.blocks
    authorities = {cast.wallet(name).address for name in cast.AUTHORITIES}
    assert [b.number for b in blocks] == list(range(1, len(blocks) + 1))
    assert {b.sealer for b in blocks} == authorities
    assert all(later.timestamp - earlier.timestamp >= 5
               for earlier, later in zip(blocks, blocks[1:]))
    orders = sum(s.orders for s in on_chain.slots)
    readings = 6 * 96
    # deploy (2 + 2 contracts), register (3 per home), orders, readings, clear and settle
    assert sum(b.transactions for b in blocks) == 4 + 3 * 6 + orders + readings + 2 * 96
    assert calls == [1] * 96


def test_tokens_and_energy_balance_in_every_slot_on_chain(both_days):
    on_chain, _, _ = both_days
    assert kpis.unconserved_slots(on_chain) == ()
    assert kpis.unbalanced(on_chain) == ()


@pytest.mark.parametrize("scenario", [
    Scenario(households=20, seed=1),
    Scenario(households=12, seed=2, mechanism="pay-as-bid", cloudiness_percent=10),
    Scenario(households=9, seed=5, mechanism="mcafee", pv_percent=90, battery_percent=60),
    Scenario(households=15, seed=8, day=app.DAYS[0][1], agents="truthful"),
])
def test_market_only_days_conserve_tokens_balance_energy_and_respect_the_grid(scenario):
    day = run_market_only(scenario)
    assert day.n_slots == 96
    assert kpis.token_difference_by_slot(day) == (0,) * 96
    for record in day.records:                     # production + imports = use + exports + ...
        assert (record.pv_wh + record.bought_wh + record.utility_import_wh
                == record.load_wh + record.delivered_wh + record.utility_export_wh
                + record.stored_end_wh - record.stored_start_wh + record.loss_wh)
    assert_within_grid_limits(day)
    assert_physical_flows_within_limits(day)


def test_the_on_chain_day_respects_the_grid_limits(both_days):
    assert_within_grid_limits(both_days[0])
    assert_physical_flows_within_limits(both_days[0])


def assert_physical_flows_within_limits(day):
    """On the street's own feeder the cables also carry everything the meters measured."""
    assert max(kpis.max_line_loading_permille(day).values()) <= 1000


def assert_within_grid_limits(day):
    for street in day.slots:
        for line, booked in zip(day.lines, street.trade_flows_wh):
            assert abs(booked) <= line.capacity_wh
        assert street.curtailed_wh == 0 or street.traded_wh < street.proposed_wh
    assert max(kpis.max_line_loading_permille(day, booked=True).values()) <= 1000


@pytest.mark.parametrize("mechanism", ["uniform-price", "mcafee"])
def test_thin_cables_curtail_on_chain_exactly_as_in_the_market_only_day(mechanism):
    scenario = dataclasses.replace(SMALL, agents="truthful", cloudiness_percent=0)
    names = [home.name for home in app.street(scenario)]
    thin = make_feeder(names, main_capacity_w=400, service_capacity_w=200)
    day = short_plan(scenario, 48, 3, feeder=thin, mechanism=mechanism)
    on_chain = run_day(day, ChainMarket(nodes=False))
    native = run_day(day, NativeMarket())
    cut = [street.curtailed_wh for street in on_chain.slots]
    assert cut == [street.curtailed_wh for street in native.slots]
    assert sum(cut) > 0                              # the cables really cut trades
    assert trade_rows(on_chain) == trade_rows(native)   # accepted Wh, money, delivered Wh
    assert all(0 < row[3] for row in trade_rows(on_chain))
    assert kpis.bills(on_chain) == kpis.bills(native)
    assert on_chain.records == native.records
    assert kpis.fund_received(on_chain) == kpis.fund_received(native)
    assert kpis.unconserved_slots(on_chain) == ()
    assert kpis.token_difference_by_slot(on_chain) == (0,) * 3
    assert_within_grid_limits(on_chain)
    assert [s.trade_flows_wh for s in on_chain.slots] == [s.trade_flows_wh for s in native.slots]


def test_a_short_mcafee_day_settles_every_trade_on_chain_and_matches_market_only():
    scenario = dataclasses.replace(SMALL, mechanism="mcafee", households=4, agents="truthful",
                                   seed=4)
    day = short_plan(scenario, 44, 8)
    on_chain = run_day(day, ChainMarket(nodes=False))
    native = run_day(day, NativeMarket())
    assert on_chain.n_slots == 8
    assert len(on_chain.trades) > 0
    assert all(t.delivered_wh is not None for t in on_chain.trades)
    assert trade_rows(on_chain) == trade_rows(native)
    assert kpis.bills(on_chain) == kpis.bills(native)
    assert kpis.fund_received(on_chain) == kpis.fund_received(native)


def test_a_day_plan_is_checked_when_built():
    whole = plan(SMALL)
    with pytest.raises(EnergyModelError, match="one HouseholdDay and one agent per household"):
        dataclasses.replace(whole, agents=whole.agents[:2])
    with pytest.raises(EnergyModelError, match="no home on the feeder"):
        dataclasses.replace(whole, feeder=make_feeder(["alice"]))
    with pytest.raises(EnergyModelError, match="bob's day has 1 PV and 1 load slots; "
                                                "expected 96 each"):
        dataclasses.replace(whole, days=whole.days[:1] + (HouseholdDay((0,), (0,)),)
                            + whole.days[2:])


def test_a_day_pauses_the_cycle_collector_and_gives_it_back_as_it_found_it():
    import gc

    from minichain.day.runner import collector_paused
    assert gc.isenabled()
    with pytest.raises(KeyError):
        with collector_paused():
            assert not gc.isenabled()
            raise KeyError("a day that fails half-way")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()                   # it was off before: it stays off
    finally:
        gc.enable()
