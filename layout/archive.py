"""Batch archive build: every issue of a folder to PDF/A-2b, EPUB, ALTO and METS.

``python -m layout archive SOURCE_DIR -o OUT_DIR [-j N] [--executor dask --scheduler ADDR]``

Each issue is one job (``run_job``): it builds in a private temporary folder and
returns the files' bytes and its manifest row, so the same function runs in a local
process pool or on a Dask cluster, and only the coordinating process writes into
``OUT_DIR/<stem>/`` (atomically) and ``OUT_DIR/manifest.json``.  The manifest records
the SHA-256 of every input, font and output and the tool and library versions; an
issue whose inputs, fonts, versions and outputs are unchanged is skipped.  One failed
issue does not stop the others; the exit status is the worst failed issue's (2 invalid
input, 3 font or image, 4 output I/O, 1 a bug), and the summary names each failed issue.

Each job makes its own ``BuildContext`` from the job (epoch, diagnostics sink): nothing
is passed through the environment or captured from stderr, so jobs may run as threads
of one process.  The warnings of an issue are its manifest row's ``warnings``.

The archive deletes only what it wrote: an old output listed in the manifest is removed
only if its name is relative, normalised and inside the issue's folder, it is a regular
file and its bytes still hash to what the manifest recorded; anything else is reported
and left alone.  Issue names that would collide with the archive's own files
(``manifest.json``, names starting with ``.``) are refused.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.metadata
import json
import os
import platform
import posixpath
import stat
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from layout import __version__
from layout.atomic import atomic_write
from layout.context import BuildContext, epoch_from_env
from layout.errors import EXIT_INPUT, EXIT_INTERNAL, Diagnostic, InputError, LayoutError, SourcePos

MANIFEST = "manifest.json"
FORMAT = "layout-archive-manifest/1"
LIBRARIES = ("reportlab", "pikepdf", "lxml", "EbookLib", "fonttools", "pillow", "brotli")
#: Names in the output folder that belong to the archive itself, not to an issue.
RESERVED = (MANIFEST,)


# -- versions and hashes -------------------------------------------------------------------


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """SHA-256 of a regular file (a FIFO or a device is refused: it might never end)."""
    h = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    with open(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise OSError(f"{path}: not a regular file")
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def code_digest() -> str:
    """SHA-256 over the package's code and schema: any change to them rebuilds everything."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".rng", ".toml")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def font_config_digest() -> str:
    """The font manifest (and local overrides) decide which faces are used."""
    from layout.fonts.manifest import default_manifest_path

    man = default_manifest_path()
    h = hashlib.sha256()
    for path in (man, man.with_name("local.toml")):
        if path.is_file():
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    env = sorted((k, v) for k, v in os.environ.items() if k.startswith("LAYOUT_FONT_") and k != "LAYOUT_FONT_CACHE")
    h.update(json.dumps(env).encode())
    return h.hexdigest()


def versions() -> dict[str, str]:
    """Everything besides inputs and fonts that decides the output bytes."""
    import pikepdf

    out = {"layout": __version__, "layout_code_sha256": code_digest(),
           "font_config_sha256": font_config_digest(), "python": platform.python_version(),
           "qpdf": pikepdf.__libqpdf_version__}
    for dist in LIBRARIES:
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = "absent"
    return out


def source_epoch() -> int:
    """SOURCE_DATE_EPOCH (default 2000-01-01, ReportLab's), by the one parser."""
    return epoch_from_env()


# -- the job -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One issue to build; everything a worker needs, picklable."""

    source: str  # absolute path of the issue XML
    stem: str
    original: str | None  # <stem>.original.txt beside the issue, if any
    epoch: int


@dataclass
class JobResult:
    stem: str
    ok: bool
    files: dict[str, bytes] = field(default_factory=dict)  # path in the issue folder -> bytes
    row: dict = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0
    status: int = 0  # the exit status the failure deserves (0 when ok)


def run_job(job: Job) -> JobResult:
    """Build one issue in a temporary folder; never raises (a failure is a result)."""
    start = time.perf_counter()
    ctx = BuildContext(epoch=job.epoch)
    try:
        with tempfile.TemporaryDirectory(prefix=f"archive-{job.stem}-") as tmp:
            row = build_issue(job, Path(tmp), ctx)
            files = {p.relative_to(tmp).as_posix(): p.read_bytes()
                     for p in sorted(Path(tmp).rglob("*")) if p.is_file()}
    except LayoutError as exc:
        return JobResult(job.stem, False, error=_reason(exc), seconds=time.perf_counter() - start,
                         status=exc.exit_status)
    except Exception as exc:  # noqa: BLE001 - a bug in one issue must not stop the batch
        where = traceback.extract_tb(exc.__traceback__)[-1]
        reason = (f"internal error, please report: {type(exc).__name__}: {exc} "
                  f"({Path(where.filename).name}:{where.lineno})")
        return JobResult(job.stem, False, error=reason, seconds=time.perf_counter() - start,
                         status=EXIT_INTERNAL)
    row["warnings"] = [str(d) for d in ctx.diagnostics]
    row["outputs"] = {f"{job.stem}/{name}": sha256_bytes(data) for name, data in files.items()}
    return JobResult(job.stem, True, files, row, seconds=time.perf_counter() - start)


def _reason(exc: LayoutError) -> str:
    lines = [str(d) for d in exc.diagnostics]
    more = f" (+{len(lines) - 3} more)" if len(lines) > 3 else ""
    return "; ".join(lines[:3]) + more


def build_issue(job: Job, tmp: Path, ctx: BuildContext) -> dict:
    """PDF/A, EPUB, ALTO and METS of one issue into ``tmp``; return its manifest row."""
    from layout.pipeline import build
    from layout.render.alto import write_alto_pages
    from layout.render.epub import write_epub
    from layout.render.mets import write_mets
    from layout.render.pdf import PdfOptions, render_pdf
    from layout.render.pdfa import FLAVOUR, pdfa_bytes

    built = build(job.source, ctx)
    issue, layout = built.issue, built.layout
    data, pdfa = pdfa_bytes(render_pdf(issue, layout, built.fonts, PdfOptions(epoch=ctx.epoch)),
                            issue, ctx.epoch)
    pdf = atomic_write(tmp / f"{job.stem}.pdf", data)
    epub = write_epub(issue, tmp / f"{job.stem}.epub", font_set=built.fonts, epoch=ctx.epoch,
                      diagnostics=ctx.diagnostics)
    pages = write_alto_pages(issue, layout, tmp / "alto", ctx.epoch)
    write_mets(issue, layout, pages, tmp / f"{job.stem}.mets.xml", pdf=pdf, epub=epub, epoch=ctx.epoch)
    row: dict = {
        "source": Path(job.source).name,
        "inputs": input_hashes(job, issue),
        "fonts": {str(path): sha for path, sha in built.fonts.files_used()},
        "versions": versions(),
        "pages": len(layout.pages),
        "articles": len(issue.articles),
        "pdfa": {"flavour": FLAVOUR, "verdict": pdfa.verdict},
    }
    if job.original:
        row["compare"] = compare_row(layout, job.original)
    return row


def compare_row(layout, original: str) -> dict:
    from layout.compare import compare, original_lines

    report = compare(layout, original_lines(original))
    return {"file": Path(original).name, "matched": report.matched,
            "total": report.original_total, "our_lines": report.ours_total}


def input_paths(job: Job, issue) -> list[Path]:
    """The issue XML, every image it places and the original text for comparison."""
    from layout.render.mets import issue_figures

    paths = [Path(job.source)]
    paths += sorted({Path(f.src) for f in issue_figures(issue).values() if f.src})
    if job.original:
        paths.append(Path(job.original))
    return paths


def input_hashes(job: Job, issue) -> dict[str, str]:
    base = Path(job.source).parent
    out = {}
    for path in input_paths(job, issue):
        key = path.name if path.parent == base else str(path)
        out[key] = sha256_file(path)
    return out


# -- incremental builds --------------------------------------------------------------------


def load_manifest(out_dir: Path) -> dict:
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("format") == FORMAT else {}


def manifest_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


class Hasher:
    """File hashes memoised for one run (fonts are shared by every issue)."""

    def __init__(self) -> None:
        self.memo: dict[Path, str | None] = {}

    def __call__(self, path: Path) -> str | None:
        if path not in self.memo:
            try:
                self.memo[path] = sha256_file(path)
            except OSError:
                self.memo[path] = None
        return self.memo[path]


def output_name(stem: str, name: object) -> bool:
    """Whether ``name`` (from a manifest) can be an output of issue ``stem``: a relative,
    normalised POSIX path inside the issue's folder, never ``..``, a link or absolute."""
    return (isinstance(name, str) and name.startswith(f"{stem}/") and "\\" not in name
            and "\0" not in name and posixpath.normpath(name) == name
            and not posixpath.isabs(name) and ".." not in name.split("/"))


def _rows_of(manifest: dict) -> dict[str, dict]:
    """The manifest's issue rows that have the expected shape (others are ignored)."""
    issues = manifest.get("issues")
    if not isinstance(issues, dict):
        return {}
    rows = {}
    for stem, row in issues.items():
        if not (isinstance(row, dict) and isinstance(row.get("outputs", {}), dict)
                and isinstance(row.get("inputs", {}), dict) and isinstance(row.get("fonts", {}), dict)):
            continue
        rows[stem] = row
    return rows


def unchanged(job: Job, row: dict | None, current: dict[str, str], out_dir: Path, sha: Hasher) -> bool:
    """True when the last build of this issue is still valid: same inputs, fonts,
    versions and SOURCE_DATE_EPOCH, and every output still on disk as written."""
    if not row or row.get("status") != "built" or row.get("versions") != current:
        return False
    if not all(output_name(job.stem, name) for name in row.get("outputs", {})):
        return False
    if row.get("epoch") != job.epoch:
        return False
    base = Path(job.source).parent
    inputs = row.get("inputs", {})
    if (job.original is not None) != any(k.endswith(".original.txt") for k in inputs):
        return False
    if Path(job.source).name not in inputs:
        return False
    for key, digest in inputs.items():
        path = Path(key) if Path(key).is_absolute() else base / key
        if sha(path) != digest:
            return False
    for path, digest in row.get("fonts", {}).items():
        if sha(Path(path)) != digest:
            return False
    return all(sha(out_dir / name) == digest for name, digest in row.get("outputs", {}).items())


def make_jobs(source_dir: Path, epoch: int) -> list[Job]:
    jobs = []
    for src in sorted(source_dir.glob("*.xml")):
        original = src.with_name(src.stem + ".original.txt")
        jobs.append(Job(str(src.resolve()), src.stem, str(original.resolve()) if original.is_file() else None,
                        epoch))
    return jobs


# -- executors -----------------------------------------------------------------------------


def local_results(jobs: list[Job], workers: int) -> Iterator[JobResult]:
    """Run the jobs in a process pool; yield results as they finish."""
    if not jobs:
        return
    with ProcessPoolExecutor(max_workers=max(1, min(workers, len(jobs)))) as pool:
        futures: dict[Future, Job] = {pool.submit(run_job, job): job for job in jobs}
        for fut in as_completed(futures):
            yield _result(fut.result, futures[fut])


def dask_results(jobs: list[Job], scheduler: str | None, workers: int,
                 threads: int = 1) -> Iterator[JobResult]:
    """The same jobs on a Dask distributed cluster (a local one if no scheduler is given,
    with ``threads`` threads per worker: jobs share nothing through the process)."""
    if not jobs:
        return
    try:
        from dask.distributed import Client, LocalCluster  # noqa: I001
        from dask.distributed import as_completed as dask_completed
    except ImportError:
        raise LayoutError("the Dask executor needs dask[distributed]: pip install 'layout[dask]'") from None

    with contextlib.ExitStack() as stack:
        if scheduler:
            client = stack.enter_context(Client(scheduler))
        else:
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=threads,
                                                       dashboard_address=None))
            client = stack.enter_context(Client(cluster))
        futures = {client.submit(run_job, job, pure=False): job for job in jobs}
        for fut in dask_completed(list(futures)):
            yield _result(fut.result, futures[fut])


def _result(get: Callable[[], JobResult], job: Job) -> JobResult:
    """A job's result; a crashed worker becomes a failed result for that issue only."""
    try:
        return get()
    except Exception as exc:  # noqa: BLE001 - e.g. a worker process killed by the OS
        return JobResult(job.stem, False, error=f"worker failed: {type(exc).__name__}: {exc}",
                         status=EXIT_INTERNAL)


# -- the coordinator -----------------------------------------------------------------------


@dataclass
class Summary:
    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str, int]] = field(default_factory=list)  # stem, reason, exit status

    def lines(self, seconds: float) -> list[str]:
        out = [f"archive: {len(self.built)} built, {len(self.skipped)} skipped, "
               f"{len(self.failed)} failed ({seconds:.1f} s)"]
        out += [f"  failed {stem} (exit {status}): {reason}" for stem, reason, status in self.failed]
        return out


def store(result: JobResult, job: Job, out_dir: Path, previous: dict | None) -> dict:
    """Write a built issue's files into its folder and drop outputs it no longer has."""
    folder = out_dir / job.stem
    for name, data in result.files.items():
        atomic_write(folder / name, data)
    notes = []
    for old, digest in (previous or {}).get("outputs", {}).items():
        if old not in result.row["outputs"]:
            note = remove_old_output(out_dir, job.stem, old, digest)
            if note:
                notes.append(note)
    return {**result.row, "status": "built", "epoch": job.epoch,
            "warnings": result.row.get("warnings", []) + notes}


def remove_old_output(out_dir: Path, stem: str, name: object, digest: object) -> str | None:
    """Delete an output an earlier build wrote and this one did not, if it is provably
    ours: a valid name inside the issue's folder, a regular file (not a link), and the
    bytes the manifest recorded.  Otherwise leave it and say why."""
    shown = repr(name)[:120]
    if not output_name(stem, name):
        return f"{out_dir / MANIFEST}: warning: old output {shown} is not a path inside {stem}/; left alone"
    path = out_dir / str(name)
    try:
        real = Path(os.path.realpath(path))
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{path}: warning: old output not removed: {exc.strerror}"
    if not real.is_relative_to(Path(os.path.realpath(out_dir)) / stem) or not stat.S_ISREG(st.st_mode):
        return f"{path}: warning: old output is not a regular file inside {stem}/; left alone"
    try:
        same = sha256_file(path) == digest
    except OSError:
        same = False
    if not same:
        return f"{path}: warning: old output changed since it was written; left alone"
    try:
        path.unlink()
    except OSError as exc:
        return f"{path}: warning: old output not removed: {exc.strerror}"
    return None


def progress(i: int, n: int, stem: str, text: str) -> None:
    print(f"[{i}/{n}] {stem}: {text}", flush=True)


def describe(row: dict, seconds: float) -> str:
    parts = [f"built {row['pages']} page(s), PDF/A-{row['pdfa']['flavour']} {row['pdfa']['verdict']}",
             "EPUB", "ALTO", "METS"]
    if "compare" in row:
        c = row["compare"]
        parts.append(f"compare {c['matched']}/{c['total']}")
    if row.get("warnings"):
        parts.append(f"{len(row['warnings'])} warning(s)")
    return ", ".join(parts) + f" ({seconds:.1f} s)"


def reserved(stem: str) -> str | None:
    """Why an issue of that name cannot have a folder in the archive (None if it can)."""
    if stem in RESERVED or stem.casefold() in (r.casefold() for r in RESERVED):
        return f"the issue name {stem!r} is the archive's own {MANIFEST}; rename the source"
    if stem.startswith(".") or not stem:
        return f"the issue name {stem!r} starts with a dot (hidden, and the archive's temporary files do)"
    return None


def run(source_dir: Path, out_dir: Path, jobs: int = 0, executor: str = "local",
        scheduler: str | None = None, threads: int = 1) -> int:
    """Build the folder; return the exit status: 0 if all is good, else the worst failed
    issue's (2 input, 3 font or image, 4 output I/O, 1 a bug)."""
    start = time.perf_counter()
    if not source_dir.is_dir():
        raise InputError(Diagnostic(SourcePos(str(source_dir)), "not a folder", code="archive-source"))
    epoch = source_epoch()
    all_jobs = make_jobs(source_dir, epoch)
    old = _rows_of(load_manifest(out_dir))
    rows: dict[str, dict] = {job.stem: old[job.stem] for job in all_jobs if job.stem in old}
    current, sha, summary = versions(), Hasher(), Summary()
    n, done = len(all_jobs), 0
    todo = []
    for job in all_jobs:
        why = reserved(job.stem)
        if why:
            done += 1
            error = f"{job.source}: error: {why}"
            summary.failed.append((job.stem, error, EXIT_INPUT))
            progress(done, n, job.stem, f"FAILED: {error}")
        elif unchanged(job, rows.get(job.stem), current, out_dir, sha):
            done += 1
            summary.skipped.append(job.stem)
            progress(done, n, job.stem, "skipped (inputs, fonts and versions unchanged)")
        else:
            todo.append(job)
    by_stem = {job.stem: job for job in todo}
    workers = jobs or os.cpu_count() or 1
    results = (dask_results(todo, scheduler, workers, threads) if executor == "dask"
               else local_results(todo, workers))
    for result in results:
        done += 1
        job = by_stem[result.stem]
        if result.ok:
            rows[job.stem] = store(result, job, out_dir, rows.get(job.stem))
            summary.built.append(job.stem)
            progress(done, n, job.stem, describe(rows[job.stem], result.seconds))
            for warning in rows[job.stem]["warnings"]:
                print(f"  {warning}", flush=True)
        else:
            rows[job.stem] = {"status": "failed", "source": Path(job.source).name, "error": result.error,
                              "exit_status": result.status}
            summary.failed.append((job.stem, result.error or "unknown", result.status or EXIT_INTERNAL))
            progress(done, n, job.stem, f"FAILED: {result.error}")
        write_manifest(out_dir, rows, current, epoch)
    write_manifest(out_dir, rows, current, epoch)
    for line in summary.lines(time.perf_counter() - start):
        print(line)
    return max((status for *_, status in summary.failed), default=0)


def write_manifest(out_dir: Path, rows: dict[str, dict], current: dict[str, str], epoch: int) -> None:
    manifest = {"format": FORMAT, "tool": {"name": "layout", "version": __version__},
                "versions": current, "source_date_epoch": epoch, "issues": rows}
    atomic_write(out_dir / MANIFEST, manifest_bytes(manifest))


def run_archive(args: argparse.Namespace) -> int:
    """Entry point of ``python -m layout archive``."""
    return run(Path(args.source_dir), Path(args.output), jobs=args.jobs or 0,
               executor=args.executor, scheduler=args.scheduler, threads=getattr(args, "threads", 1))
