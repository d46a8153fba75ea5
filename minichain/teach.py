"""Helpers for the notebooks: show the library's own source, print values readably (all chapters).

Notebooks never copy library code: a chapter that teaches a function calls
``show_source(function)``, which displays the real source, so what the learner reads is
what runs. Everything here returns plain, deterministic text (plus Markdown for Jupyter),
so strict nbval can compare the outputs.
"""

from __future__ import annotations

import dataclasses
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
