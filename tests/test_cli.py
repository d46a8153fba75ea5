"""The ``minichain simulate`` command: help, a real run writing a report, clear refusals (chapter 11)."""

from __future__ import annotations

import re

import pytest

from minichain.cli import main


def test_help_explains_every_option(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["simulate", "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    for option in ("--households N", "--date YYYY-MM-DD", "--mechanism {mcafee,pay-as-bid,uniform}",
                   "--seed S", "--output FILE", "--quiet"):
        assert option in text
    assert "how many homes on the street, 1 to 40" in text
    assert "the same seed gives the same day" in text


def test_a_small_run_writes_a_self_contained_report(tmp_path, capsys):
    out = tmp_path / "report.html"
    code = main(["simulate", "--households", "3", "--date", "2026-06-21", "--mechanism",
                 "pay-as-bid", "--seed", "2", "--output", str(out), "--quiet"])
    assert code == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    page = out.read_text(encoding="utf-8")
    assert "Sunny Street on 21 June 2026: 3 homes, pay-as-bid, seed 2" in page
    for kpi in ("self_sufficiency", "traded", "welfare", "books"):
        assert f'data-kpi="{kpi}"' in page
    assert re.search(r'data-kpi="books"[^>]*><b>yes</b>', page)
    for name in ("energy", "price", "savings", "feeder", "chain"):
        assert f'id="figure-{name}-plot"' in page
    # plotly.js itself is embedded exactly once (a few MB), and no script is fetched
    assert page.count("<script>/**\n* plotly.js v") == 1
    assert len(page) > 3_000_000
    assert "<script src=" not in page


@pytest.mark.parametrize("arguments, message", [
    (["simulate", "--households", "0"], "expected 1 to 40 households, got 0"),
    (["simulate", "--households", "many"], "expected a whole number, got 'many'"),
    (["simulate", "--date", "21/06/2026"], "expected a date as YYYY-MM-DD, got '21/06/2026'"),
    (["simulate", "--mechanism", "auction"], "invalid choice: 'auction'"),
    (["simulate", "--seed", "-1"], "expected a whole number >= 0, got -1"),
    ([], "the following arguments are required: COMMAND"),
])
def test_bad_arguments_exit_with_code_2_and_say_what_was_expected(arguments, message, capsys):
    with pytest.raises(SystemExit) as stop:
        main(arguments)
    assert stop.value.code == 2
    assert message in capsys.readouterr().err
