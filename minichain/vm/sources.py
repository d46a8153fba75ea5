"""Where a code offset came from: a contract's source line, or an assembly label (chapters 06-07).

Only bytecode goes on chain, so a node that runs a contract knows nothing of its source.
The tools that *made* the code do: the compiler and the assembler ``remember`` a
``SourceMap`` for every code they produce, and ``locate(code, pc)`` turns a fault's code
offset into a ``Location`` a learner can read ("Counter.divide, line 12", or "loop, line 9"
in assembly), much as Python's tracebacks read source lines through ``linecache``. The
location is for showing only: what a fault says on chain, in a receipt, never depends on
it, since another node may never have seen the source.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass

MAX_REMEMBERED = 512                # source maps kept; the oldest is forgotten first


@dataclass(frozen=True)
class SourceMap:
    """What a tool knows about code it made: the text, and where each pc came from."""

    source: str
    lines: dict[int, int]                       # pc -> source line
    regions: tuple[tuple[int, str], ...] = ()   # (first pc, name): functions or labels, sorted
    contract: str = ""                          # the contract's name ("" for assembly)


@dataclass(frozen=True)
class Location:
    """A place in the source: the contract and function (or the label), the line, its text."""

    contract: str
    region: str         # the function of a contract, or the label in assembly ("" if none)
    line: int           # 0 if the instruction came from no one line
    text: str           # that line of the source, stripped

    def __str__(self) -> str:
        if self.contract:
            where = ".".join(part for part in (self.contract, self.region) if part)
        else:
            where = f"label {self.region}" if self.region else ""
        if not self.line:
            return where or "the code"
        return f"{where}, line {self.line}" if where else f"line {self.line}"


_REMEMBERED: OrderedDict[bytes, SourceMap] = OrderedDict()


def remember(code: bytes, source_map: SourceMap) -> None:
    """Keep the source map of ``code``, so faults in it can name their source line."""
    _REMEMBERED[bytes(code)] = source_map
    _REMEMBERED.move_to_end(bytes(code))
    while len(_REMEMBERED) > MAX_REMEMBERED:
        _REMEMBERED.popitem(last=False)


def source_map(code: bytes) -> SourceMap | None:
    """The source map a compiler or assembler remembered for ``code``, if any."""
    return _REMEMBERED.get(bytes(code))


def locate(code: bytes, pc: int) -> Location | None:
    """The source line and function (or label) of the instruction at ``pc``, if known."""
    known = _REMEMBERED.get(bytes(code))
    if known is None or pc < 0:
        return None
    starts = [start for start, _ in known.regions]
    at = bisect_right(starts, pc) - 1
    region = known.regions[at][1] if at >= 0 else ""
    line = known.lines.get(pc, 0)
    lines = known.source.splitlines()
    text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return Location(known.contract, region, line, text)
