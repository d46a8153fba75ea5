"""Reputation, off chain: star ratings and delivery reliability as pure functions (chapter 10).

The reputation contract (``minichain/contracts/sources/reputation.py``) keeps the same numbers on
chain; the differential tests check that both agree after every rating and settlement.

The rules (``docs/market_rules.md``, "Reputation"):

* Only the buyer and the seller of a **settled** trade may rate each other, once each per
  trade, with 1 to 5 stars. ``rating_target`` applies the checks in the contract's order
  and says who the rating is for.
* The **score** is a Bayesian average in milli-stars: five imaginary three-star ratings are
  counted in with the real ones, so a newcomer starts at 3000 and a single angry rating
  moves a score by at most a third of the way::

      score = (PRIOR_WEIGHT * PRIOR_SCORE + 1000 * sum_of_stars) // (PRIOR_WEIGHT + ratings)

* **Reliability** in per mille is the share of the Wh a seller committed that its meter
  showed delivered: ``1000 * delivered_wh // traded_wh`` (1000 before any trade).

An order's minimum partner reputation (``Order.min_reputation``) is compared with the
partner's *score*; ``auction.clear(..., reputation=scores)`` applies it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from minichain.errors import RatingRejected
from minichain.market.trades import Trade

PRIOR_SCORE = 3000        # milli-stars: three stars
PRIOR_WEIGHT = 5          # how many imaginary prior ratings
MIN_STARS, MAX_STARS = 1, 5
MILLI = 1000
NEWCOMER_SCORE = PRIOR_SCORE
FULL_RELIABILITY = 1000   # per mille

# The contract's revert reasons, in the order the contract checks them.
NOT_SETTLED = "trade not settled"
NOT_A_PARTY = "not a party of this trade"
BAD_STARS = "stars must be 1 to 5"
ALREADY_RATED = "trade already rated"


@dataclass(frozen=True)
class Record:
    """What the chain knows about one account's reputation."""

    stars: int = 0            # sum of the stars it received
    ratings: int = 0          # how many ratings it received
    delivered_wh: int = 0     # Wh its meter showed delivered, over its settled sales
    traded_wh: int = 0        # Wh it sold in settled trades


def score(record: Record) -> int:
    """The Bayesian average rating in milli-stars (3000 for a newcomer)."""
    return ((PRIOR_WEIGHT * PRIOR_SCORE + MILLI * record.stars)
            // (PRIOR_WEIGHT + record.ratings))


def reliability(record: Record) -> int:
    """Delivered over traded Wh, per mille (1000 when nothing was sold yet)."""
    if record.traded_wh == 0:
        return FULL_RELIABILITY
    return FULL_RELIABILITY * record.delivered_wh // record.traded_wh


def with_rating(record: Record, stars: int) -> Record:
    """The record after one more rating of ``stars`` (1 to 5)."""
    if not isinstance(stars, int) or isinstance(stars, bool) or not MIN_STARS <= stars <= MAX_STARS:
        raise RatingRejected(f"{BAD_STARS}, got {stars!r}")
    return replace(record, stars=record.stars + stars, ratings=record.ratings + 1)


def with_delivery(record: Record, delivered_wh: int, traded_wh: int) -> Record:
    """The record after one settled sale: ``delivered_wh`` of ``traded_wh`` arrived."""
    if not 0 <= delivered_wh <= traded_wh:
        raise RatingRejected(f"delivered Wh must be between 0 and the traded {traded_wh}, "
                             f"got {delivered_wh}")
    return replace(record, delivered_wh=record.delivered_wh + delivered_wh,
                   traded_wh=record.traded_wh + traded_wh)


def rating_target(trade: Trade | None, rater: str, stars: int,
                  rated_by_buyer: bool, rated_by_seller: bool) -> str:
    """Who ``rater``'s rating of a settled ``trade`` is for, or ``RatingRejected`` with the contract's
    reason: the trade must be settled (``None`` if not), the rater one of its two parties,
    the stars 1 to 5, and the rater must not have rated this trade before."""
    if trade is None:
        raise RatingRejected(NOT_SETTLED)
    if rater == trade.buyer:
        target, already = trade.seller, rated_by_buyer
    elif rater == trade.seller:
        target, already = trade.buyer, rated_by_seller
    else:
        raise RatingRejected(NOT_A_PARTY)
    if not isinstance(stars, int) or isinstance(stars, bool) or not MIN_STARS <= stars <= MAX_STARS:
        raise RatingRejected(BAD_STARS)
    if already:
        raise RatingRejected(ALREADY_RATED)
    return target
