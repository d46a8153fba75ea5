"""How long a day on Sunny Street takes: in memory, on one chain, on the street's nodes (chapter 11).

The default street of 20 households, one whole day (96 slots), run by the one day runner
(``day.runner.run_day``) over three markets, each measured in the same run:

* **market only**: the market's rules in memory (``day.native.NativeMarket``), as the
  dashboard recomputes a day behind a slider change; the median of several runs;
* **one chain**: the contracts on a single chain sealed in place (``ChainMarket(nodes=False)``);
* **the network**: the contracts on the three authorities' nodes, each with its store on
  disk, every node validating every block (``ChainMarket()``, as ``run_on_chain``);
* **a crash**: the same, with the grid operator's node down from noon to one o'clock and
  restarted from its store.

Each on-chain run happens in a child process of its own, so its peak memory (``maxrss``)
is its own. Ratios to the market-only day say what the chain and the replicas cost on any
machine.
"""

from __future__ import annotations

import multiprocessing
import resource
import statistics
import tempfile
import time

from minichain.day.native import NativeMarket
from minichain.day.onchain import ChainMarket, noon_outage
from minichain.day.runner import run_day
from minichain.day.scenario import Scenario, plan

SCENARIO = Scenario(households=20, seed=1)
GOAL_MARKET_ONLY_S = 0.5
RUNS = 7


def _timed(kind: str, queue) -> None:
    """Run one on-chain day in this (child) process; report seconds, blocks, txs, peak MB."""
    day_plan = plan(SCENARIO)
    with tempfile.TemporaryDirectory() as stores:
        market = {"one chain": lambda: ChainMarket(nodes=False),
                  "network": lambda: ChainMarket(store_dir=stores),
                  "crash": lambda: ChainMarket(store_dir=stores,
                                               outages=[noon_outage(day_plan)])}[kind]()
        start = time.perf_counter()
        day = run_day(day_plan, market)
        seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux
    queue.put((seconds, len(day.blocks), sum(b.transactions for b in day.blocks), peak_mb))


def on_chain(kind: str) -> tuple[float, int, int, float]:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_timed, args=(kind, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def run() -> None:
    day_plan = plan(SCENARIO)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        run_day(day_plan, NativeMarket())
        times.append(time.perf_counter() - start)
    market_only = statistics.median(times)
    print(f"market only, {SCENARIO.households} homes x 96 slots: median of {RUNS} runs "
          f"{market_only * 1000:.0f} ms (goal <= {GOAL_MARKET_ONLY_S * 1000:.0f} ms: "
          f"{'met' if market_only <= GOAL_MARKET_ONLY_S else 'MISSED'})")
    results = {}
    for kind in ("one chain", "network", "crash"):
        seconds, blocks, transactions, peak_mb = results[kind] = on_chain(kind)
        print(f"{kind}: {blocks} blocks, {transactions} transactions, {seconds:.2f} s "
              f"({seconds / market_only:.0f}x market only), peak memory {peak_mb:.0f} MB")
    print(f"the network / one chain: {results['network'][0] / results['one chain'][0]:.1f}x "
          "(three replicas validate every block); the crash's extra cost: "
          f"{results['crash'][0] / results['network'][0] - 1:+.0%}")


if __name__ == "__main__":
    run()
