"""The Vyper market on py-evm, one story at a time: clearing, settlement, refusals, gas (chapter 14).

Each test deploys the market, compiled by the real Vyper compiler, on a fresh py-evm chain
through titanoboa, with tariffs it chooses itself, and checks exact results. Refusals give
minichain's own reasons (the ``R_...`` constants of ``contracts.client``) and change
nothing (the state root is the same). The gas ``EVMMarket`` reports for a call is checked
against the receipt of the same call sent as a signed transaction through py-evm.

Skipped only when the optional ``evm`` extra (vyper, titanoboa) is not installed.
"""

from __future__ import annotations

import functools

import pytest

pytest.importorskip("vyper", reason="the evm extra is not installed: pip install -e '.[evm]'")
pytest.importorskip("boa", reason="the evm extra is not installed: pip install -e '.[evm]'")

from minichain.chain import GENESIS_TIME  # noqa: E402
from minichain.contracts import client as mc  # noqa: E402
from minichain.contracts.evm import source, toolchain_missing  # noqa: E402
from minichain.contracts.evm.client import EVMMarket, compiled, transaction_gas  # noqa: E402
from minichain.errors import (InsufficientFunds, InvalidAuctionParameter, MarketError,  # noqa: E402
                              OutOfGas, Revert)
from minichain.market.auction import MCAFEE, PAY_AS_BID, UNIFORM_PRICE  # noqa: E402
from minichain.market.orders import BUY, SELL, Tariffs  # noqa: E402
from minichain.market.trades import Trade  # noqa: E402
from minichain.realworld.addresses import ethereum_address  # noqa: E402
from minichain.wallet import Wallet  # noqa: E402

TARIFFS = Tariffs(feed_in=80_000, retail=320_000)     # chosen here, passed to every deploy
DEPOSIT = 10_000_000
SLOT = 8


@functools.lru_cache(maxsize=None)
def eth(name: str) -> str:
    return ethereum_address(Wallet.from_seed(name).public_key)


OPERATOR = eth("grid-operator")


def street(names=("alice", "bob", "carol"), mechanism=UNIFORM_PRICE, k=(1, 2)) -> EVMMarket:
    """A market with these households registered, funded and holding DEPOSIT each."""
    market = EVMMarket.deploy([OPERATOR, eth("municipality")], mechanism=mechanism,
                              tariffs=TARIFFS, k_numerator=k[0], k_denominator=k[1])
    for name in names:
        market.register(eth(name), eth(f"{name}-meter"), by=OPERATOR)
        market.fund(eth(name), 10 * DEPOSIT)
        market.deposit(eth(name), DEPOSIT)
    return market


def every_account(names) -> list[str]:
    return [eth(name) for name in names] + [eth("utility"), eth("community-fund")]


def state_root(market: EVMMarket) -> bytes:
    return market.env.evm.vm.state.make_state_root()


def test_the_source_compiles_with_the_real_vyper_compiler():
    assert toolchain_missing() == []
    assert source().startswith("# pragma version ~=0.4.3")
    vyper = pytest.importorskip("vyper.compiler")
    out = vyper.compile_code(source(), output_formats=["abi", "bytecode_runtime"])
    functions = {item["name"] for item in out["abi"] if item["type"] == "function"}
    assert {"register", "deposit", "withdraw", "post", "cancel", "clear", "report",
            "settle"} <= functions
    runtime = bytes.fromhex(out["bytecode_runtime"].removeprefix("0x"))
    assert 0 < len(runtime) <= 24_576          # EIP-170: a contract's code at most 24 KiB
    assert compiled().compiler_data.bytecode_runtime == runtime     # what titanoboa deploys


def test_a_slot_from_orders_to_settlement_with_a_shortfall():
    names = ("alice", "bob", "carol")
    market = street(names)
    alice, bob, carol = (eth(name) for name in names)
    assert market.post(alice, SELL, 2_000, 140_000, SLOT) == 1
    assert market.post(bob, BUY, 1_500, 260_000, SLOT) == 2
    assert market.post(carol, BUY, 1_000, 200_000, SLOT) == 3
    # escrow locks q * p // 1000; the seller's bond locks q * retail // 1000
    assert [market.locked(order) for order in (1, 2, 3)] == [640_000, 390_000, 200_000]

    market.clear(SLOT, by=carol, at=market.gate_closure(SLOT))
    # marginal pair: carol's 200,000 and alice's 140,000; k = 1/2 -> 170,000 for everyone
    assert market.clearing_price(SLOT) == 170_000
    assert market.trades(SLOT) == [
        Trade(bob, alice, 1_500, 170_000, 170_000, buy_order=2, sell_order=1, slot=SLOT, id=1),
        Trade(carol, alice, 500, 170_000, 170_000, buy_order=3, sell_order=1, slot=SLOT, id=2)]
    released = [(e["order"], e["amount"]) for e in market.last_events if e.name == "Released"]
    assert released == [(2, 390_000 - 255_000), (3, 200_000 - 85_000)]
    assert market.held(every_account(names))["total"] == market.balance(market.address)

    market.report(eth("alice-meter"), SLOT, 1_800, at=market.slot_end(SLOT))
    market.settle(SLOT, by=bob, at=market.window_end(SLOT))
    settled = [(e["trade"], e["delivered_wh"], e["shortfall_wh"], e["paid"], e["penalty"])
               for e in market.last_events if e.name == "Settled"]
    assert settled == [(1, 1_500, 0, 255_000, 0), (2, 300, 200, 85_000, 64_000)]
    assert market.free(alice) == DEPOSIT - 640_000 + 340_000 + (640_000 - 64_000)
    assert market.free(bob) == DEPOSIT - 255_000
    assert market.free(carol) == DEPOSIT - 85_000
    assert market.free(eth("utility")) == 64_000
    held = market.held(every_account(names))
    assert held == {"free": 3 * DEPOSIT, "locked": 0, "in_trades": 0, "total": 3 * DEPOSIT,
                    "contract": 3 * DEPOSIT}


def test_mcafee_leaves_the_marginal_pair_out_and_the_fund_keeps_the_difference():
    names = ("s1", "s2", "s3", "b1", "b2", "b3")
    market = street(names, mechanism=MCAFEE)
    for name, price in (("s1", 100_000), ("s2", 150_000), ("s3", 160_000)):
        market.post(eth(name), SELL, 1_000, price, SLOT)
    for name, price in (("b1", 300_000), ("b2", 250_000), ("b3", 80_000)):
        market.post(eth(name), BUY, 1_000, price, SLOT)
    market.clear(SLOT, by=eth("s1"), at=market.gate_closure(SLOT))
    # the walk pairs (b1, s1), (b2, s2); p0 = (80,000 + 160,000) // 2 = 120,000 < 150,000:
    # b2 and s2 are left out, b1 pays b_k = 250,000 and s1 gets a_k = 150,000 per kWh
    assert market.trades(SLOT) == [
        Trade(eth("b1"), eth("s1"), 1_000, 250_000, 150_000, buy_order=4, sell_order=1, slot=SLOT, id=1)]
    assert market.clearing_price(SLOT) == 0
    assert market.free(eth("community-fund")) == 100_000


def test_pay_as_bid_pays_each_pair_its_bid():
    names = ("alice", "bob", "carol")
    market = street(names, mechanism=PAY_AS_BID)
    market.post(eth("alice"), SELL, 2_000, 100_000, SLOT)
    market.post(eth("bob"), BUY, 1_000, 300_000, SLOT)
    market.post(eth("carol"), BUY, 1_000, 200_000, SLOT)
    market.clear(SLOT, by=eth("bob"), at=market.gate_closure(SLOT))
    assert [(t.buyer, t.price, t.seller_price) for t in market.trades(SLOT)] == [
        (eth("bob"), 300_000, 300_000), (eth("carol"), 200_000, 200_000)]


def test_a_cancelled_order_frees_its_lock_and_stays_out_of_the_auction():
    market = street()
    market.post(eth("alice"), SELL, 1_000, 100_000, SLOT)
    market.post(eth("bob"), BUY, 1_000, 300_000, SLOT)
    market.cancel(eth("bob"), 2)
    assert market.free(eth("bob")) == DEPOSIT and market.locked(2) == 0
    market.clear(SLOT, by=eth("carol"), at=market.gate_closure(SLOT))
    assert market.trades(SLOT) == []
    # with no trade, the whole bond of the unsold Wh goes back at clearing
    assert market.free(eth("alice")) == DEPOSIT


def test_withdraw_sends_free_coins_back():
    market = street(("alice",))
    before = market.balance(eth("alice"))
    market.withdraw(eth("alice"), 1_234)
    assert market.balance(eth("alice")) == before + 1_234
    assert market.free(eth("alice")) == DEPOSIT - 1_234


def refusals():
    """(what to do, the reason) pairs; each runs on a fresh street with one open offer."""
    a, b, nobody = eth("alice"), eth("bob"), eth("mallory")
    gate, end = mc.gate_closure(SLOT, GENESIS_TIME), mc.slot_end(SLOT, GENESIS_TIME)
    window = mc.window_end(SLOT, GENESIS_TIME)
    return [
        (lambda m: m.post(nobody, BUY, 100, 100_000, SLOT), mc.R_NOT_REGISTERED),
        (lambda m: m.deposit(nobody, 1), mc.R_NOT_REGISTERED),
        (lambda m: m.post(b, BUY, 100, TARIFFS.retail + 1, SLOT), mc.R_OUT_OF_BAND),
        (lambda m: m.post(b, BUY, 100, TARIFFS.feed_in - 1, SLOT), mc.R_OUT_OF_BAND),
        (lambda m: m.post(b, BUY, 0, 100_000, SLOT), mc.R_BAD_QUANTITY),
        (lambda m: m.post(a, BUY, 100, 100_000, SLOT), mc.R_SELF_TRADE_BUY),
        (lambda m: m.post(b, BUY, 10 ** 9, TARIFFS.retail, SLOT), mc.R_NO_FUNDS),
        (lambda m: m.post(b, BUY, 100, 100_000, SLOT, at=gate), mc.R_GATE_CLOSED),
        (lambda m: m.cancel(b, 1), mc.R_NOT_OWNER),
        (lambda m: m.withdraw(b, DEPOSIT + 1), mc.R_NO_FUNDS),
        (lambda m: m.clear(SLOT, by=b, at=gate - 1), mc.R_GATE_OPEN),
        (lambda m: m.settle(SLOT, by=b, at=window), mc.R_NOT_CLEARED),
        (lambda m: m.report(eth("alice"), SLOT, 10, at=end), mc.R_UNREGISTERED_METER),
        (lambda m: m.report(eth("alice-meter"), SLOT, 10, at=end - 1), mc.R_SLOT_NOT_OVER),
        (lambda m: m.report(eth("alice-meter"), SLOT, 10, at=window), mc.R_WINDOW_CLOSED),
        (lambda m: m.register(nobody, eth("mallory-meter"), by=nobody),
         "only an authority registers"),
        (lambda m: m.register(nobody, eth("alice-meter"), by=OPERATOR),
         "meter already bound to a household"),
    ]


@pytest.mark.parametrize("act, reason", refusals())
def test_a_refused_call_says_why_and_changes_nothing(act, reason):
    market = street(("alice", "bob"))
    market.post(eth("alice"), SELL, 1_000, 100_000, SLOT)
    market.fund(eth("mallory"), 10)                 # coins, but no registration
    before = state_root(market)
    with pytest.raises(Revert) as refused:
        act(market)
    assert str(refused.value) == reason
    assert state_root(market) == before


@pytest.mark.parametrize("act, reason", [
    (lambda m: m.clear(SLOT, by=eth("bob")), mc.R_ALREADY_CLEARED),
    (lambda m: m.settle(SLOT, by=eth("bob"), at=m.window_end(SLOT) - 1), mc.R_WINDOW_OPEN),
    (lambda m: m.cancel(eth("alice"), 1), mc.R_GATE_CLOSED),
])
def test_after_clearing_a_slot_stays_cleared_until_its_window_closes(act, reason):
    market = street(("alice", "bob"))
    market.post(eth("alice"), SELL, 1_000, 100_000, SLOT)
    market.clear(SLOT, by=eth("bob"), at=market.gate_closure(SLOT))
    before = state_root(market)
    with pytest.raises(Revert, match=reason):
        act(market)
    assert state_root(market) == before


def test_a_meter_reports_once_and_a_slot_settles_once():
    market = street(("alice", "bob"))
    market.post(eth("alice"), SELL, 1_000, 100_000, SLOT)
    market.clear(SLOT, by=eth("bob"), at=market.gate_closure(SLOT))
    market.report(eth("alice-meter"), SLOT, 700, at=market.slot_end(SLOT))
    with pytest.raises(Revert, match=mc.R_DUPLICATE_READING):
        market.report(eth("alice-meter"), SLOT, 900)
    market.settle(SLOT, by=eth("bob"), at=market.window_end(SLOT))
    with pytest.raises(Revert, match=mc.R_ALREADY_SETTLED):
        market.settle(SLOT, by=eth("bob"))


def test_the_clock_only_moves_forward_and_k_must_be_a_fraction():
    market = street(("alice",))
    market.env.timestamp = market.gate_closure(SLOT)
    with pytest.raises(MarketError, match="time only moves forward"):
        market.post(eth("alice"), SELL, 1, 100_000, SLOT, at=market.gate_closure(SLOT) - 1)
    with pytest.raises(InvalidAuctionParameter, match="fraction in \\[0, 1\\]"):
        EVMMarket.deploy([OPERATOR], tariffs=TARIFFS, k_numerator=3, k_denominator=2)
    with pytest.raises(InsufficientFunds, match="fund it first"):
        market.deposit(eth("nobody"), 1)


def test_a_call_without_enough_gas_runs_out_and_changes_nothing():
    market = street(("alice", "bob"))
    market.post(eth("alice"), SELL, 1_000, 100_000, SLOT)
    before = state_root(market)
    with pytest.raises(OutOfGas, match="clear needed more gas than the 50,000"):
        market.clear(SLOT, by=eth("bob"), at=market.gate_closure(SLOT), gas=50_000)
    assert state_root(market) == before


def test_transaction_gas_adds_the_base_cost_and_calldata_and_caps_the_refund():
    assert transaction_gas(b"", 0, 0) == 21_000
    assert transaction_gas(b"\x00\x01", 100, 0) == 21_000 + 4 * 5 + 100
    assert transaction_gas(b"", 50_000, 50_000) == 71_000 - 71_000 // 5
    # EIP-7623: a transaction that is mostly calldata pays at least 10 per token
    assert transaction_gas(b"\x01" * 100, 0, 0) == 21_000 + 10 * 400


def test_the_reported_gas_is_what_a_signed_transaction_pays_on_py_evm():
    """Build the same market twice: send clear() as a real signed transaction to one, call
    it through EVMMarket on the other; the receipt's gas_used equals the reported gas."""
    keys = pytest.importorskip("eth_keys").keys
    sender_key = keys.PrivateKey(Wallet.from_seed("dave").key.secret.to_bytes(32, "big"))
    sender = sender_key.public_key.to_checksum_address().lower()
    markets = []
    for _ in range(2):
        market = street(("alice", "bob", "carol"))
        market.post(eth("alice"), SELL, 2_000, 140_000, SLOT)
        market.post(eth("bob"), BUY, 1_500, 260_000, SLOT)
        market.post(eth("carol"), BUY, 1_000, 200_000, SLOT)
        market.fund(sender, 10 ** 18)
        market.env.timestamp = market.gate_closure(SLOT)
        markets.append(market)
    signed, called = markets
    vm = signed.env.evm.vm
    tx = vm.create_unsigned_transaction(
        nonce=0, gas_price=2 * vm.state.execution_context.base_fee_per_gas, gas=5_000_000,
        to=bytes.fromhex(signed.address[2:]), value=0,
        data=signed.contract.clear.prepare_calldata(SLOT)).as_signed_transaction(sender_key)
    receipt, computation = vm.apply_transaction(vm.get_header(), tx)
    assert not computation.is_error
    called.clear(SLOT, by=sender)
    assert called.last_cost.gas == receipt.gas_used
    assert 500_000 < receipt.gas_used < 2_000_000
