"""Pictures of the energy double auction: the book as curves, who gains, who may lie (chapter 09).

Pure figure builders over a slot's order book (``market.orders.Order``) and its
``market.auction.Clearing``; each returns a ``plotly.graph_objects.Figure`` and is tested
as data.

* ``supply_demand_figure``: the bids as a falling demand staircase and the asks as a
  rising supply staircase (merit order, kWh on the x axis), the tariff band the utility
  closes at both ends (it sells any shortfall at retail and buys any surplus at feed-in),
  a grey bar where the merit walk ends, from the marginal ask to the marginal bid (every
  single price on it clears the book: k-pricing picks one), and, for a clearing, the
  price each trade's buyer pays (and its seller receives, where that differs) with a
  diamond at a single clearing price.
* ``welfare_figure``: the same book cleared several ways, side by side: the gains from
  trade split into what buyers, sellers and the community fund keep, and what was lost
  against the best of them.
* ``truthfulness_figure``: one trader's gain for every price it could report, one line
  per mechanism (``report_gains`` computes the points): under uniform price a buyer gains
  by shading its bid; under McAfee's trade reduction the truth is a best reply.

Prices are whole µ€ per kWh in the book; the pictures show them in ct/kWh, as tariffs are
quoted. Gains are exact, in thousandths of a µ€ (``q * p``), as
``Clearing.welfare_milliunits`` is; the pictures show them in cents. They leave out
rounding: a payment is rounded down once per trade, by less than one µ€.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Mapping, Sequence

import plotly.graph_objects as go

from minichain.market.auction import MECHANISM_NAMES, Clearing, clear, merit_order, merit_walk
from minichain.market.orders import BUY, Order, Tariffs
from minichain.market.units import MICRO_PER_CENT, format_price
from minichain.errors import InvalidOrder
from minichain.viz.style import FONT, lay_out


DEMAND = "#1f77b4"
SUPPLY = "#e8710a"
RETAIL = "#d73027"
FEED_IN = "#4575b4"
CLEARING = "#222222"
MARGIN_BAND = "rgba(90, 90, 90, 0.45)"
BUYERS = "#1f77b4"
SELLERS = "#e8710a"
FUND = "#1a9850"
LOST = "#bdbdbd"
LINE_COLOURS = ("#d73027", "#1a9850", "#1f77b4", "#7b3294", "#e8710a")


def _layout(figure: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    return lay_out(figure, title, x_title, y_title)


def _kwh(wh: int) -> float:
    return wh / 1000


def _ct(price: int) -> float:
    """A price in µ€ per kWh as cents per kWh, for an axis."""
    return price / MICRO_PER_CENT


def _gain_ct(milli: int) -> float:
    """A gain in thousandths of a µ€ as cents, for an axis."""
    return milli / (1000 * MICRO_PER_CENT)


def _name(address: str, names: Mapping[str, str] | None) -> str:
    return (names or {}).get(address, address[:8] + "…")


# --- the book as supply and demand -----------------------------------------------------

def staircase(orders: Sequence[Order]) -> tuple[list[float], list[float]]:
    """Points of a step curve for orders already in merit order: x in kWh, y the price in ct/kWh.

    Each order is one step as wide as its quantity; drawn with ``line_shape="hv"`` the
    curve runs flat at each order's price across its kWh. The last price is repeated at
    the end so that the last step has its width.
    """
    xs, ys, total = [], [], 0
    for order in orders:
        xs.append(_kwh(total))
        ys.append(_ct(order.price))
        total += order.quantity_wh
    if orders:
        xs.append(_kwh(total))
        ys.append(_ct(orders[-1].price))
    return xs, ys


def marginal_pair(orders: Iterable[Order]) -> tuple[int, int, int] | None:
    """The merit walk's Wh and its marginal bid's and ask's prices, or None if nothing crosses."""
    bids, asks = merit_order(orders)
    walk = merit_walk(bids, asks)
    if not walk:
        return None
    last_bid, last_ask, _ = walk[-1]
    return sum(wh for _, _, wh in walk), bids[last_bid].price, asks[last_ask].price


def _price_segments(clearing: Clearing, seller: bool) -> tuple[list, list]:
    """One flat segment per trade at the price paid (or received), across its kWh."""
    xs: list[float | None] = []
    ys: list[int | None] = []
    total = 0
    for trade in clearing.trades:
        price = trade.seller_price if seller else trade.price
        xs += [_kwh(total), _kwh(total + trade.quantity_wh), None]
        ys += [_ct(price), _ct(price), None]
        total += trade.quantity_wh
    return xs, ys


def _listed(prices: Sequence[int]) -> str:
    return ", ".join(format_price(price) for price in prices)


def _summary(clearing: Clearing) -> str:
    """What the title says about a clearing's outcome."""
    traded = f"{_kwh(clearing.traded_wh):g} kWh"
    if not clearing.trades:
        return ": nothing crosses, all to the utility"
    if clearing.price is not None:
        return f": {traded} at {format_price(clearing.price)}"
    paid = sorted({trade.price for trade in clearing.trades})
    received = sorted({trade.seller_price for trade in clearing.trades})
    if paid == received and len(paid) > 1:
        return f": {traded}, each pair at its own price"
    return f": {traded}, buyers pay {_listed(paid)}, sellers receive {_listed(received)}"


def supply_demand_figure(orders: Sequence[Order], tariffs: Tariffs,
                         clearing: Clearing | None = None,
                         names: Mapping[str, str] | None = None,
                         title: str | None = None) -> go.Figure:
    """Demand and supply as merit-order staircases in the tariff band, with the clearing.

    The grey bar stands where the merit walk ends, from the marginal ask to the marginal
    bid: every single price on it clears the book. With a ``clearing``, black segments show
    what buyers pay for each trade (dashed: what sellers receive, where that differs) and a
    diamond marks a single clearing price.
    """
    bids, asks = merit_order(orders)
    widest = _kwh(max(sum(o.quantity_wh for o in bids), sum(o.quantity_wh for o in asks), 1))
    right = widest * 1.1
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=[0, right], y=[_ct(tariffs.retail)] * 2, mode="lines",
                                name=f"retail {format_price(tariffs.retail)}: the utility sells",
                                line={"color": RETAIL, "width": 3, "dash": "dash"}))
    figure.add_trace(go.Scatter(x=[0, right], y=[_ct(tariffs.feed_in)] * 2, mode="lines",
                                name=f"feed-in {format_price(tariffs.feed_in)}: the utility buys",
                                line={"color": FEED_IN, "width": 3, "dash": "dash"}))
    for label, side, colour in (("demand (bids)", bids, DEMAND), ("supply (asks)", asks, SUPPLY)):
        xs, ys = staircase(side)
        who = [f"order {o.id}, {_name(o.owner, names)}: {o.quantity_wh} Wh at "
               f"{format_price(o.price)}" for o in side]
        figure.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", name=label,
                                    line={"color": colour, "width": 5, "shape": "hv"},
                                    marker={"size": 9, "color": colour},
                                    customdata=who + who[-1:],
                                    hovertemplate="%{customdata}<extra></extra>"))
    marginal = marginal_pair(orders)
    if marginal is not None:
        walked, bid_m, ask_m = marginal
        figure.add_trace(go.Scatter(x=[_kwh(walked)] * 2, y=[_ct(ask_m), _ct(bid_m)],
                                    mode="lines", name=f"marginal ask {format_price(ask_m)} "
                                                       f"to bid {format_price(bid_m)}",
                                    line={"color": MARGIN_BAND, "width": 22}))
    if clearing is not None and clearing.trades:
        xs, ys = _price_segments(clearing, seller=False)
        figure.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="buyers pay",
                                    line={"color": CLEARING, "width": 4}))
        if any(trade.seller_price != trade.price for trade in clearing.trades):
            xs, ys = _price_segments(clearing, seller=True)
            figure.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="sellers receive",
                                        line={"color": CLEARING, "width": 4, "dash": "dot"}))
        if clearing.price is not None:
            traded = _kwh(clearing.traded_wh)
            price = format_price(clearing.price)
            figure.add_trace(go.Scatter(x=[traded], y=[_ct(clearing.price)],
                                        mode="markers+text",
                                        name=f"clearing: {traded:g} kWh at {price}",
                                        marker={"size": 18, "color": CLEARING,
                                                "symbol": "diamond"},
                                        text=[f"  {price}"], textposition="middle right",
                                        textfont={"size": 20}))
    mechanism = (f" ({MECHANISM_NAMES.get(clearing.mechanism, clearing.mechanism)})"
                 if clearing is not None else "")
    summary = _summary(clearing) if clearing is not None else ""
    _layout(figure, title or f"Supply and demand{mechanism}{summary}", "kWh (cumulative)",
            "ct/kWh")
    figure.update_xaxes(range=[0, right])
    figure.update_yaxes(range=[0, _ct(tariffs.retail) * 1.15 + 1])
    return figure


# --- who gains --------------------------------------------------------------------------

def gains(orders: Iterable[Order], clearing: Clearing) -> dict[str, int]:
    """Gains from trade in thousandths of a µ€: buyers', sellers', the community fund's; they
    add up to ``clearing.welfare_milliunits``."""
    by_id = {order.id: order for order in orders}
    buyers = sellers = fund = 0
    for trade in clearing.trades:
        bid, ask = by_id[trade.buy_order], by_id[trade.sell_order]
        buyers += (bid.price - trade.price) * trade.quantity_wh
        sellers += (trade.seller_price - ask.price) * trade.quantity_wh
        fund += (trade.price - trade.seller_price) * trade.quantity_wh
    return {"buyers": buyers, "sellers": sellers, "community fund": fund}


def welfare_figure(orders: Sequence[Order], clearings: Mapping[str, Clearing],
                   title: str | None = None) -> go.Figure:
    """One stacked bar per clearing: buyers', sellers' and the fund's gains, and the loss."""
    labels = list(clearings)
    split = [gains(orders, clearings[label]) for label in labels]
    best = max((c.welfare_milliunits for c in clearings.values()), default=0)
    figure = go.Figure()
    for part, colour in (("buyers", BUYERS), ("sellers", SELLERS), ("community fund", FUND)):
        values = [_gain_ct(s[part]) for s in split]
        figure.add_trace(go.Bar(x=labels, y=values, name=part, marker={"color": colour},
                                text=[f"{v:g}" if v else "" for v in values],
                                textposition="inside", textfont=FONT))
    lost = [_gain_ct(best - clearings[label].welfare_milliunits) for label in labels]
    figure.add_trace(go.Bar(x=labels, y=lost, name="lost against the best",
                            marker={"color": LOST, "pattern": {"shape": "/"}},
                            text=[f"{v:g}" if v else "" for v in lost], textposition="inside",
                            textfont=FONT))
    totals = [_gain_ct(clearings[label].welfare_milliunits) for label in labels]
    figure.add_trace(go.Scatter(x=labels, y=[t + l for t, l in zip(totals, lost)],
                                name="welfare", mode="text",
                                text=[f"welfare {t:g} ct" for t in totals],
                                textposition="top center", textfont={"size": 18},
                                showlegend=False, hoverinfo="skip"))
    _layout(figure, title or "Gains from trade, and who keeps them", "mechanism",
            "gains (ct)")
    figure.update_layout(barmode="stack")
    figure.update_yaxes(range=[0, _gain_ct(best) * 1.2 + 1])
    return figure


# --- who may lie --------------------------------------------------------------------------

def report_gains(orders: Sequence[Order], tariffs: Tariffs, order_id: int, value: int,
                 reports: Iterable[int], mechanism: str,
                 **options) -> list[tuple[int, int]]:
    """(reported price, gain in thousandths of a µ€) for one order whose owner truly values
    its energy at ``value`` µ€ per kWh, when it reports each price instead and the rest stay."""
    index = next((n for n, order in enumerate(orders) if order.id == order_id), None)
    if index is None:
        raise InvalidOrder(f"order {order_id} is not in the book")
    mine = orders[index]
    points = []
    for report in reports:
        book = list(orders)
        book[index] = replace(mine, price=report)
        result = clear(mechanism, book, tariffs, **options)
        gain = 0
        for trade in result.trades:
            if mine.side == BUY and trade.buy_order == order_id:
                gain += (value - trade.price) * trade.quantity_wh
            elif mine.side != BUY and trade.sell_order == order_id:
                gain += (trade.seller_price - value) * trade.quantity_wh
        points.append((report, gain))
    return points


def truthfulness_figure(curves: Mapping[str, Sequence[tuple[int, int]]], value: int,
                        who: str = "the trader", title: str | None = None) -> go.Figure:
    """Gain against reported price, one line per mechanism; a dashed line at the truth."""
    figure = go.Figure()
    top = 0.0
    for (label, points), colour in zip(curves.items(), LINE_COLOURS * 4):
        ys = [_gain_ct(gain) for _, gain in points]
        top = max([top] + ys)
        figure.add_trace(go.Scatter(x=[_ct(report) for report, _ in points], y=ys, name=label,
                                    mode="lines+markers", line={"color": colour, "width": 4},
                                    marker={"size": 11}))
    figure.add_trace(go.Scatter(x=[_ct(value)] * 2, y=[0, top * 1.1 + 1], mode="lines",
                                name=f"the truth: {format_price(value)}",
                                line={"color": CLEARING, "width": 2, "dash": "dash"}))
    _layout(figure, title or f"What {who} gains by each price it could report",
            "reported price (ct/kWh)", "gain (ct)")
    return figure
