"""EPUB 3 edition of an issue, from the model (never from the PDF).

ebooklib packages the book (OPF, manifest, spine, NCX); the content documents, the
navigation document (toc, landmarks and a page-list of our own: ebooklib's page-list
takes every element with an ``epub:type``) and the stylesheet are ours
(``epub_xhtml``, ``epub_style``).  ebooklib 0.20 stamps the wall-clock time on every
ZIP entry, so the archive is rewritten by ``zipfix`` and two builds of one issue give
the same bytes.  Metadata the source marks unknown stays out: nothing is invented.

    write_epub(read_issue("source/x.xml"), "build/x.epub")      # fonts embedded
    python -m layout epub source/x.xml -o build/x.epub --no-fonts  # the CLI (layout.cli)
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ebooklib import epub
from lxml import etree

from layout.atomic import atomic_write
from layout.context import Diagnostics
from layout.errors import ResourceError
from layout.fonts import FontSet
from layout.read.model import Figure, Issue
from layout.render import epub_cover, epub_style, epub_xhtml, zipfix
from layout.render.epub_xhtml import TocEntry

#: The book's language when the source gives none: Chinese in simplified script (BCP 47).
LANGUAGE = "zh-Hans"
#: Namespace of the book identifiers: uuid5(this, JSON [paper, date, edition, issue id]).
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:x-newsxml:1:epub")
COVER_IMAGE = "images/cover.png"
#: Image types every EPUB 3.2 reading system shows; others are re-encoded as PNG.
A11Y_SUMMARY = (
    "本电子书由报纸版面的源文件生成，按原版面的阅读顺序排列，每版的头条在前：每篇文章有标题层级，"
    "标题大小按印刷字号递减，目录按版面列出各篇标题，页码列表对应印刷版的版面；图片附有图说，"
    "原版面未收录的图片只保留图说。文字可重排，字体与颜色可由阅读软件调整。"
)
#: The conformance claim (EPUB Accessibility 1.1 §2.3) and who makes it: the checks the
#: build runs (epubcheck, Ace by DAISY, axe-core with every rule) on every book.
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
CERTIFIED_BY = "newslayout（自动检查：epubcheck、Ace by DAISY、axe-core）"
#: Apple Books shows embedded fonts only when the book says so.
APPLE_OPTIONS_PATH = "META-INF/com.apple.ibooks.display-options.xml"
APPLE_OPTIONS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<display_options>\n  <platform name="*">\n'
    b'    <option name="specified-fonts">true</option>\n  </platform>\n</display_options>\n'
)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class Asset:
    """A file of the book other than a content document."""

    href: str
    data: bytes
    media_type: str


# -- identifiers and metadata ----------------------------------------------------------


def book_identifier(issue: Issue) -> str:
    """A stable ``urn:uuid``: the same issue gives the same identifier in every build."""
    m = issue.meta
    name = json.dumps([m.paper, m.date, m.edition, issue.id], ensure_ascii=False)
    return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, name)}"


def modified_time(epoch: int) -> dt.datetime:
    """``dcterms:modified`` from SOURCE_DATE_EPOCH, in UTC (ebooklib appends the ``Z``)."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).replace(tzinfo=None)


def build_epoch(issue: Issue, environ: Mapping[str, str] | None = None) -> int:
    """The book's one date (``dcterms:modified``, the ZIP entries), reproducible and true:

    SOURCE_DATE_EPOCH when set; else the issue's date (midnight UTC) when the source gives
    it; else the time the source file was last modified, the date its content has.  Never a
    made-up constant such as 2000-01-01 presented as the book's modification date.
    """
    env = os.environ if environ is None else environ
    if env.get("SOURCE_DATE_EPOCH", "").strip():
        return zipfix.source_date_epoch(env)
    if issue.meta.date:
        try:
            day = dt.date.fromisoformat(issue.meta.date[:10])
        except ValueError:
            pass
        else:
            return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())
    try:
        return int(Path(issue.source).stat().st_mtime)
    except OSError:
        return zipfix.source_date_epoch(env)


def source_description(issue: Issue) -> str:
    """``dc:source``: the print edition the page numbers come from, and how reliable they are."""
    text = f"印刷版：{issue.meta.display_title}"
    if any(p.label is None for p in issue.pages):
        text += "；版次未知，页码按实体顺序编号"
    return text


def language(issue: Issue) -> str:
    """The source's language tag (``zh-Hans`` in the sample), else ``zh-Hans``."""
    return issue.meta.language or LANGUAGE


def _meta(book: epub.EpubBook, prop: str, value: str, **attrs: str) -> None:
    book.add_metadata(None, "meta", value, {"property": prop, **attrs})


def add_metadata(book: epub.EpubBook, issue: Issue) -> None:
    """Title, language, identifier, what is known of the paper, source and accessibility."""
    m = issue.meta
    book.IDENTIFIER_ID = "bookid"
    book.set_identifier(book_identifier(issue))
    book.set_title(m.display_title)
    book.set_language(language(issue))
    if m.paper:
        book.add_metadata("DC", "publisher", m.paper)
    if m.date:
        book.add_metadata("DC", "date", m.date)
    if m.note:
        book.add_metadata("DC", "description", m.note, {XML_LANG: m.note_language or language(issue)})
    book.add_metadata("DC", "source", source_description(issue), {"id": "src"})
    _meta(book, "source-of", "pagination", refines="#src")
    add_a11y_metadata(book, issue)


def add_a11y_metadata(book: epub.EpubBook, issue: Issue) -> None:
    """Schema.org accessibility metadata and the EPUB Accessibility 1.1 conformance claim."""
    for mode in ("textual", "visual"):  # the cover and any photographs are images
        _meta(book, "schema:accessMode", mode)
    _meta(book, "schema:accessModeSufficient", "textual")
    features = ["tableOfContents", "pageNavigation", "printPageNumbers", "readingOrder", "structuralNavigation", "displayTransformability"]
    pictures = [f for p in issue.pages for it in p.items for f in _figures_of(it) if f.src is not None]
    if pictures and all(epub_xhtml.image_alt(f) for f in pictures):
        features.append("alternativeText")
    for feature in features:
        _meta(book, "schema:accessibilityFeature", feature)
    _meta(book, "schema:accessibilityHazard", "none")
    _meta(book, "schema:accessibilitySummary", A11Y_SUMMARY)
    _meta(book, "dcterms:conformsTo", CONFORMS_TO)
    _meta(book, "a11y:certifiedBy", CERTIFIED_BY)


# -- images ----------------------------------------------------------------------------


def _image_bytes(fig: Figure) -> tuple[bytes, str, str]:
    """(bytes, extension, media type), typed by content; what readers cannot show (CMYK,
    TIFF, 16 bits) becomes an sRGB JPEG or PNG (``layout.images``)."""
    from layout import images

    assert fig.src is not None
    try:
        return images.for_epub(fig.src)
    except images.ImageProblem as exc:
        raise ResourceError(f"figure {fig.id}: image {fig.src}: {exc}", fig.pos) from None


def figure_images(issue: Issue) -> dict[str, Asset]:
    """The image of every figure that has one, by figure id, with ASCII file names."""
    figs = [f for p in issue.pages for it in p.items for f in _figures_of(it)]
    out: dict[str, Asset] = {}
    for fig in figs:
        if fig.src is None or fig.id in out:
            continue
        data, ext, media = _image_bytes(fig)
        out[fig.id] = Asset(f"images/fig{len(out) + 1:03d}{ext}", data, media)
    return out


def alt_problems(issue: Issue) -> list[tuple[Figure, str]]:
    """Figures whose image a screen reader cannot describe: no ``alt``, or one that only
    repeats the caption (the EPUB then gives the image an empty ``alt``)."""
    out = []
    for page in issue.pages:
        for fig in (f for it in page.items for f in _figures_of(it)):
            if fig.src is None:
                continue
            if not (fig.alt or "").strip():
                what = "the caption is all a reader hears" if fig.caption else "it has no caption either"
                out.append((fig, f"figure {fig.id!r} has an image but no alt text: {what}"))
            elif not epub_xhtml.image_alt(fig):
                out.append((fig, f"figure {fig.id!r}: its alt text repeats the caption; left out of the EPUB"))
    return out


def _figures_of(item: object) -> tuple[Figure, ...]:
    if isinstance(item, Figure):
        return (item,)
    return tuple(getattr(item, "figures", ()))


# -- the book --------------------------------------------------------------------------


class _Doc(epub.EpubHtml):
    """A content document whose bytes are final (ebooklib would re-parse them as HTML)."""

    def get_content(self, default: bytes | None = None) -> bytes:
        return self.content


class _Nav(epub.EpubNav):
    def get_content(self, default: bytes | None = None) -> bytes:
        return self.content


class _Writer(epub.EpubWriter):
    """ebooklib's writer with our navigation document instead of its generated one, the
    book's language on the OPF ``<package>`` and Apple's display options in META-INF."""

    def _get_nav(self, item: epub.EpubNav) -> bytes:
        return item.content

    def _write_opf_file(self, root: etree._Element) -> None:
        root.set(XML_LANG, self.book.language)
        super()._write_opf_file(root)

    def _write_container(self) -> None:
        super()._write_container()
        self.out.writestr(APPLE_OPTIONS_PATH, APPLE_OPTIONS)


def _ncx_toc(entries: Sequence[TocEntry], prefix: str = "toc") -> list:
    """ebooklib's toc structure (used for the NCX): Section with children, or Link."""
    out: list = []
    for i, e in enumerate(entries, 1):
        uid = f"{prefix}-{i}"
        if e.children:
            out.append((epub.Section(e.title, e.href), _ncx_toc(e.children, uid)))
        else:
            out.append(epub.Link(e.href, e.title, uid))
    return out


def _doc(uid: str, href: str, html: etree._Element, title: str) -> _Doc:
    item = _Doc(uid=uid, file_name=href, media_type="application/xhtml+xml", title=title)
    item.content = epub_xhtml.serialize(html)
    return item


def _asset(uid: str, a: Asset) -> epub.EpubItem:
    return epub.EpubItem(uid=uid, file_name=a.href, media_type=a.media_type, content=a.data)


@dataclass(frozen=True)
class Parts:
    """Everything the book is made of, before packaging."""

    pages: list[tuple[str, str, etree._Element, str]]  # uid, href, tree, title
    nav: etree._Element
    cover: etree._Element
    toc: list[TocEntry]
    images: dict[str, Asset]
    head_sizes: dict[str, float]  # CSS class → em, from the headlines' print sizes

    @property
    def docs(self) -> list[etree._Element]:
        """Every XHTML tree: the pages, the nav, the cover page."""
        return [t for _, _, t, _ in self.pages] + [self.nav, self.cover]

    @functools.cached_property
    def texts(self) -> dict[tuple[str, str], str]:
        """The documents' text by (role, weight): walked once, for the fonts and the cover."""
        return epub_style.text_by_font(self.docs)


def warn_alt_problems(issue: Issue, diagnostics: Diagnostics) -> None:
    """Each of ``alt_problems`` as a warning (code ``alt-text``): the EPUB's and the web's."""
    for fig, message in alt_problems(issue):
        diagnostics.warn(fig.pos, message, "alt-text")


def build_parts(issue: Issue, diagnostics: Diagnostics | None = None) -> Parts:
    """The XHTML trees of the pages, the nav and the cover page, and the figures' images.

    A figure's alt-text problems (``alt_problems``) are warnings, added to ``diagnostics``.
    """
    images = figure_images(issue)
    if diagnostics is not None:
        warn_alt_problems(issue, diagnostics)

    def href_of(fig: Figure) -> str | None:
        return images[fig.id].href if fig.id in images else None

    lead = epub_xhtml.issue_lead(issue)
    pages = [
        (f"p{p.number:03d}", epub_xhtml.page_href(p), epub_xhtml.page_document(p, href_of, lead), epub_xhtml.page_title(p))
        for p in issue.pages
    ]
    toc = epub_xhtml.toc_entries(issue)
    nav = epub_xhtml.nav_document(issue, toc)
    cover = epub_xhtml.cover_document(COVER_IMAGE, epub_cover.cover_alt(issue))
    parts = Parts(pages, nav, cover, toc, images, epub_xhtml.head_sizes(issue))
    for tree in parts.docs:
        epub_xhtml.set_language(tree, language(issue))
    return parts


def _all_chars(issue: Issue, parts: Parts) -> str:
    return issue.all_text() + issue.meta.display_title + "".join(parts.texts.values())


def assemble(issue: Issue, parts: Parts, fs: FontSet, fonts: bool) -> epub.EpubBook:
    """The ebooklib book: metadata, stylesheet, fonts, images, cover, documents, spine, toc."""
    book = epub.EpubBook()
    add_metadata(book, issue)
    embedded = epub_style.embed_fonts(fs, parts.texts) if fonts else []
    css = epub_style.stylesheet(embedded, epub_style.chains_of(fs), parts.head_sizes)
    book.add_item(epub.EpubItem(uid="css", file_name=epub_xhtml.CSS_HREF, media_type="text/css", content=css.encode()))
    for f in embedded:
        book.add_item(_asset(f"font-{f.key.role}-{f.key.weight}", Asset(f.href, f.data, "font/woff2")))
    for i, a in enumerate(parts.images.values(), 1):
        book.add_item(_asset(f"img-{i:03d}", a))
    set_cover(book, epub_cover.render_cover(issue, fs))
    cover = book.add_item(_doc("cover", epub_xhtml.COVER_HREF, parts.cover, "封面"))
    nav = _Nav(uid="nav", file_name=epub_xhtml.NAV_HREF, title="目录")
    nav.content = epub_xhtml.serialize(parts.nav)
    book.add_item(nav)
    pages = [book.add_item(_doc(uid, href, tree, title)) for uid, href, tree, title in parts.pages]
    book.add_item(epub.EpubNcx())
    book.toc = _ncx_toc(parts.toc)
    book.spine = [cover, nav, *pages]
    return book


def set_cover(book: epub.EpubBook, png: bytes) -> None:
    """``book.set_cover(COVER_IMAGE, png, create_page=False)`` with the media type given.

    ebooklib guesses a missing media type with ``mimetypes``, whose first use reads the
    system's MIME tables (~10 ms); the rest is what ``set_cover`` does.
    """
    item = epub.EpubCover(file_name=COVER_IMAGE)
    item.media_type = "image/png"
    item.content = png
    book.add_item(item)
    book.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-img"})


def epub_bytes(book: epub.EpubBook, epoch: int) -> bytes:
    """ebooklib's archive, in memory, deflated at level 0 (stored blocks).

    ``zipfix`` compresses every entry again when it fixes the dates, so ebooklib's own
    deflate (~10 ms at its level 6) would only be undone.
    """
    options = {
        "compresslevel": 0,
        "epub3_pages": False,
        "epub3_landmark": False,
        "epub2_guide": False,
        "mtime": modified_time(epoch),
        "raise_exceptions": True,
    }
    buf = io.BytesIO()
    writer = _Writer(buf, book, options)
    writer.process()
    writer.write()
    return buf.getvalue()


# -- output ----------------------------------------------------------------------------


def write_epub(issue: Issue, out_path: str | Path, *, fonts: bool = True, font_set: FontSet | None = None,
               epoch: int | None = None, diagnostics: Diagnostics | None = None) -> Path:
    """Write the EPUB 3 edition of ``issue`` to ``out_path``; ``fonts=False`` embeds no fonts.

    The cover is drawn with the fonts either way.  The bytes depend only on the issue,
    the fonts, the library versions and the date of ``build_epoch`` (SOURCE_DATE_EPOCH,
    else the issue's date, else the source file's modification time).  Warnings go to
    ``diagnostics`` (the build context's sink), never to stderr.
    """
    epoch = build_epoch(issue) if epoch is None else epoch
    parts = build_parts(issue, diagnostics)
    fs = font_set or FontSet.load(extra_chars=_all_chars(issue, parts))
    buf = io.BytesIO()
    zipfix.rewrite_epub(epub_bytes(assemble(issue, parts, fs, fonts), epoch), buf, epoch=epoch)
    return atomic_write(Path(out_path), buf.getvalue())
