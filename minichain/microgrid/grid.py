"""The feeder under Sunny Street: cables with limits, flows on them, transfers they can carry (chapter 11).

A low-voltage feeder is *radial*: a tree whose root is the transformer. Households hang
off buses along the street; every node but the transformer has exactly one line above
it, so **a line is named by the node below it** (the line ``"bus-3"`` joins bus-3 to its
parent). Lines carry capacities in W (``capacity_w``); per slot that is
``capacity_w * slot_seconds // 3600`` Wh (rounded down).

**Power flow.** Lossless and active power only, which is exact enough for a feeder this
short and is what a radial tree makes simple: the energy through a line in a slot is the
sum of the net injections (export positive, in Wh) of all nodes below it. A positive flow
runs *up* towards the transformer, a negative one *down* to the homes. The transformer
balances the rest (``transformer_flow_wh``).

**Transfers and capacity.** Flows add up (superposition). A ``Transfer`` of q Wh from home s
to home b (a trade, as the market books it) adds q along the unique path s -> b: up the
lines from s to the first common node, then down to b. ``check_capacity`` starts from
background flows (whatever else is flowing: typically the line flows of the households'
exchanges with the supplier) and takes the transfers **in the order given** (the caller's
priority, e.g. the auction's merit order). Each is accepted up to the largest quantity
that keeps every line on its path within capacity in its direction; less is accepted when
a line is nearly full, nothing when one is full. A transfer against the flow relieves a
line and is never cut by it. Accepted quantities are whole Wh; the flows include them.
The feeder knows homes and lines, not markets: ``market.clearing`` turns trades into
transfers and back.

What this does *not* model (chapter 11 says so): voltage limits, reactive power, losses,
and the fact that money flows need not match electrons; a curtailed trade means the
seller must not inject (or the buyer must not draw) that energy in that slot.

**Loading** of a line is |flow| / capacity, reported in per mille rounded half up
(``loading_permille``); a line is overloaded when |flow| > capacity exactly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Mapping, Sequence

import networkx as nx

from minichain.microgrid.profiles import SLOT_SECONDS
from minichain.errors import EnergyModelError, GridError

TRANSFORMER = "transformer"
TRANSFORMER_CAPACITY_W = 250_000    # a 250 kVA distribution transformer
MAIN_CAPACITY_W = 100_000           # a main cable of the street (about 145 A, 3 x 230 V)
SERVICE_CAPACITY_W = 24_000         # a house connection behind a 3 x 35 A main fuse
SPACING_M = 20.0                    # metres between buses along the street
SERVICE_LENGTH_M = 10.0


@dataclass(frozen=True, eq=False)
class Feeder:
    """A radial feeder: a networkx tree rooted at the transformer, plus its slot length.

    Node attributes: ``kind`` ("transformer", "bus" or "household") and ``pos`` (x, y in
    metres, for drawing). Edge attributes: ``capacity_w`` (int), ``length_m``, ``kind``
    ("main" or "service").
    """

    graph: nx.Graph
    parent: Mapping[str, str]
    order: tuple[str, ...]                 # nodes root first, children in sorted order
    transformer_capacity_w: int = TRANSFORMER_CAPACITY_W
    slot_seconds: int = SLOT_SECONDS

    @property
    def lines(self) -> tuple[str, ...]:
        """Every line, named by the node below it, root-first."""
        return self.order[1:]

    @property
    def households(self) -> tuple[str, ...]:
        return tuple(n for n in self.order if self.graph.nodes[n].get("kind") == "household")

    def upstream(self, line: str) -> str:
        """The node above ``line``."""
        self.check_node(line)
        if line == TRANSFORMER:
            raise GridError("the transformer is the root: no line lies above it")
        return self.parent[line]

    def capacity_w(self, line: str) -> int:
        return self.graph.edges[line, self.upstream(line)]["capacity_w"]

    def capacity_wh(self, line: str) -> int:
        """How many Wh ``line`` can carry in one slot."""
        return self.capacity_w(line) * self.slot_seconds // 3600

    @property
    def transformer_capacity_wh(self) -> int:
        return self.transformer_capacity_w * self.slot_seconds // 3600

    def check_node(self, node: str) -> None:
        if node not in self.parent and node != TRANSFORMER:
            raise GridError(f"unknown node {node!r}: expected the transformer, a bus or a household")


def feeder_from_graph(graph: nx.Graph, transformer_capacity_w: int = TRANSFORMER_CAPACITY_W,
                      slot_seconds: int = SLOT_SECONDS) -> Feeder:
    """Check that ``graph`` is a radial feeder rooted at "transformer" and wrap it."""
    if TRANSFORMER not in graph:
        raise GridError(f"a feeder needs a node named {TRANSFORMER!r} at its root")
    if not nx.is_tree(graph):
        raise GridError("a radial feeder must be a tree: connected, with no loops")
    for u, v, data in sorted(graph.edges(data=True)):
        capacity = data.get("capacity_w")
        if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity <= 0:
            raise GridError(f"line {u}-{v} needs capacity_w as a whole number of W > 0, got {capacity!r}")
    if not isinstance(slot_seconds, int) or slot_seconds <= 0:
        raise GridError(f"slot_seconds must be a whole number > 0, got {slot_seconds!r}")
    parent: dict[str, str] = {}
    order = [TRANSFORMER]
    for node in order:                       # breadth first; the list grows as we go
        for child in sorted(graph.neighbors(node)):
            if child != parent.get(node):
                parent[child] = node
                order.append(child)
    return Feeder(graph, parent, tuple(order), transformer_capacity_w, slot_seconds)


def make_feeder(households: Sequence[str], houses_per_bus: int = 2, branches: int = 1,
                main_capacity_w: int = MAIN_CAPACITY_W,
                service_capacity_w: int = SERVICE_CAPACITY_W,
                transformer_capacity_w: int = TRANSFORMER_CAPACITY_W,
                seed: int | None = None, slot_seconds: int = SLOT_SECONDS) -> Feeder:
    """A street: ``branches`` cables leave the transformer, buses every 20 m, houses on both sides.

    Households take the buses in the order given (two per bus by default: one each side of
    the street); with a ``seed`` the order along the street is shuffled reproducibly.
    """
    names = list(households)
    if not names:
        raise GridError("a feeder needs at least one household")
    if len(set(names)) != len(names):
        raise GridError("household names on a feeder must be unique")
    if houses_per_bus < 1 or branches < 1:
        raise GridError(f"houses_per_bus and branches must be >= 1, got {houses_per_bus}, {branches}")
    if seed is not None:
        random.Random(seed).shuffle(names)
    n_buses = -(-len(names) // houses_per_bus)
    buses = [f"bus-{i + 1}" for i in range(n_buses)]
    clash = sorted(set(names) & (set(buses) | {TRANSFORMER}))
    if clash:
        raise GridError(f"household names may not be node names of the feeder: {clash}")
    branches = min(branches, n_buses)
    per_branch, extra = divmod(n_buses, branches)
    graph = nx.Graph()
    mid = (branches - 1) / 2
    graph.add_node(TRANSFORMER, kind="transformer", pos=(0.0, 0.0))
    bus = 0
    for branch in range(branches):
        y = (branch - mid) * 3 * SPACING_M
        upstream = TRANSFORMER
        for step in range(per_branch + (1 if branch < extra else 0)):
            name = buses[bus]
            graph.add_node(name, kind="bus", pos=((step + 1) * SPACING_M, y))
            graph.add_edge(upstream, name, capacity_w=main_capacity_w, length_m=SPACING_M, kind="main")
            for k, house in enumerate(names[bus * houses_per_bus:(bus + 1) * houses_per_bus]):
                side = 1 if k % 2 == 0 else -1
                graph.add_node(house, kind="household",
                               pos=((step + 1) * SPACING_M + (k // 2) * 0.3 * SPACING_M,
                                    y + side * SPACING_M / 2))
                graph.add_edge(name, house, capacity_w=service_capacity_w,
                               length_m=SERVICE_LENGTH_M, kind="service")
            upstream = name
            bus += 1
    return feeder_from_graph(graph, transformer_capacity_w, slot_seconds)


# --- flows ----------------------------------------------------------------------------

def line_flows(feeder: Feeder, injections_wh: Mapping[str, int]) -> dict[str, int]:
    """Wh through every line for these net injections (export +); + means up to the transformer."""
    flows = {line: 0 for line in feeder.lines}
    for node, wh in sorted(injections_wh.items()):
        feeder.check_node(node)
        if node == TRANSFORMER:
            raise GridError("the transformer balances the feeder: give injections of buses and homes only")
        if not isinstance(wh, int) or isinstance(wh, bool):
            raise GridError(f"injection of {node!r} must be whole Wh, got {wh!r}")
        flows[node] += wh
    for node in reversed(feeder.lines):      # children before parents
        up = feeder.parent[node]
        if up != TRANSFORMER:
            flows[up] += flows[node]
    return flows


def path_lines(feeder: Feeder, source: str, target: str) -> tuple[tuple[str, int], ...]:
    """The lines from ``source`` to ``target``, each with +1 if crossed going up, -1 going down."""
    feeder.check_node(source)
    feeder.check_node(target)
    ancestors = [source]
    while ancestors[-1] != TRANSFORMER:
        ancestors.append(feeder.parent[ancestors[-1]])
    above_source = set(ancestors)
    down = []
    node = target
    while node not in above_source:
        down.append(node)
        node = feeder.parent[node]
    up = ancestors[:ancestors.index(node)]
    return tuple((line, 1) for line in up) + tuple((line, -1) for line in reversed(down))


def transformer_flow_wh(feeder: Feeder, flows: Mapping[str, int]) -> int:
    """Wh the transformer passes up to the wider grid (negative: down into the street)."""
    return sum(flows[line] for line in feeder.lines if feeder.parent[line] == TRANSFORMER)


def transformer_loading_permille(feeder: Feeder, flows: Mapping[str, int]) -> int:
    """How full the transformer is, per mille of its rating, rounded half up."""
    capacity = feeder.transformer_capacity_wh
    return (2000 * abs(transformer_flow_wh(feeder, flows)) + capacity) // (2 * capacity)


@dataclass(frozen=True)
class LineLoading:
    """How full one line is in one slot."""

    line: str
    upstream: str
    flow_wh: int                 # + up towards the transformer, - down to the homes
    capacity_wh: int

    @property
    def loading_permille(self) -> int:
        """|flow| / capacity in per mille, rounded half up."""
        return (2000 * abs(self.flow_wh) + self.capacity_wh) // (2 * self.capacity_wh)

    @property
    def overloaded(self) -> bool:
        return abs(self.flow_wh) > self.capacity_wh

    @property
    def direction(self) -> str:
        """Which way the energy runs, for drawing arrows: "up", "down" or "idle"."""
        return "up" if self.flow_wh > 0 else "down" if self.flow_wh < 0 else "idle"


def line_loadings(feeder: Feeder, flows: Mapping[str, int]) -> tuple[LineLoading, ...]:
    """Every line's flow and loading, root-first."""
    return tuple(LineLoading(line, feeder.parent[line], flows[line], feeder.capacity_wh(line))
                 for line in feeder.lines)


def max_loading_permille(feeder: Feeder, flows: Mapping[str, int]) -> int:
    """The KPI: loading of the fullest line, per mille."""
    return max(loading.loading_permille for loading in line_loadings(feeder, flows))


# --- transfers on the feeder ----------------------------------------------------------

@dataclass(frozen=True)
class Transfer:
    """Energy to carry from one home to another this slot: ``wh`` from ``source`` to ``sink``."""

    source: str
    sink: str
    wh: int


@dataclass(frozen=True)
class CapacityCheck:
    """What the feeder let through, transfer by transfer (in the order given)."""

    proposed_wh: tuple[int, ...]
    accepted_wh: tuple[int, ...]
    binding_line: tuple[str | None, ...]     # the line that cut a transfer, None if whole
    flows: Mapping[str, int]                 # background plus accepted transfers
    loadings: tuple[LineLoading, ...]

    @property
    def curtailed_wh(self) -> int:
        return sum(self.proposed_wh) - sum(self.accepted_wh)


def check_capacity(feeder: Feeder, transfers: Sequence[Transfer | tuple[str, str, int]],
                   background_wh: Mapping[str, int] | None = None) -> CapacityCheck:
    """Accept each transfer, in order, up to what every line on its path can still carry."""
    flows = {line: 0 for line in feeder.lines}
    for line, wh in sorted((background_wh or {}).items()):
        feeder.check_node(line)
        if line == TRANSFORMER or not isinstance(wh, int) or isinstance(wh, bool):
            raise GridError(f"background flow on {line!r} must be whole Wh on a line, got {wh!r}")
        flows[line] = wh
    proposed, accepted, binding = [], [], []
    for transfer in transfers:
        transfer = transfer if isinstance(transfer, Transfer) else Transfer(*transfer)
        if not isinstance(transfer.wh, int) or isinstance(transfer.wh, bool) or transfer.wh < 0:
            raise GridError(f"a transfer's energy must be whole Wh >= 0, got {transfer.wh!r}")
        path = path_lines(feeder, transfer.source, transfer.sink)
        quantity, limit_by = transfer.wh, None
        for line, direction in path:
            room = max(0, feeder.capacity_wh(line) - direction * flows[line])
            if room < quantity:
                quantity, limit_by = room, line
        for line, direction in path:
            flows[line] += direction * quantity
        proposed.append(transfer.wh)
        accepted.append(quantity)
        binding.append(limit_by)
    return CapacityCheck(tuple(proposed), tuple(accepted), tuple(binding), flows,
                       line_loadings(feeder, flows))
