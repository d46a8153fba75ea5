"""The year's price model: the real auction on the street's orders, merged by price, in any money scale."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain.day.scenario import Scenario
from minichain.errors import PriceOutOfBand
from minichain.forecast import prices as pm
from minichain.forecast.history import make_history
from minichain.market.auction import clear_uniform_price
from minichain.market.orders import BUY, SELL, Order, Tariffs
from minichain.microgrid.household import Battery, make_street, self_consume

TARIFFS = Scenario().tariffs


def home_book(offers, slot):
    """The book before merging: one order per home (its own address)."""
    return [Order(n, f"0x{n + 1:040x}", side, wh, price, slot)
            for n, (side, price, wh) in enumerate(offers) if wh > 0]


offer = st.tuples(st.sampled_from((SELL, BUY)), st.integers(0, 2), st.integers(0, 3000))


@settings(deadline=None, max_examples=300)
@given(st.lists(offer, max_size=14), st.integers(0, 100))
def test_merging_orders_of_one_price_changes_no_clearing(raw, k_percent):
    offers = [(side, TARIFFS.price_at((pm.ASK_POSITIONS if side == SELL else pm.BID_POSITIONS)[tier]), wh)
              for side, tier, wh in raw]
    merged = pm.street_book(offers, 5)
    assert len(merged) <= 6
    assert len({(o.side, o.price) for o in merged}) == len(merged)
    plain = clear_uniform_price(home_book(offers, 5), TARIFFS, k_percent, 100)
    assert pm.slot_price(offers, TARIFFS, 5, k_percent) == (plain.price, plain.traded_wh)
    assert clear_uniform_price(merged, TARIFFS, k_percent, 100).price == plain.price


def test_a_book_with_one_side_empty_has_no_price_as_the_auction_says():
    only_sellers = [(SELL, TARIFFS.feed_in, 500), (SELL, TARIFFS.price_at(400), 700)]
    only_buyers = [(BUY, TARIFFS.retail, 300), (SELL, TARIFFS.feed_in, 0)]
    for offers in (only_sellers, only_buyers, []):
        assert pm.slot_price(offers, TARIFFS, 0) == (None, 0)
        clearing = clear_uniform_price(home_book(offers, 0), TARIFFS, 50, 100)
        assert (clearing.price, clearing.traded_wh) == (None, 0)


def test_scarce_supply_raises_the_price_and_plenty_lowers_it():
    cheap, dear = TARIFFS.price_at(0), TARIFFS.price_at(400)
    low_bid, high_bid = TARIFFS.price_at(600), TARIFFS.retail
    sunny_noon = [(SELL, cheap, 3000), (SELL, dear, 2000), (BUY, low_bid, 400), (BUY, high_bid, 300)]
    evening = [(SELL, cheap, 100), (SELL, dear, 100), (BUY, low_bid, 400), (BUY, high_bid, 900)]
    noon_price, noon_traded = pm.slot_price(sunny_noon, TARIFFS, 0)
    evening_price, evening_traded = pm.slot_price(evening, TARIFFS, 0)
    assert (noon_traded, evening_traded) == (700, 200)       # the short side is served in full
    assert noon_price == cheap + (low_bid - cheap) // 2      # marginal pair: cheap ask, low bid
    assert evening_price == dear + (high_bid - dear) // 2    # marginal pair: dear ask, high bid
    assert noon_price < evening_price


def test_a_homes_temperament_is_its_own_whatever_the_street():
    tempers = [pm.temperament(1, name) for name in ("alice", "bob", "carol", "dave")]
    assert pm.temperament(1, "alice") == tempers[0]
    assert pm.temperament(2, "alice") in {pm.Temperament(a, b) for a in pm.ASK_POSITIONS
                                          for b in pm.BID_POSITIONS}
    assert all(t.ask_permille < 500 < t.bid_permille for t in tempers)


def test_a_position_in_the_band_becomes_a_price_rounded_down():
    tariffs = Tariffs(7, 30)
    assert [tariffs.price_at(p) for p in (0, 500, 999, 1000)] == [7, 18, 29, 30]
    for bad in (-1, 1001, 0.5, True):
        with pytest.raises(PriceOutOfBand, match="0..1000 per mille"):
            tariffs.price_at(bad)


def test_a_new_money_scale_changes_no_energy_and_no_price_position_beyond_rounding():
    homes = make_street(8, 0.5, 0.25, 4)
    scale = 10_000
    small = TARIFFS
    large = Tariffs(small.feed_in * scale, small.retail * scale)
    a = make_history(homes, small, date(2026, 6, 1), 3, seed=4)
    b = make_history(homes, large, date(2026, 6, 1), 3, seed=4)
    assert a.traded_wh == b.traded_wh and a.pv_wh == b.pv_wh
    assert [p is None for p in a.price] == [p is None for p in b.price]
    band = small.retail - small.feed_in
    for p, q in zip(a.price, b.price):
        if p is not None:
            # the ask, the bid and the k-price each round down: at the small scale that
            # costs up to two units, at the large one nothing you could see
            assert p * scale <= q < (p + 2) * scale
            assert 0 <= (q - large.feed_in) / (band * scale) <= 1


def test_every_price_of_the_history_is_the_auctions_price_for_the_homes_own_orders():
    homes = make_street(12, 0.5, 0.25, 6)
    history = make_history(homes, TARIFFS, date(2026, 5, 20), 3, seed=6)
    batteries = {home.name: Battery(home.battery) for home in homes if home.battery}
    for slot in range(len(history.price)):
        offers = []
        for home in homes:
            pv, load = history.pv_wh[home.name][slot], history.load_wh[home.name][slot]
            if home.name in batteries:           # self-consumption first, then the market
                balance = self_consume(batteries[home.name], pv, load)
                batteries[home.name] = balance.battery
                net = balance.export_wh - balance.import_wh
            else:
                net = pv - load
            temper = pm.temperament(6, home.name)
            if net:
                offers.append((SELL, TARIFFS.price_at(temper.ask_permille), net) if net > 0
                              else (BUY, TARIFFS.price_at(temper.bid_permille), -net))
        clearing = clear_uniform_price(home_book(offers, slot), TARIFFS, 50, 100)
        assert (history.price[slot], history.traded_wh[slot]) == (clearing.price, clearing.traded_wh)
