"""Energy credits: a token with balances, allowances and a minter (chapter 07).

A household can let a neighbour (or the market contract) spend up to an allowance of its
credits with ``approve`` and ``transfer_from``, the pattern every token standard uses.
"""

from minichain.vm.lang import *


class Token:
    minter: address
    total_supply: int
    balances: Map[address, int]
    allowances: Map[address, Map[address, int]]     # owner -> spender -> amount

    Transfer = Event(sender=address, receiver=address, amount=int)
    Approval = Event(owner=address, spender=address, amount=int)

    def __init__(self, supply: int):
        require(supply >= 0, "the supply cannot be negative")
        self.minter = msg.sender
        self.mint(msg.sender, supply)

    @public
    def balance_of(self, owner: address) -> int:
        return self.balances[owner]

    @public
    def allowance(self, owner: address, spender: address) -> int:
        return self.allowances[owner][spender]

    @public
    def transfer(self, receiver: address, amount: int) -> bool:
        self.move(msg.sender, receiver, amount)
        return True

    @public
    def approve(self, spender: address, amount: int) -> bool:
        require(amount >= 0, "an allowance cannot be negative")
        self.allowances[msg.sender][spender] = amount
        emit(Approval(msg.sender, spender, amount))
        return True

    @public
    def transfer_from(self, owner: address, receiver: address, amount: int) -> bool:
        allowed = self.allowances[owner][msg.sender]
        require(amount <= allowed, "amount is over the allowance")
        self.allowances[owner][msg.sender] = allowed - amount
        self.move(owner, receiver, amount)
        return True

    @public
    def issue(self, receiver: address, amount: int):
        require(msg.sender == self.minter, "only the minter can issue credits")
        self.mint(receiver, amount)

    def mint(self, receiver: address, amount: int):
        require(amount >= 0, "cannot mint a negative amount")
        self.balances[receiver] += amount
        self.total_supply += amount
        emit(Transfer(address(0), receiver, amount))

    def move(self, sender: address, receiver: address, amount: int):
        require(amount >= 0, "cannot send a negative amount")
        require(self.balances[sender] >= amount, "not enough credits")
        self.balances[sender] -= amount
        self.balances[receiver] += amount
        emit(Transfer(sender, receiver, amount))
