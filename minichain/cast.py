"""Sunny Street's cast: the people, authorities, keys, tariffs and dates of the story (all chapters).

Every chapter, exercise and simulation takes its names, key seeds, tariffs and dates from
here, so Alice is the same household with the same key in chapter 01 and chapter 14, and
the grid operator signs with the same key wherever it appears. Keys are derived from the
seeds (``Wallet.from_seed``), so every run prints the same addresses. A chapter that
needs someone outside the cast (a learner's own name, an attacker's spare key) says so.

Money is counted in the street's token, pegged one to one to the euro, in its smallest
unit: a micro-euro (µ€, one millionth of a euro; the token has 6 decimals, like most
stable tokens). The ``market.units`` module explains why so small a unit.
"""

from __future__ import annotations

from datetime import date

from typing import TYPE_CHECKING

from minichain.errors import UnknownCastMember

if TYPE_CHECKING:                    # the cast is data: it loads no cryptography until asked
    from minichain.wallet import Wallet

STREET = "Sunny Street"
CITY = "Berlin"

# --- when -----------------------------------------------------------------------------------

DAY = date(2026, 6, 21)          # midsummer: the day the story and the simulator start from
GENESIS_TIME = 1_782_000_000     # 21 June 2026, 00:00 UTC: simulated time counts from here

# --- who ------------------------------------------------------------------------------------

GRID_OPERATOR = "grid-operator"
MUNICIPALITY = "municipality"
ENERGY_CO_OP = "energy-co-op"
AUTHORITIES = (GRID_OPERATOR, MUNICIPALITY, ENERGY_CO_OP)      # the seeds of their keys
AUTHORITY_NODES = {GRID_OPERATOR: "grid", MUNICIPALITY: "city", ENERGY_CO_OP: "coop"}

# The households, in the order a street of n homes takes them (alice first). Alice has
# rooftop PV and sells; Bob has none and buys; Carol sells too; Mallory is not a household
# of the street: she is the attacker of chapters 02, 05 and 13.
HOUSEHOLDS = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan",
              "judy", "kevin", "laura", "mike", "nina", "oscar", "peggy", "quinn", "rita",
              "sam", "tina", "ulrich", "vera", "walter", "xavier", "yara", "zoe")
ATTACKER = "mallory"
UTILITY = "utility"                  # the grid's account at the market
COMMUNITY_FUND = "community-fund"    # where McAfee's surplus goes
NEW_AUTHORITY = "fifth-authority"    # an authority the others vote in (chapter 04)
SPARE_METER = "spare-meter"          # a replacement smart meter (chapter 08)

# --- the grid's prices, in µ€ per kWh ---------------------------------------------------------

FEED_IN = 80_000                     # 8 ct/kWh: what the utility pays for exported energy
RETAIL = 320_000                     # 32 ct/kWh: what the utility charges for imported energy


def meter_seed(household: str) -> str:
    """A household's smart meter has a key of its own, seeded from the household's name."""
    return f"{household}-meter"


def new_key_seed(household: str) -> str:
    """The key a household rotates to when it replaces its own (chapter 08)."""
    return f"{household}-new-key"


def seeds() -> tuple[str, ...]:
    """Every seed the story uses, each exactly once (for checking chapters against the cast)."""
    people = AUTHORITIES + HOUSEHOLDS + (ATTACKER, UTILITY, COMMUNITY_FUND, NEW_AUTHORITY,
                                         SPARE_METER)
    return (people + tuple(meter_seed(name) for name in HOUSEHOLDS + (ATTACKER,))
            + tuple(new_key_seed(name) for name in HOUSEHOLDS))


def wallet(seed: str) -> "Wallet":
    """The key pair of a cast member, e.g. ``wallet("alice")`` or ``wallet(GRID_OPERATOR)``."""
    from minichain.wallet import Wallet
    if seed not in seeds():
        raise UnknownCastMember(f"{seed!r} is not in Sunny Street's cast; choose from "
                       f"{', '.join(sorted(seeds()))}")
    return Wallet.from_seed(seed)


def meter(household: str) -> "Wallet":
    """The key pair of a household's smart meter."""
    return wallet(meter_seed(household))


def new_key(household: str) -> "Wallet":
    """The key pair a household rotates to."""
    return wallet(new_key_seed(household))
