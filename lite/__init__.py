"""The course as a static JupyterLite site: built offline from pinned packages, driven in a browser.

``build`` makes the folder (``make site``), ``pins.toml`` holds every version it uses, and
``browser`` opens the site in Chromium for the browser test and the site benchmark.
"""
