"""Helpers of the import tests: build an issue's PDF/ALTO, import it, rebuild, measure."""

from __future__ import annotations

import contextlib
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from layout.compare import normalise
from layout.pipeline import build
from layout.read.model import Article, Box, Figure, Furniture


def quiet_build(path: Path, **kw):
    with contextlib.redirect_stderr(io.StringIO()):
        return build(path, **kw)


def make_outputs(source: Path, out: Path):
    """The PDF and the ALTO+METS of ``source``, written into ``out``; the built issue."""
    from layout.render.alto import write_alto
    from layout.render.pdf import write_pdf

    built = quiet_build(source)
    pdf = write_pdf(built.issue, built.layout, built.fonts, out / (source.stem + ".pdf"))
    paths = write_alto(built.issue, built.layout, out / "alto")
    return built, pdf, paths[-1]


@dataclass
class RoundTrip:
    lines: int
    identical: int
    chars_equal: bool
    frame_error: float  # worst edge difference (pt) of a frame and its rebuilt counterpart
    overset: int
    article_texts_equal: bool

    @property
    def ratio(self) -> float:
        return self.identical / self.lines


def _rect(r):
    return (r.x, r.y, r.right, r.bottom)


def _texts(issue) -> list[str]:
    """Every frame's text (reading order within the frame), whitespace aside."""
    from layout.read.model import _item_text

    return ["".join(_item_text(item).split()) for page in issue.pages for item in page.items
            if isinstance(item, (Article, Box, Figure, Furniture))]


def round_trip(original, imported_xml: Path) -> RoundTrip:
    """Compare the original build with the rebuild of the imported XML."""
    rebuilt = quiet_build(imported_xml, allow_overset=True)
    want = Counter(normalise(pl.text) for p in original.layout.pages for pl in p.lines() if normalise(pl.text))
    got = Counter(normalise(pl.text) for p in rebuilt.layout.pages for pl in p.lines() if normalise(pl.text))
    chars = Counter(c for c in original.issue.all_text() if not c.isspace()) == Counter(
        c for c in rebuilt.issue.all_text() if not c.isspace())
    worst = 0.0
    for po, pb in zip(original.layout.pages, rebuilt.layout.pages, strict=True):
        for g in po.groups:
            best = min(pb.groups, key=lambda h: sum(abs(a - b) for a, b in zip(_rect(g.rect), _rect(h.rect), strict=True)))
            worst = max(worst, max(abs(a - b) for a, b in zip(_rect(g.rect), _rect(best.rect), strict=True)))
    overset = sum(g.overset for p in rebuilt.layout.pages for g in p.groups)
    texts_equal = sorted(_texts(original.issue)) == sorted(_texts(rebuilt.issue))
    return RoundTrip(sum(want.values()), sum((want & got).values()), chars, worst, overset, texts_equal)
