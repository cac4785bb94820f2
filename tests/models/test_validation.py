"""The validation machinery: folds never see their held-out patients, and a leakage canary.

The canary: on pure noise, selecting features on all patients before cross-validation (a common mistake)
shows a high "cross-validated" AUC through the very same ``repeated_cv``; the same selection done inside
the pipeline, as every model of this package does its learning, shows none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from biomarker.errors import ConfigError
from biomarker.models.estimators import ClinicalRule, CutoffClassifier, make_estimator
from biomarker.models.validation import (
    bootstrap_metrics,
    calibration_slope_intercept,
    permutation_test,
    repeated_cv,
    split_seeds,
)

SEEN: list[tuple[frozenset, frozenset]] = []


class Spy(ClassifierMixin, BaseEstimator):
    """Records which patients each fitted copy was trained on and asked to predict."""

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        self.train_ = frozenset(X["rowid"])
        return self

    def predict_proba(self, X):
        SEEN.append((self.train_, frozenset(X["rowid"])))
        return np.column_stack([np.full(len(X), 0.5), np.full(len(X), 0.5)])


def test_every_patient_is_predicted_once_per_repeat_by_a_model_that_never_saw_it():
    SEEN.clear()
    X = pd.DataFrame({"rowid": range(30)})
    y = np.r_[np.ones(9), np.zeros(21)].astype(int)
    res = repeated_cv(Spy(), X, y, n_splits=5, n_repeats=3)
    assert len(SEEN) == 15
    for train, test in SEEN:
        assert not train & test
        assert len(train | test) == 30
    for r in range(3):
        predicted = [test for _, test in SEEN[5 * r : 5 * r + 5]]
        assert sorted(i for t in predicted for i in t) == list(range(30))
    assert not np.isnan(res.oof).any()


def _noise(seed: int, n: int = 50, p: int = 500) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, p)), columns=[f"g{i}" for i in range(p)])
    y = np.r_[np.ones(15), np.zeros(n - 15)].astype(int)
    return X, rng.permutation(y)


def test_leakage_canary_selection_outside_the_folds_is_optimistic_inside_is_not():
    leaky, honest = [], []
    for seed in (0, 1):
        X, y = _noise(seed)
        chosen = SelectKBest(f_classif, k=10).fit(X, y).get_support()  # sees every patient's outcome
        lr = LogisticRegression(C=1.0, max_iter=1000)
        leaky.append(repeated_cv(lr, X.loc[:, chosen], y, n_repeats=3, seed=seed).auc.mean())
        inside = Pipeline(
            [("select", SelectKBest(f_classif, k=10)), ("model", LogisticRegression(C=1.0, max_iter=1000))]
        )
        honest.append(repeated_cv(inside, X, y, n_repeats=3, seed=seed).auc.mean())
    assert min(leaky) > 0.8, leaky
    # no optimism inside the folds (pooled out-of-fold AUCs of noise models scatter around, and often below, 0.5)
    assert max(honest) < 0.65, honest


def test_permutation_test_on_noise_is_not_significant_and_on_signal_is():
    X, y = _noise(5, p=3)
    est = {"l2": make_estimator("logistic_l2", list(X.columns))}
    obs = {"l2": float(repeated_cv(est["l2"], X, y, n_repeats=1, seed=5).auc.mean())}
    p, null = permutation_test(est, X, y, obs, n_permutations=39, seed=5)
    assert p["permutation_p"].iloc[0] > 0.1
    assert len(null) == p["n_permutations"].iloc[0] <= 39
    X2 = X.assign(signal=y * 1.5 + np.random.default_rng(0).normal(size=len(y)))
    est2 = {"l2": make_estimator("logistic_l2", list(X2.columns))}
    obs2 = {"l2": float(repeated_cv(est2["l2"], X2, y, n_repeats=1, seed=5).auc.mean())}
    p2, _ = permutation_test(est2, X2, y, obs2, n_permutations=19, seed=5)
    assert p2["permutation_p"].iloc[0] == pytest.approx(1 / 20)
    assert not p2["stopped_early"].iloc[0]


def test_split_seeds_are_shared_between_runs_and_folds_shrink_for_rare_outcomes():
    assert split_seeds(3, 2) == split_seeds(3, 10)[:2]
    X = pd.DataFrame({"m": np.arange(20.0)})
    y = np.r_[np.ones(3), np.zeros(17)].astype(int)
    assert repeated_cv(make_estimator("logistic_l2", ["m"]), X, y, n_repeats=1).n_splits == 3
    with pytest.raises(ConfigError):
        repeated_cv(make_estimator("logistic_l2", ["m"]), X, np.r_[1, np.zeros(19)].astype(int))


def test_clinical_rule_is_fixed_and_cutoffs_are_learned_per_training_fold():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"tmb_per_mb": rng.lognormal(2, 0.8, 60), "pdl1_tps_pct": rng.uniform(0, 100, 60)})
    y = ((X.tmb_per_mb > 8) ^ (rng.random(60) < 0.2)).astype(int).to_numpy()
    rule = ClinicalRule({"tmb_per_mb": 10, "pdl1_tps_pct": 50})
    flag = ((X.tmb_per_mb >= 10) | (X.pdl1_tps_pct >= 50)).astype(int).to_numpy()
    assert (rule.fit(X.iloc[:30], y[:30]).predict(X) == flag).all()
    res = repeated_cv(CutoffClassifier("tmb_per_mb"), X, y, n_repeats=2)
    assert len(res.fold_cutoffs) == 10 and res.fold_cutoffs["cutoff"].nunique() > 1
    fixed = CutoffClassifier("tmb_per_mb", cutoff=10.0).fit(X, y)
    assert fixed.cutoff_ == 10.0 and (fixed.predict(X) == (X.tmb_per_mb >= 10)).all()


def test_calibration_and_bootstrap_helpers():
    rng = np.random.default_rng(2)
    p = rng.uniform(0.05, 0.95, 3000)
    y = (rng.random(3000) < p).astype(int)
    slope, intercept = calibration_slope_intercept(y, p)
    assert abs(slope - 1) < 0.15 and abs(intercept) < 0.15
    over = calibration_slope_intercept(y, np.clip(p * 1.6 - 0.3, 0.01, 0.99))[0]
    assert over < 0.9  # spread-out predictions: slope below 1
    ci = bootstrap_metrics(y[:200], p[None, :200], n_bootstrap=300)
    assert ci["auc_ci_lower"] < ci["auc_ci_upper"] and ci["brier_ci_lower"] < ci["brier_ci_upper"]
