"""Gas and time side by side: the same books cleared on the real EVM and on minichain's machine (chapter 14).

The books are ``bench_auction``'s random books of 100 and 1,000 orders for one slot. Each is
cleared three times in this run, by uniform price (k = 1/2), and every clearing's trades
must equal the native reference's (``market.auction.clear``):

* **EVM**: the Vyper market (``contracts/evm/market.vy``) compiled by the Vyper compiler,
  on py-evm through titanoboa (``EVMMarket``); gas as a Prague transaction pays it,
  checked in the tests against py-evm's own receipts;
* **minichain**: its market contract on a ``sunny_street`` chain
  (``bench_auction.measure_on_chain``): gas from the receipt, time as a node applies it;
* **native**: the plain-Python clearing of the same book, the reference both times are
  divided by.

Then, for each machine, how many orders one 30,000,000-gas block can clear (on the line
through the two sizes, checked by clearing a book of that size), and what that means for a
street and for a city. Both chains here allow 300,000,000 gas per block, so that a book
larger than one ordinary block can still be measured. py-evm is the Python reference EVM:
production clients (geth, Besu, Nethermind) run the same bytecode, for the same gas, far
faster, so its wall times say more about Python than about the EVM; the gas is the
figure a real network charges. Needs the optional ``evm`` extra.
"""

from __future__ import annotations

import functools
import statistics

from benchmarks.bench_auction import (REPEATS, TARIFFS, measure_on_chain, orders_per_block,
                                      random_book)
from benchmarks.timing import best_time
from minichain.chain import BLOCK_GAS_LIMIT
from minichain.contracts.client import sunny_street
from minichain.contracts.evm import INSTALL_HINT, toolchain_missing
from minichain.market.auction import UNIFORM_PRICE, clear
from minichain.market.orders import SELL, Order
from minichain.realworld.addresses import ethereum_address
from minichain.wallet import Wallet

SIZES = (100, 1_000)
EVM_REPEATS = {100: 3, 1_000: 1}     # py-evm takes many seconds for 1,000 orders
BENCH_GAS_LIMIT = 300_000_000
SLOT = 10
STREET_ORDERS = 40                   # 20 homes, a buy or a sell each, twice over: generous
CITY_HOMES = 100_000


@functools.lru_cache(maxsize=None)
def eth(name: str) -> str:
    return ethereum_address(Wallet.from_seed(name).public_key)


def measure_on_evm(orders: list[Order], repeats: int = 1) -> dict[str, float]:
    """Post ``orders`` to the Vyper market, clear them, check the trades against the native
    clearing; gas of the clearing, its wall time (best of ``repeats`` fresh markets) and
    the mean gas of posting one order."""
    from minichain.contracts.evm.client import EVMMarket

    seconds, gas, posting, trades = [], 0, 0.0, 0
    for _ in range(repeats):
        market = EVMMarket.deploy([eth("grid-operator")], mechanism=UNIFORM_PRICE,
                                  tariffs=TARIFFS, block_gas_limit=BENCH_GAS_LIMIT)
        owners = sorted({(order.side, order.owner) for order in orders})
        household = {}
        for n, owner in enumerate(owners):
            household[owner] = eth(f"bench-{n}")
            market.register(household[owner], eth(f"bench-{n}-meter"), by=eth("grid-operator"))
            market.fund(household[owner], 10 ** 18)
            market.deposit(household[owner], 10 ** 15)
        first = len(market.costs)
        for order in orders:
            market.post(household[(order.side, order.owner)], order.side, order.quantity_wh,
                        order.price, SLOT)
        posting = statistics.mean(cost.gas for cost in market.costs[first:])
        market.clear(SLOT, by=household[owners[0]], at=market.gate_closure(SLOT))
        seconds.append(market.last_cost.seconds)
        gas = market.last_cost.gas
        book = [Order(n + 1, household[(o.side, o.owner)], o.side, o.quantity_wh, o.price, SLOT)
                for n, o in enumerate(orders)]
        native = clear(UNIFORM_PRICE, book, TARIFFS)
        made = [(e["buy_order"], e["sell_order"], e["quantity_wh"], e["price"],
                 e["seller_price"]) for e in market.last_events if e.name == "Trade"]
        if made != [(t.buy_order, t.sell_order, t.quantity_wh, t.price, t.seller_price)
                    for t in native.trades]:
            raise RuntimeError("the EVM's trades differ from the native clearing's")
        trades = len(made)
    return {"orders": len(orders), "trades": trades, "gas": gas, "seconds": min(seconds),
            "post_gas": posting}


def fit_on(measure, small: dict, large: dict) -> tuple[int, dict]:
    """Orders that fit one block, extrapolated, then checked: step down until a book fits."""
    fit = orders_per_block(small, large)
    for _ in range(3):
        check = measure(random_book(fit))
        if check["gas"] <= BLOCK_GAS_LIMIT:
            return fit, check
        fit = orders_per_block(large, check) - 10
    return fit, check


def minichain_post_gas() -> int:
    """Gas of posting one sell order to minichain's market contract."""
    street = sunny_street(("alice",), tariffs=TARIFFS, balance=10 ** 12, deposit=10 ** 11, nodes=False)
    street.market.post(street.households["alice"], SELL, 1_000, TARIFFS.feed_in, SLOT)
    return street.market.last_receipt.gas_used


def run() -> None:
    missing = toolchain_missing()
    if missing:
        print(f"skipped: {missing} not installed; {INSTALL_HINT}")
        return
    rows = []
    for n in SIZES:
        book = random_book(n)
        evm = measure_on_evm(book, EVM_REPEATS[n])
        ours = measure_on_chain(book)
        native = best_time(lambda: clear(UNIFORM_PRICE, book, TARIFFS), REPEATS.get(n, 9))
        rows.append((evm, ours, native))

    print("the same books cleared by uniform price on both machines; trades checked equal "
          "to the native clearing's")
    print(f"{'orders':>8} {'trades':>7} | {'EVM gas':>12} {'EVM time':>10} | "
          f"{'minichain gas':>13} {'time':>9} | {'native':>8} | EVM/minichain: gas, time")
    for evm, ours, native in rows:
        print(f"{evm['orders']:>8,} {evm['trades']:>7,} | {evm['gas']:>12,} "
              f"{evm['seconds'] * 1000:>8.0f} ms | {ours['gas']:>13,} "
              f"{ours['seconds'] * 1000:>6.1f} ms | {native * 1000:>5.2f} ms | "
              f"{evm['gas'] / ours['gas']:.1f}x, {evm['seconds'] / ours['seconds']:.0f}x")
    for evm, ours, native in rows:
        print(f"  {evm['orders']:,} orders against the native clearing: EVM "
              f"{evm['seconds'] / native:,.0f}x, minichain {ours['seconds'] / native:.0f}x")
    print(f"posting one order: EVM {rows[0][0]['post_gas']:,.0f} gas, minichain "
          f"{minichain_post_gas():,} gas")

    evm_fit, evm_check = fit_on(measure_on_evm, rows[0][0], rows[1][0])
    ours_fit, ours_check = fit_on(measure_on_chain, rows[0][1], rows[1][1])
    print(f"one {BLOCK_GAS_LIMIT:,}-gas block clears about {evm_fit:,} orders on the EVM "
          f"(a book of {evm_check['orders']:,} used {evm_check['gas']:,} gas) and about "
          f"{ours_fit:,} on minichain (a book of {ours_check['orders']:,} used "
          f"{ours_check['gas']:,} gas)")
    print(f"what it means: a street of 20 homes posts at most ~{STREET_ORDERS} orders a "
          f"slot, {STREET_ORDERS / evm_fit:.0%} of the EVM's limit; a city of "
          f"{CITY_HOMES:,} homes posting 2 orders each would need one clearing of "
          f"{2 * CITY_HOMES:,} orders, {2 * CITY_HOMES / evm_fit:,.0f}x what an EVM block "
          f"can clear ({2 * CITY_HOMES / ours_fit:,.0f}x minichain's), every 15 minutes: "
          "match off chain, settle and verify on chain")


if __name__ == "__main__":
    run()
