"""Forecasting runs in a browser kernel too: no numpy, scipy, pandas, scikit-learn or statsmodels."""

import subprocess
import sys

MODULES = ["minichain.microgrid.weather"] + [
    f"minichain.forecast.{name}" for name in
    ("past", "prices", "history", "metrics", "naive", "smoothing", "linalg", "regression", "backtest")]
HEAVY = ("numpy", "pandas", "scipy", "sklearn", "statsmodels")


def test_the_forecasting_modules_import_nothing_compiled():
    code = (f"import sys, {', '.join(MODULES)}; "
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
