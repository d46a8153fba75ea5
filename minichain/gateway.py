"""How a wallet reaches the chain: a chain sealed in place, or a node of the street's network (chapters 08-11).

A client (``contracts.client.MarketClient``, the day's chain backend) signs transactions
and hands them to a *gateway* with the time they are sent; the gateway answers with their
receipts once blocks hold them, and lets the client read the chain.

* ``SoloGateway``: one ``Chain`` that the gateway seals itself, one block per batch, the
  given authorities taking turns. For what teaches one chain on purpose (chapters 03,
  06-07) and for unit tests of the contracts.
* ``NetworkGateway``: the street's platform as the article describes it, with no single
  point of failure. The three authorities (grid operator, municipality, energy co-op)
  each run a node with its own crash-safe store on disk (``street_nodes``); they seal in
  turn under Clique, a block whenever there are transactions; blocks and transactions
  gossip with the network's latency. Each wallet hands its transactions to a node of its
  choice and, when that node is down, to the next one (``Network.submit``'s fallback), so
  a crashed node loses nothing. The gateway runs the simulation until every transaction
  of a batch is in a block on the chain it reads, or refused with a typed error.

Both keep the rules of ``Chain``: a refused transaction changes nothing, a reverted call is
in a block with its fee and nonce spent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import networkx as nx

from minichain import cast
from minichain.chain import Chain, Genesis
from minichain.crypto import PrivateKey
from minichain.errors import InvalidTransaction, MarketError, MinichainError
from minichain.network import Network
from minichain.poa import Clique
from minichain.receipts import Receipt
from minichain.tx import SignedTransaction
from minichain.wallet import Wallet

PERIOD = 5                  # Clique period of the street's chain: seconds between blocks, at least
LATENCY = 0.05              # seconds between two authorities' nodes
STATES_KEPT = 32            # blocks below the head whose state a street node keeps
SPACING = 0.1               # seconds between a batch's transactions: more than a hop's
                            # latency, so every node hears them in the order they were sent
PATIENCE = 600.0            # seconds a batch may take before the gateway gives up waiting


class TransactionPending(MarketError):
    """A transaction is neither in a block nor refused yet (the network may be cut in two)."""


# --- one chain, sealed in place ---------------------------------------------------------------

class SoloGateway:
    """One chain; each batch becomes one block, sealed by the authority whose turn it is."""

    def __init__(self, chain: Chain, sealers: Sequence[Wallet], block_step: int = PERIOD) -> None:
        if not sealers:
            raise MinichainError("give at least one sealer wallet (an authority of the chain)")
        self.chain = chain
        self.sealers = list(sealers)
        self.block_step = block_step
        self._turn = 0
        self._queued: list[tuple[float, SignedTransaction]] = []
        self._refused: dict[bytes, InvalidTransaction] = {}

    def submit(self, stx: SignedTransaction, at: float) -> None:
        """Queue a transaction for the block that ``run_until`` seals once ``at`` has come."""
        self._queued.append((at, stx))

    def run_until(self, timestamp: float) -> None:
        """Seal what was queued up to ``timestamp``: one block per moment it was sent for."""
        while self._queued and min(at for at, _ in self._queued) <= timestamp:
            first = min(int(at) for at, _ in self._queued)
            ready = [stx for at, stx in self._queued if int(at) == first]
            self._queued = [(at, stx) for at, stx in self._queued if int(at) != first]
            block, rejected = self.chain.build_block(self._sealer().key, ready,
                                                     max(first, self.now + self.block_step))
            for item in rejected:
                self._refused[item.transaction.hash] = item.error
            self.chain.add_block(block)
            self._turn += 1

    def outcome(self, stx: SignedTransaction) -> Receipt | InvalidTransaction | None:
        """Its receipt, its refusal, or None while it waits in the queue."""
        if stx.hash in self._refused:
            return self._refused[stx.hash]
        found = self.chain.find_transaction(stx.hash)
        return None if found is None else found[1]

    @property
    def now(self) -> int:
        """The time of the newest block."""
        return self.chain.head.header.timestamp

    def send(self, transactions: Iterable[SignedTransaction],
             at: int | None = None) -> list[Receipt]:
        """Seal one block of ``transactions`` at ``at`` (default: one step after the head).

        A transaction the chain refuses raises its typed error and nothing is added; so
        does a batch that does not fit in one block.
        """
        transactions = list(transactions)
        timestamp = self.now + self.block_step if at is None else at
        block, rejected = self.chain.build_block(self._sealer().key, transactions, timestamp)
        if rejected:
            raise rejected[0].error
        if len(block.transactions) != len(transactions):
            raise MarketError(f"only {len(block.transactions)} of {len(transactions)} "
                              "transactions fit in one block (gas or size limit, or a "
                              "duplicate): send fewer at a time, or give them less gas")
        self.chain.add_block(block)
        self._turn += 1
        return list(self.chain.receipts[block.hash])

    def advance_to(self, timestamp: int) -> None:
        """Seal an empty block at ``timestamp`` so the chain's time reaches it."""
        if timestamp > self.now:
            self.send([], at=timestamp)

    def _sealer(self) -> Wallet:
        """The authority whose turn it is when the rule says (Clique), else the next in line."""
        in_turn = getattr(self.chain.rule, "in_turn_signer", None)
        if in_turn is not None:
            signer = in_turn(self.chain)
            for wallet in self.sealers:
                if wallet.address == signer:
                    return wallet
        return self.sealers[self._turn % len(self.sealers)]


class ReplicaView:
    """One node's replica, to read from only: every node shows the same market."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain

    @property
    def now(self) -> int:
        return self.chain.head.header.timestamp

    def send(self, transactions: Iterable[SignedTransaction], at: int | None = None) -> list:
        raise MinichainError("a replica view only reads: send transactions through a gateway")


# --- the street's nodes ---------------------------------------------------------------------

def street_nodes(genesis: Genesis, store_dir: str | Path, seed: int = 0,
                 period: int = PERIOD, latency: float = LATENCY, sync: bool = False) -> Network:
    """The three authorities' nodes, each linked to the other two, each with a store on disk.

    Node names are the authorities' seeds (``cast.AUTHORITIES``); they seal only when there
    are transactions to seal (no empty blocks), at least ``period`` seconds apart, and
    announce their heads only when they have something new to say (a day is long and
    mostly quiet: ``Network``'s ``status_when_idle``). The stores write every block but do
    not wait for the disk unless ``sync``: the three nodes run in one process and their
    crashes are simulated, so the operating system keeps every write (a real node waits:
    ``store.ChainStore``'s default). Each node keeps the state of its last ``STATES_KEPT``
    blocks, not of every block of the day (``chain.Chain.states_kept``).
    """
    graph = nx.Graph()
    for name in cast.AUTHORITIES:
        graph.add_node(name, role="authority")
    for i, a in enumerate(cast.AUTHORITIES):
        for b in cast.AUTHORITIES[i + 1:]:
            graph.add_edge(a, b, latency=latency)
    keys: dict[str, PrivateKey] = {name: cast.wallet(name).key for name in cast.AUTHORITIES}
    return Network(graph, genesis, keys, seed=seed, rule=Clique(period=period),
                   store_dir=store_dir, seal_empty=False, sync_stores=sync,
                   status_when_idle=False, states_kept=STATES_KEPT)


class NetworkGateway:
    """Wallets hand transactions to nodes of the street's network; the chain is read from a node."""

    def __init__(self, network: Network, choices: dict[str, str] | None = None,
                 reader: str = cast.GRID_OPERATOR, spacing: float = SPACING,
                 patience: float = PATIENCE, order: Sequence[str] | None = None) -> None:
        self.network = network
        self.choices = dict(choices or {})     # wallet address -> the node it hands to
        self.reader = reader
        # the nodes in the order a wallet tries them after its own (the street's: cast order)
        self.order = tuple(order) if order is not None else (
            cast.AUTHORITIES if sorted(cast.AUTHORITIES) == network.names else tuple(network.names))
        self.spacing = spacing
        self.patience = patience

    # -- reading ---------------------------------------------------------------------------

    @property
    def genesis_time(self) -> int:
        return self.network.genesis.timestamp

    @property
    def reading_node(self) -> str:
        """The node whose chain the client reads: ``reader``, or the next one up."""
        for name in self._after(self.reader):
            if name not in self.network.down:
                return name
        raise MinichainError("every node of the street is down: nothing to read")

    @property
    def chain(self) -> Chain:
        """The chain as the reading node holds it now."""
        return self.network.nodes[self.reading_node].chain

    @property
    def now(self) -> int:
        """The time of the newest block the reading node knows."""
        return self.chain.head.header.timestamp

    def node_for(self, address: str) -> tuple[str, ...]:
        """The node a wallet hands its transactions to, then the next ones in the street's order."""
        return self._after(self.choices.get(address, self.reader))

    def _after(self, first: str) -> tuple[str, ...]:
        """``first``, then the other nodes in order, from the one after it around."""
        at = self.order.index(first)
        return self.order[at:] + self.order[:at]

    # -- sending ---------------------------------------------------------------------------

    def submit(self, stx: SignedTransaction, at: float) -> None:
        """Hand one transaction to its wallet's node (or the next one up) at chain time ``at``."""
        first, *fallback = self.node_for(stx.sender)
        self.network.submit(first, stx, at=max(at - self.genesis_time, self.network.now),
                            fallback=fallback)

    def run_until(self, timestamp: float) -> None:
        """Let the network run up to chain time ``timestamp``."""
        self.network.run(timestamp - self.genesis_time)

    def advance_to(self, timestamp: int) -> None:
        """Let the network run to ``timestamp``: the next block will be no earlier."""
        self.run_until(timestamp)

    def outcome(self, stx: SignedTransaction) -> Receipt | InvalidTransaction | None:
        """Its receipt (in a canonical block of the reading node), its refusal, or None yet."""
        refused = self.network.refused.get(stx.hash)
        if refused is not None:
            return refused[1]
        found = self.chain.find_transaction(stx.hash)
        return None if found is None else found[1]

    def send(self, transactions: Iterable[SignedTransaction],
             at: int | None = None) -> list[Receipt]:
        """Hand ``transactions`` over at ``at`` (default: now), in order, and wait for blocks.

        Returns the receipts in the order given. A refused transaction raises its typed
        error once the others are decided; one still pending after ``patience`` seconds
        raises ``TransactionPending``.
        """
        transactions = list(transactions)
        now = self.genesis_time + self.network.now
        start = now if at is None else max(at, now)    # a time already past means now, spaced
        for n, stx in enumerate(transactions):
            self.submit(stx, start + n * self.spacing)
        step = float(self.network.rule.period)
        deadline = start + self.patience
        clock = start
        while True:
            outcomes = [self.outcome(stx) for stx in transactions]
            if all(outcome is not None for outcome in outcomes):
                break
            if clock >= deadline:
                waiting = sum(outcome is None for outcome in outcomes)
                raise TransactionPending(f"{waiting} of {len(transactions)} transactions are in "
                                         f"no block after {self.patience:.0f} s: is the network "
                                         "cut in two, or every sealer down?")
            clock += step
            self.run_until(clock)
        for outcome in outcomes:
            if isinstance(outcome, InvalidTransaction):
                raise outcome
        return [outcome for outcome in outcomes if isinstance(outcome, Receipt)]
