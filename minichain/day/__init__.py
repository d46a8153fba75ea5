"""A day on Sunny Street: scenario, bidding agents, the day runner, its records and KPIs (chapters 11-12).

The day joins the street's physics (``minichain.microgrid``) to the market (``minichain.market``
natively, or the contracts on chain). Each module is imported on its own; this file imports
nothing, so the market-only day never loads the chain.
"""
