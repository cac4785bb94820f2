"""Penalised logistic regression for small cohorts: a ridge solver by Newton's method and the tuned estimator
(``C`` by an inner CV) used by the ``logistic_l2`` and ``elastic_net`` families."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from biomarker.models.folds import stratified_folds

#: Inverse regularisation strengths searched by the penalised logistic models.
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)


class TunedLogistic(ClassifierMixin, BaseEstimator):
    """Penalised logistic regression whose ``C`` is chosen from :data:`C_GRID` by an inner stratified 3-fold CV
    (log-loss), then refitted on all the data it was given.

    The same procedure as scikit-learn's ``LogisticRegressionCV`` (whose bookkeeping cost ~5 times the fits on
    50 patients), written as plain ``LogisticRegression`` fits with warm starts along the ``C`` path.

    Parameters
    ----------
    l1_ratio
        0 for ridge (lbfgs), > 0 for the elastic net (saga).
    seed
        Seed of the inner split.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 2))
    >>> y = (X[:, 0] + rng.normal(size=60) > 0).astype(int)
    >>> fit = TunedLogistic().fit(X, y)
    >>> fit.C_ in C_GRID, bool(fit.coef_[0, 0] > fit.coef_[0, 1])
    (True, True)
    """

    def __init__(self, l1_ratio: float = 0.0, seed: int = 0) -> None:
        self.l1_ratio = l1_ratio
        self.seed = seed

    def _model(self, C: float):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(
            C=C,
            solver="saga",
            l1_ratio=self.l1_ratio,
            max_iter=5000,
            warm_start=True,
            **({"penalty": "elasticnet"} if _sklearn_before_1_8() else {}),
        )

    def _fit_one(self, X: np.ndarray, y: np.ndarray, C: float, start: np.ndarray | None) -> np.ndarray:
        """Coefficients ``[intercept, w]``: ridge by Newton's method (the objective of scikit-learn's
        ``LogisticRegression(C)``: ``C * sum(log-loss) + |w|^2 / 2``), elastic net by saga."""
        if self.l1_ratio > 0:
            model = self._model(C).fit(X, y)
            return np.r_[model.intercept_, model.coef_[0]]
        return ridge_logistic(X, y, C, start)

    def fit(self, X, y) -> TunedLogistic:
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=int)
        self.classes_ = np.array([0, 1])
        scores = np.zeros(len(C_GRID))
        if min(np.bincount(y, minlength=2)) >= 3:
            for train, test in stratified_folds(y, 3, self.seed):
                beta = None
                for i, C in enumerate(C_GRID):
                    beta = self._fit_one(X[train], y[train], C, beta)
                    p = np.clip(_expit(beta[0] + X[test] @ beta[1:]), 1e-15, 1 - 1e-15)
                    scores[i] += float(np.mean(y[test] * np.log(p) + (1 - y[test]) * np.log1p(-p)))
        self.C_ = float(C_GRID[int(np.argmax(scores))])
        beta = self._fit_one(X, y, self.C_, None)
        self.intercept_, self.coef_ = beta[:1], beta[None, 1:]
        return self

    def predict_proba(self, X) -> np.ndarray:
        p = _expit(self.intercept_[0] + np.asarray(X, dtype=float) @ self.coef_[0])
        return np.column_stack([1 - p, p])

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def _expit(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def ridge_logistic(
    X: np.ndarray, y: np.ndarray, C: float, start: np.ndarray | None = None, *, max_iter: int = 100, tol: float = 1e-10
) -> np.ndarray:
    """Ridge logistic regression (unpenalised intercept) by Newton's method with step halving.

    Minimises ``C * sum(log-loss) + |w|^2 / 2``, the objective of scikit-learn's ``LogisticRegression(C=C)``.
    Returns ``[intercept, w...]``.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(1)
    >>> X = rng.normal(size=(40, 3))
    >>> y = (X[:, 0] + rng.normal(size=40) > 0).astype(int)
    >>> ref = LogisticRegression(C=0.3, tol=1e-10).fit(X, y)
    >>> bool(np.allclose(ridge_logistic(X, y, 0.3), np.r_[ref.intercept_, ref.coef_[0]], atol=1e-5))
    True
    """
    n, k = X.shape
    Z = np.empty((n, k + 1))
    Z[:, 0] = 1.0
    Z[:, 1:] = X
    y = np.asarray(y, dtype=float)
    penalty = np.full(k + 1, 1.0 / C)
    penalty[0] = 0.0
    ridge = np.diag(penalty + 1e-10)
    beta = np.zeros(k + 1) if start is None else np.array(start, dtype=float)

    def objective(b: np.ndarray, eta: np.ndarray) -> float:
        return float(np.logaddexp(0.0, eta).sum() - y @ eta + 0.5 * (penalty @ (b * b)))

    # the linear predictor is carried along (a step moves it by t * Z @ step): one product per iteration, not
    # one per line-search trial; these fits run ~10^5 times in a permutation test, so numpy call counts matter
    eta = Z @ beta
    current = objective(beta, eta)
    for _ in range(max_iter):
        p = _expit(eta)
        grad = Z.T @ (p - y) + penalty * beta
        hess = (Z.T * (p * (1 - p))) @ Z + ridge
        step = np.linalg.solve(hess, grad)
        z_step = Z @ step
        t = 1.0
        while True:
            candidate = beta - t * step
            moved = eta - t * z_step
            value = objective(candidate, moved)
            if value <= current + 1e-12 or t < 1e-8:
                break
            t /= 2
        beta, eta, gain, current = candidate, moved, current - value, value
        if gain < tol * max(1.0, abs(current)) or t * float(np.abs(step).max()) < 1e-9:
            break
    return beta


def _sklearn_before_1_8() -> bool:
    import sklearn

    return tuple(int(v) for v in sklearn.__version__.split(".")[:2]) < (1, 8)


__all__ = ["C_GRID", "TunedLogistic", "ridge_logistic"]
