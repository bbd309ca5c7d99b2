"""Read ALTO 1.x–4.x page files, alone or through their METS: glyphs, rules, pictures.

The XML is parsed by a hardened lxml parser (no DTD, no entities, no network, no huge
trees) after a size check; a DOCTYPE or an entity reference is refused outright, as the
issue reader does.  Units: ``inch1200`` × 0.06 and ``mm10`` × 72/254 give points;
``pixel`` needs the scan's resolution, which ALTO does not carry, so it is refused unless
``LAYOUT_IMPORT_DPI`` says it (never a guess).  A ``String`` of several characters is
spread evenly over its box; ``SP`` marks a word space before the next string; a ``HYP``
is a printed hyphen, kept once (when the string does not already end in one).

With METS, the ALTO files come from its ``fileSec`` in the physical ``structMap`` order,
resolved only as relative paths that stay inside the METS file's folder; the logical
``structMap``'s article divisions are counted for the report.
"""

from __future__ import annotations

import os
from pathlib import Path

from lxml import etree

from layout.errors import InputError, SourcePos
from layout.importer.scan import Box, Char, Picture, RuleSeg, ScanPage

MAX_XML_BYTES = 64 * 1024 * 1024
MAX_ALTO_FILES = 64
METS_NS = "http://www.loc.gov/METS/"
XLINK = "{http://www.w3.org/1999/xlink}href"
ROLES = {"song": "song", "serif": "song", "ming": "song", "宋": "song", "hei": "hei", "sans": "hei",
         "gothic": "hei", "黑": "hei", "kai": "kai", "楷": "kai", "fangsong": "fangsong", "仿宋": "fangsong"}


def _parse(path: Path) -> etree._ElementTree:
    pos = SourcePos(str(path))
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", pos) from None
    if size > MAX_XML_BYTES:
        raise InputError(f"file is {size} bytes; the import reads XML of at most {MAX_XML_BYTES}", pos)
    data = path.read_bytes()
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise InputError("a DOCTYPE or entity declaration is not allowed (refused, never read)", pos)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    try:
        tree = etree.fromstring(data, parser).getroottree()
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 0
        raise InputError(f"malformed XML: {exc.msg}", SourcePos(str(path), line)) from None
    for node in tree.iter():
        if isinstance(node, etree._Entity):
            raise InputError(f"entity reference &{node.name}; is not allowed",
                             SourcePos(str(path), node.sourceline or 0))
    return tree


def read_alto_or_mets(path: Path) -> list[ScanPage]:
    tree = _parse(path)
    root = tree.getroot()
    if etree.QName(root).namespace == METS_NS:
        return _read_mets(path, root)
    if etree.QName(root).localname != "alto":
        raise InputError(f"not ALTO or METS (root element <{etree.QName(root).localname}>)", SourcePos(str(path)))
    return [_read_alto(path, root, 1)]


def _inside(base: Path, href: str, pos: SourcePos) -> Path:
    if "://" in href or href.startswith(("/", "\\")) or ":" in href.split("/")[0]:
        raise InputError(f"METS points at {href!r}: only relative paths inside the package are read", pos)
    target = (base / href).resolve()
    if not target.is_relative_to(base.resolve()):
        raise InputError(f"METS points at {href!r}, outside its folder", pos)
    return target


def _read_mets(path: Path, root) -> list[ScanPage]:
    pos = SourcePos(str(path))
    m = f"{{{METS_NS}}}"
    files = {}
    for f in root.iter(f"{m}file"):
        loc = f.find(f"{m}FLocat")
        if loc is not None and loc.get(XLINK):
            files[f.get("ID")] = loc.get(XLINK)
    order = []
    for sm in root.iter(f"{m}structMap"):
        if (sm.get("TYPE") or "").upper() == "PHYSICAL":
            for div in sm.iter(f"{m}div"):
                for fp in div.findall(f"{m}fptr"):
                    fid = fp.get("FILEID")
                    if fid in files and fid not in order:
                        order.append(fid)
    if not order:
        order = [fid for fid, href in files.items() if "alto" in fid.lower() or href.lower().endswith(".xml")]
    if not order:
        raise InputError("the METS file names no ALTO files", pos)
    if len(order) > MAX_ALTO_FILES:
        raise InputError(f"the METS file names {len(order)} files (at most {MAX_ALTO_FILES})", pos)
    articles = 0
    for sm in root.iter(f"{m}structMap"):
        if (sm.get("TYPE") or "").upper() == "LOGICAL":
            articles += sum(1 for d in sm.iter(f"{m}div") if (d.get("TYPE") or "").lower() == "article")
    pages = []
    for n, fid in enumerate(order, 1):
        target = _inside(path.parent, files[fid], pos)
        alto = _parse(target).getroot()
        if etree.QName(alto).localname != "alto":
            raise InputError(f"{files[fid]} is not ALTO", pos)
        page = _read_alto(target, alto, n)
        page.mets_articles = articles if n == 1 else 0
        pages.append(page)
    return pages


def _unit(root, pos: SourcePos) -> float:
    unit = "pixel"
    for el in root.iter():
        if isinstance(el.tag, str) and etree.QName(el).localname == "MeasurementUnit":
            unit = (el.text or "").strip()
            break
    if unit == "inch1200":
        return 72 / 1200
    if unit == "mm10":
        return 72 / 254
    dpi = os.environ.get("LAYOUT_IMPORT_DPI")
    if unit == "pixel" and dpi:
        return 72 / float(dpi)
    raise InputError(f"ALTO measurement unit {unit!r}: the scan's resolution is unknown "
                     "(set LAYOUT_IMPORT_DPI for pixel ALTO; it is never guessed)", pos)


def _num(el, name: str, default: float = 0.0) -> float:
    v = el.get(name)
    try:
        return float(v) if v is not None else default
    except ValueError:
        return default


def _role(family: str) -> str:
    f = family.lower()
    for key, role in ROLES.items():
        if key in f:
            return role
    return "song"


def _read_alto(path: Path, root, number: int) -> ScanPage:
    pos = SourcePos(str(path))
    k = _unit(root, pos)

    def L(el):
        return etree.QName(el).localname if isinstance(el.tag, str) else ""

    styles = {}
    for el in root.iter():
        if L(el) == "TextStyle":
            bold = "bold" in (el.get("FONTSTYLE") or "")
            styles[el.get("ID")] = (_role(el.get("FONTFAMILY") or ""), "bold" if bold else "regular",
                                    _num(el, "FONTSIZE", 0.0))
    page_el = next((el for el in root.iter() if L(el) == "Page"), None)
    if page_el is None:
        raise InputError("ALTO without a <Page>", pos)
    scan = ScanPage(number, _num(page_el, "WIDTH") * k, _num(page_el, "HEIGHT") * k)
    if scan.width <= 0 or scan.height <= 0:
        raise InputError("ALTO <Page> without WIDTH and HEIGHT", pos)

    def style_of(el):
        while el is not None and isinstance(el.tag, str):
            for ref in (el.get("STYLEREFS") or "").split():
                if ref in styles:
                    return styles[ref]
            el = el.getparent()
        return ("song", "regular", 0.0)

    for el in root.iter():
        name = L(el)
        if name == "TextLine":
            _line(el, k, style_of, scan)
        elif name == "GraphicalElement":
            x, y, w, h = (_num(el, a) * k for a in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))
            if h <= 4 and w > h:
                scan.rules.append(RuleSeg(x, y + h / 2, x + w, y + h / 2, h))
            elif w <= 4 and h > w:
                scan.rules.append(RuleSeg(x + w / 2, y, x + w / 2, y + h, w))
        elif name == "ComposedBlock" and (el.get("TYPE") or "").lower() in ("box", "sidebar"):
            # a boxed sidebar: its block is its frame, drawn with a border (as the PDF shows it)
            x, y, w, h = (_num(el, a) * k for a in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))
            for x1, y1, x2, y2 in ((x, y, x + w, y), (x, y + h, x + w, y + h), (x, y, x, y + h),
                                   (x + w, y, x + w, y + h)):
                scan.rules.append(RuleSeg(x1, y1, x2, y2, 0.6))
        elif name == "Illustration":
            x, y, w, h = (_num(el, a) * k for a in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))
            scan.pictures.append(Picture(Box(x, y, w, h)))
    if not scan.chars:
        raise InputError("the ALTO page has no text (no String with CONTENT)", pos)
    return scan


def _line(line_el, k: float, style_of, scan: ScanPage) -> None:
    base = line_el.get("BASELINE")
    baseline = None
    if base:
        try:
            parts = base.replace(",", " ").split()
            baseline = float(parts[1] if len(parts) >= 2 else parts[0]) * k
        except (ValueError, IndexError):
            baseline = None
    space = False
    for el in line_el:
        if not isinstance(el.tag, str):
            continue
        name = etree.QName(el).localname
        if name == "SP":
            space = True
            continue
        if name == "HYP":
            text = el.get("CONTENT") or "-"
            if scan.chars and not scan.chars[-1].ch.endswith(("-", "\u00ad")):
                last = scan.chars[-1]
                scan.chars.append(Char(text[0], last.right, last.baseline, last.size * 0.33, last.size,
                                       last.role, last.weight))
            continue
        if name != "String":
            continue
        content = el.get("CONTENT") or ""
        if not content:
            continue
        role, weight, size = style_of(el)
        x, y, w, h = (_num(el, a) * k for a in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))
        size = size or h or 9.0
        b = baseline if baseline is not None else y + 0.88 * (h or size)
        n = len(content)
        for j, ch in enumerate(content):
            if ch.isspace():
                space = True
                continue
            scan.chars.append(Char(ch, x + w * j / n, b, w / n, size, role, weight, space_before=space))
            space = False
