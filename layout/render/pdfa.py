"""Turn the ReportLab PDF into PDF/A-2b for archive builds, byte-reproducibly.

ReportLab embeds subset TrueType fonts with ToUnicode but writes no XMP or output
intent, and an empty ``/Trans`` on every page that pikepdf's allowlist validator does
not recognise.  So: drop ``/Trans``, let ``pikepdf.pdfa.prepare`` add the sRGB output
intent and the PDF/A XMP, then pin what ``prepare`` takes from the clock
(``xmp:MetadataDate``, ``pdf:Producer``) to SOURCE_DATE_EPOCH and our name, add the
issue facts the source knows (language, date, identifier), and save with a
deterministic ``/ID``.  ``pikepdf.pdfa.save`` validates the bytes it writes; a
failure raises and leaves the input PDF untouched.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
from pikepdf import Name, pdfa

from layout import __version__
from layout.atomic import atomic_write
from layout.context import epoch_from_env as source_date
from layout.errors import LayoutError, SourcePos
from layout.read.model import Issue

FLAVOUR = "2b"
ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class PdfaFailed(LayoutError):
    """The converted file did not pass PDF/A validation (an internal error: exit 1)."""


@dataclass(frozen=True)
class PdfaResult:
    path: Path
    flavour: str
    verdict: str
    summary: str


def producer() -> str:
    return f"layout {__version__} (ReportLab, pikepdf {pikepdf.__version__})"


def drop_transitions(pdf: pikepdf.Pdf) -> int:
    """Remove ReportLab's empty ``/Trans`` page entries; return how many."""
    n = 0
    for page in pdf.pages:
        if Name.Trans in page.obj:
            del page.obj[Name.Trans]
            n += 1
    return n


def pin_metadata(pdf: pikepdf.Pdf, issue: Issue, epoch: int) -> None:
    """Fix what ``prepare`` took from the clock; add only facts the source states."""
    when = datetime.fromtimestamp(epoch, UTC).isoformat()
    meta = issue.meta
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
        xmp["xmp:MetadataDate"] = when
        xmp["pdf:Producer"] = producer()
        xmp["dc:format"] = "application/pdf"
        xmp["dc:identifier"] = issue.id
        if meta.language:
            xmp["dc:language"] = {meta.language}
        if meta.date and ISO_DATE.match(meta.date):
            xmp["dc:date"] = [meta.date]
        if meta.paper:
            xmp["dc:publisher"] = {meta.paper}
    pdf.docinfo[Name.Producer] = producer()  # DocInfo and XMP must agree


def pdfa_bytes(data: bytes, issue: Issue, epoch: int | None = None) -> tuple[bytes, pdfa.Report]:
    """The PDF/A-2b version of a ReportLab PDF, validated by pikepdf."""
    epoch = source_date() if epoch is None else epoch
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        drop_transitions(pdf)
        pdfa.prepare(pdf, FLAVOUR)
        pin_metadata(pdf, issue, epoch)
        try:
            report = pdfa.save(pdf, out, FLAVOUR, repair=False, deterministic_id=True)
        except pdfa.PdfaError as exc:
            raise PdfaFailed(f"PDF/A-{FLAVOUR} validation failed: {exc.report.summary()}",
                             SourcePos(issue.source)) from None
    return out.getvalue(), report


def make_pdfa(pdf_path: str | Path, issue: Issue) -> PdfaResult:
    """Convert ``pdf_path`` in place to PDF/A-2b (atomically; untouched on failure)."""
    path = Path(pdf_path)
    data, report = pdfa_bytes(path.read_bytes(), issue)
    atomic_write(path, data)
    return PdfaResult(path, FLAVOUR, report.verdict, report.summary())


def validate(path: str | Path) -> pdfa.Report:
    """pikepdf's PDF/A-2b verdict on a written file (for tests and the archive report)."""
    return pdfa.validate_written(Path(path), FLAVOUR)
