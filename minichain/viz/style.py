"""One look for every picture in the course: fonts, sizes, colours and the layout (all chapters).

Every figure builder in ``minichain.viz`` takes its fonts, heights, margins and colours
from here and lays its figure out with ``lay_out``, so the chapters' pictures, the
dashboard and the report look alike and read from the back row. Colours name what they
show (``COLOURS["bought"]``), one colour per flow, and tell in and out apart.
"""

from __future__ import annotations

import plotly.graph_objects as go

FONT = {"size": 18}
TITLE_FONT = {"size": 24}
SMALL_FONT = {"size": 16}         # dense diagrams: Merkle trees, the debugger's tables
HEIGHT = 540
MARGIN = {"l": 80, "r": 40, "t": 90, "b": 110}
TEMPLATE = "plotly_white"
INK = "#222222"

# What a colour means, everywhere: energy flows, money, the grid's state.
COLOURS = {
    "pv": "#f4b400",                 # sunshine
    "load": "#5e3c99",
    "battery_out": "#1a9850",        # the battery gives
    "battery_in": "#a6d96a",         # the battery takes (losses included)
    "bought": "#2166ac",             # from the neighbours
    "sold": "#92c5de",               # to the neighbours
    "utility_in": "#d73027",         # imported from the utility
    "utility_out": "#fdae61",        # exported to the utility
    "price": "#1b7837",
    "retail": "#d73027",
    "feed_in": "#4575b4",
    "ok": "#1a9850",
    "warning": "#fee08b",
    "overload": "#d73027",
    "severe": "#67001f",
    "muted": "#bdbdbd",
}
SERIES = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e8710a")


def lay_out(figure: go.Figure, title: str, x_title: str | None = None,
            y_title: str | None = None, height: int = HEIGHT, legend: bool = True,
            margin: dict | None = None) -> go.Figure:
    """Title, fonts, size and legend the course's way; axis titles when given."""
    figure.update_layout(title={"text": title, "font": TITLE_FONT, "x": 0.02}, font=FONT,
                         height=height, template=TEMPLATE, autosize=True,
                         margin=margin or MARGIN, showlegend=legend,
                         legend={"font": FONT, "orientation": "h", "y": -0.18})
    if x_title is not None:
        figure.update_xaxes(title={"text": x_title, "font": FONT})
    if y_title is not None:
        figure.update_yaxes(title={"text": y_title, "font": FONT})
    return figure


def no_data(figure: go.Figure, message: str) -> go.Figure:
    """Say in the figure why it is empty, instead of showing blank axes."""
    figure.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper",
                          showarrow=False, font={"size": 22, "color": "#636363"})
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure
