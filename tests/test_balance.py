"""Balance and finish: balanced columns without an empty one, widows and club lines,
the closing tag's pull-down within the stretch limit, frame rules only in gutters.

Real fonts and the real composer throughout; pages are built from XML written here."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from strategies import issue_xml

from layout.compose import frames
from layout.compose.page import balanced, keep_together
from layout.compose.paragraph import compose_paragraph
from layout.compose.prepare import TextRun
from layout.compose.style import CLREQ, NEWS
from layout.fonts import FontSet
from layout.pipeline import build

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "source" / "000_024ecb8943099354.xml"
NOTO = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
EM = 9.0

pytestmark = pytest.mark.skipif(not NOTO.is_file(), reason="needs fonts-noto-cjk")


def built(path: Path):
    with contextlib.redirect_stderr(io.StringIO()):  # placeholder warnings
        return build(path)


def layout_of(tmp_path: Path, *items: str):
    src = tmp_path / "issue.xml"
    src.write_text(issue_xml("\n    ".join(items)), encoding="utf-8")
    return built(src).layout.pages[0]


def column_counts(page, article: str) -> list[int]:
    group = next(g for g in page.groups if g.id == article)
    return [len(b.lines) for b in group.blocks if b.kind == "body"]


# ---- balanced columns --------------------------------------------------------------------

@pytest.mark.parametrize("lines, columns, expected", [
    (5, 4, [2, 1, 1, 1]),
    (9, 4, [3, 2, 2, 2]),
    (8, 4, [2, 2, 2, 2]),
    (3, 4, [1, 1, 1, 0]),  # fewer lines than columns: an empty column cannot be helped
    (100, 3, [20, 20, 20]),  # more than fits: every column full (the rest is overset)
])
def test_balanced_counts(lines: int, columns: int, expected: list[int]) -> None:
    assert balanced(lines, columns, 20) == expected


def test_five_lines_in_four_columns_leave_none_empty(tmp_path: Path) -> None:
    """63 hanzi and a 2 em indent at 13 zi: five lines, set 2, 1, 1, 1 (it was 2, 2, 1, 0)."""
    text = "魏都区委书记李朝锋主持召开十四届区委常委会第一百四十一次会议传达学习省市会议精神研究部署下一步工作安排全区"
    text = (text * 2)[:63]
    article = (f'<article id="a1" x="0zi" width="55zi" y="0line" height="20line" style="body" '
               f'columns="4" measure="13zi"><p>{text}</p></article>')
    assert column_counts(layout_of(tmp_path, article), "a1") == [2, 1, 1, 1]


def test_widow_and_club_lines_move_the_column_break() -> None:
    """clreq §5: a paragraph's last line alone at a column top (孤行) or its first line
    alone at a column foot moves on with the line before it, when the next column has room."""
    on = CLREQ
    off = NEWS
    # paragraph of lines 0-4 breaks after line 3 of column 0: its last line is a widow,
    # taken up into column 0 (which stays the longer)
    assert keep_together([4, 3], [(0, 5, on), (5, 7, on)], 10) == [5, 2]
    assert keep_together([4, 3], [(0, 5, off), (5, 7, off)], 10) == [4, 3]
    # a paragraph starting on the last line of column 0: a club line, sent on
    assert keep_together([4, 3], [(0, 3, on), (3, 7, on)], 10) == [3, 4]
    # no room in the column that would take the line: left as it is
    assert keep_together([4, 4], [(0, 5, on), (5, 8, on)], 4) == [4, 4]
    assert keep_together([4, 4], [(0, 3, on), (3, 8, on)], 4) == [4, 4]
    assert not NEWS.widow_control and not NEWS.club_control  # the sample shows neither rule


def test_clreq_article_keeps_its_widow_on(tmp_path: Path) -> None:
    """A page set in the clreq style: 12 lines in two columns would split 6, 6 and leave
    the first paragraph's last line alone at the top of column 2; it is taken up: 7, 5."""
    par = "魏都区委书记李朝锋主持召开会议传达学习精神研究部署工作"
    styles = ('<styles><style name="body" role="song" size="小五" leading="1line" indent="2" '
              'align="justify" composition="clreq"/><style name="head" role="hei" weight="bold" '
              'size="二号"/></styles>')
    src = tmp_path / "issue.xml"
    article = (f'<article id="a1" x="0zi" width="27zi" y="0line" height="20line" style="body" '
               f'columns="2" measure="13zi"><p>{par * 3}</p><p>{par * 2}</p></article>')
    src.write_text(issue_xml(article, styles=styles), encoding="utf-8")
    page = built(src).layout.pages[0]
    cols = [b for g in page.groups if g.id == "a1" for b in g.blocks if b.kind == "body"]
    assert [len(c.lines) for c in cols] == [7, 5]
    for before, col in zip(cols, cols[1:], strict=False):
        widow = col.lines[0].line.last and not before.lines[-1].line.last
        assert not widow, [c.lines[0].text for c in cols]


# ---- the closing tag's pull-down -----------------------------------------------------------

def widest_gap(line) -> float:
    g = line.glyphs
    return max((b.x - (a.x + a.width) for a, b in zip(g, g[1:], strict=False)), default=0.0)


def test_tag_pull_down_stays_within_the_stretch_limit() -> None:
    """Under a full last line the tag's company is pulled down only if the line left
    behind is letter-spaced by at most the style's ``stretch_limit``: here 《玖拾》。 would
    leave 贰叁肆伍陆柒《玖 spaced 0.5 em a gap; the tag takes its own line instead."""
    fonts = FontSet.load()
    text = "一二三四五六七八九十壹贰叁肆伍陆柒《玖拾》。"
    tag = [TextRun("（魏宣）", size=EM)]

    def lines(style):
        return compose_paragraph([TextRun(text, size=EM)], style, fonts, [11 * EM], indent=0, tail=tag)

    loose = lines(NEWS.with_(stretch_limit=1.0))  # the old behaviour, for contrast
    assert loose[-1].text.endswith("（魏宣）") and widest_gap(loose[-2]) > 0.45 * EM
    kept = lines(NEWS)
    assert [ln.text for ln in kept][-1] == "（魏宣）"
    assert all(widest_gap(ln) <= NEWS.stretch_limit * EM + 1e-6 for ln in kept[:-1])


def test_sample_tags_still_share_their_last_lines() -> None:
    """The sample's (魏宣) lines (seed 31-33, 56-57) are still pulled down: the limit keeps
    what the original shows."""
    page = built(SAMPLE).layout.pages[0]
    texts = [pl.text.replace(" ", "") for g in page.groups if g.id in ("a1", "a2")
             for b in g.blocks for pl in b.lines]
    assert "阶。（魏宣）" in texts


# ---- frame rules -------------------------------------------------------------------------

def automatic_rules(page):
    return [r for r in page.rules if "rule" in r.id and r.id != "header-rule" or "gutter" in r.id]


def type_boxes(page):
    return [b for g in page.groups for bl in g.blocks for pl in bl.lines
            if (b := frames.ink(pl)) is not None]


def assert_clear_of_type(page) -> None:
    boxes = type_boxes(page)
    for r in automatic_rules(page):
        for b in boxes:
            if abs(r.x1 - r.x2) < 0.01:
                crosses = b.x < r.x1 < b.right and min(r.y1, r.y2) < b.bottom and max(r.y1, r.y2) > b.y
            else:
                crosses = b.y < r.y1 < b.bottom and min(r.x1, r.x2) < b.right and max(r.x1, r.x2) > b.x
            assert not crosses, (r, b)


def test_sample_rules_never_touch_type() -> None:
    page = built(SAMPLE).layout.pages[0]
    assert len(automatic_rules(page)) > 20
    assert_clear_of_type(page)


def test_rules_only_between_frames(tmp_path: Path) -> None:
    """Two articles that touch (no gutter) and a grid narrower than the type area: no rule
    through the type where the frames touch, none in the empty space right of the frames,
    and the rule between the rows in the gutter between them."""
    text = "魏都区委书记李朝锋主持召开会议，传达学习会议精神，研究部署工作。" * 4
    a1 = (f'<article id="a1" x="0zi" width="13zi" y="0line" height="20line" style="body" '
          f'measure="13zi"><p>{text}</p></article>')
    a2 = (f'<article id="a2" x="13zi" width="13zi" y="0line" height="20line" style="body" '
          f'measure="13zi"><p>{text}</p></article>')
    a3 = (f'<article id="a3" x="0zi" width="26zi" y="21line" height="10line" style="body" '
          f'columns="2" measure="12zi"><p>{text}</p></article>')
    page = layout_of(tmp_path, a1, a2, a3)
    assert_clear_of_type(page)
    right = max(g.rect.right for g in page.groups)
    assert all(max(r.x1, r.x2) <= right + 0.01 for r in page.rules)
    bottom = max(g.rect.bottom for g in page.groups)
    assert all(max(r.y1, r.y2) <= bottom + 0.01 for r in page.rules)
    # a1 and a2 get their rule above a3, midway in the gutter between the rows, and none
    # where type touches (the horizontal rule, on the edge a1 and a2 share with a3's type)
    middle = (page.groups[0].rect.bottom + page.groups[2].rect.y) / 2
    below = [r for r in page.rules if abs(r.y1 - r.y2) < 0.01 and abs(r.y1 - middle) < 0.01]
    assert {r.id for r in below} == {"a1-rule-below", "a2-rule-below"}
