"""Checks for the chapter 05 exercises: fork choice, a reorg's payments, who can talk, stores, finality.

Each checker runs the learner's function on cases from Sunny Street's network (block
trees with short forks and a healed partition, the blocks a reorg drops and adds, the
street's links cut by a partition or a crash, store files cut by a crash or damaged, the
reorg depths the chapter measured), compares with the library's rules, and recognises the
usual wrong turns (the longest branch instead of the heaviest, a tie broken by arrival
order or by the larger hash, every dropped payment returned even when the new branch
holds it, the partition's sides taken as they are, a crashed node that still relays, a
damaged last record taken for a torn write, a reorg of depth k taken to spare a payment
with k confirmations) to give the hint that fixes them. The chapter's three concept
questions are registered here too.
"""

from __future__ import annotations

import functools
from collections import Counter
from fractions import Fraction
from typing import Callable

from minichain.block import Block
from minichain.chain import Chain, Genesis
from minichain.checks import Mismatch, Mistake, compare, exercise, hint_for
from minichain.checks.quiz import concept
from minichain.encoding import sha256
from minichain.street_network import (AUTHORITY_SEEDS, HOUSEHOLDS, MAJORITY_SIDE,
                                      MINORITY_SIDE, partition_and_heal, sunny_street_graph)
from minichain.poa import Clique
from minichain.store import CHECKSUM_BYTES, GUARD_BYTES, MAGIC, PREFIX, encode_record
from minichain.wallet import Wallet

# --- canonical_head -------------------------------------------------------------------

Tree = list[tuple[str, str | None, int]]     # (hash, parent hash, difficulty), genesis first


def _total(parents: dict, difficulty: dict, block: str) -> int:
    total = 0
    while block is not None:
        total += difficulty[block]
        block = parents[block]
    return total


def _height(parents: dict, block: str) -> int:
    height = 0
    while parents[block] is not None:
        height += 1
        block = parents[block]
    return height


def head_by(parents: dict, difficulty: dict, rule: str) -> str:
    """The head under the right rule or a usual wrong one (to recognise mistakes)."""
    blocks = list(parents)
    if rule == "right":
        return min(blocks, key=lambda b: (-_total(parents, difficulty, b), b))
    if rule == "larger hash":
        return max(blocks, key=lambda b: (_total(parents, difficulty, b), b))
    if rule == "arrival order":
        return max(blocks, key=lambda b: _total(parents, difficulty, b))
    if rule == "longest":
        return min(blocks, key=lambda b: (-_height(parents, b), b))
    if rule == "own difficulty":
        return min(blocks, key=lambda b: (-difficulty[b], b))
    raise ValueError(rule)


WRONG_HEADS = (
    ("longest", "count weight, not length: add up the difficulties from genesis to each "
                "block and take the highest total (three out-of-turn blocks weigh 3, two "
                "in-turn blocks 4)"),
    ("own difficulty", "a block's weight is its TOTAL difficulty: its own plus all its "
                       "ancestors' back to genesis, not just its own"),
    ("larger hash", "on a tie the SMALLER hash wins (compare the hex strings: min)"),
    ("arrival order", "on a tie your answer depends on the order the blocks were listed "
                      "in; break ties by the smaller hash, so every node picks the same head"),
)

G = "0" * 8


def _tree(rows: list[tuple[str, str | None, int]]) -> tuple[dict, dict]:
    return ({h: p for h, p, _ in rows}, {h: d for h, _, d in rows})


HAND_TREES: list[tuple[str, Tree]] = [
    ("a straight chain", [(G, None, 0), ("6b1d09e2", G, 2), ("a3f00c41", "6b1d09e2", 2),
                          ("1c7e5b90", "a3f00c41", 1)]),
    ("just the genesis block", [(G, None, 0)]),
    ("an in-turn #2 against an out-of-turn #2",
     [(G, None, 0), ("6b1d09e2", G, 2), ("5e0a7713", "6b1d09e2", 2),
      ("1b94c0de", "6b1d09e2", 1)]),
    ("three out-of-turn blocks against two in-turn ones",
     [(G, None, 0), ("6b1d09e2", G, 2), ("b0000001", "6b1d09e2", 1), ("b0000002", "b0000001", 1),
      ("b0000003", "b0000002", 1), ("c7d2e010", "6b1d09e2", 2), ("c7d2e011", "c7d2e010", 2)]),
    ("a tie: one in-turn block (listed first) against two out-of-turn ones",
     [(G, None, 0), ("6b1d09e2", G, 2), ("c3a9f100", "6b1d09e2", 2), ("8e210f4d", "6b1d09e2", 1),
      ("4a7c22e5", "8e210f4d", 1)]),
    ("a tie: the branch with the smaller hash is listed first",
     [(G, None, 0), ("6b1d09e2", G, 2), ("2d4e6a80", "6b1d09e2", 2), ("f1a0c3b5", "6b1d09e2", 1),
      ("f1a1d7e2", "f1a0c3b5", 1)]),
    ("a tie: the shorter branch has the smaller hash",
     [(G, None, 0), ("6b1d09e2", G, 2), ("d2e4a0c9", "6b1d09e2", 1), ("e9f1b3a7", "d2e4a0c9", 1),
      ("0f3c8d21", "6b1d09e2", 2)]),
]


@functools.lru_cache(maxsize=1)
def healed_tree() -> tuple[Tree, str]:
    """The grid operator's block tree after chapter 05's partition and heal, and its head."""
    chain = partition_and_heal(seed=7).network.nodes["grid"].chain
    rows = sorted(((b.hash.hex(), None if b.number == 0 else b.header.parent_hash.hex(),
                    b.header.difficulty) for b in chain.blocks.values()),
                  key=lambda row: (row[0] != chain.canonical_chain()[0].hash.hex(), row[0]))
    return rows, chain.head_hash.hex()


def _head_cases() -> list[tuple[str, dict, dict]]:
    cases = [(what, *_tree(rows)) for what, rows in HAND_TREES]
    rows, _ = healed_tree()
    cases.append(("the grid operator's tree after the partition heals", *_tree(rows)))
    return cases


@exercise("canonical_head", chapter=5, title="Pick the head of a block tree",
          hint="for every block add up the difficulties from it back to genesis (follow "
               "parents until None); the head has the highest total, and on a tie the "
               "smaller hash")
def check_canonical_head(fn: Callable) -> None:
    cases = _head_cases()
    answers = []
    for what, parents, difficulty in cases:
        got = fn(dict(parents), dict(difficulty))
        if not isinstance(got, str) or got not in parents:
            raise Mismatch(f"canonical_head({what}) returned {got!r}",
                           "return the hash (a key of parents) of the head block")
        answers.append(got)
    expected = [head_by(p, d, "right") for _, p, d in cases]
    _, library_head = healed_tree()
    if expected[-1] != library_head:       # the rule here must be the chain's own
        raise RuntimeError("checker out of step with Chain.is_better")
    if answers == expected:
        return
    index = next(i for i, (a, e) in enumerate(zip(answers, expected)) if a != e)
    what, parents, difficulty = cases[index]
    said = (f"canonical_head({what}): expected {expected[index][:8]}… (total difficulty "
            f"{_total(parents, difficulty, expected[index])}), got {answers[index][:8]}… "
            f"(total difficulty {_total(parents, difficulty, answers[index])})")
    for rule, hint in WRONG_HEADS:
        if all(answers[i] == head_by(p, d, rule) for i, (_, p, d) in enumerate(cases)):
            raise Mismatch(said, hint)
    raise Mismatch(said)


# --- transactions_to_return -------------------------------------------------------------

PERIOD = 5


@functools.lru_cache(maxsize=1)
def reorg_blocks() -> dict[str, Block]:
    """A tree with two branches after block #1, with one payment in both branches."""
    people = {name: Wallet.from_seed(name) for name in HOUSEHOLDS}
    keys = {name: Wallet.from_seed(seed) for name, seed in AUTHORITY_SEEDS.items()}
    genesis = Genesis(balances=tuple((w.address, 1_000) for w in people.values()),
                      authorities=tuple(k.address for k in keys.values()))
    chain = Chain(genesis, Clique(period=PERIOD))

    def pay(sender, receiver, value):
        return people[sender].transfer(people[receiver].address, value, nonce=0)

    def seal(parent, authority, txs):
        block, rejected = chain.build_block(keys[authority].key, txs,
                                            parent.header.timestamp + PERIOD,
                                            parent_hash=parent.hash)
        if rejected:
            raise RuntimeError(f"checker story broken: {rejected}")
        chain.add_block(block)
        return block

    one = seal(chain.head, "grid", [pay("frank", "alice", 9)])
    a2 = seal(one, "city", [pay("alice", "bob", 12), pay("bob", "carol", 7)])
    a3 = seal(a2, "coop", [pay("carol", "alice", 5), pay("dave", "erin", 3)])
    b2 = seal(one, "coop", [pay("bob", "carol", 7)])
    b3 = seal(b2, "city", [pay("erin", "frank", 4)])
    b4 = seal(b3, "grid", [])
    return {"genesis": chain.canonical_chain()[0], "one": one, "a2": a2, "a3": a3, "b2": b2,
            "b3": b3, "b4": b4}


def _label(stx) -> str:
    people = {Wallet.from_seed(name).address: name for name in HOUSEHOLDS}
    return f"{people[stx.sender]}→{people[stx.tx.to]} {stx.tx.value}"


def to_return(dropped, added) -> list:
    included = {stx.hash for block in added for stx in block.transactions}
    return [stx for block in dropped for stx in block.transactions if stx.hash not in included]


RETURN_CASES = (
    ("dropped a2, a3; added b2, b3, b4", ("a2", "a3"), ("b2", "b3", "b4")),
    ("dropped a2; added b2", ("a2",), ("b2",)),
    ("dropped b2, b3, b4; added a2, a3", ("b2", "b3", "b4"), ("a2", "a3")),
    ("nothing dropped; added a3 (the head just moved forward)", (), ("a3",)),
    ("dropped b4 (empty); added a2, a3", ("b4",), ("a2", "a3")),
)


@exercise("transactions_to_return", chapter=5, title="What goes back to the mempool",
          hint="collect the hashes of every transaction in the added blocks; then walk the "
               "dropped blocks oldest first and keep each transaction whose hash is not "
               "among them")
def check_transactions_to_return(fn: Callable) -> None:
    blocks = reorg_blocks()
    for what, dropped_names, added_names in RETURN_CASES:
        dropped = tuple(blocks[n] for n in dropped_names)
        added = tuple(blocks[n] for n in added_names)
        expected = to_return(dropped, added)
        got = fn(dropped, added)
        call = f"transactions_to_return({what})"
        if not isinstance(got, list):
            raise Mismatch(f"{call} returned {got!r}",
                           "return a list of the transactions ([] if none)")
        if got and all(isinstance(x, (bytes, str)) for x in got):
            raise Mismatch(f"{call} returned hashes",
                           "return the transactions themselves (stx), not their hashes: the "
                           "mempool needs the signed transaction to put it in a block again")
        if any(not hasattr(x, "hash") for x in got):
            raise Mismatch(f"{call} returned {got!r}",
                           "return the signed transactions taken from block.transactions")
        if [s.hash for s in got] == [s.hash for s in expected]:
            continue
        said = (f"{call}: expected [{', '.join(map(_label, expected))}], "
                f"got [{', '.join(map(_label, got))}]")
        everything = [s for block in dropped for s in block.transactions]
        if [s.hash for s in got] == [s.hash for s in everything]:
            raise Mismatch(said, "a payment that the new branch holds too is already on the "
                                 "chain again: returning it would offer it twice (and its "
                                 "nonce is used). Leave out what the added blocks hold")
        if sorted(s.hash for s in got) == sorted(s.hash for s in expected):
            raise Mismatch(said, "keep the order: dropped blocks oldest first, and each "
                                 "block's transactions in their order (a sender's nonces "
                                 "must stay in sequence), so no set")
        if any(s.hash in {t.hash for b in added for t in b.transactions} for s in got) and \
                not any(s.hash in {t.hash for t in everything} for s in got):
            raise Mismatch(said, "the added blocks are on the chain now; what goes back to "
                                 "the mempool comes from the DROPPED blocks")
        raise Mismatch(said)


# --- reachable_groups -------------------------------------------------------------------

def street_links() -> list[tuple[str, str]]:
    return sorted(tuple(sorted(edge)) for edge in sunny_street_graph().edges)


def groups_by(links, groups, down, relay_down: bool = False, use_groups: bool = True,
              keep_down: bool = False) -> list[list[str]]:
    """Connected running nodes (or a usual mistake's version of them)."""
    side = {name: i for i, group in enumerate(groups) for name in group}
    nodes = sorted(side)
    if keep_down:
        down = set()
    neighbours: dict[str, set[str]] = {name: set() for name in nodes}
    for a, b in links:
        if use_groups and side[a] != side[b]:
            continue
        if not relay_down and (a in down or b in down):
            continue
        neighbours[a].add(b)
        neighbours[b].add(a)
    seen: set[str] = set()
    found = []
    for start in nodes:
        if start in seen or start in down:
            continue
        seen.add(start)
        todo, group = [start], []
        while todo:
            name = todo.pop()
            group.append(name)
            for other in sorted(neighbours[name] - seen):
                seen.add(other)
                todo.append(other)
        found.append(sorted(n for n in group if n not in down))
    return sorted(g for g in found if g)


EVERYONE = sorted(list(AUTHORITY_SEEDS) + list(HOUSEHOLDS))
REACH_CASES = (
    ("no partition, everyone running", [EVERYONE], set()),
    ("the chapter's partition", [list(MAJORITY_SIDE), list(MINORITY_SIDE)], set()),
    ("a partition whose first side has no links inside it",
     [["alice", "coop", "dave"], ["bob", "carol", "city", "erin", "frank", "grid"]], set()),
    ("no partition, the municipality crashed", [EVERYONE], {"city"}),
    ("no partition, all three authorities crashed", [EVERYONE], {"city", "coop", "grid"}),
    ("no partition, the authorities, Carol and Frank crashed", [EVERYONE],
     {"carol", "city", "coop", "frank", "grid"}),
    ("the chapter's partition and the co-op crashed", [list(MAJORITY_SIDE), list(MINORITY_SIDE)],
     {"coop"}),
)

WRONG_REACH = (
    (dict(use_groups=False), "a link between two sides of the partition is cut: only links "
                             "whose two ends are in the same group carry messages"),
    (dict(keep_down=True), "a crashed node is in no group at all: leave out every node in "
                           "down"),
    (dict(relay_down=True), "a crashed node passes nothing on: drop every link that touches "
                            "a node in down, before you look for connected nodes"),
)


@exercise("reachable_groups", chapter=5, title="Who can still talk to whom?",
          hint="keep the links whose two ends are running and in the same group; then find "
               "connected nodes (a search from each unvisited node, or networkx's "
               "connected_components); sort each group and the list of groups")
def check_reachable_groups(fn: Callable) -> None:
    links = street_links()
    for what, groups, down in REACH_CASES:
        expected = groups_by(links, groups, down)
        got = fn(list(links), [list(g) for g in groups], set(down))
        call = f"reachable_groups({what})"
        if not isinstance(got, list) or not all(isinstance(g, (list, set, tuple, frozenset))
                                                for g in got):
            raise Mismatch(f"{call} returned {got!r}", "return a list of lists of node names")
        if got == expected:
            continue
        said = f"{call}: expected {expected}, got {got}"
        if sorted(sorted(g) for g in got) == expected:
            raise Mismatch(said, "sort the names inside each group, then sort the list of "
                                 "groups, so the answer never depends on an order")
        for options, hint in WRONG_REACH:
            if sorted(sorted(g) for g in got) == groups_by(links, groups, down, **options):
                raise Mismatch(said, hint)
        plain = sorted(sorted(n for n in g if n not in down) for g in groups)
        if sorted(sorted(g) for g in got) == [g for g in plain if g]:
            raise Mismatch(said, "a group can fall apart further: its members may have no "
                                 "working link among themselves (or only through a crashed "
                                 "node). Find who is actually connected")
        raise Mismatch(said)


# --- store_verdict ------------------------------------------------------------------------

HEADER = PREFIX.size + GUARD_BYTES + CHECKSUM_BYTES        # 48 bytes before each block


def verdict_of(data: bytes, guard: bool = True, end_is_torn: bool = False):
    """Reference (and, with a switch off, a usual mistake): what a store's bytes say."""
    offset, record = len(MAGIC), 0
    while offset < len(data):
        if len(data) - offset < PREFIX.size + GUARD_BYTES:
            return ("torn", offset)
        prefix = data[offset:offset + PREFIX.size]
        if guard and sha256(prefix)[:GUARD_BYTES] != \
                data[offset + PREFIX.size:offset + PREFIX.size + GUARD_BYTES]:
            return ("corrupt", record)
        length, _ = PREFIX.unpack(prefix)
        start = offset + HEADER
        if len(data) < start + length:
            return ("torn", offset)
        if sha256(data[start:start + length]) != data[start - CHECKSUM_BYTES:start]:
            if end_is_torn and start + length == len(data):
                return ("torn", offset)
            return ("corrupt", record)
        offset, record = start + length, record + 1
    return ("ok", record)


@functools.lru_cache(maxsize=1)
def store_cases() -> tuple[tuple[str, bytes], ...]:
    """Store files of the reorg story's chain (genesis, #1, #2, #3): intact, cut and damaged."""
    blocks = reorg_blocks()
    records = [encode_record(blocks[name]) for name in ("genesis", "one", "a2", "a3")]
    whole = MAGIC + b"".join(records)
    starts = [len(MAGIC) + sum(len(r) for r in records[:i]) for i in range(len(records))]

    def flipped(at: int) -> bytes:
        return whole[:at] + bytes([whole[at] ^ 0x01]) + whole[at + 1:]

    last = starts[3]
    return (
        ("an intact file of four blocks", whole),
        ("only the genesis block", MAGIC + records[0]),
        ("a file that ends exactly after block #2", whole[:starts[3]]),
        ("the last record cut in the middle of its block", whole[:last + HEADER + 40]),
        ("the last record cut inside its 48-byte header", whole[:last + 10]),
        ("block #1's record cut after 3 bytes", whole[:starts[1] + 3]),
        ("one byte flipped inside block #2's bytes", flipped(starts[2] + HEADER + 25)),
        ("one byte flipped inside the last block's bytes", flipped(last + HEADER + 25)),
        ("one bit of block #1's length field flipped", flipped(starts[1] + 1)),
    )


STORE_MISTAKES = (
    Mistake(lambda data: verdict_of(data, guard=False),
            "check each record's 4-byte guard (sha256(length + number)[:4]) before you trust "
            "its length: a damaged length is corruption, not a torn write"),
    Mistake(lambda data: verdict_of(data, end_is_torn=True),
            "a last record that is all there but fails its checksum was written whole and "
            "changed later: that is corruption. Only a record cut short is torn"),
)


@exercise("store_verdict", chapter=5, title="Torn or corrupt? Read a store file",
          hint="walk the records from len(MAGIC): fewer bytes left than a prefix and guard, "
               "or than the block's length, means ('torn', start of that record); a guard "
               "or checksum that does not match means ('corrupt', record index); reaching "
               "the end means ('ok', number of records)")
def check_store_verdict(fn: Callable) -> None:
    for what, data in store_cases():
        expected = verdict_of(data)
        got = fn(bytes(data))
        call = f"store_verdict({what})"
        if isinstance(got, list):
            got = tuple(got)
        if got == expected:
            continue
        said = f"{call}: expected {expected!r}, got {got!r}"
        hint = hint_for(got, STORE_MISTAKES, data)
        if not hint and isinstance(got, tuple) and len(got) == 2 and got[0] == expected[0]:
            kind, value = expected
            hint = {"ok": "count every complete record, the genesis block's too",
                    "torn": "keep the bytes BEFORE the torn record: return the offset where "
                            "that record starts (the file is truncated there)",
                    "corrupt": "records count from 0, the genesis block's record"}[kind]
        if not hint and got is not None and not (isinstance(got, tuple) and len(got) == 2):
            hint = "return a pair: ('ok', records), ('torn', offset) or ('corrupt', record)"
        raise Mismatch(said, hint)


# --- confirmations_needed -----------------------------------------------------------------

# The reorg depths chapter 05 measured with finality_sample(): 36 runs of the partition
# story, nine nodes each (tests/test_finality.py holds this to the simulator).
CHAPTER_SAMPLE = Counter({0: 206, 1: 100, 2: 18})


def needed(depths, risk) -> int:
    """Reference: the fewest confirmations k >= 1 whose share of depths >= k is at most risk."""
    depths = list(depths)
    k = 1
    while Fraction(sum(1 for d in depths if d >= k), len(depths)) > risk:
        k += 1
    return k


def _share_model(depths, risk, reversed_at, among=None, start=1, strict=False):
    """A usual mistake: another notion of 'reversed', another denominator, another start."""
    depths = list(depths)
    pool = [d for d in depths if among is None or among(d)] or [0]
    k = start
    while True:
        share = Fraction(sum(1 for d in pool if reversed_at(d, k)), len(pool))
        if (share < risk) if strict else (share <= risk):
            return k
        k += 1


SAMPLE = sorted(CHAPTER_SAMPLE.elements())
CONFIRM_CASES = (          # the first case tells the usual mistakes apart: 2, 3 or 4
    ([0, 0, 0, 0, 0, 0, 1, 1, 2, 3], Fraction(1, 4)), ([0, 0, 1, 2, 0, 1], 0.2),
    ([0, 0, 1, 2, 0, 1], Fraction(1, 3)), ([0, 0, 1, 2, 0, 1], Fraction(1, 2)),
    ([0, 0, 1, 2, 0, 1], 0), ([0] * 10, 0), ([3, 3, 3], 0.5), ([0, 1], 1),
    (SAMPLE, 0.4), (SAMPLE, Fraction(1, 18)), (SAMPLE, 0.01), (SAMPLE, 0),
)

CONFIRM_MISTAKES = (
    Mistake(lambda d, r: _share_model(d, r, lambda depth, k: depth >= k, strict=True),
            "'at most risk' includes risk itself: compare with <=, not <"),
    Mistake(lambda d, r: _share_model(d, r, lambda depth, k: depth > k),
            "a reorg that drops d blocks reverses a payment with d confirmations too: count "
            "the depths >= k, not > k"),
    Mistake(lambda d, r: _share_model(d, r, lambda depth, k: depth >= k,
                                      among=lambda depth: depth > 0),
            "divide by every node's run, also those with no reorg (depth 0): the chance is "
            "per payment seen, not per reorg"),
    Mistake(lambda d, r: _share_model(d, r, lambda depth, k: depth >= k, start=0),
            "count confirmations from 1: a payment in the head block already has one"),
    Mistake(lambda d, r: max(d) + 1,
            "that is the k with no reversal at all in the sample; a risk above 0 may need "
            "fewer confirmations"),
)


@exercise("confirmations_needed", chapter=5, title="How many confirmations for a risk?",
          hint="for k = 1, 2, …: share = (number of depths >= k) / len(depths); return the "
               "first k whose share is <= risk")
def check_confirmations_needed(fn: Callable) -> None:
    for depths, risk in CONFIRM_CASES:
        label = (f"the chapter's {len(depths)} measured depths" if depths is SAMPLE
                 else repr(depths))
        got = fn(list(depths), risk)
        if isinstance(got, (Fraction, float)) and not float(got).is_integer():
            raise Mismatch(f"confirmations_needed({label}, risk={risk}) returned {got!r}",
                           "return the number of confirmations k (an int), not the chance")
        compare(f"confirmations_needed({label}, risk={risk})", got, needed(depths, risk),
                CONFIRM_MISTAKES, (depths, risk))


# --- concept questions ----------------------------------------------------------------------

concept(5, "The street splits: the grid operator and the municipality on one side, the "
           "co-op on the other. Whose chain keeps growing?",
        ["the side with more nodes", "both sides, one block per period each",
         "the side with two authorities: the co-op alone may seal one block, then the "
         "signer limit stops it"],
        answer="c", why="two of three authorities can take turns; one cannot, so the "
                        "minority's branch stays short and light and loses at the heal",
        nudges={"a": "households do not seal; what counts is how many authorities each "
                     "side has",
                "b": "the co-op may seal only one of any two consecutive blocks, and nobody "
                     "on its side can seal the other"})
concept(5, "After the heal the co-op's lone block is dropped. What happens to Carol's "
           "payment that was in it?",
        ["it is lost: Carol must pay again",
         "it goes back to the mempool and into a later block, so it is on the final chain "
         "exactly once",
         "it is paid twice, once in each branch"],
        answer="b", why="a reorg returns every dropped transaction the new branch does not "
                        "hold; nonces keep a payment from counting twice",
        nudges={"a": "the node puts it back in its mempool, and an authority includes it "
                     "again",
                "c": "only one branch is the chain; and one nonce can be used only once"})
concept(5, "Bob sees his payment in a block with one confirmation while the street is "
           "split. When may he treat it as settled?",
        ["under Clique, after enough confirmations: on this street a partition undid up to "
         "two blocks, so three; under a BFT quorum (QBFT) it would be final at once",
         "now: it is in a block",
         "never: a blockchain payment can always be reversed"],
        answer="a", why="Clique's finality grows with depth (the measured chance falls to 0 "
                        "at three confirmations here); a BFT quorum commits a block only "
                        "when two thirds sign it, and never reverses it",
        nudges={"b": "in the chapter's sample more than a third of the nodes' runs took back "
                     "a payment seen with one confirmation",
                "c": "the measured chance falls to zero with depth, and a BFT quorum gives "
                     "final blocks; only a colluding majority of authorities could rewrite"})
