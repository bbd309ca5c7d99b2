"""Real-world copy on a test page: Latin names, Greek, Cyrillic, URLs, e-mail, units, money,
dates, full-width digits and letters, long marks, nested quotes, set at 8, 11, 15 and 24 zi.

Every assertion reads the PDF the CLI writes: each glyph's character (the fonts' ToUnicode
maps), position and advance (content streams and /Widths, as a viewer places them), and
each printed line (one text object per line).  Nothing is taken from the composer.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import NamedTuple

import pikepdf
import pytest
from pdf_widths import cid_widths

ROOT = Path(__file__).resolve().parents[1]
NOTO = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
pytestmark = pytest.mark.skipif(not NOTO.is_file(), reason="needs fonts-noto-cjk")

#: The test page's copy: every kind the issue lists, in a newspaper's register.
PARAGRAPHS = (
    "本报讯（记者 张铮 通讯员 刘勇）2021年5月20日晚，捷克作曲家德沃夏克（Antonín Dvořák）的"
    "《自新大陆交响曲》在许昌奏响。土耳其总统埃尔多安（Recep Tayyip Erdoğan）、物理学家居里夫人"
    "（Marie Skłodowska-Curie）与罗马尼亚前领导人齐奥塞斯库（Nicolae Ceaușescu）的名字也出现在节目"
    "单的历史注释里——这是一场“跨越百年的‘对话’”。",
    "雅典（Αθήνα）与莫斯科（Москва）的乐团发来贺信。演出详情见https://www.example.org/news/2021/"
    "05/concert-report.html?id=42&lang=zh，咨询邮箱service@example.org，电话0374-1234567。",
    "据统计，今年一季度全区生产总值同比增长5.8%，人均文化消费¥3,000元，约合$460；限速100km/h的"
    "快速路全长12.5公里，当晚气温25℃。共有１２３４５６名观众参与ＡＢＣ投票……主持人说：「这就是"
    "『音乐的力量』。」列夫·托尔斯泰也写过类似的话。",
    "Photo: NASA/JPL-Caltech 摄。The concert was “a bridge between cultures,” said Dr. Smith "
    "(the conductor), adding: “Music needs no translation!” 指挥家说完，全场起立鼓掌。",
)
MEASURES = {8: 5, 11: 4, 15: 3, 24: 2}  # measure (zi) → columns of the test article

STYLES = """<styles>
    <style name="body" role="song" size="小五" leading="1line" indent="2" align="justify" composition="news"/>
  </styles>"""
GEOMETRY = """<geometry id="g">
    <trim width="210mm" height="297mm"/>
    <margins top="15mm" bottom="15mm" left="15mm" right="15mm"/>
    <grid bodySize="小五" linePitch="11.25pt" columns="4" columnChars="13" gutterChars="1"/>
  </geometry>"""


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


def page_xml(measure: int, columns: int) -> str:
    width = columns * measure + columns - 1
    paras = "".join(f"<p>{escape(p)}</p>" for p in PARAGRAPHS)
    return (f'<page geometry="g"><article id="m{measure}" x="0zi" width="{width}zi" y="0line" '
            f'height="60line" style="body" columns="{columns}" measure="{measure}zi">{paras}'
            "</article></page>")


def issue_xml() -> str:
    pages = "\n".join(page_xml(m, c) for m, c in MEASURES.items())
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<issue xmlns="urn:x-newsxml:1" xml:lang="zh-Hans" schemaVersion="1.0" id="copy">'
            '<meta><paper unknown="true"/><date unknown="true"/><edition unknown="true"/>'
            f'<issueNumber unknown="true"/></meta>{STYLES}{GEOMETRY}{pages}</issue>\n')


# ---- reading the PDF -------------------------------------------------------------------

class Drawn(NamedTuple):
    page: int
    line: int  # index of the text object (one per printed line) on its page
    x: float
    y: float
    ch: str
    advance: float  # pt, from the /Widths the PDF declares
    size: float


def _to_unicode(font: pikepdf.Object) -> dict[int, str]:
    """A font's code → text map from its /ToUnicode CMap (bfchar and bfrange; two-byte
    codes for the Identity-H CID fonts the PDF writes)."""
    data = bytes(font.ToUnicode.read_bytes()).decode("latin-1")
    out: dict[int, str] = {}

    def text(hexstr: str) -> str:
        return bytes.fromhex(hexstr).decode("utf-16-be")

    for block in re.findall(r"beginbfchar(.*?)endbfchar", data, re.S):
        for code, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(code, 16)] = text(uni)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            start = int(uni, 16)
            for k, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                out[code] = chr(start + k)
    return out


def drawn(path: Path) -> list[Drawn]:
    """Every glyph the PDF shows, in drawing order, with its character and advance (Type 0
    fonts, Identity-H: two-byte codes, widths from ``/W`` and ``/DW``)."""
    out: list[Drawn] = []
    with pikepdf.open(path) as doc:
        for number, page in enumerate(doc.pages):
            fonts = {}
            for name, f in page.Resources.Font.items():
                assert f.Subtype == "/Type0" and f.Encoding == "/Identity-H"
                fonts[name] = (*cid_widths(f), _to_unicode(f))
            x = y = line_x = line_y = size = 0.0
            font = None
            line = -1
            for operands, op in pikepdf.parse_content_stream(page):
                op = str(op)
                if op == "BT":
                    line += 1
                elif op == "Tm":
                    x = line_x = float(operands[4])
                    y = line_y = float(operands[5])
                elif op == "Td":
                    line_x, line_y = line_x + float(operands[0]), line_y + float(operands[1])
                    x, y = line_x, line_y
                elif op == "Tf":
                    font, size = str(operands[0]), float(operands[1])
                elif op in ("Tj", "TJ"):
                    for item in (operands[0] if op == "TJ" else [operands[0]]):
                        if not isinstance(item, pikepdf.String):
                            x -= float(item) / 1000 * size
                            continue
                        default, widths, chars = fonts[font]
                        raw = bytes(item)
                        for k in range(0, len(raw), 2):
                            code = int.from_bytes(raw[k:k + 2], "big")
                            advance = widths.get(code, default) / 1000 * size
                            out.append(Drawn(number, line, x, y, chars[code], advance, size))
                            x += advance
    return out


def lines_of(glyphs: list[Drawn]) -> list[list[Drawn]]:
    """The printed lines, in reading order (the PDF draws one text object per line)."""
    by_line: dict[tuple[int, int], list[Drawn]] = {}
    for g in glyphs:
        by_line.setdefault((g.page, g.line), []).append(g)
    return [sorted(gs, key=lambda g: g.x) for _, gs in sorted(by_line.items())]


@pytest.fixture(scope="module")
def pdf(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("copy")
    src = work / "copy.xml"
    src.write_text(issue_xml(), encoding="utf-8")
    out = work / "copy.pdf"
    proc = subprocess.run([sys.executable, "-m", "layout", "pdf", str(src), "-o", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def lines(pdf) -> list[list[Drawn]]:
    return lines_of(drawn(pdf))


# ---- what a typesetter checks -----------------------------------------------------------

#: characters that belong to a word, number, URL or address (never a gap between two)
def _wordish(ch: str) -> bool:
    if ch.isascii():
        return ch.isalnum() or ch in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    if "\uff10" <= ch <= "\uff5a":  # full-width digits and letters
        return True
    cat = unicodedata.category(ch)
    return (cat[0] == "L" and unicodedata.east_asian_width(ch) in ("N", "Na", "A", "H")) or ch in "¥%℃°"


NO_START = set("”’）〕］｝〉》」』】〗，、；：。．？！·～／,.:;!?)]}")
NO_END = set("“‘（〔［｛〈《「『【〖([{")


def source_chars() -> str:
    return "".join(ch for p in PARAGRAPHS for ch in p if not ch.isspace())


def test_every_source_character_is_printed_in_order_at_every_measure(lines):
    want = source_chars()
    for page in range(len(MEASURES)):
        got = "".join(g.ch for line in lines if line[0].page == page for g in line)
        assert got == want, (list(MEASURES)[page], got[:80])


def _after_space() -> set[int]:
    """Positions (in ``source_chars`` order) of the characters a typed space precedes."""
    text = "".join(PARAGRAPHS)
    out, k = set(), 0
    for n, ch in enumerate(text):
        if ch.isspace():
            continue
        if n and text[n - 1].isspace():
            out.add(k)
        k += 1
    return out


def _pairs(lines: list[list[Drawn]], page: int):
    """(a, b, k, same line) for each two glyphs in a row on ``page``: ``k`` is b's position."""
    k = 0
    prev = None
    for line in (ln for ln in lines if ln[0].page == page):
        for n, g in enumerate(line):
            if prev is not None:
                yield prev, g, k, n > 0
            prev = g
            k += 1


def test_no_gap_inside_a_word_number_url_or_address(lines):
    """Neighbours that the source writes with no space between them and that both belong to
    a word, a number, a URL or an address touch: the second starts where the first ends."""
    spaced = _after_space()
    checked = 0
    for page in range(len(MEASURES)):
        for a, b, k, same_line in _pairs(lines, page):
            if not same_line or k in spaced or not (_wordish(a.ch) and _wordish(b.ch)):
                continue
            gap = b.x - (a.x + a.advance)
            assert abs(gap) < 0.01, (list(MEASURES)[page], a.ch + b.ch, round(gap, 3))
            checked += 1
    assert checked > 4 * 200


def test_words_urls_and_addresses_break_only_where_allowed(lines):
    """A line ends between two characters of one word, number, URL or address only after a
    hyphen, or in the URL or the address after / . - ? & = or before @ (no hyphen added)."""
    text = source_chars()
    spans = [(text.index(w), text.index(w) + len(w)) for w in (
        "https://www.example.org/news/2021/05/concert-report.html?id=42&lang=zh",
        "service@example.org")]
    spaced = _after_space()
    breaks = 0
    for page in range(len(MEASURES)):
        for a, b, k, same_line in _pairs(lines, page):
            if same_line or k in spaced or not (_wordish(a.ch) and _wordish(b.ch)):
                continue
            breaks += 1
            if any(lo < k < hi for lo, hi in spans):
                assert a.ch in "/.-?&=" or b.ch == "@", (list(MEASURES)[page], a.ch, b.ch)
            else:
                assert a.ch == "-", (list(MEASURES)[page], a.ch, b.ch)
    assert breaks  # the narrow measures do break the URL


def test_no_line_starts_or_ends_with_a_prohibited_mark(lines):
    for line in lines:
        first, last = line[0].ch, line[-1].ch
        text = "".join(g.ch for g in line)
        assert first not in NO_START, text
        assert last not in NO_END, text


#: full-width marks whose blank half is on the right (ink left) or on the left (ink right):
#: a compressed mark keeps its full-width glyph and gives up that blank half (clreq §3.1,
#: §3.5), so its neighbour may stand over the blank, never over the ink
_BLANK_RIGHT = set("，、；：。．？！”’）〕］｝〉》」』】")
_BLANK_LEFT = set("“‘（〔［｛〈《「『【")


def test_no_glyph_overlaps_the_next(lines):
    for line in lines:
        for a, b in zip(line, line[1:], strict=False):
            blank = (a.advance / 2 if a.ch in _BLANK_RIGHT else 0.0) + (
                b.advance / 2 if b.ch in _BLANK_LEFT else 0.0)
            assert b.x >= a.x + a.advance - blank - 0.01, ("".join(g.ch for g in line), a.ch, b.ch)


def test_every_line_stays_inside_its_measure(lines):
    """No glyph reaches past the right edge of its column (15 mm margin, 1 zi gutters)."""
    left = 15 / 25.4 * 72
    for page, (measure, _columns) in enumerate(MEASURES.items()):
        for line in (ln for ln in lines if ln[0].page == page):
            zi = line[0].size
            column = round((line[0].x - left) / ((measure + 1) * zi))
            right = left + column * (measure + 1) * zi + measure * zi
            assert line[-1].x + line[-1].advance <= right + 0.01, "".join(g.ch for g in line)


def test_page_renders(pdf, tmp_path):
    """The page rasterises (poppler) at 150 dpi: the file is sound for a proof."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("needs poppler-utils")
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "p")], check=True)
    assert list(tmp_path.glob("p*.png"))


# ---- the segmenter and the spaces, on the composer's own terms ---------------------------

def test_latin_runs_become_words_with_break_points_only_where_allowed():
    from layout.compose.classes import Cls
    from layout.compose.segment import tokens

    def pieces(text):
        return [t if c is not Cls.BREAK else "|" for t, c in tokens(text)]

    assert pieces("Skłodowska-Curie") == ["Skłodowska-", "|", "Curie"]
    assert pieces("Dvořák") == ["Dvořák"]
    for whole in ("5.8%", "¥3,000", "100km/h", "NASA/JPL", "Αθήνα", "Москва", "Ceaușescu"):
        assert pieces(whole) == [whole]
    assert pieces("service@example.org") == ["service", "|", "@example.", "|", "org"]
    assert "".join(pieces("https://www.example.org/a/b?x=1&y=2")) == \
        "https://|www.|example.|org/|a/|b?|x=|1&|y=|2"
    assert pieces("１２３４ＡＢＣ") == ["１２３４ＡＢＣ"]
    # an ASCII mark alone between hanzi takes its full-width kin's class; inside a word it stays
    assert [c for _, c in tokens(",")] == [Cls.PAUSE]
    assert [c for _, c in tokens("(")] == [Cls.OPEN]
    assert list(tokens("hungry,")) == [("hungry,", Cls.WESTERN)]
    assert list(tokens("ab(")) == [("ab", Cls.WESTERN), ("(", Cls.OPEN)]


@pytest.fixture(scope="module")
def fonts():
    from layout.fonts import FontSet

    return FontSet.load(extra_chars="".join(PARAGRAPHS) + "德沃夏克与")  # the repertoire


def _set(fonts, text, style, measure=40):
    from layout.compose.paragraph import compose_paragraph
    from layout.compose.prepare import TextRun

    return compose_paragraph([TextRun(text, size=9.0)], style, fonts, [measure * 9.0], indent=0)


def _gap(line, left: str, right: str) -> float:
    """em between the glyph ending with ``left`` and the next, starting with ``right``."""
    gs = line.glyphs
    for a, b in zip(gs, gs[1:], strict=False):
        if a.text.endswith(left) and b.text.startswith(right):
            return (b.x - a.x - a.width) / 9.0
    raise AssertionError(f"{left}{right} not in {line.text}")


def test_three_spaces_three_fields(fonts):
    """Between Latin words the Latin word space, in a byline the byline space, next to hanzi
    the CJK-Latin gap: each from its own style field, none borrowed from another."""
    from layout.compose.style import CAPTION, NEWS

    [line] = _set(fonts, "记者 张铮 said Dr. Smith 摄", NEWS.with_(last_line="left"))
    assert abs(_gap(line, "者", "张") - NEWS.word_space) < 1e-6
    assert abs(_gap(line, "Dr.", "Smith") - NEWS.latin_space) < 1e-6
    assert abs(_gap(line, "Smith", "摄") - 0.25) < 1e-6  # a typed space: clreq's ¼ em
    # captions set digits against their hanzi, but a typed space next to Latin stays a space
    [line] = _set(fonts, "Photo: NASA/JPL-Caltech 摄", CAPTION)
    assert abs(_gap(line, "Photo:", "NASA") - CAPTION.latin_space) < 1e-6
    assert _gap(line, "Caltech", "摄") >= 0.25 - 1e-6


def test_a_word_of_two_faces_is_solid_and_whole(fonts):
    """Dvořák's ř and Αθήνα's ή may come from another face than their neighbours: the word is
    split into clusters of one face, set with no gap and no break between them."""
    from layout.compose.style import NEWS

    for measure in (6, 7, 8, 10):  # each word fits the measure (wider ones are force-broken)
        lines = _set(fonts, "德沃夏克Dvořák与Αθήνα与Ceaușescu", NEWS, measure)
        for line in lines:
            gs = line.glyphs
            for a, b in zip(gs, gs[1:], strict=False):
                if a.cls == b.cls == "western" and a.face != b.face:
                    assert abs(b.x - a.x - a.width) < 1e-6, line.text
        text = "".join(ln.text for ln in lines)
        assert text == "德沃夏克Dvořák与Αθήνα与Ceaușescu"
        for word in ("Dvořák", "Αθήνα", "Ceaușescu"):
            assert any(word in ln.text for ln in lines), (measure, [ln.text for ln in lines])


def test_the_sample_types_a_space_only_where_its_line_arithmetic_needs_one():
    """The rule written in the sample's source comment, applied to the seed's five comparable
    gaps: typed where the printed line had room for its next unit without it."""
    source = (ROOT / "source" / "000_024ecb8943099354.xml").read_text(encoding="utf-8")
    body = source.split("-->", 1)[1]  # past the comment that states the rule
    for typed in ("当日， 在讲解员", "本报讯 （记者 许廷合 通讯员 丁姜岚）"):
        assert typed in body
    for solid in ("小区（网格）", "县（市、区）中", "丁姜岚）</dateline>5月"):
        assert solid in body


def test_a_house_style_declares_its_latin_word_space(tmp_path):
    """``latinSpace``, ``latinSpaceMin`` and ``latinSpaceMax`` are attributes of a declared
    ``<composition>`` like every other field, and a minimum above the space is refused."""
    from layout.compose.style import NEWS
    from layout.errors import InputError
    from layout.read import read_issue
    from tests.strategies import STYLES as BASE_STYLES
    from tests.strategies import issue_xml

    def issue(decl: str):
        path = tmp_path / "house.xml"
        path.write_text(issue_xml(styles=BASE_STYLES.replace("<styles>", "<styles>" + decl)),
                        encoding="utf-8")
        return read_issue(path)

    (house,) = issue('<composition name="house" basedOn="news" latinSpace="0.3" '
                     'latinSpaceMin="0.2" latinSpaceMax="0.6"/>').compositions
    assert house == NEWS.with_(name="house", latin_space=0.3, latin_space_min=0.2,
                               latin_space_max=0.6)
    with pytest.raises(InputError) as err:
        issue('<composition name="h" latinSpace="0.2" latinSpaceMin="0.3"/>')
    assert "latinSpaceMin is larger than latinSpace" in str(err.value)
