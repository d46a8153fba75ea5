"""What changes at scale, worked by hand: the line through two clearings, orders per block, a city's blocks."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from minichain.errors import ScaleError
from minichain.realworld.scale import (blocks_needed, blocks_per_slot, gas_line,
                                       orders_per_block)


def test_the_line_through_two_clearings_is_exact():
    # 100 orders: 1,360,000 gas; 1,000 orders: 13,100,000 gas -> 13,044 4/9 per order
    per_order, fixed = gas_line(100, 1_360_000, 1_000, 13_100_000)
    assert per_order == Fraction(11_740_000, 900) and fixed == Fraction(1_360_000) - 100 * per_order
    assert gas_line(1_000, 13_100_000, 100, 1_360_000) == (per_order, fixed)


def test_a_line_needs_two_sizes_and_a_gas_that_grows():
    with pytest.raises(ScaleError, match="different book sizes"):
        gas_line(100, 1, 100, 2)
    with pytest.raises(ScaleError, match="cannot cost less"):
        gas_line(100, 2_000, 200, 1_000)


def test_orders_per_block_rounds_down_and_is_zero_when_the_fixed_part_does_not_fit():
    assert orders_per_block(10, 5, 25) == 2            # 5 + 2 * 10 = 25 fits, 3 would not
    assert orders_per_block(10, 5, 24) == 1
    assert orders_per_block(10, 30, 25) == 0
    assert orders_per_block(Fraction(21, 2), Fraction(1, 2), 22) == 2
    with pytest.raises(ScaleError, match="must be positive"):
        orders_per_block(0, 0, 100)


def test_blocks_needed_rounds_up_and_pays_the_fixed_part_in_every_block():
    assert blocks_needed(3, 10, 5, 25) == 2
    assert blocks_needed(4, 10, 5, 25) == 2
    assert blocks_needed(5, 10, 5, 25) == 3
    assert blocks_needed(0, 10, 5, 25) == 0
    # total gas over block gas would say ceil(205 / 25) = 9; the fixed part per book makes 10
    assert blocks_needed(20, 10, 5, 25) == 10
    with pytest.raises(ScaleError, match="cannot clear even one order"):
        blocks_needed(1, 10, 30, 25)
    with pytest.raises(ScaleError, match="cannot be negative"):
        blocks_needed(-1, 10, 5, 25)


def test_blocks_per_slot_counts_whole_blocks_in_fifteen_minutes():
    assert blocks_per_slot(5) == 180 and blocks_per_slot(2) == 450 and blocks_per_slot(7) == 128
    assert blocks_per_slot(12, slot_seconds=3600) == 300
    with pytest.raises(ScaleError, match="at least one second"):
        blocks_per_slot(0)


@given(orders=st.integers(0, 10 ** 6), per_order=st.integers(1, 10 ** 5),
       fixed=st.integers(0, 10 ** 6), limit=st.integers(10 ** 6, 10 ** 8))
def test_the_blocks_hold_every_order_and_one_block_fewer_would_not(orders, per_order, fixed,
                                                                   limit):
    fit = orders_per_block(per_order, fixed, limit)
    if fit == 0:
        return
    assert fixed + fit * per_order <= limit < fixed + (fit + 1) * per_order
    blocks = blocks_needed(orders, per_order, fixed, limit)
    assert blocks * fit >= orders > (blocks - 1) * fit


def test_books_needed_is_the_rounded_up_share_and_refuses_empty_books():
    from minichain.realworld.scale import books_needed
    assert [books_needed(n, 312) for n in (0, 1, 312, 313, 200_000)] == [0, 1, 1, 2, 642]
    with pytest.raises(ScaleError, match="at least one order"):
        books_needed(10, 0)
