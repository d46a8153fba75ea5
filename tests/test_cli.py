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


# --- minichain statement (chapter 10) ----------------------------------------------------

def test_statement_help_explains_every_option(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["statement", "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    for option in ("--household NAME", "--households N", "--start HH:MM", "--slots K",
                   "--mechanism {mcafee,pay-as-bid,uniform}", "--seed S", "--one-chain",
                   "--output FILE", "--quiet"):
        assert option in text


def test_a_statement_on_the_nodes_and_on_one_chain_is_the_same(capsys):
    assert main(["statement", "--household", "bob", "--quiet"]) == 0
    on_nodes = capsys.readouterr().out
    assert main(["statement", "--household", "bob", "--one-chain", "--quiet"]) == 0
    on_one_chain = capsys.readouterr().out
    assert on_nodes.splitlines()[0] == ("Statement of Bob, Sunny Street, slots 48 to 51 "
                                        "(12:00 to 13:00 on the chain's clock)")
    assert on_nodes.splitlines()[1].startswith(
        "run: 4 homes, uniform price, seed 1, on the three authorities' nodes; minichain ")
    assert on_one_chain.splitlines()[1].startswith(
        "run: 4 homes, uniform price, seed 1, on one chain sealed by the grid operator")
    # everything but the settings line is read from the chain, and the chains agree
    assert on_nodes.splitlines()[2:] == on_one_chain.splitlines()[2:]
    # Bob moved to bus 2 half-way, and buys: he paid, and rated his sellers
    assert "feeder bus 2" in on_nodes.splitlines()[2]
    for heading in ("Trades", "Bills per slot", "Ratings", "Totals", "How the figures"):
        assert any(line.startswith(heading) for line in on_nodes.splitlines())


def test_a_statement_as_csv_has_a_row_per_trade_bill_and_rating(tmp_path, capsys):
    import csv

    from minichain.cli import STATEMENT_COLUMNS
    from minichain.contracts.journey import street_journey

    out = tmp_path / "alice.csv"
    assert main(["statement", "--household", "alice", "--slots", "3", "--seed", "4",
                 "--mechanism", "mcafee", "--one-chain", "--output", str(out),
                 "--quiet"]) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert tuple(rows[0]) == STATEMENT_COLUMNS
    journey = street_journey(slots=3, seed=4, mechanism="mcafee", nodes=False)
    mine = journey.street.market.statement(journey.street.address("alice"), journey.slots)
    trades = [row for row in rows if row["record"] == "trade"]
    bills = [row for row in rows if row["record"] == "bill"]
    assert [int(row["trade"]) for row in trades] == [line.trade_id for line in mine.trades]
    assert sum(int(row["amount_ueur"]) for row in trades) == mine.received + mine.paid
    assert sum(int(row["net_ueur"]) for row in bills) == mine.net
    assert [row["slot"] for row in bills] == ["48", "49", "50"]
    assert sum(row["record"].startswith("rating") for row in rows) == \
        len(mine.ratings_given) + len(mine.ratings_received)


@pytest.mark.parametrize("arguments, message", [
    (["statement"], "the following arguments are required: --household"),
    (["statement", "--household", "zoe"], "--household must be one of the street's 4 "
                                          "households (alice, bob, carol, dave), got 'zoe'"),
    (["statement", "--household", "alice", "--households", "2"],
     "expected households from 3 to 26, got 2"),
    (["statement", "--household", "alice", "--slots", "13"], "expected slots from 1 to 12"),
    (["statement", "--household", "alice", "--start", "12:10"],
     "expected a quarter hour from 01:00 to 23:45"),
    (["statement", "--household", "alice", "--start", "noon"],
     "expected a time as HH:MM, got 'noon'"),
    (["statement", "--household", "alice", "--start", "00:45"], "expected 01:00 or later"),
    (["statement", "--household", "alice", "--start", "23:30"],
     "4 slots from 23:30 run past midnight"),
    (["statement", "--household", "alice", "--output", "no/such/folder/a.csv"],
     "the folder 'no/such/folder' does not exist"),
])
def test_statement_bad_arguments_exit_with_code_2_before_any_work(arguments, message, capsys,
                                                                   tmp_path, monkeypatch):
    import minichain.contracts.journey as journey

    def no_work(*args, **kwargs):
        raise AssertionError("the journey ran before the arguments were checked")

    monkeypatch.setattr(journey, "street_journey", no_work)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main(arguments)
    assert stop.value.code == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
