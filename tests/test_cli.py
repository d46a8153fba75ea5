"""The ``minichain`` command: simulate (chapter 11) and genesis (chapter 14): help, real runs, refusals."""

from __future__ import annotations

import json
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
    assert "how many homes on the street, 1 to 200" in text
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
    (["simulate", "--households", "0"], "expected 1 to 200 households, got 0"),
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


# --- minichain genesis (chapter 14) ------------------------------------------------------

def test_genesis_writes_the_street_as_a_clique_network_for_geth(tmp_path, capsys):
    from minichain.contracts.client import AUTHORITY_NAMES
    from minichain.realworld.genesis import clique_genesis, genesis_json, signers_of
    from minichain.wallet import Wallet

    out = tmp_path / "genesis.json"
    assert main(["genesis", "--format", "clique", "--output", str(out)]) == 0
    keys = [Wallet.from_seed(name).public_key for name in AUTHORITY_NAMES]
    assert out.read_text(encoding="utf-8") == genesis_json(clique_genesis(keys, client="geth"))
    printed = capsys.readouterr().out
    assert printed.startswith(f"wrote {out}: a Clique genesis for geth, chain id 1337, "
                              "a block every 5 s\n")
    for signer in signers_of(json.loads(out.read_text())):
        assert signer in printed.lower()


def test_genesis_writes_a_qbft_network_for_besu_and_says_what_it_tolerates(tmp_path, capsys):
    out = tmp_path / "qbft.json"
    assert main(["genesis", "--format", "qbft", "--chain-id", "2026", "--period", "2",
                 "--output", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert '"qbft": {\n      "blockperiodseconds": 2,' in text and '"chainId": 2026' in text
    printed = capsys.readouterr().out
    assert "3 validators tolerate 0 faulty one(s); 4 would tolerate 1" in printed


@pytest.mark.parametrize("arguments, message", [
    (["genesis"], "the following arguments are required: --format"),
    (["genesis", "--format", "aura"], "invalid choice: 'aura'"),
    (["genesis", "--format", "qbft", "--client", "besu"], "--client applies to --format clique"),
    (["genesis", "--format", "clique", "--client", "parity"], "invalid choice: 'parity'"),
    (["genesis", "--format", "clique", "--chain-id", "0"], "expected a chain id from 1"),
    (["genesis", "--format", "clique", "--period", "soon"], "expected a whole number, got 'soon'"),
    (["genesis", "--format", "clique", "--output", "no/such/folder/g.json"],
     "the folder 'no/such/folder' does not exist"),
])
def test_genesis_bad_arguments_exit_with_code_2_before_any_work(arguments, message, capsys,
                                                                 tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main(arguments)
    assert stop.value.code == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []             # nothing was written


def test_genesis_refuses_a_folder_as_the_output(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["genesis", "--format", "clique", "--output", str(tmp_path)])
    assert stop.value.code == 2
    assert "is a folder; give a file name" in capsys.readouterr().err
