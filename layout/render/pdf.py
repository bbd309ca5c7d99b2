"""Render the composed page to PDF with ReportLab: what editors proof and archives compare.

The renderer only draws what the composer placed.  Each line is one text object whose
glyphs sit exactly where the composer put them (``TJ`` arrays with an offset before
each glyph that needs one).  Fonts are Type 0 fonts with CIDFontType2 descendants, one
per face and writing direction, glyphs addressed by glyph id (``pdf_fonts``), so a line
switches font once per face.  The document is tagged (PDF/UA-1, ``pdf_tags``): the
lines are marked content of their paragraph, heading or caption; frames, rules and page
furniture are artifacts.  A line whose glyphs do not abut (the glue between hanzi and
digits, justification) is marked with its ``ActualText``, so text extraction gives the
source's characters without inventing spaces.  Output is byte-reproducible: ReportLab's invariant mode plus
``SOURCE_DATE_EPOCH``.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.colors import Color, black, white
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.utils import ImageReader

from layout import __version__
from layout.atomic import atomic_write
from layout.compose.boxes import FigureBox, Group, IssueLayout, PageLayout, PlacedLine
from layout.compose.lines import FaceRef, Glyph
from layout.context import epoch_from_env
from layout.errors import ResourceError, SourcePos
from layout.read.model import Issue
from layout.read.units import MM
from layout.render import reportlab_adapter as rl
from layout.render.pdf_fonts import CidFont, FontFile
from layout.render.pdf_tags import Tagger

BLEED = 3 * MM
#: room around the bleed for crop marks and the slug line on a proof
PROOF_MARGIN = 15 * MM
GREY = Color(0.55, 0.55, 0.55)
TINT = Color(0.92, 0.92, 0.92)
GRID = Color(0.2, 0.6, 0.9)
OVERSET = Color(0.85, 0.1, 0.1)
#: a gap (em) between glyphs that text extraction may read as a space (poppler: 0.1)
ABUT = 0.02


@dataclass(frozen=True)
class PdfOptions:
    proof: bool = False
    grid: bool = False
    epoch: int | None = None  # the build's date (None: SOURCE_DATE_EPOCH, via layout.context)


class DocumentFonts:
    """The document's Type 0 fonts: one per face file and writing direction, made on first use.

    Glyphs are drawn as the layout records them: the font is the file of the glyph's
    ``FaceRef``, the glyph ids are the record's ``gids`` (the composer read them from the
    face: its cmap, or for a half-width-digit face its ``hwid`` forms), so no glyph id is
    derived here a second time.  ``run`` gives, for a face, glyph ids and their text, the
    font, the glyphs as a hex string, their advance and whether ToUnicode maps them back
    exactly; it is worked out once per run in a document (a page draws ~6000 glyphs of
    ~1100 characters).

    A glyph of variant "halt" (a compressed mark) is drawn with its own glyph id: the
    converted faces keep no GSUB or GPOS (and GPOS ``halt`` substitutes no glyph, it
    moves and narrows one), so there is no halt glyph to take.  The record's ``dx`` places
    the halt form's origin; ``halt_shift`` adds back the form's placement (GPOS, from the
    face's source facts), so the original glyph's ink lands where the halt form's would.
    Its full advance then overlaps its neighbour, which ``PageDrawer.actual_text`` marks.
    """

    def __init__(self, fontset, canvas) -> None:
        self.fontset = fontset  # the slug's face and the ``halt`` placements
        self.canvas = canvas
        self._files: dict[Path, FontFile] = {}
        self._fonts: dict[tuple[str, bool], CidFont] = {}
        self._runs: dict[tuple[str, tuple[int, ...], str, bool], tuple[CidFont, str, float, bool]] = {}
        self._halts: dict[tuple[Hashable, str], float] = {}

    def font(self, face: FaceRef, vertical: bool = False) -> CidFont:
        """The Type 0 font of ``face``'s file in one writing direction."""
        cid = self._fonts.get((face.path, vertical))
        if cid is None:
            path = Path(face.path)
            file = self._files.get(path)
            if file is None:  # a half-width-digit face draws from its face's file
                file = self._files[path] = FontFile(path, face.name.removesuffix("-HW"))
            cid = self._fonts[(face.path, vertical)] = CidFont(file, f"C{len(self._fonts) + 1}",
                                                               vertical)
            rl.add_font(self.canvas, cid.resource, lambda doc, cid=cid: type0(cid, doc))
        return cid

    def run(self, face: FaceRef, gids: tuple[int, ...], text: str,
            vertical: bool = False) -> tuple[CidFont, str, float, bool]:
        """(font, glyphs as hex, advance in thousandths of the size, mapped back exactly)
        of glyphs ``gids`` drawn for ``text`` in ``face``, in a horizontal or vertical line."""
        k = (face.path, gids, text, vertical)
        hit = self._runs.get(k)
        if hit is None:
            cid = self.font(face, vertical)
            hit = self._runs[k] = (cid, *cid.use(gids, text))
        return hit

    def halt_shift(self, g: Glyph) -> float:
        """pt from a "halt" glyph's recorded origin to where its own glyph is drawn: the
        placement GPOS ``halt`` gives the mark (0 for a glyph of another variant)."""
        if g.variant != "halt":
            return 0.0
        k = (g.face.key, g.text)
        placement = self._halts.get(k)
        if placement is None:
            adjust = self.fontset.face(*g.face.key).halt(g.text)
            placement = self._halts[k] = adjust[0] if adjust else 0.0
        return placement * g.size


def type0(font: CidFont, doc) -> rl.PDFDictionary:
    """The Type 0 font dictionary of ``font`` and its descendant, subset now."""
    file = font.file
    base = f"{font.tag()}+{file.psname}"
    program = rl.PDFStream(rl.PDFDictionary(), file.subset(set(font.text)), [rl.PDFZCompress])
    descriptor = rl.PDFDictionary({
        "Type": "/FontDescriptor", "FontName": "/" + base, "Flags": 4,
        "FontBBox": rl.PDFArray(list(file.bbox)), "ItalicAngle": 0, "Ascent": file.ascent,
        "Descent": file.descent, "CapHeight": file.cap_height, "StemV": 80,
        "FontFile2": doc.Reference(program),
    })
    dw, widths = font.widths()
    cid = rl.PDFDictionary({
        "Type": "/Font", "Subtype": "/CIDFontType2", "BaseFont": "/" + base,
        "CIDSystemInfo": rl.PDFDictionary({"Registry": "(Adobe)", "Ordering": "(Identity)",
                                           "Supplement": 0}),
        "FontDescriptor": doc.Reference(descriptor), "DW": dw, "CIDToGIDMap": "/Identity",
    })
    if widths:
        cid.dict["W"] = rl.PDFArray([rl.PDFArray(w) if isinstance(w, list) else w for w in widths])
    if font.vertical:
        cid.dict["DW2"] = rl.PDFArray([file.ascent, -1000])
    cmap = rl.PDFStream(rl.PDFDictionary(), font.to_unicode(base), [rl.PDFZCompress])
    return rl.PDFDictionary({
        "Type": "/Font", "Subtype": "/Type0", "BaseFont": "/" + base,
        "Encoding": "/Identity-V" if font.vertical else "/Identity-H",
        "DescendantFonts": rl.PDFArray([doc.Reference(cid)]), "ToUnicode": doc.Reference(cmap),
    })


class _LineText:
    """The glyphs of one line as ``TJ`` arrays, each glyph at the composer's x.

    A glyph's offset from where the previous one left the pen is a number in the array
    (thousandths of the size, PDF 32000-1 §9.4.3), so one ``TJ`` per run of glyphs in one
    font and size.  The pen is tracked as a viewer tracks it, from the rounded numbers
    written and the widths the font's ``/W`` declares, so no error adds up along a line.
    """

    def __init__(self, code: list[str]) -> None:
        self.code = code
        self.items: list[str] = []
        self.state: tuple | None = None  # (font, size) of the open TJ
        self.mode = 0  # text render mode: 3 = invisible (a rule's dashes)
        self.pen = 0.0  # pt from the line origin where the next glyph would land

    def show(self, font: CidFont, size: float, x: float, glyphs: str, width: float,
             mode: int = 0) -> None:
        """Draw ``glyphs`` (hex) with the first at ``x`` (pt from the line origin)."""
        if mode != self.mode:
            self.flush()
            self.code.append(f"{mode} Tr")
            self.mode = mode
        state = (font, size)
        if state != self.state:
            self.flush()
            self.code.append(f"/{font.resource} {fp_str(size)} Tf")
            self.state = state
        kern = fp_str(round((self.pen - x) * 1000 / size, 3))
        if kern != "0":
            self.items.append(kern)
            x = self.pen - float(kern) * size / 1000  # where the viewer puts the glyph
        self.items.append(glyphs)
        self.pen = x + width * size / 1000

    def flush(self) -> None:
        if self.items:
            self.code.append(f"[{' '.join(self.items)}] TJ")
            self.items = []

    def close(self) -> None:
        self.flush()
        if self.mode:
            self.code.append("0 Tr")
            self.mode = 0


def spaced_before(line_text: str, glyphs: tuple[Glyph, ...]) -> list[bool]:
    """For each glyph, whether the line's text has a typed space before it."""
    out, pos = [], 0
    for g in glyphs:
        space = False
        while line_text.startswith(" ", pos) and not g.text.startswith(" "):
            space, pos = True, pos + 1
        if not line_text.startswith(g.text, pos):  # text and glyphs disagree: no claims
            return [False] * len(glyphs)
        out.append(space)
        pos += len(g.text)
    return out


class PageDrawer:
    def __init__(self, canvas, page: PageLayout, fonts: DocumentFonts, options: PdfOptions,
                 offset: float, tagger: Tagger):
        self.c = canvas
        self.page = page
        self.fonts = fonts
        self.options = options
        self.offset = offset  # distance of the trim box from the media box edge
        self.height = page.height
        self.tagger = tagger
        self.rules: list[tuple[float, float, float, float, bool]] = []  # —— still to draw

    def X(self, x: float) -> float:
        return x + self.offset

    def Y(self, y: float) -> float:
        return self.offset + self.height - y

    @contextlib.contextmanager
    def artifact(self) -> Iterator[None]:
        self.c.addLiteral("/Artifact BMC")
        yield
        self.c.addLiteral("EMC")

    def draw(self) -> None:
        """Frames and pictures, then rules, then the text, as the page is layered."""
        for group in self.page.groups:
            container = self.tagger.open(group)
            with self.artifact():
                self.frame(group)
            for fig in group.figures:
                self.tagger.figure(fig, container, self, group)
            if group.overset or group.overflow:  # a proof built with --allow-overset
                with self.artifact():
                    self.overset(group)
        with self.artifact():
            for rule in self.page.rules:
                self.rule(rule)
        for group in self.page.groups:
            self.tagger.text(group, self)
        if self.options.grid:
            with self.artifact():
                self.grid()

    def rule(self, rule) -> None:
        c = self.c
        c.setStrokeColor(black)
        c.setLineWidth(rule.weight)
        if rule.style == "double":
            for d in (-1.2, 1.2):
                c.line(self.X(rule.x1), self.Y(rule.y1 + d), self.X(rule.x2), self.Y(rule.y2 + d))
        else:
            c.setDash([1, 1.5] if rule.style == "dotted" else [])
            c.line(self.X(rule.x1), self.Y(rule.y1), self.X(rule.x2), self.Y(rule.y2))
            c.setDash([])

    def frame(self, group: Group) -> None:
        c, r = self.c, group.rect
        if group.border == "tint":
            c.setFillColor(TINT)
            c.rect(self.X(r.x), self.Y(r.bottom), r.width, r.height, stroke=0, fill=1)
        elif group.border == "solid":
            c.setStrokeColor(black)
            c.setLineWidth(0.6)
            c.rect(self.X(r.x), self.Y(r.bottom), r.width, r.height, stroke=1, fill=0)
        for block in group.blocks:
            if block.inverse:
                b = block.rect
                c.setFillColor(black)
                c.rect(self.X(b.x), self.Y(b.bottom), b.width, b.height, stroke=0, fill=1)

    def overset(self, group: Group) -> None:
        c, r = self.c, group.rect
        if group.overset or group.overflow:
            c.setStrokeColor(OVERSET)
            c.setLineWidth(2)
            c.setDash([6, 3])
            c.rect(self.X(r.x), self.Y(r.bottom), r.width, r.height, stroke=1, fill=0)
            c.setDash([])

    def figure(self, fig: FigureBox) -> None:
        c, r = self.c, fig.rect
        if fig.src is None:  # the composer warned, naming the source line
            c.setFillColor(TINT)
            c.setStrokeColor(GREY)
            c.setLineWidth(0.5)
            c.rect(self.X(r.x), self.Y(r.bottom), r.width, r.height, stroke=1, fill=1)
            c.line(self.X(r.x), self.Y(r.y), self.X(r.right), self.Y(r.bottom))
            c.line(self.X(r.x), self.Y(r.bottom), self.X(r.right), self.Y(r.y))
            return
        try:
            image = ImageReader(fig.src)
            iw, ih = image.getSize()
        except Exception as exc:
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise ResourceError(f"cannot read image {fig.src}: {reason}", SourcePos(fig.src)) from None
        scale = (max if fig.fit == "cover" else min)(r.width / iw, r.height / ih)
        w, h = iw * scale, ih * scale
        x, y = r.x + (r.width - w) / 2, r.y + (r.height - h) / 2
        c.saveState()
        path = c.beginPath()
        path.rect(self.X(r.x), self.Y(r.bottom), r.width, r.height)
        c.clipPath(path, stroke=0, fill=0)
        c.drawImage(image, self.X(x), self.Y(y + h), w, h)
        c.restoreState()

    def line(self, placed: PlacedLine, inverse: bool) -> None:
        """One text object per line, each glyph at the composer's position (the caller
        opens the marked-content sequence the line belongs to)."""
        fonts = self.fonts
        baseline = self.Y(placed.baseline)
        origin = self.X(placed.x)
        code = ["BT", "1 1 1 rg" if inverse else "0 0 0 rg",
                f"1 0 0 1 {fp_str(origin)} {fp_str(baseline)} Tm"]
        text = _LineText(code)
        for g in placed.line.glyphs:
            if g.form == "spread":  # …… : one glyph per em
                step = g.width / len(g.text)
                each = g.advance / len(g.text)
                for k, ch in enumerate(g.text):
                    font, hexes, width, _ = fonts.run(g.face, g.gids[k:k + 1], ch)
                    text.show(font, g.size, g.x + k * step + (step - each) / 2, hexes, width)
                continue
            font, hexes, width, _ = fonts.run(g.face, g.gids, g.text)
            x = g.x + g.dx + fonts.halt_shift(g)  # a · is centred by its dx
            if g.form == "rule":  # the dashes stay in the text layer, invisible
                self.rules.append((origin + g.x, baseline + g.size * 0.33, g.width, g.size,
                                   inverse))
                text.show(font, g.size, x, hexes, width, mode=3)
            else:
                text.show(font, g.size, x, hexes, width)
        text.close()
        code.append("ET")
        self.c.addLiteral("\n".join(code))

    def actual_text(self, placed: PlacedLine) -> str | None:
        """The line's text, for an ``ActualText`` span, if a viewer would not read it back
        from the glyphs alone: two neighbours with a gap between them that is not a typed
        space (the glue between hanzi and digits, justification: extraction would invent
        a space), a compressed mark whose full advance overlaps the next glyph (read as a
        line break in content order), or a glyph ToUnicode maps to another character."""
        fonts = self.fonts
        glyphs = placed.line.glyphs
        spaced = None
        end = None
        for i, g in enumerate(glyphs):
            _, _, width, exact = fonts.run(g.face, g.gids, g.text)
            if not exact:
                return placed.line.text
            if g.form == "spread":
                step = g.width / len(g.text)
                w = g.advance / len(g.text)
                start, stop = g.x + (step - w) / 2, g.x + g.width - (step - w) / 2
            else:
                start = g.x + g.dx + fonts.halt_shift(g)
                stop = start + width * g.size / 1000
            if end is not None and end - start > ABUT * g.size:
                return placed.line.text  # overlap: read as a new line in content order
            if end is not None and start - end > ABUT * g.size:
                if spaced is None:
                    spaced = spaced_before(placed.line.text, glyphs)
                if not spaced[i]:
                    return placed.line.text
            end = stop
        return None

    def draw_rules(self) -> None:
        """The —— rules of the lines drawn so far (one 2 em rule at dash height each),
        artifacts: drawn between marked-content sequences, never inside one."""
        if not self.rules:
            return
        with self.artifact():
            for x, y, width, size, inverse in self.rules:
                self.c.setStrokeColor(white if inverse else black)
                self.c.setLineWidth(size * 0.06)
                self.c.line(x + size * 0.05, y, x + width - size * 0.05, y)
        self.rules = []

    def grid(self) -> None:
        geo = self.page.geometry
        c = self.c
        c.setStrokeColor(GRID)
        c.setLineWidth(0.15)
        y = geo.type_top
        while y <= geo.type_top + geo.type_height + 0.01:
            c.line(self.X(geo.type_left), self.Y(y), self.X(geo.type_left + geo.type_width), self.Y(y))
            y += geo.line_pitch
        for col in range(1, geo.columns + 1):
            x0 = geo.column_x(col)
            for x in (x0, x0 + geo.column_chars * geo.body_size):
                c.line(self.X(x), self.Y(geo.type_top), self.X(x), self.Y(geo.type_top + geo.type_height))


def crop_marks(c, offset: float, width: float, height: float) -> None:
    """Crop marks at the trim corners, kept clear of the bleed."""
    c.setStrokeColor(black)
    c.setLineWidth(0.25)
    gap, length = BLEED + 2, 10 * MM
    for x in (offset, offset + width):
        for y in (offset, offset + height):
            dx = -1 if x == offset else 1
            dy = -1 if y == offset else 1
            c.line(x + dx * gap, y, x + dx * (gap + length), y)
            c.line(x, y + dy * gap, x, y + dy * (gap + length))


def source_date() -> int:
    """Build time for metadata and slug: SOURCE_DATE_EPOCH, or ReportLab's invariant date
    (``layout.context``, the one parser; ReportLab reads the same variable itself)."""
    return epoch_from_env()


def render_pdf(issue: Issue, layout: IssueLayout, fonts, options: PdfOptions = PdfOptions()) -> bytes:
    """The PDF bytes of the composed issue."""
    buf = io.BytesIO()
    first = layout.pages[0]
    offset = PROOF_MARGIN + BLEED if options.proof else 0.0
    size = (first.width + 2 * offset, first.height + 2 * offset)
    with _binary_streams():
        c = rl.new_canvas(buf, size, issue.meta.language)
        rl.pin_date(c, source_date() if options.epoch is None else options.epoch)
        _draw_issue(c, issue, layout, DocumentFonts(fonts, c), options, offset)
    return buf.getvalue()


@contextlib.contextmanager
def _binary_streams() -> Iterator[None]:
    """Streams flate-compressed only: ReportLab also ASCII85-encodes them by default (a
    7-bit-clean file, a quarter larger and slower to write, which no reader needs)."""
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


def _draw_issue(c, issue: Issue, layout: IssueLayout, fonts: DocumentFonts,
                options: PdfOptions, offset: float) -> None:
    title = issue.meta.display_title
    c.setTitle(title)
    c.setSubject("报纸版面 newspaper page" + (f"：{issue.meta.paper}" if issue.meta.paper else ""))
    creator = f"layout {__version__} (Chinese newspaper typesetting)"
    c.setCreator(creator)
    c.setProducer(f"layout {__version__} with ReportLab")
    c.setAuthor(issue.meta.paper or "")
    tagger = Tagger(issue)
    for index, page in enumerate(layout.pages):
        w, h = page.width + 2 * offset, page.height + 2 * offset
        c.setPageSize((w, h))
        if options.proof:
            c.setTrimBox((offset, offset, offset + page.width, offset + page.height))
            c.setBleedBox((offset - BLEED, offset - BLEED, offset + page.width + BLEED,
                           offset + page.height + BLEED))
        tagger.start_page(rl.this_page(c))
        drawer = PageDrawer(c, page, fonts, options, offset, tagger)
        drawer.draw()
        if options.proof:
            with drawer.artifact():
                crop_marks(c, offset, page.width, page.height)
            slug(c, issue, page, fonts, options.epoch)
        bookmarks(c, page, issue, offset)
        c.showPage()
        rl.page_entries(c, index, {"StructParents": index, "Tabs": "/S"})
    tagger.finish(c, title, creator, issue.meta.language,
                  source_date() if options.epoch is None else options.epoch)
    c.save()


def slug(c, issue: Issue, page: PageLayout, fonts: DocumentFonts, epoch: int | None = None) -> None:
    """The proof's slug line (file, page, version, build time), an artifact."""
    from datetime import UTC, datetime

    when = datetime.fromtimestamp(source_date() if epoch is None else epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = f"{Path(issue.source).name}  page {page.number}  layout {__version__}  {when}"
    face = fonts.fontset.face("song", "regular")
    ref = FaceRef.of(face)
    code = ["/Artifact BMC", "BT", "0 0 0 rg",
            f"1 0 0 1 {fp_str(PROOF_MARGIN / 2)} {fp_str(PROOF_MARGIN / 3)} Tm"]
    line = _LineText(code)
    x = 0.0
    for word in text.split(" "):
        if word:
            font, hexes, width, _ = fonts.run(ref, face.glyphs(word)[1], word)
            line.show(font, 6, x, hexes, width)
            x += width * 6 / 1000
        x += 1.5  # a space, as positioning
    line.close()
    c.addLiteral("\n".join([*code, "ET", "EMC"]))


def bookmarks(c, page: PageLayout, issue: Issue, offset: float = 0.0) -> None:
    key = f"page{page.number}"
    c.bookmarkPage(key)
    label = page.label or str(page.number)
    c.addOutlineEntry(f"第{label}版" if page.label else f"Page {label}", key, level=0)
    for group in page.groups:
        if group.kind != "article":
            continue
        gkey = f"{key}-{group.id}"
        top = group.rect.y
        c.bookmarkHorizontal(gkey, 0, offset + page.height - top)
        c.addOutlineEntry(group.title or group.id, gkey, level=1)


def write_pdf(issue: Issue, layout: IssueLayout, fonts, out: str | Path,
              options: PdfOptions = PdfOptions()) -> Path:
    data = render_pdf(issue, layout, fonts, options)
    return atomic_write(Path(out), data)



