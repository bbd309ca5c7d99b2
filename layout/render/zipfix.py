"""Reproducible ZIP archives: the same entries give the same bytes on every build.

Writers such as ebooklib stamp the wall-clock time and mode 0600 on every entry and keep
their own entry order, so two builds of one issue differ.  ``rewrite`` copies the entries
into a new archive with sorted names (``first`` names in front, e.g. the OCF
``mimetype``), one fixed date from ``SOURCE_DATE_EPOCH``, mode 0644, a fixed creator
system and a fixed compression level.  Python's ``ZipInfo`` writes no extra fields, so
an OCF ``mimetype`` written first and stored starts at byte 38, as EPUB requires.
"""

from __future__ import annotations

import io
import time
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import BinaryIO

from layout.context import DEFAULT_EPOCH as DEFAULT_EPOCH  # re-exported
from layout.context import epoch_from_env

#: The ZIP (MS-DOS) date range: 1980-01-01 to 2107-12-31.
ZIP_MIN_EPOCH = 315532800
ZIP_MAX_EPOCH = 4354819198
COMPRESSLEVEL = 9
#: Formats compressed by a stronger method than deflate (WOFF2 holds Brotli streams):
#: stored without first deflating them to see (~10 ms for an issue's three fonts).
PRECOMPRESSED = (".woff2",)
_UNIX = 3  # ZipInfo.create_system for Unix: mode bits in external_attr are read


def source_date_epoch(environ: Mapping[str, str] | None = None) -> int:
    """``SOURCE_DATE_EPOCH`` as an int (``layout.context.epoch_from_env``, the one parser)."""
    return epoch_from_env(environ)


def zip_date_time(epoch: int) -> tuple[int, int, int, int, int, int]:
    """The UTC date of ``epoch`` clamped to what a ZIP entry can hold."""
    clamped = min(max(epoch, ZIP_MIN_EPOCH), ZIP_MAX_EPOCH)
    return tuple(time.gmtime(clamped)[:6])  # type: ignore[return-value]


def _order(names: Iterable[str], first: tuple[str, ...]) -> list[str]:
    names = list(names)
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"duplicate ZIP entries: {', '.join(dupes)}")
    head = [n for n in first if n in names]
    return head + sorted(n for n in names if n not in head)


def shrinks(data: bytes, compresslevel: int = COMPRESSLEVEL) -> bool:
    """Whether deflating ``data`` saves bytes (fonts and images are often compressed already)."""
    co = zlib.compressobj(compresslevel, zlib.DEFLATED, -15)
    return len(co.compress(data) + co.flush()) < len(data)


def _info(name: str, date_time: tuple[int, ...], stored: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.create_system = _UNIX
    info.external_attr = (0o100644 << 16) if not name.endswith("/") else (0o40755 << 16)
    return info


def write_entries(
    out: BinaryIO,
    entries: Mapping[str, bytes],
    *,
    epoch: int,
    first: tuple[str, ...] = (),
    stored: frozenset[str] = frozenset(),
    compresslevel: int = COMPRESSLEVEL,
) -> None:
    """Write ``entries`` (name → bytes) to ``out`` as a reproducible archive."""
    date_time = zip_date_time(epoch)
    with zipfile.ZipFile(out, "w") as zf:
        for name in _order(entries, first):
            info = _info(name, date_time, name in stored)
            zf.writestr(info, entries[name], compresslevel=None if name in stored else compresslevel)


def read_entries(data: bytes | Path | str) -> dict[str, bytes]:
    """Every entry of an archive (bytes or a path), by name, in archive order."""
    src = io.BytesIO(data) if isinstance(data, bytes) else Path(data)
    with zipfile.ZipFile(src) as zf:
        names = [i.filename for i in zf.infolist()]
        _order(names, ())  # reject duplicate names: the rewrite would silently drop one
        return {name: zf.read(name) for name in names}


def rewrite(
    data: bytes | Path | str,
    out: BinaryIO,
    *,
    epoch: int,
    first: tuple[str, ...] = (),
    stored: frozenset[str] = frozenset(),
    compresslevel: int = COMPRESSLEVEL,
) -> None:
    """Copy the archive ``data`` into ``out`` with sorted names and fixed dates and modes."""
    write_entries(
        out, read_entries(data), epoch=epoch, first=first, stored=stored, compresslevel=compresslevel
    )


def rewrite_epub(data: bytes | Path | str, out: BinaryIO, *, epoch: int) -> None:
    """OCF rules on top: ``mimetype`` first and stored, with exactly ``application/epub+zip``.

    WOFF2 fonts, and entries that deflate does not shrink (most images), are stored too.
    """
    entries = read_entries(data)
    if entries.get("mimetype") != b"application/epub+zip":
        raise ValueError("not an EPUB: the mimetype entry is missing or not application/epub+zip")
    stored = {"mimetype"} | {
        n for n, d in entries.items() if n.endswith(PRECOMPRESSED) or not shrinks(d)
    }
    write_entries(out, entries, epoch=epoch, first=("mimetype",), stored=frozenset(stored))
