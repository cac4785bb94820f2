"""``biomarker model`` as a user runs it: its output, its exit code (through :func:`run_cli`, in this process)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

from tests.cli_runner import run_cli


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env={"COLUMNS": "160"})


def test_five_patients_is_one_line_error_not_a_traceback(tmp_path):
    table = pd.DataFrame({"usubjid": list("abcde"), "tmb": [1.0, 5, 9, 12, 20], "response": [0, 0, 1, 0, 1]})
    table.to_csv(tmp_path / "p.csv", index=False)
    res = run("model", tmp_path / "p.csv", "--out", tmp_path / "out", "--features", "tmb")
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "2 events among 5 patients" in lines[0] and "Traceback" not in res.stderr


def test_on_treatment_feature_refused_then_landmark_runs(tmp_path):
    rng = np.random.default_rng(0)
    n = 40
    y = (np.arange(n) % 3 == 0).astype(int)
    early = (y == 0) & (np.arange(n) % 4 == 1)
    table = pd.DataFrame(
        {
            "usubjid": [f"P{i}" for i in range(n)],
            "response": y,
            "tmb_log2": rng.normal(3, 1, n),
            "cd8_pct_lymph_change_c2d1": np.where(early, np.nan, rng.normal(size=n)),
            "pfs_months": np.where(early, 0.4, 5.0),
            "pfs_event": 1,
        }
    )
    table.to_csv(tmp_path / "p.csv", index=False)
    args = [
        "model",
        tmp_path / "p.csv",
        "--out",
        tmp_path / "out",
        "--features",
        "tmb_log2,cd8_pct_lymph_change_c2d1",
        "--repeats",
        "1",
        "--permutations",
        "9",
        "--refit-bootstrap",
        "0",
        "--models",
        "logistic_l2",
        "-j",
        "1",
    ]
    refused = run(*args)
    assert refused.returncode == 2 and "guarantee-time bias" in refused.stderr
    ok = run(*args, "--landmark", "C2D1")
    assert ok.returncode == 0, ok.stderr
    assert "null AUC" in ok.stdout and ("p <= 1/10" in ok.stdout or "p = " in ok.stdout)
    assert "landmark analysis at C2D1" in ok.stderr
    assert (tmp_path / "out" / "landmark_exclusions.tsv").is_file()
