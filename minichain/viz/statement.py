"""A household's statement as pictures and tables, and a widget to browse it (chapter 10).

Pure builders, tested as data (``tests/test_viz_statement.py``):

* ``statement_figure``: one group of bars per slot, what came in above the axis (paid by
  buyers, paid by the utility for exports) and what went out below it (paid to sellers,
  penalties, the utility's bill for imports), with the slot's net as a marker; a slot
  whose utility bill is pending shows the market's money only;
* ``trades_html`` and ``bills_html``: the statement's trades and bills as HTML tables,
  names in place of addresses, money as euros and prices as cents per kWh.

``statement_browser`` is the thin widget: a household and a range of slots to choose,
and the figure (plotly's own output, as the dashboard shows its figures) and the tables
of ``MarketClient.statement`` for them.

Money is kept in µ€ throughout; only the picture divides, to draw euro cents.
"""

from __future__ import annotations

import html
from typing import Mapping

import plotly.graph_objects as go

from minichain.market.orders import BUY
from minichain.market.statement import Statement
from minichain.market.units import MICRO_PER_CENT, format_money, format_price
from minichain.viz.identity import slot_clock

FONT = {"size": 16}
TITLE_FONT = {"size": 22}
# (what, colour, sign): money in above the axis, money out below it
PARTS = (("paid by buyers", "#1a9850", 1), ("paid by the utility for exports", "#91cf60", 1),
         ("paid to sellers", "#4575b4", -1), ("shortfall penalties", "#d73027", -1),
         ("the utility's bill for imports", "#fc8d59", -1))
NET_COLOUR = "#222222"


def slot_money(statement: Statement) -> dict[str, list[int]]:
    """Each part of the picture per slot of the statement's bills, in µ€ (signed)."""
    parts: dict[str, list[int]] = {what: [] for what, _, _ in PARTS}
    for bill in statement.bills:
        grid_in = bill.grid.receives if bill.grid is not None else 0
        grid_out = bill.grid.pays if bill.grid is not None else 0
        for (what, _, sign), amount in zip(PARTS, (bill.received, grid_in, bill.paid,
                                                   bill.penalties, grid_out)):
            parts[what].append(sign * amount)
    return parts


def statement_figure(statement: Statement, name: str = "") -> go.Figure:
    """Money in and out per slot, in euro cents, with each slot's net (pending: none)."""
    slots = [f"{bill.slot} ({slot_clock(bill.slot % 96)})" for bill in statement.bills]
    figure = go.Figure()
    for (what, colour, _), amounts in zip(PARTS, slot_money(statement).values()):
        figure.add_bar(x=slots, y=[amount / MICRO_PER_CENT for amount in amounts], name=what,
                       marker_color=colour,
                       hovertemplate="%{x}: %{y:.4f} ct<extra>" + what + "</extra>")
    nets = [bill.net for bill in statement.bills]
    figure.add_scatter(x=[slot for slot, net in zip(slots, nets) if net is not None],
                       y=[net / MICRO_PER_CENT for net in nets if net is not None],
                       mode="markers", name="net", marker={"color": NET_COLOUR, "size": 14,
                                                           "symbol": "diamond"})
    who = f"{name}'s" if name else "The household's"
    figure.update_layout(
        barmode="relative", font=FONT, height=460,
        title={"text": f"{who} money per slot (net: {format_money(statement.net)})",
               "font": TITLE_FONT},
        xaxis={"title": "slot (start on the chain's clock)", "type": "category"},
        yaxis={"title": "euro cents (in above 0, out below)", "zeroline": True,
               "zerolinecolor": NET_COLOUR},
        legend={"orientation": "h", "y": -0.25}, margin={"t": 70, "b": 140})
    if not statement.bills:
        figure.add_annotation(text="no trades and no readings in these slots",
                              showarrow=False, font=FONT, xref="paper", yref="paper", x=0.5,
                              y=0.5)
    return figure


def _table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
                   for row in rows)
    return f'<table style="font-size:14px"><tr>{head}</tr>{body}</table>'


def trades_html(statement: Statement, names: Mapping[str, str]) -> str:
    """The statement's trades as an HTML table (addresses shown by ``names``)."""
    rows = [(str(line.slot), str(line.trade_id), "bought" if line.side == BUY else "sold",
             names.get(line.partner, line.partner), line.how, f"{line.quantity_wh:,}",
             format_price(line.price), format_money(line.amount),
             "pending" if line.delivered_wh is None else f"{line.delivered_wh:,}",
             format_money(line.penalty)) for line in statement.trades]
    if not rows:
        return "<p>No trades in these slots.</p>"
    return _table(("slot", "trade", "side", "partner", "how", "Wh", "price", "amount",
                   "delivered Wh", "penalty"), rows)


def bills_html(statement: Statement) -> str:
    """The statement's bills per slot as an HTML table."""
    rows = []
    for bill in statement.bills:
        reading = ("no reading" if bill.reading is None
                   else f"{bill.reading[0]:,} out / {bill.reading[1]:,} in")
        grid = ("pending" if bill.grid is None
                else f"{format_money(bill.grid.receives)} / {format_money(bill.grid.pays)}")
        rows.append((str(bill.slot), reading, format_money(bill.received),
                     format_money(bill.paid), format_money(bill.penalties), grid,
                     "pending" if bill.net is None else format_money(bill.net)))
    if not rows:
        return "<p>No bills in these slots.</p>"
    return _table(("slot", "meter Wh", "received", "paid", "penalties",
                   "utility pays / bills", "net"), rows)


def statement_browser(market, households: Mapping[str, str], slots: range):
    """Choose a household (name -> account) and a range of ``slots``: its statement's
    figure and tables, read from ``market`` (a ``MarketClient``) each time."""
    import ipywidgets as widgets

    from minichain.viz.app import figure_output

    if not households or len(slots) == 0:
        raise ValueError("give at least one household and one slot to browse")
    names = {account: name for name, account in households.items()}
    who = widgets.Dropdown(options=list(households), description="household")
    span = widgets.IntRangeSlider(value=(slots[0], slots[-1]), min=slots[0], max=slots[-1],
                                  description="slots", continuous_update=False)
    picture = widgets.Output(layout={"width": "100%"})
    tables = widgets.HTML()

    def show(_: object = None) -> None:
        chosen = range(span.value[0], span.value[1] + 1)
        statement = market.statement(households[who.value], chosen)
        picture.outputs = (figure_output(statement_figure(statement, who.value)),)
        tables.value = (f"<h4>Trades</h4>{trades_html(statement, names)}"
                        f"<h4>Bills</h4>{bills_html(statement)}")

    who.observe(show, names="value")
    span.observe(show, names="value")
    show()
    return widgets.VBox([widgets.HBox([who, span]), picture, tables])
