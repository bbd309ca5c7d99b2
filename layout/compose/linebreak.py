"""Break: choose where each line ends, one line at a time, the way a typesetter does.

For each line the breaker knows two widths of every candidate: the natural
width (pair kerning and line-edge trims applied, clreq §3.2–3.3) and the
tightest width (every mark squeezed as far as the style lets it, glue at its
minimum).  The style's push rule then picks the break (clreq §2.2):

* ``out-only``: the last allowed break whose natural width fits (推出);
* ``in-first``: the natural break if allowed; if the next atom may not start a
  line, squeeze to pull it in (挤进); only if that fails push out;
* ``in-max``: the last allowed break whose tightest width fits.

Both widths are defined by ``line.line`` alone.  Computing it for every candidate
would cost a pass over the line each time, so ``Estimates`` keeps prefix sums that
give both widths of any candidate in O(1) up to rounding (``slop``): a candidate whose
estimate is further than that from the measure is decided by the estimate, one within
it by ``line`` itself, and the chosen line is always ``line``'s.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate, compress, count, islice

from layout.compose.classes import Cls
from layout.compose.line import Items, LineFit, line
from layout.compose.prepare import Atom

EPS = 1e-6
#: the relative rounding error one float addition may make (2**-52), with room to spare
_ULP = 2.3e-16


class Estimates:
    """Prefix sums over a paragraph's items: (natural, tightest) of any candidate line in
    O(1), equal to ``line``'s up to ``slop`` pt of rounding.

    Per atom: width + glue - kerning with the previous atom (``w``, running total); what a
    line start gives back of it (``lead``: the kerning, less the glue that is dropped) and
    takes from the room to shrink (``slack``); the room to shrink (``shrink``, running
    total of glue room and mid-line squeeze); and how a squeeze changes when the atom is
    first, alone or last on its line (``sq_first``, ``sq_single``, ``sq_last``).  The
    last four are zero for a plain atom, whose sums are plain running totals: only the
    other atoms take a Python step.
    """

    def __init__(self, items: Items):
        cols, kern = items.cols, items.kern
        n = len(items.atoms)
        self.lead = lead = [0.0] * n
        self.slack = slack = [0.0] * n
        self.sq_first = sq_first = [0.0] * n
        self.sq_single = sq_single = [0.0] * n
        self.sq_last = sq_last = [0.0] * n
        width, glue, room, squeeze = cols.width, cols.glue, items.room, items.squeeze
        special = sorted({*compress(count(), map((0.0, 0.0).__ne__, kern)),
                          *compress(count(), glue), *compress(count(), cols.squeeze)})
        w = self.w = [0.0]
        shrink = self.shrink = [0.0]
        edge = items.edge_squeeze
        total = shrunk = 0.0
        # Does w never fall?  Then the breaker may bisect for the breaks that fit before
        # any trim or squeeze.  No width is negative (so neither is a blank), so only an
        # atom with glue or kerning could lower the total: checked below.
        rising = min(width, default=0.0) >= 0.0
        start = 0
        for k in special:
            if k > start:  # plain atoms: running totals, the additions in C
                w += islice(accumulate(width[start:k], initial=total), 1, None)
                total = w[-1]
                shrink += [shrunk] * (k - start)
            kp, kt = kern[k]
            total = total + width[k] + glue[k] - kp - kt
            w.append(total)
            lead[k] = kp + kt - glue[k]
            slack[k] = room[k]
            inner = squeeze[k]
            shrunk = shrunk + room[k] + inner
            if k in edge:
                first, alone, last = edge[k]
                sq_first[k] = first - inner
                sq_single[k] = alone - inner
                sq_last[k] = last - inner
            shrink.append(shrunk)
            rising = rising and total >= w[-2]
            start = k + 1
        if n > start:
            w += islice(accumulate(width[start:n], initial=total), 1, None)
            shrink += [shrunk] * (n - start)
        self.rising = rising
        #: bound on |estimate - line()|: each is a sum of at most 4n terms (widths, glue,
        #: blanks, kerning, squeezes: none larger than its atom's width plus glue), rounded
        #: once per addition, whose magnitudes add up to at most ``scale``
        scale = 4.0 * (sum(width) + sum(glue)) + 1.0
        self.slop = 8 * (n + 2) * _ULP * scale

    def widths(self, items: Items, i: int, j: int) -> tuple[float, float]:
        """(natural, tightest) of atoms i..j-1 as one line, within ``slop`` of ``line``'s."""
        cols = items.cols
        natural = self.w[j] - self.w[i] + self.lead[i]
        if items.trim_start:
            natural -= cols.lblank[i]
        if items.trim_end:
            natural -= cols.rblank[j - 1]
        shrink = self.shrink[j] - self.shrink[i] - self.slack[i]
        if i == j - 1:
            shrink += self.sq_single[i]
        else:
            shrink += self.sq_first[i] + self.sq_last[j - 1]
        return natural, natural - max(shrink, 0.0)


def break_lines(items: Items, measures: list[float], first_indent: float) -> list[LineFit]:
    """Choose the lines.  ``measures[k]`` is the width of line k (the last value repeats)."""
    lines: list[LineFit] = []
    est = Estimates(items)
    i, n = 0, len(items.atoms)
    last_measure = len(measures) - 1
    push = items.style.push
    while i < n:
        k = len(lines)
        avail = measures[min(k, last_measure)] - (first_indent if k == 0 else 0.0)
        fit = _one_line(items, est, i, avail, push)
        lines.append(fit)
        i = fit.end
    return lines


def _one_line(items: Items, est: Estimates, i: int, avail: float, push: str) -> LineFit:
    n = len(items.atoms)
    natural_fit = None  # last allowed break whose natural width fits
    tight_fit = None  # last allowed break whose tightest width fits
    natural_end = None  # last break (allowed or not) whose natural width fits
    any_tight = None  # last break (allowed or not) whose tightest width fits
    # est.widths(items, i, j), inlined for the loop
    w, shr, sq_last = est.w, est.shrink, est.sq_last
    rblank, size, breakable = items.cols.rblank, items.cols.size, items.breakable
    w_i, lead_i, shr_i, slack_i = w[i], est.lead[i], shr[i], est.slack[i]
    sq_single_i, sq_first_i = est.sq_single[i], est.sq_first[i]
    trim_start, trim_end = items.trim_start, items.trim_end
    lblank_i = items.cols.lblank[i]
    slop = est.slop
    fits = avail + EPS
    single = i + 1
    start = single
    if est.rising:
        # Breaks whose width before any trim or squeeze fits by more than the slop fit
        # both ways (the trims and squeezes only narrow a line): find the last by
        # bisection and begin the scan after it.
        sure = fits - slop
        start = bisect_right(w, w_i + (sure - lead_i), single, n + 1)
        while start > single and (w[start - 1] - w_i) + lead_i > sure:
            start -= 1  # bisect's sum rounds differently: step back to sure fits
        if start > single:
            natural_end = any_tight = start - 1
            k = start - 1
            while k >= single and not breakable[k]:
                k -= 1
            if k >= single:
                natural_fit = tight_fit = k
    j = start - 1
    for j in range(start, n + 1):
        nat = w[j] - w_i + lead_i
        if trim_start:
            nat -= lblank_i
        if trim_end:
            nat -= rblank[j - 1]
        shrink = shr[j] - shr_i - slack_i
        if j == single:
            shrink += sq_single_i
        else:
            shrink += sq_first_i + sq_last[j - 1]
        tight = nat - max(shrink, 0.0)
        if tight - slop > avail + size[j - 1] + EPS and j > single:
            break  # every longer line is wider still
        if -slop <= nat - fits <= slop or -slop <= tight - fits <= slop:
            exact = line(items, i, j)  # too close to call on the estimate
            nat, tight = exact.natural, exact.tightest
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
    fit = line(items, i, end)
    if relief and fit.tightest > avail + EPS:
        return fit._replace(overfull=True)
    return fit


def is_full(fit: LineFit, avail: float, em: float) -> bool:
    """A line with no room left for another character: it was set justified to the measure."""
    return fit.natural > avail - em + EPS


def last_break_inside(atoms: list[Atom], fit: LineFit) -> int | None:
    """The last allowed break strictly inside a line, for pulling a unit down."""
    for j in range(fit.end - 1, fit.start, -1):
        if atoms[j].breakable and atoms[j].cls is not Cls.SPACE:
            return j
    return None
