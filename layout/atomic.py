"""Write an output file atomically: a temporary file in the same folder, then rename.

An error or an interrupt leaves the previous output intact and no partial file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from layout.errors import LayoutError, SourcePos


class OutputError(LayoutError):
    """The output cannot be written (exit status 2: the caller's path is wrong)."""

    exit_status = 2


def atomic_write(path: Path, data: bytes) -> Path:
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"cannot write to {folder}: it is a file, not a folder", SourcePos(str(path)))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write to {folder}: {exc.strerror}", SourcePos(str(path))) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path
