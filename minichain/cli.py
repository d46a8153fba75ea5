"""The ``minichain`` command: simulate a day on Sunny Street on chain and write an HTML report (chapter 11).

    minichain simulate --households 12 --date 2026-06-21 --mechanism uniform \\
                       --seed 1 --output report.html

runs the day with ``energy.simulation.run_on_chain`` (a ``tqdm`` progress bar per slot on
stderr) and writes one self-contained HTML file: the key figures as a table
(``viz.app.kpi_html``) and the dashboard's figures, with plotly.js embedded once (in
the first figure) so the report opens without a network. Bad arguments exit with code 2
and say what was expected (argparse).
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

MECHANISMS = {"uniform": UNIFORM_PRICE, "pay-as-bid": PAY_AS_BID, "mcafee": MCAFEE}
MAX_HOUSEHOLDS = 40


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
            f"<p>Run on the proof-of-authority chain: {blocks} blocks.</p>"
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``minichain`` command; returns the exit code."""
    top = parser()
    arguments = top.parse_args(argv)
    try:
        return simulate(arguments)
    except (MinichainError, OSError) as error:
        print(f"minichain: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
