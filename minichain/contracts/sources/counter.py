"""A counter anyone can add to and only its owner can reset (chapter 06).

The smallest useful contract: one number in storage, an owner, an event.
"""

from minichain.vm.lang import *


class Counter:
    count: int
    owner: address

    Added = Event(by=address, amount=int, count=int)
    Reset = Event(by=address)

    def __init__(self):
        self.owner = msg.sender

    @public
    def increment(self) -> int:
        return self.add(1)

    @public
    def add(self, amount: int) -> int:
        require(amount > 0, "add a positive amount")
        self.count += amount
        emit(Added(msg.sender, amount, self.count))
        return self.count

    @public
    def reset(self):
        require(msg.sender == self.owner, "only the owner can reset")
        self.count = 0
        emit(Reset(msg.sender))

    @public
    def get(self) -> int:
        return self.count
