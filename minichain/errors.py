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


# --- proof of authority (chapter 04) --------------------------------------------------

class RecentlySigned(ConsensusError):
    """The sealer already sealed one of the last floor(N/2) blocks (the signer limit)."""


class WrongDifficulty(ConsensusError):
    """The difficulty is not 2 for the in-turn sealer, or not 1 for an out-of-turn one."""


class BadCheckpoint(ConsensusError):
    """An epoch checkpoint does not list the authorities, or another block lists some."""


class BadVote(ConsensusError):
    """The header's vote is malformed, or a checkpoint block carries a vote."""


class TooEarly(ConsensusError):
    """The block comes sooner than one block period after its parent."""


# --- storage (chapter 05) -------------------------------------------------------------

class StoreError(MinichainError):
    """A chain store cannot be opened, read or written."""


class StoreCorrupted(StoreError):
    """A stored block is damaged (a flipped byte, not a torn last write) or invalid."""


class TornWriteWarning(UserWarning):
    """The last record of a store was cut short by a crash; it was dropped on reload."""


# --- the energy auction (chapter 09) --------------------------------------------------

class InvalidOrder(MarketError):
    """An order has a field of the wrong type or out of range, or is not an order at all."""


class DuplicateOrder(InvalidOrder):
    """Two orders in one book share an id; ids must be unique (they break price ties)."""


class MixedSlots(InvalidOrder):
    """Orders for different delivery slots were put into one clearing."""


class PriceOutOfBand(MarketError):
    """An order's price is outside [feed-in tariff, retail tariff]: the grid is the better deal."""


class InvalidTariffs(MarketError):
    """The tariffs are not whole numbers with 0 <= feed-in <= retail."""


class InvalidAuctionParameter(MarketError):
    """A clearing parameter (such as k of k-pricing) is out of range."""


# --- the contract machine and its language (chapters 06-07) ---------------------------

class InvalidCode(VMError):
    """Bytecode cannot be loaded: an unknown opcode, a cut-off immediate, or too large."""


class IntegerOverflow(VMError):
    """An arithmetic result left the machine's signed 256-bit range."""


class DivisionByZero(VMError):
    """DIV or MOD by zero: there is no whole-number answer."""


class MemoryFault(VMError):
    """A memory list handle or index is out of range, or memory is over its limit."""


class CallDepthExceeded(VMError):
    """Internal calls are nested deeper than the machine allows."""


class BadAddress(VMError):
    """A stack word used as an address is not a 160-bit address."""


class TransferFailed(VMError):
    """The contract tried to send more tokens than it holds."""


class CompileError(MinichainError):
    """Contract source uses something outside the contract language; says where and what instead."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        self.line = line
        self.column = column
        self.reason = message
        super().__init__(f"line {line}, column {column}: {message}" if line else message)


class ABIError(MinichainError):
    """Call arguments, output words or an event do not match a contract's interface."""


# --- the physical model ---------------------------------------------------------------

class EnergyModelError(MinichainError):
    """A physical model was given a value it cannot use (a negative energy, a bad share)."""


class GridError(EnergyModelError):
    """A feeder is not a radial tree, a node is unknown, or a flow request is malformed."""


# --- contracts calling contracts (chapter 08) ------------------------------------------

class CallFailed(VMError):
    """A contract called an address that holds no contract, or got back more than one word."""


# --- settlement and reputation (chapter 10) -------------------------------------------

class SettlementError(MarketError):
    """Money for a slot cannot be settled as asked (unknown trade, missing bond, bad reading)."""


class RatingRejected(MarketError):
    """A rating breaks the rules: trade not settled, not a party, stars out of 1..5, or twice."""


# --- forecasting (chapter 12) ----------------------------------------------------------

class ForecastError(MinichainError):
    """A forecaster was given data it cannot use (lengths that do not fit, bad parameters)."""


class NotEnoughHistory(ForecastError):
    """A forecaster needs more past days than it was given (e.g. a week for seasonal naive)."""


class SingularFeatures(ForecastError):
    """A regression's features are linearly dependent, so its normal equations have no single answer."""
