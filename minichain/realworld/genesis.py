"""Sunny Street as the genesis of a real proof-of-authority network: Clique or QBFT (chapter 14).

minichain's own chain starts from a ``Genesis`` that lists the authorities (chapter 04).
An Ethereum client starts from a genesis *file*: JSON that fixes the chain id, the rules
(which forks, which consensus engine, its period and epoch), the first balances, and in
``extraData`` who may seal blocks. These functions write that file for the same
authorities, from their secp256k1 public keys (``Wallet.public_key``), with Ethereum
addresses derived from the same keys (``addresses.ethereum_address``).

**Clique** (EIP-225, what minichain's ``poa`` implements): ``extraData`` is 32 bytes of
vanity, then the signers' 20-byte addresses in ascending order, then 65 zero bytes where
a block's seal would be (the genesis has no sealer). geth calls the settings ``period``
and ``epoch``; Besu calls them ``blockperiodseconds`` and ``epochlength``. Both clients are
retiring Clique: geth v1.14 no longer seals Clique blocks and Besu deprecated Clique block
production in 25.12, so a new network would choose QBFT.

**QBFT** (Besu's Byzantine-fault-tolerant proof of authority): ``extraData`` is the RLP
encoding of ``[32-byte vanity, [validator addresses], no vote, round 0, no seals]``, the
config has a ``qbft`` block, and ``mixHash`` is QBFT's fixed marker. A block is final as
soon as at least two thirds of the validators have signed it: no forks, no reorgs.
With n validators QBFT tolerates f = (n - 1) // 3 faulty ones (``bft_fault_tolerance``):
the street's three authorities tolerate none; a fourth would let one fail or lie. Aura,
the protocol of the Energy Web Chain, counts a block final once more than half of the
validators have sealed it or a block on top of it (``aura_finality``).

``signers_of`` reads the sealers back out of a genesis of either kind.
"""

from __future__ import annotations

import json
from typing import Iterable, Mapping, Sequence

from minichain.chain import BLOCK_GAS_LIMIT, GENESIS_TIME
from minichain.errors import CryptoError, GenesisError, RLPError
from minichain.realworld import rlp
from minichain.realworld.addresses import ADDRESS_BYTES, address_bytes, ethereum_address

VANITY_BYTES = 32            # EIP-225: free bytes at the front of extraData
SEAL_BYTES = 65              # EIP-225: the sealer's signature r || s || v at the back
QBFT_MIX_HASH = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365"
ZERO_HASH = "0x" + "00" * 32
ZERO_ADDRESS = "0x" + "00" * ADDRESS_BYTES
CHAIN_ID = 1337              # a chain id for private networks; pick your own for a real one
BLOCK_PERIOD = 5             # seconds between blocks
EPOCH = 30_000               # blocks between checkpoints that reset the votes
CLIQUE = "clique"
QBFT = "qbft"
GETH = "geth"
BESU = "besu"
FORMATS = (CLIQUE, QBFT)
CLIENTS = (GETH, BESU)
# The forks from Homestead to Berlin, all active from block 0 (no London: no base fee).
FORKS = ("homesteadBlock", "eip150Block", "eip155Block", "eip158Block", "byzantiumBlock",
         "constantinopleBlock", "petersburgBlock", "istanbulBlock", "berlinBlock")


def bft_fault_tolerance(validators: int) -> int:
    """How many faulty validators a BFT network of this size survives: n >= 3f + 1."""
    return max(validators - 1, 0) // 3


def bft_quorum(validators: int) -> int:
    """How many of the validators must sign a QBFT block before it is added (and final):
    at least two thirds, ceil(2n / 3)."""
    return -(-2 * validators // 3)


def aura_finality(validators: int) -> int:
    """How many distinct validators must have sealed a block or built on it before Aura
    counts it final: more than half."""
    return validators // 2 + 1


def sealer_addresses(public_keys: Iterable[bytes]) -> list[str]:
    """The sealers' Ethereum addresses, in ascending order, from their public keys."""
    addresses = sorted(ethereum_address(key) for key in public_keys)
    if not addresses:
        raise GenesisError("a proof-of-authority genesis needs at least one sealer's key")
    if len(set(addresses)) != len(addresses):
        raise GenesisError("the same key is listed twice; every sealer needs its own key")
    return addresses


def clique_extra_data(addresses: Sequence[str]) -> bytes:
    """EIP-225's genesis extraData: 32-byte vanity, the signers in ascending order, a zero seal."""
    signers = sorted(address_bytes(address) for address in addresses)
    if not signers:
        raise GenesisError("Clique's genesis extraData must list at least one signer")
    return bytes(VANITY_BYTES) + b"".join(signers) + bytes(SEAL_BYTES)


def qbft_extra_data(addresses: Sequence[str]) -> bytes:
    """Besu's QBFT genesis extraData: RLP([vanity, [validators], no vote, round 0, no seals])."""
    validators = sorted(address_bytes(address) for address in addresses)
    if not validators:
        raise GenesisError("QBFT's genesis extraData must list at least one validator")
    return rlp.encode([bytes(VANITY_BYTES), validators, [], 0, []])


def _check_settings(chain_id: int, period: int, epoch: int, gas_limit: int,
                    timestamp: int) -> None:
    for name, value, least in (("chain_id", chain_id, 1), ("period", period, 1),
                               ("epoch", epoch, 1), ("gas_limit", gas_limit, 5_000),
                               ("timestamp", timestamp, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise GenesisError(f"{name} must be a whole number >= {least}, got {value!r}")


def _alloc(balances: Mapping[str, int]) -> dict[str, dict[str, str]]:
    alloc = {}
    for address, wei in sorted(balances.items()):
        if isinstance(wei, bool) or not isinstance(wei, int) or wei < 0:
            raise GenesisError(f"the balance of {address} must be whole wei >= 0, got {wei!r}")
        alloc[address_bytes(address).hex()] = {"balance": hex(wei)}
    return alloc


def _genesis(config: dict, extra_data: bytes, mix_hash: str, gas_limit: int, timestamp: int,
             balances: Mapping[str, int]) -> dict:
    return {"config": config, "nonce": "0x0", "timestamp": hex(timestamp),
            "extraData": "0x" + extra_data.hex(), "gasLimit": hex(gas_limit),
            "difficulty": "0x1", "mixHash": mix_hash, "coinbase": ZERO_ADDRESS,
            "alloc": _alloc(balances), "number": "0x0", "gasUsed": "0x0",
            "parentHash": ZERO_HASH}


def clique_genesis(public_keys: Sequence[bytes], client: str = GETH, chain_id: int = CHAIN_ID,
                   period: int = BLOCK_PERIOD, epoch: int = EPOCH,
                   gas_limit: int = BLOCK_GAS_LIMIT, timestamp: int = GENESIS_TIME,
                   balances: Mapping[str, int] | None = None) -> dict:
    """A Clique genesis (EIP-225) for geth or Besu, sealed by the holders of ``public_keys``."""
    if client not in CLIENTS:
        raise GenesisError(f"client must be one of {list(CLIENTS)}, got {client!r}")
    _check_settings(chain_id, period, epoch, gas_limit, timestamp)
    signers = sealer_addresses(public_keys)
    if client == GETH:
        engine = {"period": period, "epoch": epoch}
    else:
        engine = {"blockperiodseconds": period, "epochlength": epoch, "createemptyblocks": True}
    config = {"chainId": chain_id, **{fork: 0 for fork in FORKS}, CLIQUE: engine}
    return _genesis(config, clique_extra_data(signers), ZERO_HASH, gas_limit, timestamp,
                    balances or {})


def qbft_genesis(public_keys: Sequence[bytes], chain_id: int = CHAIN_ID,
                 period: int = BLOCK_PERIOD, epoch: int = EPOCH,
                 request_timeout: int | None = None, gas_limit: int = BLOCK_GAS_LIMIT,
                 timestamp: int = GENESIS_TIME,
                 balances: Mapping[str, int] | None = None) -> dict:
    """A QBFT genesis for Besu, validated by the holders of ``public_keys``; the round timeout
    defaults to two block periods (Besu's advice for a first setting)."""
    _check_settings(chain_id, period, epoch, gas_limit, timestamp)
    timeout = 2 * period if request_timeout is None else request_timeout
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
        raise GenesisError(f"request_timeout must be a whole number of seconds >= 1, "
                           f"got {timeout!r}")
    validators = sealer_addresses(public_keys)
    engine = {"blockperiodseconds": period, "epochlength": epoch,
              "requesttimeoutseconds": timeout}
    config = {"chainId": chain_id, **{fork: 0 for fork in FORKS}, QBFT: engine}
    return _genesis(config, qbft_extra_data(validators), QBFT_MIX_HASH, gas_limit, timestamp,
                    balances or {})


def genesis_json(genesis: Mapping) -> str:
    """The genesis as the text of a file: two-space indents, keys in a fixed order, a newline."""
    return json.dumps(genesis, indent=2) + "\n"


def signers_of(genesis: Mapping) -> list[str]:
    """The sealers a Clique or QBFT genesis names in its extraData, as lowercase addresses."""
    config = genesis.get("config", {}) if isinstance(genesis, Mapping) else {}
    try:
        extra = bytes.fromhex(str(genesis["extraData"]).removeprefix("0x"))
    except (KeyError, TypeError, ValueError):
        raise GenesisError("the genesis has no extraData in hex") from None
    if CLIQUE in config:
        signers = len(extra) - VANITY_BYTES - SEAL_BYTES
        if signers <= 0 or signers % ADDRESS_BYTES:
            raise GenesisError(f"Clique extraData of {len(extra)} bytes is not 32 + 20·N + 65 "
                               "with N >= 1")
        body = extra[VANITY_BYTES:VANITY_BYTES + signers]
        return ["0x" + body[i:i + ADDRESS_BYTES].hex() for i in range(0, signers, ADDRESS_BYTES)]
    if QBFT in config:
        try:
            fields = rlp.decode(extra)
        except RLPError as bad:
            raise GenesisError(f"QBFT extraData is not RLP: {bad}") from None
        if (not isinstance(fields, list) or len(fields) != 5 or not isinstance(fields[1], list)
                or any(not isinstance(v, bytes) or len(v) != ADDRESS_BYTES for v in fields[1])):
            raise GenesisError("QBFT extraData must be RLP([vanity, [20-byte validators], "
                               "vote, round, seals])")
        return ["0x" + validator.hex() for validator in fields[1]]
    raise GenesisError("the genesis config names neither 'clique' nor 'qbft'")
