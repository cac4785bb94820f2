"""Shared small simulated studies (session-scoped: each is written once per test run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from biomarker.simulate import StudyFiles, simulate_study

SMALL = {"n_patients": 7, "seed": 11, "exome_mb": 2.0}


@pytest.fixture(scope="session")
def small_study(tmp_path_factory: pytest.TempPathFactory) -> StudyFiles:
    """7 patients on a 2 Mb exome, with FCS files."""
    return simulate_study(tmp_path_factory.mktemp("small") / "study", fcs=True, **SMALL)


@pytest.fixture(scope="session")
def small_kwargs() -> dict:
    """The arguments of :func:`small_study` (without ``fcs``)."""
    return dict(SMALL)


@pytest.fixture(scope="session")
def small_outdir(small_study: StudyFiles) -> Path:
    return small_study.outdir


@pytest.fixture(scope="session")
def default_study(tmp_path_factory: pytest.TempPathFactory) -> StudyFiles:
    """The default 50-patient study on the full 35 Mb exome, without FCS (~6-10 s)."""
    return simulate_study(tmp_path_factory.mktemp("default") / "study", n_patients=50, seed=7)
