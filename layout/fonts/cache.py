"""The on-disk font cache: where it is, atomic writes, locks and file hashes.

Converted faces are expensive (seconds each) and identical from build to build, so
they live in a cache shared by every build on the machine.  Two processes may build at
once: each output is written to a temporary file in the same directory and renamed
into place (readers never see half a file), and a per-output lock file makes the second
builder wait for the first instead of converting the same face twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from layout.atomic import atomic_write

REPO_ROOT = Path(__file__).resolve().parents[2]

try:  # POSIX only; without it two builders may both convert (still correct, only slower)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$LAYOUT_FONT_CACHE``, else ``$XDG_CACHE_HOME/layout-fonts``, else ``<repo>/build/font-cache``."""
    env = os.environ if environ is None else environ
    if env.get("LAYOUT_FONT_CACHE"):
        return Path(env["LAYOUT_FONT_CACHE"]).expanduser()
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]).expanduser() / "layout-fonts"
    return REPO_ROOT / "build" / "font-cache"


def write_json(path: Path, obj: object) -> None:
    atomic_write(path, json.dumps(obj, ensure_ascii=False, sort_keys=True).encode("utf-8"))


def read_json(path: Path) -> dict | None:
    """The JSON object at ``path``, or ``None`` if absent or unreadable (then it is rebuilt)."""
    try:
        with open(path, encoding="utf-8") as fh:
            obj = json.load(fh)
    except (OSError, ValueError):
        return None
    return obj if isinstance(obj, dict) else None


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<path>.lock`` (blocks while another process holds it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:  # pragma: no cover
        yield
        return
    with open(path.with_name(path.name + ".lock"), "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


_SHA_MEMO: dict[tuple[str, int, int, int], str] = {}


def file_sha256(path: Path, cache: Path | None = None) -> str:
    """SHA-256 of a font file, remembered per (path, size, mtime, inode).

    Hashing the six faces costs ~0.2 s; the memo (in memory and in ``hashes.json`` of the
    cache) makes a warm set-up cost a ``stat`` per file.
    """
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns, st.st_ino)
    if key in _SHA_MEMO:
        return _SHA_MEMO[key]
    memo_file = cache / "hashes.json" if cache else None
    memo = (read_json(memo_file) or {}) if memo_file else {}
    entry = memo.get(key[0])
    if isinstance(entry, list) and entry[:3] == list(key[1:]) and len(entry) == 4:
        _SHA_MEMO[key] = entry[3]
        return entry[3]
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    digest = h.hexdigest()
    _SHA_MEMO[key] = digest
    if memo_file:
        memo = read_json(memo_file) or {}  # re-read: another process may have added entries
        memo[key[0]] = [*key[1:], digest]
        with contextlib.suppress(OSError):
            write_json(memo_file, memo)
    return digest


# -- sealed entries: a cached font proves itself ------------------------------------------

#: Beside every cached font ``<name>.seal.json``: its SHA-256, size and converter version.
SEAL_SUFFIX = ".seal.json"
_VERIFIED: set[tuple[str, int, int, int]] = set()  # (path, size, mtime, inode) checked this process


def seal_path(path: Path) -> Path:
    return path.with_name(path.name + SEAL_SUFFIX)


def store(path: Path, data: bytes, converter: int) -> None:
    """Write a cached font and its seal (the seal first: a reader never sees a font
    without the seal that vouches for it)."""
    write_json(seal_path(path), {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                                 "converter": converter})
    atomic_write(path, data)


def damage(path: Path, converter: int) -> str | None:
    """Why the cached font at ``path`` cannot be used ("" if absent, None if it is sound):
    no seal, another converter version, another size or other bytes than sealed."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return ""
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    key = (str(path), st.st_size, st.st_mtime_ns, st.st_ino)
    if key in _VERIFIED:
        return None
    seal = read_json(seal_path(path))
    if seal is None:
        return "has no readable seal (written by an older version, or damaged)"
    if seal.get("converter") != converter:
        return f"was made by converter version {seal.get('converter')!r}, not {converter}"
    if seal.get("size") != st.st_size:
        return f"is {st.st_size} bytes, its seal says {seal.get('size')!r}"
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if h.hexdigest() != seal.get("sha256"):
        return "does not match the SHA-256 of its seal (overwritten or damaged)"
    _VERIFIED.add(key)
    return None


def present(path: Path, converter: int) -> bool:
    """Whether a sound cached font is at ``path`` (a damaged one counts as absent: the
    caller rebuilds it, and the rebuild replaces it)."""
    return damage(path, converter) is None


def discard_damaged(path: Path, converter: int) -> str | None:
    """Remove a damaged cached font (and its seal) so that it is rebuilt; the reason, if
    it was damaged."""
    if not damage(path, converter):
        return None
    with locked(path):
        reason = damage(path, converter)
        if not reason:
            return None
        for p in (path, seal_path(path)):
            with contextlib.suppress(OSError):
                p.unlink()
    return reason
