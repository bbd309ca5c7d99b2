"""Batch archive build: every issue of a folder to PDF/A-2b, EPUB, ALTO and METS.

``python -m layout archive SOURCE_DIR -o OUT_DIR [-j N] [--executor dask --scheduler ADDR]``

Each issue is one job (``run_job``): it builds in a private temporary folder and
returns the files' bytes and its manifest row, so the same function runs in a local
process pool or on a Dask cluster, and only the coordinating process writes into
``OUT_DIR/<stem>/`` (atomically) and ``OUT_DIR/manifest.json``.  The manifest records
the SHA-256 of every input, font and output and the tool and library versions; an
issue whose inputs, fonts, versions and outputs are unchanged is skipped.  One failed
issue does not stop the others; the exit status is 1 if any failed.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.metadata
import io
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from layout import __version__
from layout.atomic import atomic_write
from layout.errors import LayoutError

MANIFEST = "manifest.json"
FORMAT = "layout-archive-manifest/1"
LIBRARIES = ("reportlab", "pikepdf", "lxml", "EbookLib", "fonttools", "pillow", "brotli")
EXIT_FAILED = 1


# -- versions and hashes -------------------------------------------------------------------


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
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
    """SOURCE_DATE_EPOCH as the renderers read it (default 2000-01-01, ReportLab's)."""
    from layout.render.alto import source_date

    return source_date()


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


def run_job(job: Job) -> JobResult:
    """Build one issue in a temporary folder; never raises (a failure is a result)."""
    start = time.perf_counter()
    warnings = io.StringIO()
    try:
        with tempfile.TemporaryDirectory(prefix=f"archive-{job.stem}-") as tmp, \
                source_date_epoch(job.epoch), contextlib.redirect_stderr(warnings):
            row = build_issue(job, Path(tmp))
            files = {p.relative_to(tmp).as_posix(): p.read_bytes()
                     for p in sorted(Path(tmp).rglob("*")) if p.is_file()}
    except LayoutError as exc:
        return JobResult(job.stem, False, error=_reason(exc), seconds=time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 - one broken issue must not stop the batch
        where = traceback.extract_tb(exc.__traceback__)[-1]
        reason = f"internal error: {type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})"
        return JobResult(job.stem, False, error=reason, seconds=time.perf_counter() - start)
    row["warnings"] = [w for w in warnings.getvalue().splitlines() if w.strip()]
    row["outputs"] = {f"{job.stem}/{name}": sha256_bytes(data) for name, data in files.items()}
    return JobResult(job.stem, True, files, row, seconds=time.perf_counter() - start)


@contextlib.contextmanager
def source_date_epoch(epoch: int) -> Iterator[None]:
    """The coordinator's SOURCE_DATE_EPOCH for the renderers, restored afterwards (a Dask
    worker may be a thread of a longer-lived process)."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def _reason(exc: LayoutError) -> str:
    lines = [str(d) for d in exc.diagnostics]
    more = f" (+{len(lines) - 3} more)" if len(lines) > 3 else ""
    return "; ".join(lines[:3]) + more


def build_issue(job: Job, tmp: Path) -> dict:
    """PDF/A, EPUB, ALTO and METS of one issue into ``tmp``; return its manifest row."""
    from layout.pipeline import build
    from layout.render.alto import write_alto_pages
    from layout.render.epub import write_epub
    from layout.render.mets import write_mets
    from layout.render.pdf import PdfOptions, write_pdf
    from layout.render.pdfa import make_pdfa

    built = build(job.source)
    issue, layout = built.issue, built.layout
    pdf = write_pdf(issue, layout, built.fonts, tmp / f"{job.stem}.pdf", PdfOptions())
    pdfa = make_pdfa(pdf, issue)
    epub = write_epub(issue, tmp / f"{job.stem}.epub", font_set=built.fonts)
    pages = write_alto_pages(issue, layout, tmp / "alto")
    write_mets(issue, layout, pages, tmp / f"{job.stem}.mets.xml", pdf=pdf, epub=epub)
    row: dict = {
        "source": Path(job.source).name,
        "inputs": input_hashes(job, issue),
        "fonts": {str(path): sha for path, sha in built.fonts.files_used()},
        "versions": versions(),
        "pages": len(layout.pages),
        "articles": len(issue.articles),
        "pdfa": {"flavour": pdfa.flavour, "verdict": pdfa.verdict},
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


def unchanged(job: Job, row: dict | None, current: dict[str, str], out_dir: Path, sha: Hasher) -> bool:
    """True when the last build of this issue is still valid: same inputs, fonts,
    versions and SOURCE_DATE_EPOCH, and every output still on disk as written."""
    if not row or row.get("status") != "built" or row.get("versions") != current:
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


def dask_results(jobs: list[Job], scheduler: str | None, workers: int) -> Iterator[JobResult]:
    """The same jobs on a Dask distributed cluster (a local one if no scheduler is given)."""
    if not jobs:
        return
    try:
        from dask.distributed import Client, LocalCluster
        from dask.distributed import as_completed as dask_completed
    except ImportError:
        raise LayoutError("the Dask executor needs dask[distributed]: pip install 'layout[dask]'") from None

    with contextlib.ExitStack() as stack:
        if scheduler:
            client = stack.enter_context(Client(scheduler))
        else:
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1))
            client = stack.enter_context(Client(cluster))
        futures = {client.submit(run_job, job, pure=False): job for job in jobs}
        for fut in dask_completed(list(futures)):
            yield _result(fut.result, futures[fut])


def _result(get: Callable[[], JobResult], job: Job) -> JobResult:
    """A job's result; a crashed worker becomes a failed result for that issue only."""
    try:
        return get()
    except Exception as exc:  # noqa: BLE001 - e.g. a worker process killed by the OS
        return JobResult(job.stem, False, error=f"worker failed: {type(exc).__name__}: {exc}")


# -- the coordinator -----------------------------------------------------------------------


@dataclass
class Summary:
    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def lines(self, seconds: float) -> list[str]:
        out = [f"archive: {len(self.built)} built, {len(self.skipped)} skipped, "
               f"{len(self.failed)} failed ({seconds:.1f} s)"]
        out += [f"  failed {stem}: {reason}" for stem, reason in self.failed]
        return out


def store(result: JobResult, job: Job, out_dir: Path, previous: dict | None) -> dict:
    """Write a built issue's files into its folder and drop outputs it no longer has."""
    folder = out_dir / job.stem
    for name, data in result.files.items():
        atomic_write(folder / name, data)
    for old in (previous or {}).get("outputs", {}):
        if old not in result.row["outputs"]:
            with contextlib.suppress(OSError):
                (out_dir / old).unlink()
    return {**result.row, "status": "built", "epoch": job.epoch}


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


def run(source_dir: Path, out_dir: Path, jobs: int = 0, executor: str = "local",
        scheduler: str | None = None) -> int:
    """Build the folder; return the exit status (0 all good, 1 if any issue failed)."""
    start = time.perf_counter()
    if not source_dir.is_dir():
        print(f"{source_dir}: error: not a folder", file=sys.stderr)
        return 2
    epoch = source_epoch()
    all_jobs = make_jobs(source_dir, epoch)
    old = load_manifest(out_dir).get("issues", {})
    rows: dict[str, dict] = {job.stem: old[job.stem] for job in all_jobs if job.stem in old}
    current, sha, summary = versions(), Hasher(), Summary()
    n, done = len(all_jobs), 0
    todo = []
    for job in all_jobs:
        if unchanged(job, rows.get(job.stem), current, out_dir, sha):
            done += 1
            summary.skipped.append(job.stem)
            progress(done, n, job.stem, "skipped (inputs, fonts and versions unchanged)")
        else:
            todo.append(job)
    by_stem = {job.stem: job for job in todo}
    workers = jobs or os.cpu_count() or 1
    results = (dask_results(todo, scheduler, workers) if executor == "dask"
               else local_results(todo, workers))
    for result in results:
        done += 1
        job = by_stem[result.stem]
        if result.ok:
            rows[job.stem] = store(result, job, out_dir, rows.get(job.stem))
            summary.built.append(job.stem)
            progress(done, n, job.stem, describe(result.row, result.seconds))
        else:
            rows[job.stem] = {"status": "failed", "source": Path(job.source).name, "error": result.error}
            summary.failed.append((job.stem, result.error or "unknown"))
            progress(done, n, job.stem, f"FAILED: {result.error}")
        write_manifest(out_dir, rows, current, epoch)
    write_manifest(out_dir, rows, current, epoch)
    for line in summary.lines(time.perf_counter() - start):
        print(line)
    return EXIT_FAILED if summary.failed else 0


def write_manifest(out_dir: Path, rows: dict[str, dict], current: dict[str, str], epoch: int) -> None:
    manifest = {"format": FORMAT, "tool": {"name": "layout", "version": __version__},
                "versions": current, "source_date_epoch": epoch, "issues": rows}
    atomic_write(out_dir / MANIFEST, manifest_bytes(manifest))


def run_archive(args: argparse.Namespace) -> int:
    """Entry point of ``python -m layout archive``."""
    return run(Path(args.source_dir), Path(args.output), jobs=args.jobs or 0,
               executor=args.executor, scheduler=args.scheduler)
