"""Fixtures every test module may use: the session's headless Chromium (``browser.py``)."""

from browser import chromium  # noqa: F401  (the session fixture, skipped where there is no browser)
