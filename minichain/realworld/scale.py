"""What changes at scale: the arithmetic of gas, orders and blocks for a street and a city (chapter 14).

Clearing a slot's book is one transaction, and a transaction must fit in one block (30
million gas on minichain, and on Ethereum from 2021 to 2025). Measured on two books, the
gas of a clearing lies close to a straight line, ``fixed + per_order * orders``: a fixed
part (the transaction, reading the slot, the events) and a part per order (reading it,
sorting it, writing its trade and its escrow back). From the line:

* ``orders_per_block``: the largest book whose clearing fits one block,
  ``(block gas - fixed) // per order`` (rounded down: a book one order larger does not fit);
* ``blocks_needed``: how many blocks a city needs when it splits its orders into books that
  each fit one block (neighbourhoods), ``ceil(orders / orders_per_block)``
  (``books_needed``). Each book pays the fixed part again, which is why this is not
  simply the total gas over the block gas;
* ``blocks_per_slot``: how many blocks a chain seals in one trading slot.

The line is a model: sorting grows a little faster than linearly, so a fit from small books
overestimates what a large block holds. ``benchmarks/bench_auction.py`` and
``bench_evm.py`` extrapolate with these functions, then check by clearing a book of that size.
Everything is exact (``Fraction``), so the same measurements always give the same answer.
"""

from __future__ import annotations

from fractions import Fraction

from minichain.errors import ScaleError

SLOT_SECONDS = 900           # a trading slot: 15 minutes


def gas_line(small_orders: int, small_gas: int, large_orders: int,
             large_gas: int) -> tuple[Fraction, Fraction]:
    """(gas per order, fixed gas) of the straight line through two measured clearings."""
    if small_orders == large_orders:
        raise ScaleError("two measurements of different book sizes are needed to draw a line")
    per_order = Fraction(large_gas - small_gas, large_orders - small_orders)
    if per_order <= 0:
        raise ScaleError(f"the gas per order must be positive, got {per_order}: a larger book "
                         "cannot cost less to clear")
    return per_order, small_gas - per_order * small_orders


def orders_per_block(gas_per_order: int | Fraction, fixed_gas: int | Fraction,
                     block_gas_limit: int) -> int:
    """The largest number of orders whose clearing fits one block (0 when not even the
    fixed part fits)."""
    if gas_per_order <= 0:
        raise ScaleError(f"gas per order must be positive, got {gas_per_order}")
    return max(0, int((block_gas_limit - fixed_gas) // gas_per_order))


def books_needed(orders: int, per_book: int) -> int:
    """How many books of at most ``per_book`` orders hold ``orders``: ceil(orders / per_book)."""
    if orders < 0:
        raise ScaleError(f"a number of orders cannot be negative, got {orders}")
    if per_book < 1:
        raise ScaleError(f"a book must hold at least one order, got {per_book}")
    return -(-orders // per_book)


def blocks_needed(orders: int, gas_per_order: int | Fraction, fixed_gas: int | Fraction,
                  block_gas_limit: int) -> int:
    """How many blocks clear ``orders`` when they are split into books that each fit one
    block: ceil(orders / orders_per_block)."""
    fit = orders_per_block(gas_per_order, fixed_gas, block_gas_limit)
    if fit == 0:
        raise ScaleError(f"a block of {block_gas_limit:,} gas cannot clear even one order "
                         f"({fixed_gas} fixed + {gas_per_order} per order)")
    return books_needed(orders, fit)


def blocks_per_slot(block_period: int, slot_seconds: int = SLOT_SECONDS) -> int:
    """How many blocks a chain with this period (seconds) seals in one trading slot."""
    if block_period < 1:
        raise ScaleError(f"the block period must be at least one second, got {block_period}")
    return slot_seconds // block_period
