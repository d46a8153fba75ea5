"""A bench for attacks on one contract: the machine and a state, no chain around them (chapter 13).

``ContractLab`` holds a ``State`` in which the people of a story have µ€, deploys
contracts from ``minichain/contracts/sources`` and applies each call as a transaction of
its own, at a simulated time the story moves forward: what the contract machine does in
a block, without sealing one. The sealed-bid and rounding labs use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from minichain import cast
from minichain.contracts import compiled
from minichain.errors import MarketError
from minichain.execution import BlockContext, apply_transaction
from minichain.receipts import Receipt
from minichain.state import State
from minichain.vm.compiler import CompiledContract
from minichain.vm.interface import ContractInterface, deploy_tx
from minichain.wallet import Wallet

START = 10_000_000                   # µ€ (10 €) each person holds when a lab opens
SEALER = cast.GRID_OPERATOR


@dataclass
class ContractLab:
    """People with tokens, a state, a clock; one transaction per call."""

    people: dict[str, Wallet]
    state: State = field(default_factory=State)
    now: int = cast.GENESIS_TIME
    receipts: list[Receipt] = field(default_factory=list)

    def block(self) -> BlockContext:
        return BlockContext(chain_id=1, number=len(self.receipts) + 1, timestamp=self.now,
                            sealer=cast.wallet(SEALER).address)

    def _nonce(self, who: str) -> int:
        return self.state.nonce(self.people[who].address)

    def deploy(self, contract: CompiledContract | str, who: str,
               *args: object) -> ContractInterface:
        """``who`` deploys ``contract`` (a source name or a compiled contract)."""
        code = compiled(contract) if isinstance(contract, str) else contract
        receipt = apply_transaction(self.state, deploy_tx(code, self.people[who], *args,
                                                          nonce=self._nonce(who)), self.block())
        self.receipts.append(receipt)
        if not receipt.success:
            raise MarketError(f"deploying failed: {receipt.explain()}")
        return ContractInterface(code.abi, receipt.contract_address)

    def send(self, who: str, target: ContractInterface, name: str, *args: object,
             value: int = 0) -> Receipt:
        """``who`` calls ``name(*args)`` on ``target`` now; the receipt says how it went."""
        stx = target.call_tx(self.people[who], name, *args, value=value,
                             nonce=self._nonce(who), gas=1_000_000)
        receipt = apply_transaction(self.state, stx, self.block())
        self.receipts.append(receipt)
        return receipt

    def balance(self, who: str) -> int:
        return self.state.balance(self.people[who].address)

    def address(self, who: str) -> str:
        return self.people[who].address


def contract_lab(names: Sequence[str], start: int = START) -> ContractLab:
    """A lab in which each of ``names`` (members of the cast) holds ``start`` µ€."""
    lab = ContractLab({name: cast.wallet(name) for name in names})
    for wallet in lab.people.values():
        lab.state.add_balance(wallet.address, start)
    lab.state.commit()
    return lab


__all__ = ["ContractLab", "START", "contract_lab"]
