"""Contracts on chain: the ``deploy`` and ``call`` transaction handlers (chapters 06-07).

A **deploy** transaction carries the contract's bytecode and, optionally, the call data of
its constructor (``deploy_data``). The contract's address is derived from the sender and
the transaction's nonce, so anyone can work it out before the block is sealed. The code is
checked (``program.load``), stored for ``CODE_DEPOSIT_GAS`` per byte, and the constructor
runs once with the tokens the transaction carries.

A **call** transaction sends ``value`` tokens to the contract and runs its code with the
transaction's data as call data. Its gas is the transaction's gas minus the intrinsic cost
(base + data bytes) already paid. ``execution.apply_transaction`` keeps the nonce and fee
of a failed deploy or call and rolls everything else back, so a receipt with
``success=False`` means: only the fee and the nonce changed. Its ``error`` is the fault
itself (a ``Revert`` or an ``ExceptionalHalt``, or ``InvalidCode``), not a message.
"""

from __future__ import annotations

from minichain.encoding import encode, sha256
from minichain.errors import InvalidCode, OutOfGas, Revert, VMError
from minichain.receipts import BlockContext, Outcome
from minichain.state import State
from minichain.tx import SignedTransaction
from minichain.vm.abi import INIT, selector
from minichain.vm.machine import DEFAULT_BLOCK, Message, Result, data_words, execute
from minichain.vm.program import load
from minichain.vm.opcodes import CODE_DEPOSIT_GAS

CONTRACT_DOMAIN = b"minichain contract:"
CODE_LENGTH_BYTES = 4
NOBODY = "0x" + "00" * 20
QUERY_GAS = 30_000_000          # gas for a free read: as much as one block allows


def contract_address(sender: str, nonce: int) -> str:
    """Where a deploy by ``sender`` with ``nonce`` puts its contract (deterministic)."""
    digest = sha256(CONTRACT_DOMAIN + encode({"sender": sender, "nonce": nonce}))
    return "0x" + digest[-20:].hex()


def deploy_data(code: bytes, init_call: bytes = b"") -> bytes:
    """A deploy transaction's data: 4 bytes of code length, the code, the constructor call."""
    return len(code).to_bytes(CODE_LENGTH_BYTES, "big") + bytes(code) + bytes(init_call)


def split_deploy_data(data: bytes) -> tuple[bytes, bytes]:
    """The code and the constructor call data in a deploy transaction's data."""
    if len(data) < CODE_LENGTH_BYTES:
        raise InvalidCode("deploy data must start with 4 bytes giving the code's length")
    size = int.from_bytes(data[:CODE_LENGTH_BYTES], "big")
    if size == 0 or CODE_LENGTH_BYTES + size > len(data):
        raise InvalidCode(f"deploy data says the code is {size} bytes, but "
                          f"{len(data) - CODE_LENGTH_BYTES} follow (expected 1 or more)")
    return (data[CODE_LENGTH_BYTES:CODE_LENGTH_BYTES + size],
            data[CODE_LENGTH_BYTES + size:])


def _failed(error: VMError, gas: int, address: str = "") -> Outcome:
    return Outcome(success=False, extra_gas=gas, error=error, contract_address=address)


def apply_deploy(state: State, stx: SignedTransaction, context: BlockContext) -> Outcome:
    """Install a contract's code at its derived address and run its constructor."""
    tx = stx.tx
    gas = tx.gas - tx.intrinsic_gas()
    address = contract_address(tx.sender, tx.nonce)
    try:
        code, init_call = split_deploy_data(tx.data)
        deposit = CODE_DEPOSIT_GAS * len(code)
        if deposit > gas:
            return _failed(OutOfGas(f"storing {len(code)} bytes of code costs {deposit} "
                                    f"gas, {gas} left"), gas, address)
        program = load(code)
    except VMError as error:
        return _failed(error, gas, address)
    account = state.account(address)
    if account.code or account.nonce:
        return _failed(InvalidCode(f"there is already an account with code or a nonce at "
                                   f"{address}"), gas, address)
    state.set_code(address, code)
    state.transfer(tx.sender, address, tx.value)
    if not init_call:
        return Outcome(success=True, extra_gas=deposit, contract_address=address)
    result = execute(state, program, Message(tx.sender, address, tx.value, init_call,
                                             gas - deposit), context)
    return Outcome(result.success, deposit + result.gas_used, result.logs, result.fault,
                   result.output, address)


def apply_call(state: State, stx: SignedTransaction, context: BlockContext) -> Outcome:
    """Send ``value`` to a contract and run its code with the transaction's data."""
    tx = stx.tx
    gas = tx.gas - tx.intrinsic_gas()
    code = state.code(tx.to)
    if not code:
        return Outcome(success=False, error=InvalidCode(
            f"{tx.to} has no contract code (send tokens to it with a transfer)"))
    words = data_words(tx.data)
    if words and words[0] == selector(INIT):
        return Outcome(success=False, error=Revert("the constructor runs only at deploy"))
    try:
        program = load(code)
    except VMError as error:
        return _failed(error, gas)
    state.transfer(tx.sender, tx.to, tx.value)
    result = execute(state, program, Message(tx.sender, tx.to, tx.value, tx.data, gas),
                     context)
    return Outcome(result.success, result.gas_used, result.logs, result.fault, result.output)


def simulate_call(state: State, to: str, data: bytes, caller: str = NOBODY, value: int = 0,
                  gas: int = QUERY_GAS, block: BlockContext = DEFAULT_BLOCK) -> Result:
    """Run a call and undo everything it did: a free read of a contract (no transaction)."""
    snapshot = state.snapshot()
    try:
        if value:
            state.transfer(caller, to, value)
        return execute(state, state.code(to), Message(caller, to, value, data, gas), block)
    finally:
        state.rollback(snapshot)
