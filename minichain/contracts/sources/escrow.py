"""Escrow for energy deals: the buyer's payment waits until the delivery is confirmed (chapter 07).

A buyer opens a deal by sending the payment with ``open_deal``. When the meter shows the
energy arrived, the buyer (or the arbiter, say the grid operator reading the meters)
releases the payment to the seller. If nothing is confirmed by the deadline, the buyer
takes the payment back; the arbiter can refund at any time.
"""

from minichain.vm.lang import *

OPEN = 1
RELEASED = 2
REFUNDED = 3


class Escrow:
    arbiter: address
    deals: int
    held: int                       # µ€ the contract holds for open deals
    buyer: Map[int, address]
    seller: Map[int, address]
    amount: Map[int, int]
    deadline: Map[int, int]
    status: Map[int, int]           # 0 none, 1 open, 2 released, 3 refunded

    Opened = Event(deal=int, buyer=address, seller=address, amount=int)
    Released = Event(deal=int, seller=address, amount=int)
    Refunded = Event(deal=int, buyer=address, amount=int)

    def __init__(self, arbiter: address):
        self.arbiter = arbiter

    @payable
    def open_deal(self, seller: address, deadline: int) -> int:
        require(msg.value > 0, "send the payment with the deal")
        require(seller != msg.sender, "buyer and seller must differ")
        require(deadline > block.timestamp, "the deadline must be in the future")
        deal = self.deals + 1
        self.deals = deal
        self.buyer[deal] = msg.sender
        self.seller[deal] = seller
        self.amount[deal] = msg.value
        self.deadline[deal] = deadline
        self.status[deal] = OPEN
        self.held += msg.value
        emit(Opened(deal, msg.sender, seller, msg.value))
        return deal

    @public
    def release(self, deal: int):
        require(self.status[deal] == OPEN, "the deal is not open")
        require(msg.sender == self.buyer[deal] or msg.sender == self.arbiter,
                "only the buyer or the arbiter can release")
        self.status[deal] = RELEASED
        self.held -= self.amount[deal]
        send(self.seller[deal], self.amount[deal])
        emit(Released(deal, self.seller[deal], self.amount[deal]))

    @public
    def refund(self, deal: int):
        require(self.status[deal] == OPEN, "the deal is not open")
        if msg.sender != self.arbiter:
            require(msg.sender == self.buyer[deal], "only the buyer or the arbiter can refund")
            require(block.timestamp > self.deadline[deal], "wait until the deadline has passed")
        self.status[deal] = REFUNDED
        self.held -= self.amount[deal]
        send(self.buyer[deal], self.amount[deal])
        emit(Refunded(deal, self.buyer[deal], self.amount[deal]))

    @public
    def deal_status(self, deal: int) -> int:
        return self.status[deal]
