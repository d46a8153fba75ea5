"""The dashboard lives in a real browser: Voila serves it, Chromium shows it, a slider moves it (chapter 11).

``tests/test_viz_app.py`` proves the wiring as data; this test proves the same app works
end to end the way a learner meets it: Voila on 127.0.0.1 runs
``notebooks/sunny_street_dashboard.ipynb`` in a kernel, Debian's ``/usr/bin/chromium``
(driven by Playwright's Python package, no browser download) renders the widgets and the
plotly figures, a key press moves the households slider, and the figures and key figures
are recomputed by the kernel. The page must then show exactly what the pure functions
compute for the new scenario. A screenshot goes to ``tests/artifacts/dashboard.png``.

Needs ``/usr/bin/chromium``: ``make test`` installs it as root (``tests/install_browser.sh``).
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from browser_kit import ARTIFACTS, ROOT, chromium, free_port, local_only, stop, \
    wait_until_listening

from minichain.viz.app import Scenario, kpi_rows, run_scenario

NOTEBOOK = ROOT / "notebooks" / "sunny_street_dashboard.ipynb"
SERVER_SECONDS = 15       # Voila listening
PAGE_MS = 30_000          # page, kernel, notebook run, widgets and first figures drawn
UPDATE_MS = 15_000        # one recomputation after a slider moved


@pytest.fixture
def voila(tmp_path):
    """Voila serving the dashboard notebook on a free local port; stopped with its kernels."""
    port = free_port()
    log = tmp_path / "voila.log"
    command = [sys.executable, "-m", "voila", str(NOTEBOOK), "--no-browser",
               f"--port={port}", "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
               "--MappingKernelManager.cull_idle_timeout=120",
               "--MappingKernelManager.cull_interval=30"]
    with log.open("w") as sink:
        process = subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)
    try:
        wait_until_listening(process, port, log, SERVER_SECONDS, "Voila")
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop(process)


@pytest.fixture
def browser():
    yield from chromium()


def bars_in_savings_figure(page) -> int:
    """How many households the savings figure shows, read from plotly's data in the page."""
    return page.evaluate("""() => {
        const plot = document.querySelector('.sunny-figure-savings .js-plotly-plot');
        return plot && plot.data ? plot.data[0].x.length : -1; }""")


def kpi_text(page, key: str) -> str:
    return page.inner_text(f'.sunny-kpis [data-kpi="{key}"]').strip()


SHOWN_HOUSEHOLD = "menu => menu.options[menu.selectedIndex].text.replace(/\\u00a0/g, ' ')"
SAVINGS_BARS_ARE = """(n) => {
    const plot = document.querySelector('.sunny-figure-savings .js-plotly-plot');
    return Boolean(plot && plot.data && plot.data[0].x.length === n); }"""
TRADED_READS = """(expected) =>
    document.querySelector('.sunny-kpis [data-kpi="traded"]').innerText.trim() === expected"""


def test_moving_the_households_slider_redraws_the_figures_and_key_figures(browser, voila):
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.set_default_timeout(PAGE_MS)
    local_only(page, voila)          # nothing but the local server: never wait on the internet
    try:
        page.goto(voila, wait_until="domcontentloaded")
        page.wait_for_selector(".sunny-figure-savings .js-plotly-plot .main-svg")
        page.wait_for_selector(".sunny-households .noUi-handle")

        before, after = Scenario(), Scenario(households=13)
        expected_before = {key: value for key, _, value in kpi_rows(run_scenario(before))}
        expected_after = {key: value for key, _, value in kpi_rows(run_scenario(after))}
        assert expected_after["traded"] != expected_before["traded"]
        assert bars_in_savings_figure(page) == before.households == 12
        assert kpi_text(page, "traded") == expected_before["traded"]

        page.focus(".sunny-households .noUi-handle")
        page.keyboard.press("ArrowRight")             # one step: 12 -> 13 households

        page.wait_for_function(SAVINGS_BARS_ARE, arg=13, timeout=UPDATE_MS)
        page.wait_for_function(TRADED_READS, arg=expected_after["traded"], timeout=UPDATE_MS)
        assert page.inner_text(".sunny-households .widget-readout").strip() == "13"
        assert page.eval_on_selector(".sunny-view-household select", SHOWN_HOUSEHOLD) == \
            "the whole street"
        assert {key: kpi_text(page, key) for key in expected_after} == expected_after
        assert page.evaluate("""() => document.querySelector(
            '.sunny-figure-savings .js-plotly-plot').data[0].x[12]""") == "mike"
        page.wait_for_selector(".sunny-figure-feeder .js-plotly-plot .main-svg")
    finally:                                          # a picture, also of a failure
        ARTIFACTS.mkdir(exist_ok=True)
        page.set_viewport_size({"width": 1500, "height": 3000})  # Voila scrolls inside its body
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
