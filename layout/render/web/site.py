"""Write the web edition: every issue's folder, the shared assets, the front page, search.

    site/
      index.html  search.html  assets/  pagefind/        the whole site
      <stem>/index.html                                 an issue's pages and articles
      <stem>/page-001.html  img/page-001-{1600,800,240}.png
      <stem>/<article id>.html  style/book.css  fonts/*.woff2  images/

The site is built in a temporary folder beside the output and swapped in whole: a
failed build leaves the previous site intact.  An existing output folder is replaced
only if this tool made it (its ``.newslayout-web`` marker) or it is empty.  Nothing
in the bytes depends on the clock or on the order the file system lists files in.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from layout.atomic import OutputError
from layout.context import BuildContext
from layout.errors import InputError, SourcePos
from layout.render.web import views
from layout.render.web.archive_index import IssueEntry, archive_index, search_page
from layout.render.web.document import serialize
from layout.render.web.images import PageRenderer
from layout.render.web.search import build_index
from layout.render.web.targets import issue_items, item_file

MARKER = ".newslayout-web"
STATIC = ("icon.svg", "site.css", "site.js", "search.js")


@dataclass(frozen=True)
class SiteReport:
    """What was written: per issue folder its entry, and the site's files and bytes."""

    out: Path
    issues: tuple[IssueEntry, ...]
    files: int
    bytes: int


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_issue(source: str | Path, folder: Path, jobs: int = 2, ctx: BuildContext | None = None) -> IssueEntry:
    """One issue's folder: page views and images, article pages, the index, CSS and fonts.

    Warnings (the composer's, a figure's alt text as the EPUB judges it) go to ``ctx``'s
    diagnostics."""
    from layout.pipeline import build
    from layout.render import epub_style, epub_xhtml
    from layout.render.epub import figure_images, language, warn_alt_problems
    from layout.render.pdf import render_pdf

    ctx = ctx or BuildContext()
    built = build(source, ctx)
    issue, fonts = built.issue, built.fonts
    lang = language(issue)
    assets = figure_images(issue)
    warn_alt_problems(issue, ctx.diagnostics)
    view = views.IssueContext(issue, lang, lambda fig: assets[fig.id].href if fig.id in assets else None,
                              epub_xhtml.issue_lead(issue))

    renderer = PageRenderer(render_pdf(issue, built.layout, fonts), len(issue.pages), jobs)
    try:
        docs = {}  # written while the pages are rendered
        for page, page_layout in zip(issue.pages, built.layout.pages, strict=True):
            docs[views.page_file(page)] = views.page_view(view, page, page_layout)
        for page, item in issue_items(issue):
            docs[item_file(item)] = views.article_page(view, page, item)
        layouts = {p.number: pl for p, pl in zip(issue.pages, built.layout.pages, strict=True)}
        docs["index.html"] = views.issue_index(view, layouts)
        embedded = epub_style.embed_fonts(fonts, epub_style.text_by_font(docs.values()))
        pictures = renderer.result()
    finally:
        renderer.close()
    for page, imgs in zip(issue.pages, pictures, strict=True):
        for img in imgs:
            _write(folder / views.image_file(page, img.width), img.data)
    css = epub_style.stylesheet(embedded, epub_style.chains_of(fonts), epub_xhtml.head_sizes(issue))
    _write(folder / "style" / "book.css", css.encode("utf-8"))
    for f in embedded:
        _write(folder / f.href, f.data)
    for a in assets.values():
        _write(folder / a.href, a.data)
    for name in sorted(docs):
        _write(folder / name, serialize(docs[name]))
    m = issue.meta
    return IssueEntry(folder.name, m.display_title, m.date, len(issue.pages), len(issue.articles), lang)


def _check_output(out: Path) -> None:
    """A wrong output path is the user's input (exit 2, ``layout.errors``); only writing
    itself fails with an ``OutputError`` (exit 4)."""
    if out.exists() and not out.is_dir():
        raise InputError(f"cannot write the site to {out}: it is a file, not a folder", SourcePos(str(out)))
    if out.is_dir() and not (out / MARKER).exists() and any(out.iterdir()):
        raise InputError(
            f"{out} is a folder this tool did not make (no {MARKER}); choose an empty or new folder",
            SourcePos(str(out)),
        )


def _swap(tmp: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
        os.replace(out, old / "site")
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old)


def _size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def write_site(sources: Sequence[str | Path], out: str | Path, *, jobs: int = 2,
               ctx: BuildContext | None = None) -> SiteReport:
    """Build the web edition of ``sources`` (one issue each) into the folder ``out``;
    warnings go to ``ctx``'s diagnostics (the CLI prints them)."""
    out = Path(out)
    _check_output(out)
    stems: dict[str, str] = {}
    for s in sources:
        stem = Path(s).stem
        if stem in stems:
            raise InputError(f"two sources would share the site folder {stem}/: {stems[stem]} and {s}", SourcePos(str(s)))
        stems[stem] = str(s)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent))
    except OSError as exc:
        raise OutputError(f"cannot write to {out.parent}: {exc.strerror}", SourcePos(str(out))) from None
    try:
        entries = [write_issue(s, tmp / stem, jobs, ctx) for stem, s in sorted(stems.items())]
        static = resources.files("layout.render.web") / "static"
        for name in STATIC:
            _write(tmp / "assets" / name, (static / name).read_bytes())
        lang = entries[0].lang if entries else "zh-Hans"
        _write(tmp / "index.html", serialize(archive_index(entries, lang)))
        _write(tmp / "search.html", serialize(search_page(lang)))
        build_index(tmp)
        (tmp / MARKER).write_text("web edition written by python -m layout web\n")
        for p in sorted(tmp.rglob("*")):
            os.chmod(p, 0o755 if p.is_dir() else 0o644)
        files, size = _size(tmp)
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return SiteReport(out, tuple(entries), files, size)
