"""FontSet: the fonts of one build — faces by role and weight, fallback, coverage, files.

Loading is cheap (the manifest and a ``stat`` per file); a face's source facts are read
on first use (cached JSON) and its TrueType file is converted only when a metric or
the file itself is needed.  ``prepare`` converts several faces in parallel beforehand.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import marshal
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from layout.errors import InputError, ResourceError, SourcePos, warn
from layout.fonts import cache, convert, coverage, woff2
from layout.fonts.manifest import FaceSpec, Manifest, load_manifest
from layout.fonts.metrics import Face, FaceKey
from layout.fonts.repertoire import (
    BASE_VERSION,
    CodeRanges,
    base_repertoire,
    codepoints,
    digest,
    in_base,
)
from layout.fonts.source import SourceInfo, source_info

_WARNED: set[tuple[str, str]] = set()


class Coverage:
    """The code points a converted face maps: its source cmap within the FontSet's
    repertoire, tested one code point at a time (no set of ~8k ints built per face)."""

    __slots__ = ("_cmap", "_in_repertoire")

    def __init__(self, cmap: CodeRanges, in_repertoire: Callable[[int], bool]) -> None:
        self._cmap = cmap
        self._in_repertoire = in_repertoire

    def __contains__(self, cp: object) -> bool:
        return cp in self._cmap and self._in_repertoire(cp)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Base:
    """A source face resolved for this FontSet: its hash, facts, coverage and cache file."""

    spec: FaceSpec
    sha256: str
    info: SourceInfo
    covered: Coverage
    name: str
    out: Path  # the converted TrueType file in the cache


def _ps_safe(name: str) -> str:
    """PostScript names: printable ASCII without spaces or delimiters, at most 63 chars."""
    return re.sub(r"[^A-Za-z0-9._-]", "", name)[:40] or "Font"


class FontSet:
    """The faces of a manifest, converted to a repertoire: the issue's characters + GB2312."""

    def __init__(
        self, manifest: Manifest, cache_dir: Path, base: frozenset[int] | None,
        extra: frozenset[int],
    ) -> None:
        """``base`` None: the default base repertoire (GB2312 and CJK punctuation)."""
        self.manifest = manifest
        self.cache_dir = cache_dir
        self._custom_base = base
        self.extra = extra
        base_key = f"v{BASE_VERSION}" if base is None else digest(base)
        self._repertoire_key = hashlib.sha256(f"{base_key}|{digest(extra)}".encode()).hexdigest()
        self._jobs: dict[Path, convert.ConvertJob] = {}
        self._covered_sets: dict[tuple[str, int], frozenset[int]] = {}
        self._bases: dict[tuple[Path, int, str | None], _Base] = {}
        self._faces: dict[tuple[str, str, bool], Face] = {}
        self._asked: dict[tuple[str, str, bool], Face] = {}  # (role, weight, hw asked for)
        self._resolved: dict[tuple[str, str, str, bool], Face | None] = {}
        self._specs: dict[tuple[str, str], list[tuple[FaceSpec, frozenset[str]]]] = {}
        self._used: dict[Path, str] = {}

    @classmethod
    def load(
        cls,
        extra_chars: Iterable[str] | str = "",
        *,
        manifest: Path | str | None = None,
        cache_dir: Path | str | None = None,
        base_chars: Iterable[str] | str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> FontSet:
        """Read the manifest; ``extra_chars`` = every character the issue uses.

        ``base_chars`` replaces the GB2312 base repertoire (tests use a small one).
        """
        env = os.environ if environ is None else environ
        man = load_manifest(Path(manifest) if manifest else None, env)
        cdir = Path(cache_dir) if cache_dir else cache.cache_dir(env)
        base = None if base_chars is None else codepoints(base_chars)
        return cls(man, cdir, base, codepoints(extra_chars))

    @functools.cached_property
    def repertoire(self) -> frozenset[int]:
        """Every code point the converted faces cover (where the face has it); built only
        when a face is converted or a new repertoire's cache key is computed."""
        base = base_repertoire() if self._custom_base is None else self._custom_base
        return base | self.extra

    def _in_repertoire(self, cp: int) -> bool:
        if cp in self.extra:
            return True
        return in_base(cp) if self._custom_base is None else cp in self._custom_base

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(self.manifest.roles)

    # -- faces -----------------------------------------------------------------

    def _base(self, spec: FaceSpec) -> _Base:
        k = (spec.path, spec.index, spec.psname)
        if k in self._bases:
            return self._bases[k]
        if not spec.path.is_file():
            raise ResourceError(
                f"font file not found: {spec.describe()}; {spec.install_hint()}",
                SourcePos(str(spec.path)),
            )
        sha = cache.file_sha256(spec.path, self.cache_dir)
        if spec.sha256 and sha != spec.sha256.lower() and (str(spec.path), sha) not in _WARNED:
            _WARNED.add((str(spec.path), sha))
            warn(
                SourcePos(str(spec.path)),
                f"SHA-256 {sha[:16]}… differs from the manifest ({spec.sha256[:16]}…): "
                "the font changed, so line breaks may differ from earlier builds",
            )
        info = source_info(spec, sha, self.cache_dir)
        name = f"{_ps_safe(spec.psname or info.psname)}-L{convert.CONVERTER_VERSION}"
        rep, extended = self._covered_facts(sha, spec.index, info)
        if extended:  # an issue's rare characters, or a test
            name += f"-X{rep[:8]}"
        out = self.cache_dir / (
            f"{_ps_safe(spec.psname or info.psname)}-{sha[:16]}-{spec.index}-{rep}"
            f"-c{convert.CONVERTER_VERSION}.ttf"
        )
        covered = Coverage(info.cmap, self._in_repertoire)
        base = self._bases[k] = _Base(spec, sha, info, covered, name, out)
        return base

    def _job(self, base: _Base) -> convert.ConvertJob:
        """What converting ``base`` takes: its code points are counted out only now."""
        job = self._jobs.get(base.out)
        if job is None:
            info = base.info
            covered = self._covered(info)
            job = self._jobs[base.out] = convert.ConvertJob(
                base.spec, info.kind, covered, tuple(sorted(info.hwid.values())), base.name,
                base.out)
        return job

    def _covered(self, info: SourceInfo) -> frozenset[int]:
        """The repertoire's code points this source face maps (counted once per face)."""
        k = (info.sha256, info.index)
        if k not in self._covered_sets:
            self._covered_sets[k] = frozenset(cp for cp in self.repertoire if cp in info.cmap)
        return self._covered_sets[k]

    def _covered_facts(self, sha: str, index: int, info: SourceInfo) -> tuple[str, bool]:
        """``digest`` of the code points the face covers, and whether they go beyond the
        base repertoire (then the face gets a name of its own).

        Both follow from the repertoire and the face's cmap; they cost ~10 ms a face and
        are the same build after build, so they are kept beside the source facts, keyed
        by a SHA-256 of the repertoire (the PDF and the EPUB of an issue use different ones).
        """
        path = self.cache_dir / f"src-{sha[:20]}-{index}-r{self._repertoire_key[:16]}.marshal"
        try:
            memo = marshal.loads(path.read_bytes())
            if memo["key"] == self._repertoire_key:
                facts = memo["digest"], memo["extended"]
                if type(facts[0]) is str and type(facts[1]) is bool:
                    return facts
        except (OSError, EOFError, ValueError, TypeError, KeyError):
            pass  # absent, damaged, or for another repertoire
        covered = self._covered(info)
        rep = digest(covered)
        extended = covered != frozenset(cp for cp in base_repertoire() if cp in info.cmap)
        memo = {"key": self._repertoire_key, "digest": rep, "extended": extended}
        with contextlib.suppress(OSError, ValueError):
            cache.atomic_write(path, marshal.dumps(memo))
        return rep, extended

    def _ensure(self, base: _Base) -> Path:
        path = base.out
        if not path.is_file():  # convert now (``prepare`` usually did, in parallel)
            job = self._job(base)
            path, built = convert.build(job)
            convert.record(job, built)
        self._used[base.spec.path] = base.sha256
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
                self._used.setdefault(spec.path, self._base(spec).sha256)
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
            if spec.path not in self._used:  # setdefault, without looking the hash up each time
                self._used[spec.path] = self._base(spec).sha256
            return face
        if lenders:
            self._used.setdefault(lenders[0].spec.path, self._base(lenders[0].spec).sha256)
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
        jobs: dict[Path, tuple[_Base, convert.ConvertJob]] = {}
        for f in faces:
            base = self._base(f.spec)
            if not base.out.is_file():
                jobs[base.out] = (base, self._job(base))
        todo = sorted(jobs.values(), key=lambda bj: -len(bj[1].codepoints))
        if workers > 1 and len(todo) > 1:
            from concurrent.futures import ProcessPoolExecutor  # ~20 ms: only when converting

            # gc.freeze: a forked worker's collections would walk every object it inherited
            # (the parent's parsed fonts) again and again: conversion ran ~30 % slower
            with ProcessPoolExecutor(max_workers=min(workers, len(todo)), initializer=gc.freeze) as pool:
                results = pool.map(convert.build_family, [job for _, job in todo])
                for (_, job), (_, built) in zip(todo, results, strict=True):
                    convert.record(job, built)
        return sorted({f.ttf_path for f in faces})

    def woff2_subset(self, face: Face, chars: Iterable[str] | str) -> bytes:
        """WOFF2 of exactly ``chars`` (without ``locl``; ``vert``/``halt``/``palt`` kept)."""
        return woff2.woff2_subset(self.cache_dir, face, frozenset(chars))

    def files_used(self) -> list[tuple[Path, str]]:
        """(source file, SHA-256) of every face this build used, for the archive manifest."""
        return sorted(self._used.items())


def check_coverage(items: Iterable[coverage.Item], fs: FontSet | None = None) -> set[FaceKey]:
    """Check every (char, role, weight, where) item; loads a FontSet for them if none given."""
    items = list(items)
    if fs is None:
        fs = FontSet.load(extra_chars={item[0] for item in items})
    return fs.check_coverage(items)
