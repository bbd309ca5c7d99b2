"""The composer's output: lines of positioned glyphs, free of any backend.

``Glyph`` and ``Line`` are named tuples rather than dataclasses: a page has thousands of
glyphs, and a tuple is built by one C call (``glyphs_of``), where a frozen dataclass pays a
Python ``__init__`` per glyph (and ~1 ms per class at import, Python 3.11).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from itertools import repeat
from typing import NamedTuple


class Glyph(NamedTuple):
    """One atom placed on a line: a hanzi, a mark, a Latin word or number, a long mark.

    ``x`` and ``width`` are its box on the line (pt from the line's left edge); the font's
    glyph is drawn at ``x + dx`` (a compressed opening mark is shifted left into its box).
    """

    text: str
    x: float
    width: float
    dx: float
    face: Hashable
    size: float
    cls: str
    form: str = "text"  # text | rule (——, drawn as one 2 em rule) | spread (……, one glyph per em)


def glyphs_of(*columns: Iterable) -> tuple[Glyph, ...]:
    """Glyphs from parallel columns of their fields (in ``Glyph`` field order), each made by
    ``tuple.__new__`` directly: no Python-level constructor call per glyph."""
    return tuple(map(tuple.__new__, repeat(Glyph), zip(*columns, strict=True)))


class Line(NamedTuple):
    glyphs: tuple[Glyph, ...]
    measure: float  # pt: the width the line was set in
    natural: float  # pt: its natural width
    text: str  # what the line says, a typed space mid-line kept as " "
    last: bool = False  # last line of its paragraph
    overfull: bool = False  # wider than its measure (an unbreakable unit too long)

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

    @property
    def size(self) -> float:
        return max((g.size for g in self.glyphs), default=0.0)
