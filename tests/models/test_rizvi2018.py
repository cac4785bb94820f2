"""Rizvi et al., JCO 2018 (MSK-IMPACT, anti-PD-(L)1 NSCLC): survival analyses use every patient with survival
data, not only those with an evaluable binary outcome (durable clinical benefit).

PD-L1 >= 50 %: median PFS 10.0 months on 21 patients; restricted to the DCB-evaluable ones it would be 5.8 on 16.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from biomarker.models import run_models

pytestmark = pytest.mark.shared_fixtures


@pytest.fixture
def rizvi2018(shared_fixtures) -> pd.DataFrame:
    raw = pd.read_csv(shared_fixtures / "real" / "rizvi2018_nsclc_pd1_msk_2018_clinical.tsv", sep="\t")
    tps = pd.to_numeric(raw["PD-L1 Score (%)"], errors="coerce")
    return pd.DataFrame(
        {
            "usubjid": raw["Patient ID"],
            "tmb_per_mb": raw["TMB (nonsynonymous)"],
            "pdl1_tps_pct": tps,
            "pdl1_high": np.where(tps.isna(), None, np.where(tps >= 50, ">= 50", "< 50")),
            "dcb": raw["Durable Clinical Benefit"].map({"YES": 1, "NO": 0}),
            "pfs_months": raw["Progress Free Survival (Months)"],
            "pfs_event": raw["Progression Free Status"].str.startswith("1").astype(int),
        }
    )


def test_survival_uses_every_patient_with_survival_data(rizvi2018):
    res = run_models(
        rizvi2018,
        outcome="dcb",
        features=["tmb_per_mb"],
        time="pfs_months",
        event="pfs_event",
        groups={"pdl1_high": None},
        n_repeats=1,
        n_permutations=0,
        n_refit_bootstrap=0,
        n_bootstrap=50,
        models=("logistic_l2",),
        figures=False,
        rule=False,
        n_jobs=1,
    )
    km = res.tables["survival_groups"].set_index("group")
    assert km.loc[">= 50", "n"] == 21
    assert km.loc[">= 50", "median_months"] == pytest.approx(10.0)
    assert res.summary["n"].iloc[0] == 227  # the binary-outcome analysis: 13 not evaluable for DCB
    cox = res.tables["cox"].set_index("feature").loc["tmb_per_mb"]
    assert cox["n"] == 240 and cox["n_events"] == int(rizvi2018["pfs_event"].sum())
    # OR per doubling of TMB is in the effects table, with its CI
    eff = (
        res.tables["effects"].set_index("unit").loc["per doubling of (x + 1)"]
        if (rizvi2018["tmb_per_mb"] == 0).any()
        else res.tables["effects"].set_index("unit").loc["per doubling"]
    )
    assert eff["ci_lower"] < eff["odds_ratio"] < eff["ci_upper"] and eff["odds_ratio"] > 1
