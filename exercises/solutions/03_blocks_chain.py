"""Solutions to the chapter 03 exercises: blocks and the chain.

Try each exercise first; `check(your_function)` tells you what is wrong and hints at why.
"""

from minichain.chain import Chain, verify_chain
from minichain.encoding import sha256
from minichain.errors import InvalidBlock
from minichain.merkle import LEAF_PREFIX, NODE_PREFIX


def block_links_ok(blocks):
    """True when every block names the hash of the block just before it in the list."""
    for i in range(1, len(blocks)):
        if blocks[i].header.parent_hash != blocks[i - 1].hash:
            return False
    return True


def merkle_root(leaves):
    """The Merkle root of a list of byte strings, with the RFC 6962 prefixes."""
    if not leaves:
        return sha256(b"")
    level = [sha256(LEAF_PREFIX + leaf) for leaf in leaves]
    while len(level) > 1:
        parents = [sha256(NODE_PREFIX + level[i] + level[i + 1])
                   for i in range(0, len(level) - 1, 2)]
        if len(level) % 2 == 1:
            parents.append(level[-1])          # the odd node is carried up unchanged
        level = parents
    return level[0]


def verify_inclusion(leaf, proof, root):
    """True when the sibling hashes in ``proof`` rebuild ``root`` from ``leaf``."""
    current = sha256(LEAF_PREFIX + leaf)
    for step in proof:
        if step.sibling_on_left:
            current = sha256(NODE_PREFIX + step.sibling + current)
        else:
            current = sha256(NODE_PREFIX + current + step.sibling)
    return current == root


def first_invalid_block(genesis, blocks):
    """The number of the first block a new node would reject, or None if all are valid."""
    chain = Chain(genesis)
    for block in blocks:
        if block.header.parent_hash != chain.head_hash:   # not on top of the block before
            return block.number
        try:
            chain.add_block(block)
        except InvalidBlock:
            return block.number
    return None


def name_the_error(genesis, blocks):
    """The name of the error a new node raises at the first invalid block, or None."""
    try:
        verify_chain(genesis, blocks)
    except InvalidBlock as error:
        return type(error).__name__
    return None
