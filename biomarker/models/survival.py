"""Time-to-event outcomes by biomarker: Kaplan-Meier by pre-specified group with the log-rank test, and
univariable Cox hazard ratios (lifelines)."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from biomarker.clinical.survival import kaplan_meier, km_curve_table
from biomarker.models.univariable import check_groupings, group_labels, is_categorical, label_key

log = logging.getLogger(__name__)

GROUP_COLUMNS = (
    "endpoint",
    "grouping",
    "group",
    "n",
    "n_events",
    "median_months",
    "median_ci_lower_months",
    "median_ci_upper_months",
    "logrank_p",
    "hazard_ratio",
    "hr_ci_lower",
    "hr_ci_upper",
    "hr_p",
)
COX_COLUMNS = ("endpoint", "feature", "unit", "n", "n_events", "hazard_ratio", "hr_ci_lower", "hr_ci_upper", "p", "q")


def _cox(frame: pd.DataFrame, time: str, event: str, column: str) -> tuple[float, float, float, float]:
    from lifelines import CoxPHFitter

    if frame[column].nunique() < 2 or frame[event].sum() == 0:
        return (np.nan,) * 4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = CoxPHFitter().fit(frame[[time, event, column]], duration_col=time, event_col=event)
        except Exception as exc:  # convergence failure (e.g. a group without events)
            log.info("Cox fit of %s failed: %s", column, exc)
            return (np.nan,) * 4
    s = fit.summary.loc[column]
    if not np.isfinite(s["se(coef)"]) or s["se(coef)"] > 20:
        return (np.nan,) * 4
    return (float(s["exp(coef)"]), float(s["exp(coef) lower 95%"]), float(s["exp(coef) upper 95%"]), float(s["p"]))


def survival_by_group(
    table: pd.DataFrame,
    time: str,
    event: str,
    groups: Mapping[str, float | None],
    *,
    endpoint: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Kaplan-Meier medians, log-rank p and (two groups) the Cox hazard ratio for each pre-specified grouping.

    Parameters
    ----------
    table
        One row per patient with ``time`` (months) and ``event`` (1/0).
    groups
        ``{column: cut-off}`` or ``{column: None}`` for a categorical column (see
        :func:`~biomarker.models.univariable.check_groupings`; no data-driven cut-offs).
    endpoint
        Name in the output (default: ``time`` without ``_months``).

    Returns
    -------
    summary, curves, at_risk
        :data:`GROUP_COLUMNS` (the hazard ratio is of the second group against the first, in sorted
        label order, e.g. ``>= 10`` vs ``< 10``); the tidy Kaplan-Meier curves and numbers at risk of
        :func:`~biomarker.clinical.survival.km_curve_table` with a ``grouping`` column.

    Examples
    --------
    >>> t = pd.DataFrame({"m": [1, 2, 3, 8, 9, 12.0], "e": [1, 1, 1, 0, 1, 0], "tmb": [2, 3, 4, 12, 15, 20]})
    >>> s, _, _ = survival_by_group(t, "m", "e", {"tmb": 10})
    >>> s[["group", "n", "n_events"]].values.tolist()
    [['< 10', 3, 3], ['>= 10', 3, 1]]
    """
    from lifelines.statistics import multivariate_logrank_test

    endpoint = endpoint or time.removesuffix("_months")
    rows, curves, risks = [], [], []
    for column, cut in check_groupings(groups).items():
        sub = table[[time, event]].assign(_g=group_labels(table[column], cut)).dropna()
        if sub.empty:
            continue
        sub[event] = sub[event].astype(int)
        labels = sorted(sub["_g"].unique(), key=label_key)
        p = np.nan
        if len(labels) > 1 and sub[event].sum() > 0:
            p = float(multivariate_logrank_test(sub[time], sub["_g"], sub[event]).p_value)
        hr = (np.nan,) * 4
        if len(labels) == 2:
            coded = sub.assign(_x=(sub["_g"] == labels[1]).astype(int))
            hr = _cox(coded, time, event, "_x")
        for lab in labels:
            g = sub[sub["_g"] == lab]
            km = kaplan_meier(g[time], g[event], endpoint=endpoint)
            rows.append(
                {
                    "endpoint": endpoint,
                    "grouping": column,
                    "group": lab,
                    "n": len(g),
                    "n_events": km.n_events,
                    "median_months": km.median_months,
                    "median_ci_lower_months": km.median_ci_lower_months,
                    "median_ci_upper_months": km.median_ci_upper_months,
                    "logrank_p": p,
                    "hazard_ratio": hr[0] if lab == labels[1] else np.nan,
                    "hr_ci_lower": hr[1] if lab == labels[1] else np.nan,
                    "hr_ci_upper": hr[2] if lab == labels[1] else np.nan,
                    "hr_p": hr[3] if lab == labels[1] else np.nan,
                }
            )
        c, r = km_curve_table(sub, time, event, group_col="_g")
        curves.append(c.assign(endpoint=endpoint, grouping=column))
        risks.append(r.assign(endpoint=endpoint, grouping=column))
    summary = pd.DataFrame(rows, columns=list(GROUP_COLUMNS))
    return (
        summary,
        pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(),
        pd.concat(risks, ignore_index=True) if risks else pd.DataFrame(),
    )


def cox_univariable(
    table: pd.DataFrame, time: str, event: str, features: Sequence[str], *, endpoint: str | None = None
) -> pd.DataFrame:
    """Univariable Cox hazard ratio of each numeric or 0/1 feature (per SD, or 1 vs 0), with BH q-values.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=80)
    >>> t = pd.DataFrame({"m": rng.exponential(np.exp(-x)), "e": 1, "x": x})
    >>> float(cox_univariable(t, "m", "e", ["x"]).hazard_ratio.iloc[0]) > 1.5
    True
    """
    from statsmodels.stats.multitest import multipletests

    endpoint = endpoint or time.removesuffix("_months")
    rows = []
    for feat in features:
        sub = table[[time, event, feat]].dropna()
        values = pd.to_numeric(sub[feat], errors="coerce")
        if values.isna().any() or (is_categorical(table[feat]) and not set(values.unique()) <= {0, 1}):
            continue
        binary = set(values.unique()) <= {0, 1}
        sd = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        if sd == 0 or not np.isfinite(sd):
            continue
        x = values if binary else (values - values.mean()) / sd
        frame = pd.DataFrame({time: sub[time].astype(float), event: sub[event].astype(int), "_x": x.astype(float)})
        hr = _cox(frame, time, event, "_x")
        rows.append(
            {
                "endpoint": endpoint,
                "feature": feat,
                "unit": "1 vs 0" if binary else f"per SD ({sd:.4g})",
                "n": len(sub),
                "n_events": int(frame[event].sum()),
                "hazard_ratio": hr[0],
                "hr_ci_lower": hr[1],
                "hr_ci_upper": hr[2],
                "p": hr[3],
            }
        )
    out = pd.DataFrame(rows, columns=list(COX_COLUMNS))
    ok = out["p"].notna()
    if ok.any():
        out.loc[ok, "q"] = multipletests(out.loc[ok, "p"].astype(float), method="fdr_bh")[1]
    return out


__all__ = ["COX_COLUMNS", "GROUP_COLUMNS", "cox_univariable", "survival_by_group"]
