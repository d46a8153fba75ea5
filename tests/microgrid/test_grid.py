"""The feeder under Sunny Street: flows, limits, and trades the cables cannot carry."""

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain.microgrid import grid
from minichain.microgrid.grid import (TRANSFORMER, GridError, LineLoading, Transfer,
                                   check_capacity, line_flows, line_loadings, make_feeder,
                                   path_lines, transformer_flow_wh)
from minichain.microgrid.profiles import EnergyModelError

FIVE = ["alice", "bob", "carol", "dave", "erin"]


def small_street():
    """alice, bob on bus-1; carol, dave on bus-2; erin on bus-3; thin cables to show limits."""
    return make_feeder(FIVE, main_capacity_w=4000, service_capacity_w=8000)


# --- the layout -----------------------------------------------------------------------

def test_a_street_is_a_tree_rooted_at_the_transformer():
    feeder = make_feeder(FIVE)
    assert nx.is_tree(feeder.graph)
    assert feeder.order == ("transformer", "bus-1", "alice", "bob", "bus-2", "bus-3",
                            "carol", "dave", "erin")
    assert feeder.lines == feeder.order[1:]
    assert feeder.households == ("alice", "bob", "carol", "dave", "erin")
    assert [feeder.upstream(n) for n in ("bus-1", "alice", "bus-3", "erin")] == \
        ["transformer", "bus-1", "bus-2", "bus-3"]
    assert feeder.graph.nodes["alice"] == {"kind": "household", "pos": (20.0, 10.0)}
    assert feeder.graph.nodes["bob"]["pos"] == (20.0, -10.0)      # across the street
    assert feeder.graph.nodes["bus-3"] == {"kind": "bus", "pos": (60.0, 0.0)}
    assert feeder.graph.nodes[TRANSFORMER]["pos"] == (0.0, 0.0)


def test_capacities_in_watts_become_whole_wh_per_slot():
    feeder = make_feeder(FIVE)
    assert feeder.capacity_w("bus-2") == 100_000
    assert feeder.capacity_wh("bus-2") == 25_000                  # 100 kW for 15 minutes
    assert feeder.capacity_wh("alice") == 6_000                   # 24 kW house connection
    assert feeder.transformer_capacity_wh == 62_500
    hourly = make_feeder(FIVE, slot_seconds=3600)
    assert hourly.capacity_wh("bus-2") == 100_000


def test_a_seed_shuffles_who_lives_where_reproducibly():
    shuffled = make_feeder(FIVE, seed=3)
    assert shuffled.households == make_feeder(FIVE, seed=3).households
    assert sorted(shuffled.households) == FIVE and shuffled.households != tuple(FIVE)


def test_branches_leave_the_transformer_side_by_side():
    names = [f"h{i}" for i in range(8)]
    feeder = make_feeder(names, branches=2)
    assert [n for n in feeder.lines if feeder.parent[n] == TRANSFORMER] == ["bus-1", "bus-3"]
    assert feeder.graph.nodes["bus-1"]["pos"][1] != feeder.graph.nodes["bus-3"]["pos"][1]
    # A trade across branches passes the transformer's busbar, not the transformer itself.
    assert path_lines(feeder, "h0", "h7") == (("h0", 1), ("bus-1", 1), ("bus-3", -1),
                                              ("bus-4", -1), ("h7", -1))


def test_bad_feeders_are_refused():
    with pytest.raises(GridError, match="unique"):
        make_feeder(["alice", "alice"])
    with pytest.raises(GridError, match="node names"):
        make_feeder(["alice", "bus-1"])
    looped = nx.Graph()
    looped.add_edge(TRANSFORMER, "a", capacity_w=10)
    looped.add_edge("a", "b", capacity_w=10)
    looped.add_edge("b", TRANSFORMER, capacity_w=10)
    with pytest.raises(GridError, match="tree"):
        grid.feeder_from_graph(looped)
    unrated = nx.Graph()
    unrated.add_edge(TRANSFORMER, "a")
    with pytest.raises(GridError, match="capacity_w"):
        grid.feeder_from_graph(unrated)
    rootless = nx.Graph()
    rootless.add_edge("a", "b", capacity_w=10)
    with pytest.raises(GridError, match="transformer"):
        grid.feeder_from_graph(rootless)
    assert issubclass(GridError, EnergyModelError)


# --- power flow -----------------------------------------------------------------------

def test_flows_add_up_towards_the_transformer():
    feeder = make_feeder(FIVE)
    flows = line_flows(feeder, {"alice": 1000, "bob": -400, "carol": 300, "erin": -250})
    assert flows == {"bus-1": 650, "alice": 1000, "bob": -400, "bus-2": 50, "bus-3": -250,
                     "carol": 300, "dave": 0, "erin": -250}
    assert transformer_flow_wh(feeder, flows) == 650           # the street exports 650 Wh
    assert grid.transformer_loading_permille(feeder, flows) == 10    # of 62,500 Wh a slot


@settings(deadline=None, max_examples=100)
@given(st.dictionaries(st.sampled_from(FIVE + ["bus-1", "bus-2", "bus-3"]),
                       st.integers(-10_000, 10_000)))
def test_what_the_transformer_passes_is_the_sum_of_all_injections(injections):
    feeder = make_feeder(FIVE)
    flows = line_flows(feeder, injections)
    assert transformer_flow_wh(feeder, flows) == sum(injections.values())
    for line in feeder.lines:                      # Kirchhoff: in = out at every bus
        children = [n for n in feeder.lines if feeder.parent[n] == line]
        assert flows[line] == injections.get(line, 0) + sum(flows[c] for c in children)


def test_flow_requests_are_checked():
    feeder = make_feeder(FIVE)
    with pytest.raises(GridError, match="unknown node 'mallory'"):
        line_flows(feeder, {"mallory": 5})
    with pytest.raises(GridError, match="transformer balances"):
        line_flows(feeder, {TRANSFORMER: 5})
    with pytest.raises(GridError, match="whole Wh"):
        line_flows(feeder, {"alice": 5.0})


def test_loading_is_per_mille_rounded_half_up_and_overload_is_exact():
    assert LineLoading("a", "b", 1, 3).loading_permille == 333
    assert LineLoading("a", "b", -2, 3).loading_permille == 667
    assert LineLoading("a", "b", 1, 2000).loading_permille == 1            # 0.5 goes up
    assert not LineLoading("a", "b", 1000, 1000).overloaded
    assert LineLoading("a", "b", -1001, 1000).overloaded
    assert [LineLoading("a", "b", f, 10).direction for f in (3, -3, 0)] == ["up", "down", "idle"]
    feeder = small_street()
    flows = line_flows(feeder, {"erin": -1000})
    assert grid.max_loading_permille(feeder, flows) == 1000
    assert [(x.line, x.loading_permille) for x in line_loadings(feeder, flows)][:2] == \
        [("bus-1", 1000), ("alice", 0)]


# --- trades the cables must carry -----------------------------------------------------

def test_a_trade_runs_up_to_the_common_bus_and_down_to_the_buyer():
    feeder = make_feeder(FIVE)
    assert path_lines(feeder, "alice", "bob") == (("alice", 1), ("bob", -1))
    assert path_lines(feeder, "alice", "erin") == (("alice", 1), ("bus-2", -1), ("bus-3", -1),
                                                   ("erin", -1))
    assert path_lines(feeder, "erin", TRANSFORMER) == (("erin", 1), ("bus-3", 1), ("bus-2", 1),
                                                       ("bus-1", 1))
    assert path_lines(feeder, "carol", "carol") == ()


def test_trades_that_would_overload_a_line_are_curtailed_in_priority_order():
    feeder = small_street()                  # main lines carry 1,000 Wh a slot
    result = check_capacity(feeder, [
        Transfer("alice", "erin", 800),     # fits
        Transfer("bob", "erin", 500),       # bus-2 has 200 Wh of room left
        ("carol", "erin", 300),                  # bus-3 is full
        Transfer("erin", "alice", 600),     # against the flow: relieves, never cut
    ])
    assert result.proposed_wh == (800, 500, 300, 600)
    assert result.accepted_wh == (800, 200, 0, 600)
    assert result.binding_line == (None, "bus-2", "bus-3", None)
    assert result.curtailed_wh == 600
    assert dict(result.flows) == {"bus-1": 0, "alice": 200, "bob": 200, "bus-2": -400,
                                  "bus-3": -400, "carol": 0, "dave": 0, "erin": -400}
    assert not any(x.overloaded for x in result.loadings)


def test_the_order_given_is_the_priority():
    feeder = small_street()
    first = check_capacity(feeder, [("alice", "erin", 900), ("bob", "erin", 900)])
    swapped = check_capacity(feeder, [("bob", "erin", 900), ("alice", "erin", 900)])
    assert first.accepted_wh == (900, 100) and swapped.accepted_wh == (900, 100)
    assert first.flows["alice"] == 900 and swapped.flows["alice"] == 100


def test_background_flows_use_up_room_and_an_overloaded_line_only_takes_relief():
    feeder = small_street()
    # The street already exports: bus-2's line carries 1,500 Wh up (over its 1,000).
    background = line_flows(feeder, {"carol": 900, "dave": 600})
    assert background["bus-2"] == 1500
    result = check_capacity(feeder, [
        ("erin", "alice", 100),       # would push more up through bus-2: refused
        ("alice", "bob", 700),        # stays on bus-1: bus-2 is not on its path
        ("alice", "erin", 700),       # runs down through bus-2: relieves it
    ], background)
    assert result.accepted_wh == (0, 700, 700)
    assert result.binding_line[0] == "bus-2"
    assert result.flows["bus-2"] == 800


def test_bad_trades_are_refused():
    feeder = small_street()
    with pytest.raises(GridError, match="whole Wh >= 0"):
        check_capacity(feeder, [("alice", "bob", -5)])
    with pytest.raises(GridError, match="unknown node"):
        check_capacity(feeder, [("alice", "mallory", 5)])
    with pytest.raises(GridError, match="background"):
        check_capacity(feeder, [], {TRANSFORMER: 5})


names_or_root = st.sampled_from(FIVE + [TRANSFORMER])


@settings(deadline=None, max_examples=150)
@given(injections=st.dictionaries(st.sampled_from(FIVE), st.integers(-900, 900)),
       trades=st.lists(st.tuples(names_or_root, names_or_root, st.integers(0, 3000)), max_size=12))
def test_accepted_trades_never_overload_a_line_and_flows_add_up(injections, trades):
    feeder = make_feeder(FIVE, main_capacity_w=6000, service_capacity_w=4000)
    background = line_flows(feeder, injections)
    result = check_capacity(feeder, trades, background)
    assert all(0 <= got <= want for got, want in zip(result.accepted_wh, result.proposed_wh))
    for loading in result.loadings:
        before = abs(background[loading.line])
        assert abs(loading.flow_wh) <= max(loading.capacity_wh, before)
    # Superposition: the final flows are the background plus each accepted trade's injections.
    net = dict(injections)
    for (seller, buyer, _), got in zip(trades, result.accepted_wh):
        for node, wh in ((seller, got), (buyer, -got)):
            if node != TRANSFORMER:
                net[node] = net.get(node, 0) + wh
    assert dict(result.flows) == line_flows(feeder, net)
