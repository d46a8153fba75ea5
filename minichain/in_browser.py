"""What the library adjusts when it runs in a browser kernel (the static classroom site), all chapters.

``make site`` builds the course as a JupyterLite site whose kernel is Python compiled to
WebAssembly (Pyodide), where ``sys.platform == "emscripten"``. Importing ``minichain``
there calls ``adapt()``, which changes two defaults of the libraries the course draws with:

* plotly does not take the browser kernel for a Jupyter kernel and picks a renderer that
  embeds all of plotly.js (about 4.8 MB) in every notebook; the ``plotly_mimetype``
  renderer draws the same figures through the site's plotly extension.
* tqdm starts a monitor thread for its progress bars, and the browser's Python cannot start
  threads: every bar would print a warning. The monitor is switched off.

Nothing changes anywhere else: on a laptop or in CI ``adapt()`` is never called.
"""

from __future__ import annotations

import os
import sys
from typing import MutableMapping

BROWSER_PLATFORM = "emscripten"
RENDERER = "plotly_mimetype"


def in_browser() -> bool:
    """True when this Python runs in the browser (Pyodide)."""
    return sys.platform == BROWSER_PLATFORM


def adapt(environ: MutableMapping[str, str] = os.environ) -> None:
    """Make plotly and tqdm fit the browser kernel (see the module docstring)."""
    environ.setdefault("PLOTLY_RENDERER", RENDERER)       # read when plotly.io is imported
    plotly_io = sys.modules.get("plotly.io")
    if plotly_io is not None:                             # imported before minichain was
        plotly_io.renderers.default = environ["PLOTLY_RENDERER"]
    import tqdm

    tqdm.tqdm.monitor_interval = 0
