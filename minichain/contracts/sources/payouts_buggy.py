"""Payouts with payment notices, WITH A REENTRANCY BUG: for the attack lab (chapter 13).

Do not use this contract. Sellers' earnings wait here until each seller withdraws them
(``credit`` pays them in). A seller that runs a contract of its own (a home battery's
controller, a bookkeeping contract) can ask to be told when its money leaves:
``set_notice(receiver)``, and ``withdraw`` then calls ``receiver.paid(amount)``, as token
standards with receive hooks do (ERC-777's ``tokensReceived``).

The bug: ``withdraw`` sends the money and calls the receiver *before* it sets what is
owed to zero (an interaction before the effect). A receiver that calls ``withdraw`` again
from inside ``paid`` finds the same amount still owed and is paid again, and again, until
the contract holds nothing: the other sellers' money is gone (``payout_drainer.py`` does
it). ``payouts_fixed.py`` fixes it twice over: effects before interactions, and
``@nonreentrant``.
"""

from minichain.vm.lang import *


class Receiver(Interface):
    def paid(self, amount: int): ...


class Payouts:
    owed: Map[address, int]             # what each seller may withdraw
    notice: Map[address, address]       # whom to tell when a seller's money leaves
    total_owed: int

    Credited = Event(seller=address, amount=int)
    Withdrawn = Event(seller=address, amount=int)

    @payable
    def credit(self, seller: address):
        require(msg.value > 0, "send the amount with the call")
        self.owed[seller] += msg.value
        self.total_owed += msg.value
        emit(Credited(seller, msg.value))

    @public
    def set_notice(self, receiver: address):
        self.notice[msg.sender] = receiver

    @public
    def withdraw(self) -> int:
        amount = self.owed[msg.sender]
        require(amount > 0, "nothing to withdraw")
        send(msg.sender, amount)
        if self.notice[msg.sender] != address(0):
            Receiver(self.notice[msg.sender]).paid(amount)
        self.owed[msg.sender] = 0                          # BUG: too late
        self.total_owed -= amount
        emit(Withdrawn(msg.sender, amount))
        return amount

    @public
    def owed_to(self, seller: address) -> int:
        return self.owed[seller]
