"""The search index: Pagefind (PyPI ``pagefind-bin-extended``), run over the finished site.

Pagefind's extended build segments Chinese into words when it indexes and when it
searches, so 魏都好人 finds the article though no spaces separate its words; the
index is a folder of static files (``pagefind/``) fetched by the browser on demand:
no server.  Only the article pages are indexed (``data-pagefind-body``).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from layout.errors import ResourceError, SourcePos

BUNDLE = "pagefind"


def pagefind_executable() -> Path:
    try:
        import pagefind_bin_extended
    except ImportError:
        raise ResourceError(
            "the web edition's search needs the Python package pagefind-bin-extended "
            "(pip install pagefind-bin-extended)"
        ) from None
    return pagefind_bin_extended.get_executable()


def build_index(site: Path) -> None:
    """Write ``site/pagefind/``; the whole site is indexed as Chinese (``zh``)."""
    cmd = [str(pagefind_executable()), "--site", str(site), "--output-subdir", BUNDLE,
           "--force-language", "zh", "--silent"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise ResourceError(f"pagefind failed ({proc.returncode}): {' '.join(detail)}", SourcePos(str(site)))
