"""Every kind of overflow is an error: ``file:line:col``, what overflows and by how much,
exit 2, no output; ``--allow-overset`` builds a proof with the overflow marked.

Each test writes a small issue, runs the real command line on it and reads its stderr
(and, for the proof, the PDF rendered by poppler)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from strategies import ARTICLE, BODY_TEXT, issue_xml

ROOT = Path(__file__).resolve().parents[1]
NOTO = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")

pytestmark = pytest.mark.skipif(not NOTO.is_file() or shutil.which("pdftoppm") is None,
                                reason="needs fonts-noto-cjk and poppler-utils")

#: 120 hanzi and marks: eight or more lines in any frame of these tests
LONG = "魏都区委书记李朝锋主持召开会议，传达学习会议精神，研究部署下一步工作。" * 4
#: the second column of the type area (the test issue's ARTICLE takes the first two)
RIGHT = 'x="28zi" width="13zi"'


def build(tmp_path: Path, *items: str, allow: bool = False) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    src = tmp_path / "issue.xml"
    src.write_text(issue_xml("\n    ".join(items)), encoding="utf-8")
    out = tmp_path / "issue.pdf"
    args = ["pdf", *(["--allow-overset"] if allow else []), str(src), "-o", str(out)]
    proc = subprocess.run([sys.executable, "-m", "layout", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    return proc, src, out


def line_of(src: Path, needle: str) -> int:
    """The 1-based line of the source that holds ``needle`` (where the error must point)."""
    for n, line in enumerate(src.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {src}")


def refused(proc: subprocess.CompletedProcess[str], src: Path, out: Path, needle: str,
            message: str) -> re.Match[str]:
    """Exit 2, no PDF, and an error at the line holding ``needle`` matching ``message``
    (a regex whose group "amount" is the overflow, checked to be a positive number)."""
    assert proc.returncode == 2, proc.stderr
    assert not out.exists()
    pattern = rf"{re.escape(str(src))}:{line_of(src, needle)}:\d+: error: {message}"
    found = [m for line in proc.stderr.splitlines() if (m := re.match(pattern, line))]
    assert found, f"no line matches {pattern!r} in:\n{proc.stderr}"
    assert float(found[0]["amount"]) > 0
    return found[0]


def test_caption_taller_than_its_figure(tmp_path: Path) -> None:
    proc, src, out = build(tmp_path, ARTICLE, f'<figure id="f1" {RIGHT} y="0line" height="4line">'
                                              f"<caption>{LONG}</caption></figure>")
    refused(proc, src, out, "<caption>",
            r"caption of figure 'f1' is taller than the figure: \d+ line\(s\) set 117.0pt wide need "
            r"[\d.]+pt, the figure is 45.0pt tall \((?P<amount>[\d.]+)pt over")


def test_furniture_taller_than_its_frame(tmp_path: Path) -> None:
    proc, src, out = build(tmp_path, ARTICLE, (
        f'<furniture id="lab" kind="label" {RIGHT} y="0line" height="2line" role="hei" size="小二">'
        "<line>览新闻</line><line>要闻</line><line>一周</line></furniture>"))
    refused(proc, src, out, '<furniture id="lab"',
            r"text of furniture 'lab' overflows its frame by (?P<amount>[\d.]+)pt: 3 line\(s\)")


def test_furniture_line_wider_than_its_frame(tmp_path: Path) -> None:
    proc, src, out = build(tmp_path, ARTICLE, (
        f'<furniture id="lab" kind="label" {RIGHT} y="0line" height="4line" role="hei" size="小二">'
        "<line>推进教育整顿打造政法铁军</line></furniture>"))
    refused(proc, src, out, "<line>推进教育整顿",
            r"label line '推进教育整顿打造政法铁军' is [\d.]+pt wide but its frame only 117.0pt: "
            r"it overflows furniture 'lab' by (?P<amount>[\d.]+)pt")


def test_figure_under_the_text_of_an_article_without_flow(tmp_path: Path) -> None:
    article = ARTICLE.replace(f"<p>{BODY_TEXT}</p>", f"<p>{LONG}</p>").replace(
        "</article>", '<figure id="f1" x="0zi" width="13zi" y="6line" height="6line"/></article>')
    proc, src, out = build(tmp_path, article)
    refused(proc, src, out, '<figure id="f1"',
            r"figure 'f1' lies under the text of article a1, which has no <flow>: "
            r"(?P<amount>\d+) line\(s\) print over it")


def test_two_figures_in_an_article_overlap(tmp_path: Path) -> None:
    article = ARTICLE.replace("</article>", (
        '<figure id="f1" x="14zi" width="13zi" y="10line" height="6line"/>'
        '\n<figure id="f2" x="20zi" width="7zi" y="14line" height="6line"/>'
        '<flow><region x="0zi" y="4line" width="13zi" lines="16"/></flow></article>'))
    proc, src, out = build(tmp_path, article)
    m = refused(proc, src, out, '<figure id="f2"',
                r"figure 'f2' overlaps figure 'f1' \(declared at [^)]+\) by "
                r"(?P<amount>[\d.]+)×(?P<height>[\d.]+)pt inside article a1")
    assert float(m["amount"]) == pytest.approx(7 * 9, abs=0.1)
    assert float(m["height"]) == pytest.approx(2 * 11.25, abs=0.1)


def test_region_measure_wider_than_its_region(tmp_path: Path) -> None:
    article = ARTICLE.replace("</article>", (
        '<flow>\n<region x="0zi" y="4line" width="13zi" lines="16" measure="20zi"/></flow></article>'))
    proc, src, out = build(tmp_path, article)
    m = refused(proc, src, out, "<region",
                r"measure 20.00zi is wider than the region \(13.00zi\): its lines would overflow "
                r"it by (?P<amount>[\d.]+)pt")
    assert float(m["amount"]) == pytest.approx(7 * 9)


def test_box_title_taller_than_the_box(tmp_path: Path) -> None:
    box = (f'<box id="b1" {RIGHT} y="0line" height="4line" border="solid">'
           '<title role="hei" size="小二"><line>十大专班</line>\n<line>如何发挥</line></title>'
           f"<item>{BODY_TEXT}</item></box>")
    proc, src, out = build(tmp_path, ARTICLE, box)
    refused(proc, src, out, "<line>如何发挥",
            r"title of box b1 overflows the box by (?P<amount>[\d.]+)pt")
    # the box's text is counted at the box's real measure, not at a fallback width
    assert re.search(r"error: box b1 overset by \d+ lines", proc.stderr), proc.stderr


def test_head_group_taller_than_its_article(tmp_path: Path) -> None:
    article = ARTICLE.replace('height="20line"', 'height="3line"').replace(
        "<line>标题新闻</line>", "<line>标题新闻</line><line>第二行</line>")
    proc, src, out = build(tmp_path, article)
    refused(proc, src, out, "<head>",
            r"head group of article a1 overflows the frame by (?P<amount>[\d.]+)pt")


def test_headline_wider_than_its_frame(tmp_path: Path) -> None:
    article = ARTICLE.replace("<line>标题新闻</line>", "<line>标题新闻标题新闻标题新闻标题新闻</line>")
    proc, src, out = build(tmp_path, article)
    m = refused(proc, src, out, "<line>标题新闻",
                r"headline line '标题新闻标题新闻标题新闻标题新闻' is (?P<wide>[\d.]+)pt wide but "
                r"its frame only 243.0pt: it overflows article a1 by (?P<amount>[\d.]+)pt")
    assert float(m["wide"]) == pytest.approx(16 * 22, abs=1)  # 16 hanzi of 二号


def test_body_overset_is_counted_at_the_real_measure(tmp_path: Path) -> None:
    """A head group that leaves no room: the body is overset by the lines it takes at the
    article's 13 zi measure (65 hanzi + 2 em indent: 6 lines; at the old fallback of 100 pt,
    11 a line, it was 7)."""
    article = ARTICLE.replace('height="20line"', 'height="4line"').replace(
        f"<p>{BODY_TEXT}</p>", "<p>" + "魏都区委书记李朝锋主持召开" * 5 + "</p>")
    proc, src, out = build(tmp_path, article)
    refused(proc, src, out, '<article id="a1"',
            r"article a1 overset by (?P<amount>6) lines: 6 lines set, room for 0")


def test_allow_overset_builds_a_proof_with_the_overflow_marked(tmp_path: Path) -> None:
    """The proof builds (exit 0), says what overflows as a warning, and marks the frame
    with the overset colour (a dashed red outline) where the error would have been."""
    figure = f'<figure id="f1" {RIGHT} y="0line" height="4line"><caption>{LONG}</caption></figure>'
    proc, src, out = build(tmp_path, ARTICLE, figure, allow=True)
    assert proc.returncode == 0, proc.stderr
    assert re.search(rf"{re.escape(str(src))}:\d+:\d+: warning: caption of figure 'f1' is taller",
                     proc.stderr), proc.stderr
    assert red_pixels(out, tmp_path / "page") > 20  # the overset mark

    (tmp_path / "clean").mkdir()
    clean, _, clean_out = build(tmp_path / "clean", ARTICLE, allow=True)
    assert clean.returncode == 0, clean.stderr
    assert red_pixels(clean_out, tmp_path / "clean" / "page") == 0


def red_pixels(pdf: Path, stem: Path) -> int:
    """Pixels of the overset colour on the page rendered by poppler at 36 dpi."""
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "36", "-png", "-singlefile", str(pdf), str(stem)], check=True)
    with Image.open(stem.with_suffix(".png")) as img:
        rgb = img.convert("RGB").tobytes()
    return sum(1 for k in range(0, len(rgb), 3) if rgb[k] > 180 and rgb[k + 1] < 80 and rgb[k + 2] < 80)


def test_unbreakable_unit_wider_than_its_column(tmp_path: Path) -> None:
    """—— is 2 em and never split: in a 1.5 zi column its ink runs into the gutter."""
    article = ARTICLE.replace('columns="2" measure="13zi"', 'columns="2" measure="1.5zi"').replace(
        f"<p>{BODY_TEXT}</p>", '<p indent="0">——魏都</p>')
    proc, src, out = build(tmp_path, article)
    refused(proc, src, out, '<article id="a1"',
            r"line 1 of article a1 \('——'\) overflows its 13.5pt column by (?P<amount>[\d.]+)pt")


def test_caption_placed_over_another_frame(tmp_path: Path) -> None:
    """The last net: a caption the source places itself (x, y, width, height) over the
    article beside its figure prints over that article's frame."""
    figure = (f'<figure id="f1" {RIGHT} y="0line" height="10line">'
              '<caption x="20zi" width="13zi" y="12line" height="3line">图为当日，辖区居民庆祝。</caption>'
              "</figure>")
    proc, src, out = build(tmp_path, ARTICLE, figure)
    refused(proc, src, out, '<figure id="f1"',
            r"line 1 \('图为当日，辖区居民庆祝。'\) of figure 'f1' prints over article 'a1' "
            r"\((?P<amount>[\d.]+)×[\d.]+pt\)")


def test_head_group_taller_than_its_own_frame(tmp_path: Path) -> None:
    """A head group placed by the source (x, y, width, height) is held to that frame."""
    article = ARTICLE.replace("<head>", '<head x="0zi" width="27zi" y="0line" height="2line">').replace(
        "<line>标题新闻</line>", "<line>标题新闻</line><line>第二行</line>")
    proc, src, out = build(tmp_path, article)
    refused(proc, src, out, "<head ",
            r"head group of article a1 overflows its frame by (?P<amount>[\d.]+)pt: it is [\d.]+pt "
            r"tall, its frame 22.5pt")


def test_head_group_taller_than_its_reserved_lines(tmp_path: Path) -> None:
    """``lines`` reserves body lines for the head group: a taller one would print into the text."""
    article = ARTICLE.replace("<head>", '<head lines="2">').replace(
        "<line>标题新闻</line>", "<line>标题新闻</line><line>第二行</line>")
    proc, src, out = build(tmp_path, article)
    refused(proc, src, out, "<head ",
            r"head group of article a1 overflows the 2 body line\(s\) reserved for it by "
            r"(?P<amount>[\d.]+)pt \(it needs \d+ lines\)")


def test_byline_below_the_frame(tmp_path: Path) -> None:
    article = ARTICLE.replace('height="20line"', 'height="5line"').replace(
        "</head>", "</head><byline>" + "本报记者 许廷合 实习生 徐睿晗 通讯员 张铮 刘勇 文/图 " * 3 + "</byline>")
    proc, src, out = build(tmp_path, article)
    refused(proc, src, out, "<byline>",
            r"byline of article a1 overflows the frame by (?P<amount>[\d.]+)pt")
