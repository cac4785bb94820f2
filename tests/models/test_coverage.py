"""Slow tier: coverage of the CV AUC interval, checked by simulation (seeds fixed).

The target is the AUC, in new patients, of the model fitted to all the data, the number a reader takes the
cross-validated AUC to estimate. Run with ``BIOMARKER_SLOW=1``; ``python -m tests.models.test_coverage`` prints
the coverage of the refit bootstrap interval and of the old bootstrap of out-of-fold predictions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from biomarker.models.delong import auc_fast
from biomarker.models.validation import bootstrap_metrics, refit_bootstrap, repeated_cv

N, P, BETA, INTERCEPT = 50, 4, 1.0, -0.9


def cohort(rng: np.random.Generator, n: int, beta: float) -> tuple[pd.DataFrame, np.ndarray]:
    X = rng.normal(size=(n, P))
    y = (rng.random(n) < 1 / (1 + np.exp(-(INTERCEPT + beta * X[:, 0])))).astype(int)
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(P)]), y


def coverage(
    n_sims: int = 100, beta: float = BETA, n_boot: int = 40, seed: int = 2026, verbose: bool = False
) -> dict[str, float]:
    """Share of simulated cohorts whose interval holds the final model's AUC in 20,000 new patients."""
    rng = np.random.default_rng(seed)
    est = make_pipeline(StandardScaler(), LogisticRegression(C=1.0))
    X_new, y_new = cohort(rng, 20000, beta)
    hits_refit, hits_oof, widths, errors, hits_632 = [], [], [], [], []
    for s in range(n_sims):
        X, y = cohort(rng, N, beta)
        if min(y.sum(), len(y) - y.sum()) < 5:
            continue
        cv = repeated_cv(est, X, y, n_repeats=3, seed=s)
        auc = float(cv.auc.mean())
        truth = auc_fast(y_new, est.fit(X, y).predict_proba(X_new)[:, 1])
        ci, _ = refit_bootstrap({"m": est}, X, y, {"m": auc}, n_bootstrap=n_boot, seed=s)
        lo, hi = float(ci.auc_ci_lower.iloc[0]), float(ci.auc_ci_upper.iloc[0])
        old = bootstrap_metrics(y, cv.oof, n_bootstrap=200, seed=s)
        hits_refit.append(lo <= truth <= hi)
        half = 1.959964 * float(ci.auc_refit_sd.iloc[0]) * np.sqrt(float(ci.distinct_fraction.iloc[0]))
        hits_632.append(auc - half <= truth <= auc + half)
        hits_oof.append(old["auc_ci_lower"] <= truth <= old["auc_ci_upper"])
        widths.append(hi - lo)
        errors.append(auc - truth)
        if verbose and len(widths) % 10 == 0:
            print(
                f"{len(widths)} cohorts: refit {np.mean(hits_refit):.3f}, refit rescaled m-out-of-n "
                f"{np.mean(hits_632):.3f}, oof bootstrap {np.mean(hits_oof):.3f}",
                flush=True,
            )
    return {
        "n": len(hits_refit),
        "refit_coverage": float(np.mean(hits_refit)),
        "refit_rescaled_coverage": float(np.mean(hits_632)),
        "oof_bootstrap_coverage": float(np.mean(hits_oof)),
        "mean_width": float(np.mean(widths)),
        "mean_error": float(np.mean(errors)),
    }


@pytest.mark.slow
def test_refit_bootstrap_interval_covers_the_final_models_auc():
    res = coverage(n_sims=100)
    # 95 % nominal; with 100 cohorts the simulation error is ~2.2 points: accept 0.90-0.995 (measured 0.98; the
    # bootstrap of out-of-fold predictions 0.82)
    assert 0.90 <= res["refit_coverage"] <= 0.995, res
    assert res["refit_coverage"] > res["oof_bootstrap_coverage"], res


@pytest.mark.slow
def test_refit_bootstrap_interval_covers_the_null():
    res = coverage(n_sims=60, beta=0.0)
    assert res["refit_coverage"] >= 0.90, res  # measured 0.975 over the first 40 cohorts


if __name__ == "__main__":
    import sys

    n_sims = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    print("planted effect:", coverage(n_sims=n_sims, verbose=True), flush=True)
    print("null:", coverage(n_sims=max(n_sims // 2, 20), beta=0.0, verbose=True), flush=True)


@pytest.mark.slow
def test_permutation_p_is_uniform_on_null_cohorts():
    from scipy.stats import kstest

    from biomarker.models.validation import permutation_test

    rng = np.random.default_rng(77)
    est = make_pipeline(StandardScaler(), LogisticRegression(C=1.0))
    ps = []
    for s in range(60):
        X, y = cohort(rng, N, 0.0)
        if min(y.sum(), len(y) - y.sum()) < 5:
            continue
        observed = {"m": float(repeated_cv(est, X, y, n_repeats=1, seed=s).auc.mean())}
        p, _ = permutation_test({"m": est}, X, y, observed, n_permutations=19, n_repeats=1, seed=s, stop_after=None)
        ps.append(float(p.permutation_p.iloc[0]))
    ps = np.array(ps)
    assert 0.0 <= np.mean(ps <= 0.1) <= 0.2, ps  # nominal 0.10
    assert kstest(ps, "uniform").pvalue > 0.01, ps
