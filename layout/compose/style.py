"""Named composition styles: every rule of the engine is a parameter here.

The defaults follow W3C clreq and GB/T 15834 (see cjk-layout-rules.md); the
``news`` and ``feature`` styles describe the two regimes of the sample page's
typesetter (seed-analysis.md): a page set by another typesetter is one more
entry in ``STYLES``, not new code.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

#: Prohibition levels of clreq §2.1 (CL#prohibition_rules_for_line_start_end).
LEVELS = ("none", "basic", "gb", "strict")
#: Punctuation styles of clreq §3.4.
PUNCTUATION_STYLES = ("quanjiao", "kaiming", "banjiao", "hangmobanjiao", "centered")


@dataclass(frozen=True)
class CompositionStyle:
    name: str
    #: line-start/end prohibitions (禁则), clreq §2.1
    prohibition: str = "gb"
    #: "in-first" (先挤进，后推出, clreq §2.2) or "out-only" (推出 only)
    push: str = "in-first"
    #: punctuation width style, clreq §3.4
    punctuation: str = "quanjiao"
    #: adjacent marks: blank removed between two marks (2 em → 1.5 em), clreq §3.2
    pair_kerning: bool = True
    #: an opening mark at line start loses its blank half, clreq §3.3
    trim_line_start: bool = True
    #: a full-width mark at line end takes half width (GB/T 15834 5.1.10), clreq §3.3
    trim_line_end: bool = True
    #: how much (em) one mark of each class may give mid-line when pushing in, clreq §3.5
    squeeze: dict[str, float] = field(
        default_factory=lambda: {"pause": 0.5, "stop": 0.5, "open": 0.5, "close": 0.5, "divide": 0.5}
    )
    #: the line must fit this much (em) under the measure before any squeezing counts
    #: (a typesetter who prefers to pull in with squeezed marks rather than set solid lines)
    reserve: float = 0.0
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
    #: a closing tag (（魏宣）) never sits alone under a full last line: pull the last unit down
    tag_pull_down: bool = True
    #: first-line indent (em) of body paragraphs, clreq §5
    indent: float = 2.0

    def with_(self, **changes: object) -> CompositionStyle:
        return replace(self, **changes)


CLREQ = CompositionStyle(name="clreq")

#: Regime A of the sample page: news items set push-out, exact measure, 二分 digits
#: with a small gap, no squeezing of single marks, line-end marks kept full width.
NEWS = CompositionStyle(
    name="news",
    push="out-only",
    trim_line_end=False,
    squeeze={},
    latin_gap=0.125,
    latin_gap_min=0.0625,
    halfwidth_digits=True,
    word_space=0.33,
)

#: Regime B: features and boxes set push-in: ，、；： give up to ½ em, quotes and
#: brackets ¼ em, 。？！ nothing; a full line of plain hanzi is refused (reserve).
FEATURE = CompositionStyle(
    name="feature",
    push="in-first",
    trim_line_end=False,
    squeeze={"pause": 0.5, "open": 0.25, "close": 0.25},
    reserve=0.2,
    latin_gap=0.125,
    latin_gap_min=0.0625,
    halfwidth_digits=True,
    word_space=0.33,
)

STYLES: dict[str, CompositionStyle] = {s.name: s for s in (CLREQ, NEWS, FEATURE)}


def get_style(name: str) -> CompositionStyle:
    return STYLES[name]

#: The 相关链接 box: push-in like the features, digits set without a gap.
BOX = FEATURE.with_(name="box", latin_gap=0.0, latin_gap_min=0.0)
#: Photo captions: push-out, digits set without a gap.
CAPTION = NEWS.with_(name="caption", latin_gap=0.0, latin_gap_min=0.0)
STYLES.update({s.name: s for s in (BOX, CAPTION)})
