"""``make compare``: the sample page's lines reproduced, body text apart from ``<line>``
lines, per article, pinned as a ratchet.

A change that loses a reproduced line of any frame fails here.  A change that gains one
fails too, with the figures to write into ``PINNED``: the ratchet moves up only on
purpose, so that a later change cannot quietly give the gain back."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from layout.compare import compare, original_lines
from layout.pipeline import build

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "source" / "000_024ecb8943099354.xml"
SEED = ROOT / "source" / "000_024ecb8943099354.original.txt"
NOTO = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")

pytestmark = pytest.mark.skipif(not NOTO.is_file(), reason="needs fonts-noto-cjk")

#: frame id -> (body lines reproduced, all lines reproduced)
PINNED: dict[str, tuple[int, int]] = {
    "header": (0, 1),
    "news-label": (0, 1),
    "news-tag": (0, 1),
    "a1": (21, 23),
    "a2": (18, 20),
    "a3": (9, 11),
    "a8": (52, 55),
    "box1": (22, 24),
    "photo2": (5, 5),
    "a4": (26, 28),
    "a5": (29, 31),
    "slogan": (0, 2),
    "a7": (77, 79),
    "a6": (53, 55),
    "photo1": (1, 1),
}
#: the original's lines, and how many of them the source gives as <line> elements
ORIGINAL, GIVEN = 358, 24


@pytest.fixture(scope="module")
def report():
    import contextlib
    import io

    with contextlib.redirect_stderr(io.StringIO()):  # the placeholder warnings
        built = build(SAMPLE)
    return compare(built.layout, original_lines(SEED))


def test_no_frame_loses_a_line(report) -> None:
    now = report.per_group()
    assert set(now) == set(PINNED), "frames changed: update PINNED"
    lost = {k: (PINNED[k], v) for k, v in now.items() if v[0] < PINNED[k][0] or v[1] < PINNED[k][1]}
    assert not lost, "lines lost (pinned → now, body and all): " + ", ".join(
        f"{k} {was} → {is_}" for k, (was, is_) in lost.items())


def test_a_gain_moves_the_ratchet(report) -> None:
    now = report.per_group()
    gained = {k: v for k, v in now.items() if k in PINNED and v != PINNED[k]
              and v[0] >= PINNED[k][0] and v[1] >= PINNED[k][1]}
    assert not gained, (
        "lines gained: well done; write the new figures into PINNED in tests/test_compare.py "
        "(and the README's): " + ", ".join(f'"{k}": {v}' for k, v in gained.items()))


def test_the_counts_add_up(report) -> None:
    assert report.original_total == ORIGINAL
    assert report.given_lines == GIVEN
    assert report.original_body == ORIGINAL - GIVEN
    assert report.body_matched == sum(b for b, _ in PINNED.values())
    assert report.matched == sum(a for _, a in PINNED.values())
    for g in report.groups:  # <line> lines of a frame are never counted as body
        assert g.body_lines <= g.lines and g.body_matched <= g.matched


def test_cli_shows_body_lines_and_all_lines() -> None:
    proc = subprocess.run([sys.executable, "-m", "layout", "compare", str(SAMPLE), "--original",
                           str(SEED), "-q"], capture_output=True, text=True, cwd=ROOT, timeout=300,
                          check=True)
    body = sum(b for b, _ in PINNED.values())
    every = sum(a for _, a in PINNED.values())
    assert re.search(rf"body lines \(composed from paragraphs\): reproduced {body} of the "
                     rf"original's {ORIGINAL - GIVEN} \([\d.]+ %\)", proc.stdout), proc.stdout
    assert f"reproduced {every} of the original's {ORIGINAL} lines" in proc.stdout
    a1 = next(line for line in proc.stdout.splitlines() if line.startswith("a1 "))
    assert re.match(rf"a1\s+{PINNED['a1'][0]}/\d+\s+{PINNED['a1'][1]}/\d+\s", a1), a1
