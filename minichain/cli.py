"""The ``minichain`` command: a day on chain (chapter 11), a household's statement
(chapter 10), the street's genesis (chapter 14).

    minichain simulate --households 12 --date 2026-06-21 --mechanism uniform \\
                       --seed 1 --output report.html

runs the day on the three authorities' nodes with ``day.onchain.run_on_chain`` (a ``tqdm``
progress bar per slot on stderr) and writes one self-contained HTML file: its settings,
the key figures and what they mean, tables of trades and bills, and the dashboard's
figures, with plotly.js embedded once so the report opens without a network.

    minichain statement --household alice --households 4 --start 12:00 --slots 4 \\
                        --seed 1 --output alice.csv

runs a few seeded slots of Sunny Street on the three authorities' nodes
(``contracts.journey``: orders, direct takes both ways, clearing, readings, settlement,
ratings, and profile updates half-way) and prints one household's statement
(``MarketClient.statement``): its trades, a bill per slot, its ratings and totals; with
``--output`` it writes it instead, as text or, for a ``.csv`` file, one row per record.

    minichain genesis --format clique --client geth --output genesis.json

writes Sunny Street's three authorities as the genesis file of a real proof-of-authority
network (``realworld.genesis``): Clique for geth or Besu, or QBFT for Besu, with the
authorities' Ethereum addresses derived from their keys. Bad arguments exit with code 2
and say what was expected (argparse); the output path is checked before any work.
"""

from __future__ import annotations

import argparse
import html
import sys
from datetime import date
from pathlib import Path
from typing import Sequence

from minichain.market.auction import MCAFEE, MECHANISM_NAMES, PAY_AS_BID, UNIFORM_PRICE
from minichain.errors import MinichainError
from minichain.realworld.genesis import (BLOCK_PERIOD, CHAIN_ID, CLIENTS, CLIQUE, FORMATS, GETH,
                                         QBFT)

MECHANISMS = {"uniform": UNIFORM_PRICE, "pay-as-bid": PAY_AS_BID, "mcafee": MCAFEE}
AGENTS = ("truthful", "price-ramp", "battery-aware", "mixed")
JOURNEY_HOUSEHOLDS = (3, 26)     # a journey's street: at least 3 homes, at most the cast's
JOURNEY_SLOTS = 12


def _households(text: str) -> int:
    from minichain.day.scenario import MAX_HOUSEHOLDS
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= MAX_HOUSEHOLDS:
        raise argparse.ArgumentTypeError(f"expected 1 to {MAX_HOUSEHOLDS} households, got {value}")
    return value


def _percent(text: str) -> int:
    return _whole(text, 0, 100, "a percentage")


def _capacity(text: str) -> int:
    return _whole(text, 1, 10_000, "a rating in kW")


def _cents(text: str) -> int:
    """A tariff in ct/kWh (``8`` or ``8.5``), as whole µ€ per kWh."""
    from fractions import Fraction

    from minichain.market.units import MICRO_PER_CENT
    try:
        cents = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"expected cents per kWh such as 8 or 8.5, got "
                                         f"{text!r}") from None
    micro = cents * MICRO_PER_CENT
    if micro.denominator != 1 or not 0 <= micro <= 600_000:
        raise argparse.ArgumentTypeError(f"expected 0 to 60 ct/kWh in steps of 0.0001, got "
                                         f"{text}")
    return int(micro)


def _folder(text: str) -> Path:
    """A folder that exists (checked up front)."""
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"the folder {text!r} does not exist")
    return path


def version() -> str:
    """minichain's version, as installed."""
    from importlib.metadata import PackageNotFoundError, version as installed
    try:
        return installed("minichain")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {value}")
    return value


def _whole(text: str, least: int, most: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not least <= value <= most:
        raise argparse.ArgumentTypeError(f"expected {what} from {least:,} to {most:,}, "
                                         f"got {value}")
    return value


def _start_time(text: str) -> int:
    """A time of day on a quarter hour, HH:MM, as the slot it starts (01:00 is slot 4)."""
    try:
        hours, minutes = (int(part) for part in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a time as HH:MM, got {text!r}") from None
    if not (0 <= hours < 24 and minutes in (0, 15, 30, 45)):
        raise argparse.ArgumentTypeError(f"expected a quarter hour from 01:00 to 23:45 "
                                         f"(slots are 15 minutes), got {text!r}")
    slot = hours * 4 + minutes // 15
    if slot < 4:
        raise argparse.ArgumentTypeError(f"expected 01:00 or later: the street opens at "
                                         f"midnight and takes orders 45 minutes ahead, "
                                         f"got {text!r}")
    return slot


def _journey_households(text: str) -> int:
    return _whole(text, *JOURNEY_HOUSEHOLDS, "households")


def _journey_slots(text: str) -> int:
    return _whole(text, 1, JOURNEY_SLOTS, "slots")


def _chain_id(text: str) -> int:
    return _whole(text, 1, 2 ** 64 - 1, "a chain id")


def _period(text: str) -> int:
    return _whole(text, 1, 3600, "seconds")


def _output_path(text: str) -> Path:
    """A file path whose folder exists and that is not itself a folder (checked up front)."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder; give a file name")
    folder = path.parent
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"the folder {str(folder)!r} does not exist")
    return path


def parser() -> argparse.ArgumentParser:
    """The command line, with a help text for every option."""
    from minichain.day.scenario import MAX_HOUSEHOLDS
    top = argparse.ArgumentParser(
        prog="minichain", description="minichain: a teaching blockchain for peer-to-peer "
        "electricity trading on Sunny Street.")
    top.add_argument("--version", action="version", version=f"minichain {version()}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    simulate = commands.add_parser(
        "simulate", help="run a day of the energy market on chain and write an HTML report",
        description="Run one day (96 slots of 15 minutes) of Sunny Street's energy market on "
        "the street's three authorities' nodes (proof of authority): households post their "
        "agents' orders as signed transactions, the market contract clears every slot, "
        "meters report, settlement runs. Writes a self-contained HTML report with the "
        "settings, the key figures and what they mean, tables of trades and bills, and the "
        "figures. Every option is one of the dashboard's controls, so any dashboard "
        "scenario can be run again here.")
    street = simulate.add_argument_group("the street")
    street.add_argument("--households", type=_households, default=12, metavar="N",
                        help=f"how many homes on the street, 1 to {MAX_HOUSEHOLDS} (default: 12)")
    street.add_argument("--pv-percent", type=_percent, default=50, metavar="P",
                        help="share of homes with rooftop PV, 0 to 100 (default: 50)")
    street.add_argument("--battery-percent", type=_percent, default=25, metavar="P",
                        help="share of homes with PV and a battery, at most the PV share "
                        "(default: 25)")
    street.add_argument("--date", type=_day, default=date(2026, 6, 21), metavar="YYYY-MM-DD",
                        help="the day to simulate; sets the sun and the load "
                        "(default: 2026-06-21, midsummer)")
    street.add_argument("--cloudiness-percent", type=_percent, default=70, metavar="P",
                        help="the day's mean cloudiness, 0 clear to 100 overcast (default: 70)")
    street.add_argument("--seed", type=_seed, default=1, metavar="S",
                        help="seed for the street, the weather, the loads and the agents; "
                        "the same seed gives the same day (default: 1)")
    market = simulate.add_argument_group("the market")
    market.add_argument("--feed-in", type=_cents, default=80_000, metavar="CT",
                        help="what the utility pays for exports, ct/kWh (default: 8)")
    market.add_argument("--retail", type=_cents, default=320_000, metavar="CT",
                        help="what the utility charges for imports, ct/kWh (default: 32)")
    market.add_argument("--mechanism", choices=sorted(MECHANISMS), default="uniform",
                        help="how the market clears each slot: uniform price, pay-as-bid, "
                        "or McAfee's trade reduction (default: uniform)")
    market.add_argument("--k-percent", type=_percent, default=50, metavar="K",
                        help="uniform price only: where the price sits between the marginal "
                        "ask (0) and bid (100) (default: 50)")
    market.add_argument("--agents", choices=AGENTS, default="mixed",
                        help="how households bid; mixed: battery homes battery-aware, the "
                        "others price-ramp (default: mixed)")
    grid = simulate.add_argument_group("the grid")
    grid.add_argument("--street-cable-kw", type=_capacity, default=100, metavar="KW",
                      help="each street cable's rating (default: 100)")
    grid.add_argument("--house-kw", type=_capacity, default=24, metavar="KW",
                      help="each house connection's rating (default: 24)")
    grid.add_argument("--transformer-kva", type=_capacity, default=250, metavar="KVA",
                      help="the transformer's rating (default: 250)")
    chain = simulate.add_argument_group("the chain")
    chain.add_argument("--crash", action="store_true",
                       help="the grid operator's node crashes at noon and restarts from its "
                       "store an hour later")
    chain.add_argument("--market-only", action="store_true",
                       help="run the market in memory instead, without the chain (seconds)")
    written = simulate.add_argument_group("what is written")
    written.add_argument("--output", type=_output_path, default=Path("report.html"),
                         metavar="FILE", help="where to write the HTML report (default: "
                         "report.html); its folder must exist")
    written.add_argument("--csv", type=_folder, default=None, metavar="FOLDER",
                         help="also write trades.csv and bills.csv into this folder")
    written.add_argument("--quiet", action="store_true", help="no progress bar")
    statement = commands.add_parser(
        "statement", help="run a few slots of the street on chain and print one "
        "household's statement",
        description="Run a few slots of Sunny Street's market on the three authorities' "
        "nodes (seeded: orders, direct takes of offers and bids, clearing, meter readings, "
        "settlement, ratings; half-way, one household rotates its key, one gets a new meter "
        "and one moves to another feeder bus), then print one household's statement: its "
        "trades, a bill per slot (the market's money and the utility's bill for energy "
        "outside the market), its ratings and the totals, all read back from the chain.")
    statement.add_argument("--household", required=True, metavar="NAME",
                           help="whose statement: one of the street's households, in the "
                           "cast's order (alice, bob, carol, dave, ...)")
    statement.add_argument("--households", type=_journey_households, default=4, metavar="N",
                           help=f"how many homes on the street, {JOURNEY_HOUSEHOLDS[0]} to "
                           f"{JOURNEY_HOUSEHOLDS[1]}; the first, third, ... sell, the others "
                           "buy (default: 4)")
    statement.add_argument("--start", type=_start_time, default=48, metavar="HH:MM",
                           help="when the first traded slot starts on the chain's clock, a "
                           "quarter hour from 01:00 (default: 12:00)")
    statement.add_argument("--slots", type=_journey_slots, default=4, metavar="K",
                           help=f"how many slots of 15 minutes to trade, 1 to {JOURNEY_SLOTS} "
                           "(default: 4)")
    statement.add_argument("--mechanism", choices=sorted(MECHANISMS), default="uniform",
                           help="how the market clears each slot (default: uniform)")
    statement.add_argument("--seed", type=_seed, default=1, metavar="S",
                           help="seed for the orders, takes and readings; the same seed gives "
                           "the same chain (default: 1)")
    statement.add_argument("--one-chain", action="store_true",
                           help="run on one chain sealed by the grid operator instead of the "
                           "three authorities' nodes (the same statement, a little faster)")
    statement.add_argument("--output", type=_output_path, default=None, metavar="FILE",
                           help="write the statement to FILE instead of printing it: CSV for "
                           "a .csv file (amounts in µ€, prices in µ€/kWh), else text; its "
                           "folder must exist")
    statement.add_argument("--quiet", action="store_true", help="no progress bar")
    genesis = commands.add_parser(
        "genesis", help="write Sunny Street's authorities as a Clique or QBFT genesis file",
        description="Write the genesis file of a real proof-of-authority network sealed by "
        "Sunny Street's three authorities (grid operator, municipality, energy co-op), with "
        "the Ethereum addresses of the same keys: Clique (EIP-225) for geth or Besu, or QBFT "
        "for Besu.")
    genesis.add_argument("--format", required=True, choices=FORMATS,
                         help="clique (EIP-225, as minichain's own chain) or qbft (Besu's "
                         "Byzantine-fault-tolerant proof of authority)")
    genesis.add_argument("--client", choices=CLIENTS, default=None,
                         help="for clique: the client that reads the file, geth or besu "
                         "(they name the settings differently; default: geth); qbft is Besu's")
    genesis.add_argument("--chain-id", type=_chain_id, default=CHAIN_ID, metavar="N",
                         help=f"the network's chain id (default: {CHAIN_ID})")
    genesis.add_argument("--period", type=_period, default=BLOCK_PERIOD, metavar="SECONDS",
                         help=f"seconds between blocks (default: {BLOCK_PERIOD})")
    genesis.add_argument("--output", type=_output_path, default=Path("genesis.json"),
                         metavar="FILE", help="where to write the genesis file "
                         "(default: genesis.json); its folder must exist")
    return top


def scenario_of(arguments: argparse.Namespace):
    """The dashboard's scenario these options describe."""
    from minichain.viz.app import Scenario
    return Scenario(households=arguments.households, pv_percent=arguments.pv_percent,
                    battery_percent=arguments.battery_percent, day=arguments.date,
                    cloudiness_percent=arguments.cloudiness_percent, seed=arguments.seed,
                    feed_in=arguments.feed_in, retail=arguments.retail,
                    mechanism=MECHANISMS[arguments.mechanism], k_percent=arguments.k_percent,
                    agents=arguments.agents, main_cable_kw=arguments.street_cable_kw,
                    house_kw=arguments.house_kw, transformer_kva=arguments.transformer_kva)


def settings_rows(scenario, how: str) -> list[tuple[str, str]]:
    """The report's settings, as the options that reproduce them."""
    from minichain.market.units import format_price
    mechanism = next(flag for flag, name in MECHANISMS.items() if name == scenario.mechanism)
    rows = [("--households", str(scenario.households)),
            ("--pv-percent", str(scenario.pv_percent)),
            ("--battery-percent", str(scenario.battery_percent)),
            ("--date", scenario.day.isoformat()),
            ("--cloudiness-percent", str(scenario.cloudiness_percent)),
            ("--seed", str(scenario.seed)),
            ("--feed-in", format_price(scenario.feed_in).removesuffix(" ct/kWh")),
            ("--retail", format_price(scenario.retail).removesuffix(" ct/kWh")),
            ("--mechanism", mechanism), ("--k-percent", str(scenario.k_percent)),
            ("--agents", scenario.agents), ("--street-cable-kw", str(scenario.main_cable_kw)),
            ("--house-kw", str(scenario.house_kw)),
            ("--transformer-kva", str(scenario.transformer_kva))]
    return rows + [("run", how), ("minichain", version())]


def trade_rows(day) -> list[tuple]:
    """Every trade of the day: slot, time, seller, buyer, Wh, ct/kWh, paid, delivered."""
    from minichain.market.units import format_money, format_price
    from minichain.viz.identity import slot_clock
    return [(t.slot, slot_clock(t.slot), t.seller, t.buyer, t.quantity_wh,
             format_price(t.price), format_money(t.amount), t.delivered_wh)
            for t in day.trades]


def bill_rows(day) -> list[tuple]:
    """Every household's day: agent, bill, bill without trading, saved."""
    from minichain.day import kpis
    from minichain.market.units import format_money
    bills, baseline = kpis.bills(day), kpis.baseline_bills(day)
    return [(name, agent, format_money(bills[name], 2), format_money(baseline[name], 2),
             format_money(baseline[name] - bills[name], 2))
            for name, agent in zip(day.names, day.agents)]


TRADE_HEADERS = ("slot", "from", "seller", "buyer", "Wh", "price", "paid", "delivered Wh")
BILL_HEADERS = ("household", "agent", "bill", "without trading", "saved")


def _table(headers, rows) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row)
                   + "</tr>" for row in rows)
    return (f'<table style="border-collapse:collapse" border="1" cellpadding="4">'
            f"<tr>{head}</tr>{body}</table>")


def report_html(scenario, day, how: str = "on the street's three nodes") -> str:
    """The report: settings, key figures and what they mean, trades, bills, every figure."""
    from minichain.viz.app import KEY_FIGURES, chain_html, kpi_html, scenario_figures

    figures = scenario_figures(scenario, day)
    parts = []
    for n, (name, figure) in enumerate(figures.items()):
        parts.append(f'<section class="figure" id="figure-{name}">'
                     + figure.to_html(full_html=False, include_plotlyjs=(n == 0),
                                      div_id=f"figure-{name}-plot")
                     + "</section>")
    homes = "1 home" if scenario.households == 1 else f"{scenario.households} homes"
    title = (f"Sunny Street on {scenario.day:%d %B %Y}: {homes}, "
             f"{MECHANISM_NAMES[scenario.mechanism]}, seed {scenario.seed}")
    glossary = "".join(f"<dt><b>{html.escape(label)}</b></dt><dd>{html.escape(meaning)}</dd>"
                       for label, meaning in KEY_FIGURES.values())
    command = "minichain simulate " + " ".join(f"{flag} {value}" for flag, value
                                               in settings_rows(scenario, how)[:-2])
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title></head>"
            f"<body style=\"font-family:sans-serif;max-width:1200px\"><h1>{html.escape(title)}</h1>"
            f"<p>Run {html.escape(how)}. {chain_html(day)}</p>"
            f"<h2>Settings</h2>{_table(('option', 'value'), settings_rows(scenario, how))}"
            f"<p>The same day again: <code>{html.escape(command)}</code></p>"
            f"<h2>Key figures</h2>{kpi_html(day)}<h3>What they mean</h3><dl>{glossary}</dl>"
            f"<h2>Bills</h2>{_table(BILL_HEADERS, bill_rows(day))}"
            f"<h2>Trades</h2>{_table(TRADE_HEADERS, trade_rows(day))}"
            f"<h2>Figures</h2>{''.join(parts)}</body></html>\n")


def write_csv(folder: Path, day) -> list[Path]:
    """trades.csv and bills.csv of the day, in ``folder``."""
    import csv
    written = []
    for name, headers, rows in (("trades.csv", TRADE_HEADERS, trade_rows(day)),
                                ("bills.csv", BILL_HEADERS, bill_rows(day))):
        path = folder / name
        with path.open("w", newline="", encoding="utf-8") as sink:
            writer = csv.writer(sink)
            writer.writerow(headers)
            writer.writerows(rows)
        written.append(path)
    return written


def simulate(arguments: argparse.Namespace) -> int:
    """Run the day (on chain unless --market-only) with a progress bar and write the report."""
    from tqdm.auto import tqdm

    from minichain.day.onchain import run_on_chain
    from minichain.day.scenario import run_market_only
    from minichain.microgrid.profiles import SLOTS_PER_DAY

    scenario = scenario_of(arguments)
    if arguments.market_only:
        day, how = run_market_only(scenario), "in memory, without the chain"
    else:
        with tqdm(total=SLOTS_PER_DAY, desc="slots on chain", unit="slot",
                  disable=arguments.quiet) as bar:
            day = run_on_chain(scenario, bar.update, crash=arguments.crash)
        how = "on the street's three nodes" + (", the grid operator's node down from noon "
                                               "to one o'clock" if arguments.crash else "")
    arguments.output.write_text(report_html(scenario, day, how), encoding="utf-8")
    print(f"wrote {arguments.output}")
    if arguments.csv is not None:
        for path in write_csv(arguments.csv, day):
            print(f"wrote {path}")
    return 0


def _stars(milli: int) -> str:
    return f"{milli // 1000}.{milli % 1000:03d} stars"


def _per_mille(value: int) -> str:
    return f"{value // 10}.{value % 10} %"


def _kwh(wh: int) -> str:
    return f"{wh / 1000:,.3f} kWh"


def party_names(journey) -> dict[str, str]:
    """Addresses as people say them: the households' names, the utility, the fund."""
    street = journey.street
    names = {street.address(name): name.capitalize() for name in street.households}
    names[street.market.utility] = "utility"
    names[street.market.community_fund] = "community fund"
    return names


def statement_text(journey, household: str, settings: str) -> str:
    """The statement as text for a terminal: who, the settings, four tables and the totals."""
    from minichain.market.units import format_money, format_price
    from minichain.teach import table
    from minichain.viz.identity import slot_clock

    street, market = journey.street, journey.street.market
    account = street.address(household)
    mine = market.statement(account, journey.slots)
    names = party_names(journey)
    key = market.key_of(account)
    slots = journey.slots
    lines = [f"Statement of {household.capitalize()}, Sunny Street, slots {slots[0]} to "
             f"{slots[-1]} ({slot_clock(slots[0])} to {slot_clock(slots[-1] + 1)} on the "
             "chain's clock)",
             f"run: {settings}",
             f"account {account}, signed for by "
             + ("its own key" if key == account else f"the key {key} (rotated)")
             + f"; meter {market.meter_of(account)}, feeder bus {market.bus_of(account)}",
             f"now: free deposit {format_money(market.free(account))}, score "
             f"{_stars(market.score(account))}, delivered {_per_mille(market.reliability(account))}"
             " of what it sold", ""]
    money = format_money
    trades = [(line.slot, slot_clock(line.slot), line.trade_id,
               "bought" if line.side == "buy" else "sold", names.get(line.partner, line.partner),
               line.how, f"{line.quantity_wh:,}", format_price(line.price), money(line.amount),
               "pending" if line.delivered_wh is None else f"{line.delivered_wh:,}",
               f"{line.shortfall_wh:,}", money(line.penalty)) for line in mine.trades]
    lines += ["Trades", table(trades, ["slot", "time", "trade", "side", "partner", "how", "Wh",
                                       "price", "amount", "delivered Wh", "short Wh",
                                       "penalty"]).text if trades else "(none)", ""]
    bills = []
    for bill in mine.bills:
        export_wh, import_wh = bill.reading if bill.reading is not None else ("-", "-")
        grid = bill.grid
        bills.append((bill.slot, slot_clock(bill.slot), export_wh, import_wh, bill.bought_wh,
                       bill.sold_wh, money(bill.paid), money(bill.received),
                       money(bill.penalties),
                       "pending" if grid is None else money(grid.pays),
                       "pending" if grid is None else money(grid.receives),
                       "pending" if bill.net is None else money(bill.net)))
    lines += ["Bills per slot (the market's money, then the utility's bill for energy "
              "outside the market)",
              table(bills, ["slot", "time", "export Wh", "import Wh", "bought Wh", "sold Wh",
                            "paid", "received", "penalties", "utility bills", "utility pays",
                            "net"]).text if bills else "(none)", ""]
    ratings = ([(r.trade_id, "given to", names.get(r.partner, r.partner), r.stars)
                for r in mine.ratings_given]
               + [(r.trade_id, "received from", names.get(r.partner, r.partner), r.stars)
                  for r in mine.ratings_received])
    lines += ["Ratings", table(sorted(ratings), ["trade", "", "partner", "stars"]).text
              if ratings else "(none)", ""]
    pending = ", ".join(str(slot) for slot in mine.pending) or "none"
    lines += ["Totals",
              f"  bought {_kwh(mine.bought_wh)} for {money(mine.paid)}; sold "
              f"{_kwh(mine.sold_wh)} for {money(mine.received)}",
              f"  penalties {money(mine.penalties)} for {_kwh(mine.shortfall_wh)} sold and "
              "not delivered",
              f"  the utility billed {money(mine.grid_pays)} for imports beyond the market and "
              f"paid {money(mine.grid_receives)} for exports beyond it",
              f"  net {money(mine.net)} (slots whose bills are pending: {pending})", "",
              "How the figures are made: an amount is Wh x price / 1000, rounded down to a "
              "whole µ€; a penalty is the Wh sold and not delivered at the retail tariff, "
              "paid to the utility from the seller's bond; the utility bills imports beyond "
              "what was bought at retail and pays exports beyond what was delivered at "
              "feed-in; net = received - paid - penalties + what the utility pays - what it "
              "bills."]
    return "\n".join(lines) + "\n"


STATEMENT_COLUMNS = ("record", "slot", "time", "trade", "side", "partner", "how",
                     "quantity_wh", "price_ueur_per_kwh", "amount_ueur", "delivered_wh",
                     "shortfall_wh", "penalty_ueur", "export_wh", "import_wh", "bought_wh",
                     "sold_wh", "paid_ueur", "received_ueur", "penalties_ueur",
                     "utility_bills_ueur", "utility_pays_ueur", "net_ueur", "stars")


def statement_csv(journey, household: str) -> str:
    """The statement as CSV: one row per trade, slot bill and rating; money in µ€, energy
    in Wh, prices in µ€/kWh; an empty cell is a figure not known yet (or not its record's)."""
    import csv
    import io

    from minichain.viz.identity import slot_clock

    street, market = journey.street, journey.street.market
    mine = market.statement(street.address(household), journey.slots)
    names = party_names(journey)
    out = io.StringIO()
    writer = csv.DictWriter(out, STATEMENT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for line in mine.trades:
        writer.writerow({"record": "trade", "slot": line.slot, "time": slot_clock(line.slot),
                         "trade": line.trade_id, "side": line.side,
                         "partner": names.get(line.partner, line.partner), "how": line.how,
                         "quantity_wh": line.quantity_wh, "price_ueur_per_kwh": line.price,
                         "amount_ueur": line.amount, "delivered_wh": line.delivered_wh,
                         "shortfall_wh": line.shortfall_wh if line.settled else None,
                         "penalty_ueur": line.penalty if line.settled else None})
    for bill in mine.bills:
        reading = bill.reading or (None, None)
        grid = bill.grid
        writer.writerow({"record": "bill", "slot": bill.slot, "time": slot_clock(bill.slot),
                         "export_wh": reading[0], "import_wh": reading[1],
                         "bought_wh": bill.bought_wh, "sold_wh": bill.sold_wh,
                         "paid_ueur": bill.paid, "received_ueur": bill.received,
                         "penalties_ueur": bill.penalties,
                         "utility_bills_ueur": None if grid is None else grid.pays,
                         "utility_pays_ueur": None if grid is None else grid.receives,
                         "net_ueur": bill.net})
    for rating in mine.ratings_given + mine.ratings_received:
        writer.writerow({"record": "rating given" if rating.given else "rating received",
                         "trade": rating.trade_id,
                         "partner": names.get(rating.partner, rating.partner),
                         "stars": rating.stars})
    return out.getvalue()


def statement(arguments: argparse.Namespace) -> int:
    """Run the journey with a progress bar, then print or write one household's statement."""
    from tqdm.auto import tqdm

    from minichain.contracts.journey import street_journey

    nodes = not arguments.one_chain
    with tqdm(desc="blocks on chain", unit="block", disable=arguments.quiet) as bar:
        journey = street_journey(arguments.households, arguments.start, arguments.slots,
                                 arguments.seed, MECHANISMS[arguments.mechanism], nodes=nodes,
                                 progress=bar.update)
    homes = f"{arguments.households} homes"
    where = "the three authorities' nodes" if nodes else "one chain sealed by the grid operator"
    mechanism = MECHANISM_NAMES[MECHANISMS[arguments.mechanism]]
    settings = (f"{homes}, {mechanism}, seed {arguments.seed}, "
                f"on {where}; minichain {version()}")
    if arguments.output is None:
        print(statement_text(journey, arguments.household, settings), end="")
        return 0
    if arguments.output.suffix.lower() == ".csv":
        text = statement_csv(journey, arguments.household)
    else:
        text = statement_text(journey, arguments.household, settings)
    arguments.output.write_text(text, encoding="utf-8")
    print(f"wrote {arguments.output}")
    return 0


def genesis(arguments: argparse.Namespace) -> int:
    """Write the street's authorities as a Clique or QBFT genesis file."""
    from minichain import cast
    from minichain.realworld.addresses import checksummed, ethereum_address
    from minichain.realworld.genesis import (bft_fault_tolerance, clique_genesis, genesis_json,
                                             qbft_genesis)

    authorities = [cast.wallet(name) for name in cast.AUTHORITIES]
    keys = [wallet.public_key for wallet in authorities]
    if arguments.format == CLIQUE:
        client = arguments.client or GETH
        made = clique_genesis(keys, client=client, chain_id=arguments.chain_id,
                              period=arguments.period)
        what = f"a Clique genesis for {client}"
    else:
        made = qbft_genesis(keys, chain_id=arguments.chain_id, period=arguments.period)
        what = "a QBFT genesis for Besu"
    arguments.output.write_text(genesis_json(made), encoding="utf-8")
    print(f"wrote {arguments.output}: {what}, chain id {arguments.chain_id}, "
          f"a block every {arguments.period} s")
    print("sealers (Ethereum addresses of the authorities' keys):")
    for name, wallet in sorted(zip(cast.AUTHORITIES, authorities),
                               key=lambda pair: ethereum_address(pair[1].public_key)):
        print(f"  {name:<14} {checksummed(ethereum_address(wallet.public_key))}")
    if arguments.format == QBFT:
        n = len(authorities)
        print(f"{n} validators tolerate {bft_fault_tolerance(n)} faulty one(s); "
              f"{3 * bft_fault_tolerance(n) + 4} would tolerate {bft_fault_tolerance(n) + 1} "
              "(QBFT needs n >= 3f + 1)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``minichain`` command; returns the exit code."""
    top = parser()
    arguments = top.parse_args(argv)
    if arguments.command == "genesis" and arguments.format == QBFT and arguments.client:
        top.error("--client applies to --format clique only; a QBFT genesis is for Besu")
    if arguments.command == "simulate":
        try:
            scenario_of(arguments)                 # a scenario that cannot run: before any work
        except MinichainError as error:
            top.error(str(error))
    if arguments.command == "statement":
        from minichain import cast
        from minichain.viz.identity import slot_clock

        street = cast.HOUSEHOLDS[:arguments.households]
        if arguments.household not in street:
            top.error(f"--household must be one of the street's {arguments.households} "
                      f"households ({', '.join(street)}), got {arguments.household!r}")
        if arguments.start + arguments.slots > 96:
            top.error(f"{arguments.slots} slots from {slot_clock(arguments.start)} run past "
                      "midnight; start earlier or trade fewer slots")
    command = {"genesis": genesis, "simulate": simulate,
               "statement": statement}[arguments.command]
    try:
        return command(arguments)
    except (MinichainError, OSError) as error:
        print(f"minichain: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
