"""What a reader hands to the page analysis: glyphs, rules and pictures of one page.

Coordinates are PDF points on the page with the origin at its top-left corner and y
growing downwards, as in the composed layout (``layout.compose.boxes``).  Readers of
PDF and ALTO both produce these, so the analysis never knows where a page came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Char:
    """One printed character: its pen position on the baseline and its set width."""

    ch: str
    x: float
    baseline: float
    adv: float
    size: float
    role: str  # song | hei | kai | fangsong
    weight: str  # regular | bold
    space_before: bool = False  # an explicit word space precedes it (ALTO SP)

    @property
    def right(self) -> float:
        return self.x + self.adv


@dataclass(frozen=True)
class RuleSeg:
    """A stroked straight line (a rule, a frame edge, a placeholder diagonal)."""

    x1: float
    y1: float
    x2: float
    y2: float
    weight: float

    @property
    def horizontal(self) -> bool:
        return abs(self.y1 - self.y2) < 0.5 and abs(self.x2 - self.x1) > 1

    @property
    def vertical(self) -> bool:
        return abs(self.x1 - self.x2) < 0.5 and abs(self.y2 - self.y1) > 1


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle (x, y: top-left)."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    def contains_point(self, x: float, y: float, eps: float = 0.5) -> bool:
        return self.x - eps <= x <= self.right + eps and self.y - eps <= y <= self.bottom + eps

    def contains(self, other: Box, eps: float = 0.5) -> bool:
        return (self.x - eps <= other.x and other.right <= self.right + eps
                and self.y - eps <= other.y and other.bottom <= self.bottom + eps)


@dataclass(frozen=True)
class Picture:
    """An image or a placeholder (a stroked rectangle with its diagonals)."""

    box: Box
    image: bytes | None = None  # the encoded image when one could be extracted
    ext: str = ""  # file extension of ``image``


@dataclass(frozen=True)
class Filled:
    """A filled rectangle (the ground of a reversed label, a tint)."""

    box: Box


@dataclass
class ScanPage:
    """One page as read: its size and what was printed."""

    number: int
    width: float
    height: float
    chars: list[Char] = field(default_factory=list)
    rules: list[RuleSeg] = field(default_factory=list)
    pictures: list[Picture] = field(default_factory=list)
    fills: list[Filled] = field(default_factory=list)
    mets_articles: int = 0  # article divisions of the METS logical structMap (first page)
