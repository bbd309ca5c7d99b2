"""The CJK composition engine against the rules it implements, with the real Noto fonts.

Each test names its rule: CL = W3C clreq, GB1 = GB/T 15834-2011, GB2 = GB/T 15835
(see shared/reference/cjk-layout-rules.md).  EM = 9 pt throughout.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layout.compose.classes import NO_END, NO_START, Cls, classify, is_hanzi
from layout.compose.paragraph import compose_paragraph
from layout.compose.prepare import TextRun, prepare
from layout.compose.style import CLREQ, FEATURE, NEWS, STYLES
from layout.fonts import FontSet

EM = 9.0


@pytest.fixture(scope="module")
def fonts() -> FontSet:
    return FontSet.load()


def lines_of(fonts, text, style=CLREQ, measure=10, indent=0.0, **kw):
    return compose_paragraph([TextRun(text, size=EM)], style, fonts, [measure * EM], indent=indent, **kw)


def texts(lines):
    return [ln.text for ln in lines]


# ---- classes and break table (CL §1, §2.4) ---------------------------------------------

def test_quotes_are_tailored_open_and_close():
    """CL §2.4: “ ‘ are opening (OP) and ” ’ closing (CL) marks in zh-Hans, not QU."""
    assert classify("“") is Cls.OPEN and classify("‘") is Cls.OPEN
    assert classify("”") is Cls.CLOSE and classify("’") is Cls.CLOSE


def test_hanzi_are_exactly_the_han_class():
    """The tokenizer's test for a stretch of hanzi agrees with classify (BMP and SIP)."""
    for cp in range(0x30000):
        ch = chr(cp)
        assert is_hanzi.__wrapped__(ch) == (classify.__wrapped__(ch) is Cls.HAN), hex(cp)


def test_interpunct_wave_dash_and_solidus_never_start_a_line():
    """CL §2.4 tailoring, GB1 5.1.6/5.1.7/5.1.9: · ～ ／ may not start a line."""
    for ch in "·～／":
        assert classify(ch) in NO_START["gb"]


def test_point_marks_never_start_a_line_push_out(fonts):
    """GB1 5.1.1, CL §2.2 push-out: 。 cannot start line 2, so 十 moves down with it."""
    lines = lines_of(fonts, "一二三四五六七八九十。", NEWS, measure=10)
    assert texts(lines) == ["一二三四五六七八九", "十。"]
    assert abs(lines[0].width - 10 * EM) < 0.01  # the short line is justified


def test_push_in_first_squeezes_a_comma_onto_the_line(fonts):
    """CL §2.2 先挤进，后推出: squeeze the marks so that ， fits at the line end."""
    lines = lines_of(fonts, "一二，三四，五六", CLREQ, measure=5)
    assert texts(lines) == ["一二，三四，", "五六"]
    assert lines[0].width <= 5 * EM + 0.01


def test_push_out_only_never_squeezes(fonts):
    """The news regime (seed-analysis A1): a single mark is never squeezed mid-line."""
    lines = lines_of(fonts, "一二，三四，五六", NEWS, measure=5)
    assert texts(lines) == ["一二，三", "四，五六"]


def test_long_marks_are_never_split(fonts):
    """GB1 5.1.4-5.1.5: —— and …… are one 2 em unit; a line never ends inside them."""
    lines = lines_of(fonts, "一二三四——五六七八……九十", CLREQ, measure=5)
    glyphs = [g for ln in lines for g in ln.glyphs]
    long = [g for g in glyphs if g.cls == "long"]
    assert [g.text for g in long] == ["——", "……"]
    assert all(abs(g.width - 2 * EM) < 0.01 for g in long)
    assert {g.form for g in long} == {"rule", "spread"}


def test_digit_runs_and_latin_words_never_split(fonts):
    """GB2 1995: a multi-digit number may not be split; CL: nor a Latin word."""
    text = "一二三四五六七2021八九十Layout一二三"
    for measure in (6, 7, 8, 9):
        joined = [g.text for ln in lines_of(fonts, text, CLREQ, measure=measure) for g in ln.glyphs]
        assert "2021" in joined and "Layout" in joined


def test_opening_mark_never_ends_a_line(fonts):
    """CL §2.1: an opening bracket or quote never ends a line."""
    for measure in range(4, 9):
        for ln in lines_of(fonts, "一二三四五“六七八”九十一二三（四五）六七", CLREQ, measure=measure)[:-1]:
            assert classify(ln.text[-1]) not in NO_END["gb"]


# ---- punctuation widths (CL §3) ----------------------------------------------------------

def _glyph(lines, text):
    return next(g for ln in lines for g in ln.glyphs if g.text == text)


def test_adjacent_marks_total_one_and_a_half_em(fonts):
    """CL §3.2: two adjacent marks of 2 em become 1.5 em (。” and ”“)."""
    for pair in ("。”", "”“", "，“"):
        line = lines_of(fonts, f"一{pair}二", CLREQ, measure=20)[0]
        a, b = line.glyphs[1], line.glyphs[2]
        assert abs((a.width + b.width) - 1.5 * EM) < 0.01, pair


def test_style_may_kern_bracket_pairs_to_one_em(fonts):
    """CL §3.2 "a style may go down to 1 em"; the sample page sets ”“ at 1 em (seed 74)."""
    line = lines_of(fonts, "范”“魏", NEWS, measure=20)[0]
    assert abs(line.glyphs[1].width + line.glyphs[2].width - 1.0 * EM) < 0.01


def test_line_start_opening_mark_loses_its_blank_half(fonts):
    """CL §3.3: an opening mark at line start is set half width (blank left half trimmed)."""
    lines = lines_of(fonts, "一二三四五“六七八”", CLREQ, measure=5)
    first = lines[1].glyphs[0]
    assert first.text == "“"
    assert abs(first.width - 0.5 * EM) < 0.01 and abs(first.advance - EM) < 0.01
    # drawn from the face's half-width (halt) form, whose ink starts at the box: the full
    # glyph would sit ½ em left of it (dx), the halt form moves it back by its placement
    halt = fonts.face("song").halt("“")
    assert first.variant == "halt" and abs(first.dx + 0.5 * EM - (-halt[0] * EM)) < 0.01


def test_line_end_mark_is_half_width(fonts):
    """GB1 5.1.10, CL §3.3: a full-width mark at line end takes half width."""
    lines = lines_of(fonts, "一二三四五，六七八九", CLREQ, measure=5.5)
    assert lines[0].text == "一二三四五，"
    assert abs(lines[0].glyphs[-1].width - 0.5 * EM) < 0.01
    news = lines_of(fonts, "一二三四五，六七八九", NEWS, measure=5.5)
    assert news[0].text == "一二三四"  # the news regime keeps line-end marks full (A3)


def test_interpunct_is_half_an_em(fonts):
    """GB1 5.1.7: · is ½ em, centred."""
    g = _glyph(lines_of(fonts, "卡尔·马克思", CLREQ, measure=20), "·")
    assert abs(g.width - 0.5 * EM) < 0.01 and g.form == "center"


# ---- mixed text (CL §4) -------------------------------------------------------------------

def test_hanzi_latin_gap_quarter_em_not_next_to_punctuation(fonts):
    """CL §4: ¼ em between hanzi and Latin or digits; none next to CJK punctuation."""
    atoms = prepare([TextRun("汉字ABC汉字“DEF”", size=EM)], CLREQ, fonts)
    by = {a.text: a for a in atoms}
    assert abs(by["ABC"].glue - 0.25 * EM) < 1e-6  # after 字
    assert abs(atoms[3].glue - 0.25 * EM) < 1e-6  # 汉 after ABC
    assert by["DEF"].glue == 0 and atoms[-1].glue == 0  # next to “ and ”


def test_styles_are_values():
    """A style derives variants with with_() and survives pickling (worker processes)."""
    import pickle

    orphan = CLREQ.with_(orphan_control=True)
    assert orphan.orphan_control and not CLREQ.orphan_control and orphan.name == "clreq"
    assert all(pickle.loads(pickle.dumps(s)) == s for s in STYLES.values())


def test_shared_atoms_keep_each_style_and_context_apart(fonts):
    """prepare() hands out shared atoms: the same text in another style or after another
    neighbour gets its own glue and break permission, and asking again changes nothing."""
    runs = [TextRun("汉字 ABC汉字“DEF”，一二三", size=EM)]
    clreq = prepare(runs, CLREQ, fonts)
    news = prepare(runs, NEWS, fonts)
    assert prepare(runs, CLREQ, fonts) == clreq and prepare(runs, NEWS, fonts) == news
    assert clreq[3].glue != news[3].glue  # the hanzi-western gap: 1/4 em, 1/8 em
    assert not clreq[0].breakable and clreq[1].breakable  # the first hanzi: the paragraph start
    assert prepare([TextRun("字汉", size=EM)], CLREQ, fonts)[1].breakable


def test_atoms_shared_between_styles_are_the_atoms_each_style_makes_alone(fonts):
    """Caches are keyed by value: an atom made for one style and reused by another (hanzi are
    shared across styles) equals the atom that style makes with a font set of its own."""
    runs = [TextRun("汉字“中文”，2021年Hello world。《书》", size=EM)]
    styles = [*STYLES.values(), CLREQ.with_(punctuation="banjiao"), NEWS.with_(word_space_min=0.1),
              FEATURE.with_(prohibition="strict", halfwidth_digits=False)]
    shared = [prepare(runs, style, fonts) for style in styles]
    for style, atoms in zip(styles, shared, strict=True):
        assert prepare(runs, style, FontSet.load()) == atoms, style.name


def test_typed_space_next_to_hanzi_is_the_same_gap(fonts):
    """CL §4 recommendation: a typed space beside hanzi is normalised to the autospace."""
    a = lines_of(fonts, "汉字 ABC 汉字", CLREQ, measure=20)[0]
    b = lines_of(fonts, "汉字ABC汉字", CLREQ, measure=20)[0]
    assert [round(g.x, 3) for g in a.glyphs] == [round(g.x, 3) for g in b.glyphs]
    assert a.text == b.text == "汉字ABC汉字"


def test_no_gap_at_line_start(fonts):
    """CL §4: the hanzi–western gap is not added at a line edge."""
    lines = lines_of(fonts, "一二三四五2021年", CLREQ, measure=5)
    assert lines[1].glyphs[0].text == "2021" and lines[1].glyphs[0].x == 0


def test_half_width_digits(fonts):
    """GB2 1995 二分 digits, the sample page's style: each digit is exactly ½ em."""
    g = _glyph(lines_of(fonts, "第141次", NEWS, measure=20), "141")
    assert abs(g.width - 1.5 * EM) < 0.01


# ---- justification and paragraph rules (CL §5) ---------------------------------------------

def test_hanzi_are_never_compressed_and_lines_are_justified(fonts):
    """CL §5: reduce first, expand only between characters; hanzi keep 1 em boxes."""
    lines = lines_of(fonts, "一二三四五六七八九十" * 3 + "。", FEATURE, measure=12.5)
    for ln in lines[:-1]:
        assert abs(ln.width - 12.5 * EM) < 0.01
        assert all(abs(g.width - EM) < 1e-6 for g in ln.glyphs if g.cls == "han")


def test_first_line_indent_and_flush_left_last_line(fonts):
    """CL §5: 2 em first-line indent; last line flush left, not justified."""
    lines = lines_of(fonts, "一二三四五六七八九十一二三", CLREQ, measure=10, indent=2)
    assert abs(lines[0].glyphs[0].x - 2 * EM) < 1e-6
    assert lines[-1].last and lines[-1].glyphs[0].x == 0
    assert lines[-1].width < 10 * EM


def test_orphan_rule_pulls_a_character_down(fonts):
    """CL §5 (孤字): with the orphan rule on, no last line holds a single character."""
    text = "一二三四五六七八九十一"
    assert texts(lines_of(fonts, text, CLREQ, measure=10))[-1] == "一"
    ruled = lines_of(fonts, text, CLREQ.with_(orphan_control=True), measure=10)
    assert len(ruled[-1].text) >= 2


def test_closing_tag_shares_or_takes_the_last_line(fonts):
    """The sample page's tag rule (seed 31-33): under a full last line the last unit is
    pulled down to keep （魏宣） company; otherwise the tag gets its own line."""
    tag = [TextRun("（魏宣）", size=EM)]
    full = lines_of(fonts, "组织工作水平再上一个新的台阶。", NEWS, measure=15, tail=tag)
    assert texts(full) == ["组织工作水平再上一个新的台", "阶。 （魏宣）"]
    short = lines_of(fonts, "位居第一。", NEWS, measure=15, tail=tag)
    assert texts(short) == ["位居第一。", "（魏宣）"]
    box = lines_of(fonts, "位居第一。", STYLES["box"], measure=15, tail=tag)
    assert texts(box) == ["位居第一。 （魏宣）"]


def test_overlong_words_are_broken_between_letters(fonts):
    """A word wider than the measure is broken at the line end (clreq grid setting) so no line
    runs into the next column; at the paragraph's start the indented first line is its room."""
    reported = []
    lines = lines_of(fonts, "一" + "abcdefghij" * 3 + "二", CLREQ, measure=8, on_overlong=reported.extend)
    assert reported == ["abcdefghij" * 3] and not any(ln.overfull for ln in lines)
    word = "mkmcgqfBsg"  # 57.3 pt: fits 8 em (72 pt), not 8 em less a 2 em indent
    lines = lines_of(fonts, word + "的" * 20, CLREQ, measure=8, indent=2.0)
    assert not any(ln.overfull for ln in lines)
    assert "".join(texts(lines)) == word + "的" * 20


def test_mixed_fonts_in_one_paragraph(fonts):
    """Runs keep their own face: a bold hei lead-in and a kai quotation."""
    runs = [TextRun("本报讯", "hei", "bold", EM), TextRun("正文", size=EM), TextRun("引语", "kai", size=EM)]
    line = compose_paragraph(runs, CLREQ, fonts, [20 * EM], indent=0)[0]
    roles = [g.face.key[0] for g in line.glyphs]
    assert roles == ["hei", "hei", "hei", "song", "song", "kai", "kai"]


# ---- properties over random mixed text ------------------------------------------------------

HANZI = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"
PUNCT = "，。、；：？！"
PAIRS = ["“{}”", "（{}）", "《{}》"]


@st.composite
def mixed_text(draw):
    parts = []
    for _ in range(draw(st.integers(3, 25))):
        kind = draw(st.sampled_from(["han", "han", "han", "punct", "pair", "latin", "digits", "long"]))
        han = "".join(draw(st.lists(st.sampled_from(HANZI), min_size=1, max_size=6)))
        if kind == "han":
            parts.append(han)
        elif kind == "punct":
            parts.append(han + draw(st.sampled_from(PUNCT)))
        elif kind == "pair":
            parts.append(draw(st.sampled_from(PAIRS)).format(han))
        elif kind == "latin":
            parts.append(draw(st.text("abcdefghijklmnopqrstuvwxyzABC", min_size=1, max_size=6)))
        elif kind == "digits":
            parts.append(str(draw(st.integers(0, 9999))))
        else:
            parts.append(han + draw(st.sampled_from(["——", "……"])) + han)
    return "".join(parts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mixed_text(), measure=st.integers(8, 30), style=st.sampled_from(["clreq", "news", "feature"]),
       indent=st.sampled_from([0.0, 2.0]))
def test_properties_of_every_paragraph(fonts, text, measure, style, indent):
    """For random mixed text: no line starts with a forbidden class (CL §2.1), none ends with
    an opening mark, no line is wider than the measure, every non-final line is flush to the
    measure within 0.01 pt, and the lines' text joined equals the input."""
    comp = STYLES[style]
    lines = lines_of(fonts, text, comp, measure=measure, indent=indent)
    assert "".join(ln.text for ln in lines).replace(" ", "") == text.replace(" ", "")
    for k, ln in enumerate(lines):
        avail = measure * EM - (indent * EM if k == 0 else 0.0)
        assert not ln.overfull
        assert ln.width <= avail + 0.01
        if k > 0:
            assert Cls(ln.glyphs[0].cls) not in NO_START[comp.prohibition], ln.text
        if k < len(lines) - 1:
            assert Cls(ln.glyphs[-1].cls) not in NO_END[comp.prohibition], ln.text
            if len(ln.glyphs) > 1:
                assert abs(ln.width - avail) <= 0.01, (ln.text, ln.width, avail)


# ---- punctuation styles (CL §3.4) and house styles ---------------------------------------

def _box(fonts, text, style):
    return [(a.text, a.width / EM) for a in prepare([TextRun(text, size=EM)], style, fonts)]


def test_kaiming_sets_all_but_sentence_ends_half_width(fonts):
    """CL §3.4 开明式: 。？！ stay full width, ，、；：and brackets are half width."""
    atoms = dict(_box(fonts, "中，文。字（甲）乙？", CLREQ.with_(punctuation="kaiming")))
    assert atoms["，"] == pytest.approx(0.5) and atoms["（"] == pytest.approx(0.5)
    assert atoms["。"] == pytest.approx(1.0) and atoms["？"] == pytest.approx(1.0)


def test_banjiao_sets_every_mark_half_width(fonts):
    """CL §3.4 半角式: every mark, 。 included, is half width."""
    atoms = dict(_box(fonts, "中，文。字“甲”", CLREQ.with_(punctuation="banjiao")))
    assert all(atoms[m] == pytest.approx(0.5) for m in "，。“”")


def test_hangmobanjiao_trims_the_line_end_whatever_trim_line_end_says(fonts):
    """CL §3.4 行末半角式: full width mid-line, half width at a line end."""
    style = NEWS.with_(punctuation="hangmobanjiao")
    assert not style.trim_line_end and style.trims_line_end
    lines = lines_of(fonts, "一二三四五六七八九。十一二三", style, measure=10)
    assert lines[0].text.endswith("。")
    assert lines[0].glyphs[-1].width == pytest.approx(0.5 * EM)
    kept = lines_of(fonts, "一二三四五六七八九。十一二三", NEWS, measure=10)
    assert kept[0].glyphs[-1].width == pytest.approx(EM)  # quanjiao, untrimmed


def test_centered_marks_keep_their_whole_em(fonts):
    """全角居中 (zh-Hant): a mark centred in its em box has no blank half to trim or kern."""
    style = CLREQ.with_(punctuation="centered")
    atoms = prepare([TextRun("中，「文」。", size=EM)], style, fonts)
    assert all(a.lblank == a.rblank == a.squeeze == 0.0 for a in atoms)
    lines = lines_of(fonts, "一二三四五六七八九。", style, measure=10)
    assert [g.width for g in lines[0].glyphs] == pytest.approx([EM] * 10)


def test_style_fields_are_live(fonts):
    """The constants a typesetter varies are fields, and the engine reads them."""
    wide = NEWS.with_(word_space_min=0.6)  # a byline's space; Latin words have their own
    assert prepare([TextRun("记者 张铮", size=EM)], wide, fonts)[2].glue_min == pytest.approx(0.6 * EM)
    latin = NEWS.with_(latin_space_min=0.3)
    assert prepare([TextRun("Hello world", size=EM)], latin, fonts)[1].glue_min == pytest.approx(0.3 * EM)
    narrow = CLREQ.with_(full_width_min=1.5)  # no mark counts as full width: nothing to trim
    assert all(a.lblank == a.rblank == 0.0 for a in prepare([TextRun("（中），", size=EM)], narrow, fonts))
    text = "一二三四五六七八九十一二三"
    tagged = [TextRun("（魏宣）", size=EM)]
    near = compose_paragraph([TextRun(text, size=EM)], CLREQ, fonts, [20 * EM], indent=0, tail=tagged)
    far = compose_paragraph([TextRun(text, size=EM)], CLREQ.with_(tag_gap=5.0), fonts, [20 * EM],
                            indent=0, tail=tagged)
    # the tag is 3 em (its brackets trimmed at the line edges): 13 + 1 + 3 em fit in 20 em,
    # 13 + 5 + 3 do not, and the tag takes a line of its own
    assert len(near) == 1 and len(far) == 2


def test_a_style_validates(fonts):
    from layout.compose.style import validate

    assert validate(FEATURE) == [] and all(validate(s) == [] for s in STYLES.values())
    bad = CLREQ.with_(punctuation="full", squeeze=(("hanzi", 0.5), ("open", 0.75)), tag_gap=-1.0)
    problems = validate(bad)
    assert len(problems) == 4 and any("punctuation='full'" in p for p in problems)


def _issue(tmp_path, styles):
    from tests.strategies import STYLES as BASE_STYLES
    from tests.strategies import issue_xml

    path = tmp_path / "house.xml"
    path.write_text(issue_xml(styles=BASE_STYLES.replace("<styles>", "<styles>" + styles)), encoding="utf-8")
    return path


def test_a_house_style_is_declared_in_the_source(tmp_path, fonts):
    """A typesetter's rules without Python: <composition> in <styles>, based on a built-in one."""
    from layout.compose.page import compose_issue
    from layout.read import read_issue

    path = _issue(tmp_path, '<composition name="house" basedOn="news" punctuation="kaiming" '
                            'squeeze="pause:0.25 open:0.5" orphanControl="true"/>'
                            '<style name="house-body" basedOn="body" composition="house"/>')
    issue = read_issue(path)
    (house,) = issue.compositions
    assert house == NEWS.with_(name="house", punctuation="kaiming", orphan_control=True,
                               squeeze=(("pause", 0.25), ("open", 0.5)))
    assert compose_issue(issue, fonts).pages


@pytest.mark.parametrize("decl, message", [
    ('<composition name="h" basedOn="nope"/>', "basedOn='nope' names no composition style"),
    ('<composition name="h" squeeze="pause:0.75"/>', "squeeze pause:0.75 must be between"),
    ('<composition name="h" latinGap="0.1" latinGapMin="0.2"/>', "latinGapMin is larger than latinGap"),
    ('<composition name="news"/>', "'news' is already defined"),
])
def test_a_bad_house_style_is_an_input_error(tmp_path, decl, message):
    from layout.errors import InputError
    from layout.read import read_issue

    with pytest.raises(InputError) as err:
        read_issue(_issue(tmp_path, decl))
    assert message in str(err.value) and "house.xml:" in str(err.value)
