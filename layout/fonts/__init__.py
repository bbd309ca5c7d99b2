"""Fonts for every backend: roles → faces, coverage, metrics, cached TrueType and WOFF2.

``fonts/manifest.toml`` maps the roles (song, hei, kai, fangsong) and weights to font
files; this package converts the CFF faces to the cached TrueType files the PDF embeds,
answers the composer's metric questions, checks that every character of an
issue has a glyph, and cuts WOFF2 subsets for EPUB::

    fs = FontSet.load(extra_chars=issue_chars)
    fs.check_coverage(items)                       # InputError with file:line per char
    face = fs.face("song", "regular", halfwidth_digits=True)
    face.advance("中"), face.halt("，"), face.ttf_path
"""

from layout.fonts.convert import CONVERTER_VERSION, STATS
from layout.fonts.fontset import FontSet, check_coverage
from layout.fonts.metrics import Face, FaceKey

__all__ = ["CONVERTER_VERSION", "STATS", "Face", "FaceKey", "FontSet", "check_coverage"]
