"""The step debugger: traces as data, and the views built from them (chapter 06)."""

from __future__ import annotations

import warnings

import plotly.graph_objects as go
import pytest

from minichain.contracts import compiled
from minichain.state import State
from minichain.vm.abi import encode_call
from minichain.vm.machine import Message, execute
from minichain.vm.trace import count_steps, trace_call
from minichain.viz.debugger import source_html, stack_rows, step_figure, step_html, stepper
from vmkit import CALLER, CONTRACT, code_of


@pytest.fixture(scope="module")
def counter_trace():
    counter = compiled("counter")
    return trace_call(State(), counter.code, Message(CALLER, CONTRACT, 0, encode_call("add", 3)),
                      lines=counter.lines, source=counter.source)


def test_a_trace_records_every_step_with_stack_gas_and_line(counter_trace):
    trace = counter_trace
    assert trace.result.success and trace.result.output == (3,)
    assert len(trace) == count_steps(State(), compiled("counter").code,
                                     Message(CALLER, CONTRACT, 0, encode_call("add", 3)))[0]
    first = trace[0]
    assert (first.number, first.pc, first.instruction, first.stack, first.gas) == (
        0, 0, "PUSH 0", (), 1_000_000)
    # gas before each step minus its cost is the gas before the next (no dynamic gas here)
    for step, after in zip(trace.steps, trace.steps[1:]):
        assert after.gas == step.gas - step.cost
    assert trace[-1].gas - trace[-1].cost == 1_000_000 - trace.result.gas_used
    sstores = [s for s in trace.steps if s.op == "SSTORE"]
    assert [s.storage_writes for s in sstores] == [((0, 3),)]
    assert all(s.storage_writes == () for s in trace.steps if s.op != "SSTORE")
    source = compiled("counter").source.splitlines()
    assert "self.count += amount" in source[sstores[0].line - 1]
    assert max(s.depth for s in trace.steps) == 1          # inside the internal call


def test_the_trace_table_prints_one_line_per_step(counter_trace):
    table = counter_trace.table(0, 3).splitlines()
    assert len(table) == 4 and table[0].split()[:4] == ["step", "pc", "line", "instruction"]
    assert table[1].split()[:4] == ["0", "0", "9", "PUSH"]


def test_a_trace_can_stop_recording_and_still_finish_the_call():
    code = code_of("PUSH 200\nSTORE 0\ntop:\nJUMPDEST\nLOAD 0\nPUSH 1\nSUB\nDUP 1\nSTORE 0\n"
                   "JUMPI top\nSTOP")
    trace = trace_call(State(), code, Message(CALLER, CONTRACT), max_steps=50)
    assert len(trace) == 50 and trace.truncated
    assert trace.result == execute(State(), code, Message(CALLER, CONTRACT))


def test_stack_rows_show_the_top_first(counter_trace):
    step = next(s for s in counter_trace.steps if len(s.stack) == 3)
    assert [r[0] for r in stack_rows(step)] == ["top", "top-1", "top-2"]
    assert stack_rows(step)[0][1] == str(step.stack[-1])


def test_step_figure_is_a_stack_table_beside_the_gas_curve(counter_trace):
    fig = step_figure(counter_trace, 30)
    assert isinstance(fig, go.Figure)
    table, gas, marker = fig.data
    assert table.type == "table" and list(gas.y) == [s.gas for s in counter_trace.steps]
    assert (list(marker.x), list(marker.y)) == ([30], [counter_trace[30].gas])
    assert f"pc {counter_trace[30].pc}" in fig.layout.title.text
    with pytest.raises(IndexError, match="step 999 is not in the trace"):
        step_figure(counter_trace, 999)


def test_source_html_highlights_the_current_line():
    html = source_html("a = 1\nb = <2>\nc = 3", 2)
    assert html.count('class="line"') == 3
    assert 'style="background:#fff3b0;font-weight:bold">▶   2  b = &lt;2&gt;' in html
    assert source_html("\n".join(f"x{i}" for i in range(1, 30)), 15, context=2).count(
        'class="line"') == 5


def test_step_html_shows_the_instruction_stack_writes_source_and_the_end(counter_trace):
    sstore = next(s.number for s in counter_trace.steps if s.op == "SSTORE")
    page = step_html(counter_trace, sstore)
    assert "<code>SSTORE</code>" in page and "slot 0 ← 3" in page
    assert "▶" in page and "self.count += amount" in page
    last = step_html(counter_trace, len(counter_trace) - 1)
    assert "the call ended:</b> success" in last


def test_the_stepper_widget_redraws_the_step_the_slider_points_at(counter_trace):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        widget = stepper(counter_trace)
    controls, view = widget.children
    play, slider = controls.children
    assert (play.max, slider.max) == (len(counter_trace) - 1,) * 2
    assert view.value == step_html(counter_trace, 0)
    slider.value = 12
    assert view.value == step_html(counter_trace, 12)


def test_a_failed_require_is_traced_to_its_own_line_up_to_the_revert():
    counter = compiled("counter")
    source_lines = counter.source.splitlines()
    trace = trace_call(State(), counter.code,
                       Message("0x" + "b0" * 20, "0x" + "c0" * 20, 0, encode_call("add", 0)),
                       lines=counter.lines, source=counter.source)
    assert trace[-1].op == "REVERT"
    assert "require(" in source_lines[trace[-1].line - 1]
