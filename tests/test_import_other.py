"""Import of pages set by another hand: our composer with other geometry and styles, and a
page typeset by another engine (Typst, from text written here)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from importing import make_outputs, quiet_build, round_trip
from lxml import etree

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


ARTICLES = [
    ("城东新区建成第一座社区图书馆", [
        "今年春天，城东新区第一座社区图书馆正式对读者开放。图书馆设在新区文化中心二楼，面积约六百平方米，"
        "藏书两万余册，设有少儿阅览区、报刊区和自习区。",
        "开馆当天，不少居民一早就在门口排队。家住附近的王阿姨带着孙子来办借书证，她说，以前借书要坐半个"
        "小时公交车，现在走路十分钟就到了。",
        "图书馆负责人介绍，馆内实行免费开放，每周一闭馆整理，其余时间从早上九点开放到晚上八点。下一步，"
        "图书馆还将开设读书会、亲子阅读课和公益讲座，让更多居民走进图书馆。"]),
    ("河道整治让老街换了新颜", [
        "老街旁的小河曾经杂草丛生，一到夏天气味难闻。去年秋天，街道办事处组织施工队清理河道淤泥，修补两"
        "岸石堤，又在岸边种下了垂柳和月季。",
        "如今，小河水清岸绿，傍晚时分，散步的居民络绎不绝。在老街住了四十年的李大爷说，河道干净了，心情"
        "也跟着敞亮了。"]),
    ("农贸市场完成改造升级", [
        "经过三个月的改造，南门农贸市场重新开业。市场内统一设置了摊位标识和价格公示牌，地面铺设了防滑地"
        "砖，通道也比以前宽敞了许多。",
        "市场管理方表示，改造后将加强食品安全检查，每天对蔬菜和肉类进行抽检，检测结果在入口处的电子屏上"
        "公示，方便市民放心购买。"]),
]


def typst_page() -> str:
    """A tabloid page in Typst's own typesetting: a lead story in three columns, a rule, two
    stories side by side with a vertical rule between them."""
    def story(title, paras):
        return f"#head[{title}]\n" + "\n\n".join(paras) + "\n"

    (t1, p1), (t2, p2), (t3, p3) = ARTICLES
    return f"""
#set page(width: 297mm, height: 420mm, margin: 15mm)
#set text(font: "Noto Serif CJK SC", size: 10pt, lang: "zh", region: "cn")
#set par(justify: true, first-line-indent: (amount: 2em, all: true), leading: 0.6em, spacing: 0.6em)
#let head(t) = block(width: 100%, above: 8pt, below: 10pt,
  align(center, text(font: "Noto Sans CJK SC", weight: "bold", size: 22pt, t)))
{story(t1, [])}
#columns(3, gutter: 14pt)[
{chr(10).join(p + chr(10) for p in p1)}
]
#line(length: 100%, stroke: 0.5pt)
#grid(columns: (1fr, 1pt, 1fr), column-gutter: 10pt,
[
{story(t2, p2)}
],
line(angle: 90deg, length: 150pt, stroke: 0.5pt),
[
{story(t3, p3)}
])
"""


def test_typst_page(tmp_path):
    typst = pytest.importorskip("typst")
    src = tmp_path / "page.typ"
    src.write_text(typst_page(), encoding="utf-8")
    pdf = tmp_path / "page.pdf"
    pdf.write_bytes(typst.compile(str(src), font_paths=["/usr/share/fonts/opentype/noto"]))
    xml = tmp_path / "page.xml"
    result = run_import(pdf, xml)
    issue = read_issue(xml)  # valid
    written = Counter(ch for title, paras in ARTICLES for ch in title + "".join(paras))
    assert Counter(ch for ch in issue.all_text() if not ch.isspace()) == written
    assert result["characters"]["missing"] == ""
    assert [a.title for a in issue.articles] == [t for t, _ in ARTICLES]
    assert [[p.text for p in a.blocks] for a in issue.articles] == [paras for _, paras in ARTICLES]
    assert result["overset_lines"] == 0
    rebuilt = quiet_build(xml)  # builds without --allow-overset
    assert sum(g.overset for p in rebuilt.layout.pages for g in p.groups) == 0
