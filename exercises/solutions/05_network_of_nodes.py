"""Solutions to the chapter 05 exercises: a network of nodes.

Try each exercise first; `check(your_function)` tells you what is wrong and hints at why.
"""

import hashlib

MAGIC = b"minichain chain store v1\n"


def canonical_head(parents, difficulty):
    """The block with the highest total difficulty; on a tie, the smaller hash."""
    def total(block):
        weight = 0
        while block is not None:
            weight += difficulty[block]
            block = parents[block]
        return weight
    return min(parents, key=lambda block: (-total(block), block))


def transactions_to_return(dropped, added):
    """The dropped blocks' transactions, in order, that no added block holds."""
    included = {stx.hash for block in added for stx in block.transactions}
    return [stx for block in dropped for stx in block.transactions if stx.hash not in included]


def reachable_groups(links, groups, down):
    """The running nodes that can reach each other, as a sorted list of sorted groups."""
    side = {name: index for index, group in enumerate(groups) for name in group}
    neighbours = {name: set() for name in side if name not in down}
    for a, b in links:
        if side[a] == side[b] and a not in down and b not in down:
            neighbours[a].add(b)
            neighbours[b].add(a)
    seen, found = set(), []
    for start in sorted(neighbours):
        if start in seen:
            continue
        seen.add(start)
        group, todo = [], [start]
        while todo:
            name = todo.pop()
            group.append(name)
            for other in neighbours[name] - seen:
                seen.add(other)
                todo.append(other)
        found.append(sorted(group))
    return sorted(found)


def store_verdict(data):
    """('ok', records), ('torn', offset to cut at) or ('corrupt', record index) for a store file."""
    offset, record = len(MAGIC), 0
    while offset < len(data):
        if len(data) - offset < 16:                          # length, number and guard
            return ("torn", offset)
        prefix, guard = data[offset:offset + 12], data[offset + 12:offset + 16]
        if hashlib.sha256(prefix).digest()[:4] != guard:
            return ("corrupt", record)                       # the length can't be trusted
        length = int.from_bytes(prefix[:4], "big")
        start = offset + 48
        if len(data) < start + length:
            return ("torn", offset)                          # cut short by a crash
        if hashlib.sha256(data[start:start + length]).digest() != data[start - 32:start]:
            return ("corrupt", record)                       # written whole, changed since
        offset, record = start + length, record + 1
    return ("ok", record)


def confirmations_needed(depths, risk):
    """The fewest confirmations k whose measured chance of a reversal is at most ``risk``."""
    k = 1
    while sum(1 for depth in depths if depth >= k) / len(depths) > risk:
        k += 1
    return k
