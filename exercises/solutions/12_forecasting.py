"""Solutions to the chapter 12 exercises: forecasting and smart bidding.

Try each exercise first; `check(your_function)` tells you what is wrong and hints at why.
"""


def seasonal_naive_day(readings, period_days):
    """The next day's 96 values, each the reading period_days days before it."""
    start = len(readings) - period_days * 96
    return readings[start:start + 96]


def mae_skill(truth, forecast, reference):
    """1 - MAE(forecast) / MAE(reference): the share of the reference's error removed."""
    def mae(values):
        return sum(abs(t - v) for t, v in zip(truth, values)) / len(truth)
    return 1 - mae(forecast) / mae(reference)


def expected_pv(view):
    """The day-ahead PV forecast of view.slot, scaled by how the last hour went against it."""
    forecast, readings = view.forecast.pv_wh, view.readings.pv_wh
    start = max(0, len(readings) - 4)
    forecast_hour = sum(forecast[start:len(readings)])
    if forecast_hour < 100:
        return forecast[view.slot]
    ratio = sum(readings[start:]) / forecast_hour
    ratio = min(4, max(0.25, ratio))
    return int(forecast[view.slot] * ratio + 0.5)
