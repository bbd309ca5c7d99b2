"""Outputs: which paths we may write, and writing them atomically.

``check_output`` refuses, before any work, an output path that is not ours to replace:
a symbolic link, anything but a regular file (a device, a FIFO, a socket, a folder), or
one of the build's inputs (the source, an image, a font), whatever path leads to it.
``atomic_write`` writes a temporary file in the same folder and renames it over the
output: an error, an interrupt or a SIGTERM leaves the previous output intact and no
partial file.  A temporary file of ours left by a SIGKILL (``.<name>.<random>.part``,
ours and older than ``STALE_PART_SECONDS``) is removed by the next write of that output.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from layout.errors import Diagnostic, InputError, OutputError, SourcePos

#: A temporary output older than this is left over from a killed build, not a running one.
STALE_PART_SECONDS = 15 * 60

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a named pipe"),
          (stat.S_ISSOCK, "a socket"))


def _refuse(path: Path, message: str) -> InputError:
    return InputError(Diagnostic(SourcePos(str(path)), message, code="output-refused"))


def _identity(path: str | os.PathLike[str]) -> tuple[str, tuple[int, int] | None]:
    real = os.path.realpath(path)
    try:
        st = os.stat(real)
    except OSError:
        return real, None
    return real, (st.st_dev, st.st_ino)


def check_output(path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = ()) -> Path:
    """``path`` if an output may be written there; else an ``InputError`` (exit 2) saying why."""
    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        raise _refuse(path, f"cannot write to {_first_file(path.parent)}: it is a file, not a folder") from None
    except OSError as exc:
        raise _refuse(path, f"cannot use this output path: {exc.strerror}") from None
    if st is None and not path.parent.exists() and _first_file(path.parent) != path.parent:
        raise _refuse(path, f"cannot write to {_first_file(path.parent)}: it is a file, not a folder")
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise _refuse(path, "the output is a symbolic link; name the file itself (it is not replaced)")
        if not stat.S_ISREG(st.st_mode):
            kind = next((k for test, k in _KINDS if test(st.st_mode)), "not a regular file")
            raise _refuse(path, f"the output is {kind}, not a regular file; it is left alone")
    real, ident = _identity(path)
    for given in inputs:
        other, other_ident = _identity(given)
        if real == other or (ident is not None and ident == other_ident):
            raise _refuse(path, f"the output is an input of this build ({given}); it is not overwritten")
    return path


def _first_file(folder: Path) -> Path:
    """The first ancestor of ``folder`` that exists but is not a folder (else ``folder``)."""
    for p in reversed([folder, *folder.parents]):
        if p.exists() and not p.is_dir():
            return p
    return folder


def sweep_stale_parts(folder: Path, name: str, now: float | None = None) -> None:
    """Remove our own temporary files for ``name`` left behind by a killed build."""
    pattern = re.compile(rf"\.{re.escape(name)}\.[A-Za-z0-9_]{{8}}\.part")
    limit = (time.time() if now is None else now) - STALE_PART_SECONDS
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and st.st_mtime < limit:
                os.unlink(entry.path)
        except OSError:
            pass


def _os_error(path: Path, folder: Path, exc: OSError) -> OutputError:
    what = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
            errno.EROFS: "the file system is read-only"}.get(exc.errno or 0, exc.strerror or str(exc))
    return OutputError(Diagnostic(SourcePos(str(path)), f"cannot write to {folder}: {what}", code="output-io"))


def atomic_write(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path = check_output(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        sweep_stale_parts(folder, path.name)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except FileExistsError:
        raise _refuse(path, f"cannot write to {_first_file(folder)}: it is a file, not a folder") from None
    except NotADirectoryError:
        raise _refuse(path, f"cannot write to {_first_file(folder)}: it is a file, not a folder") from None
    except OSError as exc:
        raise _os_error(path, folder, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        check_output(path)  # still ours to replace (not swapped for a link meanwhile)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise _os_error(path, folder, exc) from None
        raise
    return path
