"""Headers, seals and blocks (chapter 03): what a block commits to and how it travels."""

from __future__ import annotations

import dataclasses
import json

import pytest

from ledger_fixtures import (ALICE, AUTHORITY, BOB, CAROL, CHAIN_ID, GENESIS_TIME, MALLORY,
                             add, new_chain, next_time, sunny_street_genesis, tamper,
                             with_transactions)
from minichain.block import (MAX_BLOCK_BYTES, SEAL_DOMAIN, ZERO_HASH, Block, Header,
                             receipts_root, seal_header, transactions_root)
from minichain.crypto import flip_s
from minichain.encoding import encode, sha256
from minichain.errors import (BadStateRoot, BadTransactionInBlock, InvalidBlock, InvalidValue,
                              MalformedTransaction, UnknownField)
from minichain.execution import Receipt
from minichain.merkle import EMPTY_ROOT, merkle_root

pytestmark = pytest.mark.usefixtures("each_crypto_backend")   # both backends


def sealed_block() -> Block:
    chain = new_chain()
    return add(chain, [ALICE.transfer(BOB.address, 250, nonce=0, data=b'{"wh":1500}'),
                       BOB.transfer(CAROL.address, 100, nonce=0)])


# --- the seal -------------------------------------------------------------------------

def test_the_sealer_signs_the_header_without_its_signature():
    header = sealed_block().header
    assert header.signing_digest == sha256(SEAL_DOMAIN + encode(
        dataclasses.replace(header, signature=b"")))
    assert header.seal_is_valid() and header.sealer == AUTHORITY.address
    assert header.sealer_key == AUTHORITY.public_key


def test_the_block_hash_covers_the_seal():
    header = sealed_block().header
    assert header.hash == sha256(encode(header))
    resealed = seal_header(header, MALLORY.key)
    assert resealed.signing_digest != header.signing_digest   # the sealer key is signed too
    assert resealed.hash != header.hash


@pytest.mark.parametrize("field, value", [
    ("parent_hash", bytes(32)), ("number", 9), ("timestamp", GENESIS_TIME + 1),
    ("difficulty", 2), ("gas_limit", 1), ("gas_used", 1), ("tx_root", bytes(32)),
    ("state_root", bytes(32)), ("receipts_root", bytes(32)), ("extra", b"x"),
    ("vote", "+" + MALLORY.address), ("sealer_key", MALLORY.public_key),
])
def test_changing_any_header_field_after_sealing_breaks_the_seal(field, value):
    header = sealed_block().header
    assert getattr(header, field) != value
    assert not dataclasses.replace(header, **{field: value}).seal_is_valid()


def test_an_unsealed_header_has_no_sealer_and_no_valid_seal():
    header = dataclasses.replace(sealed_block().header, sealer_key=b"", signature=b"")
    assert header.sealer == "" and not header.seal_is_valid()
    assert dataclasses.replace(header, sealer_key=b"\x02" + bytes(5)).sealer == ""


def test_a_high_s_seal_is_refused():
    header = sealed_block().header
    assert not dataclasses.replace(header, signature=flip_s(header.signature)).seal_is_valid()


# --- what the header commits to -------------------------------------------------------

def test_the_header_commits_to_the_transactions_and_their_receipts():
    chain = new_chain()
    block = add(chain, [ALICE.transfer(BOB.address, 250, nonce=0)])
    assert block.header.tx_root == merkle_root([stx.raw for stx in block.transactions])
    receipts = chain.receipts[block.hash]
    assert receipts == [Receipt(block.transactions[0].hash, True, 21_000)]
    assert block.header.receipts_root == receipts_root(receipts) == merkle_root(
        [encode(receipts[0].record())])
    assert block.header.state_root == chain.state.root()
    assert block.header.gas_used == 21_000


def test_the_genesis_block_commits_to_the_opening_balances_and_the_authorities():
    genesis = sunny_street_genesis()
    block = genesis.block()
    assert (block.number, block.header.parent_hash, block.header.timestamp) == (
        0, ZERO_HASH, GENESIS_TIME)
    assert block.header.tx_root == EMPTY_ROOT == block.header.receipts_root
    assert block.header.state_root == genesis.state().root()
    assert json.loads(block.header.extra) == [AUTHORITY.address]
    assert genesis.state().balance(ALICE.address) == 1_000
    assert transactions_root(()) == EMPTY_ROOT


# --- the wire -------------------------------------------------------------------------

def test_a_block_round_trips_through_its_bytes():
    block = sealed_block()
    back = Block.from_bytes(block.to_bytes())
    assert back == block and back.hash == block.hash
    assert back.header.seal_is_valid()


@pytest.mark.parametrize("count", [0, 1, 3])
def test_a_blocks_bytes_are_the_canonical_encoding_of_the_whole_block(count):
    """They are built from the header's and each transaction's own bytes; the same bytes."""
    block = sealed_block()
    carried = block.transactions + (
        MALLORY.transfer(ALICE.address, 1, nonce=0, data="é \\ \"".encode()),)
    block = with_transactions(block, carried[:count], AUTHORITY.key)
    assert len(block.transactions) == count
    assert block.to_bytes() == encode(block.to_plain())
    assert Block.from_bytes(block.to_bytes()).to_bytes() == block.to_bytes()


def test_a_block_over_the_size_limit_is_refused_before_parsing():
    with pytest.raises(InvalidBlock, match=f"over the {MAX_BLOCK_BYTES}-byte limit"):
        Block.from_bytes(b" " * (MAX_BLOCK_BYTES + 1))


@pytest.mark.parametrize("raw, message", [
    (b"nonsense", "malformed block: not canonical JSON"),
    (b"[]", "expected an object with header and transactions"),
    (b'{"header":{},"transactions":[]}', "missing field"),
])
def test_malformed_block_bytes_are_refused(raw, message):
    with pytest.raises(InvalidBlock, match=message):
        Block.from_bytes(raw)


def block_bytes_with(change) -> bytes:
    plain = json.loads(sealed_block().to_bytes())
    change(plain)
    return encode(plain)


@pytest.mark.parametrize("change, cause", [
    (lambda p: p["transactions"][1]["tx"].update(value=-5), InvalidValue),
    (lambda p: p["transactions"][1]["tx"].update(value="5"), InvalidValue),
    (lambda p: p["transactions"][1]["tx"].update(tip=1), UnknownField),
    (lambda p: p["transactions"][1]["tx"].update(nonce="0"), MalformedTransaction),
    (lambda p: p["transactions"][1].update(signature="0x00"), MalformedTransaction),
], ids=["negative-value", "value-as-text", "unknown-field", "nonce-as-text",
        "short-signature"])
def test_a_malformed_transaction_inside_block_bytes_is_named_with_its_cause(change, cause):
    with pytest.raises(BadTransactionInBlock,
                       match="block #1: transaction 1 is invalid") as error:
        Block.from_bytes(block_bytes_with(change))
    assert type(error.value.__cause__) is cause


def test_block_bytes_that_are_not_canonical_are_refused():
    def drop_vote(plain):
        del plain["header"]["vote"]                 # a field left at its default
    with pytest.raises(InvalidBlock, match="not its canonical encoding"):
        Block.from_bytes(block_bytes_with(drop_vote))


# --- building -------------------------------------------------------------------------

def test_build_block_leaves_out_invalid_transactions_and_says_why():
    chain = new_chain()
    good = ALICE.transfer(BOB.address, 250, nonce=0)
    gap = ALICE.transfer(BOB.address, 1, nonce=7)
    foreign = ALICE.transfer(BOB.address, 1, nonce=1, chain_id=CHAIN_ID + 1)
    block, rejected = chain.build_block(AUTHORITY.key, [good, good, gap, foreign],
                                       next_time(chain))
    assert block.transactions == (good,)        # the repeat of good is skipped silently
    assert [type(r.error).__name__ for r in rejected] == ["NonceGap", "WrongChainId"]
    chain.add_block(block)
    assert chain.balance(BOB.address) == 1_250 and chain.height == 1


def test_a_sealed_block_can_be_replaced_field_by_field_for_tamper_tests():
    block = sealed_block()
    changed = tamper(block, reseal_with=AUTHORITY.key, timestamp=block.header.timestamp + 1)
    assert changed.header.seal_is_valid() and changed.hash != block.hash
    assert not tamper(block, timestamp=block.header.timestamp + 1).header.seal_is_valid()
    assert isinstance(changed.header, Header)


def test_a_sealer_adds_its_own_block_with_the_result_it_built_and_a_stranger_agrees():
    sealer, stranger = new_chain(), new_chain()
    transfers = [ALICE.transfer(BOB.address, 10 + n, nonce=n) for n in range(3)]
    block, _ = sealer.build_block(AUTHORITY.key, transfers, next_time(sealer))
    assert sealer.add_block(block) and stranger.add_block(block)
    assert sealer.state.root() == stranger.state.root() == block.header.state_root
    assert sealer.receipts[block.hash] == stranger.receipts[block.hash]
    assert sealer._built == {}


def test_a_built_block_changed_before_it_is_added_is_run_in_full_and_refused():
    chain = new_chain()
    block, _ = chain.build_block(AUTHORITY.key, [ALICE.transfer(BOB.address, 10, nonce=0)],
                                 next_time(chain))
    forged = tamper(block, reseal_with=AUTHORITY.key,
                    state_root=bytes(32))
    with pytest.raises(BadStateRoot):
        chain.add_block(forged)
    assert chain.height == 0
