"""The printed pages as pictures, drawn from our own PDF by PDFium (``pypdfium2``).

The PDF is rendered once per page at the largest width; the smaller ones are
downsampled from it.  Pages are grey (the print edition is black on white and tints),
saved as 8-bit greyscale PNG: sharp type, no JPEG ringing, deterministic bytes.
PDFium renders one page at a time (it is not thread-safe); PNG encoding, which
releases the GIL, runs in threads.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

#: pixel widths of the page images: the responsive pair and the issue index's thumbnail
WIDTHS = (1600, 800)
THUMB = 240
#: zlib level: 3 is within 2 % of 9 for type on white at a third of the time
PNG_LEVEL = 3


@dataclass(frozen=True)
class PageImage:
    """One rendered size of one page."""

    width: int
    height: int
    data: bytes


def _png(im) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG", compress_level=PNG_LEVEL)
    return buf.getvalue()


def _sizes(im) -> list[PageImage]:
    from PIL import Image

    out = []
    for w in (*WIDTHS, THUMB):
        h = round(im.height * w / im.width)
        scaled = im if w == im.width else im.resize((w, h), Image.Resampling.LANCZOS)
        out.append(PageImage(w, h, _png(scaled)))
    return out


def render_pages(pdf: bytes, jobs: int = 2) -> Iterator[list[PageImage]]:
    """Per page of ``pdf``: its images at ``WIDTHS`` then ``THUMB``, in page order."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = []
            for i in range(len(doc)):
                page = doc[i]
                scale = WIDTHS[0] / page.get_width()
                bitmap = page.render(scale=scale, grayscale=True)
                futures.append(pool.submit(_sizes, bitmap.to_pil().copy()))
                page.close()
            for f in futures:
                yield f.result()
    finally:
        doc.close()
