"""Solutions to the chapter 14 exercises: from classroom to the real world.

Try each exercise first; `check(your_function)` tells you what is wrong and hints at why.
"""

from minichain.realworld.keccak import keccak256

VANITY_BYTES = 32         # EIP-225: free bytes at the front of a Clique extraData
SEAL_BYTES = 65           # EIP-225: where a block's signature goes (zeros in a genesis)
ADDRESS_BYTES = 20


def ethereum_address_of(xy):
    """'0x' + the last 20 bytes of Keccak-256 of the 64-byte public key x || y."""
    return "0x" + keccak256(xy)[-ADDRESS_BYTES:].hex()


def genesis_signers(genesis):
    """The signers a Clique genesis names in its extraData, as lowercase '0x' addresses."""
    extra = bytes.fromhex(genesis["extraData"][2:])
    body = extra[VANITY_BYTES:len(extra) - SEAL_BYTES]
    return ["0x" + body[i:i + ADDRESS_BYTES].hex() for i in range(0, len(body), ADDRESS_BYTES)]


def blocks_for_city(homes, orders_per_home, gas_per_order, fixed_gas, block_gas_limit):
    """Blocks that clear the city's orders in books that each fit one block."""
    orders = homes * orders_per_home
    per_block = (block_gas_limit - fixed_gas) // gas_per_order
    return -(-orders // per_block)          # rounded up: ceil(orders / per_block)


def score_in_vyper():
    """The Bayesian reputation score of chapter 10 as a Vyper contract."""
    return """
PRIOR_WEIGHT: constant(uint256) = 5       # imaginary ratings counted in
PRIOR_SCORE: constant(uint256) = 3000     # milli-stars: three stars

@external
@pure
def score(stars: uint256, ratings: uint256) -> uint256:
    return (PRIOR_WEIGHT * PRIOR_SCORE + 1000 * stars) // (PRIOR_WEIGHT + ratings)
"""
