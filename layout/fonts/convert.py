"""Source face → cached TrueType file the PDF embeds (CIDFontType2) and measures.

The PDF embeds TrueType outlines, and Noto CJK is CFF.  A face is converted
once to a broad repertoire (see ``repertoire``) and reused by every build:

* CFF sources: only the glyphs of the repertoire are drawn through
  ``Cu2QuPen(TTGlyphPen, max_err=1.0, reverse_direction=True)``; the rest become empty
  glyphs, then ``fontTools.subset`` (now on a TrueType font, which is fast) drops them
  and does the cmap/hmtx/OS/2 bookkeeping.  Subsetting the CFF first costs twice as
  much, for CFF subroutine work whose result is thrown away.  The CFF charstrings are
  run by HarfBuzz (``uharfbuzz``'s ``draw_glyph_with_pen``): fontTools' pure-Python T2
  interpreter gives the same segments (checked glyph by glyph on Noto Serif SC) at
  ~5 s a face, HarfBuzz at 0.2 s.
* TrueType sources (LXGW WenKai) are only subset, and their glyphs keep the bytes they
  were read with: saving with ``recalcBBoxes`` would decode and re-encode each one
  (~4 s a face) to recompute bounds that ``_recalc_keeping_glyph_data`` reads from the
  glyph headers.

Both get a unique PostScript name (the embedded subset's base name) and are saved
with ``recalcTimestamp=False`` so the same inputs give the same bytes.  The half-width
digit glyphs are kept (by name, ``post`` format 2): the PDF draws them by glyph id.
"""

from __future__ import annotations

import io
import struct
from collections import Counter
from dataclasses import dataclass
from math import floor
from pathlib import Path
from typing import TYPE_CHECKING

from layout.fonts import cache
from layout.fonts.manifest import FaceSpec
from layout.fonts.source import open_face

if TYPE_CHECKING:  # fontTools is imported where a font is converted: a cached build never needs it
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.tables._g_l_y_f import Glyph

#: Part of every cache key and of every derived PostScript name ("-L1"): bump it when
#: the output of the conversion changes.
CONVERTER_VERSION = 2  # 2: TrueType sources keep their glyph bytes
MAX_ERR = 1.0
#: Name IDs kept in derived fonts: names, version, and the copyright/licence (OFL 1.1).
NAME_IDS = [0, 1, 2, 3, 4, 5, 6, 7, 13, 14]
LAYOUT_TABLES = ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "VORG", "DSIG"]

#: What this process built (tests and timings read it): "convert", "subset".
STATS: Counter[str] = Counter()


@dataclass(frozen=True)
class ConvertJob:
    """Everything a worker process needs to build one cached TrueType file."""

    spec: FaceSpec
    kind: str  # source outlines: "cff" or "ttf"
    codepoints: frozenset[int]
    keep_glyphs: tuple[str, ...]  # glyphs kept beyond the cmap (the hwid digits)
    psname: str
    out: Path


def set_names(font: TTFont, psname: str) -> None:
    """Give the font its own family/full/unique/PostScript name (English records only)."""
    name = font["name"]
    name.names = [n for n in name.names if n.nameID not in (1, 3, 4, 6, 16, 17, 18)]
    for platform, enc, lang in ((3, 1, 0x409), (1, 0, 0)):
        for nid in (1, 3, 4, 6):
            name.setName(psname, nid, platform, enc, lang)


def _subset_options(hinting: bool) -> subset.Options:
    from fontTools import subset

    opts = subset.Options()
    opts.layout_features = []
    opts.drop_tables = list(opts.drop_tables) + LAYOUT_TABLES
    opts.hinting = hinting
    opts.glyph_names = True  # post format 2: the hwid variant finds its glyphs by name
    opts.notdef_outline = True
    opts.name_IDs = NAME_IDS
    opts.recalc_timestamp = False
    opts.prune_unicode_ranges = True
    opts.bidi_closure = False  # exactly the requested characters (no ∋ for ∈)
    return opts


class _QuadraticContours:
    """A pen for HarfBuzz's draw calls that keeps each contour as ``(operator, points)``
    with its cubic curves already made quadratic: what ``Cu2QuPen`` hands on."""

    __slots__ = ("_convert", "_ops", "_pt", "contours")

    def __init__(self) -> None:
        from fontTools.cu2qu import curve_to_quadratic  # compiled (Cython) in the wheels

        self._convert = curve_to_quadratic
        self.contours: list[list[tuple[str, tuple]]] = []
        self._ops: list[tuple[str, tuple]] = []
        self._pt: tuple[float, float] | None = None

    def moveTo(self, pt: tuple[float, float]) -> None:  # noqa: N802 - the pen protocol
        self._ops = [("moveTo", (pt,))]
        self.contours.append(self._ops)
        self._pt = pt

    def lineTo(self, pt: tuple[float, float]) -> None:  # noqa: N802
        self._ops.append(("lineTo", (pt,)))
        self._pt = pt

    def curveTo(self, *pts: tuple[float, float]) -> None:  # noqa: N802
        quad = self._convert((self._pt, *pts), MAX_ERR, True)
        self._ops.append(("qCurveTo", tuple(quad[1:])))
        self._pt = pts[-1]

    def qCurveTo(self, *pts: tuple[float, float]) -> None:  # noqa: N802
        self._ops.append(("qCurveTo", pts))
        self._pt = pts[-1]

    def closePath(self) -> None:  # noqa: N802
        self._ops.append(("closePath", ()))
        self._pt = None

    def endPath(self) -> None:  # noqa: N802
        self._ops.append(("endPath", ()))
        self._pt = None


def _truetype_glyph(contours: list[list[tuple[str, tuple]]]) -> Glyph:
    """The glyph ``Cu2QuPen(TTGlyphPen, reverse_direction=True)`` would draw from the same
    quadratic contours: each reversed by fontTools' ``reversedContour``, then the points
    laid down as ``TTGlyphPen`` lays them (a closing point equal to the start dropped).
    Without the chain of pens, whose calls cost ~2 s of a face's conversion."""
    from fontTools.misc.roundTools import noRound
    from fontTools.pens.reverseContourPen import reversedContour
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    pen = TTGlyphPen(None)
    points, types, ends = pen.points, pen.types, pen.endPts
    for contour in contours:
        for op, pts in reversedContour(contour):
            if op == "qCurveTo":
                for pt in pts[:-1]:
                    points.append(pt)
                    types.append(0)
                if pts[-1] is not None:
                    points.append(pts[-1])
                    types.append(1)
            elif op in ("moveTo", "lineTo"):
                points.append(pts[0])
                types.append(1)
            else:  # closePath / endPath: TTGlyphPen.closePath
                end = len(points) - 1
                if end == 0 or (ends and end == ends[-1] + 1):
                    points.pop()
                    types.pop()
                    continue
                start = ends[-1] + 1 if ends else 0
                if points[start] == points[end]:
                    points.pop()
                    types.pop()
                    end -= 1
                ends.append(end)
    # round as ``glyph()`` would (otRound), in one pass, not a function call per value
    pen.points = [(floor(x + 0.5), floor(y + 0.5)) for x, y in points]
    return pen.glyph(round=noRound)


class _OutlineDrawer:
    """Draws a glyph of the source face, by name, as TrueType quadratic contours."""

    def __init__(self, spec: FaceSpec, font: TTFont) -> None:
        import uharfbuzz as hb

        face = hb.Face(hb.Blob.from_file_path(str(spec.path)), spec.index)
        self._hb = hb.Font(face)  # scale = units per em: coordinates in font units
        self._gid = font.getGlyphID

    def __call__(self, name: str) -> Glyph:
        pen = _QuadraticContours()
        self._hb.draw_glyph_with_pen(self._gid(name), pen)
        return _truetype_glyph(pen.contours)


def _cff_to_glyf(font: TTFont, keep: set[str], spec: FaceSpec) -> _OutlineDrawer:
    """Replace CFF outlines by TrueType ones, drawing only ``keep`` (others empty)."""
    from fontTools.ttLib import newTable
    from fontTools.ttLib.tables._g_l_y_f import Glyph

    order = font.getGlyphOrder()
    for tag in ("hmtx", "vmtx"):  # read with the source maxp, which is replaced below
        if tag in font:
            font[tag]  # noqa: B018
    draw = _OutlineDrawer(spec, font)
    empty = Glyph()
    glyphs = {n: (draw(n) if n in keep else empty) for n in order}
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    for tag in ("CFF ", "CFF2", "VORG"):
        if tag in font:
            del font[tag]
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxTwilightPoints maxStorage maxFunctionDefs maxInstructionDefs "
        "maxStackElements maxSizeOfInstructions maxComponentElements"
    ).split():
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font.sfntVersion = "\0\1\0\0"
    return draw


def build_font(job: ConvertJob) -> bytes:
    """Convert or subset the source face to the job's repertoire; the TrueType bytes."""
    from fontTools import subset

    font = open_face(job.spec, lazy=True)
    cmap = font.getBestCmap() or {}
    # UVS (cmap format 14) would pull in variant glyphs that no renderer here asks for
    font["cmap"].tables = [t for t in font["cmap"].tables if t.format != 14]
    keep = {cmap[cp] for cp in job.codepoints if cp in cmap} | set(job.keep_glyphs) | {".notdef"}
    draw = _cff_to_glyf(font, keep, job.spec) if job.kind == "cff" else None
    subsetter = subset.Subsetter(_subset_options(hinting=job.kind != "cff"))
    subsetter.populate(unicodes=sorted(job.codepoints), glyphs=list(job.keep_glyphs))
    subsetter.subset(font)
    glyf, hmtx = font["glyf"], font["hmtx"]
    if draw is not None:
        for name in font.getGlyphOrder():
            if name not in keep:  # a glyph the subsetter's closure added: draw it too
                glyf.glyphs[name] = draw(name)
            glyph = glyf[name]
            glyph.recalcBounds(glyf)
            hmtx[name] = (hmtx[name][0], getattr(glyph, "xMin", 0))
    else:  # TrueType source: the subsetter kept each glyph's bytes (remapped, trimmed)
        raw = {name: g.data for name, g in glyf.glyphs.items() if hasattr(g, "data")}
        _recalc_keeping_glyph_data(font, raw, set())
    set_names(font, job.psname)
    buf = io.BytesIO()
    font.recalcTimestamp = False
    font.save(buf)
    font.close()
    return buf.getvalue()


def build(job: ConvertJob) -> tuple[Path, bool]:
    """Make sure ``job.out`` exists; (path, True if this call built it).

    Runs in worker processes too, so it does not count: the caller calls ``record``.
    """
    if cache.present(job.out, CONVERTER_VERSION):
        return job.out, False
    with cache.locked(job.out):
        if cache.present(job.out, CONVERTER_VERSION):  # another process built it while we waited
            return job.out, False
        cache.store(job.out, build_font(job), CONVERTER_VERSION)
    return job.out, True


def build_family(job: ConvertJob) -> tuple[Path, bool]:
    """``build``, then the metrics memo of the file the composer measures: a first build
    does that work in the worker too, not one face after another in the main process."""
    from layout.fonts.metrics import load_metrics

    out, built = build(job)
    load_metrics(out)
    return out, built


def record(job: ConvertJob, built: bool) -> None:
    if built:
        STATS["convert" if job.kind == "cff" else "subset"] += 1


def _recalc_keeping_glyph_data(font: TTFont, raw: dict[str, bytes], changed: set[str]) -> None:
    """Set what ``save`` would recalculate with ``recalcBBoxes`` (the head bounding box and
    flag bit 1, the hhea extents) from the glyph headers, then save with
    ``recalcBBoxes=False``: only the ``changed`` glyphs are compiled, the others keep the
    bytes they were read with (``raw``).

    ``save`` with ``recalcBBoxes`` decodes and re-encodes every glyph (~3 s per face).  The
    base file is our own conversion, written by fontTools, so that gives back the same
    bytes, the same bounds in each glyph header, and the same maxp and vhea (point counts
    and vertical metrics do not change when an outline moves sideways): the file is
    byte-identical, at a fraction of the time.  Same formulas as fontTools'
    ``table__m_a_x_p.recalc`` (head part) and ``table__h_h_e_a.recalc``.
    """
    glyf, hmtx, head, hhea = font["glyf"], font["hmtx"], font["head"], font["hhea"]
    bbox = None
    all_xmin_is_lsb = True
    min_lsb = min_rsb = float("inf")
    max_extent = -float("inf")
    for name in font.getGlyphOrder():
        if name in changed or name not in raw:
            g = glyf[name]
            if not g.numberOfContours:
                continue
            n, x0, y0, x1, y1 = g.numberOfContours, g.xMin, g.yMin, g.xMax, g.yMax
        else:
            data = raw[name]
            if len(data) < 10:
                continue
            n, x0, y0, x1, y1 = struct.unpack(">hhhhh", data[:10])
            if not n:
                continue
        advance, lsb = hmtx[name]
        if lsb != x0:
            all_xmin_is_lsb = False
        bbox = (x0, y0, x1, y1) if bbox is None else (
            min(bbox[0], x0), min(bbox[1], y0), max(bbox[2], x1), max(bbox[3], y1))
        width = x1 - x0
        min_lsb = min(min_lsb, lsb)
        min_rsb = min(min_rsb, advance - lsb - width)
        max_extent = max(max_extent, lsb + width)
    head.xMin, head.yMin, head.xMax, head.yMax = bbox or (0, 0, 0, 0)
    head.flags = head.flags | 0x2 if all_xmin_is_lsb else head.flags & ~0x2
    hhea.advanceWidthMax = max(adv for adv, _ in hmtx.metrics.values())
    if bbox is None:
        hhea.minLeftSideBearing = hhea.minRightSideBearing = hhea.xMaxExtent = 0
    else:
        hhea.minLeftSideBearing, hhea.minRightSideBearing = min_lsb, min_rsb
        hhea.xMaxExtent = max_extent
    font.recalcBBoxes = False  # the glyphs not in ``changed`` were never expanded: raw bytes
