"""``report.json``: the numbers of a model run filed under the TRIPOD+AI and REMARK items they answer.

Item numbers follow the TRIPOD+AI checklist (Collins et al., BMJ 2024) and REMARK (McShane et al.,
2005); each entry names its item so that a reader can check the mapping. Items that only the authors
can answer (title, funding, ethics, patient involvement) are not filled in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd


def _clean(obj):
    """JSON-safe: NaN/inf -> None, numpy scalars -> Python, frames -> records."""
    if isinstance(obj, pd.DataFrame):
        return [_clean(r) for r in obj.to_dict(orient="records")]
    if isinstance(obj, Mapping):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        return None if not math.isfinite(obj) else round(obj, 10)
    return obj


def tripod_report(*, settings: Mapping, data_summary: Mapping, tables: Mapping[str, pd.DataFrame],
                  provenance: Mapping) -> dict:
    """Assemble the report dictionary (JSON-safe)."""
    summary = tables.get("model_performance", pd.DataFrame())
    uni = tables.get("univariable", pd.DataFrame())
    miss = tables.get("missingness", pd.DataFrame())
    n_candidates = data_summary.get("n_candidate_parameters")
    n_events = data_summary.get("n_events")
    n_min = min(n_events, data_summary["n"] - n_events) if n_events is not None else None
    items = {
        "tripod_ai_5": {
            "item": "Data: sources and dates",
            "input": provenance.get("input"),
            "input_sha256": provenance.get("input_sha256"),
        },
        "tripod_ai_8a": {"item": "Outcome: definition", "outcome": settings["outcome"],
                         "positive_values": settings.get("positive")},
        "tripod_ai_9a": {"item": "Predictors: which, how measured", "features": settings["features"],
                         "numeric": settings["numeric"], "categorical": settings["categorical"]},
        "tripod_ai_10": {
            "item": "Sample size",
            "n": data_summary["n"],
            "n_events": n_events,
            "n_excluded_missing_outcome": data_summary.get("n_excluded_missing_outcome"),
            "n_candidate_parameters": n_candidates,
            "events_per_candidate_parameter": (n_min / n_candidates) if n_candidates and n_min is not None else None,
            "note": "with fewer than 10-20 events per candidate parameter, expect optimism and unstable models; "
                    "read the cross-validated estimates and their intervals, not apparent performance",
        },
        "tripod_ai_11": {
            "item": "Missing data",
            "per_feature": miss,
            "informative_missingness": (miss.loc[miss["missing_vs_outcome_p"] < 0.05, "feature"].tolist()
                                        if "missing_vs_outcome_p" in miss else []),
            "handling": "numeric: median imputation plus a missing-indicator column; categorical: 'missing' as a "
                        "level; both learned on the training fold only (inside the pipeline); univariable tests use "
                        "available cases",
        },
        "tripod_ai_12": {
            "item": "Analytical methods",
            "models": settings["models"],
            "rule": settings.get("rule"),
            "cutoff_features": settings.get("cutoff_features"),
            "preprocessing": "inside each training fold: imputation with missing indicators, standardisation, "
                             "one-hot encoding",
            "tuning": "penalised logistic models choose C by an inner stratified 3-fold CV (log-loss) within each "
                      "outer training fold (nested); cut-offs of cutoff models are learned within training folds "
                      "(Youden); random forest and gradient boosting use pre-specified settings",
            "internal_validation": f"{settings['n_repeats']} x repeated stratified {data_summary.get('n_splits')}-fold "
                                   "CV; out-of-fold predictions pooled per repeat; metrics averaged over repeats",
            "performance_measures": "AUC (percentile bootstrap CI over patients, {b} resamples, no refit), Brier "
                                    "score, calibration slope and intercept (calibration-in-the-large)".format(
                                        b=settings["n_bootstrap"]),
            "permutation_test": f"{settings['n_permutations']} outcome permutations, whole pipeline refitted, "
                                f"statistic = mean AUC over the first {settings['permutation_repeats']} CV repeat(s)",
        },
        "tripod_ai_13": {"item": "Class imbalance", "handling": "none: no resampling or class weights, so predicted "
                         "probabilities keep the cohort's event rate"},
        "tripod_ai_20": {"item": "Participants: flow and characteristics", "n": data_summary["n"],
                         "n_events": n_events, "event_rate": data_summary.get("event_rate")},
        "tripod_ai_22": {"item": "Model specification (final models refitted on all patients)",
                         "coefficients": tables.get("coefficients", pd.DataFrame())},
        "tripod_ai_23a": {"item": "Model performance with confidence intervals", "performance": summary},
        "tripod_ai_23b": {"item": "Heterogeneity / variable importance",
                          "permutation_importance": tables.get("importance", pd.DataFrame())},
        "tripod_ai_26": {
            "item": "Limitations",
            "notes": [
                "internal validation only: no external cohort",
                "bootstrap intervals resample out-of-fold predictions and do not refit the models",
                "on-treatment features (e.g. TBNK change at C2D1) are missing for patients off treatment by then; "
                "a missing indicator can carry that early-progression information",
            ],
        },
        "remark_10_univariable": {"item": "REMARK 10/12: univariable associations, pre-specified cut-offs only",
                                  "univariable": uni,
                                  "categorical_rates": tables.get("categorical_rates", pd.DataFrame()),
                                  "multiple_testing": "Benjamini-Hochberg across features within each test"},
        "remark_survival": {"item": "REMARK 12-13: survival by pre-specified biomarker groups and Cox models",
                            "groups": settings.get("groups"),
                            "km_logrank": tables.get("survival_groups", pd.DataFrame()),
                            "cox": tables.get("cox", pd.DataFrame())},
    }
    return _clean({"provenance": provenance, "settings": settings, "data": data_summary, "items": items})


__all__ = ["tripod_report"]
