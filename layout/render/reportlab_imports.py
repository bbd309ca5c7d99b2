"""ReportLab's canvas and TrueType font classes, imported without its optional HarfBuzz
shaping.

``reportlab.pdfbase.ttfonts`` imports ``uharfbuzz`` (~10 ms) whenever it is installed, to
shape text, which this toolkit never asks of it: the composer places every glyph.  The
font converter imports ``uharfbuzz`` itself when it runs, so the module is hidden only
while ReportLab's loads, and only if nothing imported it before.
"""

from __future__ import annotations

import sys

_hide = "uharfbuzz" not in sys.modules
if _hide:
    sys.modules["uharfbuzz"] = None  # type: ignore[assignment]  # "import uharfbuzz" fails
try:
    from reportlab.pdfbase.ttfonts import TTEncoding, TTFNameBytes, TTFont, TTFontFace
    from reportlab.pdfgen.canvas import Canvas  # imports ttfonts
finally:
    if _hide:
        del sys.modules["uharfbuzz"]

__all__ = ["Canvas", "TTEncoding", "TTFNameBytes", "TTFont", "TTFontFace"]
