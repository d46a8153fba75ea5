"""Sybil ratings: a ring of fake households rating Mallory up, and what it costs (chapter 13).

A score is a Bayesian average of stars (``market.reputation.score``), and an order may ask
for a minimum partner score: Bob's bid below takes only sellers with 4.0 stars or more.
Mallory, a newcomer at 3.0, cannot sell into it. Her plan: fake households that give her
five stars.

* **Without the rule** that only the parties of a settled trade may rate (``naive_score``),
  ratings are free: ``trades_for(4000)`` five-star ratings lift her to 4.0 (five), and
  nothing limits how many a ring can give.
* **With it** (the reputation contract, chapter 10), a rating needs a trade the market
  settled, so ``sybil_ring`` first sees each fake's rating refused ("trade not settled"),
  then makes the ring trade: each fake household must be registered and attested by an
  authority, takes 1 Wh of Mallory's offer at the feed-in price, Mallory's meter must
  show the Wh exported (or her bond pays the retail price for each missing one), the slot
  is cleared and settled, and only then does each trade earn one rating.

What it costs, measured: identities an authority attested, trades, Wh delivered, money
moved (it stays inside the ring), penalties and gas. The honest finding: one fake
household can make all five trades, so the rule makes a ring trade but not grow; the
barrier that matters is the attestation. ``partner_score`` shows a rule the street could
add (not in the contract): count one rating per partner, its latest, so that five
ratings need five attested fakes.
"""

from __future__ import annotations

from dataclasses import dataclass

from minichain import cast
from minichain.contracts.client import BUY, SELL, sunny_street
from minichain.errors import MarketError
from minichain.market.reputation import PRIOR_SCORE, Record, score
from minichain.wallet import Wallet

RING_SEED = "mallory-ring-{}"          # the fakes' keys: outside the street's cast on purpose
RING_SLOT = 8                          # the ring's trades
BID_SLOT = 20                          # Bob's bid, still open after the ring's slot settles
BID_WH, BID_PRICE, MIN_SCORE = 1_000, 250_000, 4_000
TRADE_WH = 1


def naive_score(five_star_ratings: int) -> int:
    """Mallory's score after ``five_star_ratings`` ratings of five stars and no others."""
    return score(Record(stars=5 * five_star_ratings, ratings=five_star_ratings))


def trades_for(target: int) -> int:
    """The fewest five-star ratings that lift a newcomer to ``target`` milli-stars."""
    if not PRIOR_SCORE <= target < 5_000:
        raise MarketError(f"target must be 3000 to 4999 milli-stars, got {target}")
    ratings = 0
    while naive_score(ratings) < target:
        ratings += 1
    return ratings


def partner_score(ratings: list[tuple[str, int]]) -> int:
    """A rule the street could adopt: the score from each rater's latest stars only."""
    latest: dict[str, int] = {}
    for rater, stars in ratings:
        latest[rater] = stars
    return score(Record(stars=sum(latest.values()), ratings=len(latest)))


def ring_keys(size: int) -> dict[str, Wallet]:
    """The ring's households: name -> key."""
    return {RING_SEED.format(n): Wallet.from_seed(RING_SEED.format(n))
            for n in range(1, size + 1)}


@dataclass(frozen=True)
class Ring:
    """A ring's attempt to lift Mallory's score past Bob's minimum, and what it cost."""

    size: int                          # fake households, each attested by an authority
    trades: int
    delivered_wh: int
    refused_without_trade: str         # what reputation said to a rating with no trade
    refused_before: str                # what the market said to Mallory's take of Bob's bid
    score_before: int
    score_after: int
    score_one_per_partner: int         # the same ratings under ``partner_score``
    took_bid: bool                     # could she sell into Bob's bid afterwards?
    moved: int                         # µ€ the ring paid Mallory (it stays in the ring)
    penalties: int                     # µ€ Mallory's bond paid the utility for missing Wh
    gas: int                           # gas of the ring's and Mallory's transactions


def sybil_ring(size: int = 1, trades: int = 5, delivered_wh: int | None = None) -> Ring:
    """Run the ring on the street's market: ``size`` fakes make ``trades`` 1 Wh trades with
    Mallory (``delivered_wh`` of them delivered, all by default) and rate each five stars."""
    delivered_wh = trades * TRADE_WH if delivered_wh is None else delivered_wh
    fakes = ring_keys(size)
    street = sunny_street(("bob", cast.ATTACKER, *fakes), nodes=False, keys=fakes)
    market, people = street.market, street.households
    mallory = people[cast.ATTACKER]
    first = len(market.receipts)
    bid = market.post(people["bob"], BUY, BID_WH, BID_PRICE, BID_SLOT, min_reputation=MIN_SCORE)
    refused_before, = market.seal([market.take_bid_tx(mallory, bid, BID_WH)])
    fake = next(iter(fakes))
    no_trade, = market.seal([market.rate_tx(people[fake], 1, 5)])
    offer = market.post(mallory, SELL, trades * TRADE_WH, cast.FEED_IN, RING_SLOT)
    takes = market.seal([market.take_tx(people[name], offer, TRADE_WH)
                         for n in range(trades) for name in [sorted(fakes)[n % size]]])
    trade_ids = [market.returned(market.contracts.market, "take", r) for r in takes]
    market.clear(RING_SLOT, by=mallory, at=market.gate_closure(RING_SLOT))
    market.submit_reading(street.meters[cast.ATTACKER], RING_SLOT, delivered_wh, 0,
                          at=market.slot_end(RING_SLOT))
    market.settle(RING_SLOT, by=mallory, at=market.window_end(RING_SLOT))
    settled = market.events(market.receipts[-1:], "Settled")
    raters = [sorted(fakes)[n % size] for n in range(trades)]
    market.seal([market.rate_tx(people[name], trade, 5) for name, trade in zip(raters, trade_ids)])
    after, = market.seal([market.take_bid_tx(mallory, bid, BID_WH)])
    account = street.address(cast.ATTACKER)
    score_after = market.score(account)
    gas = sum(r.gas_used for r in market.receipts[first:])
    return Ring(size, trades, delivered_wh, str(no_trade.error), str(refused_before.error),
                PRIOR_SCORE, score_after,
                partner_score([(name, 5) for name in raters]), after.success,
                sum(event["paid"] for event in settled),
                sum(event["penalty"] for event in settled), gas)


__all__ = ["BID_PRICE", "MIN_SCORE", "RING_SEED", "Ring", "naive_score", "partner_score",
           "ring_keys", "sybil_ring", "trades_for"]
