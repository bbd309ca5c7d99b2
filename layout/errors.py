"""The error taxonomy and the diagnostics shared by every stage.

Every user-facing problem is a ``Diagnostic`` that names where it happened
(``file:line:col``), a short code and what is wrong.  Errors are raised deliberately
where the fault is detected, as one of:

- ``InputError`` (exit 2): the source, an option or an output path is wrong;
- ``ResourceError`` (exit 3): a font or an image is missing or broken;
- ``OutputError`` (exit 4): the output cannot be written (disk full, permission, I/O).

Anything else that escapes is a bug: the CLI exits 1 with "internal error, please
report" (and the traceback under ``--debug``).  No code turns an unexpected exception
into one of the classes above.  Warnings are not printed where they arise: they go to
the build's ``Diagnostics`` sink (``layout.context``), which the CLI prints.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INPUT = 2
EXIT_RESOURCE = 3
EXIT_OUTPUT = 4
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

#: Text quoted from the source in a message is cut to this many characters.
QUOTE_LIMIT = 80


def clip(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` cut to ``limit`` characters (with … and the full length) for a message."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters)"


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
    """One problem: where, what, how bad, and a stable code (for scripts and manifests)."""

    pos: SourcePos
    message: str
    severity: str = "error"
    code: str = ""

    def __str__(self) -> str:
        tail = f" [{self.code}]" if self.code and self.severity == "warning" else ""
        return f"{self.pos}: {self.severity}: {self.message}{tail}"

    def as_dict(self) -> dict[str, object]:
        return {"file": self.pos.file, "line": self.pos.line, "col": self.pos.col,
                "severity": self.severity, "code": self.code, "message": self.message}


class LayoutError(Exception):
    """Base of the errors the CLI reports cleanly; carries one or more diagnostics.

    Only its subclasses are raised: each says which exit status the fault deserves.
    """

    exit_status = EXIT_INTERNAL

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic | str, pos: SourcePos | None = None):
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic(pos or SourcePos("<input>"), diagnostics)]
        elif isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class InputError(LayoutError):
    """The source, an option or an output path is malformed, invalid or does not fit (exit 2)."""

    exit_status = EXIT_INPUT


class OversetError(InputError):
    """An article's text does not fit its frame."""


class ResourceError(LayoutError):
    """A font or image is missing or broken (exit status 3)."""

    exit_status = EXIT_RESOURCE


class OutputError(LayoutError):
    """The output cannot be written: disk full, permission, I/O error (exit status 4)."""

    exit_status = EXIT_OUTPUT
