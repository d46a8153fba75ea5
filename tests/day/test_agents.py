"""Bidding agents (chapters 11-12): what each strategy bids, and that a learner's own plugs in."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain.day.agents import (BatteryAware, OrderIntent, PriceRamp, SlotView, Truthful,
                                     agent_name, band_price, dispatch, orders_for)
from minichain.day.planner import Planner
from minichain.microgrid.grid import make_feeder
from minichain.microgrid.household import Battery, BatterySpec, Household, HouseholdDay, \
    self_consume
from minichain.market.orders import BUY, SELL, Tariffs
from market_fixtures import market_only
from minichain.errors import EnergyModelError, InvalidOrder, PriceOutOfBand

TARIFFS = Tariffs(feed_in=8, retail=32)           # a band of 24 units per kWh
TEN_KWH = BatterySpec(capacity_wh=10_000, power_w=5_000)   # 1,250 Wh a slot, 90 % round trip
MIDSUMMER = date(2026, 6, 21)


def view(pv=0, load=0, stored=None, slot=40, prices=(), seed=0, spec=TEN_KWH) -> SlotView:
    battery = None if stored is None else Battery(spec, stored)
    return SlotView.sketch("alice", slot, pv, load, battery, TARIFFS, prices, seed)


def sides(intents):
    return [(i.side, i.quantity_wh, i.price) for i in intents]


# --- what an agent says ---------------------------------------------------------------

def test_an_order_intent_is_whole_numbers_checked_when_built():
    assert OrderIntent(SELL, 500, 12).to_order(7, "0x" + "ab" * 20, 40).quantity_wh == 500
    with pytest.raises(InvalidOrder, match=r"price must be a whole number \(use // to divide\)"):
        OrderIntent(SELL, 500, 0.8 * 32)
    with pytest.raises(InvalidOrder, match="quantity_wh must be > 0"):
        OrderIntent(BUY, 0, 20)
    with pytest.raises(InvalidOrder, match="side must be 'buy' or 'sell'"):
        OrderIntent("bid", 100, 20)


def test_a_view_knows_the_slot_net_position_and_what_self_consumption_leaves():
    sunny = view(pv=2000, load=300, stored=0, prices=(20, None))
    assert (sunny.forecast_net_wh, sunny.band, sunny.last_price) == (1700, 24, None)
    left = sunny.residual()
    assert (left.charged_wh, left.export_wh, left.import_wh) == (1250, 450, 0)
    assert view(prices=()).last_price is None and view(prices=(19, 21)).last_price == 21
    assert band_price(TARIFFS, 0) == 8 and band_price(TARIFFS, 700) == 24   # 8 + 16.8, down
    with pytest.raises(EnergyModelError, match="0..1000 per mille"):
        band_price(TARIFFS, 1001)


# --- truthful -------------------------------------------------------------------------

def test_truthful_buys_its_shortfall_at_retail_and_sells_its_surplus_at_feed_in():
    agent = Truthful()
    assert sides(agent.orders(view(pv=1500, load=300))) == [(SELL, 1200, 8)]
    assert sides(agent.orders(view(pv=100, load=400))) == [(BUY, 300, 32)]
    assert agent.orders(view(pv=400, load=400)) == []


def test_truthful_trades_only_what_its_battery_leaves():
    agent = Truthful()
    # 1,700 Wh surplus: the battery takes 1,250 (its power limit), 450 go on offer.
    assert sides(agent.orders(view(pv=2000, load=300, stored=0))) == [(SELL, 450, 8)]
    # Evening: 1,000 Wh needed, the battery holds 600, so it buys 400.
    assert sides(agent.orders(view(pv=0, load=1000, stored=600))) == [(BUY, 400, 32)]


# --- price ramp -----------------------------------------------------------------------

def test_price_ramp_starts_ambitious_and_gives_way_through_the_day():
    ramp = PriceRamp()                          # 800 per mille from 07:00, truthful from 17:00
    assert [ramp.ambition(s) for s in (0, 28, 38, 48, 68, 95)] == [800, 800, 600, 400, 0, 0]
    # 24 x 800 / 1000 = 19 units of markup in the morning, 9 at noon, none in the evening.
    assert sides(ramp.orders(view(pv=1500, load=300, slot=28))) == [(SELL, 1200, 27)]
    assert sides(ramp.orders(view(pv=1500, load=300, slot=48))) == [(SELL, 1200, 17)]
    assert sides(ramp.orders(view(pv=1500, load=300, slot=70))) == [(SELL, 1200, 8)]
    assert sides(ramp.orders(view(pv=0, load=300, slot=28))) == [(BUY, 300, 13)]
    assert sides(ramp.orders(view(pv=0, load=300, slot=48))) == [(BUY, 300, 23)]
    with pytest.raises(EnergyModelError, match="ramp_slots"):
        PriceRamp(ramp_slots=0)


def test_price_ramp_jitter_comes_from_the_view_rng_and_stays_between_ambition_and_truth():
    ramp = PriceRamp(jitter_permille=250)        # up to 6 units towards the truthful price
    prices = set()
    for seed in range(40):
        [intent] = ramp.orders(view(pv=1500, load=300, slot=28, seed=seed))
        assert intent.price == 27 - random.Random(seed).randint(0, 6)
        assert intent == ramp.orders(view(pv=1500, load=300, slot=28, seed=seed))[0]
        prices.add(intent.price)
    assert prices == set(range(21, 28))


# --- battery-aware --------------------------------------------------------------------

def test_battery_aware_sells_from_its_battery_when_the_price_is_high():
    agent = BatteryAware()                       # high = 24, low = 20, keeps 2,000 Wh
    evening = view(pv=0, load=300, stored=5000, prices=(25,))
    # 3,000 Wh above the reserve, 1,250 can leave this slot: 300 for itself, 950 to sell.
    assert sides(agent.orders(evening)) == [(SELL, 950, 24)]
    home = dispatch(evening.expected_battery(), 0, 300, bought_wh=0, sold_wh=950)
    assert (home.discharged_wh, home.import_wh, home.battery.stored_wh) == (1250, 0, 3750)
    # No trade last slot: buyers pay retail, so that counts as high too.
    assert agent.orders(view(pv=0, load=300, stored=5000, prices=(20, None))) == \
        agent.orders(evening)
    assert sides(agent.orders(view(pv=1000, load=200, stored=2500, prices=(30,)))) == \
        [(SELL, 1300, 24)]                       # 800 PV surplus + 500 above the reserve
    assert sides(agent.orders(view(pv=0, load=400, stored=2100, prices=(30,)))) == \
        [(BUY, 300, 32)]                         # only 100 Wh above the reserve


def test_battery_aware_stores_and_buys_cheap_energy_when_the_price_is_low():
    agent = BatteryAware()
    # Nearly full: 1,112 Wh in fit (1,000 Wh of room at 90 %); the other 88 are sold.
    assert sides(agent.orders(view(pv=1500, load=300, stored=9000, prices=(20,)))) == \
        [(SELL, 88, 8)]
    # Empty: its own 1,200 Wh surplus plus 50 bought at the low price fill this slot's 1,250.
    assert sides(agent.orders(view(pv=1500, load=300, stored=0, prices=(19,)))) == \
        [(BUY, 50, 20)]
    assert sides(agent.orders(view(pv=300, load=300, stored=0, prices=(8,)))) == \
        [(BUY, 1250, 20)]
    # A shortfall is bought truthfully even when prices are low.
    assert sides(agent.orders(view(pv=0, load=500, stored=0, prices=(8,)))) == [(BUY, 500, 32)]


def test_battery_aware_is_truthful_in_the_middle_and_without_a_battery():
    agent = BatteryAware()
    for sample in (view(pv=2000, load=300, stored=0, prices=(22,)),
                   view(pv=1500, load=300, prices=(30,)), view(pv=0, load=300, prices=(8,))):
        assert agent.orders(sample) == Truthful().orders(sample)
    with pytest.raises(EnergyModelError, match="must be below"):
        BatteryAware(low_permille=700, high_permille=700)


# --- after the clearing ---------------------------------------------------------------

def test_dispatch_serves_commitments_then_the_battery_then_the_utility():
    empty = Battery(TEN_KWH)
    sold_all = dispatch(empty, pv_wh=2000, load_wh=300, bought_wh=0, sold_wh=450)
    assert (sold_all.charged_wh, sold_all.loss_wh, sold_all.export_wh) == (1250, 125, 0)
    unsold = dispatch(empty, pv_wh=2000, load_wh=300, bought_wh=0, sold_wh=0)
    assert (unsold.charged_wh, unsold.export_wh) == (1250, 450)
    short = dispatch(None, pv_wh=0, load_wh=700, bought_wh=500, sold_wh=0)
    assert (short.import_wh, short.export_wh, short.battery) == (200, 0, None)
    with pytest.raises(EnergyModelError, match="sold_wh"):
        dispatch(None, 0, 0, 0, -1)


AGENTS = [Truthful(), PriceRamp(jitter_permille=200), BatteryAware(), Planner()]


@settings(deadline=None, max_examples=200)
@given(agent=st.sampled_from(AGENTS), capacity=st.integers(1000, 15_000),
       power=st.integers(500, 8000), efficiency=st.integers(700, 1000),
       soc=st.integers(0, 1000), has_battery=st.booleans(), pv=st.integers(0, 3000),
       load=st.integers(0, 3000), slot=st.integers(0, 95),
       prices=st.lists(st.one_of(st.none(), st.integers(8, 32)), max_size=3),
       fill_permille=st.integers(0, 1000), seed=st.integers(0, 99))
def test_whatever_part_of_its_orders_fills_the_home_can_keep_its_word(
        agent, capacity, power, efficiency, soc, has_battery, pv, load, slot, prices,
        fill_permille, seed):
    spec = BatterySpec(capacity, power, efficiency)
    battery = Battery.at_soc(spec, soc) if has_battery else None
    sample = SlotView.sketch("alice", slot, pv, load, battery, TARIFFS, prices, seed)
    intents = orders_for(agent, sample)
    assert len({i.side for i in intents}) <= 1 and all(TARIFFS.in_band(i.price) for i in intents)
    assert all(i.quantity_wh > 0 for i in intents)
    wanted = sum(i.quantity_wh for i in intents)
    filled = wanted * fill_permille // 1000
    bought = filled if intents and intents[0].side == BUY else 0
    sold = filled if intents and intents[0].side == SELL else 0
    home = dispatch(battery, pv, load, bought, sold)
    after = home.battery.stored_wh if home.battery else 0
    before = battery.stored_wh if battery else 0
    assert pv + home.discharged_wh + bought + home.import_wh == \
        load + home.charged_wh + sold + home.export_wh
    assert home.charged_wh - home.loss_wh - home.discharged_wh == after - before
    buying = bool(intents) and intents[0].side == BUY
    if intents and not buying:
        assert home.import_wh == 0               # what it offers it can deliver, filled or not
    if buying:
        assert home.import_wh <= wanted - filled  # at most the unfilled rest from the utility
    if isinstance(agent, (Truthful, PriceRamp)):  # truthful quantities: battery as self-use
        assert home.battery == self_consume(battery, pv, load).battery
        if buying:
            assert home.import_wh == wanted - filled


# --- a learner's own agent ------------------------------------------------------------

def greedy_seller(view):
    """Offer the whole surplus one unit below retail; never buy."""
    if view.forecast_net_wh > 0:
        return [OrderIntent(SELL, view.forecast_net_wh, view.tariffs.retail - 1)]
    return []


class HalfBand:
    """Bid the middle of the band for whatever is short."""

    name = "half-band"

    def orders(self, view):
        if view.forecast_net_wh >= 0:
            return []
        return [OrderIntent(BUY, -view.forecast_net_wh, band_price(view.tariffs, 500))]


def tiny_street():
    homes = (Household("alice", 1, 1900, pv_peak_w=5000), Household("bob", 2, 2890),
             Household("carol", 2, 2890))
    days = (HouseholdDay((1000,), (0,)), HouseholdDay((0,), (500,)), HouseholdDay((0,), (400,)))
    return homes, days, make_feeder([h.name for h in homes])


def test_a_plain_function_or_a_small_class_plugs_in_as_an_agent():
    homes, days, feeder = tiny_street()
    agents = {"alice": greedy_seller, "bob": Truthful(), "carol": HalfBand()}
    day = market_only(homes, days, agents, TARIFFS, feeder, MIDSUMMER)
    assert day.agents == ("greedy_seller", "truthful", "half-band")
    assert agent_name(greedy_seller) == "greedy_seller"
    # bob's 32 meets alice's 31; carol's 20 does not. One price: 31 + (32 - 31) // 2.
    [trade] = day.trades
    assert (trade.seller, trade.buyer, trade.quantity_wh, trade.price, trade.amount) == \
        ("alice", "bob", 500, 31, 15)
    alice, bob, carol = day.slot_records(0)
    assert (alice.utility_export_wh, alice.utility_received) == (500, 4)
    assert (carol.utility_import_wh, carol.utility_paid) == (400, 12)
    assert bob.bill == 15 and alice.bill == -19


def test_what_an_agent_returns_is_checked_with_a_message_that_names_it():
    sample = view(pv=1000)
    with pytest.raises(InvalidOrder, match="agent 'bad' for alice in slot 40 returned"):
        orders_for(type("Bad", (), {"name": "bad", "orders": lambda self, v: [("sell", 5, 9)]})(),
                   sample)
    with pytest.raises(PriceOutOfBand, match="price 40"):
        orders_for(lambda v: [OrderIntent(SELL, 100, 40)], sample)
    with pytest.raises(InvalidOrder, match="buy and sell in the same slot"):
        orders_for(lambda v: [OrderIntent(SELL, 100, 9), OrderIntent(BUY, 50, 30)], sample)
    assert orders_for(lambda v: None, sample) == ()


def test_the_same_seed_gives_the_same_day_and_another_seed_another():
    homes = tuple(Household(n, 2, 2890, pv_peak_w=p) for n, p in
                  (("alice", 6000), ("bob", 0), ("carol", 0), ("dave", 4000)))
    pv = (0, 800, 1500, 1200, 300, 0)
    days = tuple(HouseholdDay(tuple(v * (h.pv_peak_w > 0) for v in pv), (200,) * 6)
                 for h in homes)
    feeder = make_feeder([h.name for h in homes])
    agent = PriceRamp(ambition_permille=500, start_slot=0, ramp_slots=6, jitter_permille=400)
    run = lambda seed: market_only(homes, days, agent, TARIFFS, feeder,
                                                    MIDSUMMER, seed=seed)
    assert run(1) == run(1)
    assert [s.price for s in run(1).slots] != [s.price for s in run(2).slots]
