"""Turn the tagged PDF into PDF/A-2u for archive builds, byte-reproducibly.

The PDF embeds its fonts (Type 0, with ToUnicode) and is tagged, with a PDF/UA XMP,
but has no output intent, and ReportLab writes an empty ``/Trans`` on every page that
pikepdf's allowlist validator does not recognise.  So: drop ``/Trans``, let
``pikepdf.pdfa.prepare`` add the sRGB output intent and the PDF/A XMP, then pin what
``prepare`` takes from the clock (``xmp:MetadataDate``, ``pdf:Producer``) to
SOURCE_DATE_EPOCH and our name, add the issue facts the source knows (language, date,
identifier), and save with a deterministic ``/ID``.

Level U (PDF/A-2 with every glyph mapped to Unicode) is level B plus that mapping.
pikepdf's validator checks level B (``pikepdf.pdfa.save`` validates the bytes it
writes; a failure raises and leaves the input PDF untouched); ``unicode_findings``
checks the mapping: every font has a ToUnicode CMap that maps every glyph code the
content streams show.  Then the XMP is marked ``pdfaid:conformance U``.
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

FLAVOUR = "2u"
#: the level pikepdf validates; level U adds the Unicode mapping, checked here
BASE_FLAVOUR = "2b"
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


def unicode_findings(pdf: pikepdf.Pdf) -> list[str]:
    """What keeps ``pdf`` from PDF/A level U: a font without ToUnicode, a glyph code a
    page shows that its font's ToUnicode does not map (two-byte codes of Type 0 fonts)."""
    findings = []
    mapped: dict[tuple[int, int], set[bytes] | None] = {}
    for number, page in enumerate(pdf.pages, 1):
        fonts = page.Resources.get(Name.Font, {})
        for name, font in fonts.items():
            key = font.objgen
            if key not in mapped:
                if Name.ToUnicode not in font:
                    findings.append(f"page {number}: font {name} has no ToUnicode")
                    mapped[key] = None
                    continue
                cmap = font.ToUnicode.read_bytes().decode("latin-1")
                mapped[key] = {bytes.fromhex(c) for c in re.findall(r"<([0-9A-Fa-f]{4})>\s*<", cmap)}
        current = None
        for operands, op in pikepdf.parse_content_stream(page, "Tf TJ Tj"):
            if str(op) == "Tf":
                current = fonts.get(str(operands[0]))
                continue
            codes = mapped.get(current.objgen) if current is not None else None
            if codes is None:
                continue
            for item in (operands[0] if str(op) == "TJ" else [operands[0]]):
                if isinstance(item, pikepdf.String):
                    data = bytes(item)
                    missing = {data[k:k + 2] for k in range(0, len(data), 2)} - codes
                    if missing:
                        findings.append(f"page {number}: glyph codes without Unicode "
                                        f"{sorted(m.hex() for m in missing)[:5]}")
    return findings


def _declare_level_u(data: bytes) -> bytes:
    """The validated level-B bytes, declared level U (the Unicode mapping checked).

    ``prepare`` keeps only the XMP schemas PDF/A predefines, so the print PDF's
    ``pdfuaid`` claim is not carried over (pikepdf's validator admits no extension
    schema); the structure tree, ``MarkInfo`` and the language are."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            xmp["pdfaid:conformance"] = "U"
        pdf.save(out, deterministic_id=True)
    return out.getvalue()


def pdfa_bytes(data: bytes, issue: Issue, epoch: int | None = None) -> tuple[bytes, pdfa.Report]:
    """The PDF/A-2u version of the tagged PDF, validated (pikepdf: level B; here: U)."""
    epoch = source_date() if epoch is None else epoch
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        drop_transitions(pdf)
        findings = unicode_findings(pdf)
        if findings:
            raise PdfaFailed(f"PDF/A-{FLAVOUR}: text without Unicode: {'; '.join(findings[:3])}",
                             SourcePos(issue.source))
        pdfa.prepare(pdf, BASE_FLAVOUR)
        pin_metadata(pdf, issue, epoch)
        try:
            report = pdfa.save(pdf, out, BASE_FLAVOUR, repair=False, deterministic_id=True)
        except pdfa.PdfaError as exc:
            raise PdfaFailed(f"PDF/A-{FLAVOUR} validation failed: {exc.report.summary()}",
                             SourcePos(issue.source)) from None
    return _declare_level_u(out.getvalue()), report


def make_pdfa(pdf_path: str | Path, issue: Issue) -> PdfaResult:
    """Convert ``pdf_path`` in place to PDF/A-2u (atomically; untouched on failure)."""
    path = Path(pdf_path)
    data, report = pdfa_bytes(path.read_bytes(), issue)
    atomic_write(path, data)
    return PdfaResult(path, FLAVOUR, report.verdict, report.summary().replace(
        f"PDF/A-{BASE_FLAVOUR}", f"PDF/A-{FLAVOUR}"))


@dataclass(frozen=True)
class Verdict:
    """A PDF/A-2u verdict: "pass" or "fail", and what failed."""

    verdict: str
    findings: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"

    def summary(self) -> str:
        return f"PDF/A-{FLAVOUR}: {self.verdict}" + "".join(f"\n  {f}" for f in self.findings)


def validate(path: str | Path) -> Verdict:
    """The PDF/A-2u verdict on a written file (for tests and the archive report):
    pikepdf's level-B validation of it (declared B for the check) and the Unicode
    mapping of every glyph shown."""
    with pikepdf.open(Path(path)) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            level = xmp.get("pdfaid:conformance")
            part = xmp.get("pdfaid:part")
            xmp["pdfaid:conformance"] = "B"
        findings = [] if (part, level) == ("2", "U") else [
            f"declared PDF/A-{part}{(level or '').lower()}, not PDF/A-{FLAVOUR}"]
        findings += unicode_findings(pdf)
        report = pdfa.check(pdf, BASE_FLAVOUR, deterministic_id=True)
    if not report.passed:
        findings.append(report.summary())
    return Verdict("pass" if not findings else "fail", tuple(findings))
