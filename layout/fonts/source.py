"""What the layout needs from a source font file, read once and cached (marshal).

Opening face 2 of a 65535-glyph Noto collection and walking its cmap and GPOS costs
~0.3 s; the facts kept here (covered code points, ``halt`` adjustments, ``hwid`` digit
glyphs, names) fit in a few kilobytes and are keyed by the file's SHA-256.
"""

from __future__ import annotations

import contextlib
import marshal
import struct
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

from layout.errors import ResourceError, SourcePos
from layout.fonts import cache
from layout.fonts.manifest import FaceSpec
from layout.fonts.repertoire import CodeRanges

if TYPE_CHECKING:  # imported when a font file is opened: cached facts need no fontTools
    from fontTools.ttLib import TTFont

SOURCE_INFO_VERSION = 2  # 2: marshal instead of JSON
DIGITS = range(0x30, 0x3A)


@dataclass(frozen=True)
class SourceInfo:
    sha256: str
    index: int
    kind: str  # "cff" or "ttf" (outline format of the source)
    psname: str  # name ID 6 of the source face
    upm: int
    cmap: CodeRanges  # code points the face maps
    halt: dict[int, tuple[float, float]]  # code point → (x placement, x advance) in em
    hwid: dict[int, str]  # digit code point → glyph name of its half-width form


_FIELDS = tuple(f.name for f in fields(SourceInfo))


def open_face(spec: FaceSpec, lazy: bool = True) -> TTFont:
    """Open the face, turning a missing or unreadable file into a ``ResourceError``."""
    from fontTools.ttLib import TTFont, TTLibError

    pos = SourcePos(str(spec.path))
    if not spec.path.is_file():
        raise ResourceError(f"font file not found: {spec.describe()}; {spec.install_hint()}", pos)
    try:
        font = TTFont(str(spec.path), fontNumber=spec.index, lazy=lazy)
        font["head"], font["cmap"]  # noqa: B018 - force a parse of the basic tables
    except (TTLibError, struct.error, OSError, ValueError, KeyError, AssertionError) as exc:
        raise ResourceError(
            f"font file cannot be read ({exc}): {spec.describe()}; reinstall: {spec.install_hint()}",
            pos,
        ) from None
    return font


def _lookups(font: TTFont, table: str, feature: str) -> list:
    """Lookups of one feature (every script and language system: they agree in Noto)."""
    if table not in font:
        return []
    t = font[table].table
    if not t.FeatureList or not t.LookupList:
        return []
    idx: list[int] = []
    for rec in t.FeatureList.FeatureRecord:
        if rec.FeatureTag == feature:
            idx.extend(i for i in rec.Feature.LookupListIndex if i not in idx)
    return [t.LookupList.Lookup[i] for i in idx]


def _halt(font: TTFont, cmap: dict[int, str], upm: int) -> dict[int, tuple[float, float]]:
    by_glyph: dict[str, tuple[float, float]] = {}
    for lookup in _lookups(font, "GPOS", "halt"):
        if lookup.LookupType != 1:  # single adjustment; what CJK fonts use for halt
            continue
        for st in lookup.SubTable:
            glyphs = st.Coverage.glyphs
            values = [st.Value] * len(glyphs) if st.Format == 1 else st.Value
            for g, v in zip(glyphs, values, strict=True):
                if v is not None:
                    xp = getattr(v, "XPlacement", 0) or 0
                    xa = getattr(v, "XAdvance", 0) or 0
                    by_glyph.setdefault(g, (xp / upm, xa / upm))
    return {cp: by_glyph[g] for cp, g in cmap.items() if g in by_glyph}


def _hwid(font: TTFont, cmap: dict[int, str]) -> dict[int, str]:
    out: dict[int, str] = {}
    for lookup in _lookups(font, "GSUB", "hwid"):
        if lookup.LookupType != 1:
            continue
        for st in lookup.SubTable:
            for cp in DIGITS:
                g = cmap.get(cp)
                if g in st.mapping and cp not in out:
                    out[cp] = st.mapping[g]
    return out if len(out) == len(DIGITS) else {}


def read_source(spec: FaceSpec, sha256: str) -> SourceInfo:
    """Read the facts from the font file itself (slow path)."""
    font = open_face(spec)
    try:
        upm = font["head"].unitsPerEm
        cmap = font.getBestCmap() or {}
        kind = "cff" if ("CFF " in font or "CFF2" in font) else "ttf"
        psname = font["name"].getDebugName(6) or spec.path.stem
        return SourceInfo(
            sha256=sha256,
            index=spec.index,
            kind=kind,
            psname=psname,
            upm=upm,
            cmap=CodeRanges.of(cmap),
            halt=_halt(font, cmap, upm),
            hwid=_hwid(font, cmap),
        )
    except ResourceError:
        raise
    except Exception as exc:  # a damaged table shows up only when it is parsed
        raise ResourceError(
            f"font file cannot be read ({exc}): {spec.describe()}; reinstall: {spec.install_hint()}",
            SourcePos(str(spec.path)),
        ) from None
    finally:
        font.close()


def info_path(cache_dir: Path, sha256: str, index: int) -> Path:
    return cache_dir / f"src-{sha256[:20]}-{index}-s{SOURCE_INFO_VERSION}.marshal"


def _to_plain(info: SourceInfo) -> dict:
    """Plain data for ``marshal`` (the cmap as ranges: JSON took ~8 ms a face to read)."""
    plain = {f: getattr(info, f) for f in _FIELDS}
    plain["cmap"] = info.cmap.ranges
    return {"version": SOURCE_INFO_VERSION, **plain}


def _from_plain(obj: dict) -> SourceInfo:
    plain = {f: obj[f] for f in _FIELDS}
    if not (type(plain["halt"]) is dict and type(plain["hwid"]) is dict):
        raise TypeError("damaged source facts")
    plain["cmap"] = CodeRanges(plain["cmap"])
    return SourceInfo(**plain)


def source_info(spec: FaceSpec, sha256: str, cache_dir: Path) -> SourceInfo:
    """The cached facts for this file, read from the font (and cached) on first use."""
    path = info_path(cache_dir, sha256, spec.index)
    try:
        obj = marshal.loads(path.read_bytes())
        if obj.get("version") == SOURCE_INFO_VERSION and obj.get("sha256") == sha256:
            return _from_plain(obj)
    except (OSError, EOFError, ValueError, TypeError, KeyError, AttributeError):
        pass  # absent or damaged: rebuild below
    info = read_source(spec, sha256)
    with contextlib.suppress(OSError, ValueError):  # a read-only cache: read the font each time
        cache.atomic_write(path, marshal.dumps(_to_plain(info)))
    return info
