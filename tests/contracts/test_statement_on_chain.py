"""One household's records, read back from the chain (chapter 10): ``trades_of`` and ``statement``.

Alice's afternoon on the toy street (tariffs 8 and 30): in slot 20 she sells 0.6 kWh
into Bob's bid and delivers 0.4 of it; in slot 28 Carol takes 0.3 kWh of her offer, not
settled yet. In between she gets a new meter and a new key. Her statement comes from the
market's storage, the oracle's readings and the events in the blocks, under her account,
whichever key signed.
"""

from __future__ import annotations

import pytest

from minichain import cast
from minichain.contracts.client import Street
from minichain.errors import MarketError
from minichain.market.orders import BUY, SELL
from minichain.market.settlement import GridBill
from minichain.market.statement import (AUCTION, BID_TAKEN, OFFER_TAKEN, TOOK_BID, RatingLine,
                                        SlotBill, TradeLine)
from minichain.market.trades import Trade
from market_fixtures import toy_street

pytestmark = pytest.mark.usefixtures("each_crypto_backend")   # both backends

FIRST, LATER = 20, 28


@pytest.fixture(scope="module")
def street() -> Street:
    street = toy_street(("alice", "bob", "carol"))
    market, h = street.market, street.households
    bid = market.post(h["bob"], BUY, 1_500, 25, FIRST)
    market.take_bid(h["alice"], bid, 600)                        # trade 1
    market.post(h["carol"], SELL, 1_000, 10, FIRST)
    market.clear(FIRST, by=h["carol"], at=market.gate_closure(FIRST))     # trade 2: Bob 900 Wh
    market.submit_reading(street.meters["alice"], FIRST, 400, 250, at=market.slot_end(FIRST))
    market.submit_reading(street.meters["carol"], FIRST, 900, 0)
    street.swap_meter("alice", cast.wallet(cast.SPARE_METER))
    street.rotate_key("alice", cast.new_key("alice"))
    market.settle(FIRST, by=h["bob"], at=market.window_end(FIRST))
    market.rate(h["bob"], 1, 2)
    market.rate(street.households["alice"], 1, 5)               # from her new key
    offer = market.post(street.households["alice"], SELL, 1_000, 12, LATER)
    market.take(h["carol"], offer, 300)                           # trade 3, not settled
    return street


def test_trades_of_lists_a_households_trades_with_what_was_delivered(street):
    market = street.market
    alice, bob, carol = (street.address(n) for n in ("alice", "bob", "carol"))
    sold = Trade(id=1, slot=FIRST, buyer=bob, seller=alice, buy_order=1, sell_order=2,
                 quantity_wh=600, price=25, seller_price=25, delivered_wh=400)
    taken = Trade(id=3, slot=LATER, buyer=carol, seller=alice, buy_order=0, sell_order=4,
                  quantity_wh=300, price=12, seller_price=12)
    assert market.trades_of(alice) == [sold, taken]
    assert market.trades_of(alice, slots=range(LATER, LATER + 4)) == [taken]
    assert [(t.id, t.seller, t.delivered_wh) for t in market.trades_of(bob)] == [
        (1, alice, 400), (2, carol, 900)]
    assert market.trades_of(street.operator.address) == []
    with pytest.raises(MarketError, match="slots must be a range of consecutive slots"):
        market.trades_of(alice, slots=range(-1, 3))


def test_the_statement_is_the_households_records_under_its_account(street):
    market = street.market
    alice, bob, carol = (street.address(n) for n in ("alice", "bob", "carol"))
    mine = market.statement(alice, range(FIRST, LATER + 1))
    assert mine.trades == (
        TradeLine(1, FIRST, SELL, bob, TOOK_BID, 600, 25, 15, 400, 6),
        TradeLine(3, LATER, SELL, carol, OFFER_TAKEN, 300, 12, 3, None, 0))
    # slot 20: she imported 0.25 kWh and bought none: 7 to the utility; she delivered all
    # she exported; slot 28 has no reading yet
    assert mine.bills == (
        SlotBill(FIRST, (400, 250), bought_wh=0, sold_wh=600, delivered_wh=400, paid=0,
                 received=15, penalties=6, grid=GridBill(250, 0, 7, 0)),
        SlotBill(LATER, None, bought_wh=0, sold_wh=300, delivered_wh=0, paid=0, received=3,
                 penalties=0, grid=None))
    assert (mine.net, mine.pending) == (15 - 6 - 7, (LATER,))
    assert mine.ratings_given == (RatingLine(1, bob, 5, True),)
    assert mine.ratings_received == (RatingLine(1, bob, 2, False),)
    bobs = market.statement(bob, range(FIRST, FIRST + 1))
    assert [(line.trade_id, line.how, line.amount) for line in bobs.trades] == [
        (1, BID_TAKEN, 15), (2, AUCTION, 15)]
