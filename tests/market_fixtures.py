"""A toy street for the market's worked examples: tariffs 8 and 30 µ€/kWh, small deposits.

The market's rules do not depend on the scale of money, and numbers worked by hand read
best small: 2 kWh at 12 µ€/kWh is 24 µ€. Tests that need Sunny Street's real tariffs
(8 and 32 ct/kWh) use ``sunny_street()`` itself. The toy street is one chain sealed by the
grid operator (``nodes=False``): the rules of the contracts do not depend on the network,
and ``tests/test_platform.py`` runs the market on the three authorities' nodes.
"""

import functools

from minichain.contracts.client import sunny_street
from minichain.market.orders import Tariffs

TOY_TARIFFS = Tariffs(feed_in=8, retail=30)
TOY_BALANCE = 1_000_000
TOY_DEPOSIT = 100_000

toy_street = functools.partial(sunny_street, tariffs=TOY_TARIFFS, balance=TOY_BALANCE,
                               deposit=TOY_DEPOSIT, nodes=False)


def market_only(households, days, agents, tariffs, feeder, day, forecasts=None, **terms):
    """A day in memory from its parts (``runner.DayPlan.of``), as the stories write it.

    Without ``forecasts`` every home's forecast is its true day: these stories are about
    the market's accounting, not about forecasting (chapter 12 takes the truth away).
    """
    from minichain.day.native import NativeMarket
    from minichain.day.runner import DayPlan, run_day
    return run_day(DayPlan.of(households, days, agents, tariffs, feeder, day,
                              forecasts=days if forecasts is None else forecasts, **terms),
                   NativeMarket())
