"""What a composed page may not do: print outside a frame, over another frame, or rule
through type.

Two page-level passes over a composed page, shared by every kind of frame:

- ``stray_lines`` finds every line whose ink leaves its own frame or enters a frame it
  does not belong to (a picture, a nested box, a neighbour): the safety net behind the
  composer's specific overflow checks, so that nothing prints over another frame at
  exit 0 whatever the cause;
- ``between_frames`` places the automatic hairlines between frames only in the gutter
  between two frames that face each other, and ``clear_of_type`` shortens or leaves out
  any rule that would touch type.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from layout.compose.boxes import Group, PlacedLine, RuleLine
from layout.read.model import Rect

#: how far (pt) a line's ink may leave its frame before it counts as an overflow: rounding
#: of positions, and the sub-point overhang of a line-end mark's ink
TOLERANCE = 0.5
#: the least clearance (in em of the body size) between an automatic rule and any type
RULE_CLEARANCE = 0.2


def ink(placed: PlacedLine) -> Rect | None:
    """The box a placed line's glyphs cover (em boxes: ascent above, descent below the
    baseline), or None for an empty line."""
    glyphs = placed.line.glyphs
    if not glyphs:
        return None
    left = placed.x + min(g.x for g in glyphs)
    right = placed.x + max(g.x + g.width for g in glyphs)
    size = max(g.size for g in glyphs)
    top = placed.baseline - placed.line.ascent  # the faces' ascent (Noto CJK: 0.88 em)
    return Rect(left, top, right - left, size)


class Stray(NamedTuple):
    """A line that prints outside its frame (``over`` None) or over another frame."""

    group: Group
    index: int  # 1-based, counted over the group's lines in reading order
    text: str
    beyond: float  # pt outside the group's own frame (0 when it only enters another)
    over: Group | None
    box: Rect  # the line's ink


def stray_lines(groups: Sequence[Group], parents: dict[str, str]) -> Iterator[Stray]:
    """Lines of ``groups`` (one page) outside their frame or over a frame not theirs.

    ``parents`` maps a nested frame's id (a figure or box inside an article) to its
    article's: a nested frame's lines may lie in its article, and the article's lines may
    not enter the nested frame."""
    for group in groups:
        # frames this group's type must keep out of: its nested frames, and any frame that
        # is neither it, its parent, nor one it is allowed to overlay (overlapping frames
        # were declared overlay="true", the reader refuses the rest)
        # (a picture lies inside its figure's frame: keeping out of the frame keeps out of it)
        others = [g for g in groups if g.id != group.id and g.id != parents.get(group.id)
                  and (parents.get(g.id) == group.id or not g.rect.overlaps(group.rect))]
        index = 0
        for block in group.blocks:
            # a caption placed by the source (x, y, width, height) has that frame of its own
            own = block.rect if block.kind == "caption" and not group.rect.contains(block.rect) \
                else group.rect
            for placed in block.lines:
                index += 1
                box = ink(placed)
                if box is None:
                    continue
                beyond = outside(box, own)
                over = next((g for g in others if _enters(box, g.rect)), None)
                if beyond > TOLERANCE or over is not None:
                    yield Stray(group, index, placed.text,
                                beyond if beyond > TOLERANCE else 0.0, over, box)


def outside(box: Rect, frame: Rect) -> float:
    """How far (pt) ``box`` reaches out of ``frame`` on its worst side (0 when inside)."""
    return max(0.0, frame.x - box.x, box.right - frame.right, frame.y - box.y,
               box.bottom - frame.bottom)


def overlap(a: Rect, b: Rect) -> tuple[float, float]:
    """Width and height (pt) of the part two boxes share (0, 0 when apart)."""
    return (max(0.0, min(a.right, b.right) - max(a.x, b.x)),
            max(0.0, min(a.bottom, b.bottom) - max(a.y, b.y)))


def _enters(box: Rect, frame: Rect) -> bool:
    return box.overlaps(frame, eps=TOLERANCE)


# ---- automatic rules -------------------------------------------------------------------


def between_frames(frames: Sequence[tuple[str, Rect]], body_size: float,
                   weight: float = 0.3) -> list[RuleLine]:
    """Hairlines in the gutters between facing frames (to be cut clear of type).

    A vertical rule stands midway between a frame and each frame to its right that it
    faces (their heights overlap, no frame between), over the height they share; a
    horizontal rule lies midway between a frame and the nearest frames below it, over the
    width they share, its pieces joined across the gutters between the frames below.
    Where a frame has no neighbour (the page's edge, a margin, a grid narrower than the
    type area) no rule is drawn."""
    rules: list[RuleLine] = []
    for fid, a in frames:
        for gid, b in frames:
            if gid == fid:
                continue
            top, bottom = max(a.y, b.y), min(a.bottom, b.bottom)
            if b.x >= a.right - 0.01 and bottom - top > 0.01 and not _between(frames, a, b, "x"):
                x = (a.right + b.x) / 2
                rules.append(RuleLine(f"{fid}-rule-{gid}", x, top, x, bottom, weight))
        below = [b for gid, b in frames if gid != fid and b.y >= a.bottom - 0.01
                 and min(a.right, b.right) - max(a.x, b.x) > 0.01
                 and not _between(frames, a, b, "y")]
        if not below:
            continue
        nearest = min(b.y for b in below)
        y = (a.bottom + nearest) / 2
        spans = _join([(max(a.x, b.x), min(a.right, b.right)) for b in below
                       if b.y - nearest < 0.01], 2 * body_size)
        rules += [RuleLine(f"{fid}-rule-below{'' if n == 1 else n}", x0, y, x1, y, weight)
                  for n, (x0, x1) in enumerate(spans, 1)]
    return rules


def clear_of_type(rules: Iterable[RuleLine], type_boxes: Sequence[Rect], body_size: float,
                  shortest: float) -> list[RuleLine]:
    """Rules kept clear of type by ``RULE_CLEARANCE`` em: a vertical rule is shortened to
    its longest clear stretch (a column ending short, a head group across the top), kept if
    at least ``shortest`` pt long; a horizontal rule that type would touch is left out
    (broken into pieces around the type it would read as a mistake)."""
    clear = RULE_CLEARANCE * body_size
    out = []
    for rule in rules:
        if abs(rule.x1 - rule.x2) < 0.01:  # vertical
            x = rule.x1
            y0, y1 = sorted((rule.y1, rule.y2))
            pieces = _cut(y0, y1, ((r.y - clear, r.bottom + clear) for r in type_boxes
                                   if r.x - clear < x < r.right + clear))
            if pieces:
                p0, p1 = max(pieces, key=lambda p: p[1] - p[0])
                if p1 - p0 >= shortest:
                    out.append(rule._replace(y1=p0, y2=p1))
        elif abs(rule.y1 - rule.y2) < 0.01:  # horizontal
            y = rule.y1
            x0, x1 = sorted((rule.x1, rule.x2))
            if not any(r.y - clear < y < r.bottom + clear and r.x - clear < x1 and r.right + clear > x0
                       for r in type_boxes):
                out.append(rule)
        else:
            out.append(rule)
    return out


def _between(frames: Sequence[tuple[str, Rect]], a: Rect, b: Rect, axis: str) -> bool:
    """Whether some frame lies in the gap between ``a`` and ``b`` (then they do not face)."""
    for _, c in frames:
        if c is a or c is b:
            continue
        if axis == "x":
            if (c.x >= a.right - 0.01 and c.right <= b.x + 0.01
                    and min(a.bottom, b.bottom, c.bottom) - max(a.y, b.y, c.y) > 0.01):
                return True
        elif (c.y >= a.bottom - 0.01 and c.bottom <= b.y + 0.01
              and min(a.right, b.right, c.right) - max(a.x, b.x, c.x) > 0.01):
            return True
    return False


def _join(spans: list[tuple[float, float]], widest_gap: float) -> list[tuple[float, float]]:
    """Pieces of one rule joined across the gutters between the frames below it."""
    out: list[tuple[float, float]] = []
    for x0, x1 in sorted(spans):
        if out and x0 - out[-1][1] <= widest_gap:
            out[-1] = (out[-1][0], max(x1, out[-1][1]))
        else:
            out.append((x0, x1))
    return out


def _cut(start: float, end: float, holes: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """The parts of [start, end] outside every hole."""
    pieces = [(start, end)]
    for h0, h1 in holes:
        if h1 <= start or h0 >= end:
            continue
        pieces = [p for s, e in pieces
                  for p in ((s, min(e, h0)), (max(s, h1), e)) if p[1] - p[0] > 0.01]
    return pieces
