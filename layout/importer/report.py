"""The import's report: rebuild the imported issue and count what came back.

* characters: the multiset of printed characters read from the input against the one
  the issue XML prints (``Issue.all_text``): nothing may be lost or added;
* lines: the printed lines read from the input against the lines of the rebuilt page, as
  a multiset (the measure of ``layout.compare``), per frame and overall;
* per frame: the chosen composition style, its score and ties, and overset lines.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from layout.compare import normalise


def observed_lines(model) -> list[str]:
    out = [normalise(x) for x in (model.header or ())[2:] if x]
    for f in model.frames:
        out += f.all_lines()
    return [x for x in out if x]


def fidelity(xml: Path, models, read_chars: Counter, choices, fonts) -> dict:
    """Rebuild ``xml`` with the project's pipeline (read → compose) and count what came back."""
    from layout.compose.page import compose_issue
    from layout.read import read_issue

    issue = read_issue(xml)
    layout = compose_issue(issue, fonts, allow_overset=True)
    xml_chars = Counter(ch for ch in issue.all_text() if not ch.isspace())
    missing = read_chars - xml_chars
    extra = xml_chars - read_chars
    frames = []
    total = matched = 0
    oversets = 0
    for model, page in zip(models, layout.pages, strict=True):
        groups = {g.id: g for g in page.groups}
        want_page = Counter(observed_lines(model))
        got_page = Counter(normalise(pl.text) for pl in page.lines() if normalise(pl.text))
        total += sum(want_page.values())
        matched += sum((want_page & got_page).values())
        for f in model.frames:
            g = groups.get(f.id)
            want = Counter(x for x in f.all_lines() if x)
            got = Counter(normalise(pl.text) for b in (g.blocks if g else ()) for pl in b.lines
                          if normalise(pl.text))
            for fig in f.figures:
                sub = groups.get(fig.id)
                got += Counter(normalise(pl.text) for b in (sub.blocks if sub else ()) for pl in b.lines)
            oversets += g.overset if g else 0
            ch = choices.get(f.id)
            frames.append({
                "id": f.id, "page": model_page(models, model), "kind": f.kind,
                "lines": sum(want.values()), "reproduced": sum((want & got).values()),
                "composition": ch.style if ch else None, "score": ch.score if ch else None,
                "ties": ch.ties if ch else [], "overset": g.overset if g else 0,
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
        "frames": frames,
    }


def model_page(models, model) -> int:
    return next(k for k, m in enumerate(models, 1) if m is model)


def summary(result: dict) -> str:
    c, ln = result["characters"], result["lines"]
    text = (f"{result['source']} -> {result['output']}: {result['pages']} page(s), "
            f"{len(result['frames'])} frames; characters {c['in_xml']}/{c['read']}"
            f"{' (missing ' + repr(c['missing'][:40]) + ')' if c['missing'] else ''}; "
            f"lines reproduced on rebuild {ln['reproduced']}/{ln['observed']} ({100 * ln['ratio']:.1f} %)")
    if result["overset_lines"]:
        text += f"; {result['overset_lines']} overset lines"
    return text
