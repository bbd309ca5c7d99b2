"""The composer's output: lines of positioned glyphs that carry all a backend needs.

A ``Glyph`` is placed on its line's inline axis (``x``, ``width``, ``dx``) and block axis
(``dy``); the line records its writing direction (``Line.direction``), and the page places
each line by the start of its measure and its baseline (``boxes.PlacedLine``).  A glyph
names its face by a ``FaceRef`` (the TrueType file, its PostScript name, its vertical
metrics), its advance in that face and the form it takes (``variant``), so a backend draws
it without a font set and without measuring anything again.

``Glyph`` and ``Line`` are named tuples rather than dataclasses: a page has thousands of
glyphs, and a tuple is built by one C call (``glyphs_of``), where a frozen dataclass pays a
Python ``__init__`` per glyph (and ~1 ms per class at import, Python 3.11).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from itertools import repeat
from typing import NamedTuple

#: writing directions a line may record (CSS Writing Modes names)
HORIZONTAL, VERTICAL = "horizontal-tb", "vertical-rl"


class FaceRef(NamedTuple):
    """A resolved face, as the layout hands it to backends."""

    key: Hashable  # the font set's key (role, weight, half-width digits): styles, ALTO
    name: str  # unique PostScript name, also the name a backend registers it under
    path: str  # the TrueType file the composer measured (and a backend embeds)
    ascent: float  # em above the baseline (the face's typo ascender)
    descent: float  # em below it, negative (typo descender)

    @classmethod
    def of(cls, face) -> FaceRef:
        """The record of a font set's face (``layout.fonts.metrics.Face``)."""
        return cls(face.key, face.name, str(face.ttf_path), face.ascender, face.descender)


class Glyph(NamedTuple):
    """One atom placed on a line: a hanzi, a mark, a Latin word or number, a long mark.

    ``x`` and ``width`` are its box on the line's inline axis (pt from the start of the
    line: its left edge in horizontal lines, its top in vertical ones); the font's glyph
    origin is at ``x + dx`` on that axis and ``dy`` from the baseline on the block axis.
    ``advance`` is what the face advances for ``text`` at ``size``, ``gids`` the face's glyph
    for each of its characters (its cmap's, or the ``hwid`` form's for a digit of a
    half-width-digit face; a "halt" mark keeps its cmap glyph).  ``variant`` names the
    form drawn: "" the face's own glyph, "halt" its half-width form (GPOS ``halt``: a
    compressed mark, whose ``dx`` already includes the form's placement), "hwid" digits in
    their half-width form (GSUB ``hwid``: ``gids`` are those forms, in the face's one file).
    """

    text: str
    x: float
    width: float
    dx: float
    face: FaceRef
    size: float
    cls: str
    form: str = "text"  # text | center (·, dx centres it) | rule (——, one 2 em rule) | spread (……, one glyph per em)
    advance: float = 0.0
    variant: str = ""
    dy: float = 0.0
    gids: tuple[int, ...] = ()


def glyphs_of(*columns: Iterable) -> tuple[Glyph, ...]:
    """Glyphs from parallel columns of their fields (in ``Glyph`` field order, every field
    given), each made by ``tuple.__new__`` directly: no Python-level constructor call per glyph."""
    return tuple(map(tuple.__new__, repeat(Glyph), zip(*columns, strict=True)))


class Line(NamedTuple):
    glyphs: tuple[Glyph, ...]
    measure: float  # pt: the width the line was set in
    natural: float  # pt: its natural width
    text: str  # what the line says, a typed space mid-line kept as " "
    last: bool = False  # last line of its paragraph
    overfull: bool = False  # wider than its measure (an unbreakable unit too long)
    direction: str = HORIZONTAL  # the inline axis: left to right, or top to bottom (VERTICAL)
    #: pt from the baseline to the top of the tallest em box on the line (its faces' ascent)
    ascent: float = 0.0

    @property
    def width(self) -> float:
        if not self.glyphs:
            return 0.0
        g = self.glyphs[-1]
        return g.x + g.width - self.glyphs[0].x

    def moved(self, dx: float, measure: float | None = None) -> Line:
        """The same line with every glyph ``dx`` pt further right (alignment, a flush-right tag)."""
        glyphs = tuple(g._replace(x=g.x + dx) for g in self.glyphs)
        return self._replace(glyphs=glyphs, measure=self.measure if measure is None else measure)

