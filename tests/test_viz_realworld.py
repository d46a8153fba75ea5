"""Chapter 14's pictures, read as data: gas side by side, orders per block against a slot's needs."""

from __future__ import annotations

import pytest

from minichain.viz.realworld import compact, gas_figure, orders_per_block_figure


def readable(figure):
    """Back-row rule: big fonts, a title, and axes that say what they show."""
    assert figure.layout.font.size >= 18 and figure.layout.title.font.size >= 24
    assert figure.layout.title.text


def test_compact_says_counts_as_on_a_slide():
    assert [compact(n) for n in (950, 999, 1_000, 1_049, 25_100, 231_077, 860_543, 999_999,
                                 1_360_000, 30_000_000, 89_100_000, 2_500_000_000)] == \
        ["950", "999", "1k", "1.05k", "25.1k", "231k", "861k", "1M", "1.36M", "30M", "89.1M",
         "2.5G"]


def test_gas_figure_puts_each_calls_two_machines_side_by_side_with_the_ratio_on_top():
    figure = gas_figure([("post an order", 231_077, 55_565), ("clear 6 orders", 860_543, 94_955)])
    readable(figure)
    evm, ours = figure.data
    assert (evm.name, ours.name) == ("EVM (Vyper on py-evm)", "minichain's machine")
    assert list(evm.x) == list(ours.x) == ["post an order", "clear 6 orders"]
    assert list(evm.y) == [231_077, 860_543] and list(ours.y) == [55_565, 94_955]
    assert list(evm.text) == ["231k", "861k"] and list(ours.text) == ["55.6k", "95k"]
    assert [a.text for a in figure.layout.annotations] == ["4.2×", "9.1×"]
    assert figure.layout.barmode == "group" and figure.layout.yaxis.type == "log"
    assert figure.layout.yaxis.title.text == "gas (log scale)"


def test_gas_figure_refuses_nothing_to_draw_or_gas_a_log_axis_cannot_show():
    with pytest.raises(ValueError, match="at least one call"):
        gas_figure([])
    with pytest.raises(ValueError, match="positive"):
        gas_figure([("nothing", 0, 10)])


def test_orders_per_block_figure_sets_capacities_against_needs_with_a_line_per_machine():
    figure = orders_per_block_figure({"EVM": 312, "minichain": 2_232},
                                     {"Sunny Street (20 homes)": 40,
                                      "a city (100,000 homes)": 200_000}, 30_000_000)
    readable(figure)
    assert figure.layout.title.text == "Orders per slot against one 30M-gas block"
    capacity, needs = figure.data
    assert capacity.name == "one 30M-gas block clears" and needs.name == "a slot brings"
    assert list(capacity.y) == ["EVM", "minichain"] and list(capacity.x) == [312, 2_232]
    assert list(needs.x) == [40, 200_000] and list(needs.text) == ["40", "200,000"]
    assert [shape.x0 for shape in figure.layout.shapes] == [312, 2_232]
    assert figure.layout.xaxis.type == "log"
    with pytest.raises(ValueError, match="each machine"):
        orders_per_block_figure({}, {"x": 1}, 30_000_000)
    with pytest.raises(ValueError, match="positive"):
        orders_per_block_figure({"EVM": 0}, {}, 30_000_000)
