"""Figures for the first chapters: Sunny Street, hash bits, a signed transfer, balances (chapters 00-02).

Pure builders: each takes plain values and returns a ``plotly.graph_objects.Figure``, so the
tests read a figure as data and a notebook only displays it. ``transfer_history`` applies
transactions to a copy of a state and records what a balances picture needs. Money is in
µ€ and shown in euros (``format_money``). Fonts are large so that a projected figure reads
from the back row.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from minichain import crypto
from minichain.errors import InvalidTransaction
from minichain.execution import BlockContext, apply_transaction
from minichain.market.units import amount_for, cents_per_kwh, format_money
from minichain.state import State
from minichain.teach import short
from minichain.tx import SignedTransaction
from minichain.viz.style import lay_out

ENERGY = "#e8710a"      # orange: energy, and a bit that flipped
TOKENS = "#1a9850"      # green: money, and a check that passed
REJECTED = "#d73027"    # red: a check that failed, a rejected transaction
AUTHORITY = "#4575b4"   # blue: the authorities and the chain
QUIET = "#d9d9d9"       # grey: what did not change
PALETTE = ("#e8710a", "#4575b4", "#1a9850", "#984ea3", "#a65628", "#f781bf")


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    return lay_out(fig, title, height=height, margin={"l": 40, "r": 40, "t": 90, "b": 40})


# --- chapter 00: the street -------------------------------------------------------------

HOUSES = (("Alice", 1.0, True), ("Bob", 3.5, False), ("Carol", 6.0, True), ("Dave", 8.5, False))
AUTHORITIES = (("grid operator", 1.5), ("municipality", 4.75), ("energy co-op", 8.0))


def sunny_street_figure() -> go.Figure:
    """Sunny Street at a glance: houses trade energy and money, authorities seal the chain."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=[x for _, x, _ in HOUSES], y=[0] * len(HOUSES), mode="markers+text",
        marker={"symbol": "square", "size": 60, "color": [ENERGY if pv else "#bdbdbd"
                                                          for _, _, pv in HOUSES]},
        text=[f"{name}<br>{'rooftop PV' if pv else 'no PV'}" for name, _, pv in HOUSES],
        textposition="bottom center", name="households", hoverinfo="text"))
    fig.add_trace(go.Scatter(
        x=[x for _, x in AUTHORITIES], y=[3] * len(AUTHORITIES), mode="markers+text",
        marker={"symbol": "diamond", "size": 44, "color": AUTHORITY},
        text=[name for name, _ in AUTHORITIES], textposition="top center",
        name="authorities (seal blocks)", hoverinfo="text"))
    blocks = [0.75 + 1.6 * i for i in range(6)]
    for i, x in enumerate(blocks):
        fig.add_shape(type="rect", x0=x, x1=x + 1.1, y0=1.55, y1=2.05,
                      line={"color": AUTHORITY, "width": 2}, fillcolor="#deebf7")
        fig.add_annotation(x=x + 0.55, y=1.8, text=f"#{i}", showarrow=False)
        if i:
            fig.add_shape(type="line", x0=x - 0.5, x1=x, y0=1.8, y1=1.8,
                          line={"color": AUTHORITY, "width": 3})
    fig.add_annotation(x=blocks[-1] + 1.25, y=1.8, text="the chain", showarrow=False,
                       xanchor="left", font={"color": AUTHORITY})
    for _, x in AUTHORITIES:
        fig.add_shape(type="line", x0=x, x1=x, y0=2.75, y1=2.05,
                      line={"color": AUTHORITY, "dash": "dot", "width": 2})
    for _, x, _ in HOUSES:
        fig.add_shape(type="line", x0=x, x1=x, y0=0.35, y1=1.55,
                      line={"color": "#969696", "dash": "dot", "width": 2})
    alice, bob = HOUSES[0][1], HOUSES[1][1]
    fig.add_annotation(x=bob - 0.45, y=0.15, ax=alice + 0.45, ay=0.15, xref="x", yref="y",
                       axref="x", ayref="y", showarrow=True, arrowhead=3, arrowsize=1.5,
                       arrowwidth=3, arrowcolor=ENERGY, text="")
    fig.add_annotation(x=(alice + bob) / 2, y=0.45, text="⚡ 1.2 kWh", showarrow=False,
                       font={"color": ENERGY})
    fig.add_annotation(x=alice + 0.45, y=-0.2, ax=bob - 0.45, ay=-0.2, xref="x", yref="y",
                       axref="x", ayref="y", showarrow=True, arrowhead=3, arrowsize=1.5,
                       arrowwidth=3, arrowcolor=TOKENS, text="")
    paid = format_money(amount_for(1_200, cents_per_kwh(20)))
    fig.add_annotation(x=(alice + bob) / 2, y=-0.5, text=f"{paid} (20 ct/kWh)", showarrow=False,
                       font={"color": TOKENS})
    fig.update_xaxes(visible=False, range=[0, 11.5])
    fig.update_yaxes(visible=False, range=[-1.4, 4.0])
    fig.update_layout(showlegend=False)
    return _layout(fig, "Sunny Street: neighbours trade, authorities keep the books", 560)


# --- chapter 01: hashes ------------------------------------------------------------------

def bits_of(data: bytes) -> list[int]:
    """The bits of ``data``, most significant bit of the first byte first."""
    return [(byte >> (7 - i)) & 1 for byte in data for i in range(8)]


def avalanche_figure(before: bytes, after: bytes, title: str = "") -> go.Figure:
    """The bits of two hashes in a grid: orange where a bit flipped, grey where it stayed."""
    if len(before) != len(after):
        raise ValueError(f"compare hashes of equal length, got {len(before)} and {len(after)} bytes")
    old, new = bits_of(before), bits_of(after)
    columns = 16 if len(new) >= 128 else 8
    rows = [list(range(start, min(start + columns, len(new))))
            for start in range(0, len(new), columns)]
    flipped = sum(a != b for a, b in zip(old, new))
    fig = go.Figure(go.Heatmap(
        z=[[int(old[i] != new[i]) for i in row] for row in rows],
        text=[[str(new[i]) for i in row] for row in rows],
        customdata=[[f"bit {i}: {old[i]} → {new[i]}" for i in row] for row in rows],
        texttemplate="%{text}", textfont={"size": 14},
        hovertemplate="%{customdata}<extra></extra>",
        colorscale=[[0, QUIET], [0.5, QUIET], [0.5, ENERGY], [1, ENERGY]], zmin=0, zmax=1,
        showscale=False, xgap=2, ygap=2))
    for name, colour in (("bit unchanged", QUIET), ("bit flipped", ENERGY)):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name,
                                 marker={"symbol": "square", "size": 18, "color": colour}))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    fig.update_layout(legend={"orientation": "h", "y": -0.02, "x": 0.5, "xanchor": "center"})
    default = f"{flipped} of {len(new)} bits flipped (digits: the new hash's bits)"
    return _layout(fig, title or default, 620)


def flip_histogram_figure(counts: list[int], total_bits: int = 256) -> go.Figure:
    """How many bits flipped for each of many small changes: always near half, never a few."""
    if not counts:
        raise ValueError("give at least one count of flipped bits")
    tally = Counter(counts)
    xs = sorted(tally)
    fig = go.Figure(go.Bar(x=xs, y=[tally[x] for x in xs], marker={"color": ENERGY},
                           name="changes", hovertemplate="%{x} bits: %{y} changes<extra></extra>"))
    fig.add_vline(x=total_bits / 2, line={"color": AUTHORITY, "dash": "dash", "width": 3},
                  annotation={"text": "half the bits ", "font": {"color": AUTHORITY}},
                  annotation_position="top left")
    fig.update_xaxes(title="bits flipped in the hash", range=[0, total_bits])
    fig.update_yaxes(title="number of changes")
    title = (f"{len(counts)} one-Wh changes: {min(counts)} to {max(counts)} "
             f"of {total_bits} bits flip")
    return _layout(fig, title, 480)


# --- chapter 02: a signed transfer ---------------------------------------------------------

def transfer_checks(stx: SignedTransaction, chain_id: int = 1) -> list[tuple[str, bool]]:
    """The checks any node can make without the state: what each says, and if it passed."""
    signer = crypto.address_from_public_key(stx.public_key)
    checks = [
        (signer == stx.tx.sender, "key matches sender", "key is not the sender's"),
        (crypto.verify(stx.public_key, stx.tx.signing_digest, stx.signature),
         "signature verifies", "signature does not verify"),
        (stx.tx.chain_id == chain_id, f"chain id is {chain_id}",
         f"chain id {stx.tx.chain_id}, not {chain_id}"),
    ]
    return [(passed if ok else failed, ok) for ok, passed, failed in checks]


def _name(address: str, names: dict[str, str]) -> str:
    return names.get(address, "0x" + short(address, 6))


def _who(address: str, names: dict[str, str]) -> str:
    """A name and a short address, or just the short address when there is no name."""
    return f"{names[address]} 0x{short(address, 6)}" if address in names else _name(address, names)


def signed_transfer_figure(stx: SignedTransaction, names: dict[str, str] | None = None,
                           chain_id: int = 1) -> go.Figure:
    """Who signs what, what travels, and what every node checks before using the state."""
    names = names or {}
    tx = stx.tx
    sender, recipient = _name(tx.sender, names), _name(tx.to, names)
    checks = transfer_checks(stx, chain_id)
    all_pass = all(ok for _, ok in checks)
    boxes = [
        (0.0, 3.2, AUTHORITY,
         f"<b>{sender}'s wallet</b><br><br>private key<br>(never leaves it)<br><br>"
         f"signs the hash of<br>the transaction"),
        (3.9, 8.3, ENERGY,
         "<b>the signed transaction</b><br>"
         f"from: {_who(tx.sender, names)}<br>to: {_who(tx.to, names)}<br>"
         f"value: {format_money(tx.value)}<br>nonce: {tx.nonce} · chain: {tx.chain_id}<br>"
         f"gas: {tx.gas:,} × price {tx.gas_price}<br>"
         f"public key: {short(stx.public_key, 10)}<br>signature: {short(stx.signature, 10)}"),
        (9.1, 13.4, TOKENS if all_pass else REJECTED,
         "<b>every node checks</b><br><br>"
         + "<br>".join(f"{'✓' if ok else '✗'} {what}" for what, ok in checks)
         + "<br><br>then, with the state:<br>nonce is next,<br>balance covers"),
    ]
    fig = go.Figure()
    for x0, x1, colour, text in boxes:
        fig.add_shape(type="rect", x0=x0, x1=x1, y0=0, y1=6, line={"color": colour, "width": 3},
                      fillcolor="white")
        fig.add_annotation(x=(x0 + x1) / 2, y=3, text=text, showarrow=False, align="left")
    for x_from, x_to, label in ((3.2, 3.9, "signs"), (8.3, 9.1, "sent to")):
        fig.add_annotation(x=x_to, y=3, ax=x_from, ay=3, xref="x", yref="y", axref="x",
                           ayref="y", showarrow=True, arrowhead=3, arrowsize=1.5,
                           arrowwidth=3, text="")
        fig.add_annotation(x=(x_from + x_to) / 2, y=3.5, text=label, showarrow=False,
                           font={"size": 14})
    fig.update_xaxes(visible=False, range=[-0.2, 13.6])
    fig.update_yaxes(visible=False, range=[-0.2, 6.2])
    failed = [what for what, ok in checks if not ok]
    verdict = "every check passes ✓" if all_pass else "✗ " + "; ".join(failed)
    return _layout(fig, f"{sender} pays {recipient} {format_money(tx.value)}: {verdict}", 460)


# --- chapter 02: balances over a day of transfers --------------------------------------------

@dataclass(frozen=True)
class History:
    """Balances and nonces after each transaction in turn, and what became of each."""

    labels: tuple[str, ...]                    # "start", then one label per transaction
    balances: dict[str, tuple[int, ...]]       # name → balance at each step
    nonces: dict[str, tuple[int, ...]]         # name → nonce at each step
    outcomes: tuple[str, ...]                  # "applied" or the error's class name


def transfer_history(state: State, transactions: list[SignedTransaction],
                     context: BlockContext, names: dict[str, str]) -> History:
    """Apply ``transactions`` in order to a copy of ``state``, skipping the rejected ones."""
    work = state.copy()
    labels, outcomes = ["start"], []
    balances = {name: [work.balance(address)] for address, name in names.items()}
    nonces = {name: [work.nonce(address)] for address, name in names.items()}
    for number, stx in enumerate(transactions, start=1):
        try:
            apply_transaction(work, stx, context)
            outcomes.append("applied")
        except InvalidTransaction as error:
            outcomes.append(type(error).__name__)
        labels.append(f"{number}. {_name(stx.tx.sender, names)} → "
                      f"{_name(stx.tx.to, names)} {format_money(stx.tx.value)}")
        for address, name in names.items():
            balances[name].append(work.balance(address))
            nonces[name].append(work.nonce(address))
    return History(tuple(labels), {k: tuple(v) for k, v in balances.items()},
                   {k: tuple(v) for k, v in nonces.items()}, tuple(outcomes))


def balances_figure(history: History, title: str = "") -> go.Figure:
    """Balances (top) and nonces (bottom) after each transaction; rejected ones in red."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.64, 0.36],
                        vertical_spacing=0.06)
    steps = list(range(len(history.labels)))
    for i, name in enumerate(history.balances):
        colour = PALETTE[i % len(PALETTE)]
        fig.add_trace(go.Scatter(x=steps, y=list(history.balances[name]), name=name,
                                 mode="lines+markers", line={"shape": "hv", "width": 4,
                                                             "color": colour},
                                 marker={"size": 10}, legendgroup=name), row=1, col=1)
        fig.add_trace(go.Scatter(x=steps, y=list(history.nonces[name]), name=name,
                                 mode="lines+markers", line={"shape": "hv", "width": 4,
                                                             "color": colour},
                                 marker={"size": 10}, legendgroup=name, showlegend=False),
                      row=2, col=1)
    for step, outcome in enumerate(history.outcomes, start=1):
        if outcome == "applied":
            continue
        fig.add_vrect(x0=step - 0.4, x1=step + 0.4, fillcolor=REJECTED, opacity=0.15,
                      line_width=0, row="all", col=1)
        fig.add_annotation(x=step, y=1.0, xref="x", yref="paper", yanchor="bottom",
                           text=f"✗ {outcome}", showarrow=False,
                           font={"color": REJECTED, "size": 15})
    fig.update_xaxes(tickvals=steps, ticktext=list(history.labels), tickangle=-30,
                     tickfont={"size": 14}, row=2, col=1)
    fig.update_yaxes(rangemode="tozero", title="balance (µ€)", row=1, col=1)
    fig.update_yaxes(rangemode="tozero", title="nonce", dtick=1, row=2, col=1)
    rejected = sum(outcome != "applied" for outcome in history.outcomes)
    default = (f"{len(history.outcomes)} transactions, {rejected} rejected: "
               "a rejected one changes nothing")
    fig = _layout(fig, title or default, 640)
    fig.update_layout(margin={"t": 120, "b": 140})
    return fig
