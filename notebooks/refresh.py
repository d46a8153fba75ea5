"""Re-execute the notebooks (chapters and the dashboard app), store outputs, strip widget state.

Run it (``make notebooks``) whenever a library change alters what a notebook shows; then
strict nbval compares against the fresh outputs. ``python notebooks/refresh.py 03 04``
refreshes only the notebooks whose file names start with those prefixes.
"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def clean(notebook: nbformat.NotebookNode) -> None:
    """Drop what differs between runs or bloats the file: widget state, timings."""
    notebook.metadata.pop("widgets", None)
    notebook.metadata["kernelspec"] = KERNEL
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                output.get("metadata", {}).pop("execution", None)


def refresh(path: Path) -> float:
    notebook = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    NotebookClient(notebook, timeout=120, kernel_name="python3", coalesce_streams=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - started
    clean(notebook)
    nbformat.write(notebook, path)
    return seconds


def main(prefixes: list[str]) -> None:
    paths = sorted(p for p in HERE.glob("*.ipynb")
                   if not prefixes or any(p.name.startswith(x) for x in prefixes))
    for path in paths:
        print(f"{path.name}: {refresh(path):.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
