"""The EPUB's stylesheet and its fonts: one table says which role and weight each element uses.

The same table writes the CSS and tells which characters each face must carry, so the
WOFF2 subsets hold exactly what the CSS draws with them.  Characters are resolved along
the fonts module's fallback chain (``FontSet.resolve``), so a character the role's face
lacks, or one it borrows (LXGW WenKai's Latin-width quotes), lands in the subset of the
fallback face, and the CSS ``font-family`` stack lists the fallback families in the
same order: the reading system falls through to the face that has the glyph.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from layout.fonts import Face, FaceKey, FontSet

#: (role, weight); ``None`` inherits from the parent element, as CSS does.
Font = tuple[str | None, str | None]

#: Fonts by element name.  Only single-tag and single-class selectors set fonts, so the
#: character walk below and the CSS agree without a selector engine.
TAG_FONTS: dict[str, Font] = {
    "body": ("song", "regular"),
    "h1": ("hei", "bold"),
    "h2": ("hei", "bold"),
    "h3": ("hei", "bold"),
    "h4": ("hei", "bold"),
    "h5": ("hei", "bold"),
    "h6": ("hei", "bold"),
    "aside": ("kai", "regular"),
    "figcaption": ("kai", "regular"),
    "b": (None, "bold"),
    "em": (None, "bold"),
    "strong": (None, "bold"),
}

#: Fonts by class, applied after the tag (higher specificity), in this order.
CLASS_FONTS: dict[str, Font] = {
    "kicker": ("kai", "regular"),
    "subhead": ("kai", "regular"),
    "byline": ("kai", "regular"),
    "dateline": ("hei", "bold"),  # as in print (layout.compose.page.DATELINE_ROLE)
    "credit": ("kai", "regular"),
    "box-label": ("hei", "bold"),
    "furniture-section": ("hei", "bold"),
    "furniture-label": ("hei", "bold"),
    "furniture-header": ("hei", "regular"),
    "furniture-slogan": ("song", "bold"),
    "furniture-english": ("song", "regular"),
    "r-song": ("song", None),
    "r-hei": ("hei", None),
    "r-kai": ("kai", None),
    "r-fangsong": ("fangsong", None),
    "w-regular": (None, "regular"),
    "w-bold": (None, "bold"),
}

#: Fallback chains used for the CSS when no FontSet is at hand (same as fonts/manifest.toml).
DEFAULT_CHAINS: dict[str, tuple[str, ...]] = {
    "song": ("song", "hei", "kai"),
    "hei": ("hei", "song", "kai"),
    "kai": ("kai", "song", "hei"),
    "fangsong": ("fangsong", "kai", "song", "hei"),
}

#: Installed fonts a reading system may have, after the embedded ones, per role.
SYSTEM_FAMILIES: dict[str, tuple[str, ...]] = {
    "song": ('"Noto Serif CJK SC"', '"Source Han Serif SC"', '"Songti SC"', "SimSun", "serif"),
    "hei": ('"Noto Sans CJK SC"', '"Source Han Sans SC"', '"PingFang SC"', "SimHei", "sans-serif"),
    "kai": ('"LXGW WenKai"', '"Kaiti SC"', "STKaiti", "KaiTi", "serif"),
    "fangsong": ('"FangSong"', "STFangsong", '"LXGW WenKai"', "KaiTi", "serif"),
}

WEIGHT_CSS = {"regular": "normal", "bold": "bold"}
WEIGHT_NUM = {"regular": 400, "bold": 700}

XHTML_NS = "http://www.w3.org/1999/xhtml"


@dataclass(frozen=True)
class EmbeddedFont:
    """One WOFF2 subset in the book: its face, where it goes and its bytes."""

    key: FaceKey
    href: str  # relative to the package folder, e.g. fonts/song-regular.woff2
    data: bytes
    chars: str


# -- which font each piece of text is drawn with ---------------------------------------


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _apply(font: Font, inherited: tuple[str, str]) -> tuple[str, str]:
    return (font[0] or inherited[0], font[1] or inherited[1])


def element_font(el: etree._Element, inherited: tuple[str, str]) -> tuple[str, str]:
    """The (role, weight) CSS gives ``el``: its tag's rule, then its classes' in table order."""
    font = _apply(TAG_FONTS.get(_local(el.tag), (None, None)), inherited)
    classes = set((el.get("class") or "").split())
    for name, rule in CLASS_FONTS.items():
        if name in classes:
            font = _apply(rule, font)
    return font


def _walk(el: etree._Element, inherited: tuple[str, str]) -> Iterator[tuple[tuple[str, str], str]]:
    font = element_font(el, inherited)
    if el.text:
        yield font, el.text
    for child in el:
        if isinstance(child.tag, str):
            yield from _walk(child, font)
        if child.tail:
            yield font, child.tail


def text_by_font(docs: Iterable[etree._Element]) -> dict[tuple[str, str], str]:
    """All rendered text of the documents' bodies, grouped by the (role, weight) it is set in."""
    out: dict[tuple[str, str], list[str]] = {}
    for html in docs:
        body = html.find(f"{{{XHTML_NS}}}body")
        if body is None:
            continue
        for font, text in _walk(body, ("song", "regular")):
            out.setdefault(font, []).append(text)
    return {k: "".join(v) for k, v in out.items()}


def chars_by_face(fs: FontSet, texts: dict[tuple[str, str], str]) -> dict[FaceKey, tuple[Face, str]]:
    """Resolve every character along its role's fallback chain: the exact repertoire of each face."""
    faces: dict[FaceKey, Face] = {}
    chars: dict[FaceKey, set[str]] = {}
    for (role, weight), text in sorted(texts.items()):
        for ch in sorted(set(text)):
            invisible = ch.isspace() or unicodedata.category(ch) == "Cf"  # spaces, word joiners
            face = fs.resolve_or_none(role, weight, ch) if invisible else fs.resolve(role, weight, ch)
            if face is None:
                continue  # a space or joiner no face maps: nothing is drawn for it
            faces[face.key] = face
            chars.setdefault(face.key, set()).add(ch)
    return {k: (faces[k], "".join(sorted(chars[k]))) for k in sorted(faces)}


def embed_fonts(fs: FontSet, texts: dict[tuple[str, str], str]) -> list[EmbeddedFont]:
    """WOFF2 subsets of exactly the characters each face draws (``texts``: the documents'
    ``text_by_font``)."""
    out = []
    for key, (face, chars) in chars_by_face(fs, texts).items():
        href = f"fonts/{key.role}-{key.weight}.woff2"
        out.append(EmbeddedFont(key, href, fs.woff2_subset(face, chars), chars))
    return out


# -- the stylesheet --------------------------------------------------------------------


def _family(role: str) -> str:
    return f'"zh-{role}"'


def font_stack(
    role: str, embedded: set[str], chains: dict[str, tuple[str, ...]] | None = None
) -> str:
    """``font-family`` for a role: embedded faces along its fallback chain, then system fonts."""
    chain = (chains or DEFAULT_CHAINS).get(role, (role,))
    families = [_family(r) for r in chain if r in embedded]
    return ", ".join(families + list(SYSTEM_FAMILIES.get(role, SYSTEM_FAMILIES["song"])))


def font_face_rules(fonts: Sequence[EmbeddedFont], css_dir: str = "style") -> list[str]:
    """One ``@font-face`` per subset; the family is the role, the weight tells the faces apart."""
    up = "../" * len([p for p in css_dir.split("/") if p])
    return [
        "@font-face {\n"
        f"  font-family: {_family(f.key.role)};\n"
        f"  font-weight: {WEIGHT_NUM[f.key.weight]};\n"
        "  font-style: normal;\n"
        f'  src: url("{up}{f.href}") format("woff2");\n'
        "}"
        for f in fonts
    ]


def _font_rules(embedded: set[str], chains: dict[str, tuple[str, ...]] | None) -> list[str]:
    rules = []
    for selector, (role, weight) in [*TAG_FONTS.items(), *((f".{c}", f) for c, f in CLASS_FONTS.items())]:
        decls = []
        if role:
            decls.append(f"font-family: {font_stack(role, embedded, chains)};")
        if weight:
            decls.append(f"font-weight: {WEIGHT_CSS[weight]};")
        rules.append(f"{selector} {{ {' '.join(decls)} }}")
    return rules


#: Layout rules that do not choose fonts (those come from the tables above).  Colours
#: are ``currentColor`` only, so a reading system's night or sepia theme keeps every rule
#: and border visible.  Break rules keep heads with their text in paginated readers.
LAYOUT_CSS = """\
html { line-break: strict; }
body {
  margin: 0 auto;
  padding: 0 1em;
  max-width: 36em;
  line-height: 1.75;
  text-align: justify;
  text-autospace: normal;
}
p {
  margin: 0;
  text-indent: 2em;
  text-align: justify;
  line-break: strict;
  word-break: normal;
  overflow-wrap: break-word;
  text-spacing-trim: space-first;
  hanging-punctuation: allow-end;
  orphans: 2;
  widows: 2;
}
b, em, strong { font-style: normal; }
.noindent, .byline, .kicker, .subhead, .tag, .box-label, .figure-missing { text-indent: 0; }
section.page { margin: 0 0 2em 0; }
header.page-header { text-align: center; border-bottom: 2px solid currentColor; margin: 0 0 1.5em 0; padding: 0 0 0.5em 0; }
header.page-header p { text-indent: 0; text-align: center; }
h1 { font-size: 1.5em; line-height: 1.3; text-align: center; margin: 0.5em 0; }
h1, h2, h3, h4, h5, h6 {
  text-wrap: balance;
  break-after: avoid;
  page-break-after: avoid;
  break-inside: avoid;
  page-break-inside: avoid;
}
h2, h3 { font-size: 1.25em; line-height: 1.35; text-align: center; margin: 0.25em 0; }
h4, h5, h6 { font-size: 1.1em; line-height: 1.4; text-align: center; margin: 0.5em 0; }
header.head { margin: 0 0 1em 0; break-inside: avoid; page-break-inside: avoid; break-after: avoid; page-break-after: avoid; }
header.head > * { break-after: avoid; page-break-after: avoid; }
header.head.left > * { text-align: start; }
header.head:not(.left) > * { text-spacing-trim: trim-start; }
.kicker, .subhead { text-align: center; margin: 0.25em 0; text-wrap: balance; }
.phrases { word-break: keep-all; overflow-wrap: anywhere; }
article.lead { margin-bottom: 3em; }
.byline { margin: 0 0 0.5em 0; break-after: avoid; page-break-after: avoid; }
.furniture-label { font-size: 1.25em; margin: 0.25em 0; }
.inverse { display: inline-block; border: 0.15em solid currentColor; padding: 0.1em 0.6em; }
.furniture-english { letter-spacing: 0.2em; font-size: 0.75em; }
.furniture-slogan { font-size: 1.25em; margin: 0.5em 0; }
.page-meta { font-size: 0.875em; }
article { margin: 0 0 2em 0; }
.dateline { margin-right: 0.5em; }
.tag { text-align: right; }
aside { border: 1px solid currentColor; padding: 0.5em 1em; margin: 1.5em 0; text-autospace: no-autospace; }
.box-label { font-size: 0.875em; break-after: avoid; page-break-after: avoid; }
figure { margin: 1.5em 0; break-inside: avoid; page-break-inside: avoid; }
figure img { display: block; max-width: 100%; max-height: 90vh; height: auto; margin: 0 auto; object-fit: contain; }
figcaption { font-size: 0.875em; line-height: 1.6; text-align: justify; text-autospace: no-autospace; }
.credit { display: block; text-align: right; }
.figure-missing { font-size: 0.75em; }
a { color: inherit; }
nav ol { list-style: none; padding-left: 1em; }
nav li { margin: 0.25em 0; }
body.cover-page { margin: 0; padding: 0; max-width: none; }
main.cover { display: flex; align-items: center; justify-content: center; height: 100vh; margin: 0; padding: 0; }
main.cover img { display: block; max-width: 100%; max-height: 100vh; width: auto; height: auto; object-fit: contain; }
.visually-hidden {
  position: absolute;
  width: 1px;
  height: 1px;
  margin: -1px;
  padding: 0;
  overflow: hidden;
  clip: rect(0 0 0 0);
  white-space: nowrap;
  border: 0;
}
"""


def head_size_rules(sizes: Mapping[str, float]) -> list[str]:
    """One rule per headline print size (``epub_xhtml.head_sizes``): larger print, larger head."""
    return [f".{cls} {{ font-size: {em:g}em; }}" for cls, em in sizes.items()]


def stylesheet(
    fonts: Sequence[EmbeddedFont],
    chains: dict[str, tuple[str, ...]] | None = None,
    head_sizes: Mapping[str, float] | None = None,
) -> str:
    """The book's CSS: ``@font-face`` for the subsets, font stacks, the layout rules, then
    the headline sizes."""
    embedded = {f.key.role for f in fonts}
    parts = [
        '@charset "utf-8";',
        *font_face_rules(fonts),
        *_font_rules(embedded, chains),
        LAYOUT_CSS,
        *head_size_rules(head_sizes or {}),
    ]
    return "\n".join(parts)


def chains_of(fs: FontSet | None) -> dict[str, tuple[str, ...]]:
    """Fallback chains per role, from the FontSet's manifest when there is one."""
    if fs is None:
        return dict(DEFAULT_CHAINS)
    return {role: fs.manifest.chain(role) for role in fs.roles}
