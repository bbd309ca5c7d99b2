"""ALTO, METS and PDF/A of the sample issue: schema-valid, equal to the PDF's text layer,
stable IDs, METS references that resolve, PDF/A-2u that validates and reproduces."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from layout.pipeline import build
from layout.render.alto import ALTO_NS, page_bytes, write_alto_pages
from layout.render.mets import METS_NS, MODS_NS, XLINK_NS, render_mets, write_mets
from layout.render.pdf import PdfOptions, write_pdf

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "source" / "000_024ecb8943099354.xml"
SCHEMAS = REPO / "tests" / "schemas"  # ALTO 4.4 (offline) and XLink, see its README
NS = {"a": ALTO_NS}
M = {"mets": METS_NS, "mods": MODS_NS, "xlink": XLINK_NS}
K = 1200 / 72  # inch1200 per point

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


@pytest.fixture(scope="module")
def built():
    return build(SAMPLE)


@pytest.fixture(scope="module")
def out(built, tmp_path_factory):
    """PDF, ALTO and METS of the sample, written once for the module."""
    folder = tmp_path_factory.mktemp("alto")
    pdf = write_pdf(built.issue, built.layout, built.fonts, folder / "sample.pdf", PdfOptions())
    pages = write_alto_pages(built.issue, built.layout, folder / "alto")
    mets = write_mets(built.issue, built.layout, pages, folder / "sample.mets.xml", pdf=pdf)
    return {"folder": folder, "pdf": pdf, "pages": pages, "mets": mets}


@pytest.fixture(scope="module")
def alto(out):
    return etree.parse(str(out["pages"][0].path))


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "alto-4-4-offline.xsd")))


# -- ALTO ---------------------------------------------------------------------------------


def test_alto_valid_against_xsd(schema, alto, out):
    assert len(out["pages"]) == 1
    assert schema.validate(alto), schema.error_log


def test_alto_header_and_page(alto, built):
    page = alto.find(".//a:Page", NS)
    assert alto.findtext(".//a:MeasurementUnit", namespaces=NS) == "inch1200"
    assert page.get("ID") == "P1" and page.get("PHYSICAL_IMG_NR") == "1"
    assert page.get("LANG") == "zh-Hans"
    assert "PRINTED_IMG_NR" not in page.attrib  # the sample's page label is unknown
    assert int(page.get("WIDTH")) == round(built.layout.pages[0].width * K)
    assert alto.findtext(".//a:processingDateTime", namespaces=NS) == "2000-01-01T00:00:00Z"
    assert alto.findtext(".//a:softwareName", namespaces=NS) == "layout"


def test_printed_label_and_date_follow_the_source(built, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1621468800")
    page = dataclasses.replace(built.layout.pages[0], label="A01")
    root = etree.fromstring(page_bytes(built.issue, page)[0])
    assert root.find(".//a:Page", NS).get("PRINTED_IMG_NR") == "A01"
    assert root.findtext(".//a:processingDateTime", namespaces=NS) == "2021-05-20T00:00:00Z"


def test_one_string_per_glyph(alto, built):
    glyphs = [g for line in built.layout.pages[0].lines() for g in line.line.glyphs]
    strings = alto.findall(".//a:String", NS)
    assert [s.get("CONTENT") for s in strings] == [g.text for g in glyphs]
    for s in strings:
        assert all(s.get(k) is not None for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))
        text = s.get("CONTENT")
        if any("\u4e00" <= ch <= "\u9fff" for ch in text):
            assert len(text) == 1, text  # hanzi are never grouped


def test_space_only_where_the_line_has_one(alto, built):
    """No SP between hanzi: an SP stands only for a space typed in the source."""
    import re

    lines = [p for p in built.layout.pages[0].lines() if p.line.glyphs]
    alto_lines = alto.findall(".//a:TextLine", NS)
    assert len(alto_lines) == len(lines)
    for placed, tl in zip(lines, alto_lines, strict=True):
        typed = len(re.findall(r"\S\s+(?=\S)", placed.line.text))
        assert len(tl.findall("a:SP", NS)) == typed, placed.line.text
    assert any(tl.find("a:SP", NS) is not None for tl in alto_lines)


def test_glyph_boxes_in_inch1200(alto, built):
    placed = next(built.layout.pages[0].lines())
    g = placed.line.glyphs[0]
    s = alto.find(".//a:String", NS)
    assert int(s.get("HPOS")) == round((placed.x + g.x) * K)
    assert int(s.get("VPOS")) == round((placed.baseline - g.face.ascent * g.size) * K)
    assert int(s.get("WIDTH")) == round(g.width * K) and int(s.get("HEIGHT")) == round(g.size * K)


def test_composed_blocks_and_tags(alto, built):
    groups = built.layout.pages[0].groups
    blocks = alto.findall(".//a:PrintSpace/a:ComposedBlock", NS)
    assert [b.get("TYPE") for b in blocks] == [g.kind for g in groups]
    assert sum(b.get("TYPE") == "article" for b in blocks) == len(built.issue.articles)
    tags = {t.get("ID"): t.get("LABEL") for t in alto.iterfind(".//a:StructureTag", NS)}
    kinds = [b.kind for g in groups for b in g.blocks]
    tagged = [tags.get(tb.get("TAGREFS")) for tb in alto.iterfind(".//a:TextBlock", NS)]
    for kind, tag in zip(kinds, tagged, strict=True):
        assert tag == (kind if kind in ("kicker", "headline", "subhead", "byline", "caption",
                                        "title", "label") else None)
    assert {"kicker", "headline", "subhead", "byline", "caption"} <= set(tags.values())
    assert len(alto.findall(".//a:Illustration", NS)) == sum(len(g.figures) for g in groups)
    assert len(alto.findall(".//a:GraphicalElement", NS)) == len(built.layout.pages[0].rules)


def test_ids_follow_reading_order_and_are_stable(alto, built):
    """Same source → same IDs and bytes, so METS references survive regeneration."""
    for kind, tag in (("CB", "ComposedBlock"), ("TB", "TextBlock"), ("TL", "TextLine"), ("ST", "String")):
        ids = [el.get("ID") for el in alto.iterfind(f".//a:{tag}", NS)]
        assert ids == [f"P1_{kind}{n:05d}" for n in range(1, len(ids) + 1)]
    again = build(SAMPLE)
    assert page_bytes(again.issue, again.layout.pages[0])[0] == etree.tostring(
        alto, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# -- ALTO against the PDF text layer ------------------------------------------------------


def pdf_words(pdf: Path) -> list[tuple[float, float, float, float, str]]:
    """Every word pdftotext finds, with its box (pt, origin top-left)."""
    html = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True,
                          check=True).stdout
    doc = etree.fromstring(html, etree.HTMLParser(encoding="utf-8"))
    return [(*(float(w.get(k)) for k in ("xmin", "ymin", "xmax", "ymax")), w.text or "")
            for w in doc.iter("word")]


def alto_lines(alto) -> list[tuple[str, float, float, float, str]]:
    """(ID, left, right, baseline in pt, text) of every ALTO TextLine, in reading order."""
    out = []
    for tl in alto.iterfind(".//a:TextLine", NS):
        x, w = float(tl.get("HPOS")) / K, float(tl.get("WIDTH")) / K
        baseline = float(tl.get("BASELINE").split()[0].split(",")[1]) / K
        text = "".join(s.get("CONTENT") for s in tl.iterfind("a:String", NS))
        out.append((tl.get("ID"), x, x + w, baseline, text))
    return out


def pdf_lines(words, lines) -> tuple[dict[str, str], list[str]]:
    """The PDF's text on each ALTO line, and the words that sit on none.

    A PDF word belongs to the line whose baseline is nearest its own (yMax − 0.12 ×
    height: the em box) among the lines whose extent holds the word's centre; the
    words of one line are read left to right."""
    found: dict[str, list[tuple[float, str]]] = {}
    orphans = []
    for x0, y0, x1, y1, text in words:
        cx, base = (x0 + x1) / 2, y1 - 0.12 * (y1 - y0)
        near = [(abs(bl - base), lid) for lid, left, right, bl, _ in lines
                if left - 1 <= cx <= right + 1 and abs(bl - base) <= 1.0]
        if not near:
            orphans.append(text)
            continue
        found.setdefault(min(near)[1], []).append((x0, text))
    return {lid: "".join(t for _, t in sorted(ws)) for lid, ws in found.items()}, orphans


def squash(text: str) -> str:
    return "".join(text.split())


@needs_poppler
def test_alto_text_equals_pdf_text_layer(alto, out):
    """Line for line (spaces ignored): every PDF word sits on an ALTO line, and each
    ALTO line reads the same as the PDF text found on it."""
    lines = alto_lines(alto)
    found, orphans = pdf_lines(pdf_words(out["pdf"]), lines)
    assert orphans == []
    for lid, _, _, _, text in lines:
        assert squash(found.get(lid, "")) == squash(text), lid
    ours = Counter(squash(t) for *_, t in lines)
    theirs = Counter(squash(t) for t in found.values())
    assert ours == theirs and sum(ours.values()) > 300


# -- METS ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mets(out):
    return etree.parse(str(out["mets"]))


def test_mets_structure(mets):
    root = mets.getroot()
    assert root.tag == f"{{{METS_NS}}}mets"
    order = [etree.QName(el).localname for el in root]
    assert order[0] == "metsHdr" and order[-1] == "structLink"
    assert order.index("fileSec") < order.index("structMap")
    assert [s.get("TYPE") for s in root.findall("mets:structMap", M)] == ["PHYSICAL", "LOGICAL"]
    ids = [el.get("ID") for el in root.iter() if el.get("ID")]
    assert len(ids) == len(set(ids))
    for attr in ("DMDID", "FILEID"):
        for el in root.iter():
            if el.get(attr):
                assert el.get(attr) in ids, (attr, el.get(attr))
    for link in root.iterfind(".//mets:smLink", M):
        assert link.get(f"{{{XLINK_NS}}}from") in ids and link.get(f"{{{XLINK_NS}}}to") in ids


def test_mets_files_exist_with_checksums(mets, out):
    import hashlib

    for f in mets.iterfind(".//mets:file", M):
        path = out["folder"] / f.find("mets:FLocat", M).get(f"{{{XLINK_NS}}}href")
        assert path.is_file()
        assert f.get("CHECKSUM") == hashlib.sha256(path.read_bytes()).hexdigest()
        assert int(f.get("SIZE")) == path.stat().st_size


def test_mets_areas_point_into_alto(mets, out, built):
    files = {f.get("ID"): out["folder"] / f.find("mets:FLocat", M).get(f"{{{XLINK_NS}}}href")
             for f in mets.iterfind(".//mets:file", M)}
    alto_ids: dict[str, dict[str, str]] = {}
    areas = mets.findall(".//mets:structMap[@TYPE='LOGICAL']//mets:area", M)
    assert areas
    for area in areas:
        assert area.get("BETYPE") == "IDREF"
        fid = area.get("FILEID")
        if fid not in alto_ids:
            tree = etree.parse(str(files[fid]))
            alto_ids[fid] = {el.get("ID"): etree.QName(el).localname for el in tree.iter() if el.get("ID")}
        assert area.get("BEGIN") in alto_ids[fid]
    articles = mets.findall(".//mets:div[@TYPE='article']", M)
    assert len(articles) == len(built.issue.articles)
    for div in articles:
        begin = div.find("mets:fptr/mets:area", M).get("BEGIN")
        assert alto_ids["ALTO_0001"][begin] == "ComposedBlock"
        assert div.find("mets:div[@TYPE='headline']", M) is not None


def test_mods_says_only_what_is_known(mets, built):
    mods = mets.find(".//mets:dmdSec[@ID='DMD_ISSUE']//mods:mods", M)
    assert built.issue.meta.paper is None and built.issue.meta.date is None
    assert mods.find(".//mods:dateIssued", M) is None
    assert mods.find(".//mods:edition", M) is None
    assert mods.find("mods:titleInfo", M).get("supplied") == "yes"
    unknown = mods.findtext("mods:note[@type='unknown']", namespaces=M)
    assert "paper title" in unknown and "date of issue" in unknown


def test_mods_with_known_metadata(built, out):
    meta = dataclasses.replace(built.issue.meta, paper="许昌日报", date="2021-05-20", issue_number="12345")
    issue = dataclasses.replace(built.issue, meta=meta)
    root = etree.fromstring(render_mets(issue, built.layout, out["pages"], out["folder"], pdf=out["pdf"]))
    mods = root.find(".//mets:dmdSec[@ID='DMD_ISSUE']//mods:mods", M)
    assert mods.findtext("mods:titleInfo/mods:title", namespaces=M) == "许昌日报"
    assert mods.findtext(".//mods:dateIssued", namespaces=M) == "2021-05-20"
    assert mods.findtext(".//mods:detail[@type='issue']/mods:number", namespaces=M) == "12345"
    assert mods.findtext("mods:note[@type='unknown']", namespaces=M).endswith("edition.")


# -- PDF/A ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdfa_files(out, built):
    from layout.render.pdfa import make_pdfa

    paths = []
    for name in ("a.pdf", "b.pdf"):
        path = out["folder"] / name
        shutil.copyfile(out["pdf"], path)
        make_pdfa(path, built.issue)
        paths.append(path)
    return paths


def test_pdfa_validates(pdfa_files):
    import pikepdf

    from layout.render.pdfa import validate

    report = validate(pdfa_files[0])
    assert report.passed, report.summary()
    with pikepdf.open(pdfa_files[0]) as pdf:
        assert all("/Trans" not in page.obj for page in pdf.pages)
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "U"
        assert meta["xmp:MetadataDate"].startswith("2000-01-01T00:00:00")
        assert meta["pdf:Producer"].startswith("layout ")
        assert meta["dc:language"] == {"zh-Hans"}
        assert "dc:date" not in meta  # the issue date is unknown: not invented
        assert len(pdf.Root.OutputIntents) == 1


def test_pdfa_is_byte_reproducible(pdfa_files):
    assert pdfa_files[0].read_bytes() == pdfa_files[1].read_bytes()


@needs_poppler
def test_pdfa_keeps_the_text_layer(pdfa_files, out):
    def text(p: Path) -> str:
        return subprocess.run(["pdftotext", "-raw", str(p), "-"], capture_output=True, check=True).stdout.decode()

    assert text(pdfa_files[0]) == text(out["pdf"])


def test_two_pages_two_alto_files(built, tmp_path):
    """Each page gets its own file, IDs and METS division (the page repeated as page 2)."""
    from layout.compose.boxes import IssueLayout

    first = built.layout.pages[0]
    layout = IssueLayout((first, dataclasses.replace(first, number=2, label="2")))
    pages = write_alto_pages(built.issue, layout, tmp_path / "alto")
    assert [p.path.name for p in pages] == [f"{SAMPLE.stem}_0001.alto.xml", f"{SAMPLE.stem}_0002.alto.xml"]
    second = etree.parse(str(pages[1].path))
    assert second.find(".//a:Page", NS).get("ID") == "P2"
    assert second.find(".//a:Page", NS).get("PRINTED_IMG_NR") == "2"
    assert second.find(".//a:String", NS).get("ID") == "P2_ST00001"
    root = etree.fromstring(render_mets(built.issue, layout, pages, tmp_path))
    assert root.find(".//mets:div[@ID='PHYS_0002']", M).get("ORDERLABEL") == "2"
    on_two = root.findall(".//mets:structMap[@TYPE='LOGICAL']//mets:area[@FILEID='ALTO_0002']", M)
    assert on_two and all(a.get("BEGIN").startswith("P2_") for a in on_two)


def test_write_alto_adds_mets(built, tmp_path):
    """``python -m layout alto`` writes the pages and a METS that ties them to the articles."""
    from layout.render.alto import write_alto

    paths = write_alto(built.issue, built.layout, tmp_path)
    assert [p.name for p in paths] == [f"{SAMPLE.stem}_0001.alto.xml", f"{SAMPLE.stem}.mets.xml"]
    root = etree.parse(str(paths[1])).getroot()
    hrefs = [el.get(f"{{{XLINK_NS}}}href") for el in root.iterfind(".//mets:FLocat", M)]
    assert hrefs == [f"{SAMPLE.stem}_0001.alto.xml"]
