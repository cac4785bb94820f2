"""Rizvi et al., Science 2015 (pembrolizumab, NSCLC, WES): the published figures, reproduced by run_models.

Nonsynonymous burden > 200 gives ORR 10/17 vs 2/17 and median PFS not reached vs 3.4 months; the burden's
AUC for durable clinical benefit is about 0.84 (31 evaluable patients).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact

from biomarker.models import run_models

pytestmark = pytest.mark.shared_fixtures

FAST = {
    "n_repeats": 2,
    "n_permutations": 0,
    "n_bootstrap": 100,
    "n_refit_bootstrap": 0,
    "models": ("logistic_l2",),
    "figures": False,
    "n_jobs": 1,
}


@pytest.fixture
def rizvi(shared_fixtures) -> pd.DataFrame:
    raw = pd.read_csv(shared_fixtures / "real" / "rizvi2015_luad_mskcc_2015_clinical.tsv", sep="\t")
    raw = raw[raw["Treatment best response"].notna()]  # one empty second-sample row
    burden = raw["Nonsynonymous Mutation Burden"]
    return pd.DataFrame(
        {
            "patient_id": raw["Patient ID"],
            "nonsyn_burden": burden,
            "burden_group": np.where(burden > 200, "> 200", "<= 200"),
            "best_response": raw["Treatment best response"],
            "durable_benefit": raw["Durable Clinical Benefit"].replace({"Not reached 6 months follow-up": np.nan}),
            "pfs_months": raw["Progress Free Survival (Months)"],
            "pfs_event": (raw["Event Type"] != "Censored").astype(int),
        }
    )


def test_orr_and_pfs_by_burden_above_200(rizvi, tmp_path):
    res = run_models(
        rizvi,
        outcome="best_response",
        features=["nonsyn_burden"],
        id_col="patient_id",
        positive=["CR", "PR"],
        univariable_features=["nonsyn_burden", "burden_group"],
        time="pfs_months",
        event="pfs_event",
        groups={"burden_group": None},
        out_dir=tmp_path,
        **FAST,
    )
    rates = res.tables["categorical_rates"].set_index("level")
    assert (rates.loc["> 200", "n_events"], rates.loc["> 200", "n"]) == (10, 17)
    assert (rates.loc["<= 200", "n_events"], rates.loc["<= 200", "n"]) == (2, 17)
    fisher = res.tables["univariable"].set_index("feature").loc["burden_group", "fisher_p"]
    assert fisher == pytest.approx(fisher_exact([[10, 7], [2, 15]]).pvalue)
    km = res.tables["survival_groups"].set_index("group")
    assert np.isnan(km.loc["> 200", "median_months"])  # not reached
    assert km.loc["<= 200", "median_months"] == pytest.approx(3.4)
    assert km.loc["> 200", "logrank_p"] < 0.05


def test_burden_auc_for_durable_benefit(rizvi):
    res = run_models(
        rizvi,
        outcome="durable_benefit",
        features=["nonsyn_burden"],
        id_col="patient_id",
        positive="Durable clinical benefit beyond 6 months",
        **FAST,
    )
    uni = res.tables["univariable"].set_index("feature").loc["nonsyn_burden"]
    assert uni["n"] == 31 and uni["n_events"] == 14
    assert uni["auc"] == pytest.approx(0.84, abs=0.005)
    assert 0.6 < uni["auc_ci_lower"] < 0.75 and uni["auc_ci_upper"] > 0.95
    assert res.tables["analysis_table"].shape[0] == 31  # the 3 without 6 months of follow-up are not evaluable
    # Rizvi 2015: odds ratio per doubling of the nonsynonymous burden 3.01 (1.21-7.47)
    eff = res.tables["effects"].set_index("unit").loc["per doubling"]
    assert eff["odds_ratio"] == pytest.approx(3.01, abs=0.005)
    assert (eff["ci_lower"], eff["ci_upper"]) == pytest.approx((1.21, 7.47), abs=0.005)
