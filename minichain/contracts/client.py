"""The energy market on chain, from Python: deploy, trade, clear, settle, rate, browse (chapters 08-10).

``MarketClient`` is what notebooks and the simulator call. It deploys the four contracts
(identity registry, meter oracle, reputation, market) on a ``Chain``, builds and signs
their transactions with the right nonces, seals them into blocks at the simulated times
you ask for, and reads the contracts' storage back as plain Python objects::

    market = MarketClient.deploy(chain, sealers=[operator], deployer=operator,
                                 authorities=[operator.address], mechanism=UNIFORM_PRICE)
    market.register(alice, alice_meter, bus=1, authority=operator)
    market.deposit(alice, 5_000)
    offer = market.post(alice, SELL, 2_000, price=12, slot=8)     # the order id
    market.take(bob, offer, 500)                                   # a direct trade
    bid = market.post(bob, BUY, 1_000, price=20, slot=8)
    market.take_bid(alice, bid, 400)                               # and the other way
    market.clear(8, by=bob, at=market.gate_closure(8))
    market.submit_reading(alice_meter, 8, export_wh=1_800, import_wh=0, at=market.slot_end(8))
    market.settle(8, by=bob, at=market.window_end(8))
    market.rate(bob, trade_id=1, stars=5)

Every action seals one block and returns what the contract returned; if the contract
refuses, the block is still sealed (fee and nonce spent, nothing else changed) and the
action raises ``Revert`` with the contract's reason (``last_receipt`` has the receipt), and
its ``where`` names the contract, function and source line that refused.
To put many transactions in one block, build them with the ``*_tx`` methods and pass
them to ``seal``, which returns the receipts without raising.

A household keeps its profile true the same way it registered, asking from its key and
attested by an authority: ``swap_meter``, ``move_bus`` (both ``update_profile``) and
``rotate_key``, each one block of two transactions (``ask_update`` / ``attest_update``,
``apply_key`` / ``attest_key`` one at a time). A household is named by its *account*, the
address it first registered with; ``account_of(key)`` and ``key_of(household)`` say which
key signs for it now.

Reading is free: ``orders``, ``offers`` (filtered like ``orders.list_orders``, with the
owners' scores and reliabilities read from the reputation contract), ``trades``,
``trades_of`` (one household's, with what was delivered), ``statement`` (its records over
a range of slots), ``free``, ``score``, ``reliability``, ``reading``, ``slot_state``,
``events`` (of the receipts this client sealed) and ``chain_events`` (of every block).

``sunny_street(names)`` sets up a whole street in one call: a chain sealed by the grid
operator, the three authorities, every household registered with its own meter key and
feeder bus, and an opening deposit at the market.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from minichain import cast
from minichain.chain import BLOCK_GAS_LIMIT, Chain, Genesis
from minichain.contracts import compiled
from minichain.gateway import PERIOD, NetworkGateway, ReplicaView, SoloGateway, street_nodes
from minichain.network import Network
from minichain.poa import Clique
from minichain.market.auction import MCAFEE, PAY_AS_BID, UNIFORM_PRICE
from minichain.market.orders import BUY, SELL, STREET_TARIFFS, Order, Tariffs, list_orders
from minichain.market.statement import Rating, Statement, statement as household_statement
from minichain.market.trades import Trade
from minichain.errors import ABIError, InvalidAuctionParameter, MarketError, Revert
from minichain.receipts import Receipt
from minichain.tx import SignedTransaction
from minichain.vm.abi import DecodedEvent
from minichain.vm.interface import ContractInterface, deploy_tx
from minichain.vm.runtime import contract_address
from minichain.wallet import Wallet

SLOT_SECONDS = 900            # one delivery slot
READING_WINDOW = 3600         # seconds after a slot's end in which meters report
CALL_GAS = 1_000_000          # gas for an ordinary call
MAX_ORDERS_PER_SLOT = 800     # the default cap: even a worst-case book of this size clears
                              # within one 30,000,000-gas block (see benchmarks/bench_auction)
DEPLOY_GAS = 3_000_000
ZERO_ADDRESS = "0x" + "00" * 20
UTILITY_WALLET = cast.UTILITY                 # seeds of the default utility and community fund
COMMUNITY_FUND_WALLET = cast.COMMUNITY_FUND

MECHANISM_CODES = {UNIFORM_PRICE: 1, PAY_AS_BID: 2, MCAFEE: 3}
SIDE_CODES = {BUY: 1, SELL: 2}
SIDE_NAMES = {code: side for side, code in SIDE_CODES.items()}

# Identity registry statuses (``Identity.status_of``).
NOT_REGISTERED, APPLIED, HOUSEHOLD, REVOKED = 0, 1, 2, 3
# Market slot states (``Market.slot_state``) and order statuses (``Market.status``).
SLOT_OPEN, SLOT_CLEARED, SLOT_SETTLED = 0, 1, 2
ORDER_OPEN, ORDER_CANCELLED, ORDER_FILLED = 1, 2, 3

# The contracts' revert reasons, so tests and notebooks can name them.
R_NOT_REGISTERED = "not a registered household"
R_REVOKED = "household revoked"
R_KEY_REPLACED = "that key was replaced by a new one"
R_BAD_SIDE = "side is 1 (buy) or 2 (sell)"
R_BAD_QUANTITY = "quantity must be positive"
R_OUT_OF_BAND = "price outside the tariff band"
R_BAD_MIN_REPUTATION = "min_reputation must be 0 to 5000"
R_GATE_CLOSED = "the slot's gate has closed"
R_SELF_TRADE_BUY = "self-trade: you sell in this slot"
R_SELF_TRADE_SELL = "self-trade: you buy in this slot"
R_SELF_TAKE = "self-trade: this is your own offer"
R_NO_FUNDS = "not enough free deposit"
R_BOOK_FULL = "the slot's book is full"
R_NO_OFFER = "no such open offer"
R_OFFER_TOO_SMALL = "the offer has less left"
R_REPUTATION_TOO_LOW = "your reputation is below the offer's minimum"
R_NO_BID = "no such open bid"
R_BID_TOO_SMALL = "the bid has less left"
R_SELF_TAKE_BID = "self-trade: this is your own bid"
R_BID_REPUTATION_TOO_LOW = "your reputation is below the bid's minimum"
R_NOT_OWNER = "only the owner cancels"
R_NOT_OPEN = "the order is not open"
R_NO_SLOT = "no such slot"
R_GATE_OPEN = "the slot's gate is still open"
R_ALREADY_CLEARED = "slot already cleared"
R_NOT_CLEARED = "slot not cleared"
R_ALREADY_SETTLED = "slot already settled"
R_NOT_AUTHORITY_CURTAIL = "only an authority curtails"
R_NO_TRADE = "no such trade"
R_BAD_CURTAIL = "accepted Wh must be 0 to what the trade holds"
R_FUND_SHORT = "the community fund cannot return its surplus"
R_WINDOW_OPEN = "the reading window is still open"
R_UNREGISTERED_METER = "not a registered meter"
R_SLOT_NOT_OVER = "the slot is not over yet"
R_WINDOW_CLOSED = "the reading window has closed"
R_DUPLICATE_READING = "this slot already has a reading"
R_NOT_SETTLED = "trade not settled"
R_NOT_A_PARTY = "not a party of this trade"
R_BAD_STARS = "stars must be 1 to 5"
R_ALREADY_RATED = "trade already rated"
# ... and the identity registry's: registration and profile updates.
R_AUTHORITY_TRADES = "authorities do not trade"
R_METER_TRADES = "a meter key cannot trade"
R_ALREADY_REGISTERED = "already a registered household"
R_METER_OWN_KEY = "the meter needs its own key"
R_AUTHORITY_METER = "an authority key cannot be a meter"
R_HOUSEHOLD_KEY = "that key belongs to a household"
R_METER_BOUND = "meter already bound to a household"
R_METER_RETIRED = "that meter was retired"
R_BAD_BUS = "the feeder bus is a number >= 1"
R_NOT_AUTHORITY_ATTEST = "only an authority attests"
R_NOT_AUTHORITY_REVOKE = "only an authority revokes"
R_NO_APPLICATION = "no open application"
R_NO_CHANGE = "the update changes nothing"
R_NO_UPDATE = "no open update"
R_NO_KEY_APPLICATION = "no open key application"


# --- time --------------------------------------------------------------------------------

def slot_start(slot: int, genesis_time: int) -> int:
    """When slot ``slot`` begins (slot 0 begins at genesis)."""
    return genesis_time + SLOT_SECONDS * slot


def gate_closure(slot: int, genesis_time: int) -> int:
    """The first moment no order, take or cancel for ``slot`` is accepted: one slot before it."""
    return slot_start(slot, genesis_time) - SLOT_SECONDS


def slot_end(slot: int, genesis_time: int) -> int:
    """When slot ``slot`` ends and its readings may start to arrive."""
    return slot_start(slot + 1, genesis_time)


def window_end(slot: int, genesis_time: int) -> int:
    """When the reading window of ``slot`` closes and it may be settled."""
    return slot_end(slot, genesis_time) + READING_WINDOW


# --- what the client reads back ------------------------------------------------------------

@dataclass(frozen=True)
class OrderView:
    """An order as the market contract holds it."""

    id: int
    owner: str
    side: str
    quantity_wh: int        # when posted
    left_wh: int            # still open (direct takes shrink it, cancelling ends it)
    price: int
    slot: int
    min_reputation: int
    locked: int             # escrow (buy) or bond (sell) it holds now
    status: str             # "open", "taken" (nothing left), "cancelled", "cleared", or
                            # "filled" (a seller's order made by taking a bid)

    def as_order(self) -> Order:
        """The open part as an ``Order`` (for ``list_orders`` and the native auction)."""
        return Order(self.id, self.owner, self.side, self.left_wh, self.price, self.slot,
                     self.min_reputation)


@dataclass(frozen=True)
class Contracts:
    """The deployed contracts, each an interface at its address (the market's two come later)."""

    identity: ContractInterface
    oracle: ContractInterface
    reputation: ContractInterface | None = None
    market: ContractInterface | None = None

    def all(self) -> tuple[ContractInterface, ...]:
        """Those deployed, in deploy order."""
        return tuple(c for c in (self.identity, self.oracle, self.reputation, self.market)
                     if c is not None)


Gateway = SoloGateway | NetworkGateway


class MarketClient:
    """Talks to the energy market's contracts through a gateway: one chain, or the street's nodes."""

    def __init__(self, gateway: Gateway, contracts: Contracts, genesis_time: int,
                 gas_price: int = 0, tariffs: Tariffs = STREET_TARIFFS,
                 mechanism: str = UNIFORM_PRICE, utility: str = "",
                 community_fund: str = "") -> None:
        self.gateway = gateway
        self.contracts = contracts
        self.genesis_time = genesis_time
        self.gas_price = gas_price
        self.tariffs = tariffs
        self.mechanism = mechanism
        self.utility = utility
        self.community_fund = community_fund
        self.receipts: list[Receipt] = []
        self.last_receipt: Receipt | None = None
        self._nonces: dict[str, int] = {}

    @property
    def chain(self) -> Chain:
        """The chain as this client reads it (on the network: the reading node's replica)."""
        return self.gateway.chain

    def on(self, chain: Chain) -> "MarketClient":
        """The same market read from another replica (``chain``: any node's), for reading only."""
        return MarketClient(ReplicaView(chain), self.contracts, self.genesis_time,
                            self.gas_price, self.tariffs, self.mechanism, self.utility,
                            self.community_fund)

    # -- deploying ------------------------------------------------------------------------

    @classmethod
    def deploy_registry(cls, gateway: Gateway, deployer: Wallet, authorities: Sequence[str],
                        at: int | None = None, gas_price: int = 0) -> "MarketClient":
        """Deploy the identity registry and the meter oracle (chapter 08): no market yet."""
        if not 1 <= len(authorities) <= 3:
            raise MarketError(f"the registry takes 1 to 3 authorities, got {len(authorities)}")
        chain = gateway.chain
        genesis_time = chain.genesis.timestamp
        nonce = chain.nonce(deployer.address)
        where = [contract_address(deployer.address, nonce + n) for n in range(2)]
        padded = list(authorities) + [ZERO_ADDRESS] * (3 - len(authorities))
        arguments = (("identity", tuple(padded)),
                     ("meter_oracle", (where[0], genesis_time)))
        transactions = [deploy_tx(compiled(name), deployer, *args, nonce=nonce + n,
                                  gas=DEPLOY_GAS, chain_id=chain.chain_id, gas_price=gas_price)
                        for n, (name, args) in enumerate(arguments)]
        contracts = Contracts(*(ContractInterface(compiled(name).abi, address)
                                for (name, _), address in zip(arguments, where)))
        client = cls(gateway, contracts, genesis_time, gas_price)
        client._deployed(client.seal(transactions, at=at), "deploying the registry")
        return client

    def open_market(self, deployer: Wallet, mechanism: str = UNIFORM_PRICE,
                    tariffs: Tariffs = STREET_TARIFFS, k_numerator: int = 1,
                    k_denominator: int = 2, utility: str | None = None,
                    community_fund: str | None = None, at: int | None = None,
                    max_orders: int = MAX_ORDERS_PER_SLOT) -> None:
        """Deploy reputation and the market on this registry's households (chapter 09)."""
        if mechanism not in MECHANISM_CODES:
            raise InvalidAuctionParameter(f"unknown mechanism {mechanism!r}; choose from "
                                          f"{sorted(MECHANISM_CODES)}")
        if self.contracts.market is not None:
            raise MarketError("this registry already has its market")
        utility = utility or Wallet.from_seed(UTILITY_WALLET).address
        community_fund = community_fund or Wallet.from_seed(COMMUNITY_FUND_WALLET).address
        chain = self.chain
        nonce = max(self._nonces.get(deployer.address, 0), chain.nonce(deployer.address))
        reputation_at, market_at = (contract_address(deployer.address, nonce + n)
                                    for n in range(2))
        arguments = (("reputation", (market_at, self.contracts.identity.address)),
                     ("market", (self.contracts.identity.address, self.contracts.oracle.address,
                                 reputation_at, MECHANISM_CODES[mechanism], k_numerator,
                                 k_denominator, tariffs.feed_in, tariffs.retail,
                                 self.genesis_time, utility, community_fund, max_orders)))
        transactions = [deploy_tx(compiled(name), deployer, *args, nonce=nonce + n,
                                  gas=DEPLOY_GAS, chain_id=chain.chain_id,
                                  gas_price=self.gas_price)
                        for n, (name, args) in enumerate(arguments)]
        self._deployed(self.seal(transactions, at=at), "opening the market")
        self.contracts = replace(
            self.contracts, reputation=ContractInterface(compiled("reputation").abi, reputation_at),
            market=ContractInterface(compiled("market").abi, market_at))
        self.tariffs, self.mechanism = tariffs, mechanism
        self.utility, self.community_fund = utility, community_fund

    @classmethod
    def deploy(cls, gateway: Gateway, deployer: Wallet, authorities: Sequence[str],
               mechanism: str = UNIFORM_PRICE, tariffs: Tariffs = STREET_TARIFFS,
               k_numerator: int = 1, k_denominator: int = 2, utility: str | None = None,
               community_fund: str | None = None, at: int | None = None,
               gas_price: int = 0, max_orders: int = MAX_ORDERS_PER_SLOT) -> "MarketClient":
        """The registry and the market in two blocks (``deploy_registry``, ``open_market``)."""
        if mechanism not in MECHANISM_CODES:
            raise InvalidAuctionParameter(f"unknown mechanism {mechanism!r}; choose from "
                                          f"{sorted(MECHANISM_CODES)}")
        client = cls.deploy_registry(gateway, deployer, authorities, at=at, gas_price=gas_price)
        client.open_market(deployer, mechanism, tariffs, k_numerator, k_denominator, utility,
                           community_fund, max_orders=max_orders)
        return client

    @staticmethod
    def _deployed(receipts: list[Receipt], what: str) -> None:
        for receipt in receipts:
            if not receipt.success:
                raise MarketError(f"{what} failed: {receipt.explain()}")

    # -- time -----------------------------------------------------------------------------

    @property
    def now(self) -> int:
        """The time of the newest block."""
        return self.gateway.now

    def gate_closure(self, slot: int) -> int:
        """From this time on ``slot`` takes no orders, takes or cancels and may be cleared."""
        return gate_closure(slot, self.genesis_time)

    def slot_start(self, slot: int) -> int:
        """When energy for ``slot`` starts to flow."""
        return slot_start(slot, self.genesis_time)

    def slot_end(self, slot: int) -> int:
        """From this time on meters may report ``slot``."""
        return slot_end(slot, self.genesis_time)

    def window_end(self, slot: int) -> int:
        """From this time on readings for ``slot`` are refused and it may be settled."""
        return window_end(slot, self.genesis_time)

    def slot_at(self, timestamp: int) -> int:
        """The slot that contains ``timestamp``."""
        return (timestamp - self.genesis_time) // SLOT_SECONDS

    # -- transactions and blocks ----------------------------------------------------------

    def _next_nonce(self, address: str) -> int:
        nonce = max(self._nonces.get(address, 0), self.chain.nonce(address))
        self._nonces[address] = nonce + 1
        return nonce

    def call_tx(self, contract: ContractInterface, wallet: Wallet, name: str, *args: Any,
                value: int = 0, gas: int = CALL_GAS) -> SignedTransaction:
        """A signed call of ``name(*args)`` on one of the contracts, with the next nonce."""
        return contract.call_tx(wallet, name, *args, nonce=self._next_nonce(wallet.address),
                                value=value, gas=gas, chain_id=self.chain.chain_id,
                                gas_price=self.gas_price)

    def transfer_tx(self, wallet: Wallet, to: str, amount: int) -> SignedTransaction:
        """A plain transfer of the wallet's own tokens (outside the market), next nonce."""
        return wallet.transfer(to, amount, nonce=self._next_nonce(wallet.address),
                               chain_id=self.chain.chain_id, gas_price=self.gas_price)

    def seal(self, transactions: Iterable[SignedTransaction],
             at: int | None = None) -> list[Receipt]:
        """Send ``transactions`` at time ``at`` through the gateway and return their receipts
        once blocks hold them (on one chain: one block, sealed at ``at``). A transaction the
        chain refuses raises its typed error; a reverted call only has a failed receipt."""
        try:
            receipts = self.gateway.send(list(transactions), at=at)
        finally:
            self._nonces.clear()        # from now on the chain's nonces are the truth again
        self.receipts.extend(receipts)
        return receipts

    def advance_to(self, timestamp: int) -> None:
        """Let time reach ``timestamp`` (on one chain: an empty block at that time)."""
        self.gateway.advance_to(timestamp)

    def _send(self, contract: ContractInterface, wallet: Wallet, name: str, *args: Any,
              value: int = 0, gas: int = CALL_GAS, at: int | None = None) -> Any:
        receipt, = self.seal([self.call_tx(contract, wallet, name, *args, value=value,
                                           gas=gas)], at=at)
        self.last_receipt = receipt
        if isinstance(receipt.error, Revert):
            raise receipt.error         # the contract's own refusal, with its source line
        if not receipt.success:
            raise MarketError(f"{name} failed: {receipt.explain()}")
        return contract.output(name, receipt)

    @property
    def block_gas(self) -> int:
        """Default gas for clearing and settling: as much as one block allows."""
        return self.chain.genesis.gas_limit

    # -- identity -------------------------------------------------------------------------

    def apply_tx(self, household: Wallet, meter: str, bus: int) -> SignedTransaction:
        return self.call_tx(self.contracts.identity, household, "apply", meter, bus)

    def attest_tx(self, authority: Wallet, household: str) -> SignedTransaction:
        return self.call_tx(self.contracts.identity, authority, "attest", household)

    def apply(self, household: Wallet, meter: str, bus: int, at: int | None = None) -> None:
        """Layer 1: the household asks from its own key, naming its meter and feeder bus."""
        self._send(self.contracts.identity, household, "apply", meter, bus, at=at)

    def attest(self, authority: Wallet, household: str, at: int | None = None) -> None:
        """Layers 2 and 3: an authority attests the household and binds its meter and bus."""
        self._send(self.contracts.identity, authority, "attest", household, at=at)

    def revoke(self, authority: Wallet, household: str, at: int | None = None) -> None:
        """An authority revokes a household; its meter can no longer report."""
        self._send(self.contracts.identity, authority, "revoke", household, at=at)

    def register(self, household: Wallet, meter: Wallet | str, bus: int, authority: Wallet,
                 at: int | None = None) -> None:
        """Apply and attest in one block (both must succeed)."""
        meter_address = meter if isinstance(meter, str) else meter.address
        self._both([self.apply_tx(household, meter_address, bus),
                    self.attest_tx(authority, household.address)], at)

    def status(self, who: str) -> int:
        """NOT_REGISTERED, APPLIED, HOUSEHOLD or REVOKED."""
        return self.contracts.identity.read(self.chain.state, "status", who)

    def meter_of(self, household: str) -> str:
        """The meter key bound to a household (the zero address if none)."""
        return self.contracts.identity.read(self.chain.state, "meter", household)

    def bus_of(self, household: str) -> int:
        """The feeder bus a household's attestation bound."""
        return self.contracts.identity.read(self.chain.state, "bus", household)

    def account_of(self, key: str) -> str:
        """The household (account) a key signs for: itself unless rotated; zero if replaced."""
        return self.contracts.identity.query(self.chain.state, "account_of", key)

    def key_of(self, household: str) -> str:
        """The key that signs for a household now (its own address until it rotates)."""
        return self.contracts.identity.query(self.chain.state, "key_of", household)

    # -- profile updates: each asked by the household and attested by an authority -------

    def ask_update_tx(self, wallet: Wallet, meter: str, bus: int) -> SignedTransaction:
        return self.call_tx(self.contracts.identity, wallet, "ask_update", meter, bus)

    def attest_update_tx(self, authority: Wallet, household: str) -> SignedTransaction:
        return self.call_tx(self.contracts.identity, authority, "attest_update", household)

    def ask_update(self, wallet: Wallet, meter: str, bus: int, at: int | None = None) -> None:
        """The household asks for a new meter and/or another bus (one of them may stay)."""
        self._send(self.contracts.identity, wallet, "ask_update", meter, bus, at=at)

    def attest_update(self, authority: Wallet, household: str, at: int | None = None) -> None:
        """An authority attests the open update: the meter is swapped and/or the bus moved."""
        self._send(self.contracts.identity, authority, "attest_update", household, at=at)

    def update_profile(self, wallet: Wallet, authority: Wallet, meter: Wallet | str | None = None,
                       bus: int | None = None, at: int | None = None) -> None:
        """Ask and attest in one block (both must succeed); None keeps what is bound now."""
        household = self.account_of(wallet.address)
        meter = self.meter_of(household) if meter is None else meter
        meter_address = meter if isinstance(meter, str) else meter.address
        bus = self.bus_of(household) if bus is None else bus
        self._both([self.ask_update_tx(wallet, meter_address, bus),
                    self.attest_update_tx(authority, household)], at)

    def swap_meter(self, wallet: Wallet, meter: Wallet | str, authority: Wallet,
                   at: int | None = None) -> None:
        """A new meter for the household: the old one is retired and can never report again."""
        self.update_profile(wallet, authority, meter=meter, at=at)

    def move_bus(self, wallet: Wallet, bus: int, authority: Wallet, at: int | None = None) -> None:
        """The household's house now hangs on feeder bus ``bus``."""
        self.update_profile(wallet, authority, bus=bus, at=at)

    def apply_key_tx(self, key: Wallet, household: str) -> SignedTransaction:
        return self.call_tx(self.contracts.identity, key, "apply_key", household)

    def attest_key_tx(self, authority: Wallet, key: str) -> SignedTransaction:
        return self.call_tx(self.contracts.identity, authority, "attest_key", key)

    def apply_key(self, key: Wallet, household: str, at: int | None = None) -> None:
        """A new key asks to sign for ``household`` (its own signature proves it is held)."""
        self._send(self.contracts.identity, key, "apply_key", household, at=at)

    def attest_key(self, authority: Wallet, key: str, at: int | None = None) -> None:
        """An authority attests a key application: from now on that key signs for the household."""
        self._send(self.contracts.identity, authority, "attest_key", key, at=at)

    def rotate_key(self, household: str, key: Wallet, authority: Wallet,
                   at: int | None = None) -> None:
        """Apply and attest a new key in one block (both must succeed); the old key is replaced."""
        self._both([self.apply_key_tx(key, household),
                    self.attest_key_tx(authority, key.address)], at)

    def _both(self, transactions: list[SignedTransaction], at: int | None) -> None:
        receipts = self.seal(transactions, at=at)
        self.last_receipt = receipts[-1]
        for receipt in receipts:
            if not receipt.success:
                raise receipt.error

    # -- money ----------------------------------------------------------------------------

    def deposit_tx(self, wallet: Wallet, amount: int) -> SignedTransaction:
        return self.call_tx(self.contracts.market, wallet, "deposit", value=amount)

    def deposit(self, wallet: Wallet, amount: int, at: int | None = None) -> None:
        """Move ``amount`` tokens from the wallet into its free deposit at the market."""
        self._send(self.contracts.market, wallet, "deposit", value=amount, at=at)

    def withdraw(self, wallet: Wallet, amount: int, at: int | None = None) -> None:
        """Take ``amount`` of the free deposit back to the wallet."""
        self._send(self.contracts.market, wallet, "withdraw", amount, at=at)

    def free(self, account: str) -> int:
        """Tokens ``account`` has free at the market (not locked in orders or trades)."""
        return self.contracts.market.read(self.chain.state, "free", account)

    # -- orders ---------------------------------------------------------------------------

    def post_tx(self, wallet: Wallet, side: str, quantity_wh: int, price: int, slot: int,
                min_reputation: int = 0) -> SignedTransaction:
        if side not in SIDE_CODES:
            raise MarketError(f"side must be 'buy' or 'sell', got {side!r}")
        return self.call_tx(self.contracts.market, wallet, "post", SIDE_CODES[side],
                            quantity_wh, price, slot, min_reputation)

    def post(self, wallet: Wallet, side: str, quantity_wh: int, price: int, slot: int,
             min_reputation: int = 0, at: int | None = None) -> int:
        """Post a buy or sell order for ``slot``; return its id."""
        if side not in SIDE_CODES:
            raise MarketError(f"side must be 'buy' or 'sell', got {side!r}")
        return self._send(self.contracts.market, wallet, "post", SIDE_CODES[side],
                          quantity_wh, price, slot, min_reputation, at=at)

    def take_tx(self, wallet: Wallet, order_id: int, quantity_wh: int) -> SignedTransaction:
        return self.call_tx(self.contracts.market, wallet, "take", order_id, quantity_wh)

    def take(self, wallet: Wallet, order_id: int, quantity_wh: int,
             at: int | None = None) -> int:
        """Buy ``quantity_wh`` of a listed offer at its price now; return the trade id."""
        return self._send(self.contracts.market, wallet, "take", order_id, quantity_wh, at=at)

    def take_bid_tx(self, wallet: Wallet, order_id: int, quantity_wh: int) -> SignedTransaction:
        return self.call_tx(self.contracts.market, wallet, "take_bid", order_id, quantity_wh)

    def take_bid(self, wallet: Wallet, order_id: int, quantity_wh: int,
                 at: int | None = None) -> int:
        """Sell ``quantity_wh`` into a listed bid at its price now (the seller's bond is
        locked in a sell order filled at once); return the trade id."""
        return self._send(self.contracts.market, wallet, "take_bid", order_id, quantity_wh,
                          at=at)

    def cancel_tx(self, wallet: Wallet, order_id: int) -> SignedTransaction:
        return self.call_tx(self.contracts.market, wallet, "cancel", order_id)

    def cancel(self, wallet: Wallet, order_id: int, at: int | None = None) -> None:
        """Withdraw an open order before gate closure; its escrow or bond is freed."""
        self._send(self.contracts.market, wallet, "cancel", order_id, at=at)

    def clear_tx(self, wallet: Wallet, slot: int, gas: int | None = None) -> SignedTransaction:
        return self.call_tx(self.contracts.market, wallet, "clear", slot,
                            gas=gas or self.block_gas)

    def clear(self, slot: int, by: Wallet, at: int | None = None,
              gas: int | None = None) -> None:
        """Clear ``slot``'s book with the market's mechanism (at or after gate closure)."""
        self._send(self.contracts.market, by, "clear", slot, gas=gas or self.block_gas, at=at)

    def curtail_tx(self, wallet: Wallet, trade_id: int, accepted_wh: int,
                   gas: int = CALL_GAS) -> SignedTransaction:
        return self.call_tx(self.contracts.market, wallet, "curtail", trade_id, accepted_wh,
                            gas=gas)

    def curtail(self, wallet: Wallet, trade_id: int, accepted_wh: int,
                at: int | None = None) -> None:
        """An authority cuts a cleared, unsettled trade to ``accepted_wh`` (the grid check)."""
        self._send(self.contracts.market, wallet, "curtail", trade_id, accepted_wh, at=at)

    # -- readings, settlement, ratings ---------------------------------------------------

    def reading_tx(self, meter: Wallet, slot: int, export_wh: int,
                   import_wh: int) -> SignedTransaction:
        return self.call_tx(self.contracts.oracle, meter, "submit", slot, export_wh, import_wh)

    def submit_reading(self, meter: Wallet, slot: int, export_wh: int, import_wh: int,
                       at: int | None = None) -> None:
        """The meter's own key reports a slot's export and import (within the window)."""
        self._send(self.contracts.oracle, meter, "submit", slot, export_wh, import_wh, at=at)

    def settle_tx(self, wallet: Wallet, slot: int, gas: int | None = None) -> SignedTransaction:
        return self.call_tx(self.contracts.market, wallet, "settle", slot,
                            gas=gas or self.block_gas)

    def settle(self, slot: int, by: Wallet, at: int | None = None,
               gas: int | None = None) -> None:
        """Settle ``slot`` against its readings (after the reading window)."""
        self._send(self.contracts.market, by, "settle", slot, gas=gas or self.block_gas, at=at)

    def rate_tx(self, wallet: Wallet, trade_id: int, stars: int) -> SignedTransaction:
        return self.call_tx(self.contracts.reputation, wallet, "rate", trade_id, stars)

    def rate(self, wallet: Wallet, trade_id: int, stars: int, at: int | None = None) -> None:
        """Rate the other party of a settled trade, 1 to 5 stars, once."""
        self._send(self.contracts.reputation, wallet, "rate", trade_id, stars, at=at)

    # -- reading state back -----------------------------------------------------------------

    def _market(self, variable: str, *keys: Any) -> Any:
        return self.contracts.market.read(self.chain.state, variable, *keys)

    def order(self, order_id: int) -> OrderView:
        """One order, read from the market's storage."""
        if not 1 <= order_id <= self._market("orders"):
            raise MarketError(f"there is no order {order_id}")
        read = self._market
        slot = read("slot_of", order_id)
        left = read("left", order_id)
        if read("status", order_id) == ORDER_FILLED:
            status = "filled"
        elif read("status", order_id) == ORDER_CANCELLED:
            status = "cancelled"
        elif self.slot_state(slot) != SLOT_OPEN:
            status = "cleared"
        else:
            status = "open" if left > 0 else "taken"
        return OrderView(order_id, read("owner", order_id), SIDE_NAMES[read("side", order_id)],
                         read("quantity", order_id), left, read("price", order_id), slot,
                         read("min_reputation", order_id), read("locked", order_id), status)

    def orders(self, slot: int | None = None) -> list[OrderView]:
        """Every order (of one slot, if given), by id."""
        if slot is None:
            return [self.order(i) for i in range(1, self._market("orders") + 1)]
        count = self._market("slot_order_count", slot)
        return sorted((self.order(self._market("slot_orders", slot, i)) for i in range(count)),
                      key=lambda view: view.id)

    def offers(self, side: str | None = None, slot: int | None = None,
               max_price: int | None = None, min_price: int | None = None,
               owner: str | None = None, min_quantity: int | None = None,
               reputation: int | None = None, slots: range | None = None,
               min_owner_score: int | None = None,
               min_owner_reliability: int | None = None) -> list[Order]:
        """The open orders anyone can browse, filtered and sorted like ``list_orders``; the
        owners' scores and reliabilities are read from the reputation contract."""
        open_orders = [view.as_order() for view in self.orders(slot) if view.status == "open"]
        owners = sorted({order.owner for order in open_orders})
        scores = ({owner: self.score(owner) for owner in owners}
                  if min_owner_score is not None else None)
        reliabilities = ({owner: self.reliability(owner) for owner in owners}
                         if min_owner_reliability is not None else None)
        return list_orders(open_orders, side=side, slot=slot, max_price=max_price,
                           min_price=min_price, owner=owner, min_quantity=min_quantity,
                           reputation=reputation, slots=slots, min_owner_score=min_owner_score,
                           min_owner_reliability=min_owner_reliability, owner_scores=scores,
                           owner_reliabilities=reliabilities)

    def trade(self, trade_id: int) -> Trade:
        """One trade, read from the market's storage."""
        read = self._market
        if not 1 <= trade_id <= read("trades"):
            raise MarketError(f"there is no trade {trade_id}")
        sell_order = read("trade_order", trade_id)
        return Trade(id=trade_id, slot=read("slot_of", sell_order),
                     buyer=read("trade_buyer", trade_id), seller=read("owner", sell_order),
                     buy_order=read("trade_buy_order", trade_id), sell_order=sell_order,
                     quantity_wh=read("trade_quantity", trade_id),
                     price=read("trade_price", trade_id),
                     seller_price=read("trade_seller_price", trade_id))

    def trades(self, slot: int) -> list[Trade]:
        """A slot's trades in trade order: direct takes first, then the auction's."""
        return [self.trade(self._market("slot_trades", slot, i))
                for i in range(self._market("slot_trade_count", slot))]

    def trades_of(self, household: str, slots: range | None = None) -> list[Trade]:
        """A household's trades (bought or sold) by id, in ``slots`` if given; a settled
        trade carries what its seller delivered (from the market's ``Settled`` events)."""
        if slots is None:
            found = [self.trade(i) for i in range(1, self._market("trades") + 1)]
        else:
            _check_slots(slots)
            found = [trade for slot in slots for trade in self.trades(slot)]
        mine = [trade for trade in found if household in (trade.buyer, trade.seller)]
        delivered = {event["trade"]: event["delivered_wh"]
                     for event in self.chain_events("Settled")} if mine else {}
        return sorted((trade.settled(delivered[trade.id]) if trade.id in delivered else trade
                       for trade in mine), key=lambda trade: trade.id)

    def statement(self, household: str, slots: range) -> Statement:
        """The household's records over ``slots``: its trades with what was delivered, its
        bills, penalties and ratings (``market.statement``), all read from the chain."""
        _check_slots(slots)
        trades = self.trades_of(household, slots)
        bid_takes = {trade.id for trade in trades
                     if not trade.is_take and self.order(trade.sell_order).status == "filled"}
        readings = {slot: reading for slot in slots
                    if (reading := self.reading(household, slot)) is not None}
        ratings = [Rating(e["trade"], e["rater"], e["rated"], e["stars"])
                   for e in self.chain_events("Rated")]
        return household_statement(household, slots, trades, readings, ratings, self.tariffs,
                                   bid_takes)

    def slot_state(self, slot: int) -> int:
        """SLOT_OPEN, SLOT_CLEARED or SLOT_SETTLED."""
        return self._market("slot_state", slot)

    def clearing_price(self, slot: int) -> int:
        """The slot's clearing price (uniform price, McAfee's p0), 0 if there is none."""
        return self._market("slot_price", slot)

    def score(self, who: str) -> int:
        """Reputation score in milli-stars (3000 for a newcomer)."""
        return self.contracts.reputation.query(self.chain.state, "score", who)

    def reliability(self, who: str) -> int:
        """Share of sold energy delivered, per mille (1000 before any sale)."""
        return self.contracts.reputation.query(self.chain.state, "reliability", who)

    def reading(self, household: str, slot: int) -> tuple[int, int] | None:
        """(export Wh, import Wh) reported for the slot, or None without a reading."""
        oracle, state = self.contracts.oracle, self.chain.state
        if not oracle.read(state, "reported", household, slot):
            return None
        return (oracle.read(state, "exported", household, slot),
                oracle.read(state, "imported", household, slot))

    def held(self, accounts: Iterable[str]) -> dict[str, int]:
        """Where the market's tokens are: free deposits of ``accounts``, escrow and bonds of
        open orders, and what unsettled trades hold for their sellers. ``total`` should equal
        the contract's balance (``contract``) when ``accounts`` lists every depositor."""
        views = self.orders()
        free = sum(self.free(account) for account in sorted(set(accounts)))
        escrow = sum(view.locked for view in views if view.side == BUY)
        bonds = sum(view.locked for view in views if view.side == SELL)
        in_trades = 0
        for trade_id in range(1, self._market("trades") + 1):
            trade = self.trade(trade_id)
            if self.slot_state(trade.slot) != SLOT_SETTLED:
                in_trades += (trade.seller_amount if self.slot_state(trade.slot) == SLOT_CLEARED
                              else trade.amount)
        return {"free": free, "escrow": escrow, "bonds": bonds, "in_trades": in_trades,
                "total": free + escrow + bonds + in_trades,
                "contract": self.chain.balance(self.contracts.market.address)}

    def chain_events(self, name: str | None = None) -> list[DecodedEvent]:
        """Every event of the four contracts on the chain this client reads, oldest first:
        what any wallet can rebuild from the blocks, whoever sent the transactions."""
        chain = self.chain
        receipts = (receipt for block in chain.canonical_chain()
                    for receipt in chain.receipts.get(block.hash, ()))
        return self.events(receipts, name)

    def events(self, receipts: Iterable[Receipt] | None = None,
               name: str | None = None) -> list[DecodedEvent]:
        """The contracts' events in the given receipts (default: all this client sealed)."""
        by_address = {contract.address: contract for contract in self.contracts.all()}
        out = []
        for receipt in self.receipts if receipts is None else receipts:
            for log in receipt.logs:
                contract = by_address.get(log.address)
                if contract is None:
                    continue
                out.extend(event for event in contract.abi.decode_logs([log])
                           if name is None or event.name == name)
        return out

    def returned(self, contract: ContractInterface, name: str, receipt: Receipt) -> Any:
        """What a call returned, decoded (raises ``ABIError`` if it failed)."""
        if not receipt.success:
            raise ABIError(f"the call failed: {receipt.explain()}")
        return contract.output(name, receipt)


def _check_slots(slots: range) -> None:
    if not isinstance(slots, range) or slots.step != 1 or slots.start < 0:
        raise MarketError(f"slots must be a range of consecutive slots from 0 on, e.g. "
                          f"range(40, 48), got {slots!r}")


# --- a whole street in one call ----------------------------------------------------------

AUTHORITY_NAMES = cast.AUTHORITIES


@dataclass
class Street:
    """The market deployed and households registered, for notebooks and tests."""

    market: MarketClient
    authorities: tuple[Wallet, ...]         # grid operator, municipality, energy co-op
    households: dict[str, Wallet]           # name -> the key that signs for the household now
    meters: dict[str, Wallet]               # name -> its smart meter's key now
    accounts: dict[str, str] = field(default_factory=dict)   # name -> its account (address)

    def __post_init__(self) -> None:
        for name, wallet in self.households.items():
            self.accounts.setdefault(name, wallet.address)

    @property
    def chain(self) -> Chain:
        """The chain as the market client reads it (on the network: one node's replica)."""
        return self.market.chain

    @property
    def gateway(self) -> Gateway:
        return self.market.gateway

    @property
    def network(self) -> Network | None:
        """The street's nodes, when the street runs on them."""
        return getattr(self.gateway, "network", None)

    @property
    def operator(self) -> Wallet:
        """The grid operator: the first authority."""
        return self.authorities[0]

    def address(self, name: str) -> str:
        """A household's address (its account: the key it first registered with), by name."""
        return self.accounts[name]

    def swap_meter(self, name: str, meter: Wallet, authority: Wallet | None = None,
                   at: int | None = None) -> None:
        """The household gets a new meter, attested by ``authority`` (the grid operator)."""
        self.market.swap_meter(self.households[name], meter, authority or self.operator, at=at)
        self.meters[name] = meter

    def move_bus(self, name: str, bus: int, authority: Wallet | None = None,
                 at: int | None = None) -> None:
        """The household's house now hangs on feeder bus ``bus`` (attested by ``authority``)."""
        self.market.move_bus(self.households[name], bus, authority or self.operator, at=at)

    def rotate_key(self, name: str, key: Wallet, authority: Wallet | None = None,
                   at: int | None = None) -> None:
        """From now on ``key`` signs for the household; its account stays what it was."""
        self.market.rotate_key(self.address(name), key, authority or self.operator, at=at)
        self.households[name] = key


def street_genesis(wallets: Iterable[Wallet], balance: int, authorities: Sequence[Wallet],
                   gas_limit: int = BLOCK_GAS_LIMIT, timestamp: int = cast.GENESIS_TIME) -> Genesis:
    """A genesis that gives each wallet ``balance`` µ€ and names the authorities as its signers."""
    funded = sorted({wallet.address: balance for wallet in wallets}.items())
    return Genesis(timestamp=timestamp, balances=tuple(funded),
                   authorities=tuple(sorted(wallet.address for wallet in authorities)),
                   gas_limit=gas_limit)


def node_choices(households: Sequence[Wallet], meters: Sequence[Wallet]) -> dict[str, str]:
    """Each wallet's node on the street: an authority uses its own; household i hands its
    transactions to authority i mod 3 (grid operator, municipality, energy co-op), and its
    meter uses the same node."""
    choices = {cast.wallet(name).address: name for name in cast.AUTHORITIES}
    for n, (household, meter) in enumerate(zip(households, meters)):
        node = cast.AUTHORITIES[n % len(cast.AUTHORITIES)]
        choices[household.address] = node
        choices[meter.address] = node
    return choices


def street_gateway(genesis: Genesis, households: Sequence[Wallet], meters: Sequence[Wallet],
                   store_dir: str | Path | None = None, seed: int = 0, nodes: bool = True,
                   sealers: Sequence[Wallet] = ()) -> Gateway:
    """The way in: the three authorities' nodes (each with a store in ``store_dir``, a new
    temporary folder when None) or, with ``nodes=False``, one chain sealed by ``sealers``."""
    if not nodes:
        rule = Clique(period=PERIOD) if len(genesis.authorities) > 1 else None
        return SoloGateway(Chain(genesis, rule), list(sealers))
    if store_dir is None:
        store_dir = tempfile.mkdtemp(prefix="sunny-street-")
        network = street_nodes(genesis, store_dir, seed=seed)
        weakref.finalize(network, shutil.rmtree, store_dir, True)
    else:
        network = street_nodes(genesis, store_dir, seed=seed)
    return NetworkGateway(network, node_choices(households, meters))


def sunny_street(names: Sequence[str] = ("alice", "bob", "carol", "dave"),
                 mechanism: str = UNIFORM_PRICE, tariffs: Tariffs = STREET_TARIFFS,
                 k_numerator: int = 1, k_denominator: int = 2, balance: int = 100_000_000,
                 deposit: int = 20_000_000, gas_limit: int = BLOCK_GAS_LIMIT,
                 gas_price: int = 0, max_orders: int = MAX_ORDERS_PER_SLOT, *,
                 nodes: bool = True, store_dir: str | Path | None = None,
                 seed: int = 0, keys: Mapping[str, Wallet] | None = None) -> Street:
    """A registered street with its market open, in three steps as chapter 08 takes them.

    By default the street runs on its three authorities' nodes (``gateway.street_nodes``;
    stores in ``store_dir``, a temporary folder when None). With ``nodes=False`` it is one
    chain sealed by the grid operator alone, for tests of the contracts' rules. Each
    household holds ``balance`` µ€ (the authorities too), applies with its own key naming
    its meter and its feeder bus (house i on bus i // 2 + 1), is attested by authority
    i mod 3, and deposits ``deposit`` at the market. With a ``gas_price`` every sender
    needs enough for gas x price of its transactions. Households come from the cast
    (``cast.wallet``, ``cast.meter``); ``keys`` names others (a benchmark's hundreds):
    name -> key, its meter's key seeded ``<name>-meter``."""
    authorities = tuple(cast.wallet(name) for name in AUTHORITY_NAMES)
    outside = keys or {}
    households = {name: outside[name] if name in outside else cast.wallet(name)
                  for name in names}
    meters = {name: Wallet.from_seed(cast.meter_seed(name)) if name in outside
              else cast.meter(name) for name in names}
    signers = authorities if nodes else authorities[:1]
    genesis = street_genesis([*households.values(), *authorities], balance, signers, gas_limit)
    gateway = street_gateway(genesis, list(households.values()), list(meters.values()),
                             store_dir, seed, nodes, sealers=signers)
    operator = authorities[0]
    market = MarketClient.deploy_registry(gateway, operator,
                                          [wallet.address for wallet in authorities],
                                          gas_price=gas_price)
    market.open_market(operator, mechanism, tariffs, k_numerator, k_denominator,
                       max_orders=max_orders)
    transactions = []
    for n, name in enumerate(names):
        transactions.append(market.apply_tx(households[name], meters[name].address, n // 2 + 1))
        transactions.append(market.attest_tx(authorities[n % 3], households[name].address))
        if deposit:
            transactions.append(market.deposit_tx(households[name], deposit))
    for receipt in market.seal(transactions):
        if not receipt.success:
            raise MarketError(f"setting up the street failed: {receipt.explain()}")
    return Street(market, authorities, households, meters)
