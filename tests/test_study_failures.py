"""`biomarker run` as a user sees it when a TMB sample or an FCS tube fails: the rest runs, failures are named
on stderr, in the report and in run.log, and the exit code is 3 (0 with --allow-failures)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from biomarker.simulate import simulate_study
from biomarker.simulate.fcs import Perturbation, write_fcs
from biomarker.simulate.tbnk import TbnkResult
from biomarker.store import Store
from tests.cli_runner import run_cli


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("failures") / "study"
    simulate_study(folder, n_patients=4, seed=11, exome_mb=1, fcs=True, genomic=True)
    vcf = sorted((folder / "vcf").glob("*.vcf.gz"))[0]
    vcf.write_bytes(b"not a VCF at all\n")
    tube, few = sorted((folder / "flow" / "fcs").glob("*.fcs"))[:2]
    tube.write_bytes(tube.read_bytes()[:300])  # cut inside the TEXT segment
    usubjid, visit, _ = few.name.split("_")  # a tube with ~10% of its beads: flagged, counts withheld, not failed
    write_fcs(
        few,
        np.random.default_rng(1),
        TbnkResult("TB1", usubjid, visit, 0, 70, 40, 25, 15, 12, 1310),
        "2024-01-02",
        Perturbation(bead_fraction=0.1),
    )
    (folder / "broken.txt").write_text(f"{vcf.name}\n{tube.name}\n{few.name}\n")
    return folder


def run(study: Path, name: str, *extra: str) -> subprocess.CompletedProcess:
    (study / f"{name}.yaml").write_text(
        "samplesheet: samplesheet.csv\nfcs: flow/fcs\npathology: pathology/pdl1_til.csv\n"
        "genomic: {fasta: reference/genome.fa.gz, signatures: reference/signatures_sbs96.tsv, bootstrap: 10}\n"
        f"out: {name}\n"
    )
    return run_cli("run", study / f"{name}.yaml", *extra, cwd=study)


def test_a_failed_sample_and_tube_fail_alone_are_named_and_exit_3(study) -> None:
    vcf_name, tube_name, few_name = (study / "broken.txt").read_text().split()
    sample = vcf_name.removesuffix(".vcf.gz")
    done = run(study, "r1")
    assert done.returncode == 3, done.stderr
    failed = [line for line in done.stderr.splitlines() if line.startswith("biomarker: failed: ")]
    assert [line.split()[2:4] for line in failed] == [["tmb", f"{sample}:"], ["tbnk", f"{tube_name}:"]]
    assert all(len(line.split(": ", 3)[-1]) > 5 for line in failed)  # each with its reason
    assert "2 input(s) failed" in done.stderr.splitlines()[-1] and "Traceback" not in done.stderr
    # the other steps finished: the others' TMB, TBNK, PD-L1, genomic features, the report
    with Store(study / "r1" / "study.duckdb", read_only=True) as store:
        tmb = store.table("tmb_results")
        tubes = store.table("tbnk_tube_status")
        genomic = store.table("genomic_features")
        runs = store.table("runs")
        assert "pdl1" in store.tables()
    assert (tmb["status"] == "ok").sum() == len(tmb) - 1
    assert tubes.set_index("file")["status"][[tube_name, few_name]].tolist() == ["failed", "flagged"]
    assert (tubes["status"] == "ok").sum() == len(tubes) - 2
    assert sample not in set(genomic["sample"]) and len(genomic) == len(tmb) - 1
    assert runs["status"].tolist() == ["ok"]
    html = (study / "r1" / "report.html").read_text()
    assert "Failed inputs" in html and sample in html and tube_name in html
    # the flagged tube: its gate plot embedded from the store, its values counted as left out of the models
    assert f"Gate plot of flagged tube {few_name}: " in html and "few_beads" in html
    assert re.search(r"\d+ flagged TBNK value\(s\) from 1 sample\(s\) \(1 subject\(s\)\) are left out", html)
    log = (study / "r1" / "run.log").read_text().splitlines()
    assert log[0].split("  ")[1] == "start" and log[-1].split("  ")[1] == "end"
    assert sum(line.split("  ")[1] == "failed" for line in log) == 2


def test_allow_failures_exits_0_and_still_lists_them(study) -> None:
    done = run(study, "r2", "--allow-failures", "--no-report")
    assert done.returncode == 0, done.stderr
    assert sum(line.startswith("biomarker: failed: ") for line in done.stderr.splitlines()) == 2
    assert not (study / "r2" / "report.html").exists() and "report: " not in done.stdout


def test_a_run_with_no_failure_exits_0_and_logs(study, tmp_path) -> None:
    clean = tmp_path / "clean"
    shutil.copytree(study, clean, ignore=shutil.ignore_patterns("r1", "r2", "*.yaml"))
    sheet = (clean / "samplesheet.csv").read_text().splitlines()
    vcf_name = (study / "broken.txt").read_text().split()[0]
    (clean / "samplesheet.csv").write_text("\n".join(line for line in sheet if vcf_name not in line) + "\n")
    for tube in (study / "broken.txt").read_text().split()[1:]:
        (clean / "flow" / "fcs" / tube).unlink()
    done = run(clean, "r3")
    assert done.returncode == 0, done.stderr
    assert "failed" not in done.stderr and (clean / "r3" / "run.log").is_file()
    html = (clean / "r3" / "report.html").read_text()
    assert "Failed inputs" not in html and "No gated tube is flagged" in html
