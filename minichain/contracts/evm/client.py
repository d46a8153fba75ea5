"""The Vyper market on py-evm, from Python: compile, deploy, trade, clear, settle, measure (chapter 14).

Importing this module imports the real EVM toolchain: the Vyper compiler and titanoboa,
which runs py-evm, the Python implementation of the Ethereum Virtual Machine. They are the
optional ``evm`` extra; without them the import raises ``EVMUnavailable`` and says how to
install them. minichain itself never imports this module.

``EVMMarket`` mirrors ``MarketClient`` (``minichain/contracts/client.py``)::

    market = EVMMarket.deploy(authorities=[operator], tariffs=tariffs, mechanism=UNIFORM_PRICE)
    market.register(alice, alice_meter, by=operator)
    market.fund(alice, 10 ** 18)                          # coins from the genesis, say
    market.deposit(alice, 5_000)
    offer = market.post(alice, SELL, 2_000, price=12, slot=8)
    market.clear(8, by=bob, at=market.gate_closure(8))
    market.report(alice_meter, 8, export_wh=1_800, at=market.slot_end(8))
    market.settle(8, by=bob, at=market.window_end(8))

Accounts are Ethereum addresses, ``"0x"`` and 40 hex digits
(``minichain.realworld.addresses.ethereum_address(wallet.public_key)`` gives a wallet's).
titanoboa runs a call as if its sender had signed it, so no keys are needed here. Each
market has its own EVM (its own accounts, balances and clock); ``at=`` moves the clock
forward before a call. A refused call raises ``Revert`` with the contract's reason and
changes nothing; a call that runs out of gas raises ``OutOfGas``.

Gas: every call is measured as the transaction that would carry it
(``transaction_gas``), so the figures compare with minichain's receipts, which also count
the 21,000 every transaction pays. Each call starts as a new transaction in a block does
(storage cold, original values fixed for refunds); the tests check that the figure equals
the receipt of the same call sent as a signed transaction through py-evm. ``last_cost``
and ``costs`` keep what each call cost: that gas and the wall time py-evm took.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Any, Sequence

from minichain.errors import (EVMUnavailable, InsufficientFunds, InvalidAuctionParameter,
                              MarketError, OutOfGas, Revert)
from minichain.contracts.evm import INSTALL_HINT, SOURCE

try:
    import boa
    from eth.exceptions import OutOfGas as PyEVMOutOfGas
except ImportError as missing:
    raise EVMUnavailable(f"the EVM toolchain is not installed ({missing.name} is missing): "
                         f"{INSTALL_HINT}") from None

from minichain.chain import BLOCK_GAS_LIMIT, GENESIS_TIME
from minichain.contracts import client as minichain_client
from minichain.contracts.client import (COMMUNITY_FUND_WALLET, MECHANISM_CODES, SIDE_CODES,
                                        SLOT_CLEARED, UTILITY_WALLET)
from minichain.market.auction import UNIFORM_PRICE
from minichain.market.orders import Tariffs
from minichain.market.trades import Trade
from minichain.market.units import amount_for
from minichain.realworld.addresses import ethereum_address
from minichain.vm.abi import DecodedEvent
from minichain.wallet import Wallet

ERROR_SELECTOR = bytes.fromhex("08c379a0")    # Error(string): how Vyper's assert says why
TRANSACTION_GAS = 21_000     # what every Ethereum transaction pays before its calldata
STANDARD_TOKEN_GAS = 4       # per calldata token; a zero byte is 1 token, another byte 4
FLOOR_TOKEN_GAS = 10         # EIP-7623 (Prague): a transaction pays at least this per token
MAX_REFUND_QUOTIENT = 5      # EIP-3529: a refund returns at most a fifth of the gas used


def transaction_gas(calldata: bytes, execution_gas: int, refund: int) -> int:
    """The gas a Prague transaction carrying this call pays: 21,000 + 4 per calldata token
    + what the code used, less its refund (at most a fifth), and never less than the
    calldata floor of 21,000 + 10 per token (EIP-7623)."""
    tokens = sum(1 if byte == 0 else 4 for byte in calldata)
    used = TRANSACTION_GAS + STANDARD_TOKEN_GAS * tokens + execution_gas
    used -= min(refund, used // MAX_REFUND_QUOTIENT)
    return max(used, TRANSACTION_GAS + FLOOR_TOKEN_GAS * tokens)


@functools.lru_cache(maxsize=None)
def compiled():
    """The market compiled by the real Vyper compiler, ready to deploy (once per process)."""
    return boa.load_partial(str(SOURCE))


def _address(value: Any) -> str:
    """An address as minichain writes one: '0x' and 40 lowercase hex digits."""
    return str(value).lower()


def _plain(value: Any) -> Any:
    """An event field as plain Python: addresses lowercase, numbers as ints."""
    if isinstance(value, bool) or isinstance(value, int):
        return value
    return _address(value)


@dataclass(frozen=True)
class CallCost:
    """What one call cost on the EVM."""

    function: str
    gas: int              # what its transaction pays (transaction_gas)
    execution_gas: int    # what the EVM used running the contract's code
    seconds: float        # wall time py-evm took


class EVMMarket:
    """Talks to one deployed Vyper market on its own py-evm chain."""

    def __init__(self, contract: Any, tariffs: Tariffs, mechanism: str,
                 genesis_time: int) -> None:
        self.contract = contract
        self.env = contract.env
        self.tariffs = tariffs
        self.mechanism = mechanism
        self.genesis_time = genesis_time
        self.address = _address(contract.address)
        self.costs: list[CallCost] = []
        self.last_cost: CallCost | None = None
        self.last_events: list[DecodedEvent] = []

    # -- deploying ------------------------------------------------------------------------

    @classmethod
    def deploy(cls, authorities: Sequence[str], tariffs: Tariffs,
               mechanism: str = UNIFORM_PRICE, k_numerator: int = 1,
               k_denominator: int = 2, genesis_time: int = GENESIS_TIME,
               utility: str | None = None, community_fund: str | None = None,
               block_gas_limit: int = BLOCK_GAS_LIMIT, at: int | None = None) -> "EVMMarket":
        """Deploy the market on a fresh EVM; the first authority deploys it."""
        if mechanism not in MECHANISM_CODES:
            raise MarketError(f"unknown mechanism {mechanism!r}; choose from "
                              f"{sorted(MECHANISM_CODES)}")
        if not 1 <= len(authorities) <= 3:
            raise MarketError(f"the market takes 1 to 3 authorities, got {len(authorities)}")
        if not 0 <= k_numerator <= k_denominator or k_denominator <= 0:
            raise InvalidAuctionParameter(f"k = {k_numerator}/{k_denominator} must be a "
                                          "fraction in [0, 1] with a positive denominator")
        utility = utility or ethereum_address(Wallet.from_seed(UTILITY_WALLET).public_key)
        community_fund = community_fund or ethereum_address(
            Wallet.from_seed(COMMUNITY_FUND_WALLET).public_key)
        env = boa.Env()
        env.evm.patch.gas_limit = block_gas_limit
        env.timestamp = genesis_time if at is None else at
        with env.prank(authorities[0]):
            try:
                contract = compiled().deploy(list(authorities), MECHANISM_CODES[mechanism],
                                             k_numerator, k_denominator, tariffs.feed_in,
                                             tariffs.retail, genesis_time, utility,
                                             community_fund, env=env)
            except boa.BoaError:
                raise MarketError("deploying the market failed: check the authorities and "
                                  "tariffs") from None
        return cls(contract, tariffs, mechanism, genesis_time)

    # -- time -------------------------------------------------------------------------------

    @property
    def now(self) -> int:
        """The EVM's clock: the timestamp the next call sees."""
        return self.env.timestamp

    def gate_closure(self, slot: int) -> int:
        return minichain_client.gate_closure(slot, self.genesis_time)

    def slot_end(self, slot: int) -> int:
        return minichain_client.slot_end(slot, self.genesis_time)

    def window_end(self, slot: int) -> int:
        return minichain_client.window_end(slot, self.genesis_time)

    def _clock(self, at: int | None) -> None:
        if at is None:
            return
        if at < self.now:
            raise MarketError(f"time only moves forward: the EVM is at {self.now}, "
                              f"asked for {at}")
        self.env.timestamp = at

    # -- calls --------------------------------------------------------------------------------

    def _send(self, function: str, *args: Any, sender: str, value: int = 0,
              at: int | None = None, gas: int | None = None) -> Any:
        """Run one call as its own transaction; measure it; raise if the contract refused."""
        self._clock(at)
        if value > self.balance(sender):
            raise InsufficientFunds(f"{sender} holds {self.balance(sender):,} wei and cannot "
                                    f"send {value:,}: fund it first")
        # a transaction starts as a block's next one does: what is stored so far counts as
        # each slot's original value (EIP-2200 refunds) and every slot is cold (EIP-2929)
        self.env.evm.vm.state.lock_changes()
        method = getattr(self.contract, function)
        extra = {} if gas is None else {"gas": gas}
        start = time.perf_counter()
        try:
            result = method(*args, sender=sender, value=value, **extra)
        except boa.BoaError:
            computation = self.contract._computation
            self._measure(function, computation, time.perf_counter() - start)
            self.last_events = []
            if isinstance(computation.error, PyEVMOutOfGas):
                raise OutOfGas(f"{function} needed more gas than the "
                               f"{computation.msg.gas:,} it was given") from None
            raise Revert(_reason(computation.output)) from None
        computation = self.contract._computation
        self._measure(function, computation, time.perf_counter() - start)
        self.last_events = [self._event(log) for log in self.contract.get_logs()]
        return result

    def _measure(self, function: str, computation: Any, seconds: float) -> None:
        gas = transaction_gas(computation.msg.data, computation.get_gas_used(),
                              computation.get_gas_refund())
        self.last_cost = CallCost(function, gas, computation.get_gas_used(), seconds)
        self.costs.append(self.last_cost)

    def _event(self, log: Any) -> DecodedEvent:
        fields = log._asdict()
        fields.pop("address", None)
        return DecodedEvent(type(log).__name__,
                            tuple((name, _plain(value)) for name, value in fields.items()),
                            self.address)

    def fund(self, account: str, wei: int) -> None:
        """Give ``account`` ``wei`` more of the chain's coin (as a genesis allocation would)."""
        self.env.set_balance(account, self.env.get_balance(account) + wei)

    def balance(self, account: str) -> int:
        """An account's coin balance on this EVM (the contract's own: ``balance(market.address)``)."""
        return self.env.get_balance(account)

    def register(self, household: str, meter: str, by: str, at: int | None = None) -> None:
        """An authority registers a household and binds its meter's key."""
        self._send("register", household, meter, sender=by, at=at)

    def deposit(self, household: str, amount: int, at: int | None = None) -> None:
        """Move ``amount`` of the household's coins into its free deposit at the market."""
        self._send("deposit", sender=household, value=amount, at=at)

    def withdraw(self, household: str, amount: int, at: int | None = None) -> None:
        """Take ``amount`` of the free deposit back."""
        self._send("withdraw", amount, sender=household, at=at)

    def post(self, owner: str, side: str, quantity_wh: int, price: int, slot: int,
             at: int | None = None) -> int:
        """Post a buy or sell order for ``slot``; return its id."""
        if side not in SIDE_CODES:
            raise MarketError(f"side must be 'buy' or 'sell', got {side!r}")
        return self._send("post", SIDE_CODES[side], quantity_wh, price, slot, sender=owner,
                          at=at)

    def cancel(self, owner: str, order_id: int, at: int | None = None) -> None:
        """Withdraw an open order before gate closure; its escrow or bond is freed."""
        self._send("cancel", order_id, sender=owner, at=at)

    def clear(self, slot: int, by: str, at: int | None = None, gas: int | None = None) -> None:
        """Clear ``slot``'s book with the market's mechanism (at or after gate closure)."""
        self._send("clear", slot, sender=by, at=at, gas=gas)

    def report(self, meter: str, slot: int, export_wh: int, at: int | None = None) -> None:
        """A meter reports its household's export for ``slot`` (within the reading window)."""
        self._send("report", slot, export_wh, sender=meter, at=at)

    def settle(self, slot: int, by: str, at: int | None = None, gas: int | None = None) -> None:
        """Settle ``slot`` against its readings (after the reading window)."""
        self._send("settle", slot, sender=by, at=at, gas=gas)

    # -- reading state back (free: no transaction) -------------------------------------------

    def free(self, account: str) -> int:
        """Coins ``account`` has free at the market."""
        return self.contract.free(account)

    def locked(self, order_id: int) -> int:
        """The escrow or bond an order holds now."""
        return self.contract.orders(order_id).locked

    def trades(self, slot: int) -> list[Trade]:
        """A slot's trades in trade order, as the native settlement code records them."""
        trades = []
        for trade_id in self.contract.trades_of(slot):
            t = self.contract.trades(trade_id)
            trades.append(Trade(buyer=_address(self.contract.orders(t.buy_order).owner),
                                seller=_address(self.contract.orders(t.sell_order).owner),
                                quantity_wh=t.quantity_wh, price=t.price,
                                seller_price=t.seller_price, buy_order=t.buy_order,
                                sell_order=t.sell_order, slot=slot, id=trade_id))
        return trades

    def clearing_price(self, slot: int) -> int:
        """The slot's one price (uniform price, McAfee's p0), 0 if there is none."""
        return self.contract.slot_price(slot)

    def held(self, accounts: Sequence[str]) -> dict[str, int]:
        """Where the market's coins are: free deposits of ``accounts``, what orders lock and
        what cleared, unsettled trades hold. ``total`` equals ``contract`` (the market's
        balance) when ``accounts`` lists every depositor and the fund and utility."""
        free = sum(self.free(account) for account in sorted(set(accounts)))
        locked = sum(self.locked(order) for order in range(1, self.contract.order_count() + 1))
        in_trades = 0
        for trade_id in range(1, self.contract.trade_count() + 1):
            t = self.contract.trades(trade_id)
            if self.contract.slot_state(self.contract.orders(t.sell_order).slot) == SLOT_CLEARED:
                in_trades += amount_for(t.quantity_wh, t.seller_price)
        return {"free": free, "locked": locked, "in_trades": in_trades,
                "total": free + locked + in_trades, "contract": self.balance(self.address)}


def _reason(output: bytes) -> str:
    """The reason a Vyper ``assert`` gave, from the call's return data (ABI Error(string))."""
    if output and output[:4] == ERROR_SELECTOR and len(output) >= 68:
        length = int.from_bytes(output[36:68], "big")
        return output[68:68 + length].decode("utf-8", errors="replace")
    return "the EVM reverted without a reason (an arithmetic or bounds check failed)"
