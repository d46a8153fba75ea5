"""The chapter 03 pictures, tested as data: boxes, arrows, labels, tree nodes, proof paths."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain.block import Block
from minichain.chain import verify_chain
from minichain.checks.ch03 import story
from minichain.errors import InvalidBlock, MinichainError
from minichain.merkle import EMPTY_ROOT, leaf_hash, merkle_levels, merkle_proof, merkle_root
from minichain.teach import short
from minichain.viz.ledger import (BLUE, FAILS_HERE, GREY, LIGHT_RED, RED, block_label,
                                  chain_figure, failed_block, merkle_figure, proof_path)
from minichain import cast

GRID = cast.wallet(cast.GRID_OPERATOR)
NAMES = {GRID.address: "grid operator"}
PROPERTY = settings(max_examples=60, deadline=None)


def forgery(name: str):
    s = story()
    blocks, expected = s.forgeries[name]
    return [s.blocks[0], *blocks], expected


def error_of(blocks) -> InvalidBlock:
    with pytest.raises(InvalidBlock) as caught:
        verify_chain(story().genesis, blocks)
    return caught.value


def arrows(figure):
    return [a for a in figure.layout.annotations if a.showarrow]


def texts(figure):
    return [a.text for a in figure.layout.annotations if not a.showarrow]


# --- the chain as linked boxes --------------------------------------------------------

def test_an_honest_chain_is_one_box_per_block_and_one_grey_arrow_per_link():
    blocks = list(story().blocks)
    figure = chain_figure(blocks, names=NAMES)
    assert len(figure.layout.shapes) == 4
    assert len(figure.data) == 0
    assert len(figure.layout.annotations) == 4 + 3
    assert [a.arrowcolor for a in arrows(figure)] == [GREY] * 3
    assert [s.line.color for s in figure.layout.shapes] == [BLUE] * 4
    assert figure.layout.title.text == "The chain: every block names its parent's hash"
    labels = texts(figure)
    assert [label.split("<br>")[0] for label in labels] == [
        "<b>Block #0</b>", "<b>Block #1</b>", "<b>Block #2</b>", "<b>Block #3</b>"]
    assert labels[2].split("<br>")[1:] == [
        f"hash {short(blocks[2].hash, 8)}", f"parent {short(blocks[1].hash, 8)}",
        "5 transactions", "sealer: grid operator"]
    assert labels[0].endswith("sealer: agreed by all")


def test_each_arrow_runs_from_a_block_to_the_box_of_its_parent():
    figure = chain_figure(list(story().blocks))
    boxes = figure.layout.shapes
    for i, arrow in enumerate(arrows(figure), start=1):
        assert arrow.x == boxes[i - 1].x1       # the head touches the parent's right edge
        assert arrow.ax == boxes[i].x0          # the tail leaves the child's left edge
        assert arrow.y == arrow.ay == 0.5


def test_without_names_the_sealer_is_a_short_address():
    label = texts(chain_figure(list(story().blocks)))[1]
    assert label.endswith(f"sealer: {short(GRID.address, 8)}")


def test_the_block_that_fails_validation_is_red_and_says_why():
    blocks, expected = forgery("slot 5 changed to 1799 Wh in block #2")
    error = error_of(blocks)
    figure = chain_figure(blocks, failing=failed_block(error), reason=type(error).__name__)
    assert expected == failed_block(error) == 2
    assert [s.line.color for s in figure.layout.shapes] == [BLUE, BLUE, RED, BLUE]
    assert figure.layout.shapes[2].fillcolor == LIGHT_RED
    assert figure.layout.shapes[2].line.width == 5
    assert len(figure.layout.annotations) == 4 + 3 + 1
    mark = [t for t in texts(figure) if FAILS_HERE in t]
    assert mark == [f"<b>{FAILS_HERE}</b><br>BadMerkleRoot"]
    # the changed transaction does not change the header, so every link still holds
    assert [a.arrowcolor for a in arrows(figure)] == [GREY] * 3


def test_a_rebuilt_block_breaks_the_next_link_and_the_next_block_is_marked():
    blocks, expected = forgery("block #2 rebuilt with the grid operator's key")
    error = error_of(blocks)
    assert type(error).__name__ == "WrongParent"
    figure = chain_figure(blocks, failing=failed_block(error), reason="WrongParent")
    assert expected == failed_block(error) == 3
    assert [a.arrowcolor for a in arrows(figure)] == [GREY, GREY, RED]
    assert [s.line.color for s in figure.layout.shapes] == [BLUE, BLUE, BLUE, RED]


def test_a_failing_number_that_is_not_drawn_marks_nothing():
    figure = chain_figure(list(story().blocks), failing=9, reason="BadSeal")
    assert len(figure.layout.annotations) == 7
    assert RED not in [s.line.color for s in figure.layout.shapes]


def test_an_empty_chain_draws_nothing_but_the_title():
    figure = chain_figure([], title="nothing yet")
    assert (len(figure.layout.shapes), len(figure.layout.annotations)) == (0, 0)
    assert figure.layout.title.text == "nothing yet"


def test_a_block_with_one_transaction_says_transaction_in_the_singular():
    block1 = story().blocks[1]
    assert "<br>3 transactions<br>" in block_label(block1)
    assert "<br>1 transaction<br>" in block_label(Block(block1.header, block1.transactions[:1]))


def test_failed_block_reads_the_number_an_invalid_block_error_names():
    assert failed_block(InvalidBlock("block #12: the seal signature does not verify")) == 12
    assert failed_block(InvalidBlock("malformed block: not canonical")) is None
    assert failed_block(None) is None


# --- the Merkle tree ------------------------------------------------------------------

LEAVES = [f'{{"slot":{i},"wh":{1000 + 100 * i}}}'.encode() for i in range(12)]


def by_name(figure):
    return {trace.name: trace for trace in figure.data}


def test_five_leaves_make_eleven_nodes_eight_paired_edges_and_two_carried_up():
    figure = merkle_figure(LEAVES[:5])
    traces = by_name(figure)
    assert list(traces) == ["hashed in pairs: SHA-256(0x01 ‖ left ‖ right)",
                            "odd node carried up unchanged", "hash"]
    assert len(traces["hashed in pairs: SHA-256(0x01 ‖ left ‖ right)"].x) == 8 * 3
    assert len(traces["odd node carried up unchanged"].x) == 2 * 3
    assert traces["odd node carried up unchanged"].line.dash == "dash"
    nodes = traces["hash"]
    levels = merkle_levels(LEAVES[:5])
    assert list(nodes.hovertext) == [h.hex() for level in levels for h in level]
    assert list(nodes.text)[-1] == merkle_root(LEAVES[:5]).hex()[:6]
    assert list(nodes.y) == [0] * 5 + [1] * 3 + [2] * 2 + [3]
    assert list(figure.layout.yaxis.ticktext) == [
        "leaves<br>SHA-256(0x00 ‖ tx)", "SHA-256(0x01 ‖ L ‖ R)", "SHA-256(0x01 ‖ L ‖ R)",
        "root"]
    assert texts(figure) == ["tx 0", "tx 1", "tx 2", "tx 3", "tx 4",
                             "<b>root</b> = the header's tx_root"]
    assert figure.layout.title.text == "Merkle tree of 5 transactions"


def test_a_carried_node_sits_straight_above_its_only_child():
    nodes = by_name(merkle_figure(LEAVES[:5]))["hash"]
    xs = list(nodes.x)
    assert xs[4] == xs[7] == xs[9] == 4.0           # leaf 4, carried to levels 1 and 2
    assert xs[5] == 0.5 and xs[8] == 1.5            # parents sit between their children


def test_a_power_of_two_has_no_carried_edges():
    figure = merkle_figure(LEAVES[:4], labels=["a", "b", "c", "d"])
    assert [t.name for t in figure.data] == ["hashed in pairs: SHA-256(0x01 ‖ left ‖ right)",
                                             "hash"]
    assert len(figure.data[0].x) == 6 * 3
    assert texts(figure)[:4] == ["a", "b", "c", "d"]


def test_the_proof_path_of_a_middle_leaf_is_four_nodes_and_three_green_siblings():
    leaves = LEAVES[:5]
    figure = merkle_figure(leaves, highlight=2, labels=[f"slot {i}" for i in range(5)])
    traces = by_name(figure)
    assert list(traces) == ["hashed in pairs: SHA-256(0x01 ‖ left ‖ right)",
                            "odd node carried up unchanged", "hash",
                            "path: the leaf up to the root", "the proof: 3 sibling hashes"]
    path = traces["path: the leaf up to the root"]
    assert list(path.hovertext)[0] == leaf_hash(leaves[2]).hex()
    assert list(path.hovertext)[-1] == merkle_root(leaves).hex()
    assert list(path.y) == [0, 1, 2, 3]
    proof = traces["the proof: 3 sibling hashes"]
    assert list(proof.hovertext) == [step.sibling.hex() for step in merkle_proof(leaves, 2)]
    assert len(traces["hash"].x) == 11 - 4 - 3
    assert "<b>slot 2</b>" in texts(figure)
    assert figure.layout.title.text == ("Inclusion proof for slot 2: 3 sibling hashes "
                                        "rebuild the root")


def test_the_last_of_five_leaves_needs_only_one_sibling():
    figure = merkle_figure(LEAVES[:5], highlight=4)
    traces = by_name(figure)
    assert list(traces["the proof: 1 sibling hash"].hovertext) == [
        merkle_levels(LEAVES[:5])[2][0].hex()]
    assert figure.layout.title.text.startswith("Inclusion proof for tx 4: 1 sibling hash ")


def test_one_leaf_is_its_own_root_and_the_empty_tree_shows_the_fixed_root():
    one = merkle_figure(LEAVES[:1])
    assert [t.name for t in one.data] == ["hash"]
    assert list(one.data[0].hovertext) == [leaf_hash(LEAVES[0]).hex()]
    assert list(one.layout.yaxis.ticktext) == ["leaves<br>SHA-256(0x00 ‖ tx)"]
    empty = merkle_figure([])
    assert list(empty.data[0].hovertext) == [EMPTY_ROOT.hex()]
    assert texts(empty) == ["no transactions: the root is SHA-256 of nothing"]


def test_a_leaf_outside_the_tree_or_missing_labels_are_refused():
    with pytest.raises(MinichainError, match="outside 0..4"):
        merkle_figure(LEAVES[:5], highlight=5)
    with pytest.raises(MinichainError, match="2 labels for 5 leaves"):
        merkle_figure(LEAVES[:5], labels=["a", "b"])


@PROPERTY
@given(data=st.data(), count=st.integers(min_value=1, max_value=40))
def test_the_highlighted_proof_is_exactly_the_proof_a_light_client_receives(data, count):
    leaves = [i.to_bytes(2, "big") for i in range(count)]
    index = data.draw(st.integers(min_value=0, max_value=count - 1))
    levels = merkle_levels(leaves)
    path, siblings = proof_path(count, index)
    assert len(path) == len(levels)
    assert [levels[lv][j] for lv, j in siblings] == [s.sibling for s in merkle_proof(leaves, index)]
    figure = merkle_figure(leaves, highlight=index)
    drawn = sum(len(t.x) for t in figure.data if t.mode == "markers+text")
    assert drawn == sum(len(level) for level in levels)
    highlighted = by_name(figure)["path: the leaf up to the root"]
    assert list(highlighted.hovertext)[-1] == merkle_root(leaves).hex()
