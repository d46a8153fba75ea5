"""The chapter 10 pictures, tested as data: token flows, the Sankey, deliveries, scores.

The token flows are read back from the market contract's own events, so they are checked
against the chain: the chapter's slot flow by flow (worked by hand), the same slot as it
stood after clearing, and, on random slots, the property that every household's flows in
and out add up to exactly the change of its free deposit.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from minichain.contracts.client import MCAFEE, Street, sunny_street
from minichain.market.orders import BUY, SELL
from minichain.market.reputation import Record, score
from minichain.market.settlement import settle_slot
from minichain.errors import SettlementError
from minichain.viz.settlement import (BOND_BACK, DELIVERED_COLOUR, FUND_NODE, HELD, KINDS,
                                      PAYMENT, PENALTY, REFUND, SHORTFALL_COLOUR, STILL_HELD,
                                      SURPLUS, UTILITY_NODE, TokenFlow, bayesian_scores,
                                      bond_node, deliveries_from_events, delivery_figure,
                                      delivery_label, escrow_node, kind_colour, plain_average,
                                      score_figure, slot_token_flows, token_sankey)
from market_fixtures import toy_street

SLOT = 52
NAMES = ("alice", "bob", "carol", "dave", "erin", "frank")


def labels(street: Street) -> dict[str, str]:
    return {street.address(name): name.capitalize() for name in street.households}


@pytest.fixture(scope="module")
def chapter():
    """The chapter's slot 52 (as in the notebook), its receipts up to clearing, and a later
    slot 60 in which Frank buys 1 kWh of Dave's directly."""
    street = toy_street(NAMES, mechanism=MCAFEE)
    market, h = street.market, street.households
    offer = market.post(h["carol"], SELL, 2_000, 14, SLOT)
    market.take(h["frank"], offer, 1_000)
    market.post(h["alice"], SELL, 4_000, 10, SLOT)
    market.post(h["dave"], SELL, 1_000, 30, SLOT)
    market.post(h["bob"], BUY, 2_500, 28, SLOT)
    market.post(h["erin"], BUY, 2_000, 24, SLOT)
    market.post(h["frank"], BUY, 1_000, 16, SLOT)
    market.clear(SLOT, by=h["dave"], at=market.gate_closure(SLOT))
    cleared = len(market.receipts)
    market.seal([market.reading_tx(street.meters["alice"], SLOT, 3_000, 0),
                 market.reading_tx(street.meters["carol"], SLOT, 1_600, 0)],
                at=market.slot_end(SLOT))
    market.settle(SLOT, by=h["dave"], at=market.window_end(SLOT))
    later = market.post(h["dave"], SELL, 1_000, 30, 60)
    market.take(h["frank"], later, 1_000)
    market.clear(60, by=h["dave"], at=market.gate_closure(60))
    market.submit_reading(street.meters["dave"], 60, 1_000, 0, at=market.slot_end(60))
    market.settle(60, by=h["dave"], at=market.window_end(60))
    return street, cleared


# --- token flows ------------------------------------------------------------------------------

def test_the_chapters_slot_flow_by_flow(chapter):
    street, _ = chapter
    flows = slot_token_flows(street.market.events(), SLOT, labels(street))
    assert [(f.source, f.target, f.kind, f.amount) for f in flows] == [
        ("Bob's escrow", "Alice", PAYMENT, 35),          # 2.5 kWh at Alice's 14
        ("Erin's escrow", "Alice", PAYMENT, 21),         # 1.5 kWh at 14
        ("Frank's escrow", "Carol", PAYMENT, 14),        # his direct take at 14
        ("Bob's escrow", FUND_NODE, SURPLUS, 5),         # 40 paid at 16, 35 to Alice
        ("Erin's escrow", FUND_NODE, SURPLUS, 3),
        ("Bob's escrow", "Bob", REFUND, 30),             # locked 70 at his limit 28
        ("Erin's escrow", "Erin", REFUND, 24),           # locked 48, traded 1.5 of 2 kWh
        ("Frank's escrow", "Frank", REFUND, 16),         # his bid at 16 did not trade
        ("Alice's bond", UTILITY_NODE, PENALTY, 30),     # 1,000 Wh short at retail 30
        ("Alice's bond", "Alice", BOND_BACK, 90),        # the rest of her 120
        ("Carol's bond", "Carol", BOND_BACK, 60),        # 30 at clearing, 30 at settlement
        ("Dave's bond", "Dave", BOND_BACK, 30)]          # unsold: back at clearing
    assert sum(f.amount for f in flows) == 70 + 48 + 16 + 14 + 120 + 60 + 30


def test_after_clearing_what_waits_for_the_meters_is_still_held(chapter):
    street, cleared = chapter
    market = street.market
    flows = slot_token_flows(market.events(market.receipts[:cleared]), SLOT, labels(street))
    held = {f.source: f.amount for f in flows if f.kind == HELD}
    assert all(f.target == STILL_HELD for f in flows if f.kind == HELD)
    # the trades hold the sellers' amounts (35, 21, 14); the bonds what they sold
    assert held == {"Bob's escrow": 35, "Erin's escrow": 21, "Frank's escrow": 14,
                    "Alice's bond": 120, "Carol's bond": 30}
    assert not any(f.kind in (PAYMENT, PENALTY) for f in flows)


def test_other_slots_events_are_left_out_and_unnamed_accounts_are_shortened(chapter):
    street, _ = chapter
    flows = slot_token_flows(street.market.events(), 60)
    dave, frank = (street.address(n)[2:10] + "…" for n in ("dave", "frank"))
    assert flows == [TokenFlow(escrow_node(frank), dave, 30, PAYMENT),
                     TokenFlow(bond_node(dave), dave, 30, BOND_BACK)]
    assert slot_token_flows(street.market.events(), 61) == []


def test_events_that_do_not_add_up_are_refused(chapter):
    street, _ = chapter
    events = [e for e in street.market.events() if e.name != "OrderPosted"]
    with pytest.raises(SettlementError, match="the events do not add up"):
        slot_token_flows(events, SLOT)


@st.composite
def slot_stories(draw):
    """Orders, takes (buyers of offers, sellers of bids), cancels and meter readings for
    one slot of four households: Alice and Bob sell, Carol and Dave buy, at prices that
    often cross."""
    orders = []
    for _ in range(draw(st.integers(1, 8))):
        who = draw(st.integers(0, 3))
        orders.append((who, SELL if who < 2 else BUY, draw(st.integers(1, 3_000)),
                       draw(st.integers(8, 22) if who < 2 else st.integers(14, 30))))
    takes = draw(st.lists(st.tuples(st.integers(2, 3), st.integers(1, 8),
                                    st.integers(1, 2_000)), max_size=3))
    bid_takes = draw(st.lists(st.tuples(st.integers(0, 1), st.integers(1, 8),
                                        st.integers(1, 2_000)), max_size=3))
    cancels = draw(st.lists(st.integers(1, 8), max_size=2))
    readings = draw(st.lists(st.one_of(st.none(), st.integers(0, 4_000)), min_size=4,
                             max_size=4))
    return orders, (takes, bid_takes), cancels, readings


@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(slot_stories(), st.sampled_from([MCAFEE, "uniform-price", "pay-as-bid"]))
def test_every_households_flows_add_up_to_the_change_of_its_free_deposit(story, mechanism):
    orders, takes, cancels, readings = story
    names = ("alice", "bob", "carol", "dave")
    street = toy_street(names, mechanism=mechanism)
    market, h = street.market, street.households
    accounts = [street.address(n) for n in names] + [market.utility, market.community_fund]
    before = {a: market.free(a) for a in accounts}
    market.seal([market.post_tx(h[names[who]], side, wh, price, SLOT)
                 for who, side, wh, price in orders])           # refused ones change nothing
    takes, bid_takes = takes
    market.seal([market.take_tx(h[names[who]], order, wh) for who, order, wh in takes])
    bids = [view.id for view in market.orders(SLOT) if view.side == BUY]
    market.seal([market.take_bid_tx(h[names[who]], bids[n % len(bids)], wh)
                 for who, n, wh in bid_takes] if bids else [])
    known = market.orders(SLOT)
    market.seal([market.cancel_tx(h[names[[street.address(n) for n in names].index(
        known[i % len(known)].owner)]], known[i % len(known)].id) for i in cancels]
                if known else [])
    market.clear(SLOT, by=h["bob"], at=market.gate_closure(SLOT))
    market.seal([market.reading_tx(street.meters[n], SLOT, wh, 0)
                 for n, wh in zip(names, readings) if wh is not None], at=market.slot_end(SLOT))
    market.settle(SLOT, by=h["bob"], at=market.window_end(SLOT))
    tags = labels(street) | {market.utility: UTILITY_NODE, market.community_fund: FUND_NODE}
    flows = slot_token_flows(market.events(), SLOT, tags)
    assert not any(f.kind == HELD for f in flows)          # settled: nothing waits any more
    assert all(f.amount > 0 for f in flows)
    for address in accounts:
        name = tags[address]
        came_in = sum(f.amount for f in flows if f.target == name)
        went_out = sum(f.amount for f in flows if f.source in (escrow_node(name), bond_node(name)))
        assert came_in - went_out == market.free(address) - before[address], name


# --- the Sankey -------------------------------------------------------------------------------

def test_the_sankey_has_escrow_and_bonds_on_the_left_and_accounts_on_the_right(chapter):
    street, _ = chapter
    flows = slot_token_flows(street.market.events(), SLOT, labels(street))
    figure = token_sankey(flows, title="Slot 52")
    sankey = figure.data[0]
    assert list(sankey.node.label) == [
        "Bob's escrow", "Erin's escrow", "Frank's escrow", "Alice's bond", "Carol's bond",
        "Dave's bond", "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", UTILITY_NODE,
        FUND_NODE]
    assert list(sankey.link.value) == [f.amount for f in flows]
    assert [sankey.node.label[i] for i in sankey.link.source] == [f.source for f in flows]
    assert [sankey.node.label[i] for i in sankey.link.target] == [f.target for f in flows]
    assert list(sankey.link.color) == [kind_colour(f.kind, 0.5) for f in flows]
    assert list(sankey.link.label) == [f.kind for f in flows]
    assert figure.layout.title.text == "Slot 52 (€0.000358)"
    assert figure.layout.font.size >= 16 and sankey.textfont.size >= 16
    legend = figure.layout.annotations[0].text
    assert [kind for kind in KINDS if kind in legend] == [PAYMENT, SURPLUS, REFUND, PENALTY,
                                                          BOND_BACK]


def test_a_node_that_is_both_source_and_target_is_refused():
    with pytest.raises(SettlementError, match="both a source and a target"):
        token_sankey([TokenFlow("a", "b", 1, PAYMENT), TokenFlow("b", "c", 1, PAYMENT)])


# --- deliveries -------------------------------------------------------------------------------

def test_deliveries_read_from_the_events_are_the_native_settlement(chapter):
    street, _ = chapter
    market = street.market
    deliveries = deliveries_from_events(market.events(), SLOT)
    exports = {street.address("alice"): 3_000, street.address("carol"): 1_600}
    bonds = {1: (street.address("carol"), 30), 2: (street.address("alice"), 120),
             3: (street.address("dave"), 0)}                     # as clearing left them
    native = settle_slot(market.trades(SLOT), exports, bonds, market.tariffs,
                         utility=market.utility)
    assert deliveries == native.deliveries
    assert [(d.trade_id, d.quantity_wh, d.delivered_wh, d.shortfall_wh, d.paid, d.penalty)
            for d in deliveries] == [(1, 1_000, 1_000, 0, 14, 0), (2, 2_500, 2_500, 0, 35, 0),
                                     (3, 1_500, 500, 1_000, 21, 30)]


def test_the_delivery_figure_stacks_delivered_and_shortfall_per_trade(chapter):
    street, _ = chapter
    deliveries = deliveries_from_events(street.market.events(), SLOT)
    figure = delivery_figure(deliveries, labels(street))
    delivered, shortfall = figure.data
    assert list(delivered.x) == ["trade 1<br>Carol → Frank", "trade 2<br>Alice → Bob",
                                 "trade 3<br>Alice → Erin"]
    assert list(delivered.y) == [1_000, 2_500, 500] and list(shortfall.y) == [0, 0, 1_000]
    assert list(shortfall.text) == ["", "", "1,000 Wh"]
    assert (delivered.marker.color, shortfall.marker.color) == (DELIVERED_COLOUR,
                                                                SHORTFALL_COLOUR)
    assert figure.layout.barmode == "stack"
    assert figure.layout.yaxis.title.text == "Wh sold in the trade"
    assert delivery_label(deliveries[0]).startswith("trade 1<br>")


# --- scores ------------------------------------------------------------------------------------

def test_the_plain_average_and_the_bayesian_score():
    assert plain_average([]) is None
    assert plain_average([5]) == 5_000 and plain_average([5, 2]) == 3_500
    assert bayesian_scores([5, 2]) == [3_000, 3_333, 3_142]
    assert bayesian_scores([5] * 5)[-1] == 4_000


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 5), max_size=30))
def test_bayesian_scores_are_the_contracts_score_after_each_rating(stars):
    scores = bayesian_scores(stars)
    assert len(scores) == len(stars) + 1 and scores[0] == 3_000
    assert scores[-1] == score(Record(stars=sum(stars), ratings=len(stars)))
    assert all(1_000 <= value <= 5_000 for value in scores)


def test_the_score_figure_draws_plain_dashed_and_bayesian_solid_per_seller():
    figure = score_figure({"Dave": [5, 2], "Carol": [4]}, minimum=4_000)
    assert [trace.name for trace in figure.data] == [
        "Dave: plain average", "Dave: Bayesian score", "Carol: plain average",
        "Carol: Bayesian score", "a newcomer's score (the prior)",
        "a buyer's minimum: 4,000 milli-stars"]
    dave_plain, dave_bayes, carol_plain, carol_bayes, prior, minimum = figure.data
    assert list(dave_plain.y) == [None, 5.0, 3.5] and dave_plain.line.dash == "dash"
    assert list(dave_bayes.y) == [3.0, 3.333, 3.142] and dave_bayes.line.dash is None
    assert list(carol_bayes.x) == [0, 1] and list(carol_bayes.y) == [3.0, 3.166]
    assert dave_plain.line.color == dave_bayes.line.color != carol_plain.line.color
    assert list(prior.y) == [3.0, 3.0] and list(minimum.y) == [4.0, 4.0]
    assert figure.layout.xaxis.title.text == "number of ratings received"
    assert figure.layout.yaxis.title.text == "score (stars)"
    assert len(score_figure({"Dave": [5]}, minimum=None).data) == 3


def test_stars_outside_one_to_five_are_refused():
    with pytest.raises(SettlementError, match="stars must be 1 to 5"):
        score_figure({"Dave": [5, 6]})
