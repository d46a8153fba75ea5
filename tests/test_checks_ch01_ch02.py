"""The chapter 01-02 checkers pass the right answers and meet each usual mistake with its hint.

A learner who gets an exercise wrong should read, in the verdict, the hint for the mistake
they actually made. Each test below writes one plausible wrong answer and names the hint
it must get.
"""

import hashlib
import json
from dataclasses import replace

import ecdsa
import pytest
from checks_kit import named
from ecdsa.util import sigdecode_string

from minichain import crypto
from minichain.checks import FAILED, PASSED, check, exercises_of
from minichain.checks import ch01, ch02
from minichain.encoding import encode, sha256
from minichain.errors import InsufficientFunds, InvalidTransaction, NonceGap, ReplayedNonce
from minichain.execution import apply_transaction
from minichain.wallet import message_digest, verify_message



def verdict_of(name, fn):
    return check(named(name)(fn))


def assert_hint(verdict, words):
    assert verdict.status == FAILED, repr(verdict)
    assert words in verdict.message, verdict.message


def test_each_chapter_registers_its_exercises_in_order():
    assert [ex.name for ex in exercises_of(1)] == [
        "hash_reading", "count_flipped_bits", "address_of", "verify_reading"]
    assert [ex.name for ex in exercises_of(2)] == [
        "check_nonce", "can_afford", "apply_transfer", "find_invalid"]


# --- chapter 01 ------------------------------------------------------------------------------

def test_hash_reading_hex_text_gets_the_raw_bytes_hint():
    verdict = verdict_of("hash_reading", lambda r: hashlib.sha256(encode(r)).hexdigest())
    assert_hint(verdict, "return the 32 raw bytes")


def test_hash_reading_with_json_dumps_gets_the_canonical_encoder_hint():
    verdict = verdict_of("hash_reading", lambda r: sha256(json.dumps(r).encode()))
    assert_hint(verdict, "the canonical encoder sorts keys")


def test_hash_reading_sorted_but_spaced_json_also_gets_the_canonical_encoder_hint():
    verdict = verdict_of("hash_reading",
                         lambda r: sha256(json.dumps(r, sort_keys=True).encode()))
    assert_hint(verdict, "use minichain.encoding.encode")


def test_hash_reading_with_the_signing_digest_gets_the_domain_tag_hint():
    assert_hint(verdict_of("hash_reading", message_digest), "domain tag")


def test_counting_bytes_or_hex_digits_instead_of_bits_gets_its_own_hint():
    by_byte = verdict_of("count_flipped_bits", lambda a, b: sum(x != y for x, y in zip(a, b)))
    assert_hint(by_byte, "you counted the bytes that differ")
    by_digit = verdict_of("count_flipped_bits",
                          lambda a, b: sum(x != y for x, y in zip(a.hex(), b.hex())))
    assert_hint(by_digit, "you counted hex digits")
    same = verdict_of("count_flipped_bits",
                      lambda a, b: sum(8 - bin(x ^ y).count("1") for x, y in zip(a, b)))
    assert_hint(same, "bits that stayed the same")


@pytest.mark.parametrize("wrong, words", [
    (lambda pk: "0x" + sha256(pk)[:20].hex(), "LAST 20 bytes"),
    (lambda pk: sha256(pk)[-20:].hex(), "start the address with '0x'"),
    (lambda pk: sha256(pk)[-20:], "an address is text"),
    (lambda pk: "0x" + sha256(pk)[-20:].hex().upper(), "lowercase"),
    (lambda pk: "0x" + sha256(pk).hex(), "only 20 bytes"),
])
def test_address_of_mistakes_get_their_hints(wrong, words):
    assert_hint(verdict_of("address_of", wrong), words)


def test_verify_reading_that_trusts_any_valid_signature_is_told_to_check_the_meter():
    assert_hint(verdict_of("verify_reading", verify_message), "also check address_of")


def test_verify_reading_that_always_says_yes_is_told_the_signature_covers_the_reading():
    assert_hint(verdict_of("verify_reading", lambda pk, r, s: True),
                "the signature covers the exact reading")


def test_verify_reading_with_plain_ecdsa_accepts_high_s_and_is_told_the_low_s_rule():
    def plain_ecdsa(public_key, reading, signature):
        if crypto.address_from_public_key(public_key) != reading["meter"]:
            return False
        key = ecdsa.VerifyingKey.from_string(public_key, curve=ecdsa.SECP256k1)
        try:
            return key.verify_digest(signature, message_digest(reading),
                                     sigdecode=sigdecode_string)
        except ecdsa.BadSignatureError:
            return False
    assert_hint(verdict_of("verify_reading", plain_ecdsa), "low-S")


def test_verify_reading_that_raises_on_a_short_signature_is_told_to_return_false():
    def strict(public_key, reading, signature):
        if len(signature) != 64:
            raise ValueError("signature must be 64 bytes")
        return (crypto.address_from_public_key(public_key) == reading["meter"]
                and verify_message(public_key, reading, signature))
    assert_hint(verdict_of("verify_reading", strict), "not an error")


# --- chapter 02 ------------------------------------------------------------------------------

def test_check_nonce_with_the_errors_swapped_is_told_they_are_swapped():
    def swapped(expected, got):
        if got < expected:
            raise NonceGap(f"next is {expected}")
        if got > expected:
            raise ReplayedNonce(f"next is {expected}")
    assert_hint(verdict_of("check_nonce", swapped), "the two are swapped")


def test_check_nonce_with_a_generic_error_is_told_the_specific_classes():
    def generic(expected, got):
        if got != expected:
            raise ValueError(f"bad nonce, next is {expected}")
    assert_hint(verdict_of("check_nonce", generic), "raise the specific class")


def test_check_nonce_whose_message_omits_the_next_nonce_is_told_to_say_it():
    def mute(expected, got):
        if got < expected:
            raise ReplayedNonce("replayed")
        if got > expected:
            raise NonceGap("gap")
    assert_hint(verdict_of("check_nonce", mute), "name the next nonce")


def test_check_nonce_that_rejects_the_right_nonce_is_told_to_accept_it():
    def picky(expected, got):
        if got <= expected:
            raise ReplayedNonce(f"next is {expected}")
        raise NonceGap(f"next is {expected}")
    assert_hint(verdict_of("check_nonce", picky), "return without raising")


@pytest.mark.parametrize("wrong, words", [
    (lambda balance, tx: balance >= tx.value, "also pays the fee"),
    (lambda balance, tx: balance >= tx.value + tx.intrinsic_gas() * tx.gas_price,
     "MAXIMUM fee"),
    (lambda balance, tx: balance > tx.value + tx.gas * tx.gas_price, ">=, not >"),
])
def test_can_afford_mistakes_get_their_hints(wrong, words):
    assert_hint(verdict_of("can_afford", wrong), words)


def solution_transfer(balances, nonces, tx):
    expected = nonces.get(tx.sender, 0)
    if tx.nonce != expected:
        raise (ReplayedNonce if tx.nonce < expected else NonceGap)(f"next is {expected}")
    if balances.get(tx.sender, 0) < tx.value:
        raise InsufficientFunds("too little")
    new_b, new_n = dict(balances), dict(nonces)
    new_b[tx.sender] = new_b.get(tx.sender, 0) - tx.value
    new_b[tx.to] = new_b.get(tx.to, 0) + tx.value
    new_n[tx.sender] = expected + 1
    return new_b, new_n


def test_a_correct_transfer_written_independently_passes():
    assert verdict_of("apply_transfer", solution_transfer).status == PASSED


def test_apply_transfer_that_changes_its_inputs_is_told_to_copy_them():
    def in_place(balances, nonces, tx):
        balances[tx.sender] = balances.get(tx.sender, 0) - tx.value
        balances[tx.to] = balances.get(tx.to, 0) + tx.value
        nonces[tx.sender] = nonces.get(tx.sender, 0) + 1
        return balances, nonces
    assert_hint(verdict_of("apply_transfer", in_place), "work on copies")


def test_apply_transfer_that_mints_on_a_self_payment_is_told_why():
    def mints(balances, nonces, tx):
        new_b, new_n = solution_transfer(balances, nonces, tx)
        new_b[tx.sender] = balances.get(tx.sender, 0) - tx.value
        new_b[tx.to] = balances.get(tx.to, 0) + tx.value
        return new_b, new_n
    assert_hint(verdict_of("apply_transfer", mints), "paying yourself")


def test_apply_transfer_that_indexes_a_missing_account_is_told_about_get():
    def indexes(balances, nonces, tx):
        if tx.nonce != nonces[tx.sender]:
            raise ReplayedNonce(f"next is {nonces[tx.sender]}")
        return solution_transfer(balances, nonces, tx)
    assert_hint(verdict_of("apply_transfer", indexes), ".get(address, 0)")


def test_apply_transfer_that_accepts_any_nonce_is_told_to_raise():
    def trusting(balances, nonces, tx):
        return solution_transfer(balances, nonces, replace(tx, nonce=nonces.get(tx.sender, 0)))
    assert_hint(verdict_of("apply_transfer", trusting), "raising the typed error")


def test_apply_transfer_that_forgets_the_nonce_is_told_it_goes_up():
    def forgetful(balances, nonces, tx):
        return solution_transfer(balances, nonces, tx)[0], dict(nonces)
    assert_hint(verdict_of("apply_transfer", forgetful), "goes up by one")


def test_find_invalid_that_checks_each_against_the_start_is_told_to_apply_in_order():
    def each_alone(state, transactions, context):
        for index, stx in enumerate(transactions):
            try:
                apply_transaction(state.copy(), stx, context)
            except InvalidTransaction:
                return index
        return None
    assert_hint(verdict_of("find_invalid", each_alone), "apply them in order")


def test_find_invalid_that_uses_the_given_state_is_told_to_copy_it():
    def in_place(state, transactions, context):
        for index, stx in enumerate(transactions):
            try:
                apply_transaction(state, stx, context)
            except InvalidTransaction:
                return index
        return None
    assert_hint(verdict_of("find_invalid", in_place), "state.copy()")


def test_find_invalid_that_answers_minus_one_for_all_valid_is_told_to_return_none():
    def minus_one(state, transactions, context):
        work = state.copy()
        for index, stx in enumerate(transactions):
            try:
                apply_transaction(work, stx, context)
            except InvalidTransaction:
                return index
        return -1
    assert_hint(verdict_of("find_invalid", minus_one), "return None")


def test_the_reference_transfer_agrees_with_the_library_state_on_every_case():
    for _, balances, nonces, tx in ch02.TRANSFER_CASES:
        try:
            mine = solution_transfer(balances, nonces, tx)
        except InvalidTransaction as error:
            with pytest.raises(type(error)):
                ch02.reference_transfer(balances, nonces, tx)
        else:
            got_b, got_n = ch02.reference_transfer(balances, nonces, tx)
            assert {k: v for k, v in mine[0].items() if v} == got_b
            assert mine[1] == got_n


def test_the_bit_reference_counts_the_avalanche_digest_pair_by_hand():
    a, b = ch01.BIT_CASES[-1]
    assert ch01.flipped_bits(a, b) == bin(int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).count("1")
