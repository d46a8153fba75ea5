"""The Sunny Street energy market: order book, escrow, auction and settlement (chapters 09-10).

One contract holds the market's money and its book. ``docs/market_rules.md`` states the
rules; ``minichain.market`` has them in plain Python (``auction``, ``settlement``,
``reputation``): differential tests check both give the same tokens to the same accounts.

* **Money.** Households ``deposit`` tokens and ``withdraw`` what is free. A buy order locks
  its escrow, ``amount_for(q, price)``; a sell order locks a delivery bond,
  ``amount_for(q, retail)``. The utility and the community fund are accounts here too.
* **Book.** ``post`` an order for a delivery slot (side, Wh, limit price, minimum partner
  reputation); ``take`` part of a listed offer, or ``take_bid`` part of a listed bid, at
  its price (a direct trade; the seller's side of a taken bid is a sell order filled at
  once, which holds its bond); ``cancel`` before gate closure, one slot before delivery.
  A slot takes at most ``max_orders`` orders (fixed at deploy), so that clearing it
  always fits in one block.
* **Clearing.** After gate closure anyone may ``clear`` the slot: the open book clears
  with the mechanism fixed at deploy (1 uniform price with k, 2 pay-as-bid, 3 McAfee),
  in merit order, with the partner rule when an order sets a minimum reputation. Escrow
  beyond the trades and bonds for unsold Wh go back; McAfee's surplus goes to the fund.
* **Settlement.** Between clearing and settlement an authority may ``curtail`` a trade the
  feeder cannot carry (cut Wh: buyer's money and seller's bond go back). After the reading
  window anyone may ``settle``: each seller's metered export is shared over its trades in
  trade order; the seller is paid, pays any shortfall from its bond; reputation records it.

Every step asks the other contracts through an interface: the identity registry (which
household does this key sign for, and may it trade?), the meter oracle (what did it
export?) and reputation (score, record). Money, orders and trades are kept under the
household's account, not the key that signed, so a household that rotates its key keeps
them all (``identity.py``).
"""

from minichain.vm.lang import *

SLOT = 900                  # seconds in a delivery slot
WINDOW = 3600               # seconds after a slot's end in which meters report
BUY = 1
SELL = 2
UNIFORM_PRICE = 1
PAY_AS_BID = 2
MCAFEE = 3
OPEN = 1                    # order status
CANCELLED = 2
FILLED = 3                  # a seller's order made by taking a bid: filled at once
CLEARED = 1                 # slot state
SETTLED = 2
HOUSEHOLD = 2               # identity registry: attested household
REVOKED = 3                 # identity registry: revoked household
MAX_MIN_REPUTATION = 5000   # milli-stars
POSITION = 2 ** 32          # sort keys are price * POSITION + position in the slot's list


class Identity(Interface):
    def account_of(self, key: address) -> address: ...
    def status_of(self, who: address) -> int: ...
    def is_authority(self, who: address) -> bool: ...


class MeterOracle(Interface):
    def export_of(self, household: address, slot: int) -> int: ...


class Reputation(Interface):
    def score(self, who: address) -> int: ...

    def record(self, trade: int, buyer: address, seller: address, delivered_wh: int,
               traded_wh: int): ...


class Market:
    registry: address
    oracle: address
    reputation: address
    mechanism: int
    k_numerator: int
    k_denominator: int
    feed_in: int
    retail: int
    genesis_time: int
    utility: address
    community_fund: address
    max_orders: int                     # per slot, so that every clearing fits in a block

    free: Map[address, int]             # tokens each account may withdraw or lock

    orders: int                         # order ids are 1, 2, 3, ...
    owner: Map[int, address]
    side: Map[int, int]                 # BUY or SELL
    quantity: Map[int, int]             # Wh when posted
    left: Map[int, int]                 # Wh still open: takes shrink it, cancel ends it
    price: Map[int, int]                # limit price, token units per kWh
    slot_of: Map[int, int]
    min_reputation: Map[int, int]       # the least score a partner must have
    status: Map[int, int]               # OPEN, CANCELLED or FILLED
    locked: Map[int, int]               # escrow (buy) or bond (sell) the order holds

    slot_orders: Map[int, Map[int, int]]        # slot -> i -> order id, in arrival order
    slot_order_count: Map[int, int]
    slot_trades: Map[int, Map[int, int]]        # slot -> i -> trade id, in trade order
    slot_trade_count: Map[int, int]
    slot_state: Map[int, int]                   # 0 open, CLEARED, SETTLED
    slot_price: Map[int, int]                   # the clearing price (0 if none)
    slot_conditions: Map[int, int]              # the largest minimum reputation posted
    open_buys: Map[int, Map[address, int]]      # slot -> owner -> open buy orders
    open_sells: Map[int, Map[address, int]]
    export_used: Map[int, Map[address, int]]    # slot -> seller -> export already counted

    trades: int                         # trade ids are 1, 2, 3, ...
    trade_buyer: Map[int, address]
    trade_order: Map[int, int]          # the sell order (the seller is its owner)
    trade_buy_order: Map[int, int]      # the buy order (0 for a direct take)
    trade_quantity: Map[int, int]
    trade_price: Map[int, int]          # what the buyer pays per kWh
    trade_seller_price: Map[int, int]   # what the seller receives per kWh

    Deposited = Event(account=address, amount=int, free=int)
    Withdrawn = Event(account=address, amount=int, free=int)
    OrderPosted = Event(order=int, owner=address, side=int, quantity_wh=int, price=int,
                        slot=int, min_reputation=int, locked=int)
    Cancelled = Event(order=int, owner=address, released=int)
    Taken = Event(order=int, taker=address, quantity_wh=int, left_wh=int)
    Trade = Event(trade=int, slot=int, buy_order=int, sell_order=int, buyer=address,
                  seller=address, quantity_wh=int, price=int, seller_price=int)
    Released = Event(order=int, owner=address, amount=int)
    Cleared = Event(slot=int, trades=int, traded_wh=int, price=int, surplus=int)
    Settled = Event(trade=int, seller=address, buyer=address, delivered_wh=int,
                    shortfall_wh=int, paid=int, penalty=int)
    SlotSettled = Event(slot=int, trades=int, penalties=int)
    Curtailed = Event(trade=int, slot=int, traded_wh=int, accepted_wh=int, refund=int,
                      released=int, authority=address)

    def __init__(self, registry: address, oracle: address, reputation: address, mechanism: int,
                 k_numerator: int, k_denominator: int, feed_in: int, retail: int,
                 genesis_time: int, utility: address, community_fund: address,
                 max_orders: int):
        require(mechanism >= UNIFORM_PRICE and mechanism <= MCAFEE,
                "mechanism is 1 (uniform price), 2 (pay-as-bid) or 3 (McAfee)")
        require(k_denominator > 0 and k_numerator >= 0 and k_numerator <= k_denominator,
                "k must be a fraction in [0, 1]")
        require(feed_in >= 0 and feed_in <= retail, "tariffs need 0 <= feed_in <= retail")
        require(max_orders > 0, "a slot must take at least one order")
        self.registry = registry
        self.oracle = oracle
        self.reputation = reputation
        self.mechanism = mechanism
        self.k_numerator = k_numerator
        self.k_denominator = k_denominator
        self.feed_in = feed_in
        self.retail = retail
        self.genesis_time = genesis_time
        self.utility = utility
        self.community_fund = community_fund
        self.max_orders = max_orders

    # --- who may trade, and when --------------------------------------------------------

    def account(self) -> address:
        # the account msg.sender signs for: its household once it rotated its key
        who = Identity(self.registry).account_of(msg.sender)
        require(who != address(0), "that key was replaced by a new one")
        return who

    def trader(self) -> address:
        # the household msg.sender signs for, if it may trade
        who = self.account()
        status = Identity(self.registry).status_of(who)
        require(status != REVOKED, "household revoked")
        require(status == HOUSEHOLD, "not a registered household")
        return who

    def gate(self, slot: int) -> int:
        return self.genesis_time + SLOT * (slot - 1)

    @public
    def gate_of(self, slot: int) -> int:
        return self.gate(slot)

    @public
    def free_of(self, who: address) -> int:
        return self.free[who]

    # --- money in and out ---------------------------------------------------------------

    @payable
    def deposit(self):
        who = self.trader()
        require(msg.value > 0, "send tokens to deposit")
        self.free[who] += msg.value
        emit(Deposited(who, msg.value, self.free[who]))

    @public
    def withdraw(self, amount: int):
        who = self.account()
        require(amount > 0, "withdraw a positive amount")
        require(amount <= self.free[who], "not enough free deposit")
        self.free[who] -= amount
        send(msg.sender, amount)
        emit(Withdrawn(who, amount, self.free[who]))

    # --- the book -----------------------------------------------------------------------

    @public
    def post(self, side: int, quantity_wh: int, price: int, slot: int,
             min_reputation: int) -> int:
        who = self.trader()
        require(side == BUY or side == SELL, "side is 1 (buy) or 2 (sell)")
        require(quantity_wh > 0, "quantity must be positive")
        require(price >= self.feed_in and price <= self.retail, "price outside the tariff band")
        require(min_reputation >= 0 and min_reputation <= MAX_MIN_REPUTATION,
                "min_reputation must be 0 to 5000")
        require(block.timestamp < self.gate(slot), "the slot's gate has closed")
        lock = 0
        if side == BUY:
            require(self.open_sells[slot][who] == 0, "self-trade: you sell in this slot")
            lock = quantity_wh * price // 1000
            self.open_buys[slot][who] += 1
        else:
            require(self.open_buys[slot][who] == 0, "self-trade: you buy in this slot")
            lock = quantity_wh * self.retail // 1000
            self.open_sells[slot][who] += 1
        require(lock <= self.free[who], "not enough free deposit")
        if min_reputation > self.slot_conditions[slot]:
            self.slot_conditions[slot] = min_reputation
        return self.add_order(who, side, quantity_wh, quantity_wh, price, slot, min_reputation,
                              OPEN, lock)

    def add_order(self, who: address, side: int, quantity_wh: int, left: int, price: int,
                  slot: int, min_reputation: int, status: int, lock: int) -> int:
        # the order joins the slot's book, its escrow or bond locked from the free deposit
        count = self.slot_order_count[slot]
        require(count < self.max_orders, "the slot's book is full")
        self.free[who] -= lock
        order = self.orders + 1
        self.orders = order
        self.owner[order] = who
        self.side[order] = side
        self.quantity[order] = quantity_wh
        self.left[order] = left
        self.price[order] = price
        self.slot_of[order] = slot
        self.min_reputation[order] = min_reputation
        self.status[order] = status
        self.locked[order] = lock
        self.slot_orders[slot][count] = order
        self.slot_order_count[slot] = count + 1
        emit(OrderPosted(order, who, side, quantity_wh, price, slot, min_reputation, lock))
        return order

    @public
    def take(self, order: int, quantity_wh: int) -> int:
        buyer = self.trader()
        require(self.side[order] == SELL and self.status[order] == OPEN
                and self.left[order] > 0, "no such open offer")
        slot = self.slot_of[order]
        require(block.timestamp < self.gate(slot), "the slot's gate has closed")
        require(quantity_wh > 0, "quantity must be positive")
        left = self.left[order]
        require(quantity_wh <= left, "the offer has less left")
        seller = self.owner[order]
        require(seller != buyer, "self-trade: this is your own offer")
        minimum = self.min_reputation[order]
        if minimum > 0:
            require(Reputation(self.reputation).score(buyer) >= minimum,
                    "your reputation is below the offer's minimum")
        price = self.price[order]
        amount = quantity_wh * price // 1000
        require(amount <= self.free[buyer], "not enough free deposit")
        self.free[buyer] -= amount
        left -= quantity_wh
        self.left[order] = left
        if left == 0:
            self.open_sells[slot][seller] -= 1
        emit(Taken(order, buyer, quantity_wh, left))
        return self.record_take(slot, buyer, 0, order, quantity_wh, price)

    @public
    def take_bid(self, order: int, quantity_wh: int) -> int:
        seller = self.trader()
        require(self.side[order] == BUY and self.status[order] == OPEN
                and self.left[order] > 0, "no such open bid")
        slot = self.slot_of[order]
        require(block.timestamp < self.gate(slot), "the slot's gate has closed")
        require(quantity_wh > 0, "quantity must be positive")
        left = self.left[order]
        require(quantity_wh <= left, "the bid has less left")
        buyer = self.owner[order]
        require(buyer != seller, "self-trade: this is your own bid")
        minimum = self.min_reputation[order]
        if minimum > 0:
            require(Reputation(self.reputation).score(seller) >= minimum,
                    "your reputation is below the bid's minimum")
        bond = quantity_wh * self.retail // 1000
        require(bond <= self.free[seller], "not enough free deposit")
        price = self.price[order]
        sell = self.add_order(seller, SELL, quantity_wh, 0, price, slot, 0, FILLED, bond)
        self.locked[order] -= quantity_wh * price // 1000      # from escrow into the trade
        left -= quantity_wh
        self.left[order] = left
        if left == 0:
            self.open_buys[slot][buyer] -= 1
        emit(Taken(order, seller, quantity_wh, left))
        return self.record_take(slot, buyer, order, sell, quantity_wh, price)

    def record_take(self, slot: int, buyer: address, buy_order: int, sell_order: int,
                    quantity_wh: int, price: int) -> int:
        # a direct trade is recorded at once, before the auction's trades of its slot
        trade = self.trades + 1
        self.trades = trade
        self.record_trade(trade, slot, self.slot_trade_count[slot], buyer, buy_order,
                          sell_order, quantity_wh, price, price)
        self.slot_trade_count[slot] += 1
        emit(Trade(trade, slot, buy_order, sell_order, buyer, self.owner[sell_order],
                   quantity_wh, price, price))
        return trade

    @public
    def cancel(self, order: int):
        who = self.account()
        require(self.owner[order] == who, "only the owner cancels")
        require(self.status[order] == OPEN and self.left[order] > 0, "the order is not open")
        slot = self.slot_of[order]
        require(block.timestamp < self.gate(slot), "the slot's gate has closed")
        release = 0
        if self.side[order] == BUY:
            release = self.locked[order]
            self.open_buys[slot][who] -= 1
        else:
            release = self.left[order] * self.retail // 1000
            self.open_sells[slot][who] -= 1
        self.locked[order] -= release
        self.free[who] += release
        self.left[order] = 0
        self.status[order] = CANCELLED
        emit(Cancelled(order, who, release))

    def record_trade(self, trade: int, slot: int, index: int, buyer: address, buy_order: int,
                     sell_order: int, quantity_wh: int, price: int, seller_price: int):
        self.slot_trades[slot][index] = trade
        self.trade_buyer[trade] = buyer
        self.trade_buy_order[trade] = buy_order
        self.trade_order[trade] = sell_order
        self.trade_quantity[trade] = quantity_wh
        self.trade_price[trade] = price
        self.trade_seller_price[trade] = seller_price

    # --- clearing at gate closure -------------------------------------------------------

    @public
    def clear(self, slot: int):
        require(slot >= 0, "no such slot")
        require(block.timestamp >= self.gate(slot), "the slot's gate is still open")
        require(self.slot_state[slot] == 0, "slot already cleared")
        self.slot_state[slot] = CLEARED
        # 1. the open book, as sort keys: bids by price down, asks by price up, then position
        n = self.slot_order_count[slot]
        ids = [0] * n
        bid_keys = [0] * n
        ask_keys = [0] * n
        nb = 0
        na = 0
        for i in range(n):
            order = self.slot_orders[slot][i]
            ids[i] = order
            if self.left[order] > 0:
                if self.side[order] == BUY:
                    bid_keys[nb] = (self.retail - self.price[order]) * POSITION + i
                    nb += 1
                else:
                    ask_keys[na] = self.price[order] * POSITION + i
                    na += 1
        bid_keys = self.sort(bid_keys, nb)
        ask_keys = self.sort(ask_keys, na)
        # 2. merit order: ids, owners, prices, Wh, minimums and (if needed) scores
        conditioned = self.slot_conditions[slot] > 0
        bids = [0] * nb
        bid_owner = [0] * nb
        bp = [0] * nb
        bq = [0] * nb
        bm = [0] * nb
        bs = [0] * nb
        for i in range(nb):
            order = ids[bid_keys[i] % POSITION]
            bids[i] = order
            bp[i] = self.price[order]
            bq[i] = self.left[order]
            bm[i] = self.min_reputation[order]
            if conditioned:
                bs[i] = Reputation(self.reputation).score(self.owner[order])
        asks = [0] * na
        ap = [0] * na
        aq = [0] * na
        am = [0] * na
        ascore = [0] * na
        for j in range(na):
            order = ids[ask_keys[j] % POSITION]
            asks[j] = order
            ap[j] = self.price[order]
            aq[j] = self.left[order]
            am[j] = self.min_reputation[order]
            if conditioned:
                ascore[j] = Reputation(self.reputation).score(self.owner[order])
        # 3. the merit walk, then each pair's prices by the mechanism
        pb = [0] * (nb + na)
        pa = [0] * (nb + na)
        pq = [0] * (nb + na)
        pp = [0] * (nb + na)
        sp = [0] * (nb + na)
        count = self.walk(nb, na, bp, bq, bm, bs, ap, aq, am, ascore, conditioned, pb, pa, pq)
        clearing_price = 0
        if count > 0:
            last_bid = pb[count - 1]
            last_ask = pa[count - 1]
            if self.mechanism == UNIFORM_PRICE:
                clearing_price = ap[last_ask] + (self.k_numerator * (
                    bp[last_bid] - ap[last_ask])) // self.k_denominator
                self.at_price(clearing_price, count, pb, pa, bp, ap, pp, sp)
            elif self.mechanism == PAY_AS_BID:
                for t in range(count):
                    pp[t] = bp[pb[t]]
                    sp[t] = pp[t]
            else:
                bid_k = bp[last_bid]
                ask_k = ap[last_ask]
                bid_next = self.feed_in
                if last_bid + 1 < nb:
                    bid_next = bp[last_bid + 1]
                ask_next = self.retail
                if last_ask + 1 < na:
                    ask_next = ap[last_ask + 1]
                candidate = (bid_next + ask_next) // 2
                if ask_k <= candidate and candidate <= bid_k:
                    clearing_price = candidate
                    self.at_price(candidate, count, pb, pa, bp, ap, pp, sp)
                else:
                    count = self.walk(last_bid, last_ask, bp, bq, bm, bs, ap, aq, am, ascore,
                                      conditioned, pb, pa, pq)
                    for t in range(count):
                        pp[t] = bid_k
                        sp[t] = ask_k
        # 4. record the trades
        paid = [0] * nb
        sold = [0] * na
        surplus = 0
        traded = 0
        first = self.trades + 1
        index = self.slot_trade_count[slot]
        for t in range(count):
            i = pb[t]
            j = pa[t]
            q = pq[t]
            amount = q * pp[t] // 1000
            paid[i] += amount
            sold[j] += q
            surplus += amount - q * sp[t] // 1000
            traded += q
            buyer = self.owner[bids[i]]
            self.record_trade(first + t, slot, index + t, buyer, bids[i], asks[j], q, pp[t],
                              sp[t])
            emit(Trade(first + t, slot, bids[i], asks[j], buyer, self.owner[asks[j]], q, pp[t],
                       sp[t]))
        self.trades = first + count - 1
        self.slot_trade_count[slot] = index + count
        # 5. escrow beyond the trades and bonds for unsold Wh go back; surplus to the fund
        for i in range(nb):
            order = bids[i]
            refund = self.locked[order] - paid[i]
            self.locked[order] = 0
            if refund > 0:
                who = self.owner[order]
                self.free[who] += refund
                emit(Released(order, who, refund))
        for j in range(na):
            order = asks[j]
            release = (aq[j] - sold[j]) * self.retail // 1000
            if release > 0:
                self.locked[order] -= release
                who = self.owner[order]
                self.free[who] += release
                emit(Released(order, who, release))
        if surplus > 0:
            self.free[self.community_fund] += surplus
        self.slot_price[slot] = clearing_price
        emit(Cleared(slot, count, traded, clearing_price, surplus))

    def sort(self, keys: list[int], n: int) -> list[int]:
        # bottom-up merge sort of keys[0:n]; returns the list that holds the sorted keys
        src = keys
        dst = [0] * n
        width = 1
        while width < n:
            start = 0
            while start < n:
                mid = min(start + width, n)
                end = min(start + 2 * width, n)
                a = start
                b = mid
                for k in range(start, end):
                    if a < mid and (b >= end or src[a] <= src[b]):
                        dst[k] = src[a]
                        a += 1
                    else:
                        dst[k] = src[b]
                        b += 1
                start = end
            src, dst = dst, src
            width *= 2
        return src

    def walk(self, nb: int, na: int, bp: list[int], bq: list[int], bm: list[int],
             bs: list[int], ap: list[int], aq: list[int], am: list[int], ascore: list[int],
             conditioned: bool, pb: list[int], pa: list[int], pq: list[int]) -> int:
        # each bid in merit order scans the open asks it crosses; trades with eligible ones
        ask_left = [0] * na
        for j in range(na):
            ask_left[j] = aq[j]
        count = 0
        first = 0
        for i in range(nb):
            while first < na and ask_left[first] == 0:
                first += 1
            bid_left = bq[i]
            limit = bp[i]
            need = bm[i]
            have = bs[i]
            j = first
            while j < na and ap[j] <= limit:
                left = ask_left[j]
                if left > 0 and (not conditioned or (ascore[j] >= need and have >= am[j])):
                    q = min(bid_left, left)
                    pb[count] = i
                    pa[count] = j
                    pq[count] = q
                    count += 1
                    bid_left -= q
                    ask_left[j] = left - q
                    if bid_left == 0:
                        break
                j += 1
        return count

    def at_price(self, price: int, count: int, pb: list[int], pa: list[int], bp: list[int],
                 ap: list[int], pp: list[int], sp: list[int]):
        # one price for every pair, clamped into the pair's own limits
        for t in range(count):
            p = min(max(price, ap[pa[t]]), bp[pb[t]])
            pp[t] = p
            sp[t] = p

    # --- grid curtailment between clearing and settlement -------------------------------

    @public
    def curtail(self, trade: int, accepted_wh: int):
        require(Identity(self.registry).is_authority(msg.sender),
                "only an authority curtails")
        require(trade >= 1 and trade <= self.trades, "no such trade")
        order = self.trade_order[trade]
        slot = self.slot_of[order]
        require(self.slot_state[slot] != 0, "slot not cleared")
        require(self.slot_state[slot] == CLEARED, "slot already settled")
        q = self.trade_quantity[trade]
        require(accepted_wh >= 0 and accepted_wh <= q,
                "accepted Wh must be 0 to what the trade holds")
        price = self.trade_price[trade]
        seller_price = self.trade_seller_price[trade]
        refund = q * price // 1000 - accepted_wh * price // 1000
        held_back = q * seller_price // 1000 - accepted_wh * seller_price // 1000
        fund_back = refund - held_back
        fund = self.community_fund
        require(fund_back <= self.free[fund], "the community fund cannot return its surplus")
        self.free[fund] -= fund_back
        buyer = self.trade_buyer[trade]
        self.free[buyer] += refund
        release = (q - accepted_wh) * self.retail // 1000
        self.locked[order] -= release
        seller = self.owner[order]
        self.free[seller] += release
        self.trade_quantity[trade] = accepted_wh
        emit(Curtailed(trade, slot, q, accepted_wh, refund, release, msg.sender))

    # --- settlement after the readings --------------------------------------------------

    @public
    def settle(self, slot: int):
        require(self.slot_state[slot] != 0, "slot not cleared")
        require(self.slot_state[slot] == CLEARED, "slot already settled")
        require(block.timestamp >= self.genesis_time + SLOT * (slot + 1) + WINDOW,
                "the reading window is still open")
        self.slot_state[slot] = SETTLED
        count = self.slot_trade_count[slot]
        penalties = 0
        for t in range(count):
            trade = self.slot_trades[slot][t]
            order = self.trade_order[trade]
            seller = self.owner[order]
            buyer = self.trade_buyer[trade]
            q = self.trade_quantity[trade]
            used = self.export_used[slot][seller]
            exported = MeterOracle(self.oracle).export_of(seller, slot)
            delivered = min(q, exported - used)
            if delivered > 0:
                self.export_used[slot][seller] = used + delivered
            shortfall = q - delivered
            paid = q * self.trade_seller_price[trade] // 1000
            penalty = shortfall * self.retail // 1000
            self.free[seller] += paid
            if penalty > 0:
                self.locked[order] -= penalty
                penalties += penalty
            Reputation(self.reputation).record(trade, buyer, seller, delivered, q)
            emit(Settled(trade, seller, buyer, delivered, shortfall, paid, penalty))
        if penalties > 0:
            self.free[self.utility] += penalties
        n = self.slot_order_count[slot]
        for i in range(n):
            order = self.slot_orders[slot][i]
            if self.side[order] == SELL:
                rest = self.locked[order]
                if rest > 0:
                    self.locked[order] = 0
                    who = self.owner[order]
                    self.free[who] += rest
                    emit(Released(order, who, rest))
        emit(SlotSettled(slot, count, penalties))
