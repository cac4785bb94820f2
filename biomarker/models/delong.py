"""Area under the ROC curve with DeLong's variance and confidence interval.

DeLong, DeLong & Clarke-Pearson (Biometrics 1988): the AUC is the mean of the placement values
``V10_i = mean_j psi(x_i, y_j)`` of the ``m`` positives (``psi`` = 1 if the positive scores higher, 1/2
on a tie, 0 otherwise), and its variance is ``var(V10) / m + var(V01) / n`` with ``V01_j`` the placement
values of the ``n`` negatives (sample variances, ddof=1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class AucEstimate:
    """An AUC with its DeLong standard error and Wald interval (clipped to [0, 1]).

    Attributes
    ----------
    auc
        Probability that a random positive scores higher than a random negative (ties count 1/2).
    se
        DeLong standard error.
    ci_lower, ci_upper
        ``auc -/+ z * se`` clipped to [0, 1].
    n_positive, n_negative
        Group sizes.
    """

    auc: float
    se: float
    ci_lower: float
    ci_upper: float
    n_positive: int
    n_negative: int


def placement_values(positives: np.ndarray, negatives: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DeLong placement values ``(V10, V01)`` of the positives and negatives.

    Examples
    --------
    >>> v10, v01 = placement_values(np.array([0.9, 0.6]), np.array([0.6, 0.1]))
    >>> v10.tolist(), v01.tolist()
    ([1.0, 0.75], [0.75, 1.0])
    """
    x = np.asarray(positives, dtype=float)[:, None]
    y = np.asarray(negatives, dtype=float)[None, :]
    psi = (x > y).astype(float) + 0.5 * (x == y)
    return psi.mean(axis=1), psi.mean(axis=0)


def delong_auc(y_true, score, *, alpha: float = 0.05) -> AucEstimate:
    """AUC of ``score`` for the binary ``y_true`` with DeLong's standard error and a Wald CI.

    Missing scores or outcomes are dropped. A higher score is taken to mean the positive class; an
    AUC below 0.5 says the association runs the other way.

    Parameters
    ----------
    y_true
        0/1 (or boolean) outcome.
    score
        Any real-valued marker or predicted probability.
    alpha
        1 - confidence level.

    Examples
    --------
    >>> est = delong_auc([1, 1, 1, 0, 0, 0, 0], [0.9, 0.6, 0.4, 0.7, 0.3, 0.2, 0.1])
    >>> round(est.auc, 4), round(est.se, 4)
    (0.8333, 0.1863)
    """
    y = np.asarray(y_true, dtype=float)
    s = np.asarray(score, dtype=float)
    keep = ~(np.isnan(y) | np.isnan(s))
    y, s = y[keep], s[keep]
    pos, neg = s[y == 1], s[y == 0]
    m, n = len(pos), len(neg)
    if m == 0 or n == 0:
        return AucEstimate(np.nan, np.nan, np.nan, np.nan, m, n)
    v10, v01 = placement_values(pos, neg)
    auc = float(v10.mean())
    var = (v10.var(ddof=1) / m if m > 1 else 0.0) + (v01.var(ddof=1) / n if n > 1 else 0.0)
    se = float(np.sqrt(var))
    z = stats.norm.ppf(1 - alpha / 2)
    return AucEstimate(auc, se, float(max(0.0, auc - z * se)), float(min(1.0, auc + z * se)), m, n)


def auc_fast(y_true: np.ndarray, score: np.ndarray) -> float:
    """AUC through mid-ranks (Mann-Whitney U / (m n)); ``nan`` when a class is empty.

    Examples
    --------
    >>> auc_fast(np.array([1, 0, 1, 0]), np.array([0.8, 0.3, 0.3, 0.1]))
    0.875
    """
    y = np.asarray(y_true)
    m = int(np.sum(y == 1))
    n = len(y) - m
    if m == 0 or n == 0:
        return float("nan")
    ranks = stats.rankdata(score)
    return float((ranks[y == 1].sum() - m * (m + 1) / 2) / (m * n))


__all__ = ["AucEstimate", "auc_fast", "delong_auc", "placement_values"]
