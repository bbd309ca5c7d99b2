"""METS for one issue: the files (PDF, EPUB, ALTO pages), the pages and the articles.

The physical map lists the pages with their ALTO files; the logical map lists the
articles, boxes and figures in reading order, each pointing into ALTO by ID
(``area BETYPE="IDREF" BEGIN="P1_CB00004"``), with its head parts and body columns as
child divisions.  Descriptive metadata is MODS and says only what the source knows:
unknown paper, date, edition or issue number are left out and listed in a note,
never guessed.  Checksums make the package verifiable; nothing depends on the clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from layout import __version__
from layout.atomic import atomic_write
from layout.compose.boxes import Group, IssueLayout
from layout.context import epoch_from_env as source_date
from layout.read.model import Article, Figure, Issue
from layout.render.alto import PageRefs, iso_date

METS_NS = "http://www.loc.gov/METS/"
MODS_NS = "http://www.loc.gov/mods/v3"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = (
    f"{METS_NS} https://www.loc.gov/standards/mets/mets.xsd "
    f"{MODS_NS} https://www.loc.gov/standards/mods/v3/mods-3-8.xsd"
)
NSMAP = {"mets": METS_NS, "mods": MODS_NS, "xlink": XLINK_NS, "xsi": XSI_NS}
#: layout groups that are logical units, and their METS division types
LOGICAL = {"article": "article", "box": "box", "figure": "illustration"}


def M(tag: str, parent: etree._Element | None = None, text: str | None = None,
      **attrs: object) -> etree._Element:
    """A METS element; ``mods:x`` tags and ``xlink__x`` attributes take those namespaces."""
    el = etree.Element(_ns(tag, METS_NS)) if parent is None else etree.SubElement(parent, _ns(tag, METS_NS))
    for k, v in attrs.items():
        if v is not None:
            el.set(_ns(k.replace("__", ":"), None), str(v))
    if text is not None:
        el.text = text
    return el


def _ns(name: str, default: str | None) -> str:
    """Clark notation for ``prefix:local``; unprefixed names take ``default``."""
    if ":" in name:
        prefix, local = name.split(":", 1)
        return f"{{{NSMAP[prefix]}}}{local}"
    return f"{{{default}}}{name}" if default else name


@dataclass(frozen=True)
class FileRef:
    """One file of the package: METS ID, path on disk, href relative to the METS file."""

    id: str
    path: Path
    href: str
    mimetype: str
    use: str

    def element(self, parent: etree._Element) -> etree._Element:
        data = self.path.read_bytes()
        f = M("file", parent, ID=self.id, MIMETYPE=self.mimetype, SIZE=len(data),
              CHECKSUM=hashlib.sha256(data).hexdigest(), CHECKSUMTYPE="SHA-256")
        M("FLocat", f, LOCTYPE="URL", xlink__href=self.href)
        return f


# -- MODS -------------------------------------------------------------------------------


def issue_mods(issue: Issue, pages: int, media: tuple[str, ...] = ()) -> etree._Element:
    """MODS for the issue: what the source states, and a note naming what it does not."""
    meta = issue.meta
    mods = M("mods:mods")
    if meta.paper:
        M("mods:title", M("mods:titleInfo", mods), meta.paper)
    if meta.title:
        M("mods:title", M("mods:titleInfo", mods, supplied="yes" if not meta.paper else None,
                          type="alternative" if meta.paper else None), meta.title)
    M("mods:typeOfResource", mods, "text")
    M("mods:genre", mods, "newspaper", authority="marcgt")
    if meta.date or meta.edition:
        origin = M("mods:originInfo", mods)
        if meta.date:
            M("mods:dateIssued", origin, meta.date, encoding="iso8601", keyDate="yes")
        if meta.edition:
            M("mods:edition", origin, meta.edition)
    _language(mods, meta.language)
    phys = M("mods:physicalDescription", mods)
    for mimetype in media:
        M("mods:internetMediaType", phys, mimetype)
    M("mods:extent", phys, f"{pages} page" + ("s" if pages != 1 else ""))
    M("mods:digitalOrigin", phys, "born digital")
    if meta.note:
        M("mods:note", mods, meta.note, type="source")
    unknown = [name for name, value in (("paper title", meta.paper), ("date of issue", meta.date),
                                        ("edition", meta.edition), ("issue number", meta.issue_number))
               if not value]
    if unknown:
        M("mods:note", mods, "Not stated in the source and left unknown: " + ", ".join(unknown) + ".",
          type="unknown")
    M("mods:identifier", mods, issue.id, type="local")
    if meta.issue_number:
        detail = M("mods:detail", M("mods:part", mods), type="issue")
        M("mods:number", detail, meta.issue_number)
    return mods


def _language(mods: etree._Element, tag: str) -> None:
    lang = M("mods:language", mods)
    M("mods:languageTerm", lang, tag.split("-")[0], type="code", authority="iso639-1")
    M("mods:languageTerm", lang, tag, type="code", authority="rfc5646")
    if "-Hans" in tag or "-Hant" in tag:
        M("mods:scriptTerm", lang, tag.split("-")[1], type="code", authority="iso15924")


def article_mods(issue: Issue, group: Group, article: Article | None) -> etree._Element:
    """MODS for one article or box: its head parts and byline, as printed."""
    mods = M("mods:mods")
    info = M("mods:titleInfo", mods)
    head = article.head if article else None
    M("mods:title", info, (head.title if head and head.title else group.title) or group.id)
    sub = head.part("subhead") if head else None
    if sub:
        M("mods:subTitle", info, sub.text)
    kicker = head.part("kicker") if head else None
    if kicker:
        M("mods:note", mods, kicker.text, type="kicker")
    if article and article.byline:
        M("mods:note", mods, article.byline.text.strip(), type="statement of responsibility")
    M("mods:typeOfResource", mods, "text")
    M("mods:genre", mods, LOGICAL[group.kind])
    _language(mods, issue.meta.language)
    M("mods:identifier", mods, group.id, type="local")
    return mods


def figure_mods(issue: Issue, group: Group, figure: Figure | None) -> etree._Element:
    """MODS for a picture: no title is invented; the caption and credit are notes."""
    mods = M("mods:mods")
    M("mods:typeOfResource", mods, "still image")
    M("mods:genre", mods, LOGICAL[group.kind])
    if figure and figure.caption:
        M("mods:note", mods, figure.caption.text.strip(), type="caption")
    if figure and figure.credit:
        M("mods:note", mods, figure.credit.text.strip(), type="statement of responsibility")
    if figure and figure.alt:
        M("mods:abstract", mods, figure.alt, type="alt")
    _language(mods, issue.meta.language)
    M("mods:identifier", mods, group.id, type="local")
    return mods


def unit_mods(issue: Issue, group: Group) -> etree._Element:
    if group.kind == "figure":
        return figure_mods(issue, group, issue_figures(issue).get(group.id))
    return article_mods(issue, group, {a.id: a for a in issue.articles}.get(group.id))


def issue_figures(issue: Issue) -> dict[str, Figure]:
    """Every figure of the issue by id, on the page or inside an article."""
    out: dict[str, Figure] = {}
    for page in issue.pages:
        for item in page.items:
            for fig in (item,) if isinstance(item, Figure) else getattr(item, "figures", ()):
                out[fig.id] = fig
    return out


def label(group: Group, limit: int = 40) -> str:
    """A division label: the title, a long caption cut at its first sentence."""
    text = group.title or group.id
    if len(text) > limit:
        cut = text.find("。")
        text = text[: cut + 1] if 0 < cut < limit else text[:limit] + "…"
    return text


def dmd(parent: etree._Element, dmd_id: str, mods: etree._Element) -> None:
    wrap = M("mdWrap", M("dmdSec", parent, ID=dmd_id), MDTYPE="MODS")
    M("xmlData", wrap).append(mods)


# -- structure ---------------------------------------------------------------------------


def logical_groups(layout: IssueLayout, pages: list[PageRefs]) -> Iterator[tuple[Group, PageRefs]]:
    """The logical units in reading order, each with the ALTO page it sits on."""
    for page, refs in zip(layout.pages, pages, strict=True):
        for group in page.groups:
            if group.kind in LOGICAL:
                yield group, refs


def area(parent: etree._Element, file_id: str, begin: str) -> etree._Element:
    return M("area", parent, FILEID=file_id, BETYPE="IDREF", BEGIN=begin)


def logical_div(parent: etree._Element, n: int, group: Group, refs: PageRefs, alto_id: str,
                dmd_id: str) -> etree._Element:
    """An article division: the whole ComposedBlock, then its head parts and body columns."""
    div = M("div", parent, ID=f"LOG_{n:04d}", TYPE=LOGICAL[group.kind], DMDID=dmd_id,
            LABEL=label(group), ORDER=n)
    area(M("fptr", div), alto_id, refs.groups[group.id])
    for k, il in enumerate(refs.figures.get(group.id, ()), 1):
        area(M("fptr", M("div", div, ID=f"LOG_{n:04d}_P{k:02d}", TYPE="picture")), alto_id, il)
    body = []
    for k, tb in enumerate(refs.blocks.get(group.id, ()), 1):
        kind = refs.block_kinds[tb]
        if kind == "body":
            body.append(tb)
            continue
        part = M("div", div, ID=f"LOG_{n:04d}_{k:02d}", TYPE=kind)
        area(M("fptr", part), alto_id, tb)
    if body:
        seq = M("seq", M("fptr", M("div", div, ID=f"LOG_{n:04d}_BODY", TYPE="body")))
        for tb in body:
            area(seq, alto_id, tb)
    return div


def render_mets(issue: Issue, layout: IssueLayout, pages: list[PageRefs], base: Path,
                pdf: Path | None = None, epub: Path | None = None, epoch: int | None = None) -> bytes:
    """The METS document; files are referenced relative to ``base`` (the METS folder)."""
    root = etree.Element(f"{{{METS_NS}}}mets", nsmap=NSMAP)
    for k, v in (("OBJID", issue.id), ("TYPE", "newspaper issue"), ("LABEL", issue.meta.display_title),
                 (f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)):
        root.set(k, v)
    header(root, epoch)
    files = file_refs(pages, base, pdf, epub)
    media = tuple(dict.fromkeys(f.mimetype for f in files))
    dmd(root, "DMD_ISSUE", issue_mods(issue, len(layout.pages), media))
    units = list(logical_groups(layout, pages))
    for n, (group, _) in enumerate(units, 1):
        dmd(root, f"DMD_{n:04d}", unit_mods(issue, group))
    file_sec(root, files)
    alto_ids = {refs.number: f"ALTO_{refs.number:04d}" for refs in pages}
    physical(root, issue, pages, alto_ids, files)
    logical = M("div", M("structMap", root, TYPE="LOGICAL", LABEL="Articles"), ID="LOG_ISSUE",
                TYPE="issue", DMDID="DMD_ISSUE", LABEL=issue.meta.display_title)
    for n, (group, refs) in enumerate(units, 1):
        logical_div(logical, n, group, refs, alto_ids[refs.number], f"DMD_{n:04d}")
    links = M("structLink", root)
    for n, (_, refs) in enumerate(units, 1):
        M("smLink", links, xlink__from=f"LOG_{n:04d}", xlink__to=f"PHYS_{refs.number:04d}")
    return etree.tostring(etree.ElementTree(root), xml_declaration=True, encoding="UTF-8",
                          pretty_print=True)


def header(root: etree._Element, epoch: int | None = None) -> None:
    hdr = M("metsHdr", root, CREATEDATE=iso_date(source_date() if epoch is None else epoch),
            RECORDSTATUS="complete")
    agent = M("agent", hdr, ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    M("name", agent, f"layout {__version__}")
    M("note", agent, "Chinese newspaper typesetting; files generated from the issue XML")


def file_refs(pages: list[PageRefs], base: Path, pdf: Path | None, epub: Path | None) -> list[FileRef]:
    def rel(p: Path) -> str:
        return Path(p).resolve().relative_to(base.resolve()).as_posix()

    files = []
    if pdf:
        files.append(FileRef("PDF", Path(pdf), rel(pdf), "application/pdf", "PDF"))
    if epub:
        files.append(FileRef("EPUB", Path(epub), rel(epub), "application/epub+zip", "EPUB"))
    for refs in pages:
        files.append(FileRef(f"ALTO_{refs.number:04d}", refs.path, rel(refs.path), "text/xml", "ALTO"))
    return files


def file_sec(root: etree._Element, files: list[FileRef]) -> None:
    sec = M("fileSec", root)
    groups: dict[str, etree._Element] = {}
    for f in files:
        if f.use not in groups:
            groups[f.use] = M("fileGrp", sec, USE=f.use, ID=f"FG_{f.use}")
        f.element(groups[f.use])


def physical(root: etree._Element, issue: Issue, pages: list[PageRefs], alto_ids: dict[int, str],
             files: list[FileRef]) -> None:
    smap = M("structMap", root, TYPE="PHYSICAL", LABEL="Pages")
    top = M("div", smap, ID="PHYS_ISSUE", TYPE="issue", LABEL=issue.meta.display_title)
    for f in files:
        if f.use in ("PDF", "EPUB"):
            M("fptr", top, FILEID=f.id)
    for refs in pages:
        div = M("div", top, ID=f"PHYS_{refs.number:04d}", TYPE="page", ORDER=refs.number,
                ORDERLABEL=refs.label)
        M("fptr", div, FILEID=alto_ids[refs.number])


def write_mets(issue: Issue, layout: IssueLayout, pages: list[PageRefs], out: str | Path,
               pdf: Path | None = None, epub: Path | None = None, epoch: int | None = None) -> Path:
    """Write the METS file ``out``; the files it lists must already be written."""
    out = Path(out)
    return atomic_write(out, render_mets(issue, layout, pages, out.parent, pdf, epub, epoch))
