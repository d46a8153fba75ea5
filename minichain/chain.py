"""The chain: validate and apply blocks, keep the block tree, choose the head (chapter 03).

``Chain.add_block`` checks a block against its parent in a fixed order (size, parent,
number, timestamp, gas limit, seal, duplicates, Merkle root, transactions, gas used,
state root, receipts root) and either stores it with the state it produces or raises a
typed ``InvalidBlock`` and changes nothing. Who may seal is not decided here but by a
``SealingRule``: chapter 03 uses one authority; chapter 04 swaps in proof of authority.

Fork choice: the head is the block with the highest total difficulty; between two with
equal total difficulty the one with the smaller hash wins, so every node picks the same
head whatever order blocks arrived in. A finality gadget (chapter 13) may anchor fork
choice at a block (``set_anchor``): from then on the head is the best block that descends
from it; without one the anchor is genesis and nothing changes. When the head moves to
another branch, ``Chain.reorg`` says which blocks left the canonical chain and which joined
it (chapter 05: their transactions go back to the mempool). ``Chain.before_add`` lets a
store write a block to disk before the chain counts it as added.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Protocol

from minichain import cast, crypto
from minichain.block import (MAX_BLOCK_BYTES, ZERO_HASH, Block, Header, receipts_root,
                             seal_header, transactions_root)
from minichain.encoding import encode
from minichain.errors import (BadGasUsed, BadMerkleRoot, BadReceiptsRoot, BadSeal, BadStateRoot, BadTimestamp,
                              BadTransactionInBlock, BlockTooLarge, ConsensusError,
                              DuplicateTransaction, GasLimitExceeded, InvalidBlock,
                              InvalidTransaction, UnauthorisedSealer, UnknownParent,
                              WrongNumber, WrongParent)
from minichain.execution import BlockContext, Receipt, apply_transaction
from minichain.state import State
from minichain.tx import SignedTransaction

GENESIS_TIME = cast.GENESIS_TIME     # 21 June 2026, 00:00 UTC: simulated time counts from here
BLOCK_GAS_LIMIT = 30_000_000
MAX_BUILT_KEPT = 8    # blocks a sealer built and may still add without running them again


@dataclass(frozen=True)
class Genesis:
    """The agreed first block: chain id, opening balances, authorities, limits."""

    chain_id: int = 1
    timestamp: int = GENESIS_TIME
    balances: tuple[tuple[str, int], ...] = ()
    authorities: tuple[str, ...] = ()
    gas_limit: int = BLOCK_GAS_LIMIT

    def state(self) -> State:
        state = State()
        for address, balance in self.balances:
            crypto.check_address(address, "genesis balance address")
            state.add_balance(address, balance)
        state.commit()
        return state

    def block(self) -> Block:
        state = self.state()
        header = Header(parent_hash=ZERO_HASH, number=0, timestamp=self.timestamp,
                        difficulty=0, gas_limit=self.gas_limit, gas_used=0,
                        tx_root=transactions_root(()), state_root=state.root(),
                        receipts_root=receipts_root(()),
                        extra=encode(sorted(self.authorities)))
        return Block(header, ())


class SealingRule(Protocol):
    """Who may seal the block after ``parent``, and with what difficulty."""

    def check_header(self, chain: "Chain", parent: Block, header: Header) -> None:
        """Raise a ``ConsensusError`` if ``header`` breaks the sealing rules."""

    def difficulty(self, chain: "Chain", parent: Block, sealer: str) -> int:
        """The difficulty a block by ``sealer`` on top of ``parent`` must carry."""

    # Optional: ``extra_data(chain, parent) -> bytes``, the ``extra`` a block on top of
    # ``parent`` must carry (proof of authority lists the authorities at checkpoints).
    # ``Chain.build_block`` uses it when no ``extra`` is given; without it, ``b""``.


@dataclass(frozen=True)
class SingleAuthority:
    """The simplest rule: one authority seals every block, each of difficulty 1."""

    authority: str

    def check_header(self, chain: "Chain", parent: Block, header: Header) -> None:
        check_seal(header)
        if header.sealer != self.authority:
            raise UnauthorisedSealer(f"block #{header.number}: sealed by {header.sealer}, "
                                     f"but only {self.authority} may seal")
        if header.difficulty != 1:
            raise ConsensusError(f"block #{header.number}: difficulty {header.difficulty}, "
                                 "expected 1")

    def difficulty(self, chain: "Chain", parent: Block, sealer: str) -> int:
        return 1

    def extra_data(self, chain: "Chain", parent: Block) -> bytes:
        return b""


def check_seal(header: Header) -> None:
    """The header must carry a valid signature by the key it names."""
    if not header.seal_is_valid():
        raise BadSeal(f"block #{header.number}: the seal signature does not verify for the "
                      "header (was the block changed after it was sealed?)")


@dataclass
class Rejected:
    """A transaction a sealer left out of its block, and why."""

    transaction: SignedTransaction
    error: InvalidTransaction


@dataclass(frozen=True)
class Reorg:
    """How the canonical chain changed when the head moved from one tip to another."""

    ancestor: Block                 # the newest block both tips share
    dropped: tuple[Block, ...]      # left the canonical chain, oldest first
    added: tuple[Block, ...]        # joined the canonical chain, oldest first

    @property
    def depth(self) -> int:
        """How many canonical blocks were replaced (0 when the head just moved forward)."""
        return len(self.dropped)


@dataclass
class Chain:
    """A block tree rooted at genesis, with the state after every block."""

    genesis: Genesis
    rule: SealingRule | None = None
    blocks: dict[bytes, Block] = field(default_factory=dict, repr=False)
    states: dict[bytes, State] = field(default_factory=dict, repr=False)
    receipts: dict[bytes, list[Receipt]] = field(default_factory=dict, repr=False)
    total_difficulty: dict[bytes, int] = field(default_factory=dict, repr=False)
    head_hash: bytes = b""
    # Called with each valid new block before it is stored; if one raises (a full disk),
    # the block is not added and the chain is unchanged.
    before_add: list[Callable[[Block], None]] = field(default_factory=list, repr=False)
    # What this chain's own ``build_block`` computed for the blocks it sealed, by header
    # hash: a sealer's node need not run its own block's transactions twice. Any change to
    # the block changes its hash, so a tampered copy is always run in full.
    _built: dict[bytes, tuple[State, list[Receipt]]] = field(default_factory=dict, repr=False)
    # Every block (on any branch) that holds a transaction, by transaction hash: a wallet
    # asks a node where its transaction went (``find_transaction``).
    _holders: dict[bytes, list[bytes]] = field(default_factory=dict, repr=False)
    # The block every head must descend from: genesis, unless a finality gadget moved it
    # (``set_anchor``, chapter 13); fork choice never leaves its subtree.
    anchor_hash: bytes = field(default=b"", repr=False)
    # How many blocks below the head keep their state (None: every block's). Older states
    # are forgotten and recomputed from the nearest kept ancestor's if a fork ever needs
    # one (``state_after``): a node that runs all day holds a few versions, not thousands.
    states_kept: int | None = None
    # The canonical chain's block hashes by number, brought up to the head when it moves.
    _canonical: list[bytes] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self.rule is None:
            if len(self.genesis.authorities) != 1:
                raise InvalidBlock("a chain with one sealer needs exactly one authority in "
                                   "its genesis; pass a rule for more")
            self.rule = SingleAuthority(self.genesis.authorities[0])
        block = self.genesis.block()
        self.blocks[block.hash] = block
        self.states[block.hash] = self.genesis.state()
        self.receipts[block.hash] = []
        self.total_difficulty[block.hash] = 0
        self.head_hash = block.hash
        self.anchor_hash = block.hash
        self._canonical.append(block.hash)

    # --- reading -----------------------------------------------------------------------

    @property
    def chain_id(self) -> int:
        return self.genesis.chain_id

    @property
    def head(self) -> Block:
        return self.blocks[self.head_hash]

    @property
    def height(self) -> int:
        return self.head.number

    @property
    def state(self) -> State:
        """The state after the head block (read it; don't change it)."""
        return self.states[self.head_hash]

    def state_after(self, block_hash: bytes) -> State:
        """The state after a block this chain holds: kept, or recomputed (``states_kept``)."""
        state = self.states.get(block_hash)
        if state is not None:
            return state
        missing = []
        block = self.blocks[block_hash]
        while block.hash not in self.states:
            missing.append(block)
            block = self.blocks[block.header.parent_hash]
        for block in reversed(missing):      # each was valid when it was added
            parent = self.blocks[block.header.parent_hash]
            self.states[block.hash], _ = self._execute(parent, block.header, block.transactions)
        return self.states[block_hash]

    def balance(self, address: str) -> int:
        return self.state.balance(address)

    def nonce(self, address: str) -> int:
        return self.state.nonce(address)

    def canonical_chain(self, tip: bytes | None = None) -> list[Block]:
        """The blocks from genesis to ``tip`` (default: the head), oldest first."""
        blocks = []
        block = self.blocks[tip or self.head_hash]
        while True:
            blocks.append(block)
            if block.number == 0:
                return blocks[::-1]
            block = self.blocks[block.header.parent_hash]

    def is_canonical(self, block_hash: bytes) -> bool:
        """True when ``block_hash`` is on the path from genesis to the head."""
        block = self.blocks.get(block_hash)
        if block is None:
            return False
        number = block.number
        return number < len(self._canonical) and self._canonical[number] == block_hash

    def find_transaction(self, tx_hash: bytes) -> tuple[Block, Receipt] | None:
        """The canonical block that holds a transaction, and its receipt (None: no such block)."""
        for block_hash in self._holders.get(tx_hash, ()):
            if self.is_canonical(block_hash):
                block = self.blocks[block_hash]
                index = next(i for i, stx in enumerate(block.transactions) if stx.hash == tx_hash)
                return block, self.receipts[block_hash][index]
        return None

    def reorg(self, old_tip: bytes, new_tip: bytes) -> Reorg:
        """The blocks that leave and join the canonical chain when the head moves."""
        old, new = self.blocks[old_tip], self.blocks[new_tip]
        dropped: list[Block] = []
        added: list[Block] = []
        while old.number > new.number:
            dropped.append(old)
            old = self.blocks[old.header.parent_hash]
        while new.number > old.number:
            added.append(new)
            new = self.blocks[new.header.parent_hash]
        while old.hash != new.hash:
            dropped.append(old)
            added.append(new)
            old = self.blocks[old.header.parent_hash]
            new = self.blocks[new.header.parent_hash]
        return Reorg(old, tuple(dropped[::-1]), tuple(added[::-1]))

    def descends_from(self, block_hash: bytes, ancestor_hash: bytes) -> bool:
        """True when ``ancestor_hash`` is ``block_hash`` or one of its ancestors."""
        block, ancestor = self.blocks.get(block_hash), self.blocks.get(ancestor_hash)
        if block is None or ancestor is None:
            return False
        while block.number > ancestor.number:
            block = self.blocks[block.header.parent_hash]
        return block.hash == ancestor_hash

    def set_anchor(self, block_hash: bytes) -> Reorg | None:
        """From now on the head descends from ``block_hash`` (chapter 13: a finality gadget
        fixes it): the head becomes the best block in its subtree. Returns the reorg, or
        None if the head stays."""
        if block_hash not in self.blocks:
            raise UnknownParent(f"cannot anchor fork choice at {block_hash.hex()[:12]}…: not a "
                                "block this chain knows")
        self.anchor_hash = block_hash
        if self.descends_from(self.head_hash, block_hash):
            return None
        best = block_hash
        for candidate in self.blocks:
            if self.is_better(candidate, best) and self.descends_from(candidate, block_hash):
                best = candidate
        old, self.head_hash = self.head_hash, best
        self._index_canonical()
        return self.reorg(old, best)

    def _extends_anchor(self, block_hash: bytes) -> bool:
        return self.blocks[self.anchor_hash].number == 0 or \
            self.descends_from(block_hash, self.anchor_hash)

    def is_better(self, candidate: bytes, current: bytes) -> bool:
        """Fork choice: more total difficulty wins; on a tie the smaller hash wins."""
        return ((self.total_difficulty[candidate], _inverted(candidate))
                > (self.total_difficulty[current], _inverted(current)))

    # --- validating and adding ---------------------------------------------------------

    def validate_block(self, block: Block) -> tuple[State, list[Receipt]]:
        """Check ``block`` against its parent; return the state and receipts it produces."""
        header = block.header
        where = f"block #{header.number}"
        size = len(block.to_bytes())
        if size > MAX_BLOCK_BYTES:
            raise BlockTooLarge(f"{where}: {size} bytes, the limit is {MAX_BLOCK_BYTES}")
        parent = self.blocks.get(header.parent_hash)
        if parent is None:
            raise UnknownParent(f"{where}: parent {header.parent_hash.hex()[:12]}… is not a "
                                "block this chain knows")
        if header.number != parent.number + 1:
            raise WrongNumber(f"{where}: number should be {parent.number + 1}, one more than "
                              "its parent's")
        if header.timestamp <= parent.header.timestamp:
            raise BadTimestamp(f"{where}: timestamp {header.timestamp} is not after its "
                               f"parent's {parent.header.timestamp}")
        if header.gas_limit != self.genesis.gas_limit:
            raise GasLimitExceeded(f"{where}: gas limit {header.gas_limit}, the chain's "
                                   f"limit is {self.genesis.gas_limit}")
        self.rule.check_header(self, parent, header)
        seen: set[bytes] = set()
        for index, stx in enumerate(block.transactions):
            if stx.hash in seen:
                raise DuplicateTransaction(f"{where}: transaction {index} "
                                           f"({stx.hash.hex()[:12]}…) appears twice")
            seen.add(stx.hash)
        if transactions_root(block.transactions) != header.tx_root:
            raise BadMerkleRoot(f"{where}: the Merkle root of its transactions does not "
                                "match the header's tx_root (a transaction was changed)")
        state, receipts = self._execute(parent, header, block.transactions)
        gas_used = sum(receipt.gas_used for receipt in receipts)
        if gas_used != header.gas_used:
            raise BadGasUsed(f"{where}: transactions used {gas_used} gas, "
                               f"the header says {header.gas_used}")
        if state.root() != header.state_root:
            raise BadStateRoot(f"{where}: applying its transactions gives state root "
                               f"{state.root().hex()[:12]}…, the header says "
                               f"{header.state_root.hex()[:12]}…")
        if receipts_root(receipts) != header.receipts_root:
            raise BadReceiptsRoot(f"{where}: the receipts root does not match its receipts")
        return state, receipts

    def _execute(self, parent: Block, header: Header,
                 transactions: Iterable[SignedTransaction]) -> tuple[State, list[Receipt]]:
        built = self._built.pop(header.hash, None)
        if built is not None:
            return built
        state = self.state_after(parent.hash).copy()
        context = BlockContext(self.chain_id, header.number, header.timestamp, header.sealer)
        receipts: list[Receipt] = []
        gas_used = 0
        for index, stx in enumerate(transactions):
            if gas_used + stx.tx.gas > header.gas_limit:
                raise GasLimitExceeded(f"block #{header.number}: transaction {index} asks for "
                                       f"{stx.tx.gas} gas with only "
                                       f"{header.gas_limit - gas_used} left in the block")
            try:
                receipt = apply_transaction(state, stx, context)
            except InvalidTransaction as error:
                raise BadTransactionInBlock(f"block #{header.number}: transaction {index} is "
                                            f"invalid: {error}") from error
            receipts.append(receipt)
            gas_used += receipt.gas_used
        state.commit()
        return state, receipts

    def add_block(self, block: Block) -> bool:
        """Validate and store ``block``; return True if it became the new head."""
        if block.hash in self.blocks:
            return False
        state, receipts = self.validate_block(block)
        for hook in self.before_add:
            hook(block)
        parent_td = self.total_difficulty[block.header.parent_hash]
        self.blocks[block.hash] = block
        self.states[block.hash] = state
        self.receipts[block.hash] = receipts
        self.total_difficulty[block.hash] = parent_td + block.header.difficulty
        for stx in block.transactions:
            self._holders.setdefault(stx.hash, []).append(block.hash)
        if self.is_better(block.hash, self.head_hash) and self._extends_anchor(block.hash):
            self.head_hash = block.hash
            self._index_canonical()
            self._forget_old_states()
            return True
        return False

    def _index_canonical(self) -> None:
        """Bring the canonical index up to a new head: replace what a reorg left behind."""
        canonical, block, newer = self._canonical, self.head, []
        while not (block.number < len(canonical) and canonical[block.number] == block.hash):
            newer.append(block.hash)
            block = self.blocks[block.header.parent_hash]
        del canonical[block.number + 1:]
        canonical.extend(reversed(newer))

    def _forget_old_states(self) -> None:
        """Drop the states of blocks more than ``states_kept`` below the head (not genesis),
        once there are twice as many as that (so that dropping costs little per block)."""
        if self.states_kept is None or len(self.states) <= 2 * self.states_kept + 1:
            return
        oldest = self.head.number - self.states_kept
        for block_hash in [h for h in self.states if 0 < self.blocks[h].number < oldest]:
            del self.states[block_hash]

    # --- sealing -----------------------------------------------------------------------

    def build_block(self, key: crypto.PrivateKey, transactions: Iterable[SignedTransaction],
                    timestamp: int, parent_hash: bytes | None = None, vote: str = "",
                    extra: bytes | None = None) -> tuple[Block, list[Rejected]]:
        """Seal a block of the valid transactions; return it and those left out.

        ``extra`` defaults to what the sealing rule asks for (e.g. the authority list at
        a proof-of-authority checkpoint); pass bytes to override it.
        """
        parent = self.blocks[parent_hash or self.head_hash]
        if extra is None:
            rule_extra = getattr(self.rule, "extra_data", None)
            extra = rule_extra(self, parent) if rule_extra is not None else b""
        header = Header(parent_hash=parent.hash, number=parent.number + 1,
                        timestamp=timestamp,
                        difficulty=self.rule.difficulty(self, parent, key.address),
                        gas_limit=self.genesis.gas_limit, gas_used=0, tx_root=b"",
                        state_root=b"", receipts_root=b"", extra=extra, vote=vote,
                        sealer_key=key.public_key)
        state = self.state_after(parent.hash).copy()
        context = BlockContext(self.chain_id, header.number, timestamp, key.address)
        included: list[SignedTransaction] = []
        receipts: list[Receipt] = []
        rejected: list[Rejected] = []
        gas_used = 0
        size = _empty_block_size(header)
        seen: set[bytes] = set()
        for stx in transactions:
            if (stx.hash in seen or gas_used + stx.tx.gas > header.gas_limit
                    or size + len(stx.raw) + 1 > MAX_BLOCK_BYTES):
                continue
            try:
                receipt = apply_transaction(state, stx, context)
            except InvalidTransaction as error:
                rejected.append(Rejected(stx, error))
                continue
            seen.add(stx.hash)
            included.append(stx)
            receipts.append(receipt)
            gas_used += receipt.gas_used
            size += len(stx.raw) + 1
        header = replace(header, gas_used=gas_used, tx_root=transactions_root(included),
                         state_root=state.root(), receipts_root=receipts_root(receipts))
        block = Block(seal_header(header, key), tuple(included))
        state.commit()
        while len(self._built) >= MAX_BUILT_KEPT:
            del self._built[next(iter(self._built))]
        self._built[block.hash] = (state, receipts)
        return block, rejected

    def seal(self, key: crypto.PrivateKey, transactions: Iterable[SignedTransaction],
             timestamp: int) -> Block:
        """Build a block on the head, add it, and return it (notebook convenience)."""
        block, _ = self.build_block(key, transactions, timestamp)
        self.add_block(block)
        return block


def _empty_block_size(header: Header) -> int:
    """The encoded size of ``header``'s block with no transactions, its fields at their widest."""
    widest = replace(header, gas_used=header.gas_limit, tx_root=ZERO_HASH, state_root=ZERO_HASH,
                     receipts_root=ZERO_HASH, signature=bytes(64))
    return len(Block(widest, ()).to_bytes())


def _inverted(block_hash: bytes) -> bytes:
    return bytes(255 - b for b in block_hash)


def verify_chain(genesis: Genesis, blocks: list[Block], rule: SealingRule | None = None) -> Chain:
    """Re-validate a list of blocks from genesis, as a new node would; raise at the first fault."""
    chain = Chain(genesis, rule)
    if blocks and blocks[0].number == 0:
        if blocks[0].hash != chain.head_hash:
            raise WrongParent("block #0: this is not the agreed genesis block")
        blocks = blocks[1:]
    for block in blocks:
        if block.header.parent_hash != chain.head_hash:
            raise WrongParent(f"block #{block.number}: parent_hash "
                              f"{block.header.parent_hash.hex()[:12]}… does not match the hash "
                              f"of block #{chain.height} ({chain.head_hash.hex()[:12]}…)")
        chain.add_block(block)
    return chain
