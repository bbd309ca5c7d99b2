"""Finalize: place the atoms of one line, compressing or expanding to its width.

Reduction takes glue first, then the marks' blank halves (clreq §3.5);
expansion fills word spaces and hanzi–western gaps first, then spreads the rest
evenly between characters, never after an opening mark or before a closing one,
never inside —— …… numbers or words (clreq §5, jlreq).  Hanzi are never compressed.
"""

from __future__ import annotations

from layout.compose.classes import Cls
from layout.compose.linebreak import LineMeasurer, Span
from layout.compose.lines import Glyph, Line
from layout.compose.prepare import Atom

_NO_SPACE_BEFORE = (Cls.CLOSE, Cls.PAUSE, Cls.STOP, Cls.DIVIDE)
_VALUE = {c: c.value for c in Cls}  # Enum.value is a property: slow in a loop
#: how far word spaces and western gaps may grow before the other gaps take part (em)
GLUE_STRETCH = 0.25


def place_line(
    m: LineMeasurer, span: Span, target: float, align: str, justify: bool, offset: float = 0.0
) -> Line:
    """Lay out ``span`` in a line ``target`` pt wide, starting ``offset`` pt from its left."""
    atoms = m.atoms
    i, j = span.start, span.end
    line_atoms = atoms[i:j]
    # blank trimmed from each box's left and right (pt), and the glue before it: as
    # ``a.lblank - m._left_blank(k, first)`` and ``a.rblank - m._right_blank(k, last)``
    # (inlined, same arithmetic)
    kern = m.kern
    left = [a.lblank - (a.lblank - kern[k][1]) for k, a in enumerate(line_atoms, i)]
    right = [a.rblank - (a.rblank - kern[k + 1][0]) for k, a in enumerate(line_atoms[:-1], i)]
    right.append(0.0)
    glue = [a.glue for a in line_atoms]
    glue[0] = 0.0
    a = line_atoms[0]
    left[0] = a.lblank - (0.0 if m.style.trim_line_start else a.lblank)
    a = line_atoms[-1]
    right[-1] = a.rblank - (0.0 if m.style.trim_line_end else a.rblank)
    widths = [a.width for a in line_atoms]
    natural = sum(widths) - sum(left) - sum(right) + sum(glue)
    diff = target - natural if justify else min(0.0, target - natural)
    if diff < -1e-9:
        _shrink(m, i, j, left, right, glue, -diff)
    elif diff > 1e-9:
        _expand(atoms, i, j, glue, diff)
    width = sum(widths) - sum(left) - sum(right) + sum(glue)
    if not justify:
        free = target - width
        offset += {"right": free, "center": free / 2}.get(align, 0.0)
    glyphs = []
    x = offset
    middot, long_ = Cls.MIDDOT, Cls.LONG
    for a, g, lb, rb in zip(line_atoms, glue, left, right, strict=True):
        x += g
        box = a.width - lb - rb
        cls = a.cls
        form = "text"
        if cls is middot:
            form = "center"  # · is centred in its ½ em box; the renderer knows its advance
        elif cls is long_:
            form = "rule" if a.text[0] in "—⸺" else "spread"
        glyphs.append(Glyph(a.text, x, box, -lb, a.face, a.size, _VALUE[cls], form))
        x += box
    # the line's text: a typed space mid-line is kept as " "
    text = "".join([" " + a.text if n and a.space else a.text for n, a in enumerate(line_atoms)])
    return Line(tuple(glyphs), target, natural, text, overfull=span.overfull)


def _shrink(m: LineMeasurer, i: int, j: int, left: list[float], right: list[float],
            glue: list[float], need: float) -> None:
    atoms = m.atoms
    room = [glue[n] - atoms[k].glue_min if n else 0.0 for n, k in enumerate(range(i, j))]
    need = _take(room, need, lambda n, v: glue.__setitem__(n, glue[n] - v))
    if need <= 1e-9:
        return
    count = j - i
    squeeze = [m.squeeze_at(k, n == 0, n == count - 1) for n, k in enumerate(range(i, j))]

    def give(n: int, v: float) -> None:
        a = atoms[i + n]
        if a.cls is Cls.OPEN:
            left[n] += v
        else:
            right[n] += v

    _take(squeeze, need, give)


def _take(room: list[float], need: float, apply) -> float:
    """Take ``need`` from ``room`` in proportion to what each can give; return what is left."""
    total = sum(room)
    if total <= 1e-12:
        return need
    share = min(1.0, need / total)
    for n, r in enumerate(room):
        if r > 0:
            apply(n, r * share)
    return max(0.0, need - total)


def _expand(atoms: list[Atom], i: int, j: int, glue: list[float], extra: float) -> None:
    count = j - i
    if count < 2:
        return
    stretchy = [n for n in range(1, count) if atoms[i + n].stretch_glue]
    if stretchy:
        cap = GLUE_STRETCH * atoms[i].size
        each = min(cap, extra / len(stretchy))
        for n in stretchy:
            glue[n] += each
        extra -= each * len(stretchy)
    if extra <= 1e-9:
        return
    gaps = [
        n for n in range(1, count)
        if atoms[i + n - 1].cls is not Cls.OPEN and atoms[i + n].cls not in _NO_SPACE_BEFORE
    ] or list(range(1, count))
    each = extra / len(gaps)
    for n in gaps:
        glue[n] += each
