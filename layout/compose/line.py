"""The one definition of a line: what atoms ``i..j-1`` of a paragraph give when set as one line.

``line`` is the only place that says how wide a line is, how much it may shrink and
where each box loses its blank: the breaker decides with it (its prefix-sum
``Estimates`` only prune, linebreak.py), the paragraph rules (orphans, tags) ask it,
and the placer (justify.py) distributes the difference to the measure over the very
lists it returns.  Typst's inline layout keeps ``line()`` apart from the breaker's
estimates the same way.

A box's blank is trimmed in three places (clreq §3.2-3.3): between two adjacent marks
(pair kerning, mid-line), from an opening mark at a line start and from a closing mark
at a line end (when the style says so).  Glue (the hanzi-western gap, a word space)
never survives a line start.  Shrinking takes glue down to its minimum and then squeezes
the marks' remaining blank, up to what the style allows (clreq §3.5).
"""

from __future__ import annotations

from itertools import compress, count
from operator import sub
from typing import NamedTuple

from layout.compose.classes import PUNCT_CLASSES, Cls
from layout.compose.prepare import Atom, AtomColumns, columns
from layout.compose.style import CompositionStyle

_NO_KERN = (0.0, 0.0)


def pair_kerning(cols: AtomColumns, style: CompositionStyle) -> list[tuple[float, float]]:
    """Blank removed between each atom and the one before it: (from prev's right, from its left)."""
    classes = cols.cls
    out = [_NO_KERN] * len(classes)
    marks = compress(count(), map(PUNCT_CLASSES.__contains__, classes))
    prev_mark = -2
    for k in marks:  # only a mark after a mark is kerned
        pair, prev_mark = prev_mark == k - 1, k
        if not pair or cols.glue[k]:
            continue
        brackets = classes[k - 1] is Cls.CLOSE and classes[k] is Cls.OPEN
        limit = (style.bracket_pair_kerning if brackets else style.pair_kerning) * cols.size[k]
        from_prev = min(cols.rblank[k - 1], limit)
        from_this = min(cols.lblank[k], limit - from_prev)
        out[k] = (from_prev, from_this)
    return out


class Items:
    """A paragraph's atoms ready to be cut into lines: their columns (``cols``) and, per
    atom, what it is worth in the middle of a line (kerned blanks, glue, room to shrink).
    A line start or end changes only its first and last atom: ``line`` copies a slice of
    each list and corrects its two ends."""

    def __init__(self, atoms: list[Atom], style: CompositionStyle):
        self.atoms = atoms
        self.style = style
        self.trim_start = style.trim_line_start  # clreq §3.3, at a line's start and end
        self.trim_end = style.trims_line_end
        cols = self.cols = columns(atoms)
        self.kern = kern = pair_kerning(cols, style)
        n = len(atoms)
        #: may a line end before atom j (j == n: the paragraph's end, always)
        self.breakable = (*cols.breakable, True)
        texts = cols.text
        #: each atom's text as it reads mid-line: a typed space before it kept as " "
        self.spaced = ([" " + t if space else t for t, space in zip(texts, cols.space, strict=True)]
                       if any(cols.space) else texts)
        #: blank that pair kerning takes from each box's left and right mid-line
        self.kern_left = kern_left = [0.0] * n
        self.kern_right = kern_right = [0.0] * n
        for k in compress(count(), map(_NO_KERN.__ne__, kern)):
            kern_right[k - 1], kern_left[k] = kern[k]
        #: how far the glue before each atom may shrink
        self.room = list(map(sub, cols.glue, cols.glue_min))
        #: how much each mark may give when squeezed mid-line; and, for those that may give
        #: anything, (first, alone, last) on a line
        self.squeeze = [0.0] * n
        self.edge_squeeze: dict[int, tuple[float, float, float]] = {}
        for k in compress(count(), cols.squeeze):
            self.squeeze[k], *edges = self._squeezes(k)
            self.edge_squeeze[k] = tuple(edges)

    def __len__(self) -> int:
        return len(self.atoms)

    def _squeezes(self, k: int) -> tuple[float, float, float, float]:
        """How much mark k may give when squeezed mid-line, first, alone and last on a line:
        its blank halves once kerning and line-edge trims took theirs, at most ``squeeze``."""
        cols, kern = self.cols, self.kern
        lblank, rblank = cols.lblank[k], cols.rblank[k]
        # a side already tightened against a neighbouring mark (pair kerning) gives no more
        left_mid = 0.0 if any(kern[k]) else lblank - kern[k][1]
        left_edge = 0.0 if self.trim_start else lblank
        paired_right = k + 1 < len(kern) and any(kern[k + 1])
        right_mid = 0.0 if paired_right else rblank - (kern[k + 1][0] if k + 1 < len(kern) else 0.0)
        right_edge = 0.0 if self.trim_end else rblank
        sq = cols.squeeze[k]
        return (min(sq, left_mid + right_mid), min(sq, left_edge + right_mid),
                min(sq, left_edge + right_edge), min(sq, left_mid + right_edge))


class LineFit(NamedTuple):
    """Atoms ``start:end`` set as one line at their natural width, and what each gives.

    The lists hold one value per atom of the line: the blank trimmed from its box's left
    and right, the glue before it (0 for the first), how far that glue may shrink, and
    how much the atom may squeeze.  ``natural`` is their sum as the line is set (boxes
    less trims plus glue); ``shrink`` the most it may lose."""

    start: int
    end: int
    natural: float
    shrink: float
    left: list[float]
    right: list[float]
    glue: list[float]
    room: list[float]
    squeeze: list[float]
    overfull: bool = False  # wider than its measure even at its tightest (no break fits)

    @property
    def tightest(self) -> float:
        """The width with every glue at its minimum and every mark squeezed to its limit."""
        return self.natural - max(self.shrink, 0.0)


def line(items: Items, i: int, j: int) -> LineFit:
    """Atoms ``i..j-1`` of ``items`` set as one line: the one definition of a line's width."""
    cols = items.cols
    last = j - 1
    left = items.kern_left[i:j]
    right = items.kern_right[i:j]
    glue = list(cols.glue[i:j])
    glue[0] = 0.0  # no glue at a line start
    lblank, rblank = cols.lblank[i], cols.rblank[last]
    left[0] = lblank - (0.0 if items.trim_start else lblank)
    right[-1] = rblank - (0.0 if items.trim_end else rblank)
    natural = sum(cols.width[i:j]) - sum(left) - sum(right) + sum(glue)
    room = items.room[i:j]
    room[0] = 0.0
    squeeze = items.squeeze[i:j]
    edge = items.edge_squeeze
    if i in edge:
        first, alone, _ = edge[i]
        squeeze[0] = alone if i == last else first
    if last > i and last in edge:
        squeeze[-1] = edge[last][2]
    return LineFit(i, j, natural, sum(room) + sum(squeeze), left, right, glue, room, squeeze)
