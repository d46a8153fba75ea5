"""Checks for the chapter 08 exercises: who may trade, the reading window, whose meter speaks,
and a reading hidden behind a salted commitment.

Each checker runs the learner's function on cases taken from Sunny Street's identity
registry and meter oracle, compares with reference answers (which
``tests/test_checks_ch08.py`` holds against the real contracts on chain), and recognises
the usual wrong turns to give the hint that fixes them: a revoked household given the
newcomer's reason, or refused what stays its own; an applicant allowed to trade; a window
that opens at the slot's start or includes its last second; the checks done in another
order; a revoked or merely applied household's meter taken as speaking for it; a
commitment without its salt, or a reveal that compares only part of the hash.
"""

from __future__ import annotations

import random
from typing import Any, Callable

from minichain.checks import Mismatch, exercise
from minichain.encoding import encode, hash_of, sha256
from minichain.contracts.client import (APPLIED, HOUSEHOLD, NOT_REGISTERED, R_DUPLICATE_READING,
                                     R_NO_SLOT, R_NOT_REGISTERED, R_REVOKED, R_SLOT_NOT_OVER,
                                     R_WINDOW_CLOSED, READING_WINDOW, REVOKED, SLOT_SECONDS)

STATUSES = (NOT_REGISTERED, APPLIED, HOUSEHOLD, REVOKED)
STATUS_NAMES = {NOT_REGISTERED: "NOT_REGISTERED", APPLIED: "APPLIED", HOUSEHOLD: "HOUSEHOLD",
                REVOKED: "REVOKED"}
ALLOWED = "allowed"
ACCEPTED = "accepted"
TRADING = ("deposit", "post", "take")       # the market asks the registry first
KEEPING = ("cancel", "withdraw")            # what a party already has stays its own
ACTIONS = TRADING + KEEPING


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _said(call: str, expected: Any, got: Any) -> str:
    return f"{call}: expected {expected!r}, got {got!r}"


def _answer(fn: Callable, args: tuple) -> Any:
    try:
        return fn(*args)
    except Exception as error:  # a learner's function may fail on another case
        return error


def _hint_for(fn: Callable, got: Any, args: tuple, mistakes: tuple, cases: list) -> str:
    """The hint of the mistake the learner made: first one that explains every case, else
    the first that gives the same wrong answer here ("" if none does)."""
    here = [(mistake, hint) for mistake, hint in mistakes if got == mistake(*args)]
    for mistake, hint in here:
        if all(_answer(fn, case) == mistake(*case) for case in cases):
            return hint
    return here[0][1] if here else ""


# --- refusal_reason -----------------------------------------------------------------------

def refusal(status: int, action: str) -> str:
    """What the market answers a party with this registry status that tries ``action``."""
    if action in KEEPING:
        return ALLOWED
    if status == REVOKED:
        return R_REVOKED
    if status != HOUSEHOLD:
        return R_NOT_REGISTERED
    return ALLOWED


def _revoked_like_newcomer(status: int, action: str) -> str:
    if action in KEEPING:
        return ALLOWED
    return ALLOWED if status == HOUSEHOLD else R_NOT_REGISTERED


def _applicant_trades(status: int, action: str) -> str:
    if status == APPLIED:
        return ALLOWED
    return refusal(status, action)


def _revoked_keeps_nothing(status: int, action: str) -> str:
    if status == REVOKED:
        return R_REVOKED
    return refusal(status, action)


def _strangers_keep_nothing(status: int, action: str) -> str:
    if status in (NOT_REGISTERED, APPLIED) and action in KEEPING:
        return R_NOT_REGISTERED
    return refusal(status, action)


def _every_action_checked(status: int, action: str) -> str:
    if status == REVOKED:
        return R_REVOKED
    return ALLOWED if status == HOUSEHOLD else R_NOT_REGISTERED


REFUSAL_MISTAKES: tuple[tuple[Callable[[int, str], str], str], ...] = (
    (_every_action_checked,
     "cancel and withdraw never ask the registry: what a party already has (its open orders, "
     "its free deposit) stays its own, whatever its status"),
    (_revoked_like_newcomer,
     "a revoked household gets its own reason, \"household revoked\": the market asks "
     "status != REVOKED first, so the household learns why"),
    (_applicant_trades,
     "applying is only the first layer: until an authority attests, the market answers "
     "\"not a registered household\""),
    (_revoked_keeps_nothing,
     "revocation stops new trading only: a revoked household may still cancel its open "
     "orders and withdraw its free deposit"),
    (_strangers_keep_nothing,
     "cancel and withdraw do not ask the registry at all: they are \"allowed\" for any "
     "status (the contract only checks that the order or the deposit is the caller's)"),
)


@exercise("refusal_reason", chapter=8, title="What the market says to whom",
          hint="cancel and withdraw are always \"allowed\"; for deposit, post and take: "
               "REVOKED -> \"household revoked\", HOUSEHOLD -> \"allowed\", anything else -> "
               "\"not a registered household\"")
def check_refusal_reason(fn: Callable) -> None:
    for action in ACTIONS:
        for status in (HOUSEHOLD, REVOKED, APPLIED, NOT_REGISTERED):
            expected = refusal(status, action)
            got = fn(status, action)
            call = f"refusal_reason({STATUS_NAMES[status]}, {action!r})"
            if isinstance(got, bool):
                raise Mismatch(f"{call} returned {got}",
                               "return a text: \"allowed\", or the reason the market gives "
                               "(\"household revoked\" or \"not a registered household\")")
            if got == expected:
                continue
            if not _is_text(got):
                raise Mismatch(_said(call, expected, got),
                               "return \"allowed\" or the market's reason, as a str")
            cases = [(s, a) for a in ACTIONS for s in STATUSES]
            raise Mismatch(_said(call, expected, got),
                           _hint_for(fn, got, (status, action), REFUSAL_MISTAKES, cases))


# --- reading_accepted ---------------------------------------------------------------------

def slot_end_s(slot: int) -> int:
    """Seconds after genesis at which ``slot`` ends (slot 0 begins at genesis)."""
    return SLOT_SECONDS * (slot + 1)


def reading_verdict(slot: int, now: int, already_reported: bool) -> str:
    """The oracle's answer to a bound meter's reading for ``slot`` sent ``now`` seconds after
    genesis, checks in the contract's order."""
    if slot < 0:
        return R_NO_SLOT
    end = slot_end_s(slot)
    if now < end:
        return R_SLOT_NOT_OVER
    if now >= end + READING_WINDOW:
        return R_WINDOW_CLOSED
    if already_reported:
        return R_DUPLICATE_READING
    return ACCEPTED


def _variant(start_at_slot_start=False, last_second_in=False, end_excluded=False,
             duplicate_first=False, negative_ok=False, window_from_start=False):
    def verdict(slot: int, now: int, already_reported: bool) -> str:
        if duplicate_first and already_reported:
            return R_DUPLICATE_READING
        if slot < 0 and not negative_ok:
            return R_NO_SLOT
        end = SLOT_SECONDS * slot if start_at_slot_start else slot_end_s(slot)
        if now < end or (end_excluded and now == end):
            return R_SLOT_NOT_OVER
        closes = (SLOT_SECONDS * slot if window_from_start else end) + READING_WINDOW
        if now > closes or (now == closes and not last_second_in):
            return R_WINDOW_CLOSED
        if already_reported:
            return R_DUPLICATE_READING
        return ACCEPTED
    return verdict


WINDOW_MISTAKES: tuple[tuple[Callable[[int, int, bool], str], str], ...] = (
    (_variant(start_at_slot_start=True),
     "a slot's reading exists only once the slot is over: it ends at 900 * (slot + 1) "
     "seconds after genesis, not at 900 * slot"),
    (_variant(window_from_start=True),
     "the window is counted from the slot's END: readings are accepted until "
     "900 * (slot + 1) + 3600"),
    (_variant(last_second_in=True),
     "the window is half-open: end + 3600 itself is already too late (now >= end + 3600 "
     "-> \"the reading window has closed\")"),
    (_variant(end_excluded=True),
     "a reading may arrive at the very second the slot ends: refuse only now < end"),
    (_variant(duplicate_first=True),
     "check in the oracle's order: the slot exists, it is over, the window is open, and only "
     "then whether it already has a reading"),
    (_variant(negative_ok=True),
     "slots count from 0: a negative slot does not exist (\"no such slot\"), check it first"),
)

# (slot, seconds after genesis, already reported): every edge of the window, and the order
WINDOW_CASES: tuple[tuple[int, int, bool], ...] = (
    (4, 4_500, False), (4, 4_499, False), (4, 4_000, False), (4, 4_500 + 3_599, False),
    (4, 4_500 + 3_600, False), (4, 4_500 + 3_700, False), (4, 5_000, True),
    (4, 4_500 + 3_600, True), (4, 3_700, True), (0, 900, False), (0, 0, False),
    (0, 4_499, False), (0, 4_500, False), (95, 86_400, False), (95, 90_000, True),
    (95, 86_399, True), (-1, 0, False), (-1, 500, True), (-3, 10_000, False),
)


@exercise("reading_accepted", chapter=8, title="The reading window",
          hint="in this order: slot < 0 -> \"no such slot\"; now < end -> \"the slot is not "
               "over yet\"; now >= end + 3600 -> \"the reading window has closed\"; "
               "already_reported -> \"this slot already has a reading\"; else \"accepted\" "
               "(end = 900 * (slot + 1))")
def check_reading_accepted(fn: Callable) -> None:
    for slot, now, reported in WINDOW_CASES:
        expected = reading_verdict(slot, now, reported)
        got = fn(slot, now, reported)
        call = f"reading_accepted({slot}, now={now}, already_reported={reported})"
        if isinstance(got, bool):
            raise Mismatch(f"{call} returned {got}",
                           "return \"accepted\" or the oracle's reason as a text, e.g. "
                           "\"the reading window has closed\"")
        if got == expected:
            continue
        if not _is_text(got):
            raise Mismatch(_said(call, expected, got),
                           "return \"accepted\" or the oracle's reason, as a str")
        raise Mismatch(_said(call, expected, got),
                       _hint_for(fn, got, (slot, now, reported), WINDOW_MISTAKES,
                                 list(WINDOW_CASES)))


# --- who_may_report -----------------------------------------------------------------------

Registry = dict[str, tuple[int, str]]      # household -> (status, the meter it named)

REGISTRIES: tuple[tuple[str, Registry], ...] = (
    ("the street after chapter 08", {
        "alice": (HOUSEHOLD, "alice-meter"), "bob": (HOUSEHOLD, "bob-meter"),
        "carol": (HOUSEHOLD, "carol-meter"), "dave": (REVOKED, "dave-meter"),
        "erin": (HOUSEHOLD, "erin-meter"), "frank": (APPLIED, "frank-meter")}),
    ("Dave's old meter now bound to Gina", {
        "dave": (REVOKED, "dave-meter"), "gina": (HOUSEHOLD, "dave-meter"),
        "alice": (HOUSEHOLD, "alice-meter")}),
    ("two applications naming one meter", {
        "hal": (APPLIED, "spare-meter"), "ivy": (APPLIED, "spare-meter"),
        "bob": (HOUSEHOLD, "bob-meter")}),
    ("an applicant listed before the bound household", {
        "judy": (APPLIED, "shared-meter"), "kim": (HOUSEHOLD, "shared-meter")}),
    ("an empty registry", {}),
)

REPORT_CASES: tuple[tuple[int, str], ...] = (
    (0, "alice-meter"), (0, "erin-meter"), (0, "dave-meter"), (0, "frank-meter"),
    (0, "alice"), (0, "zoe-meter"), (1, "dave-meter"), (1, "alice-meter"),
    (2, "spare-meter"), (2, "bob-meter"), (3, "shared-meter"), (4, "alice-meter"),
)


def reporter(registry: Registry, meter: str) -> str | None:
    """The household a meter reports for: the attested, unrevoked one it is bound to."""
    for household, (status, named) in sorted(registry.items()):
        if status == HOUSEHOLD and named == meter:
            return household
    return None


def _first_naming(registry: Registry, meter: str, statuses=STATUSES) -> str | None:
    for household, (status, named) in registry.items():
        if named == meter and status in statuses:
            return household
    return None


REPORT_MISTAKES: tuple[tuple[Callable[[Registry, str], Any], str], ...] = (
    (lambda r, m: _first_naming(r, m),
     "the status matters, not just the meter's name: only a HOUSEHOLD (attested, not "
     "revoked) has its meter bound"),
    (lambda r, m: _first_naming(r, m, (HOUSEHOLD, REVOKED)),
     "revocation unbinds the meter: a REVOKED household's meter no longer reports for it"),
    (lambda r, m: _first_naming(r, m, (HOUSEHOLD, APPLIED)),
     "an application names a meter but does not bind it: only an authority's attestation "
     "does (status HOUSEHOLD)"),
    (lambda r, m: m if reporter(r, m) is not None else None,
     "return the HOUSEHOLD's name (the key of the registry), not the meter's"),
    (lambda r, m: m if m in r else reporter(r, m),
     "a household's own key is not a meter: look the name up among the meters the "
     "households named, not among the households"),
    (lambda r, m: reporter(r, m) or "",
     "when no household may use this meter, return None (not an empty text)"),
    (lambda r, m: reporter(r, m) or "nobody",
     "when no household may use this meter, return None (not a text)"),
)


@exercise("who_may_report", chapter=8, title="Whose meter speaks for whom",
          hint="loop over registry.items(): return the household whose status is HOUSEHOLD "
               "and whose meter is `meter`; return None if there is none")
def check_who_may_report(fn: Callable) -> None:
    for index, meter in REPORT_CASES:
        story, registry = REGISTRIES[index]
        expected = reporter(registry, meter)
        got = fn(dict(registry), meter)
        call = f"who_may_report(<{story}>, {meter!r})"
        if got == expected:
            continue
        cases = [(dict(REGISTRIES[i][1]), m) for i, m in REPORT_CASES]
        raise Mismatch(_said(call, expected, got),
                       _hint_for(fn, got, (registry, meter), REPORT_MISTAKES, cases))


# --- commit_reading and reveal_ok ------------------------------------------------------------

def commitment_of(reading: tuple[int, int, int], salt: bytes) -> bytes:
    """The salted commitment to (slot, export_wh, import_wh): hash_of([slot, e, i, salt])."""
    slot, export_wh, import_wh = reading
    return hash_of([slot, export_wh, import_wh, salt])


def _salts(count: int, seed: int = 8) -> list[bytes]:
    rng = random.Random(seed)
    return [rng.randbytes(16) for _ in range(count)]


READINGS: tuple[tuple[int, int, int], ...] = (
    (169, 0, 521), (169, 0, 522), (170, 0, 518), (116, 1_340, 0), (4, 1_200, 0),
    (0, 0, 0),
)

COMMIT_MISTAKES: tuple[tuple[Callable[[tuple, bytes], Any], str], ...] = (
    (lambda r, s: hash_of(list(r)),
     "put the salt in the hash too: without it anyone can try every likely reading "
     "(0, 1, 2, ... Wh) until the hash matches"),
    (lambda r, s: hash_of([s, *r]),
     "the salt goes last: hash_of([slot, export_wh, import_wh, salt])"),
    (lambda r, s: hash_of([*r, s.hex()]),
     "pass the salt as bytes, as it is: the canonical encoder writes bytes as \"0x\" hex "
     "itself"),
    (lambda r, s: sha256(encode(list(r)) + s),
     "hash one list with everything in it: hash_of([slot, export_wh, import_wh, salt])"),
    (lambda r, s: hash_of([list(r), s]),
     "one flat list of four items: hash_of([slot, export_wh, import_wh, salt])"),
    (lambda r, s: hash_of({"reading": list(r), "salt": s}),
     "use a list, not a dict: hash_of([slot, export_wh, import_wh, salt])"),
)


@exercise("commit_reading", chapter=8, title="Commit to a reading without showing it",
          hint="from minichain.encoding import hash_of; slot, export_wh, import_wh = reading; "
               "return hash_of([slot, export_wh, import_wh, salt])")
def check_commit_reading(fn: Callable) -> None:
    for reading, salt in zip(READINGS, _salts(len(READINGS))):
        expected = commitment_of(reading, salt)
        got = fn(reading, salt)
        call = f"commit_reading({reading}, salt={salt.hex()[:8]}…)"
        if isinstance(got, str):
            raise Mismatch(f"{call} returned the text {got[:20]!r}…",
                           "return the 32 bytes hash_of gives, not their hex text")
        if got == expected:
            continue
        if not isinstance(got, (bytes, bytearray)):
            raise Mismatch(f"{call} returned {got!r}",
                           "return bytes: the 32-byte SHA-256 that hash_of gives")
        hint = _hint_for(fn, bytes(got), (reading, salt), COMMIT_MISTAKES,
                         list(zip(READINGS, _salts(len(READINGS)))))
        raise Mismatch(f"{call}: expected {expected.hex()[:16]}…, got {bytes(got).hex()[:16]}…",
                       hint)
    one, two = _salts(2, seed=9)
    if fn(READINGS[0], one) == fn(READINGS[0], two):
        raise Mismatch("the same reading with two different salts gave the same commitment",
                       "the salt must go into the hash")


def _reveal_cases() -> list[tuple[str, bytes, tuple[int, int, int], bytes, bool]]:
    salt, other = _salts(2, seed=10)
    bobs = (169, 0, 521)
    commitment = commitment_of(bobs, salt)
    return [
        ("Bob reveals his reading and salt", commitment, bobs, salt, True),
        ("the right reading with another salt", commitment, bobs, other, False),
        ("one Wh less than committed", commitment, (169, 0, 520), salt, False),
        ("the same Wh for another slot", commitment, (170, 0, 521), salt, False),
        ("export and import swapped", commitment, (169, 521, 0), salt, False),
        ("only the first 16 bytes of the commitment", commitment[:16], bobs, salt, False),
        ("Alice's commitment with Bob's reading", commitment_of((116, 1_340, 0), other), bobs,
         other, False),
        ("Alice reveals hers", commitment_of((116, 1_340, 0), other), (116, 1_340, 0), other,
         True),
    ]


REVEAL_HINTS = {
    "the right reading with another salt":
        "recompute the commitment WITH the salt given: hash_of([slot, export_wh, import_wh, "
        "salt]) == commitment",
    "only the first 16 bytes of the commitment":
        "compare the whole commitment with ==: a part of a hash (startswith, the first "
        "bytes) is easier to match",
    "one Wh less than committed":
        "compare with every part of the reading: slot, export_wh and import_wh all go into "
        "the hash",
}


@exercise("reveal_ok", chapter=8, title="Check a revealed reading",
          hint="return hash_of([slot, export_wh, import_wh, salt]) == commitment, with "
               "slot, export_wh, import_wh = reading")
def check_reveal_ok(fn: Callable) -> None:
    for story, commitment, reading, salt, expected in _reveal_cases():
        got = fn(commitment, reading, salt)
        call = f"reveal_ok(...) for {story}"
        if got is None or not isinstance(got, bool):
            raise Mismatch(f"{call}: expected {expected}, got {got!r}",
                           "return True or False (a bool): == gives one")
        if got != expected:
            raise Mismatch(f"{call}: expected {expected}, got {got}",
                           REVEAL_HINTS.get(story, ""))
