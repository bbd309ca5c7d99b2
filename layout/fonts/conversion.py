"""Converting a FontSet's faces: which file each face becomes, and building it.

A source face is resolved once per build (``converted``): its SHA-256 (a warning to the
build's diagnostics when it differs from the manifest), its cached source facts, the code points of
the repertoire it covers and the cached TrueType file those make.  ``ensure`` converts
one face in this process, ``prepare`` several in worker processes at once.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import marshal
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from layout.context import Diagnostics
from layout.errors import ResourceError, SourcePos
from layout.fonts import cache, convert
from layout.fonts.manifest import FaceSpec
from layout.fonts.repertoire import BASE_VERSION, CodeRanges, base_repertoire, digest, in_base
from layout.fonts.source import SourceInfo, source_info


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
class ConvertedFace:
    """A source face resolved for a build: its hash, facts, coverage and cache file."""

    spec: FaceSpec
    sha256: str
    info: SourceInfo
    covered: Coverage
    name: str
    out: Path  # the converted TrueType file in the cache


def _ps_safe(name: str) -> str:
    """PostScript names: printable ASCII without spaces or delimiters, at most 63 chars."""
    return re.sub(r"[^A-Za-z0-9._-]", "", name)[:40] or "Font"


class Conversions:
    """The converted files of one repertoire (the issue's characters + GB2312)."""

    def __init__(
        self, cache_dir: Path, base: frozenset[int] | None, extra: frozenset[int],
        diagnostics: Diagnostics | None = None,
    ) -> None:
        """``base`` None: the default base repertoire (GB2312 and CJK punctuation);
        warnings (a font that changed, a damaged cached font) go to ``diagnostics``."""
        self.diagnostics = Diagnostics() if diagnostics is None else diagnostics
        self.cache_dir = cache_dir
        self._custom_base = base
        self.extra = extra
        base_key = f"v{BASE_VERSION}" if base is None else digest(base)
        self._repertoire_key = hashlib.sha256(f"{base_key}|{digest(extra)}".encode()).hexdigest()
        self._jobs: dict[Path, convert.ConvertJob] = {}
        self._covered_sets: dict[tuple[str, int], frozenset[int]] = {}
        self._bases: dict[tuple[Path, int, str | None], ConvertedFace] = {}
        self._checked: set[Path] = set()  # cached fonts proved sound (or rebuilt) in this build

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

    def converted(self, spec: FaceSpec) -> ConvertedFace:
        k = (spec.path, spec.index, spec.psname)
        if k in self._bases:
            return self._bases[k]
        if not spec.path.is_file():
            raise ResourceError(
                f"font file not found: {spec.describe()}; {spec.install_hint()}",
                SourcePos(str(spec.path)),
            )
        sha = cache.file_sha256(spec.path, self.cache_dir)
        if spec.sha256 and sha != spec.sha256.lower():
            self.diagnostics.warn(
                SourcePos(str(spec.path)),
                f"SHA-256 {sha[:16]}… differs from the manifest ({spec.sha256[:16]}…): "
                "the font changed, so line breaks may differ from earlier builds",
                "font-changed",
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
        base = self._bases[k] = ConvertedFace(spec, sha, info, covered, name, out)
        return base

    def _job(self, base: ConvertedFace) -> convert.ConvertJob:
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

    def ensure(self, base: ConvertedFace) -> Path:
        """The face's converted file, converted now if needed (``prepare`` usually did)."""
        path = base.out
        self._check_cached(path)
        if not cache.present(path, convert.CONVERTER_VERSION):
            job = self._job(base)
            path, built = convert.build(job)
            convert.record(job, built)
        return path

    def prepare(self, bases: Iterable[ConvertedFace], workers: int = 2) -> None:
        """Convert the faces of ``bases`` whose files are missing, ``workers`` at once."""
        jobs: dict[Path, convert.ConvertJob] = {}
        for base in bases:
            self._check_cached(base.out)
            if not cache.present(base.out, convert.CONVERTER_VERSION):
                jobs[base.out] = self._job(base)
        todo = sorted(jobs.values(), key=lambda job: -len(job.codepoints))
        if workers > 1 and len(todo) > 1:
            from concurrent.futures import ProcessPoolExecutor  # ~20 ms: only when converting

            # gc.freeze: a forked worker's collections would walk every object it inherited
            # (the parent's parsed fonts) again and again: conversion ran ~30 % slower
            with ProcessPoolExecutor(max_workers=min(workers, len(todo)), initializer=gc.freeze) as pool:
                results = pool.map(convert.build_family, todo)
                for job, (_, built) in zip(todo, results, strict=True):
                    convert.record(job, built)

    def _check_cached(self, path: Path) -> None:
        """A damaged cached font is removed, with a warning, and rebuilt."""
        if path in self._checked:
            return
        self._checked.add(path)
        reason = cache.discard_damaged(path, convert.CONVERTER_VERSION)
        if reason:
            self.diagnostics.warn(SourcePos(str(path)), f"cached font {reason}: rebuilt", "font-cache")
