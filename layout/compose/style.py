"""Named composition styles: every rule of the engine is a parameter here.

The defaults follow W3C clreq and GB/T 15834 (see cjk-layout-rules.md); the
``news`` and ``feature`` styles describe the two regimes of the sample page's
typesetter (seed-analysis.md): a page set by another typesetter is one more
entry in ``STYLES``, not new code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

#: Prohibition levels of clreq §2.1 (CL#prohibition_rules_for_line_start_end).
LEVELS = ("none", "basic", "gb", "strict")
#: Punctuation styles of clreq §3.4.
PUNCTUATION_STYLES = ("quanjiao", "kaiming", "banjiao", "hangmobanjiao", "centered")


#: clreq's default: every mark may give up to its blank half (shared by the styles that do
#: not set their own; never changed, like every field of a style)
_SQUEEZE_ALL_HALF = {"pause": 0.5, "stop": 0.5, "open": 0.5, "close": 0.5, "divide": 0.5}


class CompositionStyle(NamedTuple):
    """One typesetter's rules.  A named tuple (immutable; ``with_`` derives a variant): a
    frozen dataclass of this size costs ~1.5 ms to create at import (Python 3.11)."""

    name: str
    #: line-start/end prohibitions (禁则), clreq §2.1
    prohibition: str = "gb"
    #: "in-first": squeeze only to keep a mark off a line start, else push out (先挤进，后推出,
    #: clreq §2.2); "out-only": never squeeze (推出 only); "in-max": pull in every character
    #: that squeezing the marks makes room for (a typesetter who prefers tight lines)
    push: str = "in-first"
    #: punctuation width style, clreq §3.4
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
    #: how much (em) one mark of each class may give mid-line when pushing in, clreq §3.5
    squeeze: Mapping[str, float] = _SQUEEZE_ALL_HALF
    #: gap between hanzi and Latin letters or digits (em), clreq §4; and its minimum
    latin_gap: float = 0.25
    latin_gap_min: float = 0.125
    #: half-width (二分) digits, GB/T 15835-1995
    halfwidth_digits: bool = False
    #: a space typed between CJK neighbours, as in bylines and datelines (记者 张铮) (em)
    word_space: float = 0.25
    #: the space between two Latin words (em), its shrink limit and its stretch limit:
    #: clreq §3.5 lets western word spaces shrink to ¼ em, §5 stretch them to ½ em first
    latin_space: float = 1 / 3
    latin_space_min: float = 0.25
    latin_space_max: float = 0.5
    #: last line of a paragraph: left | right | center | justify
    last_line: str = "left"
    #: no last line holding a single character (孤字), clreq §5
    orphan_control: bool = False
    #: where a closing tag such as （魏宣） goes: "run-in" shares the last line, flush right, when
    #: it fits; "own-line" gets a line of its own, flush right, except that under a full last
    #: line the last unit is pulled down to keep the tag company
    tag_position: str = "run-in"
    #: first-line indent (em) of body paragraphs, clreq §5
    indent: float = 2.0

    def with_(self, **changes: object) -> CompositionStyle:
        return self._replace(**changes)


CLREQ = CompositionStyle(name="clreq")

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
    squeeze={},
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
    squeeze={"pause": 0.5, "open": 0.5, "close": 0.5},
    latin_gap=0.125,
    latin_gap_min=0.0625,
    halfwidth_digits=True,
    word_space=0.6,
)

#: The 相关链接 box: push-in like the features; its closing （记者 许廷合） runs in on the last
#: line (seed 430).  The digit gap is the page's: no line of the box shows another.
BOX = FEATURE.with_(name="box", tag_position="run-in")
#: Photo captions: push-out like the news items (seeds 435-439), the page's digit gap (no
#: caption line shows another).
CAPTION = NEWS.with_(name="caption")

STYLES: dict[str, CompositionStyle] = {s.name: s for s in (CLREQ, NEWS, FEATURE, BOX, CAPTION)}
