"""Rows of the endpoint summary table and the Kaplan-Meier tables of an endpoint run."""

from __future__ import annotations

import numpy as np
import pandas as pd

from biomarker.clinical.survival import KmEstimate, km_curve_table

SUMMARY_COLUMNS = ("endpoint", "source", "estimate", "ci_lower", "ci_upper", "unit", "n_subjects", "n_events")


def km_rows(km: KmEstimate, source: str) -> list[dict]:
    rows = [
        {
            "endpoint": f"{km.endpoint}_median",
            "source": source,
            "estimate": km.median_months,
            "ci_lower": km.median_ci_lower_months,
            "ci_upper": km.median_ci_upper_months,
            "unit": "months",
            "n_subjects": km.n_subjects,
            "n_events": km.n_events,
        }
    ]
    for _, lm in km.landmarks.iterrows():
        rows.append(
            {
                "endpoint": f"{km.endpoint}_rate_{lm['time_months']:g}_months",
                "source": source,
                "estimate": lm["survival"],
                "ci_lower": lm["ci_lower"],
                "ci_upper": lm["ci_upper"],
                "unit": "proportion",
                "n_subjects": km.n_subjects,
                "n_events": km.n_events,
            }
        )
    return rows


def rate_rows(rates: pd.DataFrame, source: str) -> list[dict]:
    return [
        {
            "endpoint": r["endpoint"],
            "source": source,
            "estimate": r["proportion"],
            "ci_lower": r["ci_lower"],
            "ci_upper": r["ci_upper"],
            "unit": "proportion",
            "n_subjects": r["n_subjects"],
            "n_events": r["n_responders"],
        }
        for _, r in rates.iterrows()
    ]


def ttr_rows(ttr: pd.DataFrame) -> list[dict]:
    months = ttr["ttr_months"]
    rows = []
    for name, value in (("ttr_median", months.median()), ("ttr_min", months.min()), ("ttr_max", months.max())):
        rows.append(
            {
                "endpoint": name,
                "source": "derived",
                "estimate": float(value) if len(ttr) else np.nan,
                "ci_lower": np.nan,
                "ci_upper": np.nan,
                "unit": "months",
                "n_subjects": len(ttr),
                "n_events": len(ttr),
            }
        )
    return rows


def km_tables(km: dict[str, KmEstimate], data: dict[str, tuple[pd.DataFrame, str, str]]) -> dict[str, pd.DataFrame]:
    landmarks = [est.landmarks for est in km.values() if len(est.landmarks)]
    curves, risks = [], []
    for endpoint, (frame, tcol, ecol) in data.items():
        if endpoint not in km or frame.empty:
            continue
        c, r = km_curve_table(frame, tcol, ecol, fitted=km[endpoint].fitter)  # the estimate's own fit, if it is one
        curves.append(c.assign(group=endpoint))
        risks.append(r.assign(group=endpoint))
    out = {"km_estimates": pd.concat([est.summary for est in km.values()], ignore_index=True)}
    if landmarks:
        out["km_landmarks"] = pd.concat(landmarks, ignore_index=True)
    if curves:
        out["km_curves"] = pd.concat(curves, ignore_index=True).rename(columns={"group": "endpoint"})
        out["km_at_risk"] = pd.concat(risks, ignore_index=True).rename(columns={"group": "endpoint"})
    return out
