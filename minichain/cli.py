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
from minichain.day.scenario import MAX_HOUSEHOLDS
from minichain.errors import MinichainError
from minichain.realworld.genesis import (BLOCK_PERIOD, CHAIN_ID, CLIENTS, CLIQUE, FORMATS, GETH,
                                         QBFT)

MECHANISMS = {"uniform": UNIFORM_PRICE, "pay-as-bid": PAY_AS_BID, "mcafee": MCAFEE}


def _households(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= MAX_HOUSEHOLDS:
        raise argparse.ArgumentTypeError(f"expected 1 to {MAX_HOUSEHOLDS} households, got {value}")
    return value


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
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    simulate = commands.add_parser(
        "simulate", help="run a day of the energy market on chain and write an HTML report",
        description="Run one day (96 slots of 15 minutes) of Sunny Street's energy market on "
        "the proof-of-authority chain: households post their agents' orders as signed "
        "transactions, the market contract clears every slot, meters report, settlement "
        "runs. Writes a self-contained HTML report with the key figures and the figures.")
    simulate.add_argument("--households", type=_households, default=12, metavar="N",
                          help=f"how many homes on the street, 1 to {MAX_HOUSEHOLDS} "
                          "(default: 12)")
    simulate.add_argument("--date", type=_day, default=date(2026, 6, 21), metavar="YYYY-MM-DD",
                          help="the day to simulate; sets the sun and the load "
                          "(default: 2026-06-21, midsummer)")
    simulate.add_argument("--mechanism", choices=sorted(MECHANISMS), default="uniform",
                          help="how the market clears each slot: uniform price (k = 1/2), "
                          "pay-as-bid, or McAfee's trade reduction (default: uniform)")
    simulate.add_argument("--seed", type=_seed, default=1, metavar="S",
                          help="seed for the street, the weather, the loads and the agents; "
                          "the same seed gives the same day (default: 1)")
    simulate.add_argument("--output", type=Path, default=Path("report.html"), metavar="FILE",
                          help="where to write the HTML report (default: report.html)")
    simulate.add_argument("--quiet", action="store_true",
                          help="no progress bar")
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


def report_html(scenario, day) -> str:
    """The report: a title, the key-figure table, then every figure; plotly.js once."""
    from minichain.viz.app import kpi_html, scenario_figures

    figures = scenario_figures(scenario, day)
    parts = []
    for n, (name, figure) in enumerate(figures.items()):
        parts.append(f'<section class="figure" id="figure-{name}">'
                     + figure.to_html(full_html=False, include_plotlyjs=(n == 0),
                                      div_id=f"figure-{name}-plot")
                     + "</section>")
    title = (f"Sunny Street on {scenario.day:%d %B %Y}: {scenario.households} homes, "
             f"{scenario.mechanism}, seed {scenario.seed}")
    blocks = len(day.blocks or ())
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title></head>"
            f"<body style=\"font-family:sans-serif\"><h1>{html.escape(title)}</h1>"
            f"<p>Run on the three authorities' nodes (proof of authority): {blocks} "
            "blocks.</p>"
            f"<h2>Key figures</h2>{kpi_html(day)}<h2>Figures</h2>{''.join(parts)}"
            "</body></html>\n")


def simulate(arguments: argparse.Namespace) -> int:
    """Run the day on chain with a progress bar and write the report."""
    from tqdm.auto import tqdm

    from minichain.microgrid.profiles import SLOTS_PER_DAY
    from minichain.day.onchain import run_on_chain
    from minichain.viz.app import Scenario

    scenario = Scenario(households=arguments.households, day=arguments.date,
                        mechanism=MECHANISMS[arguments.mechanism], seed=arguments.seed)
    with tqdm(total=SLOTS_PER_DAY, desc="slots on chain", unit="slot",
              disable=arguments.quiet) as bar:
        day = run_on_chain(scenario, bar.update)
    arguments.output.write_text(report_html(scenario, day), encoding="utf-8")
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
    command = genesis if arguments.command == "genesis" else simulate
    try:
        return command(arguments)
    except (MinichainError, OSError) as error:
        print(f"minichain: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
