"""Kaplan-Meier estimates through lifelines: median with CI, landmark rates, curve and at-risk tables.

Times are in months (days / 30.4375). Confidence intervals: the exponential Greenwood (log-log)
interval for survival (lifelines' default, R ``conf.type = "log-log"``, SAS LIFETEST's default) and, for
the median, the Brookmeyer-Crowley interval read off that band. Medians and their limits follow R
``survfit`` / SAS LIFETEST: where S(t) is exactly 0.5 over a flat stretch the median is the midpoint of
the stretch (to the last follow-up time when the curve never falls below 0.5); a limit whose band never
falls to 0.5 is not estimable (``nan``, shown as NE).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

DAYS_PER_MONTH = 30.4375
CI_METHOD = "log-log (exponential Greenwood); median CI: Brookmeyer-Crowley on the log-log band"
_TOL = float(np.sqrt(np.finfo(float).eps))


def km_quantile(times: Sequence[float], survival: Sequence[float], p: float = 0.5) -> float:
    """Time at which a Kaplan-Meier step curve reaches ``1 - p``, as R ``quantile.survfit`` computes it.

    The first time S(t) <= 1 - p; when S(t) equals 1 - p exactly (within sqrt(machine eps)) the midpoint
    between that time and the first time the curve falls below it (or the last time of the curve);
    ``nan`` when the curve never reaches 1 - p.

    Examples
    --------
    >>> km_quantile([0, 1, 2, 3, 4, 6, 7], [1, .875, .75, .625, .5, .375, .25])
    5.0
    >>> km_quantile([0, 1, 2, 3, 4], [1, .75, .5, .5, .5])
    3.0
    >>> import math; math.isnan(km_quantile([0, 1, 2], [1, .8, .6]))
    True
    """
    t = np.asarray(times, dtype=float)
    s = np.asarray(survival, dtype=float)
    ok = ~np.isnan(s)
    t, s = t[ok], s[ok]
    target = 1.0 - p
    reached = np.flatnonzero(s <= target + _TOL)
    if not len(reached):
        return float("nan")
    i = int(reached[0])
    if abs(s[i] - target) >= _TOL:
        return float(t[i])
    below = np.flatnonzero(s < target - _TOL)
    j = int(below[0]) if len(below) else len(t) - 1
    return float((t[i] + t[j]) / 2.0)


def days_to_months(days: float | np.ndarray | pd.Series) -> float | np.ndarray | pd.Series:
    """Convert days to months (days / 30.4375).

    Examples
    --------
    >>> days_to_months(30.4375 * 6)
    6.0
    """
    return days / DAYS_PER_MONTH


@dataclass
class KmEstimate:
    """Kaplan-Meier summary of one endpoint.

    Attributes
    ----------
    endpoint
        Name, e.g. ``"pfs"``.
    n_subjects, n_events
        Subjects and events.
    median_months, median_ci_lower_months, median_ci_upper_months
        Median and its 95 % CI (``nan``: not reached / not estimable), see :func:`km_quantile`.
    landmarks
        Frame ``endpoint, time_months, survival, ci_lower, ci_upper``.
    fitter
        The fitted ``lifelines.KaplanMeierFitter``.
    """

    endpoint: str
    n_subjects: int
    n_events: int
    median_months: float
    median_ci_lower_months: float
    median_ci_upper_months: float
    landmarks: pd.DataFrame
    fitter: object

    @property
    def summary(self) -> pd.DataFrame:
        """One row: endpoint, n, events, median and CI (months)."""
        return pd.DataFrame(
            [
                {
                    "endpoint": self.endpoint,
                    "n_subjects": self.n_subjects,
                    "n_events": self.n_events,
                    "median_months": self.median_months,
                    "median_ci_lower_months": self.median_ci_lower_months,
                    "median_ci_upper_months": self.median_ci_upper_months,
                    "ci_method": CI_METHOD,
                }
            ]
        )


def _finite(x: float) -> float:
    x = float(x)
    return x if np.isfinite(x) else float("nan")


def kaplan_meier(
    durations_months: Sequence[float] | pd.Series,
    events: Sequence[int] | pd.Series,
    *,
    endpoint: str = "endpoint",
    landmarks_months: Sequence[float] = (),
    alpha: float = 0.05,
) -> KmEstimate:
    """Fit a Kaplan-Meier curve and summarise it.

    Parameters
    ----------
    durations_months
        Follow-up time of each subject, months.
    events
        1 for an event, 0 for censored.
    endpoint
        Name carried into the tables.
    landmarks_months
        Times at which to report survival and its CI (``nan`` past the last follow-up).
    alpha
        1 - confidence level.

    Examples
    --------
    >>> km = kaplan_meier([1, 2, 3, 4, 5], [1, 1, 0, 1, 0], endpoint="pfs", landmarks_months=[2.5])
    >>> round(km.median_months, 2), round(float(km.landmarks.survival.iloc[0]), 2)
    (4.0, 0.6)
    """
    from lifelines import KaplanMeierFitter

    t = np.asarray(durations_months, dtype=float)
    e = np.asarray(events, dtype=int)
    if len(t) == 0:
        empty = pd.DataFrame(columns=["endpoint", "time_months", "survival", "ci_lower", "ci_upper"])
        return KmEstimate(endpoint, 0, 0, np.nan, np.nan, np.nan, empty, None)
    kmf = KaplanMeierFitter(alpha=alpha).fit(t, e, label=endpoint)
    sf = kmf.survival_function_.iloc[:, 0]
    band = kmf.confidence_interval_survival_function_
    times = sf.index.to_numpy(float)
    median = km_quantile(times, sf.to_numpy(float))
    # the lower limit of the median is where the lower band reaches 0.5, the upper limit where the upper band does
    lo_col = next(c for c in band.columns if "_lower_" in c)
    hi_col = next(c for c in band.columns if "_upper_" in c)
    lower = km_quantile(times, band[lo_col].to_numpy(float))
    upper = km_quantile(times, band[hi_col].to_numpy(float))
    rows = []
    ci_frame = kmf.confidence_interval_survival_function_
    for lm in landmarks_months:
        if lm > t.max():
            rows.append(
                {
                    "endpoint": endpoint,
                    "time_months": lm,
                    "survival": np.nan,
                    "ci_lower": np.nan,
                    "ci_upper": np.nan,
                }
            )
            continue
        surv = float(kmf.survival_function_at_times(lm).iloc[0])
        bounds = ci_frame[ci_frame.index <= lm].iloc[-1]
        rows.append(
            {
                "endpoint": endpoint,
                "time_months": lm,
                "survival": surv,
                "ci_lower": float(bounds.iloc[0]),
                "ci_upper": float(bounds.iloc[1]),
            }
        )
    landmarks = pd.DataFrame(rows, columns=["endpoint", "time_months", "survival", "ci_lower", "ci_upper"])
    return KmEstimate(endpoint, len(t), int(e.sum()), median, lower, upper, landmarks, kmf)


def risk_table_times(tmax: float, most: int = 8) -> list[float]:
    """Times for a numbers-at-risk table: 0, then a step of 1, 2, 3, 6 or 12 months giving at most ``most``
    columns up to ``tmax``.

    Examples
    --------
    >>> risk_table_times(5.7), risk_table_times(26.0)
    ([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [0.0, 6.0, 12.0, 18.0, 24.0])
    """
    step = next((s for s in (1.0, 2.0, 3.0, 6.0, 12.0) if tmax / s < most), 24.0)
    return [float(x) for x in np.arange(0.0, tmax + 1e-9, step)]


def km_curve_table(
    frame: pd.DataFrame,
    duration_col: str,
    event_col: str,
    *,
    group_col: str | None = None,
    at_risk_times: Sequence[float] | None = None,
    alpha: float = 0.05,
    fitted=None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kaplan-Meier step curves and numbers at risk as tidy frames, ready for plotting.

    Parameters
    ----------
    frame
        One row per subject.
    duration_col, event_col
        Time (months) and event indicator columns.
    group_col
        Optional column splitting the curves (one curve per value).
    at_risk_times
        Times for the numbers at risk; by default every 3 months up to the last follow-up.
    fitted
        A ``KaplanMeierFitter`` that may already be fitted on these data (ungrouped): used when it was fitted on
        the same times, events and ``alpha`` (checked), instead of a second fit of the same curve.

    Returns
    -------
    curves, at_risk
        ``curves``: ``group, time_months, survival, ci_lower, ci_upper, censored`` (``censored`` is
        the number censored at that time); ``at_risk``: ``group, time_months, n_at_risk``.

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1.0, 2.0, 3.0], "e": [1, 0, 1]})
    >>> curves, at_risk = km_curve_table(df, "t", "e", at_risk_times=[0, 2])
    >>> at_risk.n_at_risk.tolist()
    [3, 2]
    """
    from lifelines import KaplanMeierFitter

    groups = [("all", frame)] if group_col is None else list(frame.groupby(group_col, sort=True))
    if at_risk_times is None:
        tmax = float(frame[duration_col].max()) if len(frame) else 0.0
        at_risk_times = risk_table_times(tmax)
    curves, risks = [], []
    for name, g in groups:
        t = g[duration_col].to_numpy(float)
        e = g[event_col].to_numpy(int)
        kmf = (
            fitted
            if group_col is None and _fitted_on(fitted, t, e, alpha)
            else KaplanMeierFitter(alpha=alpha).fit(t, e)
        )
        curve, at_risk = _curve_frames(kmf, str(name), t, at_risk_times)
        curves.append(curve)
        risks.append(at_risk)
    return pd.concat(curves, ignore_index=True), pd.concat(risks, ignore_index=True)


def _curve_frames(kmf, name: str, t: np.ndarray, at_risk_times: Sequence[float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The step curve and numbers at risk of one fitted ``KaplanMeierFitter`` (see :func:`km_curve_table`)."""
    sf = kmf.survival_function_.iloc[:, 0]
    ci = kmf.confidence_interval_survival_function_
    table = kmf.event_table
    curve = pd.DataFrame(
        {
            "group": name,
            "time_months": sf.index.to_numpy(float),
            "survival": sf.to_numpy(float),
            "ci_lower": ci.iloc[:, 0].to_numpy(float),
            "ci_upper": ci.iloc[:, 1].to_numpy(float),
            "censored": table["censored"].reindex(sf.index, fill_value=0).to_numpy(int),
        }
    )
    at_risk = pd.DataFrame(
        {
            "group": name,
            "time_months": np.asarray(at_risk_times, float),
            "n_at_risk": [int((t >= x).sum()) for x in at_risk_times],
        }
    )
    return curve, at_risk


def _fitted_on(kmf, t: np.ndarray, e: np.ndarray, alpha: float = 0.05) -> bool:
    """Whether ``kmf`` was fitted on these follow-up times and events (in any order) with this ``alpha``: its
    curve is then the one a new fit would give."""
    if kmf is None or kmf.alpha != alpha or len(kmf.durations) != len(t):
        return False
    mine = sorted(
        zip(np.asarray(kmf.durations, float).tolist(), np.asarray(kmf.event_observed, int).tolist(), strict=True)
    )
    return mine == sorted(zip(t.tolist(), e.tolist(), strict=True))
