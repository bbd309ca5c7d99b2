"""The web edition's files, without a browser: reproducible bytes, the output folder's
safety, the calendar, and the markup and fonts it shares with the EPUB."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from layout.read import read_issue
from layout.render import epub_xhtml
from layout.render.web import write_site
from layout.render.web.site import MARKER

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "source" / "000_024ecb8943099354.xml"
STEM = "000_024ecb8943099354"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("web-site") / "site"
    write_site([SAMPLE], out)
    return out


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_builds_are_byte_identical(site: Path, tmp_path: Path) -> None:
    again = write_site([SAMPLE], tmp_path / "again").out
    first, second = _tree(site), _tree(again)
    assert first == second
    assert f"{STEM}/page-001.html" in first and f"{STEM}/img/page-001-1600.png" in first
    assert any(name.startswith("pagefind/index/") for name in first)


def test_the_site_holds_every_page_article_and_index(site: Path) -> None:
    issue = read_issue(SAMPLE)
    for page in issue.pages:
        assert (site / STEM / f"page-{page.number:03d}.html").is_file()
        for width in (1600, 800, 240):
            assert (site / STEM / "img" / f"page-{page.number:03d}-{width}.png").is_file()
    for art in issue.articles:
        assert (site / STEM / f"{art.id}.html").is_file()
    for name in ("index.html", "search.html", "assets/site.css", "assets/search.js", "pagefind/pagefind.js"):
        assert (site / name).is_file(), name


def _doc(path: Path) -> etree._Element:
    return lxml_html.fromstring(path.read_bytes())


def _shape(el: etree._Element) -> tuple:
    """An element as (tag, attributes, text, tail, children), namespaces dropped: an
    XHTML tree and the same markup parsed as HTML compare equal."""
    attrs = tuple(sorted((etree.QName(k).localname, v) for k, v in el.attrib.items()))
    return (etree.QName(el).localname, attrs, el.text or "", el.tail or "", tuple(_shape(c) for c in el))


def test_article_markup_is_the_epubs(site: Path) -> None:
    """The article element is the EPUB writer's, element for element, headings raised one
    level (the headline is the page's one h1); the headline's word joiners kept."""
    from layout.render.web.document import promote_headings

    issue = read_issue(SAMPLE)
    for art in issue.articles:
        epub = epub_xhtml.article_element(art, lambda fig: None)
        epub.tail = None
        promote_headings(epub)
        page = _doc(site / STEM / f"{art.id}.html")
        (article,) = page.xpath(f"//article[@id='{art.id}']")
        article.tail = None
        assert _shape(article) == _shape(epub), art.id
        assert [h.tag for h in page.iter("h1")] == ["h1"], art.id
        h1 = "".join(page.find(".//h1").itertext())
        assert epub_xhtml.WORD_JOINER in h1  # no one-character last line (keep_last_pair)
        assert h1.replace(" ", "").replace(epub_xhtml.WORD_JOINER, "") == art.head.title.replace(" ", "")
    assert page.get("lang") == "zh-Hans"
    assert page.xpath("//main[@id='main']") and page.xpath("//header") and page.xpath("//footer")


def test_fonts_are_the_epubs_subsets_shared_by_the_issue(site: Path) -> None:
    css = (site / STEM / "style" / "book.css").read_text(encoding="utf-8")
    fonts = sorted((site / STEM / "fonts").glob("*.woff2"))
    assert fonts
    for f in fonts:
        assert f'url("../fonts/{f.name}")' in css
        assert f.read_bytes()[:4] == b"wOF2"
    for name in ("page-001.html", "a1.html", "index.html"):
        links = _doc(site / STEM / name).xpath("//link[@rel='stylesheet']/@href")
        assert "style/book.css" in links, name


def test_calendar_places_known_dates_and_lists_unknown_apart(tmp_path: Path) -> None:
    dated = tmp_path / "dated.xml"
    dated.write_text(SAMPLE.read_text(encoding="utf-8").replace('<date unknown="true"/>', "<date>2021-05-20</date>"),
                     encoding="utf-8")
    out = write_site([SAMPLE, dated], tmp_path / "site").out
    front = _doc(out / "index.html")
    (table,) = front.xpath("//table[@class='calendar']")
    assert table.findtext("caption") == "2021年5月"
    linked = table.xpath(".//td[@class='has-issue']/a")
    assert [(a.text, a.get("href")) for a in linked] == [("20", "dated/index.html")]
    # 20 May 2021 was a Thursday: the fourth column
    row = linked[0].getparent().getparent()
    assert list(row).index(linked[0].getparent()) == 3
    (undated,) = front.xpath("//section[@class='undated']")
    assert undated.xpath(f".//a[@href='{STEM}/index.html']")
    assert not table.xpath(f".//a[@href='{STEM}/index.html']")


def test_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    proc = subprocess.run([sys.executable, "-m", "layout", "web", str(SAMPLE), "-o", str(foreign)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert "did not make" in proc.stderr
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".mine.")]
    # a file where the folder would go: the output path is wrong (exit 2), the file kept
    proc = subprocess.run([sys.executable, "-m", "layout", "web", str(SAMPLE), "-o", str(foreign / "notes.txt")],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "not a folder" in proc.stderr
    assert (foreign / "notes.txt").read_text() == "keep me"


def test_cli_rebuilds_its_own_site_in_place(tmp_path: Path) -> None:
    out = tmp_path / "web"
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-m", "layout", "web", str(SAMPLE), "-o", str(out)],
                              capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr
        assert "-> " in proc.stdout and "MB)" in proc.stdout
        # the build's warnings (its context's diagnostics) reach the user, once each
        assert proc.stderr.count("warning: figure 'photo2' has no image yet") == 1, proc.stderr
    assert (out / MARKER).is_file() and (out / STEM / "page-001.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["web"]


def test_a_broken_source_leaves_the_previous_site(tmp_path: Path) -> None:
    out = write_site([SAMPLE], tmp_path / "web").out
    before = _tree(out)
    bad = tmp_path / "bad.xml"
    bad.write_text("<issue>", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "layout", "web", str(SAMPLE), str(bad), "-o", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert "bad.xml" in proc.stderr
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.xml", "web"]


def test_article_lists_follow_the_epubs_reading_order(site: Path) -> None:
    """The page's and the issue's article lists open with the page's lead (头条) and keep the
    EPUB's order (its table of contents): one reading order for both editions."""
    issue = read_issue(SAMPLE)
    lead = epub_xhtml.issue_lead(issue)
    assert lead is not None and lead.id == "a8" and issue.pages[0].items[0] is not lead  # moved first
    toc = [e.href.split("#")[1] for e in epub_xhtml.toc_entries(issue)[0].children]
    lists = {
        "page view": _doc(site / STEM / "page-001.html").xpath("//nav[@class='page-articles']//a/@href"),
        "issue index": _doc(site / STEM / "index.html").xpath("//li[@class='page-card']/ul//a/@href"),
    }
    for name, hrefs in lists.items():
        ids = [h.removesuffix(".html") for h in hrefs]
        assert ids[0] == "a8", name
        assert [i for i in ids if i in toc] == toc, name
    related = _doc(site / STEM / "a1.html").xpath("//nav[@class='related']//a/@href")
    assert related[0] == "a8.html"
