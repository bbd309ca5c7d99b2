"""Style inference: per frame, the named composition style that reproduces the observed
line breaks best, found by composing the frame with the project's own composer.

For every article, box and captioned figure, each style of ``layout.compose.style.STYLES``
is tried (the measure is fixed from geometry first: breaks cannot tell a push-out 15 zi
from 15.8 zi, import-notes §4.3); the frame is composed by ``PageComposer`` exactly as a
build would, and its score is the number of its composed lines that equal an observed
line (as a multiset).  Ties go to the page's majority style, then to the order of
``STYLES``.  The choice, its score and the ties are recorded as an XML comment.
On the first page every style is composed (ties are evidence worth recording); on the
later pages of an issue the styles that have won so far go first and the search stops at
one that reproduces every observed line (the comment says how many were tried).
"""

from __future__ import annotations

import dataclasses
from collections import Counter

from layout.compare import normalise
from layout.compose.page import PageComposer
from layout.compose.style import STYLES
from layout.read.model import Article, Box, Figure, Issue


@dataclasses.dataclass
class Choice:
    style: str
    score: int
    lines: int
    ties: list[str]
    group: str | None = None  # the style of the article's narrower paragraphs (<group>)
    ungroup: bool = False  # the narrower paragraphs are better set as plain paragraphs
    tried: int = 0  # how many styles were composed


def _restyle_par(p, name: str, grouped: str | None = None):
    if p is None:
        return None
    if grouped is not None and p.measure is not None:
        name = grouped
    return dataclasses.replace(p, style=dataclasses.replace(p.style, composition=name))


def _restyle(item, name: str, grouped: str | None = None):
    if isinstance(item, Article):
        return dataclasses.replace(item, blocks=tuple(_restyle_par(p, name, grouped) for p in item.blocks),
                                   tag=_restyle_par(item.tag, name), figures=(), boxes=())
    if isinstance(item, Box):
        return dataclasses.replace(item, items=tuple(_restyle_par(p, name) for p in item.items),
                                   tag=_restyle_par(item.tag, name))
    return dataclasses.replace(item, caption=_restyle_par(item.caption, name))


def _composed(composer: PageComposer, item, geo) -> list[str]:
    if isinstance(item, Article):
        group = composer.article(item, geo)
        kinds = {"body"}
    elif isinstance(item, Box):
        group = composer.box(item, geo)
        kinds = {"body"}
    else:
        group = composer.figure(item, geo)
        kinds = {"caption"}
    return [normalise(pl.text) for b in group.blocks if b.kind in kinds for pl in b.lines]


def _measure(item) -> float | None:
    """The measure of a frame's first region: frames alike in measure are alike in style."""
    flow = getattr(item, "flow", ())
    return round(flow[0].measure, 1) if flow else None


def frame_scores(issue: Issue, fonts, observed: dict[str, list[str]], part: int = 0,
                 parts: int = 1) -> dict[str, dict[str, int]]:
    """Per frame (those numbered k with k % parts == part, in reading order), the number
    of observed lines each style reproduces; separate parts can run in separate processes."""
    composer = PageComposer(issue, fonts, allow_overset=True)
    scores: dict[str, dict[str, int]] = {}
    wins: Counter = Counter()
    k = -1
    for number, page in enumerate(issue.pages, 1):
        geo = page.geometry
        items = []
        for item in page.items:
            items.append(item)
            if isinstance(item, Article):
                items.extend(item.figures)
                items.extend(item.boxes)
        for item in items:
            if not isinstance(item, (Article, Box, Figure)) or item.id not in observed:
                continue
            if isinstance(item, Figure) and item.caption is None:
                continue
            k += 1
            if k % parts != part:
                continue
            want = Counter(observed[item.id])
            total = sum(want.values())
            scores[item.id] = {}
            # page 1: every style (ties are evidence); later pages: the winners so far first,
            # and the search stops at a style that reproduces every observed line
            shape = (type(item).__name__, _measure(item))
            names = list(STYLES) if number == 1 else sorted(STYLES, key=lambda n: -wins[shape, n])
            for name in names:
                got = Counter(_composed(composer, _restyle(item, name), geo))
                scores[item.id][name] = sum((got & want).values())
                if number > 1 and scores[item.id][name] == total:
                    break
            s = scores[item.id]
            wins[shape, max(s, key=s.get)] += 1
            composer.column_rules = []
    return scores


def choose(scores: dict[str, dict[str, int]], observed: dict[str, list[str]]) -> dict[str, Choice]:
    """The best style per frame; ties to the page's majority style, then STYLES' order."""
    clear = Counter(max(s, key=s.get) for s in scores.values()
                    if len(s) == 1 or sorted(s.values())[-1] > sorted(s.values())[-2])
    order = [name for name, _ in clear.most_common()] + [n for n in STYLES if n not in clear]
    out = {}
    for fid, s in scores.items():
        best = max(s.values())
        tied = [n for n in order if s.get(n) == best]
        out[fid] = Choice(tied[0], best, len(observed[fid]), tied[1:], tried=len(s))
    return out


def group_styles(issue: Issue, fonts, observed: dict[str, list[str]], out: dict[str, Choice]) -> None:
    """Paragraphs set narrower inside an article (a <group>) may follow another style; or
    the regions alone explain them (text beside a picture) and the group is dropped."""
    composer = PageComposer(issue, fonts, allow_overset=True)
    order = list(dict.fromkeys([c.style for c in out.values()] + list(STYLES)))
    for page in issue.pages:
        for item in page.items:
            if not isinstance(item, Article) or item.id not in out:
                continue
            if not any(p.measure is not None for p in item.blocks):
                continue
            choice = out[item.id]
            want = Counter(observed[item.id])
            plain = dataclasses.replace(item, blocks=tuple(dataclasses.replace(p, measure=None)
                                                           for p in item.blocks))
            got = Counter(_composed(composer, _restyle(plain, choice.style), page.geometry))
            best = (sum((got & want).values()), None)
            total = sum(want.values())
            for name in order:
                if best[0] == total:
                    break
                got = Counter(_composed(composer, _restyle(item, choice.style, name), page.geometry))
                score = sum((got & want).values())
                if score > best[0]:
                    best = (score, name)
            composer.column_rules = []
            choice.score, choice.group = best[0], best[1]
            choice.ungroup = best[1] is None


def infer_styles(issue: Issue, fonts, observed: dict[str, list[str]],
                 scores: dict[str, dict[str, int]] | None = None) -> dict[str, Choice]:
    """The best style for every frame id in ``observed`` (its body or caption lines);
    ``scores`` when ``frame_scores`` already ran (in parallel processes)."""
    if scores is None:
        scores = frame_scores(issue, fonts, observed)
    out = choose(scores, observed)
    group_styles(issue, fonts, observed, out)
    return out
