"""How fast the native double auction clears a slot (chapter 09), measured against ``sorted``.

For 1k, 10k and 100k random orders (seeded, so every run clears the same books) it times
each mechanism, prints how the time grows against n log n, and checks the goal "uniform
price clears 10k orders in at most 50 ms". The reference, measured in the same run, is
Python's ``sorted`` of the same 10k orders in merit order: sorting is the one step no
mechanism can skip, so "clearing / sorting" says how much the rest costs on any machine.

On chain (``measure_on_chain``): the same books (100 and 1,000 orders) are posted to the
market contract on a ``sunny_street`` chain of households outside the cast, one household
per (owner, side) of the book so that no one trades with itself, and the clearing transaction is timed as a node runs it
(``apply_transaction`` on a copy of the state; best of a few runs, the code already
loaded). Its trades must equal the native clearing's. Printed: gas, time, the ratio
on-chain / native time from this run, and how many orders one 30,000,000-gas block can
clear (extrapolated from the two sizes, then checked by clearing a book of that size). The
chain here has a 300,000,000-gas block limit and a market without the per-slot order cap,
so that books larger than one block allows can still be measured; the last line measures
the worst book at the cap the market uses by default (``MAX_ORDERS_PER_SLOT``), which must
fit in one ordinary block.
"""

from __future__ import annotations

import gc
import math
import random
import time

from benchmarks.timing import best_time
from minichain.chain import BLOCK_GAS_LIMIT
from minichain.market.auction import MECHANISMS, UNIFORM_PRICE, clear
from minichain.contracts.client import MAX_ORDERS_PER_SLOT, SIDE_CODES, sunny_street
from minichain.market.orders import BUY, SELL, Order, Tariffs, ask_priority, bid_priority
from minichain.market.settlement import market_trades
from minichain.execution import apply_transaction
from minichain.realworld.scale import gas_line, orders_per_block as scale_orders_per_block
from minichain.receipts import BlockContext
from minichain.wallet import Wallet

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



def merit_sort(orders: list[Order]) -> None:
    """The reference: just sorting the book into merit order with Python's ``sorted``."""
    sorted((o for o in orders if o.side == BUY), key=bid_priority)
    sorted((o for o in orders if o.side == SELL), key=ask_priority)


def n_log_n(n: int) -> float:
    return n * math.log2(n)


ON_CHAIN_SIZES = (100, 1_000)
ON_CHAIN_REPEATS = 3
POST_GAS = 150_000              # gas limit of one order transaction (it uses ~57,000)
BENCH_GAS_LIMIT = 300_000_000   # a roomy chain, so a clearing over 30M can still be measured
SLOT = 10


def measure_on_chain(orders: list[Order], mechanism: str = UNIFORM_PRICE) -> dict[str, float]:
    """Post ``orders`` to the market contract, clear them on chain, check the trades equal
    the native clearing's, and return gas, seconds (best of a few) and the native time."""
    owners = sorted({(order.side, order.owner) for order in orders})
    names = [f"bench-{i}" for i in range(len(owners))]
    street = sunny_street(names, mechanism=mechanism, tariffs=TARIFFS, balance=10 ** 12,
                          deposit=10 ** 11, gas_limit=BENCH_GAS_LIMIT, max_orders=len(orders),
                          nodes=False, keys={name: Wallet.from_seed(name) for name in names})
    market = street.market
    wallet_of = {owner: street.households[name] for owner, name in zip(owners, names)}
    posts = [market.call_tx(market.contracts.market, wallet_of[(o.side, o.owner)], "post",
                            SIDE_CODES[o.side], o.quantity_wh, o.price, SLOT, o.min_reputation,
                            gas=POST_GAS)
             for o in orders]
    for start in range(0, len(posts), 1_000):
        if not all(receipt.success for receipt in market.seal(posts[start:start + 1_000])):
            raise RuntimeError("an order of the benchmark book was refused")
    on_chain_book = [Order(n + 1, wallet_of[(o.side, o.owner)].address, o.side, o.quantity_wh,
                           o.price, SLOT, o.min_reputation) for n, o in enumerate(orders)]
    clearer = street.households[names[0]]
    stx = market.clear_tx(clearer, SLOT, gas=BENCH_GAS_LIMIT)
    context = BlockContext(market.chain.chain_id, market.chain.height + 1,
                           market.gate_closure(SLOT), street.operator.address)
    seconds, gas = math.inf, 0
    for _ in range(ON_CHAIN_REPEATS):
        state = market.chain.state.copy()
        gc.disable()
        try:
            start = time.perf_counter()
            receipt = apply_transaction(state, stx, context)
            seconds = min(seconds, time.perf_counter() - start)
        finally:
            gc.enable()
        if not receipt.success:
            raise RuntimeError(f"clearing on chain failed: {receipt.error}")
        gas = receipt.gas_used
    market.seal([stx], at=market.gate_closure(SLOT))
    conditioned = any(order.min_reputation for order in on_chain_book)
    scores = ({order.owner: market.score(order.owner) for order in on_chain_book}
              if conditioned else None)
    native = clear(mechanism, on_chain_book, TARIFFS, reputation=scores)
    if market.trades(SLOT) != market_trades(native, first_id=1):
        raise RuntimeError("the contract's trades differ from the native clearing's")
    native_seconds = best_time(lambda: clear(mechanism, on_chain_book, TARIFFS,
                                             reputation=scores), REPEATS.get(len(orders), 9))
    return {"orders": len(orders), "trades": len(native.trades), "gas": gas,
            "seconds": seconds, "native_seconds": native_seconds}


def worst_case_book(n: int) -> list[Order]:
    """The most gas a book of n orders can cost: n/2 bids each scan n/2 - 1 crossing asks
    whose own minimum (5000) no bidder meets, then trade with the last ask, which takes
    everyone: the conditioned walk's n**2 / 4 pairs plus n/2 trades."""
    half = n // 2
    asks = [Order(i, f"0x{i % 20 + 1:040x}", SELL, 1_000, TARIFFS.feed_in, 0, 5_000)
            for i in range(half - 1)]
    asks.append(Order(half - 1, f"0x{21:040x}", SELL, 1_000 * half, TARIFFS.feed_in + 1, 0))
    bids = [Order(half + i, f"0x{i % 20 + 100:040x}", BUY, 1_000, TARIFFS.retail, 0)
            for i in range(n - half)]
    return asks + bids


def print_on_chain(figures: dict[str, float]) -> None:
    print(f"  {figures['orders']:>6,} orders ({figures['trades']:,} trades): "
          f"{figures['gas']:>12,} gas, {figures['seconds'] * 1000:9.1f} ms on chain, "
          f"{figures['native_seconds'] * 1000:7.2f} ms native -> on-chain / native = "
          f"{figures['seconds'] / figures['native_seconds']:.0f}x")


def orders_per_block(small: dict[str, float], large: dict[str, float]) -> int:
    """Orders whose clearing fits one block, on the line through two measurements."""
    line = gas_line(small["orders"], small["gas"], large["orders"], large["gas"])
    return scale_orders_per_block(*line, BLOCK_GAS_LIMIT)


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

    print(f"\non chain: the market contract clears the same books ({UNIFORM_PRICE}, "
          "trades checked equal to the native clearing):")
    measured = [measure_on_chain(random_book(n)) for n in ON_CHAIN_SIZES]
    for figures in measured:
        print_on_chain(figures)
    fit = orders_per_block(*measured)
    print(f"  gas grows by {(measured[1]['gas'] - measured[0]['gas']) / 900:,.0f} per order; "
          f"one {BLOCK_GAS_LIMIT:,}-gas block clears about {fit:,} orders (extrapolated)")
    # the sort makes gas grow a little faster than linearly: step down until a book fits
    previous = measured[1]
    for _ in range(3):
        check = measure_on_chain(random_book(fit))
        print_on_chain(check)
        if check["gas"] <= BLOCK_GAS_LIMIT:
            break
        fit, previous = orders_per_block(previous, check) - 10, check
    verdict = "fits" if check["gas"] <= BLOCK_GAS_LIMIT else "does NOT fit"
    print(f"  a book of {check['orders']:,} orders {verdict} in one block ({check['gas']:,} "
          f"gas); 1,000 orders use {measured[1]['gas'] / BLOCK_GAS_LIMIT:.0%} of a block")
    worst = measure_on_chain(worst_case_book(MAX_ORDERS_PER_SLOT))
    print(f"  worst case at the cap of {MAX_ORDERS_PER_SLOT:,} orders per slot (every bid "
          f"scans every ask in vain, then trades): {worst['gas']:,} gas = "
          f"{worst['gas'] / BLOCK_GAS_LIMIT:.0%} of a block, {worst['seconds'] * 1000:.0f} ms")


if __name__ == "__main__":
    run()
