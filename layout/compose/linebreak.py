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

from dataclasses import dataclass

from layout.compose.classes import PUNCT_CLASSES, Cls
from layout.compose.prepare import Atom
from layout.compose.style import CompositionStyle

EPS = 1e-6


@dataclass(frozen=True)
class Span:
    """Atoms ``start:end`` of a paragraph set as one line, with their widths (pt)."""

    start: int
    end: int
    natural: float
    tightest: float
    overfull: bool = False


def pair_kerning(atoms: list[Atom], style: CompositionStyle) -> list[tuple[float, float]]:
    """Blank removed between each atom and the one before it: (from prev's right, from its left)."""
    out: list[tuple[float, float]] = [(0.0, 0.0)]
    punct = PUNCT_CLASSES
    for prev, atom in zip(atoms, atoms[1:], strict=False):
        if not (prev.cls in punct and atom.cls in punct) or atom.glue:  # is_punct, inlined
            out.append((0.0, 0.0))
            continue
        brackets = prev.cls is Cls.CLOSE and atom.cls is Cls.OPEN
        limit = (style.bracket_pair_kerning if brackets else style.pair_kerning) * atom.size
        from_prev = min(prev.rblank, limit)
        from_this = min(atom.lblank, limit - from_prev)
        out.append((from_prev, from_this))
    return out


class LineMeasurer:
    """Widths of candidate lines, from prefix sums so each query is O(1)."""

    def __init__(self, atoms: list[Atom], style: CompositionStyle):
        self.atoms = atoms
        self.style = style
        self.kern = pair_kerning(atoms, style)
        n = len(atoms)
        kern = self.kern
        # prefix sums over atoms: width + glue - kerning with the previous atom
        w = self._w = [0.0] * (n + 1)
        shrink = self._shrink = [0.0] * (n + 1)
        # per atom, the terms of ``widths`` that depend on one end of the line only
        lead = self._lead = [0.0] * n  # kerning given back and glue dropped at a line start
        slack = self._slack = [0.0] * n  # its glue's shrinkability, dropped at a line start
        sq_first = self._sq_first = [0.0] * n  # squeeze as the first atom, minus mid-line
        sq_single = self._sq_single = [0.0] * n  # ... as the only atom
        sq_last = self._sq_last = [0.0] * n  # ... as the last atom
        squeeze_at = self.squeeze_at
        for k, a in enumerate(atoms):
            kk = kern[k]
            kp, kt = kk
            glue = a.glue
            w[k + 1] = w[k] + a.width + glue - kp - kt
            lead[k] = sum(kk) - glue
            slack[k] = glue - a.glue_min
            if a.squeeze:  # otherwise every squeeze_at is 0.0 and so is each difference
                inner = squeeze_at(k, False, False)  # _squeeze_inner
                shrink[k + 1] = shrink[k] + (glue - a.glue_min) + inner
                sq_first[k] = squeeze_at(k, True, False) - inner
                sq_single[k] = squeeze_at(k, True, True) - inner
                sq_last[k] = squeeze_at(k, False, True) - inner
            else:
                shrink[k + 1] = shrink[k] + (glue - a.glue_min) + 0.0

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

    def _squeeze_inner(self, k: int) -> float:
        return self.squeeze_at(k, False, False)

    def widths(self, i: int, j: int) -> tuple[float, float]:
        """(natural, tightest) width of atoms i..j-1 set as one line."""
        natural = self._w[j] - self._w[i]
        natural += self._lead[i]  # no glue and no pair across the line start
        if self.style.trim_line_start:
            natural -= self.atoms[i].lblank  # an opening mark at line start loses its blank half
        if self.style.trim_line_end:
            natural -= self.atoms[j - 1].rblank  # a line-end mark is half width (GB/T 15834 5.1.10)
        shrink = self._shrink[j] - self._shrink[i] - self._slack[i]
        if i == j - 1:
            shrink += self._sq_single[i]
        else:
            shrink += self._sq_first[i]
            shrink += self._sq_last[j - 1]
        return natural, natural - max(shrink, 0.0)


def break_lines(m: LineMeasurer, measures: list[float], first_indent: float) -> list[Span]:
    """Choose the lines.  ``measures[k]`` is the width of line k (the last value repeats)."""
    atoms, style = m.atoms, m.style
    spans: list[Span] = []
    i, n = 0, len(atoms)
    while i < n:
        k = len(spans)
        avail = measures[min(k, len(measures) - 1)] - (first_indent if k == 0 else 0.0)
        spans.append(_one_line(m, i, avail, style))
        i = spans[-1].end
    return spans


def _one_line(m: LineMeasurer, i: int, avail: float, style: CompositionStyle) -> Span:
    atoms, n = m.atoms, len(m.atoms)
    natural_fit = None  # last allowed break whose natural width fits
    tight_fit = None  # last allowed break whose tightest width fits
    natural_end = None  # last break (allowed or not) whose natural width fits
    any_tight = None  # last break (allowed or not) whose tightest width fits
    widths: dict[int, tuple[float, float]] = {}
    # m.widths(i, j), inlined for the loop (same terms, same order of operations)
    w, shr, sq_last = m._w, m._shrink, m._sq_last
    w_i, lead_i, shr_i, slack_i = w[i], m._lead[i], shr[i], m._slack[i]
    sq_single_i, sq_first_i = m._sq_single[i], m._sq_first[i]
    trim_start, trim_end = m.style.trim_line_start, m.style.trim_line_end
    lblank_i = atoms[i].lblank
    for j in range(i + 1, n + 1):
        nat = w[j] - w_i
        nat += lead_i
        if trim_start:
            nat -= lblank_i
        if trim_end:
            nat -= atoms[j - 1].rblank
        shrink = shr[j] - shr_i - slack_i
        if j == i + 1:
            shrink += sq_single_i
        else:
            shrink += sq_first_i
            shrink += sq_last[j - 1]
        tight = nat - max(shrink, 0.0)
        widths[j] = (nat, tight)
        if tight > avail + atoms[j - 1].size + EPS and j > i + 1:
            break  # every longer line is wider still
        allowed = j == n or atoms[j].breakable
        if nat <= avail + EPS:
            natural_end = j
            if allowed:
                natural_fit = j
        if tight <= avail + EPS:
            any_tight = j
            if allowed:
                tight_fit = j
    if style.push == "out-only":
        end = natural_fit
    elif style.push == "in-max":
        end = tight_fit
    else:  # in-first: keep the natural break unless it would start a line with a mark
        end = natural_end if natural_end is not None and natural_end == natural_fit else None
        if end is None and natural_end is not None:
            pulled = [j for j in range(natural_end + 1, (tight_fit or 0) + 1) if j in widths]
            end = pulled[0] if pulled and _allowed(atoms, pulled[0]) else None
            if end is None:
                end = natural_fit
    overfull = False
    if end is None:  # no allowed break fits: relief valve (clreq n033), then overflow
        end = any_tight or natural_end or i + 1
        overfull = widths.get(end, m.widths(i, end))[1] > avail + EPS
    nat, tight = widths.get(end) or m.widths(i, end)
    return Span(i, end, nat, tight, overfull)


def _allowed(atoms: list[Atom], j: int) -> bool:
    return j == len(atoms) or atoms[j].breakable


def is_full(span: Span, avail: float, em: float) -> bool:
    """A line with no room left for another character: it was set justified to the measure."""
    return span.natural > avail - em + EPS


def last_break_inside(atoms: list[Atom], span: Span) -> int | None:
    """The last allowed break strictly inside a line, for pulling a unit down."""
    for j in range(span.end - 1, span.start, -1):
        if atoms[j].breakable and atoms[j].cls is not Cls.SPACE:
            return j
    return None
