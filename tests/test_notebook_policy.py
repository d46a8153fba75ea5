"""Every chapter notebook keeps the course template and the notebook policy.

Strict nbval (run on ``notebooks/`` by the same pytest command) compares the committed
outputs; these tests make sure there are outputs to compare, that figure cells are tagged,
that no widget state is saved, and that each chapter has the parts a learner relies on.
"""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
FIGURE_MIME = "application/vnd.plotly.v1+json"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def markdown(notebook: dict) -> str:
    return "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")


def test_there_are_chapter_notebooks():
    assert [p.name[:2] for p in CHAPTERS][:4] == ["00", "01", "02", "03"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_a_chapter_has_objectives_key_points_and_a_link_to_its_exercises(path):
    text = markdown(load(path)).lower()
    assert "learning objectives" in text
    assert "key points" in text
    assert "minutes" in text  # how long it takes to teach and to practise
    if not path.name.startswith("00"):
        assert f"../exercises/{path.name}" in text


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_a_chapter_is_committed_executed_with_outputs_and_without_widget_state(path):
    notebook = load(path)
    assert "widgets" not in notebook["metadata"]
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code and all(c["execution_count"] is not None for c in code), "run `make notebooks`"
    assert sum(bool(c["outputs"]) for c in code) >= len(code) // 2


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_figure_and_widget_cells_are_tagged_to_skip_output_comparison(path):
    for cell in load(path)["cells"]:
        if cell["cell_type"] != "code":
            continue
        mimes = {m for out in cell["outputs"] for m in out.get("data", {})}
        if mimes & {FIGURE_MIME, WIDGET_MIME}:
            assert "nbval-ignore-output" in cell["metadata"].get("tags", []), cell["source"]
