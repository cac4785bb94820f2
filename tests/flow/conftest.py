"""A small simulated study with raw FCS tubes, shared by the flow tests (written once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from biomarker.simulate import simulate_study

SEED = 7
N_PATIENTS = 6


@pytest.fixture(scope="session")
def fcs_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``simulate_study(n_patients=6, seed=7, fcs=True)``: 12 TBNK tubes of 20,000 events."""
    out = tmp_path_factory.mktemp("fcs_study")
    simulate_study(out, n_patients=N_PATIENTS, seed=SEED, fcs=True, exome_mb=0.2)
    return out


@pytest.fixture(scope="session")
def fcs_files(fcs_study: Path) -> list[Path]:
    return sorted((fcs_study / "flow" / "fcs").glob("*.fcs"))
