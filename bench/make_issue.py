"""Write a synthetic multi-page issue for the benchmark, made from the sample page.

Every page is a copy of the sample page's frames (same geometry, same frame sizes, same
styles) whose paragraphs are permuted deterministically, so the text of each page
differs from the others but the amount of text per frame is the same:

* in each article (and in each ``<group>`` of one) the paragraphs are rotated; a
  paragraph that opens with a ``<dateline>`` stays first; on every other round the
  order is also reversed;
* in the box, the items are rotated the same way;
* ids get a ``-pN`` suffix, pages get ``label="N"``.

Paragraphs start on a new line, so a permutation keeps each article's line count
except where a frame has regions of different measure (a6, box1).  With ``--check``
(the default) the issue is composed and a page that oversets is given the next
permutation until nothing does, so the result always builds without ``--allow-overset``.

    .venv/bin/python bench/make_issue.py                 # build/bench/issue-24.xml (+ halves)
    .venv/bin/python bench/make_issue.py --pages 6 -o build/bench/six.xml --no-check

Besides the whole issue it writes ``<stem>-a.xml`` and ``<stem>-b.xml``, the first and the
second half of the pages as two issues, for the two-process build of ``bench/run.py``.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "source" / "000_024ecb8943099354.xml"
OUT = ROOT / "build" / "bench" / "issue-24.xml"
NS = "urn:x-newsxml:1"
ID_ELEMENTS = {"article", "box", "figure", "furniture", "rule"}


def q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _permute(elements: list, t: int) -> list:
    """Rotation by ``t`` (reversed on odd rounds); a leading dateline paragraph stays first."""
    if len(elements) < 2:
        return elements
    fixed: list = []
    rest = elements
    if elements[0].find(q("dateline")) is not None:
        fixed, rest = elements[:1], elements[1:]
    if len(rest) < 2:
        return elements
    r = t % len(rest)
    rotated = rest[r:] + rest[:r]
    if (t // len(rest)) % 2 == 1:
        rotated.reverse()
    return fixed + rotated


def _reorder(parent, tag: str, t: int) -> None:
    """Permute the ``tag`` children of ``parent`` among the places they occupy."""
    kids = [c for c in parent if c.tag == q(tag)]
    if len(kids) < 2:
        return
    slots = [parent.index(c) for c in kids]
    new = _permute(kids, t)
    for c in kids:
        parent.remove(c)
    for slot, c in sorted(zip(slots, new, strict=True), key=lambda sc: sc[0]):
        parent.insert(slot, c)


def make_page(template, number: int, t: int):
    """Page ``number`` (1-based) with permutation ``t`` (0 = the sample's own order)."""
    page = copy.deepcopy(template)
    page.set("label", str(number))
    for el in page.iter():
        if not isinstance(el.tag, str):
            continue
        local = etree.QName(el).localname
        if local in ID_ELEMENTS and el.get("id"):
            el.set("id", f"{el.get('id')}-p{number}")
    if t:
        for art in page.iter(q("article")):
            _reorder(art, "p", t)
            for group in art.iter(q("group")):
                _reorder(group, "p", t)
        for box in page.iter(q("box")):
            _reorder(box, "item", t)
            _reorder(box, "p", t)
    return page


def make_issue(pages: int, perms: list[int] | None = None, sample: Path = SAMPLE,
               first: int = 1, issue_id: str | None = None):
    """The issue tree: ``pages`` pages numbered from ``first``; ``perms[k]`` is page k's
    permutation (default: its index, so page 1 is the sample page itself)."""
    parser = etree.XMLParser(remove_comments=True, resolve_entities=False, no_network=True)
    tree = etree.parse(str(sample), parser)
    root = tree.getroot()
    template = root.find(q("page"))
    for p in root.findall(q("page")):
        root.remove(p)
    perms = perms or list(range(first - 1, first - 1 + pages))
    root.set("id", issue_id or f"bench-{pages}p")
    title = root.find(f"{q('meta')}/{q('title')}")
    if title is not None:
        title.text = f"基准测试合成报纸（{pages}版，取自样张）"
    for k in range(pages):
        root.append(make_page(template, first + k, perms[k]))
    etree.indent(root, space="  ")
    return etree.ElementTree(root)


def write(tree, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8") + b"\n")
    return path


def overset_pages(path: Path) -> list[int]:
    """Indices of the pages of ``path`` with overset text (composed with the real fonts)."""
    sys.path.insert(0, str(ROOT))
    from layout.compose.page import compose_issue
    from layout.fonts import FontSet
    from layout.pipeline import text_items
    from layout.read import read_issue

    issue = read_issue(path)
    items = list(text_items(issue))
    fonts = FontSet.load(extra_chars="".join(sorted({ch for ch, *_ in items})))
    fonts.prepare(fonts.check_coverage(items))
    layout = compose_issue(issue, fonts, allow_overset=True)
    return [k for k, page in enumerate(layout.pages) if any(g.overset for g in page.groups)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=24)
    ap.add_argument("-o", "--output", type=Path, default=OUT)
    ap.add_argument("--sample", type=Path, default=SAMPLE)
    ap.add_argument("--no-check", dest="check", action="store_false",
                    help="do not compose to make sure no page oversets")
    ap.add_argument("--no-halves", dest="halves", action="store_false",
                    help="do not write the two half issues")
    args = ap.parse_args(argv)

    perms = list(range(args.pages))
    out = args.output
    for _attempt in range(50):
        write(make_issue(args.pages, perms, args.sample), out)
        if not args.check:
            break
        bad = overset_pages(out)
        if not bad:
            break
        for k in bad:  # next permutation for the pages that overset
            perms[k] += args.pages
    else:
        print(f"error: could not find permutations that fit: pages {bad}", file=sys.stderr)
        return 1
    written = [out]
    if args.halves and args.pages > 1:
        half = args.pages // 2
        stem = out.with_suffix("")
        for suffix, first, count in (("a", 1, half), ("b", half + 1, args.pages - half)):
            tree = make_issue(count, perms[first - 1 : first - 1 + count], args.sample, first,
                              issue_id=f"bench-{args.pages}p-{suffix}")
            written.append(write(tree, Path(f"{stem}-{suffix}.xml")))
    for path in written:
        print(path)
    print("permutations:", " ".join(map(str, perms)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
