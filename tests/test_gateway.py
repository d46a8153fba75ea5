"""How wallets reach the street's chain: one chain sealed in place, or the authorities' nodes (ch. 08-11).

Stories: a wallet's batch lands in blocks in the order it was sent, whichever node takes
it; the nodes seal only when there is work; a household whose node is down hands its
transaction to the next one; a node that refuses a transaction says why; a watcher sees
every head; a replica can be read but not written; and a batch that can never land (every
sealer cut off) is reported as pending instead of waiting for ever.
"""

from __future__ import annotations

import pytest

from minichain import cast
from minichain.chain import Chain
from minichain.contracts.client import node_choices, street_genesis
from minichain.errors import MinichainError, NonceGap, ReplayedNonce
from minichain.gateway import (PERIOD, NetworkGateway, ReplicaView, SoloGateway,
                               TransactionPending, street_nodes)
from minichain.node import Mempool
from minichain.poa import Clique

ALICE, BOB, CAROL = (cast.wallet(name) for name in ("alice", "bob", "carol"))
AUTHORITIES = [cast.wallet(name) for name in cast.AUTHORITIES]
GRID, CITY, COOP = cast.AUTHORITIES


def genesis():
    return street_genesis([ALICE, BOB, CAROL, *AUTHORITIES], 1_000_000, AUTHORITIES)


def network_gateway(tmp_path) -> NetworkGateway:
    meters = [cast.meter(name) for name in ("alice", "bob", "carol")]
    return NetworkGateway(street_nodes(genesis(), tmp_path),
                          node_choices([ALICE, BOB, CAROL], meters))


def payments(count: int, start_nonce: int = 0):
    """Alice, Bob and Carol pay each other in turn: ``count`` transfers."""
    wallets = [ALICE, BOB, CAROL]
    nonces = {w.address: start_nonce for w in wallets}
    out = []
    for n in range(count):
        payer, payee = wallets[n % 3], wallets[(n + 1) % 3]
        out.append(payer.transfer(payee.address, 100 + n, nonces[payer.address]))
        nonces[payer.address] += 1
    return out


def test_a_batch_lands_in_the_order_it_was_sent_and_every_node_holds_it(tmp_path):
    gateway = network_gateway(tmp_path)
    batch = payments(9)
    receipts = gateway.send(batch)
    assert [r.tx_hash for r in receipts] == [stx.hash for stx in batch]
    network = gateway.network
    gateway.run_until(gateway.now + 1)               # the last block reaches the other nodes
    order = [stx.hash for block in gateway.chain.canonical_chain() for stx in block.transactions]
    assert order == [stx.hash for stx in batch]
    assert network.converged() and len({n.chain.state.root() for n in network.nodes.values()}) == 1


def test_a_batch_handed_over_at_a_time_already_past_keeps_its_order_across_nodes(tmp_path):
    gateway = network_gateway(tmp_path)
    gateway.send(payments(3))                        # the network's clock moves on
    batch = payments(9, start_nonce=1)
    receipts = gateway.send(batch, at=gateway.genesis_time)   # "at genesis": long past
    assert [r.tx_hash for r in receipts] == [stx.hash for stx in batch]
    order = [stx.hash for block in gateway.chain.canonical_chain() for stx in block.transactions]
    assert order[3:] == [stx.hash for stx in batch]  # spaced from now, so in the order sent


def test_the_nodes_seal_only_when_there_is_work(tmp_path):
    gateway = network_gateway(tmp_path)
    gateway.run_until(gateway.genesis_time + 3_600)
    assert gateway.chain.height == 0                 # an idle hour: no empty blocks
    gateway.send(payments(1))
    assert gateway.chain.height == 1


def test_a_wallet_whose_node_is_down_hands_its_transaction_to_the_next_one(tmp_path):
    gateway = network_gateway(tmp_path)
    network = gateway.network
    assert gateway.node_for(ALICE.address)[0] == GRID
    network.crash(GRID, at=1.0)
    receipts = gateway.send(payments(1), at=gateway.genesis_time + 10)
    assert receipts[0].success
    assert network.handed[receipts[0].tx_hash] == CITY
    assert gateway.reading_node == CITY              # the grid operator's replica is down
    assert any("goes elsewhere" in entry.text for entry in network.log if entry.node == GRID)


def test_a_node_that_refuses_a_transaction_says_why_and_the_wallet_sees_the_typed_error(tmp_path):
    gateway = network_gateway(tmp_path)
    first = payments(1)
    gateway.send(first)
    with pytest.raises(ReplayedNonce):
        gateway.send([ALICE.transfer(BOB.address, 5, 0)])      # nonce 0 is spent
    refused = [error for _, error in gateway.network.refused.values()]
    assert len(refused) == 1 and isinstance(refused[0], ReplayedNonce)


def test_every_head_is_shown_to_a_watcher(tmp_path):
    gateway = network_gateway(tmp_path)
    seen = []
    gateway.network.watch(lambda node, head: seen.append((node, head.number)))
    gateway.send(payments(3))
    gateway.run_until(gateway.now + 1)
    assert {node for node, _ in seen} == set(cast.AUTHORITIES)
    assert max(number for _, number in seen) == gateway.chain.height


def test_a_replica_is_read_but_never_written(tmp_path):
    view = ReplicaView(network_gateway(tmp_path).chain)
    assert view.now == view.chain.genesis.timestamp
    with pytest.raises(MinichainError, match="a replica view only reads"):
        view.send(payments(1))


def test_a_batch_that_cannot_land_is_reported_pending(tmp_path):
    gateway = network_gateway(tmp_path)
    gateway.patience = 120.0
    for name in (CITY, COOP):
        gateway.network.crash(name, at=0.5)            # one signer left: at most one block
    gateway.send(payments(1))
    with pytest.raises(TransactionPending, match="in no block after 120 s"):
        gateway.send(payments(1, start_nonce=0)[:0] + [BOB.transfer(CAROL.address, 1, 0)])


def test_one_chain_seals_one_block_per_moment_and_the_in_turn_authority_seals_it():
    chain = Chain(genesis(), Clique(period=PERIOD))
    gateway = SoloGateway(chain, AUTHORITIES)
    t0 = chain.genesis.timestamp
    first, second = payments(2)
    gateway.submit(first, t0 + 10)
    gateway.submit(second, t0 + 20)
    gateway.run_until(t0 + 30)
    assert [block.header.timestamp for block in chain.canonical_chain()[1:]] == [t0 + 10, t0 + 20]
    rule = chain.rule
    for block in chain.canonical_chain()[1:]:
        assert block.header.difficulty == 2              # in turn
        assert rule.snapshot(chain, block.header.parent_hash).in_turn(block.number,
                                                                      block.header.sealer)
    gap = ALICE.transfer(BOB.address, 1, 5)
    gateway.submit(gap, t0 + 40)
    gateway.run_until(t0 + 40)
    assert isinstance(gateway.outcome(gap), NonceGap)


def test_a_block_holds_transactions_in_arrival_order_each_sender_in_nonce_order():
    pool = Mempool()
    a0, a1 = ALICE.transfer(BOB.address, 1, 0), ALICE.transfer(BOB.address, 2, 1)
    b0 = BOB.transfer(CAROL.address, 3, 0)
    for stx in (a1, b0, a0):                        # Alice's later nonce arrived first
        pool.add(stx)
    assert pool.transactions() == [a0, b0, a1]
