"""Import round trips of our own outputs: the sample page and the 24-page bench issue, from
the PDF and from ALTO + METS: build → import → rebuild → compare with the original build."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from importing import make_outputs, round_trip
from lxml import etree

from layout.importer import run_import
from layout.read import read_issue

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "source" / "000_024ecb8943099354.xml"
NS = "{urn:x-newsxml:1}"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    built, pdf, mets = make_outputs(SAMPLE, out)
    return built, pdf, mets, out


@pytest.mark.parametrize("kind", ["pdf", "alto"])
def test_sample_round_trip(sample, kind):
    built, pdf, mets, out = sample
    xml = out / f"imported-{kind}.xml"
    result = run_import(pdf if kind == "pdf" else mets, xml, report=out / f"{kind}.json")
    rt = round_trip(built, xml)
    assert rt.ratio >= 0.99, rt
    assert rt.chars_equal and rt.article_texts_equal, rt
    assert rt.frame_error <= 1.0, rt
    assert rt.overset == 0
    assert result["characters"]["missing"] == "" and result["characters"]["extra"] == ""
    assert result["lines"]["ratio"] >= 0.99
    report = json.loads((out / f"{kind}.json").read_text(encoding="utf-8"))
    assert report["characters"]["read"] == report["characters"]["in_xml"] == 6010


@pytest.mark.parametrize("kind", ["pdf", "alto"])
def test_sample_structure_and_styles(sample, kind):
    """Same articles, heads, bylines, datelines, tags, box, figures; each article's style is
    the source's own (or recorded as a tie with it); with METS, as many articles as it has."""
    built, pdf, mets, out = sample
    xml = out / f"structure-{kind}.xml"
    result = run_import(pdf if kind == "pdf" else mets, xml)
    if kind == "alto":
        assert result["articles"] == {"found": 8, "in_mets": 8}
    got = read_issue(xml)
    src = built.issue
    assert len(got.articles) == len(src.articles) == 8
    by_title = {a.title: a for a in got.articles}
    tree = etree.parse(str(xml))
    comments = {a.get("id"): a[0].text for a in tree.iter(f"{NS}article") if isinstance(a[0], etree._Comment)}
    for a in src.articles:
        twin = by_title[a.title]
        assert [p.text for p in twin.blocks] == [p.text for p in a.blocks]
        assert (twin.head.title if twin.head else None) == (a.head.title if a.head else None)
        assert [p.kind for p in twin.head.parts] == [p.kind for p in a.head.parts]
        assert (twin.byline.text if twin.byline else None) == (a.byline.text if a.byline else None)
        assert (twin.tag.text if twin.tag else None) == (a.tag.text if a.tag else None)
        assert [r.kind for r in twin.blocks[0].runs][:1] == [r.kind for r in a.blocks[0].runs][:1]
        style = a.blocks[0].style.composition
        comment = comments[twin.id]
        assert f"composition {style}:" in comment or style in comment.split("ties:")[-1], (a.id, comment)
    box = got.pages[0].items[[type(i).__name__ for i in got.pages[0].items].index("Box")]
    assert box.label == "相关链接〉〉〉〉〉" and len(box.items) == 12 and box.tag.text == "（记者 许廷合）"
    figures = [i for i in got.pages[0].items if type(i).__name__ == "Figure"]
    figures += [f for a in got.articles for f in a.figures]
    assert sorted(f.credit.text if f.credit else "" for f in figures) == ["", "许廷合 摄"]
    assert got.pages[0].header.section == "一周要闻"


def test_cli_import(sample, tmp_path):
    _, pdf, _, _ = sample
    out = tmp_path / "page.xml"
    proc = subprocess.run([sys.executable, "-m", "layout", "import", str(pdf), "-o", str(out),
                           "--report", str(tmp_path / "r.json")], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "characters 6010/6010" in proc.stdout and "(100.0 %)" in proc.stdout
    assert "warning" not in proc.stderr
    valid = subprocess.run([sys.executable, "-m", "layout", "validate", str(out)], capture_output=True,
                           text=True, cwd=ROOT)
    assert valid.returncode == 0, valid.stderr


def test_bench_issue_round_trip(tmp_path):
    """The 24-page bench issue: PDF and ALTO+METS → import → rebuild."""
    sys.path.insert(0, str(ROOT / "bench"))
    import make_issue

    source = make_issue.write(make_issue.make_issue(24), tmp_path / "issue-24.xml")
    built, pdf, mets = make_outputs(source, tmp_path)
    for src in (pdf, mets):
        xml = tmp_path / (src.name + ".imported.xml")
        result = run_import(src, xml)
        rt = round_trip(built, xml)
        assert result["pages"] == 24
        assert rt.ratio >= 0.99 and rt.chars_equal and rt.article_texts_equal, (src.name, rt)
        assert rt.frame_error <= 1.0 and rt.overset == 0, (src.name, rt)


def test_embedded_image_copied_beside_the_xml(tmp_path):
    """A figure with a JPEG: the image is copied out beside the issue, the figure names it,
    and the rebuilt issue (which checks that the image decodes) reproduces the page."""
    from importing import quiet_build
    from PIL import Image

    from layout.render.pdf import write_pdf

    Image.new("RGB", (800, 500), (40, 90, 160)).save(tmp_path / "photo.jpg", quality=90)
    text = SAMPLE.read_text(encoding="utf-8").replace('<figure id="photo2" ',
                                                      '<figure id="photo2" src="photo.jpg" ')
    source = tmp_path / "withimg.xml"
    source.write_text(text, encoding="utf-8")
    built = quiet_build(source)
    pdf = write_pdf(built.issue, built.layout, built.fonts, tmp_path / "withimg.pdf")
    out = tmp_path / "out" / "page.xml"
    result = run_import(pdf, out)
    assert result["images"] == ["page-images/fig1.jpg"]
    with Image.open(out.parent / "page-images" / "fig1.jpg") as im:
        assert im.size == (800, 500)
    rt = round_trip(built, out)
    assert rt.ratio >= 0.99 and rt.chars_equal and rt.frame_error <= 1.0, rt
    # a second import writes the same bytes again; a foreign file in the way is refused
    run_import(pdf, out)
    (out.parent / "page-images" / "fig1.jpg").write_bytes(b"not ours")
    with pytest.raises(Exception, match="does not overwrite"):
        run_import(pdf, out)
