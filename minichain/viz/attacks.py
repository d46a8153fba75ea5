"""Pictures for the attack lab (chapter 13): what a ladder of sealed bids gains against the deposit.

``ladder_figure`` takes, for each deposit tried, what Mallory forfeited and what she
gained in the end (``attacks.front_running.ladder_attack``), and draws both as bars over
the deposit, with the break-even deposit marked: left of it the ladder pays, right of it
it loses. A pure builder, tested as data.
"""

from __future__ import annotations

from typing import Sequence

import plotly.graph_objects as go

from minichain.viz.style import COLOURS, lay_out, no_data


def ladder_figure(runs: Sequence[tuple[int, int, int]], break_even: int | None = None,
                  title: str = "A ladder of sealed bids: what the deposit does") -> go.Figure:
    """Bars of (forfeited, gain) in µ€ per deposit; ``runs`` are (deposit, forfeited, gain)."""
    figure = go.Figure()
    if not runs:
        return no_data(lay_out(figure, title), "no ladder runs to show")
    labels = [f"{deposit:,}" for deposit, _, _ in runs]
    figure.add_trace(go.Bar(x=labels, y=[forfeited for _, forfeited, _ in runs],
                            name="Mallory forfeits (µ€)", marker_color=COLOURS["muted"]))
    figure.add_trace(go.Bar(x=labels, y=[gain for _, _, gain in runs],
                            name="Mallory's gain (µ€)",
                            marker_color=[COLOURS["overload"] if gain > 0 else COLOURS["ok"]
                                          for _, _, gain in runs]))
    figure.add_hline(y=0, line_color=COLOURS["muted"])
    if break_even is not None and f"{break_even:,}" in labels:
        figure.add_annotation(x=f"{break_even:,}", y=0, text="break-even deposit",
                              showarrow=True, arrowhead=2, ay=-60)
    figure.update_layout(barmode="group")
    return lay_out(figure, title, x_title="deposit per sealed bid (µ€)", y_title="µ€")


__all__ = ["ladder_figure"]
