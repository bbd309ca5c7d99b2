"""Parse and validate an issue file: hardened lxml, RELAX NG, then positions for messages.

The parser never touches the network, never loads or expands a DTD or entity,
and refuses documents that declare one: archives receive XML from many hands.
"""

from __future__ import annotations

import os
import re
import stat
from functools import lru_cache
from importlib import resources

from lxml import etree

from layout.errors import Diagnostic, InputError, SourcePos
from layout.read.units import ZIHAO

NS = "urn:x-newsxml:1"
MAX_BYTES = 16 * 1024 * 1024  # a page of text is ~100 KB; anything this large is not a page
#: libxml2's limit on one text node or attribute value (without XML_PARSE_HUGE, which also
#: lifts its other safeguards): 10,000,000 bytes.
MAX_TEXT_BYTES = 10_000_000


def read_regular(path: str | os.PathLike[str], limit: int, what: str) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, the limit enforced on the
    bytes read (a file that grows, a device or a pipe cannot get past it).  A FIFO, a
    device, a socket or a folder is refused before a byte is read, and never blocks:
    raises ``OSError`` with a message saying what is wrong."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with open(fd, "rb") as fh:
        mode = os.fstat(fh.fileno()).st_mode
        if not stat.S_ISREG(mode):
            kind = ("a folder" if stat.S_ISDIR(mode) else "a named pipe" if stat.S_ISFIFO(mode)
                    else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                    else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
            raise OSError(f"it is {kind}, not a regular file")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"{what} is larger than {limit // (1024 * 1024)} MiB")
    return data


def q(name: str) -> str:
    """Qualified name in the source namespace."""
    return f"{{{NS}}}{name}"


def _parser() -> etree.XMLParser:
    # No collect_ids=False: with it libxml2 2.14 opens an external DTD file despite load_dtd=False.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
    )


_WIDE_BOMS = (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00", b"\xff\xfe", b"\xfe\xff")
_DECLARED = re.compile(rb"""\A(?:\xef\xbb\xbf)?<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def encoding_problem(data: bytes) -> str | None:
    """An issue file is UTF-8 (docs/source-format.md): UTF-16/32 or another declared
    encoding is refused, whatever libxml2 could decode."""
    if data.startswith(_WIDE_BOMS) or data[:2] in (b"<\x00", b"\x00<"):
        return "the file is UTF-16 or UTF-32; an issue file must be UTF-8"
    m = _DECLARED.match(data[:200])
    if m and m[1].decode("ascii").lower().replace("_", "-") not in ("utf-8", "utf8"):
        return f"the XML declaration names encoding {m[1].decode('ascii')!r}; an issue file must be UTF-8"
    return None


def doctype_pos(data: bytes, path: str) -> SourcePos | None:
    """Where a DOCTYPE is declared, found before libxml2 sees the bytes: a DTD is refused
    unread (an external one would be opened, an entity bomb expanded while parsing)."""
    head = data[: 1 << 20].decode("utf-8", "replace")
    i = 1 if head.startswith("\ufeff") else 0
    while True:  # skip the prolog's whitespace, XML declaration, PIs and comments
        while i < len(head) and head[i].isspace():
            i += 1
        end = {"<?": "?>", "<!--": "-->"}
        opener = next((o for o in end if head.startswith(o, i)), None)
        if opener is None:
            break
        i = head.find(end[opener], i + len(opener))
        if i < 0:
            return None
        i += len(end[opener])
    if not head.startswith("<!DOCTYPE", i):
        return None
    line_start = head.rfind("\n", 0, i) + 1
    return SourcePos(path, head.count("\n", 0, i) + 1, i - line_start + 1)


@lru_cache(maxsize=1)
def _schema() -> etree.RelaxNG:
    text = resources.files("layout.read").joinpath("schema/issue.rng").read_bytes()
    return etree.RelaxNG(etree.fromstring(text, _parser()))


class SourceFile:
    """The bytes and lines of one source, to turn lxml positions into ``file:line:col``."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = str(path)
        where = SourcePos(self.path)
        try:
            size = os.path.getsize(self.path)
        except OSError as exc:
            raise InputError(Diagnostic(where, f"cannot read the file: {exc.strerror}")) from None
        if size > MAX_BYTES:
            raise InputError(
                Diagnostic(where, f"file is {size / 1e6:.0f} MB; an issue file is limited to "
                           f"{MAX_BYTES // (1024 * 1024)} MiB (split it into one file per issue)")
            )
        try:
            data = read_regular(self.path, MAX_BYTES, "the file")
        except OSError as exc:  # a folder, a pipe, a device, a permission problem, a vanished file
            reason = exc.strerror or str(exc)
            raise InputError(Diagnostic(where, f"cannot read the file: {reason}")) from None
        problem = encoding_problem(data)
        if problem:
            raise InputError(Diagnostic(SourcePos(self.path, 1, 1), problem))
        # XML reads CR LF and a lone CR as LF: so do our line numbers (libxml2's are then right)
        self.data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n") if b"\r" in data else data
        self._lines: list[str] | None = None
        self._nth: dict[etree._Element, int] | None = None
        self._start_memo: dict[tuple[int, str], list[int]] = {}

    def lines(self) -> list[str]:
        if self._lines is None:  # XML counts only LF as a line end (splitlines also splits at U+0085)
            self._lines = self.data.decode("utf-8", "replace").split("\n")
        return self._lines

    def pos(self, el: etree._Element) -> SourcePos:
        """Position of an element: its line, and the column of its start tag on that line
        (the n-th ``<name`` there if n-1 elements of that name start earlier on the line)."""
        line = el.sourceline or 0
        col = 0
        if line and isinstance(el.tag, str):
            starts = self._starts(line, etree.QName(el).localname)
            if len(starts) == 1:
                col = starts[0] + 1
            elif starts:
                col = starts[min(self._nth_on_line(el), len(starts) - 1)] + 1
        return SourcePos(self.path, line, col)

    def _starts(self, line: int, local: str) -> list[int]:
        """Where start tags of ``local`` begin on ``line`` (found once per line and name: a
        file written on one line would otherwise be searched again for every element)."""
        key = (line, local)
        if key not in self._start_memo:
            text = self.lines()[line - 1] if line <= len(self.lines()) else ""
            self._start_memo[key] = [m.start() for m in
                                     re.finditer(rf"<(?:[\w.-]+:)?{re.escape(local)}(?=[\s/>])", text)]
        return self._start_memo[key]

    def _nth_on_line(self, el: etree._Element) -> int:
        """How many elements of the same name start before ``el`` on its line."""
        if self._nth is None:  # one walk, keyed by the element (getpath is linear in siblings)
            self._nth = {}
            seen: dict[tuple[int, str], int] = {}
            for e in el.getroottree().iter():
                if isinstance(e.tag, str):
                    key = (e.sourceline or 0, etree.QName(e).localname)
                    self._nth[e] = seen.get(key, 0)
                    seen[key] = seen.get(key, 0) + 1
        return self._nth.get(el, 0)

    def log_pos(self, entry: etree._LogEntry) -> SourcePos:
        return SourcePos(self.path, entry.line, entry.column + 1 if entry.column else 0)


def _plain(message: str) -> str:
    """libxml2's messages about its own limits, said without naming its parser options."""
    m = re.match(r"Excessive depth in document: (\d+)", message)
    if m:
        return f"elements are nested more than {m[1]} deep (an issue needs fewer than 10 levels)"
    m = re.match(r"(?:xmlParseCharRef: invalid xmlChar value|PCDATA invalid Char value) (\d+)", message)
    if m:
        return f"character U+{int(m[1]):04X} is not allowed in XML 1.0 (remove it)"
    if message.startswith("Invalid bytes in character encoding"):
        return "bytes that are not UTF-8"
    if "Text node too long" in message or "Buffer size limit exceeded" in message \
            or "too big found" in message:
        return (f"one text, attribute value or comment is longer than {MAX_TEXT_BYTES:,} bytes "
                "(the limit for one element's text)")
    if "Maximum entity amplification" in message or "MaxAmplification" in message:
        return "the document expands to far more text than it holds (refused as a bomb)"
    if "XML_PARSE_HUGE" in message or "xmlCtxtSet" in message:
        return re.sub(r",? *(?:try|see) \S+\s*$", "", message.strip()) + " (a limit of the reader)"
    return message


_NO_DTD = "a DOCTYPE or DTD is not allowed in an issue file (it is neither read nor expanded)"


def parse(src: SourceFile) -> etree._ElementTree:
    """Well-formedness, the no-DTD rule and the RELAX NG schema; all problems at once."""
    where = doctype_pos(src.data, src.path)
    if where is not None:
        raise InputError(Diagnostic(where, _NO_DTD))
    parser = _parser()
    try:
        tree = etree.ElementTree(etree.fromstring(src.data, parser))
    except etree.XMLSyntaxError as exc:
        diags = [  # parser.error_log: exc.error_log also holds earlier files' errors
            Diagnostic(src.log_pos(e), f"malformed XML: {_plain(e.message)}")
            for e in parser.error_log
            if e.level_name in ("ERROR", "FATAL")
        ] or [Diagnostic(SourcePos(src.path, *(exc.position or (0, 0))), f"malformed XML: {exc.msg}")]
        raise InputError(diags[:20]) from None
    docinfo = tree.docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:  # doctype_pos found none: say where anyway
        line = next((n for n, text in enumerate(src.lines(), 1) if "<!DOCTYPE" in text), 1)
        col = src.lines()[line - 1].find("<!DOCTYPE") + 1 if line <= len(src.lines()) else 1
        raise InputError(Diagnostic(SourcePos(src.path, line, max(col, 1)), _NO_DTD))
    root = tree.getroot()
    if root.tag != q("issue"):
        raise InputError(
            Diagnostic(src.pos(root),
                       f"root element is {root.tag!r}; expected <issue xmlns=\"{NS}\">")
        )
    schema = _schema()
    if not schema.validate(tree):
        diags = [d for e in schema.error_log for d in _schema_diagnostics(src, tree, e)]
        raise InputError(list(dict.fromkeys(diags))[:50])
    return tree


#: Lexical forms of attribute values, to say which attribute libxml2's "Element X failed to
#: validate attributes" (no line, no path) means.  Keys: attribute, or element/attribute.
_LENGTH = (r"-?[0-9]+(\.[0-9]+)?(zi|line|pt|mm)", "a length: a number and zi, line, pt or mm")
_SIZE = (r"[0-9]+(\.[0-9]+)?pt|" + "|".join(ZIHAO), "a size: a number and pt, or a 号 name such as 小五")
_POSINT = (r"\+?0*[1-9][0-9]*", "a whole number of at least 1")
_DECIMAL = (r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", "a decimal number")
_BOOL = (r"true|false|1|0", "true or false")
_FORMS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("x", "y", "width", "height", "measure", "leading", "top", "bottom", "left",
                     "right", "linePitch", "x1", "y1", "x2", "y2", "rule/weight"), _LENGTH),
    "size": _SIZE, "bodySize": _SIZE,
    **dict.fromkeys(("col", "span", "columns", "lines"), _POSINT),
    **dict.fromkeys(("indent", "columnChars", "gutterChars"), _DECIMAL),
    **dict.fromkeys(("overlay", "inverse", "balance"), _BOOL),
    "role": ("song|hei|kai|fangsong", "a font role: song, hei, kai or fangsong"),
    "weight": ("regular|bold", "regular or bold"),
    "align": ("justify|left|right|center|distribute", "justify, left, right, center or distribute"),
}


def _schema_diagnostics(src: SourceFile, tree: etree._ElementTree,
                        entry: etree._LogEntry) -> list[Diagnostic]:
    """One RELAX NG error as diagnostics at the element it is about (line and column)."""
    message = entry.message.replace("{" + NS + "}", "")
    try:
        found = tree.xpath(entry.path) if entry.path else []
    except etree.XPathError:
        found = []
    el = found[0] if found and isinstance(found[0], etree._Element) else None
    where = src.pos(el) if el is not None else src.log_pos(entry)
    if message == "Expecting an element , got nothing" and el is not None:
        message = f"<{etree.QName(el).localname}> lacks a required child element"
    m = re.fullmatch(r"Element (\w+) failed to validate attributes", message)
    if m and el is None:  # libxml2 says neither where nor which attribute: look for it
        bad = [Diagnostic(src.pos(e), "invalid: " + _bad_value(m[1], name, value))
               for e in tree.iter(q(m[1])) for name, value in e.attrib.items()
               if _bad_value(m[1], name, value)]
        if bad:
            return bad
    m = re.fullmatch(r"Invalid attribute (\w+) for element (\w+)", message)
    if m and el is not None and _bad_value(m[2], m[1], el.get(m[1], "")):
        message = _bad_value(m[2], m[1], el.get(m[1], ""))
    return [Diagnostic(where, f"invalid: {message}")]


def _bad_value(element: str, name: str, value: str) -> str:
    """What is wrong with an attribute value of a known lexical form ("" if nothing is)."""
    form = _FORMS.get(f"{element}/{name}") or _FORMS.get(name)
    if form is None or re.fullmatch(form[0], value):
        return ""
    return f"<{element}> attribute {name}={value!r} is not {form[1]}"
