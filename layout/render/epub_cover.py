"""The EPUB cover: a PNG drawn with Pillow from what is known of the issue and its lead (头条).

Drawn with the book's own fonts (the fonts module's TrueType files), character by
character along the role's fallback chain, so a character the headline face lacks is
still drawn.  The cover has two layers, white text on the red band and ink on the paper,
so it is drawn as two coverage masks and saved as an 8-bit palette PNG (a ramp of
``LEVELS`` shades per layer): a third of the bytes of RGB to deflate, ~3 ms instead of
~80 ms, and a smaller file.  The bytes are deterministic: fixed size, Pillow's basic
layout engine (the same with or without libraqm), no time chunk, a fixed zlib level.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from layout.compose.classes import NO_END, NO_START, classify
from layout.fonts import FontSet
from layout.read.model import Issue
from layout.render.epub_xhtml import issue_lead

WIDTH, HEIGHT = 900, 1200
MARGIN = 70
PAPER = (247, 244, 236)
INK = (20, 20, 20)
RED = (170, 28, 28)
WHITE = (255, 255, 255)
#: Shades of each layer's ramp (background to text colour): two ramps fill a 256-colour
#: palette; 128 steps of anti-aliasing are as smooth to the eye as 256.
LEVELS = 128
#: zlib level of the PNG: the cover is long runs of one shade, so level 1 deflates its
#: 1 MB of indices in ~3 ms to ~32 kB; level 6 takes ~10 ms for 25 kB, level 9 ~50 ms.
PNG_LEVEL = 1

RGB = tuple[int, int, int]

#: the 禁则 level of the cover's lines: the composer's tables (layout.compose.classes)
PROHIBITION = "gb"


@dataclass(frozen=True)
class Glyph:
    ch: str
    font: ImageFont.FreeTypeFont
    advance: float


class CoverFonts:
    """Pillow fonts per (role, weight, size), with per-character fallback from the FontSet."""

    def __init__(self, fs: FontSet) -> None:
        self.fs = fs
        self._fonts: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}

    def _font(self, path: str, size: int) -> ImageFont.FreeTypeFont:
        key = (path, size)
        if key not in self._fonts:
            self._fonts[key] = ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)
        return self._fonts[key]

    def glyphs(self, text: str, role: str, weight: str, size: int) -> list[Glyph]:
        out = []
        for ch in text:
            face = self.fs.resolve_or_none(role, weight, ch) or self.fs.face(role, weight)
            font = self._font(str(face.ttf_path), size)
            out.append(Glyph(ch, font, font.getlength(ch)))
        return out


def wrap(glyphs: Sequence[Glyph], width: float) -> list[list[Glyph]]:
    """Greedy lines no wider than ``width``, moving a character to keep 禁则 at the breaks."""
    lines: list[list[Glyph]] = []
    line: list[Glyph] = []
    used = 0.0
    for g in glyphs:
        if line and used + g.advance > width:
            carry: list[Glyph] = []
            if classify(g.ch) in NO_START[PROHIBITION] and len(line) > 1:
                carry = [line.pop()]
            while len(line) > 1 and classify(line[-1].ch) in NO_END[PROHIBITION]:
                carry.insert(0, line.pop())
            lines.append(line)
            line, used = carry, sum(c.advance for c in carry)
        line.append(g)
        used += g.advance
    if line:
        lines.append(line)
    return lines


def _draw_line(draw: ImageDraw.ImageDraw, line: Sequence[Glyph], y: int, fill: int) -> None:
    x = (WIDTH - sum(g.advance for g in line)) / 2
    for g in line:
        draw.text((round(x), y), g.ch, font=g.font, fill=fill)
        x += g.advance


def _draw_block(
    draw: ImageDraw.ImageDraw,
    fonts: CoverFonts,
    texts: Sequence[str],
    y: int,
    style: tuple[str, str, int],
    fill: int,
) -> int:
    """Draw each text centred (wrapped if too wide); returns the y below the block."""
    role, weight, size = style
    for text in texts:
        for line in phrases(fonts.glyphs(text, role, weight, size), WIDTH - 2 * MARGIN):
            _draw_line(draw, line, y, fill)
            y += round(size * 1.35)
    return y


def cover_texts(issue: Issue) -> tuple[str, list[str]]:
    """The title (what is known) and the lead's headline, as the editor's lines."""
    lead = issue_lead(issue)
    main = lead.head.part("headline") if lead is not None and lead.head else None
    if main is None:
        return issue.meta.display_title, []
    return issue.meta.display_title, [line.text for line in main.lines]


def cover_alt(issue: Issue) -> str:
    """The cover's text alternative: the same words the image shows."""
    title, headline = cover_texts(issue)
    return title + (f"；头条：{' '.join(headline)}" if headline else "")


def phrases(glyphs: Sequence[Glyph], width: float) -> list[list[Glyph]]:
    """Lines of a headline that break at its spaces when the phrases fit (增强紧迫感 /
    找准着力点 / 提高执行力), else character by character with 禁则."""
    words: list[list[Glyph]] = [[]]
    for g in glyphs:
        if g.ch == " ":
            words.append([])
        else:
            words[-1].append(g)
    words = [w for w in words if w]
    if len(words) < 2 or any(sum(g.advance for g in w) > width for w in words):
        return wrap(glyphs, width)
    lines: list[list[Glyph]] = []
    for w in words:
        if lines and sum(g.advance for g in lines[-1]) + sum(g.advance for g in w) + w[0].advance / 2 <= width:
            lines[-1] += [Glyph(" ", w[0].font, w[0].advance / 2), *w]
        else:
            lines.append(list(w))
    return lines


def ramp(bg: RGB, fg: RGB, levels: int = LEVELS) -> list[RGB]:
    """``levels`` colours from ``bg`` to ``fg``, as Pillow blends text of each coverage.

    Coverage c (0-255) is drawn in shade round(c * (levels-1) / 255): within about one
    unit a channel of the colour Pillow gives it on an RGB image (the sample's cover: 1).
    """
    def shade(i: int) -> RGB:
        b0, b1, b2 = (round(b + (f - b) * i / (levels - 1)) for b, f in zip(bg, fg, strict=True))
        return b0, b1, b2

    return [shade(i) for i in range(levels)]


def _shades(first: int, levels: int = LEVELS) -> list[int]:
    """Palette index per coverage 0..255, into the ramp that starts at ``first``."""
    return [first + round(c * (levels - 1) / 255) for c in range(256)]


def render_cover(issue: Issue, fs: FontSet) -> bytes:
    """PNG bytes of the cover: a red band with the title, then the lead's headline."""
    title, headline = cover_texts(issue)
    fonts = CoverFonts(fs)
    band = 150 + 70 * max(0, len(wrap(fonts.glyphs(title, "hei", "bold", 52), WIDTH - 2 * MARGIN)) - 1)
    top = Image.new("L", (WIDTH, band + 1), 0)  # the band: coverage of the white title
    _draw_block(ImageDraw.Draw(top), fonts, [title], 48, ("hei", "bold", 52), 255)
    page = Image.new("L", (WIDTH, HEIGHT), 0)  # below: coverage of the ink
    draw = ImageDraw.Draw(page)
    n = sum(len(phrases(fonts.glyphs(t, "hei", "bold", 64), WIDTH - 2 * MARGIN)) for t in headline)
    y = band + max(120, (HEIGHT - band - n * round(64 * 1.35)) // 2)  # centred below the band
    draw.rectangle((MARGIN, y - 60, WIDTH - MARGIN, y - 56), fill=255)
    y = _draw_block(draw, fonts, headline, y, ("hei", "bold", 64), 255)
    draw.rectangle((MARGIN, y + 40, WIDTH - MARGIN, y + 44), fill=255)
    img = page.point(_shades(LEVELS))
    img.paste(top.point(_shades(0)), (0, 0))
    img.putpalette(bytes(v for rgb in ramp(RED, WHITE) + ramp(PAPER, INK) for v in rgb))
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=PNG_LEVEL)  # no time chunk: the same bytes each build
    return buf.getvalue()
