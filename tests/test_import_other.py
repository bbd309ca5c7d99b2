"""Import of pages set by another hand: our composer with other geometry and styles, and a
page typeset by another engine (Typst, from text written here)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from importing import make_outputs, quiet_build, round_trip
from layout.importer import run_import
from layout.read import read_issue

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "source" / "000_024ecb8943099354.xml"
NS = "urn:x-newsxml:1"


def _p(parent, tag, text=None, **attrs):
    e = etree.SubElement(parent, f"{{{NS}}}{tag}", {k: str(v) for k, v in attrs.items()})
    e.text = text
    return e


def other_hand_issue(path: Path) -> Path:
    """The sample's articles on an A3 tabloid: 4 columns, 五号 (10.5 pt) body on a 14 pt pitch,
    1.5-zi gutters, every text set in W3C clreq style, frames on the grid."""
    src = read_issue(SAMPLE)
    arts = {a.id: a for a in src.articles}
    root = etree.Element(f"{{{NS}}}issue", nsmap={None: NS}, id="other-hand", schemaVersion="1.0")
    root.set("{http://www.w3.org/XML/1998/namespace}lang", "zh-Hans")
    meta = _p(root, "meta")
    for name in ("paper", "date", "edition", "issueNumber"):
        _p(meta, name, unknown="true")
    geo = _p(root, "geometry", id="tabloid")
    _p(geo, "trim", width="297mm", height="420mm")
    _p(geo, "margins", top="15mm", bottom="15mm", left="15mm", right="15mm")
    _p(geo, "grid", bodySize="五号", linePitch="14pt", columns="4", columnChars="16", gutterChars="1.5")
    page = _p(root, "page", geometry="tabloid", section="要闻")
    _p(page, "header", y="0line", height="3line")
    places = [("a8", dict(col=1, span=4, y="4line", height="38line", columns=4)),
              ("a1", dict(col=1, span=1, y="42line", height="33line")),
              ("a2", dict(col=2, span=1, y="42line", height="33line")),
              ("a4", dict(col=3, span=2, y="42line", height="33line", columns=2))]
    for aid, where in places:
        a = arts[aid]
        art = _p(page, "article", id=aid, size="五号", leading="14pt", composition="clreq", **where)
        head = _p(art, "head", align="center")
        for part in a.head.parts:
            size = "五号" if where["span"] == 1 else "小二" if part.kind == "headline" else "小四"
            el = _p(head, part.kind, role="hei", weight="bold", size=size)
            for line in part.lines:
                _p(el, "line", line.text)
        for par in a.blocks:
            p = _p(art, "p")
            last = None
            for run in par.runs:
                if run.kind == "dateline":
                    last = _p(p, "dateline", run.text)
                elif last is None:
                    p.text = (p.text or "") + run.text
                else:
                    last.tail = (last.tail or "") + run.text
        if a.tag:
            _p(art, "tag", a.tag.text)
    etree.ElementTree(root).write(str(path), xml_declaration=True, encoding="UTF-8")
    return path


@pytest.fixture(scope="module")
def other(tmp_path_factory):
    out = tmp_path_factory.mktemp("other")
    source = other_hand_issue(out / "other-hand.xml")
    built, pdf, mets = make_outputs(source, out)
    return built, pdf, mets, out


@pytest.mark.parametrize("kind", ["pdf", "alto"])
def test_other_hand_round_trip(other, kind):
    built, pdf, mets, out = other
    xml = out / f"imported-{kind}.xml"
    run_import(pdf if kind == "pdf" else mets, xml)
    rt = round_trip(built, xml)
    assert rt.ratio >= 0.97, rt
    assert rt.chars_equal and rt.article_texts_equal and rt.overset == 0, rt
    imported = read_issue(xml)
    assert imported.pages[0].geometry.body_size == 10.5
    assert abs(imported.pages[0].geometry.line_pitch - 14) < 0.01
    # the inference found the typesetter's style, not the sample's
    assert {p.style.composition for a in imported.articles for p in a.blocks} == {"clreq"}
