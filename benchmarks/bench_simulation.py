"""How long a day on Sunny Street takes: in memory, on one chain, on the street's nodes (chapter 11).

One whole day (96 slots), run by the one day runner (``day.runner.run_day``) over three
markets, each measured in the same run:

* **market only**: the market's rules in memory (``day.native.NativeMarket``), as the
  dashboard recomputes a day behind a slider change; the median of several runs;
* **one chain**: the contracts on a single chain sealed in place (``ChainMarket(nodes=False)``);
* **the network**: the contracts on the three authorities' nodes, each with its store on
  disk, every node validating every block (``ChainMarket()``, as ``run_on_chain``), with
  each crypto backend installed (``crypto.BACKENDS``);
* **a crash**: the same, with the grid operator's node down from noon to one o'clock and
  restarted from its store.

The default street has 20 households; the network day also runs on the largest street
the simulator accepts (``scenario.MAX_HOUSEHOLDS``, 200), to see how the cost grows with
the transactions. Each on-chain run happens in a child process of its own, so its peak
memory (``maxrss``) is its own. Times are CPU seconds of the process that ran the day
(``time.process_time``): other programs on a busy machine do not count, and the three
nodes share one process anyway. A shared machine still runs the same work faster or
slower from one minute to the next (by a fifth here), so each on-chain day runs
``REPEATS`` times (the 200-home day ``BIG_REPEATS`` times) and the fastest run counts, as
the fastest of the market-only runs does for the ratios: the least disturbed of each.

Goals: the market-only day, and a redraw (the street planned with every home's day-ahead
forecast, then its day), <= 0.5 s (median wall time: what a learner waits for); the
20-home network day <= 20x the market-only day with libsecp256k1 (``coincurve``), <= 100x
with the pure backend; from 20 to 200 homes the network day grows at most 1.2x faster
than its transactions; the 200-home network day's peak memory <= 1 GB.
"""

from __future__ import annotations

import multiprocessing
import resource
import statistics
import tempfile
import time

from minichain import crypto
from minichain.day.native import NativeMarket
from minichain.day.onchain import ChainMarket, noon_outage
from minichain.day.runner import run_day
from minichain.day.scenario import MAX_HOUSEHOLDS, Scenario, plan, run_market_only
from minichain.forecast import dayahead
from minichain.microgrid import profiles

SCENARIO = Scenario(households=20, seed=1)
BIG = Scenario(households=MAX_HOUSEHOLDS, seed=1)
GOAL_MARKET_ONLY_S = 0.5
GOAL_RATIO = {crypto.FAST_BACKEND: 20, crypto.PURE_BACKEND: 100}
GOAL_GROWTH = 1.2
GOAL_MEMORY_MB = 1024
RUNS = 7
REPEATS = 3
BIG_REPEATS = 2
CPU = time.process_time


def _timed(kind: str, scenario: Scenario, backend: str, queue) -> None:
    """Run one on-chain day in this (child) process; report CPU s, blocks, txs, peak MB."""
    day_plan = plan(scenario)
    with tempfile.TemporaryDirectory() as stores, crypto.use_backend(backend):
        market = {"one chain": lambda: ChainMarket(nodes=False),
                  "network": lambda: ChainMarket(store_dir=stores),
                  "crash": lambda: ChainMarket(store_dir=stores,
                                               outages=[noon_outage(day_plan)])}[kind]()
        start = CPU()
        day = run_day(day_plan, market)
        seconds = CPU() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux
    queue.put((seconds, len(day.blocks), sum(b.transactions for b in day.blocks), peak_mb))


def on_chain(kind: str, scenario: Scenario = SCENARIO, backend: str = crypto.BACKEND,
             repeats: int = REPEATS) -> tuple[float, int, int, float]:
    """The fastest of ``repeats`` runs, each in a child process of its own; its peak memory
    is the largest of them."""
    context = multiprocessing.get_context("fork")
    results = []
    for _ in range(repeats):
        queue = context.Queue()
        child = context.Process(target=_timed, args=(kind, scenario, backend, queue))
        child.start()
        results.append(queue.get())
        child.join()
    seconds, blocks, transactions, _ = min(results)
    return seconds, blocks, transactions, max(result[3] for result in results)


def market_only(scenario: Scenario) -> tuple[float, float, float]:
    """The market-only day over ``RUNS`` runs: median wall seconds, median CPU seconds and
    the fastest run's CPU seconds."""
    day_plan = plan(scenario)
    wall, cpu = [], []
    for _ in range(RUNS):
        start, start_cpu = time.perf_counter(), CPU()
        run_day(day_plan, NativeMarket())
        wall.append(time.perf_counter() - start)
        cpu.append(CPU() - start_cpu)
    return statistics.median(wall), statistics.median(cpu), min(cpu)


def redraw(scenario: Scenario) -> tuple[float, float]:
    """What a slider change costs the dashboard: plan the street with every home's forecast,
    then run its day; (the first run with every cache cold, the median of ``RUNS`` after),
    wall seconds."""
    dayahead.clear_caches()
    profiles.clear_caches()
    first = wall_seconds(lambda: run_market_only(scenario))
    return first, statistics.median(wall_seconds(lambda: run_market_only(scenario))
                                    for _ in range(RUNS))


def wall_seconds(task) -> float:
    start = time.perf_counter()
    task()
    return time.perf_counter() - start


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def run() -> None:
    wall, median_cpu, cpu = market_only(SCENARIO)
    print(f"market only, {SCENARIO.households} homes x 96 slots: median of {RUNS} runs "
          f"{wall * 1000:.0f} ms wall, {median_cpu * 1000:.0f} ms CPU, the fastest "
          f"{cpu * 1000:.0f} ms CPU (goal <= {GOAL_MARKET_ONLY_S * 1000:.0f} ms wall: "
          f"{verdict(wall <= GOAL_MARKET_ONLY_S)})")
    first, again = redraw(SCENARIO)
    print(f"a redraw (plan with every home's forecast, then the day): {first * 1000:.0f} ms with "
          f"every cache cold, then median of {RUNS} {again * 1000:.0f} ms (goal <= "
          f"{GOAL_MARKET_ONLY_S * 1000:.0f} ms: {verdict(again <= GOAL_MARKET_ONLY_S)})")
    backends = [b for b in (crypto.FAST_BACKEND, crypto.PURE_BACKEND) if b in crypto.BACKENDS]
    results = {}
    for kind, backend in ([("one chain", crypto.BACKEND)] + [("network", b) for b in backends]
                          + [("crash", crypto.BACKEND)]):
        seconds, blocks, transactions, peak_mb = results[kind, backend] = on_chain(kind,
                                                                                  backend=backend)
        ratio = seconds / cpu
        goal = (f" (goal <= {GOAL_RATIO[backend]}x: {verdict(ratio <= GOAL_RATIO[backend])})"
                if kind == "network" else "")
        print(f"{kind} [{backend}], {SCENARIO.households} homes: {blocks} blocks, "
              f"{transactions} transactions, fastest of {REPEATS} {seconds:.2f} s CPU, "
              f"{ratio:.0f}x market only{goal}, peak memory {peak_mb:.0f} MB")
    network = results["network", crypto.BACKEND]
    print(f"the network / one chain: {network[0] / results['one chain', crypto.BACKEND][0]:.1f}x "
          "(three replicas validate every block); the crash's extra cost: "
          f"{results['crash', crypto.BACKEND][0] / network[0] - 1:+.0%}")
    seconds, blocks, transactions, peak_mb = on_chain("network", BIG, repeats=BIG_REPEATS)
    print(f"network [{crypto.BACKEND}], {BIG.households} homes: {blocks} blocks, {transactions} "
          f"transactions, fastest of {BIG_REPEATS} {seconds:.2f} s CPU, peak memory "
          f"{peak_mb:.0f} MB (goal <= "
          f"{GOAL_MEMORY_MB} MB: {verdict(peak_mb <= GOAL_MEMORY_MB)})")
    time_growth, tx_growth = seconds / network[0], transactions / network[2]
    growth = time_growth / tx_growth
    print(f"{SCENARIO.households} -> {BIG.households} homes: time x{time_growth:.1f}, "
          f"transactions x{tx_growth:.1f}: the time grows {growth:.2f}x as fast (goal <= "
          f"{GOAL_GROWTH}x: {verdict(growth <= GOAL_GROWTH)})")


if __name__ == "__main__":
    run()
