"""A household's statement as a picture, tables and a widget (chapter 10), tested as data.

Alice's two slots from ``tests/market/test_statement.py``: in slot 40 she received 18 from
buyers, paid a 6 penalty and a utility bill of 7; slot 41 (she bought 1 kWh for 17) is not
settled, so only the market's money shows and it has no net yet.
"""

from __future__ import annotations

import pytest

from minichain.contracts.journey import street_journey
from minichain.market.orders import Tariffs
from minichain.market.statement import Rating, statement
from minichain.market.trades import Trade
from minichain.viz.statement import (PARTS, bills_html, slot_money, statement_browser,
                                     statement_figure, trades_html)
from minichain.wallet import Wallet

ALICE, BOB, CAROL = (Wallet.from_seed(n).address for n in ("alice", "bob", "carol"))
TRADES = [
    Trade(id=1, slot=40, buyer=CAROL, seller=ALICE, buy_order=0, sell_order=1,
          quantity_wh=300, price=12, seller_price=12, delivered_wh=300),
    Trade(id=2, slot=40, buyer=BOB, seller=ALICE, buy_order=3, sell_order=4,
          quantity_wh=600, price=25, seller_price=25, delivered_wh=400),
    Trade(id=4, slot=41, buyer=ALICE, seller=CAROL, buy_order=5, sell_order=6,
          quantity_wh=1_000, price=17, seller_price=17),
]
ALICES = statement(ALICE, range(40, 42), TRADES, {40: (700, 250), 41: (0, 1_200)},
                   [Rating(2, BOB, ALICE, 2)], Tariffs(8, 30), bid_takes={2})
NAMES = {ALICE: "Alice", BOB: "Bob", CAROL: "Carol"}


def test_each_slots_money_in_is_above_the_axis_and_out_below():
    assert slot_money(ALICES) == {
        "paid by buyers": [18, 0], "paid by the utility for exports": [0, 0],
        "paid to sellers": [0, -17], "shortfall penalties": [-6, 0],
        "the utility's bill for imports": [-7, 0]}


def test_the_figure_draws_the_parts_and_the_net_of_settled_slots():
    figure = statement_figure(ALICES, "Alice")
    bars = [trace for trace in figure.data if trace.type == "bar"]
    assert [bar.name for bar in bars] == [what for what, _, _ in PARTS]
    assert list(bars[0].x) == ["40 (10:00)", "41 (10:15)"]
    assert list(bars[0].y) == [18 / 10_000, 0] and list(bars[2].y) == [0, -17 / 10_000]
    net, = [trace for trace in figure.data if trace.type == "scatter"]
    assert (list(net.x), list(net.y)) == (["40 (10:00)"], [5 / 10_000])
    assert figure.layout.title.text == "Alice's money per slot (net: €0.000005)"
    assert figure.layout.barmode == "relative"


def test_an_empty_statement_says_so():
    empty = statement(BOB, range(50, 52), TRADES, {}, [], Tariffs(8, 30))
    figure = statement_figure(empty)
    assert figure.layout.annotations[0].text == "no trades and no readings in these slots"
    assert trades_html(empty, NAMES) == "<p>No trades in these slots.</p>"
    assert bills_html(empty) == "<p>No bills in these slots.</p>"


def test_the_tables_name_the_partners_and_show_what_is_pending():
    trades = trades_html(ALICES, NAMES)
    assert trades.count("<tr>") == 4
    assert ("<td>40</td><td>2</td><td>sold</td><td>Bob</td><td>took a bid</td><td>600</td>"
            "<td>0.0025 ct/kWh</td><td>€0.000015</td><td>400</td><td>€0.000006</td>") in trades
    assert "<td>pending</td>" in trades
    bills = bills_html(ALICES)
    assert "<td>700 out / 250 in</td>" in bills and bills.count("<td>pending</td>") == 2


def test_the_browser_follows_the_household_and_the_slots_chosen():
    journey = street_journey(slots=3, nodes=False)
    street = journey.street
    households = {name: street.address(name) for name in street.households}
    browser = statement_browser(street.market, households, journey.slots)
    controls, picture, tables = browser.children
    who, span = controls.children
    assert (who.value, span.value) == ("alice", (48, 50))
    first = picture.outputs[0]["data"]["application/vnd.plotly.v1+json"]["layout"]["title"]
    assert first["text"].startswith("alice's money per slot")
    who.value = "bob"
    span.value = (49, 49)
    shown = street.market.statement(households["bob"], range(49, 50))
    title = picture.outputs[0]["data"]["application/vnd.plotly.v1+json"]["layout"]["title"]
    assert title["text"] == statement_figure(shown, "bob").layout.title.text
    assert tables.value.count("<tr>") == len(shown.trades) + len(shown.bills) + 2
    with pytest.raises(ValueError, match="give at least one household and one slot"):
        statement_browser(street.market, {}, journey.slots)
