"""Bidding agents: how a household turns what it knows into orders for one slot (chapters 11-12).

Before each slot's gate closure every household is asked for its orders. It sees a
``SlotView``, which holds only what a household can know at that moment (chapter 12):

* the runner posts the orders for slot ``s`` at the gate closure of slot ``s - 1``, which
  is when slot ``now = s - 2`` starts. So the household knows its battery as it stands
  *now*, its own meter readings of the slots that have ended (``0 .. now - 1``), and what
  it already traded for the slots between ``now`` and ``s`` (``committed``: they are
  cleared, their delivery is still to come);
* its **day-ahead forecast** of its own PV and use for every slot of the day, made before
  the day from its own past and the day-ahead weather forecast (``forecast.dayahead``);
  never the truth of the slot it bids for;
* the public market: the prices of the slots cleared so far; the tariffs; the calendar.

``SlotView.expected_battery`` runs its battery from now to the start of the slot with the
forecast and the trades committed; ``SlotView.residual`` is what plain self-consumption
(PV, then battery) would then leave to trade in the slot. The truth (the slot's real PV
and use) is used only for delivery and settlement: the meters measure it, and a seller
that offered more than it made pays for the shortfall (docs/market_rules.md).

An agent is anything with an ``orders(view)`` method, or a plain function of the view.
It answers with a list of ``OrderIntent``: side, Wh and a limit price, all whole numbers;
the simulator gives each intent an order id, the household's address and the slot, and
clears the book. The course's agents:

* ``Truthful``: trades exactly what self-consumption leaves over (``SlotView.residual``),
  and bids its real value: it buys its shortfall at the retail tariff (what the energy is
  worth to it: the utility would charge that) and offers its surplus at the feed-in tariff
  (what the utility would pay it anyway).
* ``PriceRamp``: the same quantities, but it starts ambitious (sellers ask near retail,
  buyers bid near feed-in) and gives way slot by slot through the day until it bids its
  truthful value (buyers retail, sellers feed-in), with optional seeded jitter.
* ``BatteryAware``: a battery owner that watches the last clearing price. When the price
  is low it stores its surplus and even buys cheap energy to fill the battery; when it is
  high (or nobody sold last time, so buyers pay retail) it sells from the battery on top
  of its surplus, keeping a reserve for itself.
* ``PerfectForesight``: for comparison only, never a default. It is handed the truth of
  its own day when it is built and shows it to the agent it wraps in place of the
  forecast: what bidding would achieve with a crystal ball.

``day.planner.Planner`` (chapter 12) plans the day from the forecast.

**The dispatch rule the agents plan with** (``dispatch``): after clearing, a household
first uses its own PV and what it bought for its load and what it sold; whatever is left
goes into the battery (within its power and room), the rest to the utility at feed-in;
whatever is missing comes out of the battery (within its power and content), the rest
from the utility at retail. A truthful household whose forecast is right therefore runs
its battery exactly as plain self-consumption would (``household.self_consume``),
whatever part of its orders fills; when the forecast is wrong, the battery and the
utility take the difference.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Iterable, Protocol, Sequence

from minichain import cast
from minichain.microgrid.household import Battery, Discharge, HouseholdDay, SlotBalance, \
    charge, discharge, self_consume
from minichain.market.orders import BUY, SELL, SIDES, Order, Tariffs
from minichain.microgrid.profiles import SLOT_SECONDS
from minichain.errors import EnergyModelError, InvalidOrder, PriceOutOfBand


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- what an agent sees and says ------------------------------------------------------

@dataclass(frozen=True)
class OrderIntent:
    """What an agent wants to trade in the slot: side, Wh and limit price (whole numbers)."""

    side: str
    quantity_wh: int
    price: int                 # µ€ per kWh: a buyer's maximum, a seller's minimum
    min_reputation: int = 0

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise InvalidOrder(f"side must be 'buy' or 'sell' (orders.BUY / orders.SELL), "
                               f"got {self.side!r}")
        for name in ("quantity_wh", "price", "min_reputation"):
            value = getattr(self, name)
            if not _is_int(value):
                raise InvalidOrder(f"{name} must be a whole number (use // to divide), "
                                   f"got {value!r}")
        if self.quantity_wh <= 0:
            raise InvalidOrder(f"quantity_wh must be > 0 (leave the order out instead), "
                               f"got {self.quantity_wh}")
        if self.price < 0 or self.min_reputation < 0:
            raise InvalidOrder(f"price and min_reputation must be >= 0, got {self.price} "
                               f"and {self.min_reputation}")

    def to_order(self, order_id: int, owner: str, slot: int) -> Order:
        """The full order once the market has given it an id, an owner and a slot."""
        return Order(order_id, owner, self.side, self.quantity_wh, self.price, slot,
                     self.min_reputation)


@dataclass(frozen=True)
class Commitment:
    """What a household already traded for one slot: cleared, delivery still to come."""

    slot: int
    bought_wh: int
    sold_wh: int


@dataclass(frozen=True, eq=False)
class SlotView:
    """What a household knows when it bids for a slot: its forecasts and its past, never the slot's truth."""

    household: str
    slot: int                           # the slot it bids for
    now: int                            # the slot that starts as it bids (slot - 2 in a day)
    day: date                           # the calendar: the date of the day it trades in
    forecast: HouseholdDay              # its day-ahead forecast: PV and use, every slot (Wh)
    readings: HouseholdDay              # its meters: PV and use of slots 0 .. now - 1 (ended)
    battery_now: Battery | None         # its battery at the start of slot ``now``
    committed: tuple[Commitment, ...]   # its trades for slots now .. slot - 1, in slot order
    tariffs: Tariffs
    recent_prices: tuple[int | None, ...]   # cleared slots so far, oldest first; None = no trade
    rng: random.Random
    slot_seconds: int = SLOT_SECONDS

    @classmethod
    def sketch(cls, household: str, slot: int, forecast_pv_wh: int, forecast_load_wh: int,
               battery: Battery | None, tariffs: Tariffs,
               recent_prices: Sequence[int | None] = (), seed: int = 0,
               day: date = cast.DAY) -> "SlotView":
        """A view to try an agent by hand: one slot's forecast, the battery as the slot starts."""
        blank = (0,) * slot
        forecast = HouseholdDay(blank + (forecast_pv_wh,), blank + (forecast_load_wh,))
        return cls(household, slot, slot, day, forecast, HouseholdDay((), ()), battery, (),
                   tariffs, tuple(recent_prices), random.Random(seed))

    @property
    def forecast_pv_wh(self) -> int:
        """Its forecast of its own production in the slot it bids for."""
        return self.forecast.pv_wh[self.slot]

    @property
    def forecast_load_wh(self) -> int:
        """Its forecast of its own use in the slot it bids for."""
        return self.forecast.load_wh[self.slot]

    @property
    def forecast_net_wh(self) -> int:
        """Forecast production minus use: + a surplus, - a shortfall (before the battery)."""
        return self.forecast_pv_wh - self.forecast_load_wh

    @property
    def last_price(self) -> int | None:
        """The most recent known slot's price (None when it had no trade or nothing is known)."""
        return self.recent_prices[-1] if self.recent_prices else None

    @property
    def band(self) -> int:
        """Width of the tariff band, retail - feed_in, in units per kWh."""
        return self.tariffs.retail - self.tariffs.feed_in

    def expected_battery(self) -> Battery | None:
        """The battery it expects when the slot starts: from now, by the forecast and its trades."""
        battery = self.battery_now
        if battery is None:
            return None
        for deal in self.committed:
            home = dispatch(battery, self.forecast.pv_wh[deal.slot],
                            self.forecast.load_wh[deal.slot], deal.bought_wh, deal.sold_wh,
                            self.slot_seconds)
            battery = home.battery
        return battery

    def residual(self) -> SlotBalance:
        """What plain self-consumption (PV, then battery) would leave to trade, by the forecast."""
        return self_consume(self.expected_battery(), self.forecast_pv_wh,
                            self.forecast_load_wh, self.slot_seconds)

    def with_forecast(self, forecast: HouseholdDay) -> "SlotView":
        """The same view with another forecast: one an agent updated, or the truth
        (``PerfectForesight`` alone has that)."""
        return dataclasses.replace(self, forecast=forecast)


class Agent(Protocol):
    """Anything that answers a ``SlotView`` with orders (a plain function works too)."""

    def orders(self, view: SlotView) -> Sequence[OrderIntent]: ...


def agent_name(agent: Any) -> str:
    """A short name for tables and figures: the agent's ``name``, or its function name."""
    name = getattr(agent, "name", None)
    if isinstance(name, str) and name:
        return name
    return getattr(agent, "__name__", type(agent).__name__)


def orders_for(agent: Agent | Callable[[SlotView], Iterable[OrderIntent]],
               view: SlotView) -> tuple[OrderIntent, ...]:
    """Ask an agent (object or function) for its orders and check them before they go out.

    Checks: each item is an ``OrderIntent``; its price lies in the tariff band; the
    household does not both buy and sell in one slot (the market refuses an order
    opposite one's own).
    """
    ask = getattr(agent, "orders", None)
    answer = ask(view) if callable(ask) else agent(view)
    if answer is None:
        return ()
    intents = tuple(answer)
    who = f"agent {agent_name(agent)!r} for {view.household} in slot {view.slot}"
    for intent in intents:
        if not isinstance(intent, OrderIntent):
            raise InvalidOrder(f"{who} returned {intent!r}; expected a list of OrderIntent"
                               "(side, quantity_wh, price)")
        if not view.tariffs.in_band(intent.price):
            raise PriceOutOfBand(f"{who} asked for price {intent.price}; expected between the "
                                 f"feed-in tariff {view.tariffs.feed_in} and the retail tariff "
                                 f"{view.tariffs.retail}")
    if len({intent.side for intent in intents}) > 1:
        raise InvalidOrder(f"{who} wants to buy and sell in the same slot; a household may "
                           "not trade with itself: net the two into one side")
    return intents


def band_price(tariffs: Tariffs, permille: int) -> int:
    """The price ``permille`` of the way from feed-in (0) to retail (1000), rounded down."""
    if not _is_int(permille) or not 0 <= permille <= 1000:
        raise EnergyModelError(f"a position in the tariff band is 0..1000 per mille, "
                               f"got {permille!r}")
    return tariffs.feed_in + (tariffs.retail - tariffs.feed_in) * permille // 1000


def _truthful_quantities(view: SlotView) -> tuple[int, int]:
    """(Wh to sell, Wh to buy) that self-consumption leaves over; at most one is non-zero."""
    balance = view.residual()
    return balance.export_wh, balance.import_wh


# --- the agents -----------------------------------------------------------------------

@dataclass(frozen=True)
class Truthful:
    """Bids its real value: buys its shortfall at retail, offers its surplus at feed-in."""

    name: str = "truthful"

    def orders(self, view: SlotView) -> list[OrderIntent]:
        sell, buy = _truthful_quantities(view)
        if sell:
            return [OrderIntent(SELL, sell, view.tariffs.feed_in)]
        if buy:
            return [OrderIntent(BUY, buy, view.tariffs.retail)]
        return []


@dataclass(frozen=True)
class PriceRamp:
    """Starts ambitious and gives way through the day until it bids its truthful value.

    Ambition ``a`` (per mille of the band) is ``ambition_permille`` up to ``start_slot``,
    then falls linearly to 0 over ``ramp_slots`` slots:
    ``gone = min(ramp_slots, max(0, slot - start_slot))``,
    ``a = ambition_permille * (ramp_slots - gone) // ramp_slots``.
    A seller asks ``feed_in + band * a // 1000``, a buyer bids ``retail - band * a // 1000``.
    With ``jitter_permille`` > 0 each price moves towards its truthful value by a random
    0..``band * jitter_permille // 1000`` units drawn from the view's ``rng``.
    """

    ambition_permille: int = 800
    start_slot: int = 28           # 07:00
    ramp_slots: int = 40           # ten hours: truthful from 17:00
    jitter_permille: int = 0
    name: str = "price-ramp"

    def __post_init__(self) -> None:
        for field in ("ambition_permille", "jitter_permille"):
            value = getattr(self, field)
            if not _is_int(value) or not 0 <= value <= 1000:
                raise EnergyModelError(f"{field} must be 0..1000, got {value!r}")
        if not _is_int(self.start_slot) or self.start_slot < 0:
            raise EnergyModelError(f"start_slot must be a whole number >= 0, "
                                   f"got {self.start_slot!r}")
        if not _is_int(self.ramp_slots) or self.ramp_slots <= 0:
            raise EnergyModelError(f"ramp_slots must be a whole number > 0, "
                                   f"got {self.ramp_slots!r}")

    def ambition(self, slot: int) -> int:
        """How far from its truthful value it still bids in ``slot``, per mille of the band."""
        gone = min(self.ramp_slots, max(0, slot - self.start_slot))
        return self.ambition_permille * (self.ramp_slots - gone) // self.ramp_slots

    def orders(self, view: SlotView) -> list[OrderIntent]:
        sell, buy = _truthful_quantities(view)
        if not sell and not buy:
            return []
        markup = view.band * self.ambition(view.slot) // 1000
        jitter = view.band * self.jitter_permille // 1000
        if jitter:
            markup = max(0, markup - view.rng.randint(0, jitter))
        if sell:
            return [OrderIntent(SELL, sell, view.tariffs.feed_in + markup)]
        return [OrderIntent(BUY, buy, view.tariffs.retail - markup)]


@dataclass(frozen=True)
class BatteryAware:
    """Stores surplus when the market price is low, sells from the battery when it is high.

    The reference is the last known slot price (``view.last_price``); a slot without a
    trade, or no history yet, counts as retail: with nobody selling, buyers pay the
    utility's price. ``low = band_price(low_permille)``, ``high = band_price(high_permille)``.
    Its battery is the one it expects when the slot starts (``view.expected_battery``),
    its surplus or shortfall the forecast's.

    * reference <= low: plain self-consumption, and when PV covers the load it also
      **buys** the battery's remaining intake for this slot at ``low`` (cheap energy
      stored for later: worth it while ``low`` is below retail x efficiency). Surplus
      the battery cannot take is offered at feed-in.
    * reference >= high: it **sells** its PV surplus plus what the battery can deliver in
      this slot beyond its own shortfall and above ``reserve_permille`` of capacity, at
      ``high``; any shortfall the battery leaves is bought at retail.
    * in between, or without a battery: truthful.

    Quantities follow ``dispatch``, so what it sells the battery can really deliver.
    """

    low_permille: int = 500
    high_permille: int = 700
    reserve_permille: int = 200
    name: str = "battery-aware"

    def __post_init__(self) -> None:
        for field in ("low_permille", "high_permille", "reserve_permille"):
            value = getattr(self, field)
            if not _is_int(value) or not 0 <= value <= 1000:
                raise EnergyModelError(f"{field} must be 0..1000, got {value!r}")
        if self.low_permille >= self.high_permille:
            raise EnergyModelError(f"low_permille ({self.low_permille}) must be below "
                                   f"high_permille ({self.high_permille})")

    def reference(self, view: SlotView) -> int:
        """The price it expects: the last known slot price, retail when there was no trade."""
        last = view.last_price
        return view.tariffs.retail if last is None else last

    def orders(self, view: SlotView) -> list[OrderIntent]:
        battery, tariffs = view.expected_battery(), view.tariffs
        if battery is None:
            return Truthful().orders(view)
        reference = self.reference(view)
        low = band_price(tariffs, self.low_permille)
        high = band_price(tariffs, self.high_permille)
        if reference >= high:
            return self._sell_from_battery(view, battery, high)
        if reference <= low:
            return self._store(view, battery, low)
        return Truthful().orders(view)

    def _sell_from_battery(self, view: SlotView, battery: Battery, ask: int) -> list[OrderIntent]:
        surplus = max(0, view.forecast_net_wh)
        shortfall = max(0, -view.forecast_net_wh)
        reserve = battery.spec.capacity_wh * self.reserve_permille // 1000
        spare = Battery(battery.spec, max(0, battery.stored_wh - reserve))
        out: Discharge = discharge(spare, spare.stored_wh, view.slot_seconds)
        from_battery = out.delivered_wh
        if shortfall > from_battery:
            return [OrderIntent(BUY, shortfall - from_battery, view.tariffs.retail)]
        to_sell = surplus + from_battery - shortfall
        return [OrderIntent(SELL, to_sell, ask)] if to_sell else []

    def _store(self, view: SlotView, battery: Battery, bid: int) -> list[OrderIntent]:
        if view.forecast_net_wh < 0:
            return Truthful().orders(view)
        surplus = view.forecast_net_wh
        intake = charge(battery, battery.spec.limit_wh(view.slot_seconds),
                        view.slot_seconds).accepted_wh       # the most it can take this slot
        own = min(surplus, intake)
        if surplus > own:
            return [OrderIntent(SELL, surplus - own, view.tariffs.feed_in)]
        extra = intake - own
        return [OrderIntent(BUY, extra, bid)] if extra else []


@dataclass(frozen=True)
class PerfectForesight:
    """For comparison only: the agent it wraps sees the truth of its day instead of a forecast.

    It is handed ``truth`` (the household's real PV and use, slot by slot) when it is
    built, and shows it to ``agent`` in place of the forecast (``SlotView.with_forecast``): its
    battery as the slot starts is then exactly right too. No household has this; it says
    how much better bidding could be with a crystal ball, so no scenario uses it.
    """

    truth: HouseholdDay
    agent: Any = Truthful()
    name: str = "perfect foresight"

    def orders(self, view: SlotView) -> tuple[OrderIntent, ...]:
        if len(self.truth.pv_wh) != len(view.forecast.pv_wh):
            raise EnergyModelError(f"perfect foresight was handed {len(self.truth.pv_wh)} slots "
                                   f"of truth for a day of {len(view.forecast.pv_wh)} slots")
        return orders_for(self.agent, view.with_forecast(self.truth))


# --- after the clearing ---------------------------------------------------------------

@dataclass(frozen=True)
class Dispatch:
    """One slot behind the meter once the market has cleared (``dispatch``).

    Balance (exact): pv + discharged + bought + import = load + charged + sold + export,
    with ``charged_wh`` = stored + ``loss_wh``.
    """

    battery: Battery | None
    charged_wh: int
    loss_wh: int
    discharged_wh: int
    import_wh: int      # from the utility, beyond what was bought in the market
    export_wh: int      # to the utility, beyond what was sold in the market


def dispatch(battery: Battery | None, pv_wh: int, load_wh: int, bought_wh: int, sold_wh: int,
             slot_seconds: int = SLOT_SECONDS) -> Dispatch:
    """Run the home for a slot after clearing: commitments first, then battery, then utility."""
    for name, value in (("pv_wh", pv_wh), ("load_wh", load_wh), ("bought_wh", bought_wh),
                        ("sold_wh", sold_wh)):
        if not _is_int(value) or value < 0:
            raise EnergyModelError(f"{name} must be a whole number of Wh >= 0, got {value!r}")
    left = pv_wh + bought_wh - load_wh - sold_wh
    charged = loss = discharged = 0
    if battery is not None and left > 0:
        result = charge(battery, left, slot_seconds)
        battery, charged, loss = result.battery, result.accepted_wh, result.loss_wh
        left -= charged
    elif battery is not None and left < 0:
        result = discharge(battery, -left, slot_seconds)
        battery, discharged = result.battery, result.delivered_wh
        left += discharged
    return Dispatch(battery, charged, loss, discharged, max(0, -left), max(0, left))
