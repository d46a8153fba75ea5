"""Forecasting for Sunny Street: households that see only the past (chapter 12).

``history`` makes a seeded year of the street by the simulator's own models (weather and
its day-ahead forecast, PV, load, prices from ``prices``); ``past`` is what a household
knows when it forecasts a day; ``naive``, ``smoothing`` and ``regression`` are the
forecasters (``linalg`` solves the regression's normal equations); ``metrics`` scores
them; ``backtest`` splits the year in time and measures skill on held-out weeks;
``dayahead`` is every household's own day-ahead forecast (for the day runner's agents)
and ``intraday`` corrects it with the day's readings. Each module is imported on its
own; this file imports nothing.
"""
