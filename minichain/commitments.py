"""Salted commitments: hide a value on chain now, show it later, checked by hash (chapters 08, 13).

A commitment is the machine's ``SHA256`` of some words (``vm.opcodes.sha256_words``, the
one definition): a contract compares it with what an opening recomputes. This module is
the household's side of ``contracts/sources/meter_commitments.py``: the commitment of a
meter reading, the salt that hides it, and the attack the salt stops.

Why a salt: a quarter hour's reading is a small number (a home exports and imports a few
thousand Wh at most), so a commitment of the reading alone is opened by trying every
value: ``open_by_guessing`` does it in seconds. The salt is a secret 256-bit word, derived
here from the meter's key and the slot (HMAC-SHA-256, so it repeats on every run but
nobody without the key can compute it); with it, guessing means guessing the salt.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Iterable

from minichain.crypto import PrivateKey
from minichain.vm.opcodes import address_to_word, sha256_words, text_to_words

READING_TAG = text_to_words("meter reading")[0]     # the contract's TAG: what the hash is for
SALT_DOMAIN = b"minichain reading salt:"


def reading_salt(meter_key: PrivateKey, slot: int) -> int:
    """The meter's secret salt for ``slot``: HMAC-SHA-256 keyed by its private key, as a word."""
    digest = hmac.new(meter_key.secret.to_bytes(32, "big"),
                      SALT_DOMAIN + slot.to_bytes(8, "big", signed=True), hashlib.sha256).digest()
    return int.from_bytes(digest, "big", signed=True)


def reading_commitment(household: str, slot: int, export_wh: int, import_wh: int,
                       salt: int) -> int:
    """What the meter commits for a slot: the contract's ``sha256(TAG, household, slot,
    export_wh, import_wh, salt)``."""
    return sha256_words((READING_TAG, address_to_word(household), slot, export_wh, import_wh,
                         salt))


def open_by_guessing(commitment: int, household: str, slot: int,
                     readings: Iterable[tuple[int, int]],
                     salts: Iterable[int] = (0,)) -> tuple[int, int] | None:
    """The first (export, import) among ``readings`` whose commitment, with one of the
    ``salts`` tried, matches: how an unsalted (or guessable-salt) commitment is opened."""
    salts = tuple(salts)
    for export_wh, import_wh in readings:
        for salt in salts:
            if reading_commitment(household, slot, export_wh, import_wh, salt) == commitment:
                return export_wh, import_wh
    return None


__all__ = ["READING_TAG", "open_by_guessing", "reading_commitment", "reading_salt"]
