"""A few seeded slots of the street on chain (chapter 10): the journey behind ``minichain statement``.

The same seed gives the same trades, readings and ratings on the authorities' nodes and
on one chain; half-way three households update their profiles (a key, a meter, a bus);
every transaction of the run succeeds and every token stays accounted for.
"""

from __future__ import annotations

import pytest

from minichain import cast
from minichain.contracts.client import ZERO_ADDRESS
from minichain.contracts.journey import street_journey
from minichain.errors import MarketError
from minichain.market.auction import PAY_AS_BID


@pytest.fixture(scope="module")
def journey():
    return street_journey(households=5, first_slot=40, slots=5, seed=3, mechanism=PAY_AS_BID)


def test_the_journey_trades_both_ways_and_settles_every_slot(journey):
    market = journey.street.market
    assert journey.slots == range(40, 45)
    assert all(receipt.success for receipt in market.receipts)
    assert all(market.slot_state(slot) == 2 for slot in journey.slots)
    kinds = {market.order(trade.sell_order).status if not trade.is_take else "offer"
             for slot in journey.slots for trade in market.trades(slot)}
    assert kinds == {"offer", "filled", "cleared"}     # offers taken, bids taken, the auction
    names = [cast.HOUSEHOLDS[n] for n in range(5)]
    accounts = [journey.street.address(name) for name in names]
    held = market.held(accounts + [market.utility, market.community_fund])
    assert held["total"] == held["contract"] and held["escrow"] == held["in_trades"] == 0
    assert market.free(market.utility) > 0              # somebody delivered short


def test_half_way_a_key_a_meter_and_a_bus_change(journey):
    street, market = journey.street, journey.street.market
    assert (journey.rotated, journey.new_meter, journey.moved) == ("alice", "erin", "bob")
    alice = street.address("alice")
    assert market.key_of(alice) == cast.new_key("alice").address
    assert market.account_of(cast.wallet("alice").address) == ZERO_ADDRESS
    assert market.meter_of(street.address("erin")) == cast.wallet(cast.SPARE_METER).address
    assert market.bus_of(street.address("bob")) == 2
    names = [event.name for event in market.chain_events()
             if event.name in ("KeyRotated", "MeterSwapped", "BusMoved")]
    assert names == ["KeyRotated", "MeterSwapped", "BusMoved"]
    # the rotated household went on rating from its new key, under its account
    events = market.chain_events()
    rotated = next(n for n, event in enumerate(events) if event.name == "KeyRotated")
    assert any(event.name == "Rated" and event["rater"] == alice for event in events[rotated:])


def test_the_same_seed_gives_the_same_statement_on_nodes_and_on_one_chain(journey):
    again = street_journey(households=5, first_slot=40, slots=5, seed=3, mechanism=PAY_AS_BID,
                           nodes=False)
    for name in ("alice", "bob", "erin"):
        ours = journey.street.market.statement(journey.street.address(name), journey.slots)
        theirs = again.street.market.statement(again.street.address(name), again.slots)
        assert ours == theirs and ours.trades


@pytest.mark.parametrize("arguments, message", [
    (dict(households=2), "a journey needs 3 to 26 households, got 2"),
    (dict(slots=0), "a journey runs 1 to 12 slots, got 0"),
    (dict(first_slot=3), "the first slot must start at least 55 minutes after genesis"),
])
def test_a_journey_needs_enough_homes_and_time(arguments, message):
    with pytest.raises(MarketError, match=message):
        street_journey(nodes=False, **arguments)
