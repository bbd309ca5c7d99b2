"""The composer's output: lines of positioned glyphs, free of any backend."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, replace


@dataclass(frozen=True, init=False)
class Glyph:
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

    def __init__(self, text: str, x: float, width: float, dx: float, face: Hashable, size: float,
                 cls: str, form: str = "text") -> None:
        # what the generated __init__ does, without a frozen-checked setattr per field
        # (a page has thousands of glyphs: 1.3 µs -> 0.5 µs each)
        self.__dict__.update(text=text, x=x, width=width, dx=dx, face=face, size=size, cls=cls,
                             form=form)


@dataclass(frozen=True)
class Line:
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
        glyphs = tuple(replace(g, x=g.x + dx) for g in self.glyphs)
        return replace(self, glyphs=glyphs, measure=self.measure if measure is None else measure)

    @property
    def size(self) -> float:
        return max((g.size for g in self.glyphs), default=0.0)
