"""Solutions to the chapter 11 exercises: the Sunny Street simulator.

Try each exercise first; `check(your_function)` tells you what is wrong and hints at why.
"""

from minichain.day.agents import OrderIntent
from minichain.market.orders import BUY, SELL
from minichain.market.units import amount_for


def self_sufficiency(slots):
    """Share of the load not bought from the utility, in per mille (None: nothing used)."""
    load = sum(load_wh for load_wh, _ in slots)
    if load == 0:
        return None
    imported = sum(import_wh for _, import_wh in slots)
    local = max(0, load - imported)
    return (2000 * local + load) // (2 * load)          # local * 1000 / load, half up


def congested_line(flows, capacities):
    """The most overloaded line (abs(flow) > capacity), the first on a tie; None if none is."""
    worst = None
    for line, capacity in capacities.items():
        flow = abs(flows[line])
        if flow <= capacity:
            continue
        if worst is None or flow * capacities[worst] > abs(flows[worst]) * capacity:
            worst = line
    return worst


def baseline_bill(imports, exports, retail, feed_in):
    """The bill without trading: per slot imports at retail minus exports at feed-in."""
    return sum(amount_for(imported, retail) - amount_for(exported, feed_in)
               for imported, exported in zip(imports, exports))


def my_agent(view):
    """Truthful quantities, priced one µ€ inside the last clearing price."""
    balance = view.residual()
    tariffs = view.tariffs
    last = view.last_price
    if balance.export_wh:
        price = tariffs.feed_in if last is None else max(tariffs.feed_in, last - 1)
        return [OrderIntent(SELL, balance.export_wh, price)]
    if balance.import_wh:
        price = tariffs.retail if last is None else min(tariffs.retail, last + 1)
        return [OrderIntent(BUY, balance.import_wh, price)]
    return []


def chain_in_store(stored, head):
    """The chain that ends at ``head``, genesis first, from a node's stored blocks; None if one is missing."""
    parent_of = {block_hash: parent for _, block_hash, parent in stored}
    chain = []
    cursor = head
    while cursor is not None:
        if cursor not in parent_of:
            return None
        chain.append(cursor)
        cursor = parent_of[cursor]
    return chain[::-1]
