"""Three machines, one market: the Vyper contract on py-evm, minichain's contract and the native rules (chapter 14).

Each run deploys the Vyper market on a fresh EVM and minichain's four market contracts on a
``sunny_street`` chain, with the same mechanism, k and tariffs, the same eight households
(the same secp256k1 keys: a minichain address on one chain, an Ethereum address on the
other) and the same opening deposits. Then it plays seeded random slots (``random.Random``)
on both, one after another, and follows each with the native reference alone
(``market.auction.clear``, ``market.settlement.after_clearing`` and ``settle_slot``):

1. orders: each household of the slot buys or sells (never both, so nobody trades with
   itself), prices drawn from a few steps across the tariff band so that ties are common,
   some orders cancelled in the same block;
2. clearing at gate closure;
3. meter readings at the slot's end: a seller's export around what it sold, some missing;
4. settlement after the reading window.

After every step the three must agree exactly: order ids, the trades (ids, orders,
parties, Wh, buyer's and seller's price, in trade order), the clearing price, every
refund and bond release, McAfee's surplus, every settlement (delivered, shortfall,
payment, penalty), every bond's return and every free deposit, the utility's and the
community fund's included. Prices are drawn relative to the tariffs of each run, and the
runs use two tariff scales, so the test holds whatever the money unit is.

Skipped only when the optional ``evm`` extra (vyper, titanoboa) is not installed.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field

import pytest

pytest.importorskip("vyper", reason="the evm extra is not installed: pip install -e '.[evm]'")
pytest.importorskip("boa", reason="the evm extra is not installed: pip install -e '.[evm]'")

from minichain.contracts.client import Street, sunny_street  # noqa: E402
from minichain.contracts.evm.client import EVMMarket  # noqa: E402
from minichain.market.auction import MCAFEE, PAY_AS_BID, UNIFORM_PRICE, clear  # noqa: E402
from minichain.market.orders import BUY, SELL, Order, Tariffs  # noqa: E402
from minichain.market.settlement import after_clearing, market_trades, settle_slot  # noqa: E402
from minichain.market.units import amount_for  # noqa: E402
from minichain.realworld.addresses import ethereum_address  # noqa: E402
from minichain.vm.abi import DecodedEvent  # noqa: E402
from minichain.wallet import Wallet  # noqa: E402

NAMES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi")
OPERATOR = "grid-operator"
MAX_WH = 3_000                  # an order's largest quantity
MAX_ORDERS = 14                 # per slot
PRICE_STEPS = 6                 # prices are feed_in + (retail - feed_in) * i / 6, or any in band
EVM_READS_EVERY = 5             # slots between reading every free deposit back from the EVM
SMALL = Tariffs(feed_in=8, retail=30)
LARGE = Tariffs(feed_in=80_000, retail=320_000)


@dataclass(frozen=True)
class RunPlan:
    mechanism: str
    tariffs: Tariffs
    k: tuple[int, int]
    slots: int
    seed: int


PLANS = (
    RunPlan(UNIFORM_PRICE, SMALL, (1, 2), 50, 1),
    RunPlan(UNIFORM_PRICE, LARGE, (1, 3), 50, 2),
    RunPlan(PAY_AS_BID, LARGE, (1, 2), 45, 3),
    RunPlan(MCAFEE, SMALL, (1, 2), 50, 4),
    RunPlan(MCAFEE, LARGE, (1, 2), 45, 5),
)


@functools.lru_cache(maxsize=None)
def eth(name: str) -> str:
    """A name's Ethereum address: the same key as its minichain wallet."""
    return ethereum_address(Wallet.from_seed(name).public_key)


@dataclass
class Run:
    """The two markets and the native model of one plan, and what the model holds."""

    plan: RunPlan
    street: Street
    evm: EVMMarket
    names: dict[str, str]                       # any address on either chain -> a name
    free: dict[str, int]                        # by name: the model's free deposits
    locked: dict[int, int] = field(default_factory=dict)     # order id -> escrow or bond
    orders: int = 0
    trades: int = 0
    seen: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, n: int = 1) -> None:
        self.seen[what] = self.seen.get(what, 0) + n


def deposit_for(tariffs: Tariffs) -> int:
    """Enough for a household to lock its orders in every slot of a run."""
    return amount_for(MAX_WH * MAX_ORDERS, tariffs.retail) * 4


def start(plan: RunPlan) -> Run:
    deposit = deposit_for(plan.tariffs)
    street = sunny_street(NAMES, mechanism=plan.mechanism, tariffs=plan.tariffs,
                          k_numerator=plan.k[0], k_denominator=plan.k[1], deposit=deposit,
                          balance=10 * deposit, nodes=False)
    market = street.market
    evm = EVMMarket.deploy([eth(OPERATOR)], mechanism=plan.mechanism, tariffs=plan.tariffs,
                           k_numerator=plan.k[0], k_denominator=plan.k[1],
                           genesis_time=market.genesis_time, utility=eth("utility"),
                           community_fund=eth("community-fund"))
    for name in NAMES:
        evm.register(eth(name), eth(f"{name}-meter"), by=eth(OPERATOR))
        evm.fund(eth(name), 10 * deposit)
        evm.deposit(eth(name), deposit)
    names = {eth("utility"): "utility", eth("community-fund"): "fund",
             market.utility: "utility", market.community_fund: "fund"}
    for name in NAMES:
        names[eth(name)] = name
        names[street.address(name)] = name
    free = {name: deposit for name in NAMES} | {"utility": 0, "fund": 0}
    return Run(plan, street, evm, names, free)


def named(run: Run, events: list[DecodedEvent], wanted: str) -> list[tuple]:
    """The events of one kind as tuples, every address replaced by its owner's name."""
    return [tuple(run.names.get(value, value) if isinstance(value, str) else value
                  for _, value in event.args)
            for event in events if event.name == wanted]


def draw_slot(run: Run, rng: random.Random) -> tuple[list[tuple[str, str, int, int]], set[int]]:
    """A slot's orders (owner, side, Wh, price) and which of them (by position) are cancelled."""
    tariffs = run.plan.tariffs
    band = tariffs.retail - tariffs.feed_in
    people = rng.sample(NAMES, rng.randint(2, len(NAMES)))
    side_of = {name: rng.choice((BUY, SELL)) for name in people}
    orders = []
    for _ in range(rng.randint(0, MAX_ORDERS)):
        name = rng.choice(people)
        step = rng.randint(2, PRICE_STEPS) if side_of[name] == BUY \
            else rng.randint(0, PRICE_STEPS - 2)      # mostly crossing, sometimes not
        price = tariffs.feed_in + band * step // PRICE_STEPS
        if rng.random() < 0.3:                        # off the steps, still in the band
            price = rng.randint(tariffs.feed_in, tariffs.retail)
        quantity = rng.choice((1, 7, 250, 1_000, rng.randint(1, MAX_WH)))
        orders.append((name, side_of[name], quantity, price))
    cancelled = {i for i in range(len(orders)) if rng.random() < 0.1}
    return orders, cancelled


def play_slot(run: Run, rng: random.Random) -> None:
    street, market, evm, plan = run.street, run.street.market, run.evm, run.plan
    slot = market.slot_at(market.now + 10) + 2
    drawn, cancelled = draw_slot(run, rng)
    run.count("slots")
    run.count("orders", len(drawn))
    run.count("cancelled", len(cancelled))

    # 1. orders (and some cancellations) in one block; the model numbers them
    first = run.orders + 1
    ids = list(range(first, first + len(drawn)))
    run.orders += len(drawn)
    txs = [market.post_tx(street.households[name], side, quantity, price, slot)
           for name, side, quantity, price in drawn]
    txs += [market.cancel_tx(street.households[drawn[i][0]], ids[i]) for i in sorted(cancelled)]
    receipts = market.seal(txs)
    assert all(receipt.success for receipt in receipts), [r.error for r in receipts]
    assert [receipt.output for receipt in receipts[:len(drawn)]] == [(i,) for i in ids]
    posted_at = market.now
    evm_ids = [evm.post(eth(name), side, quantity, price, slot, at=posted_at)
               for name, side, quantity, price in drawn]
    assert evm_ids == ids
    for i in sorted(cancelled):
        evm.cancel(eth(drawn[i][0]), ids[i])
    book = []
    for i, (name, side, quantity, price) in enumerate(drawn):
        lock = amount_for(quantity, price if side == BUY else plan.tariffs.retail)
        run.free[name] -= lock
        if i in cancelled:
            run.free[name] += lock
        else:
            run.locked[ids[i]] = lock
            book.append(Order(ids[i], street.address(name), side, quantity, price, slot))

    # 2. clearing at gate closure, on both chains and natively
    options = {"k_numerator": plan.k[0], "k_denominator": plan.k[1]} \
        if plan.mechanism == UNIFORM_PRICE else {}
    clearing = clear(plan.mechanism, book, plan.tariffs, **options)
    money = after_clearing(book, {order.id: run.locked[order.id] for order in book}, clearing,
                           plan.tariffs)
    trades = market_trades(clearing, run.trades + 1)
    run.trades += len(trades)
    receipt, = market.seal([market.clear_tx(street.households[NAMES[0]], slot)],
                           at=market.gate_closure(slot))
    assert receipt.success, receipt.error
    evm.clear(slot, by=eth(NAMES[1]), at=market.gate_closure(slot))
    ours, theirs = market.events([receipt]), evm.last_events
    expected_trades = [(t.id, slot, t.buy_order, t.sell_order, run.names[t.buyer],
                        run.names[t.seller], t.quantity_wh, t.price, t.seller_price)
                       for t in trades]
    assert named(run, theirs, "Trade") == named(run, ours, "Trade") == expected_trades
    assert named(run, theirs, "Cleared") == named(run, ours, "Cleared") == [
        (slot, len(trades), clearing.traded_wh, clearing.price or 0, clearing.surplus)]
    expected_releases = sorted((r.order_id, run.names[r.owner], r.amount)
                               for r in money.refunds + money.releases if r.amount)
    assert sorted(named(run, theirs, "Released")) == sorted(named(run, ours, "Released")) \
        == expected_releases
    for release in money.refunds + money.releases:
        run.free[run.names[release.owner]] += release.amount
    for refund in money.refunds:
        run.locked[refund.order_id] = 0
    for order_id, bond in money.bonds.items():
        run.locked[order_id] = bond
    run.free["fund"] += money.surplus
    run.count("trades", len(trades))
    run.count("surplus", money.surplus)
    run.count("reduced", int(plan.mechanism == MCAFEE and bool(trades) and clearing.price is None))
    run.count("ties", len(book) - len({(o.side, o.price) for o in book}))

    # 3. readings: a seller's export around what it sold; some meters stay silent
    sold: dict[str, int] = {}
    for trade in trades:
        sold[run.names[trade.seller]] = sold.get(run.names[trade.seller], 0) + trade.quantity_wh
    exports = {}
    for name in sorted({name for name, side, _, _ in drawn if side == SELL}):
        if rng.random() < 0.15:
            continue
        exports[name] = rng.randint(0, sold.get(name, 0) + sold.get(name, 0) // 3 + 1)
    readings = [market.reading_tx(street.meters[name], slot, wh, 0)
                for name, wh in exports.items()]
    if readings:
        assert all(r.success for r in market.seal(readings, at=market.slot_end(slot)))
    for name, wh in exports.items():
        evm.report(eth(f"{name}-meter"), slot, wh, at=market.slot_end(slot))

    # 4. settlement after the reading window
    bonds = {order.id: (order.owner, run.locked[order.id]) for order in book
             if order.side == SELL}
    settled = settle_slot(trades, {street.address(n): wh for n, wh in exports.items()}, bonds,
                          plan.tariffs, utility=market.utility)
    receipt, = market.seal([market.settle_tx(street.households[NAMES[2]], slot)],
                           at=market.window_end(slot))
    assert receipt.success, receipt.error
    evm.settle(slot, by=eth(NAMES[3]), at=market.window_end(slot))
    ours, theirs = market.events([receipt]), evm.last_events
    assert named(run, theirs, "Settled") == named(run, ours, "Settled") == [
        (d.trade_id, run.names[d.seller], run.names[d.buyer], d.delivered_wh, d.shortfall_wh,
         d.paid, d.penalty) for d in settled.deliveries]
    assert named(run, theirs, "Released") == named(run, ours, "Released") == [
        (r.order_id, run.names[r.owner], r.amount) for r in settled.bond_returns if r.amount]
    for account, amount in settled.credits:
        run.free[run.names[account]] += amount
    for order_id in bonds:
        run.locked[order_id] = 0
    run.count("shortfalls", sum(1 for d in settled.deliveries if d.shortfall_wh))
    run.count("penalties", settled.penalties)

    # every free deposit is what the model says: on minichain after every slot, on the
    # EVM (whose reads cost a py-evm call each) after every few slots and at the end
    for name in NAMES:
        assert market.free(street.address(name)) == run.free[name], name
    assert market.free(market.utility) == run.free["utility"]
    assert market.free(market.community_fund) == run.free["fund"]
    if run.seen["slots"] % EVM_READS_EVERY == 0:
        check_evm_free(run)


def check_evm_free(run: Run) -> None:
    for name in NAMES:
        assert run.evm.free(eth(name)) == run.free[name], name
    assert run.evm.free(eth("utility")) == run.free["utility"]
    assert run.evm.free(eth("community-fund")) == run.free["fund"]


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: f"{p.mechanism}-{p.tariffs.retail}")
def test_the_evm_minichain_and_the_native_rules_agree_on_every_slot(plan):
    run = start(plan)
    rng = random.Random(plan.seed)
    for _ in range(plan.slots):
        play_slot(run, rng)
    check_evm_free(run)
    # nothing was created or lost: with every slot settled, nothing is locked or held in
    # trades, and each market's balance is exactly the free deposits the model computed
    assert sum(run.locked.values()) == 0
    accounts = [run.street.address(name) for name in NAMES] + [run.street.market.utility,
                                                               run.street.market.community_fund]
    held = run.street.market.held(accounts)
    assert held["total"] == held["contract"] == sum(run.free.values())
    assert run.evm.balance(run.evm.address) == sum(run.free.values())
    # the run reached what it claims to test
    assert run.seen["trades"] >= plan.slots, run.seen
    assert run.seen["cancelled"] > 0 and run.seen["shortfalls"] > 0 and run.seen["ties"] > 0
    if plan.mechanism == MCAFEE:
        assert run.seen["reduced"] >= 3 and run.seen["surplus"] > 0, run.seen
