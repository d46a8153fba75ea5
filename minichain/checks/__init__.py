"""Exercise checks: ``check(your_function)`` gives an instant verdict with a hint (all chapters).

Each exercise is a function the learner writes in an exercise notebook. ``check`` finds the
exercise by the function's name, runs it on the exercise's cases and answers in one line:
passed, not implemented yet, or what failed and a hint (or, for an exercise that needs an
optional package the kernel lacks, that it was not checked and how to install that). The
learner's function is passed in directly, so editing and re-running the cell is enough:
no reload is ever needed.

Chapters register exercises with ``@exercise(...)`` in ``minichain/checks/chNN.py``.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable, Sequence

PASSED = "passed"
NOT_IMPLEMENTED = "not implemented"
FAILED = "failed"
SKIPPED = "skipped"


class Mismatch(Exception):
    """Raised by a checker when the learner's answer is wrong; carries the hint."""

    def __init__(self, what: str, hint: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.hint = hint


class Unavailable(Exception):
    """Raised by a checker that needs a package this kernel does not have (a browser
    kernel cannot install compiled packages); its message says what and how to install it."""


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
        mark = {PASSED: "✅", NOT_IMPLEMENTED: "⏳", FAILED: "❌", SKIPPED: "⏭️"}[self.status]
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


# --- the checker kit: compare, then name the mistake -------------------------------------

FORGOT_RETURN = ("your function returned None: did you forget `return`? A function that "
                 "only computes (or prints) its answer gives back None")
FLOAT_FOR_INT = ("return a whole number (int): money, energy and words are integers here, "
                 "and / always gives a float even when the division is exact; use //")


@dataclass(frozen=True)
class Mistake:
    """A wrong answer learners often give, computed from the same inputs, and its hint."""

    answer: Callable[..., Any]
    hint: str


def same_answer(got: Any, expected: Any) -> bool:
    """Equal, and of the same kind where it matters: 20.0 is not 20, True is not 1."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return type(got) is type(expected) and got == expected
    if isinstance(expected, int) and not isinstance(got, int):
        return False
    return got == expected


def hint_for(got: Any, mistakes: Sequence[Mistake], *inputs: Any) -> str:
    """The hint of the first mistake that gives exactly what the learner got ("" if none).

    A mistake that cannot even be computed for these inputs (it divides by zero, indexes
    past the end ...) is not what the learner did, so it is skipped.
    """
    for mistake in mistakes:
        try:
            wrong = mistake.answer(*inputs)
        except Exception:  # a model of a mistake may fail where the learner's code did not
            continue
        if same_answer(got, wrong):
            return mistake.hint
    return ""


def compare(call: str, got: Any, expected: Any, mistakes: Sequence[Mistake] = (),
            inputs: Sequence[Any] = (), hint: str = "") -> None:
    """Pass when ``got`` is the expected answer; otherwise name the learner's mistake.

    ``call`` says what was asked (``"amount_for(1234, 17)"``). The hint is, in this order:
    a forgotten ``return``; a float where a whole number was expected; the hint of the
    first known mistake (``Mistake.answer(*inputs)``) that gives exactly ``got``; else
    ``hint`` (or the exercise's general hint when that is empty too).
    """
    if same_answer(got, expected):
        return
    said = f"{call}: expected {expected!r}, got {got!r}"
    if got is None:
        raise Mismatch(said, FORGOT_RETURN)
    found = hint_for(got, mistakes, *inputs)
    if found:
        raise Mismatch(said, found)
    if isinstance(got, float) and isinstance(expected, int) and not isinstance(expected, bool):
        raise Mismatch(said, FLOAT_FOR_INT)
    raise Mismatch(said, hint)


def _load_chapters() -> None:
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("ch"):
            importlib.import_module(f"{__name__}.{info.name}")


def exercises_of(chapter: int) -> list[Exercise]:
    """The exercises of one chapter, in the order they were registered."""
    _load_chapters()
    return [ex for ex in EXERCISES.values() if ex.chapter == chapter]


def _recording(function: Callable, returned: list) -> Callable:
    """The learner's function, noting every value it returns (classes pass unchanged)."""
    if not inspect.isfunction(function):
        return function

    @functools.wraps(function)
    def learner(*args: Any, **kwargs: Any) -> Any:
        value = function(*args, **kwargs)
        returned.append(value)
        return value
    return learner


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
    returned: list = []
    try:
        exercise_.checker(_recording(function, returned))
    except NotImplementedError:
        return Verdict(name, NOT_IMPLEMENTED,
                       "not implemented yet: replace `raise NotImplementedError` with your code")
    except Unavailable as missing:
        return Verdict(name, SKIPPED, f"not checked in this kernel: {missing}")
    except Mismatch as mismatch:
        if returned and all(value is None for value in returned):
            hint = FORGOT_RETURN     # whatever else went wrong, this comes first
        else:
            hint = mismatch.hint or exercise_.hint
        return Verdict(name, FAILED, f"{mismatch.what}. Hint: {hint}")
    except Exception as error:  # the learner's code failed: say how, never crash the cell
        return Verdict(name, FAILED, f"your function raised {type(error).__name__}: {error}. "
                                     f"Hint: {exercise_.hint}")
    return Verdict(name, PASSED, "all checks passed")
