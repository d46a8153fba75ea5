"""The ``minichain`` command: simulate a day on chain (chapter 11), export the street's genesis (chapter 14).

    minichain simulate --households 12 --date 2026-06-21 --mechanism uniform \\
                       --seed 1 --output report.html

runs the day on the three authorities' nodes with ``day.onchain.run_on_chain`` (a ``tqdm``
progress bar per slot on stderr) and writes one self-contained HTML file: the key figures
as a table
(``viz.app.kpi_html``) and the dashboard's figures, with plotly.js embedded once (in
the first figure) so the report opens without a network.

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

from minichain.market.auction import MCAFEE, PAY_AS_BID, UNIFORM_PRICE
from minichain.errors import MinichainError
from minichain.realworld.genesis import (BLOCK_PERIOD, CHAIN_ID, CLIENTS, CLIQUE, FORMATS, GETH,
                                         QBFT)

MECHANISMS = {"uniform": UNIFORM_PRICE, "pay-as-bid": PAY_AS_BID, "mcafee": MCAFEE}
AGENTS = ("truthful", "price-ramp", "battery-aware", "mixed")


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
                        help="how many homes on the street (default: 12)")
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
    return [(t.slot, _clock(t.slot), t.seller, t.buyer, t.quantity_wh,
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


def _clock(slot: int) -> str:
    return f"{slot * 15 // 60:02d}:{slot * 15 % 60:02d}"


def _table(headers, rows) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row)
                   + "</tr>" for row in rows)
    return (f'<table style="border-collapse:collapse" border="1" cellpadding="4">'
            f"<tr>{head}</tr>{body}</table>")


def report_html(scenario, day, how: str = "on the street's three nodes") -> str:
    """The report: settings, key figures and what they mean, trades, bills, every figure."""
    from minichain.market.auction import MECHANISM_NAMES
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
    command = genesis if arguments.command == "genesis" else simulate
    try:
        return command(arguments)
    except (MinichainError, OSError) as error:
        print(f"minichain: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
