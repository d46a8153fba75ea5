"""Solutions to the chapter 05 exercises: a network of nodes.

Try each exercise first; `check(your_function)` tells you what is wrong and hints at why.
"""


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
