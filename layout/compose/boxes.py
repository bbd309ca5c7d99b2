"""The composed page: positioned lines, text blocks, figures and rules, free of any backend.

Coordinates are PDF points in page space with the origin at the top-left of the
trimmed page and y growing downwards; a line is placed by its left edge and its
baseline.  The PDF, ALTO and compare stages read only this (and the model).
"""

from __future__ import annotations

from dataclasses import dataclass

from layout.compose.lines import Line
from layout.read.model import Geometry, Rect


@dataclass(frozen=True)
class PlacedLine:
    line: Line
    x: float  # left edge of the line's measure
    baseline: float

    @property
    def text(self) -> str:
        return self.line.text


@dataclass(frozen=True)
class TextBlock:
    """Lines that read as one block: a text column, a head group, a caption, a label.

    ``id`` is stable across rebuilds (derived from the source ids), so ALTO and METS
    references survive regeneration."""

    id: str
    kind: str  # body | head | kicker | headline | subhead | byline | caption | label | title | furniture | header
    rect: Rect
    lines: tuple[PlacedLine, ...]
    inverse: bool = False  # white text on a black ground


@dataclass(frozen=True)
class FigureBox:
    id: str
    rect: Rect  # the picture area (caption excluded)
    src: str | None
    fit: str
    alt: str | None


@dataclass(frozen=True)
class RuleLine:
    id: str
    x1: float
    y1: float
    x2: float
    y2: float
    weight: float
    style: str = "solid"


@dataclass(frozen=True)
class Group:
    """An article, box, figure or piece of furniture: its frame and what it holds, in
    reading order."""

    id: str
    kind: str  # article | box | figure | furniture | header
    title: str
    rect: Rect
    blocks: tuple[TextBlock, ...]
    figures: tuple[FigureBox, ...] = ()
    border: str | None = None  # solid | tint: drawn around the frame
    overset: int = 0  # lines that did not fit (only with --allow-overset)


@dataclass(frozen=True)
class PageLayout:
    number: int
    label: str | None
    geometry: Geometry
    groups: tuple[Group, ...]
    rules: tuple[RuleLine, ...]

    @property
    def width(self) -> float:
        return self.geometry.trim_width

    @property
    def height(self) -> float:
        return self.geometry.trim_height

    def blocks(self):
        for g in self.groups:
            yield from g.blocks

    def lines(self):
        for b in self.blocks():
            yield from b.lines


@dataclass(frozen=True)
class IssueLayout:
    pages: tuple[PageLayout, ...]
