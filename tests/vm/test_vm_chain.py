"""Contracts on a real chain: deploy and call transactions sealed in blocks (chapters 06-07).

Everything goes through ``Chain.build_block`` and ``Chain.add_block`` (which re-executes
every transaction to check the state root), with a non-zero gas price so fees show. A
failed call or deploy must leave the state exactly as "the fee was paid and the nonce
went up", nothing else.
"""

from __future__ import annotations

import pytest

from minichain.chain import GENESIS_TIME, Chain, Genesis
from minichain.contracts import compiled
from minichain.encoding import encode
from minichain.state import State
from minichain.tx import TX_BASE_GAS, DEPLOY_BASE_GAS, Transaction
from minichain.vm import ContractInterface, compile_contract, contract_address, deploy_tx
from minichain.vm.abi import encode_call, selector, encode_words
from minichain.vm.machine import Message
from minichain.vm.opcodes import CODE_DEPOSIT_GAS
from minichain.vm.runtime import deploy_data
from minichain.vm.trace import trace_call
from minichain.wallet import Wallet

ALICE, BOB, CAROL = (Wallet.from_seed(n) for n in ("alice", "bob", "carol"))
OPERATOR = Wallet.from_seed("grid-operator")
PRICE = 2
START = 10_000_000


def new_chain() -> Chain:
    return Chain(Genesis(balances=tuple((w.address, START) for w in (ALICE, BOB, CAROL)),
                         authorities=(OPERATOR.address,)))


def seal(chain: Chain, transactions: list) -> list:
    """Seal one block of transactions that must all be valid; return their receipts."""
    timestamp = chain.head.header.timestamp + 15
    block, rejected = chain.build_block(OPERATOR.key, transactions, timestamp)
    assert rejected == []
    assert chain.add_block(block)
    return chain.receipts[block.hash]


def only_fee_and_nonce(before: State, stx, gas_used: int) -> bytes:
    """The state root after a transaction that changed nothing but its fee and nonce."""
    expected = before.copy()
    expected.sub_balance(stx.tx.sender, gas_used * stx.tx.gas_price)
    expected.add_balance(OPERATOR.address, gas_used * stx.tx.gas_price)
    expected.increment_nonce(stx.tx.sender)
    return expected.root()


@pytest.fixture
def chain_with_escrow():
    chain = new_chain()
    escrow = compiled("escrow")
    stx = deploy_tx(escrow, ALICE, CAROL.address, nonce=0, gas_price=PRICE)
    (receipt,) = seal(chain, [stx])
    assert receipt.success, receipt.error
    return chain, ContractInterface(escrow.abi, receipt.contract_address)


def test_a_deploy_puts_the_code_at_an_address_derived_from_sender_and_nonce():
    chain = new_chain()
    counter = compiled("counter")
    stx = deploy_tx(counter, BOB, nonce=0, gas_price=PRICE)
    (receipt,) = seal(chain, [stx])
    address = contract_address(BOB.address, 0)
    assert receipt.success and receipt.contract_address == address
    assert chain.state.code(address) == counter.code
    assert ContractInterface(counter.abi, address).read(chain.state, "owner") == BOB.address
    # intrinsic (base + deploy + data) + code deposit + the constructor's few instructions
    intrinsic = TX_BASE_GAS + DEPLOY_BASE_GAS + 16 * len(stx.tx.data)
    constructor = receipt.gas_used - intrinsic - CODE_DEPOSIT_GAS * len(counter.code)
    assert 0 < constructor < 2_500
    assert chain.balance(BOB.address) == START - receipt.gas_used * PRICE
    assert contract_address(BOB.address, 1) != address != contract_address(ALICE.address, 0)


def test_calls_return_values_and_events_in_their_receipts():
    chain = new_chain()
    counter = compiled("counter")
    (deployed,) = seal(chain, [deploy_tx(counter, ALICE, nonce=0)])
    c = ContractInterface(counter.abi, deployed.contract_address)
    receipts = seal(chain, [c.call_tx(ALICE, "add", 5, nonce=1),
                            c.call_tx(BOB, "increment", nonce=0),
                            c.call_tx(BOB, "reset", nonce=1)])
    assert [r.success for r in receipts] == [True, True, False]
    assert [c.output("add", receipts[0]), c.output("increment", receipts[1])] == [5, 6]
    assert [str(e) for e in c.events(receipts[1])] == [
        f"Added(by={BOB.address}, amount=1, count=6)"]
    assert receipts[2].error.describe() == "Revert: only the owner can reset"
    assert receipts[2].logs == () and receipts[2].output == ()
    assert c.query(chain.state, "get") == 6


def test_a_reverted_call_changes_only_the_fee_and_the_nonce(chain_with_escrow):
    chain, escrow = chain_with_escrow
    before = chain.state.copy()
    # Bob tries to open a deal with himself as the seller, sending 500 tokens
    stx = escrow.call_tx(BOB, "open_deal", BOB.address, GENESIS_TIME + 10_000, nonce=0,
                         value=500, gas=200_000, gas_price=PRICE)
    (receipt,) = seal(chain, [stx])
    assert not receipt.success and receipt.error.describe() == "Revert: buyer and seller must differ"
    assert receipt.gas_used < 200_000                      # unused gas came back
    assert chain.state.root() == only_fee_and_nonce(before, stx, receipt.gas_used)
    assert chain.balance(BOB.address) == START - receipt.gas_used * PRICE


def test_an_exceptional_halt_burns_all_the_gas_and_changes_only_fee_and_nonce(chain_with_escrow):
    chain, escrow = chain_with_escrow
    before = chain.state.copy()
    stx = escrow.call_tx(BOB, "open_deal", ALICE.address, GENESIS_TIME + 10_000, nonce=0,
                         value=500, gas=TX_BASE_GAS + 16 * 96 + 500, gas_price=PRICE)
    (receipt,) = seal(chain, [stx])
    assert not receipt.success and receipt.error.describe().startswith("OutOfGas: ")
    assert receipt.gas_used == stx.tx.gas
    assert chain.state.root() == only_fee_and_nonce(before, stx, stx.tx.gas)


def test_tokens_sent_with_a_call_reach_the_contract_and_leave_through_send(chain_with_escrow):
    chain, escrow = chain_with_escrow
    opened, = seal(chain, [escrow.call_tx(BOB, "open_deal", ALICE.address,
                                           GENESIS_TIME + 10_000, nonce=0, value=500)])
    assert escrow.output("open_deal", opened) == 1
    assert chain.balance(escrow.address) == 500
    released, = seal(chain, [escrow.call_tx(CAROL, "release", 1, nonce=0)])   # the arbiter
    assert released.success
    assert [str(e) for e in escrow.events(released)] == [
        f"Released(deal=1, seller={ALICE.address}, amount=500)"]
    assert chain.balance(escrow.address) == 0
    assert chain.balance(ALICE.address) == START + 500 - opened_fee(chain, ALICE)


def opened_fee(chain: Chain, wallet: Wallet) -> int:
    """What ``wallet`` paid in fees so far (deploys in the fixture used a gas price)."""
    paid = 0
    for block in chain.canonical_chain():
        for stx, receipt in zip(block.transactions, chain.receipts[block.hash]):
            if stx.tx.sender == wallet.address:
                paid += receipt.gas_used * stx.tx.gas_price
    return paid


def test_a_deploy_of_code_that_does_not_load_fails_and_changes_only_fee_and_nonce():
    chain = new_chain()
    before = chain.state.copy()
    bad = Transaction(sender=ALICE.address, nonce=0, chain_id=1, kind="deploy", to="",
                      data=deploy_data(bytes([0x56, 0x00, 0x09])), gas=100_000,
                      gas_price=PRICE)
    stx = ALICE.sign(bad)
    (receipt,) = seal(chain, [stx])
    assert not receipt.success
    assert receipt.error.describe() == "BadJump: JUMP at pc 0: its target 9 is not a JUMPDEST"
    assert receipt.gas_used == 100_000
    assert chain.state.code(contract_address(ALICE.address, 0)) == b""
    assert chain.state.root() == only_fee_and_nonce(before, stx, 100_000)


def test_a_failing_constructor_leaves_no_contract_behind():
    chain = new_chain()
    before = chain.state.copy()
    stx = deploy_tx(compiled("token"), ALICE, -5, nonce=0, gas_price=PRICE)
    (receipt,) = seal(chain, [stx])
    assert receipt.error.describe() == "Revert: the supply cannot be negative"
    assert chain.state.root() == only_fee_and_nonce(before, stx, receipt.gas_used)


def test_calling_an_address_without_code_fails_for_the_intrinsic_gas_only():
    chain = new_chain()
    before = chain.state.copy()
    stx = ALICE.sign(Transaction(sender=ALICE.address, nonce=0, chain_id=1, kind="call",
                                 to=BOB.address, value=10, data=encode_call("get"),
                                 gas=50_000, gas_price=PRICE))
    (receipt,) = seal(chain, [stx])
    assert not receipt.success and "has no contract code" in receipt.error.describe()
    assert receipt.gas_used == stx.tx.intrinsic_gas()
    assert chain.state.root() == only_fee_and_nonce(before, stx, receipt.gas_used)


def test_the_constructor_cannot_be_called_after_the_deploy(chain_with_escrow):
    chain, escrow = chain_with_escrow
    data = encode_words([selector("__init__"), int(BOB.address, 16)])
    stx = BOB.sign(Transaction(sender=BOB.address, nonce=0, chain_id=1, kind="call",
                               to=escrow.address, data=data, gas=100_000))
    (receipt,) = seal(chain, [stx])
    assert receipt.error.describe() == "Revert: the constructor runs only at deploy"
    assert escrow.read(chain.state, "arbiter") == CAROL.address


def test_gas_and_state_are_the_same_on_every_node_and_in_the_debugger():
    # two independent chains run the same transactions: same receipts, same roots
    results = []
    for _ in range(2):
        chain = new_chain()
        token = compiled("token")
        (deployed,) = seal(chain, [deploy_tx(token, ALICE, 1_000, nonce=0, gas_price=PRICE)])
        t = ContractInterface(token.abi, deployed.contract_address)
        receipts = seal(chain, [t.call_tx(ALICE, "transfer", BOB.address, 10, nonce=1,
                                          gas_price=PRICE),
                                t.call_tx(ALICE, "approve", CAROL.address, 5, nonce=2,
                                          gas_price=PRICE)])
        results.append((encode([deployed] + receipts), chain.state.root(), chain.head_hash))
    assert results[0] == results[1]
    # and the step-by-step debugger charges exactly what the chain charged
    chain = new_chain()
    token = compiled("token")
    seal(chain, [deploy_tx(token, ALICE, 1_000, nonce=0)])
    t = ContractInterface(token.abi, contract_address(ALICE.address, 0))
    stx = t.call_tx(ALICE, "transfer", BOB.address, 10, nonce=1)
    state = chain.state.copy()
    (receipt,) = seal(chain, [stx])
    trace = trace_call(state, token.code, Message(ALICE.address, t.address, 0, stx.tx.data,
                                                  stx.tx.gas - stx.tx.intrinsic_gas()))
    assert trace.result.gas_used == receipt.gas_used - stx.tx.intrinsic_gas()


def test_a_transaction_over_the_block_gas_limit_is_left_out():
    chain = new_chain()
    counter = compiled("counter")
    too_big = deploy_tx(counter, ALICE, nonce=0, gas=chain.genesis.gas_limit + 1)
    block, _ = chain.build_block(OPERATOR.key, [too_big], chain.head.header.timestamp + 15)
    assert block.transactions == ()


SORTER = '''
class Sorter:
    checksum: int

    @public
    def sort(self, n: int, seed: int) -> int:
        prices = [0] * n
        x = seed
        for i in range(n):
            x = (x * 1103515245 + 12345) % 2147483648
            prices[i] = x % 1000
        for i in range(1, n):
            key = prices[i]
            j = i - 1
            while j >= 0 and prices[j] > key:
                prices[j + 1] = prices[j]
                j -= 1
            prices[j + 1] = key
        total = 0
        for i in range(n):
            total += (i + 1) * prices[i]
        self.checksum = total
        return total
'''


def test_sorting_a_thousand_orders_fits_in_one_block():
    # the energy market's clearing must sort ~1,000 orders: one transaction can afford it
    chain = new_chain()
    sorter = compile_contract(SORTER)
    (deployed,) = seal(chain, [deploy_tx(sorter, ALICE, nonce=0)])
    s = ContractInterface(sorter.abi, deployed.contract_address)
    stx = s.call_tx(ALICE, "sort", 1_000, 42, nonce=1, gas=chain.genesis.gas_limit)
    (receipt,) = seal(chain, [stx])
    prices, x = [], 42
    for _ in range(1_000):
        x = (x * 1103515245 + 12345) % 2147483648
        prices.append(x % 1000)
    expected = sum((i + 1) * p for i, p in enumerate(sorted(prices)))
    assert receipt.success and s.output("sort", receipt) == expected
    assert receipt.gas_used < chain.genesis.gas_limit // 2


ORDER_BOOK = '''
MAX_ORDERS = 1000


class OrderBook:
    prices: Array[int, MAX_ORDERS]

    @public
    def add_many(self, n: int, seed: int):
        x = seed
        for i in range(n):
            x = (x * 1103515245 + 12345) % 2147483648
            self.prices.append(x % 1000)

    @public
    def sort_book(self) -> int:
        n = len(self.prices)
        xs = [0] * n
        for i in range(n):
            xs[i] = self.prices[i]
        for i in range(1, n):
            key = xs[i]
            j = i - 1
            while j >= 0 and xs[j] > key:
                xs[j + 1] = xs[j]
                j -= 1
            xs[j + 1] = key
        for i in range(n):
            self.prices[i] = xs[i]
        return n
'''


def test_an_order_book_of_a_thousand_entries_is_stored_and_sorted_within_block_limits():
    chain = new_chain()
    book = compile_contract(ORDER_BOOK)
    (deployed,) = seal(chain, [deploy_tx(book, ALICE, nonce=0)])
    b = ContractInterface(book.abi, deployed.contract_address)
    limit = chain.genesis.gas_limit
    (filled,) = seal(chain, [b.call_tx(ALICE, "add_many", 1_000, 9, nonce=1, gas=limit)])
    (sorted_,) = seal(chain, [b.call_tx(ALICE, "sort_book", nonce=2, gas=limit)])
    assert filled.success and sorted_.success, (filled.error, sorted_.error)
    prices = b.read(chain.state, "prices")
    assert len(prices) == 1_000 and prices == sorted(prices)
    assert filled.gas_used < limit // 4 and sorted_.gas_used < limit
    (full,) = seal(chain, [b.call_tx(ALICE, "add_many", 1, 1, nonce=3)])
    assert full.error.describe() == "Revert: self.prices is full (1000 items)"
