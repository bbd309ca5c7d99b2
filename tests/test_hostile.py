"""Hostile and broken input through the real CLI: clear errors, no crash, nothing lost.

Each catalogue case writes a broken issue (or a broken font, image or output folder) in
``tmp_path``, runs ``python -m layout`` and checks the exit status (2 invalid input,
3 missing or broken resource), that every line of stderr reads ``file:line:col: error:``
(or ``file: error:`` where no line applies), that one of them names the problem (and
the right line), that there is no traceback, and that no output is left behind: every
other case has a previous output in place, which must survive byte for byte.

Then the build is fuzzed with random valid issues (``strategies.issues``): each must
build with all of its text in the PDF and the EPUB, or fail with a clean input error.
``python tests/fuzz_build.py 500`` runs the long version.
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fuzz_build import DIAG, check_build
from hypothesis import HealthCheck, given, settings
from strategies import ARTICLE, BODY_TEXT, GEOMETRY, STYLES, Generated, issue_xml, issues

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "fonts" / "manifest.toml"
PREVIOUS = b"%PDF-1.4 the previous output, which a failed build must leave alone\n"
NOTO = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")

pytestmark = pytest.mark.skipif(not NOTO.is_file() or shutil.which("pdftotext") is None,
                                reason="needs fonts-noto-cjk and poppler-utils")


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment without the caller's font overrides (the shared font cache stays)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LAYOUT_FONT_") or k == "LAYOUT_FONT_CACHE"}
    env.update(extra or {})
    return env


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "layout", *args], capture_output=True, text=True,
                          env=cli_env(env), cwd=cwd or ROOT, timeout=timeout)


def edit(old: str, new: str, xml: str | None = None) -> str:
    """The base issue (or ``xml``) with one piece replaced; the piece must be there."""
    xml = issue_xml() if xml is None else xml
    assert old in xml, old
    return xml.replace(old, new, 1)


def png(width: int, height: int, idat: bytes = b"\x00" * 10) -> bytes:
    """A PNG that declares ``width``×``height`` pixels but holds only ``idat``."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(idat))
            + chunk(b"IEND", b""))


def figure(src: str) -> str:
    return (f'<figure id="f1" x="30zi" width="20zi" y="0line" height="20line" src="{src}">'
            "<caption>图片说明</caption></figure>")


# ---- the catalogue ----------------------------------------------------------------------

Make = Callable[[Path], Path]


@dataclass(frozen=True)
class Case:
    name: str
    make: Make  # writes the source (and whatever it needs) into a folder; returns the source
    status: int
    pattern: str  # a regular expression one error line must match
    where: str | None = None  # text on the source line the error must name
    file: Callable[[Path], str] | None = None  # the file the error names, if not the source
    env: Callable[[Path], dict[str, str]] | None = None
    command: str = "pdf"


def source(content: str | bytes, *, also: Callable[[Path], None] | None = None) -> Make:
    def make(folder: Path) -> Path:
        path = folder / "issue.xml"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        if also:
            also(folder)
        return path
    return make


def big_file(folder: Path) -> Path:
    """A valid issue followed by a 50 MB comment, written in one go."""
    path = folder / "issue.xml"
    with path.open("wb") as fh:
        fh.write(issue_xml().encode())
        fh.write(b"<!--" + b"x" * (50 * 1024 * 1024) + b"-->")
    return path


def no_fangsong_manifest(folder: Path) -> dict[str, str]:
    """A manifest without the fangsong role: a style naming it has no font."""
    text = MANIFEST.read_text(encoding="utf-8")
    path = folder / "manifest.toml"
    path.write_text(text[: text.index("[roles.fangsong]")], encoding="utf-8")
    return {"LAYOUT_FONT_MANIFEST": str(path)}


def corrupt_font(folder: Path) -> dict[str, str]:
    path = folder / "broken.ttf"
    path.write_bytes(b"\x00\x01\x00\x00" + b"not a font " * 100)
    return {"LAYOUT_FONT_SONG_REGULAR": str(path)}


def write(name: str, data: bytes) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_bytes(data)


def folder_source(folder: Path) -> Path:
    (folder / "folder.xml").mkdir()
    return folder / "folder.xml"


def symlink_out(folder: Path) -> None:
    (folder / "photo.png").symlink_to("/etc/hostname")


A2 = ARTICLE.replace('id="a1"', 'id="a2"')
LAUGHS = ('<!DOCTYPE issue [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol;" if i == 1 else f"&lol{i - 1};") * 10}">'
                    for i in range(1, 10)) + "]>\n")

CASES = [
    Case("malformed-xml", source(edit("</article>", "")), 2, r"malformed XML: .*mismatch", "</page>"),
    Case("not-utf8", source(issue_xml().encode("gb18030")), 2, r"not UTF-8", '<style name="body"'),
    Case("empty-file", source(b""), 2, r"malformed XML: Document is empty"),
    Case("wrong-namespace", source(edit('xmlns="urn:x-newsxml:1"', 'xmlns="urn:x-other:1"')), 2,
         r"root element is '\{urn:x-other:1\}issue'; expected <issue xmlns=", "<issue"),
    Case("wrong-root", source(edit("<issue ", "<newspaper ", edit("</issue>", "</newspaper>"))), 2,
         r"root element is .*newspaper", "<newspaper"),
    Case("missing-required-element", source(edit("<meta>", "<!--", edit("</meta>", "-->"))), 2,
         r"invalid: Did not expect element styles", "<styles>"),
    Case("bad-attribute-value", source(edit('width="27zi"', 'width="27cm"')), 2,
         r"<article> attribute width='27cm' is not a length", "<article"),
    Case("unknown-element", source(edit("<p>", "<sidebar>旁注</sidebar><p>")), 2,
         r"invalid: .*sidebar", "<sidebar>"),
    Case("unknown-attribute", source(edit('<article id="a1"', '<article id="a1" colour="red"')), 2,
         r"invalid: Invalid attribute colour for element article", "<article"),
    Case("billion-laughs", source(edit("<issue ", LAUGHS + "<issue ", edit("传达", "传&lol9;达"))), 2,
         r"a DOCTYPE or DTD is not allowed", "<!DOCTYPE"),
    Case("undefined-entity", source(edit("传达", "传&nbsp;达")), 2, r"Entity 'nbsp' not defined", "&nbsp;"),
    Case("file-50MB", big_file, 2, r"file is 5\d MB; an issue file is limited to 16 MiB"),
    Case("nested-10000", source(edit("<p>5月", "<p>" + "<b>" * 10_000 + "深" + "</b>" * 10_000 + "5月")), 2,
         r"nested more than 256 deep", "<b><b>"),
    Case("control-character-C0", source(edit("传达", "传&#1;达")), 2,
         r"character U\+0001 is not allowed in XML", "&#1;"),
    Case("control-character-C1", source(edit("传达", "传&#x85;达")), 2,
         r"control character U\+0085 in text", "&#x85;"),
    Case("unknown-font-role", source(edit('role="hei"', 'role="xiaobiaosong"')), 2,
         r"<style> attribute role='xiaobiaosong' is not a font role", "xiaobiaosong"),
    Case("font-role-not-in-manifest", source(edit('role="hei"', 'role="fangsong"')), 2,
         r"unknown font role 'fangsong' \(known: song, hei, kai\)", "标题新闻", env=no_fangsong_manifest),
    Case("unknown-style", source(edit('style="body"', 'style="nosuch"')), 2,
         r"unknown style 'nosuch'; declare it in <styles>", "<article"),
    Case("unknown-composition-style", source(edit('composition="news"', 'composition="typewriter"')), 2,
         r"unknown composition style 'typewriter' \(known: .*news", 'name="body"'),
    Case("font-file-missing", source(issue_xml()), 3, r"font file not found: /nonexistent/song\.ttf",
         file=lambda d: "/nonexistent/song.ttf",
         env=lambda d: {"LAYOUT_FONT_SONG_REGULAR": "/nonexistent/song.ttf"}),
    Case("font-file-corrupt", source(issue_xml()), 3, r"font file cannot be read",
         file=lambda d: str(d / "broken.ttf"), env=corrupt_font),
    Case("character-in-no-font-emoji", source(edit("传达", "传\U0001F600达")), 2,
         r"character '😀' U\+1F600 \(GRINNING FACE\) is in no font", "\U0001F600"),
    Case("character-in-no-font-PUA", source(edit("传达", "传\ue000达")), 2,
         r"U\+E000 .* is in no font", "\ue000"),
    Case("image-missing", source(issue_xml(ARTICLE + figure("photo.png"))), 3,
         r"image not found: .*photo\.png", "<figure"),
    Case("image-corrupt", source(issue_xml(ARTICLE + figure("photo.png")),
                                 also=write("photo.png", png(3, 3)[:40] + b"junk")), 3,
         r"image 'photo\.png': not a readable image", "<figure"),
    Case("image-corrupt-epub", source(issue_xml(ARTICLE + figure("photo.png")),
                                      also=write("photo.png", png(3, 3)[:40] + b"junk")), 3,
         r"image 'photo\.png': not a readable image", "<figure", command="epub"),
    Case("image-truncated", source(issue_xml(ARTICLE + figure("photo.png")),
                                   also=write("photo.png", png(3, 3, b"\x00"))), 3,
         r"image 'photo\.png': not a readable image .*truncated", "<figure"),
    Case("image-decompression-bomb", source(issue_xml(ARTICLE + figure("bomb.png")),
                                            also=write("bomb.png", png(50_000, 50_000))), 3,
         r"image 'bomb\.png': declares 2500 million pixels.*decompression bomb", "<figure"),
    Case("image-decompression-bomb-epub", source(issue_xml(ARTICLE + figure("bomb.png")),
                                                 also=write("bomb.png", png(50_000, 50_000))), 3,
         r"decompression bomb", "<figure", command="epub"),
    Case("image-path-escapes", source(issue_xml(ARTICLE + figure("../../../etc/passwd"))), 2,
         r"src='\.\./\.\./\.\./etc/passwd' points outside the source folder", "<figure"),
    Case("image-symlink-escapes", source(issue_xml(ARTICLE + figure("photo.png")), also=symlink_out), 2,
         r"src='photo\.png' points outside the source folder", "<figure"),
    Case("frames-overlap", source(issue_xml(ARTICLE + "\n" + A2.replace('y="0line"', 'y="10line"'))), 2,
         r"article 'a2' overlaps article 'a1' \(declared at .*:\d+:\d+\)", 'id="a2"'),
    Case("frame-off-page", source(edit('y="0line"', 'y="200line"')), 2,
         r"article 'a1' lies off the page", "<article"),
    Case("zero-width", source(edit('width="27zi"', 'width="0zi"')), 2,
         r"width='0zi' must be greater than zero", "<article"),
    Case("negative-height", source(edit('height="20line"', 'height="-5line"')), 2,
         r"height='-5line' must be greater than zero", "<article"),
    Case("zero-font-size", source(edit('style="head"', 'style="head" size="0pt"')), 2,
         r"size='0pt' must be greater than zero", "<headline"),
    Case("zero-line-pitch", source(edit('linePitch="11.25pt"', 'linePitch="0pt"')), 2,
         r"linePitch='0pt' must be greater than zero", "<grid"),
    Case("negative-gutter", source(edit('gutterChars="1"', 'gutterChars="-3"')), 2,
         r"gutterChars='-3' must not be negative", "<grid"),
    Case("page-larger-than-pdf-allows", source(edit('<trim width="210mm"', '<trim width="9' + "9" * 400 + 'mm"')), 2,
         r"is larger than a PDF page may be", "<trim"),
    Case("measure-narrower-than-a-character", source(edit('measure="13zi"', 'measure="0.5zi"')), 2,
         r"measure 4\.5pt is narrower than one character", "<article"),
    Case("indent-wider-than-measure", source(edit('style="body" columns', 'style="body" indent="40" columns')), 2,
         r"indent of 40 characters leaves no room on the first line", "<p>"),
    Case("negative-indent", source(edit('style="body" columns', 'style="body" indent="-50" columns')), 2,
         r"indent='-50' must not be negative", "<article"),
    Case("empty-paragraph", source(edit("<p>5月", "<p>  </p><p>5月")), 2,
         r"empty <p>: it prints nothing", "<p>  </p>"),
    Case("empty-article", source(edit(f"<p>{BODY_TEXT}</p>", "")), 2,
         r"<article> lacks a required child element", "<article"),
    Case("empty-headline-line", source(edit("<line>标题新闻</line>", "<line>&#x3000;</line>")), 2,
         r"empty headline <line>", "&#x3000;"),
    Case("empty-furniture-line", source(issue_xml(
        ARTICLE + '<furniture id="n" kind="note" x="30zi" width="10zi" y="0line" height="3line">'
                  "<line> </line></furniture>")), 2, r"empty <line> in <furniture>", "<line> </line>"),
    Case("head-placed-off-page", source(edit("<head>", '<head x="100zi" width="10zi" y="0line" height="3line">')),
         2, r"<head> lies off the page", "<head "),
    Case("page-header-off-page", source(edit('<page geometry="g">', '<page geometry="g" section="要闻">'
                                             '<header y="500line" height="2line"/>')),
         2, r"<header> lies off the page", "<header"),
    Case("overset", source(edit('height="20line"', 'height="3line"')), 2,
         r"article a1 overset by \d+ lines", "<article"),
    Case("headline-wider-than-frame", source(edit("标题新闻", "标题新闻" * 5)), 2,
         r"line '(标题新闻){5}' is [\d.]+pt wide but its frame only 243\.0pt", "标题新闻"),
    Case("duplicate-ids", source(issue_xml(ARTICLE + "\n" + ARTICLE.replace('y="0line"', 'y="30line"'))), 2,
         r"duplicate id 'a1' \(first used at .*:\d+:\d+\)", 'y="30line"'),
    Case("duplicate-style-name", source(edit('<style name="head"', '<style name="body" role="kai"/>'
                                             '<style name="head"')), 2,
         r"duplicate style name 'body' \(first declared at .*:\d+:\d+\)", 'role="kai"'),
    Case("style-based-on-itself", source(edit('<style name="head" role="hei"',
                                              '<style name="head" basedOn="x"/><style name="x" basedOn="head" role="hei"')), 2,
         r"is based on itself", 'name="x"'),
    Case("source-missing", lambda d: d / "nonexistent.xml", 2, r"cannot read the file: No such file"),
    Case("source-is-a-folder", folder_source, 2,
         r"cannot read the file: Is a directory"),
    Case("output-folder-is-a-file", source(issue_xml(), also=write("out.txt", b"")), 2,
         r"cannot write to .*out\.txt", file=lambda d: str(d / "in" / "out.txt" / "issue.pdf")),
]
assert len(CASES) >= 30


def _line_of(path: Path, text: str) -> int:
    data = path.read_bytes().decode("utf-8", "replace")
    assert text in data, f"{text!r} not in the source"
    return data[: data.index(text)].count("\n") + 1


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input(case: Case, tmp_path: Path) -> None:
    index = CASES.index(case)
    folder = tmp_path / "in"
    folder.mkdir()
    src = case.make(folder)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / f"issue.{case.command}"
    if case.name == "output-folder-is-a-file":
        out = folder / "out.txt" / "issue.pdf"
    previous = index % 2 == 1
    if previous and out.parent.is_dir():
        out.write_bytes(PREVIOUS)
    env = case.env(tmp_path) if case.env else None
    started = time.monotonic()
    proc = run_cli(case.command, str(src), "-o", str(out), env=env)
    took = time.monotonic() - started

    assert proc.returncode == case.status, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines, "no message"
    assert all(DIAG.match(line) for line in lines), proc.stderr
    errors = [line for line in lines if re.search(case.pattern, line) and ": error: " in line]
    assert errors, f"no error matches {case.pattern!r}:\n{proc.stderr}"
    named = case.file(tmp_path) if case.file else str(src)
    if case.where is not None:
        line = _line_of(src, case.where)
        assert any(e.startswith(f"{named}:{line}:") for e in errors), (
            f"expected {named}:{line}:col, got:\n{proc.stderr}")
        assert all(re.match(rf"{re.escape(named)}:\d+:\d+: error: ", e) for e in errors), proc.stderr
    else:
        assert any(e.startswith(f"{named}:") or e.startswith(f"{named}: ") for e in errors), proc.stderr
    assert took < 30, f"took {took:.1f} s"
    left = sorted(p.name for p in out.parent.iterdir()) if out.parent.is_dir() else []
    if previous and out.parent.is_dir():
        assert out.read_bytes() == PREVIOUS, "the previous output was changed"
        assert left == [out.name], left
    elif out.parent == out_dir:
        assert left == [], f"output left behind: {left}"


# ---- what is not read, what is not fetched ------------------------------------------------


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request (there must be none)."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY x "FETCHED">')

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()


def _refused(proc: subprocess.CompletedProcess[str], src: Path, secret: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert re.match(rf"{re.escape(str(src))}:2:1: error: a DOCTYPE or DTD is not allowed", proc.stderr), proc.stderr
    assert "Traceback" not in proc.stderr
    assert secret not in proc.stdout + proc.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_xxe_local_file_is_never_opened(tmp_path: Path) -> None:
    """An entity or external DTD naming a local file: the file is neither read nor even
    opened (a named pipe would block an open() for ever; the run would time out)."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-4711", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.dtd")
    for n, doctype in enumerate((
        f'<!DOCTYPE issue [<!ENTITY x SYSTEM "file://{secret}">]>\n',
        f'<!DOCTYPE issue [<!ENTITY x SYSTEM "{tmp_path / "pipe.dtd"}">]>\n',
        f'<!DOCTYPE issue SYSTEM "{tmp_path / "pipe.dtd"}">\n',
        '<!DOCTYPE issue SYSTEM "pipe.dtd">\n',
    )):
        src = tmp_path / f"xxe{n}.xml"
        src.write_text(edit("<issue ", doctype + "<issue ", edit("传达", "传&x;达")), encoding="utf-8")
        out = tmp_path / f"xxe{n}.pdf"
        _refused(run_cli("pdf", str(src), "-o", str(out), timeout=30), src, "TOP-SECRET-4711")
        assert not out.exists()


def test_xxe_url_is_never_fetched(tmp_path: Path, http_server: tuple[str, list[str]]) -> None:
    url, requests = http_server
    for n, doctype in enumerate((
        f'<!DOCTYPE issue [<!ENTITY x SYSTEM "{url}/entity">]>\n',
        f'<!DOCTYPE issue SYSTEM "{url}/issue.dtd">\n',
        f'<!DOCTYPE issue [<!ENTITY % p SYSTEM "{url}/param"> %p;]>\n',
    )):
        src = tmp_path / f"url{n}.xml"
        src.write_text(edit("<issue ", doctype + "<issue ", edit("传达", "传&x;达")), encoding="utf-8")
        _refused(run_cli("validate", str(src), timeout=30), src, "FETCHED")
    assert requests == [], f"the reader fetched {requests}"


# ---- output: unwritable, interrupted ----------------------------------------------------------


def test_unwritable_output_folder(tmp_path: Path) -> None:
    """No write permission: a clear error, and the previous output intact."""
    src = tmp_path / "issue.xml"
    src.write_text(issue_xml(), encoding="utf-8")
    if os.geteuid() == 0:  # root writes anywhere it may chmod: use sysfs, where even root may not
        folder = Path("/sys")
        if os.access("/sys", os.W_OK) and not Path("/sys/kernel").is_dir():
            pytest.skip("no unwritable folder for root here")
    else:
        folder = tmp_path / "readonly"
        folder.mkdir()
        (folder / "issue.pdf").write_bytes(PREVIOUS)
        folder.chmod(0o555)
    try:
        proc = run_cli("pdf", str(src), "-o", str(folder / "issue.pdf"))
    finally:
        if folder != Path("/sys"):
            folder.chmod(0o755)
    assert proc.returncode == 2, proc.stderr
    assert re.fullmatch(rf"{re.escape(str(folder / 'issue.pdf'))}: error: cannot write to "
                        rf"{re.escape(str(folder))}: Permission denied\n", proc.stderr), proc.stderr
    if folder != Path("/sys"):
        assert (folder / "issue.pdf").read_bytes() == PREVIOUS
        assert sorted(p.name for p in folder.iterdir()) == ["issue.pdf"]


#: Runs the real CLI, sending itself SIGINT the moment the new PDF's temporary file is
#: complete: the worst time to be interrupted (next comes the rename over the old output).
INTERRUPT_AT_FSYNC = """
import os, runpy, signal, sys
real_fsync = os.fsync
def fsync(fd):
    real_fsync(fd)
    if os.readlink(f"/proc/self/fd/{fd}").endswith(".part"):
        os.kill(os.getpid(), signal.SIGINT)
os.fsync = fsync
sys.argv = ["layout", *sys.argv[1:]]
runpy.run_module("layout", run_name="__main__", alter_sys=True)
"""


def _assert_interrupted_cleanly(proc: subprocess.CompletedProcess[str] | tuple[int, str],
                                out: Path) -> None:
    code, stderr = (proc.returncode, proc.stderr) if not isinstance(proc, tuple) else proc
    # -SIGINT: CPython kills itself with SIGINT at exit when a KeyboardInterrupt went through
    # PyRun_String in a C extension's import, even though the CLI caught it (the shell sees 130)
    assert code in (130, -signal.SIGINT), stderr
    assert stderr.strip() == "interrupted: no output was left half-written", stderr
    assert out.read_bytes() == PREVIOUS
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_interrupt_just_before_the_rename(tmp_path: Path) -> None:
    src = tmp_path / "issue.xml"
    src.write_text(issue_xml(), encoding="utf-8")
    out = tmp_path / "out" / "issue.pdf"
    out.parent.mkdir()
    out.write_bytes(PREVIOUS)
    proc = subprocess.run([sys.executable, "-c", INTERRUPT_AT_FSYNC, "pdf", str(src), "-o", str(out)],
                          capture_output=True, text=True, env=cli_env(), cwd=ROOT, timeout=60)
    _assert_interrupted_cleanly(proc, out)


@pytest.mark.skipif(not Path("/proc/self/maps").is_file(), reason="needs /proc")
@pytest.mark.parametrize("delay", [0.0, 0.3])
def test_sigint_to_a_running_build(tmp_path: Path, delay: float) -> None:
    """A real SIGINT once the build has started: either it finished first (a whole new
    PDF; a SIGINT during some third-party imports is swallowed by their bare ``except:``)
    or it stopped with the previous output intact and no temporary file."""
    src = tmp_path / "issue.xml"
    pages = [ARTICLE.replace('height="20line"', 'height="60line"').replace('id="a1"', f'id="a{n}"')
             .replace(f"<p>{BODY_TEXT}</p>", f"<p>{BODY_TEXT * 4}</p>" * 6) for n in range(6)]
    src.write_text(issue_xml(*pages), encoding="utf-8")
    out = tmp_path / "out" / "issue.pdf"
    out.parent.mkdir()
    out.write_bytes(PREVIOUS)
    proc = subprocess.Popen([sys.executable, "-m", "layout", "pdf", str(src), "-o", str(out)],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env=cli_env(), cwd=ROOT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and proc.poll() is None:
        maps = Path(f"/proc/{proc.pid}/maps").read_text(errors="replace")
        if "lxml" in maps:  # the command is running (imports are inside its error handling)
            break
        time.sleep(0.01)
    time.sleep(delay)
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert "Traceback" not in stderr, stderr
    data = out.read_bytes()
    if proc.returncode == 0 or data != PREVIOUS:
        # it finished first, or the signal came after the new file was renamed into place
        # (then CPython may still exit with -SIGINT while shutting down): a whole new PDF
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
        assert sorted(p.name for p in out.parent.iterdir()) == [out.name]
    else:
        _assert_interrupted_cleanly((proc.returncode, stderr), out)


# ---- overset allowed, several files --------------------------------------------------------


def test_allow_overset_builds_with_a_warning(tmp_path: Path) -> None:
    src = tmp_path / "issue.xml"
    src.write_text(edit('height="20line"', 'height="3line"'), encoding="utf-8")
    out = tmp_path / "issue.pdf"
    proc = run_cli("pdf", "--allow-overset", str(src), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if ": warning: " in line]
    assert any(re.match(rf"{re.escape(str(src))}:\d+:\d+: warning: article a1 overset by \d+ lines", w)
               for w in warnings), proc.stderr
    assert all(DIAG.match(line) for line in proc.stderr.splitlines()), proc.stderr
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "标题新闻" in text


def test_validate_reports_each_file_on_its_own(tmp_path: Path) -> None:
    """A malformed file's messages are its own, not the previous file's (lxml's global log)."""
    deep = tmp_path / "deep.xml"
    deep.write_text(edit("<p>5月", "<p>" + "<b>" * 300 + "</b>" * 300 + "5月"), encoding="utf-8")
    broken = tmp_path / "broken.xml"
    broken.write_text(edit("</article>", ""), encoding="utf-8")
    good = tmp_path / "good.xml"
    good.write_text(issue_xml(), encoding="utf-8")
    proc = run_cli("validate", str(deep), str(broken), str(good))
    assert proc.returncode == 2
    assert f"{good}: OK" in proc.stdout
    broken_lines = [line for line in proc.stderr.splitlines() if line.startswith(str(broken))]
    assert broken_lines and not any("nested" in line for line in broken_lines), proc.stderr


# ---- nothing lost: a word wider than the column, a lone credit, a page without text -----------

#: 135 letters (about 600 pt) in the right-hand frame: the line runs off the page.
LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3
RIGHT = 'x="29zi" width="27zi"'


@pytest.mark.parametrize("name, xml", [
    pytest.param("long-word", edit('x="0zi" width="27zi"', RIGHT, edit("Hello", LONG_WORD))),
    pytest.param("credit-without-caption", issue_xml(
        ARTICLE + '<figure id="f1" x="30zi" width="20zi" y="0line" height="20line">'
                  "<credit>新华社记者摄</credit></figure>")),
    pytest.param("page-without-text", issue_xml(
        '<figure id="f1" x="0zi" width="20zi" y="0line" height="20line"/>', ARTICLE)),
])
def test_nothing_is_lost(name: str, xml: str, tmp_path: Path) -> None:
    """Valid input builds with every character in the PDF, or fails with a clear error."""
    src = tmp_path / "issue.xml"
    src.write_text(xml, encoding="utf-8")
    out = tmp_path / "issue.pdf"
    proc = run_cli("pdf", str(src), "-o", str(out))
    assert proc.returncode in (0, 2), proc.stderr
    assert all(DIAG.match(line) for line in proc.stderr.splitlines()), proc.stderr
    if proc.returncode == 0:
        text = "".join(subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                                      check=True).stdout.split())
        expected = {"long-word": LONG_WORD, "credit-without-caption": "新华社记者摄",
                    "page-without-text": "标题新闻"}[name]
        assert expected in text


# ---- fuzzing ---------------------------------------------------------------------------------


@settings(max_examples=15, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(issues(avoid_known_bugs=True))
def test_random_valid_issues_build_or_fail_cleanly(g: Generated) -> None:
    """Every random valid issue builds with all its text in the PDF and the EPUB, or fails
    with an input error whose messages read file:line:col (the long run: fuzz_build.py)."""
    with tempfile.TemporaryDirectory() as tmp:
        outcome, finding = check_build(g, Path(tmp))
    assert finding is None, f"{finding}\n{g.xml}"
    assert outcome in ("ok", "overset", "input error")


def test_base_issue_builds(tmp_path: Path) -> None:
    """The issue every case breaks is itself valid (else the cases prove nothing)."""
    src = tmp_path / "issue.xml"
    src.write_text(issue_xml(), encoding="utf-8")
    proc = run_cli("pdf", str(src), "-o", str(tmp_path / "issue.pdf"))
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert STYLES in issue_xml() and GEOMETRY in issue_xml()
