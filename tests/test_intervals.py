"""The package's one exact binomial CI (report, clinical response rates and genomic fractions all use it)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from biomarker.clinical import clopper_pearson
from biomarker.intervals import binomial_exact_ci
from biomarker.report.tables import exact_ci


@given(st.integers(0, 150), st.integers(1, 150), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_binomial_exact_ci_is_clopper_pearson(k: int, n: int, level: float) -> None:
    k = min(k, n)
    lo, hi = binomial_exact_ci(k, n, level)
    ref_lo, ref_hi = proportion_confint(k, n, alpha=1 - level, method="beta")
    assert lo == pytest.approx(ref_lo, abs=1e-9) and hi == pytest.approx(ref_hi, abs=1e-9)
    assert lo <= k / n <= hi


def test_every_caller_gets_the_same_interval() -> None:
    assert exact_ci(14, 50) == binomial_exact_ci(14, 50) == clopper_pearson(14, 50)
    assert clopper_pearson(14, 50, alpha=0.1) == binomial_exact_ci(14, 50, 0.9)
    assert all(math.isnan(v) for v in binomial_exact_ci(0, 0))
