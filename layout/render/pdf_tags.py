"""The PDF's logical structure (tagged PDF, PDF/UA-1): what a screen reader and
``pdfinfo -struct-text`` read, in the order the EPUB reads the page.

``Document`` holds one ``Art`` per article and per box (a box inside an article is
an ``Art`` inside the article's), a ``Figure`` (with ``/Alt``) and ``Caption`` per
picture.  Inside an ``Art``: the head group (kicker ``P``, headline ``H1``, subhead
``P``; a box's title ``H2`` inside an article, ``H1`` on its own), the byline and
each paragraph as one ``P`` (a paragraph that runs on into the next column is still
one element), box items as ``L``/``LI``/``LBody``.  Page headers, furniture, rules,
frames, crop marks and the slug are artifacts.  Every line is one or a few
marked-content sequences (``MCID``) of its element; the parent tree maps them back.
"""

from __future__ import annotations

from datetime import UTC, datetime

from layout.compose.boxes import Group
from layout.read.model import Article, Box, Figure, Issue
from layout.render import reportlab_adapter as rl
from layout.render.pdf_fonts import utf16_hex

#: block kind -> structure type (a body block's paragraphs are handled apart)
BLOCK_TAGS = {"kicker": "P", "headline": "H1", "subhead": "P", "byline": "P", "label": "P",
              "title": "H1", "caption": "Caption", "head": "H1"}
ARTIFACT_GROUPS = frozenset({"header", "furniture"})


class Elem:
    """A structure element: its type, its kids (elements or (page, MCID)), attributes."""

    __slots__ = ("attrs", "kids", "parent", "tag")

    def __init__(self, tag: str, parent: Elem | None = None, **attrs: str) -> None:
        self.tag = tag
        self.parent = parent
        self.kids: list[Elem | tuple[int, int]] = []
        self.attrs = attrs
        if parent is not None:
            parent.kids.append(self)

    def text_kids(self) -> list[tuple[int, int]]:
        return [k for k in self.kids if isinstance(k, tuple)]


class _Sequence:
    """The open marked-content sequence of a block: lines of one element share it."""

    def __init__(self, tagger: Tagger, drawer) -> None:
        self.tagger = tagger
        self.drawer = drawer
        self.elem: Elem | None = None

    def line(self, placed, inverse: bool, elem: Elem) -> None:
        drawer = self.drawer
        actual = drawer.actual_text(placed)
        if actual is not None:  # a sequence of its own: a Span with the line's ActualText
            self.close()
            mcid = self.tagger.mark(elem)
            drawer.c.addLiteral(f"/Span <</MCID {mcid} /ActualText {utf16_hex(actual)}>> BDC")
            drawer.line(placed, inverse)
            drawer.c.addLiteral("EMC")
            drawer.draw_rules()
            return
        if elem is not self.elem:
            self.close()
            drawer.c.addLiteral(f"/{elem.tag} <</MCID {self.tagger.mark(elem)}>> BDC")
            self.elem = elem
        drawer.line(placed, inverse)

    def close(self) -> None:
        if self.elem is not None:
            self.drawer.c.addLiteral("EMC")
            self.elem = None
        self.drawer.draw_rules()


class Tagger:
    """Builds the structure tree while the pages are drawn, writes it at the end."""

    def __init__(self, issue: Issue) -> None:
        self.root = Elem("Document")
        self.pages: list = []  # page references
        self.marks: list[list[Elem]] = []  # per page: MCID -> element
        self.arts: dict[str, Elem] = {}
        self.later: dict[str, list[Elem]] = {}  # group id -> its pictures, drawn first
        self.owner: dict[str, str] = {}  # box or figure id -> the article that holds it
        self.models: dict[str, Article | Box | Figure] = {}
        for page in issue.pages:
            for item in page.items:
                if isinstance(item, Article | Box | Figure):
                    self.models[item.id] = item
                if isinstance(item, Article):
                    for sub in item.boxes + item.figures:
                        self.models[sub.id] = sub
                        self.owner[sub.id] = item.id

    def start_page(self, ref) -> None:
        self.pages.append(ref)
        self.marks.append([])

    def mark(self, elem: Elem) -> int:
        """A new MCID on the current page, owned by ``elem``."""
        page = len(self.pages) - 1
        mcid = len(self.marks[page])
        self.marks[page].append(elem)
        elem.kids.append((page, mcid))
        return mcid

    def parent_of(self, group_id: str) -> Elem:
        owner = self.owner.get(group_id)
        return self.arts.get(owner, self.root) if owner else self.root

    def open(self, group: Group) -> Elem | None:
        """The element ``group``'s content goes in (its ``Art``, made now), None for page
        furniture (artifacts)."""
        if group.kind in ARTIFACT_GROUPS:
            return None
        parent = self.parent_of(group.id)
        if group.kind == "figure":
            return parent
        art = self.arts[group.id] = Elem("Art", parent)
        return art

    def figure(self, fig, container: Elem | None, drawer, group: Group) -> None:
        """Draw a picture as a ``Figure`` with ``/Alt`` (its alt text, else its caption):
        the pictures of an article are read after its text, a figure of its own before
        its caption."""
        if container is None:
            with drawer.artifact():
                drawer.figure(fig)
            return
        model = self.models.get(fig.id.removesuffix("-picture"))
        caption = model.caption.text if isinstance(model, Figure) and model.caption else ""
        elem = Elem("Figure", None, Alt=fig.alt or caption or "图片")
        elem.parent = container  # put in place when the group's text is tagged
        self.later.setdefault(group.id, []).append(elem)
        drawer.c.addLiteral(f"/Figure <</MCID {self.mark(elem)}>> BDC")
        drawer.figure(fig)
        drawer.c.addLiteral("EMC")

    def text(self, group: Group, drawer) -> None:
        """Draw ``group``'s lines, tagged: the lines of one element in one block form one
        marked-content sequence (poppler reads the structure's text once per sequence,
        so there are as few as the columns allow); page furniture is an artifact."""
        if group.kind in ARTIFACT_GROUPS:
            drawer.c.addLiteral("/Artifact BMC")
            for block in group.blocks:
                for placed in block.lines:
                    actual = drawer.actual_text(placed)
                    if actual is not None:
                        drawer.c.addLiteral(f"/Span <</ActualText {utf16_hex(actual)}>> BDC")
                    drawer.line(placed, block.inverse)
                    if actual is not None:
                        drawer.c.addLiteral("EMC")
            drawer.c.addLiteral("EMC")
            drawer.draw_rules()
            return
        parent = self.parent_of(group.id)
        container = parent if group.kind == "figure" else self.arts[group.id]
        if group.kind == "figure":
            container.kids.extend(self.later.pop(group.id, ()))
        model = self.models.get(group.id)
        kinds = [p.kind for p in model.paragraphs] if isinstance(model, Box) else []
        para: Elem | None = None
        items: Elem | None = None
        count = 0  # paragraphs of running text so far
        for block in group.blocks:
            seq = _Sequence(self, drawer)
            if block.kind != "body":
                tag = BLOCK_TAGS.get(block.kind, "P")
                if block.kind == "title" and parent is not self.root:
                    tag = "H2"
                elem = Elem(tag, container)
                for placed in block.lines:
                    seq.line(placed, block.inverse, elem)
                seq.close()
                continue
            for placed in block.lines:
                if para is None:
                    kind = kinds[count] if count < len(kinds) else "body"
                    if kind == "item":
                        if items is None:
                            items = Elem("L", container)
                        para = Elem("LBody", Elem("LI", items))
                    else:
                        items = None
                        para = Elem("P", container)
                seq.line(placed, block.inverse, para)
                if placed.line.last:
                    para = None
                    count += 1
            seq.close()
        container.kids.extend(self.later.pop(group.id, ()))

    def finish(self, canvas, title: str, creator: str, lang: str | None,
               epoch: int = 946684800) -> None:
        """Write the structure tree, the parent tree and the catalog entries (the XMP
        dated ``epoch``, as the document information is)."""
        order: list[Elem] = []
        stack = [self.root]
        while stack:
            e = stack.pop()
            order.append(e)
            stack.extend(reversed([k for k in e.kids if isinstance(k, Elem)]))
        dicts = {id(e): rl.PDFDictionary({"Type": "/StructElem", "S": "/" + e.tag}) for e in order}
        refs = {id(e): rl.reference(canvas, dicts[id(e)]) for e in order}
        tree = rl.PDFDictionary({"Type": "/StructTreeRoot"})
        tree_ref = rl.reference(canvas, tree)
        for e in order:
            d = dicts[id(e)].dict
            d["P"] = refs[id(e.parent)] if e.parent is not None else tree_ref
            marks = e.text_kids()
            page = marks[0][0] if marks else None
            if page is not None:
                d["Pg"] = self.pages[page]
            kids = []
            for k in e.kids:
                if isinstance(k, Elem):
                    kids.append(refs[id(k)])
                elif k[0] == page:
                    kids.append(k[1])
                else:
                    kids.append(rl.PDFDictionary({"Type": "/MCR", "Pg": self.pages[k[0]],
                                                  "MCID": k[1]}))
            d["K"] = rl.PDFArray(kids)
            for name, value in e.attrs.items():
                d[name] = rl.PDFString(value)
        nums: list = []
        for page, owners in enumerate(self.marks):
            nums += [page, rl.PDFArray([refs[id(e)] for e in owners])]
        tree.dict["K"] = rl.PDFArray([refs[id(self.root)]])
        tree.dict["ParentTree"] = rl.reference(canvas, rl.PDFDictionary({"Nums": rl.PDFArray(nums)}))
        tree.dict["ParentTreeNextKey"] = len(self.pages)
        canvas.setCatalogEntry("StructTreeRoot", tree)
        canvas.setCatalogEntry("MarkInfo", rl.PDFDictionary({"Marked": "true"}))
        canvas.setViewerPreference("DisplayDocTitle", "true")
        meta = rl.PDFStream(rl.PDFDictionary({"Type": "/Metadata", "Subtype": "/XML"}),
                            xmp_packet(title, creator, lang, epoch), [])
        canvas.setCatalogEntry("Metadata", meta)


def escape(text: str) -> str:
    """XML character data (``html.escape`` would import ``html.entities``: ~5 ms)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xmp_packet(title: str, creator: str, lang: str | None, epoch: int = 946684800) -> bytes:
    """The XMP of a PDF/UA-1 file: its title (which viewers show), language, tool, dates
    (the build's epoch, as in the document information)."""
    when = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    language = (f"<dc:language><rdf:Bag><rdf:li>{escape(lang)}</rdf:li></rdf:Bag></dc:language>"
                if lang else "")
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/">'
        "<pdfuaid:part>1</pdfuaid:part>"
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>'
        f"{language}<dc:format>application/pdf</dc:format>"
        f"<xmp:CreatorTool>{escape(creator)}</xmp:CreatorTool>"
        f"<xmp:CreateDate>{when}</xmp:CreateDate><xmp:ModifyDate>{when}</xmp:ModifyDate>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    ).encode()
