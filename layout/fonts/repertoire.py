"""The character repertoire a converted face covers.

A CFF face is converted once to a broad repertoire (every GB2312 character plus the
punctuation Chinese text needs) so that one cached TrueType file serves every issue;
an issue's rare characters extend it.  Code points are kept as sorted ints and stored
as ranges, so a repertoire hashes to a short, stable key.
"""

from __future__ import annotations

import codecs
import hashlib
from bisect import bisect_right
from collections.abc import Iterable
from functools import cache

#: Part of every key derived from the base repertoire: bump when its definition changes.
BASE_VERSION = 1
#: Ranges (inclusive) added to GB2312: ASCII, Latin-1, general punctuation, CJK symbols
#: and punctuation, CJK compatibility/vertical forms, half- and full-width forms.
EXTRA_RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),
    (0x00A0, 0x00FF),
    (0x2010, 0x2027),
    (0x2030, 0x203B),
    (0x2E3A, 0x2E3B),
    (0x3000, 0x303F),
    (0xFE10, 0xFE19),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
)
#: Python's gb2312 codec maps A1AA to U+2015 and A1A4 to U+30FB; add what text really uses.
EXTRA_CHARS = "\u2014\u00b7\u2026\u2018\u2019\u201c\u201d"


def _skip_cell(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "\uffff", exc.start + 2 - (exc.start % 2)


_CELL_ERRORS = "layout-gb2312-cell"
codecs.register_error(_CELL_ERRORS, _skip_cell)


@cache
def gb2312() -> frozenset[int]:
    """Every character of GB2312 (rows 1-9 symbols and rows 16-87 hanzi)."""
    # Every cell at once: all bytes here are >= 0xA1, i.e. lead or trail bytes, so cells stay
    # aligned; an unassigned cell becomes U+FFFF (never a GB2312 character) and decoding goes
    # on at the next cell, whatever span the codec reports.
    rows, cols = range(0xA1, 0xF8), bytes(range(0xA1, 0xFF))
    cells = bytearray(2 * len(rows) * len(cols))
    cells[0::2] = bytes(hi for hi in rows for _ in cols)
    cells[1::2] = cols * len(rows)
    text = bytes(cells).decode("gb2312", errors=_CELL_ERRORS)
    return frozenset(map(ord, text)) - {0xFFFF}


@cache
def base_repertoire() -> frozenset[int]:
    """GB2312 plus ``EXTRA_RANGES`` and ``EXTRA_CHARS``: what one cached face covers."""
    cps = set(gb2312())
    for lo, hi in EXTRA_RANGES:
        cps.update(range(lo, hi + 1))
    cps.update(map(ord, EXTRA_CHARS))
    return frozenset(cps)


def in_base(cp: int) -> bool:
    """``cp in base_repertoire()`` without building that set (~8k ints, ~5 ms a process)."""
    for lo, hi in EXTRA_RANGES:
        if lo <= cp <= hi:
            return True
    ch = chr(cp)
    if ch in EXTRA_CHARS:
        return True
    try:
        cell = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    # rows 1-87 of GB2312 are bytes A1-F7, columns A1-FE (the set ``gb2312`` decodes)
    return len(cell) == 2 and 0xA1 <= cell[0] <= 0xF7 and 0xA1 <= cell[1] <= 0xFE


class CodeRanges:
    """A set of code points kept as sorted ``(lo, hi)`` ranges.

    A font's cmap (~44k code points for Noto CJK) is ~200 ranges: loading those is cheap,
    where building the frozenset cost ~5 ms a face in every process.
    """

    __slots__ = ("_his", "_los", "ranges")

    def __init__(self, ranges: Iterable[Iterable[int]]) -> None:
        self.ranges = tuple((lo, hi) for lo, hi in ranges)
        self._los = [lo for lo, _ in self.ranges]
        self._his = [hi for _, hi in self.ranges]

    @classmethod
    def of(cls, cps: Iterable[int]) -> CodeRanges:
        return cls(to_ranges(cps))

    def __contains__(self, cp: object) -> bool:
        i = bisect_right(self._los, cp) - 1  # type: ignore[arg-type]
        return i >= 0 and cp <= self._his[i]  # type: ignore[operator]

    def __len__(self) -> int:
        return sum(hi - lo + 1 for lo, hi in self.ranges)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CodeRanges) and other.ranges == self.ranges

    def __hash__(self) -> int:
        return hash(self.ranges)

    def __repr__(self) -> str:
        return f"CodeRanges({len(self.ranges)} ranges, {len(self)} code points)"


def codepoints(chars: Iterable[str] | Iterable[int] | str | None) -> frozenset[int]:
    """Normalise characters or code points to a set of ints."""
    if not chars:
        return frozenset()
    if isinstance(chars, str):  # a page of text: each distinct character once
        return frozenset(map(ord, set(chars)))
    return frozenset(c if isinstance(c, int) else ord(c) for c in chars)


def to_ranges(cps: Iterable[int]) -> list[list[int]]:
    """Compress code points to sorted ``[lo, hi]`` ranges (for small JSON files)."""
    out: list[list[int]] = []
    last = None
    for cp in sorted(cps):
        if last is not None and last[1] == cp - 1:
            last[1] = cp
        else:
            last = [cp, cp]
            out.append(last)
    return out



def digest(cps: Iterable[int]) -> str:
    """A short stable hash of a repertoire (part of the cache key)."""
    text = ",".join(f"{lo:x}-{hi:x}" for lo, hi in to_ranges(cps))
    return hashlib.sha256(text.encode()).hexdigest()[:12]
