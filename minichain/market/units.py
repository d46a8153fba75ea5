"""Units of energy and money, and the one rounding rule for paying for energy (chapter 09).

Energy is counted in whole watt-hours (Wh), money in whole token units (the token's
smallest unit), and prices in token units per kilowatt-hour. Everything is an ``int``.

Paying for ``q`` Wh at ``p`` units/kWh is worth exactly ``q * p / 1000`` units, which is
rarely whole. The rule, used everywhere (off chain here, on chain in the contract):

    amount_for(q, p) = (q * p) // 1000          (round down to a whole token unit)

Each trade computes its amount once; the buyer is debited and the seller credited that
same integer, so rounding can never create or destroy a token. Rounding down means a
buyer never pays more than the exact value of its energy, and the fraction of a unit that
is dropped (less than one unit per trade) stays with the buyer.

Welfare is kept exact instead, in milli-units (``q * p``, one thousandth of a token
unit), because it is a measure, not a payment.
"""

from __future__ import annotations

WH_PER_KWH = 1000


def wh(kwh: int) -> int:
    """Watt-hours in a whole number of kilowatt-hours, so examples can speak in kWh."""
    return kwh * WH_PER_KWH


def amount_for(quantity_wh: int, price_per_kwh: int) -> int:
    """Token units paid for ``quantity_wh`` at ``price_per_kwh``, rounded down (the one rule)."""
    return (quantity_wh * price_per_kwh) // WH_PER_KWH


def exact_value_milliunits(quantity_wh: int, price_per_kwh: int) -> int:
    """The exact value of the energy in thousandths of a token unit (no rounding at all)."""
    return quantity_wh * price_per_kwh
