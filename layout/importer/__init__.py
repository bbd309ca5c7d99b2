"""``python -m layout import``: a past page's PDF or ALTO (+METS) → issue XML, proved by a rebuild.

The steps are the folders' modules: ``pdf``/``alto`` read (in a child process under
resource limits, ``guard``), ``lines`` and ``segment`` find lines, frames and blocks,
``analyse`` reads them as an archivist would, ``write`` emits the issue XML, ``infer``
chooses each frame's composition style by composing it, and ``report`` rebuilds the
issue and counts what came back.  See docs/import.md.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path

from lxml import etree

from layout.atomic import atomic_write
from layout.errors import InputError, SourcePos


def sniff(path: Path) -> str:
    """'pdf' or 'xml' by the first bytes (never by the name)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", SourcePos(str(path))) from None
    stripped = head.lstrip(b"\xef\xbb\xbf\x00\t\n\r ")
    if stripped.startswith(b"%PDF-"):
        return "pdf"
    if stripped.startswith(b"<"):
        return "xml"
    raise InputError("neither a PDF nor an ALTO/METS XML file", SourcePos(str(path)))


def read_pages(path: Path, password: str | None = None):
    """The scanned pages of a PDF, an ALTO file or a METS file (with its ALTO files)."""
    if sniff(path) == "pdf":
        from layout.importer.pdf import read_pdf

        return read_pdf(path, password)
    from layout.importer.alto import read_alto_or_mets

    return read_alto_or_mets(path)


def read_and_analyse(path: Path, password: str | None = None, part: int = 0, parts: int = 1):
    """The pages k with k % parts == part, read and analysed: (number, characters read, model)."""
    from collections import Counter

    from layout.importer.analyse import analyse_page

    if sniff(path) == "pdf":
        from layout.importer.pdf import read_pdf

        scans = read_pdf(path, password, part, parts)
    else:
        from layout.importer.alto import read_alto_or_mets

        scans = [s for k, s in enumerate(read_alto_or_mets(path)) if k % parts == part]
    return [(s.number, Counter(c.ch for c in s.chars), analyse_page(s)) for s in scans]


def _pages_of(path: Path) -> int:
    """How many pages to expect (to decide whether to read in two processes)."""
    try:
        size = path.stat().st_size
        if sniff(path) != "pdf":
            return 1 if size < 4 * 1024 * 1024 else 2
        with path.open("rb") as fh:
            head = fh.read(64 * 1024)
    except (OSError, InputError):
        return 1
    return 2 if head.count(b"/Type /Page\n") + head.count(b"/Type/Page") > 1 or size > 1024 * 1024 else 1


def run_import(source: str | Path, out: str | Path, *, report: str | Path | None = None,
               password: str | None = None, isolate: bool = True, infer: bool = True):
    """Import ``source`` into the issue XML ``out``; returns the report (a dict)."""
    from layout.importer.guard import in_children
    from layout.importer.report import fidelity
    from layout.importer.write import issue_xml

    src = Path(source)
    out = Path(out)
    if out.resolve() == src.resolve():
        raise InputError("the output would overwrite the input", SourcePos(str(src)))
    # read and analyse in child processes under limits, the pages shared between two when
    # there are several (PDFium is not thread-safe: processes, never threads)
    parts = 2 if isolate and (os.cpu_count() or 1) > 1 and _pages_of(src) > 1 else 1
    if isolate:
        done = in_children(read_and_analyse, src, [(password, k, parts) for k in range(parts)])
    else:
        done = [read_and_analyse(src, password)]
    pages = sorted((p for part in done for p in part), key=lambda p: p[0])
    models = [m for _, _, m in pages]
    read_chars = sum((c for _, c, _ in pages), Counter())
    issue_id = "imported-" + "".join(ch if ch.isalnum() else "-" for ch in src.stem)[:60]
    images: dict[str, bytes] = {}
    image_dir = f"{out.stem}-images"
    root = issue_xml(models, issue_id, src.name, images, image_dir)
    _check_images(out.parent, images, src)
    choices = {}
    with tempfile.TemporaryDirectory(prefix="layout-import-") as tmp:  # the composer's
        # placeholder warnings go to its diagnostics (nothing in the package writes stderr)
        draft = Path(tmp) / "draft.xml"
        for rel, data in images.items():  # beside the draft too: the reader checks them
            (Path(tmp) / rel).parent.mkdir(parents=True, exist_ok=True)
            (Path(tmp) / rel).write_bytes(data)
        draft.write_bytes(_bytes(root))
        from layout.read import read_issue

        issue = read_issue(draft)
        fonts = _fonts(issue)
        if infer:
            choices = _infer(root, issue, models, fonts, isolate)
            draft.write_bytes(_bytes(root))
        result = fidelity(draft, models, read_chars, choices, fonts, parallel=isolate)
    for rel, data in images.items():
        (out.parent / rel).parent.mkdir(parents=True, exist_ok=True)
        atomic_write(out.parent / rel, data)
    atomic_write(out, _bytes(root))
    result["images"] = sorted(images)
    result["source"] = str(src)
    result["output"] = str(out)
    if report:
        import json

        atomic_write(Path(report), json.dumps(result, ensure_ascii=False, indent=1).encode() + b"\n")
    return result


def _check_images(folder: Path, images: dict[str, bytes], src: Path) -> None:
    """Images are written beside the output only as new files (or the same bytes again):
    never over a file the import did not write, never over the input."""
    for rel in images:
        target = folder / rel
        if target.resolve() == src.resolve() or (target.exists() and target.read_bytes() != images[rel]):
            raise InputError(f"{target} exists: the import does not overwrite files it did not write",
                             SourcePos(str(src)))


def _bytes(root) -> bytes:
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def _fonts(issue):
    """The fonts for the imported text, loaded once for inference and the rebuild."""
    from layout.fonts import FontSet
    from layout.pipeline import text_items

    items = list(text_items(issue))
    fonts = FontSet.load(extra_chars="".join(sorted({ch for ch, *_ in items})))
    fonts.prepare(fonts.check_coverage(items))
    return fonts


def _scores(_path, issue, fonts, observed, part, parts):
    from layout.importer.infer import frame_scores

    return frame_scores(issue, fonts, observed, part, parts)


def _infer(root, issue, models, fonts, isolate: bool = True) -> dict:
    from layout.compose.style import STYLES
    from layout.importer.infer import infer_styles
    from layout.importer.write import NS

    frames = {}
    for m in models:
        for f in m.frames:
            frames[f.id] = f
            for g in f.figures:
                frames[g.id] = g
    observed = {fid: f.observed() for fid, f in frames.items() if f.kind != "furniture" and f.observed()}
    scores = None
    if isolate and (os.cpu_count() or 1) > 1 and len(observed) > 4:
        # the frames shared between two forked processes (the fonts are loaded once, here)
        from layout.importer.guard import in_children

        parts = in_children(_scores, issue.pages[0].pos.file, [(issue, fonts, observed, k, 2) for k in range(2)])
        scores = {fid: s for part in parts for fid, s in part.items()}
    choices = infer_styles(issue, fonts, observed, scores)
    by_id = {e.get("id"): e for e in root.iter(f"{{{NS}}}article", f"{{{NS}}}box", f"{{{NS}}}figure")}
    for fid, ch in choices.items():
        e = by_id[fid]
        tie = f"; ties: {', '.join(ch.ties)}" if ch.ties else ""
        tried = f"tried {', '.join(STYLES)}" if ch.tried == len(STYLES) else \
            f"the first of {ch.tried} tried to reproduce every line"
        note = (f" composition {ch.style}: {ch.score} of {ch.lines} observed lines reproduced"
                f" ({tried}){tie}; measure from the line widths ")
        if e.tag == f"{{{NS}}}figure":
            cap = e.find(f"{{{NS}}}caption")
            cap.set("composition", ch.style)
        else:
            e.set("composition", ch.style)
            for g in list(e.iter(f"{{{NS}}}group")):
                if ch.ungroup:  # the regions alone make these lines narrower
                    at = e.index(g)
                    for k, p in enumerate(list(g)):
                        e.insert(at + k, p)
                    e.remove(g)
                else:
                    g.set("composition", ch.group or ch.style)
            if ch.group:
                note += f"; narrower paragraphs (group): {ch.group} "
            old = [c for c in e if isinstance(c, etree._Comment)]
            for c in old:
                e.remove(c)
            e.insert(0, etree.Comment(note))
        frames[fid].composition = ch.style
    return choices
