"""What the browser tests share: Debian's chromium under Playwright, free ports, local servers.

Every browser test drives ``/usr/bin/chromium`` with Playwright's Python package (never a
browser download), lets no request leave 127.0.0.1, and stops the servers it started
with every process they spawned. When chromium is missing the tests fail (never skip)
with the one command that installs it, the same advice ``make test`` prints first.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest

from lite import browser as site_browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = site_browser.CHROMIUM
# How many households the dashboard's savings figure shows, read from plotly's data (-1:
# not drawn yet): the course, the dashboard and the site tests all watch it change.
SAVINGS_BARS = """() => {
    const plot = document.querySelector('.sunny-figure-savings .js-plotly-plot');
    return plot && plot.data ? plot.data[0].x.length : -1; }"""
INSTALL_ADVICE = ("Debian's chromium is missing at /usr/bin/chromium: install it once with "
                  "`sudo apt-get update && sudo apt-get install -y chromium` (as root, "
                  "`make test` does this itself)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is ``pid``, read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def descendants_of(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children ...)."""
    found, todo = [], [pid]
    while todo:
        for child in children_of(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def wait_until_listening(process: subprocess.Popen, port: int, log: Path, seconds: float,
                         what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"{what} did not listen on port {port} within {seconds} s:\n"
                f"{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    """Stop a server and everything it started (kernels included)."""
    spawned = descendants_of(process.pid)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    for pid in spawned:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def local_only(page, origin: str) -> list[str]:
    """Abort every request that does not go to ``origin``; return the list of those refused."""
    refused: list[str] = []

    def route(route) -> None:
        url = route.request.url
        if url.startswith((origin, "data:", "blob:")):
            route.continue_()
        else:
            refused.append(url)
            route.abort()
    page.route("**/*", route)
    return refused


def chromium() -> Iterator:
    """Debian's Chromium under Playwright; fails (never skips) when it is missing."""
    if not CHROMIUM.exists():
        pytest.fail(INSTALL_ADVICE)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("Playwright's Python package is missing: run `make test`, which installs "
                    "the test extra (pip install -e '.[test]')")
    with site_browser.chromium() as browser:           # one launcher, the site's
        yield browser


def screenshot_on_exit(page, name: str, full_page: bool = True) -> Callable[[], None]:
    """A function that writes ``tests/artifacts/<name>.png`` of the page as it is now."""
    def take() -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)
    return take
