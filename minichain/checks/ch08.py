"""Checks for the chapter 08 exercises: a household registered on the street's network, a
signed reading read back from another node, the reading window, whose meter speaks for
whom, and a reading hidden behind a salted commitment.

The two exercises that drive the chain get a fresh street of their own each time: the
three authorities' nodes (``contracts.client.street_gateway``) with only the identity
registry and the meter oracle deployed (``MarketClient.deploy_registry``), as chapter 08
builds it. The learner's function sends real transactions; the checker then reads every
node's replica and names the layer that went wrong from the contract's own refusal
(``Revert.reason``, compared with the client's ``R_*`` constants) or from what the
registry holds: an attestation signed by the household, an application from the meter's
key, an authority that attested before anyone applied, a reading signed by the household
or sent before its slot was over or after its window closed, export and import
swapped.

The other checkers run the learner's function on cases taken from the registry and the
oracle, compare with reference answers (which ``tests/test_checks_ch08.py`` holds against
the real contracts on chain), and recognise the usual wrong turns: a window that opens
at the slot's start or includes its last second; the checks done in another order; a
meter taken as speaking for a household after an application only, a revocation, a swap
that retired it, or a key rotation taken to rename or unbind the household; a commitment
without its salt, or a reveal that compares only part of the hash. The chapter's three
concept questions are registered at the end.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable

from minichain import cast
from minichain.checks import FORGOT_RETURN, Mismatch, exercise
from minichain.checks.quiz import concept
from minichain.contracts.client import (APPLIED, HOUSEHOLD, NOT_REGISTERED, R_AUTHORITY_TRADES,
                                        R_DUPLICATE_READING, R_METER_OWN_KEY,
                                        R_NO_APPLICATION, R_NO_SLOT, R_NOT_AUTHORITY_ATTEST,
                                        R_SLOT_NOT_OVER, R_UNREGISTERED_METER,
                                        R_WINDOW_CLOSED, READING_WINDOW, REVOKED, SLOT_SECONDS,
                                        MarketClient, street_gateway, street_genesis)
from minichain.encoding import encode, hash_of, sha256
from minichain.errors import Revert
from minichain.wallet import Wallet

STATUSES = (NOT_REGISTERED, APPLIED, HOUSEHOLD, REVOKED)
STATUS_NAMES = {NOT_REGISTERED: "NOT_REGISTERED", APPLIED: "APPLIED", HOUSEHOLD: "HOUSEHOLD",
                REVOKED: "REVOKED"}
ACCEPTED = "accepted"


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


# --- the street's identity layer, fresh for each check ------------------------------------

AUTHORITY_NAMES = ("the grid operator", "the municipality", "the energy co-op")


@dataclass
class RegistryStreet:
    """Chapter 08's street: the three authorities' nodes with the registry and the oracle."""

    market: MarketClient
    authorities: tuple[Wallet, ...]

    def a_moment(self) -> None:
        """Let one simulated second pass, so the newest block reaches every node."""
        network = self.market.gateway.network
        network.run(network.now + 1)

    def replica(self, node: str):
        """The chain as node ``node`` ("grid", "city" or "coop") holds it."""
        seed = {short: seed for seed, short in cast.AUTHORITY_NODES.items()}[node]
        return self.market.gateway.network.nodes[seed].chain

    def views(self) -> dict[str, MarketClient]:
        """The registry and oracle as every node holds them, by node name."""
        return {node: self.market.on(self.replica(node))
                for node in cast.AUTHORITY_NODES.values()}


def registry_street(registered: tuple[str, ...] = ()) -> RegistryStreet:
    """Genesis, the three nodes, the registry and the oracle; ``registered`` households
    (from the cast) applied and attested, house i on bus i // 2 + 1 by authority i mod 3."""
    authorities = tuple(cast.wallet(name) for name in cast.AUTHORITIES)
    names = cast.HOUSEHOLDS[:6]
    households = [cast.wallet(name) for name in names]
    meters = [cast.meter(name) for name in names]
    genesis = street_genesis([*households, *authorities], 100_000_000, authorities)
    market = MarketClient.deploy_registry(street_gateway(genesis, households, meters),
                                          authorities[0], [a.address for a in authorities])
    for n, name in enumerate(registered):
        market.register(cast.wallet(name), cast.meter(name), n // 2 + 1, authorities[n % 3])
    street = RegistryStreet(market, authorities)
    street.a_moment()
    return street


# --- register_household -------------------------------------------------------------------

REGISTER_CASES = (("erin", 3, 1), ("frank", 2, 2))    # household, bus, authority's index

REGISTER_REFUSALS = {
    R_NOT_AUTHORITY_ATTEST:
        "the attestation (layers 2 and 3) is signed by the authority: "
        "market.attest(authority, household.address); the household only applies",
    R_AUTHORITY_TRADES:
        "the application (layer 1) is signed by the household's own key: "
        "market.apply(household, meter.address, bus); the authority signs only the "
        "attestation",
    R_METER_OWN_KEY:
        "name the meter's own key in the application (meter.address), not the household's",
    R_NO_APPLICATION:
        "an authority attests an open application: first the household applies (layer 1), "
        "then the authority attests the household's address (layers 2 and 3)",
}


@exercise("register_household", chapter=8, title="Register a household on the street's network",
          hint="market.apply(household, meter.address, bus), then "
               "market.attest(authority, household.address), then return "
               "market.status(household.address)")
def check_register_household(fn: Callable) -> None:
    for name, bus, by in REGISTER_CASES:
        street = registry_street()
        market, authority = street.market, street.authorities[by]
        household, meter = cast.wallet(name), cast.meter(name)
        call = (f"register_household(market, {name}, {name}'s meter, bus={bus}, "
                f"{AUTHORITY_NAMES[by]})")
        try:
            got = fn(market, household, meter, bus, authority)
        except Revert as refused:
            raise Mismatch(f"{call}: the registry refused: {refused.reason}",
                           REGISTER_REFUSALS.get(refused.reason, ""))
        street.a_moment()
        if market.status(meter.address) != NOT_REGISTERED:
            raise Mismatch(f"{call}: the meter's key applied as a household",
                           "the household applies from its own key and names its meter: "
                           "market.apply(household, meter.address, bus)")
        for node, view in street.views().items():
            status = view.status(household.address)
            where = f"{call}: on the {node} node {name}"
            if status == NOT_REGISTERED:
                raise Mismatch(f"{where} never applied",
                               "send the application from the household's own key: "
                               "market.apply(household, meter.address, bus)")
            if status == APPLIED:
                raise Mismatch(f"{where} is only applied",
                               "layer 1 alone leaves a household applied: an authority must "
                               "attest it, after the application (a later transaction of "
                               "the same block, or a later block)")
            if view.meter_of(household.address) != meter.address:
                raise Mismatch(f"{where} has another meter bound", "name the meter you were "
                               "given: meter.address")
            if view.bus_of(household.address) != bus:
                raise Mismatch(f"{where} is on bus {view.bus_of(household.address)}, not {bus}",
                               "apply with the feeder bus you were given")
            attested_by = view.contracts.identity.read(view.chain.state, "attested_by",
                                                       household.address)
            if attested_by != authority.address:
                raise Mismatch(f"{where} was attested by another authority",
                               "the authority you were given attests")
        if got == HOUSEHOLD and isinstance(got, int) and not isinstance(got, bool):
            continue
        said = f"{call} returned {got!r}; the registry says {HOUSEHOLD} (HOUSEHOLD)"
        if got is None:
            raise Mismatch(said, FORGOT_RETURN)
        if got == APPLIED:
            raise Mismatch(said, "you read the status between the layers: read it after the "
                                 "attestation")
        raise Mismatch(said, "return the status the registry holds, as a number: "
                             "market.status(household.address)")


# --- report_reading -------------------------------------------------------------------------

# (household, slot, export Wh, import Wh, the node whose replica is read)
REPORT_READINGS = (("alice", 4, 0, 62, "coop"), ("bob", 6, 0, 180, "grid"),
                   ("alice", 5, 1_340, 0, "city"))

READING_REFUSALS = {
    R_UNREGISTERED_METER:
        "a reading is a transaction from the meter's own key: "
        "market.submit_reading(meter, slot, export_wh, import_wh, at=...); the household's "
        "key is nobody's meter",
    R_SLOT_NOT_OVER:
        "a reading exists only once its slot is over: send it at market.slot_end(slot)",
    R_WINDOW_CLOSED:
        "market.window_end(slot) is already too late: send within "
        "[market.slot_end(slot), market.window_end(slot))",
    R_DUPLICATE_READING:
        "send each reading once: the oracle keeps the first and refuses any other",
}


@exercise("report_reading", chapter=8, title="A signed reading, read back from another node",
          hint="market.submit_reading(meter, slot, export_wh, import_wh, "
               "at=market.slot_end(slot)); then return "
               "market.on(replica).reading(household, slot)")
def check_report_reading(fn: Callable) -> None:
    street = registry_street(("alice", "bob"))
    market = street.market
    for name, slot, export_wh, import_wh, node in REPORT_READINGS:
        household, meter, replica = cast.wallet(name).address, cast.meter(name), \
            street.replica(node)
        call = (f"report_reading(market, {name}'s meter, {name}, slot={slot}, "
                f"export_wh={export_wh}, import_wh={import_wh}, the {node} node's replica)")
        try:
            got = fn(market, meter, household, slot, export_wh, import_wh, replica)
        except Revert as refused:
            raise Mismatch(f"{call}: the oracle refused: {refused.reason}",
                           READING_REFUSALS.get(refused.reason, ""))
        expected = (export_wh, import_wh)
        if isinstance(got, list):
            got = tuple(got)
        if got == expected:
            continue
        said = f"{call}: expected {expected}, got {got!r}"
        street.a_moment()
        on_chain = market.on(replica).reading(household, slot)
        if on_chain is None:
            raise Mismatch(said, "nothing reached the chain: send the reading with "
                                 "market.submit_reading(meter, slot, export_wh, import_wh, "
                                 "at=market.slot_end(slot))")
        if on_chain == (import_wh, export_wh) and export_wh != import_wh:
            raise Mismatch(said, "the oracle takes export first: "
                                 "submit_reading(meter, slot, export_wh, import_wh)")
        if got is None:
            raise Mismatch(said, FORGOT_RETURN)
        if got == (import_wh, export_wh):
            raise Mismatch(said, "return (export Wh, import Wh) in that order, as "
                                 "market.on(replica).reading(household, slot) gives it")
        raise Mismatch(said, "return market.on(replica).reading(household, slot): what that "
                             "node's replica holds")


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


# --- meter_reports_for ----------------------------------------------------------------------

Event = tuple[str, dict[str, Any]]         # (event name, its fields), names instead of addresses


def _attested(household: str, meter: str, bus: int, authority: str) -> Event:
    return ("Attested", {"household": household, "meter": meter, "bus": bus,
                         "authority": authority})


CHAPTER_HISTORY: tuple[Event, ...] = (      # the chapter's street, as its events tell it
    ("Applied", {"household": "alice", "meter": "alice-meter", "bus": 1}),
    _attested("alice", "alice-meter", 1, "grid operator"),
    *(event for name, bus, by in (("bob", 1, "municipality"), ("carol", 2, "energy co-op"),
                                  ("dave", 2, "grid operator"), ("erin", 3, "energy co-op"))
      for event in (("Applied", {"household": name, "meter": f"{name}-meter", "bus": bus}),
                    _attested(name, f"{name}-meter", bus, by))),
    ("Applied", {"household": "frank", "meter": "frank-meter", "bus": 3}),
    ("Revoked", {"household": "dave", "meter": "dave-meter", "authority": "grid operator"}),
    ("UpdateAsked", {"household": "carol", "meter": "spare-meter", "bus": 2}),
    ("MeterSwapped", {"household": "carol", "old_meter": "carol-meter", "meter": "spare-meter",
                      "authority": "grid operator"}),
    ("UpdateAsked", {"household": "erin", "meter": "erin-meter", "bus": 4}),
    ("BusMoved", {"household": "erin", "old_bus": 3, "bus": 4, "authority": "grid operator"}),
    ("KeyApplied", {"household": "bob", "key": "bob-new-key"}),
    ("KeyRotated", {"household": "bob", "old_key": "bob", "key": "bob-new-key",
                    "authority": "municipality"}),
)

HISTORIES: tuple[tuple[str, tuple[Event, ...]], ...] = (
    ("the chapter's street", CHAPTER_HISTORY),
    ("Dave revoked, his meter then bound to Grace, Dave back with the spare meter", (
        _attested("dave", "dave-meter", 2, "grid operator"),
        ("Revoked", {"household": "dave", "meter": "dave-meter", "authority": "grid operator"}),
        _attested("grace", "dave-meter", 2, "municipality"),
        _attested("dave", "spare-meter", 2, "energy co-op"))),
    ("Carol's meter swapped twice", (
        _attested("carol", "carol-meter", 2, "energy co-op"),
        ("MeterSwapped", {"household": "carol", "old_meter": "carol-meter",
                          "meter": "spare-meter", "authority": "grid operator"}),
        ("MeterSwapped", {"household": "carol", "old_meter": "spare-meter",
                          "meter": "carol-third-meter", "authority": "grid operator"}))),
    ("Bob's key rotated, then Bob revoked", (
        _attested("bob", "bob-meter", 1, "municipality"),
        ("KeyRotated", {"household": "bob", "old_key": "bob", "key": "bob-new-key",
                        "authority": "municipality"}),
        ("Revoked", {"household": "bob", "meter": "bob-meter", "authority": "grid operator"}))),
    ("no events yet", ()),
)

SPEAKS_CASES: tuple[tuple[int, str], ...] = (
    (0, "alice-meter"), (0, "spare-meter"), (0, "carol-meter"), (0, "bob-meter"),
    (0, "dave-meter"), (0, "frank-meter"), (0, "erin-meter"), (0, "bob-new-key"), (0, "bob"),
    (1, "dave-meter"), (1, "spare-meter"), (2, "carol-meter"), (2, "spare-meter"),
    (2, "carol-third-meter"), (3, "bob-meter"), (4, "alice-meter"),
)


def speaks_for(history: tuple[Event, ...], meter: str, applied_binds: bool = False,
               revoke_unbinds: bool = True, swap_retires: bool = True, swap_binds: bool = True,
               rotation: str = "") -> str | None:
    """The household ``meter`` reports for after ``history`` (or a usual mistake's answer)."""
    bound: dict[str, str] = {}
    for name, fields in history:
        if name == "Attested" or (name == "Applied" and applied_binds):
            bound[fields["meter"]] = fields["household"]
        elif name == "Revoked" and revoke_unbinds:
            bound.pop(fields["meter"], None)
        elif name == "MeterSwapped":
            if swap_retires:
                bound.pop(fields["old_meter"], None)
            if swap_binds:
                bound[fields["meter"]] = fields["household"]
        elif name == "KeyRotated" and rotation == "renames":
            bound = {m: fields["key"] if h == fields["old_key"] else h for m, h in bound.items()}
        elif name == "KeyRotated" and rotation == "unbinds":
            bound = {m: h for m, h in bound.items() if h != fields["household"]}
    return bound.get(meter)


SPEAKS_MISTAKES: tuple[tuple[Callable[[tuple, str], Any], str], ...] = (
    (lambda h, m: speaks_for(h, m, applied_binds=True),
     "an application (Applied) names a meter but binds nothing: only an authority's "
     "attestation (Attested) does"),
    (lambda h, m: speaks_for(h, m, revoke_unbinds=False),
     "a revocation (Revoked) unbinds the household's meter: afterwards it speaks for nobody"),
    (lambda h, m: speaks_for(h, m, swap_retires=False, swap_binds=False),
     "a meter swap (MeterSwapped) retires old_meter and binds meter to the household: "
     "handle that event too"),
    (lambda h, m: speaks_for(h, m, swap_retires=False),
     "a swap retires the old meter for good: after MeterSwapped, old_meter speaks for nobody"),
    (lambda h, m: speaks_for(h, m, swap_binds=False),
     "a swap binds the new meter (the event's meter field) to the household"),
    (lambda h, m: speaks_for(h, m, rotation="renames"),
     "a key rotation changes which key signs for the household, not the household: it stays "
     "one account (its first address), and its meter still reports for that name"),
    (lambda h, m: speaks_for(h, m, rotation="unbinds"),
     "a key rotation leaves the meter bound: only a revocation or a swap unbinds it"),
    (lambda h, m: speaks_for(h, m) or "",
     "when the meter speaks for nobody, return None (not an empty text)"),
)


@exercise("meter_reports_for", chapter=8, title="Whose meter speaks for whom, from the history",
          hint="walk the events in order with a dict meter -> household: Attested binds "
               "meter; Revoked unbinds meter; MeterSwapped unbinds old_meter and binds meter; "
               "every other event changes no binding; return the dict's answer or None")
def check_meter_reports_for(fn: Callable) -> None:
    for index, meter in SPEAKS_CASES:
        story, history = HISTORIES[index]
        expected = speaks_for(history, meter)
        got = fn([(name, dict(fields)) for name, fields in history], meter)
        if got == expected:
            continue
        call = f"meter_reports_for(<{story}>, {meter!r})"
        cases = [([(n, dict(f)) for n, f in HISTORIES[i][1]], m) for i, m in SPEAKS_CASES]
        raise Mismatch(_said(call, expected, got),
                       _hint_for(fn, got, (history, meter), SPEAKS_MISTAKES, cases))


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


# --- concept questions ----------------------------------------------------------------------

concept(8, "Frank has applied from his own key, naming his new meter; no authority has "
           "attested him yet. His meter sends a reading for a slot that is over. What does "
           "the oracle answer?",
        ["\"accepted\": the application named that meter",
         "\"not a registered meter\": only an authority's attestation binds a meter to a "
         "household",
         "\"accepted\", and the reading waits until an authority attests him"],
        answer="b", why="the oracle asks the registry household_of(meter), and the registry "
                        "fills that in only when an authority attests (layer 3)",
        nudges={"a": "an application is only layer 1: anyone can apply, naming any meter it "
                     "likes",
                "c": "a contract either stores a reading or reverts; nothing waits on chain"})
concept(8, "Bob's phone, with his household key on it, is stolen. The municipality attests "
           "the new key Bob creates. What can the thief do with the old key now?",
        ["anything Bob could do, until Bob moves his deposit away",
         "nothing on the street: the old key signs for nobody, and Bob's account with "
         "everything in it is signed for by his new key",
         "only read Bob's readings, which everyone can read anyway"],
        answer="b", why="the registry marks the old key replaced (account_of gives the zero "
                        "address), and the registry and the market ask account_of before "
                        "anything else; the household stays one account",
        nudges={"a": "the rotation takes effect in the block that holds the attestation, "
                     "for every contract that asks the registry",
                "c": "reading needs no key at all; the question is what the key can still "
                     "sign for"})
concept(8, "Which meter readings does the market contract ever need on chain?",
        ["every home's import and export, every slot: settlement needs them all",
         "a seller's export for a slot in which it sold",
         "none: settlement trusts the orders"],
        answer="b", why="the market asks the oracle only export_of(seller, slot); imports "
                        "and unneeded exports could stay off chain or behind a salted "
                        "commitment, as data minimisation asks",
        nudges={"a": "look at the MeterOracle interface the market uses: it has one function",
                "c": "a seller is paid for what its meter says it delivered, not for what "
                     "it promised"})
