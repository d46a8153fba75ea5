"""The step debugger: one step of a traced contract call, as a figure or as HTML (chapter 06).

Pure builders take a ``Trace`` (from ``minichain.vm.trace_call``) and a step number:
``step_figure`` draws the stack and the gas left so far, ``step_html`` shows the
instruction, the stack, the storage writes and the source with the current line
highlighted. ``stepper`` is the thin widget: a Play button and a slider that re-render
``step_html`` for the chosen step.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from minichain.vm.trace import Step, Trace
from minichain.viz.style import SMALL_FONT

FONT = SMALL_FONT                   # a dense table: the course's small font
GAS = "#e8710a"          # orange: gas
CURRENT = "#4575b4"      # blue: the step being shown
HIGHLIGHT = "#fff3b0"    # the current source line
STACK_SHOWN = 12         # words of the stack a view shows (from the top)


def _word(word: int) -> str:
    text = str(word)
    return text if len(text) <= 20 else f"{text[:8]}…{text[-8:]} ({len(text)} digits)"


def _check(trace: Trace, index: int) -> Step:
    if not trace.steps:
        raise IndexError("the trace has no steps")
    if not 0 <= index < len(trace.steps):
        raise IndexError(f"step {index} is not in the trace (0 .. {len(trace.steps) - 1})")
    return trace.steps[index]


def stack_rows(step: Step, shown: int = STACK_SHOWN) -> list[tuple[str, str]]:
    """The stack from the top down as (position, word) rows; "top" first."""
    words = list(reversed(step.stack))[:shown]
    rows = [("top" if i == 0 else f"top-{i}", _word(w)) for i, w in enumerate(words)]
    if len(step.stack) > shown:
        rows.append(("…", f"{len(step.stack) - shown} more"))
    return rows


def step_figure(trace: Trace, index: int) -> go.Figure:
    """The stack at one step (a table, top first) beside the gas left over the whole call."""
    step = _check(trace, index)
    rows = stack_rows(step) or [("", "(empty)")]
    fig = make_subplots(rows=1, cols=2, column_widths=[0.4, 0.6],
                        specs=[[{"type": "table"}, {"type": "xy"}]],
                        subplot_titles=(f"stack before {step.instruction}", "gas left"))
    fig.add_trace(go.Table(header={"values": ["position", "word"], "font": FONT},
                           cells={"values": [[r[0] for r in rows], [r[1] for r in rows]],
                                  "font": FONT, "height": 30}), row=1, col=1)
    fig.add_trace(go.Scatter(x=[s.number for s in trace.steps], y=[s.gas for s in trace.steps],
                             mode="lines", line={"color": GAS, "width": 3}, name="gas left"),
                  row=1, col=2)
    fig.add_trace(go.Scatter(x=[step.number], y=[step.gas], mode="markers",
                             marker={"color": CURRENT, "size": 16}, name=f"step {step.number}"),
                  row=1, col=2)
    fig.update_xaxes(title_text="step", row=1, col=2)
    fig.update_layout(title={"text": f"step {step.number} of {len(trace.steps) - 1}: pc {step.pc}, "
                                     f"{step.instruction}, line {step.line or '-'}",
                             "font": {"size": 22}, "x": 0.02},
                      font=FONT, height=460, template="plotly_white", showlegend=False,
                      margin={"l": 40, "r": 40, "t": 100, "b": 40})
    return fig


def source_html(source: str, line: int, context: int | None = None) -> str:
    """The source as HTML with line numbers, ``line`` highlighted (``context``: lines around)."""
    lines = source.splitlines()
    first, last = 1, len(lines)
    if context is not None and line:
        first, last = max(1, line - context), min(len(lines), line + context)
    out = []
    for number in range(first, last + 1):
        text = html.escape(lines[number - 1])
        style = f' style="background:{HIGHLIGHT};font-weight:bold"' if number == line else ""
        marker = "▶" if number == line else " "
        out.append(f'<span class="line"{style}>{marker}{number:>4}  {text}</span>')
    return ('<pre class="minichain-source" style="font-size:14px;line-height:1.35">'
            + "\n".join(out) + "</pre>")


def step_html(trace: Trace, index: int, context: int | None = 8) -> str:
    """Everything about one step as HTML: instruction, gas, stack, storage writes, source."""
    step = _check(trace, index)
    writes = ", ".join(f"slot {_word(s)} ← {_word(v)}" for s, v in step.storage_writes) or "none"
    stack = "".join(f"<tr><td>{html.escape(p)}</td><td><code>{html.escape(w)}</code></td></tr>"
                    for p, w in stack_rows(step)) or "<tr><td colspan=2>(empty)</td></tr>"
    head = (f"<b>step {step.number} / {len(trace.steps) - 1}</b> &nbsp; pc {step.pc} &nbsp; "
            f"<code>{html.escape(step.instruction)}</code> &nbsp; gas left {step.gas} "
            f"(this costs {step.cost}) &nbsp; call depth {step.depth}<br>"
            f"storage writes: {html.escape(writes)}")
    end = ""
    if index == len(trace.steps) - 1:
        outcome = html.escape(trace.result.explain()).replace("\n", "<br>")
        end = f"<br><b>the call ended:</b> {outcome}, gas used {trace.result.gas_used}"
    source = source_html(trace.source, step.line, context) if trace.source else ""
    return (f'<div class="minichain-step">{head}{end}'
            f'<table style="font-size:14px"><tr><th>stack</th><th>word</th></tr>{stack}</table>'
            f"{source}</div>")


def stepper(trace: Trace, interval_ms: int = 500):
    """A Play button and a slider over the steps, showing ``step_html`` for each."""
    import ipywidgets as widgets

    if not trace.steps:
        raise IndexError("the trace has no steps")
    last = len(trace.steps) - 1
    play = widgets.Play(value=0, min=0, max=last, step=1, interval=interval_ms,
                        description="play")
    slider = widgets.IntSlider(value=0, min=0, max=last, description="step",
                               continuous_update=True)
    widgets.jslink((play, "value"), (slider, "value"))
    view = widgets.HTML(value=step_html(trace, 0))

    def show(change: dict) -> None:
        view.value = step_html(trace, change["new"])

    slider.observe(show, names="value")
    return widgets.VBox([widgets.HBox([play, slider]), view])
