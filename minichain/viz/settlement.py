"""Pictures of settlement and reputation: token flows, deliveries, scores (chapter 10).

Pure builders that return a ``plotly.graph_objects.Figure`` and are tested as data:

* ``slot_token_flows`` reads a slot's story back from the market's own events (orders
  posted, trades, releases, the McAfee surplus, settlements) and turns it into
  ``TokenFlow``s: from each buyer's **escrow** and each seller's **bond** to the sellers,
  the utility, the community fund, or back to their owners. Whatever a slot still holds
  (a trade not settled yet, a bond not released) flows to ``STILL_HELD``, so the flows
  out of every escrow and bond always add up to what it locked.
* ``token_sankey`` draws those flows as a Sankey diagram, one colour per kind of flow.
* ``deliveries_from_events`` and ``delivery_figure``: per trade, the Wh the seller's meter
  showed delivered and the shortfall, stacked to what was sold.
* ``plain_average`` and ``score_figure``: a score against the number of ratings, the plain
  average beside the Bayesian score the reputation contract keeps
  (``minichain.market.reputation.score``), with a buyer's minimum as a line.

Amounts are whole µ€ (the street's token, ``market.units``) and Wh; the Sankey shows money
in euros and only the score picture divides, to draw stars.
Fonts are large enough for the back row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import plotly.graph_objects as go

from minichain.market.reputation import MAX_STARS, MILLI, PRIOR_SCORE, Record, score
from minichain.market.settlement import Delivery
from minichain.market.units import amount_for, format_money
from minichain.errors import SettlementError
from minichain.teach import short
from minichain.vm.abi import DecodedEvent
from minichain.viz.style import FONT, INK, TITLE_FONT


# kinds of token flow, in the order the picture lists them
PAYMENT = "paid to the seller"
SURPLUS = "McAfee surplus"
REFUND = "escrow back"
PENALTY = "shortfall penalty"
BOND_BACK = "bond back"
HELD = "still held"
KINDS = (PAYMENT, SURPLUS, REFUND, PENALTY, BOND_BACK, HELD)

UTILITY_NODE = "utility"
FUND_NODE = "community fund"
STILL_HELD = "still held by the market"

KIND_COLOURS = {PAYMENT: (26, 152, 80), SURPLUS: (232, 113, 10), REFUND: (150, 165, 190),
                PENALTY: (215, 48, 39), BOND_BACK: (200, 180, 140), HELD: (69, 117, 180)}
LINK_ALPHA = 0.5
ESCROW_COLOUR = "#4575b4"
BOND_COLOUR = "#e8a33d"
ACCOUNT_COLOUR = "#636363"
TARGET_COLOURS = {UTILITY_NODE: "#d73027", FUND_NODE: "#e8710a", STILL_HELD: "#4575b4"}

DELIVERED_COLOUR = "#1a9850"
SHORTFALL_COLOUR = "#d73027"
SERIES_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b")
MINIMUM_COLOUR = "#444444"
PRIOR_COLOUR = "#aaaaaa"

BUY_SIDE = 1                      # the market contract's code for a buy order


@dataclass(frozen=True)
class TokenFlow:
    """Tokens that moved (or still wait) from one escrow or bond to one account."""

    source: str        # "Bob's escrow", "Alice's bond"
    target: str        # an account's name, UTILITY_NODE, FUND_NODE or STILL_HELD
    amount: int
    kind: str          # one of KINDS


def kind_colour(kind: str, alpha: float = 1.0) -> str:
    """The colour of one kind of flow (links are drawn half transparent)."""
    red, green, blue = KIND_COLOURS[kind]
    return f"rgba({red}, {green}, {blue}, {alpha})"


def _name(address: str, names: Mapping[str, str] | None) -> str:
    return (names or {}).get(address) or short(address, 8)


def escrow_node(name: str) -> str:
    """The Sankey node for what a buyer locked: its buy orders' escrow and its takes."""
    return f"{name}'s escrow"


def bond_node(name: str) -> str:
    """The Sankey node for what a seller locked: its sell orders' delivery bonds."""
    return f"{name}'s bond"


def slot_token_flows(events: Iterable[DecodedEvent], slot: int,
                     names: Mapping[str, str] | None = None) -> list[TokenFlow]:
    """Every token a slot's orders and takes locked, followed to where it went, from the
    market's events (``MarketClient.events()``); ``names`` maps addresses to labels."""
    events = list(events)
    orders = {e["order"]: e for e in events if e.name == "OrderPosted" and e["slot"] == slot}
    trades = {e["trade"]: e for e in events if e.name == "Trade" and e["slot"] == slot}
    locked: dict[str, int] = {}               # source node -> µ€ that went in
    moved: dict[tuple[str, str, str], int] = {}

    def lock(node: str, amount: int) -> None:
        locked[node] = locked.get(node, 0) + amount

    def move(source: str, target: str, kind: str, amount: int) -> None:
        if amount < 0:
            raise SettlementError(f"a flow of {amount} µ€ from {source} to {target}: "
                                  "the events do not add up")
        if amount:
            moved[(source, target, kind)] = moved.get((source, target, kind), 0) + amount

    def source_of(order: DecodedEvent) -> str:
        owner = _name(order["owner"], names)
        return escrow_node(owner) if order["side"] == BUY_SIDE else bond_node(owner)

    for order in orders.values():
        lock(source_of(order), order["locked"])
    for trade in trades.values():
        buyer = escrow_node(_name(trade["buyer"], names))
        paid = amount_for(trade["quantity_wh"], trade["price"])
        if trade["buy_order"] == 0:                  # a direct take locks its payment now
            lock(buyer, paid)
        move(buyer, FUND_NODE, SURPLUS,
             paid - amount_for(trade["quantity_wh"], trade["seller_price"]))
    for event in events:
        if event.name in ("Released", "Cancelled") and event["order"] in orders:
            order = orders[event["order"]]
            amount = event["amount"] if event.name == "Released" else event["released"]
            move(source_of(order), _name(order["owner"], names),
                 REFUND if order["side"] == BUY_SIDE else BOND_BACK, amount)
        elif event.name == "Settled" and event["trade"] in trades:
            trade = trades[event["trade"]]
            move(escrow_node(_name(trade["buyer"], names)), _name(event["seller"], names),
                 PAYMENT, event["paid"])
            move(bond_node(_name(event["seller"], names)), UTILITY_NODE, PENALTY,
                 event["penalty"])
    out: dict[str, int] = {}
    for (source, _, _), amount in moved.items():
        out[source] = out.get(source, 0) + amount
    for source in sorted(set(locked) | set(out)):
        move(source, STILL_HELD, HELD, locked.get(source, 0) - out.get(source, 0))
    order_of = {kind: n for n, kind in enumerate(KINDS)}
    return [TokenFlow(source, target, amount, kind) for (source, target, kind), amount
            in sorted(moved.items(), key=lambda item: (order_of[item[0][2]], item[0]))]


def token_sankey(flows: Sequence[TokenFlow],
                 title: str = "Where the slot's money went") -> go.Figure:
    """The flows as a Sankey diagram: escrow and bonds on the left, accounts on the right."""
    sources = sorted({flow.source for flow in flows},
                     key=lambda node: (not node.endswith("'s escrow"), node))
    targets = sorted({flow.target for flow in flows},
                     key=lambda node: (node in TARGET_COLOURS,
                                       list(TARGET_COLOURS).index(node)
                                       if node in TARGET_COLOURS else 0, node))
    clash = set(sources) & set(targets)
    if clash:
        raise SettlementError(f"{sorted(clash)} is both a source and a target of flows")
    labels = sources + targets
    index = {label: n for n, label in enumerate(labels)}
    colours = [ESCROW_COLOUR if node.endswith("'s escrow") else BOND_COLOUR for node in sources]
    colours += [TARGET_COLOURS.get(node, ACCOUNT_COLOUR) for node in targets]
    total = sum(flow.amount for flow in flows)
    figure = go.Figure(go.Sankey(
        arrangement="snap", valueformat=",d", valuesuffix=" µ€", textfont=FONT,
        node={"label": labels, "color": colours, "pad": 22, "thickness": 22,
              "line": {"color": INK, "width": 0.5}},
        link={"source": [index[flow.source] for flow in flows],
              "target": [index[flow.target] for flow in flows],
              "value": [flow.amount for flow in flows],
              "label": [flow.kind for flow in flows],
              "color": [kind_colour(flow.kind, LINK_ALPHA) for flow in flows]}))
    legend = "   ".join(f"<span style='color:{kind_colour(kind)}'>■</span> {kind}"
                         for kind in KINDS if any(flow.kind == kind for flow in flows))
    figure.add_annotation(x=0.5, y=-0.12, xref="paper", yref="paper", showarrow=False,
                          text=legend, font=FONT)
    figure.update_layout(title={"text": f"{title} ({format_money(total)})", "font": TITLE_FONT,
                                "x": 0.02},
                         font={**FONT, "color": INK}, height=560, paper_bgcolor="white",
                         margin={"l": 30, "r": 30, "t": 80, "b": 80})
    return figure


def deliveries_from_events(events: Iterable[DecodedEvent], slot: int) -> tuple[Delivery, ...]:
    """How each trade of ``slot`` settled, read back from the market's ``Settled`` events."""
    events = list(events)
    in_slot = {e["trade"] for e in events if e.name == "Trade" and e["slot"] == slot}
    return tuple(Delivery(e["trade"], e["seller"], e["buyer"],
                          e["delivered_wh"] + e["shortfall_wh"], e["delivered_wh"],
                          e["shortfall_wh"], e["paid"], e["penalty"])
                 for e in events if e.name == "Settled" and e["trade"] in in_slot)


def delivery_label(delivery: Delivery, names: Mapping[str, str] | None = None) -> str:
    """The axis label of one trade: its number and who sold to whom."""
    return (f"trade {delivery.trade_id}<br>{_name(delivery.seller, names)} → "
            f"{_name(delivery.buyer, names)}")


def delivery_figure(deliveries: Sequence[Delivery], names: Mapping[str, str] | None = None,
                    title: str = "Delivered against sold, per trade") -> go.Figure:
    """Per trade, the delivered Wh (green) and the shortfall (red), stacked to what was sold."""
    labels = [delivery_label(d, names) for d in deliveries]
    figure = go.Figure()
    for name, field, colour in (("delivered", "delivered_wh", DELIVERED_COLOUR),
                                ("shortfall", "shortfall_wh", SHORTFALL_COLOUR)):
        values = [getattr(d, field) for d in deliveries]
        figure.add_trace(go.Bar(
            x=labels, y=values, name=name, marker={"color": colour},
            text=[f"{v:,} Wh" if v else "" for v in values], textposition="inside",
            textfont={"size": 18, "color": "white"},
            hovertemplate=f"%{{x}}: %{{y:,}} Wh {name}<extra></extra>"))
    figure.update_layout(barmode="stack", title={"text": title, "font": TITLE_FONT, "x": 0.02},
                         font={**FONT, "color": INK}, height=480, template="plotly_white",
                         legend={"font": FONT, "orientation": "h", "y": -0.25,
                                 "traceorder": "normal"},
                         margin={"l": 90, "r": 30, "t": 80, "b": 130})
    figure.update_yaxes(title={"text": "Wh sold in the trade", "font": FONT})
    return figure


def plain_average(stars: Sequence[int]) -> int | None:
    """The plain average of the stars in milli-stars, rounded down (None with no rating)."""
    if not stars:
        return None
    return MILLI * sum(stars) // len(stars)


def bayesian_scores(stars: Sequence[int]) -> list[int]:
    """The reputation contract's score after 0, 1, 2, ... of these ratings, in milli-stars."""
    return [score(Record(stars=sum(stars[:n]), ratings=n)) for n in range(len(stars) + 1)]


def score_figure(ratings: Mapping[str, Sequence[int]], minimum: int | None = 4000,
                 title: str = "Score against the number of ratings: plain average vs Bayesian"
                 ) -> go.Figure:
    """For each rated seller (label -> its stars in order), the plain average (dashed) and
    the Bayesian score (solid) after each rating, in stars; ``minimum`` in milli-stars."""
    figure = go.Figure()
    longest = 0
    for n, (label, stars) in enumerate(ratings.items()):
        if any(not 1 <= s <= MAX_STARS for s in stars):
            raise SettlementError(f"stars must be 1 to 5, got {list(stars)} for {label}")
        colour = SERIES_COLOURS[n % len(SERIES_COLOURS)]
        counts = list(range(len(stars) + 1))
        longest = max(longest, len(stars))
        plain = [None] + [plain_average(stars[:k]) / MILLI for k in counts[1:]]
        figure.add_trace(go.Scatter(
            x=counts, y=plain, name=f"{label}: plain average", mode="lines+markers",
            line={"color": colour, "dash": "dash", "width": 3}, marker={"size": 8}))
        figure.add_trace(go.Scatter(
            x=counts, y=[value / MILLI for value in bayesian_scores(stars)],
            name=f"{label}: Bayesian score", mode="lines+markers",
            line={"color": colour, "width": 4}, marker={"size": 9}))
    ends = [0, max(longest, 1)]
    figure.add_trace(go.Scatter(x=ends, y=[PRIOR_SCORE / MILLI] * 2, mode="lines",
                                name="a newcomer's score (the prior)",
                                line={"color": PRIOR_COLOUR, "width": 2}))
    if minimum is not None:
        figure.add_trace(go.Scatter(x=ends, y=[minimum / MILLI] * 2, mode="lines",
                                    name=f"a buyer's minimum: {minimum:,} milli-stars",
                                    line={"color": MINIMUM_COLOUR, "dash": "dot", "width": 3}))
    figure.update_layout(title={"text": title, "font": TITLE_FONT, "x": 0.02},
                         font={**FONT, "color": INK}, height=540, template="plotly_white",
                         legend={"font": FONT, "orientation": "h", "y": -0.2},
                         margin={"l": 80, "r": 30, "t": 80, "b": 150})
    figure.update_xaxes(title={"text": "number of ratings received", "font": FONT},
                        range=[-0.3, longest + 0.3], dtick=1 if longest <= 12 else 2)
    figure.update_yaxes(title={"text": "score (stars)", "font": FONT}, range=[0.8, 5.2],
                        dtick=1)
    return figure
