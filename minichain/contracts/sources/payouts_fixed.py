"""Payouts with payment notices, audited: ``payouts_buggy.py``, its reentrancy fixed (chapter 13).

Compare the two files; each fix is marked ``# FIX``, and either one alone stops the
attack (the tests try each):

1. **Checks, effects, interactions.** ``withdraw`` checks, then sets what is owed to zero
   and lowers the total, and only then sends the money and calls the receiver. A receiver
   that calls back finds nothing owed.
2. **A reentrancy lock.** ``@nonreentrant`` makes the compiler wrap the function's entry:
   while it runs, any call back into a guarded function of this contract is refused, so
   the whole attack rolls back.
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
    @nonreentrant                                          # FIX 2
    def withdraw(self) -> int:
        amount = self.owed[msg.sender]
        require(amount > 0, "nothing to withdraw")
        self.owed[msg.sender] = 0                          # FIX 1: the effects first,
        self.total_owed -= amount
        emit(Withdrawn(msg.sender, amount))
        send(msg.sender, amount)                           # then the interactions
        if self.notice[msg.sender] != address(0):
            Receiver(self.notice[msg.sender]).paid(amount)
        return amount

    @public
    def owed_to(self, seller: address) -> int:
        return self.owed[seller]
