"""DeLong AUC and variance against hand-worked examples and against independent implementations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from biomarker.models.delong import auc_fast, delong_auc, placement_values


def test_hand_worked_example_without_ties():
    # positives 0.9, 0.6, 0.4; negatives 0.7, 0.3, 0.2, 0.1
    # V10 = [4/4, 3/4, 3/4] -> AUC = 2.5 / 3 = 0.83333
    # V01 = [1/3, 1, 1, 1]
    # S10 = var([1, .75, .75], ddof=1) = 0.0208333; S01 = var([1/3, 1, 1, 1], ddof=1) = 0.1111111
    # Var = S10 / 3 + S01 / 4 = 0.0069444 + 0.0277778 = 0.0347222; SE = 0.1863390
    est = delong_auc([1, 1, 1, 0, 0, 0, 0], [0.9, 0.6, 0.4, 0.7, 0.3, 0.2, 0.1])
    v10, v01 = placement_values(np.array([0.9, 0.6, 0.4]), np.array([0.7, 0.3, 0.2, 0.1]))
    assert v10.tolist() == [1.0, 0.75, 0.75]
    assert v01.tolist() == pytest.approx([1 / 3, 1.0, 1.0, 1.0])
    assert est.auc == pytest.approx(2.5 / 3)
    assert est.se == pytest.approx(np.sqrt(0.0347222222), rel=1e-6)
    z = stats.norm.ppf(0.975)
    assert est.ci_lower == pytest.approx(2.5 / 3 - z * est.se)
    assert est.ci_upper == pytest.approx(min(1.0, 2.5 / 3 + z * est.se))
    assert (est.n_positive, est.n_negative) == (3, 4)


def test_hand_worked_example_with_ties():
    # positives 1, 2; negatives 1, 0: psi(1,1) = 1/2 -> V10 = [.75, 1], V01 = [.75, 1]
    # AUC = 0.875; Var = var([.75, 1]) / 2 + var([.75, 1]) / 2 = 0.03125
    est = delong_auc([1, 1, 0, 0], [1, 2, 1, 0])
    assert est.auc == pytest.approx(0.875)
    assert est.se == pytest.approx(np.sqrt(0.03125))


def test_agrees_with_sklearn_and_mann_whitney():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 60)
    s = np.round(rng.normal(size=60) + y, 1)  # rounding makes ties
    est = delong_auc(y, s)
    assert est.auc == pytest.approx(roc_auc_score(y, s))
    u = stats.mannwhitneyu(s[y == 1], s[y == 0]).statistic
    assert est.auc == pytest.approx(u / ((y == 1).sum() * (y == 0).sum()))
    assert auc_fast(y, s) == pytest.approx(est.auc)


def test_missing_values_dropped_and_empty_class_is_nan():
    est = delong_auc([1, 0, 1, np.nan], [0.8, 0.2, np.nan, 0.5])
    assert est.auc == 1.0 and est.n_positive == 1 and est.n_negative == 1
    assert np.isnan(delong_auc([1, 1], [0.2, 0.3]).auc)


def test_ci_is_clipped_and_direction_is_kept():
    perfect = delong_auc([0, 0, 1, 1], [1, 2, 3, 4])
    assert perfect.auc == 1.0 and perfect.ci_upper == 1.0
    reversed_ = delong_auc([0, 0, 1, 1], [4, 3, 2, 1])
    assert reversed_.auc == 0.0 and reversed_.ci_lower == 0.0
