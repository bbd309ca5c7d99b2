"""Compose a page: head groups, text flowing through columns or regions, boxes, figures.

Everything snaps to the page's body line pitch: body lines sit on the baseline
grid, head groups occupy whole body lines (newspaper practice, rules §6).
Columns of an article are balanced (equal line counts, a short last column
allowed).  Text that does not fit its frame is an error naming the article and
the number of lines, unless the caller allows overset.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import NamedTuple

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
from layout.errors import Diagnostic, InputError, OversetError, warn
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
    def __init__(self, issue: Issue, fonts: FontSource, *, allow_overset: bool = False):
        self.issue = issue
        self.fonts = fonts
        self.styles = compositions(issue)
        self.allow_overset = allow_overset
        self.oversets: list[Diagnostic] = []
        self.column_rules: list[RuleLine] = []  # hairlines in the gutters of the current page
        body = TextStyle()
        #: em from the top of a body line's em box to its baseline: the body face's ascent
        self.ascent = fonts.resolve(body.role, body.weight, "中").ascender

    # ---- single lines ----------------------------------------------------------
    def single_line(self, text: str, style: TextStyle, width: float, align: str, pos) -> Line:
        """One line as the editor split it (headlines, labels): never broken by us."""
        comp = self.styles[style.composition]
        run = TextRun(text, style.role, style.weight, style.size)
        lines = compose_paragraph([run], comp, self.fonts, [1e6], indent=0, align="left")
        line = lines[0]
        if line.natural > width + 0.01:
            self.oversets.append(Diagnostic(
                pos, f"line {text!r} is {line.natural:.1f}pt wide but its frame only {width:.1f}pt"))
        free = max(0.0, width - line.natural)
        shift = {"center": free / 2, "right": free}.get(align, 0.0)
        if shift:
            line = line.moved(shift, width)
        return line

    def stack(self, parts: Iterable[tuple[str, str, TextStyle, float, object]], rect: Rect,
              align: str) -> tuple[list[PlacedLine], float]:
        """Set lines one under another from the top of ``rect``; return them and the height."""
        placed = []
        y = rect.y
        for _kind, text, style, leading, pos in parts:
            line = self.single_line(text, style, rect.width, align, pos)
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
            warn(d.pos, d.message)
        return IssueLayout(pages)

    def page(self, page: Page) -> PageLayout:
        geo = page.geometry
        groups: list[Group] = []
        rules: list[RuleLine] = []
        if page.header:
            groups.append(self.header(page))
            h = page.header.rect
            rules.append(RuleLine("header-rule", h.x, h.bottom - 2, h.right, h.bottom - 2, 1.0, "double"))
        for item in page.items:
            if isinstance(item, Article):
                groups.append(self.article(item, geo))
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
        rules.extend(frame_rules(page, geo))
        rules.extend(self.column_rules)
        self.column_rules = []
        return PageLayout(page.number, page.label, geo, tuple(groups), tuple(rules))

    def header(self, page: Page) -> Group:
        h = page.header
        geo = page.geometry
        style = TextStyle(role="hei", weight="bold", size=geo.body_size * 1.5, indent=0, composition="clreq")
        blocks = []
        if h.section:
            lines, _ = self.stack([("header", h.section, style, h.rect.height, h.pos)], h.rect, "left")
            blocks.append(TextBlock("header-section", "header", h.rect, tuple(lines)))
        right = "  ".join(x for x in (h.date, h.label) if x)
        if right:
            lines, _ = self.stack([("header", right, style, h.rect.height, h.pos)], h.rect, "right")
            blocks.append(TextBlock("header-folio", "header", h.rect, tuple(lines)))
        return Group("header", "header", h.section or "", h.rect, tuple(blocks))

    def furniture(self, f: Furniture) -> Group:
        leading = f.style.size * 1.3
        total = leading * len(f.lines)
        top = f.rect.y + max(0.0, (f.rect.height - total) / 2)
        rect = Rect(f.rect.x, top, f.rect.width, total)
        lines, _ = self.stack(
            ((f.kind, ln.text, f.style, leading, ln.pos) for ln in f.lines), rect, f.align)
        block = TextBlock(f.id, "furniture", f.rect, tuple(lines), inverse=f.inverse)
        return Group(f.id, "furniture", f.text, f.rect, (block,))

    def overlong(self, pos):
        def report(words: list[str]) -> None:
            listed = "、".join(repr(w) for w in words[:3])
            warn(pos, f"{listed} wider than the measure: broken between letters")
        return report

    # ---- head groups -----------------------------------------------------------
    def head(self, head: HeadGroup, rect: Rect, geo: Geometry, owner: str) -> tuple[list[TextBlock], float]:
        """Set the head group across ``rect``; return its blocks and the whole body lines it takes."""
        area = head.rect or rect
        blocks = []
        y = area.y + (0.0 if head.rect else 0.5 * geo.line_pitch)  # breathing room above
        for part in head.parts:
            leading = part.style.size * HEAD_LEADING[part.kind]
            sub = Rect(area.x, y, area.width, leading * len(part.lines))
            lines, height = self.stack(
                ((part.kind, ln.text, part.style, leading, ln.pos) for ln in part.lines), sub, head.align)
            blocks.append(TextBlock(f"{owner}-{part.kind}", part.kind, sub, tuple(lines)))
            y += height
        used = y - area.y + 0.5 * geo.line_pitch
        whole = head.lines or math.ceil(used / geo.line_pitch - 1e-6)
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
             columns: list[list[Slot]], balance: bool, owner, pos) -> tuple[list[TextBlock], int]:
        """Fill the slots with the paragraphs' lines; returns column blocks and overset lines."""
        uniform = balance and len({s.measure for col in columns for s in col}) <= 1
        slots = [s for col in columns for s in col]
        # from slot ``same_from`` on every slot has the same measure: a paragraph's list of
        # measures (and offsets) stops there, its last value repeating, rather than running
        # on to the end of the article for each paragraph
        same_from = len(slots) - 1
        while same_from > 0 and slots[same_from - 1].measure == slots[-1].measure:
            same_from -= 1
        placed: list[tuple[Line, float]] = []  # line and its measure offset
        for n, par in enumerate(paragraphs):
            start = len(placed)
            comp = self.styles[par.style.composition]
            avail = (slots[start:max(start, same_from) + 1] or slots[-1:]
                     or [Slot(0, 0, par.measure or 100.0, 0)])
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
        if uniform and columns:
            per = math.ceil(len(placed) / len(columns))
            capacity = len(columns[0])
            order = [col[r] for col in columns for r in range(min(per, capacity))]
        else:
            order = slots
        overset = max(0, len(placed) - len(order))
        blocks: dict[int, list[PlacedLine]] = {}
        for (line, offset), slot in zip(placed, order, strict=False):
            blocks.setdefault(slot.region, []).append(PlacedLine(line, slot.x + offset, slot.baseline))
        out = []
        for region, lines in sorted(blocks.items()):
            top = lines[0].baseline - lines[0].line.ascent - 1
            x0 = min(pl.x for pl in lines)
            x1 = max(pl.x + pl.line.measure for pl in lines)
            rect = Rect(x0, top, x1 - x0, lines[-1].baseline - top + 3)
            out.append(TextBlock(f"{owner}-col{region + 1}", "body", rect, tuple(lines)))
        if overset:
            self.oversets.append(Diagnostic(pos, f"{owner} overset by {overset} lines"))
        return out, overset

    # ---- frames ------------------------------------------------------------------
    def article(self, a: Article, geo: Geometry) -> Group:
        blocks: list[TextBlock] = []
        top = a.rect.y
        if a.head:
            head_blocks, used = self.head(a.head, a.rect, geo, a.id)
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
        columns = (self.region_slots(a.flow, geo) if a.flow
                   else self.column_slots(a.rect, top, a.columns, a.measure, geo))
        tails = {len(a.blocks) - 1: (a.tag, None)} if a.tag and a.blocks else {}
        body, overset = self.flow(a.blocks, tails, columns, a.balance and not a.flow, f"article {a.id}", a.pos)
        blocks += body
        self.gutter_rules(a.id, body)
        return Group(a.id, "article", a.title, a.rect, tuple(blocks), overset=overset)

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
        blocks = []
        y = inner.y
        if b.label:
            style = TextStyle(role="hei", weight="bold", size=geo.body_size, indent=0, composition="clreq")
            sub = Rect(inner.x, y, inner.width, geo.line_pitch)
            lines, h = self.stack([("label", b.label, style, geo.line_pitch, b.pos)], sub, "left")
            blocks.append(TextBlock(f"{b.id}-label", "label", sub, tuple(lines)))
            y += h
        leading = b.title_style.size * 1.3
        sub = Rect(inner.x, y, inner.width, leading * len(b.title))
        lines, h = self.stack((("title", t.text, b.title_style, leading, t.pos) for t in b.title), sub, "center")
        blocks.append(TextBlock(f"{b.id}-title", "title", sub, tuple(lines)))
        y += h
        top = inner.y + math.ceil((y - inner.y) / geo.line_pitch - 1e-6) * geo.line_pitch
        columns = (self.region_slots(b.flow, geo) if b.flow
                   else self.column_slots(inner, top, b.columns, b.measure, geo))
        tails = {len(b.items) - 1: (b.tag, None)} if b.tag and b.items else {}
        body, overset = self.flow(b.items, tails, columns, not b.flow, f"box {b.id}", b.pos)
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
            if f.caption_rect is None:
                picture = Rect(f.rect.x, f.rect.y, f.rect.width, f.rect.height - height - geo.line_pitch / 2)
        if f.src is None:
            warn(f.pos, f"figure {f.id!r} has no image yet: a neutral placeholder is drawn")
        box = FigureBox(f"{f.id}-picture", picture, f.src, f.fit, f.alt)
        title = f.caption.text if f.caption else f.id
        return Group(f.id, "figure", title, f.rect, tuple(blocks), (box,))


def frame_rules(page: Page, geo: Geometry) -> list[RuleLine]:
    """Hairlines between frames and between the columns of an article (common practice)."""
    rules = []
    area = Rect(geo.type_left, geo.type_top, geo.type_width, geo.type_height)
    half = geo.gutter_chars * geo.body_size / 2
    for item in page.items:
        if isinstance(item, Rule):
            continue
        r = item.rect
        if r.right < area.right - 1:
            rules.append(RuleLine(f"{item.id}-rule-right", r.right + half, r.y, r.right + half, r.bottom, 0.3))
        if r.bottom < area.bottom - 1:
            rules.append(RuleLine(f"{item.id}-rule-below", r.x, r.bottom + 1, r.right, r.bottom + 1, 0.3))
    return rules


def compose_issue(issue: Issue, fonts: FontSource, *, allow_overset: bool = False) -> IssueLayout:
    """Compose every page; raises OversetError listing each article that does not fit."""
    try:
        return PageComposer(issue, fonts, allow_overset=allow_overset).compose()
    except KeyError as exc:  # a composition style the reader let through
        raise InputError(f"unknown composition style {exc}") from None
