"""Honest internal validation: repeated stratified cross-validation, permutation tests, bootstrap intervals.

- :func:`repeated_cv` refits a whole estimator (imputation, scaling, tuning, cut-offs and all) on each
  training fold, predicts the held-out fold, and pools the out-of-fold predictions of each repeat into
  one prediction per patient; metrics are computed per repeat on the pooled predictions and then
  averaged over repeats (never per fold: folds of 10 patients with 2 responders give useless AUCs).
- :func:`permutation_test` (:mod:`biomarker.models.resampling`) reruns the identical procedure with the outcome
  shuffled: is the cross-validated AUC better than a model of noise reaches by the same procedure?
- :func:`refit_bootstrap` (:mod:`biomarker.models.resampling`) cross-validates bootstrap resamples afresh: the
  interval of the CV AUC.
- :func:`bootstrap_metrics` resamples patients' out-of-fold predictions (it does not refit), giving a
  percentile interval for the Brier score (too narrow for the AUC, see :func:`refit_bootstrap`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone

from biomarker.models.delong import auc_fast
from biomarker.models.folds import stratified_folds
from biomarker.models.resampling import permutation_test, refit_bootstrap

log = logging.getLogger(__name__)


@dataclass
class CvResult:
    """Out-of-fold predictions of one estimator over repeated stratified K-fold CV.

    Attributes
    ----------
    oof
        ``(n_repeats, n_patients)`` predicted probabilities, each from a model that never saw the patient.
    auc
        Per-repeat AUC of the pooled out-of-fold predictions.
    brier
        Per-repeat Brier score.
    n_splits
        Folds per repeat (reduced when a class has fewer patients than folds).
    importance
        ``feature, repeat, auc_drop`` (mean over shuffles) when importance was asked for.
    fold_coefficients
        ``repeat, fold, term, coefficient`` of logistic models fitted in each training fold.
    fold_cutoffs
        ``repeat, fold, cutoff`` of cut-offs learned in each training fold.
    """

    oof: np.ndarray
    auc: np.ndarray
    brier: np.ndarray
    n_splits: int
    importance: pd.DataFrame = field(default_factory=pd.DataFrame)
    fold_coefficients: pd.DataFrame = field(default_factory=pd.DataFrame)
    fold_cutoffs: pd.DataFrame = field(default_factory=pd.DataFrame)


def split_seeds(seed: int, n_repeats: int) -> list[int]:
    """The CV split seed of each repeat (the first repeats are shared by the permutation test).

    Examples
    --------
    >>> split_seeds(7, 3) == split_seeds(7, 5)[:3]
    True
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    return [int(s) for s in rng.integers(0, 2**31 - 1, size=max(n_repeats, 1))][:n_repeats]


def effective_splits(y: np.ndarray, n_splits: int) -> int:
    """Folds actually used: at most the size of the smaller class (and at least 2)."""
    minority = int(min(np.sum(y == 1), np.sum(y == 0)))
    if minority < 2:
        from biomarker.errors import ConfigError

        raise ConfigError(f"cross-validation needs at least 2 patients in each outcome class, got {minority}")
    k = min(n_splits, minority)
    if k < n_splits:
        log.warning(
            "only %d patients in the smaller outcome class: using %d folds instead of %d", minority, k, n_splits
        )
    return k


def repeated_cv(
    estimator,
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    n_splits: int = 5,
    n_repeats: int = 10,
    seed: int = 0,
    importance_features: Sequence[str] = (),
    n_shuffles: int = 3,
    keep_coefficients: bool = False,
) -> CvResult:
    """Repeated stratified K-fold CV with out-of-fold predictions pooled per repeat.

    Parameters
    ----------
    estimator
        Unfitted scikit-learn classifier taking the raw frame ``X`` (cloned for every fold).
    X, y
        Features (one row per patient) and the 0/1 outcome.
    n_splits, n_repeats
        K and the number of repeats (each with its own shuffled split).
    seed
        Seeds the splits (:func:`split_seeds`) and the importance shuffles.
    importance_features
        Columns of ``X`` to shuffle within each held-out fold for permutation importance (the fold's
        fitted model predicts the shuffled copies; the drop in the repeat's pooled AUC is recorded).
    n_shuffles
        Shuffles per feature and fold.
    keep_coefficients
        Record the coefficients of each fold's model (logistic pipelines).

    Examples
    --------
    >>> from biomarker.models.estimators import make_estimator
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"m": rng.normal(size=60)})
    >>> y = (X["m"] + rng.normal(size=60) > 0.5).astype(int).to_numpy()
    >>> res = repeated_cv(make_estimator("logistic_l2", ["m"]), X, y, n_repeats=2)
    >>> res.oof.shape, bool(res.auc.mean() > 0.7)
    ((2, 60), True)
    """
    from biomarker.models.estimators import coefficients

    y = np.asarray(y, dtype=int)
    n = len(y)
    k = effective_splits(y, n_splits)
    oof = np.full((n_repeats, n), np.nan)
    feats = list(importance_features)
    shuffled = np.full((n_repeats, len(feats), n_shuffles, n), np.nan) if feats else None
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2]))
    coefs, cutoffs = [], []
    for r, split_seed in enumerate(split_seeds(seed, n_repeats)):
        for fold, (train, test) in enumerate(stratified_folds(y, k, split_seed)):
            model = clone(estimator).fit(X.iloc[train], y[train])
            X_test = X.iloc[test]
            oof[r, test] = model.predict_proba(X_test)[:, 1]
            if feats:
                blocks = len(feats) * n_shuffles
                cols = {c: np.tile(X_test[c].to_numpy(), blocks) for c in X_test.columns}
                for i, feat in enumerate(feats):
                    values = X_test[feat].to_numpy()
                    for s in range(n_shuffles):
                        start = (i * n_shuffles + s) * len(test)
                        cols[feat][start : start + len(test)] = values[rng.permutation(len(test))]
                stacked = pd.DataFrame(cols).astype(X_test.dtypes.to_dict())
                pred = model.predict_proba(stacked)[:, 1]
                shuffled[r, :, :, test] = pred.reshape(len(feats), n_shuffles, len(test)).transpose(2, 0, 1)
            if keep_coefficients:
                c = coefficients(model)
                if len(c):
                    coefs.append(c.assign(repeat=r, fold=fold))
            if hasattr(model, "cutoff_"):
                cutoffs.append({"repeat": r, "fold": fold, "cutoff": model.cutoff_})
    auc = np.array([auc_fast(y, oof[r]) for r in range(n_repeats)])
    brier = np.mean((oof - y[None, :]) ** 2, axis=1)
    importance = pd.DataFrame()
    if feats:
        rows = []
        for r in range(n_repeats):
            for i, feat in enumerate(feats):
                drops = [auc[r] - auc_fast(y, shuffled[r, i, s]) for s in range(n_shuffles)]
                rows.append({"feature": feat, "repeat": r, "auc_drop": float(np.mean(drops))})
        importance = pd.DataFrame(rows)
    fold_coefs = pd.concat(coefs, ignore_index=True) if coefs else pd.DataFrame()
    return CvResult(oof, auc, brier, k, importance, fold_coefs, pd.DataFrame(cutoffs))


def calibration_slope_intercept(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """Calibration slope (logistic regression of y on logit p) and calibration-in-the-large (intercept with
    logit p as offset). Ideal: slope 1, intercept 0; ``nan`` when they cannot be estimated.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.05, 0.95, 4000)
    >>> slope, intercept = calibration_slope_intercept(rng.random(4000) < p, p)
    >>> abs(slope - 1) < 0.15, abs(intercept) < 0.15
    (True, True)
    """
    import warnings

    import statsmodels.api as sm

    y = np.asarray(y, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    lp = np.log(p / (1 - p))
    if np.ptp(lp) < 1e-12 or y.min() == y.max():
        return float("nan"), float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            slope = float(sm.GLM(y, sm.add_constant(lp), family=sm.families.Binomial()).fit().params[1])
            intercept = float(sm.GLM(y, np.ones_like(y), family=sm.families.Binomial(), offset=lp).fit().params[0])
        except Exception:  # perfect separation and friends: report as not estimable
            return float("nan"), float("nan")
    return slope, intercept


def _psi(y: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """``(repeats, positives, negatives)`` pairwise comparison kernel (1, 1/2 on ties, 0)."""
    pos, neg = scores[:, y == 1], scores[:, y == 0]
    diff = pos[:, :, None] - neg[:, None, :]
    return (diff > 0) + 0.5 * (diff == 0)


def bootstrap_metrics(
    y: np.ndarray, oof: np.ndarray, *, n_bootstrap: int = 1000, seed: int = 0, alpha: float = 0.05
) -> dict[str, float]:
    """Percentile bootstrap intervals of the repeat-averaged AUC and Brier score.

    Patients are resampled with replacement and every repeat's out-of-fold predictions are scored on the
    same resample. Models are not refitted: the interval reflects which patients were studied, not the
    variability of fitting (the permutation test and the spread over repeats speak to that).

    Examples
    --------
    >>> y = np.array([0, 0, 1, 1, 0, 1, 0, 1])
    >>> oof = np.array([[0.1, 0.3, 0.7, 0.8, 0.2, 0.6, 0.4, 0.9]])
    >>> ci = bootstrap_metrics(y, oof, n_bootstrap=200)
    >>> ci["auc_ci_lower"] <= 1.0 <= ci["auc_ci_upper"]
    True
    """
    y = np.asarray(y, dtype=int)
    oof = np.atleast_2d(np.asarray(oof, dtype=float))
    rng = np.random.default_rng(np.random.SeedSequence([seed, 4]))
    n = len(y)
    weights = np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(n_bootstrap)]).astype(float)
    w_pos, w_neg = weights[:, y == 1], weights[:, y == 0]
    ok = (w_pos.sum(axis=1) > 0) & (w_neg.sum(axis=1) > 0)
    w_pos, w_neg, weights = w_pos[ok], w_neg[ok], weights[ok]
    lo, hi = 100 * alpha / 2, 100 * (1 - alpha / 2)
    if not ok.any():
        return {"auc_ci_lower": np.nan, "auc_ci_upper": np.nan, "brier_ci_lower": np.nan, "brier_ci_upper": np.nan}
    psi = _psi(y, oof)  # weighted Mann-Whitney: AUC_b = w_pos' psi w_neg / (sum w_pos * sum w_neg)
    aucs = np.einsum("bi,rij,bj->b", w_pos, psi, w_neg) / len(oof) / (w_pos.sum(axis=1) * w_neg.sum(axis=1))
    sq = (oof - y[None, :]) ** 2
    briers = weights @ sq.mean(axis=0) / n
    return {
        "auc_ci_lower": float(np.percentile(aucs, lo)),
        "auc_ci_upper": float(np.percentile(aucs, hi)),
        "brier_ci_lower": float(np.percentile(briers, lo)),
        "brier_ci_upper": float(np.percentile(briers, hi)),
    }


def _roc_on_grid(y: np.ndarray, score: np.ndarray, w: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Weighted ROC curve (ties as one step) interpolated at the false-positive rates of ``grid``."""
    order = np.argsort(-score, kind="stable")
    s, yy, ww = score[order], y[order], w[order]
    tp, fp = np.cumsum(ww * yy), np.cumsum(ww * (1 - yy))
    last = np.r_[s[1:] != s[:-1], True]  # the end of each run of tied scores
    tpr = np.r_[0.0, tp[last] / tp[-1]]
    fpr = np.r_[0.0, fp[last] / fp[-1]]
    return np.interp(grid, fpr, tpr)


def roc_band(
    y: np.ndarray, oof: np.ndarray, *, n_bootstrap: int = 200, seed: int = 0, grid_points: int = 51
) -> pd.DataFrame:
    """ROC curve vertically averaged over repeats, with a pointwise percentile bootstrap band.

    Returns ``fpr, tpr, tpr_lower, tpr_upper`` on an even grid of false-positive rates.

    Examples
    --------
    >>> band = roc_band(np.array([0, 0, 1, 1]), np.array([[0.1, 0.6, 0.4, 0.9]]), n_bootstrap=20)
    >>> band.tpr.iloc[-1], band.shape
    (np.float64(1.0), (51, 4))
    """
    y = np.asarray(y, dtype=int)
    oof = np.atleast_2d(np.asarray(oof, dtype=float))
    grid = np.linspace(0, 1, grid_points)

    def averaged(w: np.ndarray) -> np.ndarray:
        out = np.mean([_roc_on_grid(y, row, w, grid) for row in oof], axis=0)
        out[0] = 0.0
        return out

    tpr = averaged(np.ones(len(y)))
    rng = np.random.default_rng(np.random.SeedSequence([seed, 5]))
    boots = []
    for _ in range(n_bootstrap):
        w = np.bincount(rng.integers(0, len(y), len(y)), minlength=len(y)).astype(float)
        if w[y == 1].sum() == 0 or w[y == 0].sum() == 0:
            continue
        boots.append(averaged(w))
    lower, upper = np.percentile(boots, [2.5, 97.5], axis=0) if boots else (tpr * np.nan, tpr * np.nan)
    return pd.DataFrame({"fpr": grid, "tpr": tpr, "tpr_lower": lower, "tpr_upper": upper})


def calibration_bins(y: np.ndarray, p: np.ndarray, *, n_bins: int = 5) -> pd.DataFrame:
    """Observed response rate (Clopper-Pearson 95 % CI) by quantile group of predicted probability.

    Returns ``bin, n, n_events, mean_predicted, observed, ci_lower, ci_upper``.
    """
    from statsmodels.stats.proportion import proportion_confint

    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="stable")
    rows = []
    for b, idx in enumerate(np.array_split(order, min(n_bins, len(p)))):
        if not len(idx):
            continue
        k, m = int(y[idx].sum()), len(idx)
        lo, hi = proportion_confint(k, m, alpha=0.05, method="beta")
        rows.append(
            {
                "bin": b + 1,
                "n": m,
                "n_events": k,
                "mean_predicted": float(p[idx].mean()),
                "observed": k / m,
                "ci_lower": float(lo),
                "ci_upper": float(hi),
            }
        )
    return pd.DataFrame(rows)


__all__ = [
    "CvResult",
    "bootstrap_metrics",
    "calibration_bins",
    "calibration_slope_intercept",
    "effective_splits",
    "permutation_test",
    "refit_bootstrap",
    "repeated_cv",
    "roc_band",
    "split_seeds",
]
