"""Hostile and broken input through the real CLI: clear errors, no crash, nothing lost.

Each catalogue case writes a broken issue (or a broken font, image, output path or
environment) in ``tmp_path``, runs ``python -m layout`` in a subprocess under resource
limits (10 s of CPU, 1 GiB of address space: a blow-up fails the case, not the machine)
and checks the exit status (2 invalid input or output path, 3 missing or broken font or
image), that every line of stderr reads ``file:line:col: error:`` (or ``file: error:``
where no line applies), that one of them names the problem (and the right line), that
there is no traceback, and that nothing changed anywhere under ``tmp_path``: no output,
no temporary file, the inputs and every other case's previous output byte for byte.

Then the build is fuzzed with random valid issues (``strategies.issues``): each must
build with all of its text in the PDF and the EPUB, or fail with a clean input error.
``python tests/fuzz_build.py 500`` runs the long version.
"""

from __future__ import annotations

import hashlib
import http.server
import os
import re
import resource
import shutil
import signal
import socket
import stat
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


#: Limits of every run: 10 s of CPU and 1 GiB of address space.
CPU_SECONDS = 10
ADDRESS_SPACE = 1 << 30


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


#: ``python -m layout`` with the limits set first, in the child itself (a ``preexec_fn`` is
#: not safe while the catalogue runs cases from several threads).
LIMITED = f"""
import resource, runpy, sys
resource.setrlimit(resource.RLIMIT_CPU, ({CPU_SECONDS}, {CPU_SECONDS}))
resource.setrlimit(resource.RLIMIT_AS, ({ADDRESS_SPACE}, {ADDRESS_SPACE}))
sys.argv = ["layout", *sys.argv[1:]]
runpy.run_module("layout", run_name="__main__", alter_sys=True)
"""


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 60, limits: bool = True) -> subprocess.CompletedProcess[str]:
    """``python -m layout ARGS`` under the limits, from ``cwd`` (the package found by PYTHONPATH)."""
    full = cli_env(env)
    full["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), full.get("PYTHONPATH")]))
    command = ["-c", LIMITED] if limits else ["-m", "layout"]
    return subprocess.run([sys.executable, *command, *args], capture_output=True, text=True,
                          env=full, cwd=cwd or ROOT, timeout=timeout)


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under ``root`` (links not followed): kind and content hash or target."""
    out: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = os.lstat(path)
            rel = path.relative_to(root).as_posix()
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISREG(st.st_mode):
                h = hashlib.sha256()
                with open(path, "rb") as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        h.update(block)
                out[rel] = ("file", h.hexdigest(), st.st_mode & 0o777)
            else:
                out[rel] = ("other", stat.S_IFMT(st.st_mode))
    return out


def edit(old: str, new: str, xml: str | None = None) -> str:
    """The base issue (or ``xml``) with one piece replaced; the piece must be there."""
    xml = issue_xml() if xml is None else xml
    assert old in xml, old
    return xml.replace(old, new, 1)


def png(width: int, height: int, idat: bytes = b"\x00" * 10, colour: int = 0, depth: int = 8) -> bytes:
    """A PNG that declares ``width``×``height`` pixels but holds only ``idat``."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
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
    out: Callable[[Path], str] | None = None  # the -o value (made in tmp_path), if not out/issue.<cmd>
    cwd: Callable[[Path], Path] | None = None  # where the command runs, if not an empty folder
    more: Callable[[Path], list[str]] | None = None  # further sources after the first
    root_only: bool = False  # needs root (device nodes)


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

# ---- the second round: outputs, limits, files that are not files, encodings, images ----------

GOOD_PNG = png(3, 3, b"\x00" * 12)
IMG_ISSUE = issue_xml(ARTICLE + figure("photo.png"))


def in_(name: str) -> Callable[[Path], str]:
    return lambda d: str(d / "in" / name)


def make_link(name: str, target: Callable[[Path], str]) -> Callable[[Path], str]:
    def make(d: Path) -> str:
        (d / "out" / name).symlink_to(target(d))
        return str(d / "out" / name)
    return make


def make_fifo(d: Path) -> str:
    os.mkfifo(d / "out" / "issue.pdf")
    return str(d / "out" / "issue.pdf")


def make_socket(d: Path) -> str:
    path = d / "out" / "issue.pdf"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    sock.close()
    return str(path)


def make_device(d: Path) -> str:
    path = d / "out" / "issue.pdf"
    os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # a /dev/null of our own
    return str(path)


def make_dir_output(d: Path, command: str) -> str:
    (d / "out" / f"issue.{command}").mkdir()
    (d / "out" / f"issue.{command}" / "keep.txt").write_bytes(b"mine")
    return str(d / "out") + "/"


def second_source(name: str, content: str | None = None) -> Callable[[Path], list[str]]:
    def more(d: Path) -> list[str]:
        folder = d / "in2"
        folder.mkdir(exist_ok=True)
        (folder / name).write_text(content or issue_xml(), encoding="utf-8")
        return [str(folder / name)]
    return more


def own_manifest(d: Path) -> dict[str, str]:
    path = d / "in" / "manifest.toml"
    path.write_bytes(MANIFEST.read_bytes())
    return {"LAYOUT_FONT_MANIFEST": str(path)}


def font_override(d: Path) -> dict[str, str]:
    path = d / "in" / "song.ttf"
    path.write_bytes(b"\x00\x01\x00\x00" + b"\x00" * 64)
    return {"LAYOUT_FONT_SONG_REGULAR": str(path)}


def fifo_source(folder: Path) -> Path:
    os.mkfifo(folder / "issue.xml")
    return folder / "issue.xml"


def link_to(target: str, name: str = "issue.xml") -> Make:
    def make(folder: Path) -> Path:
        (folder / name).symlink_to(target)
        return folder / name
    return make


def image_case(data: bytes | None, name: str = "photo.png", *, setup: Callable[[Path], None] | None = None
               ) -> Make:
    def also(folder: Path) -> None:
        if data is not None:
            (folder / name).write_bytes(data)
        if setup:
            setup(folder)
    return source(issue_xml(ARTICLE + figure(name)), also=also)


def sized_file(size: int, fill: bytes = b"x") -> Make:
    """A valid issue padded to ``size`` bytes with a comment."""
    def make(folder: Path) -> Path:
        head = issue_xml().encode()
        path = folder / "issue.xml"
        with path.open("wb") as fh:
            fh.write(head + b"<!--")
            fh.write(fill * (size - len(head) - 7))
            fh.write(b"-->")
        return path
    return make


BASED_CHAIN = ("<styles>" + "".join(f'<style name="s{i}" basedOn="s{i + 1}"/>' for i in range(3000))
               + '<style name="s3000" role="song"/>' + STYLES.removeprefix("<styles>"))
WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis"


def EXTRA_CASES() -> list[Case]:  # noqa: N802 - a constant, built late
    cases: list[Case] = []
    out_name = lambda d: str(d / "out" / "issue.pdf")  # noqa: E731
    # -- 1. outputs that are inputs, links or not files: refused before any work (exit 2)
    for cmd in ("pdf", "epub"):
        cases += [
            Case(f"{cmd}-output-is-the-source", source(issue_xml()), 2, r"the output is an input of this build",
                 command=cmd, out=in_("issue.xml"), file=in_("issue.xml")),
            Case(f"{cmd}-output-is-the-source-relative", source(issue_xml()), 2, r"is an input of this build",
                 command=cmd, out=lambda d: "./issue.xml", cwd=lambda d: d / "in", file=lambda d: "issue.xml"),
            Case(f"{cmd}-output-is-the-source-via-dotdot", source(issue_xml()), 2, r"is an input of this build",
                 command=cmd, out=lambda d: str(d / "work" / ".." / "in" / "issue.xml"),
                 file=lambda d: str(d / "work" / ".." / "in" / "issue.xml")),
            Case(f"{cmd}-output-via-linked-folder-is-the-source", source(issue_xml(), also=lambda f: (
                f.parent / "alias").symlink_to(f)), 2, r"is an input of this build", command=cmd,
                 out=lambda d: str(d / "alias" / "issue.xml"), file=lambda d: str(d / "alias" / "issue.xml")),
            Case(f"{cmd}-output-is-the-image", source(IMG_ISSUE, also=write("photo.png", GOOD_PNG)), 2,
                 r"is an input of this build \(.*photo\.png\)", command=cmd, out=in_("photo.png"),
                 file=in_("photo.png")),
            Case(f"{cmd}-output-is-the-font-manifest", source(issue_xml()), 2, r"is an input of this build",
                 command=cmd, env=own_manifest, out=in_("manifest.toml"), file=in_("manifest.toml")),
            Case(f"{cmd}-output-is-a-font", source(issue_xml()), 2, r"is an input of this build",
                 command=cmd, env=font_override, out=in_("song.ttf"), file=in_("song.ttf")),
            Case(f"{cmd}-output-is-a-symlink-to-a-file", source(issue_xml(), also=write("victim", b"v")), 2,
                 r"the output is a symbolic link", command=cmd, out=make_link("issue.pdf", in_("victim")),
                 file=out_name),
            Case(f"{cmd}-output-is-a-symlink-to-the-source", source(issue_xml()), 2,
                 r"the output is a symbolic link", command=cmd, out=make_link("issue.pdf", in_("issue.xml")),
                 file=out_name),
            Case(f"{cmd}-output-is-a-dangling-symlink", source(issue_xml()), 2, r"the output is a symbolic link",
                 command=cmd, out=make_link("issue.pdf", lambda d: str(d / "nowhere" / "x")), file=out_name),
            Case(f"{cmd}-output-is-a-fifo", source(issue_xml()), 2, r"the output is a named pipe",
                 command=cmd, out=make_fifo, file=out_name),
            Case(f"{cmd}-output-is-a-socket", source(issue_xml()), 2, r"the output is a socket",
                 command=cmd, out=make_socket, file=out_name),
            Case(f"{cmd}-output-is-a-device", source(issue_xml()), 2, r"the output is a character device",
                 command=cmd, out=make_device, file=out_name, root_only=True),
            Case(f"{cmd}-output-in-folder-is-a-folder", source(issue_xml()), 2, r"the output is a folder",
                 command=cmd, out=lambda d, c=cmd: make_dir_output(d, c),
                 file=lambda d, c=cmd: str(d / "out" / f"issue.{c}")),
            Case(f"{cmd}-two-sources-one-output-file", source(issue_xml()), 2,
                 r"2 sources but one output file", command=cmd, more=second_source("other.xml"),
                 file=lambda d, c=cmd: str(d / "out" / f"issue.{c}")),
            Case(f"{cmd}-two-sources-same-name", source(issue_xml()), 2,
                 r"would be written here: one output per source", command=cmd,
                 more=second_source("issue.xml"), out=lambda d: str(d / "out") + "/",
                 file=lambda d, c=cmd: str(d / "out" / f"issue.{c}")),
        ]
    cases.append(Case("alto-output-folder-is-a-file", source(issue_xml(), also=write("alto", b"mine")), 2,
                      r"cannot write to .*alto: it is a file", command="alto", out=in_("alto"),
                      file=lambda d: str(d / "in" / "alto" / "issue_0001.alto.xml")))
    # -- 2. sources that are not regular files, or too large: never hang, never read to the end
    cases += [
        Case("source-is-a-fifo", fifo_source, 2, r"cannot read the file: it is a named pipe"),
        Case("source-is-dev-zero", link_to("/dev/zero"), 2, r"cannot read the file: it is a device"),
        Case("source-links-to-a-fifo", lambda f: (os.mkfifo(f / "p"), link_to(str(f / "p"))(f))[1], 2,
             r"cannot read the file: it is a named pipe"),
        Case("validate-source-is-a-fifo", fifo_source, 2, r"it is a named pipe", command="validate"),
        Case("file-just-over-16MiB", sized_file(16 * 1024 * 1024 + 1), 2, r"an issue file is limited to 16 MiB"),
        Case("text-node-over-10MB", source(edit("传达", "传" + "字" * 3_400_000 + "达")), 2,
             r"longer than 10,000,000 bytes", "传"),
        Case("attribute-over-10MB", source(edit('<article id="a1"', '<article id="a1" alt="' + "x" * 10_000_001 + '"')),
             2, r"longer than 10,000,000 bytes", "<article"),
        Case("comment-over-10MB", sized_file(12_000_000), 2, r"longer than 10,000,000 bytes"),
    ]
    # -- 3. encodings and line ends
    cases += [
        Case("utf16-le-bom", source(b"\xff\xfe" + issue_xml().encode("utf-16-le")), 2, r"must be UTF-8"),
        Case("utf16-be-bom", source(b"\xfe\xff" + issue_xml().encode("utf-16-be")), 2, r"must be UTF-8"),
        Case("utf16-no-bom", source(issue_xml().encode("utf-16-le")), 2, r"must be UTF-8"),
        Case("utf32", source(b"\xff\xfe\x00\x00" + issue_xml().encode("utf-32-le")), 2, r"must be UTF-8"),
        Case("declared-latin1", source('<?xml version="1.0" encoding="ISO-8859-1"?>\n' + issue_xml()), 2,
             r"names encoding 'ISO-8859-1'"),
        Case("declared-gb2312", source('<?xml version="1.0" encoding="GB2312"?>\n' + issue_xml()), 2,
             r"names encoding 'GB2312'"),
        Case("cr-only-line-ends", source(edit('width="27zi"', 'width="27cm"').replace("\n", "\r")), 2,
             r"width='27cm' is not a length", "<article"),
        Case("crlf-line-ends", source(edit('width="27zi"', 'width="27cm"').replace("\n", "\r\n")), 2,
             r"width='27cm' is not a length", "<article"),
        Case("doctype-after-bom", source(b"\xef\xbb\xbf" + (LAUGHS + issue_xml()).encode()), 2,
             r"a DOCTYPE or DTD is not allowed", "<!DOCTYPE"),
        Case("doctype-after-comment-cr", source(("<!-- x -->\r" + LAUGHS + issue_xml()).replace("\n", "\r")), 2,
             r"a DOCTYPE or DTD is not allowed", "<!DOCTYPE"),
        Case("zwsp-only-paragraph", source(edit("<p>5月", "<p>\u200b\u200b</p><p>5月")), 2,
             r"empty <p>: it prints nothing", "<p>\u200b"),
        Case("word-joiner-and-spaces-paragraph", source(edit("<p>5月", "<p> \u2060 \ufeff </p><p>5月")), 2,
             r"empty <p>: it prints nothing", "<p> \u2060"),
    ]
    # -- 4. limits: sizes, leadings, lengths, counts
    for value in ("0.001pt", "3.9pt", "401pt", "9" * 400 + "pt", "1" + "0" * 308 + "pt"):
        short = value[:8]
        cases += [
            Case(f"size-{short}-on-style", source(edit('size="二号"', f'size="{value}"')), 2,
                 r"size='.*' is outside the sizes type is set in \(4pt to 400pt\)", 'name="head"'),
            Case(f"size-{short}-on-article", source(edit('style="body" columns', f'style="body" size="{value}" columns')),
                 2, r"is outside the sizes type is set in", "<article"),
            Case(f"size-{short}-on-span", source(edit("传达", f'传<span size="{value}">达</span>')), 2,
                 r"is outside the sizes type is set in", "<span"),
        ]
    cases.append(Case("body-size-huge", source(edit('bodySize="小五"', 'bodySize="500pt"')), 2,
                      r"bodySize='500pt' is outside", "<grid"))
    for value in ("0.5pt", "1001pt", "9" * 400 + "pt"):
        short = value[:8]
        cases += [
            Case(f"leading-{short}-on-style", source(edit('leading="1line"', f'leading="{value}"')), 2,
                 r"leading='.*' is (outside 1pt to 1000pt|larger than a page)", 'name="body"'),
            Case(f"leading-{short}-on-article", source(edit('style="body" columns', f'style="body" leading="{value}" columns')),
                 2, r"leading='.*' is (outside|larger than a page)", "<article"),
        ]
    cases.append(Case("line-pitch-huge", source(edit('linePitch="11.25pt"', 'linePitch="2000pt"')), 2,
                      r"linePitch='2000pt' is outside", "<grid"))
    for attr, old, new in (("x", 'x="0zi"', 'x="' + "9" * 400 + 'zi"'), ("y", 'y="0line"', 'y="99999line"'),
                           ("width", 'width="27zi"', 'width="99999zi"'),
                           ("height", 'height="20line"', 'height="99999line"'),
                           ("measure", 'measure="13zi"', 'measure="99999zi"')):
        cases.append(Case(f"length-{attr}-huge", source(edit(old, new)), 2,
                          rf"{attr}='.*' is larger than a page may be", "<article"))
    many_pages = [ARTICLE.replace('id="a1"', f'id="a{n}"') for n in range(501)]
    frames = "".join(f'<rule id="r{i}" x1="0zi" y1="{i % 50}line" x2="1zi" y2="{i % 50}line"/>' for i in range(501))
    cases += [
        Case("pages-501", source(issue_xml(*many_pages)), 2, r"501 pages; an issue has at most 500", '<page geometry="g">\n    <article id="a500"'),
        Case("frames-501", source(issue_xml(ARTICLE + frames)), 2, r"502 frames on one page; a page holds at most 500",
             '<page geometry="g">'),
        Case("columns-51", source(edit('columns="2"', 'columns="51"')), 2, r"columns=51 is more than 50", "<article"),
        Case("grid-columns-51", source(edit('columns="4"', 'columns="51"')), 2, r"columns=51 is more than 50", "<grid"),
        Case("column-chars-huge", source(edit('columnChars="13"', 'columnChars="99999"')), 2,
             r"columnChars='99999' is more than 1000", "<grid"),
        Case("indent-101", source(edit('indent="2"', 'indent="101"')), 2, r"indent='101' is more than 100", 'name="body"'),
        Case("based-on-chain-3000", source(issue_xml(styles=BASED_CHAIN)), 2,
             r"basedOn chain is longer than 32 styles", 'name="s0"'),
        Case("region-lines-huge", source(edit("</article>", '<flow><region x="0zi" y="0line" width="13zi" lines="99999"/></flow></article>')), 2,
             r"lines=99999 is more than 5000", "<region"),
        Case("text-far-beyond-its-frame", source(edit(f"<p>{BODY_TEXT}</p>", f"<p>{BODY_TEXT * 20}</p>" * 400)), 2,
             r"article a1 overset: its [\d,]+ characters cannot fit its frame", "<article"),
        Case("issue-over-a-million-characters", source(issue_xml(*[ARTICLE.replace('id="a1"', f'id="a{n}"').replace(
            f"<p>{BODY_TEXT}</p>", f"<p>{'字' * 5000}</p>" * 5) for n in range(41)])), 2,
             r"holds 1,02\d,\d+ characters of text; an issue holds at most 1,000,000"),
        Case("frames-5001-in-the-issue", source(issue_xml(*["".join(
            f'<furniture id="n{p}x{i}" kind="note" x="{(i % 20) * 2}zi" width="1zi" y="{(i // 20) * 2}line" '
            f'height="1line"><line>字</line></furniture>' for i in range(417)) for p in range(12)])), 2,
             r"5004 frames in the issue; an issue holds at most 5000", "<issue"),
        Case("frames-12000-in-one-page", source(issue_xml("".join(
            f'<furniture id="n{i}" kind="note" x="0zi" width="1zi" y="{i}line" height="1line"><line>字</line></furniture>'
            for i in range(12000)))), 2, r"12000 frames on one page", '<page geometry="g">'),
    ]
    # -- 5. images: typed by content, checked by header, decoded within a budget
    cases += [
        Case("image-is-text", image_case(b"not an image at all"), 3, r"not a readable image \(neither JPEG", "<figure"),
        Case("image-is-svg", image_case(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "photo.svg"), 3,
             r"not a readable image", "<figure"),
        Case("image-empty", image_case(b""), 3, r"not a readable image", "<figure"),
        Case("image-jpeg-truncated", image_case(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "photo.jpg"), 3,
             r"not a readable image", "<figure"),
        Case("image-gif-truncated", image_case(b"GIF89a\x10\x00\x10\x00", "photo.gif"), 3,
             r"not a readable image", "<figure"),
        Case("image-tiff-truncated", image_case(b"II*\x00\x08\x00\x00\x00", "photo.tif"), 3,
             r"not a readable image", "<figure"),
        Case("image-zero-pixels", image_case(png(0, 0)), 3, r"not a readable image", "<figure"),
        Case("image-81-megapixels", image_case(png(9000, 9000)), 3,
             r"declares 9000×9000 = 81 million pixels, more than the 60 million", "<figure"),
        Case("image-rgba-bomb-under-pillow-limit", image_case(png(9400, 9400, colour=6)), 3,
             r"88 million pixels", "<figure"),
        Case("image-rgba-bomb-epub", image_case(png(9400, 9400, colour=6)), 3, r"88 million pixels", "<figure",
             command="epub"),
        Case("image-one-row-bomb", image_case(png(70_000_000, 1)), 3, r"70 million pixels", "<figure"),
        Case("image-16bit-bomb", image_case(png(8000, 8000, colour=2, depth=16)), 3, r"64 million pixels", "<figure"),
        Case("image-symlink-loop", image_case(None, setup=lambda f: (f / "photo.png").symlink_to("photo.png")), 3,
             r"image .*photo\.png.*cannot be read: Too many levels of symbolic links", "<figure"),
        Case("image-path-too-long", source(issue_xml(ARTICLE + figure("p" * 300 + ".png"))), 3,
             r"cannot be read: File name too long", "<figure"),
        Case("image-is-a-fifo", image_case(None, setup=lambda f: os.mkfifo(f / "photo.png")), 3,
             r"image 'photo\.png': cannot be read: it is a named pipe", "<figure"),
        Case("image-is-a-folder", image_case(None, setup=lambda f: (f / "photo.png").mkdir()), 3,
             r"image 'photo\.png': cannot be read: (it is a folder|Is a directory)", "<figure"),
        Case("image-links-to-dev-zero", image_case(None, setup=lambda f: (f / "photo.png").symlink_to("/dev/zero")), 2,
             r"points outside the source folder", "<figure"),
        Case("image-is-a-fifo-epub", image_case(None, setup=lambda f: os.mkfifo(f / "photo.png")), 3,
             r"cannot be read: it is a named pipe", "<figure", command="epub"),
    ]
    # -- 6. the environment: SOURCE_DATE_EPOCH parsed once, the same way everywhere
    for cmd in ("pdf", "epub", "alto"):
        for name, value in (("letters", "abc"), ("negative", "-1"), ("float", "1.5e9"), ("year-10000", "253402300800"),
                            ("huge", "9" * 400)):
            cases.append(Case(f"{cmd}-epoch-{name}", source(issue_xml()), 2,
                              r"SOURCE_DATE_EPOCH: error: (must be a non-negative whole number|.* is after the year 9999)",
                              command=cmd, env=lambda d, v=value: {"SOURCE_DATE_EPOCH": v},
                              file=lambda d: "SOURCE_DATE_EPOCH"))
    return cases


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
         r"cannot write to .*out\.txt", file=lambda d: str(d / "in" / "out.txt" / "issue.pdf"),
         out=lambda d: str(d / "in" / "out.txt" / "issue.pdf")),
]
CASES += EXTRA_CASES()


def _line_of(path: Path, text: str) -> int:
    """The line of ``text`` in the file, counting line ends as XML does (CR LF, CR, LF)."""
    data = path.read_bytes().decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    assert text in data, f"{text!r} not in the source"
    return data[: data.index(text)].count("\n") + 1


@dataclass
class Outcome:
    proc: subprocess.CompletedProcess[str]
    took: float
    src: Path
    tmp: Path
    before: dict[str, tuple]
    after: dict[str, tuple]


def run_case(case: Case, tmp_path: Path) -> Outcome:
    """Make the case's files in ``tmp_path``, run the command on them, snapshot before and after."""
    folder = tmp_path / "in"
    folder.mkdir()
    src = case.make(folder)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    if case.out is not None:
        out = case.out(tmp_path)
    else:
        out = str(out_dir / f"issue.{case.command}")
        if CASES.index(case) % 2 == 1:  # a previous output, which must survive byte for byte
            Path(out).write_bytes(PREVIOUS)
    env = case.env(tmp_path) if case.env else None
    sources = [str(src), *(case.more(tmp_path) if case.more else [])]
    args = [case.command, *sources] + ([] if case.command == "validate" else ["-o", out])
    before = snapshot(tmp_path)
    started = time.monotonic()
    proc = run_cli(*args, env=env, cwd=case.cwd(tmp_path) if case.cwd else work)
    return Outcome(proc, time.monotonic() - started, src, tmp_path, before, snapshot(tmp_path))


@pytest.fixture(scope="module")
def catalogue(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The selected cases, run as many at once as there are processors (each in its own
    folder and process, under its own limits); a test waits for its own."""
    from concurrent.futures import ThreadPoolExecutor

    selected = {item.callspec.params["case"].name for item in request.session.items
                if getattr(item, "originalname", "") == "test_hostile_input"}
    runnable = [c for c in CASES if c.name in selected and not (c.root_only and os.geteuid() != 0)]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {c.name: pool.submit(run_case, c, tmp_path_factory.mktemp(c.name[:40])) for c in runnable}
        yield futures
        for fut in futures.values():
            fut.cancel()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input(case: Case, catalogue) -> None:
    if case.root_only and os.geteuid() != 0:
        pytest.skip("needs root to make a device node")
    outcome = catalogue[case.name].result()
    proc, took, src, tmp_path = outcome.proc, outcome.took, outcome.src, outcome.tmp

    assert proc.returncode == case.status, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines, "no message"
    assert all(DIAG.match(line) for line in lines), proc.stderr
    assert all(len(line) < 2000 for line in lines), "a message quotes too much"
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
    before, after = outcome.before, outcome.after
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert changed == [], f"changed, created or removed: {changed}"


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
    assert proc.returncode == 4, proc.stderr  # output I/O
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


# ---- bugs are bugs: exit 1, the traceback under --debug ------------------------------------

#: Runs the real CLI with a bug injected inside composition (a KeyError, the exception the
#: composer once turned into "unknown composition style", exit 2).
INJECT_BUG = """
import runpy, sys
import layout.compose.page as page
def broken(self, *args, **kwargs):
    raise {exc}("injected bug")
page.PageComposer.article = broken
sys.argv = ["layout", *sys.argv[1:]]
runpy.run_module("layout", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize("exc", ["KeyError", "MemoryError", "ValueError"])
@pytest.mark.parametrize("debug", [False, True])
def test_a_bug_in_composition_is_an_internal_error(tmp_path: Path, exc: str, debug: bool) -> None:
    src = tmp_path / "issue.xml"
    src.write_text(issue_xml(), encoding="utf-8")
    out = tmp_path / "issue.pdf"
    out.write_bytes(PREVIOUS)
    args = (["--debug"] if debug else []) + ["pdf", str(src), "-o", str(out)]
    proc = subprocess.run([sys.executable, "-c", INJECT_BUG.format(exc=exc), *args], capture_output=True,
                          text=True, env={**cli_env(), "PYTHONPATH": str(ROOT)}, cwd=tmp_path, timeout=60,
                          preexec_fn=_limits)
    assert proc.returncode == 1, proc.stderr
    assert f"internal error, please report: {exc}" in proc.stderr
    assert "unknown composition style" not in proc.stderr
    assert ("Traceback" in proc.stderr and "injected bug" in proc.stderr) == debug, proc.stderr
    if debug:
        assert "in broken" in proc.stderr  # the traceback reaches the frame that raised
    assert out.read_bytes() == PREVIOUS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["issue.pdf", "issue.xml"]


# ---- output I/O: exit 4; SIGTERM; stale temporary files -------------------------------------


def _small_files() -> None:
    _limits()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def test_output_that_cannot_be_written_is_exit_4(tmp_path: Path) -> None:
    """The disk fills up (a file-size limit stands in for it): exit 4, the previous output
    intact, no temporary file."""
    src = tmp_path / "issue.xml"
    src.write_text(issue_xml(), encoding="utf-8")
    out = tmp_path / "out" / "issue.pdf"
    out.parent.mkdir()
    out.write_bytes(PREVIOUS)
    proc = subprocess.run([sys.executable, "-m", "layout", "pdf", str(src), "-o", str(out)],
                          capture_output=True, text=True, env={**cli_env(), "PYTHONPATH": str(ROOT)},
                          cwd=tmp_path, timeout=60, preexec_fn=_small_files)
    assert proc.returncode == 4, proc.stderr
    assert re.fullmatch(rf"{re.escape(str(out))}: error: cannot write to {re.escape(str(out.parent))}: "
                        r"File too large\n", proc.stderr), proc.stderr
    assert out.read_bytes() == PREVIOUS
    assert sorted(p.name for p in out.parent.iterdir()) == ["issue.pdf"]


TERMINATE_AT_FSYNC = INTERRUPT_AT_FSYNC.replace("signal.SIGINT", "signal.SIGTERM")


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_sigterm_just_before_the_rename(tmp_path: Path) -> None:
    """SIGTERM is handled as Ctrl-C is: the temporary file goes, the previous output stays."""
    src = tmp_path / "issue.xml"
    src.write_text(issue_xml(), encoding="utf-8")
    out = tmp_path / "out" / "issue.pdf"
    out.parent.mkdir()
    out.write_bytes(PREVIOUS)
    proc = subprocess.run([sys.executable, "-c", TERMINATE_AT_FSYNC, "pdf", str(src), "-o", str(out)],
                          capture_output=True, text=True, env=cli_env(), cwd=ROOT, timeout=60)
    assert proc.returncode == 143, proc.stderr
    assert proc.stderr.strip() == "terminated: no output was left half-written", proc.stderr
    assert out.read_bytes() == PREVIOUS
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]


def test_stale_temporary_file_of_ours_is_swept(tmp_path: Path) -> None:
    """A SIGKILL leaves a .part behind: the next build of that output removes it once it is
    older than a build could be; a fresh one (a build running now) and others' files stay."""
    src = tmp_path / "issue.xml"
    src.write_text(issue_xml(), encoding="utf-8")
    out = tmp_path / "out" / "issue.pdf"
    out.parent.mkdir()
    stale, fresh, other = (out.parent / n for n in (".issue.pdf.abcd1234.part", ".issue.pdf.wxyz9876.part",
                                                    ".other.pdf.abcd1234.part"))
    for path in (stale, fresh, other):
        path.write_bytes(b"half")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    proc = run_cli("pdf", str(src), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == sorted([out.name, fresh.name, other.name])


# ---- the font cache proves itself ---------------------------------------------------------


def test_damaged_cached_font_is_rebuilt_with_a_warning(tmp_path: Path) -> None:
    """A cached font overwritten with other bytes of the same size (once: blank glyphs at
    exit 0 for every later build) is detected by its seal, rebuilt, and the PDF is the
    same as from a sound cache."""
    src = tmp_path / "issue.xml"
    src.write_text(issue_xml(), encoding="utf-8")
    cache = tmp_path / "cache"
    good = tmp_path / "good.pdf"
    first = run_cli("pdf", str(src), "-o", str(good), timeout=600, limits=False)
    assert first.returncode == 0, first.stderr
    from layout.fonts.cache import cache_dir

    shared = cache_dir(cli_env())
    shutil.copytree(shared, cache, ignore=shutil.ignore_patterns("*.lock"))
    from layout.fonts.convert import CONVERTER_VERSION

    victims = sorted(p for p in cache.glob(f"NotoSans*-c{CONVERTER_VERSION}.ttf"))
    assert victims
    for victim in victims:  # the headline's face is one of them
        victim.write_bytes(b"\x00" * victim.stat().st_size)
    again = tmp_path / "again.pdf"
    # no CPU limit here: converting a face again takes longer than a case may
    proc = run_cli("pdf", str(src), "-o", str(again), env={"LAYOUT_FONT_CACHE": str(cache)}, timeout=600,
                   limits=False)
    assert proc.returncode == 0, proc.stderr
    warned = [v for v in victims if f"{v}: warning: cached font does not match the SHA-256 of its seal "
              "(overwritten or damaged): rebuilt [font-cache]" in proc.stderr.splitlines()]
    assert warned, proc.stderr
    assert again.read_bytes() == good.read_bytes()
    assert all(v.read_bytes().count(0) < v.stat().st_size for v in warned)


# ---- images by content: the EPUB gets what readers show ------------------------------------


def test_epub_images_typed_by_content_and_converted(tmp_path: Path) -> None:
    """PNG bytes named .jpg, a CMYK TIFF and a 16-bit PNG: the EPUB holds a PNG, a JPEG or
    sRGB PNG, and an 8-bit PNG, with media types from the bytes; epubcheck passes."""
    from PIL import Image

    folder = tmp_path / "in"
    folder.mkdir()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(folder / "png.jpg", "PNG")
    Image.new("CMYK", (40, 30), (0, 200, 200, 0)).save(folder / "cmyk.tif", "TIFF")
    Image.new("I;16", (40, 30), 40000).save(folder / "deep.png", "PNG")
    figures = "".join(f'<figure id="f{n}" x="30zi" width="10zi" y="{n * 8}line" height="7line" src="{name}"/>'
                      for n, name in enumerate(("png.jpg", "cmyk.tif", "deep.png")))
    src = folder / "issue.xml"
    src.write_text(issue_xml(ARTICLE + figures), encoding="utf-8")
    out = tmp_path / "issue.epub"
    proc = run_cli("epub", "--no-fonts", str(src), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    import zipfile

    from layout.images import sniff

    with zipfile.ZipFile(out) as zf:
        opf = zf.read(next(n for n in zf.namelist() if n.endswith(".opf"))).decode()
        images = {n: zf.read(n) for n in zf.namelist() if "/images/fig" in n or n.startswith("images/fig")
                  or "fig0" in n}
    assert len(images) == 3, sorted(images)
    kinds = sorted(sniff(data) for data in images.values())
    assert kinds == ["PNG", "PNG", "PNG"], kinds  # a CMYK TIFF becomes an sRGB PNG (lossless stays lossless)
    for name, data in images.items():
        media = {"JPEG": "image/jpeg", "PNG": "image/png"}[sniff(data)]
        assert re.search(rf'href="[^"]*{re.escape(Path(name).name)}"[^>]*media-type="{media}"', opf) or \
            re.search(rf'media-type="{media}"[^>]*href="[^"]*{re.escape(Path(name).name)}"', opf), (name, opf)
        with Image.open(__import__("io").BytesIO(data)) as im:
            assert im.mode in ("RGB", "L", "RGBA"), (name, im.mode)
    java = shutil.which("java")
    jar = Path("/usr/share/java/epubcheck.jar")
    if java and jar.is_file():
        check = subprocess.run([java, "-jar", str(jar), str(out)], capture_output=True, text=True, timeout=300)
        assert check.returncode == 0, check.stdout + check.stderr


# ---- -o DIR/, several sources, long words in messages ---------------------------------------


def test_output_ending_in_a_slash_is_a_folder(tmp_path: Path) -> None:
    """``-o newdir/`` (not there yet) is a folder, not a file named ``newdir``; several
    sources each get their own output in it."""
    a, b = tmp_path / "a.xml", tmp_path / "b.xml"
    for path in (a, b):
        path.write_text(issue_xml(), encoding="utf-8")
    proc = run_cli("pdf", str(a), str(b), "-o", "newdir/", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "newdir").is_dir()
    assert sorted(p.name for p in (tmp_path / "newdir").iterdir()) == ["a.pdf", "b.pdf"]


def test_a_long_word_is_cut_in_the_warning(tmp_path: Path) -> None:
    """A word far wider than the measure is broken between letters, with a warning that
    quotes at most 80 characters of it."""
    word = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 40  # 1800 letters
    src = tmp_path / "issue.xml"
    src.write_text(edit('height="20line"', 'height="60line"', edit("Hello", word)), encoding="utf-8")
    proc = run_cli("pdf", str(src), "-o", str(tmp_path / "issue.pdf"))
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if "wider than the measure" in line]
    assert warnings and all(len(line) < 400 for line in warnings), proc.stderr
    assert "… (1800 characters)" in warnings[0] and warnings[0].endswith("[word-broken]")
