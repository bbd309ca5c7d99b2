"""The import's report: rebuild the imported issue and count what came back.

* characters: the multiset of printed characters read from the input against the one
  the issue XML prints (``Issue.all_text``): nothing may be lost or added;
* lines: the printed lines read from the input against the lines of the rebuilt page, as
  a multiset (the measure of ``layout.compare``), per frame and overall;
* per frame: the chosen composition style, its score and ties, and overset lines.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from layout.compare import normalise


def observed_lines(model) -> list[str]:
    out = [normalise(x) for x in (model.header or ())[2:] if x]
    for f in model.frames:
        out += f.all_lines()
    return [x for x in out if x]


@dataclass
class Rebuilt:
    """What the rebuild of one page printed: its lines, and each group's lines and overset."""

    lines: Counter
    groups: dict[str, tuple[Counter, int]]


def rebuild_pages(_path, issue, fonts, part: int = 0, parts: int = 1) -> dict[int, Rebuilt]:
    """Compose the pages k with k % parts == part (a process each, when there are several)."""
    import dataclasses

    from layout.compose.page import compose_issue

    pages = issue.pages[part::parts]
    layout = compose_issue(dataclasses.replace(issue, pages=pages), fonts, allow_overset=True)
    out = {}
    for k, page in zip(range(part, len(issue.pages), parts), layout.pages, strict=True):
        groups = {g.id: (Counter(normalise(pl.text) for b in g.blocks for pl in b.lines
                                 if normalise(pl.text)), g.overset) for g in page.groups}
        out[k] = Rebuilt(Counter(normalise(pl.text) for pl in page.lines() if normalise(pl.text)), groups)
    return out


def fidelity(xml: Path, models, read_chars: Counter, choices, fonts, parallel: bool = False) -> dict:
    """Rebuild ``xml`` with the project's pipeline (read → compose) and count what came back."""
    from layout.read import read_issue

    issue = read_issue(xml)
    if parallel and len(issue.pages) > 1:
        from layout.importer.guard import in_children

        rebuilt: dict[int, Rebuilt] = {}
        for part in in_children(rebuild_pages, xml, [(issue, fonts, k, 2) for k in range(2)]):
            rebuilt.update(part)
    else:
        rebuilt = rebuild_pages(xml, issue, fonts)
    xml_chars = Counter(ch for ch in issue.all_text() if not ch.isspace())
    missing = read_chars - xml_chars
    extra = xml_chars - read_chars
    frames = []
    total = matched = 0
    oversets = 0
    for k, model in enumerate(models):
        page = rebuilt[k]
        want_page = Counter(observed_lines(model))
        total += sum(want_page.values())
        matched += sum((want_page & page.lines).values())
        for f in model.frames:
            got, overset = page.groups.get(f.id, (Counter(), 0))
            want = Counter(x for x in f.all_lines() if x)
            for fig in f.figures:
                got = got + page.groups.get(fig.id, (Counter(), 0))[0]
            oversets += overset
            ch = choices.get(f.id)
            frames.append({
                "id": f.id, "page": k + 1, "kind": f.kind,
                "lines": sum(want.values()), "reproduced": sum((want & got).values()),
                "composition": ch.style if ch else None, "score": ch.score if ch else None,
                "ties": ch.ties if ch else [], "overset": overset,
                "misses": sorted((want - got).elements())[:20],
            })
    return {
        "pages": len(models),
        "characters": {"read": sum(read_chars.values()), "in_xml": sum(xml_chars.values()),
                       "missing": "".join(sorted(missing.elements())),
                       "extra": "".join(sorted(extra.elements()))},
        "lines": {"observed": total, "reproduced": matched,
                  "ratio": round(matched / total, 4) if total else 1.0},
        "overset_lines": oversets,
        "articles": {"found": sum(1 for m in models for f in m.frames if f.kind == "article"),
                     "in_mets": sum(m.mets_articles for m in models) or None},
        "frames": frames,
    }


def summary(result: dict) -> str:
    c, ln = result["characters"], result["lines"]
    text = (f"{result['source']} -> {result['output']}: {result['pages']} page(s), "
            f"{len(result['frames'])} frames; characters {c['in_xml']}/{c['read']}"
            f"{' (missing ' + repr(c['missing'][:40]) + ')' if c['missing'] else ''}; "
            f"lines reproduced on rebuild {ln['reproduced']}/{ln['observed']} ({100 * ln['ratio']:.1f} %)")
    if result["overset_lines"]:
        text += f"; {result['overset_lines']} overset lines"
    return text
