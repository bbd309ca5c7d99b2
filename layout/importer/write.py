"""The page model as issue XML (docs/source-format.md): lengths in pt, relative to the type area.

Every frame is placed by x/width in points (imported frames are rarely on a whole grid);
body text flows through explicit regions, one per printed column, so the rebuilt page
puts every line where it was; the article keeps its measure and composition style.
"""

from __future__ import annotations

from lxml import etree

from layout.importer.analyse import Frame, PageModel, Para
from layout.importer.lines import TextLine

NS = "urn:x-newsxml:1"
XML_NS = "http://www.w3.org/XML/1998/namespace"


def pt(v: float) -> str:
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return f"{'0' if s in ('-0', '') else s}pt"


def el(parent, tag: str, text: str | None = None, **attrs) -> etree._Element:
    e = etree.SubElement(parent, f"{{{NS}}}{tag}") if parent is not None else etree.Element(f"{{{NS}}}{tag}", nsmap={None: NS})
    for k, v in attrs.items():
        if v is not None:
            e.set(k, str(v))
    if text is not None:
        e.text = text
    return e


def _font(e, style: tuple[str, str], size: float | None = None) -> None:
    e.set("role", style[0])
    e.set("weight", style[1])
    if size is not None:
        e.set("size", pt(size))


def issue_xml(pages: list[PageModel], issue_id: str, source_name: str,
              images: dict[str, bytes] | None = None, image_dir: str = "images") -> etree._Element:
    """The issue; embedded images copied out go into ``images`` (src → bytes), their
    ``src`` under ``image_dir`` (relative to the issue file)."""
    root = el(None, "issue", id=issue_id, schemaVersion="1.0")
    root.set(f"{{{XML_NS}}}lang", "zh-Hans")
    meta = el(root, "meta")
    for name in ("paper", "date", "edition", "issueNumber"):
        el(meta, name, unknown="true")
    el(meta, "title", f"导入的版面（{source_name}）")
    el(meta, "note", f"Imported from {source_name} by `python -m layout import`: paper, date, edition "
                     "and issue number are not read from the page and are left unknown.")
    geos: dict[tuple, str] = {}
    for pm in pages:
        key = _geo_key(pm)
        if key not in geos:
            geos[key] = f"g{len(geos) + 1}"
            _geometry(root, pm, geos[key])
    global _IMAGES, _IMAGE_DIR
    _IMAGES, _IMAGE_DIR = images, image_dir
    try:
        for n, pm in enumerate(pages, 1):
            _page(root, pm, geos[_geo_key(pm)], n)
    finally:
        _IMAGES = None
    return root


#: where the figures' images go while a page is written (set by ``issue_xml``)
_IMAGES: dict[str, bytes] | None = None
_IMAGE_DIR = "images"


def _grid(pm: PageModel) -> tuple[int, float, float]:
    g = round(pm.gutter / pm.body, 3)
    widths = []
    for f in pm.frames:
        n = len({round(c.x / pm.body) for c in f.columns})
        if f.kind == "article" and n >= 2:
            w = round((f.box.width - (n - 1) * pm.gutter) / n / pm.body, 2)
            if w >= 1:
                widths.append(w)
    cc = max(set(widths), key=widths.count) if widths else round(pm.type_box.width / pm.body, 2)
    tw = pm.type_box.width / pm.body
    cols = max(1, int((tw + g + 1e-6) // (cc + g)))
    while cols * cc + (cols - 1) * g > tw + 0.05 and cols > 1:
        cols -= 1
    if cc > tw:
        cc = round(tw, 2) - 0.01
    return cols, cc, g


def _geo_key(pm: PageModel) -> tuple:
    t = pm.type_box
    return (round(pm.width, 2), round(pm.height, 2), round(t.x, 2), round(t.y, 2), round(t.width, 2),
            round(t.height, 2), pm.body, pm.pitch, _grid(pm))


def _geometry(root, pm: PageModel, gid: str) -> None:
    t = pm.type_box
    mm = 72 / 25.4
    g = el(root, "geometry", id=gid)
    el(g, "trim", width=pt(snap(pm.width, mm, 0.1)), height=pt(snap(pm.height, mm, 0.1)))
    el(g, "margins", top=pt(snap(t.y, mm / 4, 0.1)), bottom=pt(snap(pm.height - t.bottom, mm / 4, 0.1)),
       left=pt(snap(t.x, mm / 4, 0.1)), right=pt(snap(pm.width - t.right, mm / 4, 0.1)))
    cols, cc, gc = _grid(pm)
    el(g, "grid", bodySize=pt(pm.body), linePitch=pt(pm.pitch), columns=str(cols),
       columnChars=f"{cc:g}", gutterChars=f"{gc:g}")


def snap(v: float, step: float, tol: float = 0.12) -> float:
    """``v`` on a multiple of ``step`` when within ``tol`` of one: ALTO rounds every
    position to its unit (0.06 pt for inch1200), frames sit on quarter zi and half lines."""
    n = round(v / step)
    return n * step if abs(v - n * step) <= tol else v


def _place(e, box, pm: PageModel) -> None:
    t = pm.type_box
    x0, x1 = snap(box.x - t.x, pm.body / 4), snap(box.right - t.x, pm.body / 4)
    y0, y1 = snap(box.y - t.y, pm.pitch / 2), snap(box.bottom - t.y, pm.pitch / 2)
    e.set("x", pt(x0))
    e.set("width", pt(x1 - x0))
    e.set("y", pt(y0))
    e.set("height", pt(y1 - y0))


def _page(root, pm: PageModel, gid: str, number: int) -> None:
    page = el(root, "page", geometry=gid)  # attributes: geometry, label, section (schema order)
    if pm.header:
        y, h, section, label = pm.header
        if label:
            page.set("label", label)
        if section:
            page.set("section", section)
        el(page, "header", y=pt(y), height=pt(h))
    counters: dict[str, int] = {}

    def next_id(prefix: str) -> str:
        counters[prefix] = counters.get(prefix, 0) + 1
        return f"{prefix}{counters[prefix]}-p{number}" if number > 1 else f"{prefix}{counters[prefix]}"

    for f in pm.frames:
        if f.kind == "furniture":
            _furniture(page, f, pm, next_id("f"))
        elif f.kind == "figure":
            _figure(page, f, pm, next_id("fig"))
        elif f.kind == "box":
            _box(page, f, pm, next_id("box"))
        else:
            _article(page, f, pm, next_id("a"), next_id)


def _furniture(page, f: Frame, pm: PageModel, fid: str) -> None:
    f.id = fid
    if not f.lines:
        return
    size = max(ln.size for ln in f.lines)
    text = "".join(ln.text for ln in f.lines)
    kind = "label" if f.inverse else "english" if text.isascii() else "slogan" if size > pm.body * 1.1 else "note"
    mid = f.box.x + f.box.width / 2
    centred = all(abs((ln.x + ln.right) / 2 - mid) < 2 for ln in f.lines)
    e = el(page, "furniture", id=fid, kind=kind)
    _place(e, f.box, pm)
    _font(e, f.lines[0].style, size)
    e.set("align", "center" if centred else "left")
    if f.inverse:
        e.set("inverse", "true")
    for ln in f.lines:
        el(e, "line", ln.text)


def _runs(parent, para: Para, body_style) -> None:
    last = None
    for kind, text, style in para.runs(body_style):
        if kind == "text":
            if last is None:
                parent.text = (parent.text or "") + text
            else:
                last.tail = (last.tail or "") + text
            continue
        if kind == "dateline":
            last = el(parent, "dateline", text)
        else:
            last = el(parent, "span", text, role=style[0], weight=style[1])


def _p(parent, tag: str, para: Para, pm: PageModel, measure: float | None = None):
    e = el(parent, tag)
    first = para.lines[0]
    indent = round((first.x - para.x) / pm.body, 1)
    starts_dateline = first.chars[0].role == "hei" and first.chars[0].weight == "bold"
    if not starts_dateline and abs(indent - 2) > 0.05:
        e.set("indent", f"{max(0.0, indent):g}")
    if measure is not None and abs(para.measure - measure) > 0.3:
        e.set("measure", pt(para.measure))
    _runs(e, para, pm.body_style)
    return e


def _head(parent, f: Frame, pm: PageModel) -> None:
    if not f.heads:
        return
    h = el(parent, "head", align=f.head_align)
    for kind, lines in f.heads:
        part = el(h, kind)
        _font(part, lines[0].style, max(ln.size for ln in lines))
        for ln in lines:
            el(part, "line", ln.text)


def _body_style(e, pm: PageModel, composition: str) -> None:
    _font(e, pm.body_style, pm.body)
    e.set("leading", pt(pm.pitch))
    e.set("composition", composition)


def _flow(parent, f: Frame, pm: PageModel) -> None:
    flow = el(parent, "flow")
    t = pm.type_box
    for col in f.columns:
        first = col.lines[0]
        top = first.baseline - 0.88 * pm.body
        el(flow, "region", x=pt(col.x - t.x), y=pt(top - t.y), width=pt(col.measure), lines=str(_rows(col, pm)))


def _rows(col, pm: PageModel) -> int:
    return round((col.lines[-1].baseline - col.lines[0].baseline) / pm.pitch) + 1


def _article(page, f: Frame, pm: PageModel, aid: str, next_id) -> None:
    f.id = aid
    e = el(page, "article", id=aid)
    _place(e, f.box, pm)
    _body_style(e, pm, f.composition)
    if f.evidence:
        e.append(etree.Comment(f" {f.evidence} "))
    _head(e, f, pm)
    if f.byline is not None:
        b = el(e, "byline", f.byline.text)
        _font(b, f.byline.style, f.byline.size)
    main = _main_measure(f)
    if not f.paras:
        el(e, "p", "\u3000")  # an article without body text keeps its frame
    group = None
    for para in f.paras:
        narrower = main is not None and para.measure < main - 0.3 and len(para.lines) > 1
        if narrower and (group is None or group.get("measure") != pt(para.measure)):
            group = el(e, "group", measure=pt(para.measure))
        elif not narrower:
            group = None
        _p(group if group is not None else e, "p", para, pm, None if narrower else main)
    if f.tag:
        t = el(e, "tag", f.tag)
        if f.tag_style and f.tag_style != pm.body_style:
            _font(t, f.tag_style)
    for fig in f.figures:
        _figure(e, fig, pm, next_id("fig"))
    if f.columns:
        _flow(e, f, pm)


def _main_measure(f: Frame) -> float | None:
    ms = [c.measure for c in f.columns]
    return max(set(ms), key=ms.count) if ms else None


def _box(page, f: Frame, pm: PageModel, bid: str) -> None:
    f.id = bid
    e = el(page, "box", id=bid, border="solid")
    _place(e, f.box, pm)
    _body_style(e, pm, f.composition)
    if f.evidence:
        e.append(etree.Comment(f" {f.evidence} "))
    if f.label is not None:
        el(e, "label", f.label.text)
    title = el(e, "title")
    lines: list[TextLine] = [ln for _, ls in f.heads for ln in ls]
    if lines:
        _font(title, lines[0].style, max(ln.size for ln in lines))
    for ln in lines or [TextLine(f.paras[0].lines[0].chars)]:
        el(title, "line", ln.text)
    main = _main_measure(f)
    for para in f.paras:
        _p(e, "item", para, pm, main)
    if f.tag:
        el(e, "tag", f.tag)
    if f.columns:
        _flow(e, f, pm)


def _figure(parent, f: Frame, pm: PageModel, fid: str) -> None:
    f.id = fid
    e = el(parent, "figure", id=fid)
    _place(e, f.box, pm)
    if f.image and _IMAGES is not None:
        src = f"{_IMAGE_DIR}/{fid}{f.image_ext}"
        _IMAGES[src] = f.image
        e.set("src", src)
    if f.caption is not None:
        c = _p(e, "caption", f.caption, pm)
        c.set("measure", pt(f.caption.measure))
        size = f.caption.lines[0].size
        c.set("size", pt(size))
        c.set("composition", f.composition)
        if "indent" not in c.attrib:
            c.set("indent", "2")
    if f.credit:
        el(e, "credit", f.credit)
