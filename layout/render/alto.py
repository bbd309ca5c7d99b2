"""ALTO 4.4 page files from the composed layout: the text and where every glyph sits.

The composer knows the exact box of every glyph, so ALTO is written from the layout,
not recovered from the PDF: one ``String`` per hanzi or punctuation mark and per Latin
word or digit run (one composer glyph each), ``SP`` only where the line has a typed
space, coordinates in ``inch1200`` (pt × 1200/72).  IDs are counters in reading order
(``P1_CB00001``, ``P1_TB00013``, ``P1_TL00001``, ``P1_ST00001``), so METS references
stay valid when an unchanged issue is regenerated.  Reading order is the composer's:
group by group, column by column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from layout import __version__
from layout.atomic import atomic_write
from layout.compose.boxes import (
    FigureBox,
    Group,
    IssueLayout,
    PageLayout,
    PlacedLine,
    RuleLine,
    TextBlock,
)
from layout.compose.lines import Glyph
from layout.context import epoch_from_env
from layout.read.model import Issue, Rect

ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XLINK_NS = "http://www.w3.org/1999/xlink"
SCHEMA_LOCATION = f"{ALTO_NS} http://www.loc.gov/standards/alto/v4/alto-4-4.xsd"
UNIT = 1200 / 72  # inch1200 per PDF point

#: block kinds that carry a structure tag, in the order the tags are declared
TAGGED = ("kicker", "headline", "subhead", "byline", "caption", "title", "label")
#: ALTO FONTFAMILY / FONTTYPE for the font roles
FAMILIES = {"song": ("Song", "serif"), "hei": ("Hei", "sans-serif"),
            "kai": ("Kai", "serif"), "fangsong": ("FangSong", "serif")}


def u(pt: float) -> int:
    """Points to inch1200, as integers (what archives and IIIF viewers expect)."""
    return round(pt * UNIT)


def source_date() -> int:
    """SOURCE_DATE_EPOCH, else ReportLab's invariant date (``layout.context``, the one parser)."""
    return epoch_from_env()


def iso_date(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def E(tag: str, **attrs: object) -> etree._Element:
    """An ALTO element; attributes that are ``None`` are left out."""
    el = etree.Element(f"{{{ALTO_NS}}}{tag}")
    for k, v in attrs.items():
        if v is not None:
            el.set(k, str(v))
    return el


def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: object) -> etree._Element:
    el = E(tag, **attrs)
    if text is not None:
        el.text = text
    parent.append(el)
    return el


def box(rect: Rect) -> dict[str, int]:
    return {"HPOS": u(rect.x), "VPOS": u(rect.y), "WIDTH": u(rect.width), "HEIGHT": u(rect.height)}


@dataclass
class Ids:
    """Per-page counters: IDs follow reading order, so they survive regeneration."""

    page: int
    counts: dict[str, int] = field(default_factory=dict)

    def next(self, kind: str) -> str:
        n = self.counts[kind] = self.counts.get(kind, 0) + 1
        return f"P{self.page}_{kind}{n:05d}"


class Styles:
    """TextStyle IDs in order of first use (reading order: stable across rebuilds)."""

    def __init__(self) -> None:
        self.ids: dict[tuple, str] = {}

    def ref(self, g: Glyph) -> str:
        key = (g.face.key[0], g.face.key[1], round(g.size, 2))  # role, weight, size
        if key not in self.ids:
            self.ids[key] = f"TS{len(self.ids) + 1}"
        return self.ids[key]

    def element(self) -> etree._Element:
        styles = E("Styles")
        for (role, weight, size), sid in self.ids.items():
            family, kind = FAMILIES.get(role, (role, None))
            sub(styles, "TextStyle", ID=sid, FONTFAMILY=family, FONTTYPE=kind,
                FONTSIZE=f"{size:g}", FONTSTYLE="bold" if weight == "bold" else None)
        return styles


@dataclass(frozen=True)
class PageRefs:
    """What METS needs from one ALTO page: the file and the block IDs of each group."""

    number: int
    label: str | None
    path: Path
    groups: dict[str, str]  # layout group id -> ComposedBlock ID
    blocks: dict[str, tuple[str, ...]]  # layout group id -> TextBlock IDs in reading order
    block_kinds: dict[str, str]  # TextBlock ID -> block kind
    figures: dict[str, tuple[str, ...]]  # layout group id -> Illustration IDs


class PageWriter:
    """Builds the ALTO tree of one page."""

    def __init__(self, issue: Issue, page: PageLayout, filename: str, epoch: int | None = None):
        self.epoch = epoch
        self.issue = issue
        self.page = page
        self.filename = filename
        self.ids = Ids(page.number)
        self.styles = Styles()
        self.tags: set[str] = set()
        self.groups: dict[str, str] = {}
        self.blocks: dict[str, tuple[str, ...]] = {}
        self.block_kinds: dict[str, str] = {}
        self.figures: dict[str, tuple[str, ...]] = {}

    def document(self) -> etree._Element:
        layout = E("Layout")
        layout.append(self.page_element())
        root = etree.Element(f"{{{ALTO_NS}}}alto", nsmap={None: ALTO_NS, "xlink": XLINK_NS, "xsi": XSI_NS})
        root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
        root.append(self.description())
        root.append(self.styles.element())
        if self.tags:
            root.append(self.tag_element())
        root.append(layout)
        return root

    def description(self) -> etree._Element:
        d = E("Description")
        sub(d, "MeasurementUnit", "inch1200")
        info = sub(d, "sourceImageInformation")
        sub(info, "fileName", self.filename)
        proc = sub(d, "Processing", ID="PROC1")
        sub(proc, "processingCategory", "other")
        sub(proc, "processingDateTime", iso_date(source_date() if self.epoch is None else self.epoch))
        sub(proc, "processingStepDescription",
            "Exported from the composed layout (born digital, not OCR): text and glyph boxes "
            "are those of the typeset page.")
        sub(proc, "processingStepSettings", f"source={Path(self.issue.source).name}; issue={self.issue.id}")
        soft = sub(proc, "processingSoftware")
        sub(soft, "softwareName", "layout")
        sub(soft, "softwareVersion", __version__)
        sub(soft, "applicationDescription", "Chinese newspaper typesetting (issue XML to PDF, EPUB, ALTO, METS)")
        return d

    def tag_element(self) -> etree._Element:
        tags = E("Tags")
        for kind in TAGGED:
            if kind in self.tags:
                sub(tags, "StructureTag", ID=f"TAG_{kind}", LABEL=kind, TYPE="structure")
        return tags

    def page_element(self) -> etree._Element:
        p, geo = self.page, self.page.geometry
        el = E("Page", ID=f"P{p.number}", PHYSICAL_IMG_NR=p.number, PRINTED_IMG_NR=p.label,
               WIDTH=u(p.width), HEIGHT=u(p.height), PROCESSINGREFS="PROC1",
               LANG=self.issue.meta.language or "zh-Hans")
        space = sub(el, "PrintSpace", **box(Rect(geo.type_left, geo.type_top, geo.type_width, geo.type_height)))
        for group in p.groups:
            space.append(self.group(group))
        for rule in p.rules:
            space.append(self.rule(rule))
        return el

    def group(self, group: Group) -> etree._Element:
        cid = self.ids.next("CB")
        self.groups[group.id] = cid
        el = E("ComposedBlock", ID=cid, TYPE=group.kind, **box(group.rect))
        figs = [self.figure(fig) for fig in group.figures]
        el.extend(figs)
        self.figures[group.id] = tuple(f.get("ID") for f in figs)
        tbs = []
        for block in group.blocks:
            tb = self.block(block)
            tbs.append(tb.get("ID"))
            el.append(tb)
        self.blocks[group.id] = tuple(tbs)
        return el

    def figure(self, fig: FigureBox) -> etree._Element:
        return E("Illustration", ID=self.ids.next("IL"), TYPE="photo", **box(fig.rect))

    def rule(self, rule: RuleLine) -> etree._Element:
        """A rule as a thin rectangle; a double rule spans both strokes."""
        half = rule.weight / 2 + (1.2 if rule.style == "double" else 0.0)
        x0, x1 = sorted((rule.x1, rule.x2))
        y0, y1 = sorted((rule.y1, rule.y2))
        rect = Rect(x0 - (half if x0 == x1 else 0), y0 - (half if y0 == y1 else 0),
                    max(x1 - x0, 2 * half), max(y1 - y0, 2 * half))
        return E("GraphicalElement", ID=self.ids.next("GE"), **box(rect))

    def block(self, block: TextBlock) -> etree._Element:
        tid = self.ids.next("TB")
        self.block_kinds[tid] = block.kind
        tag = None
        if block.kind in TAGGED:
            tag = f"TAG_{block.kind}"
            self.tags.add(block.kind)
        el = E("TextBlock", ID=tid, TAGREFS=tag, **box(block.rect))
        for placed in block.lines:
            if placed.line.glyphs:
                el.append(self.line(placed))
        return el

    def line(self, placed: PlacedLine) -> etree._Element:
        glyphs = placed.line.glyphs
        size = max(g.size for g in glyphs)
        left = placed.x + glyphs[0].x
        right = placed.x + max(g.x + g.width for g in glyphs)
        top = placed.baseline - placed.line.ascent  # the em boxes' top, from their faces
        refs = {self.styles.ref(g) for g in glyphs}
        line_style = refs.pop() if len(refs) == 1 else None
        el = E("TextLine", ID=self.ids.next("TL"), STYLEREFS=line_style,
               HPOS=u(left), VPOS=u(top), WIDTH=u(right - left),
               HEIGHT=u(size), BASELINE=f"{u(left)},{u(placed.baseline)} {u(right)},{u(placed.baseline)}")
        gaps = spaces(placed.line.text, glyphs)
        for i, g in enumerate(glyphs):
            el.append(self.string(placed, g, None if line_style else self.styles.ref(g)))
            if gaps[i] and i + 1 < len(glyphs):
                end = placed.x + g.x + g.width
                sub(el, "SP", HPOS=u(end), VPOS=u(top),
                    WIDTH=max(u(placed.x + glyphs[i + 1].x) - u(end), 0))
        return el

    def string(self, placed: PlacedLine, g: Glyph, style: str | None) -> etree._Element:
        return E("String", ID=self.ids.next("ST"), CONTENT=g.text, STYLEREFS=style,
                 HPOS=u(placed.x + g.x), VPOS=u(placed.baseline - g.face.ascent * g.size),
                 WIDTH=u(g.width), HEIGHT=u(g.size))

    def refs(self, path: Path) -> PageRefs:
        return PageRefs(self.page.number, self.page.label, path, dict(self.groups),
                        dict(self.blocks), dict(self.block_kinds), dict(self.figures))


def spaces(text: str, glyphs: tuple[Glyph, ...]) -> list[bool]:
    """For each glyph: is it followed by a typed space (inside the line)?

    Walks the line text alongside the glyphs; if they disagree, no spaces are claimed."""
    pos, out = 0, []
    for g in glyphs:
        at = text.find(g.text, pos)
        if at < 0 or text[pos:at].strip():
            return [False] * len(glyphs)
        if out and text[pos:at]:
            out[-1] = True
        out.append(False)
        pos = at + len(g.text)
    return out


def page_filename(issue: Issue, number: int) -> str:
    return f"{Path(issue.source).stem}_{number:04d}.alto.xml"


def page_bytes(issue: Issue, page: PageLayout, epoch: int | None = None) -> tuple[bytes, PageWriter]:
    """The ALTO file of one page, and the writer that knows its IDs."""
    writer = PageWriter(issue, page, f"{Path(issue.source).stem}.pdf", epoch)
    root = writer.document()
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data, writer


def render_alto(issue: Issue, layout: IssueLayout, out_dir: str | Path,
                epoch: int | None = None) -> list[tuple[PageRefs, bytes]]:
    """Every page's ALTO bytes with its references, without writing."""
    out = []
    for page in layout.pages:
        data, writer = page_bytes(issue, page, epoch)
        out.append((writer.refs(Path(out_dir) / page_filename(issue, page.number)), data))
    return out


def write_alto_pages(issue: Issue, layout: IssueLayout, out_dir: str | Path,
                     epoch: int | None = None) -> list[PageRefs]:
    """Write one ALTO file per page (atomically); return what METS needs."""
    refs = []
    for ref, data in render_alto(issue, layout, out_dir, epoch):
        atomic_write(ref.path, data)
        refs.append(ref)
    return refs


def write_alto(issue: Issue, layout: IssueLayout, out_dir: str | Path, epoch: int | None = None) -> list[Path]:
    """Write ``<stem>_0001.alto.xml``… and a METS ``<stem>.mets.xml`` tying them to the
    articles into ``out_dir``; return the paths (the METS file last).

    The METS lists only the ALTO files: the ``archive`` command writes the full package."""
    from layout.render.mets import write_mets

    refs = write_alto_pages(issue, layout, out_dir, epoch)
    mets = write_mets(issue, layout, refs, Path(out_dir) / f"{Path(issue.source).stem}.mets.xml",
                      epoch=epoch)
    return [ref.path for ref in refs] + [mets]
