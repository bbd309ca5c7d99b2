"""The build context: what every stage of one build shares, passed down explicitly.

A ``BuildContext`` holds the epoch the outputs are dated with, the options of the build
and a ``Diagnostics`` sink.  Nothing in ``layout`` reads a date from the clock, writes the
environment or prints a warning: the CLI makes one context per build (from the command line
and ``SOURCE_DATE_EPOCH``, parsed here and only here) and prints its diagnostics; the
archive makes one per issue, in whichever process or thread runs it, and stores the
diagnostics in the issue's manifest row.  A context belongs to one build: it is not shared
between threads.

ReportLab reads ``SOURCE_DATE_EPOCH`` from the process environment itself for the PDF's
dates and ``/ID``; ``render/pdf.py`` re-dates its document with the context's epoch.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from layout.errors import Diagnostic, InputError, SourcePos, clip

#: 2000-01-01T00:00:00Z, ReportLab's invariant date: the epoch when SOURCE_DATE_EPOCH is unset.
DEFAULT_EPOCH = 946684800
#: 9999-12-31T23:59:59Z: the last second every output format can write.
MAX_EPOCH = 253402300799


def parse_epoch(raw: str | None) -> int:
    """``SOURCE_DATE_EPOCH`` (seconds since 1970, UTC) as an int: the one parser.

    Unset or blank means ``DEFAULT_EPOCH``; anything but decimal digits, or a date after
    9999, is an input error (exit 2), never silently replaced by a default.
    """
    if raw is None or not raw.strip():
        return DEFAULT_EPOCH
    text = raw.strip()
    if not (text.isascii() and text.isdigit()):
        raise InputError(Diagnostic(SourcePos("SOURCE_DATE_EPOCH"),
                                    f"must be a non-negative whole number of seconds, not {clip(text)!r}",
                                    code="epoch"))
    value = int(text)
    if value > MAX_EPOCH:
        raise InputError(Diagnostic(SourcePos("SOURCE_DATE_EPOCH"),
                                    f"{clip(text)} is after the year 9999 (at most {MAX_EPOCH})",
                                    code="epoch"))
    return value


def epoch_from_env(environ: Mapping[str, str] | None = None) -> int:
    """The epoch of ``environ`` (default: this process's environment)."""
    env = os.environ if environ is None else environ
    return parse_epoch(env.get("SOURCE_DATE_EPOCH"))


class Diagnostics:
    """The warnings of one build, in the order they were found, each once."""

    def __init__(self) -> None:
        self._items: list[Diagnostic] = []
        self._seen: set[Diagnostic] = set()

    def warn(self, pos: SourcePos | str, message: str, code: str) -> None:
        where = pos if isinstance(pos, SourcePos) else SourcePos(str(pos))
        self.add(Diagnostic(where, message, "warning", code))

    def add(self, diagnostic: Diagnostic) -> None:
        if diagnostic not in self._seen:
            self._seen.add(diagnostic)
            self._items.append(diagnostic)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class BuildContext:
    """Epoch, options and the diagnostics sink of one build."""

    epoch: int = DEFAULT_EPOCH
    #: whether SOURCE_DATE_EPOCH was set: an EPUB without it takes the issue's own date
    #: (``render.epub.build_epoch``) rather than the default
    epoch_given: bool = False
    allow_overset: bool = False
    diagnostics: Diagnostics = field(default_factory=Diagnostics, compare=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: object) -> BuildContext:
        env = os.environ if environ is None else environ
        given = bool(env.get("SOURCE_DATE_EPOCH", "").strip())
        return cls(epoch=epoch_from_env(env), epoch_given=given, **options)  # type: ignore[arg-type]
