"""Read a born-digital page PDF through PDFium (pypdfium2): glyphs, rules, pictures.

Text comes through PDFium's Unicode mapping (the font's ToUnicode), never through a
font's byte encoding, so simple TrueType subsets and CID Type0 fonts read alike.
Characters PDFium invents (spaces and line ends, ``IsGenerated``) are dropped: word
spaces are recovered from geometry by the analysis.  The effective size is the
``Tf`` size times the text matrix's vertical scale (DTP output often sets ``Tf 1``
under a scaled matrix).  Only horizontal, upright text is read.

PDFium is not thread-safe: call this from one thread per process (the command runs
it in a child process with resource limits, see ``guard``).
"""

from __future__ import annotations

import ctypes
import functools
import math
import re
import unicodedata
from collections import Counter
from dataclasses import replace
from pathlib import Path

from layout.errors import InputError, SourcePos
from layout.importer.scan import Box, Char, Filled, Picture, RuleSeg, ScanPage

#: an import is a page or an issue, not a book
MAX_PAGES = 64
MAX_CHARS_PER_PAGE = 200_000
MAX_OBJECTS_PER_PAGE = 100_000
MAX_FILE_BYTES = 256 * 1024 * 1024

_SUBSET = re.compile(r"^[A-Z]{6}\+")


@functools.lru_cache(maxsize=1024)
def font_role(name: str) -> tuple[str, str]:
    """Role and weight from a font's name tokens (flags lie; names mostly do not)."""
    n = _SUBSET.sub("", name).lower()
    weight = "bold" if re.search(r"bold|heavy|black|w[7-9]|semibold|demi", n) else "regular"
    if re.search(r"kai|wenkai|楷", n):
        role = "kai"
    elif re.search(r"fangsong|fsong|仿宋", n):
        role = "fangsong"
    elif re.search(r"sans|hei|gothic|黑", n):
        role = "hei"
    else:
        role = "song"
    return role, weight


def _bad_char(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return ch == "\ufffd" or cat in ("Cc", "Co", "Cs") and ch not in "\t"


def read_pdf(path: str | Path, password: str | None = None, part: int = 0,
             parts: int = 1) -> list[ScanPage]:
    """Every page of the PDF (with ``parts`` > 1: the pages k with k % parts == part)."""
    import pypdfium2 as pdfium

    pos = SourcePos(str(path))
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", pos) from None
    if size > MAX_FILE_BYTES:
        raise InputError(f"file is {size} bytes; the import reads at most {MAX_FILE_BYTES}", pos)
    with p.open("rb") as fh:
        if not fh.read(1024).lstrip(b"\x00\t\n\r ").startswith(b"%PDF-"):
            raise InputError("not a PDF (no %PDF- header)", pos)
    try:
        doc = pdfium.PdfDocument(str(p), password=password)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise InputError("the PDF is encrypted and needs a password (--password)", pos) from None
        raise InputError(f"unreadable PDF: {msg}", pos) from None
    try:
        n = len(doc)
        if n == 0:
            raise InputError("the PDF has no pages", pos)
        if n > MAX_PAGES:
            raise InputError(f"the PDF has {n} pages; an import takes at most {MAX_PAGES}", pos)
        return [_read_page(doc, k, pos) for k in range(n) if k % parts == part]
    finally:
        doc.close()


def _drop_actual_text(page) -> None:
    """Remove ``ActualText`` from the marked content of the page's text objects (in memory).

    PDFium's text page replaces a span's glyphs by its ``ActualText``, every character at
    the span's start; a tagged PDF (ours marks each line whose glyphs do not abut) would
    read as lines squeezed to a point.  The import wants the glyphs where they are drawn,
    their text from ToUnicode, as for any other PDF."""
    import pypdfium2.raw as R

    for j in range(R.FPDFPage_CountObjects(page.raw)):
        obj = R.FPDFPage_GetObject(page.raw, j)
        if R.FPDFPageObj_GetType(obj) == R.FPDF_PAGEOBJ_TEXT:
            for m in range(R.FPDFPageObj_CountMarks(obj)):
                R.FPDFPageObjMark_RemoveParam(obj, R.FPDFPageObj_GetMark(obj, m), b"ActualText")


def _read_page(doc, k: int, pos: SourcePos) -> ScanPage:
    import pypdfium2.raw as R

    page = doc[k]
    where = SourcePos(pos.file, k + 1)
    left, bottom, right, top = page.get_mediabox()
    try:
        tl, tb, tr, tt = page.get_trimbox()
        if tr - tl > 1 and tt - tb > 1:
            left, bottom, right, top = tl, tb, tr, tt
    except Exception:  # noqa: BLE001 - no TrimBox: the MediaBox is the page
        pass
    if page.get_rotation():
        raise InputError("rotated pages (/Rotate) are not supported", where)
    width, height = right - left, top - bottom

    def X(x: float) -> float:
        return x - left

    def Y(y: float) -> float:
        return top - y

    scan = ScanPage(k + 1, width, height)
    _drop_actual_text(page)
    tp = page.get_textpage()
    count = R.FPDFText_CountChars(tp.raw)
    if count > MAX_CHARS_PER_PAGE:
        raise InputError(f"page {k + 1} has {count} characters (at most {MAX_CHARS_PER_PAGE})", where)
    ox, oy = ctypes.c_double(), ctypes.c_double()
    box = R.FS_RECTF()
    matrix = R.FS_MATRIX()
    buf = ctypes.create_string_buffer(256)
    objects: dict[int, tuple[str, str, float] | None] = {}
    fonts: dict[int, tuple[str, str]] = {}
    # the whole text in one call (UTF-16); PDFium's generated characters are spaces and
    # line ends, which are skipped like real whitespace: spaces come from geometry
    text_buf = ctypes.create_string_buffer(2 * (count + 1))
    R.FPDFText_GetText(tp.raw, 0, count, ctypes.cast(text_buf, ctypes.POINTER(ctypes.c_ushort)))
    units = text_buf.raw[: 2 * count].decode("utf-16-le", errors="surrogatepass")
    il, ir, ib, it = (ctypes.c_double() for _ in range(4))
    drawn: list[tuple[int, Char, float, float]] = []
    bad = 0
    for i, ch in enumerate(units):
        if ch.isspace():
            continue
        if _bad_char(ch):
            bad += 1
            continue
        obj = R.FPDFText_GetTextObject(tp.raw, i)
        key = ctypes.cast(obj, ctypes.c_void_p).value or 0
        facts = objects.get(key, 0)
        if facts == 0:  # font, and size from the Tf size and the matrix, once per text object
            R.FPDFText_GetMatrix(tp.raw, i, matrix)
            if abs(matrix.b) > 1e-3 or abs(matrix.c) > 1e-3 or matrix.d <= 0:
                facts = None  # rotated or mirrored text: not part of the horizontal page text
            else:
                font = R.FPDFTextObj_GetFont(obj)
                fkey = ctypes.cast(font, ctypes.c_void_p).value or 0
                if fkey not in fonts:
                    n = R.FPDFFont_GetBaseFontName(font, buf, 256) if font else 0
                    fonts[fkey] = font_role(buf.value[: max(0, n - 1)].decode("latin-1"))
                role, weight = fonts[fkey]
                size = R.FPDFText_GetFontSize(tp.raw, i) * math.hypot(matrix.c, matrix.d)
                facts = (role, weight, round(size, 3))
            objects[key] = facts
        if facts is None:
            continue
        R.FPDFText_GetCharOrigin(tp.raw, i, ox, oy)
        R.FPDFText_GetLooseCharBox(tp.raw, i, box)
        R.FPDFText_GetCharBox(tp.raw, i, il, ir, ib, it)
        drawn.append((key, Char(ch, X(ox.value), Y(oy.value), box.right - box.left, facts[2], facts[0], facts[1]),
                      X(il.value), X(ir.value)))
    tp.close()
    scan.chars.extend(_cells(drawn))
    if bad:
        raise InputError(
            f"page {k + 1}: {bad} characters have no Unicode mapping (no ToUnicode, or a "
            "damaged font): the text layer cannot be trusted; this needs OCR, not import", where)
    if not scan.chars:
        raise InputError(f"page {k + 1} has no text layer (a scan?): this needs OCR, not import", where)
    _read_graphics(page, scan, X, Y, where)
    dashes = [c for c in scan.chars if c.ch in "—―─"]
    if dashes:
        scan.rules = [r for r in scan.rules if not _dash_rule(r, dashes)]
    page.close()
    return scan


def _neighbours(a: Char, b: Char) -> bool:
    """b follows a on its line (PDFium splits a line's ``TJ`` where it moves a glyph)."""
    return (abs(a.baseline - b.baseline) <= 0.1 * a.size and abs(a.size - b.size) <= 0.05 * a.size
            and a.x - 0.05 <= b.x < a.right + 0.5 * a.size)


def _glue(chars: list[Char], j: int) -> float:
    """The commonest gap between the glyphs of the line ending with ``chars[j]`` (0 for
    a line set solid).  A justified line's last mark, compressed, carries the glue too:
    its cell ends at the measure, where the full-width glyph drawn would overhang it."""
    gaps = []
    while j > 0 and _neighbours(chars[j - 1], chars[j]):
        gaps.append(round(chars[j].x - chars[j - 1].right, 2))
        j -= 1
    gaps = [g for g in gaps if g > 0.01]
    return Counter(gaps).most_common(1)[0][0] if gaps else 0.0


def _cells(drawn: list[tuple[int, Char, float, float]]) -> list[Char]:
    """Each glyph's cell on the line, where neighbours' drawn boxes overlap.

    A compressed mark (GPOS ``halt``: a ，or “ set in half an em) is often drawn as its
    full-width glyph, its advance the font's full em, with the next glyph placed back
    over the empty half (or, for an opening mark, the glyph itself placed back half an
    em).  PDFium's boxes then overlap; the overlap belongs to the glyph whose ink does
    not reach into it: that one's cell is cut (its end, or its start) at the neighbour.
    ``drawn`` is (text object, char with its drawn box, ink left, ink right) in content
    order; neighbours are glyphs in sequence on one baseline (``_neighbours``)."""
    out = [c for _, c, _, _ in drawn]
    tol = 0.05
    for j in range(len(drawn) - 1):
        (_, _, _, ink_ar), (_, _, ink_bl, _) = drawn[j], drawn[j + 1]
        a = out[j]
        b = out[j + 1]
        if not _neighbours(a, b):
            continue
        if a.right - b.x <= tol:
            continue
        # the cut lies between a's ink end and b's ink start, inside the overlap: at b's
        # origin (a compressed), at a's end (b placed back), else at a's half em (both)
        lo, hi = max(ink_ar, b.x) - tol, min(max(ink_bl, b.x), a.right) + tol
        cut = next((v for v in (b.x, a.right, a.x + a.adv / 2) if lo <= v <= hi and a.x < v < b.right), None)
        if cut is None:
            continue
        out[j] = replace(a, adv=cut - a.x)
        out[j + 1] = replace(b, x=cut, adv=b.right - cut)
    # at a line's start, a full-width opening mark whose ink keeps to its right half was
    # set in half an em (placed back half an em).  At a line's end, a mark with its ink in
    # its left half: in a justified line its cell is the half em and the glue; a line set
    # solid may end in a full-width mark (a body line reaching its measure): only a
    # display line (a head's, larger than the body text) is taken to end in half an em
    sizes = Counter(round(c.size, 2) for c in out)
    body = sizes.most_common(1)[0][0] if sizes else 0.0
    for j, (_, _, ink_l, ink_r) in enumerate(drawn):
        c = out[j]
        if not unicodedata.category(c.ch).startswith("P") or abs(c.adv - c.size) > 0.05 * c.size:
            continue
        half = c.adv / 2
        first = j == 0 or not _neighbours(out[j - 1], c)
        last = j == len(drawn) - 1 or not _neighbours(c, out[j + 1])
        if first and not last and ink_l >= c.x + half - tol and ink_r > ink_l:
            out[j] = replace(c, x=c.x + half, adv=half)
        elif last and not first and ink_r <= c.x + half + tol and ink_r > ink_l:
            glue = _glue(out, j)
            if glue > 0.02 * c.size:  # a justified line: the half em and the line's glue
                out[j] = replace(c, adv=min(c.adv, half + glue))
            elif unicodedata.category(c.ch) in ("Pe", "Pf") and c.size > 1.1 * body:
                out[j] = replace(c, adv=half)  # a closing mark ending a display line set solid
    return out


def _dash_rule(r: RuleSeg, dashes: list[Char]) -> bool:
    """A horizontal stroke drawn over a run of ``dashes`` (—) (a —— set as one rule, its glyphs
    kept invisible in the text layer): part of the text, not a frame rule."""
    if r.y2 - r.y1 > 0.5:
        return False
    on = [c for c in dashes if c.baseline - c.size <= r.y1 <= c.baseline
          and c.x < r.x2 and r.x1 < c.right]
    if not on:
        return False
    return min(c.x for c in on) - 0.5 * on[0].size <= r.x1 and r.x2 <= max(c.right for c in on) + 0.5 * on[0].size


def _read_graphics(page, scan: ScanPage, X, Y, where: SourcePos) -> None:
    import pypdfium2 as pdfium
    import pypdfium2.raw as R

    total = R.FPDFPage_CountObjects(page.raw)
    if total > MAX_OBJECTS_PER_PAGE:
        raise InputError(f"page {scan.number} has {total} objects (at most {MAX_OBJECTS_PER_PAGE})", where)
    objs = []
    for i in range(total):
        raw = R.FPDFPage_GetObject(page.raw, i)
        kind = R.FPDFPageObj_GetType(raw)
        if kind in (R.FPDF_PAGEOBJ_PATH, R.FPDF_PAGEOBJ_IMAGE):
            objs.append(pdfium.PdfObject(raw, page=page, pdf=page.pdf, level=0))
        elif kind == R.FPDF_PAGEOBJ_FORM:  # form XObjects: the helper descends (depth-capped)
            form = pdfium.PdfObject(raw, page=page, pdf=page.pdf, level=0)
            objs.extend(form.get_objects(filter=(R.FPDF_PAGEOBJ_PATH, R.FPDF_PAGEOBJ_IMAGE), max_depth=15)
                        if hasattr(form, "get_objects") else ())
    if len(objs) > MAX_OBJECTS_PER_PAGE:
        raise InputError(f"page {scan.number} has {len(objs)} graphic objects (at most "
                         f"{MAX_OBJECTS_PER_PAGE})", where)
    fx, fy = ctypes.c_float(), ctypes.c_float()
    w = ctypes.c_float()
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    rects: list[Box] = []
    diagonals: list[tuple[float, float, float, float]] = []
    for obj in objs:
        if obj.type == R.FPDF_PAGEOBJ_IMAGE:
            a, b, c, d, e, f = obj.get_matrix().get()
            if abs(b) > 1e-3 or abs(c) > 1e-3:
                continue
            bx = Box(X(e), Y(f + d), a, d)
            data, ext = _extract(obj)
            scan.pictures.append(Picture(bx, data, ext))
            continue
        h = obj.raw
        a, b, c, d, e, f = obj.get_matrix().get()
        pts = []
        for s in range(R.FPDFPath_CountSegments(h)):
            seg = R.FPDFPath_GetPathSegment(h, s)
            R.FPDFPathSegment_GetPoint(seg, fx, fy)
            x, y = a * fx.value + c * fy.value + e, b * fx.value + d * fy.value + f
            pts.append((R.FPDFPathSegment_GetType(seg), X(x), Y(y)))
        R.FPDFPath_GetDrawMode(h, fill, stroke)
        R.FPDFPageObj_GetStrokeWidth(h, w)
        weight = w.value * math.hypot(a, b)
        if len(pts) == 2 and stroke.value:
            (_, x1, y1), (_, x2, y2) = pts
            if abs(x1 - x2) > 0.5 and abs(y1 - y2) > 0.5:
                diagonals.append((min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)))
            else:
                scan.rules.append(RuleSeg(min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2), weight))
        elif len(pts) in (4, 5):
            xs = [p[1] for p in pts]
            ys = [p[2] for p in pts]
            if len({round(v, 1) for v in xs}) <= 2 and len({round(v, 1) for v in ys}) <= 2:
                bx = Box(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
                if fill.value and not stroke.value:
                    scan.fills.append(Filled(bx))
                elif stroke.value:
                    rects.append(bx)
                    if fill.value == 0:
                        for x1, y1, x2, y2 in ((bx.x, bx.y, bx.right, bx.y), (bx.x, bx.bottom, bx.right, bx.bottom),
                                               (bx.x, bx.y, bx.x, bx.bottom), (bx.right, bx.y, bx.right, bx.bottom)):
                            scan.rules.append(RuleSeg(x1, y1, x2, y2, weight))
    # a stroked rectangle crossed by both its diagonals is a picture placeholder
    for bx in rects:
        corners = (bx.x, bx.y, bx.right, bx.bottom)
        hits = sum(1 for dg in diagonals if all(abs(p - q) < 0.6 for p, q in zip(dg, corners, strict=True)))
        if hits >= 2:
            scan.pictures.append(Picture(bx))
            scan.rules = [r for r in scan.rules if not bx.contains(Box(r.x1, r.y1, r.x2 - r.x1, r.y2 - r.y1))]


def _extract(obj) -> tuple[bytes | None, str]:
    """The image's encoded bytes, when it is a JPEG (copied as is); else None."""
    try:
        filters = obj.get_filters()
    except Exception:  # noqa: BLE001
        return None, ""
    if filters == ["DCTDecode"]:
        import pypdfium2.raw as R

        n = R.FPDFImageObj_GetImageDataRaw(obj.raw, None, 0)
        if 0 < n <= 64 * 1024 * 1024:
            buf = ctypes.create_string_buffer(n)
            R.FPDFImageObj_GetImageDataRaw(obj.raw, buf, n)
            return buf.raw, ".jpg"
    return None, ""
