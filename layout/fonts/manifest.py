"""The font manifest: which file serves each role and weight, and what to do without it.

The manifest (``fonts/manifest.toml``) is the single place that names font files, so a
build is reproducible from it and its SHA-256 sums.  A user points a face at another
file without editing the package: ``fonts/local.toml`` (same structure, gitignored)
replaces faces, fallbacks and borrow lists; ``LAYOUT_FONT_<ROLE>_<WEIGHT>=path[#index]``
replaces one face and wins over both.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from layout.errors import ResourceError, SourcePos

ENV_MANIFEST = "LAYOUT_FONT_MANIFEST"
ENV_PREFIX = "LAYOUT_FONT_"
LOCAL_NAME = "local.toml"


def default_manifest_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$LAYOUT_FONT_MANIFEST``, else ``fonts/manifest.toml`` of the repository."""
    env = os.environ if environ is None else environ
    if env.get(ENV_MANIFEST):
        return Path(env[ENV_MANIFEST]).expanduser()
    return Path(__file__).resolve().parents[2] / "fonts" / "manifest.toml"


@dataclass(frozen=True)
class FaceSpec:
    """One face as configured: a file (and collection index) for a role and weight."""

    role: str
    weight: str
    path: Path
    index: int = 0
    package: str | None = None  # Debian package that installs ``path``
    sha256: str | None = None  # expected; ``None`` for user overrides
    psname: str | None = None  # base of the PostScript name of derived faces
    licence: str | None = None
    origin: str = "manifest"  # where the entry came from, for messages

    def install_hint(self) -> str:
        """How to get the file: the Debian package, or the override that named it."""
        env = f"{ENV_PREFIX}{self.role.upper()}_{self.weight.upper()}=path[#index]"
        if self.package:
            return f"install the Debian package {self.package} (apt install {self.package}) or set {env}"
        return f"check {self.origin}, or set {env}"

    def describe(self) -> str:
        idx = f"#{self.index}" if self.index else ""
        return f"{self.path}{idx} ({self.role} {self.weight}, from {self.origin})"


@dataclass(frozen=True)
class RoleSpec:
    """A role (song, hei, kai, fangsong): its faces, its fallback roles, its borrowed characters."""

    name: str
    faces: Mapping[str, FaceSpec] = field(default_factory=dict)
    fallback: tuple[str, ...] = ()
    borrow: frozenset[str] = frozenset()
    note: str = ""


@dataclass(frozen=True)
class Manifest:
    path: Path
    roles: Mapping[str, RoleSpec]

    def chain(self, role: str) -> tuple[str, ...]:
        """The role followed by its fallback roles, without repeats."""
        seen: list[str] = []
        for r in (role, *self.roles[role].fallback):
            if r not in seen and r in self.roles:
                seen.append(r)
        return tuple(seen)

    def face_spec(self, role: str, weight: str) -> FaceSpec | None:
        """The role's face of that weight, else its regular face (no faux bold), else ``None``."""
        faces = self.roles[role].faces
        return faces.get(weight) or faces.get("regular")


def _error(path: Path, message: str) -> ResourceError:
    return ResourceError(message, SourcePos(str(path)))


def _face(role: str, weight: str, entry: Mapping, base: Path, origin: str) -> FaceSpec:
    if not isinstance(entry, Mapping) or "file" not in entry:
        raise ResourceError(f"[roles.{role}.{weight}] needs a 'file'", SourcePos(origin))
    path = Path(str(entry["file"])).expanduser()
    if not path.is_absolute():
        path = base / path
    return FaceSpec(
        role=role,
        weight=weight,
        path=path,
        index=int(entry.get("index", 0)),
        package=entry.get("package"),
        sha256=(entry.get("sha256") or None),
        psname=entry.get("psname"),
        licence=entry.get("licence"),
        origin=origin,
    )


def _merge(roles: dict[str, RoleSpec], data: Mapping, base: Path, origin: str) -> None:
    """Apply one TOML document's ``[roles]`` to ``roles`` (later documents win per key)."""
    for name, table in (data.get("roles") or {}).items():
        if not isinstance(table, Mapping):
            raise ResourceError(f"[roles.{name}] must be a table", SourcePos(origin))
        old = roles.get(name, RoleSpec(name))
        faces = dict(old.faces)
        for key, value in table.items():
            if isinstance(value, Mapping):
                faces[key] = _face(name, key, value, base, origin)
        roles[name] = RoleSpec(
            name=name,
            faces=faces,
            fallback=tuple(table.get("fallback", old.fallback)),
            borrow=frozenset(table.get("borrow", old.borrow)),
            note=table.get("note", old.note),
        )


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise _error(path, "font manifest not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise _error(path, f"font manifest is not valid TOML: {exc}") from None


def parse_env_face(value: str) -> tuple[Path, int]:
    """``path[#index]`` → (path, index)."""
    path, sep, idx = value.rpartition("#")
    if sep and idx.isdigit():
        return Path(path).expanduser(), int(idx)
    return Path(value).expanduser(), 0


def load_manifest(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Manifest:
    """Read the manifest, then ``local.toml`` beside it, then ``LAYOUT_FONT_<ROLE>_<WEIGHT>``."""
    env = os.environ if environ is None else environ
    path = Path(path) if path else default_manifest_path(env)
    roles: dict[str, RoleSpec] = {}
    _merge(roles, _read_toml(path), path.parent, str(path))
    local = path.parent / LOCAL_NAME
    if local.is_file():
        _merge(roles, _read_toml(local), local.parent, str(local))
    for name, spec in list(roles.items()):
        faces = dict(spec.faces)
        for weight in sorted({"regular", "bold", *faces}):
            var = f"{ENV_PREFIX}{name.upper()}_{weight.upper()}"
            if env.get(var):
                fpath, index = parse_env_face(env[var])
                if not fpath.is_absolute():
                    fpath = Path.cwd() / fpath
                faces[weight] = FaceSpec(name, weight, fpath, index, origin=var)
        roles[name] = replace(spec, faces=faces)
    for spec in roles.values():
        unknown = [r for r in spec.fallback if r not in roles]
        if unknown:
            raise _error(path, f"role {spec.name}: unknown fallback role(s) {', '.join(unknown)}")
    return Manifest(path=path, roles=roles)
