"""``biomarker flow gate`` / ``flow ingest`` as a user runs them: its files, its exit code (through
:func:`run_cli`, in this process)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("flowkit")

from biomarker.simulate.fcs import Perturbation, write_fcs
from biomarker.simulate.tbnk import TbnkResult
from tests.cli_runner import run_cli


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env={"COLUMNS": "120"})


@pytest.fixture(scope="module")
def tubes(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("cli_tubes")
    kinds = [
        ("good", Perturbation()),
        ("fewbeads", Perturbation(bead_fraction=0.1)),
        ("otherpanel", Perturbation(markers={"FITC-A": "CD11a FITC"})),
    ]
    return [
        write_fcs(
            out / f"{k}.fcs",
            np.random.default_rng(i),
            TbnkResult("TB1", f"S-{i}", "C1D1", 0, 70, 40, 25, 15, 12, 1310),
            "2024-01-02",
            p,
        )[0]
        for i, (k, p) in enumerate(kinds)
    ]


def test_gate_writes_a_folder_and_one_bad_tube_fails_alone(tubes: list[Path], tmp_path: Path) -> None:
    proc = run("flow", "gate", *tubes, "--skip-bad", "--out", tmp_path / "out")
    assert proc.returncode == 3, proc.stderr  # a tube failed: not 0, and not 2 (= the input as a whole is bad)
    assert "failed: otherpanel.fcs: " in proc.stderr and "not the TBNK panel" in proc.stderr
    out = tmp_path / "out"
    status = pd.read_csv(out / "tbnk_tube_status.tsv", sep="\t", keep_default_na=False)
    assert status.set_index("file").status.to_dict() == {
        "good.fcs": "ok",
        "fewbeads.fcs": "flagged",
        "otherpanel.fcs": "failed",
    }
    table = pd.read_csv(out / "tbnk.tsv", sep="\t", keep_default_na=False)
    assert table.source.tolist() == ["good.fcs", "fewbeads.fcs"]
    qc = pd.read_csv(out / "tbnk_qc.tsv", sep="\t")
    assert set(qc.flag) == {"few_beads", "absolute_counts_withheld"}
    assert (out / "gate_plots" / "fewbeads.png").is_file() and not (out / "gate_plots" / "good.png").exists()
    assert {"tbnk_gates.tsv", "tbnk_provenance.json", "tbnk_features.tsv"} <= {p.name for p in out.iterdir()}


def test_another_panel_is_one_line_and_exit_2(tubes: list[Path], tmp_path: Path) -> None:
    proc = run("flow", "gate", tubes[2], "--out", tmp_path / "x")
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.startswith("biomarker: error:")]
    assert len(lines) == 1 and "FITC-A is 'CD11a FITC' (template: CD3)" in lines[0] and "Traceback" not in proc.stderr


def test_a_tsv_out_still_works_for_one_release(tubes: list[Path], tmp_path: Path) -> None:
    proc = run("flow", "gate", tubes[0], "--out", tmp_path / "old" / "tbnk_gated.tsv")
    assert proc.returncode == 0, proc.stderr
    assert "--out is now a folder" in proc.stderr
    assert (tmp_path / "old" / "tbnk_gated.tsv").is_file() and (tmp_path / "old" / "tbnk_tube_status.tsv").is_file()
