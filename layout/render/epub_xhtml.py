"""The model → XHTML content documents of the EPUB: one per printed page, the nav, the cover.

Built as lxml trees (never by string pasting, so every text is escaped) and serialised
whole: ebooklib's own ``EpubHtml.get_content`` re-parses content with an HTML parser and
rebuilds ``<head>``, which breaks ``<span …/>`` page breaks and drops links.
The reading order is the model's, except that a page's lead (头条) comes first; the line
breaks of the print edition are not kept (the text reflows), except the editor's headline
lines, shown with ``<br/>``.  Headline levels and sizes come from the print sizes.  A word
joiner (U+2060) before ``——`` and ``……`` keeps them off the start of a line in every
reading system, and one before a headline line's last character keeps it from standing
alone (CSS ``text-wrap: balance`` does the rest where it is supported).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lxml import etree

from layout.read.model import (
    Article,
    Box,
    Figure,
    Furniture,
    HeadLine,
    Issue,
    Page,
    Paragraph,
    Run,
)

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
XML_NS = "http://www.w3.org/XML/1998/namespace"
LANG = "zh-Hans"
CSS_HREF = "style/book.css"
NAV_HREF = "nav.xhtml"
COVER_HREF = "cover.xhtml"

#: Returns the href of a figure's image in the book, or None when it has none.
ImageHref = Callable[[Figure], str | None]

WORD_JOINER = "\u2060"
#: ——/…… (and longer runs of them): UAX #14 lets a line start with them; a word joiner
#: before the run binds it to the character it follows (clreq: never at a line start).
_DASHES = re.compile("(?<!\u2060)((?:\u2014\u2014|\u2026\u2026)+)")
#: Headlines: the heading level of the page's lead; smaller headlines one level below.
LEAD_LEVEL = 2
#: Headline font size in em of the body text: the square root of the print ratio (a
#: 小初 headline over 小五 text, 4x in print, becomes 2 em), within these bounds.
HEAD_EM_MIN, HEAD_EM_MAX = 1.0, 2.2


@dataclass(frozen=True)
class TocEntry:
    """One line of the table of contents: where it points and what it says."""

    href: str
    title: str
    children: tuple[TocEntry, ...] = ()


# -- tree helpers ----------------------------------------------------------------------


def _q(tag: str) -> str:
    return f"{{{XHTML_NS}}}{tag}"


def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    """Append an XHTML element; ``class_`` stands for ``class``, ``epub_type`` for ``epub:type``."""
    el = etree.SubElement(parent, _q(tag))
    for name, value in attrs.items():
        if name == "class_":
            el.set("class", value)
        elif name == "epub_type":
            el.set(f"{{{EPUB_NS}}}type", value)
        else:
            el.set(name.replace("_", "-"), value)
    if text:
        el.text = keep_dashes(text)
    return el


def keep_dashes(text: str) -> str:
    """A word joiner before each run of ``——``/``……`` (a no-op on text that has one)."""
    return _DASHES.sub(WORD_JOINER + r"\1", text)


def keep_last_pair(text: str) -> str:
    """A word joiner before the last character of a headline line: no one-character line."""
    if len(text) >= 2 and not text[-1].isspace() and not text[-2].isspace() and text[-2] != WORD_JOINER:
        return text[:-1] + WORD_JOINER + text[-1]
    return text


def append_text(el: etree._Element, text: str) -> None:
    """Add text at the end of ``el``'s content (after its last child, if any)."""
    if not text:
        return
    text = keep_dashes(text)
    if len(el):
        last = el[-1]
        last.tail = (last.tail or "") + text
    else:
        el.text = (el.text or "") + text


def new_document(title: str, *, css: bool = True) -> tuple[etree._Element, etree._Element]:
    """An XHTML5 document (html, body) with the language, a title and the stylesheet."""
    html = etree.Element(_q("html"), nsmap={None: XHTML_NS, "epub": EPUB_NS})
    set_language(html, LANG)
    head = sub(html, "head")
    sub(head, "title", title)
    if css:
        sub(head, "link", rel="stylesheet", type="text/css", href=CSS_HREF)
    return html, sub(html, "body")


def set_language(html: etree._Element, lang: str) -> None:
    """``lang`` and ``xml:lang`` on the root: EPUB wants both on every content document."""
    html.set("lang", lang)
    html.set(f"{{{XML_NS}}}lang", lang)


def serialize(html: etree._Element) -> bytes:
    """UTF-8 XHTML with the XML declaration and the HTML5 doctype (unused namespaces dropped)."""
    etree.cleanup_namespaces(html)
    return etree.tostring(
        html.getroottree(), xml_declaration=True, encoding="utf-8", doctype="<!DOCTYPE html>"
    )


# -- page labels -----------------------------------------------------------------------


def label_name(label: str) -> str:
    """A printed page label as a reader says it: 2 → 第2版, A3 → A3版, 第5版 as given."""
    if label.endswith("版"):
        return label
    return f"第{label}版" if label.isdigit() else f"{label}版"


def page_name(page: Page) -> str:
    """The print page's name: 第3版 for a known label, 第3页 (physical order) when unknown."""
    return f"第{page.number}页" if page.label is None else label_name(page.label)


def page_aria_label(page: Page) -> str:
    """What a reader hears at the page break; says so when the number is only the sequence."""
    if page.label is None:
        return f"第{page.number}页（版次未知，按实体顺序编号）"
    return page_name(page)


def page_list_label(page: Page) -> str:
    """The page-list entry: the printed label, or the physical sequence number."""
    return page.label if page.label is not None else str(page.number)


def page_href(page: Page) -> str:
    return f"p{page.number:03d}.xhtml"


def page_anchor(page: Page) -> str:
    return f"page-{page.number}"


# -- paragraphs and runs ---------------------------------------------------------------


def _run_classes(run: Run) -> list[str]:
    classes = []
    if run.kind == "dateline":
        classes.append("dateline")
    elif run.kind == "quote":
        classes.append("quote")
    if run.role:
        classes.append(f"r-{run.role}")
    if run.weight:
        classes.append(f"w-{run.weight}")
    return classes


def add_runs(el: etree._Element, runs: Sequence[Run]) -> None:
    """Runs as text, or as spans where they differ (the run-in dateline, a role, a weight)."""
    for run in runs:
        classes = _run_classes(run)
        if run.kind == "em":  # the source's <b>: bold, offset, not stressed
            span = sub(el, "b", run.text)
            if classes:
                span.set("class", " ".join(classes))
        elif classes:
            sub(el, "span", run.text, class_=" ".join(classes))
        else:
            append_text(el, run.text)


def _para_classes(para: Paragraph) -> list[str]:
    classes = {"byline": ["byline"], "tag": ["tag"], "dateline": ["dateline"]}.get(para.kind, [])
    if para.kind in ("body", "item") and para.style.indent == 0:
        classes.append("noindent")
    return classes


def add_paragraph(parent: etree._Element, para: Paragraph, heading_level: int = 3) -> etree._Element:
    """A paragraph as ``<p>`` (an intertitle of kind ``title`` as a heading)."""
    if para.kind == "title":
        el = sub(parent, f"h{min(heading_level, 6)}", class_="intertitle")
    else:
        el = sub(parent, "p")
        classes = _para_classes(para)
        if classes:
            el.set("class", " ".join(classes))
    add_runs(el, para.runs)
    return el


def join_lines(lines: Sequence[HeadLine]) -> str:
    """Kicker, subhead and box titles read as one line: the editor's lines joined by a space."""
    return " ".join(line.text for line in lines)


# -- articles, boxes, figures ----------------------------------------------------------


# -- the lead and the headline hierarchy -----------------------------------------------


def headline_size(art: Article) -> float | None:
    """The print size (pt) of the article's headline, None without one."""
    main = art.head.part("headline") if art.head else None
    return main.style.size if main is not None else None


def page_lead(articles: Sequence[Article]) -> Article | None:
    """The editor's flagged lead, else the largest head group: headline size, then frame
    width (the sample's a8: 小初 across 88 zi); the first of equals."""
    flagged = next((a for a in articles if a.lead), None)
    if flagged is not None:
        return flagged
    headed = [a for a in articles if headline_size(a) is not None]
    if not headed:
        return None
    return max(headed, key=lambda a: (headline_size(a), a.rect.width, -articles.index(a)))


def issue_lead(issue: Issue) -> Article | None:
    """The issue's 头条: an article flagged ``lead`` anywhere, else the front page's lead."""
    flagged = next((a for a in issue.articles if a.lead), None)
    if flagged is not None:
        return flagged
    for page in issue.pages:
        lead = page_lead(page.articles)
        if lead is not None:
            return lead
    return None


def head_em(size: float, body_size: float) -> float:
    """A headline's CSS size in em: the square root of its print size over the body's."""
    em = math.sqrt(size / body_size) if body_size > 0 else 1.0
    return round(min(max(em, HEAD_EM_MIN), HEAD_EM_MAX), 2)


def head_class(size: float) -> str:
    """The class that sets a headline's size: its print size in tenths of a point."""
    return f"hs-{round(size * 10)}"


def head_sizes(issue: Issue) -> dict[str, float]:
    """CSS class → font size (em) for every headline size of the issue."""
    out = {}
    for page in issue.pages:
        for art in page.articles:
            size = headline_size(art)
            if size is not None:
                out[head_class(size)] = head_em(size, page.geometry.body_size)
    return dict(sorted(out.items()))


def head_level(art: Article, lead: Article | None) -> int:
    """h2 for the page's lead and headlines as large as its; h3 for the smaller ones."""
    size, top = headline_size(art), headline_size(lead) if lead else None
    if art is lead or size is None or top is None or size >= top:
        return LEAD_LEVEL
    return LEAD_LEVEL + 1


def lead_on(page: Page, lead: Article | None) -> Article | None:
    """The lead of ``page``: the issue's ``lead`` (``issue_lead``) where it stands on the
    page, else the page's own (``page_lead``)."""
    return lead if lead is not None and lead in page.articles else page_lead(page.articles)


def reading_order(page: Page, lead: Article | None) -> list[object]:
    """The page's items with its lead first (the reader meets the 头条 before the briefs)."""
    items = list(page.items)
    if lead is not None and lead in items:
        items.remove(lead)
        items.insert(0, lead)
    return items


def head_id(art: Article) -> str:
    return f"{art.id}-title"


def add_head(article: etree._Element, art: Article, level: int) -> None:
    """``<header>``: kicker ``p.kicker``, the headline ``h<level>`` with the editor's lines
    (sized by its print size), ``p.subhead``.  A head part whose lines hold spaces is
    written in phrases (增强紧迫感 找准着力点 提高执行力): class ``phrases`` breaks it there."""
    head = art.head
    assert head is not None
    header = sub(article, "header", class_="head" if head.align == "center" else f"head {head.align}")
    for part in head.parts:
        phrased = " phrases" if any(" " in line.text.strip() for line in part.lines) else ""
        if part.kind == "headline":
            h = sub(header, f"h{level}", id=head_id(art), class_=head_class(part.style.size) + phrased)
            for i, line in enumerate(part.lines):
                if i:
                    append_text(h, " ")  # collapses at the line end; keeps the words apart in text
                    sub(h, "br")
                append_text(h, keep_last_pair(line.text))
        else:
            sub(header, "p", join_lines(part.lines), class_=part.kind + phrased)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def image_alt(fig: Figure) -> str:
    """The source's ``alt``; empty when there is none or it only repeats the caption (the
    figcaption is read anyway: a screen reader would say the words twice)."""
    alt = (fig.alt or "").strip()
    caption = _squash(fig.caption.text) if fig.caption else ""
    if alt and caption and _squash(alt) in caption:
        return ""
    return alt


def add_figure(parent: etree._Element, fig: Figure, image_href: ImageHref) -> None:
    """``<figure>``: the image if there is one, else a note; caption and credit in figcaption."""
    href = image_href(fig)
    if href is None and fig.caption is None and fig.credit is None:
        return  # nothing a reader could see or hear
    el = sub(parent, "figure", id=fig.id)
    if href is not None:
        sub(el, "img", src=href, alt=image_alt(fig))
    else:
        sub(el, "p", "（图片未收录）", class_="figure-missing")
    if fig.caption is None and fig.credit is None:
        return
    cap = sub(el, "figcaption")
    if fig.caption is not None:
        add_runs(cap, fig.caption.runs)
    if fig.credit is not None:
        span = sub(cap, "span", class_="credit")
        add_runs(span, fig.credit.runs)


def add_box(parent: etree._Element, box: Box, heading_level: int) -> None:
    """A boxed sidebar (相关链接) as an ``<aside>`` named by its title: label, title, items,
    closing tag."""
    aside = sub(parent, "aside", id=box.id)
    if box.label:
        sub(aside, "p", box.label, class_="box-label", id=f"{box.id}-label")
    if box.title:
        sub(aside, f"h{heading_level}", join_lines(box.title), id=f"{box.id}-title")
    # its accessible name: the title, else the label, else what it is
    if box.title:
        aside.set("aria-labelledby", f"{box.id}-title")
    elif box.label:
        aside.set("aria-labelledby", f"{box.id}-label")
    else:
        aside.set("aria-label", "边栏")
    for para in box.paragraphs:
        add_paragraph(aside, para, heading_level + 1)


def article_element(art: Article, image_href: ImageHref, level: int = LEAD_LEVEL, *, lead: bool = False) -> etree._Element:
    """One article as a detached ``<article>``: header (headline ``h<level>``), byline, text,
    closing tag, then its figures and boxes.  The web edition's article pages use it too."""
    el = etree.Element(_q("article"), id=art.id)
    if lead:
        el.set("class", "lead")
    if art.head is not None and art.head.parts:
        add_head(el, art, level)
        if art.head.part("headline") is not None:
            el.set("aria-labelledby", head_id(art))
    for para in art.paragraphs:
        add_paragraph(el, para, level + 1)
    for fig in art.figures:
        add_figure(el, fig, image_href)
    for box in art.boxes:
        add_box(el, box, level + 1)
    return el


def add_article(parent: etree._Element, art: Article, image_href: ImageHref, level: int = LEAD_LEVEL, *, lead: bool = False) -> None:
    parent.append(article_element(art, image_href, level, lead=lead))


# -- pages -----------------------------------------------------------------------------


def _furniture(header: etree._Element, item: Furniture) -> None:
    # the face the source gives the furniture (r-/w- classes override the kind's default)
    classes = f"furniture-{item.kind} r-{item.style.role} w-{item.style.weight}"
    el = sub(header, "p", join_lines(item.lines), class_=classes, id=item.id)
    if item.kind == "english":
        el.set("lang", "en")
        el.set(f"{{{XML_NS}}}lang", "en")
    if item.inverse:
        el.set("class", el.get("class", "") + " inverse")


def add_page_header(section: etree._Element, page: Page) -> None:
    """The page's furniture in its ``<header>``: section name, header label and date, slogans."""
    header = sub(section, "header", class_="page-header")
    name = page.section or (page.header.section if page.header else None)
    sub(header, "h1", name or page_name(page))
    ph = page.header
    if ph is not None:
        if ph.section and ph.section != name:
            sub(header, "p", ph.section, class_="furniture-header")
        meta = " ".join(x for x in (label_name(ph.label) if ph.label else None, ph.date) if x)
        if meta:
            sub(header, "p", meta, class_="page-meta")
    for item in page.items:
        if isinstance(item, Furniture):
            _furniture(header, item)


def page_title(page: Page) -> str:
    """The page as the toc and the document title name it: 第1页 一周要闻."""
    return f"{page_name(page)} {page.section}" if page.section else page_name(page)


def page_document(page: Page, image_href: ImageHref, lead: Article | None = None) -> etree._Element:
    """One printed page in ``<main>``: its page break, header, then the items with the lead
    (``lead``, else the page's own) first."""
    html, body = new_document(page_title(page))
    lead = lead_on(page, lead)
    section = sub(sub(body, "main"), "section", class_="page")
    # named by ``title``: axe (aria-prohibited-attr) ignores doc-* roles and would take an
    # aria-label on a span as one without a role; Ace's pagebreak-label accepts either
    sub(
        section,
        "span",
        epub_type="pagebreak",
        role="doc-pagebreak",
        id=page_anchor(page),
        title=page_aria_label(page),
    )
    add_page_header(section, page)
    for item in reading_order(page, lead):
        if isinstance(item, Article):
            add_article(section, item, image_href, head_level(item, lead), lead=item is lead)
        elif isinstance(item, Box):
            add_box(section, item, LEAD_LEVEL + 1)
        elif isinstance(item, Figure):
            add_figure(section, item, image_href)
    return html


# -- navigation ------------------------------------------------------------------------


def article_title(art: Article) -> str:
    """The headline; without one the other head parts; without a head the opening words."""
    if art.head is not None:
        if art.head.title:
            return art.head.title
        other = " ".join(join_lines(p.lines) for p in art.head.parts)
        if other:
            return other
    text = next((p.text for p in art.blocks if p.text.strip()), art.id)
    return text if len(text) <= 20 else text[:20] + "…"


def toc_entries(issue: Issue) -> list[TocEntry]:
    """Page → its articles (by headline) and titled boxes, in reading order (lead first)."""
    entries = []
    lead = issue_lead(issue)
    for page in issue.pages:
        href = page_href(page)
        children = []
        for item in reading_order(page, lead_on(page, lead)):
            if isinstance(item, Article):
                children.append(TocEntry(f"{href}#{item.id}", article_title(item)))
            elif isinstance(item, Box) and (item.title or item.label):
                title = join_lines(item.title) if item.title else (item.label or "")
                children.append(TocEntry(f"{href}#{item.id}", title))
        entries.append(TocEntry(href, page_title(page), tuple(children)))
    return entries


def _toc_list(parent: etree._Element, entries: Sequence[TocEntry], compact: bool, depth: int = 0) -> None:
    ol = sub(parent, "ol")
    for i, entry in enumerate(entries):
        li = sub(ol, "li")
        if compact and depth and i:
            li.set("hidden", "hidden")  # in the reading system's toc, not in the reading order
        sub(li, "a", entry.title, href=entry.href)
        if entry.children:
            _toc_list(li, entry.children, compact, depth + 1)


def compact_toc(toc: Sequence[TocEntry]) -> bool:
    """An issue of several pages shows each page and its lead in the reading order; the
    rest of the entries are ``hidden`` there (EPUB 3.3 §7.4.2) and still in the toc."""
    return len(toc) > 1


def nav_document(issue: Issue, toc: Sequence[TocEntry]) -> etree._Element:
    """The navigation document: toc, landmarks (cover, toc, bodymatter) and our page-list."""
    html, body = new_document("目录")
    body = sub(body, "main")  # the toc is the document's main content (axe: landmark-one-main)
    nav = sub(body, "nav", epub_type="toc", id="toc", role="doc-toc", aria_labelledby="toc-title")
    sub(nav, "h1", "目录", id="toc-title")
    _toc_list(nav, toc, compact_toc(toc))

    marks = sub(body, "nav", epub_type="landmarks", id="landmarks", hidden="hidden")
    sub(marks, "h2", "导览")
    ol = sub(marks, "ol")
    sub(sub(ol, "li"), "a", "封面", epub_type="cover", href=COVER_HREF)
    sub(sub(ol, "li"), "a", "目录", epub_type="toc", href=f"{NAV_HREF}#toc")
    if issue.pages:
        sub(sub(ol, "li"), "a", "正文", epub_type="bodymatter", href=page_href(issue.pages[0]))

    pages = sub(body, "nav", epub_type="page-list", id="page-list", role="doc-pagelist", hidden="hidden")
    sub(pages, "h2", "版面")
    ol = sub(pages, "ol")
    for page in issue.pages:
        sub(sub(ol, "li"), "a", page_list_label(page), href=f"{page_href(page)}#{page_anchor(page)}")
    return html


def cover_document(image_href: str, alt: str) -> etree._Element:
    """The cover page: the generated cover image, with a text alternative, in ``<main>``
    under a heading that only assistive technology shows."""
    html, body = new_document("封面")
    body.set("class", "cover-page")
    main = sub(body, "main", class_="cover")
    sub(main, "h1", "封面", class_="visually-hidden")
    sub(main, "img", src=image_href, alt=alt, role="doc-cover")
    return html
