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
    """The contract machine refused code or stopped a call; the call's effects roll back.

    A fault raised while code runs carries where: the opcode ``op`` and its code offset
    ``pc``; the machine adds the contract's ``address`` and, when the code's source is
    known, ``where``: the source line or label (for showing only, never compared). Two
    faults are equal when they are the same kind with the same words at the same place.
    """

    def __init__(self, reason: str, op: str = "", pc: int = -1) -> None:
        super().__init__(f"{op} at pc {pc}: {reason}" if op else reason)
        self.reason = reason
        self.op = op
        self.pc = pc
        self.address = ""
        self.where: object = None

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._key() == other._key()  # type: ignore

    def __hash__(self) -> int:
        return hash((type(self), self._key()))

    def _key(self) -> tuple:
        return (self.args, self.op, self.pc, self.address)

    def describe(self) -> str:
        """One line, the same on every node: the kind of fault and the machine's words."""
        return f"{type(self).__name__}: {self}"

    def explain(self) -> str:
        """In the learner's words: the kind, where in the source, why, and the line itself."""
        if self.where is None:
            return self.describe()
        text = getattr(self.where, "text", "")
        head = f"{type(self).__name__} in {self.where}: {self.reason}"
        return f"{head}\n    {text}" if text else head


class ExceptionalHalt(VMError):
    """The machine stopped a call it cannot go on with: all its gas is used up."""


class OutOfGas(ExceptionalHalt):
    """The call needed more gas than it was given."""


class StackError(ExceptionalHalt):
    """The stack under- or overflowed."""


class BadJump(ExceptionalHalt):
    """A jump goes to a place that is not a jump destination."""


class Revert(VMError):
    """The contract refused the call and said why: unused gas goes back to the sender.

    Not an ``ExceptionalHalt``: a refusal is the contract's own decision, so the machine
    refunds what it did not use. Its text is the reason alone.
    """

    def __init__(self, reason: str, op: str = "", pc: int = -1) -> None:
        super().__init__(reason, op, pc)
        self.args = (reason,)


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


class IntegerOverflow(ExceptionalHalt):
    """An arithmetic result left the machine's signed 256-bit range."""


class DivisionByZero(ExceptionalHalt):
    """DIV or MOD by zero: there is no whole-number answer."""


class MemoryFault(ExceptionalHalt):
    """A memory list handle or index is out of range, or memory is over its limit."""


class CallDepthExceeded(ExceptionalHalt):
    """Internal calls are nested deeper than the machine allows."""


class BadAddress(ExceptionalHalt):
    """A stack word used as an address is not a 160-bit address."""


class TransferFailed(ExceptionalHalt):
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

class CallFailed(ExceptionalHalt):
    """A contract called an address that holds no contract, or got back more than one word."""


# --- settlement and reputation (chapter 10) -------------------------------------------

class SettlementError(MarketError):
    """Money for a slot cannot be settled as asked (unknown trade, missing bond, bad reading)."""


class RatingRejected(MarketError):
    """A rating breaks the rules: trade not settled, not a party, stars out of 1..5, or twice."""


class TakeRefused(MarketError):
    """A direct take breaks the rules (no such open order, too much, its own order, a partner
    below the order's minimum, not enough free deposit); the message is the contract's reason."""


class UnknownCastMember(MinichainError):
    """A name that is not in Sunny Street's cast (``minichain.cast``)."""


# --- the real world: Ethereum encodings, genesis files, the EVM (chapter 14) -------------

class RLPError(EncodingError):
    """A value cannot be RLP-encoded, or bytes are not one canonical RLP item."""


class GenesisError(MinichainError):
    """A genesis file cannot be made or read as asked (no signers, a bad parameter, a bad extraData)."""


class EVMUnavailable(MinichainError, ImportError):
    """The optional EVM toolchain (vyper, titanoboa) is not installed in this Python."""


class ScaleError(MinichainError):
    """A scale estimate cannot be made from these figures (one book size, a block too small)."""


# --- forecasting (chapter 12) ----------------------------------------------------------

class ForecastError(MinichainError):
    """A forecaster was given data it cannot use (lengths that do not fit, bad parameters)."""


class NotEnoughHistory(ForecastError):
    """A forecaster needs more past days than it was given (e.g. a week for seasonal naive)."""


class SingularFeatures(ForecastError):
    """A regression's features are linearly dependent, so its normal equations have no single answer."""


# --- the attack lab: finality votes and evidence (chapter 13) --------------------------

class FinalityError(MinichainError):
    """A finality vote, a piece of evidence or a finality step breaks the gadget's rules."""


class BadFinalityVote(FinalityError):
    """A finality vote is malformed, for another chain, not between checkpoints, or its
    signature does not verify."""


class InvalidEvidence(FinalityError):
    """Two votes offered as evidence do not prove that one key broke a voting rule."""
