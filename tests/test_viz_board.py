"""The live price board: what every node shows of the market, block by block (chapter 11).

A short trading morning runs on the three authorities' nodes with a board watching every
node. At every block any two nodes share, their boards are the same: the market is public
and every replica holds it. At the end the board's prices are the day's slot prices, its
volume the day's traded Wh, and its ticker says so in words.
"""

from __future__ import annotations

import pytest

from minichain import cast
from minichain.day.onchain import ChainMarket
from minichain.day.runner import run_day
from minichain.day.scenario import Scenario, plan
from minichain.market.units import format_price
from minichain.viz.board import LiveBoard, board_figure, board_html, price_board

SCENARIO = Scenario(households=6, seed=3, pv_percent=70, battery_percent=30,
                    cloudiness_percent=30, agents="truthful")


@pytest.fixture(scope="module")
def morning(tmp_path_factory):
    morning = plan(SCENARIO).window(44, 8)          # 11:00-13:00, truth and forecasts alike
    boards = {}

    def watch(market: ChainMarket) -> None:
        for node in cast.AUTHORITIES:
            boards[node] = LiveBoard(market.market, market.gateway.network, node)

    market = ChainMarket(store_dir=tmp_path_factory.mktemp("stores"), on_open=watch)
    day = run_day(morning, market)
    return day, market, boards


def test_every_node_shows_the_same_board_at_the_same_block(morning):
    _, _, boards = morning
    seen = {}
    for node, board in boards.items():
        assert board.shown, f"{node}'s board never moved"
        for shown in board.shown:
            seen.setdefault((shown.block, shown.time), []).append(shown)
    shared = [same for same in seen.values() if len(same) == 3]
    assert len(shared) > 10
    assert all(same[0] == same[1] == same[2] for same in shared)


def test_the_last_board_is_the_days_prices_and_volume_in_plain_words(morning):
    day, market, boards = morning
    final = price_board(market.market)
    assert final == boards[cast.GRID_OPERATOR].shown[-1]
    prices = [price for _, price in final.prices]
    assert prices[-len(day.slots):] == [slot.price for slot in day.slots]
    assert final.traded_wh == sum(slot.traded_wh for slot in day.slots)
    assert final.trades[0].id > final.trades[-1].id            # newest first
    assert final.open_slot is None and final.bids == final.asks == ()
    text = board_html(final)
    assert f"last price <b>{format_price(final.last_price, 1)}</b>" in text
    assert "band 8 ct/kWh–32 ct/kWh" in text
    figure = board_figure(final, market.market.genesis_time)
    assert [trace.name for trace in figure.data] == ["clearing price", "retail", "feed-in",
                                                     "bids (buy)", "asks (sell)"]
    assert figure.layout.title.text.startswith(f"Price board at block #{final.block}")


def test_a_board_in_the_middle_of_the_day_shows_the_open_book(morning):
    _, market, boards = morning
    with_book = [board for board in boards[cast.GRID_OPERATOR].shown if board.asks or board.bids]
    assert with_book, "some block shows a book still open"
    board = with_book[0]
    assert [price for price, _ in board.asks] == sorted(price for price, _ in board.asks)
    assert [price for price, _ in board.bids] == sorted((p for p, _ in board.bids), reverse=True)
    assert all(market.market.tariffs.feed_in <= price <= market.market.tariffs.retail
               for price, _ in board.asks + board.bids)
