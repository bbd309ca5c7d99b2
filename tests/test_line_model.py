"""One model of a line: what the breaker decides with is what the placer sets, with real fonts.

The breaker prunes with prefix sums (``Estimates``) but decides with ``line.line``; the
placer distributes a line's difference to its measure over the lists that ``line``
returned.  These properties would fail if any of the three computed a width its own way.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layout.compose.justify import place_lines
from layout.compose.line import Items, line
from layout.compose.linebreak import Estimates, break_lines
from layout.compose.lines import HORIZONTAL
from layout.compose.prepare import TextRun, prepare
from layout.compose.style import STYLES
from layout.fonts import FontSet
from tests.test_compose import mixed_text

EM = 9.0


@pytest.fixture(scope="module")
def fonts() -> FontSet:
    return FontSet.load()


def extent(ln) -> float:
    """The width the placed glyphs cover: from the first box's start to the last box's end."""
    return ln.glyphs[-1].x + ln.glyphs[-1].width - ln.glyphs[0].x


def _items(fonts, text: str, style: str, size: float = EM) -> Items:
    return Items(prepare([TextRun(text, size=size)], STYLES[style], fonts), STYLES[style])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mixed_text(), measure=st.floats(6, 30), style=st.sampled_from(sorted(STYLES)),
       justify=st.booleans(), size=st.sampled_from([7.5, 9.0, 10.5]))
def test_breaker_width_is_the_placed_width(fonts, text, measure, style, justify, size):
    """For random paragraphs and measures: each line the breaker chose is ``line``'s line, and
    its glyphs, once placed, cover exactly the width the breaker decided with: its natural
    width when it fits and is not justified, the measure when it is shrunk or justified."""
    items = _items(fonts, text, style, size)
    target = measure * size
    fits = break_lines(items, [target], 0.0)
    assert fits[0].start == 0 and fits[-1].end == len(items)
    assert all(a.end == b.start for a, b in zip(fits, fits[1:], strict=False))
    settings_ = [(target, "left", justify, 0.0, k == len(fits) - 1) for k in range(len(fits))]
    placed = place_lines(items, fits, settings_)
    for fit, ln in zip(fits, placed, strict=True):
        again = line(items, fit.start, fit.end)
        assert (fit.natural, fit.shrink) == (again.natural, again.shrink)
        assert ln.natural == fit.natural and ln.direction == HORIZONTAL
        tol = 1e-9 * (1 + target)
        if fit.overfull:
            continue
        if fit.natural > target:  # shrunk to the measure: glue first, then the marks
            assert fit.tightest <= target + 1e-6
            assert extent(ln) == pytest.approx(target, abs=tol * 10)
        elif justify and fit.end - fit.start > 1:
            assert extent(ln) == pytest.approx(target, abs=tol * 10)
        else:
            assert extent(ln) == pytest.approx(fit.natural, abs=tol * 10)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mixed_text(), style=st.sampled_from(sorted(STYLES)), data=st.data())
def test_estimates_bound_the_line(fonts, text, style, data):
    """The breaker's prefix sums are within their stated slop of ``line`` for any span."""
    items = _items(fonts, text, style)
    est = Estimates(items)
    n = len(items)
    for _ in range(20):
        i = data.draw(st.integers(0, n - 1))
        j = data.draw(st.integers(i + 1, n))
        exact = line(items, i, j)
        natural, tightest = est.widths(items, i, j)
        assert abs(natural - exact.natural) <= est.slop
        assert abs(tightest - exact.tightest) <= est.slop


def test_a_compressed_mark_records_its_halt_form(fonts):
    """The layout says which glyphs are drawn compressed (clreq §3.3): no backend measures."""
    items = _items(fonts, "一二三四五“六七八”", "clreq")
    fits = break_lines(items, [5 * EM], 0.0)
    lines = place_lines(items, fits, [(5 * EM, "left", True, 0.0, False)] * len(fits))
    quote = lines[1].glyphs[0]
    assert quote.text == "“" and quote.variant == "halt" and quote.width < quote.advance - 0.01
    plain = [g for ln in lines for g in ln.glyphs if g.text != "“"]
    assert all(g.variant == "" and g.width == pytest.approx(g.advance) for g in plain if g.cls == "han")
    face = fonts.face("song")
    assert quote.face.path == str(face.ttf_path) and quote.face.name == face.name
    assert quote.face.ascent == face.ascender
    from fontTools.ttLib import TTFont

    ttf = TTFont(quote.face.path, lazy=True)  # the glyph ids are the embedded file's
    assert quote.gids == (ttf.getGlyphID(ttf.getBestCmap()[ord("“")]),)
    assert all(len(g.gids) == len(g.text) for ln in lines for g in ln.glyphs)


def test_half_width_digits_record_their_form(fonts):
    """二分 digits (GB/T 15835) are drawn in the face's hwid form: the record says so, and its
    glyph ids are that form's, not the full-width digits' (the face's file maps them so)."""
    def first(style):
        items = _items(fonts, "2021年", style)
        return place_lines(items, break_lines(items, [20 * EM], 0.0), [(20 * EM, "left", False, 0.0, True)])[0]

    half, full = first("news").glyphs, first("clreq").glyphs
    assert (half[0].variant, half[1].variant, full[0].variant) == ("hwid", "", "")
    assert half[0].gids != full[0].gids and half[0].width == pytest.approx(2 * EM)
    assert half[1].gids == full[1].gids  # a hanzi is the same glyph in both faces
