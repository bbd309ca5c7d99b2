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
    #: word space in bylines and between Latin words (em)
    word_space: float = 0.25
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
    #: first-line indent (em) of body paragraphs, clreq §5
    indent: float = 2.0

    def with_(self, **changes: object) -> CompositionStyle:
        return self._replace(**changes)


#: clreq's defaults, with its §5 advice on widows and club lines taken
CLREQ = CompositionStyle(name="clreq", widow_control=True, club_control=True)

#: Regime A of the sample page: news items set push-out, exact measure, 二分 digits
#: with a small gap, no squeezing of single marks, line-end marks kept full width.
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

#: Regime B: features and boxes set push-in: ，、；： give up to ½ em, quotes and
#: brackets ¼ em, 。？！ nothing.  Its columns are a little under a whole number of
#: characters (16.8 em in a 17-em column), so a line of plain hanzi never fills one.
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

#: The 相关链接 box: push-in like the features, digits set without a gap.
BOX = FEATURE.with_(name="box", latin_gap=0.0, latin_gap_min=0.0, tag_position="run-in")
#: Photo captions: push-out, digits set without a gap.
CAPTION = NEWS.with_(name="caption", latin_gap=0.0, latin_gap_min=0.0)

STYLES: dict[str, CompositionStyle] = {s.name: s for s in (CLREQ, NEWS, FEATURE, BOX, CAPTION)}
