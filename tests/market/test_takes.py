"""Direct trades, off chain (chapters 09-10): a buyer takes an offer, a seller takes a bid.

Worked by hand with tariffs 8 and 30: Alice offers 2 kWh at 12, Bob bids 1.5 kWh at 25.
Carol takes 0.3 kWh of the offer and pays 3 (0.3 x 12 = 3.6, rounded down); Alice takes
0.6 kWh of the bid: 15 of Bob's escrow goes into the trade and she locks a bond of 18
(0.6 kWh at retail 30). Then every refusal, in the contract's order.
"""

from __future__ import annotations

import pytest

from minichain.errors import MarketError, TakeRefused
from minichain.market.orders import BUY, SELL, Order, Tariffs
from minichain.market.settlement import locked_for
from minichain.market.takes import (BAD_QUANTITY, BID_REPUTATION, BID_TOO_SMALL, GATE_CLOSED,
                                    NO_BID, NO_FUNDS, NO_OFFER, OFFER_REPUTATION,
                                    OFFER_TOO_SMALL, OWN_BID, OWN_OFFER, Take, take_bid,
                                    take_offer)
from minichain.market.trades import Trade
from minichain.market.units import amount_for
from minichain.wallet import Wallet

ALICE, BOB, CAROL = (Wallet.from_seed(n).address for n in ("alice", "bob", "carol"))
TARIFFS = Tariffs(feed_in=8, retail=30)
OFFER = Order(1, ALICE, SELL, 2_000, 12, 40)
BID = Order(2, BOB, BUY, 1_500, 25, 40, min_reputation=3_200)


def offer_taken(**changes) -> Take:
    arguments = dict(offer=OFFER, buyer=CAROL, quantity_wh=300, gate_open=True,
                     buyer_score=3_000, buyer_free=100)
    arguments.update(changes)
    return take_offer(**arguments)


def bid_taken(**changes) -> Take:
    arguments = dict(bid=BID, seller=ALICE, quantity_wh=600, gate_open=True,
                     seller_score=3_400, seller_free=100, tariffs=TARIFFS, sell_order=3)
    arguments.update(changes)
    return take_bid(**arguments)


def test_a_buyer_taking_an_offer_pays_from_its_free_deposit_at_the_offers_price():
    assert offer_taken() == Take(
        Trade(buyer=CAROL, seller=ALICE, quantity_wh=300, price=12, seller_price=12,
              buy_order=0, sell_order=1, slot=40), from_free=3, from_escrow=0, left_wh=1_700)


def test_a_seller_taking_a_bid_locks_a_bond_and_the_bids_escrow_pays():
    take = bid_taken()
    assert take == Take(
        Trade(buyer=BOB, seller=ALICE, quantity_wh=600, price=25, seller_price=25,
              buy_order=2, sell_order=3, slot=40), from_free=18, from_escrow=15, left_wh=900)
    # what is left of the escrow still covers what is left of the bid
    assert locked_for(BUY, 1_500, 25, TARIFFS) - take.from_escrow >= amount_for(900, 25)


@pytest.mark.parametrize("changes, reason", [
    (dict(offer=None), NO_OFFER),
    (dict(offer=BID), NO_OFFER),                        # a bid is no offer
    (dict(gate_open=False), GATE_CLOSED),
    (dict(quantity_wh=0), BAD_QUANTITY),
    (dict(quantity_wh=2_001), OFFER_TOO_SMALL),
    (dict(buyer=ALICE), OWN_OFFER),
    (dict(offer=Order(1, ALICE, SELL, 2_000, 12, 40, min_reputation=3_001)), OFFER_REPUTATION),
    (dict(buyer_free=2), NO_FUNDS),
    # the first rule broken is the one named: her own offer, too much of it, after the gate
    (dict(buyer=ALICE, quantity_wh=2_001, gate_open=False), GATE_CLOSED),
    (dict(buyer=ALICE, quantity_wh=2_001), OFFER_TOO_SMALL),
])
def test_an_offer_take_is_refused_with_the_contracts_reason_in_its_order(changes, reason):
    with pytest.raises(TakeRefused) as refused:
        offer_taken(**changes)
    assert str(refused.value) == reason


@pytest.mark.parametrize("changes, reason", [
    (dict(bid=None), NO_BID),
    (dict(bid=OFFER), NO_BID),
    (dict(gate_open=False), GATE_CLOSED),
    (dict(quantity_wh=-5), BAD_QUANTITY),
    (dict(quantity_wh=1_501), BID_TOO_SMALL),
    (dict(seller=BOB), OWN_BID),
    (dict(seller_score=3_199), BID_REPUTATION),
    (dict(seller_free=17), NO_FUNDS),                   # the bond is 18
])
def test_a_bid_take_is_refused_with_the_contracts_reason_in_its_order(changes, reason):
    with pytest.raises(TakeRefused) as refused:
        bid_taken(**changes)
    assert str(refused.value) == reason
    assert isinstance(refused.value, MarketError)
