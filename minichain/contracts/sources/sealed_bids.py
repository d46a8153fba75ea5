"""Sealed bids for one lot of energy: commit now, reveal after bidding closes (chapter 13).

In the open order book every order is public from the moment it is sent, and the sealer
decides the order of a block's transactions: whoever seals (or pays the sealer) can see a
good offer being taken and take it first. Here a bid is a **commitment** while bidding is
open:

    commitment = sha256(TAG, this contract, bidder, price, salt)

with a secret random salt, so nobody can read the price from it or try prices until one
fits. After ``commit_end`` each bidder **reveals** price and salt, with the bid's payment
for the lot (``quantity_wh * price // 1000``); the contract recomputes the hash with the
machine's ``SHA256``. The highest revealed price at or above the reserve wins (a tie goes
to the bid revealed first); every other payment, and every revealed bid's deposit, can be
withdrawn.

Each commitment carries a **deposit**, lost to the seller if the bid is never revealed.
Without it a bidder could commit a ladder of prices, watch the others reveal, and reveal
only the rung just above the best: the front-run again, one phase later. With it every
rung left unrevealed costs the deposit.

The contract and the bidder in the hash tie a commitment to this lot and this key: a
commitment copied from another bidder cannot be revealed by the copier. This is a lab
contract: it moves money only (delivery is the market's settlement, chapter 10).
"""

from minichain.vm.lang import *

TAG = 0x7365616c656420626964    # "sealed bid" in ASCII: what this hash is for


class SealedBids:
    seller: address
    quantity_wh: int
    reserve: int                        # the least price, µ€ per kWh
    commit_end: int                     # bidding is open before this time
    reveal_end: int                     # reveals are accepted from commit_end to this time
    deposit: int                        # each commitment's deposit, lost if never revealed
    bids: int                           # bid ids are 1, 2, 3, ...
    bidder: Map[int, address]
    commitment: Map[int, int]
    revealed: Map[int, bool]
    reveals: int
    best_bid: int                       # the winning bid so far (0: none)
    best_price: int
    owed: Map[address, int]             # what each account may withdraw
    finished: bool

    Committed = Event(bid=int, bidder=address)
    Revealed = Event(bid=int, bidder=address, price=int)
    Finished = Event(winner=address, price=int, paid=int, forfeited=int)

    def __init__(self, quantity_wh: int, reserve: int, commit_end: int, reveal_end: int,
                 deposit: int):
        require(quantity_wh > 0, "quantity must be positive")
        require(commit_end < reveal_end, "the reveal window must follow bidding")
        require(deposit >= 0, "the deposit cannot be negative")
        self.seller = msg.sender
        self.quantity_wh = quantity_wh
        self.reserve = reserve
        self.commit_end = commit_end
        self.reveal_end = reveal_end
        self.deposit = deposit

    @payable
    def commit(self, commitment: int) -> int:
        require(block.timestamp < self.commit_end, "bidding has closed")
        require(msg.value == self.deposit, "send exactly the deposit with a bid")
        bid = self.bids + 1
        self.bids = bid
        self.bidder[bid] = msg.sender
        self.commitment[bid] = commitment
        emit(Committed(bid, msg.sender))
        return bid

    @payable
    def reveal(self, bid: int, price: int, salt: int):
        require(block.timestamp >= self.commit_end, "bidding is still open")
        require(block.timestamp < self.reveal_end, "the reveal window has closed")
        require(bid >= 1 and bid <= self.bids, "no such bid")
        require(self.bidder[bid] == msg.sender, "only the bidder reveals a bid")
        require(not self.revealed[bid], "bid already revealed")
        require(sha256(TAG, self.address, msg.sender, price, salt) == self.commitment[bid],
                "the price and salt do not match the commitment")
        require(price > 0, "a price is positive")
        require(msg.value == self.quantity_wh * price // 1000,
                "send the bid's payment with the reveal")
        self.revealed[bid] = True
        self.reveals += 1
        self.owed[msg.sender] += self.deposit
        if price >= self.reserve and price > self.best_price:
            if self.best_bid != 0:
                self.owed[self.bidder[self.best_bid]] += (
                    self.quantity_wh * self.best_price // 1000)
            self.best_bid = bid
            self.best_price = price
        else:
            self.owed[msg.sender] += msg.value
        emit(Revealed(bid, msg.sender, price))

    @public
    def finish(self):
        require(block.timestamp >= self.reveal_end, "the reveal window is still open")
        require(not self.finished, "the lot is already finished")
        self.finished = True
        forfeited = (self.bids - self.reveals) * self.deposit
        paid = 0
        winner = address(0)
        if self.best_bid != 0:
            paid = self.quantity_wh * self.best_price // 1000
            winner = self.bidder[self.best_bid]
        self.owed[self.seller] += paid + forfeited
        emit(Finished(winner, self.best_price, paid, forfeited))

    @public
    def withdraw(self) -> int:
        amount = self.owed[msg.sender]
        require(amount > 0, "nothing to withdraw")
        self.owed[msg.sender] = 0
        send(msg.sender, amount)
        return amount

    @public
    def winner(self) -> address:
        if self.best_bid == 0:
            return address(0)
        return self.bidder[self.best_bid]
