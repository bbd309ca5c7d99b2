"""Prepare: text runs → atoms, the unbreakable boxes the line breaker works with.

An atom is a hanzi, one punctuation mark, a Latin word or a number with its
signs, or an inseparable long mark (—— ……).  ``segment`` finds the words (UAX #14, URLs
and e-mail addresses); a word whose letters come from two faces, or that may break inside
(after a hyphen, in a URL), is several atoms joined with no glue.  Each atom knows its natural
width, the blank halves a punctuation mark may give up (clreq §3), the glue in
front of it (hanzi–western gap, word space; clreq §4) and whether a line may
end before it.  Widths come from the real font metrics.

Atoms are immutable and shared: an atom is decided by its text, its run's font and
size, the style, and the class of the atom before it (with whether a space was typed
between them), so each such combination is built once per font set and a paragraph
costs a dictionary look-up per character (a whole stretch of hanzi, one ``map``).
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable, Iterable
from itertools import groupby
from operator import attrgetter
from typing import Any, NamedTuple, Protocol

from layout.compose.classes import (
    PUNCT_CLASSES,
    Cls,
    is_hanzi,
    may_break,
)
from layout.compose.lines import FaceRef
from layout.compose.segment import tokens
from layout.compose.style import CompositionStyle, sets_half_width

#: the "typed space" flag of a joint when no space was typed but a line may end there
#: (inside a URL, after a hyphen: ``Cls.BREAK``); False and True are no space and a space
BREAK = 2


class Face(Protocol):
    """What the composer reads of a face (the fonts module's ``Face``)."""

    key: Hashable
    info: Any  # the source facts: ``hwid`` maps digits to their half-width forms
    name: str
    ttf_path: object  # os.PathLike
    ascender: float
    descender: float

    def halt(self, ch: str) -> tuple[float, float] | None: ...

    def glyphs(self, text: str) -> tuple[float, tuple[int, ...]]: ...


class FontSource(Protocol):
    """What the composer needs of the fonts module: the face that draws a character."""

    def resolve(self, role: str, weight: str, ch: str, halfwidth_digits: bool = False) -> Face: ...


class TextRun(NamedTuple):
    """A run of text in one font: the composer's input."""

    text: str
    role: str = "song"
    weight: str = "regular"
    size: float = 9.0


class Atom(NamedTuple):
    """One unbreakable unit with its widths (pt); see the module docstring.  Shared between
    paragraphs: never changed in place (``_replace`` makes a new one)."""

    text: str
    cls: Cls
    face: FaceRef  # the face that draws it
    size: float  # pt
    width: float  # pt, natural width of its box (a full-width mark counts its blank halves)
    lblank: float  # pt of blank on the left that compression may remove (opening marks)
    rblank: float  # pt of blank on the right (closing marks, pauses, stops)
    squeeze: float  # pt a mark may give mid-line when pushing in (style)
    advance: float  # pt the font advances for its text (its glyphs as the font draws them)
    halt: float | None  # em the face's ``halt`` form moves a lone mark (GPOS), None: no such form
    gids: tuple[int, ...]  # the face's glyph of each character of its text (cmap)
    variant: str  # "hwid": its digits in their half-width form (GSUB hwid; the face applies it)
    glue: float = 0.0  # pt of glue before this atom (gap or word space); 0 at a line start
    glue_min: float = 0.0  # pt the glue may shrink to
    stretch_glue: bool = False  # glue is a word space or gap (expands first when justifying)
    breakable: bool = False  # may a line end just before this atom?
    space: bool = False  # the glue came from a typed space (its text is kept mid-line)


#: A paragraph's atoms as one tuple per field, in ``Atom``'s field order (``columns``): the
#: breaker and the placer slice and index these rather than read each atom's attributes.
AtomColumns = NamedTuple("AtomColumns", [(name, tuple) for name in Atom._fields])


def columns(atoms: list[Atom]) -> AtomColumns:
    """The atoms transposed into ``AtomColumns`` (one C-level ``zip``)."""
    return AtomColumns(*zip(*atoms, strict=True))


def _tokens(text: str) -> Iterable[tuple[str, Cls]]:
    """Split text (no hanzi in it) into atom texts with their class: ``segment.tokens``."""
    return tokens(text)


def _cjk_side(cls: Cls) -> bool:
    """Hanzi-like atoms next to which a western gap is inserted (not punctuation: clreq §4)."""
    return cls in (Cls.HAN, Cls.SYMBOL)


class Box(NamedTuple):
    """The fields of an ``Atom`` that its unit decides whatever its neighbours (same names)."""

    face: FaceRef
    size: float
    width: float
    lblank: float
    rblank: float
    squeeze: float
    advance: float
    halt: float | None
    gids: tuple[int, ...]
    variant: str


class Joint(NamedTuple):
    """The fields of an ``Atom`` that the atom before it decides (same names)."""

    glue: float
    glue_min: float
    stretch_glue: bool
    breakable: bool
    space: bool


#: an atom is (text, class, *box, *joint): checked here, so atoms are built from the named
#: parts by position (one C call) and a field added to one and not the other fails at import
if Atom._fields != ("text", "cls", *Box._fields, *Joint._fields):
    raise ImportError("Atom's fields are not text, cls, then Box's and Joint's fields")


class MarkStyle(NamedTuple):
    """Every style field that decides a mark's box beyond its face (clreq §3); the box of any
    other unit depends on the style only through ``halfwidth_digits`` (its face)."""

    punctuation: str
    half_width_marks: str
    squeeze: dict[str, float]
    full_width_min: float

    @classmethod
    def of(cls, style: CompositionStyle) -> MarkStyle:
        return cls(style.punctuation, style.half_width_marks, dict(style.squeeze), style.full_width_min)


class AtomCache:
    """The atoms one font source has made, kept with it (``cache_of``): fonts do not change
    within a build, so a unit is measured once, and each atom built once per style and
    context.  Every key is a value (a style, a font key), never an object's identity."""

    def __init__(self, fonts: FontSource) -> None:
        self.fonts = weakref.ref(fonts)  # kept by the font source: no cycle through it
        #: (role, weight, text, class, half-width digits) → (face, advance (em), halt
        #: placement, glyph ids, variant)
        self.measured: dict[tuple[str, str, str, Cls, bool],
                            tuple[FaceRef, float, float | None, tuple[int, ...], str]] = {}
        self.refs: dict[Hashable, FaceRef] = {}  # the record of each face, made once
        #: (style, role, weight, size) → the atoms of such runs
        self.runs: dict[tuple[CompositionStyle, str, str, float], _RunAtoms] = {}
        #: hanzi, shared by every style that sets them alike: (role, weight, size, half-width
        #: digits, joint) → by character.  A hanzi's box reads no other style field (only a
        #: mark's reads the ``MarkStyle``), its glue and break permission are the joint.
        self.hanzi: dict[tuple[str, str, float, bool, Joint], _Hanzi] = {}

    def face_ref(self, face: Face) -> FaceRef:
        ref = self.refs.get(face.key)
        if ref is None:
            ref = self.refs[face.key] = FaceRef.of(face)
        return ref

    def run_atoms(self, style: CompositionStyle, role: str, weight: str, size: float) -> _RunAtoms:
        key = (style, role, weight, size)
        made = self.runs.get(key)
        if made is None:
            made = self.runs[key] = _RunAtoms(self, role, weight, size, style)
        return made


_CACHES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def cache_of(fonts: FontSource) -> AtomCache:
    """The ``AtomCache`` of a font source, living as long as it does."""
    cache = _CACHES.get(fonts)
    if cache is None:
        cache = _CACHES[fonts] = AtomCache(fonts)
    return cache


class _Hanzi(dict):
    """Atoms of hanzi of one font and size with one joint (glue, break permission before
    them), by character; built on first use."""

    def __init__(self, run: _RunAtoms, joint: Joint) -> None:
        super().__init__()
        self.run = run  # a run that measures them (any with the same face and size)
        self.joint = joint

    def __missing__(self, ch: str) -> Atom:
        atom = self[ch] = Atom._make((ch, Cls.HAN, *self.run.box(ch, Cls.HAN), *self.joint))
        return atom


class _RunAtoms:
    """The atoms of one run's font and size in one style, each built once: keyed by the
    unit's text and class and by its context (the class before it, a typed space)."""

    def __init__(self, cache: AtomCache, role: str, weight: str, size: float,
                 style: CompositionStyle) -> None:
        self.cache = cache
        self.role, self.weight, self.size, self.style = role, weight, size, style
        self.halfwidth_digits = style.halfwidth_digits
        self.marks = MarkStyle.of(style)
        self._boxes: dict[tuple[str, Cls], Box] = {}
        self._hanzi: dict[tuple[Cls | None, bool], _Hanzi] = {}
        self.after_hanzi = self.hanzi(Cls.HAN, False)  # most atoms of a page
        self.other: dict[tuple[str, Cls, Cls | None, bool], Atom] = {}
        self._tokens: dict[str, list[tuple[str, Cls]]] = {}

    def hanzi(self, prev_cls: Cls | None, typed_space: bool) -> _Hanzi:
        """Hanzi after an atom of class ``prev_cls`` (None: at the paragraph start)."""
        found = self._hanzi.get((prev_cls, typed_space))
        if found is None:
            joint = self.joint(Cls.HAN, prev_cls, typed_space)
            key = (self.role, self.weight, self.size, self.halfwidth_digits, joint)
            shared = self.cache.hanzi
            found = shared.get(key)
            if found is None:
                found = shared[key] = _Hanzi(self, joint)
            self._hanzi[prev_cls, typed_space] = found
        return found

    def tokens(self, part: str) -> list[tuple[str, Cls]]:
        """``_tokens`` of a stretch without hanzi, each Latin word split into clusters of one
        face (``Dvořák`` may take its ř from another face than its D): clusters join with
        no glue and no break (``_join``), so a word stays solid and whole."""
        found = self._tokens.get(part)
        if found is None:
            found = self._tokens[part] = [
                piece for text, cls in _tokens(part)
                for piece in (self._face_clusters(text) if cls is Cls.WESTERN and len(text) > 1
                              else ((text, cls),))]
        return found

    def _face_clusters(self, word: str) -> list[tuple[str, Cls]]:
        fonts, hw = self.cache.fonts(), self.halfwidth_digits
        assert fonts is not None  # the cache lives only as long as its font source
        keys = [fonts.resolve(self.role, self.weight, ch, hw).key for ch in word]
        out: list[tuple[str, Cls]] = []
        start = 0
        for k in range(1, len(word) + 1):
            if k == len(word) or keys[k] != keys[start]:
                out.append((word[start:k], Cls.WESTERN))
                start = k
        return out

    def make(self, text: str, cls: Cls, prev_cls: Cls | None, typed_space: bool) -> Atom:
        """A new atom: measured in its face, with glue and break permission after ``prev_cls``."""
        return Atom._make((text, cls, *self.box(text, cls), *self.joint(cls, prev_cls, typed_space)))

    def box(self, text: str, cls: Cls) -> Box:
        """The ``Box`` of a unit, whatever its neighbours: its face's (``halfwidth_digits``
        picks the face), and for a mark what ``self.marks`` makes of its blank halves."""
        found = self._boxes.get((text, cls))
        if found is not None:
            return found
        em, hw = self.size, self.halfwidth_digits
        key = (self.role, self.weight, text, cls, hw)
        hit = self.cache.measured.get(key)
        if hit is None:
            fonts = self.cache.fonts()
            assert fonts is not None  # the cache lives only as long as its font source
            face = fonts.resolve(self.role, self.weight, text[0], hw)
            # only a mark or a · may be set narrower than its glyph, and drawn in its halt form
            halt = face.halt(text) if cls in _MAY_HALT and len(text) == 1 else None
            ref = self.cache.refs.get(face.key) or self.cache.face_ref(face)
            advance, gids = face.glyphs(text)
            hit = self.cache.measured[key] = (ref, advance, halt[0] if halt else None, gids,
                                              _face_variant(face, text))
        face_ref, advance, halt, gids, variant = hit
        squeeze = lblank = rblank = 0.0
        if cls in PUNCT_CLASSES:
            width, lblank, rblank, squeeze = _mark_widths(self.marks, text, cls, advance, em)
        elif cls is Cls.LONG:
            width = 2.0 * em  # —— and …… are 2 em, drawn as one unit (GB/T 15834 5.1.4-5)
        elif cls is Cls.MIDDOT:
            width = 0.5 * em  # · is ½ em in GB, centred (5.1.7)
        else:
            width = advance * em
        found = self._boxes[text, cls] = Box(face_ref, em, width, lblank, rblank, squeeze,
                                             advance * em, halt, gids, variant)
        return found

    def joint(self, cls: Cls, prev_cls: Cls | None, typed_space: bool) -> Joint:
        """The ``Joint`` of a unit of ``cls`` after one of ``prev_cls``."""
        if prev_cls is None:  # a paragraph's first atom: no glue, no break before it
            return Joint(0.0, 0.0, False, False, typed_space is True)
        if typed_space == BREAK:  # inside a Latin run: solid, but a line may end here
            return Joint(0.0, 0.0, False, may_break(prev_cls, cls, self.style.prohibition), False)
        if typed_space or cls is Cls.WESTERN or prev_cls is Cls.WESTERN:
            return _join(prev_cls, cls, self.size, self.style, typed_space)
        # no glue: only the break permission
        return Joint(0.0, 0.0, False, may_break(prev_cls, cls, self.style.prohibition), False)


def prepare(runs: Iterable[TextRun], style: CompositionStyle, fonts: FontSource) -> list[Atom]:
    """Atoms of a paragraph, with glue and break permissions resolved."""
    atoms: list[Atom] = []
    cache = cache_of(fonts)
    built: dict[tuple[str, str, float], _RunAtoms] = {}
    prev_cls: Cls | None = None
    pending_space = False
    han, space, zero_break = Cls.HAN, Cls.SPACE, Cls.BREAK
    for run in runs:
        key = (run.role, run.weight, run.size)
        made = built.get(key)
        if made is None:
            made = built[key] = cache.run_atoms(style, run.role, run.weight, run.size)
        other = made.other
        for hanzi, chars in groupby(run.text, is_hanzi):
            part = "".join(chars)
            if hanzi:  # a stretch of hanzi: the first in its context, the rest after a hanzi
                atoms.append(made.hanzi(prev_cls, pending_space)[part[0]])
                atoms += map(made.after_hanzi.__getitem__, part[1:])
                prev_cls, pending_space = han, False
                continue
            for text, cls in made.tokens(part):
                if cls is space:
                    pending_space = True
                    continue
                if cls is zero_break:  # a break opportunity inside a Latin run, no glue
                    pending_space = pending_space or BREAK
                    continue
                key = (text, cls, prev_cls, pending_space)
                atom = other.get(key)
                if atom is None:
                    atom = other[key] = made.make(text, cls, prev_cls, pending_space)
                atoms.append(atom)
                prev_cls, pending_space = cls, False
    return atoms


_MAY_HALT = PUNCT_CLASSES | {Cls.MIDDOT}


def _face_variant(face: Face, text: str) -> str:
    """"hwid" if ``face`` sets digits of ``text`` in their half-width form, else ""."""
    if getattr(face.key, "halfwidth_digits", False) and not face.info.hwid.keys().isdisjoint(
            map(ord, text)):
        return "hwid"
    return ""


def _mark_widths(style: MarkStyle, text: str, cls: Cls, advance: float,
                 em: float) -> tuple[float, float, float, float]:
    """Width, left and right blank, and squeeze (pt) of a mark whose glyph advances ``advance`` em."""
    lblank = rblank = 0.0
    if advance > style.full_width_min:
        half = advance / 2  # full-width mark: one half is ink, the other blank (clreq §3.1)
        lblank, rblank = (half, 0.0) if cls is Cls.OPEN else (0.0, half)
    width, lblank, rblank = advance * em, lblank * em, rblank * em
    if style.punctuation == "centered":
        lblank = rblank = 0.0  # the ink sits in the middle: no half is blank
    elif (lblank or rblank) and sets_half_width(style.punctuation, style.half_width_marks,
                                                text, cls.value):
        width, lblank, rblank = width - lblank - rblank, 0.0, 0.0
    return width, lblank, rblank, min(style.squeeze.get(cls.value, 0.0) * em, lblank + rblank)


def _join(prev_cls: Cls, cls: Cls, em: float, style: CompositionStyle, typed_space: bool) -> Joint:
    """Glue and break permission between two neighbours: (glue, glue_min, stretch_glue,
    breakable, space) of an atom of ``cls`` at ``em`` pt after one of ``prev_cls``.

    Three spaces, three style fields: between two Latin words the Latin word space
    (``latin_space``, about ⅓ em); between a Latin word or number and a hanzi the CJK-Latin
    gap (``latin_gap``, clreq §4), where a typed space is set as clreq's ¼ em gap, never
    narrower than the style's own (``Photo: NASA/JPL-Caltech 摄`` keeps its space whatever
    the style's digit gap); between other neighbours (a byline's ``记者 张铮``) ``word_space``.
    """
    glue = glue_min = 0.0
    stretch_glue = False
    space = typed_space
    western_pair = (prev_cls is Cls.WESTERN and _cjk_side(cls)) or (
        cls is Cls.WESTERN and _cjk_side(prev_cls)
    )
    if western_pair:
        glue, glue_min = style.latin_gap * em, style.latin_gap_min * em
        if typed_space:
            glue = max(glue, TYPED_LATIN_GAP * em)
            space = False  # the gap replaces it: keep no space character in the text
        stretch_glue = True
    elif typed_space and prev_cls is Cls.WESTERN and cls is Cls.WESTERN:
        glue, glue_min = style.latin_space * em, style.latin_space_min * em
        stretch_glue = True
    elif typed_space:
        glue = style.word_space * em
        glue_min = min(glue, style.word_space_min * em)
        stretch_glue = True
    breakable = may_break(prev_cls, cls, style.prohibition)
    if prev_cls is Cls.WESTERN and cls is Cls.WESTERN and not typed_space:
        breakable = False  # 5G, 360°, a word's clusters of two faces: one unit
    return Joint(glue, glue_min, stretch_glue, breakable, space)


#: a space typed between a Latin word and a hanzi: clreq §4's "up to ¼ em" Han-Latin space
TYPED_LATIN_GAP = 0.25


_width = attrgetter("width")


def split_overlong(atoms: list[Atom], limit: float, fonts: FontSource,
                   first: float | None = None) -> list[str]:
    """Break, in place, every western unit wider than ``limit`` pt between its letters (the
    first atom already when wider than ``first`` pt, the room on the paragraph's first line).

    No rule says what to do with a word longer than the column; clreq's grid setting
    force-breaks it at the line end.  That keeps every character on the page and inside
    the measure, where an overflowing line would run into the next column.  Returns the
    words broken, for a warning.
    """
    first_limit = limit if first is None else min(limit, first)
    if not atoms or (max(map(_width, atoms)) <= limit + 1e-6
                     and atoms[0].width <= first_limit + 1e-6):
        return []  # the usual case, found without a Python step per atom
    broken = []
    k = 0
    while k < len(atoms):
        a = atoms[k]
        room = first_limit if k == 0 else limit
        if a.cls is not Cls.WESTERN or a.width <= room + 1e-6 or len(a.text) < 2:
            k += 1
            continue
        role, weight, hw = a.face.key[0], a.face.key[1], bool(a.face.key[2])
        pieces = []
        for n, ch in enumerate(a.text):
            face = fonts.resolve(role, weight, ch, hw)
            advance, gids = face.glyphs(ch)
            width = advance * a.size
            # stretch_glue: a broken word may be letter-spaced (within the justifier's limit)
            piece = Atom(ch, Cls.WESTERN, cache_of(fonts).face_ref(face), a.size, width, lblank=0.0, rblank=0.0,
                         squeeze=0.0, advance=width, halt=None, gids=gids,
                         variant=_face_variant(face, ch),
                         stretch_glue=True, breakable=True)
            if n == 0:  # the first letter keeps the word's glue and break permission
                piece = piece._replace(glue=a.glue, glue_min=a.glue_min, stretch_glue=a.stretch_glue,
                                       breakable=a.breakable, space=a.space)
            pieces.append(piece)
        atoms[k:k + 1] = pieces
        broken.append(a.text)
        k += len(pieces)
    return broken
