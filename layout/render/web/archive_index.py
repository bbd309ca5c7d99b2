"""The site's front page: every issue by date, a calendar per year and month.

Only a full ISO date (``YYYY-MM-DD``) from the source places an issue on the calendar;
issues whose date is unknown or partial are listed apart, with what is known, never
with a date guessed from their content.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass

from lxml import etree

from layout.render.epub_xhtml import sub
from layout.render.web.document import SITE_NAME, new_page

FULL_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class IssueEntry:
    """One issue of the site: its folder and what the front page says of it."""

    folder: str
    title: str
    date: str | None
    pages: int
    articles: int
    lang: str

    @property
    def ymd(self) -> tuple[int, int, int] | None:
        m = FULL_DATE.match(self.date or "")
        if not m:
            return None
        y, mo, d = map(int, m.groups())
        try:
            calendar.weekday(y, mo, d)
        except ValueError:
            return None
        return y, mo, d


def _month_table(parent: etree._Element, year: int, month: int, by_day: dict[int, list[IssueEntry]]) -> None:
    table = sub(parent, "table", class_="calendar")
    sub(table, "caption", f"{year}年{month}月")
    tr = sub(sub(table, "thead"), "tr")
    for w in WEEKDAYS:
        sub(tr, "th", w, scope="col", abbr=f"星期{w}")
    tbody = sub(table, "tbody")
    for week in calendar.Calendar(firstweekday=0).monthdayscalendar(year, month):
        tr = sub(tbody, "tr")
        for day in week:
            td = sub(tr, "td")
            if not day:
                continue
            entries = by_day.get(day, [])
            if not entries:
                sub(td, "span", str(day), class_="day")
                continue
            td.set("class", "has-issue")
            for e in entries:
                sub(td, "a", str(day), href=f"{e.folder}/index.html", aria_label=f"{month}月{day}日 {e.title}")


def archive_index(entries: list[IssueEntry], lang: str) -> etree._Element:
    """The front page: the calendar of dated issues, then the undated ones."""
    html, body = new_page(f"{SITE_NAME} - 往期", lang, ["assets/site.css"])
    body.set("class", "archive-view")
    header = sub(body, "header", class_="site")
    mast = sub(header, "p", class_="masthead")
    sub(mast, "a", SITE_NAME, href="index.html", class_="site-name")
    nav = sub(header, "nav", class_="crumbs", aria_label="位置")
    ol = sub(nav, "ol")
    sub(sub(ol, "li"), "span", "往期", aria_current="page")
    sub(sub(ol, "li"), "a", "检索", href="search.html")
    main = sub(body, "main", id="main")
    sub(main, "h1", "往期报纸")
    sub(main, "p", f"共{len(entries)}期。", class_="issue-facts")

    dated: dict[int, dict[int, dict[int, list[IssueEntry]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    undated = []
    for e in entries:
        if e.ymd is None:
            undated.append(e)
        else:
            y, m, d = e.ymd
            dated[y][m][d].append(e)
    for year in sorted(dated, reverse=True):
        sec = sub(main, "section", class_="year", aria_label=f"{year}年")
        sub(sec, "h2", f"{year}年")
        for month in sorted(dated[year], reverse=True):
            box = sub(sec, "div", class_="month")
            sub(box, "h3", f"{month}月")
            _month_table(box, year, month, dated[year][month])
            ul = sub(box, "ul", class_="month-issues")
            for day in sorted(dated[year][month]):
                for e in dated[year][month][day]:
                    sub(sub(ul, "li"), "a", f"{month}月{day}日 {e.title}", href=f"{e.folder}/index.html")
    if undated:
        sec = sub(main, "section", class_="undated", aria_label="日期未知")
        sub(sec, "h2", "日期未知")
        sub(sec, "p", "这些期次的源文件未给出出版日期（或只给出部分），不排入日历。")
        ul = sub(sec, "ul")
        for e in undated:
            li = sub(ul, "li")
            sub(li, "a", e.title, href=f"{e.folder}/index.html")
            known = f"（日期：{e.date}，" if e.date else "（"
            li[-1].tail = f"{known}{e.pages}版，{e.articles}篇）"
    footer = sub(body, "footer", class_="site")
    sub(footer, "p", "本站由报纸版面的源文件生成，为静态网页，可在任何网页服务器上存放。")
    return html


def search_page(lang: str) -> etree._Element:
    """The search page: a form; results come from the Pagefind index (assets/search.js)."""
    html, body = new_page(f"{SITE_NAME} - 检索", lang, ["assets/site.css"], ("assets/search.js",))
    body.set("class", "search-view")
    header = sub(body, "header", class_="site")
    mast = sub(header, "p", class_="masthead")
    sub(mast, "a", SITE_NAME, href="index.html", class_="site-name")
    nav = sub(header, "nav", class_="crumbs", aria_label="位置")
    ol = sub(nav, "ol")
    sub(sub(ol, "li"), "a", "往期", href="index.html")
    sub(sub(ol, "li"), "span", "检索", aria_current="page")
    main = sub(body, "main", id="main")
    sub(main, "h1", "检索全部文章")
    form = sub(main, "form", role="search", action="search.html", method="get", class_="search")
    sub(form, "label", "检索词").set("for", "q")
    sub(form, "input", type="search", id="q", name="q", autocomplete="off")
    sub(form, "button", "检索", type="submit")
    sub(main, "p", "", id="status", role="status")
    sub(main, "ol", id="results", class_="results")
    footer = sub(body, "footer", class_="site")
    sub(footer, "p", "检索在浏览器中进行（Pagefind 静态索引，中文按词切分）。")
    return html
