"""Hostile inputs to ``python -m layout import``: a clear ``file: error: ...``, exit status 2,
no traceback, no output, in bounded time and memory (the command runs under RLIMIT_AS and
its PDF reader in a child with a lower limit)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pikepdf
import pytest

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 3 * 1024**3  # address space of the whole command


def _limits():
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def run_import(src: Path, tmp_path: Path, *extra: str) -> tuple[subprocess.CompletedProcess, float]:
    out = tmp_path / "out.xml"
    env = dict(os.environ, LAYOUT_IMPORT_MEMORY=str(512 * 1024**2), LAYOUT_IMPORT_CPU="20")
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "layout", "import", str(src), "-o", str(out), *extra],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
                          preexec_fn=_limits)
    return proc, time.monotonic() - start


def assert_refused(proc, elapsed: float, tmp_path: Path, *words: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and "error:" in proc.stderr, proc.stderr
    for w in words:
        assert w in proc.stderr, proc.stderr
    assert not (tmp_path / "out.xml").exists()
    assert elapsed < 60


def _text_pdf(path: Path, pages: int = 1) -> Path:
    from reportlab.pdfgen.canvas import Canvas

    c = Canvas(str(path))
    for _ in range(pages):
        c.drawString(72, 720, "Hello")
        c.showPage()
    c.save()
    return path


def test_truncated_pdf(tmp_path):
    good = _text_pdf(tmp_path / "good.pdf")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(good.read_bytes()[:300])
    assert_refused(*run_import(bad, tmp_path), tmp_path, "bad.pdf")


def test_encrypted_pdf(tmp_path):
    good = _text_pdf(tmp_path / "good.pdf")
    enc = tmp_path / "enc.pdf"
    with pikepdf.open(good) as pdf:
        pdf.save(enc, encryption=pikepdf.Encryption(user="secret", owner="owner", R=6))
    assert_refused(*run_import(enc, tmp_path), tmp_path, "password")


def test_no_text_layer(tmp_path):
    from reportlab.pdfgen.canvas import Canvas

    scan = tmp_path / "scan.pdf"
    c = Canvas(str(scan))
    c.rect(72, 72, 300, 400, fill=1)
    c.save()
    assert_refused(*run_import(scan, tmp_path), tmp_path, "no text layer")


def test_huge_page_count(tmp_path):
    big = tmp_path / "big.pdf"
    pdf = pikepdf.new()
    for _ in range(5000):
        pdf.add_blank_page()
    pdf.save(big)
    assert_refused(*run_import(big, tmp_path), tmp_path, "5000 pages")


def test_inflation_bomb(tmp_path):
    """A small file whose content stream inflates to 600 MiB: the reader's memory cap."""
    comp = zlib.compressobj(9)
    chunk = b"0 0 m 1 1 l S\n" * (1 << 16)
    data = b"".join(comp.compress(chunk) for _ in range(600 * 1024 * 1024 // len(chunk))) + comp.flush()
    pdf = pikepdf.new()
    pdf.add_blank_page()
    stream = pikepdf.Stream(pdf, data)
    stream.Filter = pikepdf.Name.FlateDecode
    pdf.pages[0].Contents = stream
    bomb = tmp_path / "bomb.pdf"
    pdf.save(bomb, compress_streams=False)
    assert bomb.stat().st_size < 5 * 1024 * 1024
    assert_refused(*run_import(bomb, tmp_path), tmp_path, "bomb.pdf")


def test_not_a_pdf_nor_xml(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(os.urandom(2000).replace(b"<", b"x").replace(b"%", b"x"))
    assert_refused(*run_import(junk, tmp_path), tmp_path, "neither a PDF nor")


def test_missing_file(tmp_path):
    assert_refused(*run_import(tmp_path / "nothing.pdf", tmp_path), tmp_path, "cannot read")


ALTO_HEAD = ('<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"><Description><MeasurementUnit>'
             '{unit}</MeasurementUnit></Description><Layout><Page WIDTH="1000" HEIGHT="1000"><PrintSpace>')
ALTO_TAIL = "</PrintSpace></Page></Layout></alto>"
LINE = '<TextBlock><TextLine><String CONTENT="{text}" HPOS="10" VPOS="10" WIDTH="100" HEIGHT="20"/></TextLine></TextBlock>'


@pytest.mark.parametrize("name, body, words", [
    ("laughs", '<?xml version="1.0"?><!DOCTYPE alto [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;'
               '&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
               + ALTO_HEAD.format(unit="inch1200") + LINE.format(text="&c;") + ALTO_TAIL, ["DOCTYPE"]),
    ("xxe", '<?xml version="1.0"?><!DOCTYPE alto [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            + ALTO_HEAD.format(unit="inch1200") + LINE.format(text="&x;") + ALTO_TAIL, ["DOCTYPE"]),
    ("undefined", ALTO_HEAD.format(unit="inch1200") + LINE.format(text="&nbsp;") + ALTO_TAIL, ["malformed XML"]),
    ("deep", ALTO_HEAD.format(unit="inch1200") + "<TextBlock>" * 3000 + "</TextBlock>" * 3000 + ALTO_TAIL,
     ["malformed XML"]),
    ("pixel", ALTO_HEAD.format(unit="pixel") + LINE.format(text="字") + ALTO_TAIL, ["resolution"]),
    ("empty", ALTO_HEAD.format(unit="inch1200") + ALTO_TAIL, ["no text"]),
])
def test_hostile_alto(tmp_path, name, body, words):
    src = tmp_path / f"{name}.alto.xml"
    src.write_text(body, encoding="utf-8")
    assert_refused(*run_import(src, tmp_path), tmp_path, f"{name}.alto.xml", *words)


@pytest.mark.parametrize("href", ["../outside.alto.xml", "file:///etc/passwd", "http://example.org/a.xml"])
def test_mets_outside_the_package(tmp_path, href):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (tmp_path / "outside.alto.xml").write_text(ALTO_HEAD.format(unit="inch1200") + LINE.format(text="字")
                                               + ALTO_TAIL, encoding="utf-8")
    mets = pkg / "issue.mets.xml"
    mets.write_text(
        '<mets:mets xmlns:mets="http://www.loc.gov/METS/" xmlns:xlink="http://www.w3.org/1999/xlink">'
        '<mets:fileSec><mets:fileGrp><mets:file ID="ALTO_1"><mets:FLocat LOCTYPE="URL" '
        f'xlink:href="{href}"/></mets:file></mets:fileGrp></mets:fileSec>'
        '<mets:structMap TYPE="PHYSICAL"><mets:div><mets:fptr FILEID="ALTO_1"/></mets:div>'
        '</mets:structMap></mets:mets>', encoding="utf-8")
    assert_refused(*run_import(mets, tmp_path), tmp_path, "issue.mets.xml")


def test_output_over_input(tmp_path):
    src = _text_pdf(tmp_path / "page.pdf")
    before = src.read_bytes()
    proc = subprocess.run([sys.executable, "-m", "layout", "import", str(src), "-o", str(src)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and "overwrite the input" in proc.stderr
    assert src.read_bytes() == before
