"""The character repertoire a converted face covers.

A CFF face is converted once to a broad repertoire (every GB2312 character plus the
punctuation Chinese text needs) so that one cached TrueType file serves every issue;
an issue's rare characters extend it.  Code points are kept as sorted ints and stored
as ranges, so a repertoire hashes to a short, stable key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache
from itertools import chain

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


@cache
def gb2312() -> frozenset[int]:
    """Every character of GB2312 (rows 1-9 symbols and rows 16-87 hanzi)."""
    cps: set[int] = set()
    for hi in range(0xA1, 0xF8):
        try:  # a whole row at once: every byte here is a lead or trail byte, so pairs align
            cps.update(map(ord, bytes(b for lo in range(0xA1, 0xFF) for b in (hi, lo)).decode("gb2312")))
            continue
        except UnicodeDecodeError:
            pass  # a row with unassigned cells: one cell at a time
        for lo in range(0xA1, 0xFF):
            try:
                cps.add(ord(bytes((hi, lo)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return frozenset(cps)


@cache
def base_repertoire() -> frozenset[int]:
    """GB2312 plus ``EXTRA_RANGES`` and ``EXTRA_CHARS``: what one cached face covers."""
    cps = set(gb2312())
    for lo, hi in EXTRA_RANGES:
        cps.update(range(lo, hi + 1))
    cps.update(map(ord, EXTRA_CHARS))
    return frozenset(cps)


def codepoints(chars: Iterable[str] | Iterable[int] | str | None) -> frozenset[int]:
    """Normalise characters or code points to a set of ints."""
    if not chars:
        return frozenset()
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


def from_ranges(ranges: Iterable[Iterable[int]]) -> frozenset[int]:
    return frozenset(chain.from_iterable(range(lo, hi + 1) for lo, hi in ranges))


def digest(cps: Iterable[int]) -> str:
    """A short stable hash of a repertoire (part of the cache key)."""
    text = ",".join(f"{lo:x}-{hi:x}" for lo, hi in to_ranges(cps))
    return hashlib.sha256(text.encode()).hexdigest()[:12]
