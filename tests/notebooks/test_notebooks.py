"""The analyst notebooks run top to bottom on a small simulated study (nbclient, a real kernel)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from biomarker.simulate import simulate_study
from biomarker.study import load_config, run_study, write_demo_config

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    simulate_study(root / "study", n_patients=8, seed=7, exome_mb=0.5)
    config = write_demo_config(root, jobs=1, fast=True)  # fast model settings: this is the slow fixture
    # no model figure files either (the notebooks draw theirs from the stored results: study.pl.model) and no
    # covariate-adjusted Firth effects (no notebook shows them; 4 s of the 8 patients' models)
    text = config.read_text()
    assert text.count("models: {outcome: response,") == 1
    fast = "models: {outcome: response, figures: false, adjust_for: [],"
    assert "report:" not in text
    # no report either: no notebook reads report.html (the report has its own tests); 14 figures saved
    config.write_text(text.replace("models: {outcome: response,", fast) + "report: false\n")
    run_study(load_config(config))
    return root


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, demo: Path, monkeypatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("BIOMARKER_DEMO", str(demo))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    assert os.environ["BIOMARKER_DEMO"] == str(demo)
    images = [
        o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    assert images or path.name.startswith("03"), "the notebook shows no figure"  # 03's need enough responders
    sources = "".join(c.source for c in nb.cells)
    assert "._" not in sources.replace("._repr", ""), "notebooks use the public API only"


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 2
