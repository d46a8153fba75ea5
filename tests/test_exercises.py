"""Every exercise is proven both ways: its solution passes, its untouched stub does not.

An exercise notebook ``exercises/NN_name.ipynb`` defines one stub function per exercise
(raising ``NotImplementedError``) and a ``check(...)`` cell after each; its solutions live in
``exercises/solutions/NN_name.py`` under the same function names.
"""

import json
import re
from pathlib import Path

import pytest

from minichain.checks import NOT_IMPLEMENTED, check, exercises_of

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))


def chapter_of(path: Path) -> int:
    return int(path.name[:2])


def code_cells(path: Path) -> list[str]:
    notebook = json.loads(path.read_text())
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]


def run_stubs(path: Path) -> dict:
    """Run the notebook as a learner who changed nothing would (check cells included)."""
    namespace: dict = {"__name__": "__exercise__"}
    for source in code_cells(path):
        exec(compile(source, str(path), "exec"), namespace)
    return namespace


def run_solution(path: Path) -> dict:
    solution = ROOT / "exercises" / "solutions" / (path.stem + ".py")
    namespace: dict = {"__name__": "__solution__"}
    exec(compile(solution.read_text(), str(solution), "exec"), namespace)
    return namespace


def cases():
    for path in NOTEBOOKS:
        for ex in exercises_of(chapter_of(path)):
            yield pytest.param(path, ex.name, id=f"{path.stem}::{ex.name}")


def test_every_chapter_from_01_has_an_exercise_notebook_with_three_or_more_exercises():
    assert [chapter_of(p) for p in NOTEBOOKS][:3] == [1, 2, 3]
    for path in NOTEBOOKS:
        assert len(exercises_of(chapter_of(path))) >= 3, path.name
        assert (ROOT / "exercises" / "solutions" / (path.stem + ".py")).exists()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_notebook_has_a_stub_and_a_one_line_check_cell_per_exercise(path):
    sources = code_cells(path)
    for ex in exercises_of(chapter_of(path)):
        stub = [s for s in sources if re.search(rf"^def {ex.name}\(", s, re.M)]
        assert len(stub) == 1, f"{ex.name}: expected exactly one cell defining it"
        assert "raise NotImplementedError" in stub[0]
        assert f"check({ex.name})" in [s.strip() for s in sources]
    assert not any(json.loads(path.read_text())["cells"][i].get("outputs")
                   for i in range(len(json.loads(path.read_text())["cells"]))), \
        "exercise notebooks are committed without outputs"


@pytest.mark.parametrize("path,name", list(cases()))
def test_an_untouched_stub_is_reported_as_not_implemented(path, name):
    verdict = check(run_stubs(path)[name])
    assert verdict.status == NOT_IMPLEMENTED
    assert "not implemented yet" in repr(verdict)


@pytest.mark.parametrize("path,name", list(cases()))
def test_the_solution_passes(path, name):
    verdict = check(run_solution(path)[name])
    assert verdict.passed, repr(verdict)


@pytest.mark.parametrize("path,name", list(cases()))
def test_a_function_that_returns_nothing_fails_with_a_hint(path, name):
    def lazy(*args, **kwargs):
        return None
    lazy.__name__ = name
    verdict = check(lazy)
    assert verdict.status == "failed"
    assert "Hint:" in verdict.message


# --- the checker kit -------------------------------------------------------------------------

def test_a_function_that_forgets_return_is_told_so_in_every_chapter():
    from minichain.checks import FORGOT_RETURN, EXERCISES, _load_chapters
    _load_chapters()
    for name in sorted(EXERCISES):
        def forgot(*args, **kwargs):
            pass
        forgot.__name__ = name
        verdict = check(forgot)
        if verdict.status == NOT_IMPLEMENTED:
            continue
        assert not verdict.passed, name
        if "returned None" in verdict.message or "got None" in verdict.message:
            assert FORGOT_RETURN in verdict.message, verdict.message


def test_compare_names_the_mistake_a_float_and_a_missing_return():
    from minichain.checks import (FLOAT_FOR_INT, FORGOT_RETURN, Mismatch, Mistake, compare,
                                  same_answer)
    assert same_answer(20, 20) and not same_answer(20.0, 20) and not same_answer(True, 1)
    assert same_answer([1, 2], [1, 2]) and not same_answer(None, 0)
    compare("f(2)", 4, 4)
    half = Mistake(lambda x: x / 2, "halve with //")
    crash = Mistake(lambda x: 1 // 0, "never matches")
    cases = [(None, FORGOT_RETURN), (1.0, "halve with //"), (4.5, FLOAT_FOR_INT),
             (7, "the general hint")]
    for got, hint in cases:
        with pytest.raises(Mismatch) as caught:
            compare("f(2)", got, 4, [crash, half], (2,), hint="the general hint")
        assert caught.value.hint == hint
        assert caught.value.what == f"f(2): expected 4, got {got!r}"
