"""One biomarker at a time against a binary outcome: AUC (DeLong CI), Mann-Whitney, odds ratio per SD,
Fisher's exact test for categories, Spearman with a continuous outcome, Benjamini-Hochberg q-values.

Only pre-specified groupings are tested: a category column as it is, or a number cut at a threshold
given in advance. There is deliberately no "optimal cut-off" here (see
:class:`~biomarker.models.estimators.CutoffClassifier` for the honest way to study one).
"""

from __future__ import annotations

import itertools
import math
import re
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from biomarker.models.delong import delong_auc
from biomarker.models.spec import check_groupings

UNIVARIABLE_COLUMNS = (
    "feature",
    "kind",
    "n",
    "n_events",
    "n_missing",
    "median_events",
    "median_non_events",
    "auc",
    "auc_ci_lower",
    "auc_ci_upper",
    "mann_whitney_p",
    "fisher_p",
    "odds_ratio",
    "odds_ratio_ci_lower",
    "odds_ratio_ci_upper",
    "odds_ratio_unit",
    "odds_ratio_p",
    "spearman_rho",
    "spearman_p",
    "p",
    "q",
    "spearman_q",
    "rank",
)


def is_categorical(series: pd.Series) -> bool:
    """Text, category or boolean columns (and 0/1 columns) are analysed as categories."""
    if isinstance(series.dtype, pd.CategoricalDtype) or series.dtype == object or pd.api.types.is_bool_dtype(series):
        return True
    if pd.api.types.is_string_dtype(series):
        return True
    values = set(pd.unique(series.dropna()))
    return len(values) <= 2 and values <= {0, 1}


def freeman_halton(table: np.ndarray) -> float:
    """Exact two-sided p of an R x 2 contingency table (Fisher-Freeman-Halton: sum of the probabilities of
    all tables with the same margins that are no more likely than the observed one).

    Examples
    --------
    >>> round(freeman_halton(np.array([[3, 1], [1, 3]])), 4)  # equals Fisher's exact test on a 2 x 2
    0.4857
    """
    table = np.asarray(table, dtype=int)
    rows = table.sum(axis=1)
    k = int(table[:, 0].sum())
    n = int(table.sum())

    def logp(col: Sequence[int]) -> float:
        numerator = sum(
            math.lgamma(r + 1) - math.lgamma(c + 1) - math.lgamma(r - c + 1) for r, c in zip(rows, col, strict=True)
        )
        return numerator - (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1))

    observed = logp(table[:, 0])
    total = 0.0
    for head in itertools.product(*[range(min(int(r), k) + 1) for r in rows[:-1]]):
        last = k - sum(head)
        if last < 0 or last > rows[-1]:
            continue
        lp = logp([*head, last])
        if lp <= observed + 1e-7:
            total += math.exp(lp)
    return min(1.0, total)


def label_key(label: str) -> tuple[int, float, str]:
    """Order ``< x`` before ``>= x`` and numeric-looking categories (``<1``, ``1-49``, ``>=50``) by value."""
    text = str(label).strip()
    m = re.search(r"[-+]?\d*\.?\d+", text)
    value = float(m.group()) if m else np.inf
    if text.startswith(">"):
        value += 1e-9
    elif text.startswith("<"):
        value -= 1e-9
    return (0 if m else 1, value, text)


def _odds_ratio(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    import statsmodels.api as sm

    if np.ptp(x) == 0 or y.min() == y.max():
        return (np.nan,) * 4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = sm.Logit(y, sm.add_constant(x)).fit(disp=0, maxiter=100)
            beta, se = float(fit.params[1]), float(fit.bse[1])
            if not np.isfinite(se) or se > 50:  # (quasi-)separation: no finite estimate
                return (np.nan,) * 4
            return math.exp(beta), math.exp(beta - 1.959964 * se), math.exp(beta + 1.959964 * se), float(fit.pvalues[1])
        except Exception:
            return (np.nan,) * 4


def univariable_binary(
    table: pd.DataFrame,
    outcome: str,
    features: Sequence[str],
    *,
    categorical: Sequence[str] | None = None,
    change: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Association of each feature with a 0/1 outcome, with Benjamini-Hochberg q-values across features.

    Numeric features get the AUC (DeLong 95 % CI; > 0.5 means higher values in the events), the
    Mann-Whitney p, and the odds ratio per SD (logistic regression, Wald CI). Categorical features get
    Fisher's exact test (Freeman-Halton for more than two levels), response rates by level, and for a
    0/1 feature the odds ratio of 1 vs 0 and the AUC. ``p`` is the primary test (Mann-Whitney or
    Fisher), ``q`` its BH q-value, ``rank`` orders features by ``p``. With ``change`` (e.g. best % change
    in tumour size), Spearman's rho of each numeric feature with it.

    Parameters
    ----------
    table
        One row per patient.
    outcome
        0/1 column (missing rows are left out feature by feature).
    features
        Columns to test.
    categorical
        Columns to treat as categories (default: text/boolean/0-1 columns, see :func:`is_categorical`).
    change
        Optional continuous outcome for Spearman correlations.

    Returns
    -------
    univariable, rates
        One row per feature (:data:`UNIVARIABLE_COLUMNS`); and ``feature, level, n, n_events, rate,
        ci_lower, ci_upper`` (Clopper-Pearson) for categorical features.

    Examples
    --------
    >>> t = pd.DataFrame({"y": [0, 0, 0, 1, 1, 1], "tmb": [1, 2, 3, 8, 9, 2.5], "hi": [0, 0, 0, 1, 1, 0]})
    >>> uni, rates = univariable_binary(t, "y", ["tmb", "hi"])
    >>> round(float(uni.set_index("feature").loc["tmb", "auc"]), 3), rates.shape[0]
    (0.889, 2)
    """
    from statsmodels.stats.multitest import multipletests
    from statsmodels.stats.proportion import proportion_confint

    cat = set(categorical) if categorical is not None else {f for f in features if is_categorical(table[f])}
    rows, rate_rows = [], []
    for feat in features:
        sub = table[[outcome, feat] + ([change] if change and change != feat else [])].copy()
        n_missing = int(sub[feat].isna().sum())
        sub = sub.dropna(subset=[outcome, feat])
        y = sub[outcome].astype(int).to_numpy()
        row: dict = {
            "feature": feat,
            "n": len(sub),
            "n_events": int(y.sum()),
            "n_missing": n_missing,
            "kind": "categorical" if feat in cat else "numeric",
        }
        if len(sub) == 0:
            rows.append(row)
            continue
        if feat in cat:
            levels = sorted(pd.unique(sub[feat].astype(str)), key=label_key)
            values = sub[feat].astype(str).to_numpy()
            counts = np.array(
                [[int(((values == lv) & (y == 1)).sum()), int(((values == lv) & (y == 0)).sum())] for lv in levels]
            )
            row["kind"] = "categorical"
            keep = counts.sum(axis=1) > 0
            row["fisher_p"] = freeman_halton(counts[keep]) if keep.sum() > 1 and 0 < y.sum() < len(y) else np.nan
            row["p"] = row["fisher_p"]
            for lv, (ev, non) in zip(levels, counts, strict=True):
                lo, hi = proportion_confint(int(ev), int(ev + non), method="beta")
                rate_rows.append(
                    {
                        "feature": feat,
                        "level": lv,
                        "n": int(ev + non),
                        "n_events": int(ev),
                        "rate": ev / (ev + non),
                        "ci_lower": float(lo),
                        "ci_upper": float(hi),
                    }
                )
            numeric = pd.to_numeric(sub[feat], errors="coerce")
            if set(pd.unique(numeric.dropna())) <= {0, 1} and numeric.notna().all() and numeric.nunique() == 2:
                x = numeric.to_numpy(float)
                est = delong_auc(y, x)
                row.update(auc=est.auc, auc_ci_lower=est.ci_lower, auc_ci_upper=est.ci_upper, odds_ratio_unit="1 vs 0")
                row["odds_ratio"], row["odds_ratio_ci_lower"], row["odds_ratio_ci_upper"], row["odds_ratio_p"] = (
                    _odds_ratio(x, y)
                )
        else:
            x = pd.to_numeric(sub[feat], errors="coerce").to_numpy(float)
            row["kind"] = "numeric"
            row["median_events"] = float(np.median(x[y == 1])) if (y == 1).any() else np.nan
            row["median_non_events"] = float(np.median(x[y == 0])) if (y == 0).any() else np.nan
            est = delong_auc(y, x)
            row.update(auc=est.auc, auc_ci_lower=est.ci_lower, auc_ci_upper=est.ci_upper)
            if 0 < y.sum() < len(y):
                row["mann_whitney_p"] = float(stats.mannwhitneyu(x[y == 1], x[y == 0], alternative="two-sided").pvalue)
            row["p"] = row.get("mann_whitney_p", np.nan)
            sd = float(np.std(x, ddof=1)) if len(x) > 1 else 0.0
            if sd > 0:
                row["odds_ratio_unit"] = f"per SD ({sd:.4g})"
                row["odds_ratio"], row["odds_ratio_ci_lower"], row["odds_ratio_ci_upper"], row["odds_ratio_p"] = (
                    _odds_ratio((x - x.mean()) / sd, y)
                )
            if change and change != feat:
                ok = sub[change].notna().to_numpy()
                if ok.sum() > 2 and np.ptp(x[ok]) > 0:
                    rho, p = stats.spearmanr(x[ok], sub[change].to_numpy(float)[ok])
                    row["spearman_rho"], row["spearman_p"] = float(rho), float(p)
        rows.append(row)
    uni = pd.DataFrame(rows).reindex(columns=list(UNIVARIABLE_COLUMNS))
    for pcol, qcol in (("p", "q"), ("spearman_p", "spearman_q")):
        ok = uni[pcol].notna()
        if ok.any():
            uni.loc[ok, qcol] = multipletests(uni.loc[ok, pcol].astype(float), method="fdr_bh")[1]
    uni["rank"] = uni["p"].rank(method="min", na_option="bottom").astype(int)
    rates = pd.DataFrame(rate_rows, columns=["feature", "level", "n", "n_events", "rate", "ci_lower", "ci_upper"])
    return uni, rates


def group_labels(series: pd.Series, cut: float | None) -> pd.Series:
    """Group label of each patient: ``">= cut"`` / ``"< cut"`` for a number, the value for a category.

    Examples
    --------
    >>> group_labels(pd.Series([3.0, 12.0, None]), 10).tolist()
    ['< 10', '>= 10', nan]
    """
    if cut is None:
        return series.astype(object).where(series.notna(), np.nan).map(lambda v: v if pd.isna(v) else str(v))
    x = pd.to_numeric(series, errors="coerce")
    lab = np.where(x >= cut, f">= {cut:g}", f"< {cut:g}")
    return pd.Series(lab, index=series.index, dtype=object).where(x.notna(), np.nan)


def box_stats(
    table: pd.DataFrame, outcome: str, features: Sequence[str], labels: Mapping[int, str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Points and box-plot statistics of each numeric feature by outcome group, for
    :func:`biomarker.plots.biomarker_by_response`.

    Returns
    -------
    points, boxes
        ``feature, group, value`` and ``feature, group, n, whislo, q1, median, q3, whishi`` (Tukey whiskers:
        the most extreme values within 1.5 IQR of the box).
    """
    labels = dict(labels or {0: "non-responder", 1: "responder"})
    pts, boxes = [], []
    for feat in features:
        sub = table[[outcome, feat]].dropna()
        for code in (0, 1):
            v = pd.to_numeric(sub.loc[sub[outcome].astype(int) == code, feat], errors="coerce").dropna().to_numpy(float)
            group = labels[code]
            pts.append(pd.DataFrame({"feature": feat, "group": group, "value": v}))
            if len(v):
                q1, med, q3 = np.percentile(v, [25, 50, 75])
                iqr = q3 - q1
                inside = v[(v >= q1 - 1.5 * iqr) & (v <= q3 + 1.5 * iqr)]
                boxes.append(
                    {
                        "feature": feat,
                        "group": group,
                        "n": len(v),
                        "whislo": float(inside.min()),
                        "q1": float(q1),
                        "median": float(med),
                        "q3": float(q3),
                        "whishi": float(inside.max()),
                    }
                )
            else:
                boxes.append({"feature": feat, "group": group, "n": 0})
    points = pd.concat(pts, ignore_index=True) if pts else pd.DataFrame(columns=["feature", "group", "value"])
    return points, pd.DataFrame(boxes)


__all__ = [
    "UNIVARIABLE_COLUMNS",
    "box_stats",
    "check_groupings",
    "freeman_halton",
    "group_labels",
    "is_categorical",
    "univariable_binary",
]
