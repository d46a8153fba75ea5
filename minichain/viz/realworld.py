"""Pictures of the classroom market against the real EVM: gas side by side, orders per block (chapter 14).

Pure builders that return a ``plotly.graph_objects.Figure`` and are tested as data:

* ``gas_figure``: the gas each call costs on two machines, side by side (one pair of bars
  per call, a logarithmic axis so that 25,000 and 860,000 both read), each bar labelled
  with its gas and each pair with how many times dearer the first machine is;
* ``orders_per_block_figure``: how many orders one block can clear on each machine, beside
  how many orders a slot brings (a street, a city), on a logarithmic axis, with a line at
  each machine's capacity; a need to the right of a line does not fit in one block.

The figures take measured numbers as they are (whole gas, whole orders); they divide only
to print ratios. Fonts, colours and the layout come from ``viz.style``, as every picture's do.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import plotly.graph_objects as go

from minichain.viz.style import COLOURS, FONT, MARGIN, SERIES, lay_out

MACHINE_COLOURS = (SERIES[3], COLOURS["ok"])      # the EVM, minichain
NEED_COLOUR = SERIES[5]
WIDE_LABELS = {**MARGIN, "l": 110, "b": 130}        # room for the bars' names and the legend


def compact(number: int) -> str:
    """A count as people say it on a slide: 950, 25.1k, 860k, 1.36M, 30M."""
    if number < 1_000:
        return f"{number:,}"
    rounded = int(float(f"{number:.3g}"))          # three significant digits first
    for size, unit in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if rounded >= size:
            return f"{rounded / size:.3g}{unit}"
    return f"{number:,}"


def gas_figure(rows: Sequence[tuple[str, int, int]],
               machines: tuple[str, str] = ("EVM (Vyper on py-evm)", "minichain's machine"),
               title: str = "Gas per call: the same market on two machines") -> go.Figure:
    """Per call (label, gas on the first machine, gas on the second): bars side by side."""
    if not rows:
        raise ValueError("give at least one call: (label, gas, gas)")
    if any(gas <= 0 for _, *both in rows for gas in both):
        raise ValueError("gas must be positive to draw on a logarithmic axis")
    labels = [label for label, _, _ in rows]
    figure = go.Figure()
    for column, (machine, colour) in enumerate(zip(machines, MACHINE_COLOURS), start=1):
        gas = [row[column] for row in rows]
        figure.add_trace(go.Bar(name=machine, x=labels, y=gas, marker_color=colour,
                                text=[compact(g) for g in gas], textposition="outside",
                                textfont=FONT))
    for label, first, second in rows:
        figure.add_annotation(x=label, y=1, yref="paper", yanchor="bottom", showarrow=False,
                              text=f"{first / second:.1f}×", font=FONT)
    figure.update_layout(barmode="group")
    figure.update_yaxes(type="log")
    return lay_out(figure, title, "call", "gas (log scale)", margin=WIDE_LABELS)


def orders_per_block_figure(capacity: Mapping[str, int], needs: Mapping[str, int],
                            block_gas_limit: int) -> go.Figure:
    """Orders one block clears per machine (``capacity``) beside orders a slot brings
    (``needs``), horizontal bars on a logarithmic axis, a dotted line at each capacity."""
    if not capacity:
        raise ValueError("give each machine's orders per block")
    if any(count <= 0 for count in [*capacity.values(), *needs.values()]):
        raise ValueError("orders must be positive to draw on a logarithmic axis")
    figure = go.Figure()
    names = list(capacity)
    figure.add_trace(go.Bar(name=f"one {compact(block_gas_limit)}-gas block clears",
                            y=names, x=[capacity[n] for n in names], orientation="h",
                            marker_color=[MACHINE_COLOURS[i % 2] for i in range(len(names))],
                            text=[f"{capacity[n]:,}" for n in names], textposition="outside",
                            textfont=FONT))
    wanted = list(needs)
    figure.add_trace(go.Bar(name="a slot brings", y=wanted, x=[needs[n] for n in wanted],
                            orientation="h", marker_color=NEED_COLOUR,
                            text=[f"{needs[n]:,}" for n in wanted], textposition="outside",
                            textfont=FONT))
    for i, name in enumerate(names):
        figure.add_vline(x=capacity[name], line_dash="dot", line_width=2,
                         line_color=MACHINE_COLOURS[i % 2])
    figure.update_xaxes(type="log")
    figure.update_yaxes(autorange="reversed")
    return lay_out(figure, f"Orders per slot against one {compact(block_gas_limit)}-gas block",
                   "orders (log scale)", "", margin=WIDE_LABELS)
