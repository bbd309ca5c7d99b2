"""The immutable model of one newspaper issue, as read from the source XML.

Everything downstream (composition, PDF, EPUB, ALTO) reads these frozen
dataclasses and never changes them.  Lengths are resolved to PDF points at read
time; positions are page coordinates with the origin at the top-left corner of
the trimmed page and y growing downwards (the way a page is proofed).  The
grid units of the source (字 of the body size, body lines) are kept in
``Geometry`` so a renderer can draw the grid.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from layout.errors import SourcePos

#: The font roles the source may name, and the fallback for each when a face is absent.
FONT_ROLES = ("song", "hei", "kai", "fangsong")
WEIGHTS = ("regular", "bold")


@dataclass(frozen=True)
class Meta:
    """Issue metadata. ``None`` means the source marks the value unknown: never guess it."""

    paper: str | None
    date: str | None  # ISO 8601 when known
    edition: str | None
    issue_number: str | None
    language: str
    title: str | None = None  # a descriptive title when the paper is unknown
    note: str | None = None  # what the source says about how the values were established
    note_language: str | None = None  # the note's xml:lang when it differs from the issue's

    @property
    def display_title(self) -> str:
        parts = [p for p in (self.paper, self.date, self.edition) if p]
        if parts:
            return " ".join(parts)
        return self.title or "报纸版面（报名、日期未知）"


@dataclass(frozen=True)
class Geometry:
    """Page geometry: trim, margins, and the base grid in 字 units of the body size."""

    trim_width: float
    trim_height: float
    margin_top: float
    margin_bottom: float
    margin_left: float
    margin_right: float
    body_size: float  # pt; 1 字 = body_size
    line_pitch: float  # pt, baseline to baseline of body text
    columns: int
    column_chars: float
    gutter_chars: float

    @property
    def type_left(self) -> float:
        return self.margin_left

    @property
    def type_top(self) -> float:
        return self.margin_top

    @property
    def type_width(self) -> float:
        return self.trim_width - self.margin_left - self.margin_right

    @property
    def type_height(self) -> float:
        return self.trim_height - self.margin_top - self.margin_bottom

    def column_x(self, col: int) -> float:
        """Left edge (page coordinates) of grid column ``col`` (1-based)."""
        step = (self.column_chars + self.gutter_chars) * self.body_size
        return self.type_left + (col - 1) * step

    def span_width(self, span: int) -> float:
        return (span * self.column_chars + (span - 1) * self.gutter_chars) * self.body_size


@dataclass(frozen=True)
class Rect:
    """A box in page coordinates (pt, origin top-left, y down)."""

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

    def overlaps(self, other: Rect, eps: float = 0.01) -> bool:
        return (
            self.x < other.right - eps
            and other.x < self.right - eps
            and self.y < other.bottom - eps
            and other.y < self.bottom - eps
        )

    def contains(self, other: Rect, eps: float = 0.01) -> bool:
        return (
            other.x >= self.x - eps
            and other.y >= self.y - eps
            and other.right <= self.right + eps
            and other.bottom <= self.bottom + eps
        )


@dataclass(frozen=True)
class TextStyle:
    """Typographic settings of a block of text; every field inherits when ``None``."""

    role: str = "song"
    weight: str = "regular"
    size: float = 9.0  # pt
    leading: float = 11.25  # pt, baseline to baseline
    align: str = "justify"  # justify | left | right | center | distribute
    indent: float = 2.0  # first-line indent in em
    composition: str = "clreq"  # name of a composition style (layout.compose.style)


@dataclass(frozen=True)
class Run:
    """A run of text with its own font; ``None`` fields take the block's value."""

    text: str
    role: str | None = None
    weight: str | None = None
    size: float | None = None
    kind: str | None = None  # dateline (本报讯…, run in), em, quote


@dataclass(frozen=True)
class Paragraph:
    """Continuous text: the composer, never the source, decides the line breaks."""

    runs: tuple[Run, ...]
    pos: SourcePos
    style: TextStyle
    measure: float | None = None  # pt; overrides the column measure (a narrower block)
    kind: str = "body"  # body | byline | dateline | tag | caption | credit | item | title

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass(frozen=True)
class HeadLine:
    """One line of a headline, as the editor split it."""

    text: str
    pos: SourcePos


@dataclass(frozen=True)
class HeadPart:
    """Kicker (引题), headline (主题) or subhead (副题)."""

    kind: str  # kicker | headline | subhead
    lines: tuple[HeadLine, ...]
    style: TextStyle
    pos: SourcePos

    @property
    def text(self) -> str:
        return "".join(line.text for line in self.lines)


@dataclass(frozen=True)
class HeadGroup:
    parts: tuple[HeadPart, ...]
    pos: SourcePos
    rect: Rect | None = None  # where the group sits; None: above the text, across the frame
    align: str = "center"
    lines: int | None = None  # body lines reserved for the group; None: computed

    def part(self, kind: str) -> HeadPart | None:
        return next((p for p in self.parts if p.kind == kind), None)

    @property
    def title(self) -> str:
        """The headline as one string: for bookmarks, EPUB and METS."""
        main = self.part("headline")
        return " ".join(line.text for line in main.lines) if main else ""


@dataclass(frozen=True)
class Region:
    """A slot of text lines inside an article frame: one column, or part of one."""

    rect: Rect
    lines: int
    measure: float  # pt; may be a little less than rect.width (fractional effective measure)


@dataclass(frozen=True)
class Figure:
    id: str
    rect: Rect
    src: str | None  # resolved absolute path, or None for a placeholder
    caption: Paragraph | None
    credit: Paragraph | None
    pos: SourcePos
    fit: str = "contain"  # contain | cover
    caption_rect: Rect | None = None
    alt: str | None = None


@dataclass(frozen=True)
class Box:
    """A boxed sidebar (相关链接): a title and items, inside an article or on its own."""

    id: str
    title: tuple[HeadLine, ...]
    title_style: TextStyle
    items: tuple[Paragraph, ...]
    rect: Rect
    pos: SourcePos
    columns: int = 1
    measure: float | None = None  # pt; None: the column width
    flow: tuple[Region, ...] = ()  # explicit text regions; () means computed columns
    label: str | None = None  # e.g. 相关链接
    border: str = "solid"  # solid | tint | none
    tag: Paragraph | None = None  # closing source tag of the last item

    @property
    def paragraphs(self) -> tuple[Paragraph, ...]:
        return self.items + ((self.tag,) if self.tag else ())


@dataclass(frozen=True)
class Article:
    id: str
    rect: Rect
    pos: SourcePos
    head: HeadGroup | None
    byline: Paragraph | None
    blocks: tuple[Paragraph, ...]
    columns: int = 1
    measure: float | None = None  # pt; None: the column width
    flow: tuple[Region, ...] = ()  # explicit text regions; () means computed columns
    figures: tuple[Figure, ...] = ()
    boxes: tuple[Box, ...] = ()
    tag: Paragraph | None = None  # closing source tag such as （魏宣）
    balance: bool = True
    evidence: str | None = None
    lead: bool = False  # the editor's 头条 (lead="true"): the cover story of the EPUB

    @property
    def title(self) -> str:
        return self.head.title if self.head else self.id

    @property
    def paragraphs(self) -> tuple[Paragraph, ...]:
        """Every paragraph of running text, byline first and tag last, in reading order."""
        out = tuple(p for p in (self.byline,) if p) + self.blocks
        return out + ((self.tag,) if self.tag else ())


@dataclass(frozen=True)
class Furniture:
    """Page furniture that is not article text: section label, slogan, tag, page header."""

    id: str
    kind: str  # section | slogan | label | header | english
    lines: tuple[HeadLine, ...]
    style: TextStyle
    rect: Rect
    pos: SourcePos
    align: str = "left"
    inverse: bool = False  # white on black (a reversed section label)

    @property
    def text(self) -> str:
        return "".join(line.text for line in self.lines)


@dataclass(frozen=True)
class Rule:
    id: str
    x1: float
    y1: float
    x2: float
    y2: float
    weight: float  # pt
    style: str = "solid"  # solid | double | dotted
    pos: SourcePos = field(default=SourcePos("<input>"))


@dataclass(frozen=True)
class PageHeader:
    """报眉: section name, page label and date above a rule; unknown parts are left out."""

    section: str | None
    label: str | None
    date: str | None
    rect: Rect
    pos: SourcePos


@dataclass(frozen=True)
class Page:
    number: int  # physical sequence, 1-based
    label: str | None  # printed page label (版次); None when unknown
    section: str | None
    geometry: Geometry
    header: PageHeader | None
    items: tuple[Article | Furniture | Figure | Box | Rule, ...]  # reading order
    pos: SourcePos

    @property
    def articles(self) -> tuple[Article, ...]:
        return tuple(i for i in self.items if isinstance(i, Article))


@dataclass(frozen=True)
class Issue:
    id: str
    meta: Meta
    pages: tuple[Page, ...]
    source: str  # path of the XML file
    base_dir: str  # folder images are resolved against
    #: house composition styles declared in <styles> (layout.compose.style.CompositionStyle)
    compositions: tuple = ()

    @property
    def articles(self) -> tuple[Article, ...]:
        return tuple(a for p in self.pages for a in p.articles)

    def all_text(self) -> str:
        """Every character the issue prints: for coverage checks and font subsets."""
        parts: list[str] = []
        for page in self.pages:
            if page.header:
                parts += [page.header.section or "", page.header.label or "", page.header.date or ""]
            for item in page.items:
                parts.append(_item_text(item))
        return "".join(parts)


def _item_text(item: object) -> str:
    if isinstance(item, Article):
        parts = [p.text for part in (item.head.parts if item.head else ()) for p in part.lines]
        parts += [p.text for p in item.paragraphs]
        parts += [_item_text(f) for f in item.figures]
        parts += [_item_text(b) for b in item.boxes]
        return "".join(parts)
    if isinstance(item, Figure):
        return "".join(p.text for p in (item.caption, item.credit) if p)
    if isinstance(item, Box):
        return (item.label or "") + "".join(t.text for t in item.title) + "".join(
            p.text for p in item.paragraphs
        )
    if isinstance(item, Furniture):
        return item.text
    return ""
