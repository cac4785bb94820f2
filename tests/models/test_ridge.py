"""The tuned ridge logistic regression against scikit-learn: the batched Newton solver, the inner choice of C,
and the elastic net's reproducibility."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold

from biomarker.models.ridge import C_GRID, TunedLogistic, ridge_logistic, ridge_logistic_batch


def _data(seed: int, n: int, k: int, strength: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, k))
    y = (strength * X[:, 0] + rng.normal(size=n) > 0.3).astype(int)
    return X, y


def test_a_padded_batch_solves_each_problem_as_scikit_learn_does():
    """Problems of different sizes and C in one batch, padded with zero-weight rows of junk: each gives
    scikit-learn's ``LogisticRegression(C)`` coefficients (lbfgs at tol 1e-12)."""
    problems = [(_data(s, n, 3, st), C) for s, n, st, C in [(1, 20, 1.0, 0.03), (2, 35, 3.0, 3.0), (3, 28, 0.0, 0.3)]]
    m = max(len(y) for (_, y), _ in problems)
    Z = np.random.default_rng(9).normal(size=(len(problems), m, 4)) * 50  # padding rows must not count
    Z[:, :, 0] = 1.0
    Y = np.ones((len(problems), m))
    W = np.zeros((len(problems), m))
    penalty = np.zeros((len(problems), 4))
    for b, ((X, y), C) in enumerate(problems):
        Z[b, : len(y), 1:] = X
        Y[b, : len(y)] = y
        W[b, : len(y)] = 1.0
        penalty[b, 1:] = 1 / C
    got = ridge_logistic_batch(Z, Y, W, penalty)
    for b, ((X, y), C) in enumerate(problems):
        ref = LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(X, y)
        np.testing.assert_allclose(got[b], np.r_[ref.intercept_, ref.coef_[0]], atol=2e-6)
        np.testing.assert_allclose(got[b], ridge_logistic(X, y, C), atol=1e-9)


@pytest.mark.parametrize(("seed", "n", "k", "strength"), [(1, 40, 2, 1.0), (2, 50, 4, 0.5), (3, 30, 1, 2.0)])
def test_c_is_the_one_with_the_best_inner_log_loss(seed, n, k, strength):
    """The inner search redone by hand with scikit-learn's folds and fits picks the same C."""
    X, y = _data(seed, n, k, strength)
    losses = []
    for C in C_GRID:
        folds = StratifiedKFold(3, shuffle=True, random_state=seed).split(X, y)
        fits = [(LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(X[tr], y[tr]), te) for tr, te in folds]
        losses.append(sum(log_loss(y[te], m.predict_proba(X[te])[:, 1], labels=[0, 1]) for m, te in fits))
    assert sorted(losses)[1] - min(losses) > 1e-4  # a clear winner, so solver tolerances cannot swap the two
    best = C_GRID[int(np.argmin(losses))]
    fitted = TunedLogistic(0.0, seed).fit(X, y)
    assert best == fitted.C_


def test_the_elastic_net_ignores_numpy_s_global_generator():
    """saga's row order comes from the estimator's seed: the same data and seed give the same coefficients
    whatever else drew from ``numpy.random`` before (it varied in the 4th decimal between processes)."""
    X, y = _data(0, 50, 3, 1.0)
    np.random.seed(1)
    first = TunedLogistic(0.5, 0).fit(X, y)
    np.random.seed(2)
    second = TunedLogistic(0.5, 0).fit(X, y)
    assert first.C_ == second.C_
    np.testing.assert_array_equal(first.coef_, second.coef_)
