"""Compare a composed issue with an original's extracted text, line for line.

The original is plain text, one printed line per line (spaces are extraction
artefacts and ignored, blank lines are block breaks).  A line of ours counts as
reproduced when the original has the same line (as a multiset: each original
line is matched once).  The report goes article by article and shows each line
of ours that differs beside the original line that starts like it.

Body lines, composed from continuous paragraphs, are what measures the composer;
the lines a source gives as ``<line>`` elements (headlines, furniture, box titles)
are printed as written.  The report counts both: body lines against the original's
lines less the source's ``<line>`` lines, and all lines against all of the original's.
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


#: blocks composed from continuous paragraphs (the composer decides their line breaks);
#: every other kind (kicker, headline, subhead, title, label, furniture, header) is a
#: ``<line>`` the editor gave, printed as written
BODY_KINDS = frozenset({"body", "byline", "caption"})


@dataclass
class GroupReport:
    id: str
    title: str
    lines: int = 0
    matched: int = 0
    body_lines: int = 0  # of ``lines``: composed from paragraphs
    body_matched: int = 0
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

    @property
    def body_matched(self) -> int:
        return sum(g.body_matched for g in self.groups)

    @property
    def given_lines(self) -> int:
        """Lines the source gives as ``<line>`` elements (printed as the editor split them)."""
        return sum(g.lines - g.body_lines for g in self.groups)

    @property
    def original_body(self) -> int:
        """The original's body lines: its lines less those the source gives as ``<line>``."""
        return max(0, self.original_total - self.given_lines)

    @property
    def body_ratio(self) -> float:
        return self.body_matched / self.original_body if self.original_body else 0.0

    def per_group(self) -> dict[str, tuple[int, int]]:
        """Body lines and all lines reproduced, per article (or other frame)."""
        return {g.id: (g.body_matched, g.matched) for g in self.groups if g.lines}

    def format(self, verbose: bool = True) -> str:
        out = [f"{'frame':10} {'body':>7}  {'all':>7}  title"]
        for g in self.groups:
            if not g.lines:
                continue
            body = f"{g.body_matched:3}/{g.body_lines:<3}" if g.body_lines else f"{'—':>4}   "
            title = g.title if len(g.title) <= 32 else g.title[:31] + "…"
            out.append(f"{g.id:10} {body}  {g.matched:3}/{g.lines:<3}  {title}")
            if verbose:
                for ours, theirs in g.misses:
                    out.append(f"    ours     {ours}")
                    out.append(f"    original {theirs or '—'}")
        out.append(
            f"body lines (composed from paragraphs): reproduced {self.body_matched} of the "
            f"original's {self.original_body} ({100 * self.body_ratio:.1f} %)")
        out.append(
            f"reproduced {self.matched} of the original's {self.original_total} lines "
            f"({100 * self.ratio:.1f} %); we set {self.ours_total} lines, "
            f"{self.given_lines} of them given as <line>"
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
                body = block.kind in BODY_KINDS
                for placed in block.lines:
                    text = normalise(placed.text)
                    if not text:
                        continue
                    rep.lines += 1
                    rep.body_lines += body
                    ours_total += 1
                    if remaining[text] > 0:
                        remaining[text] -= 1
                        rep.matched += 1
                        rep.body_matched += body
                    else:
                        rep.misses.append((text, _nearest(text, original)))
            groups.append(rep)
    matched = sum(g.matched for g in groups)
    return Report(len(original), matched, ours_total, groups)
