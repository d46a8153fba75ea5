"""Money that moves: the token's smallest unit is small enough that every trade pays.

The rounding rule ``amount_for(q, p) = q * p // 1000`` drops less than one µ€ per trade. With
prices in µ€ per kWh and the feed-in tariff at 80,000 µ€/kWh, one Wh at the lowest sensible
price is already worth 80 µ€, so no trade moves nothing, and over a whole simulated day
what rounding drops stays below 0.01 % of the value traded.
"""

from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from minichain import cast
from minichain.day.scenario import Scenario, run_market_only
from minichain.market.orders import STREET_TARIFFS
from minichain.market.units import (MICRO_PER_CENT, amount_for, cents_per_kwh, format_money,
                                    format_price)

RESIDUE_BOUND = Fraction(1, 10_000)        # 0.01 % of the traded value


@given(quantity=st.integers(1, 10 ** 9), price=st.integers(cast.FEED_IN, cast.RETAIL))
def test_every_trade_of_at_least_one_wh_in_the_tariff_band_pays_something(quantity, price):
    paid = amount_for(quantity, price)
    assert paid > 0
    assert 0 <= Fraction(quantity * price, 1000) - paid < 1


def test_the_street_quotes_its_tariffs_in_cents_and_counts_them_in_micro_euros():
    assert (STREET_TARIFFS.feed_in, STREET_TARIFFS.retail) == (80_000, 320_000)
    assert cents_per_kwh(8) == cast.FEED_IN and cents_per_kwh(20.25) == 202_500
    assert format_price(cast.RETAIL) == "32 ct/kWh" and format_price(202_500) == "20.25 ct/kWh"
    assert format_price(Fraction(2_207_726, 10), 1) == "22.1 ct/kWh"
    assert amount_for(74, cents_per_kwh(20)) == 14_800 and format_money(14_800) == "€0.0148"
    assert format_money(-2_500_000) == "-€2.50" and format_money(8_125_120, 2) == "€8.13"
    assert MICRO_PER_CENT * 100 == 1_000_000


@pytest.mark.parametrize("households", [12, 20])
def test_in_the_default_day_no_trade_moves_zero_and_rounding_keeps_under_a_ten_thousandth(
        households):
    day = run_market_only(Scenario(households=households))
    trades = [trade for slot in day.slots for trade in slot.trades]
    assert len(trades) > 300
    assert [t for t in trades if t.quantity_wh > 0 and t.amount == 0] == []
    exact = sum(Fraction(t.quantity_wh * t.price, 1000) for t in trades)
    residue = exact - sum(t.amount for t in trades)
    assert 0 <= residue < len(trades)
    assert residue / exact < RESIDUE_BOUND, float(residue / exact)
