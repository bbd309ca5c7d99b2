"""The pipeline shared by every command: read → fonts and coverage → compose."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from layout.compose.boxes import IssueLayout
from layout.compose.page import compose_issue, compositions, run_font
from layout.context import BuildContext
from layout.errors import LayoutError, SourcePos
from layout.read import read_issue
from layout.read.model import Article, Box, Figure, Furniture, Issue, Paragraph, TextStyle


@dataclass(frozen=True)
class Built:
    issue: Issue
    fonts: object  # layout.fonts.FontSet
    layout: IssueLayout


def text_items(issue: Issue) -> Iterator[tuple[str, str, str, SourcePos]]:
    """Every printed character with the font role and weight it is set in, and where it
    comes from: what the coverage check needs."""

    styles = compositions(issue)

    def styled(text: str, style: TextStyle, pos: SourcePos):
        for ch in text:
            if not ch.isspace():
                yield ch, style.role, style.weight, pos

    def para(p: Paragraph | None):
        if p is None:
            return
        for run in p.runs:
            role, weight = run_font(run, p, styles[p.style.composition])
            for ch in run.text:
                if not ch.isspace():
                    yield ch, role, weight, p.pos

    bold_hei = TextStyle(role="hei", weight="bold")
    for page in issue.pages:
        if page.header:
            for text in (page.header.section, page.header.label, page.header.date):
                yield from styled(text or "", bold_hei, page.header.pos)
        for item in page.items:
            if isinstance(item, Article):
                for part in item.head.parts if item.head else ():
                    for line in part.lines:
                        yield from styled(line.text, part.style, line.pos)
                for p in item.paragraphs:
                    yield from para(p)
                for sub in item.figures + item.boxes:
                    yield from _sub_items(sub, para, styled, bold_hei)
            elif isinstance(item, Furniture):
                for line in item.lines:
                    yield from styled(line.text, item.style, line.pos)
            else:
                yield from _sub_items(item, para, styled, bold_hei)


def _sub_items(item, para, styled, bold_hei):
    if isinstance(item, Figure):
        yield from para(item.caption)
        yield from para(item.credit)
    elif isinstance(item, Box):
        if item.label:
            yield from styled(item.label, bold_hei, item.pos)
        for line in item.title:
            yield from styled(line.text, item.title_style, line.pos)
        for p in item.paragraphs:
            yield from para(p)


def build(source: str | Path, ctx: BuildContext | None = None) -> Built:
    """Read, check font coverage and compose one issue; warnings go to ``ctx.diagnostics``."""
    from layout.fonts import FontSet

    ctx = ctx or BuildContext()
    issue = read_issue(source)
    items = list(text_items(issue))
    fonts = FontSet.load(extra_chars="".join(sorted({ch for ch, *_ in items})),
                         diagnostics=ctx.diagnostics)
    keys = fonts.check_coverage(items)
    fonts.prepare(keys)
    layout = compose_issue(issue, fonts, allow_overset=ctx.allow_overset, diagnostics=ctx.diagnostics)
    return Built(issue, fonts, layout)


def input_files(issue: Issue) -> list[str]:
    """Every file a build of ``issue`` reads: the source, its images, the font manifest and
    every font it configures.  No output may be any of them."""
    files = [issue.source]
    for page in issue.pages:
        for item in page.items:
            for fig in (item,) if isinstance(item, Figure) else getattr(item, "figures", ()):
                if fig.src:
                    files.append(fig.src)
    return files + font_files()


def font_files() -> list[str]:
    """The font manifest and every font file it configures (known before any work)."""
    from layout.fonts.manifest import load_manifest

    try:
        manifest = load_manifest()
    except LayoutError:  # a broken manifest is reported by the build itself
        return []
    return [str(manifest.path), *(str(face.path) for role in manifest.roles.values()
                                  for face in role.faces.values())]
