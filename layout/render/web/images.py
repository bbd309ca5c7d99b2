"""The printed pages as pictures, drawn from our own PDF by PDFium (``pypdfium2``).

The PDF is rendered once per page at the largest width; the smaller ones are
downsampled from it.  Pages are grey (the print edition is black on white and tints),
saved as PNG of 16 greys (4 bits): sharp type, no JPEG ringing, deterministic bytes.
PDFium is not thread-safe: pages are rendered and encoded in worker processes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

#: pixel widths of the page images: the responsive pair and the issue index's thumbnail
WIDTHS = (1600, 800)
THUMB = 240
#: zlib level: 3 is within 2 % of 9 for type on white at a third of the time
PNG_LEVEL = 3
#: grey levels kept: 16 (4-bit PNG) draw anti-aliased type as 256 do to the eye, in 2/3 of the bytes
GREYS = 16
_STEP = 255 / (GREYS - 1)
_LEVEL = [round(v / _STEP) for v in range(256)]
_PALETTE = [round(i * _STEP) for i in range(GREYS) for _ in range(3)]


@dataclass(frozen=True)
class PageImage:
    """One rendered size of one page."""

    width: int
    height: int
    data: bytes


def _png(im) -> bytes:
    """A greyscale picture as a 4-bit palette PNG of ``GREYS`` evenly spaced greys."""
    from PIL import Image

    levels = Image.frombytes("P", im.size, im.point(_LEVEL).tobytes())
    levels.putpalette(_PALETTE)
    buf = io.BytesIO()
    levels.save(buf, "PNG", compress_level=PNG_LEVEL, bits=4)
    return buf.getvalue()


def pixel_size(width_pt: float, height_pt: float, width: int) -> tuple[int, int]:
    """The pixel size of a page image ``width`` pixels wide (the HTML states it up front)."""
    return width, round(height_pt * width / width_pt)


def _sizes(im, width_pt: float, height_pt: float) -> list[PageImage]:
    from PIL import Image

    out = []
    for w in (*WIDTHS, THUMB):
        size = pixel_size(width_pt, height_pt, w)
        scaled = im if size == im.size else im.resize(size, Image.Resampling.LANCZOS)
        out.append(PageImage(*size, _png(scaled)))
    return out


def _render_range(pdf: bytes, first: int, stop: int) -> list[list[PageImage]]:
    """Pages ``first`` to ``stop - 1`` of ``pdf``, each at every size (runs in a worker)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        out = []
        for i in range(first, stop):
            page = doc[i]
            bitmap = page.render(scale=WIDTHS[0] / page.get_width(), grayscale=True)
            out.append(_sizes(bitmap.to_pil(), page.get_width(), page.get_height()))
            page.close()
        return out
    finally:
        doc.close()


class PageRenderer:
    """Renders the pages of a PDF in ``jobs`` worker processes, in the background.

    PDFium is not thread-safe, so the parallelism is by process, each taking a run of
    pages; the caller writes the HTML meanwhile and collects the images with ``result``.
    """

    def __init__(self, pdf: bytes, pages: int, jobs: int = 2):
        self.jobs = max(1, min(jobs, pages))
        self.pool = None
        if self.jobs == 1:
            self.futures = None
            self.inline = (pdf, pages)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        ctx = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
        self.pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=ctx)
        bounds = [round(pages * k / self.jobs) for k in range(self.jobs + 1)]
        self.futures = [self.pool.submit(_render_range, pdf, a, b) for a, b in zip(bounds, bounds[1:], strict=False)]

    def result(self) -> list[list[PageImage]]:
        """Per page: its images at ``WIDTHS`` then ``THUMB``, in page order."""
        if self.futures is None:
            pdf, pages = self.inline
            return _render_range(pdf, 0, pages)
        try:
            return [imgs for f in self.futures for imgs in f.result()]
        finally:
            self.close()

    def close(self) -> None:
        """Stop the workers (after ``result``, or when the build failed meanwhile)."""
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None
