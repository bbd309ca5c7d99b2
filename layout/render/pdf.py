"""Render the composed page to PDF with ReportLab: what editors proof and archives compare.

The renderer only draws what the composer placed.  Each line is one text object
whose glyphs sit exactly where the composer put them (``TJ`` arrays with an offset
before each glyph that needs one), so ``pdftotext`` and copy/paste give the line's
text in reading order.  Fonts are the subset TrueType faces of the fonts module,
embedded with ToUnicode.  Output is byte-reproducible: ReportLab's invariant mode plus
``SOURCE_DATE_EPOCH``.
"""

from __future__ import annotations

import contextlib
import gc
import io
import marshal
import mmap
import struct
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path
from weakref import WeakKeyDictionary

from reportlab import Version as REPORTLAB_VERSION
from reportlab import rl_config
from reportlab.lib.colors import Color, black, white
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics

from layout import __version__
from layout.atomic import atomic_write
from layout.compose.boxes import FigureBox, Group, IssueLayout, PageLayout, PlacedLine, TextBlock
from layout.compose.lines import FaceRef
from layout.context import epoch_from_env
from layout.errors import ResourceError, SourcePos
from layout.fonts.cache import atomic_write as cache_write
from layout.read.model import Issue
from layout.read.units import MM
from layout.render.reportlab_imports import Canvas, TTEncoding, TTFNameBytes, TTFont, TTFontFace

BLEED = 3 * MM
#: room around the bleed for crop marks and the slug line on a proof
PROOF_MARGIN = 15 * MM
GREY = Color(0.55, 0.55, 0.55)
TINT = Color(0.92, 0.92, 0.92)
GRID = Color(0.2, 0.6, 0.9)
OVERSET = Color(0.85, 0.1, 0.1)


@dataclass(frozen=True)
class PdfOptions:
    proof: bool = False
    grid: bool = False
    epoch: int | None = None  # the build's date (None: SOURCE_DATE_EPOCH, via layout.context)


#: bump when the memo's layout changes (the ReportLab version is part of the file name too)
TTF_MEMO_VERSION = 2  # 2: glyphToChar rebuilt on demand


def _memo_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.rl{REPORTLAB_VERSION}-{TTF_MEMO_VERSION}.marshal")


def load_ttfont(name: str, path: Path) -> TTFont:
    """``TTFont(name, path)``, its parse memoised beside the (cached, converted) font file.

    ReportLab reads cmap, hmtx and loca of all ~7800 glyphs in pure Python: ~80 ms a face,
    nine faces for the sample page.  The parsed face (everything but the file's bytes,
    which are read again) is kept with ``marshal``, valid while the file's size and mtime
    match; the object built from it has the same attributes as a freshly parsed one.
    """
    st = path.stat()
    memo = _memo_path(path)
    try:
        data = memo.read_bytes()
        gc_was_on = gc.isenabled()
        gc.disable()  # ~30k containers at once: the collector would scan them again and again
        try:
            state = marshal.loads(data)
        finally:
            if gc_was_on:
                gc.enable()
        if (state.get("size"), state.get("mtime_ns"), state.get("name")) == (
                st.st_size, st.st_mtime_ns, name):
            return _from_state(state, path)
    except (OSError, EOFError, ValueError, TypeError, KeyError, AttributeError):
        pass  # absent or damaged: parse the font below
    font = TTFont(name, str(path))
    state = _to_state(font)
    if state is not None:
        state.update(size=st.st_size, mtime_ns=st.st_mtime_ns, name=name)
        try:
            cache_write(memo, marshal.dumps(state))
        except (OSError, ValueError):  # a read-only cache: parse every time, same result
            pass
    return font


def _to_state(font: TTFont) -> dict | None:
    """Plain data for ``font`` and its face, or None if an attribute has no plain form."""
    out: dict = {"font": {}, "face": {}, "names": {}, "encodings": [], "weak": []}
    for k, v in vars(font).items():
        if k == "face":
            continue
        if type(v) is TTEncoding:
            out["encodings"].append(k)
        elif type(v) is WeakKeyDictionary:
            out["weak"].append(k)
        else:
            out["font"][k] = v
    face = font.face
    for k, v in vars(face).items():
        if k in ("_ttf_data", "_pdfScale"):
            continue
        if type(v) is TTFNameBytes:
            out["names"][k] = v.ustr
        else:
            out["face"][k] = v
    g2c = vars(face).get("glyphToChar")
    c2g = vars(face).get("charToGlyph")
    if type(g2c) is dict and type(c2g) is dict:
        for skip in (None, 0xA0, 0x20):  # extractInfo adds U+00A0 or U+0020 after the cmap
            if _glyph_to_char(c2g, skip) == g2c:
                del out["face"]["glyphToChar"]
                out["g2c_skip"] = skip
                break
    try:
        marshal.dumps(out)
    except ValueError:  # a newer ReportLab with objects of its own: do not memoise
        return None
    return out


def _glyph_to_char(char_to_glyph: dict[int, int], skip: int | None) -> dict[int, list[int]]:
    """``glyphToChar`` as TTFontFile.extractInfo builds it: for each glyph, its code points in
    cmap order (``skip``: the one code point it maps after reading the cmap)."""
    out: dict[int, list[int]] = {}
    for char, glyph in char_to_glyph.items():
        if char != skip:
            out.setdefault(glyph, []).append(char)
    return out


def _map(path: Path) -> bytes:
    """The font file's bytes, memory-mapped: ReportLab only slices them, and a page uses a
    few hundred of a face's ~7800 glyphs, so most of the 2-3 MB is never read (~1 ms a
    face instead of ~2).  Falls back to reading the file where it cannot be mapped."""
    try:
        with open(path, "rb") as fh:
            return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)  # type: ignore[return-value]
    except (OSError, ValueError):
        return path.read_bytes()


class _MemoFace(TTFontFace):
    """A TTFontFace rebuilt from a memo whose ``glyphToChar`` was left out.

    ReportLab uses ``glyphToChar`` only while it parses a font, so it is rebuilt from
    ``charToGlyph`` on first access (equal to the parsed one: checked when the memo was
    written) instead of being unmarshalled: ~7800 lists less to create per face, and to
    scan at every garbage collection until the process ends.
    """

    @property
    def glyphToChar(self) -> dict[int, list[int]]:
        d = self.__dict__
        if "_glyphToChar" not in d:
            d["_glyphToChar"] = _glyph_to_char(self.charToGlyph, d["_g2c_skip"])
        return d["_glyphToChar"]

    @glyphToChar.setter
    def glyphToChar(self, value: dict[int, list[int]]) -> None:
        self.__dict__["_glyphToChar"] = value


def _from_state(state: dict, path: Path) -> TTFont:
    if "g2c_skip" in state:
        face = _MemoFace.__new__(_MemoFace)
        face.__dict__["_g2c_skip"] = state["g2c_skip"]
    else:
        face = TTFontFace.__new__(TTFontFace)
    vars(face).update(state["face"])
    for k, ustr in state["names"].items():
        setattr(face, k, TTFNameBytes(ustr.encode("utf8")))
    face._ttf_data = _map(path)
    upm = face.unitsPerEm  # as TTFontFile.extractInfo sets it
    face._pdfScale = (lambda x: x) if upm == 1000 else (lambda x, m=1000 / upm: x * m)
    font = TTFont.__new__(TTFont)
    vars(font).update(state["font"])
    font.face = face
    for k in state["encodings"]:
        setattr(font, k, TTEncoding())
    for k in state["weak"]:
        setattr(font, k, WeakKeyDictionary())
    return font


class FontRegistry:
    """ReportLab font names for the layout's faces (``FaceRef``), registered once per process."""

    def __init__(self, fonts):
        self.fonts = fonts  # only to derive the ``halt`` faces (a backend resource)
        self.halves: dict[Hashable, str | None] = {}
        self._ttfonts: dict[str, TTFont] = {}

    def name(self, face: FaceRef) -> str:
        """The registered name of ``face`` (its PostScript name), embedding its file once."""
        if face.name not in pdfmetrics.getRegisteredFontNames():
            from reportlab.pdfbase.ttfonts import TTFError  # loaded by now, without HarfBuzz

            try:
                pdfmetrics.registerFont(load_ttfont(face.name, Path(face.path)))
            except (OSError, TTFError, struct.error) as exc:  # an unreadable or corrupt font file
                raise ResourceError(f"cannot embed font {face.path}: {exc}",
                                    SourcePos(str(face.path))) from None
        return face.name

    def ttfont(self, name: str) -> TTFont:
        """The registered ReportLab font of that name (a dict look-up after the first)."""
        font = self._ttfonts.get(name)
        if font is None:
            font = self._ttfonts[name] = pdfmetrics.getFont(name)
        return font

    def any_name(self) -> str:
        """Some embedded face, for a page that sets no text at all."""
        return self.name(FaceRef.of(self.fonts.face("song", "regular")))

    def half(self, face: FaceRef) -> str:
        """The name of ``face`` with its marks set half width (GPOS ``halt`` baked in), for a
        glyph of variant "halt": its advance fits its box, so text extraction never sees
        overlapping glyphs.  The composer set that variant only where the face has ``halt``."""
        if face.key not in self.halves:
            self.name(face)
            variant = self.fonts.halt_variant(self.fonts.face(*face.key))
            if variant is not None and variant[0] not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(load_ttfont(variant[0], Path(variant[1])))
            self.halves[face.key] = variant[0] if variant else None
        return self.halves[face.key] or face.name


class _Pieces:
    """What one document's text objects need of a font, worked out once per text.

    A page draws ~6000 glyphs of ~1100 characters: each character's subset, code and
    width (ReportLab's ``splitString`` and ``getCharWidth``) are the same every time in
    one document, and so is the ``Tf`` that selects a subset at a size.
    """

    def __init__(self, doc, escape) -> None:
        self.doc = doc
        self.escape = escape
        self._of: dict[tuple[TTFont, str], tuple[tuple[int, str, float], ...]] = {}
        self._select: dict[tuple[TTFont, int, float], str] = {}

    def of(self, font: TTFont, text: str) -> tuple[tuple[int, str, float], ...]:
        """(subset, string literal, width in thousandths of the size) of each chunk."""
        k = (font, text)
        pieces = self._of.get(k)
        if pieces is None:
            out, i = [], 0
            for subset, chunk in font.splitString(text, self.doc):
                width = sum(map(font.face.getCharWidth, map(ord, text[i:i + len(chunk)])))
                out.append((subset, f"({self.escape(chunk)})", width))
                i += len(chunk)
            pieces = self._of[k] = tuple(out)
        return pieces

    def select(self, font: TTFont, subset: int, size: float) -> str:
        """The ``Tf`` operator for a subset of ``font`` at ``size``."""
        k = (font, subset, size)
        op = self._select.get(k)
        if op is None:
            op = self._select[k] = f"{font.getSubsetInternalName(subset, self.doc)} {fp_str(size)} Tf"
        return op


class _LineText:
    """The glyphs of one line as ``TJ`` arrays, each glyph at the composer's x.

    A glyph's offset from where the previous one left the pen is a number in the array
    (thousandths of the size, PDF 32000-1 §9.4.3), so one ``TJ`` per run of glyphs in
    one font subset and size replaces a ``Td`` and a ``Tj`` per glyph: a content stream a
    third as long, without ReportLab's per-call text bookkeeping (cursor, width, font
    look-up).  Font subsets come from ReportLab's documented calls for dynamic fonts
    (``splitString``, ``getSubsetInternalName``).  The pen is tracked as a viewer tracks
    it, from the rounded numbers written and the widths the PDF declares for the subset
    (``getCharWidth``), so no error adds up along a line.
    """

    def __init__(self, code: list[str], pieces: _Pieces) -> None:
        self.code = code
        self.pieces = pieces
        self.items: list[str] = []
        self.state: tuple | None = None  # (font, subset, size) of the open TJ
        self.mode = 0  # text render mode: 3 = invisible (a rule's dashes)
        self.pen = 0.0  # pt from the line origin where the next glyph would land

    def show(self, font: TTFont, size: float, x: float, text: str, mode: int = 0) -> None:
        """Draw ``text`` with its first glyph at ``x`` (pt from the line origin)."""
        if mode != self.mode:
            self.flush()
            self.code.append(f"{mode} Tr")
            self.mode = mode
        for subset, literal, width in self.pieces.of(font, text):
            state = (font, subset, size)
            if state != self.state:
                self.flush()
                self.code.append(self.pieces.select(font, subset, size))
                self.state = state
            kern = fp_str(round((self.pen - x) * 1000 / size, 3))
            if kern != "0":
                self.items.append(kern)
                x = self.pen - float(kern) * size / 1000  # where the viewer puts the glyph
            self.items.append(literal)
            self.pen = x = x + width * size / 1000

    def flush(self) -> None:
        if self.items:
            self.code.append(f"[{' '.join(self.items)}] TJ")
            self.items = []

    def close(self) -> None:
        self.flush()
        if self.mode:
            self.code.append("0 Tr")
            self.mode = 0


class PageDrawer:
    def __init__(self, canvas: Canvas, page: PageLayout, fonts: FontRegistry, options: PdfOptions,
                 offset: float, pieces: _Pieces):
        self.c = canvas
        self.page = page
        self.fonts = fonts
        self.pieces = pieces  # one per document: subsets are the document's
        self.options = options
        self.offset = offset  # distance of the trim box from the media box edge
        self.height = page.height

    def X(self, x: float) -> float:
        return x + self.offset

    def Y(self, y: float) -> float:
        return self.offset + self.height - y

    def draw(self) -> None:
        for group in self.page.groups:
            self.frame(group)
        for rule in self.page.rules:
            self.c.setStrokeColor(black)
            self.c.setLineWidth(rule.weight)
            if rule.style == "double":
                for d in (-1.2, 1.2):
                    self.c.line(self.X(rule.x1), self.Y(rule.y1 + d), self.X(rule.x2), self.Y(rule.y2 + d))
            else:
                self.c.setDash([1, 1.5] if rule.style == "dotted" else [])
                self.c.line(self.X(rule.x1), self.Y(rule.y1), self.X(rule.x2), self.Y(rule.y2))
                self.c.setDash([])
        for group in self.page.groups:
            for block in group.blocks:
                self.block(block)
        if self.options.grid:
            self.grid()

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
        for fig in group.figures:
            self.figure(fig)
        if group.overset or group.overflow:  # a proof built with --allow-overset
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

    def block(self, block: TextBlock) -> None:
        color = white if block.inverse else black
        for placed in block.lines:
            self.line(placed, color)

    def line(self, placed: PlacedLine, color: Color) -> None:
        """One text object per line; each glyph at the composer's position."""
        c, fonts = self.c, self.fonts
        t = c.beginText()
        t.setFillColor(color)
        baseline = self.Y(placed.baseline)
        origin = self.X(placed.x)
        t.setTextOrigin(origin, baseline)
        text = _LineText(t._code, self.pieces)
        rules = []
        for g in placed.line.glyphs:
            name = fonts.half(g.face) if g.variant == "halt" else fonts.name(g.face)
            font = fonts.ttfont(name)
            if g.form == "rule":  # the dashes stay in the text layer, invisible
                rules.append((origin + g.x, g.width, g.size))
                text.show(font, g.size, g.x + g.dx, g.text, mode=3)
            elif g.form == "spread":  # …… : one glyph per em
                step = g.width / len(g.text)
                each = g.advance / len(g.text)
                for k, ch in enumerate(g.text):
                    text.show(font, g.size, g.x + k * step + (step - each) / 2, ch)
            else:
                text.show(font, g.size, g.x + g.dx, g.text)
        text.close()
        c.drawText(t)
        for x, width, size in rules:  # —— drawn as one 2 em rule at dash height
            c.setStrokeColor(color)
            c.setLineWidth(size * 0.06)
            y = baseline + size * 0.33
            c.line(x + size * 0.05, y, x + width - size * 0.05, y)

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


def crop_marks(c: Canvas, offset: float, width: float, height: float) -> None:
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
    registry = FontRegistry(fonts)
    buf = io.BytesIO()
    first = layout.pages[0]
    offset = PROOF_MARGIN + BLEED if options.proof else 0.0
    size = (first.width + 2 * offset, first.height + 2 * offset)
    # the canvas's initial font must be one we embed (never an unembedded Helvetica)
    glyph = next((g for p in layout.pages for grp in p.groups for b in grp.blocks
                  for pl in b.lines for g in pl.line.glyphs), None)
    initial = registry.name(glyph.face) if glyph else registry.any_name()
    with _binary_streams():
        c = Canvas(buf, pagesize=size, invariant=1, pageCompression=1, initialFontName=initial,
                   lang=issue.meta.language)
        _pin_date(c, source_date() if options.epoch is None else options.epoch)
        _draw_issue(c, issue, layout, registry, options, offset, initial)
    return buf.getvalue()


def _pin_date(c: Canvas, epoch: int) -> None:
    """Date the document (``CreationDate``, ``ModDate``) and seed its ``/ID`` with the
    build's epoch: ReportLab takes both from ``SOURCE_DATE_EPOCH`` in the process
    environment, which a build passed its epoch explicitly must not depend on.  Done the
    way ReportLab's ``PDFDocument.__init__`` does it (an unset variable is its float
    946684800.0), so the bytes are those ReportLab makes for that environment."""
    from hashlib import md5
    from time import gmtime

    stamp = c._doc._timeStamp
    t = 946684800.0 if epoch == 946684800 else epoch
    stamp.t, stamp.lt = t, gmtime(t)
    stamp.YMDhms, stamp.dhh, stamp.dmm, stamp.tzname = tuple(stamp.lt)[:6], 0, 0, "UTC"
    c._doc.signature = md5(b"a reportlab document", usedforsecurity=False)
    c._doc.signature.update(ascii(t).encode("latin-1"))


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


def _draw_issue(c: Canvas, issue: Issue, layout: IssueLayout, registry: FontRegistry,
                options: PdfOptions, offset: float, initial: str) -> None:
    c.setTitle(issue.meta.display_title)
    c.setSubject("报纸版面 newspaper page" + (f"：{issue.meta.paper}" if issue.meta.paper else ""))
    c.setCreator(f"layout {__version__} (Chinese newspaper typesetting)")
    c.setProducer(f"layout {__version__} with ReportLab")
    c.setAuthor(issue.meta.paper or "")
    pieces = _Pieces(c._doc, c._escape)
    for page in layout.pages:
        w, h = page.width + 2 * offset, page.height + 2 * offset
        c.setPageSize((w, h))
        if options.proof:
            c.setTrimBox((offset, offset, offset + page.width, offset + page.height))
            c.setBleedBox((offset - BLEED, offset - BLEED, offset + page.width + BLEED,
                           offset + page.height + BLEED))
        PageDrawer(c, page, registry, options, offset, pieces).draw()
        if options.proof:
            crop_marks(c, offset, page.width, page.height)
            slug(c, issue, page, registry, initial, options.epoch)
        bookmarks(c, page, issue)
        c.showPage()
    c.save()


def slug(c: Canvas, issue: Issue, page: PageLayout, registry: FontRegistry, font: str,
         epoch: int | None = None) -> None:
    from datetime import UTC, datetime

    when = datetime.fromtimestamp(source_date() if epoch is None else epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = f"{Path(issue.source).name}  page {page.number}  layout {__version__}  {when}"
    c.setFillColor(black)
    c.setFont(font, 6)
    c.drawString(PROOF_MARGIN / 2, PROOF_MARGIN / 3, text)


def bookmarks(c: Canvas, page: PageLayout, issue: Issue) -> None:
    key = f"page{page.number}"
    c.bookmarkPage(key)
    label = page.label or str(page.number)
    c.addOutlineEntry(f"第{label}版" if page.label else f"Page {label}", key, level=0)
    for group in page.groups:
        if group.kind != "article":
            continue
        gkey = f"{key}-{group.id}"
        top = group.rect.y
        c.bookmarkHorizontal(gkey, 0, page.height - top)
        c.addOutlineEntry(group.title or group.id, gkey, level=1)


def write_pdf(issue: Issue, layout: IssueLayout, fonts, out: str | Path,
              options: PdfOptions = PdfOptions()) -> Path:
    data = render_pdf(issue, layout, fonts, options)
    return atomic_write(Path(out), data)

