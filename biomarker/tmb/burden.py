"""Tumour mutational burden from a count and a territory, with an exact Poisson interval."""

from __future__ import annotations

from scipy.special import gammaincinv


def poisson_exact_ci(count: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood 1936) confidence interval for a Poisson count.

    lower = chi2.ppf(a/2, 2k) / 2 (0 when k = 0), upper = chi2.ppf(1 - a/2, 2k + 2) / 2.

    Examples
    --------
    >>> [round(x, 3) for x in poisson_exact_ci(10)]
    [4.795, 18.39]
    >>> [round(x, 3) for x in poisson_exact_ci(0)]
    [0.0, 3.689]
    """
    if count < 0:
        raise ValueError("a count cannot be negative")
    alpha = 1.0 - confidence
    # chi2.ppf(q, 2k) / 2 == gammaincinv(k, q); scipy.special imports far faster than scipy.stats
    lower = 0.0 if count == 0 else float(gammaincinv(count, alpha / 2))
    upper = float(gammaincinv(count + 1, 1 - alpha / 2))
    return lower, upper


def tmb_with_ci(count: int, territory_bp: int, confidence: float = 0.95) -> tuple[float, float, float]:
    """TMB in mutations per Mb with the exact interval, ``(tmb, low, high)``.

    Examples
    --------
    >>> [round(x, 2) for x in tmb_with_ci(10, 2_000_000)]
    [5.0, 2.4, 9.2]
    """
    if territory_bp <= 0:
        raise ValueError("the territory must be larger than 0 bp")
    mb = territory_bp / 1e6
    low, high = poisson_exact_ci(count, confidence)
    return count / mb, low / mb, high / mb
