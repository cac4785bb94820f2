"""One small simulated study run shared by the report tests (module-scoped runs would repeat it)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from biomarker.report.html import CHROMIUM_FLAGS, find_chromium
from biomarker.simulate import simulate_study
from biomarker.study import load_config, run_study

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")


@pytest.fixture(scope="session")
def study_run(tmp_path_factory):
    """``(root, report_path)`` of a 30-patient simulated study run end to end with fast model settings."""
    root = tmp_path_factory.mktemp("run")
    simulate_study(root / "study", n_patients=30, seed=8, exome_mb=0.3)
    (root / "study.yaml").write_text(
        "study: TEST\nsamplesheet: study/samplesheet.csv\nclinical: study\npathology: study/pathology/pdl1_til.csv\n"
        "tbnk: study/flow/tbnk.csv\nout: results\njobs: 1\n"
        "models: {outcome: response, n_repeats: 2, n_permutations: 5, n_bootstrap: 50, n_refit_bootstrap: 10, figures: false}\n"
    )
    report = run_study(load_config(root / "study.yaml"))
    return root, report


def open_in_chromium(page: Path, extra_script: str = "") -> tuple[str, str]:
    """``(dom, stderr)`` of the page after load in headless Chromium (1280 px wide); ``extra_script`` is
    appended to a copy of the page first (test instrumentation, never part of the report)."""
    assert CHROMIUM is not None
    if extra_script:
        copy = page.with_name(page.stem + ".instrumented.html")
        copy.write_text(
            page.read_text(encoding="utf-8").replace("</body>", f"<script>{extra_script}</script></body>"),
            encoding="utf-8",
        )
        page = copy
    profile = tempfile.mkdtemp()
    try:
        proc = subprocess.run(
            [
                CHROMIUM,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--window-size=1280,900",
                "--virtual-time-budget=5000",
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, proc.stderr
