"""The EPUB as readers and accessibility reviewers see it: a real browser engine, Ace, axe.

Every content document of the sample EPUB (cover, nav, pages) is opened in headless
Chromium (Debian's, driven by Selenium: ``tests/browser.py``) at phone and tablet widths,
and the rendered DOM is measured character by character.  The pages of the 24-page
bench issue are checked the same way at a phone width.  Ace by DAISY and axe-core (from
``.node``, ``make node``) check both books; axe runs with every rule on, including the
ones Ace turns off.  Screenshots go to ``build/screenshots/epub/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from browser import ACE, CHROMIUM, Chromium, node_tool
from lxml import etree
from test_epub import assert_epubcheck_clean, run_epubcheck

from layout.read import read_issue
from layout.render import epub_xhtml
from layout.render.epub import write_epub

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "source" / "000_024ecb8943099354.xml"
OUT = REPO / "build" / "browser"
SHOTS = REPO / "build" / "screenshots" / "epub"
EPOCH = "1621468800"
#: Viewports (CSS px): small and large phones, a tablet upright and on its side.
VIEWPORTS = {320: 568, 390: 844, 768: 1024, 1024: 768}
NS = {"opf": "http://www.idpf.org/2007/opf", "x": "http://www.w3.org/1999/xhtml"}

#: Closing punctuation that may follow a ——/…… on its line; a line of only these is lone.
CLOSERS = set("，。、；：？！”’）》」』〉】〕")
INVISIBLE = re.compile(r"[\s\u2060]")
#: Text blocks whose lines are checked.
BLOCKS = "main p, main h1, main h2, main h3, main h4, main h5, main h6, figcaption, nav li > a"
HEADINGS = "h1, h2, h3, h4, h5, h6"

pytestmark = pytest.mark.slow


# -- the books -------------------------------------------------------------------------


def _extract(epub: Path) -> Path:
    folder = epub.with_suffix("")
    shutil.rmtree(folder, ignore_errors=True)
    with zipfile.ZipFile(epub) as zf:
        zf.extractall(folder)
    return folder


@pytest.fixture(scope="module")
def sample_book() -> Path:
    """The sample EPUB under build/browser/sample.epub, and its unpacked folder."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        epub = write_epub(read_issue(SAMPLE), OUT / "sample.epub")
    return epub


@pytest.fixture(scope="module")
def bench_book() -> Path:
    """The 24-page bench issue (bench/make_issue.py) as an EPUB."""
    xml = OUT / "issue-24.xml"
    subprocess.run(
        [sys.executable, str(REPO / "bench" / "make_issue.py"), "--pages", "24", "-o", str(xml), "--no-check", "--no-halves"],
        check=True, capture_output=True,
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        epub = write_epub(read_issue(xml), OUT / "issue-24.epub")
    return epub


def spine(folder: Path) -> list[Path]:
    """The content documents in reading order, from the OPF spine."""
    opf = etree.parse(str(folder / "EPUB" / "content.opf"))
    hrefs = {i.get("id"): i.get("href") for i in opf.iterfind(".//opf:item", NS)}
    return [folder / "EPUB" / hrefs[r.get("idref")] for r in opf.iterfind(".//opf:itemref", NS)]


@pytest.fixture(scope="module")
def sample_docs(sample_book: Path) -> list[Path]:
    return spine(_extract(sample_book))


@pytest.fixture(scope="module")
def bench_docs(bench_book: Path) -> list[Path]:
    return spine(_extract(bench_book))


# -- what the rendered lines must not hold ---------------------------------------------


def visible(text: str) -> str:
    return INVISIBLE.sub("", text)


def lone_mark_lines(lines: list[dict]) -> list[str]:
    """Lines that hold only ——/…… (and closing punctuation after them)."""
    out = []
    for line in lines:
        text = visible(line["text"])
        if text and set(text) <= set("—…") | CLOSERS and set(text) & set("—…"):
            out.append(text)
    return out


def single_char_lines(lines: list[dict]) -> list[str]:
    return [visible(line["text"]) for line in lines if len(visible(line["text"])) == 1]


def line_problems(browser: Chromium, doc: Path) -> list[str]:
    problems = []
    for lines in browser.lines(BLOCKS):
        for text in lone_mark_lines(lines):
            problems.append(f"{doc.name}: a line of only {text!r} after {''.join(visible(x['text']) for x in lines)[-30:]!r}")
    for lines in browser.lines(HEADINGS):
        whole = " / ".join(visible(x["text"]) for x in lines)
        for text in single_char_lines(lines):
            problems.append(f"{doc.name}: headline line of one character {text!r} in {whole!r}")
    return problems


def test_line_checks_catch_what_they_look_for() -> None:
    lines = [{"text": "社区的硬件基础夯实后，在更高层面上改善民生"}, {"text": "\u2060——"}]
    assert lone_mark_lines(lines) == ["——"]
    assert lone_mark_lines([{"text": "……。"}]) == ["……。"]
    assert lone_mark_lines([{"text": "民生——"}, {"text": "。"}]) == []
    assert single_char_lines([{"text": "牢记使命争先"}, {"text": "锋"}]) == ["锋"]
    assert single_char_lines([{"text": "争先\u2060锋"}]) == []


@pytest.mark.parametrize("width", VIEWPORTS)
def test_no_lone_dash_lines_and_no_one_character_headline_lines(chromium, sample_docs, width) -> None:
    problems = []
    for doc in sample_docs:
        chromium.open(doc, width, VIEWPORTS[width])
        chromium.screenshot(SHOTS / "sample" / f"{doc.stem}-{width}.png")
        problems += line_problems(chromium, doc)
    assert not problems, "\n".join(problems)


def test_bench_issue_at_a_phone_width(chromium, bench_docs) -> None:
    """Every page of the 24-page issue at 390 px: the issue saw a lone —— on each of them."""
    problems = []
    dash_lines = 0
    for doc in bench_docs:
        chromium.open(doc, 390, 844)
        if doc.stem in ("nav", "p001", "p002"):
            chromium.screenshot(SHOTS / "issue-24" / f"{doc.stem}-390.png")
        problems += line_problems(chromium, doc)
        dash_lines += sum("——" in visible(x["text"]) for lines in chromium.lines(BLOCKS) for x in lines)
    assert dash_lines > 24  # every page has ——: the check saw them
    assert not problems, "\n".join(problems)


# -- paginated readers -----------------------------------------------------------------

#: Paginate like an e-reader (Readium, Apple Books): the root laid out in columns of the
#: viewport's size.  Returns what breaks badly: a head that is the last box of its column
#: (its text starts in the next one), a head or figure split across columns.
PAGINATE_JS = r"""
const [W, H] = [arguments[0], arguments[1]];
const st = document.createElementNS('http://www.w3.org/1999/xhtml', 'style');
st.textContent = `:root { height: ${H}px; column-width: ${W}px; column-gap: 0; column-fill: auto; overflow: hidden; }`;
document.head.appendChild(st);
document.body.getBoundingClientRect();
const col = r => Math.floor((r.left + r.right) / 2 / W);
const name = el => el.localName + (el.id ? '#' + el.id : '') + (el.className ? '.' + String(el.className).split(' ').join('.') : '');
const nextBox = el => {
  for (let n = el; n; n = n.parentElement) {
    for (let s = n.nextElementSibling; s; s = s.nextElementSibling) {
      if (s.getClientRects().length) return s;
    }
    if (n.localName === 'article' || n.localName === 'aside' || n.localName === 'section') return null;
  }
  return null;
};
const out = [];
let columns = 0;
for (const el of document.querySelectorAll('header.head, h1, h2, h3, h4, h5, h6, .box-label, .byline, figure')) {
  if (el.closest('nav[hidden]')) continue;
  const frags = Array.from(el.getClientRects()).filter(r => r.height > 0);
  if (!frags.length) continue;
  const cols = new Set(frags.map(col));
  columns = Math.max(columns, ...cols);
  if (cols.size > 1) { out.push(`${name(el)} split across columns ${[...cols]}`); continue; }
  if (el.localName === 'figure') continue;
  if (el.parentElement.closest('header.head')) continue;  // its header is checked whole
  const next = nextBox(el);
  if (!next) continue;
  const first = Array.from(next.getClientRects()).find(r => r.height > 0);
  if (first && col(first) > col(frags[frags.length - 1]))
    out.push(`${name(el)} ends column ${col(frags[frags.length - 1])}; ${name(next)} starts the next`);
}
return [out, columns + 1];
"""


@pytest.mark.parametrize("width", VIEWPORTS)
def test_heads_never_end_a_paginated_column(chromium, sample_docs, width) -> None:
    problems, pages = [], 0
    for doc in sample_docs:
        chromium.open(doc, width, VIEWPORTS[width])
        bad, n = chromium.js(PAGINATE_JS, width, VIEWPORTS[width])
        problems += [f"{doc.name}: {b}" for b in bad]
        pages += n
        if doc.stem == "p001" and width == 390:
            chromium.screenshot(SHOTS / "sample" / "p001-390-paginated.png", full_page=False)
    assert pages > len(sample_docs)  # the pages did paginate
    assert not problems, "\n".join(problems)


def test_bench_heads_never_end_a_paginated_column(chromium, bench_docs) -> None:
    problems = []
    for doc in bench_docs:
        chromium.open(doc, 390, 844)
        bad, _ = chromium.js(PAGINATE_JS, 390, 844)
        problems += [f"{doc.name}: {b}" for b in bad]
    assert not problems, "\n".join(problems)


# -- fonts and spacing -----------------------------------------------------------------


@pytest.mark.parametrize("width", VIEWPORTS)
def test_embedded_fonts_draw_every_glyph(chromium, sample_docs, width) -> None:
    """DevTools says which font drew each element's text: only the book's web fonts."""
    glyphs = 0
    for doc in sample_docs:
        chromium.open(doc, width, VIEWPORTS[width])
        status = chromium.js("return Array.from(document.fonts).map(f => f.family + ' ' + f.weight + ' ' + f.status)")
        assert status and not [s for s in status if s.endswith("error")], status
        for name, fonts in chromium.platform_fonts():
            system = [f["familyName"] for f in fonts if not f["isCustomFont"]]
            assert not system, f"{doc.name} {name}: drawn with system fonts {system}"
            glyphs += sum(f["glyphCount"] for f in fonts)
    assert glyphs > 6000  # the page's text was drawn and counted


GAPS_JS = r"""
const isHan = c => /\p{Script=Han}/u.test(c);
const isWestern = c => /[0-9A-Za-z]/.test(c);
const out = [];
for (const el of document.querySelectorAll(arguments[0])) {
  const chars = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const n = walker.currentNode;
    for (let i = 0; i < n.data.length; i++) chars.push([n, i, n.data[i]]);
  }
  const pairs = [];
  for (let k = 0; k + 1 < chars.length; k++) {
    const [a, b] = [chars[k][2], chars[k + 1][2]];
    if ((isHan(a) && isWestern(b)) || (isWestern(a) && isHan(b))) pairs.push(k);
  }
  if (!pairs.length) continue;
  const range = document.createRange();
  const rect = k => { range.setStart(chars[k][0], chars[k][1]); range.setEnd(chars[k][0], chars[k][1] + 1); return range.getClientRects()[0]; };
  const measure = () => pairs.map(k => {
    const [a, b] = [rect(k), rect(k + 1)];
    return a && b && Math.abs(a.top - b.top) < 2 ? b.left - a.left : null;
  });
  const saved = el.getAttribute('style');
  el.style.textAlign = 'left';  // no justification: only the autospace moves the glyphs
  el.style.textAlignLast = 'left';
  const on = measure();
  el.style.textAutospace = 'no-autospace';
  const off = measure();
  if (saved === null) el.removeAttribute('style'); else el.setAttribute('style', saved);
  const size = parseFloat(getComputedStyle(el).fontSize);
  pairs.forEach((k, j) => {
    if (on[j] !== null && off[j] !== null)
      out.push({pair: chars[k][2] + chars[k + 1][2], gap: (on[j] - off[j]) / size, box: !!el.closest('aside, figcaption')});
  });
}
return out;
"""


@pytest.mark.parametrize("width", VIEWPORTS)
def test_hanzi_digit_gaps(chromium, sample_docs, width) -> None:
    """The print's gap between hanzi and digits (1/8 em in the news and feature regimes,
    none in the box and the captions), as the reading engine sets it."""
    page = next(d for d in sample_docs if d.stem == "p001")
    chromium.open(page, width, VIEWPORTS[width])
    gaps = chromium.js(GAPS_JS, "main p, main h1, main h2, main h3, main h4, figcaption")
    text = [g for g in gaps if not g["box"]]
    box = [g for g in gaps if g["box"]]
    assert len(text) > 50 and box
    small = [g for g in text if g["gap"] < 0.1]
    assert not small, f"{len(small)} of {len(text)} hanzi-digit pairs without the gap: {small[:5]}"
    assert all(abs(g["gap"]) < 0.02 for g in box), [g for g in box if abs(g["gap"]) >= 0.02][:5]


#: Width (em) of each opening quote or bracket that starts a line of a centred head.
OPENERS_JS = r"""
const out = [];
for (const h of document.querySelectorAll('header.head:not(.left) > *')) {
  const size = parseFloat(getComputedStyle(h).fontSize);
  const walker = document.createTreeWalker(h, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let top = null;
  while (walker.nextNode()) {
    const n = walker.currentNode;
    for (let i = 0; i < n.data.length; i++) {
      range.setStart(n, i); range.setEnd(n, i + 1);
      const r = range.getClientRects()[0];
      if (!r || r.width === 0) continue;
      const starts = top === null || r.top > top + r.height / 2;
      if (starts) top = r.top;
      if (starts && '“‘（《「『【〔'.includes(n.data[i])) out.push({head: h.textContent.slice(0, 12), width: r.width / size});
    }
  }
}
return out;
"""


@pytest.mark.parametrize("width", VIEWPORTS)
def test_centred_heads_trim_an_opening_quote_at_a_line_start(chromium, sample_docs, width) -> None:
    """text-spacing-trim: the blank half of a full-width “ at the start of a centred line is
    trimmed, so the line is not ¼ em off centre."""
    page = next(d for d in sample_docs if d.stem == "p001")
    chromium.open(page, width, VIEWPORTS[width])
    openers = chromium.js(OPENERS_JS)
    assert openers  # “魏都区第四届道德模范” and others start lines
    assert all(o["width"] <= 0.55 for o in openers), openers


# -- the cover -------------------------------------------------------------------------


@pytest.mark.parametrize("width", VIEWPORTS)
def test_cover_fits_the_screen_and_names_the_lead(chromium, sample_docs, width) -> None:
    cover = next(d for d in sample_docs if d.stem == "cover")
    height = VIEWPORTS[width]
    chromium.open(cover, width, height)
    chromium.screenshot(SHOTS / "sample" / f"cover-{width}.png", full_page=False)
    img = chromium.js(
        "const i = document.querySelector('img'); const r = i.getBoundingClientRect();"
        "return {ok: i.complete && i.naturalWidth > 0, alt: i.alt, l: r.left, t: r.top, r: r.right, b: r.bottom,"
        " sw: document.documentElement.scrollWidth, sh: document.documentElement.scrollHeight}"
    )
    assert img["ok"]
    assert img["l"] >= -0.5 and img["t"] >= -0.5 and img["r"] <= width + 0.5 and img["b"] <= height + 0.5, img
    assert img["sw"] <= width and img["sh"] <= height + 1, img  # nothing to scroll
    assert "增强紧迫感 找准着力点 提高执行力" in img["alt"]


# -- accessibility: axe-core with every rule, and Ace by DAISY ---------------------------


def axe_violations(browser: Chromium, docs: list[Path], width: int = 390) -> tuple[list[str], int]:
    """axe-core with every rule on each document; the problems and how many rules ran."""
    problems, rules = [], 0
    for doc in docs:
        browser.open(doc, width, VIEWPORTS[width])
        violations, rules = browser.axe(every_rule=True)
        problems += [f"{doc.name}: {v['id']} ({v['impact']}) {v['help']}: {v['nodes']}" for v in violations]
    return problems, rules


def test_axe_with_every_rule_on_the_sample(chromium, sample_docs) -> None:
    problems, rules = axe_violations(chromium, sample_docs)
    assert rules > 90  # every rule, including region, page-has-heading-one, bypass
    assert not problems, "\n".join(problems)


def test_axe_with_every_rule_on_the_bench_issue(chromium, bench_docs) -> None:
    problems, _ = axe_violations(chromium, bench_docs)
    assert not problems, "\n".join(problems)


#: The accessibility metadata EPUB Accessibility 1.1 asks for, as Ace reports it.
REQUIRED_A11Y = (
    "schema:accessMode", "schema:accessModeSufficient", "schema:accessibilityFeature",
    "schema:accessibilityHazard", "schema:accessibilitySummary", "dcterms:conformsTo", "a11y:certifiedBy",
)


def ace_report(epub: Path) -> dict:
    ace = node_tool(ACE)
    out = epub.with_name(epub.stem + "-ace")
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": str(CHROMIUM)}
    proc = subprocess.run(
        [str(ace), "--force", "--silent", "--outdir", str(out), str(epub)],
        env=env, capture_output=True, text=True, timeout=600,
    )
    report = out / "report.json"
    assert report.is_file(), f"Ace wrote no report (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return json.loads(report.read_text(encoding="utf-8"))


def ace_violations(report: dict) -> list[str]:
    return [
        f"{doc['earl:testSubject']['url']}: {a['earl:test']['dct:title']} ({a['earl:test']['earl:impact']}) "
        f"{a['earl:result'].get('dct:description', '')}"
        for doc in report.get("assertions", [])
        for a in doc.get("assertions", [])
    ]


@pytest.mark.parametrize("book", ["sample_book", "bench_book"])
def test_ace_by_daisy(request, book: str) -> None:
    report = ace_report(request.getfixturevalue(book))
    problems = ace_violations(report)
    assert not problems, "\n".join(problems)
    assert report["earl:result"]["earl:outcome"] == "pass"
    metadata = report["a11y-metadata"]
    assert set(REQUIRED_A11Y) <= set(metadata["present"]), metadata
    # a credential and a report URL exist only for a third-party certification: none here
    assert set(metadata.get("missing", ())) <= {"a11y:certifierCredential", "a11y:certifierReport"}, metadata


def test_ace_report_parser() -> None:
    report = {"assertions": [{"earl:testSubject": {"url": "p001.xhtml"}, "assertions": [
        {"earl:test": {"dct:title": "region", "earl:impact": "moderate"}, "earl:result": {"dct:description": "x"}}]}]}
    assert ace_violations(report) == ["p001.xhtml: region (moderate) x"]


def test_epubcheck_on_the_bench_issue(bench_book: Path) -> None:
    """The 24-page issue: epubcheck 4.2.6 and 5.x, 0 fatals/errors/warnings, usages explained."""
    for (version, _), out in run_epubcheck([bench_book]).items():
        assert_epubcheck_clean(out)
        assert version in ("4", "5")


def test_the_lead_is_first_in_page_and_toc(sample_docs) -> None:
    """What the reader meets first: the lead, as h2, before the briefs (h3)."""
    page = etree.parse(str(next(d for d in sample_docs if d.stem == "p001")))
    arts = page.xpath("//x:main//x:article", namespaces=NS)
    assert arts[0].get("id") == "a8" and "lead" in arts[0].get("class")
    assert [a.get("id") for a in arts][1:4] == ["a1", "a2", "a3"]
    nav = etree.parse(str(next(d for d in sample_docs if d.stem == "nav")))
    first = nav.xpath("//x:nav[@id='toc']/x:ol/x:li/x:ol/x:li[1]/x:a", namespaces=NS)[0]
    assert first.get("href").endswith("#a8")
    assert epub_xhtml.WORD_JOINER not in first.text
