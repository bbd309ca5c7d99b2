"""Images: typed by their bytes, checked by their header, decoded within a budget.

A figure's file is trusted for nothing: its type comes from its first bytes (never the
extension), its header is read before any pixel is decoded (pixel count, bit depth,
channels), and the decode that proves it whole happens only if the decoded pixels fit
``DECODE_BUDGET``.  The reader calls ``check`` so that every output refuses a bad image
alike, naming the ``<figure>``; the EPUB calls ``for_epub`` for bytes e-readers can show
(sRGB JPEG or PNG, 8 bits), while the PDF keeps the original (a PDF holds CMYK and 16 bits).
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from layout.read.parse import read_regular

#: The largest image file read (a full-page 600 dpi scan in JPEG is ~30 MB).
MAX_FILE_BYTES = 64 * 1024 * 1024
#: The most pixels an image may declare: 60 million (e.g. 9000 × 6600, a 600 dpi A3 scan).
MAX_PIXELS = 60_000_000
#: The most bytes its decoded pixels may take (pixels × channels × bytes per sample).
DECODE_BUDGET = 256 * 1024 * 1024

#: Magic numbers of the formats a figure may be in, and their media types.
_MAGIC = ((b"\xff\xd8\xff", "JPEG"), (b"\x89PNG\r\n\x1a\n", "PNG"), (b"II*\x00", "TIFF"),
          (b"MM\x00*", "TIFF"), (b"GIF87a", "GIF"), (b"GIF89a", "GIF"), (b"BM", "BMP"))
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "TIFF": "image/tiff",
               "BMP": "image/bmp"}
#: What EPUB reading systems show (EPUB 3 core media types), by format, and the modes kept as they are.
_EPUB_READY = {"JPEG": {"L", "RGB"}, "PNG": {"1", "L", "LA", "P", "RGB", "RGBA"}, "GIF": {"L", "P"}}


class ImageProblem(Exception):
    """Why an image cannot be used, in words for the user (the caller names the figure)."""


@dataclass(frozen=True)
class ImageInfo:
    kind: str  # JPEG, PNG, TIFF, GIF: from the bytes
    width: int
    height: int
    mode: str  # Pillow's mode: L, RGB, CMYK, I;16, ...
    bits: int  # per sample

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.kind]


def sniff(data: bytes) -> str | None:
    """The image format by its magic number, or ``None``."""
    return next((kind for magic, kind in _MAGIC if data.startswith(magic)), None)


def read(path: str | Path) -> bytes:
    """An image file's bytes: a regular file, at most ``MAX_FILE_BYTES``."""
    try:
        return read_regular(path, MAX_FILE_BYTES, "the image")
    except OSError as exc:
        raise ImageProblem(f"cannot be read: {exc.strerror or exc}") from None


def _bytes_per_pixel(mode: str) -> int:
    """What Pillow stores per pixel of ``mode`` (RGB and the other multi-band modes take 4)."""
    if mode in ("1", "L", "P"):
        return 1
    return 2 if mode.startswith("I;16") else 4


def inspect(data: bytes) -> ImageInfo:
    """Type and header of an image, without decoding its pixels; ``ImageProblem`` if it
    is no image of ours or declares more than the limits allow."""
    from PIL import Image

    kind = sniff(data)
    if kind is None:
        raise ImageProblem("not a readable image (neither JPEG, PNG, TIFF, GIF nor BMP by its content)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a bomb is judged below; damaged metadata by the decode
            with Image.open(io.BytesIO(data), formats=[kind]) as im:
                width, height, mode = im.width, im.height, im.mode
                bits = 16 if (";16" in mode or mode == "I") else int(im.info.get("bits", 8) or 8)
    except Image.DecompressionBombError as exc:  # Pillow's own limit, far above ours
        found = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = f"{int(found[1]) / 1e6:.0f} million" if found else "more than 180 million"
        raise ImageProblem(f"declares {pixels} pixels, more than the {MAX_PIXELS / 1e6:.0f} million "
                           "allowed (a decompression bomb?)") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ImageProblem(f"not a readable image ({_reason(exc)})") from None
    pixels = width * height
    if pixels > MAX_PIXELS:
        raise ImageProblem(f"declares {width}×{height} = {pixels / 1e6:.0f} million pixels, more than the "
                           f"{MAX_PIXELS / 1e6:.0f} million allowed (a decompression bomb?)")
    if pixels == 0:
        raise ImageProblem("not a readable image (it declares no pixels)")
    need = pixels * _bytes_per_pixel(mode)
    if need > DECODE_BUDGET:
        raise ImageProblem(f"its {width}×{height} {mode} pixels need {need / 2**20:.0f} MiB decoded, more "
                           f"than the {DECODE_BUDGET / 2**20:.0f} MiB allowed; scale it down")
    return ImageInfo(kind, width, height, mode, bits)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    if text.startswith("cannot identify image file"):
        return "its header is damaged"
    return text.splitlines()[-1][:200] if text else type(exc).__name__


def _decode(data: bytes, info: ImageInfo):
    from PIL import Image

    im = Image.open(io.BytesIO(data), formats=[info.kind])
    try:
        with warnings.catch_warnings():  # Pillow warns on stderr about damaged metadata
            warnings.simplefilter("ignore")
            im.load()
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        im.close()
        raise ImageProblem(f"not a readable image ({_reason(exc)})") from None
    return im


def check(path: str | Path) -> ImageInfo:
    """Read, type and fully decode an image once (within the budget): a truncated or
    corrupt file fails here, in the reader, not in a renderer."""
    data = read(path)
    info = inspect(data)
    _decode(data, info).close()
    return info


def for_epub(path: str | Path) -> tuple[bytes, str, str]:
    """(bytes, extension, media type) an e-reader can show: the file itself when it is a
    JPEG, PNG or GIF in 8-bit grey or RGB, else an sRGB PNG (a JPEG for CMYK photographs)."""
    data = read(path)
    info = inspect(data)
    if info.mode in _EPUB_READY.get(info.kind, ()) and info.bits <= 8:
        ext = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif"}[info.kind]
        return data, ext, info.media_type
    im = _decode(data, info)
    try:
        rgb = _to_srgb(im)
        buf = io.BytesIO()
        if info.kind == "JPEG":  # a CMYK photograph: stays a photograph
            rgb.convert("RGB").save(buf, "JPEG", quality=92, optimize=False, progressive=False)
            return buf.getvalue(), ".jpg", "image/jpeg"
        rgb.save(buf, "PNG", optimize=False, compress_level=9)
        return buf.getvalue(), ".png", "image/png"
    finally:
        im.close()


def _to_srgb(im):
    """8-bit RGB (or RGBA), through the embedded ICC profile when there is one."""
    from PIL import ImageCms

    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        im = im.point(lambda v: v / 257).convert("L")
        mode = "L"
    profile = im.info.get("icc_profile")
    if profile and mode in ("CMYK", "RGB", "L"):
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            return ImageCms.profileToProfile(im, src, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the plain conversion below
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in im.info):
        return im.convert("RGBA")
    if mode == "CMYK" and not profile:
        return im.convert("RGB")
    return im if mode in ("L", "RGB") else im.convert("RGB")
