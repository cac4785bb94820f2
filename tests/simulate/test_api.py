"""Public API, the import rule of DESIGN.md, progress reporting and argument checks."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import biomarker.simulate as sim
from biomarker.simulate import StudyFiles, simulate_study


def test_simulate_imports_no_reader_or_domain_module() -> None:
    folder = Path(sim.__file__).parent
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.startswith("biomarker"):
                    assert name.startswith("biomarker.simulate"), (path.name, name)


def test_progress_and_paths(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    files = simulate_study(
        tmp_path / "p",
        n_patients=2,
        seed=1,
        exome_mb=0.5,
        fcs=True,
        progress=lambda stage, done, total: calls.append((stage, done, total)),
    )
    assert isinstance(files, StudyFiles)
    stages = {c[0] for c in calls}
    assert {"reference", "variants", "fcs"} <= stages
    assert all(0 <= done <= total for _, done, total in calls)
    for path in (
        files.bed,
        files.genes,
        files.samplesheet,
        files.study_json,
        files.pdl1,
        files.tbnk,
        files.truth_patients,
        files.truth_samples,
        files.response_model,
        *files.vcfs,
        *files.fcs,
        *files.clinical.values(),
        *files.truth_variants,
        *files.mafs,
        *files.tumour_only_vcfs,
    ):
        assert path.exists(), path
    assert len(files.vcfs) == 2 and len(files.usubjids) == 2


@pytest.mark.parametrize("kwargs", [{"n_patients": 0}, {"exome_mb": 0}, {"effects": {"nope": 1.0}}])
def test_bad_arguments(tmp_path: Path, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        simulate_study(tmp_path / "bad", **{"n_patients": 1, "exome_mb": 0.5, **kwargs})
