"""WOFF2 subsets for EPUB: exactly the characters a book uses, reproducible bytes.

Subset from the *source* font (the converted TrueType has no GSUB/GPOS) and keep the
features an e-reader needs for Chinese: ``vert`` (vertical forms), ``halt``/``palt``
and their vertical twins.  fontTools' default list keeps ``locl``, which pulls in the
JP/KR/TC glyph variants and about doubles the file.  Results are cached on disk.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from layout.fonts import cache
from layout.fonts.convert import NAME_IDS, set_names
from layout.fonts.metrics import Face
from layout.fonts.repertoire import digest
from layout.fonts.source import open_face

if TYPE_CHECKING:
    from fontTools import subset

WOFF2_VERSION = 1
FEATURES = ["vert", "halt", "palt", "vhal", "vpal"]


def _options() -> subset.Options:
    from fontTools import subset

    opts = subset.Options()
    opts.layout_features = list(FEATURES)
    opts.name_IDs = NAME_IDS
    opts.notdef_outline = True
    opts.recalc_timestamp = False
    opts.bidi_closure = False
    opts.flavor = "woff2"
    return opts


def build_woff2(face: Face, codepoints: frozenset[int]) -> bytes:
    from fontTools import subset

    font = open_face(face.spec)
    hw = face.key.halfwidth_digits
    hwid = {cp: g for cp, g in face.info.hwid.items() if cp in codepoints} if hw else {}
    subsetter = subset.Subsetter(_options())
    subsetter.populate(unicodes=sorted(codepoints), glyphs=sorted(hwid.values()))
    subsetter.subset(font)
    for table in font["cmap"].tables:
        if table.isUnicode() and table.format != 14:
            table.cmap.update(hwid)
    set_names(font, face.name)
    font.flavor = "woff2"
    font.recalcTimestamp = False
    buf = io.BytesIO()
    font.save(buf)
    font.close()
    return buf.getvalue()


def woff2_path(cache_dir: Path, face: Face, codepoints: frozenset[int]) -> Path:
    sha = face.info.sha256[:16]
    return cache_dir / "woff2" / f"{face.name}-{sha}-{digest(codepoints)}-w{WOFF2_VERSION}.woff2"


def woff2_subset(cache_dir: Path, face: Face, chars: str | set[str] | frozenset[int]) -> bytes:
    """WOFF2 bytes of ``face`` with exactly ``chars`` in its cmap (ValueError if it lacks one)."""
    cps = frozenset(c if isinstance(c, int) else ord(c) for c in chars)
    lacking = sorted(cp for cp in cps if cp not in face.covered)
    if lacking:
        listed = ", ".join(f"{chr(cp)!r} U+{cp:04X}" for cp in lacking[:20])
        raise ValueError(f"face {face.name} does not have {len(lacking)} character(s): {listed}")
    path = woff2_path(cache_dir, face, cps)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = build_woff2(face, cps)
    cache.atomic_write(path, data)
    return data
