"""The market's rules in plain Python: units, orders, the three auctions, settlement, reputation (chapters 09-10).

These pure functions are the native reference that the contracts in ``minichain.contracts``
must match (``docs/market_rules.md`` writes the rules down once). Each module is imported
on its own (``from minichain.market.auction import clear``); this file imports nothing.
"""
