"""zh-Hans character classes and the tailored line-break rules.

Classes follow cjk-layout-rules.md §1 (clreq, GB/T 15834); break rules §2.1 and
the UAX #14 tailoring of §2.4: “‘ open and ”’ close, · ～ ／ never start a line.
An ASCII mark standing alone between hanzi takes the class of its full-width kin (no
blank half to give: ``prepare._measure`` finds it narrower than ¾ em), so ``, . : ; ! ?
) ] }`` never start a line and ``( [ {`` never end one; inside a Latin word or URL
``segment`` keeps the marks in the word (UAX #14).
"""

from __future__ import annotations

import unicodedata
from enum import Enum
from functools import cache, lru_cache


class Cls(Enum):
    HAN = "han"  # J: hanzi, 〇, and other ideographic letters
    OPEN = "open"  # A: opening brackets and quotes
    CLOSE = "close"  # B: closing brackets and quotes
    PAUSE = "pause"  # C: ，、；：
    STOP = "stop"  # D: 。．
    DIVIDE = "divide"  # E: ？！
    MIDDOT = "middot"  # F: ·
    CONNECTOR = "connector"  # G: – — ～
    SOLIDUS = "solidus"  # H: / ／
    LONG = "long"  # I: —— and ……, 2 em, never split
    WESTERN = "western"  # K+L: a Latin word or a number (with its prefix and postfix signs)
    SPACE = "space"  # a typed space: glue, vanishes at a line edge
    BREAK = "break"  # a break opportunity inside a Latin run (URL, hyphen): no glue, no atom
    SYMBOL = "symbol"  # anything else (●, ○, full-width symbols): set like a hanzi

    __hash__ = object.__hash__  # members are singletons: identity hashing is exact and fast


OPEN_CHARS = "“‘（〔［｛〈《「『【〖〘｟([{"
CLOSE_CHARS = "”’）〕］｝〉》」』】〗〙｠)]}"
PAUSE_CHARS = "，、；：,;:"
STOP_CHARS = "。．."
DIVIDE_CHARS = "？！‼⁇⁈⁉!?"
MIDDOT_CHARS = "·・‧"
CONNECTOR_CHARS = "–—～〜"
SOLIDUS_CHARS = "/／"
PREFIX_SIGNS = "¥￥$£€#＃"
POSTFIX_SIGNS = "%‰℃°′″％"
#: Marks whose blank half can be compressed (the ink sits on one side of the em box).
PUNCT_CLASSES = frozenset({Cls.OPEN, Cls.CLOSE, Cls.PAUSE, Cls.STOP, Cls.DIVIDE})

_SINGLE = {
    **{c: Cls.OPEN for c in OPEN_CHARS},
    **{c: Cls.CLOSE for c in CLOSE_CHARS},
    **{c: Cls.PAUSE for c in PAUSE_CHARS},
    **{c: Cls.STOP for c in STOP_CHARS},
    **{c: Cls.DIVIDE for c in DIVIDE_CHARS},
    **{c: Cls.MIDDOT for c in MIDDOT_CHARS},
    **{c: Cls.CONNECTOR for c in CONNECTOR_CHARS},
    **{c: Cls.SOLIDUS for c in SOLIDUS_CHARS},
}


@lru_cache(maxsize=8192)
def classify(ch: str) -> Cls:
    """Class of one character (the long marks —— …… are recognised by the tokenizer)."""
    cls = _SINGLE.get(ch)
    if cls is not None:
        return cls
    if ch in " \u00a0\t":
        return Cls.SPACE
    if is_han(ch):  # first: the commonest, and no hanzi is western (east Asian width W)
        return Cls.HAN
    return Cls.WESTERN if is_western(ch) else Cls.SYMBOL


def is_han(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x3134F
        or 0xF900 <= cp <= 0xFAFF
        or cp == 0x3007
    )


@cache
def is_hanzi(ch: str) -> bool:
    """Is ``ch`` of Cls.HAN?  A hanzi is always an atom of its own, whatever its neighbours:
    the tokenizer takes stretches of them in one go (cached: C-level calls).  ``is_han``
    alone decides it, as no mark of ``_SINGLE`` and no space is a hanzi."""
    return is_han(ch)


def is_western(ch: str) -> bool:
    """Latin, Greek or Cyrillic letters and ASCII digits: proportional western text."""
    if ch.isascii():
        return ch.isalnum()
    if ch in PREFIX_SIGNS or ch in POSTFIX_SIGNS:
        return False
    cat = unicodedata.category(ch)
    return cat[0] == "L" and unicodedata.east_asian_width(ch) in ("N", "Na", "A", "H")


#: Classes that may not start a line, per prohibition level (clreq §2.1; GB/T 15834 5.1).
_NO_START_BASIC = frozenset(
    {Cls.CLOSE, Cls.PAUSE, Cls.STOP, Cls.DIVIDE, Cls.MIDDOT, Cls.CONNECTOR, Cls.SOLIDUS}
)
NO_START = {
    "none": frozenset(),
    "basic": _NO_START_BASIC,
    "gb": _NO_START_BASIC,
    "strict": _NO_START_BASIC | {Cls.LONG},
}
#: Classes that may not end a line.
NO_END = {
    "none": frozenset(),
    "basic": frozenset({Cls.OPEN}),
    "gb": frozenset({Cls.OPEN, Cls.SOLIDUS}),
    "strict": frozenset({Cls.OPEN, Cls.SOLIDUS}),
}


def may_break(before: Cls, after: Cls, level: str) -> bool:
    """May a line end between an atom of class ``before`` and one of class ``after``?"""
    if after in NO_START[level] or before in NO_END[level]:
        return False
    return True
