"""Reputation on chain: ratings of settled trades and delivery reliability (chapter 10).

The market records every trade it settles (``record``, callable only by the market): who
bought, who sold, and how much of the traded energy the seller's meter showed delivered.
Then, and only then, the two parties may rate each other, once each per trade, with 1 to 5
stars. ``score`` is a Bayesian average in milli-stars (a newcomer has 3000) and
``reliability`` the delivered share in per mille; the market reads ``score`` when it checks
an order's minimum partner reputation. ``minichain.market.reputation`` is the same in
plain Python.

The market's address is given at deploy: the deployer works it out in advance with
``contract_address(deployer, nonce)``, because the market in turn needs this contract's.
The identity registry's too: a household rates from whichever key signs for it now
(``account_of``), and its ratings count for its account.
"""

from minichain.vm.lang import *

PRIOR_SCORE = 3000
PRIOR_WEIGHT = 5


class Identity(Interface):
    def account_of(self, key: address) -> address: ...


class Reputation:
    market: address
    registry: address
    buyer: Map[int, address]            # settled trade -> its buyer (zero: not settled)
    seller: Map[int, address]
    rated_by_buyer: Map[int, bool]
    rated_by_seller: Map[int, bool]
    stars: Map[address, int]            # sum of the stars received
    ratings: Map[address, int]
    delivered: Map[address, int]        # Wh delivered over settled sales
    traded: Map[address, int]           # Wh sold in settled trades

    Recorded = Event(trade=int, buyer=address, seller=address, delivered_wh=int, traded_wh=int)
    Rated = Event(trade=int, rater=address, rated=address, stars=int, score=int)

    def __init__(self, market: address, registry: address):
        self.market = market
        self.registry = registry

    @public
    def record(self, trade: int, buyer: address, seller: address, delivered_wh: int,
               traded_wh: int):
        require(msg.sender == self.market, "only the market records trades")
        require(self.buyer[trade] == address(0), "trade already recorded")
        self.buyer[trade] = buyer
        self.seller[trade] = seller
        self.delivered[seller] += delivered_wh
        self.traded[seller] += traded_wh
        emit(Recorded(trade, buyer, seller, delivered_wh, traded_wh))

    @public
    def rate(self, trade: int, stars: int):
        rater = Identity(self.registry).account_of(msg.sender)
        require(rater != address(0), "that key was replaced by a new one")
        buyer = self.buyer[trade]
        seller = self.seller[trade]
        require(buyer != address(0), "trade not settled")
        rated = address(0)
        if rater == buyer:
            rated = seller
        elif rater == seller:
            rated = buyer
        else:
            revert("not a party of this trade")
        require(stars >= 1 and stars <= 5, "stars must be 1 to 5")
        if rater == buyer:
            require(not self.rated_by_buyer[trade], "trade already rated")
            self.rated_by_buyer[trade] = True
        else:
            require(not self.rated_by_seller[trade], "trade already rated")
            self.rated_by_seller[trade] = True
        self.stars[rated] += stars
        self.ratings[rated] += 1
        emit(Rated(trade, rater, rated, stars, self.score(rated)))

    @public
    def score(self, who: address) -> int:
        return (PRIOR_WEIGHT * PRIOR_SCORE + 1000 * self.stars[who]) // (
            PRIOR_WEIGHT + self.ratings[who])

    @public
    def reliability(self, who: address) -> int:
        if self.traded[who] == 0:
            return 1000
        return 1000 * self.delivered[who] // self.traded[who]

    @public
    def is_settled(self, trade: int) -> bool:
        return self.buyer[trade] != address(0)
