"""The widths a Type 0 (CID) font declares, read as a viewer reads them: one parser for
every test that places glyphs from a PDF's content streams."""

from __future__ import annotations

import pikepdf


def cid_widths(font: pikepdf.Object) -> tuple[float, dict[int, float]]:
    """The default width (``/DW``) and the ``/W`` table of a Type 0 font's CID descendant."""
    cid = font.DescendantFonts[0]
    table: dict[int, float] = {}
    w = list(cid.get("/W", []))
    k = 0
    while k < len(w):
        first = int(w[k])
        if isinstance(w[k + 1], pikepdf.Array):
            for n, v in enumerate(w[k + 1]):
                table[first + n] = float(v)
            k += 2
        else:
            for g in range(first, int(w[k + 1]) + 1):
                table[g] = float(w[k + 2])
            k += 3
    return float(cid.get("/DW", 1000)), table
