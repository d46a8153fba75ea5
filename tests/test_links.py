"""Every relative link in the course leads somewhere the course server can show.

``make course`` serves the whole project (``--ServerApp.root_dir="$(CURDIR)"``) and opens
chapter 00, so a link from a chapter to ``../exercises/...`` works only if the project root
is what is served. This test reads the course command from the Makefile, then walks every
link in every notebook's markdown and in every markdown file of the project: each relative
target must exist and lie inside the served folder. ``test_browser_course.py`` clicks one.
"""

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"""\[[^\]]*\]\(\s*([^)\s]+)(?:\s+"[^"]*")?\s*\)|href=["']([^"']+)["']""")
PAGES = sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("exercises/*.ipynb"),
                *ROOT.glob("*.md"), *ROOT.glob("docs/*.md")])


def served_root() -> Path:
    """The folder the README's course command serves, read from the Makefile's recipe."""
    recipe = re.search(r"^course:.*\n\t(.*)$", (ROOT / "Makefile").read_text(), re.M)
    assert recipe, "the Makefile needs a course target"
    root = re.search(r'--ServerApp\.root_dir="?([^"\s]+)"?', recipe.group(1))
    assert root, "the course command must name the folder it serves (--ServerApp.root_dir)"
    assert root.group(1) == "$(CURDIR)", "the course serves the project folder"
    return ROOT


def markdown_of(path: Path) -> str:
    if path.suffix == ".md":
        return path.read_text()
    cells = json.loads(path.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)      # links shown as code are examples


def relative_links(text: str) -> list[str]:
    found = []
    for match in LINK.finditer(CODE.sub("", text)):
        target = match.group(1) or match.group(2)
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or target.startswith("#"):
            continue
        found.append(unquote(parts.path))
    return found


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_exists_inside_the_served_folder(path):
    root = served_root().resolve()
    for link in relative_links(markdown_of(path)):
        target = (path.parent / link).resolve()
        assert target.exists(), f"{path.relative_to(ROOT)} links to {link}, which does not exist"
        assert target.is_relative_to(root), \
            f"{path.relative_to(ROOT)} links to {link}, outside the folder the course serves"


def test_the_link_reader_finds_markdown_and_html_links_and_skips_web_and_anchor_links():
    text = ('[ex](../exercises/01_a.ipynb) [web](https://example.org) [top](#top) '
            '<a href="docs/x.md">x</a> [s](sub/c.md#part) `[code](not/a/link.md)`\n'
            '```\n[fenced](nor/this.md)\n```')
    assert relative_links(text) == ["../exercises/01_a.ipynb", "docs/x.md", "sub/c.md"]
