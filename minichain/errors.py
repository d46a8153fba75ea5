"""One exception hierarchy for everything minichain rejects (every chapter).

Every error a learner can meet is a subclass of ``MinichainError`` and its message says
what was wrong and what was expected, so a notebook can ``except MinichainError`` and a
test can name the exact class.
"""


class MinichainError(Exception):
    """Base of every error minichain raises on purpose."""


# --- encoding and crypto --------------------------------------------------------------

class EncodingError(MinichainError):
    """A value cannot be put into, or read back from, the canonical encoding."""


class CryptoError(MinichainError):
    """A key, address or signature is malformed."""


# --- transactions ---------------------------------------------------------------------

class InvalidTransaction(MinichainError):
    """A transaction breaks a rule; state is left exactly as it was."""


class MalformedTransaction(InvalidTransaction):
    """A field is missing, has the wrong type, or the whole thing is too large."""


class UnknownField(MalformedTransaction):
    """A transaction carries a field the format does not define."""


class TransactionTooLarge(MalformedTransaction):
    """The encoded transaction is over the size limit."""


class InvalidValue(InvalidTransaction):
    """An amount is negative, not an integer, or out of range."""


class BadSignature(InvalidTransaction):
    """The signature does not verify for the transaction's public key."""


class WrongSigner(InvalidTransaction):
    """The public key that signed is not the key of the claimed sender."""


class WrongChainId(InvalidTransaction):
    """The transaction was signed for another chain."""


class NonceError(InvalidTransaction):
    """The nonce is not the sender's next one."""


class ReplayedNonce(NonceError):
    """The nonce was already used: a replay or a double spend."""


class NonceGap(NonceError):
    """The nonce skips ahead: an earlier transaction is missing."""


class InsufficientFunds(InvalidTransaction):
    """The sender cannot pay the value plus the maximum fee."""


class IntrinsicGasTooLow(InvalidTransaction):
    """The gas limit does not even cover the transaction's base cost."""


# --- blocks and consensus -------------------------------------------------------------

class InvalidBlock(MinichainError):
    """A block breaks a rule; the chain is left exactly as it was."""


class WrongParent(InvalidBlock):
    """The block does not extend the block it was expected to extend."""


class UnknownParent(WrongParent):
    """The block's parent is not a block this chain knows."""


class WrongNumber(InvalidBlock):
    """The block number is not its parent's number plus one."""


class BadTimestamp(InvalidBlock):
    """The timestamp is not after the parent's."""


class BadMerkleRoot(InvalidBlock):
    """The header's transaction root does not match the transactions."""


class BadStateRoot(InvalidBlock):
    """Applying the transactions does not give the state root in the header."""


class BadReceiptsRoot(InvalidBlock):
    """The header's receipts root does not match the receipts its transactions give."""


class BadGasUsed(InvalidBlock):
    """The header's gas used is not what its transactions used."""


class DuplicateTransaction(InvalidBlock):
    """The same transaction appears twice in one block."""


class BlockTooLarge(InvalidBlock):
    """The encoded block is over the size limit."""


class GasLimitExceeded(InvalidBlock):
    """The block's transactions ask for more gas than the block allows."""


class BadTransactionInBlock(InvalidBlock):
    """A transaction inside the block is invalid; ``__cause__`` says which rule it broke."""


class ConsensusError(InvalidBlock):
    """The block breaks the sealing rules of the authorities."""


class UnauthorisedSealer(ConsensusError):
    """The block is sealed by a key that is not an authority."""


class BadSeal(ConsensusError):
    """The seal signature does not verify for the header."""


# --- the contract machine -------------------------------------------------------------

class VMError(MinichainError):
    """The contract machine stopped a call; its effects are rolled back."""


class OutOfGas(VMError):
    """The call needed more gas than it was given."""


class StackError(VMError):
    """The stack under- or overflowed."""


class BadJump(VMError):
    """A jump goes to a place that is not a jump destination."""


class Revert(VMError):
    """The contract refused the call and said why."""


# --- the energy market ----------------------------------------------------------------

class MarketError(MinichainError):
    """An order, clearing or settlement request breaks a market rule."""
