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
        assert main(["archive", str(src), "-o", str(out)]) == 1
    finally:
        broken.unlink()
    text = capsys.readouterr().out
    assert "0 built, 1 skipped, 1 failed" in text
    assert "failed broken:" in text and "malformed XML" in text
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



def test_source_date_epoch_is_passed_and_restored(monkeypatch, tmp_path):
    """A job renders with the coordinator's epoch and leaves the worker's environment alone."""
    import os

    from layout.archive import Job, run_job

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    result = run_job(Job(str(SAMPLE), STEM, None, 1621468800))
    assert result.ok and "SOURCE_DATE_EPOCH" not in os.environ
    alto = etree.fromstring(result.files[f"alto/{STEM}_0001.alto.xml"])
    assert alto.findtext(".//{*}processingDateTime") == "2021-05-20T00:00:00Z"
    assert result.row["pdfa"]["verdict"] == "pass"
