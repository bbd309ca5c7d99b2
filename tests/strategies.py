"""Issue XML for the hostile-input catalogue and the fuzzer.

``issue_xml`` wraps page items in a small valid issue that the catalogue breaks one way
at a time; ``issues()`` is a hypothesis strategy for random *valid* issues (every
element and attribute the schema allows, frames that tile the type area, text mixing
hanzi, CJK punctuation, Latin words and digits, and real-world copy: accented, Greek and
Cyrillic words, URLs, e-mail addresses, units, money, full-width digits and letters,
English phrases with ASCII punctuation, nested quotes and long marks).  Text stays inside the fonts' cached
GB2312 repertoire so that no example triggers a font conversion (seconds each).
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from hypothesis import strategies as st

from layout.fonts.repertoire import in_base
from layout.read.units import ZIHAO

NS = "urn:x-newsxml:1"
ROOT_OPEN = f'<issue xmlns="{NS}" xml:lang="zh-Hans" schemaVersion="1.0" id="hostile">'
META = ('<meta><paper unknown="true"/><date unknown="true"/><edition unknown="true"/>'
        '<issueNumber unknown="true"/></meta>')
STYLES = """<styles>
    <style name="body" role="song" size="小五" leading="1line" indent="2" align="justify" composition="news"/>
    <style name="head" role="hei" weight="bold" size="二号"/>
  </styles>"""
#: A4, 15 mm margins: a type area of 56.7 × 70.8 zi/lines of 小五 (9 pt on 11.25 pt).
GEOMETRY = """<geometry id="g">
    <trim width="210mm" height="297mm"/>
    <margins top="15mm" bottom="15mm" left="15mm" right="15mm"/>
    <grid bodySize="小五" linePitch="11.25pt" columns="4" columnChars="13" gutterChars="1"/>
  </geometry>"""
BODY_TEXT = "5月14日，魏都区委书记李朝锋主持召开会议，传达学习会议精神。Hello world 2021。"
#: One article in two columns of 13 zi: the thing most cases break.
ARTICLE = f"""<article id="a1" x="0zi" width="27zi" y="0line" height="20line" style="body" columns="2" measure="13zi">
      <head><headline style="head"><line>标题新闻</line></headline></head>
      <p>{BODY_TEXT}</p>
    </article>"""


def issue_xml(*pages: str, styles: str = STYLES, geometry: str = GEOMETRY, prolog: str = "",
              root_open: str = ROOT_OPEN, root_close: str = "</issue>") -> str:
    """A whole issue: one ``<page geometry="g">`` per argument holding that XML (ARTICLE if none)."""
    body = "\n".join(f'  <page geometry="g">\n    {items}\n  </page>' for items in (pages or (ARTICLE,)))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}{root_open}\n  {META}\n  {styles}\n'
            f"  {geometry}\n{body}\n{root_close}\n")


# ---- random valid issues ----------------------------------------------------------------

def _gb2312_level1() -> str:
    """The 3755 common hanzi (GB2312 rows 16-55), all in every face's cached repertoire."""
    out = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(out)


HANZI = _gb2312_level1()
#: Letters of the cached repertoire (no font conversion): Latin with Latin-1 accents, Greek,
#: Cyrillic; and full-width digits and letters
SCRIPTS = tuple("".join(ch for ch in letters if in_base(ord(ch))) for letters in (
    string.ascii_letters,
    string.ascii_letters + "àáâäçèéêëìíîïñòóôöùúûüýÀÁÂÄÇÉÖÜß",
    "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩαβγδεζηθικλμνξοπρστυφχψω",
    "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя",
))
FULLWIDTH = "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭａｂｃｄｅｆｇ"
PUNCT = "，。、；：？！“”‘’（）《》〈〉「」『』【】—…·"
SIZES = ("六号", "小五", "五号", "9pt", "10pt", "新五号")
HEAD_SIZES = ("小初", "一号", "二号", "小二", "三号", "小三", "四号", "小四", "五号")
ROLES = ("song", "hei", "kai", "fangsong")
ALIGNS = ("justify", "left", "right", "center", "distribute")
COMPOSITIONS = ("news", "feature", "clreq")


@dataclass
class Generated:
    """A random issue and every text it prints (by kind), to look for in the outputs.

    The structure comes from hypothesis draws; the text from ``rng``, seeded by one draw:
    thousands of characters drawn one by one would overrun hypothesis's buffer and make
    each example take seconds."""

    rng: random.Random = field(default_factory=random.Random)
    max_latin: int = 9
    xml: str = ""
    texts: list[tuple[str, str]] = field(default_factory=list)
    frames: int = 0

    def printed(self, kind: str, text: str) -> str:
        self.texts.append((kind, text))
        return escape(text)

    def text(self, min_chars: int = 1, max_chars: int = 60) -> str:
        """Newspaper-like text: runs of hanzi, punctuation, Latin words and numbers."""
        rng = self.rng
        target = rng.randint(min_chars, max(min_chars, max_chars))
        parts: list[str] = []
        size = 0
        while size < target:
            kind = rng.choice(("hanzi", "hanzi", "hanzi", "punct", "latin", "digits", "copy"))
            if kind == "hanzi":
                piece = "".join(rng.choices(HANZI, k=rng.randint(1, 12)))
            elif kind == "punct":
                piece = rng.choice(PUNCT)
            elif kind == "latin":
                word = rng.choices(string.ascii_letters, k=rng.randint(1, self.max_latin))
                piece = " " + "".join(word) + " "
            elif kind == "copy":
                piece = self.copy()
            else:
                piece = str(rng.randint(0, 10 ** rng.randint(1, 6)))
            parts.append(piece)
            size += len(piece)
        return "".join(parts).strip()[:max(min_chars, max_chars)].strip() or rng.choice(HANZI)


    def word(self, letters: str = "") -> str:
        """A word of one script (Latin with accents, Greek or Cyrillic), or mixed."""
        rng = self.rng
        alphabet = letters or rng.choice(SCRIPTS)
        return "".join(rng.choices(alphabet, k=rng.randint(1, self.max_latin)))

    def copy(self) -> str:
        """Real-world copy: names, URLs, addresses, units, money, full-width forms, quotes."""
        rng = self.rng
        kind = rng.randrange(9)
        if kind == 0:  # a name, maybe hyphenated, maybe in brackets
            name = self.word() + (("-" + self.word()) if rng.random() < 0.3 else "")
            return rng.choice(("{}", "（{}）", " {} ", "({})")).format(name)
        if kind == 1:  # a URL
            path = "/".join(self.word(string.ascii_lowercase + string.digits)
                            for _ in range(rng.randint(0, 4)))
            query = rng.choice(("", "?id=" + str(rng.randint(0, 999)), "?a=1&b=x-y"))
            return f"https://www.{self.word(string.ascii_lowercase)}.org/{path}{query}"
        if kind == 2:  # an e-mail address
            return f"{self.word(string.ascii_lowercase)}.{self.word(string.ascii_lowercase)}@example.com"
        if kind == 3:  # full-width digits or letters
            return "".join(rng.choices(FULLWIDTH, k=rng.randint(1, 12)))
        if kind == 4:  # a number with its unit or sign
            n = rng.choice(("5.8", "3,000", "100", "12.5", str(rng.randint(0, 99999))))
            return rng.choice(("{}%", "¥{}", "${}", "{}km/h", "{}℃", "{}kg", "{}年5月20日")).format(n)
        if kind == 5:  # an English phrase with its ASCII punctuation
            words = [self.word(string.ascii_letters) for _ in range(rng.randint(2, 6))]
            return " " + rng.choice(("{}, {}", "({}) {}", "{}: {}!", "{}; {}?", "“{}” {}.")).format(
                " ".join(words[:1]), " ".join(words[1:])) + " "
        if kind == 6:  # nested quotes and titles
            inner = "".join(rng.choices(HANZI, k=rng.randint(1, 5)))
            return rng.choice(("“{}‘{}’”", "「{}『{}』」", "《{}》{}", "{}·{}")).format(inner, inner)
        if kind == 7:  # long marks
            return rng.choice(("……", "——"))
        return f"{self.word()}/{self.word()}-{self.word()}"  # NASA/JPL-Caltech


def _attr(name: str, value: object | None) -> str:
    return "" if value is None else f" {name}={quoteattr(str(value))}"


@st.composite
def style_attrs(draw: st.DrawFn, styles: list[str], sizes: tuple[str, ...] = SIZES) -> str:
    """Optional textStyleAttrs: a named style and overrides."""
    out = ""
    if draw(st.booleans()):
        out += _attr("style", draw(st.sampled_from(styles)))
    if draw(st.integers(0, 3)) == 0:
        out += _attr("role", draw(st.sampled_from(ROLES)))
    if draw(st.integers(0, 3)) == 0:
        out += _attr("weight", draw(st.sampled_from(("regular", "bold"))))
    if draw(st.integers(0, 3)) == 0:
        out += _attr("size", draw(st.sampled_from(sizes)))
    if draw(st.integers(0, 4)) == 0:
        out += _attr("align", draw(st.sampled_from(ALIGNS)))
    if draw(st.integers(0, 4)) == 0:
        out += _attr("indent", draw(st.sampled_from(("0", "1", "2", "1.5"))))
    if draw(st.integers(0, 5)) == 0:
        out += _attr("composition", draw(st.sampled_from(COMPOSITIONS)))
    return out


@st.composite
def inline(draw: st.DrawFn, g: Generated, kind: str, chars: int, dateline: bool = True) -> str:
    """Mixed content of a paragraph: text, ``<b>``, ``<span>``, a leading ``<dateline>``."""
    out = ""
    if dateline and draw(st.integers(0, 5)) == 0:
        out += f"<dateline>{g.printed(kind, g.text(4, 16))}</dateline>"
    left = chars
    while left > 0:
        piece = g.text(1, max(1, min(left, 200)))
        left -= len(piece)
        wrap = draw(st.integers(0, 7))
        if wrap == 0:
            out += f"<b>{g.printed(kind, piece)}</b>"
        elif wrap == 1:
            attrs = (_attr("role", draw(st.sampled_from(ROLES)))
                     + _attr("weight", draw(st.sampled_from(("regular", "bold"))))
                     + (_attr("size", draw(st.sampled_from(SIZES))) if draw(st.booleans()) else ""))
            out += f"<span{attrs}>{g.printed(kind, piece)}</span>"
        else:
            out += g.printed(kind, piece)
    return out


def _lines(draw: st.DrawFn, g: Generated, kind: str, n: int, max_chars: int) -> str:
    return "".join(f"<line>{g.printed(kind, g.text(1, max_chars))}</line>" for _ in range(n))


@st.composite
def article(draw: st.DrawFn, g: Generated, ident: str, frame: str, w: int, h: int,
            gutter: float, styles: list[str], body: float) -> str:
    """An article filling a frame of ``w`` zi × ``h`` lines with text for about its capacity."""
    cols = draw(st.integers(1, max(1, min(3, int((w + gutter) // (6 + gutter))))))
    col_w = (w - (cols - 1) * gutter) / cols
    attrs = frame + _attr("columns", cols if cols > 1 or draw(st.booleans()) else None)
    if draw(st.booleans()):
        low = int(min(col_w, 4) * 10)
        attrs += _attr("measure", f"{draw(st.integers(low, max(low, int(col_w * 10)))) / 10:.1f}zi")
    attrs += _attr("balance", draw(st.sampled_from((None, "true", "false"))))
    attrs += draw(style_attrs(styles))
    parts = []
    if draw(st.integers(0, 3)) > 0:
        head = f"<head{_attr('align', draw(st.sampled_from((None, *ALIGNS))))}>"
        for part in ("kicker", "headline", "subhead"):
            if part == "headline" or draw(st.integers(0, 3)) == 0:
                size = draw(st.sampled_from(HEAD_SIZES))
                fit = int(w * body / ZIHAO[size])  # characters across the frame
                chars = fit + 3 if draw(st.integers(0, 40)) == 0 else fit - 2  # rarely too wide
                head += (f"<{part}{_attr('style', 'head') if part == 'headline' else ''}"
                         f"{_attr('size', size)}>"
                         f"{_lines(draw, g, 'head', draw(st.integers(1, 2)), max(1, min(14, chars)))}"
                         f"</{part}>")
        parts.append(head + "</head>")
    if draw(st.integers(0, 4)) == 0:
        parts.append(f"<byline>{g.printed('byline', g.text(2, 10))}</byline>")
    capacity = max(1, int(col_w * h * cols * draw(st.floats(0.05, 0.75))))
    n = draw(st.integers(1, 4))
    for k in range(n):
        chars = max(1, capacity // n)
        para = f"<p{draw(style_attrs(styles))}>{draw(inline(g, 'body', chars, dateline=k == 0))}</p>"
        if draw(st.integers(0, 6)) == 0:
            para = f'<group measure="{max(1.0, col_w - 1):.1f}zi">{para}</group>'
        parts.append(para)
    if draw(st.integers(0, 3)) == 0:
        parts.append(f"<tag>{g.printed('tag', '（' + g.text(2, 6) + '）')}</tag>")
    return f'<article id="{ident}"{attrs}>' + "".join(parts) + "</article>"


@st.composite
def box(draw: st.DrawFn, g: Generated, ident: str, frame: str, w: int, h: int,
        styles: list[str]) -> str:
    attrs = frame + _attr("border", draw(st.sampled_from((None, "solid", "tint", "none"))))
    attrs += draw(style_attrs(styles))
    inner = ""
    if draw(st.booleans()):
        inner += f"<label>{g.printed('label', g.text(2, 8))}</label>"
    inner += f"<title>{_lines(draw, g, 'title', 1, max(1, min(10, w - 4)))}</title>"
    capacity = max(1, int((w - 2) * (h - 4) * draw(st.floats(0.05, 1.0))))
    n = draw(st.integers(1, 3))
    for _ in range(n):
        inner += f"<item>{draw(inline(g, 'item', max(1, capacity // n), dateline=False))}</item>"
    if draw(st.integers(0, 3)) == 0:
        inner += f"<tag>{g.printed('tag', '（' + g.text(2, 6) + '）')}</tag>"
    return f'<box id="{ident}"{attrs}>{inner}</box>'


@st.composite
def figure(draw: st.DrawFn, g: Generated, ident: str, frame: str, w: int,
           avoid_known_bugs: bool) -> str:
    """A figure without an image (a placeholder is drawn) and its caption and credit."""
    inner = ""
    if draw(st.integers(0, 3)) > 0:
        inner += f"<caption>{draw(inline(g, 'caption', draw(st.integers(1, 3 * w)), dateline=False))}</caption>"
    if draw(st.booleans()) and (inner or not avoid_known_bugs):
        inner += f"<credit>{g.printed('credit', g.text(2, 8))}</credit>"
    alt = _attr("alt", draw(st.sampled_from((None, "照片"))))
    return f'<figure id="{ident}"{frame}{alt}>{inner}</figure>'


@st.composite
def furniture(draw: st.DrawFn, g: Generated, ident: str, frame: str, w: int, h: int) -> str:
    kind = draw(st.sampled_from(("section", "slogan", "label", "english", "note")))
    size = draw(st.sampled_from(("小五", "五号", "小四", "四号")))
    n = draw(st.integers(1, max(1, min(3, h // 2))))
    attrs = (frame + _attr("kind", kind) + _attr("size", size)
             + _attr("role", draw(st.sampled_from(ROLES)))
             + _attr("align", draw(st.sampled_from(("left", "center", "right"))))
             + _attr("inverse", draw(st.sampled_from((None, "true", "false")))))
    return f'<furniture id="{ident}"{attrs}>{_lines(draw, g, "furniture", n, max(1, min(8, w // 2)))}</furniture>'


def _split(draw: st.DrawFn, total: int, parts: int, least: int) -> list[int]:
    """``total`` cut into at most ``parts`` pieces of at least ``least``."""
    parts = max(1, min(parts, total // least))
    cuts = sorted(draw(st.lists(st.integers(least, total - least), min_size=parts - 1,
                                max_size=parts - 1, unique=True))) if parts > 1 else []
    edges = [0, *cuts, total]
    sizes = [b - a for a, b in zip(edges, edges[1:], strict=False)]
    if any(s < least for s in sizes):
        return [total]
    return sizes


@st.composite
def issues(draw: st.DrawFn, avoid_known_bugs: bool = False) -> Generated:
    """A random valid issue: geometry, styles, one or two pages of tiled frames.

    ``avoid_known_bugs`` keeps to what is known to work (the bugs are reported, not yet
    fixed): the first frame of the first page is an article and a page header has a
    section name, so the PDF always has text to take its initial font from; and no Latin
    word is longer than a column is wide (the composer sets it on one overfull line); and
    no figure has a credit without a caption (the composer drops such a credit).
    """
    g = Generated(rng=random.Random(draw(st.integers(0, 2**32 - 1))))
    if not avoid_known_bugs:  # now and then a word longer than a column is wide
        g.max_latin = draw(st.sampled_from((9, 9, 9, 40)))
    body_name, body = draw(st.sampled_from((("小五", 9.0), ("五号", 10.5), ("9pt", 9.0), ("六号", 7.5))))
    pitch = round(body * draw(st.floats(1.1, 1.8)), 2)
    trim_w, trim_h = draw(st.integers(120, 420)), draw(st.integers(160, 600))
    margins = [draw(st.integers(5, 25)) for _ in range(4)]
    mm = 72 / 25.4
    tw_zi = int((trim_w - margins[2] - margins[3]) * mm / body)
    th_lines = int((trim_h - margins[0] - margins[1]) * mm / pitch)
    gutter = draw(st.sampled_from((0.0, 0.5, 1.0, 2.0)))
    columns = draw(st.integers(1, 8))
    col_chars = int((tw_zi - (columns - 1) * gutter) / columns)
    while col_chars < 1 and columns > 1:
        columns -= 1
        col_chars = int((tw_zi - (columns - 1) * gutter) / columns)
    styles = ["body"]  # for text; "head" (二号) is for headlines only
    decl = [
        f'<style name="body" role="song" size="{body_name}" leading="1line" indent="2" '
        'align="justify" composition="news"/>',
        '<style name="head" role="hei" weight="bold" size="二号"/>',
    ]
    for k in range(draw(st.integers(0, 3))):
        name = f"s{k}"
        attrs = draw(style_attrs(styles)).replace(" style=", " basedOn=")
        attrs += _attr("leading", draw(st.sampled_from((None, "1line", f"{pitch}pt"))))
        decl.append(f'<style name="{name}"{attrs}/>')
        styles.append(name)
    geometry = (
        f'<geometry id="g"><trim width="{trim_w}mm" height="{trim_h}mm"/>'
        f'<margins top="{margins[0]}mm" bottom="{margins[1]}mm" left="{margins[2]}mm" right="{margins[3]}mm"/>'
        f'<grid bodySize="{body_name}" linePitch="{pitch}pt" columns="{columns}" '
        f'columnChars="{col_chars}" gutterChars="{gutter:g}"/></geometry>'
    )
    pages = []
    for page_no in range(draw(st.integers(1, 2))):
        items = []
        top = 0
        header = ""
        section = draw(st.sampled_from((None, "要闻", "综合新闻")))
        label = draw(st.sampled_from((None, str(page_no + 1), "A3")))
        if avoid_known_bugs and page_no == 0:
            section = section or "要闻"
        if th_lines >= 12 and draw(st.booleans()):
            header = '<header y="0line" height="2line"/>'
            top = 3
            for t in (section, label):
                if t:
                    g.printed("header", t)
        strips = _split(draw, tw_zi, draw(st.integers(1, 3)), 4)
        x = 0
        for w in strips:
            y = top
            for h in _split(draw, th_lines - top, draw(st.integers(1, 2)), 4):
                ident = f"f{page_no}{len(items)}"
                frame = f' x="{x}zi" width="{w}zi" y="{y}line" height="{h}line"'
                kind = draw(st.sampled_from(("article",) * 5 + ("box", "figure", "furniture")))
                first = not items and page_no == 0
                if kind == "article" or (avoid_known_bugs and first) or (kind == "box" and (w < 6 or h < 6)):
                    items.append(draw(article(g, ident, frame, w, h, gutter, styles, body)))
                elif kind == "box":
                    items.append(draw(box(g, ident, frame, w, h, styles)))
                elif kind == "figure":
                    items.append(draw(figure(g, ident, frame, w, avoid_known_bugs)))
                elif kind == "furniture":
                    items.append(draw(furniture(g, ident, frame, w, h)))
                y += h
            x += w
        g.frames += len(items)
        attrs = _attr("label", label) + _attr("section", section)
        pages.append(f'<page geometry="g"{attrs}>{header}' + "".join(items) + "</page>")
    g.xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n{ROOT_OPEN}{META}<styles>{"".join(decl)}</styles>'
             f'{geometry}{"".join(pages)}</issue>\n')
    return g
