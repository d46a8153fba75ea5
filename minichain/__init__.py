"""minichain: a teaching blockchain for selling solar power to the neighbours (all chapters)."""

from minichain.in_browser import adapt as _adapt, in_browser as _in_browser

if _in_browser():           # the static classroom site's kernel (Pyodide): see in_browser.py
    _adapt()
