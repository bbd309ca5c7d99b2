"""Segment: text between hanzi → atom texts with their class, Latin runs broken by UAX #14.

A *Latin run* is a stretch of Latin, Greek or Cyrillic letters, ASCII digits and ASCII
punctuation with its prefix and postfix signs (``Dvořák``, ``5.8%``, ``¥3,000``,
``100km/h``, ``(NASA)``, ``https://…``): it becomes one or more ``Cls.WESTERN`` atoms, set
solid (never a gap inside, clreq §4), and a line may end inside it only where Unicode line
breaking allows (after the hyphen of ``Skłodowska-Curie``) or, in a URL or an e-mail
address, after ``/ . - ? & =`` and before ``@`` (cjk-layout-rules.md §5), with no hyphen
added.  Such a break inside a run is yielded as ``("", Cls.BREAK)``: a line-break
opportunity with no glue.  A typed space yields ``(" ", Cls.SPACE)`` as before.

UAX #14 comes from ``uniseg`` (MIT, pure Python, Unicode 14 line-break data), chosen over
PyICU's ``BreakIterator``: PyICU ships only a source distribution on PyPI that must compile
against Debian's ``libicu-dev`` with ``pkg-config`` and a C++ compiler (a minute of build
on every fresh CI machine, and a venv that breaks when the system ICU is upgraded), where
``uniseg`` installs as a wheel anywhere.  Its speed does not matter here: the algorithm
runs only on Latin runs that hold punctuation (a run of letters and digits has no break
opportunity inside, UAX #14 LB23/LB28/LB29), and each distinct run once per process.

Tailoring for zh-Hans (GB/T 15834 5.1.9): a solidus never ends a line outside a URL, so
``100km/h`` and ``NASA/JPL`` stay whole.  Full-width digits and letters (``１２３４``,
``ＡＢＣ``) stay together as one atom set like hanzi (``Cls.SYMBOL``).  ASCII marks on
their own between hanzi take the class of their full-width kin (``classes.classify``), so
``, . : ; ! ? ) ] }`` never start a line and ``( [ {`` never end one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from uniseg.linebreak import line_break_boundaries

from layout.compose.classes import POSTFIX_SIGNS, PREFIX_SIGNS, Cls, classify, is_western

#: ASCII punctuation that belongs to a Latin run when a letter or digit is in it
_ASCII_MARKS = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
#: ASCII marks that may not start a line (peeled off the front of a run that follows hanzi)
_NO_START_ASCII = frozenset(",.:;!?)]}")
#: ASCII marks that may not end a line (peeled off the end of a run that precedes hanzi)
_NO_END_ASCII = frozenset("([{")
#: a URL or an e-mail address inside a run (trailing sentence punctuation left out)
_URL = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.)[^\s]*[^\s.,;:!?)\]}'\"]"
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+",
    re.IGNORECASE,
)
#: where a URL or address may break: after these, or before @ (no hyphen is added)
_URL_BREAK_AFTER = frozenset("/.-?&=")


def _fullwidth_alnum(ch: str) -> bool:
    """０-９ Ａ-Ｚ ａ-ｚ: set like hanzi, kept together like half-width digits."""
    return "\uff10" <= ch <= "\uff19" or "\uff21" <= ch <= "\uff3a" or "\uff41" <= ch <= "\uff5a"


def _in_run(text: str, j: int) -> bool:
    """May ``text[j]`` continue a Latin run?"""
    c = text[j]
    if is_western(c) or c in _ASCII_MARKS or c in POSTFIX_SIGNS or c in PREFIX_SIGNS:
        return True
    if unicodedata.combining(c):  # a combining accent stays on its letter
        return True
    # an apostrophe between letters (don’t, O’Neill); elsewhere ’ is a closing quote
    return c == "’" and 0 < j < len(text) - 1 and text[j - 1].isalpha() and text[j + 1].isalpha()


def tokens(text: str) -> Iterator[tuple[str, Cls]]:
    """Atom texts of ``text`` (no hanzi in it) with their class, ``Cls.SPACE`` for a typed
    space and ``Cls.BREAK`` for a break opportunity inside a Latin run."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        cls = classify(ch)
        if ch in "—⸺" and i + 1 < n and text[i + 1] == ch or ch == "⸺":
            step = 1 if ch == "⸺" else 2
            yield text[i : i + step], Cls.LONG
            i += step
            continue
        if ch in "…⋯" and i + 1 < n and text[i + 1] == ch:
            yield text[i : i + 2], Cls.LONG
            i += 2
            continue
        if cls is Cls.SPACE:
            j = i
            while j < n and classify(text[j]) is Cls.SPACE:
                j += 1
            yield " ", Cls.SPACE
            i = j
            continue
        if _fullwidth_alnum(ch):
            j = i + 1
            while j < n and _fullwidth_alnum(text[j]):
                j += 1
            yield text[i:j], Cls.SYMBOL
            i = j
            continue
        if _in_run(text, i):
            j = i + 1
            while j < n and _in_run(text, j):
                j += 1
            run = text[i:j]
            if any(map(is_western, run)):
                yield from run_tokens(run)
                i = j
                continue
        if ch in POSTFIX_SIGNS:
            yield ch, Cls.SYMBOL
        else:
            yield ch, cls
        i += 1


@lru_cache(maxsize=4096)
def run_tokens(run: str) -> tuple[tuple[str, Cls], ...]:
    """The atoms of one Latin run (no space in it), with ``Cls.BREAK`` between pieces."""
    out: list[tuple[str, Cls]] = []
    start, end = 0, len(run)
    while start < end - 1 and run[start] in _NO_START_ASCII:  # e.g. hanzi + ")," + word
        out.append((run[start], classify(run[start])))
        start += 1
    tail: list[tuple[str, Cls]] = []
    while end - 1 > start and run[end - 1] in _NO_END_ASCII:  # word + "(" + hanzi
        end -= 1
        tail.insert(0, (run[end], classify(run[end])))
    body = run[start:end]
    pieces = [body[a:b] for a, b in zip((0, *_breaks(body)), (*_breaks(body), len(body)),
                                        strict=True)]
    for k, piece in enumerate(pieces):
        if k:
            out.append(("", Cls.BREAK))
        out.append((piece, Cls.WESTERN))
    out += tail
    return tuple(out)


@lru_cache(maxsize=4096)
def _breaks(body: str) -> tuple[int, ...]:
    """Offsets inside ``body`` where a line may end (0 < k < len(body))."""
    if body.isalnum():  # letters and digits only: no break inside (UAX #14 LB23, LB28, LB29)
        return ()
    found: set[int] = set()
    urls = [m.span() for m in _URL.finditer(body)]
    for a, b in urls:
        for k in range(a + 1, b):
            prev, nxt = body[k - 1], body[k]
            if nxt == "@" or (prev in _URL_BREAK_AFTER and nxt not in _URL_BREAK_AFTER):
                found.add(k)
    for k in line_break_boundaries(body):
        if not 0 < k < len(body) or any(a < k < b for a, b in urls):
            continue
        if body[k - 1] in "/／":  # a solidus never ends a line (GB/T 15834 5.1.9)
            continue
        found.add(k)
    return tuple(sorted(found))
