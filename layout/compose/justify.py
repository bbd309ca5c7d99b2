"""Finalize: place the atoms of one line, compressing or expanding to its width.

Reduction takes glue first, then the marks' blank halves (clreq §3.5);
expansion fills word spaces and hanzi–western gaps first, then spreads the rest
evenly between characters, never after an opening mark or before a closing one,
never inside —— …… numbers or words (clreq §5, jlreq).  Hanzi are never compressed.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate
from operator import neg, sub

from layout.compose.classes import Cls
from layout.compose.linebreak import LineMeasurer, Span
from layout.compose.lines import Line, glyphs_of
from layout.compose.prepare import Atom

_NO_SPACE_BEFORE = (Cls.CLOSE, Cls.PAUSE, Cls.STOP, Cls.DIVIDE)
_OWN_FORMS = frozenset({Cls.MIDDOT, Cls.LONG})
_VALUE = {c: c.value for c in Cls}  # Enum.value is a property: slow in a loop
#: how far word spaces and western gaps may grow before the other gaps take part (em)
GLUE_STRETCH = 0.25


def place_lines(m: LineMeasurer, spans: Sequence[Span],
                settings: Sequence[tuple[float, str, bool, float, bool]]) -> list[Line]:
    """Lay out each span in its line: ``settings[k]`` is line k's (target width, align,
    justify, offset, last), the line ``target`` pt wide starting ``offset`` pt from its left.

    Works on the paragraph's columns: each per-atom list of a line is a slice, and the
    glyphs of the whole paragraph are made at the end in one pass over the columns, so a
    line costs a few C-level operations, not Python steps per atom."""
    cols = m.cols
    xs: list[float] = []
    boxes: list[float] = []
    dxs: list[float] = []
    made = []
    for span, (target, align, justify, offset, last) in zip(spans, settings, strict=True):
        i, j = span.start, span.end
        line_xs, line_boxes, left, natural = _place(m, i, j, target, align, justify, offset)
        xs += line_xs
        boxes += line_boxes
        dxs += map(neg, left)
        # the line's text: a typed space mid-line is kept as " "
        text = cols.text[i] + "".join(m.spaced[i + 1:j])
        made.append((i, j, target, natural, text, last, span.overfull))
    glyphs = glyphs_of(cols.text, xs, boxes, dxs, cols.face, cols.size,
                       map(_VALUE.__getitem__, cols.cls), _forms(cols.text, cols.cls))
    return [Line(glyphs[i:j], target, natural, text, last, overfull)
            for i, j, target, natural, text, last, overfull in made]


def _place(m: LineMeasurer, i: int, j: int, target: float, align: str, justify: bool,
           offset: float) -> tuple[list[float], list[float], list[float], float]:
    """x and width of each box of atoms i..j-1 set as one line, the blank trimmed from each
    box's left, and the line's natural width."""
    cols = m.cols
    # blank trimmed from each box's left and right (pt), and the glue before it: as
    # ``a.lblank - m._left_blank(k, first)`` and ``a.rblank - m._right_blank(k, last)``
    # (mid-line values precomputed by the measurer, same arithmetic)
    left = m.kern_left[i:j]
    right = m.kern_right[i:j]
    glue = m.glue[i:j]
    glue[0] = 0.0
    lblank, rblank = cols.lblank[i], cols.rblank[j - 1]
    left[0] = lblank - (0.0 if m.style.trim_line_start else lblank)
    right[-1] = rblank - (0.0 if m.style.trim_line_end else rblank)
    widths = cols.width[i:j]
    natural = sum(widths) - sum(left) - sum(right) + sum(glue)
    diff = target - natural if justify else min(0.0, target - natural)
    if diff < -1e-9:
        _shrink(m, i, j, left, right, glue, -diff)
    elif diff > 1e-9:
        _expand(m.atoms, i, j, glue, diff, m.style.latin_space_max)
    if not justify:
        width = sum(widths) - sum(left) - sum(right) + sum(glue)
        free = target - width
        offset += {"right": free, "center": free / 2}.get(align, 0.0)
    boxes = list(map(sub, map(sub, widths, left), right))  # a.width - lb - rb
    # each glyph's x: from the offset, add its glue, place it, add its box; one running sum
    if any(glue):
        steps = [0.0] * (2 * len(boxes))
        steps[0::2] = glue
        steps[1::2] = boxes
        xs = list(accumulate(steps, initial=offset))[1::2]
    else:  # no glue: after the first (0.0, which makes a -0.0 offset 0.0) no x is -0.0,
        # so adding 0.0 changes none: the boxes alone give the same sums
        xs = list(accumulate(boxes[:-1], initial=offset + glue[0]))
    return xs, boxes, left, natural


def _forms(texts: tuple[str, ...], classes: tuple[Cls, ...]) -> list[str]:
    """How the renderer draws each atom: "text", or a · centred in its ½ em box ("center"; the
    renderer knows its advance), —— as one rule ("rule"), …… one glyph per em ("spread")."""
    forms = ["text"] * len(classes)
    if not _OWN_FORMS.isdisjoint(classes):
        for n, cls in enumerate(classes):
            if cls is Cls.MIDDOT:
                forms[n] = "center"
            elif cls is Cls.LONG:
                forms[n] = "rule" if texts[n][0] in "—⸺" else "spread"
    return forms


def _shrink(m: LineMeasurer, i: int, j: int, left: list[float], right: list[float],
            glue: list[float], need: float) -> None:
    atoms = m.atoms
    glue_min = m.cols.glue_min
    room = [glue[n] - glue_min[k] if n else 0.0 for n, k in enumerate(range(i, j))]
    need = _take(room, need, lambda n, v: glue.__setitem__(n, glue[n] - v))
    if need <= 1e-9:
        return
    count = j - i
    squeezes, squeeze_at = m.cols.squeeze, m.squeeze_at  # squeeze_at is 0.0 where squeeze is
    squeeze = [squeeze_at(k, n == 0, n == count - 1) if squeezes[k] else 0.0
               for n, k in enumerate(range(i, j))]

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


def _expand(atoms: list[Atom], i: int, j: int, glue: list[float], extra: float,
            latin_space_max: float = 0.5) -> None:
    """Spread ``extra`` pt: word spaces and gaps first, each up to its limit (a Latin word
    space to ``latin_space_max`` em, the others ``GLUE_STRETCH`` em over their width), all
    equally; then the gaps between characters (clreq §5)."""
    count = j - i
    if count < 2:
        return
    size = atoms[i].size
    caps = {n: (max(0.0, latin_space_max * size - glue[n])
                if atoms[i + n - 1].cls is Cls.WESTERN and atoms[i + n].cls is Cls.WESTERN
                else GLUE_STRETCH * size)
            for n in range(1, count) if atoms[i + n].stretch_glue}
    while caps and extra > 1e-9:  # equal shares, a glue that reaches its limit drops out
        each = extra / len(caps)
        full = {n: c for n, c in caps.items() if c <= each}
        for n, c in (full or caps).items():
            given = c if full else each
            glue[n] += given
            extra -= given
        caps = {n: c for n, c in caps.items() if n not in full} if full else {}
    if extra <= 1e-9:
        return
    # never inside a Latin word, number, URL or address: pieces of one joined without glue
    solid = [atoms[i + n - 1].cls is Cls.WESTERN and atoms[i + n].cls is Cls.WESTERN
             and not atoms[i + n].glue and not atoms[i + n].stretch_glue for n in range(count)]
    gaps = [
        n for n in range(1, count)
        if atoms[i + n - 1].cls is not Cls.OPEN and atoms[i + n].cls not in _NO_SPACE_BEFORE
        and not solid[n]
    ] or [n for n in range(1, count) if not solid[n]]
    if not gaps:
        return  # one unbreakable word: set flush left
    each = extra / len(gaps)
    for n in gaps:
        glue[n] += each
