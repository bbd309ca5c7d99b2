"""Faces and their metrics, as the composer sees them (all lengths in em).

Advances and vertical metrics are read once per process from the cached TrueType file
the PDF embeds, so what the composer measures is what the PDF's ``/W`` declares.  ``halt`` comes
from the source font (the converted file has no GPOS), via the cached source facts.
"""

from __future__ import annotations

import contextlib
import marshal
from array import array
from bisect import bisect_left
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from layout.fonts import cache
from layout.fonts.manifest import FaceSpec
from layout.fonts.source import SourceInfo


class FaceKey(NamedTuple):
    """Identifies a face of a FontSet: hashable, cheap to compare, usable as a dict key."""

    role: str
    weight: str
    halfwidth_digits: bool = False


class Advances:
    """Code point → advance (em) of every character a face maps, as two sorted arrays.

    A face maps ~7800 code points and a page asks for a few hundred, once each (the
    composer keeps what it measured): reading two arrays from the memo costs microseconds
    where building a dict of 7800 floats cost ~2 ms a face in every process.
    """

    __slots__ = ("_adv", "_cps", "_gids")

    def __init__(self, cps: array[int], adv: array[float], gids: array[int]) -> None:
        if not len(cps) == len(adv) == len(gids):
            raise ValueError("code points, advances and glyph ids differ in number")
        self._cps, self._adv, self._gids = cps, adv, gids

    def __getitem__(self, cp: int) -> float:
        i = bisect_left(self._cps, cp)
        if i == len(self._cps) or self._cps[i] != cp:
            raise KeyError(cp)
        return self._adv[i]

    def glyphs(self, text: str) -> tuple[float, tuple[int, ...]]:
        """The advance (em, summed in order) and the glyph id of each character of ``text``,
        with one look-up per character (``KeyError`` naming the first code point not mapped)."""
        cps, adv, gids, advances, out = self._cps, self._adv, self._gids, [], []
        for cp in map(ord, text):
            i = bisect_left(cps, cp)
            if i == len(cps) or cps[i] != cp:
                raise KeyError(cp)
            advances.append(adv[i])
            out.append(gids[i])
        return sum(advances), tuple(out)

    def __contains__(self, cp: object) -> bool:
        i = bisect_left(self._cps, cp)  # type: ignore[call-overload]
        return i < len(self._cps) and self._cps[i] == cp

    def __len__(self) -> int:
        return len(self._cps)

    def items(self) -> Iterator[tuple[int, float]]:
        return zip(self._cps, self._adv, strict=True)

    def to_bytes(self) -> tuple[bytes, bytes, bytes]:
        return self._cps.tobytes(), self._adv.tobytes(), self._gids.tobytes()

    @classmethod
    def from_bytes(cls, cps: bytes, adv: bytes, gids: bytes) -> Advances:
        a, b, c = array("I"), array("d"), array("I")
        a.frombytes(cps)
        b.frombytes(adv)
        c.frombytes(gids)
        return cls(a, b, c)


@dataclass(frozen=True)
class TTFMetrics:
    upm: int
    advances: Advances  # code point → advance in em
    ascender: float
    descender: float
    unmapped: dict[str, tuple[float, int]]  # glyph name → (advance in em, glyph id) of each
    # glyph no code point maps


_METRICS: dict[tuple[str, int, int], TTFMetrics] = {}
#: 3: advances as arrays; 4: with glyph ids; 5: and the unmapped glyphs' (hwid digits)
METRICS_VERSION = 5


def metrics_path(path: Path) -> Path:
    """The memo beside a cached TrueType file that keeps its metrics (``load_metrics``)."""
    return path.with_name(path.name + f".m{METRICS_VERSION}.marshal")


def _metrics_of(raw: dict) -> TTFMetrics:
    upm = raw["upm"]
    advances = Advances(array("I", raw["cps"]), array("d", (adv / upm for adv in raw["adv"])),
                        array("I", raw["gid"]))
    unmapped = {name: (adv / upm, gid) for name, (adv, gid) in raw["unmapped"].items()}
    return TTFMetrics(upm, advances, raw["asc"] / upm, raw["desc"] / upm, unmapped)


def load_metrics(path: Path) -> TTFMetrics:
    """Read cmap, hmtx and vertical metrics of a TrueType file (memoised per file version).

    Parsing them with fontTools costs ~50 ms a face (and importing fontTools ~100 ms), so
    the numbers (the very floats computed from the font) are kept with ``marshal`` beside
    the file, valid while its size and mtime match: the advances are two arrays' bytes.
    """
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key in _METRICS:
        return _METRICS[key]
    side = metrics_path(path)
    metrics = None
    try:
        memo = marshal.loads(side.read_bytes())
        if (memo["size"], memo["mtime_ns"]) == (st.st_size, st.st_mtime_ns):
            metrics = TTFMetrics(memo["upm"], Advances.from_bytes(*memo["advances"]),
                                 memo["ascender"], memo["descender"], memo["unmapped"])
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        pass  # absent or damaged (arrays of a length no item size divides): read the font
    if metrics is None:
        metrics = _metrics_of(_read_metrics(path))
        memo = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "upm": metrics.upm,
                "advances": metrics.advances.to_bytes(), "ascender": metrics.ascender,
                "descender": metrics.descender, "unmapped": metrics.unmapped}
        with contextlib.suppress(OSError, ValueError):  # a read-only cache: no memo, same numbers
            cache.atomic_write(side, marshal.dumps(memo))
    _METRICS[key] = metrics
    return metrics


def _read_metrics(path: Path) -> dict:
    """upm, ascender and descender (font units), each mapped code point's advance and
    glyph id, and each unmapped glyph's (by name: the half-width digits a face reaches
    by ``hwid``)."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), lazy=True)
    try:
        upm = font["head"].unitsPerEm
        hmtx = font["hmtx"].metrics
        cmap = font.getBestCmap() or {}
        mapped = set(cmap.values())
        unmapped = {name: (hmtx[name][0], n) for n, name in enumerate(font.getGlyphOrder())
                    if name not in mapped and name != ".notdef"}
        os2 = font["OS/2"] if "OS/2" in font else None
        if os2 is not None and os2.sTypoAscender - os2.sTypoDescender > 0:
            asc, desc = os2.sTypoAscender, os2.sTypoDescender
        else:
            asc, desc = font["hhea"].ascent, font["hhea"].descent
        gid = {name: n for n, name in enumerate(font.getGlyphOrder())}
    finally:
        font.close()
    cps = sorted(cmap)
    return {"upm": upm, "asc": asc, "desc": desc, "cps": cps, "adv": [hmtx[cmap[cp]][0] for cp in cps],
            "gid": [gid[cmap[cp]] for cp in cps], "unmapped": unmapped}


class Face:
    """One concrete face: a source file at a weight, optionally with half-width digits.

    Cheap to create: the TrueType file is converted only when ``ttf_path`` or a metric
    is first asked for.  ``has`` needs no conversion (it uses the cached source cmap).
    """

    def __init__(
        self,
        key: FaceKey,
        name: str,
        spec: FaceSpec,
        info: SourceInfo,
        covered: Container[int],
        ensure: Callable[[], Path],
    ) -> None:
        self.key = key
        self.name = name  # unique PostScript name (EPUB font name; the PDF's without "-HW")
        self.spec = spec
        self.info = info
        self.covered = covered  # code points this face's file maps
        self._ensure = ensure
        self._metrics: TTFMetrics | None = None

    def __repr__(self) -> str:
        return f"Face({self.name!r}, {self.key})"

    @property
    def ttf_path(self) -> Path:
        """The cached TrueType file (converted now if needed) for ``reportlab`` ``TTFont``."""
        return self._ensure()

    @property
    def metrics(self) -> TTFMetrics:
        if self._metrics is None:
            self._metrics = load_metrics(self.ttf_path)
        return self._metrics

    def has(self, ch: str) -> bool:
        return ord(ch) in self.covered

    def advance(self, ch: str) -> float:
        """Advance width of ``ch`` in em (its ``hwid`` form for a digit of a face that
        sets digits half width); ``KeyError`` if the face does not map it."""
        if self.key.halfwidth_digits:
            name = self.info.hwid.get(ord(ch))
            if name is not None:
                return self.metrics.unmapped[name][0]
        try:
            return self.metrics.advances[ord(ch)]
        except KeyError:
            raise KeyError(f"{ch!r} U+{ord(ch):04X} is not in face {self.name}") from None

    def glyphs(self, text: str) -> tuple[float, tuple[int, ...]]:
        """The advance of ``text`` in em (the sum of its characters' ``advance``) and the glyph
        id of each of its characters in ``ttf_path``: its cmap's, or for a digit of a face
        that sets digits half width its ``hwid`` form's (GSUB, read by name: no derived
        file maps it); ``KeyError`` if one is not mapped."""
        try:
            advance, gids = self.metrics.advances.glyphs(text)
        except KeyError as exc:
            ch = chr(exc.args[0])
            raise KeyError(f"{ch!r} U+{ord(ch):04X} is not in face {self.name}") from None
        hwid = self.info.hwid if self.key.halfwidth_digits else None
        if hwid and not hwid.keys().isdisjoint(map(ord, text)):
            out = list(gids)
            advance = 0.0
            for i, ch in enumerate(text):
                name = hwid.get(ord(ch))
                if name is None:
                    advance += self.metrics.advances[ord(ch)]
                else:
                    adv, out[i] = self.metrics.unmapped[name]
                    advance += adv
            gids = tuple(out)
        return advance, gids

    @property
    def ascender(self) -> float:
        return self.metrics.ascender

    @property
    def descender(self) -> float:
        return self.metrics.descender

    def halt(self, ch: str) -> tuple[float, float] | None:
        """(x placement, x advance) of GPOS ``halt`` for ``ch`` in em, or None."""
        cp = ord(ch)
        if self.key.halfwidth_digits and cp in self.info.hwid:
            return None
        return self.info.halt.get(cp) if cp in self.covered else None
