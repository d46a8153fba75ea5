"""The Sunny Street dashboard's pictures: a simulated day at a glance (chapter 11).

Pure figure builders over a ``records.DayRecord`` (and, for the map, the ``grid.Feeder``
it ran on). Each returns a ``plotly.graph_objects.Figure`` and is tested as data; the
ipywidgets dashboard only wires controls (household, slot, mechanism, ...) to them.

* ``energy_flows_figure``: where the energy came from and went, slot by slot. Sources
  stack upwards (PV, battery out, bought from neighbours, from the utility), uses stack
  downwards (load, battery in, sold to neighbours, to the utility). Because every home
  balances, the two stacks mirror each other (battery losses are part of "battery in").
* ``price_figure``: each slot's price in ct/kWh (``clearing.reference_price``; whiskers
  from the lowest to the highest price paid) inside the tariff band, traded kWh as bars
  behind; a day without trades says so.
* ``savings_figure``: each household's savings in € against the no-trading baseline
  (green: saved, red: lost), with the community welfare in the title.
* ``trades_figure``: who sold how much to whom, over the day or in one slot (a
  seller-by-buyer map of kWh, from ``trade_matrix``).
* ``battery_figure``: how full each home battery is through the day.
* ``feeder_figure``: the street's cables in one slot, drawn at the feeder's node
  positions: each line coloured by its loading (green, yellow, red at 100 %, dark red
  over), as wide as its share of the slot's largest flow, with an arrow in the direction
  the energy runs; homes coloured by what their meter shows (exporting green, importing
  blue).
* ``chain_figure``: blocks, transactions and gas per hour, each on an axis of its own,
  when the day ran on chain.
* ``home_day_figure``: the models behind one home's day: its PV under a clear sky and
  under the day's clouds, its use (H0), each beside the home's day-ahead forecast of it,
  and the sky itself (cloudiness, true and forecast) below.

Energy is shown in kWh (Wh / 1000), money in € (µ€ / 10⁶), prices in ct/kWh, time in
hours since the day's first slot. Fonts, sizes and colours come from ``viz.style``; one
colour per flow, the same in every picture.
"""

from __future__ import annotations

from collections import Counter

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from minichain.day import kpis
from minichain.microgrid.grid import TRANSFORMER, Feeder
from minichain.day.records import DayRecord
from minichain.errors import EnergyModelError, GridError
from minichain.market.auction import MECHANISM_NAMES
from minichain.market.units import format_money, format_price
from minichain.viz.style import COLOURS, FONT, HEIGHT, SERIES, lay_out, no_data


SAVED = COLOURS["ok"]
LOST = COLOURS["overload"]
BAND = "rgba(26, 152, 80, 0.12)"
RETAIL = COLOURS["retail"]
FEED_IN = COLOURS["feed_in"]
PRICE = "#222222"
TRADED = "rgba(31, 119, 180, 0.35)"
IMPORTING = COLOURS["bought"]
EXPORTING = COLOURS["ok"]
IDLE = COLOURS["muted"]
NODE = "#636363"
BLOCKS = "#4575b4"
TRANSACTIONS = "#e8710a"
GAS = "#222222"
MICRO_PER_CENT = 10_000

# loading (per mille) -> colour: green, yellow at half, red when full, dark red beyond
LOADING_STOPS = ((0, (26, 152, 80)), (500, (254, 224, 139)), (1000, (215, 48, 39)),
                 (1500, (103, 0, 31)))
SPACING_PAD = 15.0      # metres of margin above and below the street
MIN_LINE_WIDTH = 2
MAX_LINE_WIDTH = 14
LABELLED_HOMES = 40     # up to this many homes the feeder names each one; beyond, on hover


def _layout(figure: go.Figure, title: str, x_title: str | None, y_title: str | None,
            height: int = HEIGHT, legend: bool = True) -> go.Figure:
    return lay_out(figure, title, x_title, y_title, height, legend)


def _kwh(wh: int) -> float:
    return wh / 1000


def _hours(day: DayRecord) -> list[float]:
    return [day.slot_hours(slot) for slot in range(day.n_slots)]


def _slot_label(day: DayRecord, slot: int) -> str:
    minutes = slot * day.slot_seconds // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# --- energy ---------------------------------------------------------------------------

SOURCES = (("PV", "pv_wh", COLOURS["pv"]),
           ("battery out", "discharged_wh", COLOURS["battery_out"]),
           ("bought from neighbours", "bought_wh", COLOURS["bought"]),
           ("from the utility", "utility_import_wh", COLOURS["utility_in"]))
USES = (("load", "load_wh", COLOURS["load"]),
        ("battery in", "charged_wh", COLOURS["battery_in"]),
        ("sold to neighbours", "delivered_wh", COLOURS["sold"]),
        ("to the utility", "utility_export_wh", COLOURS["utility_out"]))


def flow_totals(day: DayRecord, field: str, household: str | None = None) -> list[int]:
    """Per slot, one SlotRecord field summed over the street (or one household's value)."""
    if household is not None:
        return [getattr(record, field) for record in day.household_records(household)]
    return [sum(getattr(record, field) for record in day.slot_records(slot))
            for slot in range(day.n_slots)]


def energy_flows_figure(day: DayRecord, household: str | None = None,
                        title: str | None = None) -> go.Figure:
    """Sources stacked up, uses stacked down, per slot: the street's or one home's day."""
    hours = _hours(day)
    figure = go.Figure()
    for group, sign, parts in (("sources", 1, SOURCES), ("uses", -1, USES)):
        for label, field, colour in parts:
            values = flow_totals(day, field, household)
            figure.add_trace(go.Scatter(
                x=hours, y=[sign * _kwh(v) for v in values], name=label, stackgroup=group,
                mode="lines", line={"width": 0.5, "color": colour},
                fillcolor=colour,
                hovertemplate=f"{label}: %{{customdata}} Wh<extra></extra>",
                customdata=values))
    who = "Sunny Street" if household is None else household
    _layout(figure, title or f"Energy through the day: {who}", "hour of the day",
            f"kWh per {day.slot_seconds // 60} minutes (sources + / uses -)")
    figure.add_hline(y=0, line={"color": "#444444", "width": 1})
    _day_axis(figure, day)
    return figure


def _day_axis(figure: go.Figure, day: DayRecord) -> None:
    """The x axis is the day: 0 to 24 hours, a tick every three."""
    figure.update_xaxes(range=[0, day.n_slots * day.slot_seconds / 3600], dtick=3)


# --- prices ---------------------------------------------------------------------------

def price_figure(day: DayRecord, title: str | None = None) -> go.Figure:
    """Each slot's price against the tariff band (ct/kWh), with the traded kWh behind it."""
    hours = _hours(day)
    stats = kpis.price_stats(day)
    prices = [None if street.price is None else street.price / MICRO_PER_CENT
              for street in day.slots]
    tariffs = day.tariffs
    feed_in, retail = tariffs.feed_in / MICRO_PER_CENT, tariffs.retail / MICRO_PER_CENT
    mechanism = MECHANISM_NAMES.get(day.mechanism, day.mechanism)
    figure = go.Figure()
    title = title or f"Price per slot ({mechanism}) inside the tariff band"
    if not day.trades:
        _layout(figure, title, None, None)
        return no_data(figure, "Nobody traded with a neighbour this day: "
                               "every kWh went to or came from the utility.")
    figure.add_trace(go.Bar(x=hours, y=[_kwh(street.traded_wh) for street in day.slots],
                            name="traded kWh (right axis)", marker={"color": TRADED},
                            yaxis="y2", hovertemplate="%{y:.3f} kWh traded<extra></extra>"))
    figure.add_trace(go.Scatter(x=hours, y=[feed_in] * len(hours),
                                name=f"feed-in tariff ({format_price(tariffs.feed_in)})",
                                mode="lines",
                                line={"color": FEED_IN, "width": 3, "dash": "dash"}))
    figure.add_trace(go.Scatter(x=hours, y=[retail] * len(hours),
                                name=f"retail tariff ({format_price(tariffs.retail)})",
                                mode="lines", fill="tonexty", fillcolor=BAND,
                                line={"color": RETAIL, "width": 3, "dash": "dash"}))
    above = [None if s.max_price is None or p is None else s.max_price / MICRO_PER_CENT - p
             for s, p in zip(stats, prices)]
    below = [None if s.min_price is None or p is None else p - s.min_price / MICRO_PER_CENT
             for s, p in zip(stats, prices)]
    figure.add_trace(go.Scatter(
        x=hours, y=prices, name="clearing price", mode="lines+markers",
        connectgaps=False, line={"color": PRICE, "width": 2}, marker={"size": 8},
        error_y={"type": "data", "symmetric": False, "array": above, "arrayminus": below,
                 "color": PRICE, "thickness": 1.5, "width": 3},
        hovertemplate="%{y:.2f} ct/kWh<extra></extra>"))
    _layout(figure, title, "hour of the day", "ct per kWh")
    top = max([retail] + [p for p in prices if p is not None])
    figure.update_yaxes(range=[0, top * 1.15])
    figure.update_layout(yaxis2={"title": {"text": "kWh traded", "font": FONT},
                                 "overlaying": "y", "side": "right", "showgrid": False,
                                 "rangemode": "tozero", "tickformat": ".1f", "nticks": 6})
    _day_axis(figure, day)
    return figure


# --- money ----------------------------------------------------------------------------

def savings_figure(day: DayRecord, title: str | None = None) -> go.Figure:
    """Each household's savings against no trading; the community welfare in the title."""
    saved = kpis.savings(day)
    actual = kpis.bills(day)
    names = list(day.names)
    values = [saved[name] for name in names]
    figure = go.Figure(go.Bar(
        x=names, y=[v / 1_000_000 for v in values], name="savings",
        text=[format_money(v, 2) for v in values],
        textposition="outside" if len(names) <= 30 else "none", textfont=FONT,
        marker={"color": [SAVED if v >= 0 else LOST for v in values]},
        customdata=[[format_money(actual[name], 2), format_money(actual[name] + saved[name], 2),
                     agent] for name, agent in zip(names, day.agents)],
        hovertemplate=("%{x} (%{customdata[2]}): bill %{customdata[0]}, "
                       "without trading %{customdata[1]}<extra></extra>")))
    welfare = kpis.community_welfare(day)
    _layout(figure, title or f"Savings against no trading: community welfare "
                             f"{format_money(welfare, 2)}", "household", "€ saved over the day",
            legend=False)
    figure.update_xaxes(tickangle=-45)
    return figure


# --- the feeder -----------------------------------------------------------------------

def loading_colour(permille: int) -> str:
    """The colour of a line this full: green, yellow at 50 %, red at 100 %, dark red at 150 %."""
    permille = max(0, min(permille, LOADING_STOPS[-1][0]))
    rgb = LOADING_STOPS[-1][1]
    for (low, low_rgb), (high, high_rgb) in zip(LOADING_STOPS, LOADING_STOPS[1:]):
        if permille <= high:
            share = (permille - low) / (high - low)
            rgb = tuple(round(a + (b - a) * share) for a, b in zip(low_rgb, high_rgb))
            break
    return f"rgb({rgb[0]}, {rgb[1]}, {rgb[2]})"


def busiest_slot(day: DayRecord, booked: bool = False) -> int:
    """The slot whose fullest line is fullest (earliest on a tie)."""
    best, best_loading = 0, -1
    for street in day.slots:
        flows = street.trade_flows_wh if booked else street.line_flows_wh
        loading = max((kpis.loading_permille(f, line.capacity_wh)
                       for f, line in zip(flows, day.lines)), default=0)
        if loading > best_loading:
            best, best_loading = street.slot, loading
    return best


def feeder_figure(day: DayRecord, feeder: Feeder, slot: int | None = None,
                  booked: bool = False, title: str | None = None) -> go.Figure:
    """The feeder in one slot: lines coloured by loading, widths by flow, arrows by direction.

    ``slot=None`` shows the busiest slot; ``booked=True`` shows the flows the market's
    trades booked instead of the physical flows from the meters. A street of more than
    ``LABELLED_HOMES`` homes is drawn smaller (homes named on hover, thinner lines and
    arrows) and stretched to the figure's height, as a long street is far wider than tall.
    """
    if tuple(line.line for line in day.lines) != feeder.lines:
        raise GridError("this day ran on a different feeder: its lines do not match")
    if slot is None:
        slot = busiest_slot(day, booked)
    if not 0 <= slot < day.n_slots:
        raise EnergyModelError(f"slot must be 0..{day.n_slots - 1}, got {slot}")
    street = day.slots[slot]
    flows = street.trade_flows_wh if booked else street.line_flows_wh
    positions = {node: feeder.graph.nodes[node]["pos"] for node in feeder.order}
    largest = max((abs(f) for f in flows), default=0)
    crowded = len(feeder.households) > LABELLED_HOMES
    thinnest, widest = (1, 6) if crowded else (MIN_LINE_WIDTH, MAX_LINE_WIDTH)
    figure = go.Figure()
    mid_x, mid_y, mid_loading, mid_text = [], [], [], []
    for line, flow in zip(day.lines, flows):
        (x0, y0), (x1, y1) = positions[line.line], positions[line.upstream]
        loading = kpis.loading_permille(flow, line.capacity_wh)
        width = thinnest + (widest - thinnest) * abs(flow) / largest if largest else thinnest
        figure.add_trace(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", name=line.line,
                                    showlegend=False, hoverinfo="skip",
                                    line={"color": loading_colour(loading), "width": width}))
        direction = "up" if flow > 0 else "down" if flow < 0 else "idle"
        mid_x.append((x0 + x1) / 2)
        mid_y.append((y0 + y1) / 2)
        mid_loading.append(loading / 10)
        mid_text.append(f"{line.line}: {_kwh(abs(flow)):.2f} kWh {direction}, "
                        f"{loading / 10:.1f} % of {_kwh(line.capacity_wh):.1f} kWh")
        if flow:
            start, end = ((x0, y0), (x1, y1)) if flow > 0 else ((x1, y1), (x0, y0))
            figure.add_annotation(
                x=start[0] + 0.7 * (end[0] - start[0]), y=start[1] + 0.7 * (end[1] - start[1]),
                ax=start[0] + 0.3 * (end[0] - start[0]), ay=start[1] + 0.3 * (end[1] - start[1]),
                xref="x", yref="y", axref="x", ayref="y", text="", showarrow=True,
                arrowhead=2, arrowsize=0.8 if crowded else 1.2, arrowwidth=1 if crowded else 2,
                arrowcolor="#333333")
    figure.add_trace(go.Scatter(
        x=mid_x, y=mid_y, mode="markers", name="line loading", showlegend=False,
        text=mid_text, hoverinfo="text",
        marker={"size": 6 if crowded else 10, "color": mid_loading, "cmin": 0, "cmax": 150,
                "colorscale": [[stop / 1500, f"rgb{rgb}"] for stop, rgb in LOADING_STOPS],
                "colorbar": {"title": {"text": "loading %", "font": FONT}},
                "line": {"width": 1, "color": "white"}}))
    meter = {record.household: record.meter_export_wh for record in day.slot_records(slot)}
    for label, colour, keep in (("exporting", EXPORTING, lambda wh: wh > 0),
                                ("importing", IMPORTING, lambda wh: wh < 0),
                                ("idle", IDLE, lambda wh: wh == 0)):
        homes = [h for h in feeder.households if keep(meter.get(h, 0))]
        if not homes:
            continue
        figure.add_trace(go.Scatter(
            x=[positions[h][0] for h in homes], y=[positions[h][1] for h in homes],
            mode="markers" if crowded else "markers+text", name=f"home {label}",
            text=homes, textfont=FONT,
            textposition=["top center" if positions[h][1] >= positions[feeder.parent[h]][1]
                          else "bottom center" for h in homes],
            marker={"size": 7 if crowded else 22, "color": colour,
                    "line": {"width": 1 if crowded else 2, "color": "white"}},
            hovertext=[f"{h}: meter {meter.get(h, 0):+d} Wh" for h in homes],
            hoverinfo="text"))
    buses = [n for n in feeder.order if feeder.graph.nodes[n].get("kind") == "bus"]
    figure.add_trace(go.Scatter(
        x=[positions[b][0] for b in buses], y=[positions[b][1] for b in buses],
        mode="markers", name="buses", marker={"size": 9, "color": NODE}, text=buses,
        hoverinfo="text"))
    figure.add_trace(go.Scatter(
        x=[positions[TRANSFORMER][0]], y=[positions[TRANSFORMER][1]], mode="markers+text",
        name="transformer", text=["transformer"], textposition="bottom center",
        textfont=FONT, marker={"size": 26, "symbol": "square", "color": "#222222"}))
    kind = "booked by the market" if booked else "physical, from the meters"
    _layout(figure, title or f"The feeder at {_slot_label(day, slot)} (slot {slot}): "
                             f"flows {kind}", None, None, height=620)
    figure.update_xaxes(visible=False)
    ys = [y for _, y in positions.values()]
    pad = max(SPACING_PAD, (max(ys) - min(ys)) * 0.4)
    if crowded:     # a street 10x longer than it is wide: stretch it across, to zoom into
        figure.update_yaxes(visible=False, range=[min(ys) - pad, max(ys) + pad])
    else:
        figure.update_yaxes(visible=False, scaleanchor="x", range=[min(ys) - pad, max(ys) + pad])
    return figure


# --- the chain ------------------------------------------------------------------------

def chain_hours(day: DayRecord) -> tuple[list[int], Counter, Counter, Counter]:
    """Hours since the day's start with blocks, and blocks, transactions, gas per hour."""
    blocks, transactions, gas = Counter(), Counter(), Counter()
    for block in day.blocks or ():
        hour = (block.timestamp - day.start_timestamp) // 3600
        blocks[hour] += 1
        transactions[hour] += block.transactions
        gas[hour] += block.gas_used
    hours = list(range(min(blocks), max(blocks) + 1)) if blocks else []
    return hours, blocks, transactions, gas


def chain_figure(day: DayRecord, title: str | None = None) -> go.Figure:
    """Blocks, transactions and gas per hour, each on an axis of its own."""
    figure = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                           subplot_titles=("blocks per hour", "transactions per hour",
                                           "gas per hour (millions)"))
    if day.blocks is None:
        figure = go.Figure()
        _layout(figure, title or "Chain statistics", None, None, height=300)
        return no_data(figure, "This day ran without the chain: no blocks to show.")
    hours, blocks, transactions, gas = chain_hours(day)
    figure.add_trace(go.Bar(x=hours, y=[blocks[h] for h in hours], name="blocks",
                            marker={"color": BLOCKS}), row=1, col=1)
    figure.add_trace(go.Bar(x=hours, y=[transactions[h] for h in hours], name="transactions",
                            marker={"color": TRANSACTIONS}), row=2, col=1)
    figure.add_trace(go.Bar(x=hours, y=[gas[h] / 1e6 for h in hours], name="gas (millions)",
                            marker={"color": GAS}), row=3, col=1)
    total_tx = sum(transactions.values())
    _layout(figure, title or f"The chain: {len(day.blocks):,} blocks, {total_tx:,} transactions",
            None, None, height=620, legend=False)
    figure.update_xaxes(title={"text": "hour of the day", "font": FONT}, row=3, col=1)
    figure.update_xaxes(range=[-0.5, 23.5], dtick=3)
    return figure


# --- who traded with whom ----------------------------------------------------------------

def trade_matrix(day: DayRecord, slot: int | None = None) -> tuple[list[str], list[str],
                                                                  list[list[int]]]:
    """Sellers (rows), buyers (columns) and the Wh each sold to each, over the day or one slot."""
    trades = day.trades if slot is None else day.slots[slot].trades
    sellers = sorted({t.seller for t in trades}, key=day.names.index)
    buyers = sorted({t.buyer for t in trades}, key=day.names.index)
    cells = [[0] * len(buyers) for _ in sellers]
    for trade in trades:
        cells[sellers.index(trade.seller)][buyers.index(trade.buyer)] += trade.quantity_wh
    return sellers, buyers, cells


def trades_figure(day: DayRecord, slot: int | None = None, title: str | None = None) -> go.Figure:
    """Who sold how much to whom: a seller-by-buyer map of kWh, for the day or one slot."""
    sellers, buyers, cells = trade_matrix(day, slot)
    when = "over the day" if slot is None else f"at {_slot_label(day, slot)} (slot {slot})"
    figure = go.Figure()
    title = title or f"Who sold to whom {when}"
    if not sellers:
        _layout(figure, title, None, None, height=420)
        return no_data(figure, "No neighbour traded with another " +
                               ("this day." if slot is None else "in this slot."))
    figure.add_trace(go.Heatmap(
        z=[[_kwh(wh) for wh in row] for row in cells], x=buyers, y=sellers,
        colorscale="Greens", colorbar={"title": {"text": "kWh", "font": FONT}},
        hovertemplate="%{y} sold %{z:.2f} kWh to %{x}<extra></extra>"))
    _layout(figure, title, "buyer", "seller", height=max(420, 30 * len(sellers) + 200))
    figure.update_xaxes(tickangle=-45)
    figure.update_yaxes(autorange="reversed")               # the street's first home on top
    return figure


# --- batteries ----------------------------------------------------------------------------

def battery_figure(day: DayRecord, household: str | None = None,
                   title: str | None = None) -> go.Figure:
    """How full each home battery is through the day, in % of its capacity."""
    homes = [h for h in day.households if h.battery and household in (None, h.name)]
    figure = go.Figure()
    title = title or ("Home batteries through the day" if household is None
                      else f"{household}'s battery through the day")
    if not homes:
        _layout(figure, title, None, None, height=420)
        return no_data(figure, "No home battery on this street." if household is None
                       else f"{household} has no battery.")
    hours = [h + day.slot_seconds / 3600 for h in _hours(day)]      # at the end of each slot
    for n, home in enumerate(homes):
        capacity = home.battery.capacity_wh
        stored = [record.stored_end_wh for record in day.household_records(home.name)]
        figure.add_trace(go.Scatter(
            x=[0.0] + hours, y=[100 * day.initial_stored_wh[day.names.index(home.name)]
                                / capacity] + [100 * wh / capacity for wh in stored],
            mode="lines", name=f"{home.name} ({capacity / 1000:.0f} kWh)",
            line={"color": SERIES[n % len(SERIES)], "width": 3},
            hovertemplate=f"{home.name}: %{{y:.0f}} %<extra></extra>"))
    _layout(figure, title, "hour of the day", "state of charge (%)", height=460)
    figure.update_layout(legend={"y": -0.3})
    figure.update_yaxes(range=[0, 105])
    _day_axis(figure, day)
    return figure


# --- the models behind one home's day ----------------------------------------------------

def home_day_figure(name: str, clear_pv_wh, pv_wh, pv_forecast_wh, load_wh, load_forecast_wh,
                    cloudiness, cloudiness_forecast, slot_seconds: int = 900) -> go.Figure:
    """One home's PV (clear sky, the day's, forecast) and use (true, forecast), the sky below."""
    series = (clear_pv_wh, pv_wh, pv_forecast_wh, load_wh, load_forecast_wh, cloudiness,
              cloudiness_forecast)
    if len({len(values) for values in series}) != 1:
        raise EnergyModelError(f"every series needs one value per slot, got lengths "
                               f"{[len(values) for values in series]}")
    hours = [slot * slot_seconds / 3600 for slot in range(len(pv_wh))]
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3],
                           vertical_spacing=0.06)
    energy = (("PV under a clear sky", clear_pv_wh, COLOURS["pv"], "dot", 2),
              ("PV under the day's clouds", pv_wh, COLOURS["pv"], "solid", 4),
              ("PV forecast (day ahead)", pv_forecast_wh, COLOURS["utility_out"], "dash", 2),
              ("use (H0 with the home's own noise)", load_wh, COLOURS["load"], "solid", 4),
              ("use forecast (day ahead)", load_forecast_wh, COLOURS["bought"], "dash", 2))
    for label, values, colour, dash, width in energy:
        figure.add_trace(go.Scatter(x=hours, y=[_kwh(v) for v in values], name=label,
                                    mode="lines", line={"color": colour, "dash": dash,
                                                        "width": width}), row=1, col=1)
    for label, values, dash in (("cloudiness", cloudiness, "solid"),
                                ("cloudiness forecast", cloudiness_forecast, "dash")):
        figure.add_trace(go.Scatter(x=hours, y=[100 * c for c in values], name=label,
                                    mode="lines", line={"color": NODE, "dash": dash}),
                         row=2, col=1)
    _layout(figure, f"{name}'s day: the models, and the forecast made the day before", None, None,
            height=HEIGHT + 160)
    figure.update_yaxes(title={"text": f"kWh per {slot_seconds // 60} minutes", "font": FONT},
                        row=1, col=1)
    figure.update_yaxes(title={"text": "clouds %", "font": FONT}, range=[0, 100], row=2, col=1)
    figure.update_xaxes(title={"text": "hour of the day", "font": FONT},
                        range=[0, len(pv_wh) * slot_seconds / 3600], dtick=3, row=2, col=1)
    return figure
