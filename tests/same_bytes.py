"""Build the sample's PDF, EPUB and ALTO into a folder, or check them against a reference.

A refactor of the composer must not change what it prints.  Build the reference once
from the commit before the change, then compare after it::

    git stash; .venv/bin/python tests/same_bytes.py build /tmp/ref; git stash pop
    .venv/bin/python tests/same_bytes.py check /tmp/ref

``check`` builds into a temporary folder and lists every file whose bytes differ.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "source").glob("*.xml"))


def build(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    for src in SOURCES:
        stem = src.stem
        for cmd in (["pdf", str(src), "-o", str(out / f"{stem}.pdf")],
                    ["pdf", "--proof", str(src), "-o", str(out / "proof")],
                    ["epub", str(src), "-o", str(out / f"{stem}.epub")],
                    ["alto", str(src), "-o", str(out / "alto")]):
            subprocess.run([sys.executable, "-m", "layout", *cmd], check=True, env=env,
                           cwd=ROOT, stdout=subprocess.DEVNULL)


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in ("build", "check"):
        print(__doc__)
        return 2
    if argv[1] == "build":
        build(Path(argv[2]))
        return 0
    ref = digests(Path(argv[2]))
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp))
        new = digests(Path(tmp))
    differ = sorted(k for k in ref.keys() | new.keys() if ref.get(k) != new.get(k))
    for k in differ:
        print(f"differs: {k}")
    print(f"{len(ref) - len(differ)}/{len(ref)} files identical")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
