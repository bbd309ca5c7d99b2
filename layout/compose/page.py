"""Compose a page: head groups, text flowing through columns or regions, boxes, figures.

Everything snaps to the page's body line pitch: body lines sit on the baseline
grid, head groups occupy whole body lines (newspaper practice, rules §6).
Columns of an article are balanced: their line counts differ by at most one, the
longer first, and no column is left empty while there are lines for it.

Whatever does not fit its frame is an error naming its source line, what overflows
and by how much (lines, or pt measured at the real width): body text, a caption
taller than its figure, furniture taller than its frame, a head group or box title
that leaves its frame, a figure or box nested in an article that the article's text
would print over, and, as a last net, any line whose ink leaves its frame or enters
another (``frames.stray_lines``).  With ``allow_overset`` (proofs) the page is still
composed, the diagnostics become warnings and the frames are marked.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from layout.compose import frames
from layout.compose.boxes import (
    FigureBox,
    Group,
    IssueLayout,
    PageLayout,
    PlacedLine,
    RuleLine,
    TextBlock,
)
from layout.compose.lines import Line
from layout.compose.paragraph import compose_paragraph
from layout.compose.prepare import FontSource, TextRun
from layout.compose.style import STYLES, CompositionStyle
from layout.context import Diagnostics
from layout.errors import Diagnostic, OversetError, clip
from layout.read.model import (
    Article,
    Box,
    Figure,
    Furniture,
    Geometry,
    HeadGroup,
    Issue,
    Page,
    Paragraph,
    Rect,
    Region,
    Rule,
    Run,
    TextStyle,
)

#: line height of headline parts, in units of their size
HEAD_LEADING = {"kicker": 1.4, "headline": 1.25, "subhead": 1.4}


class Owner(NamedTuple):
    """The frame a piece of type belongs to: its group id and how messages name it."""

    id: str
    label: str  # "article a1", "box box1", "figure 'photo2'", "furniture 'slogan'"


class Slot(NamedTuple):
    """Where one body line may go: left edge, baseline and measure."""

    x: float
    baseline: float
    measure: float
    region: int


def compositions(issue: Issue) -> dict[str, CompositionStyle]:
    """The composition styles an issue's text styles may name: built in, and its own."""
    return {**STYLES, **{s.name: s for s in issue.compositions}}


def run_font(run: Run, par: Paragraph, comp: CompositionStyle) -> tuple[str, str]:
    """(role, weight) a run of a paragraph is set in: a dateline in the style's dateline font."""
    if run.kind == "dateline":
        return comp.dateline_role, comp.dateline_weight
    return run.role or par.style.role, run.weight or par.style.weight


def runs_of(par: Paragraph, comp: CompositionStyle) -> list[TextRun]:
    size = par.style.size
    return [TextRun(r.text, *run_font(r, par, comp), r.size or size) for r in par.runs]


class PageComposer:
    def __init__(self, issue: Issue, fonts: FontSource, *, allow_overset: bool = False,
                 diagnostics: Diagnostics | None = None):
        self.diagnostics = Diagnostics() if diagnostics is None else diagnostics
        self.issue = issue
        self.fonts = fonts
        self.styles = compositions(issue)
        self.allow_overset = allow_overset
        self.oversets: list[Diagnostic] = []
        self.column_rules: list[RuleLine] = []  # hairlines in the gutters of the current page
        body = TextStyle()
        #: em from the top of a body line's em box to its baseline: the body face's ascent
        self.ascent = fonts.resolve(body.role, body.weight, "中").ascender
        self.flagged: set[str] = set()  # groups that overflow (marked on a proof)
        self.where: dict[str, object] = {}  # group id -> its source position
        self.parents: dict[str, str] = {}  # nested figure or box id -> its article's id

    def overflow(self, owner: Owner, pos, message: str) -> None:
        """Something of ``owner`` does not fit: an error, or a warning and a mark on a proof."""
        self.oversets.append(Diagnostic(pos, message))
        self.flagged.add(owner.id)

    # ---- single lines ----------------------------------------------------------
    def single_line(self, text: str, style: TextStyle, width: float, align: str, pos,
                    owner: Owner, what: str) -> Line:
        """One line as the editor split it (headlines, labels): never broken by us."""
        comp = self.styles[style.composition]
        run = TextRun(text, style.role, style.weight, style.size)
        lines = compose_paragraph([run], comp, self.fonts, [1e6], indent=0, align="left")
        line = lines[0]
        if line.natural > width + 0.01:
            self.overflow(owner, pos, (
                f"{what} line {text!r} is {line.natural:.1f}pt wide but its frame only "
                f"{width:.1f}pt: it overflows {owner.label} by {line.natural - width:.1f}pt"))
        free = max(0.0, width - line.natural)
        shift = {"center": free / 2, "right": free}.get(align, 0.0)
        if shift:
            line = line.moved(shift, width)
        return line

    def stack(self, parts: Iterable[tuple[str, str, TextStyle, float, object]], rect: Rect,
              align: str, owner: Owner) -> tuple[list[PlacedLine], float]:
        """Set lines one under another from the top of ``rect``; return them and the height."""
        placed = []
        y = rect.y
        for kind, text, style, leading, pos in parts:
            line = self.single_line(text, style, rect.width, align, pos, owner, kind)
            baseline = y + (leading - style.size) / 2 + line.ascent
            placed.append(PlacedLine(line, rect.x, baseline))
            y += leading
        return placed, y - rect.y

    # ---- page ------------------------------------------------------------------
    def compose(self) -> IssueLayout:
        pages = tuple(self.page(p) for p in self.issue.pages)
        if self.oversets and not self.allow_overset:
            raise OversetError(self.oversets)
        for d in self.oversets:
            self.diagnostics.warn(d.pos, d.message, "overset")
        return IssueLayout(pages)

    def page(self, page: Page) -> PageLayout:
        geo = page.geometry
        groups: list[Group] = []
        rules: list[RuleLine] = []
        self.flagged = set()  # ids are unique in an issue, but every page has its "header"
        if page.header:
            self.where["header"] = page.header.pos
            groups.append(self.header(page))
            h = page.header.rect
            rules.append(RuleLine("header-rule", h.x, h.bottom - 2, h.right, h.bottom - 2, 1.0, "double"))
        for item in page.items:
            if not isinstance(item, Rule):
                self.where[item.id] = item.pos
            if isinstance(item, Article):
                groups.append(self.article(item, geo))
                for sub in item.figures + item.boxes:
                    self.where[sub.id] = sub.pos
                    self.parents[sub.id] = item.id
                groups.extend(self.figure(f, geo) for f in item.figures)
                groups.extend(self.box(b, geo) for b in item.boxes)
            elif isinstance(item, Box):
                groups.append(self.box(item, geo))
            elif isinstance(item, Figure):
                groups.append(self.figure(item, geo))
            elif isinstance(item, Furniture):
                groups.append(self.furniture(item))
            elif isinstance(item, Rule):
                rules.append(RuleLine(item.id, item.x1, item.y1, item.x2, item.y2, item.weight, item.style))
        self.check_strays(groups)
        type_boxes = [box for g in groups for b in g.blocks for pl in b.lines
                      if (box := frames.ink(pl)) is not None]
        automatic = frame_rules(page, geo) + self.column_rules
        rules.extend(frames.clear_of_type(automatic, type_boxes, geo.body_size, geo.line_pitch))
        self.column_rules = []
        groups = [g._replace(overflow=True) if g.id in self.flagged else g for g in groups]
        return PageLayout(page.number, page.label, geo, tuple(groups), tuple(rules))

    def check_strays(self, groups: Sequence[Group]) -> None:
        """The last net: any line still outside its frame or over another is an overflow
        (one message per frame, for its first such line)."""
        reported: set[str] = set()
        for stray in frames.stray_lines(groups, self.parents):
            g = stray.group
            if g.id in reported or g.id in self.flagged:
                continue  # reported already, as what it is
            reported.add(g.id)
            owner = Owner(g.id, f"{g.kind} {g.id!r}")
            where = f"line {stray.index} ({stray.text[:12]!r}) of {owner.label}"
            if stray.over is not None:
                w, h = frames.overlap(stray.box, stray.over.rect)
                message = (f"{where} prints over {stray.over.kind} {stray.over.id!r} "
                           f"({w:.1f}×{h:.1f}pt)")
            else:
                message = f"{where} overflows its frame by {stray.beyond:.1f}pt"
            self.overflow(owner, self.where.get(g.id, self.issue.source), message)

    def header(self, page: Page) -> Group:
        h = page.header
        geo = page.geometry
        style = TextStyle(role="hei", weight="bold", size=geo.body_size * 1.5, indent=0, composition="clreq")
        blocks = []
        owner = Owner("header", "the page header")
        if h.section:
            lines, _ = self.stack([("header", h.section, style, h.rect.height, h.pos)], h.rect, "left", owner)
            blocks.append(TextBlock("header-section", "header", h.rect, tuple(lines)))
        right = "  ".join(x for x in (h.date, h.label) if x)
        if right:
            lines, _ = self.stack([("header", right, style, h.rect.height, h.pos)], h.rect, "right", owner)
            blocks.append(TextBlock("header-folio", "header", h.rect, tuple(lines)))
        return Group("header", "header", h.section or "", h.rect, tuple(blocks))

    def furniture(self, f: Furniture) -> Group:
        leading = f.style.size * 1.3
        total = leading * len(f.lines)
        owner = Owner(f.id, f"furniture {f.id!r}")
        # the last line's ink ends a descent (1 em less the ascent) below its baseline, not a leading
        ink = total - (leading - f.style.size) / 2
        if ink > f.rect.height + 0.01:
            self.overflow(owner, f.pos, (
                f"text of {owner.label} overflows its frame by {ink - f.rect.height:.1f}pt: "
                f"{len(f.lines)} line(s) of {leading:.1f}pt leading need {ink:.1f}pt, "
                f"the frame is {f.rect.height:.1f}pt tall"))
        top = f.rect.y + max(0.0, (f.rect.height - total) / 2)
        rect = Rect(f.rect.x, top, f.rect.width, total)
        lines, _ = self.stack(
            ((f.kind, ln.text, f.style, leading, ln.pos) for ln in f.lines), rect, f.align, owner)
        block = TextBlock(f.id, "furniture", f.rect, tuple(lines), inverse=f.inverse)
        return Group(f.id, "furniture", f.text, f.rect, (block,))

    def overlong(self, pos):
        def report(words: list[str]) -> None:
            listed = "、".join(repr(clip(w)) for w in words[:3])
            self.diagnostics.warn(pos, f"{listed} wider than the measure: broken between letters",
                                  "word-broken")
        return report

    # ---- head groups -----------------------------------------------------------
    def head(self, head: HeadGroup, rect: Rect, geo: Geometry, owner: Owner) -> tuple[list[TextBlock], float]:
        """Set the head group across ``rect``; return its blocks and the whole body lines it takes."""
        area = head.rect or rect
        blocks = []
        y = area.y + (0.0 if head.rect else 0.5 * geo.line_pitch)  # breathing room above
        ink_bottom = y
        for part in head.parts:
            leading = part.style.size * HEAD_LEADING[part.kind]
            sub = Rect(area.x, y, area.width, leading * len(part.lines))
            lines, height = self.stack(
                ((part.kind, ln.text, part.style, leading, ln.pos) for ln in part.lines), sub,
                head.align, owner)
            blocks.append(TextBlock(f"{owner.id}-{part.kind}", part.kind, sub, tuple(lines)))
            y += height
            ink_bottom = y - (leading - part.style.size) / 2
        used = y - area.y + 0.5 * geo.line_pitch
        need = math.ceil(used / geo.line_pitch - 1e-6)
        whole = head.lines or need
        what = f"head group of {owner.label}"
        if ink_bottom > area.bottom + 0.01:
            frame = "its frame" if head.rect else "the frame"
            self.overflow(owner, head.pos, (
                f"{what} overflows {frame} by {ink_bottom - area.bottom:.1f}pt: it is "
                f"{ink_bottom - area.y:.1f}pt tall, {frame} {area.height:.1f}pt"))
        elif head.rect is None and head.lines and ink_bottom > area.y + head.lines * geo.line_pitch + 0.01:
            over = ink_bottom - area.y - head.lines * geo.line_pitch
            self.overflow(owner, head.pos, (
                f"{what} overflows the {head.lines} body line(s) reserved for it by {over:.1f}pt "
                f"(it needs {need} lines)"))
        if head.rect is not None:
            return blocks, 0.0
        return blocks, whole * geo.line_pitch

    # ---- flowing text ------------------------------------------------------------
    def column_slots(self, rect: Rect, top: float, columns: int, measure: float | None,
                     geo: Geometry) -> list[list[Slot]]:
        gutter = geo.gutter_chars * geo.body_size
        width = (rect.width - (columns - 1) * gutter) / columns
        m = min(measure or width, width)
        rows = int((rect.bottom - top) / geo.line_pitch + 1e-6)
        cols = []
        for c in range(columns):
            x = rect.x + c * (width + gutter) + (width - m) / 2
            cols.append([Slot(x, top + k * geo.line_pitch + self.ascent * geo.body_size, m, c)
                         for k in range(rows)])
        return cols

    def region_slots(self, regions: Sequence[Region], geo: Geometry) -> list[list[Slot]]:
        return [
            [Slot(r.rect.x + (r.rect.width - r.measure) / 2,
                  r.rect.y + k * geo.line_pitch + self.ascent * geo.body_size, r.measure, n)
             for k in range(r.lines)]
            for n, r in enumerate(regions)
        ]

    def flow(self, paragraphs: Sequence[Paragraph], tails: dict[int, tuple[Paragraph, str]],
             columns: list[list[Slot]], balance: bool, owner: Owner, pos,
             measure: float) -> tuple[list[TextBlock], int]:
        """Fill the slots with the paragraphs' lines; returns column blocks and overset lines.

        ``measure`` is the frame's measure, for lines that find no slot: an overset is
        counted in lines set at the width they would have had."""
        uniform = balance and len({s.measure for col in columns for s in col}) <= 1
        slots = [s for col in columns for s in col]
        # from slot ``same_from`` on every slot has the same measure: a paragraph's list of
        # measures (and offsets) stops there, its last value repeating, rather than running
        # on to the end of the article for each paragraph
        same_from = len(slots) - 1
        while same_from > 0 and slots[same_from - 1].measure == slots[-1].measure:
            same_from -= 1
        placed: list[tuple[Line, float]] = []  # line and its measure offset
        paras: list[tuple[int, int, CompositionStyle]] = []  # each paragraph's lines and style
        for n, par in enumerate(paragraphs):
            start = len(placed)
            comp = self.styles[par.style.composition]
            avail = (slots[start:max(start, same_from) + 1] or slots[-1:]
                     or [Slot(0, 0, measure, 0)])
            measures = [min(par.measure or s.measure, s.measure) for s in avail]
            offsets = [(s.measure - m) / 2 for s, m in zip(avail, measures, strict=True)]
            tail = ()
            tail_position = None
            if n in tails:
                tail_par, tail_position = tails[n]
                tail = runs_of(tail_par, comp)
            lines = compose_paragraph(
                runs_of(par, comp), comp, self.fonts, measures, indent=par.style.indent,
                align=par.style.align, tail=tail, tail_position=tail_position,
                on_overlong=self.overlong(par.pos))
            for k, line in enumerate(lines):
                placed.append((line, offsets[min(k, len(offsets) - 1)]))
            paras.append((start, len(placed), comp))
        if uniform and columns:
            counts = balanced(len(placed), len(columns), len(columns[0]))
            counts = keep_together(counts, paras, len(columns[0]))
            order = [col[r] for col, k in zip(columns, counts, strict=True) for r in range(k)]
        else:
            order = slots
        overset = max(0, len(placed) - len(order))
        blocks: dict[int, list[PlacedLine]] = {}
        wide = None  # the first line whose ink leaves its column (into the gutter or beyond)
        for k, ((line, offset), slot) in enumerate(zip(placed, order, strict=False), 1):
            pl = PlacedLine(line, slot.x + offset, slot.baseline)
            blocks.setdefault(slot.region, []).append(pl)
            box = frames.ink(pl)
            if wide is None and box is not None:
                beyond = max(slot.x - box.x, box.right - slot.x - slot.measure)
                if beyond > frames.TOLERANCE:
                    wide = (k, line.text, beyond, slot.measure)
        out = []
        for region, lines in sorted(blocks.items()):
            top = lines[0].baseline - lines[0].line.ascent - 1
            x0 = min(pl.x for pl in lines)
            x1 = max(pl.x + pl.line.measure for pl in lines)
            rect = Rect(x0, top, x1 - x0, lines[-1].baseline - top + 3)
            out.append(TextBlock(f"{owner.label}-col{region + 1}", "body", rect, tuple(lines)))
        if overset:
            self.overflow(owner, pos, (
                f"{owner.label} overset by {overset} lines: {len(placed)} lines set, "
                f"room for {len(order)}"))
        if wide is not None:
            k, text, beyond, width = wide
            self.overflow(owner, pos, (
                f"line {k} of {owner.label} ({text[:12]!r}) overflows its {width:.1f}pt column "
                f"by {beyond:.1f}pt (a unit that cannot be broken)"))
        return out, overset

    # ---- frames ------------------------------------------------------------------
    def article(self, a: Article, geo: Geometry) -> Group:
        blocks: list[TextBlock] = []
        owner = Owner(a.id, f"article {a.id}")
        top = a.rect.y
        if a.head:
            head_blocks, used = self.head(a.head, a.rect, geo, owner)
            blocks += head_blocks
            top += used
        if a.byline:
            comp = self.styles[a.byline.style.composition]
            byline_lines = compose_paragraph(
                runs_of(a.byline, comp), comp, self.fonts,
                [a.rect.width], indent=0, align="center" if a.head and a.head.align == "center" else "left")
            rows = []
            for line in byline_lines:
                rows.append(PlacedLine(line, a.rect.x, top + self.ascent * geo.body_size))
                top += geo.line_pitch
            rect = Rect(a.rect.x, rows[0].baseline - self.ascent * geo.body_size, a.rect.width,
                        geo.line_pitch * len(rows))
            blocks.append(TextBlock(f"{a.id}-byline", "byline", rect, tuple(rows)))
            beyond = rect.y + geo.line_pitch * (len(rows) - 1) + geo.body_size - a.rect.bottom
            if beyond > 0.01:
                self.overflow(owner, a.byline.pos, (
                    f"byline of {owner.label} overflows the frame by {beyond:.1f}pt "
                    f"({len(rows)} line(s) below the head group)"))
        columns = (self.region_slots(a.flow, geo) if a.flow
                   else self.column_slots(a.rect, top, a.columns, a.measure, geo))
        tails = {len(a.blocks) - 1: (a.tag, None)} if a.tag and a.blocks else {}
        body, overset = self.flow(a.blocks, tails, columns, a.balance and not a.flow, owner, a.pos,
                                  column_measure(a.rect, a.columns, a.measure, geo))
        blocks += body
        self.nested_frames(a, owner, body)
        self.gutter_rules(owner.id, body)
        return Group(a.id, "article", a.title, a.rect, tuple(blocks), overset=overset)

    def nested_frames(self, a: Article, owner: Owner, body: Sequence[TextBlock]) -> None:
        """Figures and boxes inside an article must not overlap one another, and without
        ``<flow>`` (whose regions say where the text goes) the article's columns run over
        the whole frame: its text must not reach them."""
        nested = list(a.figures + a.boxes)
        kind = {id(f): "figure" for f in a.figures} | {id(b): "box" for b in a.boxes}
        for n, first in enumerate(nested):
            for second in nested[n + 1:]:
                w, h = frames.overlap(first.rect, second.rect)
                if w > 0.01 and h > 0.01:
                    self.overflow(owner, second.pos, (
                        f"{kind[id(second)]} {second.id!r} overlaps {kind[id(first)]} {first.id!r} "
                        f"(declared at {first.pos}) by {w:.1f}×{h:.1f}pt inside {owner.label}"))
        if a.flow:
            return  # the regions were checked against the frame; stray lines catch the rest
        for sub in nested:
            hits = [pl for block in body for pl in block.lines
                    if (box := frames.ink(pl)) is not None and box.overlaps(sub.rect, eps=frames.TOLERANCE)]
            if hits:
                self.overflow(owner, sub.pos, (
                    f"{kind[id(sub)]} {sub.id!r} lies under the text of {owner.label}, which has no "
                    f"<flow>: {len(hits)} line(s) print over it; give the article <flow> regions "
                    f"that leave it free"))

    def gutter_rules(self, owner: str, columns: Sequence[TextBlock]) -> None:
        """A hairline midway between neighbouring columns, as deep as the taller of the two."""
        for n, (left, right) in enumerate(zip(columns, columns[1:], strict=False), 1):
            if right.rect.x <= left.rect.right:
                continue  # not side by side (regions stacked in one column)
            x = (left.rect.right + right.rect.x) / 2
            top = min(left.rect.y, right.rect.y)
            bottom = max(left.rect.bottom, right.rect.bottom)
            self.column_rules.append(RuleLine(f"{owner}-gutter{n}", x, top, x, bottom, 0.25))

    def box(self, b: Box, geo: Geometry) -> Group:
        pad = geo.body_size
        inner = Rect(b.rect.x + pad, b.rect.y + pad / 2, b.rect.width - 2 * pad, b.rect.height - pad)
        owner = Owner(b.id, f"box {b.id}")
        blocks = []
        y = inner.y
        if b.label:
            style = TextStyle(role="hei", weight="bold", size=geo.body_size, indent=0, composition="clreq")
            sub = Rect(inner.x, y, inner.width, geo.line_pitch)
            lines, h = self.stack([("label", b.label, style, geo.line_pitch, b.pos)], sub, "left", owner)
            blocks.append(TextBlock(f"{b.id}-label", "label", sub, tuple(lines)))
            y += h
        leading = b.title_style.size * 1.3
        sub = Rect(inner.x, y, inner.width, leading * len(b.title))
        lines, h = self.stack((("title", t.text, b.title_style, leading, t.pos) for t in b.title), sub,
                              "center", owner)
        blocks.append(TextBlock(f"{b.id}-title", "title", sub, tuple(lines)))
        y += h
        ink_bottom = y - (leading - b.title_style.size) / 2 if b.title else y
        if ink_bottom > inner.bottom + 0.01:
            pos = b.title[-1].pos if b.title else b.pos
            self.overflow(owner, pos, (
                f"title of {owner.label} overflows the box by {ink_bottom - inner.bottom:.1f}pt: "
                f"label and title are {ink_bottom - inner.y:.1f}pt tall, inside the box "
                f"{inner.height:.1f}pt"))
        top = inner.y + math.ceil((y - inner.y) / geo.line_pitch - 1e-6) * geo.line_pitch
        columns = (self.region_slots(b.flow, geo) if b.flow
                   else self.column_slots(inner, top, b.columns, b.measure, geo))
        tails = {len(b.items) - 1: (b.tag, None)} if b.tag and b.items else {}
        body, overset = self.flow(b.items, tails, columns, not b.flow, owner, b.pos,
                                  column_measure(inner, b.columns, b.measure, geo))
        blocks += body
        title = "".join(t.text for t in b.title)
        return Group(b.id, "box", title, b.rect, tuple(blocks), border=b.border, overset=overset)

    def figure(self, f: Figure, geo: Geometry) -> Group:
        blocks = []
        picture = f.rect
        cap = f.caption or f.credit  # a credit alone is set where the caption would be
        if cap:
            width = min(cap.measure or f.rect.width, f.rect.width)
            comp = self.styles[cap.style.composition]
            tail = runs_of(f.credit, comp) if f.caption and f.credit else ()
            lines = compose_paragraph(
                runs_of(cap, comp), comp, self.fonts, [width],
                indent=cap.style.indent, align=cap.style.align, tail=tail,
                on_overlong=self.overlong(cap.pos))
            leading = max(cap.style.leading, cap.style.size * 1.2)
            height = leading * len(lines)
            area = f.caption_rect or Rect(f.rect.x + (f.rect.width - width) / 2,
                                          f.rect.bottom - height, width, height)
            rows = tuple(PlacedLine(line, area.x, area.y + k * leading + line.ascent)
                         for k, line in enumerate(lines))
            blocks.append(TextBlock(f"{f.id}-caption", "caption", area, rows))
            owner = Owner(f.id, f"figure {f.id!r}")
            what = f"{'caption' if f.caption else 'credit'} of {owner.label}"
            ink = leading * (len(lines) - 1) + cap.style.size if lines else 0.0
            if f.caption_rect is not None and ink > f.caption_rect.height + 0.01:
                self.overflow(owner, cap.pos, (
                    f"{what} overflows its caption frame by {ink - f.caption_rect.height:.1f}pt: "
                    f"{len(lines)} line(s), {ink:.1f}pt tall, at {width:.1f}pt wide"))
            need = height + geo.line_pitch / 2  # the caption, and a half line above it
            if f.caption_rect is None and need > f.rect.height + 0.01:
                self.overflow(owner, cap.pos, (
                    f"{what} is taller than the figure: {len(lines)} line(s) set {width:.1f}pt wide "
                    f"need {need:.1f}pt, the figure is {f.rect.height:.1f}pt tall "
                    f"({need - f.rect.height:.1f}pt over, no room left for the picture)"))
            if f.caption_rect is None:
                picture = Rect(f.rect.x, f.rect.y, f.rect.width, max(0.0, f.rect.height - need))
        if f.src is None:
            self.diagnostics.warn(f.pos, f"figure {f.id!r} has no image yet: a neutral placeholder is drawn",
                                  "no-image")
        box = FigureBox(f"{f.id}-picture", picture, f.src, f.fit, f.alt)
        title = f.caption.text if f.caption else f.id
        return Group(f.id, "figure", title, f.rect, tuple(blocks), (box,))


def frame_rules(page: Page, geo: Geometry) -> list[RuleLine]:
    """Hairlines in the gutters between neighbouring frames (common practice)."""
    return frames.between_frames([(i.id, i.rect) for i in page.items if not isinstance(i, Rule)],
                                 geo.body_size)


def column_measure(rect: Rect, columns: int, measure: float | None, geo: Geometry) -> float:
    """The measure of a frame's computed columns: the column width, or less if ``measure``."""
    width = (rect.width - (columns - 1) * geo.gutter_chars * geo.body_size) / columns
    return min(measure or width, width)


def balanced(lines: int, columns: int, capacity: int) -> list[int]:
    """Lines per column: counts differ by at most one, the longer columns first, so no
    column stays empty while there are at least as many lines as columns (5 lines in 4
    columns: 2, 1, 1, 1)."""
    if lines >= columns * capacity:
        return [capacity] * columns
    each, more = divmod(lines, columns)
    return [each + 1] * more + [each] * (columns - more)


def keep_together(counts: list[int], paragraphs: Sequence[tuple[int, int, CompositionStyle]],
                  capacity: int) -> list[int]:
    """Move column breaks by one line where a paragraph's style forbids a widow (its last
    line alone at the top of a column, 孤行: the line goes up to the column before, which
    stays the longer) or a club line (its first line alone at the foot of a column: it
    goes down to the next), when the column that takes the line has room (clreq §5)."""
    counts = list(counts)
    for c in range(len(counts) - 1):
        cut = sum(counts[:c + 1])  # the first line of column c + 1
        for start, end, style in paragraphs:
            if not start < cut < end:
                continue
            if style.widow_control and end - cut == 1 and counts[c] < capacity and counts[c + 1] > 1:
                counts[c] += 1
                counts[c + 1] -= 1
            elif style.club_control and cut - start == 1 and counts[c + 1] < capacity and counts[c] > 1:
                counts[c] -= 1
                counts[c + 1] += 1
            break
    return counts


def compose_issue(issue: Issue, fonts: FontSource, *, allow_overset: bool = False,
                  diagnostics: Diagnostics | None = None) -> IssueLayout:
    """Compose every page; raises OversetError listing each article that does not fit.

    Warnings (overset allowed, words broken, figures without an image) go to ``diagnostics``.
    """
    return PageComposer(issue, fonts, allow_overset=allow_overset, diagnostics=diagnostics).compose()
