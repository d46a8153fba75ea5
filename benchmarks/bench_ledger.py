"""How close the chain's block validation comes to raw signature checking, per crypto
backend, and what the state root costs as the street grows (chapters 01-03).

Checking a block of transfers is mostly checking signatures, so the reference is the
backend's own verify, called directly on the same signatures with a new key object per
signature and nothing else around it: python-ecdsa's ``verify_digest``, and (when
``coincurve`` is installed) libsecp256k1's ``verify_signature``. Then a new node (a fresh
``Chain``) validates the same transfers as blocks read from the wire with ``add_block``:
parsing is outside the clock, and the crypto caches are cleared first
(``crypto.clear_caches``: remembered keys and verdicts), so every key is built and every
signature checked again as a node that just started would. Every figure here is timed
in CPU seconds of this process (``time.process_time``), so that other programs on a busy
machine, which interrupt the longer of two runs more often, do not count. Goals: chain
validation at least 80 % of the raw python-ecdsa rate on the pure backend and at least
50 % of the raw libsecp256k1 rate on the fast one (there the chain's own work weighs more,
as a signature costs some 25 times less). Below a goal, a profile shows where the rest
goes.

The state root: the time to compute it after one account changed, in a state of 10
accounts and in one of 10,000, and after one storage slot changed, in a contract of 10
slots and in one of 10,000. Goal: within 2x each. The root is a Merkle tree over the
accounts, each with a tree over its slots (``trie``), kept between roots: what is left in
proportion to the size is the path from the changed leaf to the root, about log16(n) nodes
hashed again. The sizes are timed in turns, best of several, so a busy machine slows them
alike.

A block of contract calls (token transfers on the contract machine) is validated too, for
its rate next to the transfers'.

Run: ``python -m benchmarks ledger``.
"""

from __future__ import annotations

import cProfile
import hashlib
import pstats
import time
from typing import Callable

import ecdsa
from ecdsa.util import sigdecode_string

from benchmarks.timing import best_time
from minichain import crypto
from minichain.block import Block
from minichain.chain import GENESIS_TIME, Chain, Genesis
from minichain.contracts import compiled
from minichain.state import Account, State
from minichain.tx import SignedTransaction
from minichain.vm.interface import ContractInterface, deploy_tx
from minichain.wallet import Wallet

SENDERS = 20
BLOCKS = 3
PER_BLOCK = 100
RAW_SIGNATURES = 300
REPEATS = 7
GOALS = {crypto.PURE_BACKEND: 0.80, crypto.FAST_BACKEND: 0.50}
ROOT_SIZES = (10, 10_000)
ROOT_CHANGES = 200
ROOT_GOAL = 2.0
CALLS = 100
CPU = time.process_time    # every figure here is CPU time of this process (see above)


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


def raw_verify_seconds(signed: list[SignedTransaction]) -> float:
    """CPU seconds for python-ecdsa alone to check every signature, a new key for each."""
    items = [(stx.public_key, stx.tx.signing_digest, stx.signature) for stx in signed]
    start = CPU()
    for public_key, digest, signature in items:
        key = ecdsa.VerifyingKey.from_string(public_key, curve=ecdsa.SECP256k1,
                                             hashfunc=hashlib.sha256)
        if not key.verify_digest(signature, digest, sigdecode=sigdecode_string):
            raise RuntimeError("a benchmark signature did not verify")
    return CPU() - start


def raw_libsecp256k1_seconds(signed: list[SignedTransaction]) -> float:
    """CPU seconds for libsecp256k1 alone (coincurve's ``verify_signature``) to check each one.

    coincurve takes DER signatures: they are converted before the clock starts.
    """
    import coincurve
    from coincurve.ecdsa import cdata_to_der, deserialize_compact

    items = [(cdata_to_der(deserialize_compact(stx.signature)), stx.tx.signing_digest,
              stx.public_key) for stx in signed]
    start = CPU()
    for der, digest, public_key in items:
        if not coincurve.verify_signature(der, digest, public_key, hasher=None):
            raise RuntimeError("a benchmark signature did not verify")
    return CPU() - start


RAW_VERIFY: dict[str, tuple[Callable[[list[SignedTransaction]], float], str]] = {
    crypto.PURE_BACKEND: (raw_verify_seconds, "python-ecdsa verify_digest"),
    crypto.FAST_BACKEND: (raw_libsecp256k1_seconds, "libsecp256k1 via coincurve.verify_signature"),
}


def sunny_street(wallets: list[Wallet], authority: Wallet) -> Genesis:
    return Genesis(chain_id=1, balances=tuple((w.address, 10**9) for w in wallets),
                   authorities=(authority.address,))


def built_blocks(genesis: Genesis, authority: Wallet,
                 batches: list[list[SignedTransaction]]) -> list[bytes]:
    """The blocks a sealer builds, one per batch, as bytes on the wire."""
    chain = Chain(genesis)
    wire = []
    for n, batch in enumerate(batches):
        block, rejected = chain.build_block(authority.key, batch, GENESIS_TIME + 15 * (n + 1))
        if rejected or len(block.transactions) != len(batch):
            raise RuntimeError(f"the sealer left out {len(rejected)} transactions")
        chain.add_block(block)
        wire.append(block.to_bytes())
    return wire


def validate(genesis: Genesis, blocks: list[Block]) -> Chain:
    chain = Chain(genesis)
    for block in blocks:
        chain.add_block(block)
    return chain


def chain_validation_seconds(genesis: Genesis, wire: list[bytes]) -> float:
    """CPU seconds for a new node to validate the blocks, crypto caches cleared."""
    blocks = [Block.from_bytes(raw) for raw in wire]
    crypto.clear_caches()
    start = CPU()
    chain = validate(genesis, blocks)
    elapsed = CPU() - start
    if chain.height != len(wire):
        raise RuntimeError("the benchmark chain did not accept every block")
    return elapsed


def sign_rate(signed: list[SignedTransaction], wallets: list[Wallet]) -> float:
    """Signatures per second with the backend in use (each key already built)."""
    keys = {w.address: w.key for w in wallets}
    items = [(keys[stx.sender], stx.tx.signing_digest) for stx in signed]
    for key, _ in items:
        key.sign(bytes(32))                       # build each key in this backend first
    return len(items) / best_time(lambda: [key.sign(digest) for key, digest in items], REPEATS,
                                  CPU)


def profile_validation(genesis: Genesis, wire: list[bytes], top: int = 12) -> None:
    """Print where validation spends its time in minichain's own code."""
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


def ledger_figures(wallets: list[Wallet], signed: list[SignedTransaction],
                   genesis: Genesis, wire: list[bytes]) -> None:
    """Sign and verify rates and the validation ratio for every backend installed."""
    print(f"{RAW_SIGNATURES} signed transfers from {SENDERS} senders; "
          f"{BLOCKS} blocks x {PER_BLOCK} transfers; best of {REPEATS}")
    # Interleaved and best of REPEATS, so a busy machine slows both alike.
    for name in [n for n in (crypto.PURE_BACKEND, crypto.FAST_BACKEND) if n in crypto.BACKENDS]:
        raw_seconds, what = RAW_VERIFY[name]
        with crypto.use_backend(name):
            raw, validation = [], []
            for _ in range(REPEATS):
                raw.append(raw_seconds(signed[:RAW_SIGNATURES]))
                validation.append(chain_validation_seconds(genesis, wire))
            raw_rate = RAW_SIGNATURES / min(raw)
            chain_rate = BLOCKS * PER_BLOCK / min(validation)
            ratio, goal = chain_rate / raw_rate, GOALS[name]
            print(f"[{name}] sign: {sign_rate(signed[:RAW_SIGNATURES], wallets):,.0f} sig/s; "
                  f"raw verify: {raw_rate:,.0f} sig/s ({what}, new key per signature)")
            print(f"[{name}] chain validation: {chain_rate:,.0f} tx/s (fresh Chain.add_block "
                  "on parsed blocks, caches cleared first)")
            print(f"[{name}] ratio: {ratio:.2f} (goal >= {goal:.2f}) "
                  f"{'OK' if ratio >= goal else 'BELOW GOAL'}")
            if ratio < goal:
                profile_validation(genesis, wire)
    if crypto.FAST_BACKEND not in crypto.BACKENDS:
        print(f"[{crypto.FAST_BACKEND}] not installed: pip install 'minichain[fast]'")


def account_change(accounts: int) -> Callable[[int], None]:
    """A state of ``accounts`` accounts and a change of one balance, then the root."""
    state = State({f"0x{i:040x}": Account(10**9 + i) for i in range(1, accounts + 1)})
    state.root()
    changed = [f"0x{i * 7919 % accounts + 1:040x}" for i in range(ROOT_CHANGES)]

    def change(round_: int) -> None:
        for offset, address in enumerate(changed):
            state.set_balance(address, round_ * ROOT_CHANGES + offset + 1)
            state.root()
    return change


def slot_change(slots: int) -> Callable[[int], None]:
    """A contract with ``slots`` storage slots (among 10 accounts) and a change of one slot."""
    contract = f"0x{1:040x}"
    state = State({f"0x{i:040x}": Account(10**9 + i, code=b"\x01" if i == 1 else b"")
                   for i in range(1, 11)}, {contract: {key: key + 1 for key in range(slots)}})
    state.root()
    changed = [i * 7919 % slots for i in range(ROOT_CHANGES)]

    def change(round_: int) -> None:
        for offset, key in enumerate(changed):
            state.storage_set(contract, key, round_ * ROOT_CHANGES + offset + 1)
            state.root()
    return change


def root_times(make: Callable[[int], Callable[[int], None]]) -> dict[int, float]:
    """CPU seconds per change and root, for each size, timed in turns (best of REPEATS)."""
    changes = {n: make(n) for n in ROOT_SIZES}
    best = {n: float("inf") for n in ROOT_SIZES}
    for round_ in range(1, REPEATS + 1):
        for n, change in changes.items():
            best[n] = min(best[n], best_time(lambda: change(round_), 1, CPU) / ROOT_CHANGES)
    return best


def state_root_figures() -> None:
    for what, make in (("account", account_change), ("storage slot", slot_change)):
        times = root_times(make)
        unit = "accounts" if what == "account" else "slots"
        for n, seconds in times.items():
            print(f"state root after one changed {what}, {n:,} {unit}: {seconds * 1e6:,.1f} us")
        small, large = (times[n] for n in ROOT_SIZES)
        ratio = large / small
        print(f"state root after one changed {what}, {ROOT_SIZES[1]:,} / {ROOT_SIZES[0]:,} "
              f"{unit}: {ratio:.1f}x (goal <= {ROOT_GOAL:.0f}x) "
              f"{'OK' if ratio <= ROOT_GOAL else 'BELOW GOAL'}")


def contract_call_figures(wallets: list[Wallet], authority: Wallet) -> None:
    """Validation of a block of token-contract transfers, per backend."""
    token = compiled("token")
    owner = wallets[0]
    genesis = sunny_street(wallets, authority)
    deploy = deploy_tx(token, owner, 10**6, nonce=0)
    chain = Chain(genesis)
    block, _ = chain.build_block(authority.key, [deploy], GENESIS_TIME + 15)
    chain.add_block(block)
    credits = ContractInterface(token.abi, chain.receipts[block.hash][0].contract_address)
    calls = [credits.call_tx(owner, "transfer", wallets[1 + i % (SENDERS - 1)].address, 1 + i,
                             nonce=1 + i) for i in range(CALLS)]
    wire = built_blocks(genesis, authority, [[deploy], calls])
    for name in [n for n in (crypto.PURE_BACKEND, crypto.FAST_BACKEND) if n in crypto.BACKENDS]:
        with crypto.use_backend(name):
            seconds = min(chain_validation_seconds(genesis, wire) for _ in range(REPEATS))
            print(f"[{name}] a deploy and a block of {CALLS} token-contract transfers "
                  f"validated: {(CALLS + 1) / seconds:,.0f} tx/s")


def run() -> None:
    wallets = households()
    authority = Wallet.from_seed("grid-operator")
    count = max(RAW_SIGNATURES, BLOCKS * PER_BLOCK)
    signed = transfers(wallets, count)
    genesis = sunny_street(wallets, authority)
    wire = built_blocks(genesis, authority, [signed[n * PER_BLOCK:(n + 1) * PER_BLOCK]
                                             for n in range(BLOCKS)])
    ledger_figures(wallets, signed, genesis, wire)
    state_root_figures()
    contract_call_figures(wallets, authority)


if __name__ == "__main__":
    run()
