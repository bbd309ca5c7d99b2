"""The archive batch: builds a folder, writes the manifest, skips what is unchanged,
rebuilds byte-identically, isolates a broken issue, and runs the same jobs on Dask."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from lxml import etree

from layout.cli import main

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "source" / "000_024ecb8943099354.xml"
SEED = REPO / "source" / "000_024ecb8943099354.original.txt"  # the seed page's text, as given
STEM = SAMPLE.stem


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "manifest.json"}


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module", autouse=True)
def fixed_code_digest():
    """Other developers edit the package while tests run; a code change between two runs
    would (rightly) rebuild.  Pin the digest so the skip tests see only their own changes
    (the process pool forks after this, so its workers see the pin too)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("layout.archive.code_digest", lambda: "pinned-for-tests")
        yield


@pytest.fixture(scope="module")
def src(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("issues")
    shutil.copyfile(SAMPLE, folder / SAMPLE.name)
    shutil.copyfile(SEED, folder / f"{STEM}.original.txt")
    return folder


@pytest.fixture(scope="module")
def first(src, tmp_path_factory):
    """One local archive run over the sample, shared by the tests below."""
    out = tmp_path_factory.mktemp("archive")
    status = main(["archive", str(src), "-o", str(out), "-j", "2"])
    return out, status, outputs(out)


def test_first_run_builds_everything(first, src):
    out, status, files = first
    assert status == 0
    assert set(files) == {f"{STEM}/{STEM}.pdf", f"{STEM}/{STEM}.epub", f"{STEM}/{STEM}.mets.xml",
                          f"{STEM}/alto/{STEM}_0001.alto.xml"}
    row = manifest(out)["issues"][STEM]
    assert row["status"] == "built" and row["pages"] == 1
    assert row["pdfa"] == {"flavour": "2u", "verdict": "pass"}
    for name, data in files.items():
        assert row["outputs"][name] == hashlib.sha256(data).hexdigest()
    assert row["inputs"][SAMPLE.name] == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert row["fonts"] and all(len(sha) == 64 for sha in row["fonts"].values())
    for key in ("layout", "layout_code_sha256", "reportlab", "pikepdf", "lxml", "python"):
        assert row["versions"][key]


def test_compare_with_original_is_reported(first, src):
    out, _, _ = first
    c = manifest(out)["issues"][STEM]["compare"]
    assert c["file"] == f"{STEM}.original.txt"
    assert 0 < c["matched"] <= c["total"]


def test_outputs_are_valid(first):
    from layout.render.pdfa import validate

    out, _, files = first
    assert validate(out / STEM / f"{STEM}.pdf").passed
    mets = etree.fromstring(files[f"{STEM}/{STEM}.mets.xml"])
    hrefs = {el.get("{http://www.w3.org/1999/xlink}href") for el in mets.iter("{*}FLocat")}
    assert hrefs == {f"{STEM}.pdf", f"{STEM}.epub", f"alto/{STEM}_0001.alto.xml"}


def test_second_run_skips(first, src, capsys):
    out, _, files = first
    assert main(["archive", str(src), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"{STEM}: skipped" in text and "0 built, 1 skipped, 0 failed" in text
    assert outputs(out) == files


def test_version_or_font_change_invalidates(first, src):
    """Without rebuilding: the skip check says no once a version or a font hash differs."""
    from layout.archive import Hasher, make_jobs, source_epoch, unchanged, versions

    out, _, _ = first
    job = next(j for j in make_jobs(src, source_epoch()) if j.stem == STEM)
    row = manifest(out)["issues"][STEM]
    current = versions()
    assert unchanged(job, row, current, out, Hasher())
    assert not unchanged(job, row, {**current, "reportlab": "0.0"}, out, Hasher())
    font = next(iter(row["fonts"]))
    assert not unchanged(job, {**row, "fonts": {font: "0" * 64}}, current, out, Hasher())
    assert not unchanged(job, {**row, "epoch": row["epoch"] + 1}, current, out, Hasher())


def test_broken_issue_fails_alone(first, src, capsys):
    out, _, files = first
    broken = src / "broken.xml"
    broken.write_text("<issue", encoding="utf-8")
    try:
        assert main(["archive", str(src), "-o", str(out)]) == 2  # the worst issue's: invalid input
    finally:
        broken.unlink()
    text = capsys.readouterr().out
    assert "0 built, 1 skipped, 1 failed" in text
    assert "failed broken (exit 2):" in text and "malformed XML" in text
    row = manifest(out)["issues"]["broken"]
    assert row["status"] == "failed" and "malformed XML" in row["error"]
    assert outputs(out) == files


def test_deleted_outputs_rebuild_byte_identical(first, src, capsys):
    out, _, files = first
    shutil.rmtree(out / STEM)
    assert main(["archive", str(src), "-o", str(out)]) == 0
    assert "1 built, 0 skipped" in capsys.readouterr().out
    assert outputs(out) == files
    assert "broken" not in manifest(out)["issues"]  # gone from the folder, gone from the manifest


def test_changed_input_rebuilds(first, src, capsys):
    out, _, files = first
    original = src / f"{STEM}.original.txt"
    if not original.is_file():
        pytest.skip("seed text not available")
    saved = original.read_bytes()
    original.write_bytes(saved + "多出来的一行\n".encode())
    try:
        assert main(["archive", str(src), "-o", str(out)]) == 0
        assert "1 built, 0 skipped" in capsys.readouterr().out
        row = manifest(out)["issues"][STEM]
        assert row["compare"]["total"] == manifest_total(saved) + 1
        assert outputs(out) == files  # the comparison text is no part of the outputs
    finally:
        original.write_bytes(saved)


def manifest_total(data: bytes) -> int:
    return sum(1 for line in data.decode("utf-8").splitlines() if line.strip())


def test_dask_executor(first, src, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    out, _, files = first
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        status = main(["archive", str(src), "-o", str(tmp_path), "--executor", "dask",
                       "--scheduler", cluster.scheduler_address])
    assert status == 0
    assert outputs(tmp_path) == files
    assert manifest(tmp_path)["issues"][STEM]["outputs"] == manifest(out)["issues"][STEM]["outputs"]



def test_source_date_epoch_is_passed_not_set(monkeypatch, tmp_path):
    """A job renders with the job's epoch (every output, the PDF's dates too) and never
    touches the environment; its warnings are in its result, not on stderr."""
    import os

    import pikepdf

    from layout.archive import Job, run_job

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    result = run_job(Job(str(SAMPLE), STEM, None, 1621468800))
    assert result.ok and "SOURCE_DATE_EPOCH" not in os.environ
    alto = etree.fromstring(result.files[f"alto/{STEM}_0001.alto.xml"])
    assert alto.findtext(".//{*}processingDateTime") == "2021-05-20T00:00:00Z"
    assert result.row["pdfa"]["verdict"] == "pass"
    with pikepdf.open(__import__("io").BytesIO(result.files[f"{STEM}.pdf"])) as pdf:
        assert str(pdf.docinfo["/CreationDate"]).startswith("D:20210520000000")
    assert any("has no image yet" in w and "[no-image]" in w for w in result.row["warnings"])


def test_no_environment_writes_or_stderr_in_the_package():
    """Context is passed explicitly: no os.environ writes, no stderr outside the CLI."""
    import re

    offenders = []
    for path in (REPO / "layout").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"os\.environ\[[^]]+\]\s*=|os\.environ\.(?:pop|update|setdefault)|putenv", text):
            offenders.append(f"{path.name}: environment write")
        if path.name != "cli.py" and path.name != "__main__.py" and re.search(
                r"sys\.stderr|redirect_stderr", text):
            offenders.append(f"{path.name}: stderr")
    assert offenders == []


# ---- the archive deletes only what it wrote ----------------------------------------------


def _built_row(out: Path) -> dict:
    return manifest(out)["issues"][STEM]


@pytest.mark.parametrize("entry", ["../victim.txt", f"{STEM}/../../victim.txt", "/VICTIM",
                                   f"{STEM}/./x", f"{STEM}//x", "victim.txt", f"{STEM}/link",
                                   f"{STEM}/changed.bin"])
def test_manifest_cannot_make_the_archive_delete(first, src, tmp_path, entry):
    """An edited manifest listing other files as old outputs: none of them is deleted."""
    out, _, files = first
    work = tmp_path / "work"
    archive = work / "archive"
    shutil.copytree(out, archive)
    victim = work / "victim.txt"
    victim.write_bytes(b"not ours")
    (archive / "victim.txt").write_bytes(b"not ours either")
    (archive / STEM / "link").symlink_to(victim)
    (archive / STEM / "changed.bin").write_bytes(b"edited after the build")
    entry = entry.replace("/VICTIM", str(victim))
    data = manifest(archive)
    row = data["issues"][STEM]
    row["outputs"][entry] = hashlib.sha256(b"not ours").hexdigest()
    row["epoch"] = -1  # forces a rebuild, after which the extra entry is an old output
    (archive / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    before = {p: p.read_bytes() for p in work.rglob("*") if p.is_file() and not p.is_symlink()}
    assert main(["archive", str(src), "-o", str(archive)]) == 0
    for path, data in before.items():
        if path.parent == archive / STEM and path.name in ("link", "changed.bin"):
            assert path.exists() and path.read_bytes() == data
        elif path.name != "manifest.json" and STEM not in path.parts[-2:-1]:
            assert path.read_bytes() == data, path
    assert victim.read_bytes() == b"not ours"
    assert (archive / STEM / "link").is_symlink()


def test_old_output_of_ours_is_removed(first, src, tmp_path):
    """The guard does not stop the cleanup it is for: an old output we wrote, unchanged, goes."""
    out, _, _ = first
    archive = tmp_path / "archive"
    shutil.copytree(out, archive)
    old = archive / STEM / "old.alto.xml"
    old.write_bytes(b"an old page")
    data = manifest(archive)
    data["issues"][STEM]["outputs"][f"{STEM}/old.alto.xml"] = hashlib.sha256(b"an old page").hexdigest()
    data["issues"][STEM]["epoch"] = -1
    (archive / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    assert main(["archive", str(src), "-o", str(archive)]) == 0
    assert not old.exists()


def test_reserved_issue_name_cannot_collide(tmp_path, capsys):
    """An issue named manifest.json.xml would turn the manifest into a folder: refused."""
    src = tmp_path / "src"
    src.mkdir()
    shutil.copyfile(SAMPLE, src / "manifest.json.xml")
    out = tmp_path / "out"
    assert main(["archive", str(src), "-o", str(out)]) == 2
    assert "is the archive's own manifest.json" in capsys.readouterr().out
    assert (out / "manifest.json").is_file()
    assert json.loads((out / "manifest.json").read_text())["issues"] == {}


def test_malformed_manifest_is_ignored(first, src, tmp_path):
    out, _, files = first
    for junk in ('{"format": "layout-archive-manifest/1", "issues": {"x": 1}}',
                 '{"format": "layout-archive-manifest/1", "issues": []}', "[]", "not json"):
        archive = tmp_path / f"a{hash(junk) & 0xffff}"
        archive.mkdir()
        (archive / "manifest.json").write_text(junk, encoding="utf-8")
        assert main(["archive", str(src), "-o", str(archive), "-j", "1"]) == 0
        assert outputs(archive) == files


# ---- threads: the same bytes and the same warnings -----------------------------------------


def test_dask_threads_same_bytes_and_warnings(tmp_path):
    """Four issues on a local Dask cluster of one worker with two threads: the jobs run
    concurrently in one process, and give the bytes and warnings of ``-j 1``."""
    pytest.importorskip("dask.distributed")
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from strategies import ARTICLE, issue_xml

    src = tmp_path / "src"
    src.mkdir()
    shutil.copyfile(SAMPLE, src / SAMPLE.name)
    figure = '<figure id="f1" x="30zi" width="20zi" y="0line" height="20line"/>'
    word = ARTICLE.replace("Hello world", "Pneumonoultramicroscopicsilicovolcanoconiosis" * 2)
    (src / "b.xml").write_text(issue_xml(ARTICLE + figure), encoding="utf-8")
    (src / "c.xml").write_text(issue_xml(word), encoding="utf-8")
    (src / "d.xml").write_text(issue_xml(word + figure.replace('x="30zi"', 'x="29zi"')), encoding="utf-8")
    one, two = tmp_path / "one", tmp_path / "two"
    assert main(["archive", str(src), "-o", str(one), "-j", "1"]) == 0
    assert main(["archive", str(src), "-o", str(two), "-j", "1", "--executor", "dask", "--threads", "2"]) == 0
    assert outputs(one) == outputs(two)
    w1 = {s: r["warnings"] for s, r in manifest(one)["issues"].items()}
    w2 = {s: r["warnings"] for s, r in manifest(two)["issues"].items()}
    assert w1 == w2
    assert sum(bool(w) for w in w1.values()) >= 3, w1
