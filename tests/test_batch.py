"""Batch TMB into the store: parallel, resumable, idempotent, and a bad sample fails alone."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from biomarker.batch import run_batch
from biomarker.errors import InputError
from biomarker.simulate import simulate_study
from biomarker.store import Store
from biomarker.tmb.samplesheet import read_samplesheet
from tests.cli_runner import run_cli

STABLE = [
    "sample",
    "usubjid",
    "status",
    "preset",
    "input_sha256",
    "bed_sha256",
    "params_sha256",
    "counted_variants",
    "territory_bp",
    "tmb_per_mb",
    "tmb_ci95_low_per_mb",
    "tmb_ci95_high_per_mb",
    "tmb_high",
]


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    files = simulate_study(tmp_path_factory.mktemp("study"), n_patients=4, seed=5, exome_mb=0.5)
    return files


def stored(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    with Store(path, read_only=True) as store:
        results = store.table("tmb_results")[STABLE].sort_values("sample").reset_index(drop=True)
        audit = store.table("tmb_filter_audit").sort_values(["sample", "filter"]).reset_index(drop=True)
    return results, audit


def test_batch_matches_the_truth_and_a_rerun_adds_nothing(study, tmp_path) -> None:
    db = tmp_path / "study.duckdb"
    first = run_batch(study.samplesheet, db, tmp_path / "tmb", "wes", jobs=2)
    assert not first.failed and len(first.computed) == len(read_samplesheet(study.samplesheet))
    results, audit = stored(db)
    with open(study.truth_samples) as fh:
        truth = {r["sample"]: int(r["true_counted_variants"]) for r in csv.DictReader(fh)}
    assert dict(zip(results["sample"], results["counted_variants"], strict=True)) == truth
    second = run_batch(study.samplesheet, db, tmp_path / "tmb", "wes", jobs=2)
    assert second.computed == [] and sorted(second.skipped) == sorted(truth)
    again, again_audit = stored(db)
    pd.testing.assert_frame_equal(again, results)
    pd.testing.assert_frame_equal(again_audit, audit)


def test_changed_parameters_or_inputs_are_recomputed(study, tmp_path) -> None:
    sheet_dir = tmp_path / "copy"
    shutil.copytree(study.outdir, sheet_dir)
    db = tmp_path / "study.duckdb"
    run_batch(sheet_dir / "samplesheet.csv", db, tmp_path / "tmb", "wes")
    changed = run_batch(sheet_dir / "samplesheet.csv", db, tmp_path / "tmb", "wes", overrides={"min_vaf": 0.1})
    assert len(changed.computed) == len(read_samplesheet(sheet_dir / "samplesheet.csv"))
    row = read_samplesheet(sheet_dir / "samplesheet.csv")[0]
    with open(row.vcf, "ab"):
        os.utime(row.vcf)  # same bytes: not a change
    data = row.vcf.read_bytes()
    row.vcf.write_bytes(data)
    assert (
        run_batch(sheet_dir / "samplesheet.csv", db, tmp_path / "tmb", "wes", overrides={"min_vaf": 0.1}).computed == []
    )
    shutil.copy(study.outdir / read_samplesheet(study.samplesheet)[1].vcf.relative_to(study.outdir), row.vcf)
    redo = run_batch(sheet_dir / "samplesheet.csv", db, tmp_path / "tmb", "wes", overrides={"min_vaf": 0.1})
    assert redo.computed == [row.sample]


def test_a_corrupt_vcf_fails_alone(study, tmp_path) -> None:
    rows = read_samplesheet(study.samplesheet)
    bad = tmp_path / "bad.vcf.gz"
    bad.write_bytes(rows[0].vcf.read_bytes()[:5000])
    sheet = tmp_path / "sheet.csv"
    with open(sheet, "w") as fh:
        fh.write("patient,sample,vcf,bed\n")
        for r in rows[:2]:
            fh.write(f"{r.patient},{r.sample},{r.vcf},{study.bed}\n")
        fh.write(f"PX,BAD,{bad},{study.bed}\nPY,GONE,{tmp_path / 'gone.vcf.gz'},{study.bed}\n")
    summary = run_batch(sheet, tmp_path / "s.duckdb", tmp_path / "tmb", "wes", jobs=2)
    assert sorted(summary.computed) == sorted(r.sample for r in rows[:2])
    assert set(summary.failed) == {"BAD", "GONE"}
    assert "truncated" in summary.failed["BAD"] and "no such file" in summary.failed["GONE"]
    results, _ = stored(tmp_path / "s.duckdb")
    assert dict(zip(results["sample"], results["status"], strict=True))["BAD"] == "failed"


def test_interrupted_then_resumed_equals_uninterrupted(study, tmp_path) -> None:
    whole = tmp_path / "whole.duckdb"
    run_batch(study.samplesheet, whole, tmp_path / "a", "wes")
    broken = tmp_path / "broken.duckdb"

    def interrupt_after_two(done: int, total: int, name: str) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(study.samplesheet, broken, tmp_path / "b", "wes", progress=interrupt_after_two)
    partial, _ = stored(broken)
    assert len(partial) == 2 and set(partial.status) == {"ok"}
    resumed = run_batch(study.samplesheet, broken, tmp_path / "b", "wes")
    assert len(resumed.skipped) == 2
    for got, want in zip(stored(broken), stored(whole), strict=True):
        pd.testing.assert_frame_equal(got, want)


def test_dask_localcluster_gives_the_process_pool_results(study, tmp_path) -> None:
    pytest.importorskip("distributed")
    run_batch(study.samplesheet, tmp_path / "pool.duckdb", tmp_path / "p", "wes", jobs=2)
    run_batch(study.samplesheet, tmp_path / "dask.duckdb", tmp_path / "d", "wes", jobs=2, scheduler="local")
    for got, want in zip(stored(tmp_path / "dask.duckdb"), stored(tmp_path / "pool.duckdb"), strict=True):
        pd.testing.assert_frame_equal(got, want)


def test_sigint_from_the_shell_loses_nothing_finished(study, tmp_path) -> None:
    sheet = tmp_path / "many.csv"
    rows = read_samplesheet(study.samplesheet)
    with open(sheet, "w") as fh:
        fh.write("patient,sample,vcf,bed\n")
        for k in range(12):
            r = rows[k % len(rows)]
            fh.write(f"{r.patient},{r.sample}-{k},{r.vcf},{study.bed}\n")
    out, db = tmp_path / "tmb", tmp_path / "s.duckdb"
    cmd = [sys.executable, "-m", "biomarker.cli", "batch", str(sheet), "--store", str(db), "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(out.glob("*.tmb.json")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the batch finished before the interrupt landed")
    assert proc.returncode == 130 and "Traceback" not in err
    partial, _ = stored(db)
    assert set(partial.status) <= {"ok"}
    finished = set(partial["sample"])
    resumed = run_cli(*cmd[3:])  # the resumed run needs no signal: in this process
    assert resumed.returncode == 0, resumed.stderr
    final, _ = stored(db)
    assert len(final) == 12 and set(final.status) == {"ok"}
    assert f"{len(finished)} unchanged and skipped" in resumed.stdout


def test_duplicate_subjects_are_refused(tmp_path) -> None:
    sheet = tmp_path / "samples.csv"
    sheet.write_text("sample,vcf\nS1,a.vcf\nS2,b.vcf\nS1,c.vcf\n")
    with pytest.raises(InputError, match=r"sample 'S1' is listed twice \(also line 2\)") as info:
        read_samplesheet(sheet)
    assert "line 4" in str(info.value)
    sheet.write_text("name,vcf\nS1,a.vcf\n")
    with pytest.raises(InputError, match="missing column"):
        read_samplesheet(sheet)
