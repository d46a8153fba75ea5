"""Solutions to the chapter 04 exercises: proof of authority.

Try each exercise first; `check(your_function)` tells you what is wrong and hints at why.
"""


def in_turn_signer(signers, number):
    """The address whose turn block ``number`` is: position number mod N of the sorted list."""
    ordered = sorted(signers)
    return ordered[number % len(ordered)]


def difficulty_for(signers, number, sealer):
    """2 if ``sealer`` is in turn for block ``number``, otherwise 1."""
    return 2 if in_turn_signer(signers, number) == sealer else 1


def may_seal(recent, signer, n_signers):
    """True unless ``signer`` sealed one of the last floor(N/2) blocks (the signer limit)."""
    limit = n_signers // 2 + 1
    look_back = limit - 1
    last = recent[max(0, len(recent) - look_back):] if look_back > 0 else []
    return signer not in last


def tally_votes(votes, signers):
    """The sorted targets that more than half of the authorities back."""
    latest = {}
    for voter, target, authorize in votes:
        if voter in signers:                      # only authorities vote
            latest[(voter, target)] = authorize   # a new vote replaces the old one
    backing = {}
    for (voter, target), authorize in latest.items():
        if authorize != (target in signers):      # a vote that would change something
            backing[target] = backing.get(target, 0) + 1
    return sorted(target for target, count in backing.items() if count > len(signers) // 2)


def blocks_until_stall(n_signers, n_online):
    """From a fresh start: blocks sealed before the chain stalls, or None if it never does."""
    limit = n_signers // 2 + 1
    if n_online >= limit:
        return None            # enough authorities take turns for ever
    return n_online            # each seals one block; then every one sealed too recently
