"""Tagged PDF (PDF/UA-1) and clean text: read back with poppler, compared with the source.

``pdfinfo -struct-text`` must list the articles in reading order, each opening with its
head group, each paragraph whole; ``pdftotext`` must give each paragraph's text without
spaces the source does not have (the glue between hanzi and digits is positioning).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from layout.read import read_issue
from layout.read.model import Article, Box, Figure, Issue

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "source" / "000_024ecb8943099354.xml"


def build_pdf(source: Path, out: Path) -> Path:
    proc = subprocess.run([sys.executable, "-m", "layout", "pdf", str(source), "-o", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return build_pdf(SAMPLE, tmp_path_factory.mktemp("tagged") / "sample.pdf")


@pytest.fixture(scope="module")
def issue24(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("issue24")
    source = folder / "issue-24.xml"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "make_issue.py"), "-o", str(source)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return source, build_pdf(source, folder / "issue-24.pdf")


class Node:
    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.kids: list[Node] = []
        self.texts: list[str] = []

    def text(self) -> str:
        return "".join(self.texts) + "".join(k.text() for k in self.kids)

    def walk(self):
        yield self
        for k in self.kids:
            yield from k.walk()


def structure(pdf: Path) -> Node:
    """The structure tree as ``pdfinfo -struct-text`` prints it (indented by depth)."""
    out = subprocess.run(["pdfinfo", "-struct-text", str(pdf)], capture_output=True, text=True,
                         check=True).stdout
    root = Node("")
    stack: list[tuple[int, Node]] = [(-1, root)]
    for line in out.splitlines():
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip(" "))
        while stack[-1][0] >= depth:
            stack.pop()
        body = line.strip()
        if body.startswith('"'):
            stack[-1][1].texts.append(body[1:-1])
            continue
        node = Node(body.split()[0])
        stack[-1][1].kids.append(node)
        stack.append((depth, node))
    return root


def items_in_reading_order(issue: Issue):
    """Articles and stand-alone boxes of every page, in the source's reading order."""
    for page in issue.pages:
        for item in page.items:
            if isinstance(item, Article | Box):
                yield item


def expected(item: Article | Box) -> tuple[list[str], list[str]]:
    """(head texts in order, paragraph texts in order) of an article or box."""
    if isinstance(item, Article):
        head = [p.text for p in item.head.parts] if item.head else []
        paras = [p.text for p in item.paragraphs]
    else:
        head = ([item.label] if item.label else []) + ["".join(t.text for t in item.title)]
        paras = [p.text for p in item.paragraphs]
    return head, paras


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def check_articles(pdf: Path, issue: Issue) -> int:
    root = structure(pdf)
    (document,) = root.kids
    assert document.tag == "Document"
    arts = [n for n in document.kids if n.tag == "Art"]
    items = list(items_in_reading_order(issue))
    assert len(arts) == len(items)
    for art, item in zip(arts, items, strict=True):
        head, paras = expected(item)
        heads = art.kids[:len(head)]
        assert [squash(n.text()) for n in heads] == [squash(h) for h in head], item.id
        assert any(n.tag == "H1" for n in heads), item.id
        blocks = [n for n in art.kids[len(head):] if n.tag in ("P", "L")]
        got = "|".join(squash(n.text()) if n.tag == "P" else
                       "|".join(squash(li.text()) for li in n.kids) for n in blocks)
        # a closing tag such as （魏宣） is set run-in at the end of the last paragraph
        want = "|".join(squash(p) for p in paras)
        assert got == want or got == want.replace("|" + squash(paras[-1]), squash(paras[-1])), item.id
    return len(arts)


def test_sample_is_tagged_with_language_and_title(sample):
    info = subprocess.run(["pdfinfo", str(sample)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    with pikepdf.open(sample) as doc:
        assert str(doc.Root.Lang) == "zh-Hans"
        assert bool(doc.Root.MarkInfo.Marked) is True
        assert bool(doc.Root.ViewerPreferences.DisplayDocTitle) is True
        assert all(page.obj.Tabs == "/S" for page in doc.pages)
        meta = doc.Root.Metadata.read_bytes().decode("utf-8")
        assert "<pdfuaid:part>1</pdfuaid:part>" in meta and "未知" in meta
        tree = doc.Root.StructTreeRoot
        assert int(tree.ParentTreeNextKey) == len(doc.pages)


def test_sample_structure_lists_every_article_in_reading_order(sample):
    issue = read_issue(SAMPLE)
    assert check_articles(sample, issue) == 8 + 1  # eight articles and the box


def test_sample_figures_have_alt_text_and_furniture_is_artifact(sample):
    root = structure(sample)
    tags = [n.tag for n in root.walk()]
    assert tags.count("Figure") == 2 and tags.count("Caption") == 2
    with pikepdf.open(sample) as doc:
        figures = [e for e in _elements(doc.Root.StructTreeRoot) if e.S == "/Figure"]
        assert figures and all(str(e.Alt) for e in figures)
    text = root.text()
    assert "览新闻" not in text and "NEWS" not in text  # page furniture: artifacts


def _elements(node):
    kids = node.get("/K")
    if kids is None:
        return
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/S") is not None:
            yield kid
            yield from _elements(kid)


def test_text_extraction_gives_the_source_paragraphs_without_added_spaces(sample):
    """pdftotext in content order: each paragraph is the source's text (lines joined), and
    every space it shows stands where the source has one."""
    issue = read_issue(SAMPLE)
    raw = subprocess.run(["pdftotext", "-raw", str(sample), "-"], capture_output=True,
                         text=True, check=True).stdout
    assert "5月14日" in raw and "5 月" not in raw
    joined = squash(raw)
    paragraphs = [p for item in items_in_reading_order(issue) for p in expected(item)[1]]
    assert len(paragraphs) > 40
    for text in paragraphs:
        assert squash(text) in joined, text
    texts = [expected(item)[0] + expected(item)[1] for item in items_in_reading_order(issue)]
    texts += [[p.text for p in (f.caption, f.credit) if p] for page in issue.pages
              for item in page.items for f in ([item] if isinstance(item, Figure) else
                                               getattr(item, "figures", ()))]
    source_pairs = {(a, b) for group in texts for p in group
                    for a, b in re.findall(r"(\S)\s+(?=(\S))", p)}
    # a paragraph set run in after another (a closing tag, a credit) keeps a gap before it
    source_pairs |= {(a[-1], b[0]) for group in texts for a, b in zip(group[:-1], group[1:], strict=True)
                     if a and b}
    article_lines = [line for line in raw.splitlines() if squash(line) and squash(line) in joined]
    added = [(a, b, line) for line in article_lines for a, b in re.findall(r"(\S) +(?=(\S))", line)
             if (a, b) not in source_pairs]
    # the head group's editor lines are joined by a space in the source's headline text
    added = [x for x in added if not any(x[2].strip() in " ".join(h.text for h in part.lines)
                                         for item in items_in_reading_order(issue)
                                         if isinstance(item, Article) and item.head
                                         for part in item.head.parts)]
    assert not added, added[:5]


def test_issue24_structure_lists_every_article_of_every_page(issue24):
    source, pdf = issue24
    issue = read_issue(source)
    assert len(issue.pages) == 24
    assert check_articles(pdf, issue) == 24 * 9


def test_pdfa_level_u_needs_every_glyph_mapped(sample, tmp_path):
    """Archive PDFs are PDF/A-2u: level B (pikepdf's validator) plus every glyph code
    mapped to Unicode; a font without ToUnicode is found and named."""
    from layout.render.pdfa import make_pdfa, unicode_findings, validate

    archive = tmp_path / "a.pdf"
    archive.write_bytes(sample.read_bytes())
    result = make_pdfa(archive, read_issue(SAMPLE))
    assert (result.flavour, result.verdict) == ("2u", "pass")
    assert validate(archive).passed
    with pikepdf.open(archive) as pdf:
        assert pdf.open_metadata()["pdfaid:conformance"] == "U"
        assert pdf.Root.MarkInfo.Marked and "/StructTreeRoot" in pdf.Root  # still tagged
        assert unicode_findings(pdf) == []
        font = next(iter(pdf.pages[0].Resources.Font.values()))
        del font["/ToUnicode"]
        assert any("has no ToUnicode" in f for f in unicode_findings(pdf))
