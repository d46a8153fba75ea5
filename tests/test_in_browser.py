"""In the browser kernel the library switches plotly to the plain renderer and tqdm's monitor off.

The static classroom site (``make site``) runs minichain in Pyodide, where
``sys.platform == "emscripten"``. These tests call ``adapt()`` here, on an environment and
classes they restore afterwards; ``tests/test_browser_site.py`` proves it in the browser.
"""

import subprocess
import sys

import plotly.io
import tqdm
from tqdm.auto import tqdm as auto_bar

from minichain import in_browser


def test_outside_the_browser_nothing_is_adapted():
    assert not in_browser.in_browser()
    code = ("import os, tqdm, minichain; "
            "print(os.environ.get('PLOTLY_RENDERER'), tqdm.tqdm.monitor_interval)")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={"PATH": ""}, check=True).stdout
    assert shown.split() == ["None", "10"]        # tqdm's own default monitor interval


def test_adapt_picks_plotlys_plain_renderer_and_stops_tqdms_monitor(monkeypatch):
    monkeypatch.setattr(tqdm.tqdm, "monitor_interval", 10)
    monkeypatch.setattr(plotly.io.renderers, "default", "plotly_mimetype+notebook")
    environ = {}
    in_browser.adapt(environ)
    assert environ == {"PLOTLY_RENDERER": "plotly_mimetype"}
    assert plotly.io.renderers.default == "plotly_mimetype"     # plotly.io was already loaded
    assert tqdm.tqdm.monitor_interval == 0
    assert auto_bar.monitor_interval == 0                 # the bars the dashboard makes


def test_adapt_keeps_a_renderer_the_user_chose(monkeypatch):
    monkeypatch.setattr(tqdm.tqdm, "monitor_interval", 10)
    monkeypatch.setattr(plotly.io.renderers, "default", "json")
    environ = {"PLOTLY_RENDERER": "json"}
    in_browser.adapt(environ)
    assert environ == {"PLOTLY_RENDERER": "json"}
    assert plotly.io.renderers.default == "json"
