"""Sybil ratings, both ways: free ratings lift Mallory past Bob's minimum at once; the
reputation contract refuses a rating without a settled trade, so the ring must trade,
deliver and be attested, and the cost is measured; one rating per partner would need as
many fakes as ratings (chapter 13).
"""

from __future__ import annotations

import pytest

from minichain.attacks.sybil import (MIN_SCORE, naive_score, partner_score, sybil_ring,
                                     trades_for)
from minichain.contracts.client import R_BID_REPUTATION_TOO_LOW, R_NOT_SETTLED
from minichain.errors import MarketError


def test_without_the_rule_five_free_ratings_lift_a_newcomer_to_four_stars():
    assert [naive_score(n) for n in range(6)] == [3000, 3333, 3571, 3750, 3888, 4000]
    assert trades_for(MIN_SCORE) == 5 and trades_for(4_500) == 15
    with pytest.raises(MarketError, match="3000 to 4999"):
        trades_for(5_000)


def test_with_the_rule_a_rating_needs_a_settled_trade_and_the_ring_pays_for_trades():
    ring = sybil_ring(size=1, trades=5)
    assert ring.refused_without_trade == R_NOT_SETTLED
    assert ring.refused_before == R_BID_REPUTATION_TOO_LOW
    assert (ring.score_before, ring.score_after, ring.took_bid) == (3000, 4000, True)
    assert (ring.moved, ring.penalties, ring.delivered_wh) == (400, 0, 5)   # 5 Wh at 8 ct


def test_one_trade_short_the_ring_fails():
    ring = sybil_ring(size=1, trades=4)
    assert (ring.score_after, ring.took_bid) == (3888, False)


def test_undelivered_trades_still_rate_but_cost_the_bond_at_retail():
    ring = sybil_ring(size=1, trades=5, delivered_wh=0)
    assert ring.took_bid and ring.penalties == 5 * 320


def test_one_rating_per_partner_would_need_as_many_fakes_as_ratings():
    assert sybil_ring(size=1).score_one_per_partner == 3333
    assert sybil_ring(size=5).score_one_per_partner == 4000
    assert partner_score([("a", 5), ("a", 1), ("b", 5)]) == (15_000 + 6_000) // 7
