"""The energy double auction, off chain: three reference clearing mechanisms (chapter 09).

Each ``clear_<name>(orders, tariffs, ...)`` is a pure function of one slot's order book
and returns a ``Clearing``: the trades, every order's fill, what the utility supplies and
takes, the welfare, and the money each account pays and receives. The on-chain market
contract must give identical results, so every rule is written down here and the code
follows it step by step with integers only.

THE RULES (the contract mirrors these exactly)

1. Book checks (``orders.check_book``), in ascending order id: every item is an ``Order``;
   ids are unique (``DuplicateOrder``); one slot (``MixedSlots``); every price lies in
   [feed_in, retail] (``PriceOutOfBand``). Then the mechanism's own parameters.
2. Merit order: bids by price descending, ties by id ascending; asks by price ascending,
   ties by id ascending (``orders.bid_priority`` / ``ask_priority``).
3. The merit walk (``merit_walk``): take the best open bid and the best open ask; stop if
   either side is used up or bid price < ask price; otherwise trade q = min(remaining bid
   Wh, remaining ask Wh), take q off both, move past whichever order is now empty (both,
   if both are). The pairs come out in walk order; that is the order of ``trades``.
   Matching the highest bids with the lowest asks while bid >= ask maximises welfare for
   divisible orders (an exchange argument: any optimal matching can be rearranged into
   this one without losing welfare).
   **With partner conditions** (``reputation`` given, rule 11) the walk is the
   *conditioned* walk: the bids in merit order each scan the open asks in merit order,
   from the first ask that still has Wh, up to the first ask priced above the bid; the bid
   trades q = min(its Wh left, the ask's Wh left) with every *eligible* ask it meets (the
   ask's owner's score >= the bid's minimum and the bidder's score >= the ask's minimum),
   and passes over the others, which stay in line for later bids. When every pair is
   eligible this is exactly the walk above (same pairs, same order).
4. Money: a trade of q Wh at p µ€/kWh costs ``amount_for(q, p) = q * p // 1000``
   (round down), computed once per trade; the buyer pays it and the seller receives it
   (``units`` module). The ``marginal pair`` is the bid and ask of the last walk pair.
5. Uniform price (k-pricing), ``clear_uniform_price``: with b_m, a_m the prices of the
   marginal pair and k = k_numerator / k_denominator in [0, 1],
   ``price = a_m + (k_numerator * (b_m - a_m)) // k_denominator`` (rounded down, towards
   the ask); every walk pair trades at that one price, *clamped into the pair's own
   limits*: ``min(max(price, ask), bid)``. Without partner conditions the clamp never
   changes anything (every walk pair has ask <= a_m <= price <= b_m <= bid); with them an
   earlier pair can hold an ask above the last one (a bid passed over a cheap ask), and no
   single price can then respect every limit, so that pair trades at its nearest limit.
6. Pay-as-bid, ``clear_pay_as_bid``: every walk pair trades at its bid's price; the seller
   receives exactly what the buyer pays, so no money is left over.
7. McAfee trade reduction, ``clear_mcafee``, generalised to divisible orders at the level
   of orders: let B_k, A_k be the marginal bid and ask (the last walk pair) and B_k+1,
   A_k+1 the orders just after them in merit order (the first that the walk never
   touched). If there is no such bid, b_k+1 = feed_in (the utility always buys at
   feed-in); if there is no such ask, a_k+1 = retail (the utility always sells at retail).
   p0 = (b_k+1 + a_k+1) // 2 (rounded down).
   * If a_k <= p0 <= b_k: every walk pair trades at p0, clamped into the pair's limits as
     in rule 5 (nothing is left over; the clamp only matters with partner conditions).
   * Otherwise the marginal orders B_k and A_k are left out entirely: the merit walk runs
     again over the bids before B_k and the asks before A_k (all of which cross), every
     buyer pays b_k and every seller receives a_k per kWh. Per trade the buyer pays
     ``amount_for(q, b_k)``, the seller receives ``amount_for(q, a_k)``, and the
     difference (>= 0) goes to the surplus account (default ``COMMUNITY_FUND``).
   With unit traders (every order the same size, e.g. 1 kWh) this is McAfee's (1992)
   mechanism exactly, and no trader gains by misreporting its price: whoever sets a price
   does not trade. With orders of different sizes it stays budget-balanced and never
   trades anyone beyond its limit, but it is no longer guaranteed truthful.
8. The utility: every Wh a buy order did not get in the market is sold to its owner at
   the retail tariff, every Wh a sell order did not sell is bought at the feed-in tariff,
   each order's remainder paid as ``amount_for(remainder, tariff)``. These flows are kept
   apart from the market's (``utility_flows`` vs ``market_flows``).
9. Welfare (gains from trade), exact in thousandths of a µ€:
   sum over filled buy orders of price * filled_wh  -  sum over sell orders of the same.
   Utility flows are the outside option and do not count.
10. Outputs are ordered so they never depend on the input order: ``trades`` in walk order,
   ``fills`` by order id, flows by account name (accounts are listed in ``market_flows``
   when they appear in a trade, plus McAfee's surplus account always; in
   ``utility_flows`` when they trade with the utility, plus ``UTILITY`` then).
11. Minimum partner reputation. Without ``reputation`` (the default) ``Order.min_reputation``
   plays no part in clearing; it only filters what a trader is shown
   (``orders.list_orders(reputation=...)``). With ``reputation`` (a mapping from owner to
   score in milli-stars; an owner that is missing scores ``NEWCOMER_SCORE``), a bid and
   an ask may trade only if each owner's score meets the other order's minimum (rule 3's
   conditioned walk), as the market contract does at gate closure. A book in which no
   order sets a minimum clears exactly as without ``reputation``. The marginal pair is
   still the last walk pair, and McAfee's B_k+1, A_k+1 are the orders just after B_k, A_k
   in merit order; the reduced walk of rule 7 is conditioned too. Partner conditions split
   the pool, so a single price cannot always respect every limit (rule 5's clamp), and
   McAfee loses its truthfulness for conditioned books.

Money is conserved exactly: buyers' market payments = sellers' market receipts + surplus,
and what traders pay the utility and the utility pays them balance the utility's account.
Limits hold after rounding too: a buyer never pays more than exactly q * bid / 1000, and a
seller never receives less than q * ask // 1000.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

from minichain.market.orders import (BUY, SELL, Order, Tariffs, ask_priority, bid_priority,
                                     check_book)
from minichain.market.reputation import NEWCOMER_SCORE
from minichain.market.trades import Trade
from minichain.market.units import amount_for
from minichain.errors import InvalidAuctionParameter

Eligible = Callable[[Order, Order], bool]      # may this bid trade with this ask?

UTILITY = "utility"                # the grid's account in utility_flows
COMMUNITY_FUND = "community-fund"  # where McAfee's budget surplus goes unless told otherwise

UNIFORM_PRICE = "uniform-price"
PAY_AS_BID = "pay-as-bid"
MCAFEE = "mcafee"
# What people call them, for pictures, tables and reports.
MECHANISM_NAMES = {UNIFORM_PRICE: "uniform price", PAY_AS_BID: "pay as bid",
                   MCAFEE: "McAfee's trade reduction"}


@dataclass(frozen=True)
class Fill:
    """How one order came out: Wh traded in the market, the rest with the utility."""

    order_id: int
    owner: str
    side: str
    quantity_wh: int
    filled_wh: int        # traded with neighbours
    market_amount: int    # paid (buy) or received (sell) in those trades
    utility_wh: int       # quantity_wh - filled_wh, bought from / sold to the utility
    utility_amount: int   # paid at retail (buy) or received at feed-in (sell)


@dataclass(frozen=True)
class Flow:
    """Money one account pays and receives in a clearing."""

    account: str
    paid: int
    received: int

    @property
    def net(self) -> int:
        """What the account gains (negative when it pays more than it receives)."""
        return self.received - self.paid


@dataclass(frozen=True)
class Clearing:
    """The outcome of clearing one slot's book with one mechanism."""

    mechanism: str
    slot: int | None            # None for an empty book
    tariffs: Tariffs
    price: int | None           # the one price of uniform price / McAfee's p0; else None
    trades: tuple[Trade, ...]   # in walk order
    fills: tuple[Fill, ...]     # one per order, by order id
    traded_wh: int
    utility_import_wh: int      # demand the market left unmet: the utility sells it at retail
    utility_export_wh: int      # supply the market left unsold: the utility buys it at feed-in
    welfare_milliunits: int     # gains from trade, exact, in thousandths of a µ€
    surplus: int                # McAfee's budget surplus, µ€ (0 for the others)
    surplus_account: str | None
    market_flows: tuple[Flow, ...]   # traders and the surplus account, by account
    utility_flows: tuple[Flow, ...]  # traders and UTILITY, by account

    def fill(self, order_id: int) -> Fill:
        """The fill of one order, found by its id."""
        index = bisect.bisect_left(self.fills, order_id, key=lambda fill: fill.order_id)
        if index == len(self.fills) or self.fills[index].order_id != order_id:
            raise KeyError(f"order {order_id} is not in this clearing")
        return self.fills[index]

    def net(self, account: str) -> int:
        """Everything an account gains in this clearing, market and utility together."""
        return sum(flow.net for flow in self.market_flows + self.utility_flows
                   if flow.account == account)


# --- the shared steps ------------------------------------------------------------------

def merit_order(orders: Iterable[Order]) -> tuple[list[Order], list[Order]]:
    """Bids best first (price down, id up) and asks best first (price up, id up)."""
    bids = sorted((order for order in orders if order.side == BUY), key=bid_priority)
    asks = sorted((order for order in orders if order.side == SELL), key=ask_priority)
    return bids, asks


def merit_walk(bids: Sequence[Order], asks: Sequence[Order],
               eligible: Eligible | None = None) -> list[tuple[int, int, int]]:
    """Match best bid with best ask while bid >= ask: (bid index, ask index, Wh) per pair.

    With ``eligible`` it is the conditioned walk of rule 3 (``conditioned_walk``).
    """
    if eligible is not None:
        return conditioned_walk(bids, asks, eligible)
    pairs: list[tuple[int, int, int]] = []
    i = j = 0
    bid_left = bids[0].quantity_wh if bids else 0
    ask_left = asks[0].quantity_wh if asks else 0
    while i < len(bids) and j < len(asks):
        if bids[i].price < asks[j].price:
            break
        quantity = min(bid_left, ask_left)
        pairs.append((i, j, quantity))
        bid_left -= quantity
        ask_left -= quantity
        if bid_left == 0:
            i += 1
            bid_left = bids[i].quantity_wh if i < len(bids) else 0
        if ask_left == 0:
            j += 1
            ask_left = asks[j].quantity_wh if j < len(asks) else 0
    return pairs


def conditioned_walk(bids: Sequence[Order], asks: Sequence[Order],
                     eligible: Eligible) -> list[tuple[int, int, int]]:
    """Each bid in merit order scans the open asks it crosses and trades with the eligible ones."""
    pairs: list[tuple[int, int, int]] = []
    ask_left = [ask.quantity_wh for ask in asks]
    first = 0                                   # asks before this one have no Wh left
    for i, bid in enumerate(bids):
        while first < len(asks) and ask_left[first] == 0:
            first += 1
        bid_left = bid.quantity_wh
        j = first
        while bid_left > 0 and j < len(asks) and asks[j].price <= bid.price:
            if ask_left[j] > 0 and eligible(bid, asks[j]):
                quantity = min(bid_left, ask_left[j])
                pairs.append((i, j, quantity))
                bid_left -= quantity
                ask_left[j] -= quantity
            j += 1
    return pairs


def partner_rule(reputation: Mapping[str, int] | None) -> Eligible | None:
    """Rule 11: both owners' scores meet the other order's minimum (None: no conditions)."""
    if reputation is None:
        return None

    def eligible(bid: Order, ask: Order) -> bool:
        return (reputation.get(ask.owner, NEWCOMER_SCORE) >= bid.min_reputation
                and reputation.get(bid.owner, NEWCOMER_SCORE) >= ask.min_reputation)
    return eligible


def within_limits(price: int, bid: Order, ask: Order) -> int:
    """``price`` clamped into [ask's price, bid's price] (a no-op without partner conditions)."""
    return min(max(price, ask.price), bid.price)


def k_price(bid_price: int, ask_price: int, k_numerator: int, k_denominator: int) -> int:
    """ask + k * (bid - ask), rounded down (towards the ask)."""
    return ask_price + (k_numerator * (bid_price - ask_price)) // k_denominator


def _trade(bid: Order, ask: Order, quantity: int, price: int, seller_price: int) -> Trade:
    """One trade of the walk; its amounts follow from the one rounding rule (rule 4)."""
    return Trade(buyer=bid.owner, seller=ask.owner, quantity_wh=quantity, price=price,
                 seller_price=seller_price, buy_order=bid.id, sell_order=ask.id, slot=bid.slot)


def _add(book: dict[str, list[int]], account: str, paid: int, received: int) -> None:
    """Add to an account's running [paid, received] totals."""
    entry = book.get(account)
    if entry is None:
        book[account] = [paid, received]
    else:
        entry[0] += paid
        entry[1] += received


def _flows(book: dict[str, list[int]]) -> tuple[Flow, ...]:
    """Running totals as flows sorted by account, so the order never depends on the input."""
    return tuple(Flow(account, book[account][0], book[account][1]) for account in sorted(book))


def settle(mechanism: str, slot: int | None, tariffs: Tariffs, orders: Sequence[Order],
           trades: list[Trade], price: int | None,
           surplus_account: str | None = None) -> Clearing:
    """Turn a mechanism's trades into fills, utility flows, welfare and money flows."""
    filled: dict[int, int] = {}
    market_amount: dict[int, int] = {}
    market: dict[str, list[int]] = {}
    surplus = 0
    for trade in trades:
        filled[trade.buy_order] = filled.get(trade.buy_order, 0) + trade.quantity_wh
        filled[trade.sell_order] = filled.get(trade.sell_order, 0) + trade.quantity_wh
        market_amount[trade.buy_order] = market_amount.get(trade.buy_order, 0) + trade.amount
        market_amount[trade.sell_order] = (market_amount.get(trade.sell_order, 0)
                                             + trade.seller_amount)
        _add(market, trade.buyer, trade.amount, 0)
        _add(market, trade.seller, 0, trade.seller_amount)
        surplus += trade.amount - trade.seller_amount
    if surplus_account is not None:
        _add(market, surplus_account, 0, surplus)

    fills: list[Fill] = []
    utility: dict[str, list[int]] = {}
    welfare = traded = imported = exported = 0
    for order in sorted(orders, key=lambda order: order.id):
        got = filled.get(order.id, 0)
        rest = order.quantity_wh - got
        if order.side == BUY:
            traded += got
            welfare += order.price * got
            imported += rest
            rest_amount = amount_for(rest, tariffs.retail)
            if rest:
                _add(utility, order.owner, rest_amount, 0)
                _add(utility, UTILITY, 0, rest_amount)
        else:
            welfare -= order.price * got
            exported += rest
            rest_amount = amount_for(rest, tariffs.feed_in)
            if rest:
                _add(utility, order.owner, 0, rest_amount)
                _add(utility, UTILITY, rest_amount, 0)
        fills.append(Fill(order.id, order.owner, order.side, order.quantity_wh, got,
                          market_amount.get(order.id, 0), rest, rest_amount))

    return Clearing(mechanism=mechanism, slot=slot, tariffs=tariffs, price=price,
                    trades=tuple(trades), fills=tuple(fills), traded_wh=traded,
                    utility_import_wh=imported, utility_export_wh=exported,
                    welfare_milliunits=welfare, surplus=surplus,
                    surplus_account=surplus_account, market_flows=_flows(market),
                    utility_flows=_flows(utility))


def _check_k(k_numerator: int, k_denominator: int) -> None:
    """Refuse a k that is not a fraction in [0, 1]."""
    for name, value in (("k_numerator", k_numerator), ("k_denominator", k_denominator)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidAuctionParameter(f"{name} must be a whole number, got {value!r}")
    if k_denominator <= 0 or not 0 <= k_numerator <= k_denominator:
        raise InvalidAuctionParameter(
            f"k = {k_numerator}/{k_denominator} must be a fraction in [0, 1] with a positive "
            "denominator (0 = the ask's price, 1 = the bid's price)")


# --- the mechanisms --------------------------------------------------------------------

def clear_uniform_price(orders: Iterable[Order], tariffs: Tariffs, k_numerator: int = 1,
                        k_denominator: int = 2,
                        reputation: Mapping[str, int] | None = None) -> Clearing:
    """Everyone trades at one price set between the marginal bid and ask (rule 5)."""
    orders = tuple(orders)
    slot = check_book(orders, tariffs)
    _check_k(k_numerator, k_denominator)
    bids, asks = merit_order(orders)
    pairs = merit_walk(bids, asks, partner_rule(reputation))
    if not pairs:
        return settle(UNIFORM_PRICE, slot, tariffs, orders, [], None)
    last_bid, last_ask, _ = pairs[-1]
    price = k_price(bids[last_bid].price, asks[last_ask].price, k_numerator, k_denominator)
    trades = []
    for i, j, quantity in pairs:
        pair_price = within_limits(price, bids[i], asks[j])
        trades.append(_trade(bids[i], asks[j], quantity, pair_price, pair_price))
    return settle(UNIFORM_PRICE, slot, tariffs, orders, trades, price)


def clear_pay_as_bid(orders: Iterable[Order], tariffs: Tariffs,
                     reputation: Mapping[str, int] | None = None) -> Clearing:
    """Each merit-order pair trades at its bid's price; the seller gets all of it (rule 6)."""
    orders = tuple(orders)
    slot = check_book(orders, tariffs)
    bids, asks = merit_order(orders)
    trades = [_trade(bids[i], asks[j], quantity, bids[i].price, bids[i].price)
              for i, j, quantity in merit_walk(bids, asks, partner_rule(reputation))]
    return settle(PAY_AS_BID, slot, tariffs, orders, trades, None)


def clear_mcafee(orders: Iterable[Order], tariffs: Tariffs,
                 surplus_account: str = COMMUNITY_FUND,
                 reputation: Mapping[str, int] | None = None) -> Clearing:
    """McAfee's trade reduction: truthful for unit traders, surplus to a named account (rule 7)."""
    orders = tuple(orders)
    slot = check_book(orders, tariffs)
    if not isinstance(surplus_account, str) or not surplus_account:
        raise InvalidAuctionParameter(f"surplus_account must be a non-empty account name, "
                                      f"got {surplus_account!r}")
    eligible = partner_rule(reputation)
    bids, asks = merit_order(orders)
    pairs = merit_walk(bids, asks, eligible)
    if not pairs:
        return settle(MCAFEE, slot, tariffs, orders, [], None, surplus_account)
    k_bids, k_asks = pairs[-1][0] + 1, pairs[-1][1] + 1   # up to the marginal pair
    bid_k, ask_k = bids[k_bids - 1].price, asks[k_asks - 1].price
    bid_next = bids[k_bids].price if k_bids < len(bids) else tariffs.feed_in
    ask_next = asks[k_asks].price if k_asks < len(asks) else tariffs.retail
    candidate = (bid_next + ask_next) // 2
    if ask_k <= candidate <= bid_k:
        trades = []
        for i, j, quantity in pairs:
            pair_price = within_limits(candidate, bids[i], asks[j])
            trades.append(_trade(bids[i], asks[j], quantity, pair_price, pair_price))
        return settle(MCAFEE, slot, tariffs, orders, trades, candidate, surplus_account)
    reduced = merit_walk(bids[:k_bids - 1], asks[:k_asks - 1], eligible)
    trades = [_trade(bids[i], asks[j], quantity, bid_k, ask_k) for i, j, quantity in reduced]
    return settle(MCAFEE, slot, tariffs, orders, trades, None, surplus_account)


MECHANISMS: dict[str, Callable[..., Clearing]] = {
    UNIFORM_PRICE: clear_uniform_price,
    PAY_AS_BID: clear_pay_as_bid,
    MCAFEE: clear_mcafee,
}


def clear(mechanism: str, orders: Iterable[Order], tariffs: Tariffs, **options) -> Clearing:
    """Clear a book with a mechanism named in ``MECHANISMS`` (for notebooks and the simulator)."""
    if mechanism not in MECHANISMS:
        raise InvalidAuctionParameter(f"unknown mechanism {mechanism!r}; choose from "
                                      f"{sorted(MECHANISMS)}")
    return MECHANISMS[mechanism](orders, tariffs, **options)
