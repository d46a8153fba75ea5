"""The state transition: apply one signed transaction to the state (chapter 02).

``apply_transaction`` checks what needs the state (chain id, signature, nonce, funds),
then runs the handler for the transaction's kind. A transaction that breaks a rule raises
a typed ``InvalidTransaction`` and leaves the state exactly as it was. A transaction that
is valid but whose contract call fails still counts: its nonce and fee stand, its other
effects are rolled back, and its receipt says why (chapter 06).

Handlers are registered per kind in ``HANDLERS``: ``transfer`` here, ``deploy`` and ``call``
from the contract machine (``vm/runtime.py``). ``BlockContext``, ``Log``, ``Outcome`` and
``Receipt`` live in ``receipts.py`` (so the machine can use them too) and are re-exported.
"""

from __future__ import annotations

from typing import Callable

from minichain.errors import (InsufficientFunds, IntrinsicGasTooLow, MalformedTransaction,
                              ReplayedNonce, NonceGap)
from minichain.receipts import BlockContext, Log, Outcome, Receipt
from minichain.state import State
from minichain.tx import SignedTransaction, check_signature
from minichain.vm.runtime import apply_call, apply_deploy

__all__ = ["BlockContext", "Log", "Outcome", "Receipt", "HANDLERS", "apply_transaction",
           "check_transaction", "check_nonce", "apply_transfer"]


Handler = Callable[[State, SignedTransaction, BlockContext], Outcome]


SUCCESS = Outcome()   # success, no gas beyond the intrinsic cost, no logs (frozen: one will do)


def apply_transfer(state: State, stx: SignedTransaction, context: BlockContext) -> Outcome:
    """Move tokens from the sender to the recipient."""
    state.transfer(stx.tx.sender, stx.tx.to, stx.tx.value)
    return SUCCESS


HANDLERS: dict[str, Handler] = {"transfer": apply_transfer, "deploy": apply_deploy,
                                "call": apply_call}


def check_nonce(expected: int, got: int, sender: str) -> None:
    """The nonce must be exactly the sender's next one."""
    if got < expected:
        raise ReplayedNonce(f"nonce {got} of {sender} was already used; "
                            f"the next nonce is {expected}")
    if got > expected:
        raise NonceGap(f"nonce {got} of {sender} skips ahead; the next nonce is {expected}")


def check_transaction(state: State, stx: SignedTransaction, chain_id: int) -> None:
    """Every rule a transaction must meet before it runs; changes nothing."""
    tx = stx.tx
    check_signature(stx, chain_id)
    check_nonce(state.nonce(tx.sender), tx.nonce, tx.sender)
    if tx.gas < tx.intrinsic_gas():
        raise IntrinsicGasTooLow(f"gas limit {tx.gas} is below this transaction's base cost "
                                 f"of {tx.intrinsic_gas()}")
    if tx.kind not in HANDLERS:
        raise MalformedTransaction(f"this chain does not run {tx.kind!r} transactions yet")
    need = tx.value + tx.max_fee()
    if state.balance(tx.sender) < need:
        raise InsufficientFunds(f"{tx.sender} has {state.balance(tx.sender)} but this "
                                f"transaction needs {need} (value {tx.value} "
                                f"+ maximum fee {tx.max_fee()})")


def apply_transaction(state: State, stx: SignedTransaction,
                      context: BlockContext) -> Receipt:
    """Check and run one transaction; raise and change nothing if it is invalid."""
    check_transaction(state, stx, context.chain_id)
    tx = stx.tx
    before = state.snapshot()
    state.sub_balance(tx.sender, tx.max_fee())
    state.increment_nonce(tx.sender)
    charged = state.snapshot()
    try:
        outcome = HANDLERS[tx.kind](state, stx, context)
    except Exception:
        state.rollback(before)
        raise
    if not outcome.success:
        state.rollback(charged)
    gas_used = min(tx.gas, tx.intrinsic_gas() + outcome.extra_gas)
    state.add_balance(tx.sender, (tx.gas - gas_used) * tx.gas_price)
    state.add_balance(context.sealer, gas_used * tx.gas_price)
    return Receipt(stx.hash, outcome.success, gas_used, outcome.logs, outcome.error,
                   outcome.output, outcome.contract_address)
