"""Denial of service on the order book: gas griefing and book spam, and their costs (chapter 13).

Clearing a slot costs gas for every order in its book, and a block has a gas limit
(30,000,000). Two ways to stop a slot from trading, on the street's market contract:

* **Gas griefing** (``gas_griefing``): in a market without a cap on a slot's book,
  Mallory posts thousands of 1 Wh bids at the feed-in price (each locks only 80 µ€ of
  escrow). Clearing the slot then needs more gas than a block has: ``clear`` runs out of
  gas in every block, the slot is never cleared, and Alice's and Bob's real orders keep
  their escrow and bond locked for good (after gate closure nobody may cancel). The
  defence is the market's **order cap** (``max_orders``, 800 by default), chosen so that
  even the worst full book clears within one block: her spam stops at the cap and the
  slot clears.
* **Book spam** (``book_spam``): with the cap, Mallory fills the slot's book first, and
  Bob's order is refused ("the slot's book is full"). What stops her is what it costs:
  **fees** (gas x gas price, paid to the sealer), the **escrow and bonds** her orders lock
  (returned after clearing: capital, not a loss), and her **identity**: every spam order
  names her account, and an authority that revokes her stops her next slot (the orders
  she already posted stay and clear as usual).

The measured costs are in the results; the street runs at gas price 0 unless a price is
given, so without fees spam costs Mallory nothing but locked capital.
"""

from __future__ import annotations

from dataclasses import dataclass

from minichain import cast
from minichain.chain import BLOCK_GAS_LIMIT
from minichain.contracts.client import BUY, MAX_ORDERS_PER_SLOT, SELL, Street, sunny_street
from minichain.receipts import Receipt

SLOT = 40                        # the slot Mallory attacks
POST_GAS = 60_000                # the gas each spam transaction offers (a post uses 56,810)
BATCH = 450                      # spam posts per block
SPAM_WH, SPAM_PRICE = 1, cast.FEED_IN      # each spam bid: 1 Wh at 8 ct/kWh, 80 µ€ escrow
NO_CAP = 10 ** 9                 # "no cap": more orders than anyone could post
GRIEF_ORDERS = 4_700             # enough 1 Wh bids that clearing needs more than a block
LAB_BLOCK = 10_000_000           # a lab street with a third of the block, for a quick story:
LAB_CAP = MAX_ORDERS_PER_SLOT // 3             # a third of the cap (266 orders)
LAB_ORDERS = 1_600               # and a flood that a 10,000,000-gas block cannot clear
REAL_WH, BID_PRICE, ASK_PRICE = 2_000, 250_000, 150_000     # Bob's bid, Alice's offer


def dos_street(max_orders: int = MAX_ORDERS_PER_SLOT, gas_price: int = 0,
               gas_limit: int = BLOCK_GAS_LIMIT) -> Street:
    """Alice, Bob and Mallory registered on one chain with the market's cap ``max_orders``
    and blocks of ``gas_limit`` gas."""
    return sunny_street(("alice", "bob", cast.ATTACKER), nodes=False, max_orders=max_orders,
                        gas_price=gas_price, gas_limit=gas_limit)


def spam(street: Street, orders: int, slot: int = SLOT) -> list[Receipt]:
    """Mallory posts ``orders`` 1 Wh bids for ``slot``, ``BATCH`` to a block (fewer if the
    block is small); stops at the first block in which the book refused her."""
    market, mallory = street.market, street.households[cast.ATTACKER]
    receipts: list[Receipt] = []
    per_block = min(BATCH, market.block_gas // POST_GAS)
    while len(receipts) < orders:
        batch = [market.call_tx(market.contracts.market, mallory, "post", 1, SPAM_WH,
                                SPAM_PRICE, slot, 0, gas=POST_GAS)
                 for _ in range(min(per_block, orders - len(receipts)))]
        receipts += market.seal(batch)
        if not receipts[-1].success:
            break
    return receipts


@dataclass(frozen=True)
class Griefing:
    """A slot flooded with spam bids, then cleared (or not)."""

    cap: int
    spam_posted: int             # Mallory's bids the book took
    spam_refused: int
    cleared: bool
    clear_gas: int               # gas the clearing used (all of the block when it failed)
    block_gas: int
    reason: str                  # why clearing failed ("" if it did not)
    stuck: int                   # Alice's bond and Bob's escrow still locked after it

    def __str__(self) -> str:
        cap = "no cap" if self.cap == NO_CAP else f"a cap of {self.cap:,} orders"
        outcome = ("the slot clears" if self.cleared
                   else f"clearing fails ({self.reason}): the slot never clears")
        return (f"{cap}: {self.spam_posted:,} spam bids in the book, {self.spam_refused:,} "
                f"refused; clearing used {self.clear_gas:,} of {self.block_gas:,} gas, "
                f"{outcome}; {self.stuck:,} µ€ of Alice's and Bob's stays locked")


def gas_griefing(cap: int = MAX_ORDERS_PER_SLOT, orders: int = GRIEF_ORDERS,
                 gas_limit: int = BLOCK_GAS_LIMIT) -> Griefing:
    """Alice offers, Bob bids (they would trade); Mallory floods the slot; Bob clears it.
    ``gas_limit`` sets the chain's block (the lab's smaller block, ``LAB_BLOCK``, needs a
    third of the flood and takes a third of the cap: ``LAB_CAP``, ``LAB_ORDERS``)."""
    street = dos_street(max_orders=cap, gas_limit=gas_limit)
    market, people = street.market, street.households
    ask = market.post(people["alice"], SELL, REAL_WH, ASK_PRICE, SLOT)
    bid = market.post(people["bob"], BUY, REAL_WH, BID_PRICE, SLOT)
    receipts = spam(street, orders)
    clear, = market.seal([market.clear_tx(people["bob"], SLOT)], at=market.gate_closure(SLOT))
    stuck = sum(market.order(order).locked for order in (ask, bid)) if not clear.success else 0
    accepted = sum(1 for receipt in receipts if receipt.success)
    return Griefing(cap, accepted, len(receipts) - accepted, clear.success, clear.gas_used,
                    market.block_gas, "" if clear.success else type(clear.error).__name__,
                    stuck)


@dataclass(frozen=True)
class BookSpam:
    """A slot's book filled by Mallory before anyone else posts, and what it cost her."""

    cap: int
    spam_posted: int
    refused: str                 # what the market told Bob
    gas: int                     # gas Mallory's posts used
    fee: int                     # what she paid for it, µ€ (gas x gas price)
    bob_fee: int                 # what Bob paid for his refused order (gas x gas price)
    locked: int                  # escrow her orders locked while the slot was open
    returned: int                # of it, back in her free deposit after clearing
    after_revoke: str            # what the market tells her next post once she is revoked


def book_spam(gas_price: int = 0, cap: int = MAX_ORDERS_PER_SLOT) -> BookSpam:
    """Mallory fills ``SLOT``'s book; Bob is refused; the slot clears; an authority revokes
    Mallory and her next post is refused."""
    street = dos_street(max_orders=cap, gas_price=gas_price)
    market, people = street.market, street.households
    mallory = people[cast.ATTACKER]
    account = street.address(cast.ATTACKER)
    wallet_before, free_before = street.chain.balance(mallory.address), market.free(account)
    receipts = [receipt for receipt in spam(street, cap) if receipt.success]
    fee = wallet_before - street.chain.balance(mallory.address)
    locked = free_before - market.free(account)
    bob, = market.seal([market.post_tx(people["bob"], BUY, REAL_WH, BID_PRICE, SLOT)])
    market.seal([market.clear_tx(people["alice"], SLOT)], at=market.gate_closure(SLOT))
    returned = market.free(account) - (free_before - locked)
    market.revoke(street.operator, account)
    later, = market.seal([market.post_tx(mallory, BUY, SPAM_WH, SPAM_PRICE, SLOT + 8)])
    return BookSpam(cap, len(receipts), str(bob.error), sum(r.gas_used for r in receipts),
                    fee, bob.gas_used * gas_price, locked, returned, str(later.error))


def spam_cost_per_day(gas_per_order: int, gas_price: int,
                      cap: int = MAX_ORDERS_PER_SLOT, slots: int = 96) -> int:
    """µ€ in fees to fill every slot of a day (96 quarter hours) to the cap."""
    return gas_per_order * gas_price * cap * slots


__all__ = ["BookSpam", "GRIEF_ORDERS", "Griefing", "LAB_BLOCK", "LAB_CAP", "LAB_ORDERS",
           "NO_CAP", "SLOT", "SPAM_PRICE", "SPAM_WH", "book_spam", "dos_street", "gas_griefing",
           "spam", "spam_cost_per_day"]
