"""The chapter 13 checks answer the usual wrong turns with the hint that fixes them.

Each test writes one plausible wrong answer and names the hint it must get. The checkers'
reference answers are held against the library too: the commitment against the sealed-bid
contract (through the solution's run on the machine), the ratings against the reputation
rules, the refund against the fixed prepaid contract.
"""

from __future__ import annotations

from checks_kit import failed_with, named

from minichain import cast
from minichain.attacks.front_running import BID_TAG, bid_commitment
from minichain.attacks.rounding import prepaid_lab, settle_deal
from minichain.attacks.sybil import trades_for
from minichain.checks import ch13
from minichain.vm.opcodes import address_to_word, sha256_words

M = cast.ATTACKER


# --- find_front_runs ------------------------------------------------------------------------

def test_the_reference_finds_the_front_runs_the_cases_plant():
    assert ch13.front_runs(ch13.FRONT_RUN_CASES["Mallory's take put ahead of Bob's"]) == [
        (M, "bob", 1)]
    assert ch13.front_runs(ch13.FRONT_RUN_CASES["a block with two front-runs"]) == [
        (M, "bob", 7), (M, "carol", 6)]
    assert ch13.front_runs(ch13.FRONT_RUN_CASES["the honest order"]) == []


def test_block_order_taken_for_arrival_order_gets_the_sent_time_hint():
    @named("find_front_runs")
    def no_time(takes):
        found = []
        for i, (victim, offer, ok, _) in enumerate(takes):
            runner = next((w for w, o, a, _ in takes[:i] if a and o == offer and w != victim),
                          None)
            if not ok and runner:
                found.append((runner, victim, offer))
        return found
    failed_with(no_time, "the honest order", "reached the sealer LATER")


def test_swapped_roles_get_the_tuple_hint():
    @named("find_front_runs")
    def swapped(takes):
        return [(v, r, o) for r, v, o in ch13.front_runs(takes)]
    failed_with(swapped, "(front-runner, victim, offer)")


def test_pairing_takes_of_different_offers_gets_the_same_offer_hint():
    @named("find_front_runs")
    def any_offer(takes):
        return ch13._runs_any_offer(takes)
    failed_with(any_offer, "a take refused for its own reasons", "SAME offer")


def test_lists_instead_of_tuples_are_accepted():
    @named("find_front_runs")
    def as_lists(takes):
        return [list(item) for item in ch13.front_runs(takes)]
    from minichain.checks import check
    assert check(as_lists).passed


# --- commitment_of --------------------------------------------------------------------------

def test_the_reference_is_the_contracts_hash():
    lot, bidder = ch13.LOT, cast.wallet("bob").address
    assert bid_commitment(lot, bidder, 1, 2) == sha256_words(
        (BID_TAG, address_to_word(lot), address_to_word(bidder), 1, 2))


def test_leaving_out_the_tag_gets_the_tag_hint():
    @named("commitment_of")
    def no_tag(lot, bidder, price, salt):
        return sha256_words((address_to_word(lot), address_to_word(bidder), price, salt))
    failed_with(no_tag, "TAG word")


def test_leaving_out_the_lot_gets_the_lot_hint():
    @named("commitment_of")
    def no_lot(lot, bidder, price, salt):
        return sha256_words((BID_TAG, address_to_word(bidder), price, salt))
    failed_with(no_lot, "include the lot's address")


def test_lot_and_bidder_swapped_get_the_order_hint():
    @named("commitment_of")
    def swapped(lot, bidder, price, salt):
        return sha256_words((BID_TAG, address_to_word(bidder), address_to_word(lot), price, salt))
    failed_with(swapped, "TAG, lot, bidder, price, salt")


def test_price_and_salt_swapped_get_the_order_hint():
    @named("commitment_of")
    def swapped(lot, bidder, price, salt):
        return sha256_words((BID_TAG, address_to_word(lot), address_to_word(bidder), salt, price))
    failed_with(swapped, "the price comes before the salt")


# --- commit_and_reveal ----------------------------------------------------------------------

def _bid(deposit=True, wait=True, payment=lambda q, p: q * p // 1000, salt_shift=0):
    @named("commit_and_reveal")
    def bid(lab, lot, who, price, salt):
        commitment = bid_commitment(lot.address, lab.address(who), price, salt + salt_shift)
        value = lot.read(lab.state, "deposit") if deposit else 0
        receipt = lab.send(who, lot, "commit", commitment, value=value)
        number = lot.output("commit", receipt)
        if wait:
            lab.now = lot.read(lab.state, "commit_end")
        lab.send(who, lot, "reveal", number, price, salt,
                 value=payment(lot.read(lab.state, "quantity_wh"), price))
        return number
    return bid


def test_forgetting_the_deposit_gets_the_deposit_hint():
    failed_with(_bid(deposit=False), "send exactly the deposit", "value=lot.read(lab.state, "
                                                                 "'deposit')")


def test_revealing_before_bidding_closes_gets_the_wait_hint():
    failed_with(_bid(wait=False), "bidding is still open", "lab.now = ")


def test_a_payment_rounded_up_gets_the_payment_hint():
    failed_with(_bid(payment=lambda q, p: -(-q * p // 1000)), "send the bid's payment",
                "// 1000")


def test_a_payment_without_the_division_gets_the_payment_hint():
    failed_with(_bid(payment=lambda q, p: q * p), "asked for more than bob holds", "rounded down")


def test_committing_another_salt_gets_the_matching_hint():
    failed_with(_bid(salt_shift=1), "do not match the commitment",
                "reveal the same price and salt")


def test_committing_without_revealing_is_told_so():
    @named("commit_and_reveal")
    def commit_only(lab, lot, who, price, salt):
        receipt = lab.send(who, lot, "commit", bid_commitment(lot.address, lab.address(who),
                                                              price, salt),
                           value=lot.read(lab.state, "deposit"))
        return lot.output("commit", receipt)
    failed_with(commit_only, "never revealed")


def test_returning_nothing_after_a_good_bid_gets_the_return_hint():
    good = _bid()

    @named("commit_and_reveal")
    def silent(lab, lot, who, price, salt):
        good(lab, lot, who, price, salt)
    failed_with(silent, "did you forget `return`")


# --- ratings_needed -------------------------------------------------------------------------

def test_the_reference_agrees_with_the_library():
    for target in ch13.RATING_CASES[1:]:
        assert ch13.ratings_needed(target) == trades_for(target)
    assert ch13.ratings_needed(4_000) == 5 and ch13.ratings_needed(4_999) == 9_995


def test_a_strict_comparison_gets_the_at_least_hint():
    @named("ratings_needed")
    def strict(target):
        return ch13._strictly_above(target)
    failed_with(strict, "AT LEAST")


def test_forgetting_the_prior_gets_the_prior_hint():
    @named("ratings_needed")
    def one(target):
        return 0 if target <= 3000 else 1
    failed_with(one, "five imaginary three-star ratings")


def test_a_formula_rounded_down_gets_the_round_up_hint():
    @named("ratings_needed")
    def floor(target):
        return int(5 * (target - 3000) / (5000 - target))
    failed_with(floor, "round up")


# --- refund_for -----------------------------------------------------------------------------

def test_the_reference_refund_is_what_the_fixed_contract_pays():
    lab, prepaid = prepaid_lab("prepaid_fixed")
    for quantity, price, delivered in ch13.REFUND_CASES:
        deal = settle_deal(lab, prepaid, "bob", quantity, price, delivered)
        assert deal.refund == deal.locked - delivered * price // 1000


def test_the_buggy_contracts_refund_gets_its_hint():
    @named("refund_for")
    def up(locked, quantity, price, delivered):
        return ((quantity - delivered) * price + 999) // 1000
    failed_with(up, "prepaid_buggy's refund")


def test_a_refund_rounded_down_on_its_own_gets_the_dust_hint():
    @named("refund_for")
    def down(locked, quantity, price, delivered):
        return (quantity - delivered) * price // 1000
    failed_with(down, "rounding dust", "locked - paid")


def test_the_sellers_part_rounded_up_gets_its_hint():
    @named("refund_for")
    def seller_up(locked, quantity, price, delivered):
        return locked - (delivered * price + 999) // 1000
    failed_with(seller_up, "rounded down, as every amount is")


def test_a_float_refund_gets_the_integer_hint():
    @named("refund_for")
    def as_float(locked, quantity, price, delivered):
        return locked - delivered * price / 1000
    failed_with(as_float, "whole number")


# --- blocks_before_stall --------------------------------------------------------------------

def test_the_reference_matches_the_double_spend_and_the_clone():
    from minichain.attacks.chain_attacks import double_spend
    assert ch13.blocks_before_stall(1, 3) == double_spend(1).most_seen == 1
    assert ch13.blocks_before_stall(2, 3) is None          # each side of the cloned key


def test_half_of_the_keys_gets_the_majority_hint():
    @named("blocks_before_stall")
    def half(keys, n):
        return None if keys >= n / 2 else keys
    failed_with(half, "blocks_before_stall(3, 6)", "floor(N/2) + 1")


def test_one_block_for_any_minority_gets_the_per_key_hint():
    @named("blocks_before_stall")
    def one(keys, n):
        return None if keys >= n // 2 + 1 else 1
    failed_with(one, "blocks_before_stall(3, 7)", "seals up to k blocks")


def test_a_frozen_minority_gets_its_hint():
    @named("blocks_before_stall")
    def frozen(keys, n):
        return None if keys >= n // 2 + 1 else 0
    failed_with(frozen, "not frozen at once")


def test_one_key_short_gets_the_count_hint():
    @named("blocks_before_stall")
    def short(keys, n):
        return None if keys >= n // 2 + 1 else keys - 1
    failed_with(short, "count every key")
