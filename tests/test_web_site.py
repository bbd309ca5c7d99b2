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


def test_article_markup_is_the_epubs(site: Path) -> None:
    """The article element is the EPUB writer's, headings raised one level (h1 headline)."""
    issue = read_issue(SAMPLE)
    art = next(a for a in issue.articles if a.id == "a4")
    holder = etree.Element(f"{{{epub_xhtml.XHTML_NS}}}div")
    epub_xhtml.add_article(holder, art, lambda fig: None)
    epub_text = "".join(holder.itertext())
    page = _doc(site / STEM / "a4.html")
    (article,) = page.xpath("//article[@id='a4']")
    assert "".join(article.itertext()) == epub_text
    assert [h.tag for h in page.iter("h1")] == ["h1"]
    assert "".join(page.find(".//h1").itertext()).replace(" ", "") == art.head.title.replace(" ", "")
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


def test_cli_rebuilds_its_own_site_in_place(tmp_path: Path) -> None:
    out = tmp_path / "web"
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-m", "layout", "web", str(SAMPLE), "-o", str(out)],
                              capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr
        assert "-> " in proc.stdout and "MB)" in proc.stdout
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
