"""FontSet: the fonts of one build — faces by role and weight, and fallback.

The resolver: which face draws a character of a role and weight.  Each other job has
its own module: converting the faces (``conversion``), checking coverage
(``coverage``), recording which files were used (``provenance``), cutting WOFF2
subsets (``woff2``).  Loading is cheap (the manifest and a ``stat`` per file); a face's
source facts are read on first use (cached, ``marshal``) and its TrueType file is
converted only when a metric or the file itself is needed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from layout.context import Diagnostics
from layout.errors import InputError, ResourceError
from layout.fonts import cache, coverage, woff2
from layout.fonts.conversion import Conversions, ConvertedFace
from layout.fonts.manifest import FaceSpec, Manifest, load_manifest
from layout.fonts.metrics import Face, FaceKey
from layout.fonts.provenance import Provenance
from layout.fonts.repertoire import codepoints


class FontSet:
    """The faces of a manifest, converted to a repertoire: the issue's characters + GB2312."""

    def __init__(
        self, manifest: Manifest, cache_dir: Path, base: frozenset[int] | None,
        extra: frozenset[int], diagnostics: Diagnostics | None = None,
    ) -> None:
        """``base`` None: the default base repertoire (GB2312 and CJK punctuation);
        warnings (a font that changed) go to ``diagnostics``."""
        self.diagnostics = Diagnostics() if diagnostics is None else diagnostics
        self.manifest = manifest
        self.cache_dir = cache_dir
        self.extra = extra
        self.conversions = Conversions(cache_dir, base, extra, self.diagnostics)
        self.provenance = Provenance()
        self._faces: dict[tuple[str, str, bool], Face] = {}
        self._asked: dict[tuple[str, str, bool], Face] = {}  # (role, weight, hw asked for)
        self._resolved: dict[tuple[str, str, str, bool], Face | None] = {}
        self._specs: dict[tuple[str, str], list[tuple[FaceSpec, frozenset[str]]]] = {}

    @classmethod
    def load(
        cls,
        extra_chars: Iterable[str] | str = "",
        *,
        manifest: Path | str | None = None,
        cache_dir: Path | str | None = None,
        base_chars: Iterable[str] | str | None = None,
        environ: Mapping[str, str] | None = None,
        diagnostics: Diagnostics | None = None,
    ) -> FontSet:
        """Read the manifest; ``extra_chars`` = every character the issue uses.

        ``base_chars`` replaces the GB2312 base repertoire (tests use a small one).
        """
        env = os.environ if environ is None else environ
        man = load_manifest(Path(manifest) if manifest else None, env)
        cdir = Path(cache_dir) if cache_dir else cache.cache_dir(env)
        base = None if base_chars is None else codepoints(base_chars)
        return cls(man, cdir, base, codepoints(extra_chars), diagnostics)

    @property
    def repertoire(self) -> frozenset[int]:
        """Every code point the converted faces cover (where the face has it)."""
        return self.conversions.repertoire

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(self.manifest.roles)

    # -- faces -----------------------------------------------------------------

    def _ensure(self, base: ConvertedFace) -> Path:
        path = self.conversions.ensure(base)
        self.provenance.record(base.spec.path, base.sha256)
        return path

    def _face_for(self, spec: FaceSpec, halfwidth_digits: bool) -> Face:
        asked = (spec.role, spec.weight, halfwidth_digits)
        face = self._asked.get(asked)  # the resolver asks for every new character
        if face is not None:
            return face
        base = self._base(spec)
        hw = halfwidth_digits and bool(base.info.hwid)  # LXGW WenKai has no hwid glyphs
        k = (spec.role, spec.weight, hw)
        if k not in self._faces:
            self._faces[k] = Face(
                FaceKey(*k),
                base.name + ("-HW" if hw else ""),
                spec,
                base.info,
                base.covered,
                lambda: self._ensure(base),
            )
        face = self._asked[asked] = self._faces[k]
        return face

    def _check_role(self, role: str) -> None:
        if role not in self.manifest.roles:
            known = ", ".join(self.manifest.roles)
            raise InputError(f"unknown font role {role!r} (known: {known})")

    def chain(
        self, role: str, weight: str = "regular", halfwidth_digits: bool = False
    ) -> list[Face]:
        """The faces tried for ``role``: its own, then its fallback roles' (same weight)."""
        self._check_role(role)
        faces: list[Face] = []
        for r in self.manifest.chain(role):
            spec = self.manifest.face_spec(r, weight)
            if spec is not None:
                faces.append(self._face_for(spec, halfwidth_digits))
        return faces

    def chain_names(self, role: str, weight: str = "regular") -> list[str]:
        names = []
        for r in self.manifest.chain(role):
            spec = self.manifest.face_spec(r, weight)
            if spec is not None:
                names.append(spec.psname or spec.path.name)
        return names

    def face(self, role: str, weight: str = "regular", halfwidth_digits: bool = False) -> Face:
        """The role's own face (or its first fallback's, for a role without faces)."""
        self._check_role(role)
        for r in self.manifest.chain(role):
            spec = self.manifest.face_spec(r, weight)
            if spec is not None:
                face = self._face_for(spec, halfwidth_digits)
                if spec.path not in self.provenance:
                    self.provenance.record(spec.path, self._base(spec).sha256)
                return face
        raise ResourceError(f"no font face configured for role {role} {weight} or its fallbacks")

    def resolve_or_none(
        self, role: str, weight: str, ch: str, halfwidth_digits: bool = False
    ) -> Face | None:
        """First face of the chain that has ``ch``, skipping a role that borrows ``ch``."""
        k = (role, weight, ch, halfwidth_digits)
        if k not in self._resolved:  # the composer asks once per character
            self._resolved[k] = self._resolve(role, weight, ch, halfwidth_digits)
        return self._resolved[k]

    def _chain_specs(self, role: str, weight: str) -> list[tuple[FaceSpec, frozenset[str]]]:
        """(face spec, borrowed characters) of each role of ``role``'s chain that has a face."""
        k = (role, weight)
        specs = self._specs.get(k)
        if specs is None:
            self._check_role(role)
            specs = self._specs[k] = [
                (spec, self.manifest.roles[r].borrow)
                for r in self.manifest.chain(role)
                if (spec := self.manifest.face_spec(r, weight)) is not None
            ]
        return specs

    def _resolve(self, role: str, weight: str, ch: str, halfwidth_digits: bool) -> Face | None:
        lenders: list[Face] = []
        for spec, borrow in self._chain_specs(role, weight):
            face = self._face_for(spec, halfwidth_digits)
            if not face.has(ch):
                continue
            if ch in borrow:
                lenders.append(face)  # used only if no later role has it
                continue
            if spec.path not in self.provenance:  # without looking the hash up each time
                self.provenance.record(spec.path, self._base(spec).sha256)
            return face
        if lenders:
            if lenders[0].spec.path not in self.provenance:
                self.provenance.record(lenders[0].spec.path, self._base(lenders[0].spec).sha256)
            return lenders[0]
        return None

    def resolve(self, role: str, weight: str, ch: str, halfwidth_digits: bool = False) -> Face:
        face = self.resolve_or_none(role, weight, ch, halfwidth_digits)
        if face is None:
            raise InputError(
                f"character {ch!r} U+{ord(ch):04X} is in no font of role {role} {weight} "
                f"(tried {', '.join(self.chain_names(role, weight))})"
            )
        return face

    # -- whole-build operations ------------------------------------------------

    def check_coverage(self, items: Iterable[coverage.Item]) -> set[FaceKey]:
        """Raise ``InputError`` naming each character no face has, with every file:line."""
        return coverage.check(self, items)

    def all_keys(self) -> list[FaceKey]:
        """Every face of the manifest, with the half-width variant where the font has one."""
        keys: list[FaceKey] = []
        for role, spec in self.manifest.roles.items():
            for weight in spec.faces:
                keys.append(FaceKey(role, weight, False))
                keys.append(FaceKey(role, weight, True))
        return keys

    def prepare(
        self, keys: Iterable[FaceKey | tuple[str, str, bool]] | None = None, workers: int = 2
    ) -> list[Path]:
        """Convert the faces of ``keys`` (default: all) now, ``workers`` processes at once."""
        faces = {self.face(*k) for k in (self.all_keys() if keys is None else keys)}
        self.conversions.prepare((self._base(f.spec) for f in faces), workers)
        return sorted({f.ttf_path for f in faces})

    def _base(self, spec: FaceSpec) -> ConvertedFace:
        return self.conversions.converted(spec)

    def woff2_subset(self, face: Face, chars: Iterable[str] | str) -> bytes:
        """WOFF2 of exactly ``chars`` (without ``locl``; ``vert``/``halt``/``palt`` kept)."""
        return woff2.woff2_subset(self.cache_dir, face, frozenset(chars))

    def files_used(self) -> list[tuple[Path, str]]:
        """(source file, SHA-256) of every face this build used, for the archive manifest."""
        return self.provenance.files()


def check_coverage(items: Iterable[coverage.Item], fs: FontSet | None = None) -> set[FaceKey]:
    """Check every (char, role, weight, where) item; loads a FontSet for them if none given."""
    items = list(items)
    if fs is None:
        fs = FontSet.load(extra_chars={item[0] for item in items})
    return fs.check_coverage(items)
