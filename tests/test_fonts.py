"""The fonts module against the real Debian fonts (fonts-noto-cjk, fonts-lxgw-wenkai).

Most tests use a small base repertoire and a per-session cache so a cold run stays
fast; ``test_default_repertoire_and_cache`` exercises the real GB2312 conversion in the
default cache directory (slow once, then cached).
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from layout.errors import InputError, ResourceError
from layout.fonts import CONVERTER_VERSION, STATS, FaceKey, FontSet, check_coverage
from layout.fonts.cache import file_sha256
from layout.fonts.manifest import default_manifest_path, load_manifest
from layout.fonts.repertoire import CodeRanges, base_repertoire, gb2312, in_base

SMALL = "中文国人报年月日，。、；：？！“”‘’（）《》—…·0123456789ABCabc "
MANIFEST = default_manifest_path({})
NOTO_SERIF = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
LXGW_LIGHT = Path("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Light.ttf")

pytestmark = pytest.mark.skipif(not NOTO_SERIF.is_file(), reason="fonts-noto-cjk not installed")


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("font-cache")


@pytest.fixture(autouse=True)
def _session_cache(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test builds into the session's cache unless it says otherwise."""
    monkeypatch.setenv("LAYOUT_FONT_CACHE", str(cache_dir))
    for var in [v for v in os.environ if v.startswith("LAYOUT_FONT_") and v != "LAYOUT_FONT_CACHE"]:
        monkeypatch.delenv(var)


@pytest.fixture(scope="session")
def fs(cache_dir: Path) -> FontSet:
    return FontSet.load(extra_chars="", base_chars=SMALL, cache_dir=cache_dir)


def _copy_manifest(tmp_path: Path) -> Path:
    path = tmp_path / "manifest.toml"
    shutil.copy(MANIFEST, path)
    return path


# -- manifest -------------------------------------------------------------------


def test_manifest_matches_installed_files() -> None:
    man = load_manifest(MANIFEST, {})
    assert set(man.roles) == {"song", "hei", "kai", "fangsong"}
    assert not man.roles["fangsong"].faces  # documented: no free 仿宋 in Debian
    assert man.chain("fangsong")[:2] == ("fangsong", "kai")
    assert set("“”‘’（）《》") <= man.roles["kai"].borrow
    for role in ("song", "hei", "kai"):
        for weight in ("regular", "bold"):
            spec = man.roles[role].faces[weight]
            assert spec.package and spec.licence == "OFL-1.1"
            assert file_sha256(spec.path) == spec.sha256, spec.path
    assert man.roles["song"].faces["regular"].index == 2


def test_env_and_local_overrides(tmp_path: Path) -> None:
    path = _copy_manifest(tmp_path)
    (tmp_path / "local.toml").write_text(
        '[roles.fangsong.regular]\nfile = "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Light.ttf"\n'
        "[roles.kai]\nborrow = []\n",
        encoding="utf-8",
    )
    env = {"LAYOUT_FONT_SONG_BOLD": f"{NOTO_SERIF}#2"}
    man = load_manifest(path, env)
    assert man.roles["fangsong"].faces["regular"].path == LXGW_LIGHT
    assert man.roles["kai"].borrow == frozenset()
    bold = man.roles["song"].faces["bold"]
    assert (bold.path, bold.index, bold.origin) == (NOTO_SERIF, 2, "LAYOUT_FONT_SONG_BOLD")
    # the manifest is found through LAYOUT_FONT_MANIFEST too
    assert default_manifest_path({"LAYOUT_FONT_MANIFEST": str(path)}) == path


# -- conversion and cache ---------------------------------------------------------


def test_conversion_is_deterministic(tmp_path: Path, fs: FontSet) -> None:
    other = FontSet.load(base_chars=SMALL, cache_dir=tmp_path)
    for key in [("song", "regular", False), ("song", "regular", True), ("kai", "regular", False)]:
        a, b = fs.face(*key).ttf_path, other.face(*key).ttf_path
        assert a != b and a.read_bytes() == b.read_bytes(), key
    font = TTFont(str(fs.face("song").ttf_path))
    assert "glyf" in font and "CFF " not in font and font["post"].formatType == 2
    assert font["name"].getDebugName(6) == fs.face("song").name
    assert set(SMALL) <= {chr(c) for c in font.getBestCmap()}


def test_second_fontset_reuses_the_cache(fs: FontSet, cache_dir: Path) -> None:
    path = fs.face("song", "regular", halfwidth_digits=True).ttf_path
    mtime, before = path.stat().st_mtime_ns, dict(STATS)
    again = FontSet.load(base_chars=SMALL, cache_dir=cache_dir)
    face = again.face("song", "regular", halfwidth_digits=True)
    assert face.ttf_path == path and face.advance("中") == 1.0
    assert path.stat().st_mtime_ns == mtime and dict(STATS) == before


def test_extra_characters_change_the_key(fs: FontSet, cache_dir: Path) -> None:
    more = FontSet.load(extra_chars="镕", base_chars=SMALL, cache_dir=cache_dir)
    face = more.face("song")
    assert face.has("镕") and not fs.face("song").has("镕")
    assert face.ttf_path != fs.face("song").ttf_path and face.name != fs.face("song").name
    assert face.advance("镕") == 1.0
    # a character no song face has does not change the song file
    same = FontSet.load(extra_chars="😀", base_chars=SMALL, cache_dir=cache_dir)
    assert same.face("song").ttf_path == fs.face("song").ttf_path


def test_prepare_converts_in_parallel(tmp_path: Path) -> None:
    fresh = FontSet.load(base_chars="中文，", cache_dir=tmp_path)
    keys = [FaceKey("hei", "regular", True), FaceKey("song", "bold", False)]
    before = STATS["convert"]
    paths = fresh.prepare(keys, workers=2)
    assert len(paths) == 2 and all(p.is_file() for p in paths)
    assert STATS["convert"] == before + 2
    assert fresh.face("hei", "regular", True).advance("0") == 0.5


def test_base_membership_is_the_base_set() -> None:
    """``in_base`` answers without building the GB2312 set; it must agree on every code point."""
    assert {cp for cp in range(0x110000) if in_base(cp)} == base_repertoire()


def test_code_ranges_hold_exactly_their_code_points() -> None:
    cps = {0x20, 0x21, 0x22, 0x4E00, 0x4E01, 0x9FA5, 0x10FFFF}
    r = CodeRanges.of(cps)
    assert r.ranges == ((0x20, 0x22), (0x4E00, 0x4E01), (0x9FA5, 0x9FA5), (0x10FFFF, 0x10FFFF))
    assert {cp for cp in range(0x110000) if cp in r} == cps and len(r) == len(cps)
    assert -1 not in CodeRanges(()) and 0 not in CodeRanges(())


def test_harfbuzz_draws_the_outlines_fonttools_reads() -> None:
    """The converter runs CFF charstrings with HarfBuzz (fast); fontTools' own T2
    interpreter must give the very same TrueType contours, point for point."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    from layout.fonts.convert import MAX_ERR, _OutlineDrawer
    from layout.fonts.manifest import FaceSpec

    spec = FaceSpec("song", "regular", NOTO_SERIF, 2)
    font = TTFont(str(NOTO_SERIF), fontNumber=2, lazy=True)
    cmap, glyph_set = font.getBestCmap(), font.getGlyphSet()
    draw = _OutlineDrawer(spec, font)
    names = [cmap[ord(ch)] for ch in SMALL + "鑫龘曦、"] + [".notdef"]
    for name in names:
        pen = TTGlyphPen(None)
        glyph_set[name].draw(Cu2QuPen(pen, MAX_ERR, reverse_direction=True))
        want, got = pen.glyph(), draw(name)
        assert want.numberOfContours == got.numberOfContours, name
        if want.numberOfContours:
            assert list(got.coordinates) == list(want.coordinates), name
            assert list(got.endPtsOfContours) == list(want.endPtsOfContours), name
            assert list(got.flags) == list(want.flags), name


def test_truetype_subset_keeps_glyph_bytes_and_true_bounds(fs: FontSet) -> None:
    """LXGW WenKai is subset without re-encoding its glyphs; the head bounding box and
    hhea extents must still be what fontTools computes from the outlines."""
    face = fs.face("kai")
    path = face.ttf_path
    fast = TTFont(str(path))
    source = TTFont(str(face.spec.path), fontNumber=face.spec.index, lazy=True)
    name = fast.getBestCmap()[ord("中")]
    src_name = source.getBestCmap()[ord("中")]
    assert fast["glyf"][name].compile(fast["glyf"], recalcBBoxes=False) == \
        source["glyf"][src_name].compile(source["glyf"], recalcBBoxes=False)
    expect = TTFont(str(path))
    expect.save(io.BytesIO())  # recalcBBoxes=True: bounds from every outline
    for table, attrs in (("head", "xMin yMin xMax yMax flags"),
                         ("hhea", "advanceWidthMax minLeftSideBearing minRightSideBearing xMaxExtent")):
        for attr in attrs.split():
            assert getattr(fast[table], attr) == getattr(expect[table], attr), (table, attr)


@pytest.mark.slow
def test_default_repertoire_and_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real thing: GB2312 repertoire in the default cache (slow only the first time)."""
    monkeypatch.delenv("LAYOUT_FONT_CACHE")
    full = FontSet.load()
    face = full.face("song")
    assert face.name == f"NotoSerifSC-Regular-L{CONVERTER_VERSION}"
    assert face.ttf_path.parent == full.cache_dir
    hanzi = [ch for ch in map(chr, gb2312()) if "\u4e00" <= ch <= "\u9fff"]
    assert len(hanzi) == 6763
    assert all(face.has(ch) and face.advance(ch) == 1.0 for ch in hanzi)
    assert face.advance("\u3000") == 1.0 and abs(face.advance("1") - 0.471) < 1e-9
    from reportlab.pdfbase.ttfonts import TTFont as RLTTFont

    rl = RLTTFont(face.name, str(face.ttf_path))
    assert rl.face.name == face.name.encode()


# -- metrics ------------------------------------------------------------------------


def test_hanzi_are_one_em(fs: FontSet) -> None:
    for role in ("song", "hei", "kai"):
        for weight in ("regular", "bold"):
            assert fs.face(role, weight).advance("中") == 1.0
    face = fs.face("song")
    assert (face.ascender, face.descender) == (0.88, -0.12)


def test_halt_values(fs: FontSet) -> None:
    song = fs.face("song")
    assert song.halt("，") == (0.0, -0.5)
    assert song.halt("“") == (-0.5, -0.5)
    assert song.halt("”") == (0.0, -0.5)
    assert song.halt("中") is None
    assert fs.face("kai").halt("，") is None  # LXGW WenKai has no GPOS


def test_halfwidth_digits(fs: FontSet) -> None:
    hw = fs.face("song", "regular", halfwidth_digits=True)
    assert hw.key == FaceKey("song", "regular", True) and hw.name.endswith("-HW")
    assert [hw.advance(d) for d in "0123456789"] == [0.5] * 10
    assert hw.advance("中") == 1.0
    assert fs.face("song").advance("1") != 0.5
    assert fs.face("hei", "bold", halfwidth_digits=True).advance("7") == 0.5
    kai = fs.face("kai", "regular", halfwidth_digits=True)  # no hwid glyphs: the plain face
    assert kai.key.halfwidth_digits is False
    # no derived file: the face's own hwid glyphs, reached by glyph id from the one file
    plain = fs.face("song", "regular")
    assert hw.ttf_path == plain.ttf_path and not list(hw.ttf_path.parent.glob("*-hw*.ttf"))
    from layout.render.pdf_fonts import FontFile

    file = FontFile(hw.ttf_path, plain.name)  # the glyph record's ids: Face.glyphs
    (hw_adv, digits), (plain_adv, nominal) = hw.glyphs("2024"), plain.glyphs("2024")
    assert digits != nominal and sum(map(file.width, digits)) == 2000.0 and hw_adv == 2.0
    assert plain_adv == sum(map(plain.advance, "2024"))
    assert hw.glyphs("中") == plain.glyphs("中")


# -- fallback and coverage ------------------------------------------------------------


def test_resolve_honours_borrow_and_fallback(fs: FontSet) -> None:
    assert fs.resolve("kai", "regular", "“").key == FaceKey("song", "regular")
    assert fs.resolve("kai", "bold", "《").key == FaceKey("song", "bold")
    assert fs.resolve("kai", "regular", "中").key == FaceKey("kai", "regular")
    assert fs.resolve("fangsong", "regular", "中").key == FaceKey("kai", "regular")
    assert fs.resolve("fangsong", "regular", "”").key == FaceKey("song", "regular")
    assert fs.resolve("song", "regular", "1", halfwidth_digits=True).name.endswith("-HW")
    assert fs.face("fangsong").key == FaceKey("kai", "regular")
    used = dict(fs.files_used())
    assert used[NOTO_SERIF] == file_sha256(NOTO_SERIF)


def test_missing_character_is_named_with_every_place(fs: FontSet) -> None:
    items = [
        ("中", "song", "regular", "issue.xml:2"),
        ("\U00020000", "song", "regular", "issue.xml:3"),
        ("\U00020000", "kai", "bold", "issue.xml:7:5"),
        ("😀", "hei", "regular", "other.xml:1"),
    ]
    with pytest.raises(InputError) as err:
        fs.check_coverage(items)
    text = str(err.value)
    assert err.value.exit_status == 2 and len(err.value.diagnostics) == 2
    assert "U+20000" in text and "issue.xml:3, issue.xml:7:5" in text
    assert "U+1F600" in text and "other.xml:1" in text
    assert str(err.value.diagnostics[0].pos) == "issue.xml:3"
    assert fs.check_coverage(items[:1]) == {FaceKey("song", "regular")}


def test_check_coverage_without_a_fontset() -> None:
    with pytest.raises(InputError, match=r"U\+20000.*a\.xml:9"):
        check_coverage([("\U00020000", "song", "regular", "a.xml:9")])
    with pytest.raises(InputError, match="unknown font role 'mincho'"):
        check_coverage([("中", "mincho", "regular", "a.xml:1")])


def test_missing_or_corrupt_font_file(tmp_path: Path) -> None:
    path = _copy_manifest(tmp_path)
    text = path.read_text(encoding="utf-8").replace(
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", str(tmp_path / "gone.ttc")
    )
    path.write_text(text, encoding="utf-8")
    fset = FontSet.load(base_chars=SMALL, manifest=path)
    with pytest.raises(ResourceError) as err:
        fset.face("hei")
    assert "gone.ttc" in str(err.value) and "fonts-noto-cjk" in str(err.value)
    assert err.value.exit_status == 3
    bad = tmp_path / "bad.ttf"
    bad.write_bytes(b"\0\1\0\0" + b"garbage" * 100)
    fset = FontSet.load(base_chars=SMALL, environ={"LAYOUT_FONT_KAI_REGULAR": str(bad)})
    with pytest.raises(ResourceError, match="bad.ttf.*LAYOUT_FONT_KAI_REGULAR"):
        fset.face("kai")


def test_changed_font_warns_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Once per build, into the build's diagnostics sink (nothing on stderr)."""
    from layout.context import Diagnostics

    path = _copy_manifest(tmp_path)
    text = path.read_text(encoding="utf-8").replace(
        "bbf534b0ca093928f94d1782855e65a19a32cde82b075d495d072025521953c8", "0" * 64
    )
    path.write_text(text, encoding="utf-8")
    for _ in range(2):
        sink = Diagnostics()
        fs = FontSet.load(base_chars=SMALL, manifest=path, diagnostics=sink)
        fs.face("kai").has("中")
        fs.face("kai").has("中")
        warnings = [str(d) for d in sink]
        assert len(warnings) == 1 and "LXGWWenKai-Regular.ttf" in warnings[0], warnings
        assert warnings[0].endswith("[font-changed]")
    assert capsys.readouterr().err == ""


# -- WOFF2 ----------------------------------------------------------------------------


def test_woff2_subset(fs: FontSet, tmp_path: Path) -> None:
    chars = "中文“国人”，。（）2024"
    for key in [("song", "regular", False), ("song", "regular", True), ("kai", "regular", False)]:
        face = fs.face(*key)
        data = fs.woff2_subset(face, chars)
        fresh = FontSet.load(base_chars=SMALL, cache_dir=tmp_path)
        assert fresh.woff2_subset(fresh.face(*key), chars) == data  # built again, same bytes
        font = TTFont(io.BytesIO(data))
        assert font.flavor == "woff2"
        cmap = font.getBestCmap()
        assert {chr(c) for c in cmap} == set(chars)
        if key[0] == "song":
            features = {r.FeatureTag for r in font["GPOS"].table.FeatureList.FeatureRecord}
            features |= {r.FeatureTag for r in font["GSUB"].table.FeatureList.FeatureRecord}
            assert {"vert", "halt", "palt"} <= features and "locl" not in features
        if key[2]:
            assert font["hmtx"][cmap[ord("2")]][0] == 500
    with pytest.raises(ValueError, match="U\\+20000"):
        fs.woff2_subset(fs.face("song"), "中\U00020000")
