"""`biomarker run` and `biomarker pdl1` as a user runs them (exit codes, output, what lands on disk), through
:func:`run_cli` in this process."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest

from biomarker.simulate import simulate_study
from tests.cli_runner import run_cli


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cli") / "study"
    simulate_study(folder, n_patients=6, seed=4, exome_mb=0.2)
    return folder


def cli(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return run_cli(*args, cwd=cwd)


def test_run_takes_out_and_jobs_and_prints_what_each_step_did(study, tmp_path) -> None:
    config = tmp_path / "study.yaml"
    config.write_text(
        f"study: CLI\npathology: {study / 'pathology' / 'pdl1_til.csv'}\n"
        f"tbnk: {study / 'flow' / 'tbnk.csv'}\nout: elsewhere\n"
    )
    done = cli("run", config, "--out", tmp_path / "results", "--jobs", 1)
    assert done.returncode == 0, done.stderr
    assert "pathology" in done.stdout and "computed" in done.stdout and "report:" in done.stdout
    assert (tmp_path / "results" / "study.duckdb").is_file() and (tmp_path / "results" / "report.html").is_file()
    assert not (tmp_path / "elsewhere").exists()  # --out replaced the config's out
    again = cli("run", config, "--out", tmp_path / "results", "--no-report")  # the report is asserted above
    assert again.returncode == 0 and "unchanged" in again.stdout


def test_a_misspelt_models_key_is_one_line_and_nothing_runs(tmp_path) -> None:
    config = tmp_path / "study.yaml"
    config.write_text("models: {outcome: response, n_permutation: 10}\nout: results\n")
    done = cli("run", config)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "n_permutation" in line and "allowed keys:" in line and "n_permutations" in line
    assert not (tmp_path / "results").exists()


def test_simulate_writes_the_study_yaml_run_uses(tmp_path) -> None:
    done = cli("simulate", tmp_path / "demo", "--patients", 3, "--exome-mb", 0.2)
    assert done.returncode == 0, done.stderr
    config = tmp_path / "demo" / "study.yaml"
    assert f"biomarker run {config}" in done.stdout.replace("\n", "")
    from biomarker.study import load_config

    loaded = load_config(config)
    assert loaded.samplesheet == (tmp_path / "demo" / "samplesheet.csv").resolve()
    assert loaded.out == (tmp_path / "demo" / "results").resolve() and loaded.models["outcome"] == "response"


def test_pdl1_out_is_a_folder(study, tmp_path) -> None:
    done = cli("pdl1", study / "pathology" / "pdl1_til.csv", "--out", tmp_path / "pd")
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "pd" / "pdl1.tsv", sep="\t")
    assert len(table) == 6 and "pdl1_tps_pct" in table
    assert '"sha256"' in (tmp_path / "pd" / "pdl1.provenance.json").read_text()
