"""Exercise checks: ``check(your_function)`` gives an instant verdict with a hint (all chapters).

Each exercise is a function the learner writes in an exercise notebook. ``check`` finds the
exercise by the function's name, runs it on the exercise's cases and answers in one line:
passed, not implemented yet, or what failed and a hint. The learner's function is passed
in directly, so editing and re-running the cell is enough: no reload is ever needed.

Chapters register exercises with ``@exercise(...)`` in ``minichain/checks/chNN.py``.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable

PASSED = "passed"
NOT_IMPLEMENTED = "not implemented"
FAILED = "failed"


class Mismatch(Exception):
    """Raised by a checker when the learner's answer is wrong; carries the hint."""

    def __init__(self, what: str, hint: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.hint = hint


@dataclass(frozen=True)
class Exercise:
    """One exercise: the function name the learner writes, its chapter, and its checker."""

    name: str
    chapter: int
    title: str
    checker: Callable[[Callable], None]
    hint: str


@dataclass(frozen=True)
class Verdict:
    """The answer ``check`` gives: a status and a message for the learner."""

    exercise: str
    status: str
    message: str

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def __repr__(self) -> str:
        mark = {PASSED: "✅", NOT_IMPLEMENTED: "⏳", FAILED: "❌"}[self.status]
        return f"{mark} {self.exercise}: {self.message}"

    def _repr_markdown_(self) -> str:
        return repr(self)


EXERCISES: dict[str, Exercise] = {}


def exercise(name: str, chapter: int, title: str, hint: str) -> Callable:
    """Register a checker for the exercise whose function is called ``name``."""
    def register(checker: Callable[[Callable], None]) -> Callable[[Callable], None]:
        EXERCISES[name] = Exercise(name, chapter, title, checker, hint)
        return checker
    return register


def expect(got: Any, expected: Any, what: str, hint: str = "") -> None:
    """Raise ``Mismatch`` unless ``got == expected``, saying what was compared."""
    if got != expected:
        raise Mismatch(f"{what}: expected {expected!r}, got {got!r}", hint)


def _load_chapters() -> None:
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("ch"):
            importlib.import_module(f"{__name__}.{info.name}")


def exercises_of(chapter: int) -> list[Exercise]:
    """The exercises of one chapter, in the order they were registered."""
    _load_chapters()
    return [ex for ex in EXERCISES.values() if ex.chapter == chapter]


def check(function: Callable) -> Verdict:
    """Run the exercise checks on ``function`` and say how it went."""
    _load_chapters()
    name = getattr(function, "__name__", "")
    exercise_ = EXERCISES.get(name)
    if exercise_ is None:
        known = ", ".join(sorted(EXERCISES))
        return Verdict(name or repr(function), FAILED,
                       f"there is no exercise called {name!r}; keep the function's name "
                       f"from the exercise cell (exercises: {known})")
    try:
        exercise_.checker(function)
    except NotImplementedError:
        return Verdict(name, NOT_IMPLEMENTED,
                       "not implemented yet: replace `raise NotImplementedError` with your code")
    except Mismatch as mismatch:
        hint = mismatch.hint or exercise_.hint
        return Verdict(name, FAILED, f"{mismatch.what}. Hint: {hint}")
    except Exception as error:  # the learner's code failed: say how, never crash the cell
        return Verdict(name, FAILED, f"your function raised {type(error).__name__}: {error}. "
                                     f"Hint: {exercise_.hint}")
    return Verdict(name, PASSED, "all checks passed")
