"""Fuzz the whole build with random valid issues (``make fuzz``: ``python tests/fuzz_build.py 500``).

Every build must either succeed, with every printed character of the source in the PDF's
text layer (``pdftotext``) and in the EPUB's XHTML, or fail with an ``InputError``
(overset, or a rule the reader enforces) whose diagnostics read ``file:line:col: error:``.
Any other exception, a missing character or an unclear message is a *finding*: the
harness keeps the issue XML and what went wrong under ``build/fuzz/`` and goes on, then
prints how long it ran and a summary.  ``check_build`` is also what the test suite runs.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent))
from strategies import Generated, issues  # noqa: E402

from layout.errors import InputError, OversetError  # noqa: E402

try:  # the EPUB is checked where the EPUB writer exists
    from layout.render.epub import write_epub
except ImportError:  # pragma: no cover
    write_epub = None

ROOT = Path(__file__).resolve().parents[1]
#: A diagnostic as the CLI prints it: ``file:line:col: error: what``, line and column optional.
DIAG = re.compile(r"^[^\n]+?(?::\d+(?::\d+)?)?: (?:error|warning): \S[^\n]*$")


def _missing(expected: Counter[str], found: str) -> str:
    """The characters of ``expected`` that ``found`` lacks, as ``'X'×n`` (empty if none)."""
    lacking = expected - Counter(ch for ch in found if not ch.isspace())
    return " ".join(f"{ch!r}×{n}" for ch, n in sorted(lacking.items())[:20])


def epub_text(path: Path) -> str:
    """All text of the EPUB's XHTML documents."""
    out = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith((".xhtml", ".html")):
                root = etree.fromstring(z.read(name), etree.XMLParser(resolve_entities=False))
                out.append("".join(root.itertext()))
    return "\n".join(out)


def check_build(g: Generated, work: Path, *, epub: bool = True) -> tuple[str, str | None]:
    """Build ``g`` in ``work``; return (outcome, finding or None).

    Outcomes: ``ok``, ``overset``, ``input error``, ``finding``.
    """
    from layout.pipeline import build
    from layout.render.pdf import write_pdf

    src = work / "issue.xml"
    src.write_text(g.xml, encoding="utf-8")
    expected = Counter(ch for _kind, t in g.texts for ch in t if not ch.isspace())
    stage = "build"
    try:
        with contextlib.redirect_stderr(io.StringIO()):  # placeholder and overset warnings
            built = build(src)
            stage = "pdf"
            pdf = write_pdf(built.issue, built.layout, built.fonts, work / "issue.pdf")
            if epub and write_epub is not None:
                stage = "epub"
                book = write_epub(built.issue, work / "issue.epub", fonts=False)
    except InputError as exc:
        unclear = [str(d) for d in exc.diagnostics if not DIAG.match(str(d))]
        if not exc.diagnostics or unclear:
            return "finding", f"{stage}: {type(exc).__name__} with unclear diagnostics: {unclear or 'none'}"
        if stage != "build":
            return "finding", f"{stage}: input error after a successful build: {exc.diagnostics[0]}"
        return ("overset" if isinstance(exc, OversetError) else "input error"), None
    except Exception as exc:  # noqa: BLE001 - anything else is what we are looking for
        tb = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{Path(tb.filename).name}:{tb.lineno} in {tb.name}"
        return "finding", f"{stage}: {type(exc).__name__}: {str(exc)[:200]} (at {where})"
    # -raw: the content stream's order, and no joining of a word broken after its hyphen
    # (by default pdftotext drops a hyphen that ends a line: Skłodowska-|Curie, URLs)
    text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    if lacking := _missing(expected, text):
        return "finding", f"pdf: text missing from pdftotext output: {lacking}"
    if epub and write_epub is not None and (lacking := _missing(expected, epub_text(book))):
        return "finding", f"epub: text missing from the XHTML: {lacking}"
    return "ok", None


def _signature(finding: str) -> str:
    """Findings grouped by kind: the message without its variable parts."""
    finding = finding.split(" output: ")[0].split(" XHTML: ")[0]  # missing text: not which
    finding = re.sub(r"\d+(\.\d+)?", "N", finding)
    return finding[:160]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("examples", type=int, nargs="?", default=100, help="documents to build")
    ap.add_argument("--seed", type=int, default=None, help="hypothesis seed (default: random)")
    ap.add_argument("--keep", type=Path, default=ROOT / "build" / "fuzz", help="where findings go")
    ap.add_argument("--no-epub", action="store_true", help="check the PDF only")
    ap.add_argument("--avoid-known-bugs", action="store_true",
                    help="the suite's variant: no issue whose first frame has no text")
    args = ap.parse_args(argv)
    run_seed = args.seed if args.seed is not None else int(time.time()) % 100_000
    args.keep.mkdir(parents=True, exist_ok=True)
    outcomes: Counter[str] = Counter()
    findings: dict[str, list[Path]] = {}
    frames = 0

    @seed(run_seed)
    @settings(max_examples=args.examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(issues(avoid_known_bugs=args.avoid_known_bugs))
    def one(g: Generated) -> None:
        nonlocal frames
        frames += g.frames
        with tempfile.TemporaryDirectory() as tmp:
            outcome, finding = check_build(g, Path(tmp), epub=not args.no_epub)
        outcomes[outcome] += 1
        if finding:
            n = sum(outcomes.values())
            keep = args.keep / f"finding-{run_seed}-{n:04d}.xml"
            keep.write_text(g.xml, encoding="utf-8")
            keep.with_suffix(".txt").write_text(finding + "\n", encoding="utf-8")
            findings.setdefault(_signature(finding), []).append(keep)
        done = sum(outcomes.values())
        if done % 50 == 0:
            print(f"  {done} documents, {time.monotonic() - start:.0f} s, {outcomes['finding']} findings",
                  flush=True)

    start = time.monotonic()
    one()
    elapsed = time.monotonic() - start
    total = sum(outcomes.values())
    print(f"fuzz: {total} documents ({frames} frames) in {elapsed:.1f} s "
          f"({elapsed / max(total, 1):.2f} s each), seed {run_seed}")
    for outcome in ("ok", "overset", "input error", "finding"):
        print(f"  {outcome:12} {outcomes[outcome]}")
    for sig, files in sorted(findings.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(files)}× {sig}\n      e.g. {files[0]} (+ .txt)")
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
