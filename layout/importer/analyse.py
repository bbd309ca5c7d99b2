"""Page analysis: cells and blocks → the elements of an issue page (as XML).

The archivist's reading, made explicit (docs/import.md):

* body size = the modal character size, snapped to the 号 table; line pitch = the modal
  step between body baselines; type area = the header rule, else everything printed;
* a cell (cut along rules) holds one frame; its rectangle comes from its own rules (our
  renderer and many others draw a hairline midway in the gutter right of a frame, one piece
  per neighbour, and one midway to the frames below it: on their shared edge when they
  touch), else from its neighbours' rules, else from the type area and its text; it holds
  its text columns' regions; a display label over one smaller line, with no rule between
  (type would touch it), is two frames;
* in a cell, display blocks (text larger than the body, or bold hei) above body columns
  are the head group: the largest is the headline, smaller above it the kicker, below it
  the subhead; a single body-size line in another face under the head is the byline;
* body columns give the measure (the widest width shared by several lines) and
  paragraphs: an indented line opens one, a short line closes one, a line that starts
  in bold hei (本报讯…) opens one and that run is its dateline;
* a bracketed line set flush right at the end of an article is its closing tag;
* a picture (image or placeholder) and the text under it are a figure with its caption;
  a flush-right "… 摄" at the caption's end is the credit;
* a cell inside a stroked rectangle is a box: its first bold line the label, display
  lines the title, paragraphs its items.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from layout.importer.lines import TextLine, build_lines
from layout.importer.scan import Box, ScanPage
from layout.importer.segment import Node, atoms_of, blocks, cells
from layout.read.units import ZIHAO

ASCENT = 0.88
TAG = re.compile(r"^（[^（）]{1,30}）$")
CREDIT = re.compile(r"摄$")


def snap_size(size: float) -> float:
    """Sizes within 0.1 pt of a 号 size are that size (XeLaTeX's 8.966 is 9)."""
    for v in ZIHAO.values():
        if abs(size - v) <= 0.1:
            return v
    return round(size, 2)


@dataclass
class Para:
    lines: list[TextLine]
    measure: float
    x: float  # left edge of the measure

    def runs(self, body_style: tuple[str, str]) -> list[tuple[str, str, tuple[str, str]]]:
        """(kind, text, style) runs: a leading bold-hei run is the dateline; other faces spans."""
        chars = []
        for k, ln in enumerate(self.lines):
            sp = ln.spaces()
            for j, c in enumerate(ln.chars):
                space = sp[j]
                if j == 0 and k > 0:  # across a line break: a space only between Latin words
                    prev = self.lines[k - 1].chars[-1].ch
                    space = prev.isascii() and prev.isalnum() and c.ch.isascii() and c.ch.isalnum()
                chars.append((" " if space else "") + c.ch)
                chars[-1] = (chars[-1], (c.role, c.weight))
        out: list[list] = []
        for text, style in chars:
            if out and out[-1][2] == style:
                out[-1][1] += text
            else:
                out.append(["p", text, style])
        for n, r in enumerate(out):
            if r[2] == body_style:
                r[0] = "text"
            elif n == 0 and r[2] == ("hei", "bold"):
                r[0] = "dateline"
            else:
                r[0] = "span"
        return [tuple(r) for r in out]


@dataclass
class Column:
    lines: list[TextLine]
    x: float
    measure: float


@dataclass
class Frame:
    kind: str
    box: Box
    heads: list[tuple[str, list[TextLine]]] = field(default_factory=list)
    head_align: str = "center"
    byline: TextLine | None = None
    label: TextLine | None = None
    columns: list[Column] = field(default_factory=list)
    paras: list[Para] = field(default_factory=list)
    tag: str | None = None
    tag_style: tuple[str, str] | None = None
    figures: list[Frame] = field(default_factory=list)
    picture: Box | None = None
    image: bytes | None = None  # the embedded image's encoded bytes, when it could be copied
    image_ext: str = ""
    caption: Para | None = None
    credit: str | None = None
    lines: list[TextLine] = field(default_factory=list)  # furniture
    inverse: bool = False
    composition: str = "clreq"
    evidence: str = ""
    id: str = ""

    def observed(self) -> list[str]:
        """The printed lines of the frame's running text (body, or caption and credit)."""
        from layout.compare import normalise

        if self.kind == "figure":
            lines = self.caption.lines if self.caption else []
            out = [normalise(ln.text) for ln in lines]
            if self.credit and out:
                out[-1] += normalise(self.credit)
            return out
        return [normalise(ln.text) for col in self.columns for ln in col.lines]

    def all_lines(self) -> list[str]:
        """Every printed line of the frame, for the page's fidelity figure."""
        from layout.compare import normalise

        out = [normalise(ln.text) for _, ls in self.heads for ln in ls]
        out += [normalise(x.text) for x in (self.label, self.byline) if x is not None]
        out += [normalise(ln.text) for ln in self.lines]
        out += self.observed()
        for fig in self.figures:
            out += fig.all_lines()
        return out
    head_lines: int | None = None


@dataclass
class PageModel:
    width: float
    height: float
    body: float
    pitch: float
    body_style: tuple[str, str]
    type_box: Box
    gutter: float
    header: tuple[float, float, str, str] | None  # y, height, section, page label
    frames: list[Frame]
    char_count: int
    mets_articles: int = 0  # articles in the METS logical structMap (when read through METS)


def _mode(values, default):
    vals = list(values)
    return Counter(vals).most_common(1)[0][0] if vals else default


def analyse_page(scan: ScanPage) -> PageModel:
    lines = build_lines(scan.chars, scan.rules)
    body = snap_size(_mode((round(c.size, 2) for c in scan.chars), 9.0))
    body_style = _mode(((c.role, c.weight) for c in scan.chars if abs(c.size - body) < 0.2), ("song", "regular"))
    bases = sorted({round(ln.baseline, 2) for ln in lines if abs(ln.size - body) < 0.2})
    steps = [round(b - a, 2) for a, b in zip(bases, bases[1:], strict=False) if 0 < b - a < 3 * body]
    pitch = _mode(steps, round(body * 1.25, 2))
    near = [st for st in steps if abs(st - pitch) <= 0.1]  # ALTO rounds positions: average them
    if near:
        pitch = round(sum(near) / len(near), 2)
    page_box = Box(0, 0, scan.width, scan.height)
    atoms = atoms_of(lines, scan.pictures, scan.fills)
    cs = cells(page_box, atoms, scan.rules)
    hrules = [r for r in scan.rules if r.horizontal]
    vrules = [r for r in scan.rules if r.vertical]
    # type area: the widest horizontal rule (the header's) if it spans most of the page, else the ink
    ink_x0 = min(min(ln.x for ln in lines), *(r.x1 for r in scan.rules)) if scan.rules else min(ln.x for ln in lines)
    ink_x1 = max(max(ln.right for ln in lines), *(r.x2 for r in scan.rules)) if scan.rules else max(ln.right for ln in lines)
    ink_y0 = min(ln.top for ln in lines)
    ink_y1 = max([ln.bottom for ln in lines] + [r.y2 for r in vrules] + [p.box.bottom for p in scan.pictures])
    widest = max(hrules, key=lambda r: r.x2 - r.x1, default=None)
    if widest and widest.x2 - widest.x1 > 0.8 * (ink_x1 - ink_x0):
        ink_x0, ink_x1 = widest.x1, widest.x2
    gutter = body
    header = None
    type_top = ink_y0
    first = cs[0] if cs else None
    if first and first.lines and widest and len({round(x.baseline) for x in first.lines}) == 1 and first.box.bottom <= widest.y1 + 3 \
            and widest.y1 < scan.height * 0.2:
        doubles = sorted(r.y1 for r in hrules if abs(r.x2 - r.x1 - (widest.x2 - widest.x1)) < 1)
        rule_y = (doubles[0] + doubles[1]) / 2 if len(doubles) > 1 and doubles[1] - doubles[0] < 4 else doubles[0]
        ln = first.lines[0]
        s = ln.size
        h = 2 * (rule_y + 2 - ln.baseline + 0.38 * s)
        type_top = rule_y + 2 - h
        mid = (ink_x0 + ink_x1) / 2
        header = (0.0, round(h, 3), "".join(x.text for x in first.lines if x.x < mid),
                  "".join(x.text for x in first.lines if x.x >= mid))
        cs = cs[1:]
    type_box = Box(ink_x0, type_top, ink_x1 - ink_x0, ink_y1 - type_top)
    # frames end on the grid, which may stop short of the type area's right edge: the
    # frame hairlines' right ends show where
    thin_ends = [r.x2 for r in hrules if r.weight < 0.5 and r is not widest]
    grid_right = max(thin_ends, default=type_box.right)
    if not type_box.right - 3 <= grid_right <= type_box.right:
        grid_right = type_box.right
    # half a gutter: a frame's right rule minus its below rule's right end
    halves = []
    for r in vrules:
        for b in hrules:
            if abs(b.y1 - (r.y2 + 1)) < 0.6 and 0 < r.x1 - b.x2 < 2 * body:
                halves.append(round(r.x1 - b.x2, 2))
    if halves:
        gutter = 2 * _mode(halves, body / 2)
    frames = []
    for cell in cs:
        frames.extend(_frames(cell, scan, body, pitch, body_style,
                              Box(type_box.x, type_box.y, grid_right - type_box.x, type_box.height),
                              gutter, hrules, vrules))
    _separate(frames)
    return PageModel(scan.width, scan.height, body, pitch, body_style, type_box, gutter, header,
                     frames, len(scan.chars), scan.mets_articles)


def _separate(frames: list[Frame]) -> None:
    """Frames that overlap by a sliver (rules drawn on a frame's edge, rounding) are made
    to touch: the later one gives way along the shorter overlap."""
    for j, b in enumerate(frames):
        for a in frames[:j]:
            ox = min(a.box.right, b.box.right) - max(a.box.x, b.box.x)
            oy = min(a.box.bottom, b.box.bottom) - max(a.box.y, b.box.y)
            if ox <= 0.01 or oy <= 0.01:
                continue
            bx = b.box
            if oy <= ox:
                if bx.y >= a.box.y:
                    b.box = Box(bx.x, a.box.bottom, bx.width, bx.bottom - a.box.bottom)
                else:
                    b.box = Box(bx.x, bx.y, bx.width, a.box.y - bx.y)
            elif bx.x >= a.box.x:
                b.box = Box(a.box.right, bx.y, bx.right - a.box.right, bx.height)
            else:
                b.box = Box(bx.x, bx.y, a.box.x - bx.x, bx.height)


def _frame_box(cell: Node, type_box: Box, gutter: float, hrules, vrules, pitch: float) -> Box:
    """The frame of a cell from the rules around it (see the module docstring)."""
    c = cell.box
    x, y, right, bottom = type_box.x, None, type_box.right, type_box.bottom
    def vs(at):
        return [r for r in vrules if abs(r.x1 - at) < 2.5 and r.y1 > c.y - 3 and r.y2 < c.bottom + 3]

    def hs(at):
        mid = c.x + c.width / 2
        return [r for r in hrules if abs(r.y1 - at) < 2.5 and r.x1 - 3 < mid < r.x2 + 3
                and (r.x1 > c.x - 3 and r.x2 < c.right + 3 or at == c.y)]

    def thin(rs, last=False):  # frame hairlines before box borders; nearest the frame edge
        rs = sorted(rs, key=lambda r: (r.weight >= 0.5, -r.y1 if last else r.y1))
        return rs

    own_right, left_rule = vs(c.right), vs(c.x)
    own_below = thin(hs(c.bottom), last=True)
    above = [r for r in thin(hs(c.y), last=True) if r.weight < 0.5]  # a hairline, not the header rule
    if left_rule:
        x = left_rule[0].x1 + gutter / 2
    if own_below:
        x, right, bottom = own_below[0].x1, own_below[0].x2, own_below[0].y1
    elif own_right:
        right = own_right[0].x1 - gutter / 2
    if own_right:  # one piece per neighbour to the right: together they span the frame
        y, bottom = min(r.y1 for r in own_right), max(r.y2 for r in own_right)
    elif above:
        y = above[0].y1
    if y is None:
        y = max(type_box.y, c.y)
        first = min((a for a in cell.atoms if a.line), key=lambda a: a.box.y, default=None)
        if first is not None and first.line.size > first_body_size(cell) * 1.1:
            ln = first.line  # a head group starts half a line below the frame's top
            lead = ln.size * 1.4
            y = ln.baseline - ASCENT * ln.size - (lead - ln.size) / 2 - 0.5 * pitch
    return Box(x, y, right - x, bottom - y)


def region_box(col, body: float, pitch: float) -> Box:
    """The ``<region>`` a column is written as: from the em top of its first line, one
    line pitch per row down to its last baseline and the leading under it."""
    rows = round((col.lines[-1].baseline - col.lines[0].baseline) / pitch) + 1
    return Box(col.x, col.lines[0].baseline - ASCENT * body, col.measure, rows * pitch)


def _fit(frame: Box, cell: Node, slack: float = 1.5, held: tuple[Box, ...] = ()) -> Box:
    """The frame made to hold everything in its cell (its ink and the ``held`` regions) and
    to stay inside the cell (give or take ``slack``: a cell's cut and its frame's rule may
    differ by a hairline): cells partition the page, so frames never overlap whatever the
    rules suggested."""
    c = cell.box
    ink = [a.box for a in cell.atoms] + list(held)
    x0 = min([frame.x] + [b.x for b in ink])
    y0 = min([frame.y] + [b.y for b in ink])
    # a line's last full-width mark may be drawn whole where it was set in half an em (a
    # PDF draws the full glyph): its blank half does not widen the frame
    x1 = max([frame.right] + [_set_right(a) for a in cell.atoms] + [b.right for b in held])
    y1 = max([frame.bottom] + [b.bottom for b in ink])
    x0, y0 = max(x0, c.x - slack), max(y0, c.y - slack)
    x1, y1 = min(x1, c.right + slack), min(y1, c.bottom + slack)
    return Box(x0, y0, x1 - x0, y1 - y0)


def _set_right(a) -> float:
    last = a.line.chars[-1] if a.line and a.line.chars else None
    if last is not None and _is_mark(last.ch) and last.adv >= 0.95 * last.size and abs(last.right - a.box.right) < 0.01:
        return a.box.right - last.adv / 2
    return a.box.right


def first_body_size(cell: Node) -> float:
    return _mode((round(c.size, 2) for a in cell.atoms if a.line for c in a.line.chars), 9.0) if cell.atoms else 9.0


def _is_display(node: Node, body: float, body_style) -> bool:
    ls = node.lines
    if not ls:
        return False
    size = max(ln.size for ln in ls)
    return size > body * 1.1 or (len(ls) <= 3 and ls[0].style != body_style and ls[0].style[1] == "bold")


def _border(cell: Node, hrules) -> Box | None:
    """A stroked rectangle (weight >= 0.5 pt) around everything in the cell: a box's border."""
    xs = [a.box.x for a in cell.atoms]
    if not xs:
        return None
    x0, x1 = min(xs), max(a.box.right for a in cell.atoms)
    y0, y1 = min(a.box.y for a in cell.atoms), max(a.box.bottom for a in cell.atoms)
    tops = [r for r in hrules if r.weight >= 0.5 and r.x1 <= x0 + 1 and r.x2 >= x1 - 1 and r.y1 <= y0 + 1]
    bots = [r for r in hrules if r.weight >= 0.5 and r.x1 <= x0 + 1 and r.x2 >= x1 - 1 and r.y1 >= y1 - 1]
    for t in sorted(tops, key=lambda r: -r.y1):
        for b in sorted(bots, key=lambda r: r.y1):
            if abs(t.x1 - b.x1) < 0.5 and abs(t.x2 - b.x2) < 0.5 and cell.box.contains(Box(t.x1, t.y1, t.x2 - t.x1, b.y1 - t.y1), eps=3):
                return Box(t.x1, t.y1, t.x2 - t.x1, b.y1 - t.y1)
    return None


def _frames(cell: Node, scan: ScanPage, body, pitch, body_style, type_box, gutter, hrules, vrules) -> list[Frame]:
    border = _border(cell, hrules)
    fbox = border or _fit(_frame_box(cell, type_box, gutter, hrules, vrules, pitch), cell)
    leaves = blocks(cell, scan.rules, pitch - body)
    has_pic = any(b.pictures for b in leaves)
    bodies = [b for b in leaves if b.lines and not _is_display(b, body, body_style)]
    bordered = border is not None
    if not has_pic and not any(_is_display(b, body, body_style) for b in leaves) and \
            sum(len(b.lines) for b in bodies) == 1:
        bodies = []  # a single line of body-size text alone in its frame: furniture (NEWS)
    if not bordered and sum(len(b.lines) for b in bodies) <= 1 and (split := _label_over_line(leaves, scan, fbox, pitch)):
        return split
    if not bodies and not has_pic:
        f = Frame("furniture", fbox, lines=[ln for b in leaves for ln in sorted(b.lines, key=lambda ln: ln.baseline)])
        f.inverse = any(b.atoms and any(a.fill for a in b.atoms) for b in leaves) or any(
            p.box.contains(_line_box(ln)) for p in scan.fills for ln in f.lines)
        return [f]
    if has_pic and not any(_is_display(b, body, body_style) for b in leaves) and len(bodies) <= 1 and not bordered:
        f = _figure(leaves, fbox, body, body_style, pitch)
        f.box = fbox
        return [f]
    kind = "box" if bordered else "article"
    f = Frame(kind, fbox)
    seen_body = False
    pics = []
    for b in leaves:
        if b.pictures:
            pics.append(b)
            continue
        if not b.lines:
            continue
        if not seen_body and _is_display(b, body, body_style):
            ls = sorted(b.lines, key=lambda ln: ln.baseline)
            if kind == "box" and f.label is None and not f.heads and len(ls) == 1 and abs(ls[0].size - body) < 0.2:
                f.label = ls[0]
            else:
                f.heads.append(("part", ls))
            continue
        if (not seen_body and f.heads and f.byline is None and len(b.lines) == 1
                and b.lines[0].style != body_style and abs(b.lines[0].size - body) < 0.2):
            f.byline = b.lines[0]
            continue
        if pics and b.box.y >= pics[-1].box.y:  # text under a picture: its caption
            fig = _figure([pics.pop(), b], None, body, body_style, pitch)
            f.figures.append(fig)
            continue
        seen_body = True
        f.columns.extend(_columns(b))
    for p in pics:
        f.figures.append(_figure([p], None, body, body_style, pitch))
    _head_kinds(f)
    if f.heads:
        # centred over the frame, or over the text columns (another engine's frame is a guess)
        spans = [(fbox.x, fbox.right)]
        if f.columns:
            spans.append((min(c.x for c in f.columns), max(c.x + c.measure for c in f.columns)))
        xs = [(ln.x, ln.right) for _, ls in f.heads for ln in ls]
        centred = any(all(abs((a - x0) - (x1 - b)) < 3 for a, b in xs) for x0, x1 in spans)
        f.head_align = "center" if centred else "left"
    if f.columns:  # the regions a rebuild sets the lines in lie inside the frame
        held = tuple(region_box(col, body, pitch) for col in f.columns)
        f.box = _fit(f.box, cell, held=held)
    _paragraphs(f, body, body_style)
    return [f]


def _line_box(ln) -> Box:
    return Box(ln.x, ln.top, ln.right - ln.x, ln.bottom - ln.top)


def _label_over_line(leaves, scan: ScanPage, fbox: Box, pitch: float) -> list[Frame] | None:
    """A cell without a rule between a display label and one smaller line under it (览新闻
    over NEWS: the renderer leaves out a rule that type would touch): two furniture frames.
    The label's frame is its filled rectangle when it has one (then it is ``inverse``),
    else the cell down to the line's pitch box (the line with half its leading above)."""
    lines = sorted((ln for b in leaves for ln in b.lines), key=lambda ln: ln.baseline)
    if len(lines) < 2 or any(b.pictures for b in leaves):
        return None
    *above, last = lines
    if max(ln.size for ln in above) <= last.size * 1.1:
        return None
    fill = next((p.box for p in scan.fills if fbox.contains(p.box, eps=1.5)
                 and all(p.box.contains(_line_box(ln)) for ln in above)
                 and not p.box.contains(_line_box(last))), None)
    cut = fill.bottom if fill is not None else last.top - (pitch - last.size) / 2
    if not max(ln.bottom for ln in above) < cut <= last.top + 0.5 or not fbox.y < cut < fbox.bottom:
        return None
    label = Frame("furniture", Box(fbox.x, fbox.y if fill is None else fill.y, fbox.width,
                                   cut - (fbox.y if fill is None else fill.y)), lines=above)
    label.inverse = fill is not None
    return [label, Frame("furniture", Box(fbox.x, cut, fbox.width, fbox.bottom - cut), lines=[last])]


def _head_kinds(f: Frame) -> None:
    if not f.heads:
        return
    sizes = [max(ln.size for ln in ls) for _, ls in f.heads]
    # parts of the same size and face next to each other are one part
    merged: list[list] = []
    for (_, ls), s in zip(f.heads, sizes, strict=True):
        if merged and merged[-1][1] == s and merged[-1][2][0].style == ls[0].style:
            merged[-1][2].extend(ls)
        else:
            merged.append(["part", s, list(ls)])
    top = max(range(len(merged)), key=lambda k: merged[k][1])
    f.heads = [("kicker" if k < top else "headline" if k == top else "subhead", m[2])
               for k, m in enumerate(merged)]
    # the schema allows one kicker and one subhead: extra parts join their neighbours
    out: list[tuple[str, list[TextLine]]] = []
    for kind, ls in f.heads:
        if out and out[-1][0] == kind:
            out[-1][1].extend(ls)
        else:
            out.append((kind, ls))
    f.heads = out


def _is_mark(ch: str) -> bool:
    import unicodedata

    return unicodedata.category(ch)[0] == "P" or ch in "〉》」』】"


def _columns(b: Node) -> list[Column]:
    """A column block's lines, cut into runs where the measure changes (text beside a
    picture, paragraphs set narrower): full lines share a right edge, and a run of at
    least two full lines with another right edge starts a new run."""
    ls = sorted(b.lines, key=lambda ln: (round(ln.baseline, 1), ln.x))
    merged: list[TextLine] = []
    for ln in ls:  # a run-in tag split off by its gap joins its line again
        if merged and abs(merged[-1].baseline - ln.baseline) < 0.5:
            merged[-1] = TextLine(merged[-1].chars + ln.chars)
        else:
            merged.append(ln)
    rights = [round(ln.right * 2) / 2 for ln in merged]
    # a line ending in a mark may end short of the measure (a trimmed or squeezed mark):
    # only lines ending in a letter or ideograph show where the measure ends
    usable = [not _is_mark(ln.chars[-1].ch) for ln in merged]
    idx = [i for i in range(len(merged)) if usable[i]]
    full = [False] * len(merged)
    for k, i in enumerate(idx):
        near = [idx[j] for j in (k - 1, k + 1) if 0 <= j < len(idx)]
        full[i] = any(abs(rights[i] - rights[j]) < 0.6 for j in near)
    runs: list[list[TextLine]] = []
    current = None
    left = None
    for i, ln in enumerate(merged):
        size = ln.chars[0].size
        # a left edge that moves by less than an indent, or a right edge that moves: a new run
        shifted = (left is not None and not _is_mark(ln.chars[0].ch)
                   and 1.0 < abs(ln.x - left) < 0.8 * size)
        if runs and runs[-1] and (shifted or full[i] and current is not None and abs(rights[i] - current) > 1.0):
            runs.append([])
            current = None
            left = None
        if not runs:
            runs.append([])
        if full[i]:
            current = rights[i]
        if not _is_mark(ln.chars[0].ch) and (left is None or ln.x < left - 0.8 * size):
            left = ln.x
        elif not _is_mark(ln.chars[0].ch) and abs(ln.x - left) >= 0.8 * size and ln.x < left:
            left = ln.x
        runs[-1].append(ln)
    out = []
    for run in runs:
        # the measure runs from the left edge of unindented lines to the right edge of full
        # lines; lines starting or ending in a mark may hang or be trimmed: not evidence
        lefts = [ln.x for ln in run if not _is_mark(ln.chars[0].ch)] or [ln.x for ln in run]
        rights = [ln.right for ln in run if not _is_mark(ln.chars[-1].ch)] or [ln.right for ln in run]
        left = round(min(lefts), 2)
        measure = round(max(rights) - left, 1)
        out.append(Column(run, left, measure))
    return out


def _paragraphs(f: Frame, body: float, body_style) -> None:
    paras: list[Para] = []
    prev: TextLine | None = None
    prev_col: Column | None = None
    for col in f.columns:
        for ln in col.lines:
            indented = ln.x > col.x + 0.9 * body
            short_prev = prev is not None and prev.right < prev_col.x + prev_col.measure - 0.5 * body
            bold = ("hei", "bold")
            dateline = ((ln.chars[0].role, ln.chars[0].weight) == bold and body_style != bold
                        and not (prev is not None and (prev.chars[-1].role, prev.chars[-1].weight) == bold))
            if not paras or indented or short_prev or dateline:
                paras.append(Para([ln], col.measure, col.x))
            else:
                paras[-1].lines.append(ln)
            prev, prev_col = ln, col
    if paras:
        last = paras[-1].lines[-1]
        text = last.text
        m = re.search(r"（[^（）]{1,30}）$", text)
        if TAG.match(text) and len(paras[-1].lines) >= 1:
            f.tag, f.tag_style = text, last.style
            paras[-1].lines.pop()
            if not paras[-1].lines:
                paras.pop()
        elif m and len(paras[-1].lines) and _gap_before(last, len(text) - len(m.group(0))):
            f.tag = m.group(0)
            f.tag_style = last.style
            keep = _chars_before(last, m.group(0))
            paras[-1].lines[-1] = TextLine(keep)
    f.paras = paras


def _gap_before(line: TextLine, _n: int) -> bool:
    cs = line.chars
    for a, b in zip(cs, cs[1:], strict=False):
        if b.ch == "（" and b.x - a.right > 1.0 * b.size:
            return True
    return False


def _chars_before(line: TextLine, tag: str) -> list:
    n = len(tag.replace(" ", ""))
    return line.chars[:-n]


def _figure(leaves: list[Node], fbox: Box | None, body, body_style, pitch) -> Frame:
    pic = next(p for b in leaves for p in b.pictures)
    text = sorted((ln for b in leaves for ln in b.lines), key=lambda ln: (round(ln.baseline, 1), ln.x))
    f = Frame("figure", fbox or pic.box, picture=pic.box, image=pic.image, image_ext=pic.ext)
    if text:
        merged: list[TextLine] = []
        for ln in text:
            if merged and abs(merged[-1].baseline - ln.baseline) < 0.5:
                merged[-1] = TextLine(merged[-1].chars + ln.chars)
            else:
                merged.append(ln)
        last = merged[-1]
        cut = None
        for k, (a, b) in enumerate(zip(last.chars, last.chars[1:], strict=False), 1):
            if b.x - a.right > 1.5 * b.size:
                cut = k
        if cut is not None and CREDIT.search(last.text):
            credit = TextLine(last.chars[cut:])
            f.credit = credit.text
            merged[-1] = TextLine(last.chars[:cut])
        elif len(merged) > 1 and CREDIT.search(last.text) and last.x > merged[0].x + 2 * body:
            f.credit = last.text
            merged.pop()
        widths = [ln.right - ln.x for ln in merged]
        measure = max(widths)
        x0 = min(ln.x for ln in merged)
        f.caption = Para(merged, measure, x0)
        if fbox is None:
            last = merged[-1]
            steps = [b.baseline - a.baseline for a, b in zip(merged, merged[1:], strict=False)]
            leading = statistics.median(steps) if steps else max(9.5, 1.2 * last.size)
            bottom = last.baseline - ASCENT * last.size + leading
            top = pic.box.y
            f.box = Box(pic.box.x, top, pic.box.width, bottom - top)
    return f
