"""Denial of service, both ways: without the order cap a flood of 1 Wh bids makes a slot
impossible to clear and locks real orders' money for good; with the cap the slot clears;
book spam under the cap is measured (gas, fees, locked escrow) and stopped by revocation.
"""

from __future__ import annotations

from minichain.attacks.dos import (GRIEF_ORDERS, NO_CAP, book_spam, gas_griefing,
                                   spam_cost_per_day)
from minichain.contracts.client import R_BOOK_FULL, R_REVOKED

BLOCK = 30_000_000


def test_without_a_cap_the_spam_makes_the_slot_impossible_to_clear():
    grief = gas_griefing(cap=NO_CAP)
    assert (grief.spam_posted, grief.spam_refused) == (GRIEF_ORDERS, 0)
    assert not grief.cleared and grief.reason == "OutOfGas"
    assert grief.clear_gas == grief.block_gas == BLOCK
    assert grief.stuck == 640_000 + 500_000       # Alice's bond and Bob's escrow


def test_with_the_cap_the_spam_stops_and_the_slot_clears():
    grief = gas_griefing()
    assert (grief.cap, grief.spam_posted) == (800, 798)      # two places are Alice's and Bob's
    assert grief.spam_refused == 450 - (798 % 450)           # the rest of the refused batch
    assert grief.cleared and grief.clear_gas < BLOCK // 5 and grief.stuck == 0


def test_book_spam_under_the_cap_locks_bob_out_at_no_fee_and_capital_only():
    spammed = book_spam()
    assert (spammed.spam_posted, spammed.refused) == (800, R_BOOK_FULL)
    assert spammed.gas == 800 * 56_810 and spammed.fee == 0 == spammed.bob_fee
    assert spammed.locked == spammed.returned == 800 * 80          # escrow, all returned
    assert spammed.after_revoke == R_REVOKED


def test_a_gas_price_makes_her_pay_for_every_order_and_bob_for_his_refusal():
    spammed = book_spam(gas_price=1)
    assert spammed.fee == spammed.gas == 45_448_000                # 45.45 € for one slot
    assert spammed.bob_fee == 29_881
    assert spam_cost_per_day(56_810, 1) == 96 * 45_448_000


def test_the_lab_street_tells_the_same_story_with_a_third_of_the_block():
    from minichain.attacks.dos import LAB_BLOCK, LAB_CAP, LAB_ORDERS
    flooded = gas_griefing(cap=NO_CAP, orders=LAB_ORDERS, gas_limit=LAB_BLOCK)
    assert not flooded.cleared and flooded.clear_gas == LAB_BLOCK == 10_000_000
    assert flooded.stuck == 1_140_000
    capped = gas_griefing(cap=LAB_CAP, orders=LAB_ORDERS, gas_limit=LAB_BLOCK)
    assert (capped.cap, capped.spam_posted, capped.spam_refused) == (266, 264, 68)
    assert capped.cleared and capped.clear_gas < LAB_BLOCK // 5
