"""Command line: ``python -m layout {validate,pdf,epub,alto,compare,archive,web} ...``.

Every user-facing failure prints ``file:line:col: error: ...`` lines and exits with
2 (invalid input), 3 (missing or broken font or image) or 1 (internal error, with
a traceback only under ``--debug``).  Outputs are written atomically.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from layout import __version__
from layout.errors import EXIT_INPUT, EXIT_INTERNAL, LayoutError

BUILD = Path("build")


def _out(args: argparse.Namespace, source: str, suffix: str) -> Path:
    if args.output:
        out = Path(args.output)
        return out / (Path(source).stem + suffix) if out.is_dir() else out
    return BUILD / (Path(source).stem + suffix)


def cmd_validate(args: argparse.Namespace) -> int:
    from layout.read import read_issue

    failed = 0
    for source in args.sources:
        try:
            issue = read_issue(source)
        except LayoutError as exc:
            for d in exc.diagnostics:
                print(d, file=sys.stderr)
            failed = max(failed, exc.exit_status)
            continue
        print(f"{source}: OK ({len(issue.pages)} page(s), {len(issue.articles)} articles)")
    return failed


def cmd_pdf(args: argparse.Namespace) -> int:
    from layout.pipeline import build
    from layout.render.pdf import PdfOptions, write_pdf

    for source in args.sources:
        built = build(source, allow_overset=args.allow_overset)
        out = _out(args, source, ".pdf")
        options = PdfOptions(proof=args.proof, grid=args.grid)
        write_pdf(built.issue, built.layout, built.fonts, out, options)
        if args.pdfa:
            from layout.render.pdfa import make_pdfa

            make_pdfa(out, built.issue)
        print(f"{source} -> {out}")
    return 0


def cmd_epub(args: argparse.Namespace) -> int:
    from layout.read import read_issue
    from layout.render.epub import write_epub

    for source in args.sources:
        issue = read_issue(source)
        out = _out(args, source, ".epub")
        write_epub(issue, out, fonts=not args.no_fonts)
        print(f"{source} -> {out}")
    return 0


def cmd_alto(args: argparse.Namespace) -> int:
    from layout.pipeline import build
    from layout.render.alto import write_alto

    for source in args.sources:
        built = build(source)
        out = Path(args.output) if args.output else BUILD / Path(source).stem
        for path in write_alto(built.issue, built.layout, out):
            print(f"{source} -> {path}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from layout.compare import compare, original_lines
    from layout.pipeline import build

    built = build(args.source, allow_overset=True)
    report = compare(built.layout, original_lines(args.original))
    print(report.format(verbose=not args.quiet))
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    from layout.render.web import write_site

    report = write_site(args.sources, args.output, jobs=args.jobs)
    for entry in report.issues:
        print(f"{entry.folder}: {entry.pages} page(s), {entry.articles} articles")
    print(f"{', '.join(args.sources)} -> {report.out} ({report.files} files, {report.bytes / 1e6:.1f} MB)")
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
    pdf.add_argument("-o", "--output", help="output file, or folder (default build/)")
    pdf.add_argument("--proof", action="store_true", help="crop marks, 3 mm bleed, slug line")
    pdf.add_argument("--grid", action="store_true", help="overlay the column and baseline grid")
    pdf.add_argument("--allow-overset", action="store_true", help="build even if text does not fit")
    pdf.add_argument("--pdfa", action="store_true", help="write PDF/A-2b (for archives)")
    pdf.set_defaults(func=cmd_pdf)

    e = sub.add_parser("epub", help="write the EPUB 3 edition")
    e.add_argument("sources", nargs="+")
    e.add_argument("-o", "--output")
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

    ar = sub.add_parser("archive", help="batch: every issue to PDF/A, EPUB, ALTO, METS + manifest")
    ar.add_argument("source_dir")
    ar.add_argument("-o", "--output", required=True)
    ar.add_argument("-j", "--jobs", type=int, default=0, help="parallel jobs (default: CPU count)")
    ar.add_argument("--executor", choices=("local", "dask"), default="local")
    ar.add_argument("--scheduler", help="Dask scheduler address (with --executor dask)")
    ar.set_defaults(func=cmd_archive)
    return p


def run(argv: list[str] | None, entry: Callable[[argparse.Namespace], int] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return (entry or args.func)(args)
    except LayoutError as exc:
        for d in exc.diagnostics:
            print(d, file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("interrupted: no output was left half-written", file=sys.stderr)
        return 130
    except MemoryError:
        print("error: out of memory", file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
        if args.debug:
            traceback.print_exc()
        print(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)",
              file=sys.stderr)
        return EXIT_INTERNAL


def main(argv: list[str] | None = None) -> int:
    return run(argv)
