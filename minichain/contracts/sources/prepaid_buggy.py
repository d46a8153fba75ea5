"""Prepaid energy deals, WITH A ROUNDING LEAK: for the attack lab (chapter 13).

Do not use this contract. It is ``prepaid_fixed.py`` with the buyer's refund computed on
its own, for the undelivered Wh, and rounded *up* "in the buyer's favour". The seller's
part is rounded down, so the two parts can add up to 1 µ€ more than the deal locked: the
extra comes out of other buyers' money. A property test finds it (``attacks.rounding``).
"""

from minichain.vm.lang import *


class Prepaid:
    arbiter: address
    deals: int
    held: int                           # tokens the contract holds for open deals
    buyer: Map[int, address]
    seller: Map[int, address]
    quantity: Map[int, int]
    price: Map[int, int]
    locked: Map[int, int]
    is_open: Map[int, bool]

    Opened = Event(deal=int, buyer=address, seller=address, quantity_wh=int, price=int,
                   locked=int)
    Confirmed = Event(deal=int, delivered_wh=int, paid=int, refund=int)

    def __init__(self, arbiter: address):
        self.arbiter = arbiter

    @payable
    def open(self, seller: address, quantity_wh: int, price: int) -> int:
        require(quantity_wh > 0 and price > 0, "quantity and price must be positive")
        require(seller != msg.sender, "buyer and seller must differ")
        require(msg.value == quantity_wh * price // 1000,
                "send the deal's amount: quantity_wh * price // 1000")
        deal = self.deals + 1
        self.deals = deal
        self.buyer[deal] = msg.sender
        self.seller[deal] = seller
        self.quantity[deal] = quantity_wh
        self.price[deal] = price
        self.locked[deal] = msg.value
        self.is_open[deal] = True
        self.held += msg.value
        emit(Opened(deal, msg.sender, seller, quantity_wh, price, msg.value))
        return deal

    @public
    def confirm(self, deal: int, delivered_wh: int):
        require(msg.sender == self.arbiter, "only the arbiter confirms")
        require(self.is_open[deal], "the deal is not open")
        require(delivered_wh >= 0 and delivered_wh <= self.quantity[deal],
                "delivered Wh must be 0 to the deal's quantity")
        paid = delivered_wh * self.price[deal] // 1000
        q = self.quantity[deal]
        refund = ((q - delivered_wh) * self.price[deal] + 999) // 1000    # BUG: rounded up
        self.is_open[deal] = False
        self.held -= paid + refund
        emit(Confirmed(deal, delivered_wh, paid, refund))
        send(self.seller[deal], paid)
        send(self.buyer[deal], refund)
