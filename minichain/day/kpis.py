"""How well did Sunny Street do today? The key figures of a simulated day (chapter 11).

Pure functions of a ``records.DayRecord``: no chain, no simulator. Energy and money are
whole numbers and summed exactly. Ratios are ``fractions.Fraction`` (exact; ``None`` when
the denominator is 0, e.g. self-consumption of a home without PV); ``permille(ratio)``
turns one into whole per mille, rounded half up, for tables and figures.

Sums below run over the slots of the day and over the households asked about (one home
or the whole street). Per slot and household, from ``SlotRecord``:
P = pv_wh, L = load_wh, I = utility_import_wh, X = utility_export_wh, B = bought_wh,
D = delivered_wh, dS = stored_end_wh - stored_start_wh, V = loss_wh.

* **Self-sufficiency** = max(0, sum L - sum I - sum F) / sum L, where F is energy a buyer
  bought from a neighbour who did not deliver it (the utility supplied it). The share of
  consumption met by local production: own PV, own battery and neighbours' PV via the
  market. An accounting view: it counts who was paid for the energy (see
  ``clearing.py`` on contract paths versus electrons).
* **Self-consumption** = max(0, sum P - sum X) / sum P: the share of local production
  that stayed on the street (used at home, stored, lost in storage, or delivered to a
  neighbour) instead of being sold to the utility.
* **Bill** of a household = sum over slots of market_paid - market_received +
  utility_paid - utility_received + shortfall_paid (µ€; negative means it earned).
* **Baseline bill**: the same PV and load with no trading; the battery (from the same
  starting content) used for self-consumption only (``household.self_consume``); per
  slot ``amount_for(import, retail) - amount_for(export, feed_in)``.
* **Savings** = baseline bill - bill.
* **Community welfare** = sum of all savings + what the community fund received
  (McAfee's surplus stays on the street). Trading between neighbours only moves money
  between them, so this equals exactly how much less the street paid the utility than
  in the baseline (tested).
* **Gains from trade** = sum of the slots' auction welfare (milli-units, auction rule 9).
* **Price statistics** per slot: lowest, volume-weighted mean (sum q p / sum q, exact) and
  highest buyer price of the accepted trades, and whether every buyer's and seller's
  price lay in [feed_in, retail].
* **Peak import** = the largest street total of ``utility_import_wh`` in one slot (the
  utility's sales; earliest slot on a tie). **Peak transformer import** is the physical
  peak: the largest flow down through the transformer.
* **Line loading** = max over slots of |flow| / capacity per line, per mille rounded half
  up (``grid.LineLoading``), plus the transformer.
* **Money difference** (``token_difference``) = µ€ received - µ€ paid over every account
  (households, community fund, utility) in every slot: 0 when money is conserved;
  positive means money was created.
* **Energy residual** of a household in a slot =
  (P + B + I) - (L + D + X + dS + V): production and imports against consumption,
  exports, storage change and losses. It must be 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable

from minichain.microgrid.household import Battery, self_consume
from minichain.day.records import DayRecord, SlotRecord
from minichain.market.units import amount_for


def permille(ratio: Fraction | None) -> int | None:
    """A ratio as whole per mille, rounded half up (None stays None)."""
    if ratio is None:
        return None
    scaled = ratio * 1000
    return (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)


def _records(day: DayRecord, household: str | None) -> Iterable[SlotRecord]:
    return day.records if household is None else day.household_records(household)


def _shortfall_received(day: DayRecord, household: str | None) -> int:
    return sum(trade.quantity_wh - trade.delivered_wh for trade in day.trades
               if household is None or trade.buyer == household)


# --- energy ---------------------------------------------------------------------------

def self_sufficiency(day: DayRecord, household: str | None = None) -> Fraction | None:
    """Share of consumption met by local production: max(0, L - I - F) / L."""
    records = list(_records(day, household))
    load = sum(r.load_wh for r in records)
    if load == 0:
        return None
    from_utility = sum(r.utility_import_wh for r in records) + _shortfall_received(day, household)
    return Fraction(max(0, load - from_utility), load)


def self_consumption(day: DayRecord, household: str | None = None) -> Fraction | None:
    """Share of local production that stayed on the street: max(0, P - X) / P."""
    records = list(_records(day, household))
    production = sum(r.pv_wh for r in records)
    if production == 0:
        return None
    return Fraction(max(0, production - sum(r.utility_export_wh for r in records)), production)


def energy_residual(record: SlotRecord) -> int:
    """(P + B + I) - (L + D + X + dS + V) for one home and slot: 0 when energy balances."""
    supplied = record.pv_wh + record.bought_wh + record.utility_import_wh
    used = (record.load_wh + record.delivered_wh + record.utility_export_wh
            + (record.stored_end_wh - record.stored_start_wh) + record.loss_wh)
    return supplied - used


def battery_residual(record: SlotRecord) -> int:
    """(charged - loss - discharged) - (stored_end - stored_start): 0 for a consistent battery."""
    return ((record.charged_wh - record.loss_wh - record.discharged_wh)
            - (record.stored_end_wh - record.stored_start_wh))


def unbalanced(day: DayRecord) -> tuple[tuple[str, int, int], ...]:
    """(household, slot, residual) for every home and slot whose energy does not balance."""
    return tuple((r.household, r.slot, energy_residual(r)) for r in day.records
                 if energy_residual(r) != 0)


@dataclass(frozen=True)
class Peak:
    """The slot with the most of something, and how much (Wh)."""

    slot: int | None
    wh: int


def _top_indices(day: DayRecord) -> list[int]:
    """Positions of the lines that hang off the transformer."""
    tops = set(day.top_lines())
    return [i for i, line in enumerate(day.lines) if line.line in tops]


def peak_utility_import(day: DayRecord) -> Peak:
    """The slot in which the street bought most from the utility (earliest on a tie)."""
    best = Peak(None, 0)
    for slot in range(day.n_slots):
        total = sum(r.utility_import_wh for r in day.slot_records(slot))
        if total > best.wh:
            best = Peak(slot, total)
    return best


def transformer_flows_wh(day: DayRecord) -> tuple[int, ...]:
    """Physical Wh up through the transformer per slot (negative: down into the street)."""
    tops = _top_indices(day)
    return tuple(sum(street.line_flows_wh[i] for i in tops) for street in day.slots)


def peak_transformer_import(day: DayRecord) -> Peak:
    """The slot with the largest physical flow down through the transformer."""
    best = Peak(None, 0)
    for slot, flow in enumerate(transformer_flows_wh(day)):
        if -flow > best.wh:
            best = Peak(slot, -flow)
    return best


def loading_permille(flow_wh: int, capacity_wh: int) -> int:
    """|flow| / capacity in per mille, rounded half up (as ``grid.LineLoading``)."""
    return (2000 * abs(flow_wh) + capacity_wh) // (2 * capacity_wh)


def max_line_loading_permille(day: DayRecord, booked: bool = False) -> dict[str, int]:
    """Each line's highest loading of the day, per mille, and the transformer's (last).

    ``booked=False``: the physical flows from the meters; ``True``: the flows the market's
    accepted trades booked along their paths (never above 1000 with no background).
    """
    result = {}
    for i, line in enumerate(day.lines):
        flows = [(s.trade_flows_wh if booked else s.line_flows_wh)[i] for s in day.slots]
        result[line.line] = max((loading_permille(f, line.capacity_wh) for f in flows), default=0)
    tops = _top_indices(day)
    through = [sum((s.trade_flows_wh if booked else s.line_flows_wh)[i] for i in tops)
               for s in day.slots]
    result["transformer"] = max((loading_permille(f, day.transformer_capacity_wh) for f in through),
                                default=0)
    return result


# --- money ----------------------------------------------------------------------------

def bill(day: DayRecord, household: str) -> int:
    """What the household paid over the day, market and utility together (µ€)."""
    return sum(record.bill for record in day.household_records(household))


def bills(day: DayRecord) -> dict[str, int]:
    """Every household's bill, in street order."""
    return {name: bill(day, name) for name in day.names}


def baseline_bill(day: DayRecord, household: str) -> int:
    """The bill with no trading: self-consumption, imports at retail, exports at feed-in."""
    spec = day.household(household).battery
    start = day.initial_stored_wh[day.names.index(household)]
    battery = Battery(spec, start) if spec is not None else None
    total = 0
    for record in day.household_records(household):
        balance = self_consume(battery, record.pv_wh, record.load_wh, day.slot_seconds)
        battery = balance.battery
        total += (amount_for(balance.import_wh, day.tariffs.retail)
                  - amount_for(balance.export_wh, day.tariffs.feed_in))
    return total


def baseline_bills(day: DayRecord) -> dict[str, int]:
    return {name: baseline_bill(day, name) for name in day.names}


def savings(day: DayRecord) -> dict[str, int]:
    """Baseline bill - bill for every household (negative: trading cost it money)."""
    actual = bills(day)
    return {name: baseline - actual[name] for name, baseline in baseline_bills(day).items()}


def fund_received(day: DayRecord) -> int:
    """What the community fund received over the day (McAfee's surplus)."""
    return sum(street.fund_received for street in day.slots)


def community_welfare(day: DayRecord) -> int:
    """Sum of savings + the community fund: how much less the street paid the utility."""
    return sum(savings(day).values()) + fund_received(day)


def gains_from_trade_milliunits(day: DayRecord) -> int:
    """The auction's welfare summed over the slots, exact in thousandths of a µ€."""
    return sum(street.welfare_milliunits for street in day.slots)


def token_difference_by_slot(day: DayRecord) -> tuple[int, ...]:
    """Per slot: µ€ received - µ€ paid over all accounts (0 when money is conserved)."""
    out = []
    for street in day.slots:
        records = day.slot_records(street.slot)
        received = (sum(r.market_received + r.utility_received for r in records)
                    + street.fund_received + street.utility_account_received)
        paid = (sum(r.market_paid + r.utility_paid + r.shortfall_paid for r in records)
                + street.utility_account_paid)
        out.append(received - paid)
    return tuple(out)


def token_difference(day: DayRecord) -> int:
    """µ€ created over the day (negative: destroyed); 0 when money is conserved.

    The day's sum of ``token_difference_by_slot``; ``unconserved_slots`` names the slots
    that do not balance, so errors that cancel between slots still show.
    """
    return sum(token_difference_by_slot(day))


def unconserved_slots(day: DayRecord) -> tuple[int, ...]:
    """The slots in which money was created or destroyed (empty when all conserve)."""
    return tuple(slot for slot, difference in enumerate(token_difference_by_slot(day))
                 if difference)


# --- prices ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PriceStats:
    """Buyer prices of one slot's accepted trades (or of the whole day: slot None)."""

    slot: int | None
    trades: int
    traded_wh: int
    min_price: int | None
    mean_price: Fraction | None    # volume-weighted, exact
    max_price: int | None
    in_band: bool                  # every buyer's and seller's price within [feed_in, retail]


def _stats(day: DayRecord, slot: int | None, trades) -> PriceStats:
    trades = list(trades)
    if not trades:
        return PriceStats(slot, 0, 0, None, None, None, True)
    volume = sum(t.quantity_wh for t in trades)
    mean = Fraction(sum(t.quantity_wh * t.price for t in trades), volume) if volume else None
    band = day.tariffs
    return PriceStats(slot, len(trades), volume, min(t.price for t in trades), mean,
                      max(t.price for t in trades),
                      all(band.in_band(t.price) and band.in_band(t.seller_price) for t in trades))


def price_stats(day: DayRecord) -> tuple[PriceStats, ...]:
    """One ``PriceStats`` per slot (slots without trades have None prices)."""
    return tuple(_stats(day, street.slot, street.trades) for street in day.slots)


def day_price_stats(day: DayRecord) -> PriceStats:
    """The same figures over every trade of the day."""
    return _stats(day, None, day.trades)


# --- everything at once ---------------------------------------------------------------

@dataclass(frozen=True)
class DaySummary:
    """The headline figures of a day, for a table or the dashboard's title line."""

    self_sufficiency_permille: int | None
    self_consumption_permille: int | None
    traded_wh: int
    curtailed_wh: int
    community_welfare: int
    fund_received: int
    gains_from_trade_milliunits: int
    peak_utility_import: Peak
    max_loading_permille: int
    token_difference: int
    unconserved_slots: int
    unbalanced_slots: int


def summary(day: DayRecord) -> DaySummary:
    """Every headline KPI of the day in one frozen record."""
    loadings = max_line_loading_permille(day)
    return DaySummary(
        self_sufficiency_permille=permille(self_sufficiency(day)),
        self_consumption_permille=permille(self_consumption(day)),
        traded_wh=sum(street.traded_wh for street in day.slots),
        curtailed_wh=sum(street.curtailed_wh for street in day.slots),
        community_welfare=community_welfare(day), fund_received=fund_received(day),
        gains_from_trade_milliunits=gains_from_trade_milliunits(day),
        peak_utility_import=peak_utility_import(day),
        max_loading_permille=max(loadings.values(), default=0),
        token_difference=token_difference(day),
        unconserved_slots=len(unconserved_slots(day)), unbalanced_slots=len(unbalanced(day)))
