"""Pictures of the ledger: the chain as linked boxes and a block's Merkle tree (chapter 03).

Both builders are pure functions that return a ``plotly.graph_objects.Figure`` and are
tested as data (shapes, annotations, traces). ``chain_figure`` draws each block as a box
with an arrow to the parent it names and can mark the block where validation fails;
``merkle_figure`` draws the tree over a block's transactions and can highlight the path
and the sibling hashes of an inclusion proof. Fonts are large enough for a projector.
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

import plotly.graph_objects as go

from minichain.block import Block
from minichain.errors import MinichainError
from minichain.merkle import EMPTY_ROOT, merkle_levels
from minichain.teach import short
from minichain.viz.style import INK, SMALL_FONT, TITLE_FONT

BLUE = "#1f77b4"
LIGHT_BLUE = "#e3eef9"
GREY = "#7f7f7f"
LIGHT_GREY = "#eeeeee"
RED = "#d62728"
LIGHT_RED = "#fde0dd"
ORANGE = "#ff7f0e"
LIGHT_ORANGE = "#ffe5cc"
GREEN = "#2ca02c"
LIGHT_GREEN = "#dcf2dc"

FONT = SMALL_FONT["size"]            # dense diagrams: the course's small font
BOX_WIDTH = 1.0
BOX_GAP = 0.45
HASH_DIGITS = 8
NODE_DIGITS = 6

FAILS_HERE = "✗ fails validation here"


def _layout(figure: go.Figure, title: str, height: int) -> None:
    figure.update_layout(title={"text": title, "font": TITLE_FONT, "x": 0.01},
                         font={"size": FONT, "color": INK}, height=height,
                         plot_bgcolor="white", paper_bgcolor="white",
                         margin={"l": 20, "r": 20, "t": 70, "b": 20})


def failed_block(error: BaseException | None) -> int | None:
    """The number of the block an ``InvalidBlock`` names ("block #N: …"), to mark it red."""
    if error is None:
        return None
    match = re.match(r"block #(\d+)\b", str(error))
    return int(match.group(1)) if match else None


def block_label(block: Block, names: Mapping[str, str] | None = None) -> str:
    """The text inside a block's box: number, hash, parent, transactions, sealer."""
    header = block.header
    count = len(block.transactions)
    if header.number == 0:
        sealer = "agreed by all"
    else:
        sealer = (names or {}).get(header.sealer) or short(header.sealer, HASH_DIGITS) or "nobody"
    return "<br>".join([
        f"<b>Block #{header.number}</b>",
        f"hash {short(block.hash, HASH_DIGITS)}",
        f"parent {short(header.parent_hash, HASH_DIGITS)}",
        f"{count} transaction{'' if count == 1 else 's'}",
        f"sealer: {sealer}",
    ])


def chain_figure(blocks: Sequence[Block], *, failing: int | None = None, reason: str = "",
                 names: Mapping[str, str] | None = None,
                 title: str = "The chain: every block names its parent's hash") -> go.Figure:
    """Blocks as boxes with arrows to their parents; block number ``failing`` marked red.

    An arrow is red when the block's ``parent_hash`` is not the hash of the box before it.
    """
    figure = go.Figure()
    step = BOX_WIDTH + BOX_GAP
    marked = False
    for i, block in enumerate(blocks):
        x0 = i * step
        bad = block.number == failing and not marked
        figure.add_shape(type="rect", x0=x0, x1=x0 + BOX_WIDTH, y0=0, y1=1,
                         line={"color": RED if bad else BLUE, "width": 5 if bad else 2},
                         fillcolor=LIGHT_RED if bad else (LIGHT_GREY if block.number == 0
                                                          else LIGHT_BLUE))
        figure.add_annotation(x=x0 + BOX_WIDTH / 2, y=0.5, text=block_label(block, names),
                              showarrow=False, font={"size": FONT})
        if bad:
            marked = True
            text = f"<b>{FAILS_HERE}</b>" + (f"<br>{reason}" if reason else "")
            figure.add_annotation(x=x0 + BOX_WIDTH / 2, y=1.04, yanchor="bottom", text=text,
                                  showarrow=False, font={"size": FONT + 1, "color": RED})
    for i in range(1, len(blocks)):
        linked = blocks[i].header.parent_hash == blocks[i - 1].hash
        figure.add_annotation(x=(i - 1) * step + BOX_WIDTH, y=0.5, ax=i * step, ay=0.5,
                              xref="x", yref="y", axref="x", ayref="y", text="",
                              showarrow=True, arrowhead=2, arrowsize=1.4, arrowwidth=3,
                              arrowcolor=GREY if linked else RED)
    width = max(len(blocks) * step - BOX_GAP, BOX_WIDTH)
    figure.update_xaxes(visible=False, range=[-0.05, width + 0.05], fixedrange=True)
    figure.update_yaxes(visible=False, range=[-0.08, 1.42], fixedrange=True)
    _layout(figure, title, height=360)
    return figure


def _positions(levels: list[list[bytes]]) -> tuple[list[list[float]], list[list[bool]]]:
    """Where each node sits (x), and whether it was carried up from a lone child."""
    xs = [[float(i) for i in range(len(levels[0]))]]
    carried = [[False] * len(levels[0])]
    for level in levels[1:]:
        below = xs[-1]
        row, lone = [], []
        for j in range(len(level)):
            if 2 * j + 1 < len(below):
                row.append((below[2 * j] + below[2 * j + 1]) / 2)
                lone.append(False)
            else:
                row.append(below[2 * j])
                lone.append(True)
        xs.append(row)
        carried.append(lone)
    return xs, carried


def proof_path(count: int, index: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The (level, position) of each node on the way to the root, and of each proof sibling."""
    if not 0 <= index < count:
        raise MinichainError(f"leaf index {index} is outside 0..{count - 1}")
    path, siblings = [], []
    size, level = count, 0
    while True:
        path.append((level, index))
        if size == 1:
            return path, siblings
        if index ^ 1 < size:
            siblings.append((level, index ^ 1))
        index //= 2
        size = (size + 1) // 2
        level += 1


def _node_trace(name: str, nodes: list[tuple[float, int, bytes]], fill: str,
                edge: str) -> go.Scatter:
    return go.Scatter(name=name, x=[x for x, _, _ in nodes], y=[y for _, y, _ in nodes],
                      mode="markers+text", text=[h.hex()[:NODE_DIGITS] for _, _, h in nodes],
                      hovertext=[h.hex() for _, _, h in nodes], hoverinfo="text",
                      textposition="middle center", textfont={"size": FONT - 1},
                      marker={"symbol": "square", "size": 64, "color": fill,
                              "line": {"color": edge, "width": 3}})


def merkle_figure(leaves: Sequence[bytes], *, highlight: int | None = None,
                  labels: Sequence[str] | None = None, title: str = "") -> go.Figure:
    """The Merkle tree over ``leaves``; with ``highlight`` the proof path of that leaf.

    Leaves are hashed with the 0x00 prefix, pairs with 0x01; a lone node is carried up
    unchanged (dashed edge). Highlighted: the path from the leaf to the root (orange) and
    the sibling hashes a light client receives as the proof (green).
    """
    leaves = list(leaves)
    labels = list(labels) if labels is not None else [f"tx {i}" for i in range(len(leaves))]
    if len(labels) != len(leaves):
        raise MinichainError(f"{len(labels)} labels for {len(leaves)} leaves: give one each")
    figure = go.Figure()
    if not leaves:
        figure.add_trace(_node_trace("root", [(0.0, 0, EMPTY_ROOT)], LIGHT_GREY, GREY))
        figure.add_annotation(x=0, y=0.6, text="no transactions: the root is SHA-256 of nothing",
                              showarrow=False)
        figure.update_xaxes(visible=False, range=[-2, 2])
        figure.update_yaxes(visible=False, range=[-1, 1.2])
        _layout(figure, title or "Merkle tree of no transactions", height=300)
        return figure
    levels = merkle_levels(leaves)
    xs, carried = _positions(levels)
    path, siblings = proof_path(len(leaves), highlight) if highlight is not None else ([], [])
    on_path, in_proof = set(path), set(siblings)

    paired_x: list[float | None] = []
    paired_y: list[float | None] = []
    lone_x: list[float | None] = []
    lone_y: list[float | None] = []
    for level in range(1, len(levels)):
        for j, x in enumerate(xs[level]):
            children = [2 * j] if carried[level][j] else [2 * j, 2 * j + 1]
            for child in children:
                line_x, line_y = (lone_x, lone_y) if carried[level][j] else (paired_x, paired_y)
                line_x += [x, xs[level - 1][child], None]
                line_y += [level, level - 1, None]
    if paired_x:
        figure.add_trace(go.Scatter(name="hashed in pairs: SHA-256(0x01 ‖ left ‖ right)",
                                    x=paired_x, y=paired_y, mode="lines", hoverinfo="skip",
                                    line={"color": GREY, "width": 3}))
    if lone_x:
        figure.add_trace(go.Scatter(name="odd node carried up unchanged", x=lone_x, y=lone_y,
                                    mode="lines", hoverinfo="skip",
                                    line={"color": GREY, "width": 3, "dash": "dash"}))

    plain, path_nodes, proof_nodes = [], [], []
    for level, row in enumerate(levels):
        for j, node in enumerate(row):
            where = (level, j)
            bucket = path_nodes if where in on_path else proof_nodes if where in in_proof else plain
            bucket.append((xs[level][j], level, node))
    if plain:
        figure.add_trace(_node_trace("hash", plain, LIGHT_BLUE, BLUE))
    if path_nodes:
        figure.add_trace(_node_trace("path: the leaf up to the root", path_nodes,
                                     LIGHT_ORANGE, ORANGE))
    if proof_nodes:
        figure.add_trace(_node_trace(f"the proof: {len(proof_nodes)} sibling hash"
                                     f"{'' if len(proof_nodes) == 1 else 'es'}",
                                     proof_nodes, LIGHT_GREEN, GREEN))

    for i, label in enumerate(labels):
        bold = i == highlight
        figure.add_annotation(x=xs[0][i], y=-0.42, text=f"<b>{label}</b>" if bold else label,
                              showarrow=False, yanchor="top",
                              font={"size": FONT, "color": ORANGE if bold else INK})
    top = len(levels) - 1
    figure.add_annotation(x=xs[top][0], y=top + 0.42, yanchor="bottom", showarrow=False,
                          text="<b>root</b> = the header's tx_root", font={"size": FONT})

    ticks = ["leaves<br>SHA-256(0x00 ‖ tx)"] + ["SHA-256(0x01 ‖ L ‖ R)"] * (len(levels) - 1)
    if len(levels) > 1:
        ticks[-1] = "root"
    figure.update_yaxes(tickvals=list(range(len(levels))), ticktext=ticks, showgrid=False,
                        zeroline=False, range=[-1.25, top + 0.9], fixedrange=True,
                        tickfont={"size": FONT - 1})
    figure.update_xaxes(visible=False, range=[-0.7, len(leaves) - 0.3], fixedrange=True)
    if not title:
        title = f"Merkle tree of {len(leaves)} transaction{'' if len(leaves) == 1 else 's'}"
        if highlight is not None:
            name = labels[highlight].replace("<br>", ", ")
            title = (f"Inclusion proof for {name}: {len(siblings)} sibling "
                     f"hash{'' if len(siblings) == 1 else 'es'} rebuild the root")
    _layout(figure, title, height=170 + 120 * len(levels))
    figure.update_layout(legend={"orientation": "h", "y": -0.02, "yanchor": "top",
                                 "font": {"size": FONT - 1}},
                         margin={"l": 20, "r": 20, "t": 70, "b": 60})
    return figure
