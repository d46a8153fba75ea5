"""Pictures of identity and meter data: the registry's layers, and a day of readings (chapter 08).

* ``read_registrations`` reads what the identity registry holds about each household
  (status, meter, bus, which authority attested or revoked it and when) from the chain's
  storage, with names instead of addresses: a ``Registration`` per household.
* ``identity_figure`` draws those layers left to right: authority → household → smart
  meter → feeder bus. Green lines are attestations and bound meters, a red dashed line a
  revocation (the meter drawn grey: unbound), an orange dashed line an application that
  no authority has attested yet.
* ``guess_occupancy`` is what anyone who reads the chain can infer from one household's
  import readings, with one plain rule: a slot well above the day's quietest means
  somebody is home and awake; a quiet slot means asleep (at night) or away (by day).
* ``readings_day_figure`` shows a day of readings as bars, with the guess (and, when
  known, the truth) as coloured strips underneath.

Pure builders, tested as data in ``tests/test_viz_identity.py``. Fonts are large so that
a projected figure reads from the back row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from minichain.chain import GENESIS_TIME
from minichain.contracts.client import APPLIED, HOUSEHOLD, REVOKED, MarketClient
from minichain.viz.style import lay_out

GOOD = "#1a9850"        # green: attested, bound
WAITING = "#e8710a"     # orange: applied, waiting for an authority
REVOKED_COLOUR = "#d73027"
AUTHORITY = "#4575b4"
QUIET = "#969696"       # grey: unbound, never applied
BUS = "#984ea3"
IMPORT_COLOUR = "#4575b4"
EXPORT_COLOUR = "#e8710a"
ZERO_ADDRESS = "0x" + "00" * 20
SLOTS_PER_HOUR = 4
SLOT_SECONDS = 900

STATUS_NAMES = {0: "not registered", APPLIED: "applied", HOUSEHOLD: "household",
                REVOKED: "revoked"}
STATUS_COLOURS = {0: QUIET, APPLIED: WAITING, HOUSEHOLD: GOOD, REVOKED: REVOKED_COLOUR}

ASLEEP, AWAY, HOME = "asleep", "away", "home"
OCCUPANCY = (ASLEEP, AWAY, HOME)
OCCUPANCY_COLOURS = {ASLEEP: "#2d004b", AWAY: "#d9d9d9", HOME: "#fdb863"}   # night, out, lights on
NIGHT = (22 * SLOTS_PER_HOUR, 7 * SLOTS_PER_HOUR)   # 22:00 to 07:00: quiet means asleep


def _layout(figure: go.Figure, title: str, height: int) -> go.Figure:
    return lay_out(figure, title, height=height, margin={"l": 60, "r": 40, "t": 100, "b": 50})


def clock(timestamp: int, genesis_time: int = GENESIS_TIME) -> str:
    """A chain time as the hour and minute of its day (the chain's clock starts at 00:00)."""
    seconds = (timestamp - genesis_time) % 86_400
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


# --- the registry ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Registration:
    """What the registry holds about one household, with names instead of addresses."""

    household: str
    status: int             # NOT_REGISTERED, APPLIED, HOUSEHOLD or REVOKED
    meter: str              # bound (household), asked for (applied), or the one it lost (revoked)
    bus: int
    attested_by: str = ""   # the authority's name; "" if never attested
    attested_at: int = 0    # block time of the attestation
    revoked_by: str = ""
    revoked_at: int = 0


def read_registrations(market: MarketClient, households: Sequence[str],
                       names: Mapping[str, str]) -> tuple[Registration, ...]:
    """Each household's record in the identity registry, read from storage, in the given
    order; ``names`` maps addresses (households, meters, authorities) to display names."""
    registry, state = market.contracts.identity, market.chain.state

    def name(address: str) -> str:
        return "" if address == ZERO_ADDRESS else names.get(address, address)

    def read(variable: str, who: str):
        return registry.read(state, variable, who)

    out = []
    for who in households:
        status = read("status", who)
        attested = status in (HOUSEHOLD, REVOKED)
        out.append(Registration(
            household=name(who), status=status,
            meter=name(read("meter", who) if status == HOUSEHOLD else read("applied_meter", who)),
            bus=read("bus", who) if attested else read("applied_bus", who),
            attested_by=name(read("attested_by", who)), attested_at=read("attested_at", who),
            revoked_by=name(read("revoked_by", who)) if status == REVOKED else "",
            revoked_at=read("revoked_at", who) if status == REVOKED else 0))
    return tuple(out)


def identity_positions(registrations: Sequence[Registration], authorities: Sequence[str]
                       ) -> dict[tuple[str, str], tuple[float, float]]:
    """Where each node sits: (column, name) -> (x, y); households one row each, top down."""
    rows = [r for r in registrations if r.status != 0]
    positions: dict[tuple[str, str], tuple[float, float]] = {}
    for row, registration in enumerate(rows):
        positions[("household", registration.household)] = (1.0, -float(row))
        if registration.meter:
            positions[("meter", registration.meter)] = (2.0, -float(row))
    bottom = -float(max(len(rows) - 1, 0))
    for index, authority in enumerate(authorities):
        y = 0.0 if len(authorities) == 1 else bottom * index / (len(authorities) - 1)
        positions[("authority", authority)] = (0.0, y)
    buses = sorted({r.bus for r in rows})
    for bus in buses:
        ys = [positions[("household", r.household)][1] for r in rows if r.bus == bus]
        positions[("bus", f"bus {bus}")] = (3.0, sum(ys) / len(ys))
    return positions


EDGE_STYLES = {   # kind -> (legend name, colour, dash, width)
    "attested": ("attested by an authority", GOOD, "solid", 4),
    "revoked": ("revoked by an authority", REVOKED_COLOUR, "dash", 4),
    "bound": ("meter bound", GOOD, "solid", 4),
    "applied": ("applied, not yet attested", WAITING, "dash", 3),
    "unbound": ("meter unbound", QUIET, "dot", 3),
    "bus": ("measures at feeder bus", BUS, "solid", 3),
}


def identity_edges(registrations: Sequence[Registration]
                   ) -> dict[str, list[tuple[tuple[str, str], tuple[str, str], str]]]:
    """The lines to draw, by kind: (from node, to node, label) with nodes as (column, name)."""
    edges: dict[str, list] = {kind: [] for kind in EDGE_STYLES}
    for r in registrations:
        house = ("household", r.household)
        meter = ("meter", r.meter)
        bus = ("bus", f"bus {r.bus}")
        if r.status == HOUSEHOLD:
            edges["attested"].append((("authority", r.attested_by), house,
                                      f"attested {clock(r.attested_at)}"))
            edges["bound"].append((house, meter, "bound"))
            edges["bus"].append((meter, bus, ""))
        elif r.status == REVOKED:
            edges["revoked"].append((("authority", r.revoked_by), house,
                                     f"revoked {clock(r.revoked_at)}"))
            edges["unbound"].append((house, meter, "unbound"))
            edges["unbound"].append((meter, bus, ""))
        elif r.status == APPLIED:
            edges["applied"].append((house, meter, "applied"))
            edges["applied"].append((meter, bus, ""))
    return edges


def identity_figure(registrations: Sequence[Registration], authorities: Sequence[str],
                    title: str = "Who may trade, and whose meter speaks for whom") -> go.Figure:
    """The registry's layers, left to right: authority → household → meter → feeder bus."""
    positions = identity_positions(registrations, authorities)
    edges = identity_edges(registrations)
    figure = go.Figure()
    for kind, (legend, colour, dash, width) in EDGE_STYLES.items():
        xs: list[float | None] = []
        ys: list[float | None] = []
        for start, end, _ in edges[kind]:
            (x0, y0), (x1, y1) = positions[start], positions[end]
            xs += [x0, x1, None]
            ys += [y0, y1, None]
        figure.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=legend, hoverinfo="skip",
                                    line={"color": colour, "dash": dash, "width": width},
                                    showlegend=bool(edges[kind]) and kind != "bus"))
        along = 0.7 if kind in ("attested", "revoked") else 0.5   # near the household
        for start, end, label in edges[kind]:
            if label:
                (x0, y0), (x1, y1) = positions[start], positions[end]
                figure.add_annotation(x=x0 + along * (x1 - x0), y=y0 + along * (y1 - y0),
                                      text=label,
                                      showarrow=False, font={"size": 15, "color": colour},
                                      bgcolor="white", opacity=0.95)
    by_name = {r.household: r for r in registrations}
    meter_status = {r.meter: r.status for r in registrations if r.meter}
    columns = (
        ("authority", "authorities", "diamond", lambda n: AUTHORITY),
        ("household", "households", "square", lambda n: STATUS_COLOURS[by_name[n].status]),
        ("meter", "smart meters", "circle",
         lambda n: GOOD if meter_status[n] == HOUSEHOLD else QUIET),
        ("bus", "feeder buses", "triangle-up", lambda n: BUS),
    )
    for column, legend, symbol, colour in columns:
        nodes = [(name, xy) for (col, name), xy in positions.items() if col == column]
        figure.add_trace(go.Scatter(
            x=[xy[0] for _, xy in nodes], y=[xy[1] for _, xy in nodes], mode="markers+text",
            name=legend, showlegend=False, text=[name for name, _ in nodes],
            textposition="top center", hovertext=[name for name, _ in nodes],
            hoverinfo="text",
            marker={"symbol": symbol, "size": 26, "color": [colour(n) for n, _ in nodes],
                    "line": {"color": "white", "width": 2}}))
    for x, heading in enumerate(("authority<br>attests", "household<br>applies with its key",
                                 "smart meter<br>signs readings", "feeder bus<br>where it hangs")):
        figure.add_annotation(x=x, y=1.0, yref="paper", yanchor="bottom", text=heading,
                              showarrow=False, font={"size": 17, "color": "#404040"})
    lowest = min((xy[1] for xy in positions.values()), default=0.0)
    figure.update_xaxes(visible=False, range=[-0.35, 3.35])
    figure.update_yaxes(visible=False, range=[lowest - 0.6, 0.6])
    figure.update_layout(legend={"orientation": "h", "y": -0.02, "yanchor": "top",
                                 "x": 0.0, "font": {"size": 16}})
    rows = sum(1 for column, _ in positions if column == "household")
    _layout(figure, title, 300 + 85 * max(rows, 2))
    figure.update_layout(margin={"l": 40, "r": 40, "t": 150, "b": 90})
    return figure


# --- a day of readings ----------------------------------------------------------------------

def guess_occupancy(import_wh: Sequence[int], margin_wh: int = 20,
                    night: tuple[int, int] = NIGHT) -> tuple[str, ...]:
    """What anyone reading the chain can infer from a day of import readings, slot by slot:
    well above the day's quietest slot means someone is home; quiet means asleep or away."""
    if not import_wh:
        return ()
    quietest = min(import_wh)            # the fridge and the standby lights never sleep
    start, end = night

    def at_night(slot: int) -> bool:                  # a night may run past midnight
        of_day = slot % (24 * SLOTS_PER_HOUR)
        return start <= of_day < end if start <= end else of_day >= start or of_day < end

    return tuple(HOME if wh > quietest + margin_wh else ASLEEP if at_night(slot) else AWAY
                 for slot, wh in enumerate(import_wh))


def segments(states: Sequence[str]) -> list[tuple[int, int, str]]:
    """Runs of equal states as (first slot, slot after the last, state): a day in a few lines."""
    runs: list[tuple[int, int, str]] = []
    for slot, state in enumerate(states):
        if runs and runs[-1][2] == state:
            runs[-1] = (runs[-1][0], slot + 1, state)
        else:
            runs.append((slot, slot + 1, state))
    return runs


def slot_clock(slot: int) -> str:
    """The clock time a slot of the day starts at (slot 96 is 24:00, the day's end)."""
    return f"{slot // SLOTS_PER_HOUR:02d}:{slot % SLOTS_PER_HOUR * 15:02d}"


def agreement(guess: Sequence[str], truth: Sequence[str]) -> int:
    """In how many slots a guess says what really happened."""
    if len(guess) != len(truth):
        raise ValueError(f"compare equal days, got {len(guess)} and {len(truth)} slots")
    return sum(g == t for g, t in zip(guess, truth))


def _hour_ticks(slots: int) -> dict:
    hours = slots // SLOTS_PER_HOUR
    step = 3 if hours > 6 else 1
    values = list(range(0, hours + 1, step))
    return {"tickvals": values, "ticktext": [f"{h % 24:02d}:00" for h in values],
            "range": [0, hours]}


def readings_day_figure(import_wh: Sequence[int], export_wh: Sequence[int] | None = None,
                        guess: Sequence[str] | None = None, truth: Sequence[str] | None = None,
                        title: str = "A day of one household's meter readings") -> go.Figure:
    """Import (up) and export (down) per 15-minute slot, and under it what the readings give
    away: the guess of ``guess_occupancy`` and, when known, what really happened."""
    slots = len(import_wh)
    if export_wh is not None and len(export_wh) != slots:
        raise ValueError(f"import and export need the same slots, got {slots} and "
                         f"{len(export_wh)}")
    lanes = [(label, values) for label, values in (("what really happened", truth),
                                                    ("guessed from the chain", guess))
             if values is not None]
    for label, values in lanes:
        if len(values) != slots:
            raise ValueError(f"{label}: expected {slots} slots, got {len(values)}")
        unknown = sorted(set(values) - set(OCCUPANCY))
        if unknown:
            raise ValueError(f"{label}: unknown states {unknown}; use {list(OCCUPANCY)}")
    rows = 2 if lanes else 1
    figure = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                           row_heights=[0.72, 0.28][:rows] if lanes else [1.0])
    centres = [(slot + 0.5) / SLOTS_PER_HOUR for slot in range(slots)]
    stamps = [f"{slot // 4 % 24:02d}:{slot % 4 * 15:02d}" for slot in range(slots)]
    figure.add_trace(go.Bar(x=centres, y=list(import_wh), width=1 / SLOTS_PER_HOUR,
                            name="import from the grid (Wh)", marker_color=IMPORT_COLOUR,
                            customdata=stamps,
                            hovertemplate="%{customdata}: %{y} Wh imported<extra></extra>"),
                     row=1, col=1)
    if export_wh is not None and any(export_wh):
        figure.add_trace(go.Bar(x=centres, y=[-wh for wh in export_wh],
                                width=1 / SLOTS_PER_HOUR, name="export to the grid (Wh)",
                                marker_color=EXPORT_COLOUR, customdata=list(export_wh),
                                hovertemplate="%{customdata} Wh exported<extra></extra>"),
                         row=1, col=1)
    if lanes:
        codes = {state: index for index, state in enumerate(OCCUPANCY)}
        n = len(OCCUPANCY) - 1
        scale = []
        for index, state in enumerate(OCCUPANCY):
            scale += [[index / (n + 1), OCCUPANCY_COLOURS[state]],
                      [(index + 1) / (n + 1), OCCUPANCY_COLOURS[state]]]
        figure.add_trace(go.Heatmap(
            x=centres, y=[label for label, _ in lanes],
            z=[[codes[state] for state in values] for _, values in lanes],
            text=[list(values) for _, values in lanes], zmin=-0.5, zmax=n + 0.5,
            colorscale=scale, showscale=False, xgap=0, ygap=4,
            hovertemplate="%{y}: %{text}<extra></extra>"), row=2, col=1)
        for state in OCCUPANCY:
            figure.add_trace(go.Bar(x=[None], y=[None], name=state,
                                    marker_color=OCCUPANCY_COLOURS[state]), row=1, col=1)
    ticks = _hour_ticks(slots)
    figure.update_xaxes(**ticks, row=rows, col=1, title_text="time of day (chain clock)")
    figure.update_xaxes(range=ticks["range"], row=1, col=1)
    figure.update_yaxes(title_text="Wh per 15 minutes", row=1, col=1)
    figure.update_layout(barmode="relative", bargap=0,
                         legend={"orientation": "h", "y": 1.02, "yanchor": "bottom",
                                 "x": 0.0, "font": {"size": 16}})
    return _layout(figure, title, 620 if lanes else 460)
