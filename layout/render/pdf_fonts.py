"""Type 0 fonts with CIDFontType2 descendants: how the PDF embeds a face.

Every face the page uses becomes one Type 0 font per writing direction (``Identity-H``,
or ``Identity-V`` for vertical lines), whatever characters it draws: content streams
address glyphs by glyph id (CID = GID, ``/CIDToGIDMap /Identity``), so a glyph the
face reaches only through a feature (``hwid`` digits today, ``vert`` forms later)
is drawn from the same font as the rest.  At the end of the document each font is
cut down to the glyphs it drew with HarfBuzz's ``hb-subset`` (``retain-gids``: the ids
written in the content stream stay valid; about 3 ms a face, where ``fontTools.subset``
takes about 0.7 s), and gets a ``/W`` array (``/DW`` the commonest advance), a
ToUnicode CMap (each glyph back to the character it was drawn for, so a substituted
glyph still reads as its character) and a subset tag derived from the glyphs it holds
(the same page gives the same name, build after build).

The unit of drawing is (face file, glyph ids, text), all three from the layout's glyph
record (``Glyph.face``, ``gids``, ``text``): the composer read the ids from the face (its
cmap, or its ``hwid`` forms), and nothing here derives them again.
"""

from __future__ import annotations

import hashlib
import struct
from collections import Counter
from pathlib import Path

import uharfbuzz as hb

from layout.errors import ResourceError, SourcePos

#: the hb-subset flags: glyph ids kept, no hinting (the converted faces have none worth
#: keeping at newspaper sizes); glyph names are dropped by default
SUBSET_FLAGS = hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.NO_HINTING
#: tables a CIDFontType2 program needs (PDF 32000-1 §9.9); the rest are dropped
KEEP_TABLES = frozenset({"glyf", "loca", "head", "hhea", "hmtx", "maxp", "cvt ", "fpgm", "prep"})


class FontFile:
    """One TrueType file opened with HarfBuzz: glyph ids, advances and the numbers a
    font descriptor states, read on demand (a page uses a few hundred of ~7800 glyphs)."""

    def __init__(self, path: Path, psname: str) -> None:
        self.path = path
        self.psname = psname
        try:
            self.blob = hb.Blob.from_file_path(str(path))
            self.face = hb.Face(self.blob)
            self.font = hb.Font(self.face)
            self.upm = self.face.upem
            head = self.face.reference_table("head").data
            hhea = self.face.reference_table("hhea").data
            if len(head) < 54 or len(hhea) < 36:
                raise ValueError("head or hhea table missing or short")
        except Exception as exc:  # hb raises plain exceptions for files it cannot read
            raise ResourceError(f"cannot embed font {path}: {exc}", SourcePos(str(path))) from None
        scale = 1000 / self.upm
        self.bbox = tuple(round(v * scale) for v in struct.unpack(">4h", head[36:44]))
        ascent, descent = struct.unpack(">2h", hhea[4:8])
        os2 = self.face.reference_table("OS/2").data
        cap = ascent
        if len(os2) >= 72:
            typo_asc, typo_desc = struct.unpack(">2h", os2[68:72])
            if typo_asc - typo_desc > 0:
                ascent, descent = typo_asc, typo_desc
        if len(os2) >= 90 and struct.unpack(">H", os2[0:2])[0] >= 2:
            cap = struct.unpack(">h", os2[88:90])[0] or ascent
        self.ascent, self.descent, self.cap_height = (round(v * scale) for v in (ascent, descent, cap))
        self._width: dict[int, float] = {}

    def width(self, gid: int) -> float:
        """Advance in glyph space (thousandths of the size), as ``/W`` states it."""
        w = self._width.get(gid)
        if w is None:
            w = self._width[gid] = round(self.font.get_glyph_h_advance(gid) * 1000 / self.upm, 3)
        return w

    def subset(self, gids: set[int]) -> bytes:
        """The font program with only ``gids`` (and .notdef), glyph ids unchanged."""
        inp = hb.SubsetInput()
        inp.flags = SUBSET_FLAGS
        glyphs = inp.glyph_set
        glyphs.add(0)
        for g in sorted(gids):
            glyphs.add(g)
        unicodes = inp.unicode_set
        unicodes.clear()
        drop = inp.drop_table_tag_set
        for tag in self.face.table_tags:
            if tag not in KEEP_TABLES:
                drop.add(_tag(tag))
        out = hb.subset(self.face, inp)
        if out is None:
            raise ResourceError(f"cannot subset font {self.path}", SourcePos(str(self.path)))
        return out.blob.data


def _tag(tag: str) -> int:
    return int.from_bytes(tag.encode("latin-1"), "big")


def utf16_hex(text: str) -> str:
    """``text`` as a PDF hex string in UTF-16BE with its byte order mark."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


class CidFont:
    """One face in one writing direction in one document: the glyphs drawn and what
    they stand for, turned into PDF objects when the document is written."""

    def __init__(self, file: FontFile, resource: str, vertical: bool = False) -> None:
        self.file = file
        self.resource = resource  # the name in the pages' /Font dictionary, e.g. "F1"
        self.vertical = vertical
        self.text: dict[int, str] = {}  # glyph id -> the characters it is drawn for

    def use(self, gids: tuple[int, ...], text: str) -> tuple[str, float, bool]:
        """(hex string, advance in thousandths of the size, mapped exactly) of ``gids``
        drawn for ``text`` (one character per glyph).  Not mapped exactly: a glyph
        already drawn for another character (ToUnicode holds one), which the caller
        marks with ``ActualText``."""
        exact = True
        mapped = self.text
        for g, ch in zip(gids, text, strict=True):
            known = mapped.setdefault(g, ch)
            if known != ch:
                exact = False
        width = sum(map(self.file.width, gids))
        return "<" + "".join(f"{g:04X}" for g in gids) + ">", width, exact

    def tag(self) -> str:
        """Six capitals from the glyph set and the face: the subset's name prefix."""
        digest = hashlib.sha256(self.file.psname.encode() + b"|" + b",".join(
            str(g).encode() for g in sorted(self.text))).digest()
        return "".join(chr(65 + b % 26) for b in digest[:6])

    def widths(self) -> tuple[float, list]:
        """``/DW`` and the ``/W`` array: runs of consecutive glyph ids whose advance
        differs from the default."""
        width = self.file.width
        counts = Counter(width(g) for g in self.text)
        dw = counts.most_common(1)[0][0] if counts else 1000
        out: list = []
        run: list[float] = []
        start = prev = -2
        for g in sorted(self.text):
            w = width(g)
            if w == dw:
                continue
            if g != prev + 1 and run:
                out += [start, run]
                run = []
            if not run:
                start = g
            run.append(w)
            prev = g
        if run:
            out += [start, run]
        return dw, out

    def to_unicode(self, name: str) -> bytes:
        """The ToUnicode CMap (PDF 32000-1 §9.10.3): two-byte codes to UTF-16BE."""
        items = sorted(self.text.items())
        head = (
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            f"/CMapName /{name}-UTF16 def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        )
        body = []
        for k in range(0, len(items), 100):
            chunk = items[k:k + 100]
            body.append(f"{len(chunk)} beginbfchar\n")
            body += [f"<{g:04X}> <{ch.encode('utf-16-be').hex().upper()}>\n" for g, ch in chunk]
            body.append("endbfchar\n")
        tail = "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
        return (head + "".join(body) + tail).encode("ascii")
