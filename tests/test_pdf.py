"""The print PDF of the sample page, checked with real poppler tools and pikepdf."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pikepdf
import pytest
from pdf_widths import cid_widths

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "source" / "000_024ecb8943099354.xml"
SEED = ROOT / "source" / "000_024ecb8943099354.original.txt"  # the seed page's text, as given


def run_layout(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "layout", *args], capture_output=True, text=True,
                          cwd=ROOT)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def pdf(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pdf") / "sample.pdf"
    run_layout("pdf", str(SAMPLE), "-o", str(out))
    return out


def seed_lines() -> list[str]:
    return ["".join(line.split()) for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_font_is_an_embedded_cid_truetype_subset_with_tounicode(pdf):
    """Type 0 fonts (CIDFontType2, Identity-H), embedded, subset, with ToUnicode: one per
    face file and direction, so the half-width digits and the compressed marks of a face
    come from the same font as its hanzi."""
    rows = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    fonts = rows.splitlines()[2:]
    assert fonts, rows
    faces = []
    for row in fonts:
        assert re.search(r"CID TrueType\s+Identity-H\s+yes\s+yes\s+yes\b", row), row
        name = row.split()[0]
        assert re.fullmatch(r"[A-Z]{6}\+\S+", name), name
        faces.append(name.split("+", 1)[1])
        assert "Helvetica" not in row and "Times" not in row
        assert not name.endswith(("-HW", "-HT"))  # no derived faces
    assert len(faces) == len(set(faces)), faces  # at most one font per face and direction
    assert {f.split("-")[0] for f in faces} == {"NotoSerifSC", "NotoSansSC", "WenKai"}


def test_tounicode_maps_half_width_digits_back_to_digits(pdf):
    """The body's digits are the face's own ``hwid`` glyphs (half an em), drawn by glyph id
    from the same font as the hanzi; the ToUnicode CMap maps them back to the digits."""
    with pikepdf.open(pdf) as doc:
        font = next(f for f in doc.pages[0].Resources.Font.values()
                    if "NotoSerifSC" in str(f.BaseFont))
        cmap = font.ToUnicode.read_bytes().decode("ascii")
        cid = font.DescendantFonts[0]
        w = list(cid.W)
        widths = {}
        for k in range(0, len(w), 2):
            for n, v in enumerate(w[k + 1]):
                widths[int(w[k]) + n] = float(v)
        dw = float(cid.DW)
    digit_widths: dict[str, set[float]] = {}
    for gid, uni in re.findall(r"<([0-9A-F]{4})> <([0-9A-F]+)>", cmap):
        ch = bytes.fromhex(uni).decode("utf-16-be")
        if ch.isdigit():
            digit_widths.setdefault(ch, set()).add(widths.get(int(gid, 16), dw))
    assert len(digit_widths) >= 8, digit_widths
    assert all(500.0 in ws for ws in digit_widths.values()), digit_widths


def test_text_layer_holds_every_character_of_the_seed(pdf):
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    ours = Counter(ch for ch in text if not ch.isspace())
    seed = Counter(ch for ch in SEED.read_text(encoding="utf-8") if not ch.isspace())
    assert seed - ours == Counter()


def test_at_least_ninety_percent_of_the_printed_lines_come_back(pdf):
    """A line of the PDF is what pdftotext gives back in content order (one text object per
    composed line); spaces are ignored, as in the seed."""
    raw = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    ours = Counter("".join(line.split()) for line in raw.splitlines() if line.strip())
    seed = Counter(seed_lines())
    matched = sum((ours & seed).values())
    assert matched / sum(seed.values()) >= 0.90, matched


def test_two_builds_are_byte_identical(pdf, tmp_path):
    again = tmp_path / "again.pdf"
    run_layout("pdf", str(SAMPLE), "-o", str(again))
    assert again.read_bytes() == pdf.read_bytes()


def test_metadata_outline_and_language(pdf):
    with pikepdf.open(pdf) as doc:
        assert str(doc.Root.Lang) == "zh-Hans"
        assert "未知" in str(doc.docinfo["/Title"])  # paper and date are unknown, not guessed
        assert str(doc.docinfo["/Creator"]).startswith("layout ")
        with doc.open_outline() as outline:
            titles = [child.title for page in outline.root for child in page.children]
        assert "增强紧迫感 找准着力点 提高执行力" in titles
        assert len(titles) == 8  # one bookmark per article
        assert len(doc.pages) == 1


def test_proof_has_crop_marks_bleed_and_trim_boxes(tmp_path):
    out = tmp_path / "proof.pdf"
    run_layout("pdf", "--proof", "--grid", str(SAMPLE), "-o", str(out))
    with pikepdf.open(out) as doc:
        page = doc.pages[0]
        media = [float(v) for v in page.MediaBox]
        trim = [float(v) for v in page.TrimBox]
        bleed = [float(v) for v in page.BleedBox]
    assert bleed[0] == pytest.approx(trim[0] - 3 * 72 / 25.4)
    assert bleed[2] == pytest.approx(trim[2] + 3 * 72 / 25.4)
    assert media[2] > bleed[2] + 20  # room for the crop marks and the slug
    slug = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "000_024ecb8943099354.xml" in slug and "layout" in slug


def test_overset_fails_with_the_article_and_line_count(tmp_path):
    text = SAMPLE.read_text(encoding="utf-8")
    broken = text.replace('<article id="a3" x="0zi" width="18zi" y="57line" height="14line"',
                          '<article id="a3" x="0zi" width="18zi" y="57line" height="8line"')
    assert broken != text
    src = tmp_path / "overset.xml"
    src.write_text(broken, encoding="utf-8")
    out = tmp_path / "overset.pdf"
    proc = run_layout("pdf", str(src), "-o", str(out), check=False)
    assert proc.returncode == 2
    line = next(n for n, t in enumerate(broken.splitlines(), 1) if '<article id="a3"' in t)
    assert re.search(rf"overset\.xml:{line}:\d+: error: article a3 overset by \d+ lines", proc.stderr)
    assert "Traceback" not in proc.stderr and not out.exists()
    proc = run_layout("pdf", "--allow-overset", str(src), "-o", str(out), check=False)
    assert proc.returncode == 0 and out.exists()
    assert "warning: article a3 overset" in proc.stderr


def test_compare_reproduces_ninety_percent_of_the_seed():
    """Issue acceptance: the composer reproduces >= 90 % of the seed's printed lines."""
    proc = run_layout("compare", str(SAMPLE), "--original", str(SEED), "-q")
    m = re.search(r"reproduced (\d+) of the original's (\d+) lines", proc.stdout)
    assert m and int(m.group(1)) / int(m.group(2)) >= 0.90, proc.stdout


def drawn_glyphs(path: Path) -> list[tuple[int, float, float, int]]:
    """(page, x, y, glyph id) of every glyph a PDF shows, read back from its content
    streams as a viewer places them: text matrix, ``Td``, kerning numbers of ``TJ`` and
    the widths (``/W``, ``/DW``) each CID font declares; two-byte codes (Identity-H)."""
    out = []
    with pikepdf.open(path) as doc:
        for number, page in enumerate(doc.pages):
            widths = {}
            for name, font in page.Resources.Font.items():
                assert font.Subtype == "/Type0" and font.Encoding == "/Identity-H"
                widths[name] = cid_widths(font)
            x = y = line_x = line_y = size = 0.0
            font = None
            for operands, op in pikepdf.parse_content_stream(page):
                op = str(op)
                if op == "Tm":
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
                        dw, table = widths[font]
                        data = bytes(item)
                        for k in range(0, len(data), 2):
                            gid = int.from_bytes(data[k:k + 2], "big")
                            out.append((number, x, y, gid))
                            x += table.get(gid, dw) / 1000 * size
    return out


def test_every_glyph_is_drawn_where_the_composer_put_it(pdf):
    """The renderer writes its own ``TJ`` arrays: read back as a viewer reads them, each
    glyph of plain text must start at the composer's x on the line's baseline."""
    from layout.pipeline import build

    built = build(SAMPLE)
    drawn = drawn_glyphs(pdf)
    expected = []  # (page, x, y) of each glyph's first character, in drawing order
    for number, page in enumerate(built.layout.pages):
        for group in page.groups:
            for block in group.blocks:
                for placed in block.lines:
                    for g in placed.line.glyphs:
                        expected.append((number, placed.x + g.x + g.dx, page.height - placed.baseline,
                                         g.form == "text" and g.dx == 0 and g.variant != "halt",
                                             len(g.text)))
    assert sum(n for *_, n in expected) == len(drawn)
    checked = i = 0
    for number, x, y, plain, n in expected:
        page, dx, dy, _ = drawn[i]
        assert page == number and abs(dy - y) < 0.001
        if plain:  # centred, spread and compressed marks are placed inside their box
            assert abs(dx - x) < 0.001, (number, x, dx)
            checked += 1
        i += n
    assert checked > 5000


def test_reportlab_adapter_holds_against_this_reportlab():
    """Every use of ReportLab beyond its documented calls is in reportlab_adapter; its
    check fails loudly (naming what changed) on a ReportLab that no longer has them."""
    from layout.render import reportlab_adapter

    reportlab_adapter.check()
    private = re.compile(r"\b(c|canvas|t|doc)\._[a-z]")
    for path in (ROOT / "layout").rglob("*.py"):
        if path.name != "reportlab_adapter.py":
            assert not private.search(path.read_text(encoding="utf-8")), path


def test_reportlab_adapter_fails_loudly_when_reportlab_changes(monkeypatch):
    from reportlab.pdfbase import pdfdoc

    from layout.render import reportlab_adapter

    monkeypatch.delattr(pdfdoc.PDFDocument, "thisPageRef")
    with pytest.raises(RuntimeError, match="ReportLab changed: PDFDocument has no thisPageRef"):
        reportlab_adapter.check()


def test_vertical_fonts_are_identity_v(tmp_path):
    """A face drawn in vertical lines is a font of its own, Identity-V with a default
    vertical metric (/DW2): ready for vertical writing."""
    import io

    from layout.fonts import FontSet
    from layout.render import reportlab_adapter as rl
    from layout.render.pdf import DocumentFonts

    fonts = FontSet.load(extra_chars="中文")
    buf = io.BytesIO()
    c = rl.new_canvas(buf, (100, 100), "zh-Hans")
    doc_fonts = DocumentFonts(fonts, c)
    from layout.compose.lines import FaceRef

    face = fonts.face("song")
    ref = FaceRef.of(face)
    horizontal = doc_fonts.font(ref)
    vertical = doc_fonts.font(ref, vertical=True)
    assert horizontal is not vertical and doc_fonts.font(ref) is horizontal
    for font in (horizontal, vertical):
        hexes = font.use(face.glyphs("中")[1], "中")[0]
        c.addLiteral(f"BT /{font.resource} 10 Tf 1 0 0 1 20 50 Tm [{hexes}] TJ ET")
    c.showPage()
    c.save()
    out = tmp_path / "v.pdf"
    out.write_bytes(buf.getvalue())
    rows = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    assert "Identity-V" in rows and "Identity-H" in rows, rows
    with pikepdf.open(out) as pdf:
        fonts_ = {str(f.Encoding): f for f in pdf.pages[0].Resources.Font.values()}
        assert "/DW2" in fonts_["/Identity-V"].DescendantFonts[0]
