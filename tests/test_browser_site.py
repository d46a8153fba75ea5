"""The course runs in a browser with nothing installed: the static site that `make site` builds.

The site (``lite/build.py``) is built here, or reused when ``_site/`` was built from exactly
the present inputs (pins, builder, library, notebooks). A local server on 127.0.0.1 serves
it to Debian's ``/usr/bin/chromium`` (Playwright's Python package, no browser download);
every request for another host is aborted, and any such request fails the test. In the
browser's own Python (Pyodide) chapter 01 runs all its cells without an error, an
exercise gets the same verdicts from ``check()`` as it does here and the learner's edit
survives a reload from the browser's storage (served under a name that is not a secure
origin, as from a teacher's laptop on the room's wifi), and the dashboard of chapter 11
redraws its figure when a slider moves. Screenshots go to ``tests/artifacts/site_*.png``.

The test-only setting ``exposeAppInBrowser`` (the harness reads the notebook through
JupyterLab's application object) is added by the test's server to the configuration it
sends; the folder built for teachers never contains it (checked below).
"""

from __future__ import annotations

import ast
import json
import runpy
from pathlib import Path

import pytest

from browser_kit import SAVINGS_BARS
from lite import browser, build
from minichain.checks import check
from minichain.viz.app import Scenario

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHAPTER = "notebooks/01_hashes_keys_signatures.ipynb"
EXERCISE = "exercises/01_hashes_keys_signatures.ipynb"
SOLVED = "hash_reading"
DASHBOARD_CHAPTER = "notebooks/11_sunny_street.ipynb"
FIGURE_MIME = "application/vnd.plotly.v1+json"
UPDATE_MS = 30_000


@pytest.fixture(scope="module")
def site() -> Path:
    """The built site: reused when it is current, else built as `make site` builds it."""
    if not build.is_current():
        try:
            build.build()
        except build.Unreachable as error:     # no network and nothing cached: cannot build
            pytest.skip(f"the site cannot be built here: {error}")
    return build.OUTPUT


@pytest.fixture(scope="module")
def chrome():
    reason = browser.missing_browser()
    if reason:
        pytest.fail(reason)
    with browser.chromium() as instance:
        yield instance


@pytest.fixture(scope="module")
def base(site):
    with browser.serve(site) as url:
        yield url


@pytest.fixture
def room(base):
    """The server under a name that is not a secure origin, as on a laptop on the room's wifi."""
    return browser.room_address(base)


@pytest.fixture
def guarded(chrome, base, request):
    """A fresh browser profile that refuses other hosts; fails the test if any was asked for."""
    if "room" in request.fixturenames:
        base = request.getfixturevalue("room")
    guard = browser.Guard(base)
    context = browser.new_context(chrome, base, guard)
    pages = []

    def new_page():
        page = context.new_page()
        pages.append(page)
        return page

    yield new_page
    ARTIFACTS.mkdir(exist_ok=True)
    for number, page in enumerate(pages):          # a picture, also of a failure
        page.set_viewport_size({"width": 1400, "height": 1000})
        page.screenshot(path=str(ARTIFACTS / f"site_{request.node.name[5:40]}_{number}.png"))
    context.close()
    assert guard.refused == [], f"the site asked for other hosts: {guard.refused[:5]}"


def notebook(path: str) -> dict:
    return json.loads((ROOT / path).read_text())


def test_the_built_site_serves_every_notebook_and_pinned_wheel_and_nothing_test_only(site):
    pyodide = site / "static" / "pyodide"
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())
    served = {path.name for path in pyodide.glob("*.whl")}
    assert {entry["file_name"] for entry in lock["packages"].values()} == served
    for entry in lock["packages"].values():
        assert build.sha256_of(pyodide / entry["file_name"]) == entry["sha256"]
    pinned = {wheel.name: wheel.version for wheel in build.load_pins().wheels}
    assert {name: lock["packages"][name]["version"] for name in pinned} == pinned
    assert "minichain" in lock["packages"] and "jupyterlab" not in lock["packages"]

    config = json.loads((site / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config["litePluginSettings"][build.KERNEL_PLUGIN]
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.mjs"       # no CDN
    assert kernel["disablePyPIFallback"] is True
    assert "minichain" in kernel["loadPyodideOptions"]["packages"]
    assert "exposeAppInBrowser" not in json.dumps(config)
    wanted = {str(p.relative_to(ROOT)) for p in build.content_files()}
    shipped = {str(p.relative_to(site / "files")) for p in (site / "files").rglob("*")
               if p.is_file()}
    assert wanted <= shipped
    assert {p for p in wanted if p.startswith("notebooks/") and p[10:12].isdigit()} >= \
        {CHAPTER, DASHBOARD_CHAPTER}


def test_chapter_01_runs_all_its_cells_in_the_browser_kernel(base, guarded):
    page = guarded()
    browser.open_notebook(page, base, CHAPTER)
    _, cells = browser.run_all(page)
    committed = [c for c in notebook(CHAPTER)["cells"] if c["cell_type"] == "code"]
    assert len(cells) == len(committed)
    assert [c.index for c in cells if c.count is None] == []        # every cell ran
    assert [(c.index, e) for c in cells for e in c.errors()] == []  # no error, no warning
    figures = [c for c in cells if any(FIGURE_MIME in o.get("data", {}) for o in c.outputs)]
    assert figures, "chapter 01 draws figures"
    for cell in figures:          # plotly's plain renderer: no copy of plotly.js as HTML
        assert all("text/html" not in o.get("data", {}) for o in cell.outputs)


def solution_source(name: str) -> str:
    """The solution's imports and its function, as a learner would type them."""
    path = ROOT / "exercises" / "solutions" / (Path(EXERCISE).stem + ".py")
    source = path.read_text()
    tree = ast.parse(source)
    imports = [ast.get_source_segment(source, node) for node in tree.body
               if isinstance(node, (ast.Import, ast.ImportFrom))]
    (function,) = [ast.get_source_segment(source, node) for node in tree.body
                   if isinstance(node, ast.FunctionDef) and node.name == name]
    return "\n".join(imports) + "\n\n\n" + function + "\n"


def verdicts_here() -> tuple[str, str]:
    """What ``check`` says, in this Python, of the untouched stub and of the solution."""
    cells = notebook(EXERCISE)["cells"]
    namespace: dict = {}
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and (source.startswith(("from ", "import "))
                                            or f"def {SOLVED}(" in source):
            exec(source, namespace)
    stub = repr(check(namespace[SOLVED]))
    solution = runpy.run_path(str(ROOT / "exercises" / "solutions" /
                                  (Path(EXERCISE).stem + ".py")))[SOLVED]
    return stub, repr(check(solution))


def test_an_exercise_solved_in_the_browser_passes_its_check_and_survives_a_reload(room, guarded):
    """Served as from a teacher's laptop (no secure origin, so no service worker)."""
    cells = notebook(EXERCISE)["cells"]
    sources = ["".join(c["source"]) for c in cells]
    imports = next(i for i, s in enumerate(sources) if "from minichain.checks import" in s)
    stub = next(i for i, s in enumerate(sources) if f"def {SOLVED}(" in s)
    checking = sources.index(f"check({SOLVED})")
    stub_verdict, solved_verdict = verdicts_here()
    assert stub_verdict.startswith("⏳") and solved_verdict.startswith("✅")

    page = guarded()
    browser.open_notebook(page, room, EXERCISE)
    assert page.evaluate("() => [window.isSecureContext, 'serviceWorker' in navigator]") == \
        [False, False]
    browser.run_cell(page, imports)
    browser.run_cell(page, stub)
    assert browser.run_cell(page, checking).text() == stub_verdict

    solution = solution_source(SOLVED)
    browser.set_source(page, stub, solution)
    assert browser.run_cell(page, stub).errors() == []
    assert browser.run_cell(page, checking).text() == solved_verdict
    browser.save(page)

    again = guarded()                 # the same browser profile: the learner comes back
    browser.open_notebook(again, room, EXERCISE, kernel=False)
    kept = again.evaluate("""(index) => window.jupyterapp.shell.currentWidget.content.model
        .cells.get(index).sharedModel.getSource()""", stub)
    assert kept == solution


def test_moving_a_slider_in_chapter_11_redraws_the_dashboards_figure(base, guarded):
    page = guarded()
    browser.open_notebook(page, base, DASHBOARD_CHAPTER)
    _, cells = browser.run_all(page)
    assert [(c.index, e) for c in cells for e in c.errors()] == []
    page.wait_for_selector(".sunny-households .noUi-handle")
    page.wait_for_selector(".sunny-figure-savings .js-plotly-plot .main-svg")
    before = Scenario().households
    assert page.evaluate(SAVINGS_BARS) == before

    page.locator(".sunny-households .noUi-handle").scroll_into_view_if_needed()
    page.focus(".sunny-households .noUi-handle")
    page.keyboard.press("ArrowRight")                  # one step: one more household
    page.wait_for_function(f"() => ({SAVINGS_BARS})() === {before + 1}", timeout=UPDATE_MS)
    assert page.inner_text(".sunny-households .widget-readout").strip() == str(before + 1)
