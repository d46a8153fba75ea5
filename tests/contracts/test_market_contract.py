"""The energy market contract, one afternoon at a time (chapters 09-10).

Stories with numbers worked by hand (the same as in ``test_auction`` and
``test_settlement``, now on chain): money in and out, orders that lock escrow and bonds,
anyone browsing the offers, a direct take, cancelling, clearing at gate closure with each
mechanism, settlement against the meters, ratings, and a low score keeping a household out
of a partner-conditioned trade. Every step is a transaction in a sealed block, and every
state change a UI shows has its event.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from minichain.market.auction import MCAFEE, MECHANISMS, PAY_AS_BID, UNIFORM_PRICE, clear
from minichain.contracts.client import (HOUSEHOLD, R_ALREADY_CLEARED, R_ALREADY_SETTLED,
                                     R_BOOK_FULL, R_GATE_CLOSED, R_GATE_OPEN, R_NO_SLOT,
                                     R_NO_BID, R_NOT_CLEARED, R_NOT_OPEN, R_NOT_OWNER,
                                     R_OFFER_TOO_SMALL,
                                     R_REPUTATION_TOO_LOW, R_WINDOW_OPEN, SLOT_CLEARED,
                                     SLOT_OPEN, SLOT_SETTLED, Street, sunny_street)
from minichain.market.orders import BUY, SELL, Order, Tariffs
from minichain.market.settlement import market_trades
from minichain.market.trades import Trade
from minichain.errors import MarketError, Revert
from market_fixtures import toy_street

pytestmark = pytest.mark.usefixtures("each_crypto_backend")   # both backends

D = 100_000                     # every household's opening deposit
SLOT = 12


def events(street: Street, name: str | None = None) -> list[str]:
    """The events of the last block, as text."""
    market = street.market
    return [str(e) for e in market.events(market.receipts[-1:], name)]


@pytest.fixture
def street() -> Street:
    return toy_street(("alice", "bob", "carol", "dave", "erin", "frank"))


def test_deposits_and_withdrawals_move_tokens_in_and_out_of_the_market(street):
    market, alice = street.market, street.households["alice"]
    wallet_before = market.chain.balance(alice.address)
    market.deposit(alice, 5_000)
    assert events(street) == [f"Deposited(account={alice.address}, amount=5000, free={D + 5_000})"]
    market.withdraw(alice, 2_000)
    assert events(street) == [f"Withdrawn(account={alice.address}, amount=2000, free={D + 3_000})"]
    assert market.free(alice.address) == D + 3_000
    assert market.chain.balance(alice.address) == wallet_before - 3_000
    assert market.chain.balance(market.contracts.market.address) == 6 * D + 3_000
    with pytest.raises(Revert, match="^withdraw a positive amount$"):
        market.withdraw(alice, 0)
    with pytest.raises(Revert, match="^send tokens to deposit$"):
        market.deposit(alice, 0)


def test_orders_lock_escrow_or_a_bond_and_anyone_can_browse_the_offers(street):
    market = street.market
    alice, bob, carol = (street.households[n] for n in ("alice", "bob", "carol"))
    assert market.post(alice, SELL, 2_000, 12, SLOT) == 1
    assert events(street) == [f"OrderPosted(order=1, owner={alice.address}, side=2, "
                              f"quantity_wh=2000, price=12, slot={SLOT}, min_reputation=0, "
                              "locked=60)"]                   # bond: 2 kWh at retail 30
    assert market.post(bob, BUY, 1_500, 25, SLOT) == 2       # escrow: 1.5 kWh x 25 = 37.5 -> 37
    assert market.post(carol, SELL, 1_000, 10, SLOT, min_reputation=3_500) == 3
    assert [market.free(w.address) for w in (alice, bob, carol)] == [D - 60, D - 37, D - 30]
    view = market.order(2)
    assert (view.owner, view.side, view.left_wh, view.locked, view.status) == (
        bob.address, BUY, 1_500, 37, "open")
    # browsing: cheapest offers first; a viewer with a 3000 score does not see Carol's
    assert [o.id for o in market.offers(side=SELL)] == [3, 1]
    assert [o.id for o in market.offers(side=SELL, reputation=3_000)] == [1]
    assert [o.id for o in market.offers(max_price=12, slot=SLOT)] == [3, 1]
    assert market.offers(side=BUY) == [Order(2, bob.address, BUY, 1_500, 25, SLOT)]
    with pytest.raises(MarketError, match="side must be 'buy' or 'sell'"):
        market.post(alice, "hold", 1, 10, SLOT)


def test_a_direct_take_trades_at_once_at_the_offers_own_price(street):
    market = street.market
    alice, bob, carol = (street.households[n] for n in ("alice", "bob", "carol"))
    offer = market.post(alice, SELL, 2_000, 12, SLOT)
    picky = market.post(carol, SELL, 1_000, 10, SLOT, min_reputation=3_500)
    assert market.take(bob, offer, 300) == 1
    assert events(street) == [
        f"Taken(order={offer}, taker={bob.address}, quantity_wh=300, left_wh=1700)",
        f"Trade(trade=1, slot={SLOT}, buy_order=0, sell_order={offer}, buyer={bob.address}, "
        f"seller={alice.address}, quantity_wh=300, price=12, seller_price=12)"]
    assert market.free(bob.address) == D - 3                  # 0.3 kWh x 12 = 3.6 -> 3
    assert market.order(offer).left_wh == 1_700
    assert market.trades(SLOT) == [Trade(id=1, slot=SLOT, buyer=bob.address, seller=alice.address,
                                         buy_order=0, sell_order=offer, quantity_wh=300, price=12,
                                         seller_price=12)]
    with pytest.raises(Revert, match=f"^{R_OFFER_TOO_SMALL}$"):
        market.take(bob, offer, 1_701)
    # Carol's offer wants a partner scoring 3500; Bob is a newcomer with 3000
    with pytest.raises(Revert, match=f"^{R_REPUTATION_TOO_LOW}$"):
        market.take(bob, picky, 100)
    market.take(bob, offer, 1_700)
    assert market.order(offer).status == "taken" and market.offers(side=SELL)[0].id == picky


def test_a_seller_takes_a_bid_as_a_buyer_takes_an_offer_and_it_settles_like_any_sale():
    street = toy_street(("alice", "bob", "carol"))
    market, h = street.market, street.households
    alice, bob, carol = (street.address(n) for n in ("alice", "bob", "carol"))
    bid = market.post(h["bob"], BUY, 1_500, 25, SLOT)           # escrow 1.5 kWh x 25 = 37
    # Alice sells 0.6 kWh into Bob's bid at his price: her bond, 0.6 kWh at retail 30 = 18,
    # sits in a sell order of her own that the take fills at once
    assert market.take_bid(h["alice"], bid, 600) == 1
    assert events(street) == [
        f"OrderPosted(order=2, owner={alice}, side=2, quantity_wh=600, price=25, slot={SLOT}, "
        "min_reputation=0, locked=18)",
        f"Taken(order={bid}, taker={alice}, quantity_wh=600, left_wh=900)",
        f"Trade(trade=1, slot={SLOT}, buy_order={bid}, sell_order=2, buyer={bob}, "
        f"seller={alice}, quantity_wh=600, price=25, seller_price=25)"]
    # the trade holds 0.6 x 25 = 15 of Bob's escrow; the rest, 22, stays with his bid
    assert (market.order(bid).left_wh, market.order(bid).locked) == (900, 22)
    filled = market.order(2)
    assert (filled.side, filled.left_wh, filled.locked, filled.status) == (SELL, 0, 18, "filled")
    assert [market.free(a) for a in (alice, bob)] == [D - 18, D - 37]
    assert market.offers(side=BUY) == [Order(bid, bob, BUY, 900, 25, SLOT)]
    # the rest of the bid meets Carol's offer in the auction: 0.9 kWh at (10 + 25) // 2 = 17
    market.post(h["carol"], SELL, 1_000, 10, SLOT)
    market.clear(SLOT, by=h["carol"], at=market.gate_closure(SLOT))
    assert [(t.id, t.buy_order, t.sell_order, t.quantity_wh, t.price)
            for t in market.trades(SLOT)] == [(1, bid, 2, 600, 25), (2, bid, 3, 900, 17)]
    assert market.order(2).status == "filled"
    # Alice's meter shows 0.4 kWh: 0.2 kWh short, 6 from her bond to the utility, 12 back
    market.submit_reading(street.meters["alice"], SLOT, 400, 0, at=market.slot_end(SLOT))
    market.submit_reading(street.meters["carol"], SLOT, 900, 0)
    market.settle(SLOT, by=h["bob"], at=market.window_end(SLOT))
    assert [(e["trade"], e["delivered_wh"], e["shortfall_wh"], e["paid"], e["penalty"])
            for e in market.events(market.receipts[-1:], "Settled")] == [
        (1, 400, 200, 15, 6), (2, 900, 0, 15, 0)]
    # Bob paid 15 + 15; Alice got 15 and 12 of her 18 back; Carol 15, her bond whole
    assert [market.free(a) for a in (alice, bob, carol, market.utility)] == [
        D + 9, D - 30, D + 15, 6]
    assert market.reliability(alice) == 666
    held = market.held([alice, bob, carol, market.utility, market.community_fund])
    assert held["total"] == held["contract"] == 3 * D


def test_cancelling_a_partly_taken_bid_frees_what_its_escrow_still_holds(street):
    market, h = street.market, street.households
    bid = market.post(h["bob"], BUY, 1_500, 25, SLOT)
    market.take_bid(h["alice"], bid, 600)
    market.cancel(h["bob"], bid)
    assert events(street) == [f"Cancelled(order={bid}, owner={street.address('bob')}, "
                              "released=22)"]
    assert market.free(street.address("bob")) == D - 15      # what the trade holds
    with pytest.raises(Revert, match=f"^{R_NO_BID}$"):
        market.take_bid(h["carol"], bid, 100)


def test_cancelling_before_gate_closure_frees_the_escrow_or_the_unsold_part_of_the_bond(street):
    market = street.market
    alice, bob = street.households["alice"], street.households["bob"]
    offer = market.post(alice, SELL, 2_000, 12, SLOT)
    bid = market.post(bob, BUY, 1_500, 25, SLOT + 1)
    market.take(bob, offer, 300)
    with pytest.raises(Revert, match=f"^{R_NOT_OWNER}$"):
        market.cancel(bob, offer)
    market.cancel(alice, offer)
    # 1.7 kWh unsold: 51 of the bond come back; 9 stay to cover the 0.3 kWh Bob bought
    assert events(street) == [f"Cancelled(order={offer}, owner={alice.address}, released=51)"]
    assert (market.order(offer).locked, market.order(offer).status) == (9, "cancelled")
    assert market.free(alice.address) == D - 9
    with pytest.raises(Revert, match=f"^{R_NOT_OPEN}$"):
        market.cancel(alice, offer)
    with pytest.raises(Revert, match=f"^{R_GATE_CLOSED}$"):
        market.cancel(bob, bid, at=market.gate_closure(SLOT + 1))
    assert market.order(bid).locked == 37


def test_a_slot_takes_at_most_max_orders_so_that_its_clearing_fits_a_block():
    street = toy_street(("alice", "bob"), max_orders=2)
    market, alice, bob = street.market, street.households["alice"], street.households["bob"]
    first = market.post(alice, SELL, 1_000, 12, SLOT)
    market.post(bob, BUY, 1_000, 20, SLOT)
    market.cancel(alice, first)                  # a cancelled order still counts
    with pytest.raises(Revert, match=f"^{R_BOOK_FULL}$"):
        market.post(alice, SELL, 1_000, 12, SLOT)
    assert market.post(alice, SELL, 1_000, 12, SLOT + 1) == 3      # other slots are open


def test_a_batch_that_does_not_fit_one_block_is_refused_whole(street):
    market, bob, carol = street.market, street.households["bob"], street.households["carol"]
    height = market.chain.height
    # each clearing asks for a whole block's gas, so two cannot share a block
    with pytest.raises(MarketError, match="only 1 of 2 transactions fit in one block"):
        market.seal([market.clear_tx(bob, SLOT), market.clear_tx(carol, SLOT + 1)],
                    at=market.gate_closure(SLOT + 1))
    assert market.chain.height == height and market.slot_state(SLOT) == SLOT_OPEN


def test_clearing_waits_for_gate_closure_and_happens_once(street):
    market, bob = street.market, street.households["bob"]
    with pytest.raises(Revert, match=f"^{R_GATE_OPEN}$"):
        market.clear(SLOT, by=bob, at=market.gate_closure(SLOT) - 1)
    with pytest.raises(Revert, match=f"^{R_NO_SLOT}$"):
        market.clear(-1, by=bob)
    assert market.slot_state(SLOT) == SLOT_OPEN
    market.clear(SLOT, by=bob)
    assert events(street) == [f"Cleared(slot={SLOT}, trades=0, traded_wh=0, price=0, surplus=0)"]
    assert market.slot_state(SLOT) == SLOT_CLEARED
    with pytest.raises(Revert, match=f"^{R_ALREADY_CLEARED}$"):
        market.clear(SLOT, by=bob)


# Sellers: Alice 3 kWh at 10, Carol 2 kWh at 14, Dave 1 kWh at 25 (units per kWh).
# Buyers:  Bob 2.5 kWh at 28, Erin 1.5 kWh at 20, Frank 2 kWh at 12.
AFTERNOON = (("alice", SELL, 3_000, 10), ("carol", SELL, 2_000, 14), ("dave", SELL, 1_000, 25),
             ("bob", BUY, 2_500, 28), ("erin", BUY, 1_500, 20), ("frank", BUY, 2_000, 12))
EXPECTED = {   # (buy order, sell order, Wh, price) in walk order, from test_auction
    UNIFORM_PRICE: [(4, 1, 2_500, 17), (5, 1, 500, 17), (5, 2, 1_000, 17)],
    PAY_AS_BID: [(4, 1, 2_500, 28), (5, 1, 500, 20), (5, 2, 1_000, 20)],
    MCAFEE: [(4, 1, 2_500, 18), (5, 1, 500, 18), (5, 2, 1_000, 18)],
}


@pytest.mark.parametrize("mechanism", sorted(MECHANISMS))
def test_the_afternoon_book_clears_on_chain_exactly_as_the_native_auction(mechanism):
    street = toy_street(("alice", "bob", "carol", "dave", "erin", "frank"), mechanism=mechanism)
    market = street.market
    orders = [Order(market.post(street.households[name], side, wh, price, SLOT),
                    street.address(name), side, wh, price, SLOT)
              for name, side, wh, price in AFTERNOON]
    market.clear(SLOT, by=street.households["bob"], at=market.gate_closure(SLOT))
    native = clear(mechanism, orders, Tariffs(8, 30))
    assert market.trades(SLOT) == market_trades(native, first_id=1)
    assert [(t.buy_order, t.sell_order, t.quantity_wh, t.price)
            for t in market.trades(SLOT)] == EXPECTED[mechanism]
    assert market.clearing_price(SLOT) == (native.price or 0)
    cleared = [e for e in market.events(market.receipts[-1:]) if e.name == "Cleared"]
    assert cleared[0].as_dict() == {"slot": SLOT, "trades": 3, "traded_wh": 4_000,
                                    "price": native.price or 0, "surplus": 0}
    # Frank's escrow comes back whole, Dave's bond whole, Carol's for her unsold kWh
    released = {e["order"]: e["amount"] for e in market.events(market.receipts[-1:], "Released")}
    assert released[6] == 24 and released[3] == 30 and released[2] == 30
    assert market.order(4).locked == 0 and market.order(2).locked == 60 - 30


def test_mcafees_budget_surplus_goes_to_the_community_fund():
    street = toy_street(("alice", "bob", "carol", "dave", "erin"), mechanism=MCAFEE)
    market, h = street.market, street.households
    market.post(h["alice"], SELL, 1_000, 10, SLOT)
    market.post(h["carol"], SELL, 1_000, 14, SLOT)
    market.post(h["dave"], SELL, 1_000, 26, SLOT)
    market.post(h["bob"], BUY, 1_000, 28, SLOT)
    market.post(h["erin"], BUY, 1_000, 15, SLOT)
    market.clear(SLOT, by=h["bob"], at=market.gate_closure(SLOT))
    # marginal pair (Erin 15, Carol 14), next ask Dave 26, no next bid: feed-in 8;
    # p0 = 17 > 15, so Erin and Carol are left out: Bob pays 15, Alice receives 14
    assert [(t.buyer, t.price, t.seller_price) for t in market.trades(SLOT)] == [
        (street.address("bob"), 15, 14)]
    assert market.free(market.community_fund) == 15 - 14
    assert market.free(street.address("bob")) == D - 15     # escrow 28 minus a 13 refund


def settle_the_afternoon(street: Street):
    """Alice offers 2 kWh at 12; Carol takes 0.3 kWh; Bob bids 1.5 kWh at 25 and Carol
    1 kWh at 20; McAfee clears at 19; Alice's meter shows 1 kWh exported."""
    market, h = street.market, street.households
    offer = market.post(h["alice"], SELL, 2_000, 12, SLOT)
    market.take(h["carol"], offer, 300)
    market.post(h["bob"], BUY, 1_500, 25, SLOT)
    market.post(h["carol"], BUY, 1_000, 20, SLOT)
    market.clear(SLOT, by=h["bob"], at=market.gate_closure(SLOT))
    market.submit_reading(street.meters["alice"], SLOT, 1_000, 0, at=market.slot_end(SLOT))
    market.submit_reading(street.meters["bob"], SLOT, 0, 1_500)


def test_settlement_pays_sellers_charges_shortfalls_and_records_reliability():
    street = toy_street(("alice", "bob", "carol"), mechanism=MCAFEE)
    market, h = street.market, street.households
    alice, bob, carol = (street.address(n) for n in ("alice", "bob", "carol"))
    with pytest.raises(Revert, match=f"^{R_NOT_CLEARED}$"):
        market.settle(SLOT, by=h["bob"])
    settle_the_afternoon(street)
    with pytest.raises(Revert, match=f"^{R_WINDOW_OPEN}$"):
        market.settle(SLOT, by=h["bob"], at=market.window_end(SLOT) - 1)
    market.settle(SLOT, by=h["bob"])
    assert events(street, "Settled") == [
        f"Settled(trade=1, seller={alice}, buyer={carol}, delivered_wh=300, shortfall_wh=0, "
        "paid=3, penalty=0)",
        f"Settled(trade=2, seller={alice}, buyer={bob}, delivered_wh=700, shortfall_wh=800, "
        "paid=28, penalty=24)",
        f"Settled(trade=3, seller={alice}, buyer={carol}, delivered_wh=0, shortfall_wh=200, "
        "paid=3, penalty=6)"]
    assert events(street, "SlotSettled") == [f"SlotSettled(slot={SLOT}, trades=3, penalties=30)"]
    assert events(street, "Released") == [f"Released(order=1, owner={alice}, amount=30)"]
    # Alice locked a 60 bond, gets 30 of it back and is paid 3 + 28 + 3; Bob paid 28 for
    # his 1.5 kWh; Carol 3 for the take and 3 for her 0.2 kWh; the utility the penalties
    assert [market.free(a) for a in (alice, bob, carol, market.utility)] == [
        D - 60 + 30 + 34, D - 28, D - 6, 30]
    assert market.reliability(alice) == 500 and market.reliability(bob) == 1000
    assert market.slot_state(SLOT) == SLOT_SETTLED
    with pytest.raises(Revert, match=f"^{R_ALREADY_SETTLED}$"):
        market.settle(SLOT, by=h["bob"])
    held = market.held([alice, bob, carol, market.utility, market.community_fund])
    # everything is free again: the deposits, moved between the accounts, not one token more
    assert held == {"free": 3 * D, "escrow": 0, "bonds": 0, "in_trades": 0,
                    "total": 3 * D, "contract": 3 * D}


def test_a_low_score_keeps_a_household_out_of_partner_conditioned_trades():
    street = toy_street(("alice", "bob", "carol", "dave"), mechanism=PAY_AS_BID)
    market, h = street.market, street.households
    settle_the_afternoon(street)
    market.settle(SLOT, by=h["bob"], at=market.window_end(SLOT))
    market.rate(h["bob"], 2, 1)              # Bob got 0.7 of 1.5 kWh: one star for Alice
    assert market.score(street.address("alice")) == 2_666
    assert events(street) == [f"Rated(trade=2, rater={street.address('bob')}, "
                              f"rated={street.address('alice')}, stars=1, score=2666)"]
    # next slot: Alice is cheapest, but Dave's bid wants a partner of at least 3000
    later = SLOT + 8
    market.post(h["alice"], SELL, 1_000, 9, later)
    market.post(h["carol"], SELL, 1_000, 15, later)
    market.post(h["dave"], BUY, 1_000, 20, later, min_reputation=3_000)
    market.post(h["bob"], BUY, 1_000, 18, later)
    # a buyer browsing for sellers: Alice scores 2666 and delivered half of what she sold
    alice, carol = street.address("alice"), street.address("carol")
    assert [o.owner for o in market.offers(side=SELL)] == [alice, carol]
    assert [o.owner for o in market.offers(side=SELL, min_owner_score=3_000)] == [carol]
    assert [o.owner for o in market.offers(side=SELL, min_owner_reliability=600)] == [carol]
    assert [o.price for o in market.offers(slots=range(later, later + 4))] == [9, 15, 20, 18]
    assert market.offers(slots=range(later + 1, later + 4)) == []
    market.clear(later, by=h["bob"], at=market.gate_closure(later))
    assert [(t.buyer, t.seller, t.price) for t in market.trades(later)] == [
        (street.address("dave"), street.address("carol"), 20),
        (street.address("bob"), street.address("alice"), 18)]
    assert market.status(street.address("alice")) == HOUSEHOLD


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from([BUY, SELL]),
                          st.integers(1, 3_000), st.integers(8, 30)), min_size=1, max_size=10),
       st.lists(st.one_of(st.none(), st.integers(0, 3_000)), min_size=4, max_size=4))
def test_with_fees_every_token_stays_accounted_for_in_every_block(orders, readings):
    street = toy_street(("alice", "bob", "carol", "dave"), gas_price=1, balance=10 ** 9)
    market = street.market
    names = list(street.households)
    accounts = [street.address(n) for n in names] + [market.utility, market.community_fund]
    supply = market.chain.state.total_supply()

    def accounted() -> None:
        held = market.held(accounts)
        assert held["total"] == held["contract"]
        assert market.chain.state.total_supply() == supply    # fees only move tokens

    operator = street.operator
    market.seal([operator.transfer(street.meters[name].address, 10 ** 7, nonce=n)
                 for n, name in enumerate(names, start=market.chain.nonce(operator.address))])
    accounted()
    market.seal([market.post_tx(street.households[names[who]], side, wh, price, SLOT)
                 for who, side, wh, price in orders])
    accounted()
    market.seal([market.clear_tx(street.households["bob"], SLOT, gas=3_000_000)],
                at=market.gate_closure(SLOT))
    accounted()
    market.seal([market.reading_tx(street.meters[name], SLOT, wh, 0)
                 for name, wh in zip(names, readings) if wh is not None],
                at=market.slot_end(SLOT))
    accounted()
    market.seal([market.settle_tx(street.households["carol"], SLOT, gas=3_000_000)],
                at=market.window_end(SLOT))
    accounted()
    held = market.held(accounts)
    assert held["escrow"] == held["bonds"] == held["in_trades"] == 0


def test_a_street_of_households_outside_the_cast_needs_their_keys():
    from minichain.errors import UnknownCastMember
    from minichain.wallet import Wallet

    with pytest.raises(UnknownCastMember, match="'bench-0' is not in Sunny Street's cast"):
        toy_street(("alice", "bench-0"))
    keys = {"bench-0": Wallet.from_seed("bench-0")}
    street = toy_street(("alice", "bench-0"), keys=keys)
    assert street.address("bench-0") == keys["bench-0"].address
    assert street.meters["bench-0"].address == Wallet.from_seed("bench-0-meter").address
    assert street.market.status(keys["bench-0"].address) == HOUSEHOLD
