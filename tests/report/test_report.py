"""The HTML report opened in real headless Chromium: every figure loads, no console error."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile

import pytest

from biomarker.simulate import simulate_study
from biomarker.store import Store
from biomarker.study import load_config, run_study

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0"]


@pytest.fixture(scope="module")
def study_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("run")
    simulate_study(root / "study", n_patients=30, seed=8, exome_mb=0.3)
    (root / "study.yaml").write_text(
        "study: TEST\nsamplesheet: study/samplesheet.csv\nclinical: study\npathology: study/pathology/pdl1_til.csv\n"
        "tbnk: study/flow/tbnk.csv\nout: results\njobs: 1\n"
        "models: {outcome: response, n_repeats: 2, n_permutations: 5, n_bootstrap: 50, figures: false}\n")
    report = run_study(load_config(root / "study.yaml"))
    return root, report


def test_run_fills_the_store(study_run) -> None:
    root, report = study_run
    with Store(root / "results" / "study.duckdb", read_only=True) as store:
        names = store.tables()
        assert {"tmb_results", "tmb_filter_audit", "samples", "endpoint_bor", "endpoint_summary", "pdl1", "tbnk",
                "tbnk_features_wide", "model_model_performance", "model_univariable"} <= set(names)
        assert len(store.table("endpoint_bor")) == 30
        assert len(store.table("pdl1")) == 30
    html = report.read_text()
    assert html.count("data:image/png;base64,") >= 8
    for anchor in ("efficacy", "safety", "tmb", "biomarkers"):
        assert f'id="{anchor}"' in html


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_report_in_headless_chromium(study_run) -> None:
    _, report = study_run
    profile = tempfile.mkdtemp()
    proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", report.as_uri()],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    loaded = re.search(r'data-images-loaded="(\d+)/(\d+)"', proc.stdout)
    assert loaded is not None, "the page's load handler did not run"
    ok, total = map(int, loaded.groups())
    assert total >= 5 and ok == total
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []
