"""Which font files a build used, with their SHA-256: for the archive's manifest."""

from __future__ import annotations

from pathlib import Path


class Provenance:
    """(source file, SHA-256) of every face a build drew from, recorded as it is used."""

    def __init__(self) -> None:
        self._used: dict[Path, str] = {}

    def record(self, path: Path, sha256: str) -> None:
        self._used[path] = sha256

    def __contains__(self, path: object) -> bool:
        return path in self._used

    def files(self) -> list[tuple[Path, str]]:
        return sorted(self._used.items())
