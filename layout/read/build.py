"""Turn a validated source tree into the immutable model, collecting semantic problems.

Structure is the schema's job; this module checks what a schema cannot say:
references between elements, geometry that fits the page, text without control
characters, image paths that stay inside the source tree.  Every problem is
collected, then reported together.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from lxml import etree

from layout.compose.style import STYLES, CompositionStyle, from_attributes
from layout.errors import Diagnostic, InputError, ResourceError, SourcePos, clip
from layout.read.model import (
    Article,
    Box,
    Figure,
    Furniture,
    Geometry,
    HeadGroup,
    HeadLine,
    HeadPart,
    Issue,
    Meta,
    Page,
    PageHeader,
    Paragraph,
    Rect,
    Region,
    Rule,
    Run,
    TextStyle,
)
from layout.read.parse import NS, SourceFile, parse, q
from layout.read.units import MM, parse_length, parse_size

#: The xml:lang attribute (the issue's language, a note's own language).
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
#: The largest page PDF allows (ISO 32000 user-space limit of 14 400 units, 5080 mm);
#: also the largest length anywhere in an issue.
MAX_PAGE = 14400.0
#: Type sizes: 4 pt (below 八号, 5 pt, nothing is legible) to 400 pt (a 141 mm character).
MIN_SIZE, MAX_SIZE = 4.0, 400.0
#: Leadings and line pitches: 1 pt to 1000 pt.
MIN_LEADING, MAX_LEADING = 1.0, 1000.0
#: Counts: pages per issue, frames per page, columns per frame, lines per region, styles.
MAX_PAGES = 500
MAX_FRAMES_PER_PAGE = 500
MAX_FRAMES = 5000  # in an issue: a 100-page paper has about 3000
MAX_COLUMNS = 50
MAX_REGION_LINES = 5000
MAX_STYLE_DEPTH = 32
MAX_INDENT = 100.0
MAX_CHARS_PER_ZI = 1000.0  # columnChars, gutterChars
#: The narrowest a character can be set, in ems (a Latin "i" is about 0.25): text needing
#: more room than its frame has at this width is overset whatever the composer does.
MIN_ADVANCE_EM = 0.2
#: The most characters an issue may hold (a 100-page issue of full pages).
MAX_CHARS = 1_000_000
#: Overlap errors reported per page (the rest would only repeat the same mistake).
MAX_OVERLAP_REPORTS = 20

#: Characters that never belong in printed text (C0/C1 controls, non-characters).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\u2028\u2029]")
#: A line break in the XML text with its indentation: a source formatting artefact.
_SOURCE_BREAK = re.compile(r"[ \t]*\n[ \t\n]*")


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def clean_text(text: str) -> str:
    """Join text wrapped in the XML file: a break between wide characters vanishes,
    any other becomes one space (CSS Text 3 segment-break transformation for CJK)."""

    def join(m: re.Match[str]) -> str:
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if not before or not after or _is_wide(before) or _is_wide(after):
            return ""
        return " "

    return _SOURCE_BREAK.sub(join, text)


class Builder:
    def __init__(self, src: SourceFile, root: etree._Element):
        self.src = src
        self.root = root
        self.problems: list[Diagnostic] = []
        self.resource_problems: list[Diagnostic] = []
        self.ids: dict[str, SourcePos] = {}
        self.styles: dict[str, TextStyle] = {}
        #: composition styles a text style may name: the built-in ones and the house ones
        self.compositions: dict[str, CompositionStyle] = dict(STYLES)
        self.house: list[CompositionStyle] = []  # declared in <styles>, in order
        self.geometries: dict[str, Geometry] = {}
        self.geo: Geometry | None = None
        self.base_dir = Path(src.path).resolve().parent
        self._overlays: set[int] = set()  # ids of items declared overlay="true"

    # ---- helpers -------------------------------------------------------------
    def error(self, el: etree._Element, message: str) -> None:
        self.problems.append(Diagnostic(self.src.pos(el), message))

    def length(self, el: etree._Element, attr: str, *, positive: bool = False) -> float:
        geo = self.geo
        zi, line = (geo.body_size, geo.line_pitch) if geo else (9.0, 11.25)
        value = parse_length(el.get(attr), zi, line)
        if positive and value <= 0:
            self.error(el, f"{attr}={clip(el.get(attr))!r} must be greater than zero")
            return 1.0
        if abs(value) > MAX_PAGE:
            self.error(el, f"{attr}={clip(el.get(attr))!r} is larger than a page may be ({MAX_PAGE:.0f}pt)")
            return 1.0
        if attr == "leading" and not MIN_LEADING <= value <= MAX_LEADING:
            self.error(el, f"leading={clip(el.get(attr))!r} is outside {MIN_LEADING:g}pt to {MAX_LEADING:g}pt")
            return max(MIN_LEADING, min(value, MAX_LEADING))
        return value

    def register_id(self, el: etree._Element) -> str:
        ident = el.get("id")
        pos = self.src.pos(el)
        if ident in self.ids:
            self.error(el, f"duplicate id {ident!r} (first used at {self.ids[ident]})")
        else:
            self.ids[ident] = pos
        return ident

    def size(self, el: etree._Element, attr: str = "size") -> float:
        """A font size; zero prints nothing (and divides by zero), so it is refused."""
        value = parse_size(el.get(attr))
        if value <= 0:
            self.error(el, f"{attr}={clip(el.get(attr))!r} must be greater than zero")
            return 9.0
        if not MIN_SIZE <= value <= MAX_SIZE:
            self.error(el, f"{attr}={clip(el.get(attr))!r} is outside the sizes type is set in "
                       f"({MIN_SIZE:g}pt to {MAX_SIZE:g}pt)")
            return 9.0
        return value

    def lines(self, el: etree._Element) -> tuple[HeadLine, ...]:
        """The editor's ``<line>``s of a title or furniture; an empty one has nothing to set."""
        lines = tuple(HeadLine(self.text(ln), self.src.pos(ln)) for ln in el.iterfind(q("line")))
        for line, line_el in zip(lines, el.iterfind(q("line")), strict=True):
            if not line.text:
                self.error(line_el, f"empty <line> in <{etree.QName(el).localname}>")
        return lines

    def on_page(self, el: etree._Element, rect: Rect) -> Rect:
        """A placed head or caption must be on the page (frames are checked with the page)."""
        geo = self.geo
        if geo and not Rect(0, 0, geo.trim_width, geo.trim_height).contains(rect):
            self.error(el, f"<{etree.QName(el).localname}> lies off the page ({rect.x:.1f},{rect.y:.1f} "
                       f"{rect.width:.1f}×{rect.height:.1f}pt; page {geo.trim_width:.1f}×{geo.trim_height:.1f}pt)")
        return rect

    def text(self, el: etree._Element) -> str:
        raw = "".join(el.itertext())
        bad = _CONTROL.search(raw)
        if bad:
            self.error(el, f"control character U+{ord(bad.group()):04X} in text; remove it")
        return clean_text(_CONTROL.sub("", raw)).strip()

    def style(self, el: etree._Element, base: TextStyle) -> TextStyle:
        """The element's text style: its named style (if any) over ``base``, then its attributes."""
        name = el.get("style")
        if name is not None:
            if name not in self.styles:
                self.error(el, f"unknown style {name!r}; declare it in <styles>")
            else:
                base = self.styles[name]
        return self._apply(el, base)

    def _apply(self, el: etree._Element, base: TextStyle) -> TextStyle:
        changes: dict[str, object] = {}
        for attr in ("role", "weight", "align"):
            if el.get(attr) is not None:
                changes[attr] = el.get(attr)
        if el.get("size") is not None:
            changes["size"] = self.size(el)
        if el.get("leading") is not None:
            changes["leading"] = self.length(el, "leading", positive=True)
        if el.get("indent") is not None:
            changes["indent"] = float(el.get("indent"))
            if changes["indent"] < 0:  # the first line would start left of its frame
                self.error(el, f"indent={clip(el.get('indent'))!r} must not be negative")
                changes["indent"] = 0.0
            elif changes["indent"] > MAX_INDENT:
                self.error(el, f"indent={clip(el.get('indent'))!r} is more than {MAX_INDENT:g} characters")
                changes["indent"] = 0.0
        comp = el.get("composition")
        if comp is not None:
            if comp not in self.compositions:
                known = ", ".join(sorted(self.compositions))
                self.error(el, f"unknown composition style {comp!r} (known: {known})")
            else:
                changes["composition"] = comp
        return replace(base, **changes) if changes else base

    def rect(self, el: etree._Element) -> Rect:
        """Placement relative to the type area, as a page rectangle."""
        geo = self.geo
        assert geo is not None
        if el.get("col") is not None:
            col, span = int(el.get("col")), int(el.get("span"))
            if col + span - 1 > geo.columns:
                self.error(el, f"col={col} span={span} runs past the grid's {geo.columns} columns")
            x = geo.column_x(col) - geo.type_left
            width = geo.span_width(span)
        else:
            x = self.length(el, "x")
            width = self.length(el, "width", positive=True)
        y = self.length(el, "y")
        height = self.length(el, "height", positive=True)
        return Rect(geo.type_left + x, geo.type_top + y, width, height)

    # ---- document ------------------------------------------------------------
    def build(self) -> Issue:
        root = self.root
        meta = self.meta(root.find(q("meta")))
        for g in root.iterfind(q("geometry")):
            self.register_id(g)
            self.geometries[g.get("id")] = self.geometry(g)
        # lengths in <styles> (leading="1line") are in the units of the issue's first geometry
        self.geo = next(iter(self.geometries.values()), None)
        base = self.default_style()
        styles_el = root.find(q("styles"))
        if styles_el is not None:
            self.read_styles(styles_el, base)
        page_els = list(root.iterfind(q("page")))
        if len(page_els) > MAX_PAGES:
            self.error(page_els[MAX_PAGES], f"{len(page_els)} pages; an issue has at most {MAX_PAGES}")
            raise InputError(self.problems)
        total = 0
        for page_el in page_els:
            frames = sum(1 for child in page_el if isinstance(child.tag, str))
            total += frames
            if frames > MAX_FRAMES_PER_PAGE:
                self.error(page_el, f"{frames} frames on one page; a page holds at most {MAX_FRAMES_PER_PAGE}")
        if total > MAX_FRAMES and not self.problems:
            self.error(root, f"{total} frames in the issue; an issue holds at most {MAX_FRAMES}")
        if self.problems:
            raise InputError(self.problems)
        pages = tuple(self.page(p, n) for n, p in enumerate(page_els, 1))
        issue = Issue(
            id=root.get("id"), meta=meta, pages=pages, source=self.src.path,
            base_dir=str(self.base_dir), compositions=tuple(self.house),
        )
        chars = sum(len(p.text) for page in pages for item in page.items
                    for p in (getattr(item, "blocks", ()) or getattr(item, "items", ())))
        if chars > MAX_CHARS:
            self.problems.append(Diagnostic(SourcePos(self.src.path), f"the issue holds {chars:,} characters "
                                            f"of text; an issue holds at most {MAX_CHARS:,}"))
        if self.problems:
            raise InputError(self.problems)
        if self.resource_problems:
            raise ResourceError(self.resource_problems)
        return issue

    def meta(self, el: etree._Element) -> Meta:
        def value(name: str) -> str | None:
            child = el.find(q(name))
            if child is None or child.get("unknown") == "true":
                return None
            return self.text(child)

        title = el.find(q("title"))
        note = el.find(q("note"))
        return Meta(
            paper=value("paper"), date=value("date"), edition=value("edition"),
            issue_number=value("issueNumber"),
            language=self.root.get(XML_LANG),
            title=self.text(title) if title is not None else None,
            note=self.text(note) if note is not None else None,
            note_language=note.get(XML_LANG) if note is not None else None,
        )

    def read_styles(self, el: etree._Element, base: TextStyle) -> None:
        for c in el.iterfind(q("composition")):  # first: a text style may name them
            self.composition(c)
        pending: dict[str, etree._Element] = {}
        for s in el.iterfind(q("style")):
            if s.get("name") in pending:  # else the first declaration would be silently ignored
                first = self.src.pos(pending[s.get("name")])
                self.error(s, f"duplicate style name {s.get('name')!r} (first declared at {first})")
            else:
                pending[s.get("name")] = s
        for s in el.iterfind(q("style")):
            if s.get("name") in self.styles:
                continue
            self._resolve_style(s.get("name"), pending, base, set())

    def composition(self, el: etree._Element) -> None:
        """A house composition style: a built-in or earlier declared one, changed."""
        name, based = el.get("name"), el.get("basedOn", "clreq")
        if name in self.compositions:
            self.error(el, f"composition style {name!r} is already defined")
            return
        if based not in self.compositions:
            known = ", ".join(sorted(self.compositions))
            self.error(el, f"basedOn={based!r} names no composition style (known: {known})")
            return
        style, problems = from_attributes(self.compositions[based], name, dict(el.attrib))
        for problem in problems:
            self.error(el, f"composition style {name!r}: {problem}")
        if not problems:
            self.compositions[name] = style
            self.house.append(style)

    def _resolve_style(self, name: str, pending: dict, base: TextStyle, seen: set) -> TextStyle:
        """The style ``name`` over its ``basedOn`` chain, resolved from the root down
        (iteratively: a chain's length costs no stack)."""
        chain = [name]
        while True:
            el = pending[chain[-1]]
            based = el.get("basedOn")
            if based is None or based in self.styles:
                break
            if based not in pending:
                self.error(el, f"basedOn={clip(based)!r} names no declared style")
                break
            if based in chain:
                self.error(el, f"style {clip(chain[-1])!r} is based on itself through {clip(based)!r}")
                break
            if len(chain) >= MAX_STYLE_DEPTH:
                self.error(pending[name], f"style {clip(name)!r}: its basedOn chain is longer than "
                           f"{MAX_STYLE_DEPTH} styles")
                break
            chain.append(based)
        for link in reversed(chain):
            if link in self.styles:
                continue
            el = pending[link]
            based = el.get("basedOn")
            parent = self.styles.get(based, base) if based is not None else base
            self.styles[link] = self._apply(el, parent)
        return self.styles[name]

    def geometry(self, el: etree._Element) -> Geometry:
        grid = el.find(q("grid"))
        body = self.size(grid, "bodySize")
        pitch = parse_length(grid.get("linePitch"), body, body)
        if pitch <= 0:
            self.error(grid, f"linePitch={clip(grid.get('linePitch'))!r} must be greater than zero")
            pitch = body
        elif not MIN_LEADING <= pitch <= MAX_LEADING:
            self.error(grid, f"linePitch={clip(grid.get('linePitch'))!r} is outside {MIN_LEADING:g}pt "
                       f"to {MAX_LEADING:g}pt")
            pitch = body
        zi, line = body, pitch
        trim, margins = el.find(q("trim")), el.find(q("margins"))

        def L(e: etree._Element, a: str) -> float:
            v = parse_length(e.get(a), zi, line)
            if v < 0 or (a in ("width", "height") and v == 0):
                self.error(e, f"{a}={e.get(a)!r} must be positive")
            elif a in ("width", "height") and v > MAX_PAGE:
                self.error(e, f"{a}={e.get(a)!r} is larger than a PDF page may be "
                           f"({MAX_PAGE:.0f}pt, {MAX_PAGE / MM:.0f}mm)")
            return v

        geo = Geometry(
            trim_width=L(trim, "width"), trim_height=L(trim, "height"),
            margin_top=L(margins, "top"), margin_bottom=L(margins, "bottom"),
            margin_left=L(margins, "left"), margin_right=L(margins, "right"),
            body_size=body, line_pitch=pitch, columns=int(grid.get("columns")),
            column_chars=float(grid.get("columnChars")), gutter_chars=float(grid.get("gutterChars")),
        )
        if geo.column_chars <= 0:
            self.error(grid, f"columnChars={grid.get('columnChars')!r} must be greater than zero")
        if geo.gutter_chars < 0:  # columns would overlap
            self.error(grid, f"gutterChars={grid.get('gutterChars')!r} must not be negative")
        if geo.columns > MAX_COLUMNS:
            self.error(grid, f"columns={geo.columns} is more than {MAX_COLUMNS}")
        for attr in ("columnChars", "gutterChars"):
            if float(grid.get(attr)) > MAX_CHARS_PER_ZI:
                self.error(grid, f"{attr}={clip(grid.get(attr))!r} is more than {MAX_CHARS_PER_ZI:g}")
        if geo.type_width <= 0 or geo.type_height <= 0:
            self.error(el, "margins leave no type area on the page")
        if pitch < body:
            self.error(grid, f"linePitch {pitch:.2f}pt is smaller than the body size {body}pt")
        need = geo.span_width(geo.columns)
        if need > geo.type_width + 0.5:
            self.error(grid, f"the grid is {need:.1f}pt wide but the type area only {geo.type_width:.1f}pt")
        return geo

    # ---- pages ---------------------------------------------------------------
    def page(self, el: etree._Element, number: int) -> Page:
        gid = el.get("geometry")
        if gid not in self.geometries:
            self.error(el, f"geometry={gid!r} names no declared <geometry>")
            self.geo = next(iter(self.geometries.values()))
        else:
            self.geo = self.geometries[gid]
        geo = self.geo
        label = el.get("label")
        section = el.get("section")
        header = None
        h = el.find(q("header"))
        if h is not None:
            y = geo.type_top + self.length(h, "y")
            header = PageHeader(
                section=section, label=label, date=None,
                rect=self.on_page(h, Rect(geo.type_left, y, geo.type_width,
                                          self.length(h, "height", positive=True))),
                pos=self.src.pos(h),
            )
        items = []
        for child in el:
            if not isinstance(child.tag, str) or child.tag == q("header"):
                continue
            local = etree.QName(child).localname
            items.append(getattr(self, "page_" + local)(child))
        page = Page(number=number, label=label, section=section, geometry=geo, header=header,
                    items=tuple(items), pos=self.src.pos(el))
        self.check_page(el, page)
        return page

    def check_page(self, el: etree._Element, page: Page) -> None:
        geo = page.geometry
        trim = Rect(0, 0, geo.trim_width, geo.trim_height)
        frames = [(i, getattr(i, "rect", None)) for i in page.items if not isinstance(i, Rule)]
        for item, rect in frames:
            if not trim.contains(rect):
                self.problems.append(Diagnostic(
                    item.pos, f"{_kind(item)} {item.id!r} lies off the page "
                    f"({rect.x:.1f},{rect.y:.1f} {rect.width:.1f}×{rect.height:.1f}pt; "
                    f"page {geo.trim_width:.1f}×{geo.trim_height:.1f}pt)"))
        reported = 0
        for i, j in _overlapping_pairs([r for _, r in frames]):
            (a, _), (b, _) = frames[i], frames[j]
            if self._overlay(a) or self._overlay(b):
                continue
            reported += 1
            if reported > MAX_OVERLAP_REPORTS:
                break
            self.problems.append(Diagnostic(
                b.pos, f"{_kind(b)} {b.id!r} overlaps {_kind(a)} {a.id!r} "
                f"(declared at {a.pos}); move one or mark it overlay=\"true\""))
        for rule in (i for i in page.items if isinstance(i, Rule)):
            for x, y in ((rule.x1, rule.y1), (rule.x2, rule.y2)):
                if not (-0.01 <= x <= geo.trim_width + 0.01 and -0.01 <= y <= geo.trim_height + 0.01):
                    self.problems.append(Diagnostic(rule.pos, f"rule {rule.id!r} runs off the page"))
                    break

    def _overlay(self, item: object) -> bool:
        return id(item) in self._overlays

    def _mark_overlay(self, el: etree._Element, item: object) -> object:
        if el.get("overlay") in ("true", "1"):
            self._overlays.add(id(item))
        return item

    def page_furniture(self, el: etree._Element) -> Furniture:
        ident = self.register_id(el)
        lines = self.lines(el)
        item = Furniture(
            id=ident, kind=el.get("kind"), lines=lines, style=self.style(el, replace(self.default_style(), indent=0.0)),
            rect=self.rect(el), pos=self.src.pos(el), align=el.get("align") or "left",
            inverse=el.get("inverse") in ("true", "1"),
        )
        return self._mark_overlay(el, item)

    def page_rule(self, el: etree._Element) -> Rule:
        geo = self.geo
        ident = self.register_id(el)
        weight = self.length(el, "weight", positive=True) if el.get("weight") else 0.5
        return Rule(
            id=ident,
            x1=geo.type_left + self.length(el, "x1"), y1=geo.type_top + self.length(el, "y1"),
            x2=geo.type_left + self.length(el, "x2"), y2=geo.type_top + self.length(el, "y2"),
            weight=weight, style=el.get("style") or "solid", pos=self.src.pos(el),
        )

    def runs(self, el: etree._Element) -> tuple[Run, ...]:
        """Inline content as runs; adjacent runs of the same font are kept apart only by markup."""
        runs: list[Run] = []
        if el.text:
            runs.append(Run(el.text))
        for child in el:
            if not isinstance(child.tag, str):
                if child.tail:
                    runs.append(Run(child.tail))
                continue
            local = etree.QName(child).localname
            text = "".join(child.itertext())
            if local == "dateline":
                runs.append(Run(text, kind="dateline"))
            elif local == "b":
                runs.append(Run(text, weight="bold", kind="em"))
            else:
                size = self.size(child) if child.get("size") else None
                runs.append(Run(text, role=child.get("role"), weight=child.get("weight"), size=size))
            if child.tail:
                runs.append(Run(child.tail))
        cleaned: list[Run] = []
        joined = "".join(r.text for r in runs)
        bad = _CONTROL.search(joined)
        if bad:
            self.error(el, f"control character U+{ord(bad.group()):04X} in text; remove it")
        for i, r in enumerate(runs):
            t = clean_text(_CONTROL.sub("", r.text))
            if i == 0:
                t = t.lstrip()
            if i == len(runs) - 1:
                t = t.rstrip()
            if t:
                cleaned.append(replace(r, text=t))
        return tuple(cleaned)

    def paragraph(self, el: etree._Element, base: TextStyle, kind: str = "body",
                  measure: float | None = None) -> Paragraph:
        style = self.style(el, base)
        runs = self.runs(el)
        if not any(_prints(r.text) for r in runs):
            self.error(el, f"empty <{etree.QName(el).localname}>: it prints nothing; remove it")
        if runs and runs[0].kind == "dateline":
            style = replace(style, indent=0.0)  # a run-in 电头 starts the paragraph flush
        if el.get("measure") is not None:
            measure = self.length(el, "measure", positive=True)
        return Paragraph(runs=runs, pos=self.src.pos(el), style=style, measure=measure, kind=kind)

    def head(self, el: etree._Element, base: TextStyle) -> HeadGroup:
        parts = []
        for kind in ("kicker", "headline", "subhead"):
            part = el.find(q(kind))
            if part is None:
                continue
            lines = tuple(HeadLine(self.text(ln), self.src.pos(ln)) for ln in part.iterfind(q("line")))
            for ln, line_el in zip(lines, part.iterfind(q("line")), strict=True):
                if not ln.text:
                    self.error(line_el, "empty headline <line>")
            parts.append(HeadPart(kind, lines, self.style(part, base), self.src.pos(part)))
        rect = self.on_page(el, self.rect(el)) if el.get("y") is not None else None
        return HeadGroup(
            parts=tuple(parts), pos=self.src.pos(el), rect=rect, align=el.get("align") or "center",
            lines=int(el.get("lines")) if el.get("lines") else None,
        )

    def flow(self, el: etree._Element | None, frame: Rect) -> tuple[Region, ...]:
        if el is None:
            return ()
        geo = self.geo
        regions = []
        for r in el.iterfind(q("region")):
            x = geo.type_left + self.length(r, "x")
            y = geo.type_top + self.length(r, "y")
            width = self.length(r, "width", positive=True)
            lines = int(r.get("lines"))
            if lines > MAX_REGION_LINES:
                self.error(r, f"lines={lines} is more than {MAX_REGION_LINES}")
                lines = 1
            measure = self.length(r, "measure", positive=True) if r.get("measure") else width
            rect = Rect(x, y, width, lines * geo.line_pitch)
            if not frame.contains(rect, eps=0.5):
                self.error(r, "region lies outside its frame")
            if measure < geo.body_size:
                self.error(r, f"measure {measure:.1f}pt is narrower than one character")
            elif measure > width + 0.01:  # its lines would be set outside the region
                self.error(r, f"measure {measure / geo.body_size:.2f}zi is wider than the region "
                              f"({width / geo.body_size:.2f}zi): its lines would overflow it by "
                              f"{measure - width:.1f}pt")
            regions.append(Region(rect=rect, lines=lines, measure=measure))
        return tuple(regions)

    def page_article(self, el: etree._Element) -> Article:
        ident = self.register_id(el)
        rect = self.rect(el)
        base = self.style(el, self.default_style())
        head_el = el.find(q("head"))
        head = self.head(head_el, replace(base, indent=0.0)) if head_el is not None else None
        byline_el = el.find(q("byline"))
        byline = (self.paragraph(byline_el, replace(base, indent=0.0), "byline")
                  if byline_el is not None else None)
        blocks: list[Paragraph] = []
        for child in el:
            if child.tag == q("p"):
                blocks.append(self.paragraph(child, base))
            elif child.tag == q("group"):
                gstyle = self.style(child, base)
                gmeasure = self.length(child, "measure", positive=True) if child.get("measure") else None
                blocks.extend(self.paragraph(p, gstyle, measure=gmeasure) for p in child.iterfind(q("p")))
        tag, measure, columns, flow = self.text_area(el, rect, blocks, base)
        figures = tuple(self.page_figure(f) for f in el.iterfind(q("figure")))
        boxes = tuple(self.page_box(b) for b in el.iterfind(q("box")))
        for child in figures + boxes:
            if not rect.contains(child.rect, eps=0.5):
                self.problems.append(Diagnostic(child.pos, f"{_kind(child)} {child.id!r} lies outside article {ident!r}"))
        self.check_room(el, ident, rect, blocks)
        comment = _leading_comment(el)
        article = Article(
            id=ident, rect=rect, pos=self.src.pos(el), head=head, byline=byline,
            blocks=tuple(blocks), columns=columns, measure=measure,
            flow=flow, figures=figures, boxes=boxes, tag=tag,
            balance=el.get("balance", "true") in ("true", "1"), evidence=comment,
            lead=el.get("lead") in ("true", "1"),
        )
        return self._mark_overlay(el, article)

    def check_room(self, el: etree._Element, ident: str, rect: Rect, paragraphs: Sequence[Paragraph]) -> None:
        """Text that cannot fit its frame even set at its narrowest is overset before any
        composing (which would cost time in proportion to the text, not to the frame)."""
        if not paragraphs:
            return
        size = min(p.style.size for p in paragraphs)
        leading = min(p.style.leading or p.style.size for p in paragraphs)
        room = (rect.width / (MIN_ADVANCE_EM * size) + 1) * (rect.height / leading + 1)
        chars = sum(len(p.text) for p in paragraphs)
        if chars > room:
            self.problems.append(Diagnostic(self.src.pos(el), f"article {ident} overset: its {chars:,} "
                                            f"characters cannot fit its frame (room for at most {room:,.0f})"))

    def check_indents(self, paragraphs: tuple[Paragraph, ...] | list[Paragraph], measure: float) -> None:
        """An indent that leaves no room for one character on the first line would set the
        paragraph's start outside its frame (and out of the printed page)."""
        for par in paragraphs:
            st = par.style
            width = min(par.measure or measure, measure)
            if st.indent and (st.indent + 1) * st.size > width + 0.01:
                self.problems.append(Diagnostic(
                    par.pos, f"indent of {st.indent:g} characters leaves no room on the first line "
                    f"(the measure is {width / st.size:.1f} characters)"))

    def check_measure(self, el: etree._Element, rect: Rect, columns: int, measure: float | None) -> float:
        """Check the measure against the columns; returns the column width."""
        geo = self.geo
        gutter = geo.gutter_chars * geo.body_size
        col_width = (rect.width - (columns - 1) * gutter) / columns
        if col_width < geo.body_size:
            self.error(el, f"{columns} columns in {rect.width:.1f}pt leave {col_width:.1f}pt per column, "
                       "narrower than one character")
        if measure is not None:
            if measure < geo.body_size:
                self.error(el, f"measure {measure:.1f}pt is narrower than one character")
            elif measure > col_width + 0.01 and el.find(q("flow")) is None:
                self.error(el, f"measure {measure / geo.body_size:.2f}zi is wider than the column "
                           f"({col_width / geo.body_size:.2f}zi with {columns} columns and "
                           f"{geo.gutter_chars}zi gutters)")
        return col_width

    def page_figure(self, el: etree._Element) -> Figure:
        ident = self.register_id(el)
        rect = self.rect(el)
        src = el.get("src")
        path = None
        if src is not None:
            resolved = Path(os.path.realpath(self.base_dir / src))  # a link loop stays a path
            if not resolved.is_relative_to(self.base_dir):
                self.error(el, f"src={clip(src)!r} points outside the source folder {self.base_dir}")
            elif (missing := _missing(resolved)) is not None:
                self.resource_problems.append(Diagnostic(self.src.pos(el), missing))
            elif (problem := image_problem(resolved)) is not None:
                self.resource_problems.append(Diagnostic(self.src.pos(el), f"image {src!r}: {problem}"))
            else:
                path = str(resolved)
        cap_el, credit_el = el.find(q("caption")), el.find(q("credit"))
        cap_style = TextStyle(size=7.5, leading=9.5, indent=0.0, align="justify")
        caption = credit = None
        caption_rect = None
        if cap_el is not None:
            caption = self.paragraph(cap_el, cap_style, "caption")
            self.check_indents([caption], rect.width)
            if cap_el.get("y") is not None:
                caption_rect = self.on_page(cap_el, self.rect(cap_el))
        if credit_el is not None:
            credit = self.paragraph(credit_el, replace(cap_style, align="right"), "credit")
        item = Figure(
            id=ident, rect=rect, src=path, caption=caption, credit=credit, pos=self.src.pos(el),
            fit=el.get("fit") or "contain", caption_rect=caption_rect, alt=el.get("alt"),
        )
        return self._mark_overlay(el, item)

    def default_style(self) -> TextStyle:
        """Body size and line pitch of the current geometry: what unstyled text inherits."""
        geo = self.geo
        return TextStyle(size=geo.body_size, leading=geo.line_pitch) if geo else TextStyle()

    def text_area(self, el: etree._Element, rect: Rect, paragraphs: Sequence[Paragraph],
                  base: TextStyle) -> tuple[Paragraph | None, float | None, int, tuple[Region, ...]]:
        """Closing tag, measure, columns and flow regions of an article or a box, checked."""
        tag_el = el.find(q("tag"))
        tag = self.paragraph(tag_el, replace(base, indent=0.0), "tag") if tag_el is not None else None
        measure = self.length(el, "measure", positive=True) if el.get("measure") else None
        columns = int(el.get("columns") or 1)
        if columns > MAX_COLUMNS:
            self.error(el, f"columns={columns} is more than {MAX_COLUMNS}")
            columns = 1
        col_width = self.check_measure(el, rect, columns, measure)
        flow = self.flow(el.find(q("flow")), rect)
        self.check_indents(paragraphs, min([r.measure for r in flow] or [measure or col_width]))
        return tag, measure, columns, flow

    def page_box(self, el: etree._Element) -> Box:
        ident = self.register_id(el)
        rect = self.rect(el)
        base = self.style(el, self.default_style())
        label_el = el.find(q("label"))
        title_el = el.find(q("title"))
        title = self.lines(title_el)
        items = tuple(self.paragraph(i, base, "item") for i in el.iterfind(q("item")))
        tag, measure, columns, flow = self.text_area(el, rect, items, base)
        box = Box(
            id=ident, title=title, title_style=self.style(title_el, replace(base, indent=0.0)),
            items=items, rect=rect, pos=self.src.pos(el),
            label=self.text(label_el) if label_el is not None else None,
            border=el.get("border") or "solid", tag=tag, columns=columns, measure=measure,
            flow=flow,
        )
        return self._mark_overlay(el, box)


def image_problem(path: Path) -> str | None:
    """Why an image cannot be printed (``layout.images``: typed by its bytes, header checked,
    decoded within a budget), found while reading so that every output refuses it alike
    and the message names the <figure>."""
    from layout import images

    try:
        images.check(path)
    except images.ImageProblem as exc:
        return str(exc)
    return None


def _prints(text: str) -> bool:
    """Whether ``text`` has a character that leaves a mark (not only spaces and invisible
    format characters such as U+200B)."""
    return any(not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Zs", "Zl", "Zp", "Cc")
               for ch in text)


def _overlapping_pairs(rects: Sequence[Rect]) -> list[tuple[int, int]]:
    """Index pairs (i < j) of overlapping rectangles, in order; near-linear for a page's
    frames: a sweep over x keeps only the frames whose x-range is still open, and those
    are searched by y (a page's frames sit side by side in a few columns)."""
    import bisect

    order = sorted(range(len(rects)), key=lambda k: (rects[k].x, k))
    active: list[tuple[float, int]] = []  # (y, index) of frames whose right edge is not passed
    pairs = []
    for k in order:
        r = rects[k]
        active = [(y, n) for y, n in active if rects[n].right > r.x]
        start = bisect.bisect_left(active, (r.y - _tallest(rects, active), -1))
        for _y, n in active[start:]:
            if rects[n].y >= r.bottom:
                break
            if r.overlaps(rects[n]):
                pairs.append((min(k, n), max(k, n)))
        bisect.insort(active, (r.y, k))
    return sorted(pairs)


def _tallest(rects: Sequence[Rect], active: list[tuple[float, int]]) -> float:
    return max((rects[n].height for _, n in active), default=0.0)


def _missing(path: Path) -> str | None:
    """Why there is no image file at ``path`` to read (``None`` if there is one)."""
    try:
        path.stat()
    except FileNotFoundError:
        return f"image not found: {path}"
    except OSError as exc:  # a name too long, a link loop, no permission
        return f"image {clip(str(path))}: cannot be read: {exc.strerror}"
    return None


def _kind(item: object) -> str:
    return type(item).__name__.lower()


def _leading_comment(el: etree._Element) -> str | None:
    """The XML comment right inside an element: where the source records its evidence."""
    for child in el:
        if isinstance(child, etree._Comment):
            return (child.text or "").strip()
        if isinstance(child.tag, str):
            break
    return None


def read_issue(path: str | Path) -> Issue:
    """Read, validate and check one issue file; raise InputError with every problem found."""
    src = SourceFile(path)
    tree = parse(src)
    return Builder(src, tree.getroot()).build()


__all__ = ["read_issue", "clean_text", "NS"]
