"""Reentrancy, both ways: the drain works on the buggy payouts and fails on each fix (chapter 13).

Mallory's drainer re-enters ``payouts_buggy`` and takes the other sellers' money; on the
fixed contract, and on each fix alone (the lock alone, checks-effects-interactions alone),
the same attack is refused and the state root is what a refused transaction leaves.
Chapter 07's audit (random calls against a plain-Python model) finds the bug, but only
when its random calls include the attacker's contract. And the street's market cannot be
re-entered: it calls only contracts fixed at deploy that never call anything that could
call it, read from its source and seen while it runs.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from minichain import cast
from minichain.attacks.reentrancy import (CREDITS, HOUSEHOLD_ACTIONS, MARKET_CONTRACTS,
                                          MAX_ROUNDS, STAKE, ExternalCall, audit,
                                          calls_between_contracts, drain, external_calls,
                                          market_calls, payout_lab, writers)
from minichain.contracts import compiled, source
from minichain.errors import CallDepthExceeded, TransferFailed
from minichain.execution import BlockContext, apply_transaction
from minichain.market.orders import BUY, SELL
from minichain.vm import compile_contract
from market_fixtures import toy_street

GUARD_ONLY = compile_contract(source("payouts_buggy").replace(
    "    @public\n    def withdraw", "    @public\n    @nonreentrant\n    def withdraw"))
EFFECTS_FIRST_ONLY = compile_contract(source("payouts_fixed").replace(
    "    @nonreentrant                                          # FIX 2\n", ""))
OWED = sum(amount for _, amount in CREDITS)          # 900 µ€ the other sellers are owed


def test_the_variants_are_what_they_say():
    guarded = "    @nonreentrant\n    def withdraw"
    assert guarded in GUARD_ONLY.source and "\n    @nonreentrant" not in EFFECTS_FIRST_ONLY.source
    assert "self.owed[msg.sender] = 0                          # BUG" in GUARD_ONLY.source
    assert GUARD_ONLY.code != compiled("payouts_buggy").code
    assert EFFECTS_FIRST_ONLY.code != compiled("payouts_fixed").code


def test_the_drainer_empties_the_buggy_payouts():
    drained = drain("payouts_buggy")
    assert drained.receipt.success
    assert (drained.rounds, drained.held_before, drained.held_after) == (9, OWED + STAKE, 0)
    assert drained.loot == OWED + STAKE                 # ten times its own 100 µ€
    assert drained.owed_after == dict(CREDITS)          # the books still say they are owed
    assert not drained.refused and drained.root_after != drained.root_before


@pytest.mark.parametrize("contract, reason", [
    ("payouts_fixed", "reentrant call: withdraw waits until this contract's running call "
                      "ends (@nonreentrant)"),
    (GUARD_ONLY, "reentrant call: withdraw waits until this contract's running call ends "
                 "(@nonreentrant)"),
    (EFFECTS_FIRST_ONLY, "nothing to withdraw"),
], ids=["both fixes", "the lock alone", "effects first alone"])
def test_each_fix_refuses_the_same_attack_and_leaves_the_state_as_it_was(contract, reason):
    drained = drain(contract, rounds=9)
    assert not drained.receipt.success and drained.receipt.error.reason == reason
    assert drained.refused                               # only Mallory's nonce moved
    assert (drained.held_after, drained.loot) == (OWED + STAKE, 0)


@pytest.mark.parametrize("contract", ["payouts_buggy", "payouts_fixed", GUARD_ONLY,
                                      EFFECTS_FIRST_ONLY])
def test_without_rounds_the_drainer_is_an_honest_receiver_everywhere(contract):
    """rounds = 0: it withdraws its own 100 µ€ and is told so; every version pays it once."""
    drained = drain(contract, rounds=0)
    assert drained.receipt.success and drained.loot == STAKE
    assert drained.held_after == OWED


def test_the_buggy_payouts_cannot_pay_the_sellers_after_the_drain():
    lab = payout_lab("payouts_buggy")
    assert lab.attack(9).success
    refused = lab.send("alice", lab.payouts, "withdraw")
    assert isinstance(refused.error, TransferFailed)
    assert refused.error.reason == "the contract holds 0 µ€, cannot send 400 µ€"
    assert lab.send(cast.ATTACKER, lab.drainer, "cash_out").success
    assert lab.state.balance(lab.people[cast.ATTACKER].address) == 10_000 + OWED + STAKE


def test_the_machines_depth_limit_caps_one_transaction_but_does_not_stop_the_attack():
    lab = payout_lab("payouts_buggy", credits=(("alice", 5_000),))
    assert MAX_ROUNDS == 15
    too_deep = lab.attack(MAX_ROUNDS + 1)
    assert isinstance(too_deep.error, CallDepthExceeded)
    assert lab.attack(MAX_ROUNDS).success               # 16 withdrawals of 100 in one go
    assert lab.state.balance(lab.drainer.address) == 16 * STAKE


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 12), st.lists(st.integers(1, 5), min_size=1, max_size=4))
def test_a_fixed_payouts_never_pays_out_more_than_it_owes(rounds, hundreds):
    """Solvency, for any credits and any rounds: what it holds is what it owes."""
    credits = tuple(zip(("alice", "bob", "carol"), (100 * h for h in hundreds)))
    for contract in ("payouts_fixed", GUARD_ONLY, EFFECTS_FIRST_ONLY):
        lab = payout_lab(contract, credits=credits)
        lab.attack(rounds)
        owed = sum(lab.owed(name) for name in ("alice", "bob", "carol", "drainer"))
        assert lab.held() == owed == lab.payouts.read(lab.state, "total_owed")


# --- chapter 07's audit ---------------------------------------------------------------------

def test_the_audit_finds_the_reentrancy_when_the_attackers_contract_is_among_the_callers():
    found = [audit("payouts_buggy", seed) for seed in range(4)]
    assert found[0] == ("call 7: Mallory's contract attack(1): the contract accepted it, the "
                        "model refuses it")
    assert sum(1 for result in found if result) >= 3


def test_the_audit_of_households_alone_finds_nothing():
    assert [audit("payouts_buggy", seed, actions=HOUSEHOLD_ACTIONS) for seed in range(4)] == \
        [None] * 4


@pytest.mark.parametrize("contract", ["payouts_fixed", GUARD_ONLY, EFFECTS_FIRST_ONLY])
def test_the_audit_of_each_fix_finds_nothing(contract):
    assert [audit(contract, seed, calls=60) for seed in range(3)] == [None] * 3


# --- the market --------------------------------------------------------------------------

def test_the_market_calls_only_the_three_contracts_fixed_at_deploy():
    calls = market_calls()
    targets = {call.target for call in calls["market"]}
    assert targets == {"self.registry", "self.oracle", "self.reputation"}
    for variable in ("registry", "oracle", "reputation"):
        assert writers(source("market"), variable) == ["__init__"]
    assert {(c.interface, c.method) for c in calls["market"]} == {
        ("Identity", "status_of"), ("Identity", "is_authority"), ("Identity", "account_of"),
        ("MeterOracle", "export_of"), ("Reputation", "score"), ("Reputation", "record")}


def test_none_of_them_calls_anything_that_could_call_the_market():
    calls = market_calls()
    assert calls["identity"] == []                     # the registry calls nobody
    assert [(c.interface, c.method, c.target) for c in calls["meter_oracle"]] == [
        ("Identity", "household_of", "self.registry")]
    assert [(c.interface, c.method, c.target) for c in calls["reputation"]] == [
        ("Identity", "account_of", "self.registry")]  # a rater's account, whichever key signs
    for contract in ("meter_oracle", "reputation"):
        assert writers(source(contract), "registry") == ["__init__"]
    assert set(calls) == set(MARKET_CONTRACTS)


def test_external_calls_reads_the_buggy_payouts_hook_as_a_call_to_an_address_from_storage():
    call, = external_calls(source("payouts_buggy"))
    assert call == ExternalCall("withdraw", "Receiver", "paid", "self.notice[msg.sender]", 49)
    assert writers(source("payouts_buggy"), "notice") == []    # an entry, set by anyone
    assert writers(source("payouts_buggy"), "total_owed") == ["credit", "withdraw"]


def test_a_market_day_on_chain_calls_between_contracts_only_along_those_edges():
    street = toy_street(("alice", "bob", "carol"))
    market, h, slot = street.market, street.households, 12
    market.post(h["alice"], SELL, 2_000, 12, slot)
    market.post(h["carol"], SELL, 1_000, 10, slot, min_reputation=2_000)
    market.post(h["bob"], BUY, 1_500, 25, slot)
    market.take(h["bob"], 2, 100)
    market.clear(slot, by=h["bob"], at=market.gate_closure(slot))
    market.submit_reading(street.meters["alice"], slot, 1_000, 0, at=market.slot_end(slot))
    market.submit_reading(street.meters["bob"], slot, 0, 1_500)
    market.settle(slot, by=h["bob"], at=market.window_end(slot))
    market.rate(h["bob"], 1, 4)
    chain = market.chain
    contracts = market.contracts
    name = {contracts.market.address: "market", contracts.identity.address: "identity",
            contracts.oracle.address: "oracle", contracts.reputation.address: "reputation"}
    seen = set()
    for block in chain.canonical_chain()[1:]:
        state = chain.states[block.header.parent_hash].copy()
        context = BlockContext(chain.chain_id, block.number, block.header.timestamp,
                               block.header.sealer)
        for stx in block.transactions:
            seen |= {(name[a], name[b]) for a, b in calls_between_contracts(state, stx, context)}
            apply_transaction(state, stx, context)
    assert seen == {("market", "identity"), ("market", "oracle"), ("market", "reputation"),
                    ("oracle", "identity"), ("reputation", "identity")}
    assert not any(callee == "market" for _, callee in seen)
