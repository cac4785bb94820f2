"""Simulated cohorts with known truth: the planted signal is found and ranked first; null cohorts stay at chance."""

from __future__ import annotations

import numpy as np

from biomarker.models import run_models
from tests.models.conftest import TRUTH_FEATURES


def test_planted_tmb_signal_is_found_and_ranked_first(planted_cohort):
    common = dict(
        outcome="response",
        features=TRUTH_FEATURES,
        id_col="USUBJID",
        time="pfs_months",
        event="pfs_event",
        groups={"tmb_per_mb": 10.0},
        n_repeats=2,
        n_bootstrap=200,
        figures=False,
        seed=3,
    )
    # the logistic model with its permutation test and refit-bootstrap interval; the random forest (whose
    # interval nothing here asserts: its refit bootstrap was 3/4 of this test's time) is fitted on its own
    res = run_models(planted_cohort, models=("logistic_l2",), n_permutations=19, n_refit_bootstrap=30, **common)
    forest = run_models(planted_cohort, models=("random_forest",), n_permutations=0, n_refit_bootstrap=0, **common)
    uni = res.tables["univariable"].set_index("feature")
    assert uni["rank"].idxmin() == "tmb_log2"
    assert uni.loc["tmb_log2", "auc_ci_lower"] > 0.6 and uni.loc["tmb_log2", "q"] < 0.01
    for model, fitted in (("logistic_l2", res), ("random_forest", forest)):
        imp = fitted.tables["importance"]
        assert imp[imp.model == model].sort_values("rank").feature.iloc[0] == "tmb_log2", model
    perf = res.summary.set_index("model")
    assert perf.loc["logistic_l2", "auc"] > 0.7 and perf.loc["logistic_l2", "auc_ci_lower"] > 0.6
    assert perf.loc["logistic_l2", "p"] == 1 / 20  # no permuted outcome did as well
    assert perf.loc["logistic_l2", "p_text"] == "p <= 1/20"
    assert 0.4 < perf.loc["logistic_l2", "null_auc_mean"] < 0.55
    # the permutation statistic is the AUC that is printed (mean over every CV repeat)
    null = res.tables["permutation_null"]
    assert len(null[null.model == "logistic_l2"]) == 19
    assert 0.5 < perf.loc["logistic_l2", "calibration_slope"] < 1.6
    assert perf.loc["logistic_l2", "brier"] < perf.loc["logistic_l2", "brier_reference"]
    coef = res.tables["coefficients"].query("model == 'logistic_l2' and term != '(intercept)'")
    assert coef.loc[coef.coefficient.abs().idxmax(), "term"] == "tmb_log2"
    assert res.tables["cox"].set_index("feature").loc["tmb_log2", "hazard_ratio"] < 1


def test_null_cohorts_stay_at_chance(null_cohorts):
    aucs, ps = [], []
    for i, table in enumerate(null_cohorts):
        res = run_models(
            table,
            outcome="response",
            features=TRUTH_FEATURES,
            id_col="USUBJID",
            models=("logistic_l2",),
            n_repeats=2,
            n_permutations=39,
            n_bootstrap=200,
            n_refit_bootstrap=30,
            figures=False,
            seed=i,
            rule=False,
        )
        perf = res.summary.set_index("model")
        aucs += list(perf["auc"])
        ps += list(perf["p"])
        assert (perf["auc_ci_lower"] < 0.5).all() and (perf["auc_ci_upper"] > 0.5).all()
    assert abs(np.mean(aucs) - 0.5) < 0.1, aucs
    assert max(abs(a - 0.5) for a in aucs) < 0.2, aucs
    assert min(ps) > 0.05 and np.median(ps) > 0.2, ps
