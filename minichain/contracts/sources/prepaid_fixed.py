"""Prepaid energy deals settled by the metered delivery, rounded once (chapter 13).

A buyer prepays a deal, ``quantity_wh * price // 1000`` µ€ rounded down, as every amount
on the street is (``docs/market_rules.md``). When the meters show how much arrived, the
arbiter (the grid operator) confirms it: the seller is paid for the delivered Wh,
rounded down, and the buyer gets **the rest of what the deal locked**: one rounding,
and the two parts add up to what was locked, always. ``prepaid_buggy.py`` rounds the
refund a second time, up, and leaks.
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
        refund = self.locked[deal] - paid                   # the rest: one rounding
        self.is_open[deal] = False
        self.held -= paid + refund
        emit(Confirmed(deal, delivered_wh, paid, refund))
        send(self.seller[deal], paid)
        send(self.buyer[deal], refund)
