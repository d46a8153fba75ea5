"""How the static classroom site does: its size, its build, and every chapter in the browser kernel.

``python -m benchmarks site`` builds the site as ``make site`` does (into a scratch folder,
with the download cache of ``.cache/site/``: the first build on a machine fetches, later
ones do not), serves it on 127.0.0.1 to Debian's Chromium (every off-host request aborted),
and for each notebook of ``notebooks/`` (the chapters and the dashboard, found by glob)
opens it in a fresh browser profile, times the kernel until it is ready, then times Run All
until the last output. The reference, measured in the same run, is the same notebook's
cells in CPython (an ipykernel on this machine, kernel start not counted), so the ratio
says what the browser's Python costs on any machine.

Goals: each chapter's Run All <= 30 s, the kernel ready <= 20 s. A chapter that misses is
named with the ratio that explains it.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from lite import browser, build

ROOT = Path(__file__).resolve().parent.parent
GOAL_RUN_ALL_S = 30.0
GOAL_KERNEL_S = 20.0


def notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


def cpython_seconds(path: Path) -> float:
    """The notebook's cells run by an ipykernel here, kernel start excluded."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])
    with client.setup_kernel():
        start = time.perf_counter()
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        return time.perf_counter() - start


def run() -> None:
    reason = browser.missing_browser()
    if reason:
        print(f"site benchmark not run: {reason}")
        return
    cached = build.CACHE.exists()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as scratch:
        built = build.build(Path(scratch) / "site")
        print(f"site: {built.files} files, {built.size_bytes / 1e6:.1f} MB "
              f"({(ROOT / '_site').name}/ as `make site` writes it); build "
              f"{built.seconds:.1f} s ({'warm: downloads from the cache' if not built.downloaded else 'cold: downloads fetched' if not cached else 'partly cold'})")
        archive = shutil.make_archive(str(Path(scratch) / "site"), "gztar", built.output)
        print(f"as one .tar.gz to copy onto a stick: {Path(archive).stat().st_size / 1e6:.1f} MB")
        rows = []
        with browser.serve(built.output) as base, browser.chromium() as chrome:
            for path in notebooks():
                relative = str(path.relative_to(ROOT))
                guard = browser.Guard(base)
                context = browser.new_context(chrome, base, guard)
                page = context.new_page()
                try:
                    ready = browser.open_notebook(page, base, relative)
                    seconds, cells = browser.run_all(page)
                    errors = sum(len(c.errors()) for c in cells)
                    unrun = sum(c.count is None for c in cells)
                finally:
                    context.close()
                here = cpython_seconds(path)
                rows.append((path.stem, ready, seconds, here, errors + unrun, len(guard.refused)))
    print(f"load average of this machine during the run: {load_before:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end, on {os.cpu_count()} cores (the browser and the "
          f"CPython reference share them alike, so the ratios hold; the seconds do not)")
    print(f"{'notebook':34} {'kernel s':>8} {'run all s':>9} {'CPython s':>9} {'ratio':>6}  "
          f"{'errors':>6} {'off-host':>8}")
    for name, ready, seconds, here, errors, refused in rows:
        print(f"{name:34} {ready:8.1f} {seconds:9.1f} {here:9.1f} {seconds / here:6.1f}  "
              f"{errors:6d} {refused:8d}")
    kernels = [row[1] for row in rows]
    print(f"kernel ready: median {statistics.median(kernels):.1f} s, slowest "
          f"{max(kernels):.1f} s (goal <= {GOAL_KERNEL_S:.0f} s: "
          f"{'met' if max(kernels) <= GOAL_KERNEL_S else 'MISSED'})")
    slow = [row for row in rows if row[2] > GOAL_RUN_ALL_S]
    print(f"run all: slowest {max(row[2] for row in rows):.1f} s (goal <= "
          f"{GOAL_RUN_ALL_S:.0f} s per chapter: {'met' if not slow else 'MISSED'}); "
          f"median ratio browser / CPython {statistics.median(r[2] / r[3] for r in rows):.1f}")
    for name, _, seconds, here, _, _ in slow:
        print(f"  slow: {name} {seconds:.1f} s = {seconds / here:.1f}x its {here:.1f} s in CPython")
    if any(row[4] or row[5] for row in rows):
        print("FAILED: a notebook had errors or asked for another host (see the table)")
    print(json.dumps({"kernel_ready_s": {r[0]: round(r[1], 1) for r in rows},
                      "run_all_s": {r[0]: round(r[2], 1) for r in rows}}))
