"""The web edition in a real browser (Debian's chromium, headless, the session's
``chromium`` of ``tests/browser.py``): hotspots, links, search, accessibility (axe-core),
keyboard, and screenshots under build/web-shots.

One site holds the sample page, the 24-page issue of bench/make_issue.py and a copy of
the sample with a known date (for the calendar); it is served from 127.0.0.1.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from browser import ROOT, Chromium, serve
from lxml import html as lxml_html

from layout.read.model import Article, Box, Figure, Issue

pytestmark = pytest.mark.slow

SAMPLE = ROOT / "source" / "000_024ecb8943099354.xml"
SHOTS = ROOT / "build" / "web-shots"
WIDTHS = (390, 1280)
HOTSPOT_KINDS = ("article", "box", "figure")


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("web-sources")
    issue24 = folder / "issue-24.xml"
    subprocess.run([sys.executable, str(ROOT / "bench" / "make_issue.py"), "-o", str(issue24), "--no-halves"],
                   check=True, capture_output=True)
    dated = folder / "dated-2021-05-20.xml"
    text = SAMPLE.read_text(encoding="utf-8")
    assert '<date unknown="true"/>' in text
    dated.write_text(text.replace('<date unknown="true"/>', "<date>2021-05-20</date>"), encoding="utf-8")
    return {"000_024ecb8943099354": SAMPLE, "issue-24": issue24, "dated-2021-05-20": dated}


@pytest.fixture(scope="module")
def built(sources):
    """The composed issues (model and layout), read independently of the site."""
    from layout.pipeline import build

    return {stem: build(path) for stem, path in sources.items() if stem != "dated-2021-05-20"}


@pytest.fixture(scope="module")
def site(sources, tmp_path_factory) -> Path:
    from layout.render.web import write_site

    out = tmp_path_factory.mktemp("web") / "site"
    write_site(list(sources.values()), out)
    return out


@pytest.fixture(scope="module")
def base(site):
    with serve(site) as url:
        yield url


def _viewport(browser: Chromium, width: int) -> None:
    """A desktop's or, below 600 px, a phone's viewport (the site's meta viewport obeyed)."""
    browser.viewport(width, 900, mobile=width < 600)


@pytest.fixture
def browser(chromium, base) -> Chromium:
    """The session's browser at a desktop's width, its logs drained."""
    _viewport(chromium, 1280)
    chromium.drain_logs()
    return chromium


def _load(browser: Chromium, url: str) -> None:
    """Open ``url`` and wait for its images (and, on the search page, for the results)."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.load(url)
    if "search.html?q=" in url:
        WebDriverWait(browser.driver, 30).until(lambda d: d.execute_script(
            "return document.querySelectorAll('#results li').length > 0"))


def _squash(text: str) -> str:
    """The visible text: no spaces, no word joiners (the EPUB markup binds a headline's
    last two characters and ——/…… with U+2060, ``epub_xhtml.keep_last_pair``)."""
    return re.sub(r"[\s\u2060]+", "", text)


def expected_headlines(issue: Issue) -> dict[str, str]:
    """Group id → the headline its page must show, from the source model."""
    out = {}
    for page in issue.pages:
        for item in page.items:
            if isinstance(item, Article):
                title = item.head.title if item.head and item.head.title else None
                assert title, f"{item.id} has no headline"
                for x in (item, *item.figures, *item.boxes):
                    out[x.id] = title
            elif isinstance(item, Box):
                out[item.id] = " ".join(line.text for line in item.title)
            elif isinstance(item, Figure):
                out[item.id] = "图片：" + item.caption.text.split("。")[0]
    return out


HOTSPOTS_JS = """
return [...document.querySelectorAll('svg.hotspots a')].map(a => {
  const r = a.getBoundingClientRect();
  return {id: a.id.slice(3), href: a.getAttribute('href'), name: a.getAttribute('aria-label'),
          x: r.left, y: r.top, w: r.width, h: r.height};
});
"""

# a point of the hotspot where the browser's hit test finds it (not a nested one)
HIT_POINT_JS = """
const a = document.getElementById(arguments[0]);
a.scrollIntoView({block: 'center'});
const r = a.getBoundingClientRect();
for (const fy of [0.5, 0.3, 0.7, 0.1, 0.9]) for (const fx of [0.5, 0.3, 0.7, 0.1, 0.9]) {
  const x = r.left + r.width * fx, y = r.top + r.height * fy;
  const el = document.elementFromPoint(x, y);
  if (el && el.closest('a') === a) return [x, y];
}
return null;
"""

FETCH_H1_JS = """
const done = arguments[arguments.length - 1];
Promise.all(arguments[0].map(u => fetch(u).then(r => r.text().then(t => {
  const doc = new DOMParser().parseFromString(t, 'text/html');
  const id = new URL(u).hash.slice(1);
  return [u, r.status, doc.querySelector('h1')?.textContent ?? null, id ? !!doc.getElementById(decodeURIComponent(id)) : true];
})))).then(done, e => done(String(e)));
"""


def _click(browser: Chromium, x: float, y: float) -> None:
    for kind in ("mousePressed", "mouseReleased"):
        browser.cdp("Input.dispatchMouseEvent",
                               {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})


def _page_urls(base: str, stem: str, pages: int) -> list[str]:
    return [f"{base}{stem}/page-{n:03d}.html" for n in range(1, pages + 1)]


@pytest.mark.parametrize("stem", ["000_024ecb8943099354", "issue-24"])
def test_every_hotspot_opens_its_article(browser, base, built, stem) -> None:
    issue, layout = built[stem].issue, built[stem].layout
    want = expected_headlines(issue)
    clicked = 0
    for page, url in zip(layout.pages, _page_urls(base, stem, len(layout.pages)), strict=True):
        _load(browser, url)
        spots = browser.js(HOTSPOTS_JS)
        groups = [g.id for g in page.groups if g.kind in HOTSPOT_KINDS]
        assert [s["id"] for s in spots] == groups, url
        for s in spots:
            assert s["name"], f"{url}: hotspot {s['id']} has no name"
        # every hotspot, in the browser: its target loads and its h1 is the source's headline
        targets = [urljoin(url, s["href"]) for s in spots]
        results = browser.js_async(FETCH_H1_JS, targets)
        assert isinstance(results, list), results
        for s, (target, status, h1, has_id) in zip(spots, results, strict=True):
            assert status == 200, target
            assert has_id, f"{target}: no element with the fragment's id"
            assert _squash(h1 or "") == _squash(want[s["id"]]), (s["id"], h1)
        # and on the first, a middle and the last page: a real click on each hotspot
        if page.number not in (1, len(layout.pages) // 2, len(layout.pages)):
            continue
        for s in spots:
            point = browser.js(HIT_POINT_JS, f"hs-{s['id']}")
            assert point, f"{url}: hotspot {s['id']} is covered everywhere"
            _click(browser, *point)
            deadline = time.monotonic() + 15
            while browser.driver.current_url == url and time.monotonic() < deadline:
                time.sleep(0.05)
            browser.wait_loaded()
            assert urlsplit(browser.driver.current_url).path == urlsplit(urljoin(url, s["href"])).path
            h1 = browser.js("return document.querySelector('h1').textContent")
            assert _squash(h1) == _squash(want[s["id"]])
            clicked += 1
            _load(browser, url)
    assert clicked >= len([g for g in layout.pages[0].groups if g.kind in HOTSPOT_KINDS])
    assert not browser.console_errors()


@pytest.mark.parametrize("width", WIDTHS)
def test_hotspots_cover_the_frames(browser, base, built, width) -> None:
    _viewport(browser, width)
    try:
        for stem, b in built.items():
            for page, url in zip(b.layout.pages, _page_urls(base, stem, len(b.layout.pages)), strict=True):
                _load(browser, url)
                img = browser.js(
                    "const r = document.querySelector('figure.sheet img').getBoundingClientRect();"
                    "return {x: r.left, y: r.top, w: r.width, h: r.height};")
                assert img["w"] <= width
                sx, sy = img["w"] / page.width, img["h"] / page.height
                assert abs(sx - sy) * page.height < 1.0, "the page image is distorted"
                spots = {s["id"]: s for s in browser.js(HOTSPOTS_JS)}
                for g in page.groups:
                    if g.kind not in HOTSPOT_KINDS:
                        continue
                    s = spots[g.id]
                    frame = (img["x"] + g.rect.x * sx, img["y"] + g.rect.y * sy,
                             g.rect.width * sx, g.rect.height * sy)
                    got = (s["x"], s["y"], s["w"], s["h"])
                    assert all(abs(a - e) <= 2 for a, e in zip(got, frame, strict=True)), (url, g.id, got, frame)
    finally:
        _viewport(browser, 1280)


def _site_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "pagefind" not in p.parts)


def test_every_link_resolves_and_no_console_errors(browser, base, site) -> None:
    pages = _site_pages(site)
    visit = [p for p in pages if not p.parent.name == "issue-24" or p.name.startswith(("page-", "index"))
             or p.name.endswith("-p1.html")]
    assert len(visit) > 40
    browser.drain_logs()
    for p in visit:
        url = base + p.relative_to(site).as_posix()
        _load(browser, url)
        assert not browser.network_failures(), url
        assert not browser.console_errors(), url
    # every href and src of every page, fetched by the browser; fragments exist
    links: set[str] = set()
    for p in pages:
        url = base + p.relative_to(site).as_posix()
        doc = lxml_html.fromstring(p.read_bytes())
        for el in doc.iter():
            for attr in ("href", "src"):
                v = el.get(attr)
                if v and not v.startswith("data:"):
                    links.add(urljoin(url, v))
            if el.get("srcset"):
                links.update(urljoin(url, part.split()[0]) for part in el.get("srcset").split(","))
    assert all(u.startswith(base) for u in links), "a link leaves the site"
    results = browser.js_async(FETCH_H1_JS, sorted(links))
    assert isinstance(results, list), results
    broken = [(u, status, has_id) for u, status, _, has_id in results if status != 200 or not has_id]
    assert not broken
    assert not browser.console_errors()


def test_search_finds_a_phrase_in_chinese(browser, base) -> None:
    _load(browser, base + "search.html?q=魏都好人")
    hits = browser.js(
        "return [...document.querySelectorAll('#results li a')].map(a => [a.href, a.textContent])")
    urls = [urlsplit(u).path for u, _ in hits]
    assert "/000_024ecb8943099354/a4" in {u.removesuffix(".html") for u in urls}, hits
    title = dict((urlsplit(u).path.removesuffix(".html"), t) for u, t in hits)["/000_024ecb8943099354/a4"]
    assert "魏都好人" in title
    # a headline's last two characters are bound by a word joiner (揭\u2060晓): still found
    _load(browser, base + "search.html?q=名单揭晓")
    hits = browser.js("return [...document.querySelectorAll('#results li a')].map(a => a.href)")
    assert "/000_024ecb8943099354/a4" in {urlsplit(u).path.removesuffix(".html") for u in hits}, hits
    assert not browser.console_errors()


AXE_PAGES = ["index.html", "search.html?q=魏都好人", "000_024ecb8943099354/index.html",
             "000_024ecb8943099354/page-001.html", "000_024ecb8943099354/a4.html",
             "000_024ecb8943099354/box1.html", "000_024ecb8943099354/photo2.html",
             "issue-24/page-012.html", "dated-2021-05-20/index.html"]


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_reports_no_violations(browser, base, width) -> None:
    _viewport(browser, width)
    try:
        for page in AXE_PAGES:
            _load(browser, base + page)
            violations, _ = browser.axe()
            assert violations == [], page
    finally:
        _viewport(browser, 1280)


def test_hotspots_are_reached_by_tab_in_reading_order_and_light_up(browser, base, built) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    page = built["000_024ecb8943099354"].layout.pages[0]
    order = [g.id for g in page.groups if g.kind in HOTSPOT_KINDS]
    _load(browser, base + "000_024ecb8943099354/page-001.html")
    seen = []
    browser.js("document.activeElement && document.activeElement.blur()")
    for _ in range(60):
        ActionChains(browser.driver).send_keys(Keys.TAB).perform()
        el_id = browser.js("return document.activeElement && document.activeElement.id")
        if el_id and el_id.startswith("hs-"):
            seen.append(el_id[3:])
            stroke = browser.js(
                "return getComputedStyle(document.activeElement.querySelector('rect')).stroke")
            assert stroke not in ("transparent", "rgba(0, 0, 0, 0)", "none"), el_id
        if len(seen) == len(order):
            break
    assert seen == order
    ActionChains(browser.driver).send_keys(Keys.ENTER).perform()
    browser.wait_loaded()
    assert browser.driver.current_url.endswith(f"/{order[-1]}.html") or "#" in browser.driver.current_url
    # hover lights a hotspot without focus
    _load(browser, base + "000_024ecb8943099354/page-001.html")
    point = browser.js(HIT_POINT_JS, "hs-a4")
    browser.cdp("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": point[0], "y": point[1]})
    fill = browser.js("return getComputedStyle(document.querySelector('#hs-a4 rect')).fill")
    assert fill not in ("transparent", "rgba(0, 0, 0, 0)", "none")


SHOT_PAGES = {"archive": "index.html", "issue": "000_024ecb8943099354/index.html",
              "page": "000_024ecb8943099354/page-001.html", "article": "000_024ecb8943099354/a4.html",
              "search": "search.html?q=魏都好人", "issue24-page2": "issue-24/page-002.html"}


def test_screenshots(browser, base) -> None:
    """Full-page screenshots at a phone's and a desktop's width, to look at."""
    import base64

    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        _viewport(browser, width)
        for name, page in SHOT_PAGES.items():
            _load(browser, base + page)
            height = browser.js("return Math.min(document.documentElement.scrollHeight, 6000)")
            shot = browser.cdp("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
            data = base64.b64decode(shot["data"])
            (SHOTS / f"{name}-{width}.png").write_bytes(data)
            assert len(data) > 5000
    _viewport(browser, 1280)
