"""Fail loudly on characters no font has.

A missing character would be drawn as .notdef without a word and lost from the
text layer, so every character of an issue is checked against its role's face and the
fallback chain before anything is composed.  The error names the character, its code
point and every place in the source that uses it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

from layout.errors import Diagnostic, InputError, SourcePos

if TYPE_CHECKING:
    from layout.fonts.fontset import FontSet
    from layout.fonts.metrics import FaceKey

#: (character, role, weight, where) — ``where`` is a SourcePos or "file:line[:col]".
Item = tuple[str, str, str, "SourcePos | str"]

_POS = re.compile(r"^(?P<file>.*?)(?::(?P<line>\d+))?(?::(?P<col>\d+))?$")


def parse_pos(pos: SourcePos | str) -> SourcePos:
    if isinstance(pos, SourcePos):
        return pos
    m = _POS.match(str(pos))
    assert m is not None  # the pattern matches every string
    return SourcePos(m["file"] or str(pos), int(m["line"] or 0), int(m["col"] or 0))


def _order(pos: SourcePos) -> tuple[str, int, int]:
    return (pos.file, pos.line, pos.col)


def ignorable(ch: str) -> bool:
    """Control characters (line ends, tabs) are layout instructions, not glyphs."""
    return unicodedata.category(ch) == "Cc"


def check(fs: FontSet, items: Iterable[Item]) -> set[FaceKey]:
    """Raise ``InputError`` for every character no face of its chain has.

    Returns the faces the items resolve to (what a build must convert).
    """
    used: set[FaceKey] = set()
    resolved: dict[tuple[str, str, str], FaceKey | None] = {}
    missing: dict[str, tuple[set[str], list[SourcePos]]] = {}
    diagnostics: list[Diagnostic] = []
    bad_roles: set[str] = set()
    for ch, role, weight, where in items:
        if ignorable(ch):
            continue
        if role not in fs.manifest.roles:
            if role not in bad_roles:
                bad_roles.add(role)
                known = ", ".join(fs.manifest.roles)
                diagnostics.append(
                    Diagnostic(parse_pos(where), f"unknown font role {role!r} (known: {known})")
                )
            continue
        k = (ch, role, weight)
        if k not in resolved:
            face = fs.resolve_or_none(role, weight, ch)
            resolved[k] = face.key if face else None
        if resolved[k] is None:
            roles, places = missing.setdefault(ch, (set(), []))
            roles.add(f"{role} {weight}")
            places.append(parse_pos(where))
        else:
            used.add(resolved[k])  # type: ignore[arg-type]
    for ch, (roles, places) in sorted(missing.items(), key=lambda kv: _order(kv[1][1][0])):
        faces = sorted({f for r in roles for f in fs.chain_names(*r.split(" "))})
        where = ", ".join(str(p) for p in places)
        diagnostics.append(
            Diagnostic(
                places[0],
                f"character {ch!r} U+{ord(ch):04X} ({unicodedata.name(ch, 'unnamed')}) is in no font "
                f"of role {', '.join(sorted(roles))} (tried {', '.join(faces)}); "
                f"used {len(places)}× at {where}",
            )
        )
    if diagnostics:
        raise InputError(diagnostics)
    return used
