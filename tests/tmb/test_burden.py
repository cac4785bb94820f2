"""TMB and its exact Poisson (Garwood) interval."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import poisson

from biomarker.tmb.burden import poisson_exact_ci, tmb_with_ci


@pytest.mark.parametrize(
    ("k", "low", "high"),
    # published exact Poisson limits (e.g. Ulm 1990 / Garwood 1936 tables)
    [(0, 0.0, 3.689), (1, 0.0253, 5.572), (5, 1.6235, 11.668), (10, 4.7954, 18.390), (100, 81.364, 121.627)],
)
def test_garwood_limits_match_published_tables(k: int, low: float, high: float) -> None:
    lo, hi = poisson_exact_ci(k)
    assert lo == pytest.approx(low, abs=1e-3)
    assert hi == pytest.approx(high, abs=1e-3)


@given(st.integers(0, 2000))
def test_limits_have_the_defining_tail_probabilities(k: int) -> None:
    lo, hi = poisson_exact_ci(k)
    assert poisson.cdf(k, hi) == pytest.approx(0.025, rel=1e-6)
    if k:
        assert poisson.sf(k - 1, lo) == pytest.approx(0.025, rel=1e-6)
    assert lo <= k <= hi


def test_tmb_divides_by_megabases() -> None:
    tmb, low, high = tmb_with_ci(10, 2_000_000)
    assert tmb == 5.0
    assert (low, high) == pytest.approx((4.7954 / 2, 18.390 / 2), abs=1e-3)
    with pytest.raises(ValueError):
        tmb_with_ci(1, 0)


@given(st.floats(0.05, 5000), st.floats(0.0, 8000))
def test_incomplete_gamma_matches_scipy(a: float, x: float) -> None:
    from scipy.special import gammainc

    from biomarker.tmb.burden import regularized_gamma_p

    assert regularized_gamma_p(a, x) == pytest.approx(gammainc(a, x), abs=1e-10)


@given(st.integers(0, 50_000), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_limits_match_scipy_chi2(k: int, confidence: float) -> None:
    from scipy.stats import chi2

    alpha = 1 - confidence
    lo, hi = poisson_exact_ci(k, confidence)
    assert lo == pytest.approx(0.0 if k == 0 else chi2.ppf(alpha / 2, 2 * k) / 2, rel=1e-9, abs=1e-12)
    assert hi == pytest.approx(chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2, rel=1e-9)
