"""Checks for the chapter 11 exercises: self-sufficiency, congestion, a baseline bill, an agent,
and the chain a node's store holds.

Each checker holds the learner's answer against the library the simulator itself uses:
``kpis.permille`` and the definition in ``day/kpis.py`` for self-sufficiency,
``grid.LineLoading`` (overloaded means ``|flow| > capacity``) for the congested line,
``units.amount_for`` once per slot for the baseline bill, and a whole market-only day
(``runner.run_day`` on ``native.NativeMarket``) for the learner's bidding agent. The usual
wrong turns get the hint that fixes them: averaging per-slot ratios, rounding down, a
percentage or a fraction instead of per mille, no answer for a street that used nothing;
ignoring flows towards the homes, the largest flow instead of the fullest line, a line at
exactly its capacity, the first overloaded line instead of the worst; rounding once per
day, a reversed sign, swapped tariffs, floats that lose µ€ on large amounts; an agent that
trades nothing, asks too much, or only copies truthful bidding; a store read as the chain
(the block that lost a race included), the chain head first, genesis left out, or half a
chain when a block is missing. The chapter's three concept questions close the module.
"""

from __future__ import annotations

import dataclasses

from fractions import Fraction
from functools import lru_cache
from typing import Any, Callable

from minichain.checks import Mismatch, exercise
from minichain.checks.quiz import concept
from minichain import cast
from minichain.day import kpis
from minichain.day.agents import Truthful
from minichain.microgrid.household import Battery, self_consume
from minichain.day.native import NativeMarket
from minichain.day.records import DayRecord
from minichain.day.runner import run_day
from minichain.market.units import amount_for, format_money
from minichain.errors import MinichainError


def _matching_hint(got: Any, wrong_answers: list[tuple[Callable[[], Any], str]]) -> str:
    """The hint of the first plausible wrong answer that gives what the learner got."""
    for wrong, hint in wrong_answers:
        try:
            if wrong() == got:
                return hint
        except (ArithmeticError, KeyError, ValueError, IndexError, TypeError):
            continue
    return ""


@lru_cache(maxsize=None)
def chapter_day() -> DayRecord:
    """The chapter's market-only day: 12 homes, midsummer, seed 1 (``viz.app.Scenario()``)."""
    from minichain.viz.app import Scenario, run_scenario   # the dashboard layer, loaded late
    return run_scenario(Scenario())


# --- self_sufficiency ------------------------------------------------------------------------

def self_sufficiency_reference(slots: list[tuple[int, int]]) -> int | None:
    """max(0, sum load - sum import) / sum load in per mille, rounded half up; None: no load."""
    load = sum(load_wh for load_wh, _ in slots)
    if load == 0:
        return None
    return kpis.permille(Fraction(max(0, load - sum(i for _, i in slots)), load))


def street_pairs(day: DayRecord) -> list[tuple[int, int]]:
    """The street's (load_wh, Wh from the utility) per slot, summed over the homes.

    From the utility: what the homes imported, and what it supplied to buyers whose seller
    did not deliver (agents bid on forecasts, so a seller can fall short), as
    ``kpis.self_sufficiency`` counts it.
    """
    short = [0] * day.n_slots
    for trade in day.trades:
        short[trade.slot] += trade.quantity_wh - trade.delivered_wh
    return [(sum(r.load_wh for r in day.slot_records(slot)),
             sum(r.utility_import_wh for r in day.slot_records(slot)) + short[slot])
            for slot in range(day.n_slots)]


SUFFICIENCY_CASES: list[tuple[str, Callable[[], list[tuple[int, int]]]]] = [
    ("three slots: 1,000 Wh used, 400 Wh imported",
     lambda: [(400, 100), (300, 300), (300, 0)]),
    ("a share that is not whole per mille (600/1,100)", lambda: [(100, 500), (1_000, 0)]),
    ("exactly half a per mille (1/2,000)", lambda: [(2_000, 1_999)]),
    ("more imported than used (a battery filled from the grid)", lambda: [(200, 900)]),
    ("the chapter's street, all 96 slots", lambda: street_pairs(chapter_day())),
    ("a street that used nothing", lambda: [(0, 0), (0, 0)]),
    ("no slots at all", lambda: []),
]


def _sufficiency_hint(slots: list[tuple[int, int]], got: Any) -> str:
    load = sum(l for l, _ in slots)
    imported = sum(i for _, i in slots)
    if load == 0:
        return ("when the street used nothing there is no share to give: return None "
                "(never divide by zero)")
    share = Fraction(max(0, load - imported), load)
    rated = [Fraction(max(0, l - i), l) for l, i in slots if l]
    return _matching_hint(got, [
        (lambda: kpis.permille(sum(rated, Fraction(0)) / len(rated)),
         "sum the load and the imports over all slots first, then divide once; an average "
         "of per-slot shares gives a quiet slot the same weight as a busy one"),
        (lambda: int(share * 1000),
         "round half up (2 * x + 1) // 2 on the exact fraction, not down: 666.7 ‰ is 667"),
        (lambda: round(share * 100), "answer in per mille (0..1000), not in per cent"),
        (lambda: float(share), "answer in whole per mille (0..1000), not a fraction of one"),
        (lambda: share, "answer in whole per mille (0..1000), not a fraction of one"),
        (lambda: kpis.permille(Fraction(load - imported, load)),
         "the share cannot be negative: use max(0, load - imports)"),
        (lambda: kpis.permille(Fraction(imported, load)),
         "that is the share that came from the utility; self-sufficiency is the rest"),
    ]) or "self-sufficiency = max(0, sum of load - sum of imports) / sum of load, per mille"


@exercise("self_sufficiency", chapter=11, title="Self-sufficiency in per mille",
          hint="sum load and imports over the slots, then max(0, load - imports) * 1000 / load, "
               "rounded half up; None when nothing was used")
def check_self_sufficiency(fn: Callable) -> None:
    for what, make in SUFFICIENCY_CASES:
        slots = make()
        expected = self_sufficiency_reference(slots)
        try:
            got = fn([tuple(pair) for pair in slots])
        except ZeroDivisionError:
            raise Mismatch(f"{what}: your function divided by zero",
                           "when the street used nothing there is no share to give: "
                           "return None") from None
        if got != expected or type(got) is not type(expected):
            raise Mismatch(f"{what}: expected {expected!r}, got {got!r}",
                           _sufficiency_hint(slots, got))


# --- congested_line ---------------------------------------------------------------------------

def congested_reference(flows: dict[str, int], capacities: dict[str, int]) -> str | None:
    """The most overloaded line (|flow| > capacity; the first in ``capacities`` on a tie)."""
    worst = None
    for line, capacity in capacities.items():
        flow = abs(flows[line])
        if flow <= capacity:
            continue
        if worst is None or flow * capacities[worst] > abs(flows[worst]) * capacity:
            worst = line
    return worst


MAIN, SERVICE = 25_000, 6_000
CAPACITIES = {"bus-1": MAIN, "alice": SERVICE, "bob": SERVICE, "bus-2": MAIN,
              "carol": SERVICE, "dave": SERVICE}

CONGESTION_CASES: list[tuple[str, dict[str, int], dict[str, int]]] = [
    ("an ordinary noon: nothing near its limit",
     {"bus-1": 8_000, "alice": 1_100, "bob": 1_500, "bus-2": 5_400, "carol": 1_200,
      "dave": 900}, CAPACITIES),
    ("Bob's connection carries 7 kWh up",
     {"bus-1": 20_000, "alice": 1_000, "bob": 7_000, "bus-2": 12_000, "carol": 1_000,
      "dave": 1_000}, CAPACITIES),
    ("evening: 6.5 kWh flow down to Carol's heat pump (negative flow)",
     {"bus-1": -24_000, "alice": -2_000, "bob": -3_000, "bus-2": -19_000, "carol": -6_500,
      "dave": -1_000}, CAPACITIES),
    ("the main cable carries more Wh, but Dave's thin line is fuller",
     {"bus-1": 30_000, "alice": 2_000, "bob": 2_000, "bus-2": 26_000, "carol": 4_000,
      "dave": 9_000}, CAPACITIES),
    ("two lines over: bus-1 at 120 %, Alice at 150 %",
     {"bus-1": 30_000, "alice": 9_000, "bob": 2_000, "bus-2": 19_000, "carol": 1_000,
      "dave": 1_000}, CAPACITIES),
    ("Bob's line exactly full: full is allowed",
     {"bus-1": 20_000, "alice": 1_000, "bob": 6_000, "bus-2": 13_000, "carol": 1_000,
      "dave": 1_000}, CAPACITIES),
    ("a tie: Alice and Bob both at 125 %",
     {"bus-1": 20_000, "alice": 7_500, "bob": -7_500, "bus-2": 5_000, "carol": 1_000,
      "dave": 1_000}, CAPACITIES),
]


def _congestion_hint(flows: dict[str, int], capacities: dict[str, int], got: Any) -> str:
    lines = list(capacities)
    return _matching_hint(got, [
        (lambda: next((l for l in lines if abs(flows[l]) > capacities[l]), None),
         "when several lines are over, return the most overloaded (largest |flow| / capacity)"),
        (lambda: next((l for l in lines if flows[l] > capacities[l]), None),
         "a flow towards the homes is negative: compare abs(flow) with the capacity"),
        (lambda: max(lines, key=lambda l: abs(flows[l])) if any(
            abs(flows[l]) > capacities[l] for l in lines) else None,
         "the fullest line is the one with the largest |flow| / capacity, not the largest "
         "flow: a house connection is four times thinner than the main cable"),
        (lambda: next((l for l in lines if abs(flows[l]) >= capacities[l]), None),
         "a line may carry exactly its capacity: it congests only when |flow| > capacity"),
        (lambda: max(lines, key=lambda l: abs(flows[l]) / capacities[l]),
         "return None when no line is over its capacity"),
        (lambda: [l for l in lines if abs(flows[l]) > capacities[l] and Fraction(
            abs(flows[l]), capacities[l]) == max(Fraction(abs(flows[k]), capacities[k])
                                                 for k in lines)][-1],
         "on a tie, return the line that comes first in capacities (root first)"),
    ]) or "overloaded: abs(flow) > capacity; the worst: the largest abs(flow) / capacity"


@exercise("congested_line", chapter=11, title="Which line congests?",
          hint="a line congests when abs(flow) > capacity; return the one with the largest "
               "abs(flow) / capacity (the first on a tie), or None")
def check_congested_line(fn: Callable) -> None:
    for what, flows, capacities in CONGESTION_CASES:
        expected = congested_reference(flows, capacities)
        got = fn(dict(flows), dict(capacities))
        if got != expected:
            raise Mismatch(f"{what}: expected {expected!r}, got {got!r}",
                           _congestion_hint(flows, capacities, got))


# --- baseline_bill ----------------------------------------------------------------------------

def baseline_reference(imports: list[int], exports: list[int], retail: int, feed_in: int) -> int:
    """Per slot amount_for(import, retail) - amount_for(export, feed_in), summed."""
    return sum(amount_for(i, retail) - amount_for(x, feed_in) for i, x in zip(imports, exports))


def self_consumption_slots(day: DayRecord, name: str) -> tuple[list[int], list[int]]:
    """A home's imports and exports per slot with no trading (``household.self_consume``)."""
    spec = day.household(name).battery
    battery = Battery(spec, day.initial_stored_wh[day.names.index(name)]) if spec else None
    imports, exports = [], []
    for record in day.household_records(name):
        balance = self_consume(battery, record.pv_wh, record.load_wh, day.slot_seconds)
        battery = balance.battery
        imports.append(balance.import_wh)
        exports.append(balance.export_wh)
    return imports, exports


RETAIL, FEED_IN = cast.RETAIL, cast.FEED_IN      # µ€ per kWh: 32 and 8 ct

BASELINE_CASES: list[tuple[str, Callable[[], tuple[list[int], list[int], int, int]]]] = [
    ("1 kWh imported, then 0.5 kWh exported",
     lambda: ([1_000, 0], [0, 500], RETAIL, FEED_IN)),
    ("tariffs of 12.3457 and 8.0001 ct/kWh: slots that do not come to whole µ€",
     lambda: ([150, 150, 150, 0], [0, 0, 0, 91], 123_457, 80_001)),
    ("a sunny home that exports more than it imports",
     lambda: ([300, 0, 0, 250], [0, 1_200, 1_400, 0], RETAIL, FEED_IN)),
    ("Bob's day on the chapter's street (no trading)",
     lambda: (*self_consumption_slots(chapter_day(), "bob"), RETAIL, FEED_IN)),
    ("Alice's day, with her battery (no trading)",
     lambda: (*self_consumption_slots(chapter_day(), "alice"), RETAIL, FEED_IN)),
    ("a country's yearly use in one slot: 987,654,321,987,654 Wh at 33.3333 ct/kWh",
     lambda: ([987_654_321_987_654], [0], 333_333, FEED_IN)),
]


def _baseline_hint(imports, exports, retail, feed_in, got) -> str:
    if isinstance(got, float):
        return "money is whole µ€: use amount_for (rounds down), never floats"
    return _matching_hint(got, [
        (lambda: amount_for(sum(imports), retail) - amount_for(sum(exports), feed_in),
         "pay every slot on its own: amount_for once per slot (rounded down each time), "
         "then add; rounding once for the whole day gives a different number"),
        (lambda: -baseline_reference(imports, exports, retail, feed_in),
         "the bill is what the home pays: imports cost (+), exports earn (-)"),
        (lambda: baseline_reference(imports, exports, feed_in, retail),
         "imports are paid at retail, exports at the feed-in tariff"),
        (lambda: sum(i * retail - x * feed_in for i, x in zip(imports, exports)),
         "prices are per kWh and quantities in Wh: amount_for(wh, price) = wh * price // 1000"),
        (lambda: sum(int(i * retail / 1000) - int(x * feed_in / 1000)
                     for i, x in zip(imports, exports)),
         "a float holds only about 16 digits, so int(wh * price / 1000) loses µ€ on large "
         "amounts: use amount_for (whole numbers, //), never floats"),
        (lambda: sum(amount_for(i, retail) for i in imports),
         "exports earn money too: subtract amount_for(export, feed_in) per slot"),
    ]) or "bill = sum over slots of amount_for(import, retail) - amount_for(export, feed_in)"


@exercise("baseline_bill", chapter=11, title="The bill without trading",
          hint="per slot amount_for(import, retail) - amount_for(export, feed_in), summed; "
               "amount_for(wh, price) = wh * price // 1000")
def check_baseline_bill(fn: Callable) -> None:
    for what, make in BASELINE_CASES:
        imports, exports, retail, feed_in = make()
        expected = baseline_reference(imports, exports, retail, feed_in)
        got = fn(list(imports), list(exports), retail, feed_in)
        if got != expected or not isinstance(got, int) or isinstance(got, bool):
            raise Mismatch(f"{what}: expected {expected!r}, got {got!r}",
                           _baseline_hint(imports, exports, retail, feed_in, got))


# --- my_agent ------------------------------------------------------------------------------

AGENT_HOUSEHOLD = "carol"      # 10 kWp, no battery (the same home on every street of seed 1)


def agent_scenario():
    """The checker's street: 8 homes, midsummer, seed 1, mixed agents, uniform price."""
    from minichain.viz.app import Scenario
    return Scenario(households=8, seed=1)


def day_with_agent(agent: Any) -> DayRecord:
    """The checker's market-only day with ``agent`` bidding for Carol, everyone else as usual."""
    from minichain.day.scenario import plan
    street = plan(agent_scenario())
    agents = tuple(agent if name == AGENT_HOUSEHOLD else given
                   for name, given in zip(street.names, street.agents))
    return run_day(dataclasses.replace(street, agents=agents), NativeMarket())


@lru_cache(maxsize=None)
def truthful_bill() -> int:
    """Carol's bill on the checker's day when she bids truthfully."""
    return kpis.bill(day_with_agent(Truthful()), AGENT_HOUSEHOLD)


@exercise("my_agent", chapter=11, title="An agent that beats truthful bidding",
          hint="stay near the market: sell a little below the last clearing price "
               "(view.last_price) and buy a little above it, never outside the tariff band; "
               "with no price yet, bid truthfully")
def check_my_agent(fn: Callable) -> None:
    posted: list[Any] = []

    def agent(view: Any) -> Any:
        intents = fn(view)
        posted.extend(intents or [])
        return intents
    agent.__name__ = getattr(fn, "__name__", "my_agent")
    try:
        day = day_with_agent(agent)
    except MinichainError as error:
        raise Mismatch(f"the market refused your agent's orders: {error}",
                       "return a list of OrderIntent(side, quantity_wh, price) with whole "
                       "numbers, a price between view.tariffs.feed_in and view.tariffs.retail, "
                       "and only one side per slot") from None
    records = day.household_records(AGENT_HOUSEHOLD)
    sold = sum(r.sold_wh for r in records)
    bought = sum(r.bought_wh for r in records)
    got, truthful = kpis.bill(day, AGENT_HOUSEHOLD), truthful_bill()
    baseline = kpis.baseline_bill(day, AGENT_HOUSEHOLD)
    if got < truthful:
        return
    what = (f"with your agent {AGENT_HOUSEHOLD.title()}'s bill is {format_money(got)}, with "
            f"truthful bidding {format_money(truthful)} (lower is better; "
            f"{format_money(baseline)} without trading)")
    if not posted:
        raise Mismatch(what + "; your agent posted no orders",
                       "return orders: [OrderIntent(SELL, wh, price)] for a surplus "
                       "(view.residual().export_wh), [OrderIntent(BUY, wh, price)] for a "
                       "shortfall (view.residual().import_wh)")
    offered = sum(intent.quantity_wh for intent in posted)
    if 10 * (sold + bought) <= offered:
        raise Mismatch(what + f"; your agent posted {len(posted)} orders for {offered:,} Wh and "
                       f"only {sold + bought:,} Wh traded",
                       "ask too much and nobody buys (bid too little and nobody sells), so "
                       "the utility takes your surplus at feed-in: stay just below the last "
                       "clearing price (view.last_price) when you sell")
    if got == truthful:
        raise Mismatch(what + "; that is exactly what truthful bidding earns",
                       "change the prices, not the quantities: a seller who asks a little "
                       "more than feed-in can pull the uniform price up")
    raise Mismatch(what + f"; your agent sold {sold:,} Wh and bought {bought:,} Wh",
                   "some of your orders traded and some did not: an offer priced above the "
                   "clearing price goes unsold to the utility at feed-in, one far below it "
                   "pulls the price you are paid down; stay just below view.last_price")


# --- chain_in_store ---------------------------------------------------------------------------

def chain_in_store_reference(stored: list[tuple[int, str, str | None]],
                             head: str) -> list[str] | None:
    """The chain ending at ``head`` (genesis first) by parent links, or None if a block is missing."""
    by_hash = {block_hash: parent for _, block_hash, parent in stored}
    chain, cursor = [], head
    while cursor is not None:
        if cursor not in by_hash:
            return None
        chain.append(cursor)
        cursor = by_hash[cursor]
    return chain[::-1]


def _blocks(*links: str) -> list[tuple[int, str, str | None]]:
    """Stored blocks from "hash<-parent" strings, numbered by their depth below genesis."""
    depth: dict[str, int] = {}
    blocks = []
    for link in links:
        block_hash, _, parent = link.partition("<-")
        depth[block_hash] = depth[parent] + 1 if parent else 0
        blocks.append((depth[block_hash], block_hash, parent or None))
    return blocks


@lru_cache(maxsize=None)
def _midday_store() -> tuple[tuple[tuple[int, str, str | None], ...], str]:
    """A node's store after a short day on the street's nodes: every block, in the order written."""
    import tempfile
    from pathlib import Path

    from minichain.day.onchain import ChainMarket
    from minichain.day.scenario import plan
    from minichain.store import ChainStore
    from minichain.viz.app import Scenario

    street = plan(Scenario(households=4)).window(44, 4)
    street = dataclasses.replace(street, agents=(Truthful(),) * len(street.names))
    with tempfile.TemporaryDirectory() as folder:
        market = ChainMarket(store_dir=folder, seed=1)
        run_day(street, market)
        node = cast.MUNICIPALITY
        stored = ChainStore(Path(folder) / f"{node}.chain").read()
        head = market.gateway.network.nodes[node].chain.head_hash.hex()
    return (tuple((block.number, block.hash.hex(), block.header.parent_hash.hex() if block.number
                   else None) for block in stored), head)


STORE_CASES: list[tuple[str, Callable[[], tuple[list[tuple[int, str, str | None]], str]]]] = [
    ("a store of three blocks in a row", lambda: (_blocks("g", "a<-g", "b<-a"), "b")),
    ("a block #1 that lost a race is stored too",
     lambda: (_blocks("g", "a<-g", "x<-g", "b<-a", "c<-b"), "c")),
    ("the losing block was written first",
     lambda: (_blocks("g", "x<-g", "a<-g", "b<-a"), "b")),
    ("the head is the genesis block", lambda: (_blocks("g", "a<-g"), "g")),
    ("a branch that was reorganised away: the head is on the other one",
     lambda: (_blocks("g", "a<-g", "b<-a", "c<-b", "y<-a", "z<-y", "w<-z"), "w")),
    ("block b is missing from the file", lambda: (_blocks("g", "a<-g") +
                                                   [(3, "c", "b")], "c")),
    ("a node's store after a short day on the street's nodes", _midday_store),
]


def _first_per_number(stored: list[tuple[int, str, str | None]]) -> list[str]:
    """A wrong reading of a store: the first block written at each number, in number order."""
    first: dict[int, str] = {}
    for number, block_hash, _ in stored:
        first.setdefault(number, block_hash)
    return [first[number] for number in sorted(first)]


def _store_hint(stored, head, got) -> str:
    right = chain_in_store_reference(stored, head)
    if isinstance(got, (list, tuple)) and right is None:
        return ("a block of the chain is missing from the store (a parent the file does not "
                "hold): return None, not the part you found")
    return _matching_hint(got, [
        (lambda: [block_hash for _, block_hash, _ in stored],
         "a store keeps every block the node accepted, also blocks that lost a race: follow "
         "the parent links back from the head instead of taking the file as it is"),
        (lambda: right[::-1], "return the chain genesis first: reverse what you collected "
                              "walking back from the head"),
        (lambda: right[1:], "the chain starts at the genesis block: include it (its parent is "
                            "None)"),
        (lambda: list(reversed(right[1:])), "include the genesis block, and return the chain "
                                            "genesis first"),
        (lambda: _first_per_number(stored),
         "two blocks can share a number (one lost a race): a number does not tell which is on "
         "the chain; the parent links do"),
    ]) or "walk from the head through each block's parent to the genesis, then reverse"


@exercise("chain_in_store", chapter=11, title="The chain a node's store holds",
          hint="map each stored block's hash to its parent, walk from the head to the genesis "
               "(parent None), reverse; None if a block on the way is missing")
def check_chain_in_store(fn: Callable) -> None:
    for what, make in STORE_CASES:
        stored, head = make()
        expected = chain_in_store_reference(stored, head)
        got = fn(list(stored), head)
        if isinstance(got, tuple):
            got = list(got)
        if got != expected:
            shown = got if not isinstance(got, list) or len(got) < 8 else \
                f"a list of {len(got)} hashes"
            wanted = expected if not isinstance(expected, list) or len(expected) < 8 else \
                f"the {len(expected)} hashes from the genesis to the head"
            raise Mismatch(f"{what}: expected {wanted!r}, got {shown!r}",
                           _store_hint(stored, head, got))


# --- concept questions ------------------------------------------------------------------------

concept(11, "Carol's agent offers 400 Wh for 13:00 from her day-ahead forecast; a cloud "
            "passes and her roof makes only 300 Wh more than she uses. What happens?",
        ["the trade is cancelled, because the forecast was wrong",
         "the buyer still gets 400 Wh: 300 Wh from Carol and 100 Wh from the utility, which "
         "Carol pays for from her delivery bond",
         "the agent saw the cloud coming, because it bids from the truth of the slot"],
        answer="b", why="agents bid from forecasts and their past; the meters measure the "
                        "truth, and settlement makes the buyer whole at the seller's cost",
        nudges={"a": "a cleared trade stands; settlement compares it with the meters and "
                     "takes the shortfall from the seller's bond",
                "c": "orders go out half an hour before the slot; the view holds the "
                     "forecast and the readings of slots that have ended, never the slot's "
                     "truth"})
concept(11, "At noon the grid operator's node crashes. Bob's wallet hands his order to that "
            "node. What becomes of the order and of the market?",
        ["the order is lost and the market stops until the operator's node is back",
         "Bob's wallet hands it to another node; the other two authorities keep sealing, "
         "and the order is in the chain exactly once",
         "the market carries on, but the restarted node keeps a chain of its own"],
        answer="b", why="a wallet falls back to the next node, two of three authorities may "
                        "take turns under Clique, and the restarted node catches up from its "
                        "store and its peers to the same head and state root",
        nudges={"a": "nothing is lost: the wallet resubmits to another node, and two "
                     "authorities are enough to seal",
                "c": "it restarts from its store on disk and then takes the blocks it "
                     "missed from the others: afterwards all three hold the same chain"})
concept(11, "The street's cables are made so thin that the day's trades would overload "
            "them. What does the grid check do?",
        ["it stops the whole day's market",
         "it curtails each trade whose path would overload a line, down to what the lines "
         "can carry; the rest goes to or comes from the utility",
         "nothing: the market cannot see the cables"],
        answer="b", why="clearing is grid-aware: the grid operator cuts the trades the cables "
                        "cannot carry (a curtail transaction on chain) and the buyer gets the "
                        "escrow for the cut Wh back; the physical flow to the utility is not "
                        "the market's to limit",
        nudges={"a": "the operator cuts only the trades that overload a line, by as much as "
                     "they overload it; every other trade stands",
                "c": "the grid operator clears the book on the feeder and curtails; what the "
                     "market cannot limit is the surplus nobody bought"})
