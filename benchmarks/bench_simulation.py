"""How long a day on Sunny Street takes, on chain and without it (chapter 11).

Two figures, measured in the same run:

* **On chain**: the default street of 20 households, one whole day (96 slots), every order,
  clearing, reading and settlement a signed transaction in a block sealed under Clique
  (``energy.simulation.run_on_chain``). Wall time and the process's peak
  memory (``resource.getrusage`` maxrss)
  against the goals of at most 15 s and 500 MB.
* **Market only**: the same day without the chain, as the dashboard recomputes it behind
  a slider change (``run_market_only``); the median of several runs against the goal of
  at most 0.5 s.

The ratio on chain / market only says what the chain costs on any machine.
"""

from __future__ import annotations

import gc
import resource
import statistics
import time

from minichain.day.onchain import run_market_only, run_on_chain
from minichain.viz.app import Scenario

SCENARIO = Scenario(households=20, seed=1)
GOAL_ON_CHAIN_S = 15.0
GOAL_MEMORY_MB = 500.0
GOAL_MARKET_ONLY_S = 0.5
RUNS = 7


def run() -> None:
    times = []
    for _ in range(RUNS):
        gc.collect()
        start = time.perf_counter()
        run_market_only(SCENARIO)
        times.append(time.perf_counter() - start)
    market_only = statistics.median(times)

    gc.collect()
    start = time.perf_counter()
    day = run_on_chain(SCENARIO)
    on_chain = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux
    transactions = sum(block.transactions for block in day.blocks)

    print(f"market only, {SCENARIO.households} homes x 96 slots: median of {RUNS} runs "
          f"{market_only * 1000:.0f} ms (goal <= {GOAL_MARKET_ONLY_S * 1000:.0f} ms: "
          f"{'met' if market_only <= GOAL_MARKET_ONLY_S else 'MISSED'})")
    print(f"on chain: {len(day.blocks)} blocks, {transactions} transactions, "
          f"{on_chain:.2f} s (goal <= {GOAL_ON_CHAIN_S:.0f} s: "
          f"{'met' if on_chain <= GOAL_ON_CHAIN_S else 'MISSED'}); peak memory of the "
          f"process (maxrss) {peak_mb:.0f} MB (goal <= {GOAL_MEMORY_MB:.0f} MB: "
          f"{'met' if peak_mb <= GOAL_MEMORY_MB else 'MISSED'})")
    plain = on_chain
    print(f"ratio on chain / market only: {plain / market_only:.0f}x")


if __name__ == "__main__":
    run()
