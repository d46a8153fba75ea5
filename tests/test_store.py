"""The chain store: what a node keeps on disk survives crashes and betrays tampering (chapter 05).

The municipality's node writes each block it accepts to an append-only file and fsyncs it
before the block counts as added. A crash half-way through a write (the file cut at any
byte of the last record) loses only that unfinished block, with a warning; a flipped byte
anywhere is a typed error that names the block; a block that is well stored but invalid
is refused when the chain is rebuilt.
"""

from __future__ import annotations

import dataclasses
import os
import warnings

import pytest

from minichain import store as store_module
from minichain.block import Block, seal_header
from minichain.chain import Chain, Genesis
from minichain.errors import (StoreCorrupted, StoreError, TornWriteWarning,
                              UnauthorisedSealer)
from minichain.poa import Clique
from minichain.store import MAGIC, RECORD_HEADER_BYTES, ChainStore, encode_record
from minichain.wallet import Wallet

PERIOD = 5
GRID = Wallet.from_seed("grid-operator")
CITY = Wallet.from_seed("municipality")
COOP = Wallet.from_seed("energy-co-op")
MALLORY = Wallet.from_seed("mallory")
ALICE = Wallet.from_seed("alice")
BOB = Wallet.from_seed("bob")
GENESIS = Genesis(balances=((ALICE.address, 1_000),),
                  authorities=(GRID.address, CITY.address, COOP.address))
BY_ADDRESS = {w.address: w for w in (GRID, CITY, COOP)}


def rule() -> Clique:
    return Clique(period=PERIOD)


def seal_next(chain: Chain, rule_: Clique, txs=(), parent: bytes | None = None) -> Block:
    parent_block = chain.blocks[parent or chain.head_hash]
    sealer = BY_ADDRESS[rule_.who_may_seal(chain, parent_block.hash)[0]]
    block, rejected = chain.build_block(sealer.key, list(txs),
                                        parent_block.header.timestamp + PERIOD,
                                        parent_hash=parent_block.hash)
    assert rejected == []
    chain.add_block(block)
    return block


def stored_chain(path, blocks: int = 3) -> tuple[Chain, list[Block]]:
    """A store holding genesis and ``blocks`` small blocks (the first carries a transfer)."""
    rule_ = rule()
    chain = ChainStore(path).open_chain(GENESIS, rule_)
    added = [seal_next(chain, rule_, [ALICE.transfer(BOB.address, 25, nonce=0)])]
    while len(added) < blocks:
        added.append(seal_next(chain, rule_))
    return chain, added


def record_spans(data: bytes) -> list[tuple[int, int, int]]:
    """(start, end, block number) of every record, read independently of the store."""
    spans, offset = [], len(MAGIC)
    while offset < len(data):
        length, number = store_module.PREFIX.unpack_from(data, offset)
        end = offset + RECORD_HEADER_BYTES + length
        spans.append((offset, end, number))
        offset = end
    return spans


# --- saving and reloading -------------------------------------------------------------------

def test_a_node_restarts_with_exactly_the_chain_it_stored(tmp_path):
    path = tmp_path / "city.chain"
    chain, added = stored_chain(path)
    reloaded = ChainStore(path).load(GENESIS, rule())
    assert reloaded.head_hash == chain.head_hash
    assert [b.hash for b in reloaded.canonical_chain()] == [b.hash for b in chain.canonical_chain()]
    assert reloaded.state.root() == chain.state.root()
    assert reloaded.balance(BOB.address) == 25
    assert [b.number for b in ChainStore(path).read()] == [0, 1, 2, 3]


def test_side_branches_are_stored_too_and_the_same_head_is_chosen_on_reload(tmp_path):
    path = tmp_path / "city.chain"
    rule_ = rule()
    chain = ChainStore(path).open_chain(GENESIS, rule_)
    genesis = chain.head_hash
    main = [seal_next(chain, rule_), seal_next(chain, rule_)]
    side = seal_next(chain, rule_, parent=genesis)
    assert side.hash in chain.blocks and chain.head_hash == main[-1].hash
    reloaded = ChainStore(path).load(GENESIS, rule())
    assert set(reloaded.blocks) == set(chain.blocks)
    assert reloaded.head_hash == chain.head_hash


def test_appending_continues_the_file_after_a_reload(tmp_path):
    path = tmp_path / "city.chain"
    stored_chain(path, blocks=2)
    rule_ = rule()
    chain = ChainStore(path).open_chain(GENESIS, rule_)
    seal_next(chain, rule_)
    assert [b.number for b in ChainStore(path).read()] == [0, 1, 2, 3]


def test_a_block_counts_as_added_only_after_its_record_is_fsynced(tmp_path, monkeypatch):
    path = tmp_path / "city.chain"
    rule_ = rule()
    chain = ChainStore(path).open_chain(GENESIS, rule_)
    block, _ = chain.build_block(BY_ADDRESS[rule_.in_turn_signer(chain)].key, [],
                                 chain.head.header.timestamp + PERIOD)
    seen = []
    real_fsync = os.fsync
    monkeypatch.setattr(store_module.os, "fsync", lambda fd: seen.append(
        (path.read_bytes().endswith(encode_record(block)), block.hash in chain.blocks))
        or real_fsync(fd))
    assert chain.add_block(block) is True
    assert seen == [(True, False)]      # written, synced, and only then in the chain


def test_a_store_told_not_to_sync_writes_every_block_without_waiting_for_the_disk(
        tmp_path, monkeypatch):
    """For simulated nodes in one process: the operating system holds the writes."""
    path = tmp_path / "city.chain"
    rule_ = rule()
    chain = ChainStore(path, sync=False).open_chain(GENESIS, rule_)
    synced = []
    monkeypatch.setattr(store_module.os, "fsync", synced.append)
    added = [seal_next(chain, rule_), seal_next(chain, rule_)]
    assert synced == []
    reloaded = ChainStore(path).load(GENESIS, rule())
    assert reloaded.head_hash == added[-1].hash


def test_a_failed_write_leaves_the_chain_and_the_file_as_they_were(tmp_path, monkeypatch):
    path = tmp_path / "city.chain"
    chain, _ = stored_chain(path, blocks=1)
    size, head, root = path.stat().st_size, chain.head_hash, chain.state.root()

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_module.os, "fsync", disk_full)
    rule_ = chain.rule
    block, _ = chain.build_block(BY_ADDRESS[rule_.who_may_seal(chain)[0]].key, [],
                                 chain.head.header.timestamp + PERIOD)
    with pytest.raises(StoreError, match="could not write block #2"):
        chain.add_block(block)
    assert (chain.head_hash, chain.state.root(), block.hash in chain.blocks) == (head, root, False)
    assert path.stat().st_size == size


def test_a_store_is_created_once_and_belongs_to_one_chain(tmp_path):
    path = tmp_path / "city.chain"
    ChainStore(path).create(GENESIS)
    with pytest.raises(StoreError, match="already exists"):
        ChainStore(path).create(GENESIS)
    other = dataclasses.replace(GENESIS, balances=((ALICE.address, 999),))
    with pytest.raises(StoreError, match="another chain"):
        ChainStore(path).load(other, rule())
    assert not (tmp_path / "city.chain.new").exists()


# --- a crash in the middle of an append ---------------------------------------------------------

def test_a_crash_at_any_byte_of_the_last_record_loses_only_that_block(tmp_path):
    source = tmp_path / "source.chain"
    chain, added = stored_chain(source, blocks=2)
    data = source.read_bytes()
    start, end, number = record_spans(data)[-1]
    assert number == 2 and end == len(data)
    complete = [b.hash for b in chain.canonical_chain()[:-1]]
    path = tmp_path / "crashed.chain"
    for cut in range(start, end + 1):
        path.write_bytes(data[:cut])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            reloaded = ChainStore(path).load(GENESIS, rule())
        torn = start < cut < end
        assert [type(w.message) for w in caught] == ([TornWriteWarning] if torn else [])
        if cut == end:
            assert reloaded.head_hash == chain.head_hash
            assert path.read_bytes() == data
        else:
            assert [b.hash for b in reloaded.canonical_chain()] == complete
            assert path.read_bytes() == data[:start]        # the torn tail is gone


def test_the_warning_says_what_was_recovered_and_the_store_works_on(tmp_path):
    path = tmp_path / "city.chain"
    stored_chain(path, blocks=2)
    data = path.read_bytes()
    path.write_bytes(data[:-10])
    rule_ = rule()
    with pytest.warns(TornWriteWarning, match="recovered up to block #1 and dropped"):
        chain = ChainStore(path).load(GENESIS, rule_)
    block = seal_next(chain, rule_)
    assert block.number == 2
    assert [b.number for b in ChainStore(path).read()] == [0, 1, 2]   # no warning now


# --- damage and tampering ---------------------------------------------------------------------

def test_a_flipped_byte_anywhere_is_a_typed_error_naming_the_block(tmp_path):
    source = tmp_path / "source.chain"
    stored_chain(source, blocks=2)
    data = source.read_bytes()
    spans = record_spans(data)
    path = tmp_path / "damaged.chain"
    for offset in range(len(data)):
        damaged = bytearray(data)
        damaged[offset] ^= 0xFF
        path.write_bytes(bytes(damaged))
        with pytest.raises(StoreCorrupted) as caught:
            ChainStore(path).read()
        message = str(caught.value)
        if offset < len(MAGIC):
            assert "not a minichain chain store" in message
            continue
        record, (start, end, number) = next((i, span) for i, span in enumerate(spans)
                                            if span[0] <= offset < span[1])
        if offset < start + store_module.PREFIX.size + store_module.GUARD_BYTES:
            before = f"the block after #{number - 1}" if record else "the genesis block"
            assert f"record {record} at byte {start} ({before})" in message, message
        else:
            assert f"block #{number} (record {record} at byte {start})" in message, message
        assert path.read_bytes() == bytes(damaged)           # nothing is truncated


def test_a_valid_checksum_over_an_invalid_block_is_refused_on_reload(tmp_path):
    path = tmp_path / "city.chain"
    chain, added = stored_chain(path, blocks=2)
    forged_header = dataclasses.replace(added[1].header, sealer_key=b"", signature=b"")
    forged = Block(seal_header(forged_header, MALLORY.key), added[1].transactions)
    data = path.read_bytes()
    start = record_spans(data)[2][0]
    path.write_bytes(data[:start] + encode_record(forged))
    with pytest.raises(StoreCorrupted, match=r"block #2 \(record 2\) is invalid") as caught:
        ChainStore(path).load(GENESIS, rule())
    assert isinstance(caught.value.__cause__, UnauthorisedSealer)
