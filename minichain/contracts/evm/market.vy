# pragma version ~=0.4.3
"""
@title Sunny Street's energy market on the Ethereum Virtual Machine (chapter 14)
@notice The same market as minichain's contract (minichain/contracts/sources/market.py),
        written in Vyper and compiled by the real Vyper compiler. docs/market_rules.md
        states the rules; the differential tests check that this contract, minichain's
        contract and the native reference (minichain.market) give identical trades,
        prices and payments.

        What it does, in the order a slot lives:
        * authorities (fixed at deploy) register households with their smart meters;
        * households deposit, post buy and sell orders for a 15-minute delivery slot
          (a buy locks its escrow, a sell a delivery bond) and may cancel before the
          gate closes, one slot before delivery;
        * anyone clears the slot at gate closure: merit order, the merit walk, prices
          by the mechanism fixed at deploy (1 uniform price with k, 2 pay-as-bid,
          3 McAfee); escrow beyond the trades and bonds for unsold Wh go back;
        * meters report the slot's export within an hour of its end;
        * anyone settles the slot: each seller's export is shared over its trades in
          trade order, the seller is paid and pays any shortfall from its bond.

        What it leaves out, to stay short: direct takes of an offer, minimum partner
        reputations (with none set, the rules clear exactly as here), ratings, and the
        grid operator's curtailment. Money is the chain's own coin (wei), moved with
        msg.value and send; prices are in wei per kWh.
"""

# --- rules written once in docs/market_rules.md --------------------------------------

SLOT_SECONDS: constant(uint256) = 900        # a delivery slot
READING_WINDOW: constant(uint256) = 3600     # meters report within an hour of a slot's end
WH_PER_KWH: constant(uint256) = 1000
BUY: constant(uint256) = 1
SELL: constant(uint256) = 2
UNIFORM_PRICE: constant(uint256) = 1
PAY_AS_BID: constant(uint256) = 2
MCAFEE: constant(uint256) = 3
OPEN: constant(uint256) = 0                  # slot states
CLEARED: constant(uint256) = 1
SETTLED: constant(uint256) = 2
MAX_ORDERS: constant(uint256) = 1000         # per slot; every array has this bound, and
                                             # Vyper reserves memory for all of it
SORT_PASSES: constant(uint256) = 10          # 2**10 >= MAX_ORDERS
POSITION: constant(uint256) = 2**32          # a sort key is price * POSITION + position


struct Order:
    owner: address
    side: uint256           # BUY or SELL
    quantity_wh: uint256
    price: uint256          # limit price, wei per kWh
    slot: uint256
    locked: uint256         # escrow (buy) or bond (sell) it holds now
    cancelled: bool


struct MarketTrade:
    buy_order: uint256
    sell_order: uint256
    quantity_wh: uint256
    price: uint256          # what the buyer pays per kWh
    seller_price: uint256   # what the seller receives per kWh (below price only for McAfee)


struct Pair:                # one step of the merit walk: positions in merit order
    bid: uint256
    ask: uint256
    quantity_wh: uint256


event Deposited:
    account: indexed(address)
    amount: uint256
    free: uint256

event OrderPosted:
    order: indexed(uint256)
    owner: indexed(address)
    side: uint256
    quantity_wh: uint256
    price: uint256
    slot: uint256
    locked: uint256

event Trade:
    trade: indexed(uint256)
    slot: uint256
    buy_order: uint256
    sell_order: uint256
    buyer: address
    seller: address
    quantity_wh: uint256
    price: uint256
    seller_price: uint256

event Withdrawn:
    account: indexed(address)
    amount: uint256
    free: uint256

event Cancelled:
    order: indexed(uint256)
    owner: indexed(address)
    released: uint256

event Released:
    order: indexed(uint256)
    owner: indexed(address)
    amount: uint256

event Cleared:
    slot: indexed(uint256)
    trades: uint256
    traded_wh: uint256
    price: uint256
    surplus: uint256

event Settled:
    trade: indexed(uint256)
    seller: address
    buyer: address
    delivered_wh: uint256
    shortfall_wh: uint256
    paid: uint256
    penalty: uint256


# --- fixed at deploy -------------------------------------------------------------------

authorities: public(DynArray[address, 3])
mechanism: public(uint256)
k_numerator: public(uint256)
k_denominator: public(uint256)
feed_in: public(uint256)
retail: public(uint256)
genesis_time: public(uint256)
utility: public(address)
community_fund: public(address)

# --- who may trade, and which meter speaks for whom -------------------------------------

meter_of: public(HashMap[address, address])        # household -> its meter
household_of: public(HashMap[address, address])    # meter -> its household

# --- money and the book ----------------------------------------------------------------

free: public(HashMap[address, uint256])            # what each account may withdraw or lock
orders: public(HashMap[uint256, Order])            # order ids are 1, 2, 3, ...
order_count: public(uint256)
slot_orders: HashMap[uint256, DynArray[uint256, MAX_ORDERS]]    # in arrival order
open_buys: HashMap[uint256, HashMap[address, uint256]]          # slot -> owner -> open buys
open_sells: HashMap[uint256, HashMap[address, uint256]]

# --- clearing and settlement -----------------------------------------------------------

slot_state: public(HashMap[uint256, uint256])      # OPEN, CLEARED or SETTLED
slot_price: public(HashMap[uint256, uint256])      # the one price (0 if none)
trades: public(HashMap[uint256, MarketTrade])            # trade ids are 1, 2, 3, ...
trade_count: public(uint256)
slot_trades: HashMap[uint256, DynArray[uint256, MAX_ORDERS]]    # in trade order
exported: public(HashMap[uint256, HashMap[address, uint256]])   # slot -> household -> Wh
reported: public(HashMap[uint256, HashMap[address, bool]])
export_used: HashMap[uint256, HashMap[address, uint256]]        # slot -> seller -> Wh counted


@deploy
def __init__(authorities: DynArray[address, 3], mechanism: uint256, k_numerator: uint256,
             k_denominator: uint256, feed_in: uint256, retail: uint256,
             genesis_time: uint256, utility: address, community_fund: address):
    assert len(authorities) > 0, "name at least one authority"
    assert mechanism >= UNIFORM_PRICE and mechanism <= MCAFEE, "mechanism is 1 (uniform price), 2 (pay-as-bid) or 3 (McAfee)"
    assert k_denominator > 0 and k_numerator <= k_denominator, "k must be a fraction in [0, 1]"
    assert feed_in <= retail, "tariffs need 0 <= feed_in <= retail"
    self.authorities = authorities
    self.mechanism = mechanism
    self.k_numerator = k_numerator
    self.k_denominator = k_denominator
    self.feed_in = feed_in
    self.retail = retail
    self.genesis_time = genesis_time
    self.utility = utility
    self.community_fund = community_fund


# --- the one rounding rule and the slot's times ------------------------------------------

@internal
@pure
def _amount_for(quantity_wh: uint256, price: uint256) -> uint256:
    # money for q Wh at p per kWh, rounded down, computed once per trade or lock
    return quantity_wh * price // WH_PER_KWH


@internal
@view
def _slot_start(slot: uint256) -> uint256:
    return self.genesis_time + SLOT_SECONDS * slot


@internal
@view
def _gate_open(slot: uint256) -> bool:
    # orders and cancellations are taken until one slot before delivery starts
    return block.timestamp + SLOT_SECONDS < self._slot_start(slot)


# --- registration ----------------------------------------------------------------------

@external
def register(household: address, meter: address):
    assert msg.sender in self.authorities, "only an authority registers"
    assert household not in self.authorities, "authorities do not trade"
    assert meter != empty(address) and meter != household, "the meter needs its own key"
    assert meter not in self.authorities, "an authority key cannot be a meter"
    assert self.meter_of[household] == empty(address), "already a registered household"
    assert self.household_of[household] == empty(address), "a meter key cannot trade"
    assert self.household_of[meter] == empty(address), "meter already bound to a household"
    assert self.meter_of[meter] == empty(address), "that key belongs to a household"
    self.meter_of[household] = meter
    self.household_of[meter] = household


# --- money in and out ------------------------------------------------------------------

@external
@payable
def deposit():
    assert msg.value > 0, "send tokens to deposit"
    assert self.meter_of[msg.sender] != empty(address), "not a registered household"
    self.free[msg.sender] += msg.value
    log Deposited(account=msg.sender, amount=msg.value, free=self.free[msg.sender])


@external
def withdraw(amount: uint256):
    assert amount > 0, "withdraw a positive amount"
    assert amount <= self.free[msg.sender], "not enough free deposit"
    self.free[msg.sender] -= amount
    send(msg.sender, amount)
    log Withdrawn(account=msg.sender, amount=amount, free=self.free[msg.sender])


# --- the book --------------------------------------------------------------------------

@external
def post(side: uint256, quantity_wh: uint256, price: uint256, slot: uint256) -> uint256:
    assert self.meter_of[msg.sender] != empty(address), "not a registered household"
    assert side == BUY or side == SELL, "side is 1 (buy) or 2 (sell)"
    assert quantity_wh > 0, "quantity must be positive"
    assert price >= self.feed_in and price <= self.retail, "price outside the tariff band"
    assert self._gate_open(slot), "the slot's gate has closed"
    lock: uint256 = 0
    if side == BUY:
        assert self.open_sells[slot][msg.sender] == 0, "self-trade: you sell in this slot"
        lock = self._amount_for(quantity_wh, price)
        self.open_buys[slot][msg.sender] += 1
    else:
        assert self.open_buys[slot][msg.sender] == 0, "self-trade: you buy in this slot"
        lock = self._amount_for(quantity_wh, self.retail)
        self.open_sells[slot][msg.sender] += 1
    assert lock <= self.free[msg.sender], "not enough free deposit"
    assert len(self.slot_orders[slot]) < MAX_ORDERS, "the slot's book is full"
    self.free[msg.sender] -= lock
    order: uint256 = self.order_count + 1
    self.order_count = order
    self.orders[order] = Order(owner=msg.sender, side=side, quantity_wh=quantity_wh,
                               price=price, slot=slot, locked=lock, cancelled=False)
    self.slot_orders[slot].append(order)
    log OrderPosted(order=order, owner=msg.sender, side=side, quantity_wh=quantity_wh,
                    price=price, slot=slot, locked=lock)
    return order


@external
def cancel(order: uint256):
    o: Order = self.orders[order]
    assert o.owner == msg.sender, "only the owner cancels"
    assert not o.cancelled, "the order is not open"
    assert self._gate_open(o.slot), "the slot's gate has closed"
    if o.side == BUY:
        self.open_buys[o.slot][msg.sender] -= 1
    else:
        self.open_sells[o.slot][msg.sender] -= 1
    self.orders[order].locked = 0
    self.orders[order].cancelled = True
    self.free[msg.sender] += o.locked
    log Cancelled(order=order, owner=msg.sender, released=o.locked)


# --- clearing at gate closure ----------------------------------------------------------

@internal
@pure
def _sorted(keys: DynArray[uint256, MAX_ORDERS]) -> DynArray[uint256, MAX_ORDERS]:
    # bottom-up merge sort: merge runs of width 1, 2, 4, ... until one run is left
    n: uint256 = len(keys)
    src: DynArray[uint256, MAX_ORDERS] = keys
    dst: DynArray[uint256, MAX_ORDERS] = keys
    width: uint256 = 1
    for _: uint256 in range(SORT_PASSES):
        if width >= n:
            break
        start: uint256 = 0
        for _run: uint256 in range(MAX_ORDERS):
            if start >= n:
                break
            middle: uint256 = min(start + width, n)
            end: uint256 = min(start + 2 * width, n)
            a: uint256 = start
            b: uint256 = middle
            for k: uint256 in range(start, end, bound=MAX_ORDERS):
                if b == end or (a < middle and src[a] <= src[b]):
                    dst[k] = src[a]
                    a += 1
                else:
                    dst[k] = src[b]
                    b += 1
            start = end
        src = dst
        width *= 2
    return src


@internal
@view
def _walk(bids: DynArray[uint256, MAX_ORDERS], asks: DynArray[uint256, MAX_ORDERS],
          bid_count: uint256, ask_count: uint256) -> DynArray[Pair, MAX_ORDERS]:
    # the merit walk over the first bid_count bids and ask_count asks: the best bid with
    # the best ask while bid >= ask, q = min(what both have left); move past an empty order
    pairs: DynArray[Pair, MAX_ORDERS] = []
    i: uint256 = 0
    j: uint256 = 0
    bid_left: uint256 = 0
    ask_left: uint256 = 0
    if bid_count > 0 and ask_count > 0:
        bid_left = self.orders[bids[0]].quantity_wh
        ask_left = self.orders[asks[0]].quantity_wh
    for _: uint256 in range(MAX_ORDERS):
        if i == bid_count or j == ask_count:
            break
        if self.orders[bids[i]].price < self.orders[asks[j]].price:
            break
        q: uint256 = min(bid_left, ask_left)
        pairs.append(Pair(bid=i, ask=j, quantity_wh=q))
        bid_left -= q
        ask_left -= q
        if bid_left == 0:
            i += 1
            if i < bid_count:
                bid_left = self.orders[bids[i]].quantity_wh
        if ask_left == 0:
            j += 1
            if j < ask_count:
                ask_left = self.orders[asks[j]].quantity_wh
    return pairs


@external
def clear(slot: uint256):
    assert not self._gate_open(slot), "the slot's gate is still open"
    assert self.slot_state[slot] == OPEN, "slot already cleared"
    self.slot_state[slot] = CLEARED
    retail: uint256 = self.retail

    # 1. merit order: bids by price down, asks by price up, ties by arrival (= order id)
    bids: DynArray[uint256, MAX_ORDERS] = []
    asks: DynArray[uint256, MAX_ORDERS] = []
    book: DynArray[uint256, MAX_ORDERS] = self.slot_orders[slot]
    for position: uint256 in range(len(book), bound=MAX_ORDERS):
        order: uint256 = book[position]
        if self.orders[order].cancelled:
            continue
        limit: uint256 = self.orders[order].price
        if self.orders[order].side == BUY:
            bids.append((retail - limit) * POSITION + position)
        else:
            asks.append(limit * POSITION + position)
    bids = self._sorted(bids)
    asks = self._sorted(asks)
    for i: uint256 in range(len(bids), bound=MAX_ORDERS):
        bids[i] = book[bids[i] % POSITION]          # from sort key to order id
    for j: uint256 in range(len(asks), bound=MAX_ORDERS):
        asks[j] = book[asks[j] % POSITION]

    # 2. the merit walk, then the price of every pair by the mechanism
    pairs: DynArray[Pair, MAX_ORDERS] = self._walk(bids, asks, len(bids), len(asks))
    price: uint256 = 0           # the one price: uniform price, McAfee's p0; else 0
    buyer_price: uint256 = 0     # what every buyer pays and every seller gets per kWh,
    seller_price: uint256 = 0    # except under pay-as-bid (each pair its bid's price)
    if len(pairs) > 0:
        last: Pair = pairs[len(pairs) - 1]            # the marginal pair
        bid_k: uint256 = self.orders[bids[last.bid]].price
        ask_k: uint256 = self.orders[asks[last.ask]].price
        if self.mechanism == UNIFORM_PRICE:
            price = ask_k + self.k_numerator * (bid_k - ask_k) // self.k_denominator
            buyer_price = price
            seller_price = price
        elif self.mechanism == MCAFEE:
            bid_next: uint256 = self.feed_in          # the utility always buys at feed-in
            if last.bid + 1 < len(bids):
                bid_next = self.orders[bids[last.bid + 1]].price
            ask_next: uint256 = retail                # and always sells at retail
            if last.ask + 1 < len(asks):
                ask_next = self.orders[asks[last.ask + 1]].price
            candidate: uint256 = (bid_next + ask_next) // 2
            if ask_k <= candidate and candidate <= bid_k:
                price = candidate
                buyer_price = candidate
                seller_price = candidate
            else:                                     # leave the marginal pair out
                pairs = self._walk(bids, asks, last.bid, last.ask)
                buyer_price = bid_k
                seller_price = ask_k

    # 3. record the trades; each trade takes its amount out of the buyer's escrow
    sold_wh: uint256[MAX_ORDERS] = empty(uint256[MAX_ORDERS])     # by position in asks
    surplus: uint256 = 0
    traded_wh: uint256 = 0
    for pair: Pair in pairs:
        buy_order: uint256 = bids[pair.bid]
        sell_order: uint256 = asks[pair.ask]
        pays: uint256 = buyer_price
        gets: uint256 = seller_price
        if self.mechanism == PAY_AS_BID:
            pays = self.orders[buy_order].price
            gets = pays
        amount: uint256 = self._amount_for(pair.quantity_wh, pays)
        self.orders[buy_order].locked -= amount
        surplus += amount - self._amount_for(pair.quantity_wh, gets)
        sold_wh[pair.ask] += pair.quantity_wh
        traded_wh += pair.quantity_wh
        trade: uint256 = self.trade_count + 1
        self.trade_count = trade
        self.trades[trade] = MarketTrade(buy_order=buy_order, sell_order=sell_order,
                                         quantity_wh=pair.quantity_wh, price=pays,
                                         seller_price=gets)
        self.slot_trades[slot].append(trade)
        log Trade(trade=trade, slot=slot, buy_order=buy_order, sell_order=sell_order,
                  buyer=self.orders[buy_order].owner, seller=self.orders[sell_order].owner,
                  quantity_wh=pair.quantity_wh, price=pays, seller_price=gets)

    # 4. escrow beyond the trades and bonds for unsold Wh go back; surplus to the fund
    for buy_order: uint256 in bids:
        refund: uint256 = self.orders[buy_order].locked
        self.orders[buy_order].locked = 0
        if refund > 0:
            owner: address = self.orders[buy_order].owner
            self.free[owner] += refund
            log Released(order=buy_order, owner=owner, amount=refund)
    for j: uint256 in range(len(asks), bound=MAX_ORDERS):
        unsold: uint256 = self.orders[asks[j]].quantity_wh - sold_wh[j]
        release: uint256 = self._amount_for(unsold, retail)
        if release > 0:
            owner: address = self.orders[asks[j]].owner
            self.orders[asks[j]].locked -= release
            self.free[owner] += release
            log Released(order=asks[j], owner=owner, amount=release)
    if surplus > 0:
        self.free[self.community_fund] += surplus
    self.slot_price[slot] = price
    log Cleared(slot=slot, trades=len(pairs), traded_wh=traded_wh, price=price,
                surplus=surplus)


# --- meter readings and settlement -----------------------------------------------------

@external
def report(slot: uint256, export_wh: uint256):
    household: address = self.household_of[msg.sender]
    assert household != empty(address), "not a registered meter"
    end: uint256 = self._slot_start(slot + 1)
    assert block.timestamp >= end, "the slot is not over yet"
    assert block.timestamp < end + READING_WINDOW, "the reading window has closed"
    assert not self.reported[slot][household], "this slot already has a reading"
    self.reported[slot][household] = True
    self.exported[slot][household] = export_wh


@external
def settle(slot: uint256):
    assert self.slot_state[slot] != OPEN, "slot not cleared"
    assert self.slot_state[slot] == CLEARED, "slot already settled"
    assert block.timestamp >= self._slot_start(slot + 1) + READING_WINDOW, "the reading window is still open"
    self.slot_state[slot] = SETTLED
    retail: uint256 = self.retail
    penalties: uint256 = 0
    for trade: uint256 in self.slot_trades[slot]:
        t: MarketTrade = self.trades[trade]
        seller: address = self.orders[t.sell_order].owner
        used: uint256 = self.export_used[slot][seller]
        delivered: uint256 = min(t.quantity_wh, self.exported[slot][seller] - used)
        self.export_used[slot][seller] = used + delivered
        shortfall: uint256 = t.quantity_wh - delivered
        paid: uint256 = self._amount_for(t.quantity_wh, t.seller_price)
        penalty: uint256 = self._amount_for(shortfall, retail)
        self.free[seller] += paid
        self.orders[t.sell_order].locked -= penalty    # the bond always covers it
        penalties += penalty
        log Settled(trade=trade, seller=seller, buyer=self.orders[t.buy_order].owner,
                    delivered_wh=delivered, shortfall_wh=shortfall, paid=paid,
                    penalty=penalty)
    if penalties > 0:
        self.free[self.utility] += penalties
    for order: uint256 in self.slot_orders[slot]:     # every bond's rest goes back
        if self.orders[order].side == SELL and self.orders[order].locked > 0:
            rest: uint256 = self.orders[order].locked
            owner: address = self.orders[order].owner
            self.orders[order].locked = 0
            self.free[owner] += rest
            log Released(order=order, owner=owner, amount=rest)


# --- reading the market back -------------------------------------------------------------

@external
@view
def trades_of(slot: uint256) -> DynArray[uint256, MAX_ORDERS]:
    return self.slot_trades[slot]


@external
@view
def orders_of(slot: uint256) -> DynArray[uint256, MAX_ORDERS]:
    return self.slot_orders[slot]
