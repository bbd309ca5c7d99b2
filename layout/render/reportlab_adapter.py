"""Every use ReportLab does not document, in one place, checked by ``check`` (and a test).

The PDF back end draws through ReportLab's canvas and writes its own objects with
``pdfdoc``'s classes.  Three things have no public call, so they live here:

* a font resource of our own (a Type 0 font) in the pages' shared ``/Font``
  dictionary, made when the document is written (``doc.delayedFonts``, as ReportLab's
  TrueType fonts do it) and named in ``doc.fontMapping``;
* page dictionary entries ReportLab does not know (``/StructParents``, ``/Tabs``): a
  page formats the keys its ``__NoDefault__`` lists;
* a canvas without an initial font: a registered "dynamic" font makes ReportLab write
  no ``BT /F1 12 Tf ET`` preamble (which would pull in an unembedded Helvetica);
* the document's date and ``/ID`` seed taken from the build's epoch (``pin_date``), not
  from the process environment.

ReportLab's TrueType module imports ``uharfbuzz`` to shape text, which this toolkit never
asks of it; the import is hidden while ReportLab loads (``uharfbuzz`` is imported for
real by the font layer).  A ReportLab upgrade that changes any of this fails ``check``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from reportlab import Version as REPORTLAB_VERSION
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFDictionary,
    PDFObjectReference,
    PDFStream,
    PDFString,
    PDFZCompress,
)

_hide = "uharfbuzz" not in sys.modules
if _hide:
    sys.modules["uharfbuzz"] = None  # type: ignore[assignment]  # "import uharfbuzz" fails
try:
    from reportlab.pdfgen.canvas import Canvas  # imports ttfonts
finally:
    if _hide:
        del sys.modules["uharfbuzz"]

__all__ = ["REPORTLAB_VERSION", "Canvas", "PDFArray", "PDFDictionary", "PDFObjectReference",
           "PDFStream", "PDFString", "PDFZCompress", "add_font", "check", "new_canvas", "page_entries",
           "pin_date", "reference"]

NO_FONT = "layout-no-initial-font"
#: the ReportLab majors this adapter was written against
KNOWN_MAJORS = ("4", "5")


class _NoFontFace:
    name = NO_FONT.encode()


class _NoFont:
    """A dynamic font that is never drawn: the canvas's initial font."""

    fontName = NO_FONT
    face = _NoFontFace()
    _dynamicFont = 1
    _multiByte = 0


def new_canvas(out, pagesize: tuple[float, float], lang: str | None) -> Canvas:
    """An invariant, compressed canvas that declares no font of its own."""
    if NO_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(_NoFont())
    return Canvas(out, pagesize=pagesize, invariant=1, pageCompression=1,
                  initialFontName=NO_FONT, lang=lang)


def pin_date(canvas: Canvas, epoch: int) -> None:
    """Date the document (``CreationDate``, ``ModDate``) and seed its ``/ID`` with the
    build's epoch: ReportLab takes both from ``SOURCE_DATE_EPOCH`` in the process
    environment, which a build passed its epoch explicitly must not depend on.  Done the
    way ReportLab's ``PDFDocument.__init__`` does it (an unset variable is its float
    946684800.0), so the bytes are those ReportLab makes for that environment."""
    from hashlib import md5
    from time import gmtime

    doc = canvas._doc
    stamp = doc._timeStamp
    t = 946684800.0 if epoch == 946684800 else epoch
    stamp.t, stamp.lt = t, gmtime(t)
    stamp.YMDhms, stamp.dhh, stamp.dmm, stamp.tzname = tuple(stamp.lt)[:6], 0, 0, "UTC"
    doc.signature = md5(b"a reportlab document", usedforsecurity=False)
    doc.signature.update(ascii(t).encode("latin-1"))


class _Delayed:
    __slots__ = ("fontName", "make", "resource")

    def __init__(self, resource: str, make: Callable[[pdfdoc.PDFDocument], PDFDictionary]):
        self.fontName = resource
        self.resource = resource
        self.make = make

    def addObjects(self, doc: pdfdoc.PDFDocument) -> None:  # noqa: N802 - ReportLab's name
        ref = doc.Reference(self.make(doc), "Font." + self.resource)
        doc.idToObject["BasicFonts"].dict[self.resource] = ref


def add_font(canvas: Canvas, resource: str,
             make: Callable[[pdfdoc.PDFDocument], PDFDictionary]) -> None:
    """Put a font in every page's ``/Font`` dictionary as ``resource``; ``make(doc)``
    builds its dictionary when the document is written (after the last page)."""
    doc = canvas._doc
    doc.fontMapping[resource] = "/" + resource
    doc.delayedFonts.append(_Delayed(resource, make))


def document(canvas: Canvas) -> pdfdoc.PDFDocument:
    return canvas._doc


def reference(canvas: Canvas, obj) -> PDFObjectReference:
    """An indirect reference to ``obj`` (registered as a document object)."""
    return canvas._doc.Reference(obj)


def this_page(canvas: Canvas) -> PDFObjectReference:
    """A reference to the page being drawn (valid once ``showPage`` added it)."""
    return canvas._doc.thisPageRef()


def page_entries(canvas: Canvas, index: int, entries: dict[str, object]) -> None:
    """Add ``entries`` to the dictionary of page ``index`` (0-based, already shown)."""
    page = canvas._doc.Pages.pages[index]
    page.__NoDefault__ = [*type(page).__NoDefault__, *entries]
    for k, v in entries.items():
        setattr(page, k, v)


def check() -> None:
    """Raise if this ReportLab lacks what the adapter relies on."""
    import io

    problems = []
    if REPORTLAB_VERSION.split(".")[0] not in KNOWN_MAJORS:
        problems.append(f"ReportLab {REPORTLAB_VERSION} is not a known major {KNOWN_MAJORS}")
    c = new_canvas(io.BytesIO(), (10, 10), None)
    doc = getattr(c, "_doc", None)
    for attr in ("fontMapping", "delayedFonts", "idToObject", "Pages", "Reference",
                 "thisPageRef", "_timeStamp", "signature"):
        if not hasattr(doc, attr):
            problems.append(f"PDFDocument has no {attr}")
    if "BasicFonts" not in getattr(doc, "idToObject", {}):
        problems.append("no shared BasicFonts dictionary")
    if not isinstance(getattr(pdfdoc.PDFPage, "__NoDefault__", None), list):
        problems.append("PDFPage.__NoDefault__ is not a list of keys")
    if "BT" in getattr(c, "_preamble", "BT"):
        problems.append("the canvas writes an initial font")
    if problems:
        raise RuntimeError("ReportLab changed: " + "; ".join(problems)
                           + " (see layout/render/reportlab_adapter.py)")
