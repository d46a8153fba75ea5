"""No code in the project reads an error's type back out of its message (every chapter).

Errors travel as typed objects: a receipt's ``error`` is the fault itself, a ``Result``
carries its ``fault``, and whoever needs to know whether a call reverted asks with
``isinstance`` or ``Result.reverted``. Parsing "Revert: " off a string, or testing
``error.startswith("OutOfGas")``, breaks silently the day a message is reworded, so this
test reads the library, the exercise solutions and every notebook's code for it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import minichain.errors as errors

ROOT = Path(__file__).resolve().parent.parent
KINDS = sorted(name for name, value in vars(errors).items()
               if isinstance(value, type) and issubclass(value, errors.MinichainError))
PARSING = [
    # a string method applied to something named like an error, a reason or a message
    re.compile(r"\b\w*(error|reason|message|fault)\w*\s*\.\s*"
               r"(startswith|endswith|removeprefix|removesuffix|split|rsplit|partition|"
               r"rpartition|find|index)\("),
    # the prefix a one-line description puts before the words: "Revert: ", "OutOfGas: "...
    re.compile(r"[\"'](" + "|".join(KINDS) + r"): "),
    # a kind's name tested against text
    re.compile(r"(startswith|removeprefix|endswith)\(\s*[\"'](" + "|".join(KINDS) + r")\b"),
    re.compile(r"[\"'](" + "|".join(KINDS) + r")[\"']\s+(not\s+)?in\s+\w*(str|error|reason)"),
]


def code_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text())["cells"]
        return "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    return path.read_text()


def sources() -> list[Path]:
    paths = sorted((ROOT / "minichain").rglob("*.py"))
    paths += sorted((ROOT / "exercises").rglob("*.py")) + sorted((ROOT / "exercises").glob("*.ipynb"))
    paths += sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "benchmarks").glob("*.py"))
    return paths


def parsing_in(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()
            if any(pattern.search(line) for pattern in PARSING)]


def test_the_patterns_catch_what_they_are_for():
    caught = parsing_in('reason = receipt.error.removeprefix("Revert: ")\n'
                        'if result.error.startswith("OutOfGas"):\n'
                        'if error_text.split(": ")[0] == "StackError":\n'
                        'if "Revert" in str(fault):\n'
                        'ok = isinstance(receipt.error, Revert)\n')
    assert len(caught) == 4 and "isinstance" not in " ".join(caught)


def test_no_library_module_exercise_or_notebook_parses_an_error_message():
    found = {str(path.relative_to(ROOT)): hits for path in sources()
             if (hits := parsing_in(code_of(path)))}
    assert found == {}
