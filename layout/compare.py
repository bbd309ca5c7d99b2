"""Compare a composed issue with an original's extracted text, line for line.

The original is plain text, one printed line per line (spaces are extraction
artefacts and ignored, blank lines are block breaks).  A line of ours counts as
reproduced when the original has the same line (as a multiset: each original
line is matched once).  The report goes article by article and shows each line
of ours that differs beside the original line that starts like it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from layout.compose.boxes import IssueLayout


def normalise(text: str) -> str:
    return "".join(text.split())


def original_lines(path: str | Path) -> list[str]:
    text = Path(path).read_text(encoding="utf-8")
    return [normalise(line) for line in text.splitlines() if line.strip()]


@dataclass
class GroupReport:
    id: str
    title: str
    lines: int = 0
    matched: int = 0
    misses: list[tuple[str, str]] = field(default_factory=list)  # (ours, nearest original)


@dataclass
class Report:
    original_total: int
    matched: int
    ours_total: int
    groups: list[GroupReport]

    @property
    def ratio(self) -> float:
        return self.matched / self.original_total if self.original_total else 0.0

    def format(self, verbose: bool = True) -> str:
        out = []
        for g in self.groups:
            if not g.lines:
                continue
            out.append(f"{g.id:10} {g.matched:3}/{g.lines:<3} {g.title}")
            if verbose:
                for ours, theirs in g.misses:
                    out.append(f"    ours     {ours}")
                    out.append(f"    original {theirs or '—'}")
        out.append(
            f"reproduced {self.matched} of the original's {self.original_total} lines "
            f"({100 * self.ratio:.1f} %); we set {self.ours_total} lines"
        )
        return "\n".join(out)


def _nearest(line: str, pool: list[str]) -> str:
    """The original line sharing the longest prefix with ours (then the longest overlap)."""

    def score(candidate: str) -> tuple[int, int]:
        n = 0
        for a, b in zip(line, candidate, strict=False):
            if a != b:
                break
            n += 1
        return n, -abs(len(candidate) - len(line))

    best = max(pool, key=score, default="")
    return best if score(best)[0] >= 2 else ""


def compare(layout: IssueLayout, original: list[str]) -> Report:
    remaining = Counter(original)
    groups = []
    ours_total = 0
    for page in layout.pages:
        for group in page.groups:
            rep = GroupReport(group.id, group.title)
            for block in group.blocks:
                for placed in block.lines:
                    text = normalise(placed.text)
                    if not text:
                        continue
                    rep.lines += 1
                    ours_total += 1
                    if remaining[text] > 0:
                        remaining[text] -= 1
                        rep.matched += 1
                    else:
                        rep.misses.append((text, _nearest(text, original)))
            groups.append(rep)
    matched = sum(g.matched for g in groups)
    return Report(len(original), matched, ours_total, groups)
