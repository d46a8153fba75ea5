"""Helpers for the notebooks: show the library's own source, print values readably (all chapters).

Notebooks never copy library code: a chapter that teaches a function calls
``show_source(function)``, which displays the real source, so what the learner reads is
what runs. Everything here returns plain, deterministic text (plus Markdown for Jupyter),
so strict nbval can compare the outputs.

Some cells need packages a browser kernel (Pyodide) cannot install, such as the Vyper
compiler and py-evm of chapter 14. ``available(...)`` asks once, at the top of such a
chapter; where the packages are missing it says so in one line, and the chapter runs
those cells only ``if`` they are there, instead of failing.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import json
import textwrap
from typing import Any, Iterable, Sequence

from minichain.encoding import to_plain


@dataclasses.dataclass(frozen=True)
class Shown:
    """Text that Jupyter renders as Markdown and a terminal prints as is."""

    text: str
    markdown: str

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __repr__(self) -> str:
        return self.text


def show_source(obj: Any) -> Shown:
    """The source of a library function, class or module, exactly as it runs."""
    source = textwrap.dedent(inspect.getsource(obj)).rstrip()
    module = inspect.getmodule(obj)
    where = module.__name__ if module else "?"
    name = getattr(obj, "__qualname__", getattr(obj, "__name__", where))
    title = where if inspect.ismodule(obj) else f"{where}.{name}"
    return Shown(source, f"`{title}`\n\n```python\n{source}\n```")


def function_text(source: str, name: str) -> str:
    """One function of a Python-like source text (Python, the contract language, Vyper),
    with its decorators, as it is written there; read line by line, so it works on a
    language Python cannot parse."""
    lines = source.splitlines()
    starts = [n for n, line in enumerate(lines) if line.lstrip().startswith(f"def {name}(")]
    if len(starts) != 1:
        raise KeyError(f"the source defines {name!r} {len(starts)} times; name a function it "
                       "defines once")
    start = starts[0]
    indent = len(lines[start]) - len(lines[start].lstrip())
    first = start
    while first > 0 and lines[first - 1].strip().startswith("@") and \
            len(lines[first - 1]) - len(lines[first - 1].lstrip()) == indent:
        first -= 1
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or
                                len(lines[end]) - len(lines[end].lstrip()) > indent):
        end += 1
    return textwrap.dedent("\n".join(lines[first:end])).rstrip()


def show_function(source: str, name: str, language: str = "python") -> Shown:
    """One function of a source text, shown as code (``function_text``)."""
    text = function_text(source, name)
    return Shown(text, f"```{language}\n{text}\n```")


def numbered(text: str, first: int = 1, last: int | None = None) -> Shown:
    """Lines ``first`` to ``last`` of a source text, each with its line number, so a
    chapter can cite "line 25" and the learner finds it."""
    lines = text.splitlines()
    last = len(lines) if last is None else min(last, len(lines))
    width = len(str(last))
    shown = "\n".join(f"{number:>{width}}  {lines[number - 1]}".rstrip()
                      for number in range(first, last + 1))
    return Shown(shown, f"```\n{shown}\n```")


def short(value: bytes | str, digits: int = 12) -> str:
    """A hash or address cut to its first digits, for tables and pictures."""
    text = value.hex() if isinstance(value, (bytes, bytearray)) else str(value)
    if text.startswith("0x"):
        text = text[2:]
    return text[:digits] + "…" if len(text) > digits else text


def pretty(value: Any) -> Shown:
    """A value as indented JSON (the canonical encoding, spaced out for reading); a value
    with a ``record()`` (a receipt) shows that record, as the chain hashes it."""
    record = getattr(value, "record", None)
    text = json.dumps(to_plain(record() if callable(record) else value), indent=2,
                      sort_keys=True)
    return Shown(text, f"```json\n{text}\n```")


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> Shown:
    """Rows as a Markdown table for Jupyter and aligned columns for a terminal."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    md = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    md += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells]
    return Shown("\n".join(lines), "\n".join(md))


def missing(modules: Iterable[str]) -> list[str]:
    """The modules of ``modules`` this Python cannot import (top-level names, in order)."""
    return [name for name in modules if importlib.util.find_spec(name) is None]


def available(*modules: str, skipping: str, install: str) -> bool:
    """True when every module imports here; otherwise print one line saying what is
    missing, which cells are skipped and how to install them, and return False."""
    absent = missing(modules)
    if not absent:
        return True
    names = " and ".join(absent)
    verb = "is" if len(absent) == 1 else "are"
    print(f"{names} {verb} not installed in this kernel (a browser kernel cannot install "
          f"{'it' if len(absent) == 1 else 'them'}): {skipping} are skipped. "
          f"To run them: {install}")
    return False
