"""Marker effects in the units people use (odds ratio per doubling of TMB, per 10 points of PD-L1 TPS, per SD),
unadjusted and adjusted for prognostic covariates with Firth's penalised logistic regression."""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from biomarker.models.firth import firth_fit, firth_lrt, firth_profile_ci

EFFECT_COLUMNS = (
    "feature",
    "unit",
    "n",
    "n_events",
    "odds_ratio",
    "ci_lower",
    "ci_upper",
    "p",
    "method",
    "adjusted_for",
    "adjusted_n",
    "adjusted_n_events",
    "adjusted_parameters",
    "events_per_parameter",
    "adjusted_odds_ratio",
    "adjusted_ci_lower",
    "adjusted_ci_upper",
    "adjusted_p",
    "adjusted_method",
)


def effect_units(feature: str, values: pd.Series) -> list[tuple[str, Callable[[np.ndarray], np.ndarray]]]:
    """The units an odds ratio of ``feature`` is given in: per SD always; per doubling for a mutation burden
    (``log2(x)``, or ``log2(x + 1)`` when a value is 0; a ``*_log2`` column is already on that scale); per 10
    points for a percentage (a ``*_pct`` column on a 0-100 scale) such as PD-L1 TPS; an ordinal score gets neither.

    Examples
    --------
    >>> [u for u, _ in effect_units("tmb_per_mb", pd.Series([1.0, 4.0, 16.0]))]
    ['per SD (7.937)', 'per doubling']
    >>> [u for u, _ in effect_units("pdl1_tps_pct", pd.Series([0.0, 50.0, 90.0]))]
    ['per SD (45.09)', 'per 10 points']
    >>> [u for u, _ in effect_units("pdl1_tps_ordinal", pd.Series([0.0, 1.0, 2.0]))]
    ['per SD (1)']
    """
    x = pd.to_numeric(values, errors="coerce").dropna().to_numpy(float)
    sd = float(np.std(x, ddof=1)) if len(x) > 1 else 0.0
    units: list[tuple[str, Callable]] = []
    if sd > 0:
        mean = float(x.mean())
        units.append((f"per SD ({sd:.4g})", lambda v, m=mean, s=sd: (v - m) / s))
    name = feature.lower()
    if re.search(r"log2", name):
        units.append(("per doubling (1 unit of the log2 scale)", lambda v: v))
    elif re.search(r"tmb|burden|mutation", name) and len(x) and x.min() >= 0:
        if x.min() > 0:
            units.append(("per doubling", np.log2))
        else:
            units.append(("per doubling of (x + 1)", lambda v: np.log2(v + 1.0)))
    if re.search(r"(pct|percent)", name) and len(x) and x.min() >= 0 and 10 < x.max() <= 100:
        units.append(("per 10 points", lambda v: v / 10.0))
    return units


def _ml_logistic(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float, str]:
    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = sm.Logit(y, sm.add_constant(x)).fit(disp=0, maxiter=100)
            b, se = float(fit.params[1]), float(fit.bse[1])
            if np.isfinite(se) and se < 50:
                return (
                    math.exp(b),
                    math.exp(b - 1.959964 * se),
                    math.exp(b + 1.959964 * se),
                    float(fit.pvalues[1]),
                    "logistic regression, Wald CI",
                )
        except Exception:
            pass
    X = np.column_stack([np.ones(len(x)), x])
    f = firth_fit(X, y)
    lo, hi = firth_profile_ci(X, y, 1, f)
    return (
        math.exp(f.coef[1]),
        math.exp(lo),
        math.exp(hi),
        firth_lrt(X, y, 1, f),
        "Firth logistic regression (separation), profile CI",
    )


def covariate_design(frame: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
    """Numeric covariates as they are, text ones as indicators of each level but the most common."""
    parts = []
    for c in covariates:
        v = frame[c]
        numeric = pd.to_numeric(v, errors="coerce")
        if numeric.notna().sum() == v.notna().sum() and v.notna().any():
            parts.append(numeric.rename(c).astype(float))
        else:
            levels = v.dropna().astype(str).value_counts().index.tolist()
            for lv in sorted(levels[1:]):
                col = (v.astype(str) == lv).astype(float).where(v.notna())
                parts.append(col.rename(f"{c}={lv}"))
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=frame.index)


def marker_effects(
    data: pd.DataFrame, outcome: str, features: Sequence[str], adjust_for: Sequence[str] = ()
) -> pd.DataFrame:
    """Odds ratio of each numeric feature for the outcome, per unit of :func:`effect_units`, unadjusted (logistic
    regression, Wald CI) and adjusted for ``adjust_for`` (Firth's penalised logistic regression, profile penalised-
    likelihood CI and likelihood-ratio p, complete cases; the events per parameter are stated).

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> t = pd.DataFrame({"tmb_per_mb": rng.lognormal(2, 1, 80), "age_years": rng.normal(65, 8, 80)})
    >>> t["y"] = (rng.random(80) < 1 / (1 + np.exp(-(np.log2(t.tmb_per_mb) - 3)))).astype(int)
    >>> e = marker_effects(t, "y", ["tmb_per_mb"], ["age_years"]).set_index("unit")
    >>> bool(e.loc["per doubling", "adjusted_odds_ratio"] > 1.5), int(e.loc["per doubling", "adjusted_parameters"])
    (True, 2)
    """
    rows = []
    covs = [c for c in adjust_for if c in data.columns and c not in features]
    for feat in features:
        sub = data[[outcome, feat]].dropna()
        x_raw = pd.to_numeric(sub[feat], errors="coerce")
        if x_raw.isna().any() or x_raw.nunique() < 3:
            continue
        y = sub[outcome].astype(int).to_numpy()
        if y.min() == y.max():
            continue
        full = data[[outcome, feat, *covs]].copy()
        design = covariate_design(full, [c for c in covs if c != feat])
        cc = pd.concat([full[[outcome, feat]], design], axis=1).dropna()
        cc = cc.loc[:, cc.nunique() > 1] if len(cc) else cc
        adj_cols = [c for c in design.columns if c in cc.columns]
        for unit, transform in effect_units(feat, sub[feat]):
            x = transform(x_raw.to_numpy(float))
            odds, lo, hi, p, method = _ml_logistic(x, y)
            row = {
                "feature": feat,
                "unit": unit,
                "n": len(y),
                "n_events": int(y.sum()),
                "odds_ratio": odds,
                "ci_lower": lo,
                "ci_upper": hi,
                "p": p,
                "method": method,
                "adjusted_for": ", ".join(covs) if covs else None,
            }
            if adj_cols and feat in cc.columns and 0 < cc[outcome].sum() < len(cc):
                ya = cc[outcome].astype(int).to_numpy()
                X = np.column_stack(
                    [np.ones(len(cc)), transform(cc[feat].to_numpy(float)), cc[adj_cols].to_numpy(float)]
                )
                n_par = X.shape[1] - 1
                smaller = int(min(ya.sum(), len(ya) - ya.sum()))  # patients in the smaller outcome class
                counts = dict(
                    adjusted_n=len(ya),
                    adjusted_n_events=int(ya.sum()),
                    adjusted_parameters=n_par,
                    events_per_parameter=smaller / n_par,
                )
                if np.linalg.matrix_rank(X) < X.shape[1]:
                    row["adjusted_method"] = (
                        "not estimable: the marker and covariates are collinear in the complete cases"
                    )
                    rows.append(row)
                    continue
                if counts["events_per_parameter"] < 1:
                    # fewer outcomes in the smaller class than parameters: the fit interpolates the data and its
                    # profile interval spans orders of magnitude (8 patients, 6 parameters: OR 0.06 to 1700)
                    row.update(counts)
                    row["adjusted_method"] = (
                        f"not estimated: {smaller} patients in the smaller outcome class for {n_par} parameters "
                        "(fewer than one per parameter)"
                    )
                    rows.append(row)
                    continue
                fit = firth_fit(X, ya)
                a_lo, a_hi = firth_profile_ci(X, ya, 1, fit)
                row.update(
                    **counts,
                    adjusted_odds_ratio=math.exp(fit.coef[1]),
                    adjusted_ci_lower=math.exp(a_lo),
                    adjusted_ci_upper=math.exp(a_hi),
                    adjusted_p=firth_lrt(X, ya, 1, fit),
                    adjusted_method="Firth penalised logistic regression, profile penalised-likelihood CI, "
                    "likelihood-ratio p; complete cases"
                    + ("" if np.isfinite([a_lo, a_hi]).all() else "; profile CI not found")
                    + ("" if fit.converged else "; the fit did not converge (unreliable)"),
                )
            rows.append(row)
    return pd.DataFrame(rows).reindex(columns=list(EFFECT_COLUMNS))


__all__ = ["EFFECT_COLUMNS", "covariate_design", "effect_units", "marker_effects"]
