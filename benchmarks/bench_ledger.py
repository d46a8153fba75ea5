"""How close the chain's block validation comes to raw signature checking (chapter 03).

Checking a block of transfers is mostly checking signatures, so the reference is python-
ecdsa itself: verify the same signatures directly, a fresh ``VerifyingKey`` per
signature, with nothing else around it. Then a new node (a fresh ``Chain``) validates
the same transfers as blocks read from the wire with ``add_block``: parsing is outside
the clock, and the crypto caches are cleared first (``crypto.clear_caches``: remembered
keys and verdicts), so every key is built and every signature checked again as a node that
just started would (the key cache then keeps one key per sender, as in a running node). Goal: chain validation at least 80 % of the raw
verify rate. A second reference, python-ecdsa with one key per sender, shows the chain's
own overhead alone. Below the goal, a profile shows where the rest goes.

Run: ``python -m benchmarks ledger``.
"""

from __future__ import annotations

import cProfile
import hashlib
import pstats
import time

import ecdsa
from ecdsa.util import sigdecode_string

from minichain import crypto
from minichain.block import Block
from minichain.chain import GENESIS_TIME, Chain, Genesis
from minichain.tx import SignedTransaction
from minichain.wallet import Wallet

SENDERS = 20
BLOCKS = 3
PER_BLOCK = 100
RAW_SIGNATURES = 300
REPEATS = 5
GOAL = 0.80


def households() -> list[Wallet]:
    return [Wallet.from_seed(f"household-{i:02d}") for i in range(SENDERS)]


def transfers(wallets: list[Wallet], count: int) -> list[SignedTransaction]:
    """``count`` distinct signed transfers, round robin over the senders."""
    nonces = [0] * len(wallets)
    signed = []
    for i in range(count):
        sender = i % len(wallets)
        recipient = wallets[(sender + 1) % len(wallets)]
        signed.append(wallets[sender].transfer(recipient.address, 1 + i % 7, nonces[sender]))
        nonces[sender] += 1
    return signed


def raw_verify_seconds(signed: list[SignedTransaction], reuse_keys: bool = False) -> float:
    """Seconds for python-ecdsa alone to check every signature.

    By default a new ``VerifyingKey`` is built for every signature (the reference of the
    goal); with ``reuse_keys`` one per sender is kept, as the chain's key cache does.
    """
    items = [(stx.public_key, stx.tx.signing_digest, stx.signature) for stx in signed]
    keys: dict[bytes, ecdsa.VerifyingKey] = {}
    start = time.perf_counter()
    for public_key, digest, signature in items:
        key = keys.get(public_key)
        if key is None:
            key = ecdsa.VerifyingKey.from_string(public_key, curve=ecdsa.SECP256k1,
                                                 hashfunc=hashlib.sha256)
            if reuse_keys:
                keys[public_key] = key
        if not key.verify_digest(signature, digest, sigdecode=sigdecode_string):
            raise RuntimeError("a benchmark signature did not verify")
    return time.perf_counter() - start


def sunny_street(wallets: list[Wallet], authority: Wallet) -> Genesis:
    return Genesis(chain_id=1, balances=tuple((w.address, 10**9) for w in wallets),
                   authorities=(authority.address,))


def built_blocks(genesis: Genesis, authority: Wallet,
                 signed: list[SignedTransaction]) -> list[bytes]:
    """The blocks a sealer builds from the transfers, as bytes on the wire."""
    chain = Chain(genesis)
    wire = []
    for n in range(BLOCKS):
        batch = signed[n * PER_BLOCK:(n + 1) * PER_BLOCK]
        block, rejected = chain.build_block(authority.key, batch,
                                            GENESIS_TIME + 15 * (n + 1))
        if rejected or len(block.transactions) != len(batch):
            raise RuntimeError(f"the sealer left out {len(rejected)} transfers")
        chain.add_block(block)
        wire.append(block.to_bytes())
    return wire


def validate(genesis: Genesis, blocks: list[Block]) -> Chain:
    chain = Chain(genesis)
    for block in blocks:
        chain.add_block(block)
    return chain


def chain_validation_seconds(genesis: Genesis, wire: list[bytes]) -> float:
    """Seconds for a new node to validate the blocks, verifying-key cache cleared."""
    blocks = [Block.from_bytes(raw) for raw in wire]
    crypto.clear_caches()
    start = time.perf_counter()
    chain = validate(genesis, blocks)
    elapsed = time.perf_counter() - start
    if chain.height != BLOCKS:
        raise RuntimeError("the benchmark chain did not accept every block")
    return elapsed


def profile_validation(genesis: Genesis, wire: list[bytes], top: int = 12) -> None:
    """Print where validation spends its time outside python-ecdsa's verify."""
    blocks = [Block.from_bytes(raw) for raw in wire]
    crypto.clear_caches()
    profiler = cProfile.Profile()
    profiler.enable()
    validate(genesis, blocks)
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, name), (_, calls, own, cumulative, _) in stats.stats.items():
        if "minichain" in filename:
            rows.append((own, cumulative, calls, f"{filename.split('minichain/')[-1]}:{name}"))
    total = sum(row[0] for row in rows)
    print(f"  profile: {total * 1000:.0f} ms of own time in minichain code "
          "(cProfile slows everything; compare shares, not seconds)")
    for own, cumulative, calls, where in sorted(rows, reverse=True)[:top]:
        print(f"    {own * 1000:7.1f} ms own  {cumulative * 1000:7.1f} ms cum  "
              f"{calls:6d} calls  {where}")


def run() -> None:
    wallets = households()
    authority = Wallet.from_seed("grid-operator")
    count = max(RAW_SIGNATURES, BLOCKS * PER_BLOCK)
    signed = transfers(wallets, count)
    genesis = sunny_street(wallets, authority)
    wire = built_blocks(genesis, authority, signed[:BLOCKS * PER_BLOCK])

    # Interleaved and best of REPEATS, so a busy machine slows all three alike.
    raw, reused, validation = [], [], []
    for _ in range(REPEATS):
        raw.append(raw_verify_seconds(signed[:RAW_SIGNATURES]))
        reused.append(raw_verify_seconds(signed[:RAW_SIGNATURES], reuse_keys=True))
        validation.append(chain_validation_seconds(genesis, wire))
    raw_rate = RAW_SIGNATURES / min(raw)
    reused_rate = RAW_SIGNATURES / min(reused)
    chain_rate = BLOCKS * PER_BLOCK / min(validation)
    ratio = chain_rate / raw_rate
    print(f"{RAW_SIGNATURES} signed transfers from {SENDERS} senders; "
          f"{BLOCKS} blocks x {PER_BLOCK} transfers; best of {REPEATS}")
    print(f"raw verify: {raw_rate:.0f} sig/s  (python-ecdsa verify_digest, new key per signature)")
    print(f"raw verify, one key per sender: {reused_rate:.0f} sig/s  (what the key cache allows)")
    print(f"chain validation: {chain_rate:.0f} tx/s  (fresh Chain.add_block on parsed blocks, "
          "key cache cleared first)")
    print(f"ratio: {ratio:.2f} (goal >= {GOAL:.2f}) {'OK' if ratio >= GOAL else 'BELOW GOAL'}")
    print(f"ratio to one-key-per-sender verify: {chain_rate / reused_rate:.2f} "
          "(the chain's own overhead)")
    if ratio < GOAL:
        profile_validation(genesis, wire)


if __name__ == "__main__":
    run()
