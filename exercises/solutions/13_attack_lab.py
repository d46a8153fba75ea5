"""Solutions to the chapter 13 exercises: the attack lab.

Try each exercise first; `check(your_function)` tells you what is wrong and hints at why.
"""

from minichain.attacks.front_running import BID_TAG
from minichain.vm.opcodes import address_to_word, sha256_words


def find_front_runs(takes):
    """(front-runner, victim, offer) for each refused take that a later-sent, accepted take
    of the same offer by someone else was put ahead of in the block."""
    found = []
    for position, (victim, offer, accepted, sent) in enumerate(takes):
        if accepted:
            continue
        for runner, other, ok, when in takes[:position]:
            if ok and other == offer and runner != victim and when > sent:
                found.append((runner, victim, offer))
                break
    return found


def commitment_of(lot, bidder, price, salt):
    """The sealed bid's commitment: sha256 of TAG, lot, bidder, price, salt (as words)."""
    return sha256_words((BID_TAG, address_to_word(lot), address_to_word(bidder), price, salt))


def commit_and_reveal(lab, lot, who, price, salt):
    """Commit with the deposit, wait until bidding closes, reveal with the payment."""
    commitment = commitment_of(lot.address, lab.address(who), price, salt)
    receipt = lab.send(who, lot, "commit", commitment, value=lot.read(lab.state, "deposit"))
    bid = lot.output("commit", receipt)
    lab.now = lot.read(lab.state, "commit_end")
    payment = lot.read(lab.state, "quantity_wh") * price // 1000
    lab.send(who, lot, "reveal", bid, price, salt, value=payment)
    return bid


def ratings_needed(target):
    """The fewest five-star ratings that lift a newcomer's score to at least ``target``."""
    n = 0
    while (5 * 3000 + 1000 * 5 * n) // (5 + n) < target:
        n += 1
    return n


def refund_for(locked, quantity_wh, price, delivered_wh):
    """What the buyer gets back: everything the deal locked that the seller is not paid."""
    return locked - delivered_wh * price // 1000


def blocks_before_stall(side_keys, authorities):
    """The most blocks a side with side_keys of the authorities' keys seals (None: no stall)."""
    if side_keys >= authorities // 2 + 1:
        return None
    return side_keys
