"""HTML documents of the site: lxml trees in the XHTML namespace, written as polyglot HTML5.

The trees are built with the EPUB's helpers (``epub_xhtml.sub``), so every text is
escaped and the article markup is the EPUB's own.  Served as ``text/html``, an empty
non-void element must not be written ``<span/>`` (an HTML parser reads an open tag);
inline SVG may self-close.
"""

from __future__ import annotations

from urllib.parse import quote

from lxml import etree

from layout.render.epub_xhtml import XHTML_NS, set_language, sub

SVG_NS = "http://www.w3.org/2000/svg"
#: HTML elements that have no end tag.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SITE_NAME = "数字报"


def new_page(
    title: str, lang: str, css: list[str], scripts: tuple[str, ...] = (), assets: str = "assets/"
) -> tuple[etree._Element, etree._Element]:
    """An HTML document (html, body): charset, viewport, title, icon, stylesheets, module scripts."""
    html = etree.Element(f"{{{XHTML_NS}}}html", nsmap={None: XHTML_NS})
    set_language(html, lang)
    head = sub(html, "head")
    sub(head, "meta", charset="utf-8")
    sub(head, "meta", name="viewport", content="width=device-width, initial-scale=1")
    sub(head, "title", title)
    sub(head, "link", rel="icon", type="image/svg+xml", href=f"{assets}icon.svg")
    for href in css:
        sub(head, "link", rel="stylesheet", href=href)
    for src in scripts:
        script = sub(head, "script", type="module", src=src)
        script.text = ""
    return html, sub(html, "body")


def href(name: str) -> str:
    """A file name as a relative URL (ids may hold any XML name character)."""
    return quote(name, safe="/#.-_~")


def svg(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{SVG_NS}}}{tag}", nsmap={None: SVG_NS} if tag == "svg" else None)
    for name, value in attrs.items():
        el.set("class" if name == "class_" else name.replace("_", "-"), value)
    return el


def serialize(html: etree._Element) -> bytes:
    """``<!DOCTYPE html>`` and the tree as UTF-8 XML, with explicit end tags for HTML elements."""
    for el in html.iter(f"{{{XHTML_NS}}}*"):
        if el.text is None and len(el) == 0 and etree.QName(el).localname not in VOID:
            el.text = ""
    etree.cleanup_namespaces(html)
    body = etree.tostring(html, encoding="unicode")
    return ("<!DOCTYPE html>\n" + body + "\n").encode("utf-8")


def promote_headings(root: etree._Element, by: int = 1) -> None:
    """Raise every heading under ``root`` by ``by`` levels (the EPUB's h2 headline → h1)."""
    for el in root.iter(*(f"{{{XHTML_NS}}}h{n}" for n in range(2, 7))):
        level = int(etree.QName(el).localname[1])
        el.tag = f"{{{XHTML_NS}}}h{max(1, level - by)}"
