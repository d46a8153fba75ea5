"""When is a payment safe? Reorg depths under chapter 05's partitions, measured (chapter 05).

A payment with ``k`` confirmations sits ``k - 1`` blocks below a node's head; a reorg that
drops ``d`` blocks takes back every payment with ``d`` confirmations or fewer. These tests
pin the measurement down on stories whose outcome is known, and hold the sample to the
bound the chapter argues: with three honest authorities a partition undoes at most two
blocks (the lone authority's side seals one block, weighing at most 2; the other side's
blocks weigh at least 1 each, so it loses at most two of them, on a tie).
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

import pytest

from minichain.checks import ch05
from minichain.errors import MinichainError
from minichain.street_network import (MAJORITY_SIDE, MINORITY_SIDE, confirmations_for,
                                      finality_sample, partition_and_heal, reorg_depths,
                                      reversal_chances)


def split_time(network) -> float:
    return next(e.time for e in network.log if e.text.startswith("partition"))


def test_the_chapters_partition_takes_back_one_block_on_the_co_ops_side_only():
    network = partition_and_heal(seed=7).network
    depths = reorg_depths(network, since=split_time(network))
    assert depths == {name: 1 if name in MINORITY_SIDE else 0 for name in network.names}
    assert sorted(depths) == sorted(MAJORITY_SIDE + MINORITY_SIDE)


def test_a_split_asked_for_while_the_co_op_may_not_seal_waits_for_the_next_block_and_says_so():
    result = partition_and_heal(seed=7, split_at=20, heal_at=70)
    assert result.story[0] == (
        "the street splits at 21 s (asked for 20 s, but then coop's newest block, #3, was its "
        "own, so coop could not seal the next one and its side could not fork: the split "
        "waits until coop hears the next block) and heals at 70 s")
    assert split_time(result.network) == 21
    plain = partition_and_heal(seed=7, split_at=22, heal_at=70)
    assert plain.story[0] == "the street splits at 22 s and heals at 70 s"


def test_heal_after_counts_from_the_split_that_really_happened():
    network = partition_and_heal(seed=7, split_at=20, heal_at=0, duration=10, transfers=0,
                                 heal_after=6).network
    heal = next(e.time for e in network.log if e.text == "the partition heals")
    assert (split_time(network), heal, network.now) == (21, 27, 37)


def test_a_quick_heal_can_undo_two_blocks_of_the_bigger_side_on_a_tie():
    """Seed 1, split at 26 s, healed 12 s later: two out-of-turn blocks against one in turn,
    and the co-op's block has the smaller hash."""
    depths = finality_sample(seeds=(1,), split_times=(26,), heal_after=(12,))
    names = sorted(MAJORITY_SIDE + MINORITY_SIDE)
    assert dict(zip(names, depths)) == {name: 2 if name in MAJORITY_SIDE else 0
                                        for name in names}


def test_the_chance_of_a_reversal_is_the_share_of_reorgs_at_least_that_deep():
    depths = [0, 0, 1, 2, 0, 1]
    assert reversal_chances(depths) == [(1, Fraction(3, 6)), (2, Fraction(1, 6)),
                                        (3, Fraction(0))]
    assert reversal_chances(depths, most=5)[-1] == (5, Fraction(0))
    assert reversal_chances([0, 0]) == [(1, Fraction(0))]
    with pytest.raises(MinichainError, match="no reorg depths"):
        reversal_chances([])


@pytest.mark.parametrize("risk, needed", [(Fraction(1, 2), 1), (Fraction(1, 3), 2),
                                          (0.2, 2), (Fraction(1, 6), 2), (0, 3)])
def test_the_confirmations_needed_for_a_risk_are_the_first_whose_chance_is_below_it(risk, needed):
    assert confirmations_for([0, 0, 1, 2, 0, 1], risk) == needed


def test_the_sample_of_the_chapter_never_undoes_more_than_two_blocks():
    depths = finality_sample()
    assert len(depths) == 3 * 3 * 4 * 9           # seeds x split times x heals x nodes
    counts = Counter(depths)
    assert set(counts) == {0, 1, 2}
    assert counts == ch05.CHAPTER_SAMPLE          # the exercise's data is this measurement
    chances = reversal_chances(depths)
    assert [k for k, _ in chances] == [1, 2, 3]
    assert chances[0][1] > chances[1][1] > chances[2][1] == 0
    assert confirmations_for(depths, 0) == 3
