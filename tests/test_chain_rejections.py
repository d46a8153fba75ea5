"""Every way a transaction or a block is refused (chapters 02-03), and the tamper story.

Each rejection is a typed error whose message says what was wrong and what was expected,
and it leaves everything exactly as it was: the state root for a transaction applied on
its own, the chain's head, blocks and every stored state root for a block.

Transactions are refused on two paths: applied on their own
(``execution.apply_transaction``) and inside a block (``Chain.add_block`` raises
``BadTransactionInBlock`` whose ``__cause__`` is the specific error). A transaction that
is malformed cannot exist in memory, so its two paths are the wire: the transaction's own
bytes and the bytes of a block that carries it.

Blocks are refused by building a valid block with ``chain.build_block`` and changing one
thing, re-sealing where the point is to get past the seal check, so that exactly the
targeted check fails; the honest block is then accepted, proving nothing else was wrong.
"""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from ledger_fixtures import (ALICE, AUTHORITY, BOB, CAROL, CHAIN_ID, MALLORY, add,
                             block_around, fingerprint, forged_transaction, new_chain,
                             next_context, next_time, state_fingerprint,
                             sunny_street_genesis, tamper, with_transactions)
from minichain.block import MAX_BLOCK_BYTES, Block, receipts_root, seal_header, transactions_root
from minichain.chain import Chain, verify_chain
from minichain.crypto import flip_s
from minichain.encoding import encode, sha256
from minichain.errors import (BadGasUsed, BadMerkleRoot, BadReceiptsRoot, BadSeal,
                              BadSignature, BadStateRoot, BadTimestamp,
                              BadTransactionInBlock, BlockTooLarge, ConsensusError,
                              DuplicateTransaction, GasLimitExceeded, InsufficientFunds,
                              IntrinsicGasTooLow, InvalidBlock, InvalidTransaction,
                              InvalidValue, MalformedTransaction, ReplayedNonce, NonceGap,
                              TransactionTooLarge, UnauthorisedSealer, UnknownField,
                              UnknownParent, WrongChainId, WrongNumber, WrongParent,
                              WrongSigner)
from minichain.execution import apply_transaction
from minichain.tx import MAX_TX_BYTES, SignedTransaction, Transaction

pytestmark = pytest.mark.usefixtures("each_crypto_backend")   # both backends

# Block #1 of every scenario: Alice pays Bob 250 (her nonce 0). After it Alice holds 750.
FIRST_PAYMENT = ALICE.transfer(BOB.address, 250, nonce=0)
# An honest transaction that goes first in the blocks that carry a bad one.
BOBS_PAYMENT = BOB.transfer(CAROL.address, 40, nonce=0)


def street_after_one_payment() -> Chain:
    chain = new_chain()
    add(chain, [FIRST_PAYMENT])
    return chain


def alices_next(**changes) -> Transaction:
    """Alice's next transaction (nonce 1), with some fields changed."""
    fields = dict(sender=ALICE.address, nonce=1, chain_id=CHAIN_ID, kind="transfer",
                  to=CAROL.address, value=100)
    fields.update(changes)
    return Transaction(**fields)


def refused_everywhere(chain: Chain, stx: SignedTransaction, error: type, message: str) -> None:
    """``stx`` is refused with ``error`` on its own and inside a block; nothing changes."""
    # 1. on its own, against the state after the head
    state = chain.state.copy()
    before = state_fingerprint(state)
    with pytest.raises(error, match=message) as raised:
        apply_transaction(state, stx, next_context(chain))
    assert type(raised.value) is error
    assert state_fingerprint(state) == before

    # 2. inside a sealed block, after an honest transaction that must be undone too
    block = block_around(chain, [BOBS_PAYMENT, stx])
    chain_before = fingerprint(chain)
    with pytest.raises(BadTransactionInBlock,
                       match=f"block #{chain.height + 1}: transaction 1 is invalid") as raised:
        chain.add_block(block)
    assert type(raised.value.__cause__) is error
    assert re.search(message, str(raised.value.__cause__))
    assert fingerprint(chain) == chain_before

    # 3. and an honest sealer leaves it out of the blocks it builds, saying why
    built, rejected = chain.build_block(AUTHORITY.key, [BOBS_PAYMENT, stx], next_time(chain))
    assert built.transactions == (BOBS_PAYMENT,)
    assert [(r.transaction, type(r.error)) for r in rejected] == [(stx, error)]
    assert fingerprint(chain) == chain_before


# --- transactions: signatures ---------------------------------------------------------

def test_a_bad_signature_is_refused_and_changes_nothing():
    chain = street_after_one_payment()
    honest = ALICE.sign(alices_next())
    other = ALICE.sign(alices_next(value=700))
    stolen_signature = SignedTransaction(honest.tx, honest.public_key, other.signature)
    refused_everywhere(chain, stolen_signature, BadSignature,
                       f"signature does not verify for sender {ALICE.address} "
                       r"\(expected a low-S signature of this exact transaction\)")


def test_the_high_s_twin_of_a_good_signature_is_refused_and_changes_nothing():
    chain = street_after_one_payment()
    honest = ALICE.sign(alices_next())
    twin = SignedTransaction(honest.tx, honest.public_key, flip_s(honest.signature))
    refused_everywhere(chain, twin, BadSignature, "expected a low-S signature")


def test_a_transaction_signed_by_another_key_is_refused_and_changes_nothing():
    chain = street_after_one_payment()
    refused_everywhere(chain, MALLORY.sign(alices_next()), WrongSigner,
                       f"signed by the key of {MALLORY.address}, "
                       f"but the sender is {ALICE.address}")


def test_another_keys_signature_under_the_senders_public_key_is_refused():
    chain = street_after_one_payment()
    tx = alices_next()
    posing = SignedTransaction(tx, ALICE.public_key, MALLORY.key.sign(tx.signing_digest))
    refused_everywhere(chain, posing, BadSignature, "signature does not verify")


def test_a_transaction_for_another_chain_is_refused_and_changes_nothing():
    chain = street_after_one_payment()
    refused_everywhere(chain, ALICE.sign(alices_next(chain_id=CHAIN_ID + 1)), WrongChainId,
                       "transaction is for chain 2, this chain's id is 1")


# --- transactions: nonces and funds ---------------------------------------------------

def test_a_replayed_nonce_is_refused_and_changes_nothing():
    chain = street_after_one_payment()
    refused_everywhere(chain, FIRST_PAYMENT, ReplayedNonce,
                       f"nonce 0 of {ALICE.address} was already used; the next nonce is 1")


def test_a_second_spend_with_a_used_nonce_is_refused_and_changes_nothing():
    chain = street_after_one_payment()
    double_spend = ALICE.transfer(CAROL.address, 250, nonce=0)
    refused_everywhere(chain, double_spend, ReplayedNonce, "was already used")


def test_a_nonce_gap_is_refused_and_changes_nothing():
    chain = street_after_one_payment()
    refused_everywhere(chain, ALICE.sign(alices_next(nonce=3)), NonceGap,
                       f"nonce 3 of {ALICE.address} skips ahead; the next nonce is 1")


def test_an_overspend_is_refused_and_changes_nothing():
    chain = street_after_one_payment()
    refused_everywhere(chain, ALICE.sign(alices_next(value=751)), InsufficientFunds,
                       rf"{ALICE.address} has 750 but this transaction needs 751 "
                       r"\(value 751 \+ maximum fee 0\)")


def test_a_fee_the_sender_cannot_cover_is_an_overspend_too():
    chain = street_after_one_payment()
    refused_everywhere(chain, ALICE.sign(alices_next(value=0, gas_price=1)),
                       InsufficientFunds, r"needs 21000 \(value 0 \+ maximum fee 21000\)")


def test_too_little_gas_for_the_base_cost_is_refused_and_changes_nothing():
    chain = street_after_one_payment()
    refused_everywhere(chain, ALICE.sign(alices_next(gas=20_999)), IntrinsicGasTooLow,
                       "gas limit 20999 is below this transaction's base cost of 21000")


def test_a_negative_value_forged_in_memory_is_refused_and_changes_nothing():
    chain = street_after_one_payment()
    refused_everywhere(chain, forged_transaction(ALICE, nonce=1, value=-500), InvalidValue,
                       "an amount must be a non-negative int, got -500")


# --- transactions that cannot be built: refused on the wire ---------------------------

def block_bytes_carrying(chain: Chain, tx_plain_changes: dict | None = None,
                         replace_tx=None) -> bytes:
    """A sealed block's bytes whose second transaction a hostile peer rewrote."""
    plain = json.loads(block_around(chain, [BOBS_PAYMENT, ALICE.sign(alices_next())]).to_bytes())
    if tx_plain_changes:
        plain["transactions"][1]["tx"].update(tx_plain_changes)
    if replace_tx is not None:
        plain["transactions"][1] = replace_tx
    return encode(plain)


def refused_on_the_wire(chain: Chain, tx_raw: bytes, block_raw: bytes, error: type,
                        message: str, message_in_block: str | None = None) -> None:
    """Refused as a transaction's bytes and inside a block's bytes; nothing changes."""
    before = fingerprint(chain)
    with pytest.raises(error, match=message) as raised:
        SignedTransaction.from_bytes(tx_raw)
    assert type(raised.value) is error
    with pytest.raises(BadTransactionInBlock, match="block #2: transaction 1 is invalid") as raised:
        chain.add_block(Block.from_bytes(block_raw))
    assert type(raised.value.__cause__) is error
    assert re.search(message_in_block or message, str(raised.value.__cause__))
    assert fingerprint(chain) == before


def tx_bytes_with(**changes) -> bytes:
    plain = json.loads(ALICE.sign(alices_next()).raw)
    plain["tx"].update(changes)
    return encode(plain)


@pytest.mark.parametrize("value", [-500, "100", True, None], ids=["negative", "text",
                                                                   "boolean", "null"])
def test_a_negative_or_non_integer_value_from_the_wire_is_refused(value):
    chain = street_after_one_payment()
    refused_on_the_wire(chain, tx_bytes_with(value=value),
                        block_bytes_carrying(chain, {"value": value}), InvalidValue,
                        r"value must be (between 0 and 2\*\*256 - 1|a whole number)")


def test_a_fractional_value_from_the_wire_is_refused_as_malformed():
    chain = street_after_one_payment()
    tx_raw = tx_bytes_with().replace(b'"value":100', b'"value":99.5')
    block_raw = block_bytes_carrying(chain).replace(b'"value":100', b'"value":99.5')
    before = fingerprint(chain)
    with pytest.raises(MalformedTransaction, match="number 99.5 is not an integer"):
        SignedTransaction.from_bytes(tx_raw)
    with pytest.raises(InvalidBlock, match="malformed block: number 99.5 is not an integer"):
        Block.from_bytes(block_raw)
    assert fingerprint(chain) == before


def test_an_unknown_field_is_refused_and_changes_nothing():
    chain = street_after_one_payment()
    refused_on_the_wire(chain, tx_bytes_with(tip=5), block_bytes_carrying(chain, {"tip": 5}),
                        UnknownField, r"transaction has unknown field\(s\) \['tip'\]; "
                                      r"expected only \['chain_id', 'data'")


@pytest.mark.parametrize("changes, message", [
    ({"nonce": "1"}, "tx.nonce: expected an integer"),
    ({"kind": "mint"}, "kind must be one of"),
    ({"to": "carol"}, "to must be '0x' followed by 40 lowercase hex digits, got 'carol'"),
    ({"data": "1500 Wh"}, "expected 0x-prefixed hex"),
], ids=["nonce-as-text", "unknown-kind", "recipient-not-an-address", "data-not-hex"])
def test_a_malformed_transaction_is_refused_and_changes_nothing(changes, message):
    chain = street_after_one_payment()
    refused_on_the_wire(chain, tx_bytes_with(**changes), block_bytes_carrying(chain, changes),
                        MalformedTransaction, message)


@pytest.mark.parametrize("data_bytes, message_in_block", [
    (40_000, f"the signed transaction is over {MAX_TX_BYTES} bytes"),
    (50_000, "data is 50000 bytes; at most 49152"),
], ids=["signed-transaction-too-large", "data-too-large"])
def test_an_oversized_transaction_is_refused_and_changes_nothing(data_bytes, message_in_block):
    chain = street_after_one_payment()
    big = {"data": "0x" + "00" * data_bytes, "gas": 21_000 + 16 * data_bytes}
    tx_plain = json.loads(tx_bytes_with(**big))
    # its own bytes are too many to read; inside a block it is refused once parsed
    refused_on_the_wire(chain, encode(tx_plain), block_bytes_carrying(chain, replace_tx=tx_plain),
                        TransactionTooLarge, f"bytes is over the {MAX_TX_BYTES}-byte limit",
                        message_in_block)


def test_a_transaction_over_the_wire_limit_is_refused_before_it_is_read():
    with pytest.raises(TransactionTooLarge, match=f"is over the {MAX_TX_BYTES}-byte limit"):
        SignedTransaction.from_bytes(b"{" + b" " * MAX_TX_BYTES + b"}")


# --- blocks ---------------------------------------------------------------------------

def chain_and_honest_block(gas_limit: int | None = None) -> tuple[Chain, Block]:
    """A chain at block #1 and a valid block #2 (Bob pays Carol) not yet added."""
    chain = new_chain(gas_limit)
    add(chain, [FIRST_PAYMENT])
    block, rejected = chain.build_block(AUTHORITY.key, [BOBS_PAYMENT], next_time(chain))
    assert not rejected
    return chain, block


def refused_block(chain: Chain, bad: Block, honest: Block, error: type, message: str) -> None:
    """``bad`` is refused with ``error``; nothing changes; ``honest`` is then accepted."""
    before = fingerprint(chain)
    with pytest.raises(error, match=message) as raised:
        chain.add_block(bad)
    assert type(raised.value) is error
    assert fingerprint(chain) == before
    assert chain.add_block(honest) and chain.head_hash == honest.hash


def test_a_block_on_an_unknown_parent_is_refused_and_changes_nothing():
    chain, honest = chain_and_honest_block()
    bad = tamper(honest, AUTHORITY.key, parent_hash=sha256(b"a block nobody has seen"))
    refused_block(chain, bad, honest, UnknownParent,
                  r"block #2: parent [0-9a-f]{12}… is not a block this chain knows")
    assert issubclass(UnknownParent, WrongParent)


def test_a_block_with_the_wrong_number_is_refused_and_changes_nothing():
    chain, honest = chain_and_honest_block()
    refused_block(chain, tamper(honest, AUTHORITY.key, number=3), honest, WrongNumber,
                  "block #3: number should be 2, one more than its parent's")


@pytest.mark.parametrize("seconds_after_parent", [0, -1], ids=["same-second", "earlier"])
def test_a_timestamp_not_after_the_parent_is_refused_and_changes_nothing(seconds_after_parent):
    chain, honest = chain_and_honest_block()
    parent_time = chain.head.header.timestamp
    bad = tamper(honest, AUTHORITY.key, timestamp=parent_time + seconds_after_parent)
    refused_block(chain, bad, honest, BadTimestamp,
                  f"block #2: timestamp {parent_time + seconds_after_parent} is not after "
                  f"its parent's {parent_time}")


def test_a_block_sealed_by_someone_who_is_not_an_authority_is_refused():
    chain, honest = chain_and_honest_block()
    refused_block(chain, tamper(honest, MALLORY.key), honest, UnauthorisedSealer,
                  f"block #2: sealed by {MALLORY.address}, but only {AUTHORITY.address} "
                  "may seal")


def test_a_block_built_by_an_outsider_is_refused_too():
    chain, honest = chain_and_honest_block()
    outsiders, _ = chain.build_block(MALLORY.key, [BOBS_PAYMENT], next_time(chain))
    refused_block(chain, outsiders, honest, UnauthorisedSealer, "may seal")


def test_a_block_changed_after_sealing_is_refused_by_its_seal():
    chain, honest = chain_and_honest_block()
    refused_block(chain, tamper(honest, extra=b"edited"), honest, BadSeal,
                  "block #2: the seal signature does not verify for the header")


def test_a_block_with_the_wrong_difficulty_is_refused_and_changes_nothing():
    chain, honest = chain_and_honest_block()
    refused_block(chain, tamper(honest, AUTHORITY.key, difficulty=2), honest, ConsensusError,
                  "block #2: difficulty 2, expected 1")


def test_a_duplicate_transaction_in_a_block_is_refused_and_changes_nothing():
    chain, honest = chain_and_honest_block()
    bad = with_transactions(honest, [BOBS_PAYMENT, BOBS_PAYMENT], AUTHORITY.key)
    refused_block(chain, bad, honest, DuplicateTransaction,
                  rf"block #2: transaction 1 \({BOBS_PAYMENT.hash.hex()[:12]}…\) appears twice")


def test_a_block_with_the_wrong_merkle_root_is_refused_and_changes_nothing():
    chain, honest = chain_and_honest_block()
    bad = tamper(honest, AUTHORITY.key, tx_root=transactions_root([FIRST_PAYMENT]))
    refused_block(chain, bad, honest, BadMerkleRoot,
                  "block #2: the Merkle root of its transactions does not match the "
                  "header's tx_root")


def test_a_block_with_the_wrong_state_root_is_refused_and_changes_nothing():
    chain, honest = chain_and_honest_block()
    claimed = chain.state.root()                  # pretends Bob's payment changed nothing
    bad = tamper(honest, AUTHORITY.key, state_root=claimed)
    refused_block(chain, bad, honest, BadStateRoot,
                  f"block #2: applying its transactions gives state root "
                  f"{honest.header.state_root.hex()[:12]}…, the header says "
                  f"{claimed.hex()[:12]}…")


def test_a_block_with_the_wrong_gas_used_is_refused_and_changes_nothing():
    chain, honest = chain_and_honest_block()
    refused_block(chain, tamper(honest, AUTHORITY.key, gas_used=20_000), honest, BadGasUsed,
                  "block #2: transactions used 21000 gas, the header says 20000")


def test_a_block_with_the_wrong_receipts_root_is_refused_and_changes_nothing():
    chain, honest = chain_and_honest_block()
    bad = tamper(honest, AUTHORITY.key, receipts_root=receipts_root([]))
    refused_block(chain, bad, honest, BadReceiptsRoot, "block #2: the receipts root does not")


def test_a_block_over_the_size_limit_is_refused_and_changes_nothing():
    chain = new_chain()
    add(chain, [FIRST_PAYMENT])
    # 17 readings of 30 kB each (hex-encoded, 60 kB on the wire) fill most of 1 MiB ...
    bulky = [CAROL.transfer(BOB.address, 1, nonce=n, data=bytes([n]) * 30_000)
             for n in range(17)]
    honest, rejected = chain.build_block(AUTHORITY.key, bulky, next_time(chain))
    assert not rejected and len(honest.transactions) == 17
    room = MAX_BLOCK_BYTES - len(honest.to_bytes())
    assert 0 < room < 30_000
    # ... and the sealer's free-form extra data pushes it just over the limit
    too_big = tamper(honest, AUTHORITY.key, extra=bytes(room // 2 + 1))
    size = len(too_big.to_bytes())
    assert size in (MAX_BLOCK_BYTES + 1, MAX_BLOCK_BYTES + 2)
    refused_block(chain, too_big, honest, BlockTooLarge,
                  f"block #2: {size} bytes, the limit is {MAX_BLOCK_BYTES}")


def test_the_sealer_never_builds_a_block_its_own_chain_would_refuse_as_too_large():
    chain = new_chain()
    bulky = [CAROL.transfer(BOB.address, 1, nonce=n, data=bytes([n]) * 30_000)
             for n in range(18)]
    block, _ = chain.build_block(AUTHORITY.key, bulky, next_time(chain))
    assert len(block.to_bytes()) <= MAX_BLOCK_BYTES
    assert chain.add_block(block)
    assert block.transactions == tuple(bulky[:len(block.transactions)])


def test_a_block_claiming_another_gas_limit_is_refused_and_changes_nothing():
    chain, honest = chain_and_honest_block()
    refused_block(chain, tamper(honest, AUTHORITY.key, gas_limit=60_000_000), honest,
                  GasLimitExceeded, "block #2: gas limit 60000000, the chain's limit is 30000000")


def test_a_block_whose_transactions_ask_for_more_gas_than_the_limit_is_refused():
    chain, honest = chain_and_honest_block(gas_limit=50_000)
    hungry = BOB.transfer(CAROL.address, 40, nonce=0, gas=30_000)
    also_hungry = CAROL.transfer(ALICE.address, 5, nonce=0, gas=30_000)
    one, _ = chain.build_block(AUTHORITY.key, [hungry, also_hungry], next_time(chain))
    assert one.transactions == (hungry,)          # the sealer itself stops at the limit
    # hungry used 21000 of its 30000, so 29000 are left: not enough for 30000 more
    bad = with_transactions(one, [hungry, also_hungry], AUTHORITY.key)
    refused_block(chain, bad, honest, GasLimitExceeded,
                  "block #2: transaction 1 asks for 30000 gas with only 29000 left in the block")


def test_a_refused_block_leaves_every_stored_state_as_it_was():
    chain, honest = chain_and_honest_block()
    roots = {h: state.root() for h, state in chain.states.items()}
    for bad in (tamper(honest, AUTHORITY.key, state_root=bytes(32)),
                block_around(chain, [BOBS_PAYMENT, FIRST_PAYMENT])):
        with pytest.raises(InvalidBlock):
            chain.add_block(bad)
    assert {h: state.root() for h, state in chain.states.items()} == roots
    assert chain.balance(BOB.address) == 1_250 and chain.nonce(BOB.address) == 0


def test_adding_the_same_block_twice_is_a_no_op():
    chain, honest = chain_and_honest_block()
    assert chain.add_block(honest)
    before = fingerprint(chain)
    assert chain.add_block(honest) is False
    assert fingerprint(chain) == before


def test_verifying_a_chain_with_a_block_missing_stops_at_the_orphan():
    chain = new_chain()
    for n in range(3):
        add(chain, [ALICE.transfer(BOB.address, 1, nonce=n)])
    genesis, one, two, three = chain.canonical_chain()
    with pytest.raises(WrongParent, match=r"block #3: parent_hash [0-9a-f]{12}… does not match "
                                          r"the hash of block #1") as raised:
        verify_chain(chain.genesis, [genesis, one, three])
    assert type(raised.value) is WrongParent
    assert verify_chain(chain.genesis, [genesis, one, two, three]).head_hash == chain.head_hash


def test_a_chain_from_another_genesis_is_refused_at_block_0():
    chain = new_chain()
    other = Chain(sunny_street_genesis(balances=((ALICE.address, 1),)))
    with pytest.raises(WrongParent, match="block #0: this is not the agreed genesis block"):
        verify_chain(chain.genesis, [other.head])


def test_every_rejection_is_an_invalid_transaction_or_an_invalid_block():
    for error in (BadSignature, WrongSigner, WrongChainId, ReplayedNonce, NonceGap,
                  InsufficientFunds, InvalidValue, MalformedTransaction, UnknownField,
                  TransactionTooLarge, IntrinsicGasTooLow):
        assert issubclass(error, InvalidTransaction)
    for error in (WrongParent, UnknownParent, WrongNumber, BadTimestamp, BadMerkleRoot,
                  BadStateRoot, UnauthorisedSealer, BadSeal, DuplicateTransaction,
                  BlockTooLarge, GasLimitExceeded, BadTransactionInBlock, BadGasUsed,
                  BadReceiptsRoot):
        assert issubclass(error, InvalidBlock)


# --- the tamper story of chapter 03 ---------------------------------------------------

def reading(slot: int, wh: int) -> bytes:
    return encode({"slot": slot, "wh": wh})


def sunny_street_week() -> Chain:
    """Five blocks; in block n Bob pays Alice 15 tokens for her 1500 Wh of slot n."""
    chain = new_chain()
    for slot in range(1, 6):
        add(chain, [BOB.transfer(ALICE.address, 15, nonce=slot - 1, data=reading(slot, 1500))])
    return chain


def fails_at(chain: Chain, blocks: list[Block], error: type, number: int) -> Exception:
    """Verifying ``blocks`` from genesis fails with exactly ``error`` at block ``number``."""
    with pytest.raises(InvalidBlock) as raised:
        verify_chain(chain.genesis, blocks)
    assert type(raised.value) is error, raised.value
    assert str(raised.value).startswith(f"block #{number}:"), raised.value
    return raised.value


def test_changing_one_wh_in_an_old_block_is_caught_at_every_step_of_a_cover_up():
    chain = sunny_street_week()
    blocks = chain.canonical_chain()
    assert verify_chain(chain.genesis, blocks).head_hash == chain.head_hash
    two = blocks[2]
    honest_tx = two.transactions[0]
    assert honest_tx.tx.data == b'{"slot":2,"wh":1500}'

    # 1. Change 1500 Wh to 1900 Wh in block #2: its Merkle root no longer matches.
    changed_tx = SignedTransaction(dataclasses.replace(honest_tx.tx, data=reading(2, 1900)),
                                   honest_tx.public_key, honest_tx.signature)
    step1 = Block(two.header, (changed_tx,))
    fails_at(chain, blocks[:2] + [step1] + blocks[3:], BadMerkleRoot, 2)

    # 2. Recompute the Merkle root: now the seal over the header breaks.
    header2 = dataclasses.replace(two.header, tx_root=transactions_root([changed_tx]))
    step2 = Block(header2, (changed_tx,))
    fails_at(chain, blocks[:2] + [step2] + blocks[3:], BadSeal, 2)

    # 3. Re-seal with a key that is not an authority: refused as an unauthorised sealer.
    step3 = Block(seal_header(header2, MALLORY.key), (changed_tx,))
    fails_at(chain, blocks[:2] + [step3] + blocks[3:], UnauthorisedSealer, 2)

    # 4. Re-seal with the authority's own key: still caught at block #2, because Bob
    #    signed the reading and the changed one no longer matches his signature.
    step4 = Block(seal_header(header2, AUTHORITY.key), (changed_tx,))
    error = fails_at(chain, blocks[:2] + [step4] + blocks[3:], BadTransactionInBlock, 2)
    assert type(error.__cause__) is BadSignature

    # 5. Bob colludes and signs the changed reading: the receipt names the transaction's
    #    hash, so the receipts root in the header no longer matches.
    resigned = BOB.sign(changed_tx.tx)
    header5 = dataclasses.replace(two.header, tx_root=transactions_root([resigned]))
    step5 = Block(seal_header(header5, AUTHORITY.key), (resigned,))
    fails_at(chain, blocks[:2] + [step5] + blocks[3:], BadReceiptsRoot, 2)

    # 6. Recompute the receipts root and re-seal: block #2 is now valid, and block #3
    #    still points at the honest block #2, so the break moves to block #3.
    receipt = dataclasses.replace(chain.receipts[two.hash][0], tx_hash=resigned.hash)
    header6 = dataclasses.replace(header5, receipts_root=receipts_root([receipt]))
    step6 = Block(seal_header(header6, AUTHORITY.key), (resigned,))
    error = fails_at(chain, blocks[:2] + [step6] + blocks[3:], WrongParent, 3)
    assert "does not match the hash of block #2" in str(error)
    assert step6.header.state_root == two.header.state_root   # data is not in the state

    # ... and it is exactly the block #2 an honest sealer would have built from it
    replay = Chain(chain.genesis)
    replay.add_block(blocks[1])
    rebuilt, _ = replay.build_block(AUTHORITY.key, [resigned], two.header.timestamp)
    assert rebuilt == step6
    # Only rewriting every later block too would hide it: the whole cost of the attack.
