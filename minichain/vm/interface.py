"""A contract as a wallet and a notebook see it: build transactions, read results (chapter 07).

``ContractInterface`` pairs a ``ContractABI`` with an address::

    token = compiled("token")
    deploy = deploy_tx(token, alice, 1_000, nonce=0)          # a signed transaction
    ...                                                        # seal it in a block
    credits = ContractInterface(token.abi, receipt.contract_address)
    tx = credits.call_tx(alice, "transfer", bob.address, 50, nonce=1)
    ...
    credits.output("transfer", receipt)     # True
    credits.events(receipt)                 # [Transfer(sender=0x…, receiver=0x…, amount=50)]
    credits.query(chain.state, "balance_of", bob.address)     # 50, without a transaction
    credits.read(chain.state, "balances", bob.address)        # 50, straight from storage
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Protocol

from minichain.errors import ABIError
from minichain.receipts import BlockContext, Log, Receipt
from minichain.state import State
from minichain.tx import SignedTransaction, Transaction
from minichain.vm.abi import (ArrayType, ContractABI, DecodedEvent, MapType, from_word,
                              slots_used, to_word)
from minichain.vm.compiler import CompiledContract
from minichain.vm.machine import DEFAULT_BLOCK, Result, slot_of
from minichain.vm.runtime import NOBODY, simulate_call

DEPLOY_GAS = 2_000_000
CALL_GAS = 1_000_000


class Signer(Protocol):
    """What a wallet offers: an address and a way to sign a transaction."""

    @property
    def address(self) -> str: ...

    def sign(self, tx: Transaction) -> SignedTransaction: ...


def deploy_tx(contract: CompiledContract, wallet: Signer, *args: Any, nonce: int,
              value: int = 0, gas: int = DEPLOY_GAS, chain_id: int = 1,
              gas_price: int = 0) -> SignedTransaction:
    """A signed transaction that deploys ``contract`` with constructor arguments ``args``."""
    tx = Transaction(sender=wallet.address, nonce=nonce, chain_id=chain_id, kind="deploy",
                     to="", value=value, data=contract.deploy_data(*args), gas=gas,
                     gas_price=gas_price)
    return wallet.sign(tx)


@dataclass(frozen=True)
class ContractInterface:
    """One deployed contract: its ABI and its address."""

    abi: ContractABI
    address: str = ""

    def at(self, address: str) -> "ContractInterface":
        """The same interface for a contract at another address."""
        return replace(self, address=address)

    def encode_call(self, name: str, *args: Any) -> bytes:
        """Call data for ``name(*args)``, with the argument types checked."""
        return self.abi.function(name).encode(*args)

    def call_tx(self, wallet: Signer, name: str, *args: Any, nonce: int, value: int = 0,
                gas: int = CALL_GAS, chain_id: int = 1, gas_price: int = 0) -> SignedTransaction:
        """A signed transaction that calls ``name(*args)``, sending ``value`` tokens."""
        if not self.address:
            raise ABIError("this interface has no address: use .at(address) first")
        tx = Transaction(sender=wallet.address, nonce=nonce, chain_id=chain_id, kind="call",
                         to=self.address, value=value, data=self.encode_call(name, *args),
                         gas=gas, gas_price=gas_price)
        return wallet.sign(tx)

    def output(self, name: str, outcome: Receipt | Result) -> Any:
        """The value(s) ``name`` returned, typed (None for a function without outputs)."""
        if not outcome.success:
            raise ABIError(f"the call failed, so it returned nothing: {outcome.explain()}")
        return self.abi.function(name).decode_output(outcome.output)

    def events(self, outcome: Receipt | Result | tuple[Log, ...] | list[Log]) -> list[DecodedEvent]:
        """The events this contract emitted, with named, typed fields."""
        logs = outcome if isinstance(outcome, (tuple, list)) else outcome.logs
        return self.abi.decode_logs([log for log in logs
                                     if not self.address or log.address == self.address])

    def query(self, state: State, name: str, *args: Any, caller: str = NOBODY,
              value: int = 0, block: BlockContext = DEFAULT_BLOCK) -> Any:
        """Call ``name(*args)`` without a transaction and return its typed result.

        Nothing is changed; a failing call raises its ``VMError`` (e.g. ``Revert``).
        """
        result = self.simulate(state, name, *args, caller=caller, value=value, block=block)
        if result.fault is not None:
            raise result.fault
        return self.abi.function(name).decode_output(result.output)

    def simulate(self, state: State, name: str, *args: Any, caller: str = NOBODY,
                 value: int = 0, block: BlockContext = DEFAULT_BLOCK) -> Result:
        """The full ``Result`` of a call run without a transaction (gas, logs, error)."""
        return simulate_call(state, self.address, self.encode_call(name, *args), caller,
                             value, block=block)

    def read(self, state: State, variable: str, *keys: Any) -> Any:
        """A state variable straight from storage: ``read(state, "balances", alice)``.

        Give one key per map level or array index; a whole array of plain values comes
        back as a list.
        """
        var = self.abi.variable(variable)
        kind, slot = var.kind, var.slot
        for key in keys:
            if isinstance(kind, MapType):
                slot, kind = slot_of(slot, to_word(key, kind.key)), kind.value
            elif isinstance(kind, ArrayType):
                length = (state.storage_get(self.address, slot) if isinstance(kind.element, str)
                          else kind.capacity)
                if not isinstance(key, int) or not 0 <= key < length:
                    raise ABIError(f"index {key!r} is out of range for {variable} "
                                   f"(length {length})")
                slot, kind = slot + 1 + key * slots_used(kind.element), kind.element
            else:
                raise ABIError(f"{variable} has fewer levels than the {len(keys)} key(s) given")
        if isinstance(kind, str):
            return from_word(state.storage_get(self.address, slot), kind)
        if isinstance(kind, ArrayType) and isinstance(kind.element, str):
            length = state.storage_get(self.address, slot)
            return [from_word(state.storage_get(self.address, slot + 1 + i), kind.element)
                    for i in range(length)]
        raise ABIError(f"{variable} with {len(keys)} key(s) is {kind}: give another key")
