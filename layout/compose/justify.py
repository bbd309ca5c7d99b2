"""Finalize: place the atoms of one line, compressing or expanding to its width.

Reduction takes glue first, then the marks' blank halves (clreq §3.5);
expansion fills word spaces and hanzi–western gaps first, then spreads the rest
evenly between characters, never after an opening mark or before a closing one,
never inside —— …… numbers or words (clreq §5, jlreq).  Hanzi are never compressed.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate, compress, count, repeat
from operator import attrgetter, is_not, mul, neg, sub

from layout.compose.classes import Cls
from layout.compose.line import Items, LineFit
from layout.compose.lines import HORIZONTAL, Line, glyphs_of
from layout.compose.prepare import Atom, AtomColumns

_NO_SPACE_BEFORE = (Cls.CLOSE, Cls.PAUSE, Cls.STOP, Cls.DIVIDE)
_OWN_FORMS = frozenset({Cls.MIDDOT, Cls.LONG})
_VALUE = {c: c.value for c in Cls}  # Enum.value is a property: slow in a loop
_ASCENT = attrgetter("ascent")


def place_lines(items: Items, fits: Sequence[LineFit],
                settings: Sequence[tuple[float, str, bool, float, bool]]) -> list[Line]:
    """Lay out each line in its measure: ``settings[k]`` is line k's (target width, align,
    justify, offset, last), the line ``target`` pt wide starting ``offset`` pt from its left.

    Works on the lines as ``line`` made them (their per-atom lists, copied where they are
    adjusted), and makes the glyphs of the whole paragraph at the end in one pass over the
    columns, so a line costs a few C-level operations, not Python steps per atom."""
    cols = items.cols
    xs: list[float] = []
    boxes: list[float] = []
    dxs: list[float] = []
    made = []
    for fit, (target, align, justify, offset, last) in zip(fits, settings, strict=True):
        i, j = fit.start, fit.end
        line_xs, line_boxes, left = _place(items, fit, target, align, justify, offset)
        xs += line_xs
        boxes += line_boxes
        dxs += map(neg, left)
        # the line's text: a typed space mid-line is kept as " "
        text = cols.text[i] + "".join(items.spaced[i + 1:j])
        made.append((i, j, target, fit.natural, text, last, fit.overfull))
    forms = _forms(cols.text, cols.cls)
    variants = _variants(cols, boxes, dxs, forms)
    glyphs = glyphs_of(cols.text, xs, boxes, dxs, cols.face, cols.size,
                       map(_VALUE.__getitem__, cols.cls), forms, cols.advance, variants,
                       repeat(0.0, len(xs)), cols.gids)
    ascents = list(map(mul, map(_ASCENT, cols.face), cols.size))  # pt, per atom
    return [Line(glyphs[i:j], target, natural, text, last, overfull, HORIZONTAL, max(ascents[i:j]))
            for i, j, target, natural, text, last, overfull in made]


def _place(items: Items, fit: LineFit, target: float, align: str, justify: bool,
           offset: float) -> tuple[list[float], list[float], list[float]]:
    """x and width of each box of the line, and the blank trimmed from each box's left."""
    i, j, natural = fit.start, fit.end, fit.natural
    left, right, glue = fit.left, fit.right, fit.glue
    widths = items.cols.width[i:j]
    diff = target - natural if justify else min(0.0, target - natural)
    if diff < -1e-9:
        left, right, glue = left[:], right[:], glue[:]
        _shrink(items, fit, left, right, glue, -diff)
    elif diff > 1e-9:
        glue = glue[:]
        _expand(items.atoms, i, j, glue, diff, items.style.glue_stretch,
                items.style.latin_space_max)
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
    return xs, boxes, left


def _variants(cols: AtomColumns, boxes: list[float], dxs: list[float], forms: list[str]) -> list[str]:
    """The form each glyph is drawn in, with ``dxs`` adjusted to it: the atom's own (digits in
    a half-width-digit face: "hwid"), a · centred in its box, and a mark whose box is narrower
    than its glyph (compressed, or set half width by the style) drawn from the face's
    ``halt`` form where the face has one."""
    variants = list(cols.variant)  # as the face draws it ("hwid" digits), unless compressed
    halts, advances, sizes = cols.halt, cols.advance, cols.size
    for k in {*compress(count(), map(is_not, halts, repeat(None))),
              *compress(count(), map("center".__eq__, forms))}:
        form = forms[k]
        if form == "center":
            dxs[k] = (boxes[k] - advances[k]) / 2
        if halts[k] is not None and form in ("text", "center") and boxes[k] < advances[k] - 0.01:
            variants[k] = "halt"
            dxs[k] -= halts[k] * sizes[k]
    return variants


def _forms(texts: tuple[str, ...], classes: tuple[Cls, ...]) -> list[str]:
    """How a backend draws each atom: "text", or a · centred in its ½ em box ("center"; its
    ``dx`` centres it), —— as one rule ("rule"), …… one glyph per em ("spread")."""
    forms = ["text"] * len(classes)
    if not _OWN_FORMS.isdisjoint(classes):
        for n, cls in enumerate(classes):
            if cls is Cls.MIDDOT:
                forms[n] = "center"
            elif cls is Cls.LONG:
                forms[n] = "rule" if texts[n][0] in "—⸺" else "spread"
    return forms


def _shrink(items: Items, fit: LineFit, left: list[float], right: list[float],
            glue: list[float], need: float) -> None:
    """Take ``need`` pt from the glue down to its minimum, then from the marks' blanks."""
    need = _take(fit.room, need, lambda n, v: glue.__setitem__(n, glue[n] - v))
    if need <= 1e-9:
        return
    atoms, i = items.atoms, fit.start

    def give(n: int, v: float) -> None:
        if atoms[i + n].cls is Cls.OPEN:
            left[n] += v
        else:
            right[n] += v

    _take(fit.squeeze, need, give)


def letter_gaps(atoms: list[Atom], i: int, j: int) -> list[int]:
    """The atoms of ``i..j-1`` before which a justified line may open letter-spacing: not
    after an opening mark, not before a closing one or a pause or stop (clreq §5), never
    inside a Latin word, number, URL or address (``_solid``)."""
    return [k for k in range(i + 1, j)
            if atoms[k - 1].cls is not Cls.OPEN and atoms[k].cls not in _NO_SPACE_BEFORE
            and not _solid(atoms, k)]


def _solid(atoms: list[Atom], k: int) -> bool:
    """Is atom ``k`` a piece of the same word as the atom before it (two western atoms joined
    without glue: a word of two faces, a URL or a hyphenated word at a break it did not
    take)?  A word force-broken between letters (``split_overlong``) is not: its letters
    carry stretchable glue and may be letter-spaced."""
    a = atoms[k]
    return (a.cls is Cls.WESTERN and atoms[k - 1].cls is Cls.WESTERN
            and not a.glue and not a.stretch_glue)


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
            stretch: float, latin_space_max: float) -> None:
    """Add ``extra`` pt: word spaces and gaps first, each up to its limit (a Latin word space
    to ``latin_space_max`` em in all, the others ``stretch`` em over their width), in equal
    shares; then evenly between characters where a gap may open (``letter_gaps``), never
    inside a word: a line of one unbreakable word is left flush left."""
    count = j - i
    if count < 2:
        return
    size = atoms[i].size
    caps = {n: (max(0.0, latin_space_max * size - glue[n])
                if atoms[i + n - 1].cls is Cls.WESTERN and atoms[i + n].cls is Cls.WESTERN
                else stretch * size)
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
    gaps = [k - i for k in letter_gaps(atoms, i, j)] or [
        n for n in range(1, count) if not _solid(atoms, i + n)]
    if not gaps:
        return  # one unbreakable word: set flush left
    each = extra / len(gaps)
    for n in gaps:
        glue[n] += each
