"""Simulated cohorts for the model tests, built once per session from the simulator's truth (fast) or its files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biomarker.simulate import simulate_study

TRUTH_FEATURES = [
    "tmb_log2",
    "pdl1_tps_pct",
    "til_stromal_pct",
    "nk_pct_lymph_c1d1",
    "age_years",
    "ecog",
    "smoking",
    "sex",
]


def truth_table(study: Path) -> pd.DataFrame:
    """One row per patient from ``truth/patients.csv`` and DM (no readers involved: fast and reader-independent)."""
    truth = pd.read_csv(study / "truth" / "patients.csv")
    dm = pd.read_csv(study / "clinical" / "dm.csv")
    table = pd.DataFrame(
        {
            "USUBJID": truth["USUBJID"],
            "tmb_per_mb": truth["true_tmb_per_mb"],
            "tmb_log2": np.log2(truth["true_tmb_per_mb"] + 1.0),
            "pdl1_tps_pct": truth["pdl1_tps_true_pct"],
            "til_stromal_pct": truth["til_pct"],
            "nk_pct_lymph_c1d1": truth["nk_pct_baseline"],
            "cd8_pct_lymph_change_c2d1": truth["cd8_change"],
            "response": truth["bor"].isin(["CR", "PR"]).astype(int),
            "pfs_months": truth["pfs_months"],
            "pfs_event": truth["pfs_event"],
        }
    )
    covariates = dm[["USUBJID", "AGE", "ECOG", "SMOKING", "SEX"]].rename(
        columns={"AGE": "age_years", "ECOG": "ecog", "SMOKING": "smoking", "SEX": "sex"}
    )
    return table.merge(covariates, on="USUBJID", how="left")


@pytest.fixture(scope="session")
def planted_cohort(tmp_path_factory) -> pd.DataFrame:
    """150 patients with a strong planted TMB effect (log-odds 1.6 per SD) besides the default PD-L1/TBNK ones."""
    folder = tmp_path_factory.mktemp("planted") / "study"
    simulate_study(folder, n_patients=150, seed=11, exome_mb=2.0, effects={"log_tmb": 1.6})
    return truth_table(folder)


@pytest.fixture(scope="session")
def null_cohorts(tmp_path_factory) -> list[pd.DataFrame]:
    """Three 50-patient cohorts whose biomarkers carry no signal."""
    out = []
    for seed in (1, 2, 3):
        folder = tmp_path_factory.mktemp(f"null{seed}") / "study"
        simulate_study(folder, n_patients=50, seed=seed, exome_mb=2.0, null=True)
        out.append(truth_table(folder))
    return out


def pytest_collection_modifyitems(config, items):
    """The slow tier (simulations of coverage and size) runs only with ``BIOMARKER_SLOW=1``."""
    import os

    if os.environ.get("BIOMARKER_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow tier: set BIOMARKER_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
