"""Firth's penalised logistic regression against a general-purpose optimiser of the same penalised likelihood.

The designs are the ones the adjusted marker effects use: a marker on a 1.5-4.5 scale with age in years, ECOG,
smoking dummies and sex, 30 patients. Before the fix, the Newton steps were clipped coefficient by coefficient
(which can point downhill), stalled, and were reported as converged: restricted fits of these designs ended
tens of log-likelihood units below the maximum (profile intervals cut short, LRT p = 1.0 for a clear effect).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, stats

from biomarker.models.firth import firth_fit, firth_lrt, firth_profile_ci

# BFGS from a start of 0 meets designs whose information is singular there (an infinite objective)
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")


def _design(seed: int, n: int = 30) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    marker = rng.uniform(15, 45, n) / 10
    age, ecog = rng.normal(65, 8, n), rng.integers(0, 2, n)
    smoking, sex = rng.integers(0, 3, n), rng.integers(0, 2, n)
    X = np.column_stack([np.ones(n), marker, age, ecog, smoking == 1, smoking == 2, sex]).astype(float)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-4 + marker + 0.5 * ecog)))).astype(float)
    return X, y


def _penalised_loglik(X: np.ndarray, y: np.ndarray, beta: np.ndarray) -> float:
    """log L + 1/2 log det(X' W X), written out again here (not the package's function)."""
    eta = X @ beta
    p = 1 / (1 + np.exp(-eta))
    sign, logdet = np.linalg.slogdet(X.T @ (X * (p * (1 - p))[:, None]))
    return float(np.sum(y * eta - np.logaddexp(0.0, eta))) + 0.5 * logdet if sign > 0 else -np.inf


def _profile_max(X: np.ndarray, y: np.ndarray, index: int | None, value: float, start: np.ndarray) -> float:
    """The maximum over the other coefficients with ``coef[index] = value`` (all free when ``index`` is None), by
    BFGS from the estimate and from 0."""
    free = np.ones(X.shape[1], dtype=bool)
    if index is not None:
        free[index] = False

    def negative(b: np.ndarray) -> float:
        beta = start.copy()
        beta[free] = b
        if index is not None:
            beta[index] = value
        return -_penalised_loglik(X, y, beta)

    fits = [
        optimize.minimize(negative, s, method="BFGS", options={"gtol": 1e-8}) for s in (start[free], 0 * start[free])
    ]
    return -min(f.fun for f in fits)


@pytest.mark.parametrize("seed", [3, 7, 26, 37])
def test_restricted_fits_reach_the_maximum_a_general_optimiser_finds(seed):
    X, y = _design(seed)
    fit = firth_fit(X, y)
    assert fit.converged
    assert fit.loglik == pytest.approx(_profile_max(X, y, None, 0.0, fit.coef), abs=1e-6)
    for delta in (-0.3, 0.3, 1.0):
        value = fit.coef[1] + delta
        restricted = firth_fit(X, y, offset_index=1, offset_value=value)
        assert restricted.converged and restricted.coef[1] == value
        assert restricted.loglik == pytest.approx(_profile_max(X, y, 1, value, fit.coef), abs=1e-6)


@pytest.mark.parametrize(("seed", "expected_p"), [(1, 0.0580), (23, 0.0076), (34, 0.0038)])
def test_likelihood_ratio_p_of_designs_whose_full_fit_stalled(seed, expected_p):
    """These three full fits stalled from 0 (p came out 1.0); the p-values are the optimiser's (to 4 decimals)."""
    X, y = _design(seed)
    fit = firth_fit(X, y)
    stat = 2 * (_profile_max(X, y, None, 0.0, fit.coef) - _profile_max(X, y, 1, 0.0, fit.coef))
    assert stats.chi2.sf(stat, 1) == pytest.approx(expected_p, abs=1e-4)
    assert firth_lrt(X, y, 1, fit) == pytest.approx(expected_p, abs=1e-4)


def test_profile_interval_ends_where_the_profile_has_dropped_by_half_the_chi2_quantile():
    X, y = _design(37)
    fit = firth_fit(X, y)
    lower, upper = firth_profile_ci(X, y, 1, fit)
    assert lower < fit.coef[1] < upper
    drop = stats.chi2.ppf(0.95, 1) / 2
    for bound in (lower, upper):
        assert _profile_max(X, y, 1, bound, fit.coef) == pytest.approx(fit.loglik - drop, abs=1e-5)
