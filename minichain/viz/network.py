"""Pictures of proof of authority and of the network (chapters 04-05).

Pure builders, tested as data: each takes a ``Network`` (or a chain and its ``Clique``
rule) and returns a ``plotly.graph_objects.Figure``.

* ``network_figure``: the street's nodes on two rings (authorities inside, households
  outside), each coloured by the head it holds, offline nodes crossed out, links cut by
  a partition drawn red and dashed. One colour means one agreed chain.
* ``timeline_figure``: one row per node, a dot each time it added a block (the block's
  number written on it), green if the block is on the final chain, red if it ended on a
  dropped branch; a cross where the node reorganised; dashed lines at partitions, heals,
  crashes and restarts.
* ``schedule_figure``: block numbers across, authorities down: a hollow square for whose
  turn it was, a dot for who really sealed (green in turn, orange out of turn); a kind of
  mark that does not occur is left out of the legend.
* ``finality_figure``: for k = 1, 2, ... confirmations, the measured chance that a payment
  was reversed under Clique (bars), against a BFT quorum's immediate finality (zero).

Node positions come from plain trigonometry (networkx's layouts need numpy).
"""

from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction
from typing import Mapping, Sequence

import plotly.graph_objects as go

from minichain.block import Block
from minichain.chain import Chain
from minichain.network import Network
from minichain.poa import Clique, sealing_schedule
from minichain.teach import short
from minichain.viz.style import lay_out

HEAD_COLOURS = ("#4575b4", "#e8710a", "#984ea3", "#a65628", "#f781bf", "#1a9850")
LINK = "#bdbdbd"
CUT = "#d73027"
OFFLINE = "#7f7f7f"
ON_CHAIN = "#1a9850"
OFF_CHAIN = "#d73027"
IN_TURN = "#1a9850"
OUT_OF_TURN = "#e8710a"
INNER, OUTER = 0.45, 1.0


def _layout(figure: go.Figure, title: str, height: int) -> go.Figure:
    return lay_out(figure, title, height=height, margin={"l": 40, "r": 40, "t": 90, "b": 40})


def street_layout(network: Network) -> dict[str, tuple[float, float]]:
    """Authorities on an inner ring, everyone else on an outer ring, in name order."""
    graph = network.graph
    rings = ([n for n in network.names if n in network.keys],
             [n for n in network.names if n not in network.keys])
    positions = {}
    for radius, ring in zip((INNER, OUTER), rings):
        for index, name in enumerate(ring):
            angle = math.pi / 2 - 2 * math.pi * index / len(ring)
            positions[name] = (round(radius * math.cos(angle), 6),
                               round(radius * math.sin(angle), 6))
    missing = sorted(set(graph.nodes) - set(positions))
    if missing:
        raise ValueError(f"nodes without a position: {missing}")
    return positions


def head_groups(network: Network) -> list[tuple[Block, list[str]]]:
    """Running nodes grouped by head: the most-held head first, then by number and hash."""
    heads = network.heads()
    blocks = {block.hash: block for block in heads.values()}
    holders = Counter(block.hash for block in heads.values())
    order = sorted(holders, key=lambda h: (-holders[h], -blocks[h].number, h))
    return [(blocks[h], sorted(n for n, b in heads.items() if b.hash == h)) for h in order]


def _edge_trace(network: Network, positions, edges, name: str, colour: str,
                dash: str) -> go.Scatter:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for a, b in edges:
        xs += [positions[a][0], positions[b][0], None]
        ys += [positions[a][1], positions[b][1], None]
    return go.Scatter(x=xs, y=ys, mode="lines", name=name, hoverinfo="skip",
                      line={"color": colour, "width": 3, "dash": dash})


def network_figure(network: Network, title: str | None = None) -> go.Figure:
    """The graph of nodes, each coloured by its head; cut links red, offline nodes grey."""
    positions = street_layout(network)
    edges = sorted(tuple(sorted(e)) for e in network.graph.edges)
    up = [e for e in edges if network.link_up(*e)]
    cut = [e for e in edges if not network.link_up(*e)]
    figure = go.Figure([_edge_trace(network, positions, up, "link", LINK, "solid"),
                        _edge_trace(network, positions, cut, "cut by the partition", CUT,
                                    "dash")])
    groups = head_groups(network)
    for index, (block, names) in enumerate(groups):
        figure.add_trace(_node_trace(network, positions, names,
                                     f"head #{block.number} ({short(block.hash, 8)})",
                                     HEAD_COLOURS[index % len(HEAD_COLOURS)]))
    offline = sorted(network.down)
    if offline:
        figure.add_trace(_node_trace(network, positions, offline, "offline", OFFLINE,
                                     symbol="x"))
    heads = len(groups)
    default = (f"Sunny Street at {network.now:g} s: "
               f"{heads} head{'s' if heads != 1 else ''} among the running nodes")
    _layout(figure, title or default, 560)
    figure.update_xaxes(visible=False, range=[-1.35, 1.35])
    figure.update_yaxes(visible=False, range=[-1.25, 1.25], scaleanchor="x")
    return figure


def _node_trace(network: Network, positions, names: list[str], label: str, colour: str,
                symbol: str | None = None) -> go.Scatter:
    symbols = [symbol or ("square" if n in network.keys else "circle") for n in names]
    return go.Scatter(x=[positions[n][0] for n in names], y=[positions[n][1] for n in names],
                      mode="markers+text", name=label, text=names, textposition="top center",
                      marker={"size": 26, "color": colour, "symbol": symbols,
                              "line": {"width": 2, "color": "white"}},
                      hovertext=[f"{n}: height {network.nodes[n].chain.height}" for n in names],
                      hoverinfo="text")


def timeline_figure(network: Network, reference: str | None = None,
                    title: str = "Blocks as each node added them") -> go.Figure:
    """One row per node: blocks over time (green on the final chain, red dropped), reorgs."""
    if reference is None:
        reference = head_groups(network)[0][1][0]
    final = {block.hash for block in network.canonical_chain(reference)}
    rows = [n for n in network.names if n in network.keys] + \
           [n for n in network.names if n not in network.keys]
    figure = go.Figure()
    for name, colour, keep in (("on the final chain", ON_CHAIN, True),
                               ("on a dropped branch", OFF_CHAIN, False)):
        seen = [s for s in network.sightings if (s.block in final) == keep]
        figure.add_trace(go.Scatter(
            x=[s.time for s in seen], y=[s.node for s in seen], mode="markers+text",
            name=name, text=[str(s.number) for s in seen], textposition="middle center",
            textfont={"size": 11, "color": "white"},
            marker={"size": 22, "color": colour, "symbol": "circle"},
            hovertext=[f"{s.node} adds #{s.number} ({short(s.block, 8)}) at {s.time:g} s"
                       for s in seen], hoverinfo="text"))
    figure.add_trace(go.Scatter(
        x=[r.time for r in network.reorgs], y=[r.node for r in network.reorgs],
        mode="markers", name="reorg", marker={"size": 18, "color": "black", "symbol": "x"},
        hovertext=[f"{r.node} reorganises: {len(r.dropped)} dropped, {len(r.added)} added, "
                   f"{r.returned} transaction(s) back to the mempool"
                   for r in network.reorgs], hoverinfo="text"))
    for time, label in network_events(network):
        figure.add_vline(x=time, line={"dash": "dash", "color": OFFLINE, "width": 1})
        figure.add_annotation(x=time, y=1.0, xref="x", yref="paper", yanchor="bottom",
                              text=label, showarrow=False, font={"size": 14})
    _layout(figure, title, 120 + 45 * len(rows))
    figure.update_xaxes(title_text="simulated seconds")
    figure.update_yaxes(categoryorder="array", categoryarray=rows[::-1], type="category")
    return figure


def network_events(network: Network) -> list[tuple[float, str]]:
    """Partitions, heals, crashes and restarts from the log, as (time, short label)."""
    events = []
    for entry in network.log:
        if entry.node == "network":
            events.append((entry.time, entry.text.split(":")[0].replace("the partition ", "")))
        elif entry.text.startswith(("crashes", "restarts")):
            events.append((entry.time, f"{entry.node} {entry.text.split(' ')[0]}"))
    return events


def schedule_figure(chain: Chain, rule: Clique, names: Mapping[str, str] | None = None,
                    title: str = "Whose turn it was, and who sealed") -> go.Figure:
    """Block numbers across, authorities down: the in-turn authority and the real sealer."""
    names = dict(names or {})
    turns = sealing_schedule(chain, rule)
    members = sorted({a for t in turns for a in t.authorities} | {t.sealer for t in turns}
                     | set(rule.authorities(chain, chain.canonical_chain()[0].hash)))

    def label(address: str) -> str:
        return names.get(address) or short(address, 8)

    in_turn = [t for t in turns if t.sealer == t.in_turn]
    out_turn = [t for t in turns if t.sealer != t.in_turn]
    marks = (
        (turns, "in_turn", "its turn",
         {"size": 24, "symbol": "square-open", "color": OFFLINE, "line": {"width": 2}}),
        (in_turn, "sealer", "sealed in turn (difficulty 2)", {"size": 14, "color": IN_TURN}),
        (out_turn, "sealer", "sealed out of turn (difficulty 1)",
         {"size": 14, "color": OUT_OF_TURN}),
    )
    figure = go.Figure([go.Scatter(x=[t.number for t in chosen],
                                   y=[label(getattr(t, who)) for t in chosen],
                                   mode="markers", name=name, marker=marker)
                        for chosen, who, name, marker in marks if chosen])
    _layout(figure, title, 160 + 50 * len(members))
    figure.update_xaxes(title_text="block number", dtick=1,
                        range=[0.5, max((t.number for t in turns), default=1) + 0.5])
    figure.update_yaxes(type="category", categoryorder="array",
                        categoryarray=[label(a) for a in members][::-1])
    return figure


def finality_figure(chances: Sequence[tuple[int, Fraction]], runs: int | None = None,
                    title: str | None = None) -> go.Figure:
    """Bars: the measured chance a payment seen with k confirmations was reversed (Clique).

    A line at zero shows a BFT quorum (QBFT): a block counts only once two thirds of the
    validators signed it, and then it is never reversed, at one confirmation already.
    """
    ks = [k for k, _ in chances]
    percent = [float(chance) * 100 for _, chance in chances]
    figure = go.Figure([
        go.Bar(x=ks, y=percent, name="Clique, measured", marker={"color": OUT_OF_TURN},
               text=[f"{p:.1f} %" for p in percent], textposition="outside",
               hovertext=[f"seen with {k} confirmation(s): reversed in {p:.1f} % of "
                          "the nodes' runs" for k, p in zip(ks, percent)],
               hoverinfo="text"),
        go.Scatter(x=ks, y=[0.0] * len(ks), mode="lines+markers",
                   name="BFT quorum (QBFT): final at once", marker={"size": 12, "color": IN_TURN},
                   line={"color": IN_TURN, "width": 3}),
    ])
    sample = f" ({runs} partition runs)" if runs else ""
    _layout(figure, title or f"When is a payment safe? Reversals by confirmations{sample}", 460)
    figure.update_xaxes(title_text="confirmations when the payment was seen", dtick=1)
    figure.update_yaxes(title_text="payments reversed (%)",
                        range=[0, max(percent + [1.0]) * 1.25])
    return figure
