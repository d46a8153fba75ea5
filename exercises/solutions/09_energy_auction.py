"""Solutions to the chapter 09 exercises: the energy auction.

Try each exercise first; `check(your_function)` tells you what is wrong and hints at why.
"""

from minichain.market.orders import BUY, SELL


def amount_for(q_wh, price):
    """µ€ paid for `q_wh` Wh at `price` µ€ per kWh, rounded down."""
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


def mcafee_prices(bids, asks, feed_in, retail):
    """(1 kWh trades, buyers' price, sellers' price) under McAfee's trade reduction."""
    bids, asks = sorted(bids, reverse=True), sorted(asks)
    k = 0
    while k < min(len(bids), len(asks)) and bids[k] >= asks[k]:
        k += 1
    if k == 0:
        return (0, None, None)
    bid_k, ask_k = bids[k - 1], asks[k - 1]
    bid_next = bids[k] if k < len(bids) else feed_in
    ask_next = asks[k] if k < len(asks) else retail
    p0 = (bid_next + ask_next) // 2
    if ask_k <= p0 <= bid_k:
        return (k, p0, p0)
    if k == 1:
        return (0, None, None)
    return (k - 1, bid_k, ask_k)


def welfare(orders, trades):
    """Gains from trade in thousandths of a µ€: (bid price - ask price) * Wh, summed."""
    price = {o.id: o.price for o in orders}
    return sum((price[t.buy_order] - price[t.sell_order]) * t.quantity_wh for t in trades)


def trusted_offers(market, me, slots, max_price):
    """Ids of the offers in `slots` up to `max_price` that accept me, from trusted owners."""
    found = market.offers(side=SELL, slots=slots, max_price=max_price,
                          reputation=market.score(me), min_owner_score=3_000,
                          min_owner_reliability=900)
    return [order.id for order in found]


def buy_cheapest(market, buyer, slot, wh, max_price):
    """Take `wh` of the cheapest offer that fits; the trade as the chain records it, or None."""
    found = market.offers(side=SELL, slot=slot, max_price=max_price,
                          reputation=market.score(buyer.address), min_quantity=wh)
    if not found:
        return None
    trade_id = market.take(buyer, found[0].id, wh)
    return market.trade(trade_id)
