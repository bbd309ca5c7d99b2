"""Command line: ``python -m layout {validate,pdf,epub,alto,compare,import,archive,web} ...``.

Every user-facing failure prints ``file:line:col: error: ...`` lines and exits with
2 (invalid input, options or output path), 3 (missing or broken font or image),
4 (the output cannot be written: disk full, permission), 130/143 (interrupted, terminated)
or 1 (internal error: a bug, reported as such; the traceback under ``--debug``).
Warnings are collected per build and printed here, the only place that writes to stderr.
Output paths are checked before any work; outputs are written atomically.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from layout import __version__
from layout.context import BuildContext
from layout.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    Diagnostic,
    InputError,
    LayoutError,
    SourcePos,
)

BUILD = Path("build")


class Terminated(BaseException):
    """SIGTERM: unwinds like Ctrl-C, so that temporary files are removed."""


def report(diagnostics: Iterable[Diagnostic]) -> None:
    for d in diagnostics:
        print(d, file=sys.stderr)


def plan_outputs(sources: Sequence[str], output: str | None, suffix: str) -> list[tuple[str, Path]]:
    """One output path per source, checked before any work.

    ``-o DIR/`` (or an existing folder) is a folder; ``-o FILE`` names the one output of
    one source.  An output that is an input, a link or not a regular file is refused.
    """
    if output is None:
        outs = [BUILD / (Path(s).stem + suffix) for s in sources]
    elif output.endswith(("/", os.sep)) or Path(output).is_dir():
        outs = [Path(output) / (Path(s).stem + suffix) for s in sources]
    elif len(sources) > 1:
        raise InputError(Diagnostic(SourcePos(output), f"{len(sources)} sources but one output file: "
                                    "name a folder (end -o with /) for one output per source",
                                    code="output-refused"))
    else:
        outs = [Path(output)]
    seen: dict[str, str] = {}
    for src, out in zip(sources, outs, strict=True):
        real = os.path.realpath(out)
        if real in seen:
            raise InputError(Diagnostic(SourcePos(str(out)), f"both {seen[real]} and {src} would be "
                                        "written here: one output per source", code="output-refused"))
        seen[real] = src
    from layout.atomic import check_output
    from layout.pipeline import font_files

    inputs = [*sources, *font_files()]
    for out in outs:
        check_output(out, inputs)
    return list(zip(sources, outs, strict=True))


def cmd_validate(args: argparse.Namespace) -> int:
    from layout.read import read_issue

    failed = 0
    for source in args.sources:
        try:
            issue = read_issue(source)
        except LayoutError as exc:
            report(exc.diagnostics)
            failed = max(failed, exc.exit_status)
            continue
        print(f"{source}: OK ({len(issue.pages)} page(s), {len(issue.articles)} articles)")
    return failed


def cmd_pdf(args: argparse.Namespace) -> int:
    from layout.atomic import atomic_write, check_output
    from layout.pipeline import build, input_files

    for source, out in plan_outputs(args.sources, args.output, ".pdf"):
        ctx = BuildContext.from_env(allow_overset=args.allow_overset)
        built = build(source, ctx)
        from layout.render.pdf import PdfOptions, render_pdf  # after the checks: they fail fast

        check_output(out, [*args.sources, *input_files(built.issue)])
        options = PdfOptions(proof=args.proof, grid=args.grid, epoch=ctx.epoch)
        data = render_pdf(built.issue, built.layout, built.fonts, options)
        if args.pdfa:
            from layout.render.pdfa import pdfa_bytes

            data, _ = pdfa_bytes(data, built.issue, ctx.epoch)
        atomic_write(out, data)
        report(ctx.diagnostics)
        print(f"{source} -> {out}")
    return 0


def cmd_epub(args: argparse.Namespace) -> int:
    from layout.atomic import check_output
    from layout.pipeline import input_files
    from layout.read import read_issue
    from layout.render.epub import write_epub

    for source, out in plan_outputs(args.sources, args.output, ".epub"):
        ctx = BuildContext.from_env()
        issue = read_issue(source)
        check_output(out, [*args.sources, *input_files(issue)])
        write_epub(issue, out, fonts=not args.no_fonts, epoch=ctx.epoch if ctx.epoch_given else None,
                   diagnostics=ctx.diagnostics)
        report(ctx.diagnostics)
        print(f"{source} -> {out}")
    return 0


def cmd_alto(args: argparse.Namespace) -> int:
    from layout.pipeline import build, input_files
    from layout.render.alto import render_alto, write_alto

    for source in args.sources:
        out = Path(args.output) if args.output else BUILD / Path(source).stem
        ctx = BuildContext.from_env()
        built = build(source, ctx)
        from layout.atomic import check_output

        inputs = [*args.sources, *input_files(built.issue)]
        for ref, _ in render_alto(built.issue, built.layout, out, epoch=ctx.epoch):
            check_output(ref.path, inputs)
        for path in write_alto(built.issue, built.layout, out, epoch=ctx.epoch):
            print(f"{source} -> {path}")
        report(ctx.diagnostics)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from layout.compare import compare, original_lines
    from layout.pipeline import build

    ctx = BuildContext.from_env(allow_overset=True)
    built = build(args.source, ctx)
    result = compare(built.layout, original_lines(args.original))
    print(result.format(verbose=not args.quiet))
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    from layout.render.web import write_site

    ctx = BuildContext.from_env()
    site = write_site(args.sources, args.output, jobs=args.jobs, ctx=ctx)
    report(ctx.diagnostics)
    for entry in site.issues:
        print(f"{entry.folder}: {entry.pages} page(s), {entry.articles} articles")
    print(f"{', '.join(args.sources)} -> {site.out} ({site.files} files, {site.bytes / 1e6:.1f} MB)")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from layout.importer import run_import
    from layout.importer.report import summary

    out = Path(args.output) if args.output else BUILD / (Path(args.source).stem + ".xml")
    result = run_import(args.source, out, report=args.report, password=args.password,
                        infer=not args.no_infer)
    print(summary(result))
    return 0


def cmd_archive(args: argparse.Namespace) -> int:
    from layout.archive import run_archive

    return run_archive(args)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m layout", description=__doc__.split("\n")[0])
    p.add_argument("--version", action="version", version=f"layout {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="check issue files against the schema and the rules")
    v.add_argument("sources", nargs="+")
    v.set_defaults(func=cmd_validate)

    pdf = sub.add_parser("pdf", help="compose and render the print PDF")
    pdf.add_argument("sources", nargs="+")
    pdf.add_argument("-o", "--output", help="output file (one source), or folder: DIR/ (default build/)")
    pdf.add_argument("--proof", action="store_true", help="crop marks, 3 mm bleed, slug line")
    pdf.add_argument("--grid", action="store_true", help="overlay the column and baseline grid")
    pdf.add_argument("--allow-overset", action="store_true", help="build even if text does not fit")
    pdf.add_argument("--pdfa", action="store_true", help="write PDF/A-2b (for archives)")
    pdf.set_defaults(func=cmd_pdf)

    e = sub.add_parser("epub", help="write the EPUB 3 edition")
    e.add_argument("sources", nargs="+")
    e.add_argument("-o", "--output", help="output file (one source), or folder: DIR/ (default build/)")
    e.add_argument("--no-fonts", action="store_true", help="do not embed WOFF2 font subsets")
    e.set_defaults(func=cmd_epub)

    a = sub.add_parser("alto", help="write ALTO 4.4 page XML and METS")
    a.add_argument("sources", nargs="+")
    a.add_argument("-o", "--output", help="output folder")
    a.set_defaults(func=cmd_alto)

    c = sub.add_parser("compare", help="compare our lines with an original's extracted text")
    c.add_argument("source")
    c.add_argument("--original", required=True, help="text file, one printed line per line")
    c.add_argument("-q", "--quiet", action="store_true", help="counts only, no line listing")
    c.set_defaults(func=cmd_compare)

    w = sub.add_parser("web", help="write the web edition (数字报): page images, articles, search")
    w.add_argument("sources", nargs="+")
    w.add_argument("-o", "--output", default=str(BUILD / "web"), help="site folder (default build/web)")
    w.add_argument("-j", "--jobs", type=int, default=2, help="threads encoding page images (default 2)")
    w.set_defaults(func=cmd_web)

    im = sub.add_parser("import", help="a past page's PDF or ALTO (+METS) to issue XML, checked by a rebuild")
    im.add_argument("source", help="a page PDF with a text layer, an ALTO file, or a METS file")
    im.add_argument("-o", "--output", help="the issue XML to write (default build/<stem>.xml)")
    im.add_argument("--report", help="write the fidelity report (JSON) here")
    im.add_argument("--password", help="the PDF's user password, if it has one")
    im.add_argument("--no-infer", action="store_true", help="keep the default style (clreq): no inference")
    im.set_defaults(func=cmd_import)

    ar = sub.add_parser("archive", help="batch: every issue to PDF/A, EPUB, ALTO, METS + manifest")
    ar.add_argument("source_dir")
    ar.add_argument("-o", "--output", required=True)
    ar.add_argument("-j", "--jobs", type=int, default=0, help="parallel jobs (default: CPU count)")
    ar.add_argument("--executor", choices=("local", "dask"), default="local")
    ar.add_argument("--scheduler", help="Dask scheduler address (with --executor dask)")
    ar.add_argument("--threads", type=int, default=1,
                    help="threads per worker of the local Dask cluster (with --executor dask)")
    ar.set_defaults(func=cmd_archive)
    return p


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def run(argv: list[str] | None, entry: Callable[[argparse.Namespace], int] | None = None) -> int:
    args = parser().parse_args(argv)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
    try:
        return (entry or args.func)(args)
    except LayoutError as exc:
        report(exc.diagnostics)
        return exc.exit_status
    except KeyboardInterrupt:
        print("interrupted: no output was left half-written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("terminated: no output was left half-written", file=sys.stderr)
        return EXIT_TERMINATED
    except Exception as exc:  # noqa: BLE001 - a bug: said so, with the traceback on request
        if args.debug:
            traceback.print_exc()
        print(f"internal error, please report: {type(exc).__name__}: {exc}"
              + ("" if args.debug else " (rerun with --debug for the traceback)"), file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    return run(argv)
