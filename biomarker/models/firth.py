"""Firth's penalised logistic regression (Firth 1993; Heinze & Schemper 2002), for few events and separation.

The log-likelihood is penalised by half the log-determinant of the Fisher information (Jeffreys prior), which
removes the first-order bias of the maximum-likelihood estimate and keeps estimates finite under (quasi-)
separation. Tests and intervals use the penalised likelihood ratio (profile), as Heinze & Schemper recommend,
since Wald intervals are poor at these sample sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats


@dataclass(frozen=True)
class FirthFit:
    """A fitted Firth logistic regression.

    Attributes
    ----------
    coef
        Coefficients (intercept first when the design has one).
    loglik
        Penalised log-likelihood at the estimate.
    converged
        Whether Newton-Raphson converged.
    """

    coef: np.ndarray
    loglik: float
    converged: bool


#: Largest change of any coefficient in one Newton step (log-odds units).
_MAX_STEP = 5.0


def _penalised(X: np.ndarray, y: np.ndarray, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """The penalised log-likelihood at ``beta`` with the probabilities, weights and Fisher information it took
    (the next Newton step starts from them: the same numbers, computed once)."""
    eta = X @ beta
    p = 1.0 / (1.0 + np.exp(-eta))
    w = np.clip(p * (1 - p), 1e-12, None)
    info = X.T @ (X * w[:, None])
    sign, logdet = np.linalg.slogdet(info)
    ll = float(np.sum(y * eta - np.logaddexp(0.0, eta)))
    return (ll + 0.5 * logdet if sign > 0 else -np.inf), p, w, info


def firth_fit(
    X: np.ndarray,
    y: np.ndarray,
    *,
    offset_index: int | None = None,
    offset_value: float = 0.0,
    max_iter: int = 100,
    tol: float = 1e-8,
) -> FirthFit:
    """Fit by modified-score Newton-Raphson with step halving.

    Parameters
    ----------
    X
        Design matrix ``(n, p)`` (add the intercept column yourself).
    y
        0/1 outcome.
    offset_index, offset_value
        Hold one coefficient fixed at ``offset_value`` (for the profile likelihood).

    Examples
    --------
    >>> X = np.column_stack([np.ones(6), [0, 0, 0, 1, 1, 1]])
    >>> fit = firth_fit(X, np.array([0, 0, 0, 1, 1, 1]))  # complete separation: ML is infinite, Firth is not
    >>> bool(np.isfinite(fit.coef).all()), round(float(fit.coef[1]), 3)
    (True, 3.892)
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    k = X.shape[1]
    free = np.ones(k, dtype=bool)
    beta = np.zeros(k)
    if offset_index is not None:
        free[offset_index] = False
        beta[offset_index] = offset_value
    current, p, w, info = _penalised(X, y, beta)
    sub = np.ix_(free, free)
    converged = False
    for _ in range(max_iter):
        inv = np.linalg.pinv(info)
        h = np.einsum("ij,jk,ik->i", X * w[:, None], inv, X)  # leverages of the weighted hat matrix
        score = X.T @ (y - p + h * (0.5 - p))  # the gradient of the penalised log-likelihood
        newton = np.zeros(k)
        newton[free] = np.linalg.lstsq(info[sub], score[free], rcond=None)[0]
        size = float(np.max(np.abs(newton)))
        if size < tol:
            converged = True
            break
        # an ascent direction (the information is positive definite): shortened as a whole, never clipped
        # coefficient by coefficient, which can turn it downhill (the fit then stalled and was called converged)
        step = newton * min(1.0, _MAX_STEP / size)
        for _half in range(40):
            candidate = beta + step
            value, p_new, w_new, info_new = _penalised(X, y, candidate)
            if value >= current - 1e-12:
                break
            step /= 2
        else:  # no gain even along a tiny step of an ascent direction: rounding has the last word
            break
        halved = not np.array_equal(step, newton)
        beta, gain, current, p, w, info = candidate, value - current, value, p_new, w_new, info_new
        if not halved and abs(gain) < tol * 1e-2:
            converged = True
            break
    return FirthFit(beta, current, converged)


def firth_lrt(X: np.ndarray, y: np.ndarray, index: int, fit: FirthFit | None = None) -> float:
    """Penalised likelihood-ratio p-value of ``coef[index] == 0``.

    Examples
    --------
    >>> X = np.column_stack([np.ones(50), np.r_[np.ones(7), np.zeros(43)]])
    >>> y = np.r_[np.zeros(7), np.ones(13), np.zeros(30)]  # 7 missing, all non-responders; 0/13 responders
    >>> round(firth_lrt(X, y, 1), 3)
    0.108
    """
    fit = fit or firth_fit(X, y)
    restricted = firth_fit(X, y, offset_index=index, offset_value=0.0)
    stat = max(2 * (fit.loglik - restricted.loglik), 0.0)
    return float(stats.chi2.sf(stat, 1))


def firth_profile_ci(
    X: np.ndarray, y: np.ndarray, index: int, fit: FirthFit | None = None, level: float = 0.95
) -> tuple[float, float]:
    """Profile penalised-likelihood interval of ``coef[index]`` (Heinze & Schemper 2002).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=200)
    >>> y = (rng.random(200) < 1 / (1 + np.exp(-x))).astype(int)
    >>> X = np.column_stack([np.ones(200), x])
    >>> lo, hi = firth_profile_ci(X, y, 1)
    >>> bool(lo < 1 < hi)
    True
    """
    fit = fit or firth_fit(X, y)
    target = fit.loglik - stats.chi2.ppf(level, 1) / 2
    b = float(fit.coef[index])

    def gap(value: float) -> float:
        return firth_fit(X, y, offset_index=index, offset_value=value).loglik - target

    if not np.isfinite(target) or not gap(b) > 0:  # the fit is not a proper maximum (e.g. a singular design)
        return float("nan"), float("nan")
    bounds = []
    for direction in (-1, 1):
        width = 0.5
        while gap(b + direction * width) > 0 and width < 64:
            width *= 2
        if width >= 64:
            bounds.append(direction * np.inf)
            continue
        try:
            bounds.append(
                optimize.brentq(gap, b, b + direction * width, xtol=1e-6)
                if direction > 0
                else optimize.brentq(gap, b - width, b, xtol=1e-6)
            )
        except ValueError:  # no sign change: the profile is not unimodal here
            bounds.append(float("nan"))
    return float(bounds[0]), float(bounds[1])


__all__ = ["FirthFit", "firth_fit", "firth_lrt", "firth_profile_ci"]
