"""Cut a page into frames and blocks: a recursive XY-cut that prefers rules.

First the page is cut only along rules (frame hairlines, box borders, the header rule):
each resulting *cell* is one frame or a stack of frames separated by white space.
Inside a cell the cut goes on along rules or white space down to *blocks* (a head
line group, a text column, a picture), collected in reading order: top to bottom,
left to right (Nagy & Seth's XY-cut; Breuel's rules-first ordering).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from layout.importer.lines import TextLine
from layout.importer.scan import Box, Filled, Picture, RuleSeg

#: the narrowest white band that separates blocks (pt); body rows are ~2.25 pt apart
MIN_H_GAP = 3.5
MIN_V_GAP = 4.0
#: share of a band's length that rules must cover for the band to count as ruled
RULED = 0.9
#: how far (pt) a rule may sit outside the white band it marks (it may touch an atom)
RULE_SLACK = 2.0


@dataclass
class Atom:
    box: Box
    line: TextLine | None = None
    picture: Picture | None = None
    fill: Filled | None = None


@dataclass
class Node:
    box: Box
    atoms: list[Atom]
    children: list[Node] = field(default_factory=list)
    direction: str = ""  # 'h' (stacked) or 'v' (side by side)
    ruled: bool = False

    def leaves(self):
        if not self.children:
            yield self
        for c in self.children:
            yield from c.leaves()

    @property
    def lines(self) -> list[TextLine]:
        return [a.line for a in self.atoms if a.line is not None]

    @property
    def pictures(self) -> list[Picture]:
        return [a.picture for a in self.atoms if a.picture is not None]


def atoms_of(lines: list[TextLine], pictures: list[Picture], fills: list[Filled]) -> list[Atom]:
    atoms = [Atom(Box(ln.x, ln.top, ln.right - ln.x, ln.bottom - ln.top), line=ln) for ln in lines]
    # a picture's box is taken 3 pt inside its edges: its frame touches the text beside it
    atoms += [Atom(Box(p.box.x + 3, p.box.y + 3, max(1.0, p.box.width - 6), max(1.0, p.box.height - 6)),
                   picture=p) for p in pictures]
    atoms += [Atom(f.box, fill=f) for f in fills]
    return atoms


def _gaps(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    intervals.sort()
    out = []
    hi = intervals[0][1]
    for a, b in intervals[1:]:
        if a > hi:
            out.append((hi, a))
        hi = max(hi, b)
    return out


def _coverage(rules: list[RuleSeg], lo: float, hi: float, start: float, end: float,
              horizontal: bool) -> tuple[float, float | None, float]:
    """Share of [start, end] covered by rules lying inside the band [lo, hi]; their position."""
    spans = []
    pos = []
    starts = []
    for r in rules:
        if horizontal and r.horizontal and lo - RULE_SLACK <= r.y1 <= hi + RULE_SLACK:
            span, at, top = (max(start, r.x1), min(end, r.x2)), r.y1, r.x1
        elif not horizontal and r.vertical and lo - RULE_SLACK <= r.x1 <= hi + RULE_SLACK:
            span, at, top = (max(start, r.y1), min(end, r.y2)), r.x1, r.y1
        else:
            continue
        if span[1] > span[0]:
            spans.append(span)
            pos.append(at)
            starts.append(top)
    spans = [s for s in spans if s[1] > s[0]]
    if not spans:
        return 0.0, None, 0.0
    spans.sort()
    total, cur_a, cur_b = 0.0, spans[0][0], spans[0][1]
    for a, b in spans[1:]:
        if a > cur_b:
            total += cur_b - cur_a
            cur_a, cur_b = a, b
        else:
            cur_b = max(cur_b, b)
    total += cur_b - cur_a
    return total / max(end - start, 1e-6), min(pos), min(starts, default=0.0)


def _candidates(node: Node, rules: list[RuleSeg], rules_only: bool, min_h: float):
    """Cuts of ``node``: (ruled, direction, position) lists for each direction."""
    out = {}
    for direction in ("h", "v"):
        if direction == "h":
            gaps = _gaps([(a.box.y, a.box.bottom) for a in node.atoms])
            extent = (min(a.box.x for a in node.atoms), max(a.box.right for a in node.atoms))
            minimum = min_h
        else:
            gaps = _gaps([(a.box.x, a.box.right) for a in node.atoms])
            extent = (min(a.box.y for a in node.atoms), max(a.box.bottom for a in node.atoms))
            minimum = MIN_V_GAP
        cuts = []
        for lo, hi in gaps:
            cov, at, rule_top = _coverage(rules, lo, hi, *extent, horizontal=direction == "h")
            if not rules_only and direction == "v" and cov >= 0.5 and rule_top > extent[0] + 1:
                # column rules that start below the top: what stands above them (a byline,
                # a head) is cut off first, along the rules' top
                if any(a.box.bottom <= rule_top + 1 for a in node.atoms):
                    out.setdefault("pre", []).append((True, rule_top - 0.5, hi - lo))
            if cov >= RULED:
                cuts.append((True, at, hi - lo))
            elif not rules_only and hi - lo >= minimum:
                cuts.append((False, (lo + hi) / 2, hi - lo))
        out[direction] = cuts
    return out


def cut(node: Node, rules: list[RuleSeg], rules_only: bool, min_h: float = MIN_H_GAP, depth: int = 0) -> Node:
    if len(node.atoms) <= 1 or depth > 60:
        return node
    cands = _candidates(node, rules, rules_only, min_h)
    best = None
    if cands.get("pre"):
        top = min(c[1] for c in cands["pre"])
        cands = {"h": [(True, top, 1.0)]}
    for direction, cuts in cands.items():
        ruled = [c for c in cuts if c[0]]
        chosen = ruled or cuts
        if not chosen:
            continue
        key = (bool(ruled), max(c[2] for c in chosen))
        if best is None or key > best[0]:
            best = (key, direction, chosen)
    if best is None:
        return node
    (ruled, _), direction, chosen = best
    positions = sorted(c[1] for c in chosen)
    b = node.box
    if direction == "h":
        edges = [b.y, *positions, b.bottom]
        boxes = [Box(b.x, y0, b.width, y1 - y0) for y0, y1 in zip(edges, edges[1:], strict=False)]
        centre = lambda a: a.box.y + a.box.height / 2  # noqa: E731
    else:
        edges = [b.x, *positions, b.right]
        boxes = [Box(x0, b.y, x1 - x0, b.height) for x0, x1 in zip(edges, edges[1:], strict=False)]
        centre = lambda a: a.box.x + a.box.width / 2  # noqa: E731
    parts: list[list[Atom]] = [[] for _ in boxes]
    for a in node.atoms:
        c = centre(a)
        k = sum(1 for p in positions if c > p)
        parts[k].append(a)
    node.direction = direction
    node.ruled = ruled
    node.children = [cut(Node(bx, atoms), rules, rules_only, min_h, depth + 1)
                     for bx, atoms in zip(boxes, parts, strict=True) if atoms]
    return node


def cells(page_box: Box, atoms: list[Atom], rules: list[RuleSeg]) -> list[Node]:
    """The page cut along rules only: frames or stacks of frames, in reading order."""
    root = cut(Node(page_box, atoms), rules, rules_only=True)
    return list(root.leaves())


def blocks(cell: Node, rules: list[RuleSeg], row_gap: float = 2.25) -> list[Node]:
    """A cell cut down to blocks (rules or white space), in reading order.  ``row_gap`` is
    the white between two body lines (pitch − body size): a block break is wider."""
    root = cut(Node(cell.box, list(cell.atoms)), rules, rules_only=False,
               min_h=max(MIN_H_GAP, row_gap + 1.25))
    return list(root.leaves())
