"""The chapter 00-02 figures, read as data: what a learner sees is what the ledger says.

The builders are pure, so each test builds a figure from known values and checks the
numbers and words in it: the flipped bits are the ones that differ, a tampered transfer
shows a failed check, a rejected transaction leaves every balance where it was.
"""

from dataclasses import replace

import pytest
from hypothesis import given, settings, strategies as st

from minichain.encoding import hash_of
from minichain.execution import BlockContext
from minichain.state import State
from minichain.viz.keys import (History, avalanche_figure, balances_figure, bits_of,
                                flip_histogram_figure, signed_transfer_figure,
                                sunny_street_figure, transfer_checks, transfer_history)
from minichain.wallet import Wallet

ALICE, BOB, CAROL = (Wallet.from_seed(name) for name in ("alice", "bob", "carol"))
SEALER = Wallet.from_seed("grid-operator")           # the cast's grid operator
NAMES = {ALICE.address: "Alice", BOB.address: "Bob", CAROL.address: "Carol"}
CONTEXT = BlockContext(chain_id=1, number=1, timestamp=1_782_000_000, sealer=SEALER.address)


def funded(**balances):
    state = State()
    for name, balance in balances.items():
        state.set_balance(Wallet.from_seed(name).address, balance)
    state.commit()
    return state


def test_bits_are_read_most_significant_first():
    assert bits_of(b"\x80\x01") == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]


def test_the_avalanche_grid_marks_exactly_the_bits_that_differ():
    before = hash_of({"meter": "alice", "slot": 48, "exported_wh": 1234})
    after = hash_of({"meter": "alice", "slot": 48, "exported_wh": 1235})
    figure = avalanche_figure(before, after)
    grid = figure.data[0]
    flat_z = [cell for row in grid.z for cell in row]
    flat_text = [cell for row in grid.text for cell in row]
    differ = [int(a != b) for a, b in zip(bits_of(before), bits_of(after))]
    assert len(grid.z) == 16 and all(len(row) == 16 for row in grid.z)
    assert flat_z == differ
    assert flat_text == [str(bit) for bit in bits_of(after)]
    assert figure.layout.title.text.startswith(f"{sum(differ)} of 256 bits flipped")


def test_a_small_avalanche_grid_uses_rows_of_eight_and_refuses_unequal_lengths():
    figure = avalanche_figure(b"\x00\x00", b"\x00\x03", title="two bits")
    assert [list(row) for row in figure.data[0].z] == [[0] * 8, [0, 0, 0, 0, 0, 0, 1, 1]]
    assert figure.layout.title.text == "two bits"
    with pytest.raises(ValueError, match="equal length"):
        avalanche_figure(b"\x00", b"\x00\x00")


def test_the_flip_histogram_counts_every_change_once():
    figure = flip_histogram_figure([120, 131, 120, 128])
    bars = figure.data[0]
    assert list(bars.x) == [120, 128, 131] and list(bars.y) == [2, 1, 1]
    assert figure.layout.title.text == "4 one-Wh changes: 120 to 131 of 256 bits flip"
    assert figure.layout.xaxis.range == (0, 256)
    with pytest.raises(ValueError):
        flip_histogram_figure([])


def test_a_genuine_transfer_passes_every_stateless_check():
    stx = BOB.transfer(ALICE.address, 300, nonce=0)
    assert transfer_checks(stx) == [("key matches sender", True), ("signature verifies", True),
                                    ("chain id is 1", True)]
    figure = signed_transfer_figure(stx, NAMES)
    assert figure.layout.title.text == "Bob pays Alice €0.0003: every check passes ✓"
    texts = " ".join(a.text for a in figure.layout.annotations)
    assert "value: €0.0003" in texts and "nonce: 0 · chain: 1" in texts
    assert "✗" not in texts


def test_a_tampered_value_shows_the_signature_check_failing():
    stx = BOB.transfer(ALICE.address, 300, nonce=0)
    tampered = replace(stx, tx=replace(stx.tx, value=3_000))
    assert transfer_checks(tampered)[1] == ("signature does not verify", False)
    figure = signed_transfer_figure(tampered, NAMES)
    assert figure.layout.title.text == "Bob pays Alice €0.003: ✗ signature does not verify"


def test_a_transfer_signed_by_another_key_or_for_another_chain_fails_those_checks():
    stolen = replace(CAROL.transfer(ALICE.address, 5, 0), tx=replace(
        CAROL.transfer(ALICE.address, 5, 0).tx, sender=BOB.address))
    assert transfer_checks(stolen)[0] == ("key is not the sender's", False)
    other_chain = BOB.transfer(ALICE.address, 5, 0, chain_id=2)
    assert transfer_checks(other_chain)[2] == ("chain id 2, not 1", False)
    assert "0x" in signed_transfer_figure(other_chain).layout.annotations[1].text


def test_the_history_records_each_step_and_a_rejected_one_changes_nothing():
    first = BOB.transfer(ALICE.address, 300, nonce=0)
    state = funded(bob=1_000)
    root = state.root()
    history = transfer_history(state, [first, first, BOB.transfer(CAROL.address, 800, 1),
                                       BOB.transfer(CAROL.address, 700, 1)], CONTEXT, NAMES)
    assert state.root() == root
    assert history.outcomes == ("applied", "ReplayedNonce", "InsufficientFunds", "applied")
    assert history.labels == ("start", "1. Bob → Alice €0.0003", "2. Bob → Alice €0.0003",
                              "3. Bob → Carol €0.0008", "4. Bob → Carol €0.0007")
    assert history.balances == {"Alice": (0, 300, 300, 300, 300),
                                "Bob": (1_000, 700, 700, 700, 0),
                                "Carol": (0, 0, 0, 0, 700)}
    assert history.nonces["Bob"] == (0, 1, 1, 1, 2)


def test_the_balances_figure_draws_every_account_and_marks_the_rejected_steps():
    history = History(labels=("start", "1. a", "2. b"),
                      balances={"Alice": (0, 5, 5), "Bob": (9, 4, 4)},
                      nonces={"Alice": (0, 0, 0), "Bob": (0, 1, 1)},
                      outcomes=("applied", "NonceGap"))
    figure = balances_figure(history)
    assert [(t.name, t.y) for t in figure.data] == [
        ("Alice", (0, 5, 5)), ("Alice", (0, 0, 0)), ("Bob", (9, 4, 4)), ("Bob", (0, 1, 1))]
    assert [a.text for a in figure.layout.annotations] == ["✗ NonceGap"]
    assert {(s.x0, s.x1) for s in figure.layout.shapes} == {(1.6, 2.4)}
    assert figure.layout.xaxis2.ticktext == ("start", "1. a", "2. b")
    assert figure.layout.title.text.startswith("2 transactions, 1 rejected")


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([ALICE, BOB, CAROL]), st.sampled_from([ALICE, BOB, CAROL]),
                          st.integers(0, 700), st.integers(0, 3)), max_size=6))
def test_supply_is_conserved_and_rejected_steps_change_nothing(moves):
    transactions = [sender.transfer(to.address, value, nonce) for sender, to, value, nonce in moves]
    history = transfer_history(funded(alice=500, bob=500, carol=500), transactions, CONTEXT, NAMES)
    for step in range(len(history.labels)):
        assert sum(b[step] for b in history.balances.values()) == 1_500
    for step, outcome in enumerate(history.outcomes, start=1):
        if outcome != "applied":
            for series in (*history.balances.values(), *history.nonces.values()):
                assert series[step] == series[step - 1]


def test_the_street_shows_the_households_and_the_three_authorities():
    figure = sunny_street_figure()
    houses, authorities = figure.data
    assert [t.split("<br>")[0] for t in houses.text] == ["Alice", "Bob", "Carol", "Dave"]
    assert list(authorities.text) == ["grid operator", "municipality", "energy co-op"]
    texts = [a.text for a in figure.layout.annotations]
    assert "⚡ 1.2 kWh" in texts and "€0.24 (20 ct/kWh)" in texts
