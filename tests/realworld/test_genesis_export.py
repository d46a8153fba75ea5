"""Sunny Street's authorities as a Clique (EIP-225) or QBFT (Besu) genesis: byte layout and addresses (chapter 14)."""

from __future__ import annotations

import json

import pytest

from minichain.chain import BLOCK_GAS_LIMIT, GENESIS_TIME
from minichain.cast import AUTHORITIES as AUTHORITY_NAMES
from minichain.errors import GenesisError
from minichain.realworld.addresses import ethereum_address
from minichain.realworld.genesis import (QBFT_MIX_HASH, SEAL_BYTES, VANITY_BYTES,
                                         aura_finality, bft_fault_tolerance, bft_quorum,
                                         clique_extra_data, clique_genesis,
                                         genesis_json, qbft_extra_data, qbft_genesis, signers_of)
from minichain.wallet import Wallet

reference_rlp = pytest.importorskip("rlp", reason="the rlp package is in the test extra")
eth_keys = pytest.importorskip("eth_keys", reason="eth-keys is in the test extra")

AUTHORITIES = [Wallet.from_seed(name) for name in AUTHORITY_NAMES]
KEYS = [wallet.public_key for wallet in AUTHORITIES]


def oracle_addresses() -> list[str]:
    """The authorities' addresses as eth-keys derives them, in ascending order."""
    return sorted(eth_keys.keys.PrivateKey(w.key.secret.to_bytes(32, "big"))
                  .public_key.to_canonical_address().hex() for w in AUTHORITIES)


def test_clique_extra_data_is_vanity_then_sorted_signers_then_a_zero_seal():
    """EIP-225: EXTRA_VANITY (32 bytes) | N * 20-byte signers, ascending | EXTRA_SEAL (65)."""
    extra = bytes.fromhex(clique_genesis(KEYS)["extraData"][2:])
    assert len(extra) == VANITY_BYTES + 20 * len(KEYS) + SEAL_BYTES == 32 + 60 + 65
    assert extra[:32] == bytes(32)
    assert extra[-65:] == bytes(65)
    signers = [extra[32 + 20 * i:52 + 20 * i].hex() for i in range(len(KEYS))]
    assert signers == oracle_addresses()
    assert signers == sorted(signers)


def test_clique_extra_data_matches_besus_one_signer_example():
    example = ("0x0000000000000000000000000000000000000000000000000000000000000000"
               "01a54556254bfa3db2daa7673435ec63649925c5" + "00" * 65)
    assert "0x" + clique_extra_data(["0x01a54556254bfa3db2daa7673435ec63649925c5"]).hex() \
        == example


def test_the_signer_order_never_depends_on_the_order_of_the_keys():
    assert clique_genesis(KEYS) == clique_genesis(KEYS[::-1])
    assert qbft_genesis(KEYS) == qbft_genesis(KEYS[::-1])


def test_geth_and_besu_name_the_clique_settings_differently():
    geth = clique_genesis(KEYS, client="geth", chain_id=4242, period=3, epoch=100)
    besu = clique_genesis(KEYS, client="besu", chain_id=4242, period=3, epoch=100)
    assert geth["config"]["clique"] == {"period": 3, "epoch": 100}
    assert besu["config"]["clique"] == {"blockperiodseconds": 3, "epochlength": 100,
                                        "createemptyblocks": True}
    for genesis in (geth, besu):
        config = genesis["config"]
        assert config["chainId"] == 4242
        assert config["homesteadBlock"] == config["berlinBlock"] == 0
        assert "londonBlock" not in config                      # no base fee to pay
        assert genesis["difficulty"] == "0x1"
        assert genesis["gasLimit"] == hex(BLOCK_GAS_LIMIT) == "0x1c9c380"
        assert genesis["timestamp"] == hex(GENESIS_TIME)
        assert genesis["mixHash"] == "0x" + "00" * 32
        assert genesis["extraData"] == geth["extraData"]


def test_qbft_extra_data_is_the_rlp_list_besu_expects():
    """RLP([32-byte vanity, [validators], no vote, round 0, no seals]), read by another library."""
    genesis = qbft_genesis(KEYS)
    vanity, validators, vote, round_, seals = reference_rlp.decode(
        bytes.fromhex(genesis["extraData"][2:]))
    assert vanity == bytes(32)
    assert [v.hex() for v in validators] == oracle_addresses()
    assert vote == [] and round_ == b"" and seals == []
    assert genesis["mixHash"] == QBFT_MIX_HASH
    assert bytes.fromhex(QBFT_MIX_HASH[2:]) == b"ctical byzantine fault tolerance"   # the marker
    assert genesis["config"]["qbft"] == {"blockperiodseconds": 5, "epochlength": 30_000,
                                         "requesttimeoutseconds": 10}
    assert genesis["difficulty"] == "0x1"


def test_qbft_extra_data_matches_besus_four_validator_example():
    validators = ["0x4592c8e45706cc08b8f44b11e43cba0cfc5892cb",
                  "0x06e23768a0f59cf365e18c2e0c89e151bcdedc70",
                  "0xc5327f96ee02d7bcbc1bf1236b8c15148971e1de",
                  "0xab5e7f4061c605820d3744227eed91ff8e2c8908"]
    example = ("f87aa00000000000000000000000000000000000000000000000000000000000000000f854"
               + "".join("94" + v[2:] for v in validators) + "c080c0")
    # the example lists them as given; the encoding itself is the same list shape
    assert reference_rlp.encode([bytes(32), [bytes.fromhex(v[2:]) for v in validators], [], 0,
                                 []]).hex() == example
    ours = qbft_extra_data(validators)
    assert reference_rlp.decode(ours)[1] == sorted(bytes.fromhex(v[2:]) for v in validators)
    assert len(ours) == len(bytes.fromhex(example))


@pytest.mark.parametrize("make", [clique_genesis, qbft_genesis])
def test_the_signers_read_back_are_the_authorities_ethereum_addresses(make):
    genesis = json.loads(genesis_json(make(KEYS)))
    assert signers_of(genesis) == sorted(ethereum_address(key) for key in KEYS)
    assert ["0x" + a for a in oracle_addresses()] == signers_of(genesis)


def test_balances_go_to_alloc_in_hex_wei():
    alice = ethereum_address(Wallet.from_seed("alice").public_key)
    genesis = clique_genesis(KEYS, balances={alice: 10 ** 18})
    assert genesis["alloc"] == {alice[2:]: {"balance": "0xde0b6b3a7640000"}}


def test_the_file_text_is_the_same_on_every_run():
    text = genesis_json(qbft_genesis(KEYS))
    assert text == genesis_json(qbft_genesis(KEYS)) and text.endswith("}\n")
    assert json.loads(text)["extraData"].startswith("0xf865a0")


@pytest.mark.parametrize("validators, tolerated", [(1, 0), (3, 0), (4, 1), (6, 1), (7, 2)])
def test_bft_fault_tolerance_needs_three_f_plus_one(validators, tolerated):
    assert bft_fault_tolerance(validators) == tolerated


@pytest.mark.parametrize("validators, quorum, aura", [(1, 1, 1), (3, 2, 2), (4, 3, 3), (5, 4, 3),
                                                      (6, 4, 4), (7, 5, 4), (100, 67, 51)])
def test_qbft_needs_two_thirds_to_sign_and_aura_more_than_half_to_build_on(validators, quorum,
                                                                          aura):
    # Besu: a super-majority (at least 2/3) signs each block; Aura: |authors| > n / 2
    assert bft_quorum(validators) == quorum and 3 * quorum >= 2 * validators
    assert aura_finality(validators) == aura and 2 * aura > validators >= 2 * (aura - 1)
    # two quorums always share an honest validator while at most f are faulty
    f = bft_fault_tolerance(validators)
    assert 2 * quorum - validators >= f + 1


@pytest.mark.parametrize("call, message", [
    (lambda: clique_genesis([]), "at least one sealer"),
    (lambda: qbft_genesis([KEYS[0], KEYS[0]]), "listed twice"),
    (lambda: clique_genesis(KEYS, client="parity"), "client must be one of"),
    (lambda: clique_genesis(KEYS, period=0), "period must be a whole number >= 1"),
    (lambda: qbft_genesis(KEYS, chain_id=True), "chain_id must be a whole number"),
    (lambda: qbft_genesis(KEYS, request_timeout=0), "request_timeout must be"),
    (lambda: clique_genesis(KEYS, balances={"0x" + "11" * 20: -1}), "whole wei >= 0"),
    (lambda: clique_extra_data([]), "at least one signer"),
    (lambda: signers_of({"config": {"clique": {}}, "extraData": "0x" + "00" * 96}),
     "not 32 \\+ 20·N \\+ 65"),
    (lambda: signers_of({"config": {"qbft": {}}, "extraData": "0xc0"}), "QBFT extraData must"),
    (lambda: signers_of({"config": {"qbft": {}}, "extraData": "0xc1"}), "not RLP"),
    (lambda: signers_of({"config": {}, "extraData": "0x"}), "neither 'clique' nor 'qbft'"),
    (lambda: signers_of({"config": {}}), "no extraData"),
])
def test_what_cannot_be_a_genesis_is_refused_with_the_reason(call, message):
    with pytest.raises(GenesisError, match=message):
        call()
