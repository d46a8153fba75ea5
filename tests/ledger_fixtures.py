"""Shared cast and helpers for the ledger tests (chapters 01-03).

Sunny Street in miniature: households with reproducible wallets, the grid operator as the
one authority, and helpers that build a chain, take a fingerprint of everything it
stores (to prove a rejection changed nothing) and tamper with blocks the way an attacker
would.
"""

from __future__ import annotations

import dataclasses

from minichain.block import Block, seal_header, transactions_root
from minichain.chain import GENESIS_TIME, Chain, Genesis
from minichain.crypto import PrivateKey
from minichain.execution import BlockContext
from minichain.tx import SignedTransaction, Transaction, sign_transaction
from minichain.wallet import Wallet

CHAIN_ID = 1
BLOCK_TIME = 15

ALICE = Wallet.from_seed("alice")
BOB = Wallet.from_seed("bob")
CAROL = Wallet.from_seed("carol")
AUTHORITY = Wallet.from_seed("grid-operator")
MALLORY = Wallet.from_seed("mallory")

OPENING_BALANCE = 1_000


def sunny_street_genesis(gas_limit: int | None = None,
                         balances: tuple[tuple[str, int], ...] | None = None) -> Genesis:
    """Alice, Bob and Carol each hold 1000 tokens; the grid operator seals."""
    if balances is None:
        balances = tuple((w.address, OPENING_BALANCE) for w in (ALICE, BOB, CAROL))
    extra = {} if gas_limit is None else {"gas_limit": gas_limit}
    return Genesis(chain_id=CHAIN_ID, balances=balances,
                   authorities=(AUTHORITY.address,), **extra)


def new_chain(gas_limit: int | None = None) -> Chain:
    return Chain(sunny_street_genesis(gas_limit))


def next_time(chain: Chain) -> int:
    return chain.head.header.timestamp + BLOCK_TIME


def next_context(chain: Chain) -> BlockContext:
    """The context the next block on the head would give its transactions."""
    return BlockContext(chain.chain_id, chain.height + 1, next_time(chain), AUTHORITY.address)


def add(chain: Chain, transactions: list[SignedTransaction]) -> Block:
    """Seal and add a block of transactions that must all be valid."""
    block, rejected = chain.build_block(AUTHORITY.key, transactions, next_time(chain))
    if rejected:
        raise AssertionError(f"unexpected rejections: {rejected}")
    chain.add_block(block)
    return block


def fingerprint(chain: Chain) -> tuple:
    """Everything a chain stores, reduced to hashes: equal fingerprints, same chain."""
    return (chain.head_hash, chain.state.root(), chain.state.snapshot(),
            tuple(sorted(chain.blocks)),
            tuple(sorted((h, s.root()) for h, s in chain.states.items())),
            tuple(sorted(chain.total_difficulty.items())))


def state_fingerprint(state) -> tuple:
    """The state's root, its journal length and its plain content."""
    return state.root(), state.snapshot(), state.to_plain()


def tamper(block: Block, reseal_with: PrivateKey | None = None, **changes) -> Block:
    """The block with header fields changed, re-sealed by ``reseal_with`` if given."""
    header = dataclasses.replace(block.header, **changes)
    if reseal_with is not None:
        header = seal_header(header, reseal_with)
    return Block(header, block.transactions)


def with_transactions(block: Block, transactions, reseal_with: PrivateKey) -> Block:
    """The block carrying other transactions, with a matching Merkle root, re-sealed."""
    transactions = tuple(transactions)
    header = dataclasses.replace(block.header, tx_root=transactions_root(transactions))
    return Block(seal_header(header, reseal_with), transactions)


def block_around(chain: Chain, transactions) -> Block:
    """A properly sealed block on the head that carries ``transactions`` as they are.

    The sealer builds an empty block and then puts the transactions in (with their Merkle
    root): every header check passes, so the block stands or falls on its transactions.
    """
    empty, _ = chain.build_block(AUTHORITY.key, [], next_time(chain))
    return with_transactions(empty, transactions, AUTHORITY.key)


def forged_transaction(wallet: Wallet, **fields) -> SignedTransaction:
    """A transaction with fields the constructor would refuse, signed by ``wallet``.

    No honest code path can build it; it stands for a buggy or hostile in-memory object,
    to prove the state transition does not rely on the constructor alone.
    """
    tx = Transaction(sender=wallet.address, nonce=0, chain_id=CHAIN_ID, kind="transfer",
                     to=BOB.address, value=1)
    for name, value in fields.items():
        object.__setattr__(tx, name, value)
    return sign_transaction(tx, wallet.key)


__all__ = ["ALICE", "AUTHORITY", "BLOCK_TIME", "BOB", "CAROL", "CHAIN_ID", "GENESIS_TIME",
           "MALLORY", "OPENING_BALANCE", "add", "block_around", "fingerprint",
           "forged_transaction", "new_chain", "next_context", "next_time",
           "state_fingerprint", "sunny_street_genesis", "tamper", "with_transactions"]
