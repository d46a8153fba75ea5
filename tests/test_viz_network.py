"""The network and authority pictures, read as data (chapters 04-05)."""

from __future__ import annotations

import math
from fractions import Fraction

import plotly.graph_objects as go
import pytest

from minichain.chain import Chain, Genesis
from minichain.street_network import MAJORITY_SIDE, MINORITY_SIDE, partition_and_heal, \
    sunny_street_network
from minichain.poa import Clique
from minichain.viz.network import (CUT, HEAD_COLOURS, IN_TURN, INNER, OFF_CHAIN, OFFLINE,
                                   ON_CHAIN, OUT_OF_TURN, OUTER, finality_figure, head_groups,
                                   network_events, network_figure, schedule_figure,
                                   street_layout, timeline_figure)
from minichain.wallet import Wallet


@pytest.fixture(scope="module")
def split_street():
    """Twelve seconds in: the street split in two, Bob's node crashed."""
    network = sunny_street_network(seed=1)
    network.partition([MAJORITY_SIDE, MINORITY_SIDE], at=1)
    network.crash("bob", at=2)
    network.run(12)
    return network


@pytest.fixture(scope="module")
def healed():
    return partition_and_heal(seed=7).network


def by_name(figure: go.Figure) -> dict[str, go.Scatter]:
    return {trace.name: trace for trace in figure.data}


def test_authorities_sit_on_the_inner_ring_and_households_outside(split_street):
    positions = street_layout(split_street)
    assert set(positions) == set(split_street.names)
    for name, (x, y) in positions.items():
        radius = INNER if name in split_street.keys else OUTER
        assert math.isclose(math.hypot(x, y), radius, abs_tol=1e-5)
    assert positions["city"] == (0.0, INNER)          # first authority in name order, on top
    assert positions["alice"] == (0.0, OUTER)


def test_the_graph_colours_each_node_by_its_head_and_marks_cut_links_and_offline_nodes(
        split_street):
    figure = network_figure(split_street)
    traces = by_name(figure)
    groups = head_groups(split_street)
    assert [t.name for t in figure.data] == (
        ["link", "cut by the partition"]
        + [f"head #{b.number} ({b.hash.hex()[:8]}…)" for b, _ in groups] + ["offline"])
    assert [names for _, names in groups] == [["alice", "city", "dave", "erin", "grid"],
                                              ["carol", "coop", "frank"]]
    for index, (_, names) in enumerate(groups):
        trace = figure.data[2 + index]
        assert list(trace.text) == names
        assert trace.marker.color == HEAD_COLOURS[index]
        assert list(trace.marker.symbol) == ["square" if n in split_street.keys else "circle"
                                             for n in names]
    offline = traces["offline"]
    assert (list(offline.text), list(offline.marker.symbol), offline.marker.color) == \
           (["bob"], ["x"], OFFLINE)
    edges = list(split_street.graph.edges)
    cut = [e for e in edges if not split_street.link_up(*e)]
    assert len(traces["cut by the partition"].x) == 3 * len(cut) > 0
    assert len(traces["link"].x) == 3 * (len(edges) - len(cut))
    assert traces["cut by the partition"].line.color == CUT
    assert figure.layout.title.text == "Sunny Street at 12 s: 2 heads among the running nodes"


def test_after_the_heal_one_colour_means_one_chain(healed):
    figure = network_figure(healed, title="After the heal")
    heads = [t for t in figure.data if t.name.startswith("head")]
    assert len(heads) == 1 and sorted(heads[0].text) == healed.names
    assert len(by_name(figure)["cut by the partition"].x) == 0
    assert figure.layout.title.text == "After the heal"


def test_the_timeline_shows_every_block_each_node_added_and_where_it_reorganised(healed):
    figure = timeline_figure(healed)
    traces = by_name(figure)
    final = {b.hash for b in healed.canonical_chain("grid")}
    on, off, reorg = traces["on the final chain"], traces["on a dropped branch"], traces["reorg"]
    kept = [s for s in healed.sightings if s.block in final]
    dropped = [s for s in healed.sightings if s.block not in final]
    assert list(zip(on.x, on.y, on.text)) == [(s.time, s.node, str(s.number)) for s in kept]
    assert list(zip(off.x, off.y, off.text)) == [(s.time, s.node, str(s.number))
                                                 for s in dropped]
    assert dropped and {s.number for s in dropped} == {5}
    assert (on.marker.color, off.marker.color) == (ON_CHAIN, OFF_CHAIN)
    assert list(zip(reorg.x, reorg.y)) == [(r.time, r.node) for r in healed.reorgs]
    assert list(figure.layout.yaxis.categoryarray) == ["frank", "erin", "dave", "carol", "bob",
                                                       "alice", "grid", "coop", "city"]
    events = network_events(healed)
    assert [label for _, label in events] == ["partition", "heals"]
    assert [shape.x0 for shape in figure.layout.shapes] == [time for time, _ in events]
    assert [a.text for a in figure.layout.annotations] == ["partition", "heals"]


def test_the_timeline_marks_crashes_and_restarts(split_street):
    network = sunny_street_network(seed=1)
    network.crash("city", at=3)
    network.restart("city", at=9)
    network.run(14)
    figure = timeline_figure(network)
    assert [a.text for a in figure.layout.annotations] == ["city crashes", "city restarts"]
    assert [s.x0 for s in figure.layout.shapes] == [3, 9]


def test_the_schedule_shows_whose_turn_it_was_and_who_sealed():
    grid, city, coop = (Wallet.from_seed(s) for s in ("grid-operator", "municipality",
                                                       "energy-co-op"))
    rule = Clique(period=5)
    chain = Chain(Genesis(authorities=(grid.address, city.address, coop.address)), rule)
    names = {grid.address: "grid", city.address: "city", coop.address: "coop"}
    keys = {w.address: w.key for w in (grid, city, coop)}
    sealers = []
    for number in range(1, 6):
        allowed = rule.who_may_seal(chain)
        turn = rule.in_turn_signer(chain)
        if number == 3 or turn not in allowed:      # block 3 sealed out of turn on purpose
            sealer = next(a for a in allowed if a != turn)
        else:
            sealer = turn
        block, _ = chain.build_block(keys[sealer], [], chain.head.header.timestamp + 5)
        chain.add_block(block)
        sealers.append((number, turn, sealer))
    figure = schedule_figure(chain, rule, names)
    traces = by_name(figure)
    turn_trace = traces["its turn"]
    assert list(zip(turn_trace.x, turn_trace.y)) == [(n, names[t]) for n, t, _ in sealers]
    in_turn = traces["sealed in turn (difficulty 2)"]
    out_turn = traces["sealed out of turn (difficulty 1)"]
    assert list(zip(in_turn.x, in_turn.y)) == [(n, names[s]) for n, t, s in sealers if s == t]
    assert list(zip(out_turn.x, out_turn.y)) == [(n, names[s]) for n, t, s in sealers if s != t]
    assert list(out_turn.x) == [3, 4]
    assert (in_turn.marker.color, out_turn.marker.color) == (IN_TURN, OUT_OF_TURN)
    assert list(figure.layout.yaxis.categoryarray) == [names[a] for a in
                                                       sorted(names)][::-1]
    assert list(figure.layout.xaxis.range) == [0.5, 5.5]


def test_the_schedule_labels_unnamed_authorities_by_their_short_address():
    grid = Wallet.from_seed("grid-operator")
    rule = Clique(period=5)
    chain = Chain(Genesis(authorities=(grid.address,)), rule)
    block, _ = chain.build_block(grid.key, [], chain.head.header.timestamp + 5)
    chain.add_block(block)
    figure = schedule_figure(chain, rule)
    assert list(by_name(figure)["its turn"].y) == [grid.address[2:10] + "…"]


def test_a_schedule_kept_in_turn_leaves_the_out_of_turn_mark_out_of_the_legend():
    grid, city, coop = (Wallet.from_seed(s) for s in ("grid-operator", "municipality",
                                                       "energy-co-op"))
    keys = {w.address: w.key for w in (grid, city, coop)}
    rule = Clique(period=5)
    chain = Chain(Genesis(authorities=tuple(keys)), rule)
    for _ in range(4):
        turn = rule.in_turn_signer(chain)
        block, _ = chain.build_block(keys[turn], [], chain.head.header.timestamp + 5)
        chain.add_block(block)
    figure = schedule_figure(chain, rule)
    assert [trace.name for trace in figure.data] == ["its turn", "sealed in turn (difficulty 2)"]
    assert all(len(trace.x) == 4 for trace in figure.data)
    empty = schedule_figure(Chain(Genesis(authorities=tuple(keys)), rule), rule)
    assert list(empty.data) == []


def test_the_finality_figure_shows_the_measured_chances_against_a_bft_quorum_at_zero():
    chances = [(1, Fraction(31, 81)), (2, Fraction(1, 18)), (3, Fraction(0))]
    figure = finality_figure(chances, runs=36)
    bars, bft = figure.data
    assert (bars.type, bars.name, list(bars.x)) == ("bar", "Clique, measured", [1, 2, 3])
    assert [round(y, 4) for y in bars.y] == [38.2716, 5.5556, 0.0]
    assert list(bars.text) == ["38.3 %", "5.6 %", "0.0 %"]
    assert bars.hovertext[0] == "seen with 1 confirmation(s): reversed in 38.3 % of the nodes' runs"
    assert (bft.name, list(bft.x), list(bft.y)) == ("BFT quorum (QBFT): final at once",
                                                    [1, 2, 3], [0.0, 0.0, 0.0])
    assert figure.layout.title.text == ("When is a payment safe? Reversals by confirmations "
                                        "(36 partition runs)")
    assert figure.layout.xaxis.title.text == "confirmations when the payment was seen"
    assert list(figure.layout.yaxis.range) == [0, pytest.approx(38.2716 * 1.25, rel=1e-4)]
