"""The reader against the real schema and the real sample: what it accepts, what it refuses.

No mocks: every broken issue is the sample's text with one change, written to a temporary
folder and checked by the command line (``python -m layout validate``), the way an
archivist runs it.  Each must fail with exit status 2 (3 for an image that is missing or
does not decode), a ``file:line:col: error: ...`` message on the line of the offending
element, and no traceback.  The expected line is computed from where the change was made.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from layout.read import read_issue
from layout.read.model import Article, Figure, Furniture, Issue, Paragraph, Rect
from layout.read.parse import NS

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "source" / "000_024ecb8943099354.xml"
SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")
SAMPLE_LINES = SAMPLE_TEXT.split("\n")
SEED = ROOT / "source" / "000_024ecb8943099354.original.txt"  # the seed page's text, as given
N = {"n": NS}



# ---- building broken variants of the sample ------------------------------------------------

Edit = Callable[[list[str], Path], tuple[list[str], int]]


def _find(lines: list[str], anchor: str) -> int:
    """1-based number of the one line holding ``anchor``."""
    hits = [n for n, text in enumerate(lines, 1) if anchor in text]
    assert len(hits) == 1, f"anchor {anchor!r} found on lines {hits}"
    return hits[0]


def replace(anchor: str, old: str, new: str) -> Edit:
    """Change ``old`` to ``new`` on the line holding ``anchor``; that line is the one expected."""

    def edit(lines: list[str], folder: Path) -> tuple[list[str], int]:
        n = _find(lines, anchor)
        assert old in lines[n - 1], (anchor, old)
        lines = list(lines)
        lines[n - 1] = lines[n - 1].replace(old, new, 1)
        return lines, n

    return edit


def insert_after(anchor: str, text: str) -> Edit:
    """A new line after the line holding ``anchor``; the new line is the one expected."""

    def edit(lines: list[str], folder: Path) -> tuple[list[str], int]:
        n = _find(lines, anchor)
        return lines[:n] + [text] + lines[n:], n + 1

    return edit


def insert_before(anchor: str, text: str) -> Edit:
    def edit(lines: list[str], folder: Path) -> tuple[list[str], int]:
        n = _find(lines, anchor)
        return lines[: n - 1] + [text] + lines[n - 1:], n

    return edit


def delete(first: str, last: str) -> Edit:
    """Remove the lines from ``first`` to ``last``; what follows moves up to the first's line."""

    def edit(lines: list[str], folder: Path) -> tuple[list[str], int]:
        a, b = _find(lines, first), _find(lines, last)
        return lines[: a - 1] + lines[b:], a

    return edit


def with_files(files: Callable[[Path], None], inner: Edit) -> Edit:
    """Create files next to the issue (``folder`` is the issue's folder) before editing."""

    def edit(lines: list[str], folder: Path) -> tuple[list[str], int]:
        files(folder)
        return inner(lines, folder)

    return edit


def _outside_image(folder: Path) -> None:
    (folder.parent / "outside.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")


def _broken_image(folder: Path) -> None:
    (folder / "img").mkdir()
    (folder / "img" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")


def _symlink_out(folder: Path) -> None:
    _outside_image(folder)
    (folder / "img").mkdir()
    (folder / "img" / "link.png").symlink_to(folder.parent / "outside.png")


def _external_doctype(lines: list[str], folder: Path) -> tuple[list[str], int]:
    """A DOCTYPE naming a local file by absolute URI: it must be refused unread (were the
    file parsed, its junk would be reported as a content error of the external subset)."""
    dtd = folder / "ext.dtd"
    dtd.write_text("this is not a DTD\n", encoding="utf-8")
    return insert_before("<issue ", f'<!DOCTYPE issue SYSTEM "{dtd.as_uri()}">')(lines, folder)


@dataclass(frozen=True)
class Variant:
    name: str
    edit: Edit
    message: str  # a fragment the diagnostic must contain
    status: int = 2
    col_marker: str | None = None  # the start tag the column must point at (semantic checks)
    xfail_position: str | None = None
    xfail_rejected: str | None = None


A1 = '<article id="a1"'
A2 = '<article id="a2"'
A1_P1 = "<p>5月14日，魏都区委书记李朝锋"
PHOTO2 = '<figure id="photo2"'

VARIANTS = [
    # ---- well-formedness and the no-DTD rule
    Variant("malformed-attribute", replace(A1, 'y="10line"', "y=10line"), "malformed XML"),
    Variant("mismatched-end-tag", replace(A1_P1, "</p>", "</q>"), "tag mismatch"),
    Variant("undefined-entity", replace(A1_P1, "李朝锋", "李&nbsp;朝锋"), "nbsp"),
    Variant("c0-control-literal", replace(A1_P1, "李朝锋", "李\x01朝锋"), "malformed XML"),
    Variant("doctype-internal-entity",
            insert_before("<issue ", '<!DOCTYPE issue [<!ENTITY who "李朝锋">]>'),
            "DOCTYPE", col_marker="<!DOCTYPE"),
    Variant("doctype-external-subset", _external_doctype, "DOCTYPE", col_marker="<!DOCTYPE"),
    Variant("wrong-namespace", replace("<issue ", 'xmlns="urn:x-newsxml:1"', 'xmlns="urn:x-newsxml:2"'),
            "expected <issue", col_marker="<issue"),
    # ---- the schema
    Variant("missing-meta", delete("<meta>", "</meta>"), "styles", col_marker="<styles>"),
    Variant("unknown-element", insert_after(A1_P1, "      <sidebar>相关</sidebar>"), "sidebar",
            col_marker="<sidebar>"),
    Variant("br-in-paragraph", replace(A1_P1, "李朝锋", "李朝锋<br/>"), "br", col_marker="<br/>"),
    Variant("lb-in-paragraph", replace(A1_P1, "李朝锋", "李朝锋<lb/>"), "lb", col_marker="<lb/>"),
    Variant("bad-length-unit", replace(A1, 'y="10line"', 'y="10px"'), "y='10px' is not a length",
            col_marker=A1),
    Variant("bad-size", replace('<style name="kicker"', 'size="小四"', 'size="小小四"'), "size",
            col_marker="<style"),
    Variant("date-not-iso", replace("<date ", '<date unknown="true"/>', "<date>2021年5月20日</date>"),
            "date", col_marker="<date>"),
    Variant("unknown-with-a-value",
            replace("<paper ", '<paper unknown="true"/>', '<paper unknown="true">许昌日报</paper>'),
            "unknown", col_marker="<paper"),
    # ---- references
    Variant("duplicate-id", replace(A2, 'id="a2"', 'id="a1"'), "duplicate id 'a1'", col_marker=A1),
    Variant("unknown-style", replace(A1, 'style="body"', 'style="nosuch"'), "unknown style 'nosuch'",
            col_marker=A1),
    Variant("unknown-composition-style", replace(A1_P1, "<p>", '<p composition="tight">'),
            "unknown composition style 'tight'", col_marker="<p "),
    Variant("unknown-basedOn", replace('<style name="feature"', 'basedOn="body"', 'basedOn="nobody"'),
            "basedOn='nobody'", col_marker="<style"),
    Variant("basedOn-cycle", replace('<style name="kicker"', 'name="kicker"',
                                     'name="kicker" basedOn="kicker"'),
            "based on itself", col_marker="<style"),
    Variant("duplicate-style-name", insert_after('<style name="box"', '    <style name="body" role="hei"/>'),
            "duplicate style", col_marker="<style"),
    Variant("unknown-geometry", replace("<page ", 'geometry="broadsheet"', 'geometry="tabloid"'),
            "geometry='tabloid'", col_marker="<page"),
    # ---- geometry
    Variant("frame-off-the-page", replace(A1, 'y="10line"', 'y="200line"'), "lies off the page",
            col_marker=A1),
    Variant("overlapping-frames", replace(A2, 'y="35line"', 'y="30line"'), "overlaps article 'a1'",
            col_marker=A2),
    Variant("negative-height", replace(A1, 'height="25line"', 'height="-3line"'),
            "must be greater than zero", col_marker=A1),
    Variant("measure-too-narrow", replace(A1, 'measure="15zi"', 'measure="0.5zi"'),
            "narrower than one character", col_marker=A1),
    Variant("measure-wider-than-column", replace(A1, 'measure="15zi"', 'measure="19zi"'),
            "wider than the column", col_marker=A1),
    Variant("span-past-the-grid", replace(A1, 'x="0zi" width="18zi"', 'col="5" span="3"'),
            "runs past the grid", col_marker=A1),
    Variant("figure-outside-its-article", replace('<figure id="photo1"', 'y="107line"', 'y="115line"'),
            "lies outside article 'a6'", col_marker='<figure id="photo1"'),
    Variant("region-outside-its-frame", replace('<region x="54zi"', 'y="87line"', 'y="110line"'),
            "region lies outside its frame", col_marker="<region"),
    Variant("line-pitch-below-body-size", replace("<grid ", 'linePitch="11.25pt"', 'linePitch="8pt"'),
            "smaller than the body size", col_marker="<grid"),
    Variant("page-larger-than-pdf-allows", replace("<trim ", 'width="370mm"', 'width="6000mm"'),
            "larger than a PDF page", col_marker="<trim"),
    Variant("zero-size", replace('<style name="kicker"', 'size="小四"', 'size="0pt"'),
            "must be greater than zero", col_marker="<style"),
    Variant("negative-indent", replace(A1_P1, "<p>", '<p indent="-2">'), "must not be negative",
            col_marker="<p "),
    Variant("indent-wider-than-the-measure", replace(A1_P1, "<p>", '<p indent="15">'),
            "leaves no room on the first line", col_marker="<p "),
    Variant("rule-off-the-page",
            insert_before("  </page>", '    <rule id="r1" x1="0zi" y1="0line" x2="200zi" y2="0line"/>'),
            "runs off the page", col_marker="<rule"),
    # ---- text
    Variant("c1-control-character", replace(A1_P1, "李朝锋", "李\u0085朝锋"), "U+0085",
            col_marker="<p>"),
    Variant("line-separator", replace(A1_P1, "李朝锋", "李朝锋\u2028"), "U+2028", col_marker="<p>"),
    Variant("paragraph-separator-in-headline", replace("<line>第141次会议召开", "第141次", "第141\u2029次"),
            "U+2029", col_marker="<line>第141"),
    Variant("empty-paragraph", insert_after(A1_P1, "      <p>  </p>"), "empty <p>", col_marker="<p>"),
    Variant("empty-headline-line", replace("<line>第141次会议召开", "<line>第141次会议召开</line>",
                                           "<line> </line>"),
            "empty headline <line>", col_marker="<line> </line>"),
    # ---- images
    Variant("image-outside-the-folder",
            with_files(_outside_image, replace(PHOTO2, PHOTO2, PHOTO2 + ' src="../outside.png"')),
            "outside the source folder", col_marker=PHOTO2),
    Variant("image-absolute-path",
            replace(PHOTO2, PHOTO2, PHOTO2 + ' src="/etc/hostname"'),
            "outside the source folder", col_marker=PHOTO2),
    Variant("image-symlink-leaving-the-folder",
            with_files(_symlink_out, replace(PHOTO2, PHOTO2, PHOTO2 + ' src="img/link.png"')),
            "outside the source folder", col_marker=PHOTO2),
    Variant("image-missing", replace(PHOTO2, PHOTO2, PHOTO2 + ' src="img/none.png"'),
            "image not found", status=3, col_marker=PHOTO2),
    Variant("image-not-decodable",
            with_files(_broken_image, replace(PHOTO2, PHOTO2, PHOTO2 + ' src="img/broken.png"')),
            "not a readable image", status=3, col_marker=PHOTO2),
]


@dataclass(frozen=True)
class Result:
    path: Path
    line: int  # where the change was made
    col: int | None  # 1-based column of ``col_marker`` on that line
    proc: subprocess.CompletedProcess[str]


def validate(*paths: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "layout", "validate", *map(str, paths)],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )


def write_variant(folder: Path, edit: Edit) -> tuple[Path, list[str], int]:
    folder.mkdir(parents=True, exist_ok=True)
    lines, line = edit(SAMPLE_LINES, folder)
    path = folder / "issue.xml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path, lines, line


@pytest.fixture(scope="module")
def run_variant(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Variant], Result]:
    """Each variant is written and validated once, shared by the tests that look at it."""
    cache: dict[str, Result] = {}

    def run(v: Variant) -> Result:
        if v.name not in cache:
            path, lines, line = write_variant(tmp_path_factory.mktemp(v.name) / "src", v.edit)
            col = None
            if v.col_marker is not None:
                found = lines[line - 1].find(v.col_marker)
                assert found >= 0, (v.name, v.col_marker)
                col = found + 1
            cache[v.name] = Result(path, line, col, validate(path))
        return cache[v.name]

    return run


def _params(attr: str) -> list:
    out = []
    for v in VARIANTS:
        reason = getattr(v, attr)
        marks = [pytest.mark.xfail(reason=reason)] if reason else []
        out.append(pytest.param(v, id=v.name, marks=marks))
    return out


# ---- the sample is valid -------------------------------------------------------------------

def test_cli_validates_the_sample() -> None:
    sources = sorted(p.relative_to(ROOT) for p in (ROOT / "source").glob("*.xml"))
    assert Path("source") / SAMPLE.name in sources
    proc = validate(*sources)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    out = proc.stdout.splitlines()
    assert len(out) == len(sources)
    for src, line in zip(sources, out, strict=True):
        assert line.startswith(f"{src}: OK ("), line


def test_schema_accepts_the_sample() -> None:
    """The RELAX NG schema alone, through lxml, as any other tool would use it."""
    rng = etree.RelaxNG(etree.parse(str(ROOT / "layout" / "read" / "schema" / "issue.rng")))
    doc = etree.parse(str(SAMPLE), etree.XMLParser(resolve_entities=False, no_network=True))
    assert rng.validate(doc), rng.error_log


def test_reader_builds_the_sample() -> None:
    issue = read_issue(SAMPLE)
    assert issue.id == "seed-000-024ecb8943099354"
    assert len(issue.pages) == 1
    assert [a.id for a in issue.articles] == ["a1", "a2", "a3", "a8", "a4", "a5", "a7", "a6"]
    assert issue.meta.language == "zh-Hans"


# ---- broken variants are refused -----------------------------------------------------------

@pytest.mark.parametrize("variant", _params("xfail_rejected"))
def test_broken_variant_is_rejected(variant: Variant, run_variant: Callable[[Variant], Result]) -> None:
    r = run_variant(variant)
    err = r.proc.stderr
    assert r.proc.returncode == variant.status, (r.proc.stdout, err)
    assert "OK" not in r.proc.stdout
    assert "Traceback" not in err and "internal error" not in err, err
    lines = err.splitlines()
    assert lines, "no diagnostic printed"
    for line in lines:
        assert line.startswith(f"{r.path}:") and ": error: " in line, line
    assert any(variant.message in line for line in lines), err


@pytest.mark.parametrize("variant", _params("xfail_position"))
def test_broken_variant_names_the_line(variant: Variant, run_variant: Callable[[Variant], Result]) -> None:
    """The first message is ``file:line:col: error:`` on the line that was changed."""
    r = run_variant(variant)
    first = r.proc.stderr.splitlines()[0] if r.proc.stderr else ""
    m = re.match(rf"^{re.escape(str(r.path))}:(\d+):(\d+): error: \S", first)
    assert m, f"not file:line:col: error: ...: {first!r}"
    assert int(m.group(1)) == r.line, first
    assert int(m.group(2)) >= 1
    if r.col is not None:
        assert int(m.group(2)) == r.col, first


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    first, second = _find(SAMPLE_LINES, A1), _find(SAMPLE_LINES, A2)

    def both(lines: list[str], folder: Path) -> tuple[list[str], int]:
        lines, _ = replace(A1, 'style="body"', 'style="nosuch"')(lines, folder)
        return replace(A2, 'id="a2"', 'id="a1"')(lines, folder)

    path, _, _ = write_variant(tmp_path, both)
    proc = validate(path)
    assert proc.returncode == 2
    err = proc.stderr
    assert f"{path}:{first}:5: error: unknown style 'nosuch'" in err
    assert f"{path}:{second}:5: error: duplicate id 'a1'" in err


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    proc = validate(tmp_path / "absent.xml")
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"{tmp_path / 'absent.xml'}: error: cannot read the file")
    assert "Traceback" not in proc.stderr


# ---- what stays valid ----------------------------------------------------------------------

def test_overlay_allows_overlapping_frames(tmp_path: Path) -> None:
    path, _, _ = write_variant(tmp_path, replace(A2, 'y="35line"', 'y="30line" overlay="true"'))
    proc = validate(path)
    assert proc.returncode == 0, proc.stderr


def test_image_inside_the_folder_and_placeholder(tmp_path: Path) -> None:
    def files(folder: Path) -> None:
        (folder / "img").mkdir()
        Image.new("RGB", (64, 48), (200, 180, 150)).save(folder / "img" / "photo2.jpg", "JPEG")

    path, _, _ = write_variant(
        tmp_path, with_files(files, replace(PHOTO2, PHOTO2, PHOTO2 + ' src="img/photo2.jpg"')))
    issue = read_issue(path)
    figures = {f.id: f for p in issue.pages for f in p.items if isinstance(f, Figure)}
    figures.update({f.id: f for a in issue.articles for f in a.figures})
    assert figures["photo2"].src == str((tmp_path / "img" / "photo2.jpg").resolve())
    assert figures["photo1"].src is None  # no src: a placeholder


def test_text_wrapped_in_the_file_is_not_a_line_break(tmp_path: Path) -> None:
    """A newline in the XML text is source formatting: it vanishes between hanzi."""
    path, _, _ = write_variant(
        tmp_path, replace(A1_P1, "魏都区委书记李朝锋", "魏都区委书记\n        李朝锋"))
    par = read_issue(path).articles[0].blocks[0]
    assert par.text.startswith("5月14日，魏都区委书记李朝锋主持召开")


def test_known_metadata_is_read(tmp_path: Path) -> None:
    def edit(lines: list[str], folder: Path) -> tuple[list[str], int]:
        lines, _ = replace("<paper ", '<paper unknown="true"/>', "<paper>许昌日报</paper>")(lines, folder)
        lines, _ = replace("<date ", '<date unknown="true"/>', "<date>2021-05-20</date>")(lines, folder)
        return lines, 0

    path, _, _ = write_variant(tmp_path, edit)
    meta = read_issue(path).meta
    assert (meta.paper, meta.date, meta.edition, meta.issue_number) == (
        "许昌日报", "2021-05-20", None, None)


def test_style_lengths_follow_the_geometry(tmp_path: Path) -> None:
    def edit(lines: list[str], folder: Path) -> tuple[list[str], int]:
        lines, _ = replace("<grid ", 'linePitch="11.25pt"', 'linePitch="12pt"')(lines, folder)
        return replace("<trim ", 'height="520mm"', 'height="560mm"')(lines, folder)

    path, _, _ = write_variant(tmp_path, edit)
    issue = read_issue(path)
    assert issue.pages[0].geometry.line_pitch == 12.0
    assert issue.articles[0].blocks[0].style.leading == 12.0  # style "body": leading="1line"


# ---- the sample against the seed -------------------------------------------------------------

def test_sample_holds_every_character_of_the_seed() -> None:
    seed = Counter(re.sub(r"\s", "", SEED.read_text(encoding="utf-8")))
    root = etree.parse(str(SAMPLE)).getroot()
    texts = root.xpath("//text()")  # element text and tails; comments are not text nodes
    sample = Counter(re.sub(r"\s", "", "".join(texts)))
    missing = seed - sample
    assert sum(missing.values()) == 0, f"missing from the sample: {dict(missing)}"
    assert sum(seed.values()) > 5000


def test_paragraphs_hold_no_line_break_marks() -> None:
    root = etree.parse(str(SAMPLE)).getroot()
    paras = root.xpath("//n:p | //n:item | //n:caption | //n:byline | //n:tag | //n:credit",
                       namespaces=N)
    assert len(paras) > 50
    for p in paras:
        where = f"line {p.sourceline}"
        for child in p.iter():
            if child is not p and isinstance(child.tag, str):
                assert etree.QName(child).localname in ("dateline", "b", "span"), where
        text = "".join(p.itertext())
        assert "\n" not in text and "\r" not in text, where
        assert "\u2028" not in text and "\u2029" not in text, where
    assert not root.xpath("//*[local-name()='br' or local-name()='lb']")
    for par in _paragraphs(read_issue(SAMPLE)):
        assert par.text and not re.search("[\n\r\u2028\u2029]", par.text), par.pos


def _paragraphs(issue: Issue) -> list[Paragraph]:
    out: list[Paragraph] = []
    for page in issue.pages:
        for item in page.items:
            out += getattr(item, "paragraphs", ())
            for f in (item,) + tuple(getattr(item, "figures", ())):
                out += [p for p in (getattr(f, "caption", None), getattr(f, "credit", None)) if p]
            for b in getattr(item, "boxes", ()):
                out += b.paragraphs
    return out


# ---- metadata ----------------------------------------------------------------------------------

def test_unknown_metadata_is_marked_and_read_as_none() -> None:
    meta_el = etree.parse(str(SAMPLE)).getroot().find("n:meta", N)
    for name in ("paper", "date", "edition", "issueNumber"):
        el = meta_el.find(f"n:{name}", N)
        assert el is not None, name
        assert el.get("unknown") == "true", name
        assert not (el.text or "").strip() and len(el) == 0, name
    meta = read_issue(SAMPLE).meta
    assert meta.paper is None
    assert meta.date is None
    assert meta.edition is None
    assert meta.issue_number is None
    assert meta.title and meta.display_title == meta.title  # never a guessed name or date
    assert meta.note


# ---- the model is immutable --------------------------------------------------------------------

def test_model_is_immutable() -> None:
    issue = read_issue(SAMPLE)
    article = issue.articles[0]
    furniture = next(i for i in issue.pages[0].items if isinstance(i, Furniture))
    with pytest.raises(dataclasses.FrozenInstanceError):
        issue.meta.paper = "许昌日报"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        article.measure = 1.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        article.rect.x = 0.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        article.blocks[0].style.size = 99.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        furniture.lines[0].text = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        issue.pages[0].geometry.columns = 8  # type: ignore[misc]
    # containers are tuples: nothing to append to
    assert isinstance(issue.pages, tuple) and isinstance(issue.pages[0].items, tuple)
    assert isinstance(article.blocks, tuple) and isinstance(article.blocks[0].runs, tuple)
    # a changed copy leaves the original alone
    moved = dataclasses.replace(article, rect=Rect(0, 0, 1, 1))
    assert isinstance(moved, Article) and article.rect != moved.rect
    assert read_issue(SAMPLE).articles[0] == article
