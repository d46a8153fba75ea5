"""The chain's attacks from chapters 02-05, both ways: an edited store does not load, a
replayed or malleated payment is refused, and a merchant who waits for two confirmations
is safe from the double spend that fools one who ships at one (chapter 13).
"""

from __future__ import annotations

from minichain.attacks.chain_attacks import double_spend, replayed_payment, tampered_replica


def test_an_edited_store_does_not_load_and_an_untouched_one_does(tmp_path):
    tampering = tampered_replica(tmp_path)
    assert tampering.honest_head == 2
    assert tampering.flipped_byte.startswith("the store: block #1 (record 1 at byte ")
    assert tampering.flipped_byte.endswith("fails its SHA-256 checksum: the stored bytes were "
                                           "changed after they were written")
    assert tampering.rewritten_block == (
        "the store: block #1 (record 1) is invalid: block #1: the Merkle root of its "
        "transactions does not match the header's tx_root (a transaction was changed)")


def test_each_replay_is_refused():
    said = replayed_payment()
    assert said["on another chain"] == "transaction is for chain 1, this chain's id is 2"
    assert said["again on its own chain"].startswith("nonce 0 of 0x")
    assert said["with s flipped to n - s"].endswith(
        "(expected a low-S signature of this exact transaction)")


def test_one_confirmation_loses_the_goods_and_two_keep_them():
    hasty, careful = double_spend(wait=1), double_spend(wait=2)
    for story in (hasty, careful):
        assert story.most_seen == 1
        assert not story.paid_in_the_end and story.other_in_the_end
    assert hasty.shipped and hasty.merchant_lost
    assert not careful.shipped and not careful.merchant_lost


def test_meter_spoofing_is_refused_flagged_and_revoked():
    from minichain.attacks.chain_attacks import meter_spoofing
    story = meter_spoofing()
    assert story.unknown_key == "not a registered meter"
    assert story.on_chain == (5_000, 0)
    assert (story.flag.household, story.flag.export_wh, story.flag.limit_wh) == (
        "carol", 5_000, 1_859)
    assert story.after_revoke == "not a registered meter"
    assert story.new_meter == (1_000, 0)
