"""Solutions to the chapter 09 exercises: the energy auction.

Try each exercise first; `check(your_function)` tells you what is wrong and hints at why.
"""

from minichain.market.orders import BUY, SELL


def amount_for(q_wh, price):
    """Token units paid for `q_wh` Wh at `price` units per kWh, rounded down."""
    return q_wh * price // 1000


def merit_order(orders):
    """(bids, asks): bids by price high to low, asks low to high, ties by lower id first."""
    bids = sorted((o for o in orders if o.side == BUY), key=lambda o: (-o.price, o.id))
    asks = sorted((o for o in orders if o.side == SELL), key=lambda o: (o.price, o.id))
    return bids, asks


def clearing_quantity(bids, asks):
    """The Wh the merit walk trades; bids and asks are lists of (price, wh) in any order."""
    bids = sorted(bids, key=lambda pair: -pair[0])
    asks = sorted(asks, key=lambda pair: pair[0])
    i = j = traded = 0
    bid_left = bids[0][1] if bids else 0
    ask_left = asks[0][1] if asks else 0
    while i < len(bids) and j < len(asks) and bids[i][0] >= asks[j][0]:
        quantity = min(bid_left, ask_left)
        traded += quantity
        bid_left -= quantity
        ask_left -= quantity
        if bid_left == 0:
            i += 1
            bid_left = bids[i][1] if i < len(bids) else 0
        if ask_left == 0:
            j += 1
            ask_left = asks[j][1] if j < len(asks) else 0
    return traded


def uniform_price(bid_m, ask_m, k_num, k_den):
    """ask_m + k * (bid_m - ask_m) with k = k_num / k_den, rounded down towards the ask."""
    return ask_m + (k_num * (bid_m - ask_m)) // k_den


def welfare(orders, trades):
    """Gains from trade in milli-units: (bid price - ask price) * Wh, summed over the trades."""
    price = {o.id: o.price for o in orders}
    return sum((price[t.buy_order] - price[t.sell_order]) * t.quantity_wh for t in trades)
