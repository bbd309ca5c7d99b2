"""Diagnostics shared by every stage.

Every user-facing problem is a ``Diagnostic`` that names where it happened
(``file:line:col``) and what is wrong; the CLI prints them and exits with the
status of the error class, never with a traceback (unless ``--debug``).
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_INTERNAL = 1
EXIT_INPUT = 2
EXIT_RESOURCE = 3


@dataclass(frozen=True)
class SourcePos:
    """A place in a source file; ``line``/``col`` are 1-based, 0 when unknown."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        if not self.col:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Diagnostic:
    pos: SourcePos
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.pos}: {self.severity}: {self.message}"


class LayoutError(Exception):
    """Base of the errors the CLI reports cleanly; carries one or more diagnostics."""

    exit_status = EXIT_INTERNAL

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic | str, pos: SourcePos | None = None):
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic(pos or SourcePos("<input>"), diagnostics)]
        elif isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class InputError(LayoutError):
    """The source is malformed, invalid or does not fit (exit status 2)."""

    exit_status = EXIT_INPUT


class OversetError(InputError):
    """An article's text does not fit its frame."""


class ResourceError(LayoutError):
    """A font or image is missing or broken (exit status 3)."""

    exit_status = EXIT_RESOURCE


def warn(pos: SourcePos | str, message: str) -> None:
    """Print a warning to stderr in the same ``file:line: warning:`` form."""
    import sys

    print(f"{pos}: warning: {message}", file=sys.stderr)
