"""Replay across chain ids and malleated signatures: already stopped, here proven (chapter 13).

Sunny Street's chain (id 1) and a test network that copies its keys and balances (id 2):
a transfer Alice signed for one is refused by the other, alone or inside a block, and the
state root does not move; replayed on its own chain it is a used nonce. A signature with
``s`` flipped to ``n - s`` is just as valid to plain ECDSA and gives the transaction a new
id: the low-S rule refuses it, so nobody can make a "different" copy of Alice's payment.
The same holds for the other things keys sign: a finality vote for one chain does not
count on another, and a signature over a meter reading is no transaction's signature.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from minichain import cast, crypto
from minichain.block import Block, seal_header
from minichain.chain import Chain, Genesis
from minichain.errors import (BadFinalityVote, BadSignature, BadTransactionInBlock,
                              ReplayedNonce, WrongChainId)
from minichain.finality import FinalityRule, Link, check_vote, sign_vote
from minichain.tx import SignedTransaction, check_signature
from minichain.wallet import message_digest

ALICE, BOB = cast.wallet("alice"), cast.wallet("bob")
SEALER = cast.wallet(cast.GRID_OPERATOR)


def street_chain(chain_id: int) -> Chain:
    return Chain(Genesis(chain_id=chain_id, balances=((ALICE.address, 1_000),),
                         authorities=(SEALER.address,)))


def test_a_payment_for_one_chain_is_refused_by_another_and_changes_nothing():
    street, test_network = street_chain(1), street_chain(2)
    payment = ALICE.transfer(BOB.address, 300, nonce=0, chain_id=1)
    street.seal(SEALER.key, [payment], street.head.header.timestamp + 5)
    assert street.balance(BOB.address) == 300
    with pytest.raises(WrongChainId, match="transaction is for chain 1, this chain's id is 2"):
        check_signature(payment, test_network.chain_id)
    before = test_network.state.root()
    block, rejected = test_network.build_block(SEALER.key, [payment],
                                               test_network.head.header.timestamp + 5)
    assert [type(r.error) for r in rejected] == [WrongChainId] and block.transactions == ()
    forced = Block(seal_header(replace(street.head.header,
                                       parent_hash=test_network.head_hash), SEALER.key),
                   (payment,))
    with pytest.raises(BadTransactionInBlock) as refused:
        test_network.add_block(forced)
    assert isinstance(refused.value.__cause__, WrongChainId)
    assert test_network.state.root() == before and test_network.balance(BOB.address) == 0


def test_replayed_on_its_own_chain_it_is_a_used_nonce():
    street = street_chain(1)
    payment = ALICE.transfer(BOB.address, 300, nonce=0)
    street.seal(SEALER.key, [payment], street.head.header.timestamp + 5)
    block, rejected = street.build_block(SEALER.key, [payment],
                                         street.head.header.timestamp + 5)
    assert [type(r.error) for r in rejected] == [ReplayedNonce]
    assert street.balance(BOB.address) == 300


def test_a_malleated_signature_is_refused_and_would_have_been_a_new_id():
    payment = ALICE.transfer(BOB.address, 300, nonce=0)
    malleated = SignedTransaction(payment.tx, payment.public_key,
                                  crypto.flip_s(payment.signature))
    assert malleated.hash != payment.hash               # a "different" transaction
    assert not crypto.is_low_s(malleated.signature)
    with pytest.raises(BadSignature, match="expected a low-S signature"):
        check_signature(malleated, 1)
    street = street_chain(1)
    _, rejected = street.build_block(SEALER.key, [malleated], street.head.header.timestamp + 5)
    assert [type(r.error) for r in rejected] == [BadSignature]


def test_a_finality_vote_does_not_cross_chains_and_a_reading_signature_is_no_payment():
    vote = sign_vote(SEALER.key, Link(1, 0, bytes(32), 2, bytes(range(32))))
    check_vote(vote, 1, FinalityRule())
    with pytest.raises(BadFinalityVote, match="for chain 1, this chain's id is 2"):
        check_vote(vote, 2, FinalityRule())
    reading = {"meter": ALICE.address, "slot": 40, "export_wh": 1_200}
    signature = ALICE.sign_message(reading)
    payment = ALICE.transfer(BOB.address, 300, nonce=0)
    forged = SignedTransaction(payment.tx, ALICE.public_key, signature)
    with pytest.raises(BadSignature):
        check_signature(forged, 1)
    assert message_digest(reading) != payment.tx.signing_digest
