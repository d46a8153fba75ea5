"""The dashboard lives in a real browser: Voila serves it, Chromium shows it, a slider moves it (chapter 11).

``tests/test_viz_app.py`` proves the wiring as data; this test proves the same app works
end to end the way a learner meets it: Voila on 127.0.0.1 runs
``notebooks/sunny_street_dashboard.ipynb`` in a kernel, Debian's ``/usr/bin/chromium``
(driven by Playwright's Python package, no browser download) renders the widgets and the
plotly figures, a key press moves the households slider, and the figures and key figures
are recomputed by the kernel. The page must then show exactly what the pure functions
compute for the new scenario. At 1440 and at 1024 pixels every title and control sits
inside the window; no request leaves the machine (an offline classroom sees the whole
app); a run on chain goes end to end on the street's three nodes. Screenshots go to
``tests/artifacts/dashboard_1440.png``, ``dashboard_1024.png`` and ``dashboard_chain.png``.

Needs ``/usr/bin/chromium``: ``make test`` installs it as root (``tests/install_browser.sh``).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from browser_kit import ARTIFACTS, ROOT, SAVINGS_BARS, chromium, free_port, local_only, stop, \
    wait_until_listening

from minichain.viz.app import Scenario, kpi_rows, run_scenario

NOTEBOOK = ROOT / "notebooks" / "sunny_street_dashboard.ipynb"
TEMPLATES = ROOT / "minichain" / "viz" / "jupyter"            # the "sunny" Voila template
SERVER_SECONDS = 15       # Voila listening
PAGE_MS = 30_000          # page, kernel, notebook run, widgets and first figures drawn
UPDATE_MS = 15_000        # one recomputation after a slider moved


@pytest.fixture(scope="module")
def voila(tmp_path_factory):
    """Voila serving the dashboard notebook on a free local port; stopped with its kernels."""
    port = free_port()
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    command = [sys.executable, "-m", "voila", str(NOTEBOOK), "--no-browser",
               f"--port={port}", "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
               "--template=sunny", "--MappingKernelManager.cull_idle_timeout=120",
               "--MappingKernelManager.cull_interval=30"]
    env = {**os.environ, "JUPYTER_PATH": str(TEMPLATES)}      # as `make dashboard` runs it
    with log.open("w") as sink:
        process = subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
                                   env=env)
    try:
        wait_until_listening(process, port, log, SERVER_SECONDS, "Voila")
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop(process)


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


def bars_in_savings_figure(page) -> int:
    """How many households the savings figure shows, read from plotly's data in the page."""
    return page.evaluate(SAVINGS_BARS)


def kpi_text(page, key: str) -> str:
    return page.inner_text(f'.sunny-kpis [data-kpi="{key}"]').strip()


SHOWN_HOUSEHOLD = "menu => menu.options[menu.selectedIndex].text.replace(/\\u00a0/g, ' ')"
SAVINGS_BARS_ARE = """(n) => {
    const plot = document.querySelector('.sunny-figure-savings .js-plotly-plot');
    return Boolean(plot && plot.data && plot.data[0].x.length === n); }"""
TRADED_READS = """(expected) =>
    document.querySelector('.sunny-kpis [data-kpi="traded"]').innerText.trim() === expected"""


OUTSIDE = """(width) => {
    const placed = [...document.querySelectorAll(
        '.sunny-dashboard h3, .sunny-dashboard .widget-slider, .sunny-dashboard .widget-dropdown,'
        + ' .sunny-dashboard .widget-button, .sunny-dashboard .gtitle, .sunny-kpis table')];
    return placed.map(e => [e.className.baseVal || e.className, e.getBoundingClientRect()])
                 .filter(([_, r]) => r.width > 0 && (r.left < -1 || r.right > width + 1))
                 .map(([name, r]) => `${name}: ${Math.round(r.left)}..${Math.round(r.right)}`); }"""


@pytest.mark.parametrize("width", [1440, 1024])
def test_at_1440_and_1024_pixels_nothing_is_cut_and_nothing_leaves_the_machine(browser, voila,
                                                                              width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_default_timeout(PAGE_MS)
    refused = local_only(page, voila)
    try:
        page.goto(voila, wait_until="domcontentloaded")
        page.wait_for_selector(".sunny-figure-savings .js-plotly-plot .main-svg")
        page.wait_for_selector(".sunny-figure-feeder .js-plotly-plot .main-svg")
        assert page.evaluate(OUTSIDE, width) == []
        plot = page.locator(".sunny-figure-price .js-plotly-plot").bounding_box()
        assert plot["x"] >= 0 and plot["x"] + plot["width"] <= width + 1
        assert refused == [], f"requests left the machine: {refused[:5]}"
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"dashboard_{width}.png"), full_page=True)
        page.close()


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
        page.close()


CHAIN_MS = 300_000          # a whole day on the three nodes, in Voila's kernel


def test_a_run_on_chain_goes_end_to_end_on_the_three_nodes(browser, voila):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.set_default_timeout(PAGE_MS)
    refused = local_only(page, voila)
    try:
        page.goto(voila, wait_until="domcontentloaded")
        page.wait_for_selector(".sunny-households .noUi-handle")
        page.focus(".sunny-households .noUi-handle")
        page.keyboard.press("Home")                      # one home: the shortest chain day
        page.wait_for_function(TRADED_READS, arg=dict(
            (k, v) for k, _, v in kpi_rows(run_scenario(Scenario(households=1))))["traded"],
            timeout=UPDATE_MS)
        page.click(".sunny-run-on-chain button, button.sunny-run-on-chain")
        page.wait_for_selector(".sunny-chain-figures", timeout=CHAIN_MS)
        status = page.inner_text(".sunny-status")
        assert "1 home," in status and "three nodes" in status
        page.wait_for_selector(".sunny-figure-chain .js-plotly-plot .main-svg")
        assert "blocks" in page.inner_text(".sunny-chain-figures")
        assert refused == [], f"requests left the machine: {refused[:5]}"
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard_chain.png"), full_page=True)
        page.close()
