"""The chapter 04-05 checks answer the usual wrong turns with the hint that fixes them.

A learner who gets an exercise wrong should read, in the verdict, the hint for the mistake
they actually made. Each test writes one plausible wrong answer and names the hint it must
get. The checkers' own reference answers are also held against the library: the vote
count against ``Snapshot.apply``, the head of a block tree against ``Chain``'s fork choice.
"""

from __future__ import annotations

import warnings
from fractions import Fraction

import pytest
from checks_kit import failed_with, named

from minichain.block import Header
from minichain.checks import ch04, ch05
from minichain.checks.ch04 import CITY, COOP, GRID, SCHOOL, TALLY_CASES
from minichain.errors import StoreCorrupted, TornWriteWarning
from minichain.store import ChainStore
from minichain.street_network import confirmations_for, sunny_street_graph, sunny_street_network
from minichain.poa import Snapshot, vote_to_add, vote_to_remove
from minichain.wallet import Wallet


# --- in_turn_signer -------------------------------------------------------------------

def test_taking_the_list_in_the_order_it_was_typed_gets_the_sort_hint():
    @named("in_turn_signer")
    def unsorted(signers, number):
        return signers[number % len(signers)]
    failed_with(unsorted, "in_turn_signer([grid operator", "SORTED list")


def test_counting_blocks_from_one_gets_the_off_by_one_hint():
    @named("in_turn_signer")
    def minus_one(signers, number):
        return sorted(signers)[(number - 1) % len(signers)]
    failed_with(minus_one, "no -1", "block 0 is the genesis block")


def test_returning_the_position_instead_of_the_address_is_refused():
    @named("in_turn_signer")
    def position(signers, number):
        return number % len(signers)
    failed_with(position, "not its position")


# --- difficulty_for -------------------------------------------------------------------

def test_swapped_difficulties_are_named():
    @named("difficulty_for")
    def swapped(signers, number, sealer):
        return 1 if sorted(signers)[number % len(signers)] == sealer else 2
    failed_with(swapped, "other way round", "weighs 2")


def test_an_unsorted_turn_order_gets_the_sort_hint_here_too():
    @named("difficulty_for")
    def unsorted(signers, number, sealer):
        return 2 if signers[number % len(signers)] == sealer else 1
    failed_with(unsorted, "SORTED list")


def test_true_and_false_are_not_difficulties():
    @named("difficulty_for")
    def in_turn_only(signers, number, sealer):
        return sorted(signers)[number % len(signers)] == sealer
    failed_with(in_turn_only, "not True/False")


# --- may_seal -------------------------------------------------------------------------

def looking_back(blocks):
    @named("may_seal")
    def wrong(recent, signer, n_signers):
        back = blocks(n_signers)
        return signer not in (recent[max(0, len(recent) - back):] if back else [])
    return wrong


def test_looking_back_a_whole_limit_of_blocks_is_one_too_many():
    failed_with(looking_back(lambda n: n // 2 + 1), "expected True, got False",
                "counts the block being sealed")


def test_waiting_for_every_other_authority_is_round_robin_not_the_limit():
    failed_with(looking_back(lambda n: n - 1), "round-robin")


def test_looking_at_the_whole_history_is_caught():
    @named("may_seal")
    def whole_history(recent, signer, n_signers):
        return signer not in recent
    failed_with(whole_history, "only the most recent blocks count")


def test_pythons_minus_zero_slice_with_a_lone_authority_gets_its_own_hint():
    @named("may_seal")
    def negative_slice(recent, signer, n_signers):
        return signer not in recent[-(n_signers // 2):]
    failed_with(negative_slice, "may_seal([grid operator", ", 1)", "recent[-0:] is the WHOLE list")


def test_a_float_limit_fails_with_the_integer_division_hint():
    @named("may_seal")
    def float_slice(recent, signer, n_signers):
        return signer not in recent[len(recent) - n_signers / 2:]
    failed_with(float_slice, "raised TypeError", "n_signers // 2 + 1")


# --- tally_votes ----------------------------------------------------------------------

def tally_model(dedupe=True, strict=True, members_only=True, skip_no_ops=True, latest=True):
    @named("tally_votes")
    def wrong(votes, signers):
        kept = {}
        counted = []
        for voter, target, authorize in votes:
            if members_only and voter not in signers:
                continue
            if dedupe:
                if latest or (voter, target) not in kept:
                    kept[(voter, target)] = authorize
            else:
                counted.append((voter, target, authorize))
        if dedupe:
            counted = [(v, t, a) for (v, t), a in kept.items()]
        backing = {}
        for voter, target, authorize in counted:
            if skip_no_ops and authorize == (target in signers):
                continue
            backing[target] = backing.get(target, 0) + 1
        passes = (lambda c: c > len(signers) // 2) if strict else (lambda c: c >= len(signers) / 2)
        return sorted(t for t, c in backing.items() if passes(c))
    return wrong


@pytest.mark.parametrize("mistake,fragment", [
    (dict(dedupe=False), "ONE live vote per target"),
    (dict(strict=False), "a tie is not a majority"),
    (dict(members_only=False), "only the authorities' votes count"),
    (dict(skip_no_ops=False), "changes nothing"),
    (dict(latest=False), "LATEST vote"),
], ids=["counted twice", "tie passes", "outsiders counted", "no-op votes counted",
        "first vote kept"])
def test_each_voting_rule_forgotten_gets_its_own_hint(mistake, fragment):
    failed_with(tally_model(**mistake), fragment)


def test_a_set_of_targets_is_refused_and_an_unsorted_list_gets_the_sort_hint():
    right = tally_model()

    @named("tally_votes")
    def as_set(votes, signers):
        return set(right(votes, signers))

    @named("tally_votes")
    def backwards(votes, signers):
        return sorted(right(votes, signers), reverse=True)
    failed_with(as_set, "return a list, sorted")
    failed_with(backwards, "sort the list of targets")


def test_the_reference_tally_agrees_with_the_library_snapshot():
    """Replay each case's votes as headers through Snapshot.apply; what passed must match."""
    wallets = {w.address: w for w in (Wallet.from_seed(s) for s in ch04.NAMES)}
    checked = 0
    for what, votes, signers, _ in TALLY_CASES:
        voting = [v for v in votes if v[0] in signers]        # outsiders' blocks are refused
        snapshot = Snapshot(0, b"", tuple(sorted(signers)))
        passed = set()
        for index, (voter, target, authorize) in enumerate(voting):
            vote = vote_to_add(target) if authorize else vote_to_remove(target)
            header = Header(parent_hash=b"", number=10 * (index + 1), timestamp=0,
                            difficulty=1, gas_limit=0, gas_used=0, tx_root=b"",
                            state_root=b"", receipts_root=b"", vote=vote,
                            sealer_key=wallets[voter].public_key)
            before = set(snapshot.signers)
            snapshot = snapshot.apply(header, epoch=10_000)
            passed |= before ^ set(snapshot.signers)
        assert ch04.tally(votes, signers) == sorted(passed), what
        checked += 1
    assert checked == len(TALLY_CASES) >= 10


# --- canonical_head -------------------------------------------------------------------

def test_the_longest_branch_is_not_the_heaviest():
    @named("canonical_head")
    def longest(parents, difficulty):
        def height(block):
            return 0 if parents[block] is None else 1 + height(parents[block])
        return min(parents, key=lambda b: (-height(b), b))
    failed_with(longest, "count weight, not length")


def test_a_blocks_own_difficulty_is_not_its_weight():
    @named("canonical_head")
    def own(parents, difficulty):
        return min(parents, key=lambda b: (-difficulty[b], b))
    failed_with(own, "TOTAL difficulty")


def total_of(parents, difficulty, block):
    return 0 if block is None else difficulty[block] + total_of(parents, difficulty, parents[block])


def test_a_tie_broken_by_the_larger_hash_is_caught():
    @named("canonical_head")
    def larger(parents, difficulty):
        return max(parents, key=lambda b: (total_of(parents, difficulty, b), b))
    failed_with(larger, "a tie", "SMALLER hash")


def test_a_tie_left_to_the_order_of_the_dict_is_caught():
    @named("canonical_head")
    def first_seen(parents, difficulty):
        return max(parents, key=lambda b: total_of(parents, difficulty, b))
    failed_with(first_seen, "order the blocks were listed in")


def test_returning_the_weight_instead_of_the_hash_is_refused():
    @named("canonical_head")
    def weight(parents, difficulty):
        return max(total_of(parents, difficulty, b) for b in parents)
    failed_with(weight, "return the hash")


def test_the_reference_head_of_the_healed_street_is_the_chains_own_head():
    rows, head = ch05.healed_tree()
    parents = {h: p for h, p, _ in rows}
    difficulty = {h: d for h, _, d in rows}
    assert ch05.head_by(parents, difficulty, "right") == head
    assert len(rows) > 20 and sum(1 for _, p, _ in rows if p is None) == 1
    dropped = [h for h in parents if h not in {p for p in parents.values()} and h != head]
    assert dropped, "the tree must hold the branch the heal dropped"


# --- transactions_to_return -----------------------------------------------------------

def test_returning_every_dropped_payment_would_offer_one_twice():
    @named("transactions_to_return")
    def everything(dropped, added):
        return [stx for block in dropped for stx in block.transactions]
    failed_with(everything, "alice→bob 12, bob→carol 7", "holds too")


def test_walking_back_from_the_old_head_loses_the_order():
    @named("transactions_to_return")
    def newest_first(dropped, added):
        held = {stx.hash for block in added for stx in block.transactions}
        return [stx for block in reversed(dropped) for stx in block.transactions
                if stx.hash not in held]
    failed_with(newest_first, "keep the order")


def test_hashes_are_not_transactions():
    @named("transactions_to_return")
    def hashes(dropped, added):
        held = {stx.hash for block in added for stx in block.transactions}
        return [stx.hash for block in dropped for stx in block.transactions
                if stx.hash not in held]
    failed_with(hashes, "not their hashes")


def test_returning_the_added_blocks_payments_is_caught():
    @named("transactions_to_return")
    def backwards(dropped, added):
        gone = {stx.hash for block in dropped for stx in block.transactions}
        return [stx for block in added for stx in block.transactions if stx.hash not in gone]
    failed_with(backwards, "DROPPED blocks")


def test_the_reorg_story_holds_one_payment_in_both_branches():
    blocks = ch05.reorg_blocks()
    both = ({s.hash for s in blocks["a2"].transactions}
            & {s.hash for s in blocks["b2"].transactions})
    assert len(both) == 1
    assert blocks["a2"].header.parent_hash == blocks["b2"].header.parent_hash


# --- reachable_groups -----------------------------------------------------------------

def components(links, nodes):
    neighbours = {n: set() for n in nodes}
    for a, b in links:
        if a in neighbours and b in neighbours:
            neighbours[a].add(b)
            neighbours[b].add(a)
    seen, found = set(), []
    for start in sorted(nodes):
        if start in seen:
            continue
        group, todo = set(), [start]
        while todo:
            name = todo.pop()
            if name not in group:
                group.add(name)
                todo.extend(neighbours[name] - group)
        seen |= group
        found.append(sorted(group))
    return sorted(found)


def test_taking_the_partitions_sides_as_they_are_misses_a_side_that_falls_apart():
    @named("reachable_groups")
    def sides(links, groups, down):
        return sorted(sorted(n for n in g if n not in down) for g in groups)
    failed_with(sides, "no links inside it", "fall apart further")


def test_ignoring_the_partition_is_caught():
    @named("reachable_groups")
    def whole(links, groups, down):
        nodes = [n for g in groups for n in g if n not in down]
        return components(links, nodes)
    failed_with(whole, "the chapter's partition", "cut")


def test_keeping_crashed_nodes_is_caught():
    @named("reachable_groups")
    def with_crashed(links, groups, down):
        side = {n: i for i, g in enumerate(groups) for n in g}
        return components([(a, b) for a, b in links if side[a] == side[b]], list(side))
    failed_with(with_crashed, "municipality crashed", "in no group at all")


def test_a_crashed_node_that_still_relays_is_caught():
    @named("reachable_groups")
    def relaying(links, groups, down):
        side = {n: i for i, g in enumerate(groups) for n in g}
        found = components([(a, b) for a, b in links if side[a] == side[b]], list(side))
        return sorted(g for g in ([n for n in group if n not in down] for group in found) if g)
    failed_with(relaying, "Carol and Frank crashed", "passes nothing on")


def test_unsorted_groups_get_the_sort_hint():
    @named("reachable_groups")
    def unsorted(links, groups, down):
        side = {n: i for i, g in enumerate(groups) for n in g if n not in down}
        found = components([(a, b) for a, b in links
                            if a in side and b in side and side[a] == side[b]], list(side))
        return [group[::-1] for group in found][::-1]
    failed_with(unsorted, "sort the names inside each group")


def test_the_street_links_are_the_networks_own():
    assert ch05.street_links() == sorted(tuple(sorted(e)) for e in sunny_street_graph(7).edges)


# --- the solutions and the chapter's cast -------------------------------------------------

def test_the_authorities_sort_as_the_chapter_says():
    assert sorted([GRID, CITY, COOP]) == [COOP, GRID, CITY]
    assert sorted([GRID, CITY, COOP, SCHOOL]) == [COOP, SCHOOL, GRID, CITY]


# --- blocks_until_stall ---------------------------------------------------------------

@pytest.mark.parametrize("wrong, fragments", [
    (lambda n, m: None if m >= n / 2 + 1 else m, ("(3, 2)", "3 / 2 + 1 is 2.5")),
    (lambda n, m: None if m >= int(n / 2) + 1 else m,
     ("(2305843009213693951, 1152921504606846976)", "a float loses the last digits")),
    (lambda n, m: None if m > n // 2 + 1 else m, ("(4, 3)", "compare with >=, not >")),
    (lambda n, m: None if 2 * m >= n else m, ("(4, 2)", "half is not enough")),
    (lambda n, m: None if m == n else m, ("(7, 5)", "without everyone")),
    (lambda n, m: None if m >= n // 2 + 1 else 0, ("(3, 1)", "still seals a few blocks")),
    (lambda n, m: None if m >= n // 2 + 1 else 1, ("(3, 0)", "not only the first one")),
], ids=["float limit", "float truncated", "strict", "half", "everyone", "zero", "one"])
def test_each_stall_mistake_gets_its_own_hint(wrong, fragments):
    failed_with(named("blocks_until_stall")(wrong), *fragments)


def test_the_stall_reference_agrees_with_the_simulated_street():
    """Three and five authorities, some offline from the start: the street's own outcome."""
    for n_signers, n_online in ((3, 1), (3, 2), (5, 2), (5, 3)):
        names = tuple(f"a{i}" for i in range(n_signers))
        network = sunny_street_network(seed=2, authorities=names, households=("alice", "bob"))
        for name in names[n_online:]:
            network.crash(name, at=0)
        network.run(63)
        height = network.nodes["alice"].chain.height
        expected = ch04.blocks_before_stall(n_signers, n_online)
        assert height == (12 if expected is None else expected), (n_signers, n_online)


# --- store_verdict --------------------------------------------------------------------

def test_the_store_reference_agrees_with_the_chain_store_on_every_case(tmp_path):
    for index, (what, data) in enumerate(ch05.store_cases()):
        path = tmp_path / f"{index}.chain"
        path.write_bytes(data)
        kind, value = ch05.verdict_of(data)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if kind == "corrupt":
                with pytest.raises(StoreCorrupted, match=f"record {value} "):
                    ChainStore(path).read()
                continue
            blocks = ChainStore(path).read()
        torn = [w for w in caught if issubclass(w.category, TornWriteWarning)]
        assert (kind == "torn") == bool(torn), what
        if kind == "torn":
            assert path.stat().st_size == value, what          # truncated where we said
        else:
            assert len(blocks) == value, what


def verdict_with(change):
    @named("store_verdict")
    def wrong(data):
        return change(ch05.verdict_of(data), data)
    return wrong


@pytest.mark.parametrize("learner, fragments", [
    (named("store_verdict")(lambda data: ch05.verdict_of(data, guard=False)),
     ("length field flipped", "check each record's 4-byte guard")),
    (named("store_verdict")(lambda data: ch05.verdict_of(data, end_is_torn=True)),
     ("flipped inside the last block's bytes", "written whole and changed later")),
    (verdict_with(lambda v, d: (v[0], v[1] - 1) if v[0] == "ok" else v),
     ("an intact file", "the genesis block's too")),
    (verdict_with(lambda v, d: ("torn", len(d)) if v[0] == "torn" else v),
     ("cut in the middle of its block", "keep the bytes BEFORE the torn record")),
    (verdict_with(lambda v, d: (v[0], v[1] + 1) if v[0] == "corrupt" else v),
     ("flipped inside block #2's bytes", "records count from 0")),
    (verdict_with(lambda v, d: v[0]), ("return a pair",)),
], ids=["no guard", "damage at the end is torn", "genesis not counted", "cut at the end",
        "records from 1", "no pair"])
def test_store_verdict_mistakes_get_their_hints(learner, fragments):
    failed_with(learner, *fragments)


# --- confirmations_needed -------------------------------------------------------------

def share_model(reversed_at=lambda d, k: d >= k, among=None, start=1, strict=False):
    return named("confirmations_needed")(
        lambda depths, risk: ch05._share_model(depths, risk, reversed_at, among=among,
                                               start=start, strict=strict))


@pytest.mark.parametrize("learner, fragments", [
    (share_model(strict=True), ("risk=1/2", "compare with <=, not <")),
    (share_model(reversed_at=lambda d, k: d > k), ("risk=1/4", "count the depths >= k")),
    (share_model(among=lambda d: d > 0), ("risk=1/4", "also those with no reorg")),
    (share_model(start=0), ("[0, 1], risk=1", "count confirmations from 1")),
    (named("confirmations_needed")(lambda depths, risk: max(depths) + 1),
     ("expected 2, got 4", "no reversal at all")),
    (named("confirmations_needed")(
        lambda depths, risk: Fraction(sum(d >= 1 for d in depths), len(depths))),
     ("returned Fraction", "not the chance")),
], ids=["strict", "depth above k", "reorgs only", "from zero", "zero risk always", "a chance"])
def test_confirmation_mistakes_get_their_hints(learner, fragments):
    failed_with(learner, *fragments)


def test_the_confirmations_reference_is_the_librarys_and_the_sample_is_the_chapters():
    for depths, risk in ch05.CONFIRM_CASES:
        assert ch05.needed(depths, risk) == confirmations_for(depths, risk)
    assert ch05.needed(ch05.SAMPLE, 0.01) == 3
