"""Chapter 14 in the browser's own Python: the EVM cells are skipped with one line, the rest runs.

The browser site (``make site``, ``tests/test_browser_site.py``) has no Vyper compiler and
no py-evm: they cannot be installed in Pyodide. There the chapter must print, once, the
line that says so, and every cell must still run without an error or a warning; the
minichain side of the chapter (addresses, the slot on minichain's chain, the orders per
block, the genesis files) must show the same text as the committed outputs do.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lite import browser, build

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "notebooks/14_real_world.ipynb"
SKIPPED = ("vyper and boa are not installed in this kernel (a browser kernel cannot install "
           "them): the cells that run the market on the EVM are skipped.")


@pytest.fixture(scope="module")
def base():
    if not build.is_current():
        try:
            build.build()
        except build.Unreachable as error:     # no network and nothing cached: cannot build
            pytest.skip(f"the site cannot be built here: {error}")
    reason = browser.missing_browser()
    if reason:
        pytest.fail(reason)
    with browser.chromium() as chrome, browser.serve(build.OUTPUT) as url:
        yield chrome, url


def committed_text(index: int) -> str:
    cell = json.loads((ROOT / CHAPTER).read_text())["cells"][index]
    return browser.CodeCell(index, cell["execution_count"], cell["outputs"]).text()


def test_chapter_14_skips_its_evm_cells_in_one_line_and_runs_every_other_cell(base):
    chrome, url = base
    guard = browser.Guard(url)
    context = browser.new_context(chrome, url, guard)
    try:
        page = context.new_page()
        browser.open_notebook(page, url, CHAPTER)
        _, cells = browser.run_all(page)
    finally:
        context.close()
    assert guard.refused == []
    assert [c.index for c in cells if c.count is None] == []          # every cell ran
    assert [(c.index, e) for c in cells for e in c.errors()] == []    # no error, no warning
    said = [line for c in cells for line in c.text().splitlines() if SKIPPED in line]
    assert len(said) == 1 and cells[0].text().startswith(SKIPPED)
    by_index = {c.index: c.text() for c in cells}
    addresses = next(i for i, t in by_index.items() if "Ethereum address (EIP-55)" in t)
    genesis = next(i for i, t in by_index.items() if "part of extraData" in t)
    for index in (addresses, genesis):          # the pure-Python cells print what CPython did
        assert by_index[index] == committed_text(index)
    assert "minichain's contract gives the reference's trades: True" in "".join(by_index.values())
