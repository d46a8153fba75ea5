"""The course opens as the README says, and a learner can reach the exercises from chapter 00.

``make course`` (the README's first command) starts JupyterLab serving the whole project
with chapter 00 open. This test runs exactly that command (with ``BROWSER=true`` so no
window opens), finds the server it started in ``jupyter server list``, opens chapter 00 in
Debian's chromium, and follows chapter 00's link to the first exercise notebook: the
exercise must open in JupyterLab, not answer 404. A screenshot goes to
``tests/artifacts/course.png``. ``tests/test_links.py`` checks every link as data.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from browser_kit import (ARTIFACTS, ROOT, SAVINGS_BARS, chromium, descendants_of, local_only,
                         stop)

SERVER_SECONDS = 60       # the command's first lines, then JupyterLab listening
PAGE_MS = 60_000          # JupyterLab's page and chapter 00 rendered


@pytest.fixture
def course(tmp_path):
    """``make course``, exactly as the README says; yields (base url, token, root dir)."""
    log = tmp_path / "course.log"
    env = {**os.environ, "BROWSER": "true", "JUPYTERLAB_SETTINGS_DIR": str(settings(tmp_path))}
    with log.open("w") as sink:
        process = subprocess.Popen(["make", "course"], cwd=ROOT, stdout=sink,
                                   stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + SERVER_SECONDS
        while True:
            server = ours(descendants_of(process.pid))
            if server is not None:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"`make course` did not start a server:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield server["url"].rstrip("/"), server["token"], Path(server["root_dir"])
    finally:
        stop(process)


def settings(tmp_path: Path) -> Path:
    """A throw-away JupyterLab settings folder: every cell rendered (so a link far down the
    page exists to be clicked) and no news prompt; the learner's own settings stay untouched."""
    folder = tmp_path / "lab-settings"
    for plugin, values in {"notebook-extension/tracker": {"windowingMode": "none"},
                           "apputils-extension/notification": {"fetchNews": "false"},
                           # a test that runs cells must never save over a committed notebook
                           "docmanager-extension/plugin": {"autosave": False}}.items():
        package, name = plugin.split("/")
        path = folder / "@jupyterlab" / package / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    return folder


def ours(pids: list[int]) -> dict | None:
    """The running Jupyter server whose process is one of ``pids`` (None if none yet)."""
    listing = subprocess.run([sys.executable, "-m", "jupyter", "server", "list", "--json"],
                             capture_output=True, text=True, cwd=ROOT)
    for line in listing.stdout.splitlines():
        server = json.loads(line)
        if server.get("pid") in pids:
            return server
    return None


@pytest.fixture
def browser():
    yield from chromium()


def test_make_course_serves_the_project_and_chapter_00_links_to_the_exercises(course, browser):
    base, token, root = course
    assert root.resolve() == ROOT.resolve(), "the course must serve the whole project"
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(PAGE_MS)
    refused = local_only(page, base)
    try:
        page.goto(f"{base}/lab/tree/notebooks/00_welcome.ipynb?token={token}")
        page.locator(".jp-NotebookPanel .jp-RenderedMarkdown h1").first.wait_for()
        link = page.locator('.jp-RenderedMarkdown a[href*="exercises/01_hashes_keys_signatures.ipynb"]')
        link.first.scroll_into_view_if_needed()
        link.first.click()
        # the exercise opens in JupyterLab as the current document, from exercises/
        page.locator('.lm-TabBar-tab.lm-mod-current'
                     '[title*="Path: exercises/01_hashes_keys_signatures.ipynb"]').wait_for()
        page.locator(".jp-NotebookPanel h1", has_text="Exercises 01").first.wait_for()
        response = page.request.get(f"{base}/api/contents/exercises/"
                                    f"01_hashes_keys_signatures.ipynb?token={token}&content=0")
        assert response.status == 200
        assert refused == [], f"requests left the machine: {refused[:5]}"
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "course.png"))


CHAPTER_11 = "notebooks/11_sunny_street.ipynb"
RUN_ALL_MS = 120_000      # chapter 11 with ipykernel, under a loaded test run


def test_chapter_11s_dashboard_reacts_to_its_slider_in_the_courses_jupyterlab(course, browser):
    """The widgets work in the JupyterLab a learner gets from `make course` (ipykernel and
    the installed ipywidgets), not only in Voila and the browser site."""
    from minichain.day.scenario import Scenario
    base, token, _ = course
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(RUN_ALL_MS)
    refused = local_only(page, base)
    try:
        page.goto(f"{base}/lab/tree/{CHAPTER_11}?token={token}")
        page.locator(f'.lm-TabBar-tab.lm-mod-current[title*="Path: {CHAPTER_11}"]').wait_for()
        page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedMarkdown h1").first.wait_for()
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for()
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()
        page.wait_for_selector(".sunny-households .noUi-handle")
        page.wait_for_function(f"() => ({SAVINGS_BARS})() > 0")
        before = Scenario().households
        assert page.evaluate(SAVINGS_BARS) == before
        handle = page.locator(".sunny-households .noUi-handle").first
        handle.scroll_into_view_if_needed()
        handle.focus()
        page.keyboard.press("ArrowRight")              # one step: one more household
        page.wait_for_function(f"() => ({SAVINGS_BARS})() === {before + 1}")
        errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
        assert errors.count() == 0, errors.first.inner_text()
        assert refused == [], f"requests left the machine: {refused[:5]}"
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "course_chapter_11.png"))
