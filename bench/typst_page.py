"""Write a Typst file of the same page: the yardstick of ``make bench``.

The same articles as the composed page, each frame at the same place and size, set in the
same faces (the manifest's files, by family name) at the same sizes, in the same number of
columns: Typst breaks the lines itself (``text(lang: "zh")``, justified), so it does the
same kind of work as our composer and renderer.  Figures are grey boxes, as in our proof.

    .venv/bin/python bench/typst_page.py source/x.xml -o build/bench/x.typ
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: the Typst family of each manifest role (the faces Debian installs, as their name table says)
FAMILIES = {"song": "Noto Serif CJK SC", "hei": "Noto Sans CJK SC", "kai": "LXGW WenKai",
            "fangsong": "LXGW WenKai"}


def _s(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _font(face) -> str:
    role, weight = face[0], face[1]
    return f"font: {_s(FAMILIES.get(role, FAMILIES['song']))}, weight: {_s(weight)}"


def typst_source(source: Path) -> tuple[str, list[str]]:
    """(the Typst markup, the font folders to give Typst) of ``source``'s composed page."""
    from layout.pipeline import build
    from layout.read.model import Article, Box

    built = build(source)
    models = {}
    for page in built.issue.pages:
        for item in page.items:
            models[item.id] = item
            for sub in getattr(item, "boxes", ()) + getattr(item, "figures", ()):
                models[sub.id] = sub
    out = []
    for number, page in enumerate(built.layout.pages):
        if number:
            out.append("#pagebreak()")
        out.append(f"#set page(width: {page.width:.2f}pt, height: {page.height:.2f}pt, margin: 0pt)")
        out.append('#set text(lang: "zh", region: "cn")')
        out.append("#set par(justify: true, leading: 0.4em, spacing: 0pt, first-line-indent: 2em)")
        for group in page.groups:
            for fig in group.figures:
                r = fig.rect
                out.append(f"#place(top + left, dx: {r.x:.2f}pt, dy: {r.y:.2f}pt, "
                           f"rect(width: {r.width:.2f}pt, height: {r.height:.2f}pt, fill: luma(235)))")
            model = models.get(group.id)
            body = [b for b in group.blocks if b.kind == "body"]
            for block in group.blocks:
                if block.kind == "body" or not block.lines:
                    continue
                g = block.lines[0].line.glyphs[0] if block.lines[0].line.glyphs else None
                if g is None:
                    continue
                r = block.rect
                text = "".join(pl.line.text for pl in block.lines)
                out.append(f"#place(top + left, dx: {r.x:.2f}pt, dy: {r.y:.2f}pt, "
                           f"block(width: {r.width:.2f}pt, text({_font(g.face)}, size: {g.size}pt, "
                           f"{_s(text)})))")
            if not body or not isinstance(model, Article | Box):
                continue
            g = next((gl for b in body for pl in b.lines for gl in pl.line.glyphs), None)
            if g is None:
                continue
            x0 = min(b.rect.x for b in body)
            x1 = max(b.rect.x + b.rect.width for b in body)
            y0 = min(b.rect.y for b in body)
            y1 = max(b.rect.y + b.rect.height for b in body)
            gutter = (x1 - x0 - sum(b.rect.width for b in body)) / max(1, len(body) - 1)
            paras = "".join(f"#{_s(p.text)}\n\n" for p in model.paragraphs)
            out.append(f"#place(top + left, dx: {x0:.2f}pt, dy: {y0:.2f}pt, block(width: "
                       f"{x1 - x0:.2f}pt, height: {y1 - y0 + 20:.2f}pt)[#set text({_font(g.face)}, "
                       f"size: {g.size}pt)\n#columns({len(body)}, gutter: {max(gutter, 0):.2f}pt)[\n"
                       f"{paras}]])")
    folders = sorted({str(built.fonts.manifest.roles[r].faces[w].path.parent)
                      for r in built.fonts.manifest.roles for w in built.fonts.manifest.roles[r].faces})
    return "\n".join(out) + "\n", folders


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("source", type=Path)
    ap.add_argument("-o", "--output", type=Path, required=True)
    args = ap.parse_args(argv)
    text, folders = typst_source(args.source)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    args.output.with_suffix(".fonts").write_text("\n".join(folders) + "\n", encoding="utf-8")
    print(args.output)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
