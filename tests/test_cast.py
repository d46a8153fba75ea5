"""One cast: every chapter, exercise and solution builds a cast member's key from its one seed.

Keys come from names (``Wallet.from_seed("alice")``), so a chapter that spells a seed its
own way ("grid operator" instead of "grid-operator") silently gives the grid operator a
second address. This test reads every ``from_seed("...")`` in the course and refuses a
seed that names a cast member but is not exactly the cast's seed.
"""

import json
import re
from pathlib import Path

import pytest

from minichain import cast
from minichain.errors import UnknownCastMember

ROOT = Path(__file__).resolve().parent.parent
COURSE = sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("exercises/*.ipynb"),
                 *ROOT.glob("exercises/solutions/*.py")])
SEED = re.compile(r"""from_seed\(\s*(?:f?)(["'])(.*?)\1\s*\)""")
NAMES = sorted({word for seed in cast.seeds() for word in re.split(r"[^a-z]+", seed)
                if len(word) > 3 and word not in {"meter", "fund", "community", "spare"}}
               | {"grid", "coop", "city", "operator"})


def code_of(path: Path) -> str:
    if path.suffix == ".py":
        return path.read_text()
    cells = json.loads(path.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def names_a_cast_member(seed: str) -> bool:
    words = set(re.split(r"[^a-z]+", seed.lower()))
    return bool(words & set(NAMES)) or any(name in words for name in cast.HOUSEHOLDS)


@pytest.mark.parametrize("path", COURSE, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_seed_that_names_a_cast_member_is_the_casts_own(path):
    for match in SEED.finditer(code_of(path)):
        seed = match.group(2)
        if "{" in seed or not names_a_cast_member(seed):
            continue          # an f-string built from cast names, or someone outside the cast
        assert seed in cast.seeds(), (
            f"{path.name} builds a key from {seed!r}; the cast's seeds are in "
            f"minichain.cast (e.g. {cast.GRID_OPERATOR!r}, {cast.meter_seed('alice')!r})")


def test_the_cast_has_each_seed_once_and_refuses_strangers():
    assert len(cast.seeds()) == len(set(cast.seeds()))
    assert cast.wallet("alice").address == cast.wallet("alice").address
    assert cast.meter("bob").address != cast.wallet("bob").address
    with pytest.raises(UnknownCastMember, match="'grid operator' is not in Sunny Street's cast"):
        cast.wallet("grid operator")


def test_the_checker_catches_a_second_spelling():
    assert names_a_cast_member("grid operator") and "grid operator" not in cast.seeds()
    assert names_a_cast_member("alice meter") and names_a_cast_member("meter-alice")
    assert not names_a_cast_member("your name here")
