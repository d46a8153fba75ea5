"""The chapter 03 checks answer the usual wrong turns with the hint that fixes them."""

from __future__ import annotations

import pytest
from checks_kit import failed_with, named

from minichain.block import transactions_root
from minichain.chain import Chain, verify_chain
from minichain.checks import PASSED, check, ch03
from minichain.checks.ch03 import story
from minichain.encoding import sha256
from minichain.errors import InvalidBlock, WrongParent
from minichain.merkle import LEAF_PREFIX, NODE_PREFIX
from minichain.merkle import merkle_root as library_root


# --- block_links_ok -------------------------------------------------------------------

def test_comparing_numbers_instead_of_hashes_is_caught_by_a_rebuilt_block():
    @named("block_links_ok")
    def numbers_only(blocks):
        return all(b.number == a.number + 1 for a, b in zip(blocks, blocks[1:]))
    failed_with(numbers_only, "rebuilt", "numbers that count up prove nothing")


def test_checking_only_the_first_link_misses_a_break_further_on():
    @named("block_links_ok")
    def first_link_only(blocks):
        return len(blocks) < 2 or blocks[1].header.parent_hash == blocks[0].hash
    failed_with(first_link_only, "expected False, got True", "compare every")


def test_hashing_the_whole_block_instead_of_taking_block_hash_fails_on_an_honest_chain():
    @named("block_links_ok")
    def whole_block(blocks):
        return all(b.header.parent_hash == sha256(a.to_bytes()) for a, b in zip(blocks, blocks[1:]))
    failed_with(whole_block, "genesis, #1, #2, #3", "expected True, got False",
                "blocks[i - 1].hash")


def test_indexing_the_first_block_of_an_empty_list_gets_the_short_list_hint():
    @named("block_links_ok")
    def crashes_when_empty(blocks):
        previous = blocks[0]
        for block in blocks[1:]:
            if block.header.parent_hash != previous.hash:
                return False
            previous = block
        return True
    failed_with(crashes_when_empty, "an empty list", "fewer than two blocks")


def test_a_number_instead_of_a_bool_is_refused():
    @named("block_links_ok")
    def counts(blocks):
        return sum(b.header.parent_hash == a.hash for a, b in zip(blocks, blocks[1:]))
    failed_with(counts, "return True or False")


# --- merkle_root ----------------------------------------------------------------------

def plain_root(leaves, leaf, node, odd="carry"):
    if not leaves:
        return sha256(b"")
    level = [leaf(x) for x in leaves]
    while len(level) > 1:
        if len(level) % 2 and odd == "duplicate":
            level.append(level[-1])
        parents = [node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            parents.append(level[-1])
        level = parents
    return level[0]


def with_prefix(prefix):
    return lambda *parts: sha256(prefix + b"".join(parts))


LEAF, NODE = with_prefix(LEAF_PREFIX), with_prefix(NODE_PREFIX)


@pytest.mark.parametrize("leaf,node,odd,fragment", [
    (sha256, lambda a, b: sha256(a + b), "carry", "the prefixes keep a leaf from passing"),
    (lambda x: x, NODE, "carry", "start from the leaf hashes"),
    (NODE, LEAF, "carry", "leaves get LEAF_PREFIX (0x00)"),
    (LEAF, NODE, "duplicate", "not paired with a copy of itself"),
], ids=["no prefixes", "leaves not hashed", "prefixes swapped", "bitcoin duplication"])
def test_each_classic_merkle_mistake_gets_its_own_hint(leaf, node, odd, fragment):
    @named("merkle_root")
    def wrong(leaves):
        return plain_root(leaves, leaf, node, odd)
    failed_with(wrong, fragment)


def test_hashing_the_odd_node_again_is_caught_at_three_leaves():
    @named("merkle_root")
    def rehash_odd(leaves):
        if not leaves:
            return sha256(b"")
        level = [LEAF(x) for x in leaves]
        while len(level) > 1:
            parents = [NODE(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                parents.append(NODE(level[-1]))
            level = parents
        return level[0]
    failed_with(rehash_odd, "merkle_root of 3 leaves", "carried up to the next level as it is")


def test_hex_text_and_a_wrong_empty_root_are_named():
    @named("merkle_root")
    def as_hex(leaves):
        return library_root(leaves).hex()
    failed_with(as_hex, "not hex text")

    @named("merkle_root")
    def no_empty_case(leaves):
        return plain_root(leaves, LEAF, NODE) if leaves else b""
    failed_with(no_empty_case, "merkle_root of 0 leaves", "sha256(b'')")

    @named("merkle_root")
    def crashes_when_empty(leaves):
        level = [LEAF(x) for x in leaves]
        while len(level) > 1:
            parents = [NODE(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            level = parents + ([level[-1]] if len(level) % 2 else [])
        return level[0]
    failed_with(crashes_when_empty, "IndexError", "sha256(b'')")


# --- verify_inclusion -----------------------------------------------------------------

def rebuild(leaf, proof, start=LEAF, respect_side=True):
    current = start(leaf)
    for step in proof:
        if step.sibling_on_left and respect_side:
            current = NODE(step.sibling, current)
        else:
            current = NODE(current, step.sibling)
    return current


def test_accepting_every_proof_is_caught_by_a_changed_reading():
    @named("verify_inclusion")
    def always_yes(leaf, proof, root):
        return True
    failed_with(always_yes, "a changed reading (1799 Wh)", "expected False, got True",
                "only vouches for one leaf")


def test_ignoring_which_side_the_sibling_is_on_gets_the_side_hint():
    @named("verify_inclusion")
    def one_sided(leaf, proof, root):
        return rebuild(leaf, proof, respect_side=False) == root
    failed_with(one_sided, "leaf 1 of 5", "the sibling goes first")


def test_starting_from_the_bare_leaf_gets_the_prefix_hint():
    @named("verify_inclusion")
    def no_leaf_prefix(leaf, proof, root):
        return rebuild(leaf, proof, start=sha256) == root
    failed_with(no_leaf_prefix, "leaf 0 of 5", "sha256(LEAF_PREFIX + leaf)")


def test_refusing_an_empty_proof_gets_the_one_leaf_hint():
    @named("verify_inclusion")
    def needs_steps(leaf, proof, root):
        return bool(proof) and rebuild(leaf, proof) == root
    failed_with(needs_steps, "one-leaf tree", "the leaf's own hash")


def test_returning_the_rebuilt_hash_instead_of_a_verdict_is_refused():
    @named("verify_inclusion")
    def returns_hash(leaf, proof, root):
        return rebuild(leaf, proof)
    failed_with(returns_hash, "return True or False")


# --- first_invalid_block --------------------------------------------------------------

def test_the_position_in_the_list_instead_of_the_number_is_named():
    @named("first_invalid_block")
    def position(genesis, blocks):
        chain = Chain(genesis)
        for i, block in enumerate(blocks):
            try:
                if block.header.parent_hash != chain.head_hash:
                    return i
                chain.add_block(block)
            except InvalidBlock:
                return i
        return None
    failed_with(position, "expected 2, got 1", "not its position in the list")


def test_checking_only_merkle_roots_misses_a_recomputed_root():
    @named("first_invalid_block")
    def roots_only(genesis, blocks):
        for block in blocks:
            if transactions_root(block.transactions) != block.header.tx_root:
                return block.number
        return None
    failed_with(roots_only, "Merkle root recomputed", "expected 2, got None",
                "validate every block fully")


def test_checking_each_block_on_its_own_misses_a_rebuilt_block():
    @named("first_invalid_block")
    def each_on_its_own(genesis, blocks):
        for block in blocks:
            header = block.header
            if (transactions_root(block.transactions) != header.tx_root
                    or not header.seal_is_valid() or header.sealer not in genesis.authorities):
                return block.number
        return None
    failed_with(each_on_its_own, "rebuilt with the grid operator's key", "expected 3, got None",
                "still names the old #2")


def test_zero_for_a_valid_chain_gets_the_none_hint():
    @named("first_invalid_block")
    def zero_when_fine(genesis, blocks):
        try:
            verify_chain(genesis, blocks)
        except InvalidBlock as error:
            return int(str(error).split("#")[1].split(":")[0])
        return 0
    failed_with(zero_when_fine, "expected None, got 0", "return None")


def test_letting_the_error_escape_is_reported_not_raised():
    @named("first_invalid_block")
    def escapes(genesis, blocks):
        verify_chain(genesis, blocks)
        return None
    failed_with(escapes, "your function raised BadMerkleRoot", "Hint:")


def test_the_story_the_checks_use_is_an_honest_chain_and_its_forgeries_fail_where_said():
    s = story()
    assert verify_chain(s.genesis, list(s.blocks)).height == 3
    for what, (blocks, expected) in s.forgeries.items():
        if expected is None:
            verify_chain(s.genesis, list(blocks))
            continue
        with pytest.raises(InvalidBlock, match=rf"^block #{expected}:"):
            verify_chain(s.genesis, list(blocks))


def test_parsing_the_verify_chain_message_is_a_valid_answer():
    @named("first_invalid_block")
    def from_message(genesis, blocks):
        try:
            verify_chain(genesis, blocks)
        except InvalidBlock as error:
            return int(str(error).split("#")[1].split(":")[0])
        return None
    assert check(from_message).status == PASSED


def test_a_naive_chain_replay_misses_the_valid_sibling_and_is_told_to_check_the_parent():
    @named("first_invalid_block")
    def add_blocks_only(genesis, blocks):
        chain = Chain(genesis)
        for block in blocks:
            try:
                chain.add_block(block)
            except InvalidBlock:
                return block.number
        return None
    failed_with(add_blocks_only, "a second, valid #3 sealed on #2", "expected 3, got None",
                "stores it, as a fork on #2", "parent_hash == chain.head_hash")


def test_the_sibling_is_a_valid_block_that_the_chain_keeps_as_a_fork():
    s = story()
    blocks, expected = s.forgeries["a second, valid #3 sealed on #2, listed after #3"]
    chain = Chain(s.genesis)
    for block in blocks:
        chain.add_block(block)                  # no error: the sibling is a valid fork
    assert expected == 3 and len(chain.blocks) == 5 and chain.height == 3
    with pytest.raises(InvalidBlock, match=r"^block #3: parent_hash"):
        verify_chain(s.genesis, list(blocks))


# --- name_the_error -------------------------------------------------------------------

def test_the_errors_a_new_node_names_follow_the_forgery_step_by_step():
    s = story()
    names = {what: ch03.first_error_name(s.genesis, blocks)
             for what, (blocks, _) in s.forgeries.items()}
    assert list(names.values()) == [None, "BadMerkleRoot", "BadSeal", "UnauthorisedSealer",
                                    "WrongParent", "BadTimestamp", "BadMerkleRoot",
                                    "WrongParent"]


def replay_naming(name_of, parent_check=True):
    @named("name_the_error")
    def wrong(genesis, blocks):
        chain = Chain(genesis)
        for block in blocks:
            try:
                if parent_check and block.header.parent_hash != chain.head_hash:
                    raise WrongParent("not on the block before it")
                chain.add_block(block)
            except InvalidBlock as error:
                return name_of(error)
        return None
    return wrong


@pytest.mark.parametrize("name_of, parent_check, fragments", [
    (lambda error: "InvalidBlock", True, ("got 'InvalidBlock'", "InvalidBlock is the family")),
    (str, True, ("that is the error's message",)),
    (lambda error: error, True, ("as text: type(error).__name__",)),
    (type, True, ("as text: type(error).__name__",)),
    (lambda error: type(error).__name__, False,
     ("rebuilt with the grid operator's key", "got 'UnknownParent'", "WrongParent")),
], ids=["the family", "the message", "the error", "the class", "no parent check"])
def test_name_the_error_slips_get_their_hints(name_of, parent_check, fragments):
    failed_with(replay_naming(name_of, parent_check), *fragments)


def test_name_the_error_with_a_parent_check_passes_and_none_for_a_good_chain_is_required():
    assert check(replay_naming(lambda error: type(error).__name__)).status == PASSED

    @named("name_the_error")
    def always_blames(genesis, blocks):
        return "BadSeal"
    failed_with(always_blames, "the untouched chain", "every block of this chain is valid")
