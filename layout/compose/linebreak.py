"""Break: choose where each line ends, one line at a time, the way a typesetter does.

For each line the breaker knows two widths of every candidate: the natural
width (pair kerning and line-edge trims applied, clreq §3.2–3.3) and the
tightest width (every mark squeezed as far as the style lets it, glue at its
minimum).  The style's push rule then picks the break (clreq §2.2):

* ``out-only``: the last allowed break whose natural width fits (推出);
* ``in-first``: the natural break if allowed; if the next atom may not start a
  line, squeeze to pull it in (挤进); only if that fails push out;
* ``in-max``: the last allowed break whose tightest width fits.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate, compress, count, islice
from typing import NamedTuple

from layout.compose.classes import PUNCT_CLASSES, Cls
from layout.compose.prepare import Atom, AtomColumns, columns
from layout.compose.style import CompositionStyle

EPS = 1e-6
_NO_KERN = (0.0, 0.0)


class Span(NamedTuple):
    """Atoms ``start:end`` of a paragraph set as one line, with their widths (pt)."""

    start: int
    end: int
    natural: float
    tightest: float
    overfull: bool = False


def pair_kerning(cols: AtomColumns, style: CompositionStyle) -> list[tuple[float, float]]:
    """Blank removed between each atom and the one before it: (from prev's right, from its left)."""
    classes = cols.cls
    out = [_NO_KERN] * len(classes)
    marks = compress(count(), map(PUNCT_CLASSES.__contains__, classes))  # is_punct, inlined
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


class LineMeasurer:
    """Widths of candidate lines, from prefix sums so each query is O(1).

    Also holds the paragraph's atoms as columns (``cols``) and, per atom, the blank that
    pair kerning takes from each side of its box mid-line (``kern_left``, ``kern_right``):
    what ``place_lines`` slices for each line.
    """

    def __init__(self, atoms: list[Atom], style: CompositionStyle):
        self.atoms = atoms
        self.style = style
        cols = self.cols = columns(atoms)
        self.kern = kern = pair_kerning(cols, style)
        n = len(atoms)
        #: may a line end before atom j (j == n: the paragraph's end, always)
        self.breakable = (*cols.breakable, True)
        self.glue = list(cols.glue)  # place_lines adjusts a copy of each line's slice
        texts = cols.text
        #: each atom's text as it reads mid-line: a typed space before it kept as " "
        self.spaced = ([" " + t if space else t for t, space in zip(texts, cols.space, strict=True)]
                       if any(cols.space) else texts)
        # the blank kerning removes from each box mid-line, as place_lines used to compute it
        # per line (``a.lblank - m._left_blank(k, False)``, same arithmetic); 0 without a pair
        kern_left = self.kern_left = [0.0] * n
        kern_right = self.kern_right = [0.0] * n
        lblank, rblank = cols.lblank, cols.rblank
        kerned = list(compress(count(), map(_NO_KERN.__ne__, kern)))
        for k in kerned:
            kern_left[k] = lblank[k] - (lblank[k] - kern[k][1])
            kern_right[k - 1] = rblank[k - 1] - (rblank[k - 1] - kern[k][0])
        # Prefix sums over atoms: width + glue - kerning with the previous atom; and the
        # per-atom terms of ``widths`` that depend on one end of the line only.  They are
        # zero for a plain atom (no glue, no pair, nothing to squeeze), whose prefix sums
        # are plain running totals of the widths: only the other atoms take a Python step.
        lead = self._lead = [0.0] * n  # kerning given back and glue dropped at a line start
        slack = self._slack = [0.0] * n  # its glue's shrinkability, dropped at a line start
        sq_first = self._sq_first = [0.0] * n  # squeeze as the first atom, minus mid-line
        sq_single = self._sq_single = [0.0] * n  # ... as the only atom
        sq_last = self._sq_last = [0.0] * n  # ... as the last atom
        width, glue, glue_min = cols.width, cols.glue, cols.glue_min
        special = sorted({*kerned, *compress(count(), glue), *compress(count(), glue_min),
                          *compress(count(), cols.squeeze)})
        w = self._w = [0.0]
        shrink = self._shrink = [0.0]
        squeezes = self._squeezes
        total = shrunk = 0.0
        # Does w never fall?  Checked: no width is negative (so neither is a blank, half of
        # one), and no atom with glue or kerning lowers the total.  Lets the breaker skip
        # the breaks that fit before any trim or squeeze (``_one_line``).
        rising = min(width, default=0.0) >= 0.0
        start = 0
        for k in special:
            if k > start:  # plain atoms: running totals, the same additions in C
                w += islice(accumulate(width[start:k], initial=total), 1, None)
                total = w[-1]
                shrink += [shrunk] * (k - start)
            kk = kern[k]
            kp, kt = kk
            g = glue[k]
            total = total + width[k] + g - kp - kt
            w.append(total)
            lead[k] = sum(kk) - g
            slack[k] = g - glue_min[k]
            if cols.squeeze[k]:  # otherwise every squeeze_at is 0.0 and so is each difference
                inner, first, single, last = squeezes(k)
                shrunk = shrunk + (g - glue_min[k]) + inner
                sq_first[k] = first - inner
                sq_single[k] = single - inner
                sq_last[k] = last - inner
            else:
                shrunk = shrunk + (g - glue_min[k]) + 0.0
            shrink.append(shrunk)
            rising = rising and total >= w[-2]
            start = k + 1
        if n > start:
            w += islice(accumulate(width[start:n], initial=total), 1, None)
            shrink += [shrunk] * (n - start)
        self.rising = rising

    def _squeezes(self, k: int) -> tuple[float, float, float, float]:
        """``squeeze_at(k, first, last)`` mid-line, first, alone and last on a line, in one go
        (the same terms)."""
        a = self.atoms[k]
        kern, n = self.kern, len(self.atoms)
        trim_start, trim_end = self.style.trim_line_start, self.style.trim_line_end
        # a side already tightened against a neighbouring mark (pair kerning) gives no more
        left_mid = 0.0 if any(kern[k]) else a.lblank - kern[k][1]
        left_edge = 0.0 if trim_start else a.lblank
        paired_right = k + 1 < n and any(kern[k + 1])
        right_mid = 0.0 if paired_right else a.rblank - (kern[k + 1][0] if k + 1 < n else 0.0)
        right_edge = 0.0 if trim_end else a.rblank
        sq = a.squeeze
        return (min(sq, left_mid + right_mid), min(sq, left_edge + right_mid),
                min(sq, left_edge + right_edge), min(sq, left_mid + right_edge))

    def _left_blank(self, k: int, first: bool) -> float:
        """Blank left of atom k once kerning and (at a line start) trimming are applied."""
        a = self.atoms[k]
        if first:
            return 0.0 if self.style.trim_line_start else a.lblank
        return a.lblank - self.kern[k][1]

    def _right_blank(self, k: int, last: bool) -> float:
        a = self.atoms[k]
        if last:
            return 0.0 if self.style.trim_line_end else a.rblank
        return a.rblank - (self.kern[k + 1][0] if k + 1 < len(self.atoms) else 0.0)

    def squeeze_at(self, k: int, first: bool, last: bool) -> float:
        """How much atom k may still give when squeezed, in its place on the line."""
        a = self.atoms[k]
        if not a.squeeze:
            return 0.0
        # a side already tightened against a neighbouring mark (pair kerning) gives no more
        left = 0.0 if not first and any(self.kern[k]) else self._left_blank(k, first)
        paired_right = not last and k + 1 < len(self.atoms) and any(self.kern[k + 1])
        right = 0.0 if paired_right else self._right_blank(k, last)
        return min(a.squeeze, left + right)

    def widths(self, i: int, j: int) -> tuple[float, float]:
        """(natural, tightest) width of atoms i..j-1 set as one line."""
        natural = self._w[j] - self._w[i]
        natural += self._lead[i]  # no glue and no pair across the line start
        if self.style.trim_line_start:
            natural -= self.cols.lblank[i]  # an opening mark at line start loses its blank half
        if self.style.trim_line_end:
            natural -= self.cols.rblank[j - 1]  # a line-end mark is half width (GB/T 15834 5.1.10)
        shrink = self._shrink[j] - self._shrink[i] - self._slack[i]
        if i == j - 1:
            shrink += self._sq_single[i]
        else:
            shrink += self._sq_first[i]
            shrink += self._sq_last[j - 1]
        return natural, natural - max(shrink, 0.0)


def break_lines(m: LineMeasurer, measures: list[float], first_indent: float) -> list[Span]:
    """Choose the lines.  ``measures[k]`` is the width of line k (the last value repeats)."""
    spans: list[Span] = []
    i, n = 0, len(m.atoms)
    last_measure = len(measures) - 1
    push = m.style.push
    while i < n:
        k = len(spans)
        avail = measures[min(k, last_measure)] - (first_indent if k == 0 else 0.0)
        span = _one_line(m, i, avail, push)
        spans.append(span)
        i = span.end
    return spans


def _one_line(m: LineMeasurer, i: int, avail: float, push: str) -> Span:
    n = len(m.atoms)
    natural_fit = None  # last allowed break whose natural width fits
    tight_fit = None  # last allowed break whose tightest width fits
    natural_end = None  # last break (allowed or not) whose natural width fits
    any_tight = None  # last break (allowed or not) whose tightest width fits
    # m.widths(i, j), inlined for the loop (same terms, same order of operations)
    w, shr, sq_last = m._w, m._shrink, m._sq_last
    rblank, size, breakable = m.cols.rblank, m.cols.size, m.breakable
    w_i, lead_i, shr_i, slack_i = w[i], m._lead[i], shr[i], m._slack[i]
    sq_single_i, sq_first_i = m._sq_single[i], m._sq_first[i]
    trim_start, trim_end = m.style.trim_line_start, m.style.trim_line_end
    lblank_i = m.cols.lblank[i]
    fits = avail + EPS
    single = i + 1
    start = single
    if m.rising:
        # Breaks whose width before any trim or squeeze fits (``nat`` as first computed
        # below) fit both ways: the first two terms rise with j, the others only narrow.
        # Find the last such break by bisection and begin the scan after it.
        start = bisect_right(w, w_i + (fits - lead_i), single, n + 1)
        while start > single and (w[start - 1] - w_i) + lead_i > fits:
            start -= 1  # bisect's sum rounds differently: step back to exact fits
        if start > single:
            natural_end = any_tight = start - 1
            k = start - 1
            while k >= single and not breakable[k]:
                k -= 1
            if k >= single:
                natural_fit = tight_fit = k
    j = start - 1
    for j in range(start, n + 1):
        nat = w[j] - w_i
        nat += lead_i
        if trim_start:
            nat -= lblank_i
        if trim_end:
            nat -= rblank[j - 1]
        shrink = shr[j] - shr_i - slack_i
        if j == single:
            shrink += sq_single_i
        else:
            shrink += sq_first_i
            shrink += sq_last[j - 1]
        tight = nat - max(shrink, 0.0)
        if tight > avail + size[j - 1] + EPS and j > single:
            break  # every longer line is wider still
        if nat <= fits:
            natural_end = j
            if breakable[j]:
                natural_fit = j
        if tight <= fits:
            any_tight = j
            if breakable[j]:
                tight_fit = j
    measured = j  # widths were computed for every break up to here
    if push == "out-only":
        end = natural_fit
    elif push == "in-max":
        end = tight_fit
    else:  # in-first: keep the natural break unless it would start a line with a mark
        end = natural_end if natural_end is not None and natural_end == natural_fit else None
        if end is None and natural_end is not None:
            pulled = natural_end + 1  # the first break past the natural one, if squeezing fits it
            end = pulled if pulled <= min(tight_fit or 0, measured) and breakable[pulled] else None
            if end is None:
                end = natural_fit
    relief = end is None
    if relief:  # no allowed break fits: relief valve (clreq n033), then overflow
        end = any_tight or natural_end or i + 1
    nat, tight = m.widths(i, end)
    return Span(i, end, nat, tight, relief and tight > avail + EPS)


def is_full(span: Span, avail: float, em: float) -> bool:
    """A line with no room left for another character: it was set justified to the measure."""
    return span.natural > avail - em + EPS


def last_break_inside(atoms: list[Atom], span: Span) -> int | None:
    """The last allowed break strictly inside a line, for pulling a unit down."""
    for j in range(span.end - 1, span.start, -1):
        if atoms[j].breakable and atoms[j].cls is not Cls.SPACE:
            return j
    return None
