"""A toy street for the market's worked examples (tariffs 8 and 30 µ€/kWh, small deposits),
and ``refused``: a transaction the contracts must refuse, with state unchanged.

The market's rules do not depend on the scale of money, and numbers worked by hand read
best small: 2 kWh at 12 µ€/kWh is 24 µ€. Tests that need Sunny Street's real tariffs
(8 and 32 ct/kWh) use ``sunny_street()`` itself. The toy street is one chain sealed by the
grid operator (``nodes=False``): the rules of the contracts do not depend on the network,
and ``tests/test_platform.py`` runs the market on the three authorities' nodes.
"""

import functools

import pytest

from minichain.contracts.client import Street, sunny_street
from minichain.errors import Revert
from minichain.market.orders import Tariffs
from minichain.receipts import BlockContext
from minichain.state import State
from minichain.vm.interface import ContractInterface
from minichain.wallet import Wallet

TOY_TARIFFS = Tariffs(feed_in=8, retail=30)
TOY_BALANCE = 1_000_000
TOY_DEPOSIT = 100_000

toy_street = functools.partial(sunny_street, tariffs=TOY_TARIFFS, balance=TOY_BALANCE,
                               deposit=TOY_DEPOSIT, nodes=False)


def market_only(households, days, agents, tariffs, feeder, day, forecasts=None, **terms):
    """A day in memory from its parts (``runner.DayPlan.of``), as the stories write it.

    Without ``forecasts`` every home's forecast is its true day: these stories are about
    the market's accounting, not about forecasting (chapter 12 takes the truth away).
    """
    from minichain.day.native import NativeMarket
    from minichain.day.runner import DayPlan, run_day
    return run_day(DayPlan.of(households, days, agents, tariffs, feeder, day,
                              forecasts=days if forecasts is None else forecasts, **terms),
                   NativeMarket())


def only_fee_and_nonce(street: Street, before: State, stx, gas_used: int) -> bytes:
    """The root after a transaction that changed nothing but its fee and its nonce."""
    expected = before.copy()
    expected.sub_balance(stx.tx.sender, gas_used * stx.tx.gas_price)
    expected.add_balance(street.operator.address, gas_used * stx.tx.gas_price)
    expected.increment_nonce(stx.tx.sender)
    return expected.root()


def refused(street: Street, contract: ContractInterface, wallet: Wallet, name: str, *args,
            reason: str, at: int | None = None, value: int = 0) -> None:
    """Send ``name(*args)``: it must fail with ``reason`` and change only fee and nonce;
    as a query at the same time it must raise ``Revert(reason)`` and change nothing."""
    market = street.market
    timestamp = market.now + market.gateway.block_step if at is None else at
    block = BlockContext(street.chain.chain_id, street.chain.height + 1, timestamp,
                         street.operator.address)
    root = street.chain.state.root()
    with pytest.raises(Revert) as error:
        contract.query(street.chain.state, name, *args, caller=wallet.address, value=value,
                       block=block)
    assert str(error.value) == reason
    assert street.chain.state.root() == root
    before = street.chain.state.copy()
    stx = market.call_tx(contract, wallet, name, *args, value=value, gas=300_000)
    receipt, = market.seal([stx], at=timestamp)
    assert not receipt.success and receipt.error.describe() == f"Revert: {reason}"
    assert receipt.logs == () and 0 < receipt.gas_used < stx.tx.gas
    assert street.chain.state.root() == only_fee_and_nonce(street, before, stx,
                                                           receipt.gas_used)


def fund(street: Street, wallet: Wallet) -> None:
    """Give a key outside the street tokens for fees (one transfer from the operator)."""
    market = street.market
    market.seal([street.operator.transfer(wallet.address, 10 ** 8,
                                          nonce=market.chain.nonce(street.operator.address))])
