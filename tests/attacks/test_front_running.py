"""Front-running, both ways: the sealer's order decides who gets an open offer; with sealed
bids it decides nothing, and a ladder of sealed bids pays only without a deposit (chapter 13).
"""

from __future__ import annotations

import pytest

from minichain import cast
from minichain.attacks.front_running import (LADDER, OFFER_WH, bid_commitment,
                                             ladder_attack, ladder_break_even, saved,
                                             sealed_lot, take_race)
from minichain.attacks.lab import contract_lab
from minichain.contracts.client import R_NO_OFFER

MALLORY = cast.ATTACKER


@pytest.mark.parametrize("first, second", [(MALLORY, "bob"), ("bob", MALLORY)])
def test_in_the_open_book_whoever_the_sealer_puts_first_gets_the_offer(first, second):
    race = take_race(first)
    assert race.order == (first, second)
    assert race.buyer == first and race.refused == {second: R_NO_OFFER}
    assert race.gain == 200_000                   # 1,000 Wh at 12 ct instead of 32 ct


@pytest.mark.parametrize("commits, reveals", [
    (("bob", MALLORY), ("bob", MALLORY)), ((MALLORY, "bob"), ("bob", MALLORY)),
    (("bob", MALLORY), (MALLORY, "bob")), ((MALLORY, "bob"), (MALLORY, "bob"))])
def test_with_sealed_bids_the_order_of_the_block_decides_nothing(commits, reveals):
    lot = sealed_lot({"bob": 250_000, MALLORY: 200_000}, commits, reveals, deposit=10_000)
    assert (lot.winner, lot.price, lot.paid, lot.forfeited) == ("bob", 250_000, 250_000, 0)
    assert lot.spent == {"bob": 250_000, MALLORY: 0}       # deposits and her payment back
    assert lot.gain("bob") == saved(OFFER_WH, 250_000) == 70_000


def test_to_win_a_sealed_lot_mallory_must_outbid_bob():
    lot = sealed_lot({"bob": 250_000, MALLORY: 260_000})
    assert (lot.winner, lot.paid) == (MALLORY, 260_000)
    assert lot.gain(MALLORY) == 60_000 < take_race(MALLORY).gain


def test_a_ladder_without_a_deposit_wins_at_one_rung_above_bob_for_free():
    lot = ladder_attack(deposit=0)
    assert len(lot.commits) == 1 + len(LADDER) and lot.reveals[-1] == (MALLORY, 270_000)
    assert (lot.winner, lot.price, lot.forfeited) == (MALLORY, 270_000, 0)
    assert lot.gain(MALLORY) == 50_000 and lot.gain("bob") == 0


def test_a_deposit_makes_every_unrevealed_rung_cost_and_the_ladder_lose():
    break_even = ladder_break_even()
    assert break_even == 5_556                        # 50,000 µ€ over 9 unrevealed rungs
    just_below = ladder_attack(deposit=break_even - 1)
    assert just_below.forfeited == 9 * (break_even - 1) and just_below.gain(MALLORY) == 5
    lot = ladder_attack(deposit=break_even)
    assert lot.forfeited == 9 * break_even == 50_004 and lot.gain(MALLORY) == -4
    alice_got = 270_000 + 50_004
    assert lot.paid + lot.forfeited == alice_got


def test_a_reveal_that_does_not_match_or_is_not_the_bidders_is_refused():
    lab = contract_lab(("alice", "bob", MALLORY))
    start = lab.now
    lot = lab.deploy("sealed_bids", "alice", OFFER_WH, 120_000, start + 600, start + 1_200, 0)
    commitment = bid_commitment(lot.address, lab.address("bob"), 250_000, 42)
    assert lab.send("bob", lot, "commit", commitment).success
    lab.now = start + 600
    late = lab.send(MALLORY, lot, "commit", commitment)
    copied = lab.send(MALLORY, lot, "reveal", 1, 250_000, 42, value=250_000)
    wrong = lab.send("bob", lot, "reveal", 1, 240_000, 42, value=240_000)
    unpaid = lab.send("bob", lot, "reveal", 1, 250_000, 42, value=1)
    assert [str(r.error) for r in (late, copied, wrong, unpaid)] == [
        "bidding has closed", "only the bidder reveals a bid",
        "the price and salt do not match the commitment", "send the bid's payment with the reveal"]
    before = lab.state.root()
    assert lab.send("bob", lot, "reveal", 1, 250_000, 42, value=250_000).success
    assert lab.state.root() != before
    again = lab.send("bob", lot, "reveal", 1, 250_000, 42, value=250_000)
    assert str(again.error) == "bid already revealed"


def test_the_contract_hashes_what_bid_commitment_hashes():
    lab = contract_lab(("alice", "bob"))
    start = lab.now
    lot = lab.deploy("sealed_bids", "alice", OFFER_WH, 120_000, start + 600, start + 900, 0)
    bids = ((120_000, 0), (250_000, -1), (319_999, 2 ** 254))
    for price, salt in bids:
        lab.send("bob", lot, "commit", bid_commitment(lot.address, lab.address("bob"), price,
                                                      salt))
    lab.now = start + 600
    for bid, (price, salt) in enumerate(bids, 1):
        assert lab.send("bob", lot, "reveal", bid, price, salt,
                        value=OFFER_WH * price // 1000).success


def test_finish_pays_the_seller_the_winning_bid_and_the_forfeits_once():
    lab = contract_lab(("alice", "bob", MALLORY))
    start = lab.now
    lot = lab.deploy("sealed_bids", "alice", OFFER_WH, 120_000, start + 600, start + 1_200,
                     7_000)
    for who, price, salt in (("bob", 250_000, 1), (MALLORY, 260_000, 2)):
        commitment = bid_commitment(lot.address, lab.address(who), price, salt)
        assert lab.send(who, lot, "commit", commitment, value=7_000).success
    lab.now = start + 600
    assert lab.send("bob", lot, "reveal", 1, 250_000, 1, value=250_000).success
    early = lab.send("alice", lot, "finish")
    assert str(early.error) == "the reveal window is still open"
    lab.now = start + 1_200
    late = lab.send(MALLORY, lot, "reveal", 2, 260_000, 2, value=260_000)
    assert str(late.error) == "the reveal window has closed"
    alice = lab.balance("alice")
    assert lab.send(MALLORY, lot, "finish").success                 # anyone may finish
    again = lab.send("alice", lot, "finish")
    assert str(again.error) == "the lot is already finished"
    assert lab.send("alice", lot, "withdraw").success
    assert lab.balance("alice") == alice + 250_000 + 7_000          # Bob's bid, Mallory's deposit
    assert lab.send("bob", lot, "withdraw").success                 # his deposit back
    before = lab.state.copy()
    refused = lab.send(MALLORY, lot, "withdraw")
    assert str(refused.error) == "nothing to withdraw"
    before.increment_nonce(lab.address(MALLORY))
    assert lab.state.root() == before.root()
    assert lab.state.balance(lot.address) == 0
    assert lot.query(lab.state, "winner") == lab.address("bob")
