"""Bidding agents: how a household turns its forecast into orders for one slot (chapters 11-12).

Before each slot's gate closure every household is asked for its orders. It sees a
``SlotView``: its forecast of production and use for the slot, its battery, the tariffs,
the slot number, the prices of the slots cleared so far, and a ``random.Random`` that the
simulator passes in (so a run repeats exactly for the same seed). It answers with a list
of ``OrderIntent``: side, Wh and a limit price, all whole numbers. The simulator gives
each intent an order id, the household's address and the slot, and clears the book.

An agent is anything with an ``orders(view)`` method, or a plain function of the view.
Three come with the course:

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

**The dispatch rule the agents plan with** (``dispatch``): after clearing, a household
first uses its own PV and what it bought for its load and what it sold; whatever is left
goes into the battery (within its power and room), the rest to the utility at feed-in;
whatever is missing comes out of the battery (within its power and content), the rest
from the utility at retail. A truthful household therefore runs its battery exactly as
plain self-consumption would (``household.self_consume``), whatever part of its orders
fills.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Protocol, Sequence

from minichain.microgrid.household import Battery, Discharge, SlotBalance, charge, discharge, \
    self_consume
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
    price: int                 # token units per kWh: a buyer's maximum, a seller's minimum
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


@dataclass(frozen=True, eq=False)
class SlotView:
    """What a household knows when it bids for a slot (forecasts, not meter readings)."""

    household: str
    slot: int
    pv_wh: int                          # forecast production in the slot
    load_wh: int                        # forecast use in the slot
    battery: Battery | None             # as it will stand when the slot starts
    tariffs: Tariffs
    recent_prices: tuple[int | None, ...]   # cleared slots so far, oldest first; None = no trade
    rng: random.Random
    slot_seconds: int = SLOT_SECONDS

    @property
    def net_wh(self) -> int:
        """Forecast production minus use: + a surplus, - a shortfall (before the battery)."""
        return self.pv_wh - self.load_wh

    @property
    def last_price(self) -> int | None:
        """The most recent known slot's price (None when it had no trade or nothing is known)."""
        return self.recent_prices[-1] if self.recent_prices else None

    @property
    def band(self) -> int:
        """Width of the tariff band, retail - feed_in, in units per kWh."""
        return self.tariffs.retail - self.tariffs.feed_in

    def residual(self) -> SlotBalance:
        """What plain self-consumption (PV, then battery) would leave to trade: export or import."""
        return self_consume(self.battery, self.pv_wh, self.load_wh, self.slot_seconds)


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
        battery, tariffs = view.battery, view.tariffs
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
        surplus = max(0, view.net_wh)
        shortfall = max(0, -view.net_wh)
        reserve = battery.spec.capacity_wh * self.reserve_permille // 1000
        spare = Battery(battery.spec, max(0, battery.stored_wh - reserve))
        out: Discharge = discharge(spare, spare.stored_wh, view.slot_seconds)
        from_battery = out.delivered_wh
        if shortfall > from_battery:
            return [OrderIntent(BUY, shortfall - from_battery, view.tariffs.retail)]
        to_sell = surplus + from_battery - shortfall
        return [OrderIntent(SELL, to_sell, ask)] if to_sell else []

    def _store(self, view: SlotView, battery: Battery, bid: int) -> list[OrderIntent]:
        if view.net_wh < 0:
            return Truthful().orders(view)
        surplus = view.net_wh
        intake = charge(battery, battery.spec.limit_wh(view.slot_seconds),
                        view.slot_seconds).accepted_wh       # the most it can take this slot
        own = min(surplus, intake)
        if surplus > own:
            return [OrderIntent(SELL, surplus - own, view.tariffs.feed_in)]
        extra = intake - own
        return [OrderIntent(BUY, extra, bid)] if extra else []


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
