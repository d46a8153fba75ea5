"""Solutions to the chapter 02 exercises (try them yourself first!)."""

from minichain.errors import InsufficientFunds, InvalidTransaction, NonceGap, ReplayedNonce
from minichain.execution import apply_transaction


def check_nonce(expected, got):
    """Accept only the sender's next nonce; say what was wrong and what was expected."""
    if got < expected:
        raise ReplayedNonce(f"nonce {got} was already used; the next nonce is {expected}")
    if got > expected:
        raise NonceGap(f"nonce {got} skips ahead; the next nonce is {expected}")


def can_afford(balance, tx):
    """The sender must cover the value and the maximum fee (gas limit × gas price)."""
    return balance >= tx.value + tx.gas * tx.gas_price


def apply_transfer(balances, nonces, tx):
    """New balances and nonces after ``tx``; raise and change nothing if it is invalid."""
    check_nonce(nonces.get(tx.sender, 0), tx.nonce)
    if balances.get(tx.sender, 0) < tx.value:
        raise InsufficientFunds(f"{tx.sender} has {balances.get(tx.sender, 0)}, "
                                f"needs {tx.value}")
    new_balances, new_nonces = dict(balances), dict(nonces)
    new_balances[tx.sender] = new_balances.get(tx.sender, 0) - tx.value
    new_balances[tx.to] = new_balances.get(tx.to, 0) + tx.value
    new_nonces[tx.sender] = nonces.get(tx.sender, 0) + 1
    return new_balances, new_nonces


def find_invalid(state, transactions, context):
    """The index of the first transaction the chain would reject, or None."""
    work = state.copy()
    for index, stx in enumerate(transactions):
        try:
            apply_transaction(work, stx, context)
        except InvalidTransaction:
            return index
    return None


def fee_paid(tx):
    """What the sealer receives for a plain transfer: the gas it uses times the gas price."""
    gas_used = 21_000 + 16 * len(tx.data)       # TX_BASE_GAS + DATA_BYTE_GAS per byte
    return gas_used * tx.gas_price
