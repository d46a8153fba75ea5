"""Solutions to the chapter 10 exercises: settlement and reputation.

Try each exercise first; `check(your_function)` tells you what is wrong and hints at why.
"""

from minichain import cast
from minichain.market.units import amount_for

PRIOR_SCORE = 3000        # milli-stars: a newcomer's three stars
PRIOR_WEIGHT = 5          # imaginary ratings of PRIOR_SCORE counted in


def share_delivery(trades, measured_export_wh):
    """(delivered_wh, shortfall_wh) per trade: each seller's export shared in trade order."""
    left = {}
    shares = []
    for trade in trades:
        have = left.get(trade.seller, measured_export_wh.get(trade.seller, 0))
        delivered = min(trade.quantity_wh, have)
        left[trade.seller] = have - delivered
        shares.append((delivered, trade.quantity_wh - delivered))
    return shares


def settlement_transfers(trade, delivered_wh, retail):
    """(paid, penalty): what the seller receives, and what its bond pays the utility."""
    paid = amount_for(trade.quantity_wh, trade.seller_price)
    penalty = amount_for(trade.quantity_wh - delivered_wh, retail)
    return paid, penalty


def net_changes(trades, measured_export_wh, retail):
    """Each account's change in µ€ over the slot, from before posting to after settlement."""
    changes = {}

    def add(account, amount):
        changes[account] = changes.get(account, 0) + amount

    for trade, (delivered, shortfall) in zip(trades, share_delivery(trades, measured_export_wh)):
        add(trade.buyer, -trade.amount)
        add(trade.seller, trade.seller_amount)
        add("community fund", trade.amount - trade.seller_amount)
        penalty = amount_for(shortfall, retail)
        add(trade.seller, -penalty)
        add("utility", penalty)
    return {account: amount for account, amount in changes.items() if amount != 0}


def rating_refusal(trade, rater, stars, rated_by_buyer, rated_by_seller):
    """The reputation contract's reason for refusing a rating, or None if it accepts it."""
    if trade is None:
        return "trade not settled"
    if rater not in (trade.buyer, trade.seller):
        return "not a party of this trade"
    if not 1 <= stars <= 5:
        return "stars must be 1 to 5"
    if rated_by_buyer if rater == trade.buyer else rated_by_seller:
        return "trade already rated"
    return None


def bayesian_score(stars_list):
    """The score in milli-stars: five imaginary three-star ratings count in with the real ones."""
    return ((PRIOR_WEIGHT * PRIOR_SCORE + 1000 * sum(stars_list))
            // (PRIOR_WEIGHT + len(stars_list)))


def delivery_reliability(delivered, traded):
    """The share of the sold Wh that arrived, in per mille (1000 before any sale)."""
    if sum(traded) == 0:
        return 1000
    return 1000 * sum(delivered) // sum(traded)


def conditioned_pairs(orders, scores):
    """(bid id, ask id, Wh) per trade of the walk in which every minimum reputation holds."""
    bids = sorted((o for o in orders if o.side == "buy"), key=lambda o: (-o.price, o.id))
    asks = sorted((o for o in orders if o.side == "sell"), key=lambda o: (o.price, o.id))
    left = {ask.id: ask.quantity_wh for ask in asks}

    def score(owner):
        return scores.get(owner, PRIOR_SCORE)          # nobody rated it yet: a newcomer

    pairs = []
    for bid in bids:
        want = bid.quantity_wh
        for ask in asks:
            if want == 0 or ask.price > bid.price:
                break
            if left[ask.id] == 0:
                continue
            if score(ask.owner) < bid.min_reputation or score(bid.owner) < ask.min_reputation:
                continue                               # passed over; it stays for later bids
            quantity = min(want, left[ask.id])
            pairs.append((bid.id, ask.id, quantity))
            want -= quantity
            left[ask.id] -= quantity
    return pairs


def settle_and_rate(street, slot, trade_id, stars):
    """Settle the slot, let Bob rate Carol, and read her record from the co-op's node."""
    market, bob = street.market, street.households["bob"]
    market.settle(slot, by=bob, at=market.window_end(slot))
    market.rate(bob, trade_id, stars)
    at_coop = market.on(street.network.nodes[cast.ENERGY_CO_OP].chain)
    carol = street.address("carol")
    return at_coop.score(carol), at_coop.reliability(carol)
