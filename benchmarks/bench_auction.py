"""How fast the native double auction clears a slot (chapter 09), measured against ``sorted``.

For 1k, 10k and 100k random orders (seeded, so every run clears the same books) it times
each mechanism, prints how the time grows against n log n, and checks the goal "uniform
price clears 10k orders in at most 50 ms". The reference, measured in the same run, is
Python's ``sorted`` of the same 10k orders in merit order: sorting is the one step no
mechanism can skip, so "clearing / sorting" says how much the rest costs on any machine.

The on-chain figures (gas and time for the market contract) slot in below, in
``measure_on_chain``, once the contract exists.
"""

from __future__ import annotations

import gc
import math
import random
import time
from typing import Callable

from minichain.energy.auction import MECHANISMS, UNIFORM_PRICE
from minichain.energy.orders import BUY, SELL, Order, Tariffs, ask_priority, bid_priority

SIZES = (1_000, 10_000, 100_000)
REPEATS = {1_000: 9, 10_000: 5, 100_000: 2}
GOAL_SIZE = 10_000
GOAL_MS = 50.0
TARIFFS = Tariffs(feed_in=800, retail=3_000)   # 0.08 and 0.30 per kWh at 10,000 units a token
SEED = 2026


def random_book(n: int, seed: int = SEED) -> list[Order]:
    """n orders for one slot: half bids, half asks, prices across the band, 0.1-5 kWh each."""
    rng = random.Random(seed)
    owners = ["0x" + f"{rng.getrandbits(160):040x}" for _ in range(max(1, n // 20))]
    return [Order(id=i, owner=rng.choice(owners), side=rng.choice((BUY, SELL)),
                  quantity_wh=rng.randint(100, 5_000),
                  price=rng.randint(TARIFFS.feed_in, TARIFFS.retail), slot=0)
            for i in range(n)]


def best_time(task: Callable[[], object], repeats: int) -> float:
    """Fastest of several runs, in seconds, with the garbage collector paused (as timeit does)."""
    best = math.inf
    for _ in range(repeats):
        gc.disable()
        try:
            start = time.perf_counter()
            task()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best


def merit_sort(orders: list[Order]) -> None:
    """The reference: just sorting the book into merit order with Python's ``sorted``."""
    sorted((o for o in orders if o.side == BUY), key=bid_priority)
    sorted((o for o in orders if o.side == SELL), key=ask_priority)


def n_log_n(n: int) -> float:
    return n * math.log2(n)


def measure_on_chain(orders: list[Order]) -> dict[str, float] | None:
    """Gas and time of the market contract clearing the same book: to come with the contract.

    When ``minichain/contracts`` has the energy market, deploy it here, submit ``orders``,
    clear, check the result equals the native ``Clearing`` and return its figures.
    """
    return None


def run() -> None:
    books = {n: random_book(n) for n in SIZES}
    times: dict[str, dict[int, float]] = {name: {} for name in MECHANISMS}
    print(f"{'mechanism':<14}" + "".join(f"{n:>12,} orders" for n in SIZES))
    for name, clear in MECHANISMS.items():
        for n in SIZES:
            times[name][n] = best_time(lambda: clear(books[n], TARIFFS), REPEATS[n])
        print(f"{name:<14}" + "".join(f"{times[name][n] * 1000:>16.2f} ms" for n in SIZES))

    print("\ngrowth against n log n (1.0 = grows exactly like n log n):")
    for name in MECHANISMS:
        steps = []
        for small, large in zip(SIZES, SIZES[1:]):
            measured = times[name][large] / times[name][small]
            predicted = n_log_n(large) / n_log_n(small)
            steps.append(f"{small:,}->{large:,}: x{measured:.1f} vs x{predicted:.1f} "
                         f"(ratio {measured / predicted:.2f})")
        print(f"  {name:<14}" + "   ".join(steps))

    reference = best_time(lambda: merit_sort(books[GOAL_SIZE]), REPEATS[GOAL_SIZE])
    print(f"\nreference: sorted() of the same {GOAL_SIZE:,} orders into merit order: "
          f"{reference * 1000:.2f} ms")
    for name in MECHANISMS:
        print(f"  {name:<14} clearing / sorting = {times[name][GOAL_SIZE] / reference:.1f}")

    goal = times[UNIFORM_PRICE][GOAL_SIZE] * 1000
    verdict = "met" if goal <= GOAL_MS else "NOT met"
    print(f"\ngoal: uniform price clears {GOAL_SIZE:,} orders in <= {GOAL_MS:.0f} ms: "
          f"{goal:.2f} ms -> {verdict}")

    on_chain = measure_on_chain(books[1_000])
    if on_chain is None:
        print("on chain: not measured yet (the market contract comes in a later chapter)")
    else:
        print("on chain:", ", ".join(f"{key} {value:,.2f}" for key, value in on_chain.items()))


if __name__ == "__main__":
    run()
