"""The model → XHTML content documents of the EPUB: one per printed page, the nav, the cover.

Built as lxml trees (never by string pasting, so every text is escaped) and serialised
whole: ebooklib's own ``EpubHtml.get_content`` re-parses content with an HTML parser and
rebuilds ``<head>``, which breaks ``<span …/>`` page breaks and drops links.
The reading order is the model's; the line breaks of the print edition are not kept
(the text reflows), except the editor's headline lines, shown with ``<br/>``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lxml import etree

from layout.read.model import (
    Article,
    Box,
    Figure,
    Furniture,
    HeadGroup,
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
        el.text = text
    return el


def append_text(el: etree._Element, text: str) -> None:
    """Add text at the end of ``el``'s content (after its last child, if any)."""
    if not text:
        return
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


def page_name(page: Page) -> str:
    """The print page's name: 第3版 for a known label, 第3页 (physical order) when unknown."""
    label = page.label
    if label is None:
        return f"第{page.number}页"
    if label.endswith("版"):
        return label
    return f"第{label}版" if label.isdigit() else f"{label}版"


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
        if run.kind == "em":
            span = sub(el, "em", run.text)
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


def add_head(article: etree._Element, head: HeadGroup) -> None:
    """``<header>``: kicker ``p.kicker``, headline ``h2`` with the editor's lines, ``p.subhead``."""
    header = sub(article, "header")
    for part in head.parts:
        if part.kind == "headline":
            h2 = sub(header, "h2")
            for i, line in enumerate(part.lines):
                if i:
                    append_text(h2, " ")  # collapses at the line end; keeps the words apart in text
                    sub(h2, "br")
                append_text(h2, line.text)
        else:
            sub(header, "p", join_lines(part.lines), class_=part.kind)


def add_figure(parent: etree._Element, fig: Figure, image_href: ImageHref) -> None:
    """``<figure>``: the image if there is one, else a note; caption and credit in figcaption."""
    href = image_href(fig)
    if href is None and fig.caption is None and fig.credit is None:
        return  # nothing a reader could see or hear
    el = sub(parent, "figure", id=fig.id)
    if href is not None:
        alt = fig.alt or (fig.caption.text if fig.caption else "")
        sub(el, "img", src=href, alt=alt)
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
    """A boxed sidebar (相关链接) as a bare ``<aside>``: label, title, items, closing tag."""
    aside = sub(parent, "aside", id=box.id)
    if box.label:
        sub(aside, "p", box.label, class_="box-label")
    if box.title:
        sub(aside, f"h{heading_level}", join_lines(box.title))
    for para in box.paragraphs:
        add_paragraph(aside, para, heading_level + 1)


def add_article(parent: etree._Element, art: Article, image_href: ImageHref) -> None:
    """``<article>``: header, byline, text, closing tag, then its figures and boxes."""
    el = sub(parent, "article", id=art.id)
    if art.head is not None and art.head.parts:
        add_head(el, art.head)
    for para in art.paragraphs:
        add_paragraph(el, para)
    for fig in art.figures:
        add_figure(el, fig, image_href)
    for box in art.boxes:
        add_box(el, box, 3)


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
        meta = " ".join(x for x in (ph.label, ph.date) if x)
        if meta:
            sub(header, "p", meta, class_="page-meta")
    for item in page.items:
        if isinstance(item, Furniture):
            _furniture(header, item)


def page_title(page: Page) -> str:
    """The page as the toc and the document title name it: 第1页 一周要闻."""
    return f"{page_name(page)} {page.section}" if page.section else page_name(page)


def page_document(page: Page, image_href: ImageHref) -> etree._Element:
    """One printed page: a section with its page break, header and items in reading order."""
    html, body = new_document(page_title(page))
    section = sub(body, "section", class_="page")
    sub(
        section,
        "span",
        epub_type="pagebreak",
        role="doc-pagebreak",
        id=page_anchor(page),
        aria_label=page_aria_label(page),
    )
    add_page_header(section, page)
    for item in page.items:
        if isinstance(item, Article):
            add_article(section, item, image_href)
        elif isinstance(item, Box):
            add_box(section, item, 2)
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
    """Page → its articles (by headline) and titled boxes, in reading order."""
    entries = []
    for page in issue.pages:
        href = page_href(page)
        children = []
        for item in page.items:
            if isinstance(item, Article):
                children.append(TocEntry(f"{href}#{item.id}", article_title(item)))
            elif isinstance(item, Box) and (item.title or item.label):
                title = join_lines(item.title) if item.title else (item.label or "")
                children.append(TocEntry(f"{href}#{item.id}", title))
        entries.append(TocEntry(href, page_title(page), tuple(children)))
    return entries


def _toc_list(parent: etree._Element, entries: Sequence[TocEntry]) -> None:
    ol = sub(parent, "ol")
    for entry in entries:
        li = sub(ol, "li")
        sub(li, "a", entry.title, href=entry.href)
        if entry.children:
            _toc_list(li, entry.children)


def nav_document(issue: Issue, toc: Sequence[TocEntry]) -> etree._Element:
    """The navigation document: toc, landmarks (toc, bodymatter) and our own page-list."""
    html, body = new_document("目录")
    nav = sub(body, "nav", epub_type="toc", id="toc", role="doc-toc")
    sub(nav, "h2", "目录")
    _toc_list(nav, toc)

    marks = sub(body, "nav", epub_type="landmarks", id="landmarks", hidden="hidden")
    sub(marks, "h2", "导览")
    ol = sub(marks, "ol")
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
    """The cover page: the generated cover image alone, with a text alternative."""
    html, body = new_document("封面")
    div = sub(body, "div", class_="cover")
    sub(div, "img", src=image_href, alt=alt, role="doc-cover")
    return html
