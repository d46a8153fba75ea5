"""The ``minichain`` command: simulate (chapter 11) and genesis (chapter 14): help, real runs, refusals."""

from __future__ import annotations

import csv
import json
import re

import pytest

from minichain.cli import main
from minichain.day.scenario import MAX_HOUSEHOLDS


def test_help_explains_every_option(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["simulate", "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    for option in ("--households N", "--pv-percent P", "--battery-percent P",
                   "--date YYYY-MM-DD", "--cloudiness-percent P", "--seed S", "--feed-in CT",
                   "--retail CT", "--mechanism {mcafee,pay-as-bid,uniform}", "--k-percent K",
                   "--agents {truthful,price-ramp,battery-aware,mixed}", "--street-cable-kw KW",
                   "--house-kw KW", "--transformer-kva KVA", "--crash", "--market-only",
                   "--output FILE", "--csv FOLDER", "--quiet"):
        assert option in text, option
    assert "how many homes on the street, 1 to 200" in text
    assert "the same seed gives the same day" in text


def test_every_dashboard_control_is_an_option():
    from dataclasses import fields

    from minichain.cli import parser, scenario_of
    from minichain.viz.app import Scenario, _controls
    assert set(_controls(Scenario())) == {f.name for f in fields(Scenario)}
    arguments = parser().parse_args(["simulate"])
    assert scenario_of(arguments) == Scenario()             # the defaults agree too


def test_a_small_run_writes_a_self_contained_report_with_its_settings_and_tables(tmp_path, capsys):
    out = tmp_path / "report.html"
    code = main(["simulate", "--households", "3", "--date", "2026-06-21", "--mechanism",
                 "pay-as-bid", "--seed", "2", "--output", str(out), "--csv", str(tmp_path),
                 "--quiet"])
    assert code == 0
    assert capsys.readouterr().out == (f"wrote {out}\nwrote {tmp_path / 'trades.csv'}\n"
                                       f"wrote {tmp_path / 'bills.csv'}\n")
    page = out.read_text(encoding="utf-8")
    assert "Sunny Street on 21 June 2026: 3 homes, pay as bid, seed 2" in page
    for kpi in ("self_sufficiency", "traded", "welfare", "books"):
        assert f'data-kpi="{kpi}"' in page
    assert re.search(r'data-kpi="books"[^>]*><b>yes</b>', page)
    for name in ("energy", "price", "savings", "trades", "batteries", "feeder", "chain"):
        assert f'id="figure-{name}-plot"' in page
    assert "<td>--mechanism</td><td>pay-as-bid</td>" in page
    assert "<td>minichain</td><td>0.1.0</td>" in page
    assert "minichain simulate --households 3 --pv-percent 50" in page      # run it again
    assert "<dt><b>self-sufficiency</b></dt><dd>share of the street" in page
    assert "<h2>Bills</h2>" in page and "<h2>Trades</h2>" in page
    with (tmp_path / "bills.csv").open() as bills:
        rows = list(csv.reader(bills))
    assert rows[0] == ["household", "agent", "bill", "without trading", "saved"]
    assert [row[0] for row in rows[1:]] == ["alice", "bob", "carol"]
    with (tmp_path / "trades.csv").open() as sink:
        trades = list(csv.reader(sink))
    assert trades[0] == ["slot", "from", "seller", "buyer", "Wh", "price", "paid",
                         "delivered Wh"]
    # plotly.js itself is embedded exactly once (a few MB), and no script is fetched
    assert page.count("<script>/**\n* plotly.js v") == 1
    assert len(page) > 3_000_000
    assert "<script src=" not in page


def test_one_home_in_memory_is_said_in_plain_words(tmp_path, capsys):
    out = tmp_path / "one.html"
    assert main(["simulate", "--households", "1", "--market-only", "--mechanism", "mcafee",
                 "--output", str(out), "--quiet"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "1 home, McAfee&#x27;s trade reduction" in page
    assert "Run in memory, without the chain." in page


@pytest.mark.parametrize("arguments, message", [
    (["simulate", "--households", "0"], f"expected 1 to {MAX_HOUSEHOLDS} households, got 0"),
    (["simulate", "--households", "many"], "expected a whole number, got 'many'"),
    (["simulate", "--date", "21/06/2026"], "expected a date as YYYY-MM-DD, got '21/06/2026'"),
    (["simulate", "--mechanism", "auction"], "invalid choice: 'auction'"),
    (["simulate", "--seed", "-1"], "expected a whole number >= 0, got -1"),
    (["simulate", "--pv-percent", "120"], "expected a percentage from 0 to 100, got 120"),
    (["simulate", "--retail", "ten"], "expected cents per kWh such as 8 or 8.5, got 'ten'"),
    (["simulate", "--pv-percent", "10"], "battery_percent (25) must not exceed pv_percent (10)"),
    (["simulate", "--feed-in", "40"], "must not be above retail"),
    (["simulate", "--output", "/no/such/folder/report.html"],
     "the folder '/no/such/folder' does not exist"),
    (["simulate", "--csv", "/no/such/folder"], "the folder '/no/such/folder' does not exist"),
    ([], "the following arguments are required: COMMAND"),
])
def test_bad_arguments_exit_with_code_2_before_any_work_and_say_what_was_expected(
        arguments, message, capsys):
    with pytest.raises(SystemExit) as stop:
        main(arguments)
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_the_version_is_one_option_away(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == "minichain 0.1.0\n"


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
