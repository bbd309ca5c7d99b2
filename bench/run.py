"""Benchmark: wall time, peak memory and output sizes of the pipeline (``make bench``).

A script, not a test.  Every measurement runs in a fresh Python process, because that is
what a user of ``python -m layout`` pays (imports, font files, metrics read from disk):

* stages (``--worker``): one process reads, sets up the fonts, composes, renders the PDF,
  the EPUB and ALTO, timing each step; repeated N times, median and spread reported;
  ``compose (warm)`` is a second composition in the same process (the algorithm alone);
* fonts cold: the same worker once with an empty font cache (``LAYOUT_FONT_CACHE`` in a
  temporary directory), so every face is converted: what the first build on a machine costs;
* CLI: ``python -m layout pdf`` and ``pdf`` followed by ``epub`` as subprocesses (fonts
  cached), N times; peak RSS of each process from ``os.wait4``;
* the 24-page issue of ``bench/make_issue.py``: the whole ``pdf`` process, and the same
  pages as two 12-page issues built by two processes at once (both cores);
* ``python -m layout web`` (the web edition, issue 20) for both, and the site's size.

Writes ``build/bench.json`` and prints a table::

    .venv/bin/python bench/run.py            # N=5, about two minutes on 2 cores
    .venv/bin/python bench/run.py -n 3 --no-cold --no-issue
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "source" / "000_024ecb8943099354.xml"
BUILD = ROOT / "build"
BENCH = BUILD / "bench"
ISSUE24 = BENCH / "issue-24.xml"
PY = sys.executable
#: environment of every measured process (main() sets it; None: inherit ours)
ENV: dict | None = None

#: targets of issues 9 and 16 (seconds, MB, KB, ratio)
TARGETS = {
    "sample.cli_pdf": 0.5,
    "sample.cli_pdf_epub": 0.8,
    "sample.compose": 0.050,
    "sample.pdf_over_typst": 1.0,  # our `pdf` process / Typst's on the same page, same run
    "sample.pdf_kb": 300,
    "sample.pdf_peak_mb": 100,
    "peak_rss_mb": 250,
    "first_build": 15.0,
    "issue24.cli_pdf": 1.2,
    "issue24.parallel": 6.0,
    "sample.web": 3.0,  # issue 20: the web edition
    "issue24.web": 20.0,
    "sample.import": 1.0,  # issue 18: `python -m layout import` of the sample's PDF
    "issue24.import": 10.0,
}
TYPST_SOURCE = BENCH / "sample.typ"
TYPST_RUN = ("import sys, typst; typst.compile(sys.argv[1], output=sys.argv[2], "
             "font_paths=sys.argv[3:], ignore_system_fonts=True)")

STAGES = ["import", "parse_validate", "fonts", "compose", "compose_warm", "pdf", "epub", "alto",
          "total"]


# -- the worker: one fresh process, one build, every stage timed ------------------------


def worker(source: str, out_dir: str, stages: set[str]) -> dict:
    """Time each stage of one build in this (fresh) process; return times and sizes."""
    t = {}
    sizes = {}
    notes = []
    t0 = time.perf_counter()
    from layout.compose.page import compose_issue
    from layout.fonts import FontSet
    from layout.pipeline import text_items
    from layout.read import read_issue

    t1 = time.perf_counter()
    t["import"] = t1 - t0

    issue = read_issue(source)
    t2 = time.perf_counter()
    t["parse_validate"] = t2 - t1

    items = list(text_items(issue))
    fonts = FontSet.load(extra_chars="".join(sorted({ch for ch, *_ in items})))
    fonts.prepare(fonts.check_coverage(items))
    t3 = time.perf_counter()
    t["fonts"] = t3 - t2

    layout = compose_issue(issue, fonts)
    t4 = time.perf_counter()
    t["compose"] = t4 - t3
    if "compose_warm" in stages:
        t5 = time.perf_counter()
        compose_issue(issue, fonts)
        t["compose_warm"] = time.perf_counter() - t5
    out = Path(out_dir)
    t_pdf = 0.0
    if "pdf" in stages:
        t5 = time.perf_counter()
        from layout.render.pdf import render_pdf

        data = render_pdf(issue, layout, fonts)
        (out / "out.pdf").write_bytes(data)
        t_pdf = t["pdf"] = time.perf_counter() - t5
        sizes["pdf"] = len(data)
    t["total"] = t["import"] + t["parse_validate"] + t["fonts"] + t["compose"] + t_pdf
    if "epub" in stages:
        t5 = time.perf_counter()
        from layout.render.epub import write_epub

        path = write_epub(issue, out / "out.epub", font_set=fonts)
        t["epub"] = time.perf_counter() - t5
        sizes["epub"] = Path(path).stat().st_size
    if "alto" in stages:
        try:
            from layout.render.alto import write_alto
        except ImportError as exc:
            notes.append(f"ALTO skipped: {exc}")
        else:
            t5 = time.perf_counter()
            try:
                paths = list(write_alto(issue, layout, out / "alto"))
            except Exception as exc:  # noqa: BLE001 - another developer's work in progress
                notes.append(f"ALTO failed: {type(exc).__name__}: {exc}")
            else:
                t["alto"] = time.perf_counter() - t5
                sizes["alto"] = sum(Path(p).stat().st_size for p in paths)
                sizes["alto_files"] = len(paths)
    import resource

    return {"times": t, "sizes": sizes, "notes": notes, "pages": len(layout.pages),
            "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


# -- running subprocesses -----------------------------------------------------------------


def run_rusage(argv: list[str], env: dict | None = None) -> dict:
    """Like run_proc, with the child's own peak RSS (``os.wait4``)."""
    with tempfile.TemporaryFile() as so, tempfile.TemporaryFile() as se:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, cwd=ROOT, env=ENV if env is None else env, stdout=so, stderr=se)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        so.seek(0)
        se.seek(0)
        res = {"wall": wall, "rc": p.returncode, "maxrss_mb": ru.ru_maxrss / 1024,
               "cpu": ru.ru_utime + ru.ru_stime, "load": os.getloadavg()[0],
               "stdout": so.read().decode(), "stderr": se.read().decode()}
    if res["rc"] != 0:
        raise SystemExit(f"failed ({res['rc']}): {' '.join(argv)}\n{res['stderr']}")
    return res


def run_parallel(argvs: list[list[str]], env: dict | None = None) -> dict:
    """Start every command at once; wall time until the last ends, peak RSS of each."""
    files = []
    t0 = time.perf_counter()
    procs = []
    for argv in argvs:
        so, se = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        files += [so, se]
        procs.append((subprocess.Popen(argv, cwd=ROOT, env=ENV if env is None else env,
                                       stdout=so, stderr=se), se))
    rss = []
    for p, se in procs:
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        rss.append(ru.ru_maxrss / 1024)
        if p.returncode:
            se.seek(0)
            raise SystemExit(f"failed: {p.args}\n{se.read().decode()}")
    wall = time.perf_counter() - t0
    for f in files:
        f.close()
    return {"wall": wall, "maxrss_mb": rss}


def stats(values: list[float]) -> dict:
    values = sorted(values)
    return {"median": statistics.median(values), "min": values[0], "max": values[-1],
            "n": len(values), "runs": values}


def run_worker(source: Path, stages: set[str], env: dict | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        argv = [PY, str(Path(__file__).resolve()), "--worker", str(source), "--out", tmp,
                "--stages", ",".join(sorted(stages))]
        res = run_rusage(argv, env)
        data = json.loads(res["stdout"].strip().splitlines()[-1])
        data["wall"] = res["wall"]
        data["maxrss_mb"] = res["maxrss_mb"]
        return data


def stage_series(source: Path, n: int, stages: set[str]) -> dict:
    runs = [run_worker(source, stages) for _ in range(n)]
    out = {"stages": {}, "sizes": runs[-1]["sizes"], "notes": runs[-1]["notes"],
           "pages": runs[-1]["pages"]}
    for name in STAGES:
        vals = [r["times"][name] for r in runs if name in r["times"]]
        if vals:
            out["stages"][name] = stats(vals)
    both = [r["times"]["total"] + r["times"]["epub"] for r in runs if "epub" in r["times"]]
    if both:
        out["pdf_epub"] = stats(both)
    out["stages"]["process"] = stats([r["wall"] for r in runs])
    out["maxrss_mb"] = max(r["maxrss_mb"] for r in runs)
    return out


def cli_series(source: Path, n: int, tmp: Path, epub: bool = True) -> dict:
    """``python -m layout pdf`` (and ``epub``) as subprocesses, fonts cached."""
    pdf_t, both_t, epub_t, rss, pdf_rss = [], [], [], [], []
    pdf_c, both_c, epub_c, load = [], [], [], []
    pdf_out, epub_out = tmp / (source.stem + ".pdf"), tmp / (source.stem + ".epub")
    for _ in range(n):
        a = run_rusage([PY, "-m", "layout", "pdf", str(source), "-o", str(pdf_out)])
        pdf_t.append(a["wall"])
        pdf_c.append(a["cpu"])
        rss.append(a["maxrss_mb"])
        pdf_rss.append(a["maxrss_mb"])
        load.append(a["load"])
        if epub:
            b = run_rusage([PY, "-m", "layout", "epub", str(source), "-o", str(epub_out)])
            epub_t.append(b["wall"])
            epub_c.append(b["cpu"])
            both_t.append(a["wall"] + b["wall"])
            both_c.append(a["cpu"] + b["cpu"])
            rss.append(b["maxrss_mb"])
    out = {"pdf": stats(pdf_t), "pdf_cpu": stats(pdf_c), "maxrss_mb": max(rss),
           "pdf_maxrss_mb": max(pdf_rss),
           "pdf_bytes": pdf_out.stat().st_size, "load_1min": load}
    if epub:
        out["epub"] = stats(epub_t)
        out["epub_cpu"] = stats(epub_c)
        out["pdf_epub"] = stats(both_t)
        out["pdf_epub_cpu"] = stats(both_c)
        out["epub_bytes"] = epub_out.stat().st_size
    return out


def typst_series(n: int, tmp: Path) -> dict | None:
    """The same page set by Typst (PyPI ``typst``, the optional ``bench`` extra): a Typst
    file of the same articles, frames, faces and sizes (``bench/typst_page.py``), compiled
    by a fresh process each run, alternating with ours in ``cli_series``' manner."""
    probe = subprocess.run([PY, "-c", "import typst"], capture_output=True)
    if probe.returncode:
        return None
    run_rusage([PY, str(ROOT / "bench" / "typst_page.py"), str(SAMPLE), "-o", str(TYPST_SOURCE)])
    folders = TYPST_SOURCE.with_suffix(".fonts").read_text(encoding="utf-8").split()
    out = tmp / "typst.pdf"
    argv = [PY, "-c", TYPST_RUN, str(TYPST_SOURCE), str(out), *folders]
    run_rusage(argv)  # warm the page cache
    ours_t, typst_t, typst_c, rss = [], [], [], []
    for _ in range(n):
        a = run_rusage([PY, "-m", "layout", "pdf", str(SAMPLE), "-o", str(tmp / "ours.pdf")])
        b = run_rusage(argv)
        ours_t.append(a["wall"])
        typst_t.append(b["wall"])
        typst_c.append(b["cpu"])
        rss.append(b["maxrss_mb"])
    ratio = [o / t for o, t in zip(ours_t, typst_t, strict=True)]
    import importlib.metadata

    return {"pdf": stats(typst_t), "pdf_cpu": stats(typst_c), "ours": stats(ours_t),
            "ratio": stats(ratio), "maxrss_mb": max(rss), "pdf_bytes": out.stat().st_size,
            "version": importlib.metadata.version("typst")}


def web_series(source: Path, n: int, tmp: Path) -> dict:
    """``python -m layout web`` as a subprocess (fonts cached), N times; the site's size."""
    out = tmp / f"web-{source.stem}"
    runs = [run_rusage([PY, "-m", "layout", "web", str(source), "-o", str(out)]) for _ in range(n)]
    files = [p for p in out.rglob("*") if p.is_file()]
    images = [p for p in files if p.suffix == ".png"]
    return {"web": stats([r["wall"] for r in runs]), "web_cpu": stats([r["cpu"] for r in runs]),
            "maxrss_mb": max(r["maxrss_mb"] for r in runs), "site_files": len(files),
            "site_bytes": sum(p.stat().st_size for p in files),
            "image_bytes": sum(p.stat().st_size for p in images)}


def import_time(n: int) -> dict:
    """Wall time of ``python -c 'import layout.cli'`` and of the PDF path's imports."""
    base = [run_rusage([PY, "-c", "pass"])["wall"] for _ in range(n)]
    code = ("import layout.cli, layout.pipeline, layout.fonts, layout.render.pdf")
    imp = [run_rusage([PY, "-c", code])["wall"] for _ in range(n)]
    return {"python": stats(base), "pdf_imports": stats(imp)}


def import_series(n: int, tmp: Path, issue: bool) -> dict:
    """``python -m layout import`` of our own PDFs (sample page, 24-page issue): the whole
    process, reading, analysis, style inference and the checking rebuild (issue 18)."""
    out = {}
    todo = [("sample", SAMPLE, n)] + ([("issue24", ISSUE24, max(1, n // 2))] if issue else [])
    for name, source, runs in todo:
        pdf = tmp / f"import-{name}.pdf"
        run_rusage([PY, "-m", "layout", "pdf", str(source), "-o", str(pdf)])
        walls, rss = [], []
        for _ in range(runs):
            r = run_rusage([PY, "-m", "layout", "import", str(pdf), "-o", str(tmp / f"import-{name}.xml")])
            walls.append(r["wall"])
            rss.append(r["maxrss_mb"])
        out[name] = {"wall": stats(walls), "maxrss_mb": max(rss), "summary": r["stdout"].strip()}
    return out


# -- report ----------------------------------------------------------------------------------


def fmt_s(s: dict | None) -> str:
    if not s:
        return "—"
    med, lo, hi = s["median"], s["min"], s["max"]
    if med < 1:
        return f"{med * 1000:7.0f} ms  ({lo * 1000:.0f}–{hi * 1000:.0f})"
    return f"{med:7.2f} s   ({lo:.2f}–{hi:.2f})"


def table(res: dict) -> str:
    rows = []
    add = rows.append
    n = res["n"]
    add(f"machine: {res['machine']['cpus']} CPUs, load {res['machine']['load_before']} before, "
        f"{res['machine']['load_after']} after; Python {res['machine']['python']}")
    add(f"times: median of N runs (min–max), each in a fresh process; N={n}; bytecode cache: "
        + ("build/pycache" if res["machine"].get("bytecode_cache") else "as the environment says"))
    add("")
    add(f"{'':34}{'sample page':>30}{'24-page issue':>30}")

    def row(label, a, b=None):
        add(f"{label:34}{fmt_s(a):>30}{fmt_s(b):>30}")

    s = res["sample"]["stages"]["stages"]
    i = res.get("issue24", {}).get("stages", {}).get("stages", {})
    labels = {"import": "import (layout, lxml, fontTools…)", "parse_validate": "parse + validate",
              "fonts": "font set-up, cached", "compose": "composition (cold process)",
              "compose_warm": "composition (warm, same process)", "pdf": "PDF render",
              "epub": "EPUB", "alto": "ALTO", "total": "in-process build → PDF"}
    for k in STAGES:
        row(labels[k], s.get(k), i.get(k))
    row("in-process build → PDF + EPUB", res["sample"]["stages"].get("pdf_epub"),
        res.get("issue24", {}).get("stages", {}).get("pdf_epub"))
    cold = res.get("cold")
    if cold:
        add(f"{'font set-up, cold (1 run)':34}{cold['times']['fonts']:27.2f} s")
        add(f"{'first build → PDF, cold (1 run)':34}{cold['wall_to_pdf']:27.2f} s")
    add("")
    c = res["sample"]["cli"]
    ci = res.get("issue24", {}).get("cli", {})
    row("`python -m layout pdf` process", c["pdf"], ci.get("pdf"))
    row("  … its CPU time (user + sys)", c.get("pdf_cpu"), ci.get("pdf_cpu"))
    row("`… epub` process", c.get("epub"), ci.get("epub"))
    row("`pdf` + `epub` processes", c.get("pdf_epub"), ci.get("pdf_epub"))
    row("  … their CPU time", c.get("pdf_epub_cpu"), ci.get("pdf_epub_cpu"))
    add(f"{'  (1-min load during the runs)':34}"
        f"{' '.join(f'{x:.1f}' for x in c.get('load_1min', [])):>30}")
    par = res.get("issue24", {}).get("parallel")
    if par:
        add(f"{'24 pages, 2 × 12 in 2 processes':34}{'':30}{fmt_s(par['pdf']):>30}")
        if par.get("pdf_epub"):
            add(f"{'  … pdf + epub, 2 processes':34}{'':30}{fmt_s(par['pdf_epub']):>30}")
    ty = res["sample"].get("typst")
    if ty:
        row(f"Typst {ty['version']}, same page, process", ty["pdf"])
        row("  our `pdf` process, same run", ty["ours"])
        add(f"{'  ours / Typst (median of pairs)':34}{ty['ratio']['median']:29.2f}×")
        add(f"{'  Typst peak RSS, PDF size':34}{ty['maxrss_mb']:24.0f} MB"
            f"{ty['pdf_bytes'] / 1024:24.0f} KB")
    web, webi = res["sample"].get("web"), res.get("issue24", {}).get("web")
    if web:
        row("`python -m layout web` process", web["web"], (webi or {}).get("web"))
        for key, label in (("site_bytes", "web site size"), ("image_bytes", "  … of it page images")):
            add(f"{label:34}{web[key] / 1e6:27.1f} MB"
                + (f"{webi[key] / 1e6:27.1f} MB" if webi else ""))
    imp = res.get("imports")
    if imp:
        add(f"{'python -c pass':34}{fmt_s(imp['python']):>30}")
        add(f"{'python -c import (PDF path)':34}{fmt_s(imp['pdf_imports']):>30}")
    add("")

    def mb(v):
        return f"{v:27.0f} MB" if v else f"{'—':>30}"

    i24 = res.get("issue24", {})
    add(f"{'peak RSS, `pdf`/`epub` processes':34}{mb(res['sample']['cli']['maxrss_mb'])}"
        f"{mb(i24.get('cli', {}).get('maxrss_mb'))}")
    if i24.get("parallel"):
        add(f"{'peak RSS, one of 2 × 12 pages':34}{'':30}{mb(i24['parallel']['maxrss_mb'])}")
    add(f"{'peak RSS, stage worker (all out)':34}{mb(res['sample']['stages']['maxrss_mb'])}"
        f"{mb(i24.get('stages', {}).get('maxrss_mb'))}")
    if cold:
        add(f"{'peak RSS, first build (converting)':34}{mb(cold['maxrss_mb'])}")
    sz = res["sample"]["stages"]["sizes"]
    szi = res.get("issue24", {}).get("stages", {}).get("sizes", {})

    def kb(d, k):
        return f"{d[k] / 1024:27.0f} KB" if k in d else f"{'—':>30}"

    for k in ("pdf", "epub", "alto"):
        add(f"{'output size ' + k.upper():34}{kb(sz, k)}{kb(szi, k)}")
    for note in res["sample"]["stages"]["notes"]:
        add(f"note: {note}")
    for name, r in res.get("import", {}).items():
        add(f"{'`import` of the ' + name + ' PDF':34}{fmt_s(r['wall']):>30}   peak {r['maxrss_mb']:.0f} MB")
    add("")
    add("targets:")
    for name, ok, value, target in res["targets"]:
        add(f"  {'met' if ok else 'NOT met':8} {name:28} {value:9.3f} (target ≤ {target})")
    return "\n".join(rows)


def check_targets(res: dict) -> list:
    out = []
    s = res["sample"]
    out.append(("sample.cli_pdf [s]", s["cli"]["pdf"]["median"]))
    if "pdf_epub" in s["cli"]:
        out.append(("sample.cli_pdf_epub [s]", s["cli"]["pdf_epub"]["median"]))
    out.append(("sample.compose [s]", s["stages"]["stages"]["compose"]["median"]))
    if "typst" in s:
        out.append(("sample.pdf_over_typst [×]", s["typst"]["ratio"]["median"]))
    out.append(("sample.pdf_kb [KB]", s["cli"]["pdf_bytes"] / 1024))
    out.append(("sample.pdf_peak_mb [MiB]", s["cli"]["pdf_maxrss_mb"]))
    # the processes a user runs: the CLI commands, the two halves, the first build
    rss = [s["cli"]["maxrss_mb"]]
    if "issue24" in res:
        rss += [res["issue24"]["cli"]["maxrss_mb"], res["issue24"]["parallel"]["maxrss_mb"]]
    if res.get("cold"):
        rss.append(res["cold"]["maxrss_mb"])
    out.append(("peak_rss_mb", max(rss)))
    if res.get("cold"):
        out.append(("first_build [s]", res["cold"]["wall_to_pdf"]))
    if res.get("issue24", {}).get("cli"):
        out.append(("issue24.cli_pdf [s]", res["issue24"]["cli"]["pdf"]["median"]))
    if res.get("issue24", {}).get("parallel"):
        out.append(("issue24.parallel [s]", res["issue24"]["parallel"]["pdf"]["median"]))
    if "web" in s:
        out.append(("sample.web [s]", s["web"]["web"]["median"]))
    if "web" in res.get("issue24", {}):
        out.append(("issue24.web [s]", res["issue24"]["web"]["web"]["median"]))
    for name, r in res.get("import", {}).items():
        out.append((f"{name}.import [s]", r["wall"]["median"]))
    result = []
    for name, value in out:
        target = TARGETS[name.split(" ")[0]]
        result.append((name, value <= target, value, target))
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=5, help="runs per measurement (default 5)")
    ap.add_argument("--n-issue", type=int, default=3, help="runs of the 24-page measurements")
    ap.add_argument("--no-cold", dest="cold", action="store_false", help="skip the font conversion")
    ap.add_argument("--no-issue", dest="issue", action="store_false", help="skip the 24-page issue")
    ap.add_argument("--no-import", dest="imports", action="store_false",
                    help="skip `python -m layout import` of our own PDFs")
    ap.add_argument("--json", type=Path, default=BUILD / "bench.json")
    ap.add_argument("--no-bytecode-cache", dest="bytecode", action="store_false",
                    help="run the processes as this environment says (PYTHONDONTWRITEBYTECODE "
                         "recompiles every module in every process) instead of with a bytecode "
                         "cache in build/pycache, as an installed package has")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--stages", default="pdf,epub,alto,compose_warm", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker:  # one timed build, in this process; JSON on stdout
        import importlib.util

        if importlib.util.find_spec("layout") is None:  # not installed: this checkout's
            sys.path.insert(0, str(ROOT))
        t0 = time.perf_counter()
        res = worker(args.worker, args.out, set(args.stages.split(",")))
        res["in_process"] = time.perf_counter() - t0
        print(json.dumps(res))
        return 0

    os.chdir(ROOT)
    global ENV
    if args.bytecode:
        ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        ENV["PYTHONPYCACHEPREFIX"] = str(BUILD / "pycache")
    n = args.n
    res: dict = {"n": n, "machine": {
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "bytecode_cache": args.bytecode,
    }}
    tmp = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    try:
        # warm the font cache (converted faces, halt variants, WOFF2 subsets) and the bytecode
        run_rusage([PY, str(Path(__file__).resolve()), "--worker", str(SAMPLE), "--out", str(tmp)])
        for cmd in ("pdf", "epub"):
            run_rusage([PY, "-m", "layout", cmd, str(SAMPLE), "-o", str(tmp / f"warm.{cmd}")])
        print(f"sample: stages × {n}", file=sys.stderr)
        res["sample"] = {"stages": stage_series(SAMPLE, n, set(STAGES))}
        print(f"sample: CLI × {n}", file=sys.stderr)
        res["sample"]["cli"] = cli_series(SAMPLE, n, tmp)
        res["sample"]["maxrss_mb"] = max(res["sample"]["stages"]["maxrss_mb"],
                                        res["sample"]["cli"]["maxrss_mb"])
        print(f"sample: web × {n}", file=sys.stderr)
        res["sample"]["web"] = web_series(SAMPLE, n, tmp)
        res["imports"] = import_time(n)
        print(f"sample: Typst × {n}", file=sys.stderr)
        typst = typst_series(n, tmp)
        if typst:
            res["sample"]["typst"] = typst

        if args.cold:
            print("fonts cold: converting every face in an empty cache (1 run)", file=sys.stderr)
            with tempfile.TemporaryDirectory(prefix="bench-fonts-") as cache:
                env = dict(ENV or os.environ, LAYOUT_FONT_CACHE=cache)
                cold = run_worker(SAMPLE, {"pdf", "epub"}, env)
                # first build = a process that reads, converts, composes and writes the PDF
                cold["wall_to_pdf"] = cold["wall"] - cold["times"].get("epub", 0.0)
                res["cold"] = cold

        if args.issue:
            ni = args.n_issue
            print("24-page issue: generating", file=sys.stderr)
            gen = run_rusage([PY, str(ROOT / "bench" / "make_issue.py"), "-o", str(ISSUE24)])
            res["issue24_generator"] = gen["stdout"].strip().splitlines()[-1]
            half_a, half_b = BENCH / "issue-24-a.xml", BENCH / "issue-24-b.xml"
            print(f"24-page issue: stages × {ni}", file=sys.stderr)
            issue = {"stages": stage_series(ISSUE24, ni, set(STAGES))}
            print(f"24-page issue: CLI × {ni}", file=sys.stderr)
            issue["cli"] = cli_series(ISSUE24, ni, tmp)
            print(f"24-page issue: 2 processes × {ni}", file=sys.stderr)
            par_pdf, par_both, rss = [], [], []
            for _ in range(ni):
                p = run_parallel([[PY, "-m", "layout", "pdf", str(h), "-o", str(tmp / (h.stem + ".pdf"))]
                                  for h in (half_a, half_b)])
                par_pdf.append(p["wall"])
                rss += p["maxrss_mb"]
                e = run_parallel([[PY, "-m", "layout", "epub", str(h), "-o", str(tmp / (h.stem + ".epub"))]
                                  for h in (half_a, half_b)])
                par_both.append(p["wall"] + e["wall"])
            issue["parallel"] = {"pdf": stats(par_pdf), "pdf_epub": stats(par_both),
                                 "maxrss_mb": max(rss),
                                 "how": "two 12-page issues (bench/make_issue.py halves) built by "
                                        "two `python -m layout pdf` processes at once"}
            print(f"24-page issue: web × {ni}", file=sys.stderr)
            issue["web"] = web_series(ISSUE24, ni, tmp)
            issue["maxrss_mb"] = max(issue["stages"]["maxrss_mb"], issue["cli"]["maxrss_mb"], max(rss))
            res["issue24"] = issue
        if args.imports:
            print("import: our own PDFs back to issue XML", file=sys.stderr)
            res["import"] = import_series(n, tmp, args.issue or ISSUE24.exists())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    res["machine"]["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    res["targets"] = check_targets(res)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(res, indent=1, ensure_ascii=False) + "\n")
    print(table(res))
    print(f"\nwritten: {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
