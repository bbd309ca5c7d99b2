"""Prepare: text runs → atoms, the unbreakable boxes the line breaker works with.

An atom is a hanzi, one punctuation mark, a Latin word or a number with its
signs, or an inseparable long mark (—— ……).  Each atom knows its natural
width, the blank halves a punctuation mark may give up (clreq §3), the glue in
front of it (hanzi–western gap, word space; clreq §4) and whether a line may
end before it.  Widths come from the real font metrics.
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Protocol

from layout.compose.classes import (
    NO_END,
    NO_START,
    POSTFIX_SIGNS,
    PREFIX_SIGNS,
    PUNCT_CLASSES,
    Cls,
    classify,
    may_break,
)
from layout.compose.style import CompositionStyle


class Face(Protocol):
    key: Hashable

    def advance(self, ch: str) -> float: ...


class FontSource(Protocol):
    """What the composer needs of the fonts module: the face that draws a character."""

    def resolve(self, role: str, weight: str, ch: str, halfwidth_digits: bool = False) -> Face: ...


@dataclass(frozen=True)
class TextRun:
    """A run of text in one font: the composer's input."""

    text: str
    role: str = "song"
    weight: str = "regular"
    size: float = 9.0


@dataclass(slots=True)
class Atom:
    text: str
    cls: Cls
    face: Hashable  # key of the face that draws it
    size: float  # pt
    width: float  # pt, natural advance (a full-width mark counts its blank halves)
    lblank: float  # pt of blank on the left that compression may remove (opening marks)
    rblank: float  # pt of blank on the right (closing marks, pauses, stops)
    squeeze: float  # pt a mark may give mid-line when pushing in (style)
    glue: float  # pt of glue before this atom (gap or word space); 0 at a line start
    glue_min: float  # pt the glue may shrink to
    stretch_glue: bool  # glue is a word space or gap (expands first when justifying)
    breakable: bool  # may a line end just before this atom?
    space: bool = False  # the glue came from a typed space (its text is kept mid-line)

    @property
    def is_punct(self) -> bool:
        return self.cls in PUNCT_CLASSES


def _tokens(text: str) -> Iterable[tuple[str, Cls]]:
    """Split text into atom texts with their class."""
    i, n = 0, len(text)
    han = Cls.HAN
    while i < n:
        ch = text[i]
        cls = classify(ch)
        if cls is han:  # most characters; no hanzi is a long mark, a sign or a space
            yield ch, cls
            i += 1
            continue
        if ch in "—⸺" and i + 1 < n and text[i + 1] == ch or ch == "⸺":
            step = 1 if ch == "⸺" else 2
            yield text[i : i + step], Cls.LONG
            i += step
            continue
        if ch in "…⋯" and i + 1 < n and text[i + 1] == ch:
            yield text[i : i + 2], Cls.LONG
            i += 2
            continue
        if cls is Cls.WESTERN or (ch in PREFIX_SIGNS and i + 1 < n and text[i + 1].isdigit()):
            j = i + 1
            while j < n:
                c = text[j]
                if classify(c) is Cls.WESTERN:
                    j += 1
                elif c in ".,:-'’" and j + 1 < n and classify(text[j + 1]) is Cls.WESTERN and c != "’":
                    j += 1
                else:
                    break
            while j < n and text[j] in POSTFIX_SIGNS:
                j += 1
            yield text[i:j], Cls.WESTERN
            i = j
            continue
        if ch in POSTFIX_SIGNS:
            yield ch, Cls.SYMBOL
            i += 1
            continue
        if cls is Cls.SPACE:
            j = i
            while j < n and classify(text[j]) is Cls.SPACE:
                j += 1
            yield " ", Cls.SPACE
            i = j
            continue
        yield ch, cls
        i += 1


def _cjk_side(cls: Cls) -> bool:
    """Hanzi-like atoms next to which a western gap is inserted (not punctuation: clreq §4)."""
    return cls in (Cls.HAN, Cls.SYMBOL)


#: measured atoms per font source: (role, weight, text, class, half-width digits) →
#: (face key, width, left blank, right blank) in em.  Fonts do not change within a process.
_MEASURED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _shape(fonts: FontSource, role: str, weight: str, text: str, cls: Cls, hw: bool):
    memo = _MEASURED.setdefault(fonts, {})
    key = (role, weight, text, cls, hw)
    hit = memo.get(key)
    if hit is None:
        face = fonts.resolve(role, weight, text[0], hw)
        hit = memo[key] = (face.key, *_measure(text, cls, face, 1.0))
    return hit


def prepare(runs: Iterable[TextRun], style: CompositionStyle, fonts: FontSource) -> list[Atom]:
    """Atoms of a paragraph, with glue and break permissions resolved."""
    atoms: list[Atom] = []
    pending_space = False
    memo = _MEASURED.get(fonts)
    if memo is None:
        memo = _MEASURED.setdefault(fonts, {})
    hw = style.halfwidth_digits
    half_width_marks = style.half_width_marks
    squeeze_of = {c: style.squeeze.get(c.value, 0.0) for c in PUNCT_CLASSES}
    space, western = Cls.SPACE, Cls.WESTERN
    no_start, no_end = NO_START[style.prohibition], NO_END[style.prohibition]
    prev_cls = None
    for run in runs:
        em = run.size
        role, weight = run.role, run.weight
        for text, cls in _tokens(run.text):
            if cls is space:
                pending_space = True
                continue
            hit = memo.get((role, weight, text, cls, hw))
            if hit is None:
                hit = _shape(fonts, role, weight, text, cls, hw)
            face_key, width, lblank, rblank = hit
            width, lblank, rblank = width * em, lblank * em, rblank * em
            if text in half_width_marks and (lblank or rblank):
                width, lblank, rblank = width - lblank - rblank, 0.0, 0.0
            squeeze = squeeze_of[cls] * em if cls in squeeze_of else 0.0
            squeeze = min(squeeze, lblank + rblank)
            # fields in order: text cls face size width lblank rblank squeeze glue glue_min
            # stretch_glue breakable space
            if prev_cls is None:
                atom = Atom(text, cls, face_key, em, width, lblank, rblank, squeeze, 0.0, 0.0,
                            False, False, pending_space)
            elif pending_space or cls is western or prev_cls is western:
                atom = Atom(text, cls, face_key, em, width, lblank, rblank, squeeze, 0.0, 0.0,
                            False, False, pending_space)
                _join(atoms[-1], atom, style, pending_space)
            else:  # _join without glue: only the break permission (may_break, inlined)
                atom = Atom(text, cls, face_key, em, width, lblank, rblank, squeeze, 0.0, 0.0,
                            False, not (cls in no_start or prev_cls in no_end), False)
            atoms.append(atom)
            prev_cls = cls
            pending_space = False
    return atoms


def _measure(text: str, cls: Cls, face: Face, em: float) -> tuple[float, float, float]:
    """Natural width and compressible blanks (pt) of one atom."""
    if cls is Cls.LONG:
        return 2 * em, 0.0, 0.0  # —— and …… are 2 em, drawn as one unit (GB/T 15834 5.1.4-5)
    if cls is Cls.MIDDOT:
        return 0.5 * em, 0.0, 0.0  # · is ½ em in GB, centred (5.1.7)
    width = sum(face.advance(c) for c in text) * em
    if cls in PUNCT_CLASSES and width > 0.9 * em:
        half = width / 2  # full-width mark: one half is ink, the other blank (clreq §3.1)
        return width, (half if cls is Cls.OPEN else 0.0), (0.0 if cls is Cls.OPEN else half)
    return width, 0.0, 0.0


def _join(prev: Atom, atom: Atom, style: CompositionStyle, typed_space: bool) -> None:
    """Glue and break permission between two neighbours."""
    em = atom.size
    western_pair = (prev.cls is Cls.WESTERN and _cjk_side(atom.cls)) or (
        atom.cls is Cls.WESTERN and _cjk_side(prev.cls)
    )
    if western_pair:
        # a typed space next to hanzi is normalised to the same gap (clreq §4)
        atom.glue, atom.glue_min = style.latin_gap * em, style.latin_gap_min * em
        atom.stretch_glue = True
    elif typed_space:
        atom.glue = style.word_space * em
        atom.glue_min = min(atom.glue, 0.25 * em)
        atom.stretch_glue = True
    if typed_space and western_pair:
        atom.space = False  # the gap replaces it: keep no space character in the text
    atom.breakable = may_break(prev.cls, atom.cls, style.prohibition)
    if prev.cls is Cls.WESTERN and atom.cls is Cls.WESTERN and not typed_space:
        atom.breakable = False  # 5G, 360°: one western unit unless a space parts them


def split_overlong(atoms: list[Atom], limit: float, fonts: FontSource) -> list[str]:
    """Break, in place, every western unit wider than ``limit`` pt between its letters.

    No rule says what to do with a word longer than the column; clreq's grid setting
    force-breaks it at the line end.  That keeps every character on the page and inside
    the measure, where an overflowing line would run into the next column.  Returns the
    words broken, for a warning.
    """
    broken = []
    k = 0
    while k < len(atoms):
        a = atoms[k]
        if a.cls is not Cls.WESTERN or a.width <= limit + 1e-6 or len(a.text) < 2:
            k += 1
            continue
        role, weight, hw = a.face[0], a.face[1], bool(a.face[2]) if len(a.face) > 2 else False
        pieces = []
        for n, ch in enumerate(a.text):
            face = fonts.resolve(role, weight, ch, hw)
            piece = Atom(ch, Cls.WESTERN, face.key, a.size, face.advance(ch) * a.size, 0.0, 0.0,
                         0.0, 0.0, 0.0, False, True, False)
            if n == 0:  # the first letter keeps the word's glue and break permission
                piece.glue, piece.glue_min = a.glue, a.glue_min
                piece.stretch_glue, piece.breakable, piece.space = a.stretch_glue, a.breakable, a.space
            pieces.append(piece)
        atoms[k:k + 1] = pieces
        broken.append(a.text)
        k += len(pieces)
    return broken
