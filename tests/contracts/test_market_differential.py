"""The market contract against the native reference, on random slots (chapters 09-10).

For each mechanism one street lives for the whole module: six households, the four
contracts, one chain. Every hypothesis example trades one new delivery slot on it from
start to end, in five blocks:

1. a block of random actions: deposits, withdrawals, orders (random sides, sizes, prices
   across the tariff band, minimum partner reputations), direct takes in both directions
   (a buyer takes an offer, a seller takes a bid) and cancellations, some of which break a
   rule on purpose (self-trade, a take of a closed order or of the wrong side, too much, a
   partner below the order's minimum, a withdrawal above the free deposit); now and then a
   household rotates its key (the new key applies, an authority attests) and its old key
   tries to act again;
2. clearing at gate closure; 3. meter readings, some missing; 4. settlement after the
   reading window; 5. ratings, some refused (twice, not a party, bad stars).

A ``Model`` computes the same slot with the native code only (``market.auction``,
``market.takes``, ``market.settlement``, ``market.reputation``) and predicts every receipt.
The model keeps everything under the households' accounts and knows nothing of keys: a
rotation changes no figure of it, which is the rule (``identity.py``). After every
block the test demands *identical* results: each transaction's success and revert reason,
order and trade ids, the trades (parties, Wh, buyer and seller prices, in trade order),
the clearing price, every free deposit, every order's escrow or bond, every settlement
(delivered, shortfall, payment, penalty), the utility's and the community fund's
accounts, scores and reliabilities. It also checks the invariants: the market contract's
balance equals free deposits + escrow + bonds + what unsettled trades hold, the chain's
total supply never changes, and nobody trades at a price worse than its limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from minichain.market.auction import MCAFEE, PAY_AS_BID, UNIFORM_PRICE, clear
from minichain.contracts.client import (R_KEY_REPLACED, R_NO_FUNDS, R_NOT_OPEN, R_NOT_OWNER,
                                     R_SELF_TRADE_BUY, R_SELF_TRADE_SELL, Street,
                                     sunny_street)
from minichain.errors import TakeRefused
from minichain.market.orders import BUY, SELL, Order, Tariffs
from minichain.market.reputation import (Record, RatingRejected, rating_target,
                                         reliability, score, with_delivery, with_rating)
from minichain.market.settlement import after_clearing, locked_for, market_trades, settle_slot
from minichain.market.takes import take_bid, take_offer
from minichain.market.trades import Trade
from minichain.market.units import amount_for
from minichain.wallet import Wallet

pytestmark = pytest.mark.usefixtures("each_crypto_backend")   # both backends

NAMES = ("alice", "bob", "carol", "dave", "erin", "frank")
TARIFFS = Tariffs(feed_in=8, retail=30)
K = (1, 3)                       # uniform price k = 1/3: a third of the way to the bid
DEPOSIT = 40_000
EXAMPLES = 40                    # per mechanism


@dataclass
class Model:
    """What the contracts should hold, kept with the native reference code only."""

    street: Street
    free: dict[str, int] = field(default_factory=dict)
    orders: dict[int, dict] = field(default_factory=dict)
    trades: dict[int, Trade] = field(default_factory=dict)
    records: dict[str, Record] = field(default_factory=dict)
    settled: dict[int, Trade] = field(default_factory=dict)
    rated: set[tuple[int, str]] = field(default_factory=set)
    exports: dict[tuple[str, int], int] = field(default_factory=dict)
    slot_state: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in NAMES:
            self.free[self.street.address(name)] = DEPOSIT
        self.free[self.street.market.utility] = 0
        self.free[self.street.market.community_fund] = 0

    def score(self, who: str) -> int:
        return score(self.records.get(who, Record()))

    def open_count(self, slot: int, owner: str, side: str) -> int:
        return sum(1 for o in self.orders.values()
                   if o["slot"] == slot and o["owner"] == owner and o["side"] == side
                   and o["status"] == "open" and o["left"] > 0)

    # -- the actions block: predict each receipt and apply it ------------------------------

    def post(self, who: str, side: str, quantity: int, price: int, slot: int,
             minimum: int) -> tuple[str, int | None]:
        if side == BUY and self.open_count(slot, who, SELL):
            return R_SELF_TRADE_BUY, None
        if side == SELL and self.open_count(slot, who, BUY):
            return R_SELF_TRADE_SELL, None
        lock = locked_for(side, quantity, price, TARIFFS)
        if lock > self.free[who]:
            return R_NO_FUNDS, None
        self.free[who] -= lock
        order = len(self.orders) + 1
        self.orders[order] = dict(owner=who, side=side, quantity=quantity, left=quantity,
                                  price=price, slot=slot, min=minimum, status="open",
                                  locked=lock)
        return "", order

    def open_order(self, order: int) -> Order | None:
        """The order with the Wh it still has open, if it is open."""
        o = self.orders.get(order)
        if o is None or o["status"] != "open" or o["left"] == 0:
            return None
        return Order(order, o["owner"], o["side"], o["left"], o["price"], o["slot"], o["min"])

    def take(self, who: str, order: int, quantity: int) -> tuple[str, int | None]:
        try:
            take = take_offer(self.open_order(order), who, quantity, gate_open=True,
                              buyer_score=self.score(who), buyer_free=self.free[who])
        except TakeRefused as refused:
            return str(refused), None
        self.free[who] -= take.from_free
        self.orders[order]["left"] = take.left_wh
        return "", self.record(take.trade)

    def take_bid(self, who: str, order: int, quantity: int) -> tuple[str, int | None]:
        sell = len(self.orders) + 1
        try:
            take = take_bid(self.open_order(order), who, quantity, gate_open=True,
                            seller_score=self.score(who), seller_free=self.free[who],
                            tariffs=TARIFFS, sell_order=sell)
        except TakeRefused as refused:
            return str(refused), None
        bid = self.orders[order]
        self.free[who] -= take.from_free
        self.orders[sell] = dict(owner=who, side=SELL, quantity=quantity, left=0,
                                 price=bid["price"], slot=bid["slot"], min=0, status="filled",
                                 locked=take.from_free)
        bid["locked"] -= take.from_escrow
        bid["left"] = take.left_wh
        return "", self.record(take.trade)

    def record(self, trade: Trade) -> int:
        number = len(self.trades) + 1
        self.trades[number] = trade.numbered(number)
        return number

    def cancel(self, who: str, order: int) -> tuple[str, None]:
        o = self.orders.get(order)
        if o is None or o["owner"] != who:
            return R_NOT_OWNER, None
        if o["status"] != "open" or o["left"] == 0:
            return R_NOT_OPEN, None
        release = o["locked"] if o["side"] == BUY else amount_for(o["left"], TARIFFS.retail)
        o["locked"] -= release
        self.free[who] += release
        o["left"] = 0
        o["status"] = "cancelled"
        return "", None

    def withdraw(self, who: str, amount: int) -> tuple[str, None]:
        if amount > self.free[who]:
            return R_NO_FUNDS, None
        self.free[who] -= amount
        return "", None

    def deposit(self, who: str, amount: int) -> tuple[str, None]:
        self.free[who] += amount
        return "", None

    # -- clearing, settlement, ratings -------------------------------------------------------

    def clear(self, slot: int, mechanism: str):
        book = [Order(i, o["owner"], o["side"], o["left"], o["price"], slot, o["min"])
                for i, o in sorted(self.orders.items())
                if o["slot"] == slot and o["status"] == "open" and o["left"] > 0]
        scores = {address: self.score(address) for address in self.free}
        options = {"k_numerator": K[0], "k_denominator": K[1]} if mechanism == UNIFORM_PRICE \
            else {}
        clearing = clear(mechanism, book, TARIFFS, reputation=scores, **options)
        money = after_clearing(book, {o.id: self.orders[o.id]["locked"] for o in book},
                               clearing, TARIFFS)
        for refund in money.refunds:         # the rest of a buy escrow now sits in trades
            self.free[refund.owner] += refund.amount
            self.orders[refund.order_id]["locked"] = 0
        for release in money.releases:
            self.free[release.owner] += release.amount
            self.orders[release.order_id]["locked"] -= release.amount
        self.free[self.street.market.community_fund] += money.surplus
        for trade in market_trades(clearing, len(self.trades) + 1):
            self.trades[trade.id] = trade
        self.slot_state[slot] = 1
        return clearing

    def slot_trades(self, slot: int) -> list[Trade]:
        return [t for _, t in sorted(self.trades.items()) if t.slot == slot]

    def settle(self, slot: int):
        trades = self.slot_trades(slot)
        exports = {who: wh for (who, s), wh in self.exports.items() if s == slot}
        bonds = {i: (o["owner"], o["locked"]) for i, o in sorted(self.orders.items())
                 if o["slot"] == slot and o["side"] == SELL}
        settled = settle_slot(trades, exports, bonds, TARIFFS,
                              utility=self.street.market.utility)
        for account, amount in settled.credits:
            self.free[account] += amount
        for order in bonds:
            self.orders[order]["locked"] = 0
        for delivery in settled.deliveries:
            seller = self.records.get(delivery.seller, Record())
            self.records[delivery.seller] = with_delivery(seller, delivery.delivered_wh,
                                                          delivery.quantity_wh)
            self.settled[delivery.trade_id] = self.trades[delivery.trade_id].settled(
                delivery.delivered_wh)
        self.slot_state[slot] = 2
        return settled

    def rate(self, who: str, trade: int, stars: int) -> tuple[str, None]:
        settled = self.settled.get(trade)
        try:
            target = rating_target(settled, who, stars,
                                   (trade, "buyer") in self.rated, (trade, "seller") in self.rated)
        except RatingRejected as refused:
            return str(refused), None
        self.rated.add((trade, "buyer" if who == settled.buyer else "seller"))
        self.records[target] = with_rating(self.records.get(target, Record()), stars)
        return "", None

    def in_trades(self) -> int:
        """What unsettled trades hold: the seller's amount once cleared (McAfee's surplus
        has gone to the fund), the buyer's amount before (direct takes: the same)."""
        return sum(t.seller_amount for t in self.trades.values()
                   if self.slot_state.get(t.slot, 0) != 2)


# --- the plan of one slot, drawn by hypothesis ----------------------------------------------

PEOPLE = st.integers(0, len(NAMES) - 1)
ANY_POST = st.tuples(st.just("post"), PEOPLE, st.sampled_from([BUY, SELL]),
                     st.sampled_from([1, 100, 333, 1_000, 1_250, 2_500]), st.integers(8, 30),
                     st.sampled_from([0, 0, 0, 0, 2_700, 3_000, 3_200]))
CHEAP_SELL = st.tuples(st.just("post"), PEOPLE, st.just(SELL),
                       st.sampled_from([500, 1_000, 1_500]), st.integers(8, 22),
                       st.sampled_from([0, 0, 3_000]))
DEAR_BUY = st.tuples(st.just("post"), PEOPLE, st.just(BUY),
                     st.sampled_from([500, 1_000, 1_500]), st.integers(14, 30),
                     st.sampled_from([0, 0, 3_000]))
OTHER = {
    "take": st.tuples(st.just("take"), PEOPLE, st.integers(0, 30), st.integers(1, 120)),
    "take_bid": st.tuples(st.just("take_bid"), PEOPLE, st.integers(0, 30), st.integers(1, 120)),
    "rotate": st.tuples(st.just("rotate"), PEOPLE),
    "stale": st.tuples(st.just("stale"), PEOPLE,
                       st.sampled_from(["deposit", "withdraw", "post", "take", "take_bid",
                                        "cancel"])),
    "cancel": st.tuples(st.just("cancel"), PEOPLE, st.integers(0, 30), st.booleans()),
    "withdraw": st.tuples(st.just("withdraw"), PEOPLE, st.sampled_from([1, 500, 10 ** 6])),
    "deposit": st.tuples(st.just("deposit"), PEOPLE, st.sampled_from([1, 700])),
}
KINDS = {"any": ANY_POST, "sell": CHEAP_SELL, "buy": DEAR_BUY, **OTHER}
# how often each kind of action comes up: mostly orders, so that books cross
ACTION = st.sampled_from(["sell"] * 4 + ["buy"] * 4 + ["any"] * 2 + ["take"] * 2
                         + ["take_bid"] * 2 + ["cancel", "withdraw", "deposit", "stale"]
                         + ["rotate"]).flatmap(KINDS.__getitem__)
PLAN = st.fixed_dictionaries({
    "actions": st.lists(ACTION, min_size=8, max_size=30),
    "readings": st.lists(st.one_of(st.none(), st.integers(0, 4_000)),
                         min_size=len(NAMES), max_size=len(NAMES)),
    "ratings": st.lists(st.tuples(PEOPLE, st.integers(0, 40), st.integers(0, 6)),
                        min_size=1, max_size=8),
})


@dataclass
class Run:
    """One mechanism's street, its model, and what stays the same for the whole module."""

    street: Street
    model: Model
    supply: int
    mechanism: str
    replaced: dict[int, Wallet] = field(default_factory=dict)   # person -> its last old key
    rotations: int = 0


@pytest.fixture(scope="module")
def runs():
    made: dict[str, Run] = {}

    def get(mechanism: str) -> Run:
        if mechanism not in made:
            k = K if mechanism == UNIFORM_PRICE else (1, 2)
            street = sunny_street(NAMES, mechanism=mechanism, tariffs=TARIFFS,
                                  k_numerator=k[0], k_denominator=k[1], deposit=DEPOSIT, nodes=False)
            made[mechanism] = Run(street, Model(street), street.chain.state.total_supply(),
                                  mechanism)
        return made[mechanism]
    return get


def check_receipts(receipts, expected) -> None:
    """Each receipt's success and reason (and output) as the model predicted."""
    assert len(receipts) == len(expected)
    for receipt, (reason, output) in zip(receipts, expected):
        said = receipt.error.describe() if receipt.error else ""
        assert said == (f"Revert: {reason}" if reason else ""), (reason, said)
        if output is not None:
            assert receipt.output == (output,)


def check_state(run: Run) -> None:
    """Free deposits, escrow and bonds, trades, conservation and the chain's supply."""
    market, model = run.street.market, run.model
    for account, free in model.free.items():
        assert market.free(account) == free, account
    for view in market.orders():
        o = model.orders[view.id]
        assert (view.owner, view.side, view.left_wh, view.locked) == (
            o["owner"], o["side"], o["left"], o["locked"]), view.id
    held = market.held(model.free)
    assert held["total"] == held["contract"]
    assert held["contract"] == (sum(model.free.values())
                                + sum(o["locked"] for o in model.orders.values())
                                + model.in_trades())
    assert run.street.chain.state.total_supply() == run.supply


def play_slot(run: Run, plan: dict) -> None:
    street, market, model = run.street, run.street.market, run.model
    who = [street.households[name] for name in NAMES]          # the keys that sign now
    accounts = [street.address(name) for name in NAMES]         # the households, for good
    slot = market.slot_at(market.now + 10) + 2
    # 1. actions, all in one block before gate closure
    transactions, expected = [], []
    slot_orders: list[int] = []

    def pick(n: int) -> int:
        return slot_orders[n % len(slot_orders)] if slot_orders else 10 ** 6

    for action in plan["actions"]:
        kind, p = action[0], action[1]
        person, account = who[p], accounts[p]
        if kind == "post":
            _, _, side, quantity, price, minimum = action
            transactions.append(market.post_tx(person, side, quantity, price, slot, minimum))
            outcome = model.post(account, side, quantity, price, slot, minimum)
            if outcome[1] is not None:
                slot_orders.append(outcome[1])
        elif kind in ("take", "take_bid"):
            _, _, n, percent = action
            order = pick(n)
            left = model.orders[order]["left"] if order in model.orders else 1
            quantity = max(1, left * percent // 100)
            if kind == "take":
                transactions.append(market.take_tx(person, order, quantity))
                outcome = model.take(account, order, quantity)
            else:
                transactions.append(market.take_bid_tx(person, order, quantity))
                outcome = model.take_bid(account, order, quantity)
                if outcome[1] is not None:
                    slot_orders.append(len(model.orders))       # the seller's filled order
        elif kind == "cancel":
            _, _, n, by_owner = action
            order = pick(n)
            if by_owner and order in model.orders:
                p = accounts.index(model.orders[order]["owner"])
                person, account = who[p], accounts[p]
            transactions.append(market.cancel_tx(person, order))
            outcome = model.cancel(account, order)
        elif kind == "withdraw":
            transactions.append(market.call_tx(market.contracts.market, person, "withdraw",
                                               action[2]))
            outcome = model.withdraw(account, action[2])
        elif kind == "deposit":
            transactions.append(market.deposit_tx(person, action[2]))
            outcome = model.deposit(account, action[2])
        elif kind == "rotate":
            # the new key applies to sign for the household and an authority attests; it
            # gets tokens of its own to deposit from (a plain transfer, outside the market)
            run.rotations += 1
            key = Wallet.from_seed(f"{NAMES[p]}-key-{run.rotations}")
            authority = street.authorities[p % 3]
            transactions += [market.transfer_tx(authority, key.address, 100_000),
                             market.apply_key_tx(key, account),
                             market.attest_key_tx(authority, key.address)]
            expected += [("", None), ("", None)]
            outcome = ("", None)
            run.replaced[p], who[p] = person, key
            street.households[NAMES[p]] = key
        else:                                       # an old key tries once more
            old = run.replaced.get(p)
            if old is None:
                continue
            stale = {"deposit": lambda: market.deposit_tx(old, 700),
                     "withdraw": lambda: market.call_tx(market.contracts.market, old,
                                                        "withdraw", 1),
                     "post": lambda: market.post_tx(old, SELL, 100, 20, slot),
                     "take": lambda: market.take_tx(old, pick(p), 1),
                     "take_bid": lambda: market.take_bid_tx(old, pick(p), 1),
                     "cancel": lambda: market.cancel_tx(old, pick(p))}[action[2]]
            transactions.append(stale())
            outcome = (R_KEY_REPLACED, None)
        expected.append(outcome)
    receipts = market.seal(transactions)
    check_receipts(receipts, expected)
    check_state(run)
    # 2. clearing at gate closure
    clearing = model.clear(slot, run.mechanism)
    receipt, = market.seal([market.clear_tx(who[0], slot)], at=market.gate_closure(slot))
    assert receipt.success, receipt.error
    assert market.trades(slot) == model.slot_trades(slot)
    assert market.clearing_price(slot) == (clearing.price or 0)
    check_state(run)
    for trade in market.trades(slot):
        sell = model.orders[trade.sell_order]
        assert sell["price"] <= trade.seller_price <= trade.price
        limit = model.orders[trade.buy_order]["price"] if trade.buy_order else sell["price"]
        assert trade.price <= limit
    # 3. meter readings (None: that meter does not report)
    readings = [market.reading_tx(street.meters[name], slot, wh, 0)
                for name, wh in zip(NAMES, plan["readings"]) if wh is not None]
    for name, wh in zip(NAMES, plan["readings"]):
        if wh is not None:
            model.exports[(street.address(name), slot)] = wh
    if readings:
        assert all(r.success for r in market.seal(readings, at=market.slot_end(slot)))
    # 4. settlement after the reading window
    settled = model.settle(slot)
    receipt, = market.seal([market.settle_tx(who[1], slot)], at=market.window_end(slot))
    assert receipt.success, receipt.error
    events = [e.as_dict() for e in market.events([receipt], name="Settled")]
    assert [(e["trade"], e["seller"], e["buyer"], e["delivered_wh"], e["shortfall_wh"],
             e["paid"], e["penalty"]) for e in events] == [
        (d.trade_id, d.seller, d.buyer, d.delivered_wh, d.shortfall_wh, d.paid, d.penalty)
        for d in settled.deliveries]
    check_state(run)
    # 5. ratings of recent trades, by a party or not
    transactions, expected = [], []
    recent = sorted(model.trades)[-12:]
    for p, n, stars in plan["ratings"]:
        trade = recent[n % len(recent)] if recent else 1
        t = model.trades.get(trade)
        if t is not None and n % 3:                       # mostly a party of the trade
            p = accounts.index(t.buyer if n % 2 else t.seller)
        transactions.append(market.rate_tx(who[p], trade, stars))
        expected.append(model.rate(accounts[p], trade, stars))
    if transactions:
        check_receipts(market.seal(transactions), expected)
    for address in accounts:
        record = model.records.get(address, Record())
        assert market.score(address) == score(record)
        assert market.reliability(address) == reliability(record)


# derandomize: the same examples on every run, so the coverage check below is stable
DIFFERENTIAL = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                        suppress_health_check=[HealthCheck.too_slow])


@DIFFERENTIAL
@given(PLAN)
def test_uniform_price_on_chain_equals_the_native_reference(runs, plan):
    play_slot(runs(UNIFORM_PRICE), plan)


@DIFFERENTIAL
@given(PLAN)
def test_pay_as_bid_on_chain_equals_the_native_reference(runs, plan):
    play_slot(runs(PAY_AS_BID), plan)


@DIFFERENTIAL
@given(PLAN)
def test_mcafee_on_chain_equals_the_native_reference(runs, plan):
    play_slot(runs(MCAFEE), plan)


def test_the_runs_exercised_what_they_claim(runs):
    """The random slots reached the interesting cases (needs the three tests above first)."""
    seen = {"trades": 0, "takes": 0, "bid takes": 0, "conditioned": 0, "shortfalls": 0,
            "ratings": 0, "surplus": 0, "refusals": 0, "rotations": 0, "old keys refused": 0}
    for mechanism in (UNIFORM_PRICE, PAY_AS_BID, MCAFEE):
        run = runs(mechanism)
        if not run.model.orders:
            pytest.skip(f"run the {mechanism} differential test first (same module)")
        events = run.street.market.events()
        seen["trades"] += sum(1 for e in events if e.name == "Trade")
        seen["takes"] += sum(1 for e in events if e.name == "Taken")
        seen["bid takes"] += sum(1 for o in run.model.orders.values() if o["status"] == "filled")
        seen["rotations"] += sum(1 for e in events if e.name == "KeyRotated")
        seen["old keys refused"] += sum(1 for r in run.street.market.receipts
                                        if r.error is not None
                                        and r.error.describe() == f"Revert: {R_KEY_REPLACED}")
        seen["conditioned"] += sum(1 for o in run.model.orders.values() if o["min"] > 0)
        seen["shortfalls"] += sum(1 for e in events
                                  if e.name == "Settled" and e["shortfall_wh"] > 0)
        seen["ratings"] += sum(1 for e in events if e.name == "Rated")
        seen["surplus"] += sum(e["surplus"] for e in events if e.name == "Cleared")
        seen["refusals"] += sum(1 for r in run.street.market.receipts if not r.success)
    assert all(count > 0 for count in seen.values()), str(seen)

