"""Checks for the chapter 04 exercises: turns, difficulty, the signer limit, a stall, counting votes.

Each checker runs the learner's function on cases from Sunny Street (the grid operator,
the municipality and the energy co-op seal blocks; the school is voted in), compares with
the rules of ``minichain.poa``, and recognises the usual wrong turns (the list used in the
order it was typed instead of sorted, a block number off by one, difficulties swapped,
the signer limit applied to one block too many, Python's ``list[-0:]``, half the
authorities taken for a majority, a float limit, a tie counted as a majority, an
authority's repeated vote counted twice) to give the hint that fixes them. The chapter's
three concept questions are registered here too.
"""

from __future__ import annotations

from typing import Callable

from minichain import cast
from minichain.checks import Mismatch, Mistake, compare, exercise, hint_for
from minichain.checks.quiz import concept
from minichain.poa import DIFF_IN_TURN, DIFF_OUT_OF_TURN, signer_limit
from minichain.wallet import Wallet

# The cast's authorities and two of its people; the school and the library are the
# chapter's candidates for a fourth authority, outside the cast.
NAMES = {cast.GRID_OPERATOR: "grid operator", cast.MUNICIPALITY: "municipality",
         cast.ENERGY_CO_OP: "energy co-op", "school": "school", "alice": "Alice",
         cast.ATTACKER: "Mallory", "library": "the library"}
GRID, CITY, COOP, SCHOOL, ALICE, MALLORY, LIBRARY = (Wallet.from_seed(seed).address
                                                     for seed in NAMES)
WHO = {Wallet.from_seed(seed).address: name for seed, name in NAMES.items()}
THREE = [GRID, CITY, COOP]                  # as typed, not sorted
FOUR = [GRID, CITY, COOP, SCHOOL]


def _who(value: object) -> str:
    """An address shown with its owner's name, anything else as its repr."""
    if isinstance(value, str) and value in WHO:
        return f"{WHO[value]} ({value[:8]}…)"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_who(v) for v in value)
        return f"[{inner}]"
    return repr(value)


# --- in_turn_signer -------------------------------------------------------------------

def in_turn(signers: list[str], number: int) -> str:
    ordered = sorted(signers)
    return ordered[number % len(ordered)]


TURN_MISTAKES = (
    Mistake(lambda signers, number: signers[number % len(signers)],
            "the turns go round the SORTED list of addresses, not the order someone typed "
            "them in: sort first, so every node agrees on the order"),
    Mistake(lambda signers, number: sorted(signers)[(number - 1) % len(signers)],
            "block n is position n % N, with no -1: block 0 is the genesis block (position "
            "0), so block 1 is position 1"),
)

TURN_CASES = ([(THREE, n) for n in range(1, 7)] + [(sorted(THREE), 0)]
              + [(FOUR, n) for n in range(7, 11)] + [([CITY], 5), (list(reversed(FOUR)), 13)])


@exercise("in_turn_signer", chapter=4, title="Whose turn is it?",
          hint="sort the addresses, then take position number % len(signers): block n belongs "
               "to sorted(signers)[n % N]")
def check_in_turn_signer(fn: Callable) -> None:
    for signers, number in TURN_CASES:
        call = f"in_turn_signer({_who(signers)}, {number})"
        expected = in_turn(signers, number)
        got = fn(list(signers), number)
        if got == expected and isinstance(got, str):
            continue
        said = f"{call}: expected {_who(expected)}, got {_who(got)}"
        if isinstance(got, int) and not isinstance(got, bool):
            raise Mismatch(said, "return the address itself (a string), not its position in "
                                 "the list")
        raise Mismatch(said, hint_for(got, TURN_MISTAKES, list(signers), number))


# --- difficulty_for -------------------------------------------------------------------

DIFFICULTY_CASES = [(THREE, n, sealer) for n in (1, 2, 3, 4) for sealer in (GRID, CITY, COOP)]
DIFFICULTY_CASES += [(FOUR, 9, SCHOOL), (FOUR, 9, GRID), (FOUR, 10, GRID), (FOUR, 12, COOP)]


@exercise("difficulty_for", chapter=4, title="The difficulty a block must carry",
          hint="2 when the sealer is the one in turn (sorted(signers)[number % N]), "
               "otherwise 1")
def check_difficulty_for(fn: Callable) -> None:
    answers = []
    for signers, number, sealer in DIFFICULTY_CASES:
        got = fn(list(signers), number, sealer)
        if isinstance(got, bool) or not isinstance(got, int):
            raise Mismatch(f"difficulty_for({_who(signers)}, {number}, {_who(sealer)}) "
                           f"returned {got!r}",
                           "return the number 2 (in turn) or 1 (out of turn), not True/False")
        answers.append(got)

    def model(turn_of: Callable, when_in_turn: int, otherwise: int) -> list[int]:
        return [when_in_turn if turn_of(signers, number) == sealer else otherwise
                for signers, number, sealer in DIFFICULTY_CASES]

    expected = model(in_turn, DIFF_IN_TURN, DIFF_OUT_OF_TURN)
    if answers == expected:
        return
    index = next(i for i, (a, e) in enumerate(zip(answers, expected)) if a != e)
    signers, number, sealer = DIFFICULTY_CASES[index]
    said = (f"difficulty_for({_who(signers)}, {number}, {_who(sealer)}): expected "
            f"{expected[index]}, got {answers[index]}")
    unsorted = lambda signers, number: signers[number % len(signers)]  # noqa: E731
    if answers == model(in_turn, DIFF_OUT_OF_TURN, DIFF_IN_TURN):
        raise Mismatch(said, "it is the other way round: the in-turn sealer's block weighs 2, "
                             "an out-of-turn block 1, so keeping turns makes the heavier chain")
    if answers in (model(unsorted, DIFF_IN_TURN, DIFF_OUT_OF_TURN),
                   model(unsorted, DIFF_OUT_OF_TURN, DIFF_IN_TURN)):
        raise Mismatch(said, "whose turn it is comes from the SORTED list of addresses "
                             "(sorted(signers)[number % N]), not the order given")
    if answers[index] not in (DIFF_IN_TURN, DIFF_OUT_OF_TURN):
        raise Mismatch(said, "a block weighs 2 (in turn) or 1 (out of turn), nothing else")
    raise Mismatch(said)


# --- may_seal -------------------------------------------------------------------------

X = cast.wallet(cast.NEW_AUTHORITY).address
WHO[X] = "a fifth authority"

SEAL_CASES = [
    ([GRID, CITY, COOP], COOP, 3),          # sealed the parent
    ([GRID, CITY, COOP], CITY, 3),          # sealed two blocks ago: fine with 3 authorities
    ([GRID, CITY, COOP], GRID, 3),
    ([], GRID, 3),                          # the first block after genesis
    ([COOP, SCHOOL, GRID], SCHOOL, 4),      # two blocks ago: too recent with 4 authorities
    ([COOP, SCHOOL, GRID], COOP, 4),
    ([COOP, SCHOOL, GRID, CITY], GRID, 4),
    ([GRID, CITY, COOP, SCHOOL, X], CITY, 5),
    ([GRID, CITY, COOP, SCHOOL, X], SCHOOL, 5),
    ([CITY, GRID], GRID, 2),
    ([CITY, GRID], CITY, 2),
    ([GRID, GRID, GRID], GRID, 1),          # a lone authority seals every block
]


def _may_seal_with_window(window: Callable[[int], int], negative_zero: bool = False):
    """A model of may_seal that looks back ``window(n)`` blocks (to recognise mistakes)."""
    def model(recent, signer, n):
        back = window(n)
        if negative_zero:
            return signer not in recent[-back:]
        return signer not in (recent[max(0, len(recent) - back):] if back else [])
    return model


RIGHT = _may_seal_with_window(lambda n: signer_limit(n) - 1)
WRONG_SEALS = (
    (_may_seal_with_window(lambda n: signer_limit(n) - 1, negative_zero=True),
     "with one authority limit - 1 is 0, and in Python recent[-0:] is the WHOLE list, not "
     "an empty one: handle a look-back of 0 blocks (a lone authority seals every block)"),
    (_may_seal_with_window(signer_limit),
     "the limit counts the block being sealed: among any floor(N/2)+1 consecutive blocks "
     "that includes the new one, so look back only floor(N/2) = limit - 1 blocks"),
    (_may_seal_with_window(lambda n: n - 1),
     "that is strict round-robin (wait for everyone else); the rule only asks an authority "
     "to wait floor(N/2) blocks, so the street survives a missing authority"),
    (_may_seal_with_window(lambda n: 10 ** 6),
     "only the most recent blocks count: look at the last floor(N/2) sealers, not the whole "
     "history"),
)


@exercise("may_seal", chapter=4, title="The signer limit",
          hint="limit = n_signers // 2 + 1; the signer may seal unless it is among the last "
               "limit - 1 sealers in recent (careful: recent[-0:] is the whole list)")
def check_may_seal(fn: Callable) -> None:
    answers = []
    for recent, signer, n in SEAL_CASES:
        got = fn(list(recent), signer, n)
        if not isinstance(got, bool):
            raise Mismatch(f"may_seal({_who(recent)}, {_who(signer)}, {n}) returned {got!r}",
                           "return True or False")
        answers.append(got)
    expected = [RIGHT(*case) for case in SEAL_CASES]
    if answers == expected:
        return
    index = next(i for i, (a, e) in enumerate(zip(answers, expected)) if a != e)
    recent, signer, n = SEAL_CASES[index]
    said = (f"may_seal({_who(recent)}, {_who(signer)}, {n}): expected {expected[index]}, "
            f"got {answers[index]}")
    for model, hint in WRONG_SEALS:
        if answers == [model(*case) for case in SEAL_CASES]:
            raise Mismatch(said, hint)
    raise Mismatch(said)


# --- blocks_until_stall ---------------------------------------------------------------

def blocks_before_stall(n_signers: int, n_online: int) -> int | None:
    """Reference: from a fresh start, the blocks sealed before a stall (None: it never stalls)."""
    return None if n_online >= signer_limit(n_signers) else n_online


STALL_CASES = ((3, 3), (7, 5), (4, 3), (3, 2), (3, 1), (3, 0), (4, 2), (5, 2), (5, 3), (7, 3),
               (7, 4), (1, 1), (2, 1), (2, 2), (2**61 + 1, 2**60), (2**61 + 1, 2**60 + 1),
               (2**61 - 1, 2**60))                # large: a float limit loses the last digits

STALL_MISTAKES = (
    Mistake(lambda n, m: None if m >= n / 2 + 1 else m,
            "the limit is a whole number, floor(N/2) + 1: n_signers // 2 + 1 (3 / 2 + 1 is "
            "2.5, and for a large N a float loses the last digits)"),
    Mistake(lambda n, m: None if m >= int(n / 2) + 1 else m,
            "n_signers / 2 is a float, and for a large N a float loses the last digits: "
            "use whole numbers, n_signers // 2 + 1"),
    Mistake(lambda n, m: None if m > n // 2 + 1 else m,
            "exactly floor(N/2) + 1 online is enough: compare with >=, not >"),
    Mistake(lambda n, m: None if 2 * m >= n else m,
            "half is not enough: with 4 authorities the limit is 4 // 2 + 1 = 3, so two "
            "online seal two blocks and then each has sealed one of the last 2"),
    Mistake(lambda n, m: None if m == n else m,
            "the chain keeps going without everyone: floor(N/2) + 1 online authorities can "
            "take turns for ever"),
    Mistake(lambda n, m: None if m >= n // 2 + 1 else 0,
            "a stalling street still seals a few blocks: from a fresh start each online "
            "authority seals one, then all of them sealed too recently"),
    Mistake(lambda n, m: None if m >= n // 2 + 1 else 1,
            "each online authority seals one block before the limit stops it, not only the "
            "first one: n_online blocks"),
)


@exercise("blocks_until_stall", chapter=4, title="How many must be online?",
          hint="limit = n_signers // 2 + 1; with at least limit online the chain never stalls "
               "(None); with fewer, each online authority seals one block and then none may: "
               "n_online")
def check_blocks_until_stall(fn: Callable) -> None:
    for n, m in STALL_CASES:
        call, got, expected = f"blocks_until_stall({n}, {m})", fn(n, m), blocks_before_stall(n, m)
        if got is None and expected is not None:      # None is an answer here, not a slip
            raise Mismatch(f"{call}: expected {expected}, got None",
                           hint_for(got, STALL_MISTAKES, n, m)
                           or "with fewer than floor(N/2) + 1 online the chain stalls: return "
                              "how many blocks are sealed first")
        compare(call, got, expected, STALL_MISTAKES, (n, m))


# --- tally_votes ----------------------------------------------------------------------

def tally(votes: list[tuple[str, str, bool]], signers: list[str]) -> list[str]:
    """The targets that more than half of ``signers`` back (latest vote per voter counts)."""
    latest: dict[tuple[str, str], bool] = {}
    for voter, target, authorize in votes:
        if voter in signers:
            latest[(voter, target)] = authorize
    backing: dict[str, int] = {}
    for (voter, target), authorize in latest.items():
        if authorize != (target in signers):
            backing[target] = backing.get(target, 0) + 1
    return sorted(t for t, count in backing.items() if count > len(signers) // 2)


TALLY_CASES = [
    ("the co-op and the grid operator vote to add the school",
     [(COOP, SCHOOL, True), (GRID, SCHOOL, True)], THREE, ""),
    ("only the co-op votes to add the school",
     [(COOP, SCHOOL, True)], THREE,
     "one vote of three is not a majority: a change needs MORE than half (2 of 3)"),
    ("the co-op votes for the school in two of its blocks",
     [(COOP, SCHOOL, True), (COOP, SCHOOL, True)], THREE,
     "each authority has ONE live vote per target: voting again replaces its old vote, it "
     "does not add a second one"),
    ("two of four authorities vote to remove the school",
     [(GRID, SCHOOL, False), (CITY, SCHOOL, False)], FOUR,
     "a tie is not a majority: with 4 authorities a change needs 3 votes "
     "(count > len(signers) // 2)"),
    ("Alice (no authority) and the co-op vote to add Mallory",
     [(ALICE, MALLORY, True), (COOP, MALLORY, True)], THREE,
     "only the authorities' votes count: ignore a vote whose voter is not in signers"),
    ("the grid operator and the municipality vote to add the co-op",
     [(GRID, COOP, True), (CITY, COOP, True)], THREE,
     "the co-op is already an authority, so adding it changes nothing: only a vote to add a "
     "non-member or to remove a member counts"),
    ("the co-op votes for the school, changes its mind, and the grid operator votes for it",
     [(COOP, SCHOOL, True), (COOP, SCHOOL, False), (GRID, SCHOOL, True)], THREE,
     "only each authority's LATEST vote on a target counts: the co-op's second vote "
     "(remove a non-member) replaced its first and backs nothing"),
    ("the grid operator and the municipality vote to remove the co-op",
     [(GRID, COOP, False), (CITY, COOP, False)], THREE, ""),
    ("the school is proposed by two, Mallory by one",
     [(CITY, MALLORY, True), (GRID, SCHOOL, True), (COOP, SCHOOL, True)], THREE, ""),
    ("three of four vote to remove the school, one of them twice",
     [(GRID, SCHOOL, False), (CITY, SCHOOL, False), (GRID, SCHOOL, False),
      (COOP, SCHOOL, False)], FOUR, ""),
    ("all three vote for the school and then for the library",
     [(GRID, SCHOOL, True), (COOP, SCHOOL, True), (CITY, SCHOOL, True), (CITY, LIBRARY, True),
      (GRID, LIBRARY, True), (COOP, LIBRARY, True)], THREE, ""),
    ("no votes at all", [], THREE, ""),
]


@exercise("tally_votes", chapter=4, title="Count the votes",
          hint="keep each authority's latest vote per target (ignore non-authorities), "
               "drop votes that would change nothing, and return sorted([targets backed by "
               "more than len(signers) // 2 authorities])")
def check_tally_votes(fn: Callable) -> None:
    for what, votes, signers, hint in TALLY_CASES:
        expected = tally(votes, signers)
        got = fn(list(votes), list(signers))
        call = f"tally_votes({what})"
        if isinstance(got, (set, frozenset, tuple)) and sorted(got) == expected:
            raise Mismatch(f"{call} returned {type(got).__name__} {_who(sorted(got))}",
                           "return a list, sorted: sorted(targets)")
        if not isinstance(got, list):
            raise Mismatch(f"{call} returned {got!r}",
                           "return a list of the addresses whose change passes ([] if none)")
        if got == expected:
            continue
        said = f"{call}: expected {_who(expected)}, got {_who(got)}"
        if sorted(got) == expected:
            raise Mismatch(said, "sort the list of targets, so every node reports them in "
                                 "the same order")
        raise Mismatch(said, hint)


# --- concept questions ----------------------------------------------------------------

concept(4, "With four authorities, how many must be online for the chain to keep going?",
        ["two: half of them", "three: floor(4/2) + 1", "all four"],
        answer="b", why="each may seal one of any three consecutive blocks, so three "
                        "different authorities must take turns",
        nudges={"a": "two authorities alternate A, B, A: but A's second block comes within "
                     "three blocks of its first, which the signer limit refuses",
                "c": "the others seal out of turn when one is missing; only fewer than "
                     "floor(N/2) + 1 stops the chain"})
concept(4, "Two branches weigh exactly the same. Which head does every node pick?",
        ["the longer branch", "the branch it heard first",
         "the branch whose tip has the smaller hash"],
        answer="c", why="every node computes the same hashes, so every node picks the same "
                        "head whatever order the blocks arrived in (a sealer can grind its "
                        "block for a small hash, so a tie is not a fair coin)",
        nudges={"a": "length does not count, weight does; and here the weights are equal",
                "b": "arrival order differs from node to node, so they would disagree"})
concept(4, "Why does an epoch checkpoint clear every pending vote?",
        ["so a stale proposal cannot pass months later, and a node that starts from the "
         "checkpoint's list needs no history of votes",
         "to save space in the headers",
         "because a vote counts only within one block"],
        answer="a", why="the checkpoint is a clean slate: it lists the authorities, and "
                        "nothing pending is carried past it",
        nudges={"b": "pending votes live in the snapshot every node computes, not in the "
                     "headers; clearing them is about correctness",
                "c": "votes from earlier blocks add up (the school got in with votes in #7 "
                     "and #8); the checkpoint is what clears them"})
