"""The street's live price board: what everyone sees of the market, block by block (chapters 10-11).

Everything on the board is public: each slot's clearing price and trades are in the
market contract's storage, the open book too. So any node's replica shows the same board
at the same block, and nobody needs to trust a price feed. ``price_board`` reads one
replica into plain data (``PriceBoard``); ``board_figure`` draws it (the recent slots'
prices in the tariff band, and the depth of the book still open); ``board_html`` is its
one-line ticker; ``LiveBoard`` is a small widget that redraws whenever the watched node's
head moves while a day runs on the network (``network.Network.watch``).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import plotly.graph_objects as go

from minichain.contracts.client import SLOT_OPEN, SLOT_SECONDS, MarketClient
from minichain.market.clearing import price_of_trades
from minichain.market.orders import BUY
from minichain.market.trades import Trade
from minichain.market.units import MICRO_PER_CENT, WH_PER_KWH, format_price
from minichain.microgrid.profiles import SUNNY_STREET
from minichain.viz.style import COLOURS, lay_out

RECENT_SLOTS = 12          # cleared slots the board shows
RECENT_TRADES = 5


@dataclass(frozen=True)
class PriceBoard:
    """The market as one replica shows it at one block (all public)."""

    block: int
    time: int                                   # chain time of that block
    feed_in: int
    retail: int
    prices: tuple[tuple[int, int | None], ...]  # (slot, clearing price or None) of recent cleared slots
    open_slot: int | None                       # the next slot still taking orders
    bids: tuple[tuple[int, int], ...]           # (price, Wh) of the open slot's buy orders, best first
    asks: tuple[tuple[int, int], ...]           # (price, Wh) of its sell orders, best first
    traded_wh: int                              # Wh traded in every cleared slot so far
    trades: tuple[Trade, ...]                   # the latest trades, newest first

    @property
    def last_price(self) -> int | None:
        """The newest cleared slot's price (None before any trade)."""
        known = [price for _, price in self.prices if price is not None]
        return known[-1] if known else None


def _depth(levels: dict[int, int], best_first: bool) -> tuple[tuple[int, int], ...]:
    return tuple(sorted(levels.items(), reverse=best_first))


def price_board(market: MarketClient) -> PriceBoard:
    """Read the board from ``market``'s replica (``market.on(chain)`` for another node's)."""
    chain = market.chain
    head = chain.head
    current = max(0, (head.header.timestamp - market.genesis_time) // SLOT_SECONDS)
    prices, traded, trades = [], 0, []
    open_slot = None
    for slot in range(current + 3):
        if market.slot_state(slot) == SLOT_OPEN:
            if open_slot is None and market.orders(slot):
                open_slot = slot
            continue
        slot_trades = [trade for trade in market.trades(slot) if trade.quantity_wh > 0]
        single = market.clearing_price(slot) or None          # 0: no single price
        prices.append((slot, price_of_trades(slot_trades, single)))
        traded += sum(trade.quantity_wh for trade in slot_trades)
        trades.extend(slot_trades)
    bids: dict[int, int] = {}
    asks: dict[int, int] = {}
    if open_slot is not None:
        for view in market.orders(open_slot):
            if view.status == "open":
                side = bids if view.side == BUY else asks
                side[view.price] = side.get(view.price, 0) + view.left_wh
    return PriceBoard(head.number, head.header.timestamp, market.tariffs.feed_in,
                      market.tariffs.retail, tuple(prices[-RECENT_SLOTS:]), open_slot,
                      _depth(bids, True), _depth(asks, False), traded,
                      tuple(sorted(trades, key=lambda t: -t.id)[:RECENT_TRADES]))


def _clock(board: PriceBoard, slot: int, genesis_time: int) -> str:
    """When a market slot starts, on the street's clock (HH:MM)."""
    seconds = genesis_time + slot * SLOT_SECONDS + SUNNY_STREET.utc_offset_minutes * 60
    minutes = (seconds // 60) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def board_figure(board: PriceBoard, genesis_time: int) -> go.Figure:
    """Recent prices in the tariff band (left) and the open book's depth (right), in ct/kWh."""
    figure = go.Figure()
    ct = MICRO_PER_CENT
    labels = [_clock(board, slot, genesis_time) for slot, _ in board.prices]
    figure.add_trace(go.Scatter(x=labels, y=[None if p is None else p / ct for _, p in board.prices],
                                mode="lines+markers", name="clearing price", xaxis="x",
                                line={"color": COLOURS["price"], "width": 4}, connectgaps=False))
    for value, label, colour in ((board.retail, "retail", COLOURS["retail"]),
                                 (board.feed_in, "feed-in", COLOURS["feed_in"])):
        figure.add_trace(go.Scatter(x=labels, y=[value / ct] * len(labels), mode="lines",
                                    name=label, line={"color": colour, "dash": "dash"}))
    for levels, name, colour in ((board.bids, "bids (buy)", COLOURS["bought"]),
                                 (board.asks, "asks (sell)", COLOURS["sold"])):
        total, xs, ys = 0, [], []
        for price, wh in levels:
            total += wh
            xs.append(total / WH_PER_KWH)
            ys.append(price / ct)
        figure.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", name=name,
                                    line={"shape": "hv", "color": colour}, xaxis="x2"))
    open_at = "no open book" if board.open_slot is None else \
        f"book for {_clock(board, board.open_slot, genesis_time)}"
    last = format_price(board.last_price, 1) if board.last_price else "none yet"
    lay_out(figure, f"Price board at block #{board.block}: last price {last}", height=460)
    figure.update_layout(
        xaxis={"domain": [0, 0.55], "title": "slot"},
        xaxis2={"domain": [0.62, 1], "title": f"kWh ({open_at})", "anchor": "y"},
        yaxis={"title": "ct/kWh", "range": [0, board.retail / ct * 1.1]})
    return figure


def board_html(board: PriceBoard) -> str:
    """One line for a ticker: last price, the band, volume, the latest trade."""
    last = format_price(board.last_price, 1) if board.last_price else "no trade yet"
    latest = board.trades[0] if board.trades else None
    trade = (f"latest trade: {latest.quantity_wh:,} Wh at {format_price(latest.price, 1)}"
             if latest else "no trade yet")
    return (f'<div class="sunny-board">block #{board.block} · last price <b>{html.escape(last)}'
            f"</b> · band {format_price(board.feed_in)}–{format_price(board.retail)} · traded "
            f"{board.traded_wh / WH_PER_KWH:,.1f} kWh · {html.escape(trade)}</div>")


class LiveBoard:
    """A widget that redraws the board whenever the watched node's head moves."""

    def __init__(self, market: MarketClient, network, node: str, every: int = 1) -> None:
        import ipywidgets as widgets

        self.market, self.network, self.node, self.every = market, network, node, every
        self.ticker = widgets.HTML()
        self.figure = widgets.Output()
        self.widget = widgets.VBox([self.ticker, self.figure])
        self.shown: list[PriceBoard] = []
        network.watch(self._head_moved)

    def _head_moved(self, node: str, head) -> None:
        if node != self.node or head.number % self.every:
            return
        board = price_board(self.market.on(self.network.nodes[node].chain))
        self.shown.append(board)
        self.ticker.value = board_html(board)
        from minichain.viz.app import figure_output
        self.figure.outputs = (figure_output(board_figure(board, self.market.genesis_time)),)
