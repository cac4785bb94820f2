"""``run_cli`` (the CLI tests' in-process runner) gives what a real ``python -m biomarker.cli`` process gives, and
leaves the test process as it found it."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from tests.cli_runner import run_cli

PATHOLOGY = "USUBJID,ASSAY,PDL1_TPS\nS1,E1L3N,55%\nS2,22C3,10%\n"  # E1L3N: not a PD-L1 assay we know, a warning


def scratch(folder: Path) -> Path:
    folder.mkdir()
    (folder / "p.csv").write_text(PATHOLOGY)
    return folder


def test_the_runner_gives_what_a_process_gives(tmp_path) -> None:
    args = ["-v", "pdl1", "p.csv", "--out", "out"]
    env = {"COLUMNS": "100"}
    process = subprocess.run(
        [sys.executable, "-m", "biomarker.cli", *args],
        cwd=scratch(tmp_path / "process"),
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    here = run_cli(*args, cwd=scratch(tmp_path / "here"), env=env)
    assert process.returncode == 0, process.stderr
    assert (here.returncode, here.stdout, here.stderr) == (process.returncode, process.stdout, process.stderr)
    assert "INFO biomarker.ihc.pathology: p.csv: 2 PD-L1 result(s)" in here.stderr  # -v: INFO lines too
    assert "WARNING biomarker.ihc.pathology: assay 'E1L3N'" in here.stderr
    assert (tmp_path / "here" / "out" / "pdl1.tsv").read_text() == (
        tmp_path / "process" / "out" / "pdl1.tsv"
    ).read_text()


def test_the_log_level_is_the_commands_and_nothing_is_left_behind(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "90")
    root = logging.getLogger()
    before = (list(root.handlers), root.level, os.getcwd(), list(sys.argv), dict(os.environ), sys.stdout, sys.stderr)
    quiet = run_cli("pdl1", "p.csv", "--out", "out", cwd=scratch(tmp_path / "q"), env={"COLUMNS": "120", "X_Y": "1"})
    assert quiet.returncode == 0, quiet.stderr
    (line,) = quiet.stderr.splitlines()  # without -v only the warning, in the CLI's format
    assert line.startswith("WARNING biomarker.ihc.pathology: assay 'E1L3N' is not one of 22C3")
    assert "1 rows: out/pdl1.tsv" in quiet.stdout or "2 rows: out/pdl1.tsv" in quiet.stdout
    after = (list(root.handlers), root.level, os.getcwd(), list(sys.argv), dict(os.environ), sys.stdout, sys.stderr)
    assert after == before
    bad = run_cli("pdl1", "missing.csv", cwd=tmp_path)
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr.startswith("biomarker: error: missing.csv") and len(bad.stderr.splitlines()) == 1
