"""Checks for the chapter 02 exercises: nonces, affordability, the fee, a pure transfer, the bad one.

Each checker compares the learner's function with the library's rules on a few cases and
recognises the usual wrong turns (the two nonce errors swapped, the fee forgotten, the gas
limit charged instead of the gas used, the inputs changed in place, a self-payment that
mints money, transactions checked against the starting state instead of one after
another) to give the hint that fixes them. The chapter's three concept questions are
registered here too. Amounts are µ€.
"""

from __future__ import annotations

import copy
from dataclasses import replace

from minichain import cast
from minichain.checks import Mismatch, Mistake, compare, exercise
from minichain.checks.quiz import concept
from minichain.errors import InvalidTransaction, NonceGap, ReplayedNonce
from minichain.execution import BlockContext, apply_transaction
from minichain.state import State
from minichain.tx import DATA_BYTE_GAS, TX_BASE_GAS, SignedTransaction, Transaction
from minichain.wallet import Wallet

ALICE, BOB, CAROL = (cast.wallet(name) for name in ("alice", "bob", "carol"))
SEALER = cast.wallet(cast.GRID_OPERATOR)
CONTEXT = BlockContext(chain_id=1, number=1, timestamp=cast.GENESIS_TIME,
                       sealer=SEALER.address)


def _outcome(fn, *args):
    """What the learner's function did: ("returned", value) or ("raised", error)."""
    try:
        return "returned", fn(*args)
    except NotImplementedError:
        raise
    except Exception as error:
        return "raised", error


# --- check_nonce ---------------------------------------------------------------------------

NONCE_CASES = ((3, 2, ReplayedNonce), (3, 5, NonceGap), (3, 3, None), (0, 0, None),
               (0, 1, NonceGap), (5, 0, ReplayedNonce))


@exercise("check_nonce", chapter=2, title="Accept only the next nonce",
          hint="got < expected: raise ReplayedNonce; got > expected: raise NonceGap; "
               "equal: return without raising")
def check_check_nonce(fn) -> None:
    for expected, got, error in NONCE_CASES:
        call = f"check_nonce(expected={expected}, got={got})"
        kind, result = _outcome(fn, expected, got)
        if error is None:
            if kind == "raised":
                raise Mismatch(f"{call} raised {type(result).__name__}: {result}",
                               "the next nonce is exactly right: return without raising")
            continue
        if kind == "returned":
            raise Mismatch(f"{call} returned {result!r}; expected it to raise {error.__name__}",
                           "a wrong nonce is rejected by raising the typed error, "
                           "e.g. raise ReplayedNonce('...')")
        if type(result) is not error:
            swapped = {ReplayedNonce: NonceGap, NonceGap: ReplayedNonce}[error]
            hint = ("the two are swapped: a nonce below the next one was used already "
                    "(ReplayedNonce); one above it skips ahead (NonceGap)"
                    if isinstance(result, swapped) else
                    "raise the specific class from minichain.errors: ReplayedNonce for a "
                    "used nonce, NonceGap for one that skips ahead")
            raise Mismatch(f"{call} raised {type(result).__name__}; expected {error.__name__}",
                           hint)
        if str(expected) not in str(result):
            raise Mismatch(f"{call} raised {error.__name__}({str(result)!r})",
                           f"say what was expected: the message should name the next nonce, "
                           f"{expected}")


# --- can_afford ----------------------------------------------------------------------------

def _tx(value: int, gas: int = 21_000, gas_price: int = 0, nonce: int = 0,
        sender: Wallet = BOB, to: Wallet = ALICE, data: bytes = b"") -> Transaction:
    return Transaction(sender=sender.address, nonce=nonce, chain_id=1, kind="transfer",
                       to=to.address, value=value, data=data, gas=gas, gas_price=gas_price)


AFFORD_CASES = (
    (1_000, _tx(300), True),
    (300, _tx(300), True),
    (299, _tx(300), False),
    (21_300, _tx(300, gas_price=1), True),
    (21_299, _tx(300, gas_price=1), False),
    (50_000, _tx(300, gas=30_000, gas_price=1), True),
    (21_300, _tx(300, gas=30_000, gas_price=1), False),
    (0, _tx(0), True),
)


AFFORD_MISTAKES = (
    Mistake(lambda balance, tx: balance >= tx.value + tx.intrinsic_gas() * tx.gas_price,
            "the sender must cover the MAXIMUM fee, tx.gas * tx.gas_price (the gas limit), "
            "not only the gas a transfer uses"),
    Mistake(lambda balance, tx: balance >= tx.value,
            "the sender also pays the fee: value + gas * gas_price"),
    Mistake(lambda balance, tx: balance > tx.value + tx.max_fee(),
            "exactly enough is enough: compare with >=, not >"),
)


@exercise("can_afford", chapter=2, title="Can the sender pay?",
          hint="a sender can pay when balance >= tx.value + tx.gas * tx.gas_price")
def check_can_afford(fn) -> None:
    for balance, tx, expected in AFFORD_CASES:
        compare(f"can_afford({balance}, value={tx.value}, gas={tx.gas}, "
                f"gas_price={tx.gas_price})", fn(balance, tx), expected, AFFORD_MISTAKES,
                (balance, tx))


# --- fee_paid ------------------------------------------------------------------------------

READING = b'{"slot":5,"wh":1800}'
FEE_CASES = (
    _tx(60_000),                                             # the street's price: 0
    _tx(60_000, gas_price=1),
    _tx(60_000, gas=50_000, gas_price=3),
    _tx(360_000, gas=30_000, gas_price=2, data=READING),
    _tx(1, gas=1_000_000, gas_price=7, data=bytes(range(256))),
    _tx(5, gas=10**6, gas_price=10**24, data=b"\x00\x01"),   # a huge price: whole numbers only
)

FEE_MISTAKES = (
    Mistake(lambda tx: tx.gas * tx.gas_price,
            "that is the MAXIMUM fee, the gas limit times the price; the sealer is paid only "
            "for the gas a transfer uses (its intrinsic gas), and the rest comes back"),
    Mistake(lambda tx: tx.intrinsic_gas(),
            "that is the gas used; the fee is that gas times tx.gas_price (0 on the street)"),
    Mistake(lambda tx: TX_BASE_GAS * tx.gas_price,
            "the data costs gas too: 16 gas per byte of tx.data on top of the 21,000"),
    Mistake(lambda tx: (TX_BASE_GAS + DATA_BYTE_GAS * len(tx.data.hex())) * tx.gas_price,
            "count the bytes of tx.data (len(tx.data)), not the hex digits that show them"),
)


@exercise("fee_paid", chapter=2, title="The fee the sealer receives",
          hint="a plain transfer uses its intrinsic gas, 21,000 + 16 per byte of tx.data; "
               "the fee is that gas times tx.gas_price")
def check_fee_paid(fn) -> None:
    for tx in FEE_CASES:
        compare(f"fee_paid(gas={tx.gas:,}, gas_price={tx.gas_price:,}, "
                f"{len(tx.data)} bytes of data)", fn(tx),
                tx.intrinsic_gas() * tx.gas_price, FEE_MISTAKES, (tx,))


# --- apply_transfer ------------------------------------------------------------------------

def reference_transfer(balances: dict, nonces: dict, tx: Transaction) -> tuple[dict, dict]:
    """The rule the exercise asks for, written with the library's own state and errors."""
    state = State()
    for address, balance in balances.items():
        state.set_balance(address, balance)
    expected_nonce = nonces.get(tx.sender, 0)
    if tx.nonce != expected_nonce:
        error = ReplayedNonce if tx.nonce < expected_nonce else NonceGap
        raise error(f"nonce {tx.nonce}, expected {expected_nonce}")
    state.transfer(tx.sender, tx.to, tx.value)
    new_nonces = dict(nonces)
    new_nonces[tx.sender] = expected_nonce + 1
    return {a: state.balance(a) for a in state.addresses()}, new_nonces


def _without_zeros(mapping: object) -> object:
    if not isinstance(mapping, dict):
        return mapping
    return {key: value for key, value in mapping.items() if value != 0}


TRANSFER_CASES = (
    ("Bob pays Alice 300", {ALICE.address: 1_000, BOB.address: 1_000},
     {BOB.address: 0}, _tx(300)),
    ("Bob pays Carol, who has no account yet", {ALICE.address: 1_000, BOB.address: 1_000},
     {BOB.address: 1}, _tx(250, nonce=1, to=CAROL)),
    ("Alice pays Alice 100", {ALICE.address: 1_000, BOB.address: 1_000},
     {ALICE.address: 2}, _tx(100, nonce=2, sender=ALICE, to=ALICE)),
    ("Bob's first transaction (no nonce recorded yet)", {BOB.address: 500}, {},
     _tx(500, to=CAROL)),
    ("Bob replays nonce 0", {ALICE.address: 1_000, BOB.address: 700},
     {BOB.address: 1}, _tx(300)),
    ("Bob skips nonce 1", {ALICE.address: 1_000, BOB.address: 700},
     {BOB.address: 1}, _tx(300, nonce=2)),
    ("Bob pays more than he has", {ALICE.address: 1_000, BOB.address: 700},
     {BOB.address: 1}, _tx(701, nonce=1)),
    ("Carol, with no account, pays 1", {ALICE.address: 1_000}, {},
     _tx(1, sender=CAROL)),
)


@exercise("apply_transfer", chapter=2, title="A transfer as a pure function",
          hint="check the nonce (ReplayedNonce / NonceGap) and the balance "
               "(InsufficientFunds) first; then copy both dicts, move the value, "
               "add 1 to the sender's nonce, and return the copies")
def check_apply_transfer(fn) -> None:
    for what, balances, nonces, tx in TRANSFER_CASES:
        given_b, given_n = copy.deepcopy(balances), copy.deepcopy(nonces)
        try:
            expected = reference_transfer(balances, nonces, tx)
        except InvalidTransaction as error:
            expected = error
        kind, result = _outcome(fn, given_b, given_n, tx)
        if (given_b, given_n) != (balances, nonces):
            raise Mismatch(f"{what}: your function changed the dicts it was given",
                           "a pure function leaves its inputs alone: work on copies "
                           "(dict(balances), dict(nonces)) and return them"
                           + ("; and a rejected transfer must change nothing"
                              if isinstance(expected, Exception) else ""))
        if isinstance(expected, Exception):
            if kind == "returned":
                raise Mismatch(f"{what}: returned {result!r}; expected it to raise "
                               f"{type(expected).__name__}",
                               "reject a bad transfer by raising the typed error from "
                               "minichain.errors")
            if type(result) is not type(expected):
                raise Mismatch(f"{what}: raised {type(result).__name__}: {result}; "
                               f"expected {type(expected).__name__}",
                               "a used nonce is ReplayedNonce, a skipped one NonceGap, "
                               "too little money InsufficientFunds (all in minichain.errors)")
            continue
        if kind == "raised":
            raise Mismatch(f"{what}: raised {type(result).__name__}: {result}",
                           "a missing account has balance 0 and nonce 0: use "
                           ".get(address, 0)" if isinstance(result, KeyError) else "")
        if not isinstance(result, tuple) or len(result) != 2:
            raise Mismatch(f"{what}: expected a pair (balances, nonces), got {result!r}",
                           "return both new dicts: return new_balances, new_nonces")
        got_b, got_n = result
        want_b, want_n = expected
        if _without_zeros(got_b) != _without_zeros(want_b):
            hint = ""
            if tx.sender == tx.to:
                hint = ("paying yourself must leave your balance as it was: credit the "
                        "recipient AFTER debiting the sender, reading the updated balance")
            raise Mismatch(f"{what}: expected balances {_named(want_b)}, got {_named(got_b)}",
                           hint)
        if _without_zeros(got_n) != _without_zeros(want_n):
            raise Mismatch(f"{what}: expected nonces {_named(want_n)}, got {_named(got_n)}",
                           "the sender's nonce goes up by one for each applied transfer")


NAMES = {w.address: w.name for w in (ALICE, BOB, CAROL)}


def _named(mapping: object) -> str:
    if not isinstance(mapping, dict):
        return repr(mapping)
    return "{" + ", ".join(f"{NAMES.get(k, k)}: {v}" for k, v in sorted(
        mapping.items(), key=lambda item: NAMES.get(item[0], str(item[0])))) + "}"


# --- find_invalid --------------------------------------------------------------------------

def _funded(**balances: int) -> State:
    state = State()
    for name, balance in balances.items():
        state.set_balance(cast.wallet(name).address, balance)
    state.commit()
    return state


def _invalid_cases() -> list[tuple[str, State, list[SignedTransaction], int | None, str]]:
    """(story, state, transactions, index of the first invalid one, hint)."""
    good = BOB.transfer(ALICE.address, 300, nonce=0)
    tampered = replace(good, tx=replace(good.tx, value=3_000))
    return [
        ("Bob pays Alice, pays Carol, then replays nonce 1", _funded(bob=1_000),
         [good, BOB.transfer(CAROL.address, 200, 1), BOB.transfer(ALICE.address, 100, 1)], 2,
         "apply the transactions one after another with apply_transaction on a copy of "
         "the state, and return the index of the first that raises InvalidTransaction"),
        ("three good transfers", _funded(bob=1_000, alice=500),
         [good, ALICE.transfer(CAROL.address, 400, 0), BOB.transfer(CAROL.address, 700, 1)],
         None, "when every transaction applies, return None"),
        ("Alice spends 400 then 200 out of 500", _funded(alice=500),
         [ALICE.transfer(BOB.address, 400, 0), ALICE.transfer(CAROL.address, 200, 1)], 1,
         "each transaction sees the state the earlier ones left: apply them in order to "
         "ONE copy of the state, don't check each against the starting state"),
        ("a transfer signed for chain 2", _funded(bob=1_000),
         [good, BOB.transfer(ALICE.address, 10, 1, chain_id=2)], 1,
         "use apply_transaction(work, stx, context): it checks the chain id and signature "
         "too"),
        ("Bob's value raised after he signed", _funded(bob=5_000), [tampered, good], 0,
         "use apply_transaction(work, stx, context): it checks the signature too"),
        ("nonce 1 before nonce 0", _funded(bob=1_000),
         [BOB.transfer(ALICE.address, 1, 1), good], 0, ""),
    ]


def _first_invalid_alone(state: State, transactions: list[SignedTransaction]) -> int | None:
    """The answer of the usual mistake: each transaction tried on the starting state."""
    for index, stx in enumerate(transactions):
        try:
            apply_transaction(state.copy(), stx, CONTEXT)
        except InvalidTransaction:
            return index
    return None


@exercise("find_invalid", chapter=2, title="Find the transaction the chain rejects",
          hint="work = state.copy(); for each index, try apply_transaction(work, stx, "
               "context) and return the index where it raises InvalidTransaction; "
               "return None if none does")
def check_find_invalid(fn) -> None:
    for what, state, transactions, expected, hint in _invalid_cases():
        root = state.root()
        got = fn(state, list(transactions), CONTEXT)
        if state.root() != root:
            raise Mismatch(f"{what}: your function changed the state it was given",
                           "try the transactions on state.copy(), never on the state itself")
        if got != expected:
            if got is not None and got == _first_invalid_alone(state, transactions):
                hint = ("each transaction sees the state the earlier ones left: apply them in "
                        "order to ONE copy of the state, don't check each against the "
                        "starting state")
            raise Mismatch(f"{what}: expected {expected!r}, got {got!r}", hint)
        if got is not None and not isinstance(got, int):
            raise Mismatch(f"{what}: expected an index (int), got {got!r}")


# --- concept questions -----------------------------------------------------------------------

concept(2, "Bob has €49.76 and signs two payments of €40 with the same nonce, one to Alice "
           "and one to Carol. What does the chain do?",
        ["it refuses both: the second one is a replay of the first",
         "it applies whichever comes first; the other is refused, because its nonce is used "
         "(a double spend stopped)",
         "it applies both, as long as Bob's balance is positive"],
        answer="b", why="one nonce, one transaction: the two conflict, and the order in the "
                        "chain decides which one counts",
        nudges={"a": "a replay is the SAME signed transaction again; these are two different "
                     "transactions with one nonce, and the first one applied is valid",
                "c": "each transfer is checked against the balance and the nonce left by the "
                     "one before it"})
concept(2, "A transaction is rejected halfway through running. What is left in the state?",
        ["the changes made before the failure; the rest is skipped",
         "everything except the value: the sender still pays the fee",
         "nothing: the state rolls back to its snapshot and its root is exactly as before"],
        answer="c", why="every change is journaled; rollback undoes them newest first, so a "
                        "rejection changes nothing, not even the fee",
        nudges={"a": "half a payment would break conservation; the journal undoes every "
                     "change after the snapshot",
                "b": "a REJECTED transaction changes nothing at all (a contract call that "
                     "reverts is another story: chapter 06)"})
concept(2, "Why does the street count money in µ€ (millionths of a euro) and not in whole "
           "cents?",
        ["a 30 Wh trade at 20 ct/kWh is worth 0.6 ct: in whole cents it would move nothing, "
         "in µ€ it moves 6,000 µ€, and rounding drops less than one µ€",
         "so that balances can be floats with six decimals",
         "because the euro itself has six decimals"],
        answer="a", why="small trades must still move money; with µ€ every trade of 1 Wh or "
                        "more at the feed-in tariff or above pays at least 80 µ€",
        nudges={"b": "money stays an integer everywhere (chapter 01 refuses floats); a small "
                     "unit is what makes integers exact enough",
                "c": "the euro has two decimals (cents); the street's token chose six so that "
                     "small trades still pay"})
