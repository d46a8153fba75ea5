"""How long a day on Sunny Street takes: in memory, on one chain, on the street's nodes (chapter 11).

One whole day (96 slots), run by the one day runner (``day.runner.run_day``) over three
markets, each measured in the same run:

* **market only**: the market's rules in memory (``day.native.NativeMarket``), as the
  dashboard recomputes a day behind a slider change;
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
slower from one minute to the next (by a tenth or a fifth here), so every figure is a
median of runs spread over the whole benchmark: each on-chain day runs ``REPEATS`` times
(the 200-home day ``BIG_REPEATS`` times), and the ratios are over the median of every
market-only day timed in the run (``RUNS`` at the start, ``REFERENCE_RUNS`` in each child
just before its on-chain day).

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
from dataclasses import dataclass, replace

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
REPEATS = 5
BIG_REPEATS = 2
REFERENCE_RUNS = 3
CPU = time.process_time


@dataclass(frozen=True)
class ChainRun:
    """On-chain days, each in a child process, with the market-only days timed before them."""

    seconds: float                  # CPU seconds of the on-chain day (the median run)
    references: tuple[float, ...]   # CPU seconds of each 20-home market-only day timed
    blocks: int
    transactions: int
    peak_mb: float                  # the largest of the runs'


def _timed(kind: str, scenario: Scenario, backend: str, queue) -> None:
    """Time the reference, then one on-chain day, in this (child) process; report a ChainRun."""
    reference_plan, day_plan = plan(SCENARIO), plan(scenario)
    references = tuple(seconds(lambda: run_day(reference_plan, NativeMarket()))
                       for _ in range(REFERENCE_RUNS))
    with tempfile.TemporaryDirectory() as stores, crypto.use_backend(backend):
        market = {"one chain": lambda: ChainMarket(nodes=False),
                  "network": lambda: ChainMarket(store_dir=stores),
                  "crash": lambda: ChainMarket(store_dir=stores,
                                               outages=[noon_outage(day_plan)])}[kind]()
        start = CPU()
        day = run_day(day_plan, market)
        day_seconds = CPU() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux
    queue.put(ChainRun(day_seconds, references, len(day.blocks),
                       sum(b.transactions for b in day.blocks), peak_mb))


def on_chain(kind: str, scenario: Scenario = SCENARIO, backend: str = crypto.BACKEND,
             repeats: int = REPEATS) -> ChainRun:
    """``repeats`` runs, each in a child process of its own: the median time, every
    reference timed, the largest peak memory."""
    context = multiprocessing.get_context("fork")
    runs = []
    for _ in range(repeats):
        queue = context.Queue()
        child = context.Process(target=_timed, args=(kind, scenario, backend, queue))
        child.start()
        runs.append(queue.get())
        child.join()
    return replace(runs[0], seconds=statistics.median(run.seconds for run in runs),
                   references=tuple(t for run in runs for t in run.references),
                   peak_mb=max(run.peak_mb for run in runs))


def market_only(scenario: Scenario) -> tuple[float, list[float]]:
    """The market-only day over ``RUNS`` runs: median wall seconds, and each run's CPU
    seconds."""
    day_plan = plan(scenario)
    wall, cpu = [], []
    for _ in range(RUNS):
        start, start_cpu = time.perf_counter(), CPU()
        run_day(day_plan, NativeMarket())
        wall.append(time.perf_counter() - start)
        cpu.append(CPU() - start_cpu)
    return statistics.median(wall), cpu


def redraw(scenario: Scenario) -> tuple[float, float]:
    """What a slider change costs the dashboard: plan the street with every home's forecast,
    then run its day; (the first run with every cache cold, the median of ``RUNS`` after),
    wall seconds."""
    dayahead.clear_caches()
    profiles.clear_caches()
    first = seconds(lambda: run_market_only(scenario), time.perf_counter)
    return first, statistics.median(seconds(lambda: run_market_only(scenario), time.perf_counter)
                                    for _ in range(RUNS))


def seconds(task, clock=CPU) -> float:
    """How long ``task()`` takes on ``clock`` (CPU time unless told)."""
    start = clock()
    task()
    return clock() - start


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def run() -> None:
    wall, cpu = market_only(SCENARIO)
    print(f"market only, {SCENARIO.households} homes x 96 slots: median of {RUNS} runs "
          f"{wall * 1000:.0f} ms wall, {statistics.median(cpu) * 1000:.0f} ms CPU (goal <= "
          f"{GOAL_MARKET_ONLY_S * 1000:.0f} ms wall: {verdict(wall <= GOAL_MARKET_ONLY_S)})")
    first, again = redraw(SCENARIO)
    print(f"a redraw (plan with every home's forecast, then the day): {first * 1000:.0f} ms with "
          f"every cache cold, then median of {RUNS} {again * 1000:.0f} ms (goal <= "
          f"{GOAL_MARKET_ONLY_S * 1000:.0f} ms: {verdict(again <= GOAL_MARKET_ONLY_S)})")
    backends = [b for b in (crypto.FAST_BACKEND, crypto.PURE_BACKEND) if b in crypto.BACKENDS]
    days = {(kind, backend): on_chain(kind, backend=backend)
            for kind, backend in ([("one chain", crypto.BACKEND)]
                                  + [("network", b) for b in backends]
                                  + [("crash", crypto.BACKEND)])}
    big = on_chain("network", BIG, repeats=BIG_REPEATS)
    timed = cpu + [t for day in [*days.values(), big] for t in day.references]
    reference = statistics.median(timed)
    print(f"on chain, each the median of {REPEATS} runs, CPU seconds; ratios over the median "
          f"of the {len(timed)} market-only days timed in this run, {reference * 1000:.0f} ms "
          f"(from {min(timed) * 1000:.0f} to {max(timed) * 1000:.0f} ms)")
    for (kind, backend), day in days.items():
        ratio = day.seconds / reference
        goal = (f" (goal <= {GOAL_RATIO[backend]}x: {verdict(ratio <= GOAL_RATIO[backend])})"
                if kind == "network" else "")
        print(f"{kind} [{backend}], {SCENARIO.households} homes: {day.blocks} blocks, "
              f"{day.transactions} transactions, {day.seconds:.2f} s CPU, {ratio:.0f}x market "
              f"only{goal}, peak memory {day.peak_mb:.0f} MB")
    network, one = days["network", crypto.BACKEND], days["one chain", crypto.BACKEND]
    print(f"the network / one chain: {network.seconds / one.seconds:.1f}x (three replicas "
          "validate every block); the crash's extra cost: "
          f"{days['crash', crypto.BACKEND].seconds / network.seconds - 1:+.0%}")
    print(f"network [{crypto.BACKEND}], {BIG.households} homes: {big.blocks} blocks, "
          f"{big.transactions} transactions, the median of {BIG_REPEATS} {big.seconds:.2f} s "
          f"CPU, peak memory {big.peak_mb:.0f} MB (goal <= {GOAL_MEMORY_MB} MB: "
          f"{verdict(big.peak_mb <= GOAL_MEMORY_MB)})")
    time_growth, tx_growth = big.seconds / network.seconds, big.transactions / network.transactions
    growth = time_growth / tx_growth
    print(f"{SCENARIO.households} -> {BIG.households} homes: time x{time_growth:.1f}, "
          f"transactions x{tx_growth:.1f}: the time grows {growth:.3f}x as fast (goal <= "
          f"{GOAL_GROWTH}x: {verdict(growth <= GOAL_GROWTH)})")

if __name__ == "__main__":
    run()
