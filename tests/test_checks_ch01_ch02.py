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

from decimal import Decimal
from fractions import Fraction

from minichain import crypto
from minichain.checks import FAILED, FORGOT_RETURN, PASSED, check, exercises_of
from minichain.checks import ch01, ch02
from minichain.encoding import encode, sha256
from minichain.tx import TX_BASE_GAS
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
        "hash_reading", "count_flipped_bits", "wh_from_kwh", "address_of", "verify_reading",
        "recover_key"]
    assert [ex.name for ex in exercises_of(2)] == [
        "check_nonce", "can_afford", "fee_paid", "apply_transfer", "find_invalid"]


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
    (lambda text: int(float(text) * 1000), "float('1.001') * 1000 is 1000.9999999999999"),
    (lambda text: round(float(text) * 1000), "a float keeps only about 16 significant digits"),
    (lambda text: float(text) * 1000, "float(text) is a float"),
    (lambda text: int(text.replace(".", "")), "pad the decimals to three digits"),
    (lambda text: Decimal(text) * 1000, "return it as a plain int"),
    (lambda text: Fraction(text) * 1000, "return it as a plain int"),
    (lambda text: None, FORGOT_RETURN),
], ids=["int of a float", "round of a float", "a float", "no padding", "Decimal", "Fraction",
        "no return"])
def test_wh_from_kwh_mistakes_get_their_hints(wrong, words):
    assert_hint(verdict_of("wh_from_kwh", wrong), words)


def test_whole_wh_from_the_digits_passes_and_the_large_reading_defeats_a_float():
    def digits(text):
        whole, _, decimals = text.partition(".")
        return int(whole) * 1000 + int(decimals.ljust(3, "0"))
    assert verdict_of("wh_from_kwh", digits).status == PASSED
    assert "9007199254740.993" in verdict_of("wh_from_kwh",
                                             lambda t: round(float(t) * 1000)).message


def recover(reading1, signature1, reading2, signature2, digest=message_digest, order="big",
            modulo=True, give="d"):
    return ch01._recover(reading1, signature1, reading2, signature2, digest=digest,
                         order=order, modulo=modulo, give=give)


@pytest.mark.parametrize("slip, words", [
    (dict(digest=lambda r: sha256(encode(r))), "not sha256(encode(reading))"),
    (dict(give="k"), "that is k, the nonce"),
    (dict(modulo=False), "work modulo n"),
    (dict(order="little"), "big-endian"),
], ids=["no domain tag", "k for d", "no modulo", "little-endian"])
def test_recover_key_slips_get_their_hints(slip, words):
    verdict = verdict_of("recover_key", lambda *args: recover(*args, **slip))
    assert_hint(verdict, words)
    assert "which is not the meter's key" in verdict.message


def test_recover_key_with_a_float_division_is_told_about_modular_inverses():
    def floats(reading1, signature1, reading2, signature2):
        z1, z2 = (int.from_bytes(message_digest(r), "big") for r in (reading1, reading2))
        r, s1 = int.from_bytes(signature1[:32], "big"), int.from_bytes(signature1[32:], "big")
        s2 = int.from_bytes(signature2[32:], "big")
        k = (z1 - z2) / (s1 - s2)
        return (s1 * k - z1) / r
    assert_hint(verdict_of("recover_key", floats), "pow(x, -1, n)")


def test_the_recover_cases_reuse_one_nonce_and_the_reference_recovers_each_key():
    for _, (reading1, signature1, reading2, signature2), secret in ch01._recover_cases():
        assert signature1[:32] == signature2[:32]                # same k, same r
        assert recover(reading1, signature1, reading2, signature2) == secret


@pytest.mark.parametrize("wrong, words", [
    (lambda pk: "0x" + sha256(pk)[:20].hex(), "LAST 20 bytes"),
    (lambda pk: sha256(pk)[-20:].hex(), "start the address with '0x'"),
    (lambda pk: sha256(pk)[-20:].hex().upper(), "start the address with '0x'"),
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


@pytest.mark.parametrize("wrong, words", [
    (lambda tx: tx.gas * tx.gas_price, "that is the MAXIMUM fee"),
    (lambda tx: tx.intrinsic_gas(), "the fee is that gas times tx.gas_price"),
    (lambda tx: TX_BASE_GAS * tx.gas_price, "16 gas per byte of tx.data"),
    (lambda tx: (TX_BASE_GAS + 16 * len(tx.data.hex())) * tx.gas_price, "not the hex digits"),
    (lambda tx: tx.intrinsic_gas() * tx.gas_price / 1, "return a whole number (int)"),
    (lambda tx: None, FORGOT_RETURN),
], ids=["gas limit", "no price", "no data", "hex digits", "a float", "no return"])
def test_fee_paid_mistakes_get_their_hints(wrong, words):
    assert_hint(verdict_of("fee_paid", wrong), words)


def test_the_fee_is_the_intrinsic_gas_times_the_price_even_at_a_huge_price():
    verdict = verdict_of("fee_paid", lambda tx: (21_000 + 16 * len(tx.data)) * tx.gas_price)
    assert verdict.status == PASSED
    assert_hint(verdict_of("fee_paid", lambda tx: int(tx.intrinsic_gas() * float(tx.gas_price))),
                "expected 21032000000000000000000000000")


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
