"""Checks for the chapter 13 exercises: front-runs, sealed bids, a ring, a refund, a split.

Each checker runs the learner's function on cases from the attack lab (blocks of takes
with the time each reached the sealer, sealed-bid commitments for Sunny Street's keys,
a sealed-bid lot on the contract machine, the reputation contract's score, prepaid deals
that do not round evenly, sides of a partition with some of the authorities' keys) and
recognises the usual wrong turns (block order read as arrival order, front-runner and
victim swapped, takes of different offers paired, the commitment's words left out or
swapped, the deposit or the wait or the payment's rounding forgotten, a strict
comparison, the prior left out, a refund rounded on its own, half the keys taken for a
majority) to give the hint that fixes them. The chapter's three concept questions are
registered here too.
"""

from __future__ import annotations

from typing import Callable

from minichain import cast
from minichain.attacks.front_running import BID_TAG, bid_commitment
from minichain.attacks.lab import ContractLab, contract_lab
from minichain.checks import FORGOT_RETURN, Mismatch, Mistake, compare, exercise, hint_for
from minichain.checks.quiz import concept
from minichain.errors import InsufficientFunds
from minichain.market.reputation import PRIOR_SCORE, Record, score
from minichain.market.units import amount_for
from minichain.poa import signer_limit
from minichain.vm.opcodes import address_to_word, sha256_words

# --- find_front_runs ------------------------------------------------------------------------

Take = tuple[str, int, bool, float]          # taker, offer, accepted, when it reached the sealer


def front_runs(takes: list[Take]) -> list[tuple[str, str, int]]:
    """Reference: (front-runner, victim, offer) for each refused take that an accepted
    take of the same offer, sent later by someone else, was put ahead of in the block."""
    found = []
    for position, (victim, offer, accepted, sent) in enumerate(takes):
        if accepted:
            continue
        for runner, other, ok, when in takes[:position]:
            if ok and other == offer and runner != victim and when > sent:
                found.append((runner, victim, offer))
                break
    return found


def _runs_ignoring_time(takes: list[Take]) -> list[tuple[str, str, int]]:
    return front_runs([(who, offer, ok, -i) for i, (who, offer, ok, _) in enumerate(takes)])


def _runs_swapped(takes: list[Take]) -> list[tuple[str, str, int]]:
    return [(victim, runner, offer) for runner, victim, offer in front_runs(takes)]


def _runs_any_offer(takes: list[Take]) -> list[tuple[str, str, int]]:
    found = []
    for position, (victim, offer, accepted, sent) in enumerate(takes):
        if accepted:
            continue
        for runner, _, ok, when in takes[:position]:
            if ok and runner != victim and when > sent:
                found.append((runner, victim, offer))
                break
    return found


FRONT_RUN_MISTAKES = (
    Mistake(_runs_ignoring_time, "being first in the block is not a front-run by itself: the "
                                 "accepted take must have reached the sealer LATER than the "
                                 "refused one (compare the sent times)"),
    Mistake(_runs_swapped, "each tuple is (front-runner, victim, offer): the front-runner is "
                           "the one whose take was accepted"),
    Mistake(_runs_any_offer, "pair a refused take only with an accepted take of the SAME "
                             "offer: a take of another offer cannot have taken it away"),
)

M = cast.ATTACKER
FRONT_RUN_CASES = {
    "Mallory's take put ahead of Bob's": [(M, 1, True, 12.4), ("bob", 1, False, 10.0)],
    "the honest order": [("bob", 1, True, 10.0), (M, 1, False, 12.4)],
    "Mallory was simply first": [(M, 1, True, 9.0), ("bob", 1, False, 10.0)],
    "two offers, one front-run": [("alice", 2, True, 3.0), ("carol", 3, False, 4.0),
                                  (M, 3, True, 6.5), ("carol", 3, False, 5.0),
                                  ("dave", 2, False, 8.0)],
    "a take refused for its own reasons": [(M, 4, True, 7.0), ("erin", 5, False, 2.0)],
    "a block with two front-runs": [(M, 6, True, 20.0), (M, 7, True, 21.0),
                                    ("bob", 7, False, 15.0), ("carol", 6, False, 16.0)],
}


@exercise("find_front_runs", chapter=13, title="Find the front-run in a block",
          hint="for each refused take, look at the takes placed before it in the block: an "
               "accepted take of the same offer, by someone else, that reached the sealer "
               "later is a front-run; return (front-runner, victim, offer) in block order")
def check_find_front_runs(fn: Callable) -> None:
    for what, takes in FRONT_RUN_CASES.items():
        got = fn(list(takes))
        if isinstance(got, list):
            got = [tuple(item) if isinstance(item, list) else item for item in got]
        compare(f"find_front_runs({what})", got, front_runs(takes), FRONT_RUN_MISTAKES,
                (takes,))


# --- commitment_of --------------------------------------------------------------------------

LOT = cast.wallet(cast.ENERGY_CO_OP).address       # stands for a lot contract's address
OTHER_LOT = cast.wallet(cast.MUNICIPALITY).address


def _without_tag(lot: str, bidder: str, price: int, salt: int) -> int:
    return sha256_words((address_to_word(lot), address_to_word(bidder), price, salt))


def _without_lot(lot: str, bidder: str, price: int, salt: int) -> int:
    return sha256_words((BID_TAG, address_to_word(bidder), price, salt))


def _lot_and_bidder_swapped(lot: str, bidder: str, price: int, salt: int) -> int:
    return sha256_words((BID_TAG, address_to_word(bidder), address_to_word(lot), price, salt))


def _price_and_salt_swapped(lot: str, bidder: str, price: int, salt: int) -> int:
    return sha256_words((BID_TAG, address_to_word(lot), address_to_word(bidder), salt, price))


COMMITMENT_MISTAKES = (
    Mistake(_without_tag, "start with the TAG word, BID_TAG (\"sealed bid\" in ASCII): it says "
                          "what the hash is for, so no other hash can pass for a bid"),
    Mistake(_without_lot, "include the lot's address: without it a commitment to one lot "
                          "could be presented to another"),
    Mistake(_lot_and_bidder_swapped, "the order of the words is part of the hash: TAG, lot, "
                                     "bidder, price, salt"),
    Mistake(_price_and_salt_swapped, "the order of the words is part of the hash: the price "
                                     "comes before the salt"),
)

COMMITMENT_CASES = (
    (LOT, cast.wallet("bob").address, 250_000, 77),
    (LOT, cast.wallet(M).address, 270_000, 2 ** 254 + 1),
    (OTHER_LOT, cast.wallet("bob").address, 120_000, -5),
)


@exercise("commitment_of", chapter=13, title="The hash a reveal is checked against",
          hint="convert the two addresses with address_to_word, then return "
               "sha256_words((BID_TAG, lot, bidder, price, salt)): an int")
def check_commitment_of(fn: Callable) -> None:
    for lot, bidder, price, salt in COMMITMENT_CASES:
        compare(f"commitment_of({lot[:8]}…, {bidder[:8]}…, {price}, {salt})",
                fn(lot, bidder, price, salt), bid_commitment(lot, bidder, price, salt),
                COMMITMENT_MISTAKES, (lot, bidder, price, salt))


# --- commit_and_reveal ----------------------------------------------------------------------

REVEAL_HINTS = {
    "send exactly the deposit with a bid":
        "a commitment carries the lot's deposit: send value=lot.read(lab.state, 'deposit') "
        "with commit",
    "bidding has closed": "commit first, while lab.now is still before commit_end",
    "bidding is still open":
        "a reveal is accepted only once bidding has closed: set lab.now = "
        "lot.read(lab.state, 'commit_end') before you reveal",
    "the price and salt do not match the commitment":
        "commit bid_commitment(lot.address, lab.address(who), price, salt) and reveal the "
        "same price and salt",
    "send the bid's payment with the reveal":
        "the reveal pays for the lot: value = quantity_wh * price // 1000, with quantity_wh "
        "read from the lot (lot.read(lab.state, 'quantity_wh')), rounded down",
    "no such bid": "reveal the bid id that commit returned: lot.output('commit', receipt)",
    "only the bidder reveals a bid":
        "reveal from the same person who committed: lab.send(who, …)",
    "bid already revealed": "reveal once",
}

def _refusal(said: str, lab: ContractLab) -> None:
    """Raise the hint for the first call the contract refused, if any."""
    for receipt in lab.receipts[1:]:
        if not receipt.success:
            reason = str(receipt.error)
            raise Mismatch(f"{said}: the contract refused a call: {reason!r}",
                           REVEAL_HINTS.get(reason, "read the refusal and the contract's "
                                                    "reveal function"))


REVEAL_CASES = ((1_000, 5_000, "bob", 250_000, 77), (1_333, 0, M, 250_001, 2 ** 200))


@exercise("commit_and_reveal", chapter=13, title="Bid on a sealed lot, on the contract machine",
          hint="lab.send(who, lot, 'commit', commitment, value=deposit) returns a receipt; "
               "lot.output('commit', receipt) is the bid id; move lab.now to commit_end; then "
               "lab.send(who, lot, 'reveal', bid, price, salt, value=payment); return the bid id")
def check_commit_and_reveal(fn: Callable) -> None:
    for quantity, deposit, who, price, salt in REVEAL_CASES:
        lab = contract_lab(("alice", "bob", M))
        start = lab.now
        lot = lab.deploy("sealed_bids", "alice", quantity, 120_000, start + 600, start + 1_200,
                         deposit)
        said = f"commit_and_reveal(lot of {quantity:,} Wh, deposit {deposit}, {who}, {price})"
        try:
            got = fn(lab, lot, who, price, salt)
        except InsufficientFunds as error:
            raise Mismatch(f"{said}: a transaction asked for more than {who} holds: {error}",
                           REVEAL_HINTS["send the bid's payment with the reveal"]) from error
        except Exception:
            _refusal(said, lab)            # a refused call is why the learner's code failed
            raise
        _refusal(said, lab)
        if lot.read(lab.state, "bids") != 1:
            raise Mismatch(f"{said}: expected one commitment on the lot, found "
                           f"{lot.read(lab.state, 'bids')}", "commit exactly once")
        if not lot.read(lab.state, "revealed", 1):
            raise Mismatch(f"{said}: the bid was committed but never revealed",
                           "after commit_end, call reveal(bid, price, salt) with the payment")
        if got is None:
            raise Mismatch(f"{said}: expected the bid id 1, got None", FORGOT_RETURN)
        compare(said, got, 1, hint="return the bid id that commit returned")
        compare(f"{said}: the lot's best price", lot.read(lab.state, "best_price"), price)


# --- ratings_needed -------------------------------------------------------------------------

def ratings_needed(target: int) -> int:
    """Reference: the fewest five-star ratings that lift a newcomer to ``target``."""
    n = 0
    while score(Record(stars=5 * n, ratings=n)) < target:
        n += 1
    return n


def _strictly_above(target: int) -> int:
    n = 0
    while score(Record(stars=5 * n, ratings=n)) <= target:
        n += 1
    return n


def _without_prior(target: int) -> int:
    return 0 if target <= PRIOR_SCORE else 1


def _formula_rounded_down(target: int) -> int:
    return int(5 * (target - PRIOR_SCORE) / (5_000 - target))


RATING_MISTAKES = (
    Mistake(_strictly_above, "the minimum is met when the score is AT LEAST the target: use "
                             ">=, not >"),
    Mistake(_without_prior, "the score counts five imaginary three-star ratings: score = "
                            "(5 * 3000 + 1000 * stars) // (5 + ratings)"),
    Mistake(_formula_rounded_down, "a number of ratings is whole, and too few do not reach "
                                   "the target: round up, not down"),
)

RATING_CASES = (3_000, 3_333, 3_334, 4_000, 4_200, 4_500, 4_999)


@exercise("ratings_needed", chapter=13, title="What a sybil ring must buy",
          hint="count n = 0, 1, 2, ... and stop at the first n whose score "
               "(5 * 3000 + 1000 * 5 * n) // (5 + n) is at least the target")
def check_ratings_needed(fn: Callable) -> None:
    for target in RATING_CASES:
        compare(f"ratings_needed({target})", fn(target), ratings_needed(target),
                RATING_MISTAKES, (target,))


# --- refund_for -----------------------------------------------------------------------------

def _rounded_down_alone(locked: int, quantity: int, price: int, delivered: int) -> int:
    return (quantity - delivered) * price // 1000


def _rounded_up_alone(locked: int, quantity: int, price: int, delivered: int) -> int:
    return ((quantity - delivered) * price + 999) // 1000


def _seller_rounded_up(locked: int, quantity: int, price: int, delivered: int) -> int:
    return locked - (delivered * price + 999) // 1000


REFUND_MISTAKES = (
    Mistake(_rounded_up_alone, "that is prepaid_buggy's refund: rounded on its own, and up, "
                               "it can pay out 1 µ€ more than the deal locked"),
    Mistake(_rounded_down_alone, "rounded on its own the refund loses the rounding dust: the "
                                 "buyer should get everything the seller is not paid, "
                                 "locked - paid"),
    Mistake(_seller_rounded_up, "the seller's part is rounded down, as every amount is "
                                "(amount_for): delivered * price // 1000"),
)

REFUND_CASES = ((1, 80_001, 0), (7, 100_003, 0), (3, 80_100, 1), (2, 80_500, 1),
                (1_335, 179_513, 429), (2_000, 320_000, 1_999))


@exercise("refund_for", chapter=13, title="A refund that cannot leak",
          hint="pay the seller delivered_wh * price // 1000 and return locked minus that: one "
               "rounding, and the two parts add up to what was locked")
def check_refund_for(fn: Callable) -> None:
    for quantity, price, delivered in REFUND_CASES:
        locked = amount_for(quantity, price)
        inputs = (locked, quantity, price, delivered)
        compare(f"refund_for({locked}, {quantity}, {price}, {delivered})", fn(*inputs),
                locked - amount_for(delivered, price), REFUND_MISTAKES, inputs)


# --- blocks_before_stall --------------------------------------------------------------------

def blocks_before_stall(side_keys: int, authorities: int) -> int | None:
    """Reference: the most blocks a side of a partition holding ``side_keys`` of the
    ``authorities`` keys can seal (None: it never stalls)."""
    return None if side_keys >= signer_limit(authorities) else side_keys


BLOCK_MISTAKES = (
    Mistake(lambda keys, n: None if keys >= n / 2 else keys,
            "half is not enough: a side keeps sealing only with floor(N/2) + 1 keys (two of "
            "four stall)"),
    Mistake(lambda keys, n: None if keys >= signer_limit(n) else 1,
            "each authority on the side can seal one block before they have all sealed "
            "recently: a side with k keys seals up to k blocks"),
    Mistake(lambda keys, n: None if keys >= signer_limit(n) else 0,
            "a minority side is not frozen at once: each of its keys may seal one block"),
    Mistake(lambda keys, n: None if keys >= signer_limit(n) else keys - 1,
            "count every key on the side: k keys seal k blocks, then all of them sealed "
            "within the last floor(N/2) blocks"),
)

BLOCK_CASES = ((3, 7), (3, 6), (1, 3), (2, 3), (2, 4), (3, 4), (2, 5), (3, 5), (4, 6))


@exercise("blocks_before_stall", chapter=13, title="How far can a side of a split get?",
          hint="a side keeps sealing for ever if it holds at least floor(N/2) + 1 keys "
               "(return None); otherwise each of its keys seals one block, then it stalls")
def check_blocks_before_stall(fn: Callable) -> None:
    for keys, n in BLOCK_CASES:
        said, got = f"blocks_before_stall({keys}, {n})", fn(keys, n)
        expected = blocks_before_stall(keys, n)
        if got is None and expected is not None:      # None is an answer here, not a slip
            found = hint_for(got, BLOCK_MISTAKES, keys, n)
            if found:
                raise Mismatch(f"{said}: expected {expected!r}, got None", found)
        compare(said, got, expected, BLOCK_MISTAKES, (keys, n))


# --- concept questions ------------------------------------------------------------------------

concept(13, "Sealed bids hide every price until bidding closes. Why must each commitment "
            "also carry a deposit that is lost if it is never revealed?",
        ["to pay the sealer for the extra transactions",
         "otherwise a bidder commits a ladder of prices, watches the others reveal, and "
         "reveals only the rung just above the best: the front-run again, one phase later",
         "because sha256 can be reversed for small prices"],
        answer="b", why="every rung left unrevealed costs its deposit; above the break-even "
                        "deposit the ladder loses money",
        nudges={"a": "the deposit goes to the seller, and only for bids never revealed",
                "c": "the salt makes a commitment impossible to open by trying prices"})
concept(13, "Only the buyer and seller of a settled trade may rate each other. What does a "
            "sybil ring still need to lift Mallory to four stars?",
        ["nothing: rating is free",
         "as many fake households as ratings",
         "registered fake households (an authority attests each) and five settled trades: "
         "one fake can make all five, at a few hundred µ€ that stay inside the ring"],
        answer="c", why="the rule makes the ring trade and settle, but a 1 Wh trade is cheap; "
                        "the attestation is the barrier that matters",
        nudges={"a": "the contract refuses a rating without a settled trade: 'trade not "
                     "settled'",
                "b": "the contract counts one rating per trade, not per partner: one fake "
                     "trading five times gives five ratings"})
concept(13, "The market takes at most 800 orders per slot. What does that cap stop, and what "
            "does it not?",
        ["it stops gas griefing (a slot whose clearing needs more gas than a block has) but "
         "not book spam (a full book that refuses honest orders); fees, escrow and "
         "revocation answer that",
         "it stops both",
         "it stops book spam but makes gas griefing possible"],
        answer="a", why="with the cap every full book clears in one block; without it 1,600 "
                        "bids of 1 Wh froze a slot's money for good in the lab's smaller "
                        "block (about 4,700 would on the street's)",
        nudges={"b": "a spammer can still fill the 800 places first: Bob is told the book "
                     "is full",
                "c": "the cap is what makes a full book always clearable"})
