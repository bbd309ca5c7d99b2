"""Named composition styles: every rule of the engine that a typesetter varies is a field here.

The defaults follow W3C clreq and GB/T 15834 (see cjk-layout-rules.md); the
``news`` and ``feature`` styles describe the two regimes of the sample page's
typesetter (seed-analysis.md).  A page set by another typesetter is one more style:
an entry in ``STYLES``, or a ``<composition>`` declared in the issue's ``<styles>``
(read/build.py), checked by ``validate``.  Every field is read by the engine.
"""

from __future__ import annotations

from typing import NamedTuple

from layout.compose.classes import NO_START

#: Prohibition levels of clreq §2.1 (CL#prohibition_rules_for_line_start_end).
LEVELS = tuple(NO_START)
#: Punctuation width styles of clreq §3.4, one switch (as Typst's ``CjkPunctStyle``):
#: quanjiao 全角式, every mark full width (line edges per ``trim_line_start``/``_end``);
#: kaiming 开明式, 。？！ full width and every other mark half width; banjiao 半角式, every
#: mark half width; hangmobanjiao 行末半角式, full width except at a line end (always
#: trimmed there); centered 全角居中 (zh-Hant), marks centred in a full em box: no blank
#: half to remove, so no kerning, trimming or squeezing.
PUNCTUATION_STYLES = ("quanjiao", "kaiming", "banjiao", "hangmobanjiao", "centered")
PUSH_RULES = ("in-first", "out-only", "in-max")
LAST_LINE = ("left", "right", "center", "justify")
TAG_POSITIONS = ("run-in", "own-line")
#: the mark classes a style may squeeze (classes.PUNCT_CLASSES, by name)
SQUEEZABLE = ("open", "close", "pause", "stop", "divide")

#: clreq's default: every mark may give up to its blank half (as (class, em) pairs: a style
#: is a hashable value, so caches key on it)
_SQUEEZE_ALL_HALF = (("pause", 0.5), ("stop", 0.5), ("open", 0.5), ("close", 0.5), ("divide", 0.5))


class CompositionStyle(NamedTuple):
    """One typesetter's rules.  A named tuple (immutable and hashable; ``with_`` derives a
    variant): a frozen dataclass of this size costs ~1.5 ms to create at import (Python 3.11)."""

    name: str
    #: line-start/end prohibitions (禁则), clreq §2.1: one of ``LEVELS``
    prohibition: str = "gb"
    #: "in-first": squeeze only to keep a mark off a line start, else push out (先挤进，后推出,
    #: clreq §2.2); "out-only": never squeeze (推出 only); "in-max": pull in every character
    #: that squeezing the marks makes room for (a typesetter who prefers tight lines)
    push: str = "in-first"
    #: punctuation width style, clreq §3.4: one of ``PUNCTUATION_STYLES``
    punctuation: str = "quanjiao"
    #: adjacent marks: at most this much blank (em) is removed between two marks; clreq §3.2
    #: sets 0.5 (two marks of 2 em become 1.5 em); "a style may go down to 1 em": 1.0
    pair_kerning: float = 0.5
    #: the same for a closing bracket or quote followed by an opening one (”“ ）（)
    bracket_pair_kerning: float = 0.5
    #: an opening mark at line start loses its blank half, clreq §3.3
    trim_line_start: bool = True
    #: a full-width mark at line end takes half width (GB/T 15834 5.1.10), clreq §3.3
    trim_line_end: bool = True
    #: marks set at ½ em in every position (their blank half removed), e.g. the curly
    #: quotes of a typesetter whose font has narrow quotes
    half_width_marks: str = ""
    #: how much (em) one mark of each class may give mid-line when pushing in, clreq §3.5:
    #: (class, em) pairs, classes of ``SQUEEZABLE``
    squeeze: tuple[tuple[str, float], ...] = _SQUEEZE_ALL_HALF
    #: a mark whose glyph advances more than this (em) is full width: half ink, half blank
    #: (clreq §3.1); narrower glyphs (a proportional font's marks) have no blank to give
    full_width_min: float = 0.9
    #: gap between hanzi and Latin letters or digits (em), clreq §4; and its minimum
    latin_gap: float = 0.25
    latin_gap_min: float = 0.125
    #: half-width (二分) digits, GB/T 15835-1995
    halfwidth_digits: bool = False
    #: a space typed between CJK neighbours, as in bylines and datelines (记者 张铮) (em), and
    #: the least it shrinks to (or the space itself, if smaller)
    word_space: float = 0.25
    word_space_min: float = 0.25
    #: the space between two Latin words (em), its shrink limit and its stretch limit:
    #: clreq §3.5 lets western word spaces shrink to ¼ em, §5 stretch them to ½ em first
    latin_space: float = 1 / 3
    latin_space_min: float = 0.25
    latin_space_max: float = 0.5
    #: how far (em) the other word spaces and the hanzi-western gaps may grow on a justified
    #: line before the other gaps between characters take part (a Latin word space grows to
    #: ``latin_space_max``)
    glue_stretch: float = 0.25
    #: last line of a paragraph: left | right | center | justify
    last_line: str = "left"
    #: no last line holding a single character (孤字), clreq §5
    orphan_control: bool = False
    #: no paragraph's last line alone at the top of a balanced column (孤行), clreq §5
    widow_control: bool = False
    #: no paragraph's first line alone at the foot of a balanced column (TeX's club line)
    club_control: bool = False
    #: the most (em) a gap between two characters may widen when a unit is pulled down
    #: to keep a closing tag company (tag_position "own-line"); beyond it the tag takes
    #: a line of its own
    stretch_limit: float = 0.25
    #: where a closing tag such as （魏宣） goes: "run-in" shares the last line, flush right, when
    #: it fits; "own-line" gets a line of its own, flush right, except that under a full last
    #: line the last unit is pulled down to keep the tag company
    tag_position: str = "run-in"
    #: the least space (em) between the last words of a paragraph and a tag on the same line
    tag_gap: float = 1.0
    #: first-line indent (em) of body paragraphs, clreq §5
    indent: float = 2.0
    #: the font (role, weight) of the run-in 电头 (本报讯…), set in 黑体 (rules §6, datelines)
    dateline_role: str = "hei"
    dateline_weight: str = "bold"

    def with_(self, **changes: object) -> CompositionStyle:
        return self._replace(**changes)

    @property
    def trims_line_end(self) -> bool:
        """Is a mark's blank half trimmed at a line end?  (行末半角式 always trims it.)"""
        return self.trim_line_end or self.punctuation == "hangmobanjiao"


def sets_half_width(punctuation: str, half_width_marks: str, text: str, cls: str) -> bool:
    """Is a full-width mark (``text`` of class ``cls``) set at half width wherever it stands:
    by the punctuation style (banjiao: all; kaiming: all but 。？！) or named in the style's
    ``half_width_marks``?"""
    if text in half_width_marks or punctuation == "banjiao":
        return True
    return punctuation == "kaiming" and cls not in ("stop", "divide")


#: the fields whose values are one of a few words, and those words
_CHOICES = {"prohibition": LEVELS, "push": PUSH_RULES, "punctuation": PUNCTUATION_STYLES,
            "last_line": LAST_LINE, "tag_position": TAG_POSITIONS}
#: fields in em that may not be negative
_LENGTHS = ("pair_kerning", "bracket_pair_kerning", "full_width_min", "latin_gap", "latin_gap_min",
            "word_space", "word_space_min", "latin_space", "latin_space_min", "latin_space_max",
            "glue_stretch", "stretch_limit", "tag_gap", "indent")


def validate(style: CompositionStyle, spell=str) -> list[str]:
    """What is wrong with a style (empty when nothing), each field named by ``spell(field)``:
    for a style declared in a source, its attribute's name."""
    problems = []
    for field, allowed in _CHOICES.items():
        value = getattr(style, field)
        if value not in allowed:
            problems.append(f"{spell(field)}={value!r} is not one of {', '.join(allowed)}")
    for field in _LENGTHS:
        if getattr(style, field) < 0:
            problems.append(f"{spell(field)}={getattr(style, field)!r} must not be negative")
    for name, em in style.squeeze:
        if name not in SQUEEZABLE:
            problems.append(f"{spell('squeeze')} names {name!r}, not a mark class "
                            f"({', '.join(SQUEEZABLE)})")
        if not 0 <= em <= 0.5:
            problems.append(f"{spell('squeeze')} {name}:{em} must be between 0 and 0.5 em "
                            "(a mark gives at most its blank half)")
    if style.latin_gap_min > style.latin_gap:
        problems.append(f"{spell('latin_gap_min')} is larger than {spell('latin_gap')}")
    if style.latin_space_min > style.latin_space:
        problems.append(f"{spell('latin_space_min')} is larger than {spell('latin_space')}")
    return problems


def _camel(field: str) -> str:
    head, *rest = field.split("_")
    return head + "".join(w.capitalize() for w in rest)


#: the attribute of a declared ``<composition>`` (read/schema/issue.rng) for each field
ATTRIBUTES = {_camel(f): f for f in CompositionStyle._fields if f != "name"}


def from_attributes(base: CompositionStyle, name: str,
                    attrs: dict[str, str]) -> tuple[CompositionStyle, list[str]]:
    """A house style declared in a source: ``base`` with the fields its attributes give
    (the schema has checked their form), and what ``validate`` finds wrong with it."""
    changes: dict[str, object] = {"name": name}
    problems = []
    for attr, text in attrs.items():
        field = ATTRIBUTES.get(attr)
        if field is None:
            continue  # name, basedOn: the reader's
        default = CompositionStyle._field_defaults[field]
        try:
            if isinstance(default, bool):
                changes[field] = text == "true"
            elif isinstance(default, float):
                changes[field] = float(text)
            elif field == "squeeze":
                changes[field] = tuple((cls, float(em)) for cls, em in
                                       (item.split(":") for item in text.split()))
            else:
                changes[field] = text
        except ValueError:
            problems.append(f"{attr}={text!r} is not a valid value")
    style = base._replace(**changes)
    return style, problems + validate(style, _camel)


#: clreq's defaults, with its §5 advice on widows and club lines taken
CLREQ = CompositionStyle(name="clreq", widow_control=True, club_control=True)

#: Regime A of the sample page (seed-analysis.md; "seed N" is a line of the extracted text).
#: Every value is the evidence's, or says why it departs:
#:
#: * ``push="out-only"``, ``squeeze={}``: a single mark is never squeezed (seeds 20, 26).
#: * ``pair_kerning`` 0.5 (clreq): adjacent marks share a blank (seed 116, 17 in 16 em);
#:   ``bracket_pair_kerning`` 1.0: a ”“ pair takes 1 em (seed 74, 18 in 16 em).
#: * ``trim_line_start``: an opening mark at a line start is half width (seed 116);
#:   ``trim_line_end`` off: a line-end mark keeps its full width (seeds 30, 112).
#: * ``halfwidth_digits``, ``latin_gap`` 0.125 (min 0.0625): digits ½ em with a gap at each
#:   hanzi boundary of more than 0 and at most about 0.17 em; ¼ em is too wide (seeds 12-14).
#: * ``tag_position="own-line"``: 阶。 moved down to keep （魏宣） company (seeds 32-33).
#: * ``word_space`` 0.6: the space typed in bylines and datelines (记者 张铮).  seed-analysis
#:   reads "about ⅓ em" assuming the dateline paragraph is indented 2 em; but seed 72 holds
#:   本报讯（记者 张铮 通讯员 刘勇） (14 em and three spaces) in 16 em, impossible after an indent,
#:   so the run-in dateline starts flush, and then its spaces are at most ⅔ em (seed 72) and,
#:   with the typed space of seed 323, more than ½ em (姜 did not fit): 0.6, in between
#:   (0.34 loses seeds 72 and 323, 0.67 seed 72).  A byline's own space, not a Latin one.
#: * ``latin_space`` ⅓ em (clreq): the page prints no Latin words to measure.
NEWS = CompositionStyle(
    name="news",
    push="out-only",
    bracket_pair_kerning=1.0,
    trim_line_end=False,
    tag_position="own-line",
    squeeze=(),
    latin_gap=0.125,
    latin_gap_min=0.0625,
    halfwidth_digits=True,
    word_space=0.6,
)

#: Regime B: features and boxes set push-in (seed 224): ，、；： give up to ½ em; 。 nothing
#: (seeds 235, 257), nor ？！, treated like 。 (no seed line tells).  Quotes and brackets give up to
#: ½ em, not the "about ¼ em" seed-analysis reads from seed 301 (which needs only 0.1 em from
#: each quote): seeds 153 and 245 hold 18 characters in 16.8 em with one comma and a pair of
#: quotes, so each quote gave at least 0.35 em.  Its columns are a little under a whole number
#: of characters (16.8 em in a 17-em column), so a line of plain hanzi never fills one.  Digits,
#: digit gap, tag and both spaces: as in ``NEWS`` (the same typesetter).
FEATURE = CompositionStyle(
    name="feature",
    push="in-max",
    bracket_pair_kerning=1.0,
    trim_line_end=False,
    tag_position="own-line",
    squeeze=(("pause", 0.5), ("open", 0.5), ("close", 0.5)),
    latin_gap=0.125,
    latin_gap_min=0.0625,
    halfwidth_digits=True,
    word_space=0.6,
)

#: The 相关链接 box: push-in like the features; its closing （记者 许廷合） runs in on the last
#: line (seed 430).  The digit gap is the page's: no line of the box shows another.
BOX = FEATURE.with_(name="box", tag_position="run-in")
#: Photo captions: push-out like the news items (seeds 435-439), the photographer's credit run
#: in, the page's digit gap (no caption line shows another).
CAPTION = NEWS.with_(name="caption", tag_position="run-in")

STYLES: dict[str, CompositionStyle] = {s.name: s for s in (CLREQ, NEWS, FEATURE, BOX, CAPTION)}
