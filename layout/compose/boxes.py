"""The composed page: positioned lines, text blocks, figures and rules, free of any backend.

Coordinates are PDF points in page space with the origin at the top-left of the
trimmed page and y growing downwards; a line is placed by its left edge and its
baseline.  The PDF, ALTO and compare stages read only this (and the model).

The parts of a page are named tuples: immutable values like frozen dataclasses, but a
class costs ~0.2 ms to create at import where a frozen dataclass costs ~1 ms (Python
3.11), and an instance is built without a Python-level ``__setattr__`` per field.
``PageLayout`` stays a dataclass: callers derive pages with ``dataclasses.replace``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from layout.compose.lines import Line
from layout.read.model import Geometry, Rect


class PlacedLine(NamedTuple):
    """A composed line placed on the page."""

    line: Line
    x: float  # left edge of the line's measure
    baseline: float

    @property
    def text(self) -> str:
        return self.line.text


class TextBlock(NamedTuple):
    """Lines that read as one block: a text column, a head group, a caption, a label.

    ``id`` is stable across rebuilds (derived from the source ids), so ALTO and METS
    references survive regeneration."""

    id: str
    kind: str  # body | head | kicker | headline | subhead | byline | caption | label | title | furniture | header
    rect: Rect
    lines: tuple[PlacedLine, ...]
    inverse: bool = False  # white text on a black ground


class FigureBox(NamedTuple):
    """Where a picture goes."""

    id: str
    rect: Rect  # the picture area (caption excluded)
    src: str | None
    fit: str
    alt: str | None


class RuleLine(NamedTuple):
    """A rule from (x1, y1) to (x2, y2)."""

    id: str
    x1: float
    y1: float
    x2: float
    y2: float
    weight: float
    style: str = "solid"


class Group(NamedTuple):
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
    overflow: bool = False  # something of it does not fit its frame (only with --allow-overset)


@dataclass(frozen=True)
class PageLayout:
    """One composed page: its groups in reading order and its rules."""

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


class IssueLayout(NamedTuple):
    """Every page of an issue, composed."""

    pages: tuple[PageLayout, ...]
