"""Printed lines from characters: same baseline, near enough, no rule between.

Word spaces are recovered here by one written rule (docs/import.md, "Spaces"): a space
stands between two characters when the gap between them exceeds the line's ordinary
gap (the median between two ideographs) by more than 0.2 em, plus 0.25 em where a
hanzi meets a Latin letter or digit (the hanzi–Latin gap) and 0.3 em next to a
full-width mark (a partly squeezed blank half).  Justification spreads the ordinary gap
evenly, so it cancels out.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from functools import cached_property

from layout.importer.scan import Char, RuleSeg

#: a gap wider than this many ems splits a line into fragments
SPLIT_GAP = 1.5
#: extra gap (em) over the line's ordinary gap that reads as a word space
SPACE_GAP = 0.2


def is_wide(ch: str) -> bool:
    """CJK ideographs, kana, full-width marks: characters set on the em square."""
    o = ord(ch)
    return (0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFE30 <= o <= 0xFE4F
            or 0xFF00 <= o <= 0xFF60 or 0x3000 <= o <= 0x303F or 0x20000 <= o <= 0x3FFFF
            or ch in "“”‘’—…·〈〉")


def is_han(ch: str) -> bool:
    """Ideographs only: their spacing is never squeezed, so it shows the line's ordinary gap."""
    o = ord(ch)
    return 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3FFFF


@dataclass
class TextLine:
    """One printed line: its characters left to right, with spaces where the gaps say so."""

    chars: list[Char]

    @property
    def x(self) -> float:
        return self.chars[0].x

    @cached_property
    def right(self) -> float:
        return max(c.right for c in self.chars)

    @property
    def baseline(self) -> float:
        return self.chars[0].baseline

    @cached_property
    def size(self) -> float:
        return statistics.mode(c.size for c in self.chars)

    @cached_property
    def top(self) -> float:
        return self.baseline - 0.88 * max(c.size for c in self.chars)

    @cached_property
    def bottom(self) -> float:
        return self.baseline + 0.12 * max(c.size for c in self.chars)

    @cached_property
    def style(self) -> tuple[str, str]:
        return statistics.mode((c.role, c.weight) for c in self.chars)

    @cached_property
    def text(self) -> str:
        return "".join((" " if sp else "") + c.ch for c, sp in zip(self.chars, self.spaces(), strict=True))

    def spaces(self) -> list[bool]:
        """Whether a word space precedes each character (never the first)."""
        return self._spaces

    @cached_property
    def _spaces(self) -> list[bool]:
        cs = self.chars
        gaps = [b.x - a.right for a, b in zip(cs, cs[1:], strict=False)]
        wide = [g for g, a, b in zip(gaps, cs, cs[1:], strict=False) if is_han(a.ch) and is_han(b.ch)]
        base = statistics.median(wide) if wide else 0.0
        out = [False]
        for g, a, b in zip(gaps, cs, cs[1:], strict=False):
            em = max(a.size, b.size)
            if is_wide(a.ch) != is_wide(b.ch):
                extra = 0.25 * em  # the hanzi–Latin gap
            elif is_wide(a.ch) and not (is_han(a.ch) and is_han(b.ch)):
                extra = 0.3 * em  # a mark's blank half, partly squeezed, is not a space
            else:
                extra = 0.0
            out.append(b.space_before or g - base > SPACE_GAP * em + extra)
        return out


def build_lines(chars: list[Char], rules: list[RuleSeg]) -> list[TextLine]:
    """Group characters into lines: by baseline, then split at wide gaps and vertical rules."""
    verticals = [r for r in rules if r.vertical]
    rows: dict[float, list[Char]] = {}
    for c in sorted(chars, key=lambda c: (round(c.baseline, 1), c.x)):
        key = round(c.baseline * 2) / 2
        for k in (key, key - 0.5, key + 0.5):
            if k in rows:
                key = k
                break
        rows.setdefault(key, []).append(c)
    out: list[TextLine] = []
    for row in rows.values():
        row.sort(key=lambda c: c.x)
        cur = [row[0]]
        for a, b in zip(row, row[1:], strict=False):
            em = max(a.size, b.size)
            gap = b.x - a.right
            crossed = gap > 0.25 * em and any(
                a.right - 0.5 <= r.x1 <= b.x + 0.5 and r.y1 - 1 <= b.baseline <= r.y2 + 1 for r in verticals)
            if gap > SPLIT_GAP * em or crossed or gap < -0.6 * em:
                out.append(TextLine(cur))
                cur = []
            cur.append(b)
        out.append(TextLine(cur))
    return out
