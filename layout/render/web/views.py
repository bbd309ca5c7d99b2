"""The documents of one issue: page views, article pages and the issue index.

Every document has the same frame: a banner (the site's and the issue's name, a
breadcrumb), ``<main>`` and a footer; one ``h1``; page links in reading order.
The article markup is the EPUB's (``epub_xhtml.add_article``/``add_box``/``add_figure``)
with its headings raised one level, so the headline is the page's ``h1``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from layout.compose.boxes import PageLayout
from layout.read.model import Article, Box, Figure, Issue, Page
from layout.render import epub_xhtml
from layout.render.epub_xhtml import page_name, page_title, sub
from layout.render.web.document import SITE_NAME, href, new_page, promote_headings, svg
from layout.render.web.images import THUMB, WIDTHS, pixel_size
from layout.render.web.targets import Item, item_file, item_title, page_targets, standalone_items

#: stylesheets of an issue's documents: the EPUB's (fonts, article typography), then the site's
ISSUE_CSS = ["style/book.css", "../assets/site.css"]
ISSUE_JS = ("../assets/site.js",)
#: group kinds that become hotspots (furniture and the page header do not)
HOTSPOT_KINDS = ("article", "box", "figure")


@dataclass(frozen=True)
class IssueContext:
    """What every document of one issue needs to know."""

    issue: Issue
    lang: str
    image_href: Callable[[Figure], str | None]
    #: the issue's 头条 (``epub_xhtml.issue_lead``): each page's lead opens its article lists
    lead: Article | None = None

    @property
    def title(self) -> str:
        return self.issue.meta.display_title


def page_file(page: Page) -> str:
    return f"page-{page.number:03d}.html"


def image_file(page: Page, width: int) -> str:
    return f"img/page-{page.number:03d}-{width}.png"


# -- the frame of every document -------------------------------------------------------


def _banner(body: etree._Element, ctx: IssueContext, crumbs: list[tuple[str, str | None]]) -> None:
    header = sub(body, "header", class_="site")
    mast = sub(header, "p", class_="masthead")
    sub(mast, "a", SITE_NAME, href="../index.html", class_="site-name")
    sub(mast, "span", ctx.title, class_="issue-name")
    nav = sub(header, "nav", class_="crumbs", aria_label="位置")
    ol = sub(nav, "ol")
    for text, url in [("往期", "../index.html"), ("检索", "../search.html"), *crumbs]:
        li = sub(ol, "li")
        if url:
            sub(li, "a", text, href=url)
        else:
            sub(li, "span", text, aria_current="page")


def _footer(body: etree._Element, ctx: IssueContext) -> None:
    footer = sub(body, "footer", class_="site")
    sub(footer, "p", f"{ctx.title}。本电子版由报纸版面的源文件生成，版面图与印刷版 PDF 同出一源。")


def issue_document(ctx: IssueContext, title: str, crumbs: list[tuple[str, str | None]]):
    html, body = new_page(f"{title} - {ctx.title}", ctx.lang, ISSUE_CSS, ISSUE_JS, "../assets/")
    _banner(body, ctx, crumbs)
    main = sub(body, "main", id="main")
    return html, body, main


# -- the page view ---------------------------------------------------------------------


def _pager(parent: etree._Element, ctx: IssueContext, page: Page) -> None:
    pages = ctx.issue.pages
    i = pages.index(page)
    nav = sub(parent, "nav", class_="pager", aria_label="翻版")
    prev = pages[i - 1] if i > 0 else None
    nxt = pages[i + 1] if i + 1 < len(pages) else None
    if prev is not None:
        sub(nav, "a", f"‹ 上一版 {page_name(prev)}", href=page_file(prev), rel="prev", class_="prev")
    else:
        sub(nav, "span", "‹ 上一版", class_="prev disabled")
    ol = sub(nav, "ol", class_="page-strip")
    for p in pages:
        li = sub(ol, "li")
        label = p.label if p.label is not None else str(p.number)
        if p is page:
            sub(li, "span", label, aria_current="page", title=page_title(p))
        else:
            sub(li, "a", label, href=page_file(p), title=page_title(p), aria_label=page_title(p))
    if nxt is not None:
        sub(nav, "a", f"下一版 {page_name(nxt)} ›", href=page_file(nxt), rel="next", class_="next")
    else:
        sub(nav, "span", "下一版 ›", class_="next disabled")


def page_view(ctx: IssueContext, page: Page, layout: PageLayout) -> etree._Element:
    """The printed page as a picture; every article, box and figure a named hotspot."""
    title = page_title(page)
    html, body, main = issue_document(ctx, title, [(ctx.title, "index.html"), (page_name(page), None)])
    body.set("class", "page-view")
    sub(main, "h1", title)
    _pager(main, ctx, page)
    targets = page_targets(page)
    groups = [g for g in layout.groups if g.kind in HOTSPOT_KINDS and g.id in targets]

    wrap = sub(main, "div", class_="spread")
    fig = sub(wrap, "figure", class_="sheet")
    large, small = (pixel_size(layout.width, layout.height, w) for w in WIDTHS)
    sub(
        fig,
        "img",
        src=image_file(page, small[0]),
        srcset=f"{image_file(page, small[0])} {small[0]}w, {image_file(page, large[0])} {large[0]}w",
        sizes="(min-width: 1100px) 800px, 100vw",
        width=str(large[0]),
        height=str(large[1]),
        alt=f"{title}版面图。本版{len(groups)}个区域可点选阅读，文字见各篇文章页。",
    )
    overlay = svg(
        fig,
        "svg",
        viewBox=f"0 0 {_n(layout.width)} {_n(layout.height)}",
        preserveAspectRatio="none",
        class_="hotspots",
        role="group",
        aria_label=f"{title}的文章区域",
    )
    for g in groups:
        t = targets[g.id]
        a = svg(overlay, "a", href=t.url, aria_label=t.name, id=f"hs-{g.id}")
        a.set("data-kind", g.kind)
        svg(a, "title").text = t.name
        r = g.rect
        svg(a, "rect", x=_n(r.x), y=_n(r.y), width=_n(r.width), height=_n(r.height))

    side = sub(wrap, "nav", class_="page-articles", aria_label="本版文章")
    sub(side, "h2", "本版文章")
    ol = sub(side, "ol")
    for item in standalone_items(page, ctx.lead):
        li = sub(ol, "li")
        a = sub(li, "a", item_title(item), href=href(item_file(item)))
        a.set("data-hotspot", f"hs-{item.id}")
    sub(side, "p", "", class_="hint").text = "点选版面上的文章区域，或用 Tab 键逐篇选择。"
    _footer(body, ctx)
    return html


def _n(v: float) -> str:
    """A coordinate in points, two decimals (a hundredth of a point: far below a pixel)."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return s if s != "-0" else "0"


# -- article pages ---------------------------------------------------------------------


def article_page(ctx: IssueContext, page: Page, item: Item) -> etree._Element:
    """One article (or box, or figure) with its page and the other articles of the page."""
    title = item_title(item)
    html, body, main = issue_document(
        ctx, title, [(ctx.title, "index.html"), (page_name(page), page_file(page)), (title, None)]
    )
    body.set("class", "article-view")
    holder = sub(main, "div", class_="story")
    holder.set("data-pagefind-body", "")
    if isinstance(item, Article):
        epub_xhtml.add_article(holder, item, ctx.image_href)
    elif isinstance(item, Box):
        art = sub(holder, "article", class_="box-only")  # an aside in an article: no landmark
        if not item.title:
            sub(art, "h1", title)
        epub_xhtml.add_box(art, item, 2)
    else:
        art = sub(holder, "article", class_="figure-only")
        sub(art, "h1", title)
        epub_xhtml.add_figure(art, item, ctx.image_href)
    promote_headings(holder)
    if holder.find(f".//{{{epub_xhtml.XHTML_NS}}}h1") is None:  # an article without a headline
        sub(holder, "h1", title, class_="untitled")
        holder.insert(0, holder[-1])

    where = sub(main, "p", class_="onpage")
    where.set("data-pagefind-meta", "page")  # the search result's second line
    where.text = "刊于"
    link = sub(where, "a", page_title(page), href=page_file(page))
    link.tail = f" · {ctx.title}"

    others = [it for it in standalone_items(page, ctx.lead) if it is not item]
    if others:
        nav = sub(main, "nav", class_="related", aria_label="本版其他文章")
        sub(nav, "h2", "本版其他文章")
        ol = sub(nav, "ol")
        for it in others:
            sub(sub(ol, "li"), "a", item_title(it), href=href(item_file(it)))
    _footer(body, ctx)
    return html


# -- the issue index -------------------------------------------------------------------


def issue_index(ctx: IssueContext, layouts: dict[int, PageLayout]) -> etree._Element:
    """The issue's pages with thumbnails and their articles."""
    html, body, main = issue_document(ctx, "版面目录", [(ctx.title, None)])
    body.set("class", "issue-view")
    sub(main, "h1", ctx.title)
    meta = ctx.issue.meta
    facts = [f"共{len(ctx.issue.pages)}版", f"{len(ctx.issue.articles)}篇文章"]
    facts.append(f"出版日期：{meta.date}" if meta.date else "出版日期未知")
    sub(main, "p", "，".join(facts) + "。", class_="issue-facts")
    ol = sub(main, "ol", class_="pages")
    for page in ctx.issue.pages:
        li = sub(ol, "li", class_="page-card")
        head = sub(li, "h2")
        a = sub(head, "a", href=page_file(page))
        w, h = pixel_size(layouts[page.number].width, layouts[page.number].height, THUMB)
        sub(a, "img", src=image_file(page, w), width=str(w), height=str(h), alt="")
        sub(a, "span", page_title(page))
        items = standalone_items(page, ctx.lead)
        if items:
            ul = sub(li, "ul")
            for it in items:
                sub(sub(ul, "li"), "a", item_title(it), href=href(item_file(it)))
    _footer(body, ctx)
    return html
