"""The chapter 14 checks answer the usual wrong turns with the hint that fixes them.

Each test writes one plausible wrong answer and names the hint it must get. The checkers'
references are the library's, which the realworld tests hold against independent tools
(eth-keys for addresses, the EIP-225 layout for genesis files); here they are also held
against hand-worked numbers. The Vyper exercise compiles the learner's contract with the
real compiler and runs it on py-evm; without that toolchain it says it was not checked.
"""

from __future__ import annotations

import hashlib

import pytest
from checks_kit import failed_with, named

from minichain import cast
from minichain.checks import FORGOT_RETURN, PASSED, SKIPPED, check
from minichain.checks.ch14 import (CITY_CASES, SIGNER_CASES, blocks_for_city_reference)
from minichain.checks.quiz import answer, questions_of
from minichain.realworld.addresses import checksummed
from minichain.realworld.genesis import signers_of
from minichain.realworld.keccak import keccak256

requires_evm = pytest.mark.skipif(
    __import__("importlib").util.find_spec("boa") is None
    or __import__("importlib").util.find_spec("vyper") is None,
    reason="the evm extra is not installed: pip install -e '.[evm]'")


# --- the references -------------------------------------------------------------------------

def test_the_city_reference_on_the_worked_examples():
    answers = [blocks_for_city_reference(*inputs) for _, inputs in CITY_CASES]
    # EVM: (30M - 830k) // 88,240 = 330 orders a block -> ceil(200,000 / 330) = 607
    # minichain: (30M - 50k) // 13,070 = 2,291 -> ceil(200,000 / 2,291) = 88
    assert answers == [607, 88, 1, 2, 4, 31, 0]


def test_the_signer_cases_hold_three_one_five_and_three_signers():
    assert [len(signers_of(make())) for _, make in SIGNER_CASES] == [3, 1, 5, 3]
    street = signers_of(SIGNER_CASES[0][1]())
    assert street == sorted(street) and signers_of(SIGNER_CASES[3][1]()) == street


# --- ethereum_address_of ------------------------------------------------------------------------

@pytest.mark.parametrize("wrong,hint", [
    (lambda xy: "0x" + hashlib.sha256(xy).digest()[-20:].hex(), "not SHA-256"),
    (lambda xy: "0x" + hashlib.sha3_256(xy).digest()[-20:].hex(), "NIST's SHA3-256"),
    (lambda xy: "0x" + keccak256(xy)[:20].hex(), "LAST 20 bytes"),
    (lambda xy: "0x" + keccak256(b"\x04" + xy)[-20:].hex(), "the 0x04 byte"),
    (lambda xy: "0x" + keccak256(bytes([2 + (xy[-1] & 1)]) + xy[:32])[-20:].hex(),
     "not the 33-byte compressed one"),
    (lambda xy: keccak256(xy)[-20:].hex(), "'0x' followed by 40 lowercase hex digits"),
    (lambda xy: checksummed("0x" + keccak256(xy)[-20:].hex()), "return it lowercase"),
    (lambda xy: keccak256(xy)[-20:], "not the 20 raw bytes"),
    (lambda xy: "0x" + keccak256(xy).hex(), "keep the last 20"),
], ids=["sha256", "sha3", "first-20", "prefix-04", "compressed", "no-0x", "checksummed",
        "bytes", "whole-hash"])
def test_ethereum_address_wrong_turns_get_their_hint(wrong, hint):
    failed_with(named("ethereum_address_of")(wrong), "alice's 64-byte key", hint)


def test_ethereum_address_that_forgets_return_is_told_so():
    @named("ethereum_address_of")
    def forgot(xy):
        "0x" + keccak256(xy)[-20:].hex()
    failed_with(forgot, FORGOT_RETURN)


# --- genesis_signers ----------------------------------------------------------------------------

def _extra(genesis):
    return bytes.fromhex(genesis["extraData"][2:])


def _cut(body):
    return ["0x" + body[i:i + 20].hex() for i in range(0, len(body), 20)]


@pytest.mark.parametrize("wrong,hint", [
    (lambda g: _cut(_extra(g)[:-65]), "they are the vanity"),
    (lambda g: _cut(_extra(g)[32:]), "leave out the last 65 bytes"),
    (lambda g: _cut(_extra(g)), "read only the middle part"),
    (lambda g: ["0x" + t[i:i + 40] for t in [g["extraData"][2:][32:-65]]
                for i in range(0, len(t), 40)], "each byte is two characters"),
    (lambda g: ["0x" + t[i:i + 40] for t in [g["extraData"][32:-65]]
                for i in range(0, len(t), 40)], "(and the text starts with '0x')"),
    (lambda g: [a[2:] for a in signers_of(g)], "'0x' followed by 40 lowercase hex digits"),
    (lambda g: [bytes.fromhex(a[2:]) for a in signers_of(g)], "not raw bytes"),
    (lambda g: [checksummed(a) for a in signers_of(g)], "return them lowercase"),
    (lambda g: tuple(signers_of(g)), "return a list"),
], ids=["vanity", "seal", "both", "hex-offsets", "hex-offsets-0x", "no-0x", "bytes",
        "checksummed", "tuple"])
def test_genesis_signers_wrong_turns_get_their_hint(wrong, hint):
    failed_with(named("genesis_signers")(wrong), "Sunny Street's three authorities", hint)


def test_genesis_signers_that_ignores_the_vanity_is_caught_by_the_sunny_street_vanity():
    @named("genesis_signers")
    def zero_vanity_only(genesis):
        extra = _extra(genesis).lstrip(b"\0")        # works only while the vanity is zeros
        return _cut(extra[:-65].rstrip(b"\0")) if extra else []
    failed_with(zero_vanity_only)


# --- blocks_for_city ---------------------------------------------------------------------------

@pytest.mark.parametrize("wrong,hint", [
    (lambda h, o, per, fixed, limit: -(-(h * o * per + fixed) // limit),
     "pays the fixed gas again"),
    (lambda h, o, per, fixed, limit: h * o // ((limit - fixed) // per), "round up"),
    (lambda h, o, per, fixed, limit: -(-(h * o) // (limit // per)),
     "subtract it before dividing"),
    (lambda h, o, per, fixed, limit: -(-h // ((limit - fixed) // per)), "count orders, not homes"),
    (lambda h, o, per, fixed, limit: h * o / ((limit - fixed) // per), "a whole number (int)"),
], ids=["total-gas", "floor", "no-fixed", "homes", "float"])
def test_blocks_for_city_wrong_turns_get_their_hint(wrong, hint):
    failed_with(named("blocks_for_city")(wrong), "a city of 100,000 homes", hint)


def test_blocks_for_city_that_forgets_the_empty_city_fails_there():
    @named("blocks_for_city")
    def at_least_one(homes, orders_per_home, gas_per_order, fixed_gas, block_gas_limit):
        per_block = (block_gas_limit - fixed_gas) // gas_per_order
        return max(1, -(-(homes * orders_per_home) // per_block))
    failed_with(at_least_one, "no homes at all", "expected 0, got 1")


# --- score_in_vyper -----------------------------------------------------------------------------

SCORE = """
@external
@pure
def score(stars: uint256, ratings: uint256) -> uint256:
    return {body}
"""


def vyper(body: str):
    @named("score_in_vyper")
    def source():
        return SCORE.format(body=body)
    return source


@requires_evm
@pytest.mark.parametrize("body,fragments", [
    ("(5 * 3000 + 1000 * stars) // (5 + ratings)", ()),
    ("1000 * stars // ratings", ("score(5, 1) on the EVM: expected 3333, got 5000",
                                 "that is the plain average")),
    ("(5 * 3000 + 1000 * stars) // (5 + ratings) if ratings > 0 else 1000 * stars // ratings",
     ("score(0, 0) on the EVM reverted", "divides by zero")),
    ("(3000 + 1000 * stars) // (1 + ratings)", ("score(5, 1) on the EVM: expected 3333, got 4000",
                                                "the prior weighs as 5 ratings")),
    ("(5 * 3 + stars) // (5 + ratings)", ("three stars are 3000",)),
    ("(5 * 3 + 1000 * stars) // (5 + ratings)", ("not 3",)),
    ("(5 * 3000 + stars) // (5 + ratings)", ("each star counts 1000",)),
    ("(5 * 3000 + 1000 * stars) / (5 + ratings)",
     ("the Vyper compiler refused your contract: Cannot perform decimal division",
      "Vyper says: did you mean")),
], ids=["right", "plain-average", "reverts-for-newcomers",
        "prior-weight-1", "stars-not-milli", "prior-3", "star-1", "slash"])
def test_score_in_vyper_runs_the_learners_contract_on_the_evm(body, fragments):
    if not fragments:
        assert check(vyper(body)).status == PASSED
        return
    failed_with(vyper(body), *fragments)


@requires_evm
def test_score_in_vyper_without_external_or_with_another_name_is_told_to_expose_score():
    @named("score_in_vyper")
    def internal():
        return SCORE.replace("@external\n", "").format(body="0")
    failed_with(internal, "no function `score` that anyone can call", "mark it `@external`")

    @named("score_in_vyper")
    def syntax():
        return "def score(:\n    pass\n"
    failed_with(syntax, "the Vyper compiler refused your contract")


def test_score_in_vyper_that_returns_no_text_is_told_so_before_any_compiling():
    @named("score_in_vyper")
    def number():
        return 3000
    failed_with(number, "returned int", "return the contract's source as text")


def test_without_the_toolchain_the_vyper_check_says_not_checked_and_how_to_install(monkeypatch):
    import minichain.teach
    monkeypatch.setattr(minichain.teach, "missing", lambda modules: ["vyper", "boa"])
    verdict = check(vyper("(5 * 3000 + 1000 * stars) // (5 + ratings)"))
    assert verdict.status == SKIPPED
    assert repr(verdict) == ("⏭️ score_in_vyper: not checked in this kernel: the Vyper compiler "
                             "and titanoboa are not installed here (a browser kernel cannot "
                             "install them); to check your contract: pip install "
                             "'minichain[evm]'")


# --- concept questions ------------------------------------------------------------------------

def test_chapter_14_has_three_concept_questions_each_answered_a_with_a_nudge_for_the_rest():
    questions = questions_of(14)
    assert len(questions) == 3
    for question in questions:
        assert answer(14, question.number, "a").passed
        for letter in "bcd"[:len(question.choices) - 1]:
            verdict = answer(14, question.number, letter)
            assert not verdict.passed and "not this one" not in verdict.message


def test_the_address_question_is_true_of_the_cast():
    from minichain.realworld.addresses import ethereum_address
    alice = cast.wallet("alice")
    assert ethereum_address(alice.public_key) != alice.address
