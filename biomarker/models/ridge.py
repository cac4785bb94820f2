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
    50 patients). The ridge family solves all 18 inner problems (3 folds x 6 ``C``) as one batch of Newton
    iterations (:func:`ridge_logistic_batch`); the elastic net fits each by saga.

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
            # saga visits the rows in a random order: without a seed it draws from numpy's global generator and
            # the same study gave elastic-net coefficients differing in the 4th decimal from one process to the next
            random_state=self.seed,
            **({"penalty": "elasticnet"} if _sklearn_before_1_8() else {}),
        )

    def _fit_one(self, X: np.ndarray, y: np.ndarray, C: float) -> np.ndarray:
        """Coefficients ``[intercept, w]``: ridge by Newton's method (the objective of scikit-learn's
        ``LogisticRegression(C)``: ``C * sum(log-loss) + |w|^2 / 2``), elastic net by saga."""
        if self.l1_ratio > 0:
            model = self._model(C).fit(X, y)
            return np.r_[model.intercept_, model.coef_[0]]
        return ridge_logistic(X, y, C)

    def fit(self, X, y) -> TunedLogistic:
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=int)
        self.classes_ = np.array([0, 1])
        scores = np.zeros(len(C_GRID))
        if min(np.bincount(y, minlength=2)) >= 3:
            folds = stratified_folds(y, 3, self.seed)
            if self.l1_ratio > 0:
                for train, test in folds:
                    for i, C in enumerate(C_GRID):
                        beta = self._fit_one(X[train], y[train], C)
                        scores[i] += _mean_log_likelihood(beta[None], X[test], y[test])[0]
            else:
                scores = _ridge_inner_scores(X, y, folds)
        self.C_ = float(C_GRID[int(np.argmax(scores))])
        beta = self._fit_one(X, y, self.C_)
        self.intercept_, self.coef_ = beta[:1], beta[None, 1:]
        return self

    def predict_proba(self, X) -> np.ndarray:
        p = _expit(self.intercept_[0] + np.asarray(X, dtype=float) @ self.coef_[0])
        return np.column_stack([1 - p, p])

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def _expit(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def _mean_log_likelihood(betas: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mean log-likelihood of ``y`` under each row ``[intercept, w...]`` of ``betas`` (probabilities clipped to
    ``[1e-15, 1 - 1e-15]``, as scikit-learn's log-loss)."""
    p = np.clip(_expit(betas[:, :1] + betas[:, 1:] @ X.T), 1e-15, 1 - 1e-15)
    return np.mean(y * np.log(p) + (1 - y) * np.log1p(-p), axis=1)


def _ridge_inner_scores(X: np.ndarray, y: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Summed held-out mean log-likelihood of each ``C`` of :data:`C_GRID`: every (fold, ``C``) ridge problem in one
    batch, the training folds padded to one length with zero-weight rows."""
    n_c, q = len(C_GRID), X.shape[1] + 1
    m = max(len(train) for train, _ in folds)
    Z = np.zeros((len(folds), m, q))
    Z[:, :, 0] = 1.0
    Y = np.zeros((len(folds), m))
    W = np.zeros((len(folds), m))
    for f, (train, _) in enumerate(folds):
        Z[f, : len(train), 1:] = X[train]
        Y[f, : len(train)] = y[train]
        W[f, : len(train)] = 1.0
    penalty = np.zeros((len(folds) * n_c, q))
    penalty[:, 1:] = 1.0 / np.tile(C_GRID, len(folds))[:, None]
    betas = ridge_logistic_batch(
        np.repeat(Z, n_c, axis=0), np.repeat(Y, n_c, axis=0), np.repeat(W, n_c, axis=0), penalty
    ).reshape(len(folds), n_c, q)
    return sum(_mean_log_likelihood(betas[f], X[test], y[test]) for f, (_, test) in enumerate(folds))


def ridge_logistic(
    X: np.ndarray, y: np.ndarray, C: float, start: np.ndarray | None = None, *, max_iter: int = 100, tol: float = 1e-10
) -> np.ndarray:
    """Ridge logistic regression (unpenalised intercept) by Newton's method with step halving.

    Minimises ``C * sum(log-loss) + |w|^2 / 2``, the objective of scikit-learn's ``LogisticRegression(C=C)``.
    Returns ``[intercept, w...]``; one problem of :func:`ridge_logistic_batch`.

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
    Z = np.empty((1, n, k + 1))
    Z[0, :, 0] = 1.0
    Z[0, :, 1:] = X
    penalty = np.full((1, k + 1), 1.0 / C)
    penalty[0, 0] = 0.0
    first = None if start is None else np.asarray(start, dtype=float)[None]
    y = np.asarray(y, dtype=float)[None]
    return ridge_logistic_batch(Z, y, np.ones_like(y), penalty, first, max_iter=max_iter, tol=tol)[0]


def ridge_logistic_batch(
    Z: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    penalty: np.ndarray,
    start: np.ndarray | None = None,
    *,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> np.ndarray:
    """Many weighted ridge logistic regressions at once, by Newton's method with step halving per problem.

    Problem ``b`` minimises ``sum_i w[b, i] * log-loss(y[b, i], Z[b, i] @ beta) + sum_j penalty[b, j] * beta_j^2 / 2``.
    The problems iterate together until every one has converged (a problem that converged early takes further
    steps of ~0), so a batch costs the numpy calls of its slowest problem, not of all of them.

    Parameters
    ----------
    Z
        ``(B, m, q)`` designs, the intercept column included.
    y, w
        ``(B, m)`` outcomes (0/1) and row weights (0 for padding rows).
    penalty
        ``(B, q)`` ridge penalty of each coefficient (``1 / C``; 0 for the intercept).
    start
        ``(B, q)`` starting coefficients (default 0).
    max_iter, tol
        Newton iterations at most; a problem has converged when its objective gains less than ``tol`` (relative)
        or its step is below 1e-9.

    Returns
    -------
    numpy.ndarray
        ``(B, q)`` coefficients.
    """
    B, _, q = Z.shape
    Zt = Z.transpose(0, 2, 1)
    wy = w * y
    ridge = penalty[:, :, None] * np.eye(q) + np.eye(q) * 1e-10
    beta = np.zeros((B, q)) if start is None else np.array(start, dtype=float)

    def objective(b: np.ndarray, eta: np.ndarray) -> np.ndarray:
        return (w * np.logaddexp(0.0, eta)).sum(axis=1) - (wy * eta).sum(axis=1) + 0.5 * (penalty * b * b).sum(axis=1)

    # the linear predictor is carried along (a step moves it by t * Z @ step): one product per iteration, not
    # one per line-search trial; these fits run ~10^5 times in a permutation test, so numpy call counts matter
    eta = (Z @ beta[:, :, None])[:, :, 0]
    current = objective(beta, eta)
    for _ in range(max_iter):
        p = _expit(eta)
        grad = (Zt @ (w * p - wy)[:, :, None])[:, :, 0] + penalty * beta
        hess = (Zt * (w * p * (1 - p))[:, None, :]) @ Z + ridge
        step = np.linalg.solve(hess, grad[:, :, None])[:, :, 0]
        z_step = (Z @ step[:, :, None])[:, :, 0]
        t = np.ones(B)
        while True:
            candidate = beta - t[:, None] * step
            moved = eta - t[:, None] * z_step
            value = objective(candidate, moved)
            accepted = (value <= current + 1e-12) | (t < 1e-8)
            if accepted.all():
                break
            t = np.where(accepted, t, t / 2)
        gain = current - value
        beta, eta, current = candidate, moved, value
        if np.all((gain < tol * np.maximum(1.0, np.abs(current))) | (t * np.abs(step).max(axis=1) < 1e-9)):
            break
    return beta


def _sklearn_before_1_8() -> bool:
    import sklearn

    return tuple(int(v) for v in sklearn.__version__.split(".")[:2]) < (1, 8)


__all__ = ["C_GRID", "TunedLogistic", "ridge_logistic", "ridge_logistic_batch"]
