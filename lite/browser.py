"""Open the built site in a real browser: serve it on 127.0.0.1, drive JupyterLite in Chromium.

Used by the browser test (``tests/test_browser_site.py``) and the site benchmark
(``python -m benchmarks site``). The browser is Debian's ``/usr/bin/chromium`` driven by
Playwright's Python package (no browser download). Every request to a host other than the
local server is aborted and remembered, so a test can fail if the site reached for one.

To read a notebook's outputs the harness needs JupyterLab's application object in the page
(``exposeAppInBrowser``). The site built for teachers does not set it: ``serve`` adds it to
the ``jupyter-lite.json`` it sends, so it exists only while a test or benchmark runs.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

CHROMIUM = Path("/usr/bin/chromium")
# A name the browser resolves to 127.0.0.1 without asking any resolver. Only 127.0.0.1 and
# localhost count as "secure" origins; served under this name, the site meets the browser
# as it does from a teacher's laptop on the room's wifi (http://192.168.x.y:8000), where
# browsers allow no service worker.
ROOM_HOST = "classroom.test"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 f"--host-resolver-rules=MAP {ROOM_HOST} 127.0.0.1"]
KERNEL_READY_MS = 180_000      # page load, Pyodide, the preloaded wheels, the kernel idle (busy machine)
RUN_ALL_MS = 300_000           # the slowest chapter, with a wide margin for a busy machine


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site folder; adds the test-only setting to the root ``jupyter-lite.json``."""

    extra_config: dict = {}

    def log_message(self, format, *args):     # noqa: A002 (the base class's name)
        pass

    def do_GET(self):
        if self.path.split("?")[0] == "/jupyter-lite.json" and self.extra_config:
            config = json.loads((Path(self.directory) / "jupyter-lite.json").read_text())
            config["jupyter-config-data"].update(self.extra_config)
            body = json.dumps(config).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


@contextlib.contextmanager
def serve(site: Path, expose_app: bool = True) -> Iterator[str]:
    """Serve ``site`` on a free port of 127.0.0.1 in a thread; yields the base URL."""
    handler = type("SiteHandler", (QuietHandler,),
                   {"extra_config": {"exposeAppInBrowser": True} if expose_app else {}})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def room_address(base: str) -> str:
    """The same local server under ``ROOM_HOST``: an address that is not a secure origin."""
    return base.replace("//127.0.0.1:", f"//{ROOM_HOST}:", 1)


def missing_browser() -> str | None:
    """Why the browser cannot run here, or None."""
    if not CHROMIUM.exists():
        return (f"{CHROMIUM} is missing: run `bash .ci/install_browser.sh` (as root) to install "
                "Debian's chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright's Python package is missing: pip install -e '.[test]'"
    return None


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """Debian's Chromium under Playwright."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Guard:
    """Aborts every request that is not for the local site, and keeps a list of them."""
    base: str
    refused: list[str] = field(default_factory=list)

    def __call__(self, route) -> None:
        url = route.request.url
        if url.startswith((self.base, "data:", "blob:")):
            route.continue_()
        else:
            self.refused.append(url)
            route.abort()


def new_context(browser, base: str, guard: Guard):
    """A fresh browser profile (its own storage) whose requests all pass ``guard``."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.route("**/*", guard)
    return context


ACTIVE_PANEL = "(window.jupyterapp && window.jupyterapp.shell.currentWidget)"
KERNEL_IDLE = f"""() => {{
    const panel = {ACTIVE_PANEL};
    const kernel = panel && panel.sessionContext && panel.sessionContext.session
        && panel.sessionContext.session.kernel;
    return Boolean(kernel && kernel.status === 'idle' && panel.sessionContext.isReady); }}"""
RUN_ALL = """async () => {
    const ok = await window.jupyterapp.commands.execute('notebook:run-all-cells');
    return ok; }"""
OUTPUTS = f"""() => {{
    const cells = {ACTIVE_PANEL}.content.model.cells;
    const found = [];
    for (let i = 0; i < cells.length; i++) {{
        const cell = cells.get(i);
        if (cell.type !== 'code') continue;
        found.push({{index: i, count: cell.executionCount,
                     outputs: cell.sharedModel.toJSON().outputs}});
    }}
    return found; }}"""


@dataclass(frozen=True)
class CodeCell:
    """A code cell after a run, as the notebook model holds it."""
    index: int
    count: int | None
    outputs: list

    def text(self) -> str:
        """Everything the cell printed or showed as text (streams, text/plain, errors)."""
        parts = []
        for output in self.outputs:
            if output.get("output_type") == "stream":
                parts.append("".join(output["text"]) if isinstance(output["text"], list)
                             else output["text"])
            elif output.get("output_type") == "error":
                parts.append(f"{output['ename']}: {output['evalue']}")
            else:
                plain = output.get("data", {}).get("text/plain", "")
                parts.append("".join(plain) if isinstance(plain, list) else plain)
        return "".join(parts)

    def errors(self) -> list[str]:
        """Error outputs and anything written to stderr (a warning shows as a red box)."""
        found = [f"{o['ename']}: {o['evalue']}" for o in self.outputs
                 if o.get("output_type") == "error"]
        found += [o["text"] if isinstance(o["text"], str) else "".join(o["text"])
                  for o in self.outputs
                  if o.get("output_type") == "stream" and o.get("name") == "stderr"]
        return found


def notebook_url(base: str, path: str) -> str:
    return f"{base}lab/index.html?path={path}"


def open_notebook(page, base: str, path: str, kernel: bool = True) -> float:
    """Open a notebook of the site and wait for it (and its kernel, unless ``kernel`` is
    False); returns the seconds from the page's request until it was ready."""
    page.set_default_timeout(KERNEL_READY_MS)
    start = time.perf_counter()
    page.goto(notebook_url(base, path), wait_until="domcontentloaded")
    page.wait_for_function(f"() => Boolean({ACTIVE_PANEL} && {ACTIVE_PANEL}.context "
                           f"&& {ACTIVE_PANEL}.context.path === {json.dumps(path)} "
                           f"&& {ACTIVE_PANEL}.context.isReady)", timeout=KERNEL_READY_MS)
    if kernel:
        page.wait_for_function(KERNEL_IDLE, timeout=KERNEL_READY_MS)
    return time.perf_counter() - start


def run_all(page) -> tuple[float, list[CodeCell]]:
    """Run All in the open notebook; (seconds from start to last output, code cells after)."""
    page.set_default_timeout(RUN_ALL_MS)
    start = time.perf_counter()
    page.evaluate(RUN_ALL)
    page.wait_for_function(KERNEL_IDLE, timeout=RUN_ALL_MS)
    seconds = time.perf_counter() - start
    return seconds, code_cells(page)


def code_cells(page) -> list[CodeCell]:
    return [CodeCell(c["index"], c["count"], c["outputs"]) for c in page.evaluate(OUTPUTS)]


def set_source(page, index: int, source: str) -> None:
    """Replace the source of cell ``index`` of the open notebook, as a learner's typing would."""
    page.evaluate("""([index, source]) => {
        const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
        cells.get(index).sharedModel.setSource(source); }""", [index, source])


def run_cell(page, index: int) -> CodeCell:
    """Run one cell of the open notebook (as Shift+Enter on it would) and return it after."""
    page.evaluate("""async (index) => {
        const notebook = window.jupyterapp.shell.currentWidget.content;
        notebook.activeCellIndex = index;
        await window.jupyterapp.commands.execute('notebook:run-cell'); }""", index)
    page.wait_for_function(KERNEL_IDLE, timeout=RUN_ALL_MS)
    (cell,) = [c for c in code_cells(page) if c.index == index]
    return cell


def save(page) -> None:
    """Save the open notebook to the browser's storage (what Ctrl+S does)."""
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")


def tree(site_output: Path) -> tuple[int, int]:
    """(files, bytes) of a built site."""
    files = [p for p in site_output.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)
