"""From the classroom to real networks: Ethereum's hash, encoding, addresses and genesis files (chapter 14).

Pure Python, like the rest of minichain, so it runs in a browser kernel too:

* ``keccak``: Keccak-256, the hash behind Ethereum addresses;
* ``rlp``: the Recursive Length Prefix encoding (a QBFT genesis's ``extraData``);
* ``addresses``: Ethereum addresses from minichain's own secp256k1 keys, EIP-55 checksums;
* ``genesis``: Sunny Street's authorities as the genesis file of a Clique network (geth,
  Besu) or a QBFT network (Besu);
* ``scale``: what changes at scale: orders per block, blocks for a city, blocks per slot.

The Vyper market for the real EVM lives with the other contracts, in
``minichain.contracts.evm``. Each module is imported on its own; this file imports nothing.
"""
