"""Compose one paragraph: prepare → break → finalize (the Typst inline pipeline).

Also the paragraph-end rules of the style: the closing tag (（魏宣）), which pulls a
unit down to share the last line only if the line left behind is letter-spaced by no
more than the style's ``stretch_limit``, and the orphan rule (no last line of a single
character, clreq §5).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from layout.compose.justify import letter_gaps, place_lines
from layout.compose.line import Items, LineFit, line
from layout.compose.linebreak import break_lines, is_full, last_break_inside
from layout.compose.lines import Line
from layout.compose.prepare import FontSource, TextRun, prepare, split_overlong
from layout.compose.style import CompositionStyle


def compose_paragraph(
    runs: Sequence[TextRun],
    style: CompositionStyle,
    fonts: FontSource,
    measures: Sequence[float],
    *,
    indent: float | None = None,
    align: str = "justify",
    tail: Sequence[TextRun] = (),
    tail_position: str | None = None,
    on_overlong: Callable[[list[str]], None] | None = None,
) -> list[Line]:
    """Lines of one paragraph.  ``measures[k]`` is line k's width in pt (the last repeats);
    ``indent`` is the first-line indent in em (the style's when None); ``tail`` a closing
    tag set flush right at the paragraph's end, placed by ``tail_position`` (the style's
    ``tag_position`` when None).  Words wider than the measure are broken between letters
    and reported to ``on_overlong``."""
    atoms = prepare(runs, style, fonts)
    if not atoms:
        return []
    em = atoms[0].size
    first_indent = (style.indent if indent is None else indent) * em
    # the paragraph's first unit cannot leave the indented first line: its room counts too
    broken = split_overlong(atoms, min(measures), fonts, first=measures[0] - first_indent)
    if broken and on_overlong is not None:
        on_overlong(broken)
    items = Items(atoms, style)
    fits = break_lines(items, list(measures), first_indent)

    def avail(k: int) -> float:
        return measures[min(k, len(measures) - 1)] - (first_indent if k == 0 else 0.0)

    tail_line = None
    if tail:
        tail_line = compose_paragraph(tail, style, fonts, [1e6], indent=0, align="left")[0]
    if style.orphan_control and len(fits) > 1 and fits[-1].end - fits[-1].start == 1:
        fits = _pull_down(items, fits, avail) or fits
    place_tail_alone = False
    if tail_line is not None:
        last = fits[-1]
        room = avail(len(fits) - 1) - last.natural - style.tag_gap * em
        tag_fits = tail_line.natural <= room + 1e-6
        position = tail_position or style.tag_position
        if position == "run-in" and not tag_fits:
            place_tail_alone = True
        elif position == "own-line":
            if is_full(last, avail(len(fits) - 1), em):
                pulled = _pull_down(items, fits, avail, extra=tail_line.natural + style.tag_gap * em)
                if pulled is not None and _letter_spacing(items.atoms, pulled[-2], avail(len(fits) - 1)) \
                        > style.stretch_limit * em + 1e-6:
                    pulled = None  # the line left behind would be letter-spaced too widely
                place_tail_alone = pulled is None
                fits = pulled or fits
            else:
                place_tail_alone = True

    settings = []
    last_k = len(fits) - 1
    ends_paragraph = tail_line is None or not place_tail_alone  # the last line set does
    for k in range(len(fits)):
        is_last = k == last_k
        offset = first_indent if k == 0 else 0.0
        # 均排 (distribute) justifies the last line too (clreq §5, even spacing)
        justify = align == "distribute" or (align == "justify" and not is_last)
        settings.append((avail(k), _last_align(align, style) if is_last else align, justify,
                         offset, is_last and ends_paragraph))
    lines = place_lines(items, fits, settings)
    if tail_line is not None and not place_tail_alone:
        lines[-1] = _with_tail(lines[-1], tail_line, measures[min(last_k, len(measures) - 1)])
    if tail_line is not None and place_tail_alone:
        width = measures[min(len(fits), len(measures) - 1)]
        lines.append(_mark_last(tail_line.moved(width - tail_line.natural, width), True))
    return lines


def _last_align(align: str, style: CompositionStyle) -> str:
    if align in ("justify", "distribute"):
        return style.last_line
    return align


def _pull_down(items: Items, fits: list[LineFit], avail, extra: float = 0.0) -> list[LineFit] | None:
    """Move the last unit of the last line down to a new line (or of the line before the last
    onto the last), if the new last line still fits with ``extra`` pt beside it."""
    atoms = items.atoms
    if extra:  # make a new last line from the tail of the current one
        last = fits[-1]
        cut = last_break_inside(atoms, last)
        if cut is None:
            return None
        tail = line(items, cut, last.end)
        if tail.natural + extra > avail(len(fits)) + 1e-6:
            return None
        return fits[:-1] + [line(items, last.start, cut), tail]
    prev, last = fits[-2], fits[-1]
    cut = last_break_inside(atoms, prev)
    if cut is None:
        return None
    tail = line(items, cut, last.end)
    if tail.natural > avail(len(fits) - 1) + 1e-6:
        return None
    return fits[:-2] + [line(items, prev.start, cut), tail]


#: classes no letter-space goes before (clreq §5: never before a closing mark)
def _letter_spacing(atoms: list, fit: LineFit, width: float) -> float:
    """How far (pt) each gap of ``fit`` widens when it is justified to ``width``: the
    shortfall spread over the gaps that take letter-spacing (``justify.letter_gaps``)."""
    gaps = len(letter_gaps(atoms, fit.start, fit.end))
    short = width - fit.natural
    if short <= 0:
        return 0.0
    return short / gaps if gaps else float("inf")


def _with_tail(line: Line, tail: Line, measure: float) -> Line:
    """The tag shares the last line, flush right."""
    shift = measure - tail.natural
    moved = tail.moved(shift, measure)
    return Line(line.glyphs + moved.glyphs, measure, line.natural, line.text + " " + tail.text,
                last=line.last, overfull=line.overfull, direction=line.direction,
                ascent=max(line.ascent, tail.ascent))


def _mark_last(line: Line, last: bool) -> Line:
    return line if line.last == last else line._replace(last=last)
