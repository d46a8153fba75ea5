"""Solutions to the chapter 10 exercises: settlement and reputation.

Try each exercise first; `check(your_function)` tells you what is wrong and hints at why.
"""

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


def bayesian_score(stars_list):
    """The score in milli-stars: five imaginary three-star ratings count in with the real ones."""
    return ((PRIOR_WEIGHT * PRIOR_SCORE + 1000 * sum(stars_list))
            // (PRIOR_WEIGHT + len(stars_list)))


def delivery_reliability(delivered, traded):
    """The share of the sold Wh that arrived, in per mille (1000 before any sale)."""
    if sum(traded) == 0:
        return 1000
    return 1000 * sum(delivered) // sum(traded)
