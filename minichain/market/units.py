"""Units of energy and money, and the one rounding rule for paying for energy (chapters 02, 09).

Energy is counted in whole watt-hours (Wh). Money is counted in the street's token, pegged
one to one to the euro, in its smallest unit, the **micro-euro** (µ€, a millionth of a
euro: the token has 6 decimals, like most stable tokens). Prices are in µ€ per kWh.
Everything is an ``int``; ``format_money`` and ``format_price`` show them as people say
them (``€0.0148``, ``20.0 ct/kWh``).

Paying for ``q`` Wh at ``p`` µ€/kWh is worth exactly ``q * p / 1000`` µ€, which is rarely
whole. The rule, used everywhere (off chain here, on chain in the contract):

    amount_for(q, p) = (q * p) // 1000          (round down to a whole µ€)

Each trade computes its amount once; the buyer is debited and the seller credited that
same integer, so rounding can never create or destroy a token. Rounding down means a
buyer never pays more than the exact value of its energy; the fraction dropped (less than
one µ€ per trade) stays with the buyer.

**Why so small a unit.** With whole cents, a typical 74 Wh trade at 20 ct/kWh is worth
1.48 cents and pays 1; a 30 Wh trade pays 0. In a simulated midsummer day about a fifth of
the street's trades moved no money at all, although every token was conserved. In µ€ the
smallest trade the rules allow, 1 Wh at the lowest sensible price (the feed-in tariff,
8 ct/kWh = 80,000 µ€/kWh), is worth 80 µ€, and what rounding drops is below one µ€ in
tens of thousands: under 0.01 % of a day's traded value (``tests/market/test_units.py``
measures it on the default day).

Welfare is kept exact instead, in thousandths of a µ€ (``q * p``), because it is a
measure, not a payment.
"""

from __future__ import annotations

from fractions import Fraction

WH_PER_KWH = 1000
MICRO_PER_EURO = 1_000_000       # µ€ in one euro (the token's 6 decimals)
MICRO_PER_CENT = 10_000          # µ€ in one euro cent


def wh(kwh: int) -> int:
    """Watt-hours in a whole number of kilowatt-hours, so examples can speak in kWh."""
    return kwh * WH_PER_KWH


def cents_per_kwh(cents: int | float) -> int:
    """A price given in cents per kWh (``20`` or ``20.5``), as whole µ€ per kWh."""
    return int(Fraction(str(cents)) * MICRO_PER_CENT)


def amount_for(quantity_wh: int, price_per_kwh: int) -> int:
    """µ€ paid for ``quantity_wh`` at ``price_per_kwh`` µ€/kWh, rounded down (the one rule)."""
    return (quantity_wh * price_per_kwh) // WH_PER_KWH


def exact_value_milliunits(quantity_wh: int, price_per_kwh: int) -> int:
    """The exact value of the energy in thousandths of a µ€ (no rounding at all)."""
    return quantity_wh * price_per_kwh


def format_money(amount: int, decimals: int | None = None) -> str:
    """µ€ as euros: exact by default (``€0.0148``, ``-€2.50``), or rounded half up to ``decimals``."""
    sign = "-" if amount < 0 else ""
    if decimals is not None:
        step = MICRO_PER_EURO // 10 ** decimals
        rounded = (abs(amount) + step // 2) // step
        euros, rest = divmod(rounded, 10 ** decimals)
        return f"{sign}€{euros:,}" + (f".{rest:0{decimals}d}" if decimals else "")
    euros, micro = divmod(abs(amount), MICRO_PER_EURO)
    decimals_text = f"{micro:06d}".rstrip("0").ljust(2, "0")
    return f"{sign}€{euros:,}.{decimals_text}"


def format_price(price_per_kwh: int | Fraction, decimals: int | None = None) -> str:
    """µ€ per kWh as cents per kWh, as tariffs are quoted: ``20 ct/kWh``, ``20.25 ct/kWh``.

    Exact by default; with ``decimals`` rounded half up (``format_price(220773, 1)`` is
    ``22.1 ct/kWh``), which suits a mean that is not a whole µ€.
    """
    cents = Fraction(price_per_kwh) / MICRO_PER_CENT
    if decimals is not None:
        scaled = (cents * 10 ** decimals + Fraction(1, 2)).__floor__()
        whole, rest = divmod(scaled, 10 ** decimals)
        return f"{whole}" + (f".{rest:0{decimals}d}" if decimals else "") + " ct/kWh"
    if cents.denominator == 1:
        return f"{cents.numerator} ct/kWh"
    whole, rest = divmod(price_per_kwh, MICRO_PER_CENT)
    return f"{whole}.{f'{rest:04d}'.rstrip('0')} ct/kWh"
