"""``report.json``: the numbers of a model run filed under the TRIPOD+AI (Collins et al., BMJ 2024) items they
answer, numbered and worded (shortened) as in the 2024 checklist, and REMARK (McShane et al. 2005) items where
they are REMARK's. Every numbered TRIPOD+AI item is present: filled from the run, "not applicable" with the
reason, or "to be completed by the authors" for what only they know (title, setting, ethics, funding ...).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

AUTHORS = "to be completed by the authors"
_AUTHOR_ITEMS = {
    "1": "Title",
    "2": "Abstract",
    "3a": "Background: healthcare context and rationale",
    "3b": "Background: target population and place of the model in the care pathway",
    "3c": "Background: known health inequalities",
    "4": "Objectives",
    "6a": "Setting: key elements, centres",
    "6b": "Eligibility criteria",
    "6c": "Treatments received",
    "8b": "Outcome assessors' qualifications",
    "8c": "Blinding of outcome assessment",
    "9c": "Predictor assessors' qualifications",
    "14": "Fairness",
    "17": "Ethical approval",
    "18a": "Funding",
    "18b": "Conflicts of interest",
    "18c": "Protocol",
    "18d": "Registration",
    "18e": "Data sharing",
    "18f": "Code sharing",
    "19": "Patient and public involvement",
    "25": "Interpretation",
    "27a": "Usability: poor-quality input",
    "27b": "Usability: user interaction and expertise",
    "27c": "Usability: next steps",
}


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


def _na(item: str, why: str) -> dict:
    return {"item": item, "not_applicable": why}


def tripod_report(
    *, spec, prep, tables: Mapping[str, pd.DataFrame], provenance: Mapping, warnings: list[str], indicators: list[str]
) -> dict:
    """Assemble the report dictionary (JSON-safe)."""
    perf = tables.get("model_performance", pd.DataFrame())
    miss = tables.get("missingness", pd.DataFrame())
    size = tables.get("sample_size", pd.DataFrame())
    size_row = size.iloc[0].to_dict() if len(size) else {}
    n, n_events = prep.n, prep.n_events
    n_min = min(n_events, n - n_events)
    n_par = size_row.get("n_candidate_parameters")
    surv = tables.get("survival_groups", pd.DataFrame())
    cox = tables.get("cox", pd.DataFrame())
    landmark = prep.landmark
    items = {
        "5a": {
            "item": "Data: sources, rationale, representativeness",
            "input": provenance.get("input"),
            "input_sha256": provenance.get("input_sha256"),
            "study_inputs": provenance.get("study_inputs"),
            "evaluation_data": "the development cohort itself (internal validation by cross-validation)"
            + ("; external models applied unchanged" if spec.external else ""),
        },
        "5b": {
            "item": "Dates of participant data (accrual, end of follow-up)",
            "value": AUTHORS,
            "note": "the patient table carries no calendar dates",
        },
        "7": {
            "item": "Data preparation and quality checking",
            "checks": [
                "one row per patient",
                "text cells in numeric features refused (the cells are named)",
                "on-treatment features refused outside a landmark analysis",
                "informative missingness screened",
            ],
        },
        "8a": {
            "item": "Outcome: definition and time horizon",
            "outcome": spec.outcome,
            "positive_values": list(spec.positive) if spec.positive else None,
            "landmark": landmark,
            "time_horizon": "best overall response over the study" if landmark is None else landmark["outcome_meaning"],
        },
        "9a": {
            "item": "Choice of initial predictors and pre-selection",
            "features": prep.features,
            "choice": "pre-specified (baseline only unless a landmark analysis); no selection on the outcome "
            "before modelling",
        },
        "9b": {
            "item": "Definition of the predictors, how and when measured",
            "numeric": prep.numeric,
            "categorical": prep.categorical,
            "measured_at": {f: ("on treatment" if _late(f) else "baseline") for f in prep.features},
        },
        "10": {
            "item": "Sample size",
            "n": n,
            "n_events": n_events,
            "n_candidate_parameters": n_par,
            "events_per_candidate_parameter": (n_min / n_par) if n_par else None,
            "riley_minimum": size_row,
            "note": "the cohort size was set by the trial; the Riley minimum says how far below it a model "
            "developed here is: read the cross-validated estimates and their intervals",
        },
        "11": {
            "item": "Missing data",
            "per_feature": miss,
            "informative_missingness": miss.loc[miss["informative"], "feature"].tolist()
            if "informative" in miss
            else [],
            "screen": f"Firth logistic regression of the outcome on each missing indicator, penalised "
            f"likelihood-ratio test at {spec.missingness_alpha}",
            "handling": "numeric: median imputation learned in the training folds, with a missing indicator "
            f"only for {', '.join(indicators) or 'no feature'}; categorical: 'missing' as a level; "
            "univariable tests and effects use available cases",
            "n_excluded_missing_outcome": prep.n_excluded_missing_outcome,
        },
        "12a": {
            "item": "How the data were used",
            "value": f"all {n} patients for development; internal validation "
            f"by {spec.n_repeats} x repeated stratified {spec.n_splits}-fold cross-validation (no split-sample)",
        },
        "12b": {
            "item": "Handling of predictors",
            "value": "numeric standardised inside each training fold, no "
            "transformation beyond the table's (e.g. tmb_log2); categories one-hot; effects also per doubling "
            "of TMB and per 10 points of TPS",
        },
        "12c": {
            "item": "Model type, building steps, tuning, internal validation",
            "models": list(spec.models),
            "rule": prep.rule,
            "cutoff_features": prep.cutoff_features,
            "tuning": "penalised logistic: C by inner stratified 3-fold CV (log-loss) within each training fold; "
            "trees: pre-specified settings",
            "internal_validation": "repeated CV; AUC interval by a bootstrap that cross-validates each resample "
            f"afresh ({spec.n_refit_bootstrap} resamples); permutation test "
            f"({spec.n_permutations} permutations, whole procedure refitted, statistic = "
            "the reported AUC)",
        },
        "12d": _na("Heterogeneity across clusters", "single trial, one cluster"),
        "12e": {
            "item": "Performance measures and plots",
            "value": "AUC (discrimination) with the permutation null "
            "mean beside it, Brier score, calibration slope and intercept and plot, ROC, decision curves (net "
            "benefit, clinical utility)",
        },
        "12f": _na("Model updating", "no recalibration or updating"),
        "12g": {
            "item": "How predictions were calculated for evaluation",
            "value": "out-of-fold predictions of "
            "models refitted in each training fold (scikit-learn pipelines); external models from their "
            "published formula",
        },
        "13": {
            "item": "Class imbalance",
            "value": "none: no resampling or class weights, so predicted probabilities keep the cohort's event rate",
        },
        "15": {
            "item": "Model output",
            "value": "predicted probability of the outcome; no classification threshold "
            "(decision curves show net benefit over thresholds 0.05-0.60)",
        },
        "16": _na("Differences between development and evaluation data", "internal validation only")
        if not spec.external
        else {
            "item": "Differences between development and evaluation data",
            "value": "external models were developed elsewhere; see their references",
        },
        "20a": {
            "item": "Flow of participants",
            "n_in_table": len(prep.survival),
            "n_excluded_missing_outcome": prep.n_excluded_missing_outcome,
            "landmark_exclusions": landmark["excluded_by_reason"] if landmark else None,
            "n_analysed": n,
            "n_events": n_events,
            "n_non_events": n - n_events,
            "survival_analyses": _survival_counts(surv, cox),
        },
        "20b": {
            "item": "Characteristics: predictors, sample size, events, missing data",
            "n": n,
            "n_events": n_events,
            "event_rate": n_events / n,
            "missing": miss,
        },
        "21": {
            "item": "Participants and events in each analysis",
            "models": {"n": n, "n_events": n_events},
            "univariable": tables.get("univariable", pd.DataFrame())[["feature", "n", "n_events"]]
            if "univariable" in tables
            else [],
            "adjusted_effects": tables.get("effects", pd.DataFrame()).get(
                ["feature", "unit", "adjusted_n", "adjusted_n_events", "events_per_parameter"], []
            ),
            "survival": _survival_counts(surv, cox),
        },
        "22": {
            "item": "Full model specification",
            "specification": tables.get("model_specification", pd.DataFrame()),
            "access": "the package is open source; refit with the settings and seed in this report",
        },
        "23a": {
            "item": "Model performance with confidence intervals",
            "performance": perf,
            "external_validation": tables.get("external_validation", pd.DataFrame()),
        },
        "23b": _na("Heterogeneity of performance across clusters", "single trial, one cluster"),
        "24": _na("Model updating", "no updating"),
        "26": {
            "item": "Limitations",
            "notes": [
                "internal validation only" + ("" if spec.external else "; no external cohort"),
                f"{n} patients and {n_events} events: below the Riley minimum of {size_row.get('minimum_n')} for "
                f"{n_par} candidate parameters"
                if size_row and n < size_row.get("minimum_n", 0)
                else "sample size meets the Riley minimum",
                *warnings,
            ],
        },
    }
    for number, title in _AUTHOR_ITEMS.items():
        items.setdefault(number, {"item": title, "value": AUTHORS})
    remark = {
        "10": {
            "item": "Statistical methods: pre-specified cut-offs only",
            "groups": spec.groups,
            "multiple_testing": "Benjamini-Hochberg across features within each test",
        },
        "12": {"item": "Flow of patients, events per analysis", "survival": _survival_counts(surv, cox)},
        "15": {
            "item": "Univariable marker-outcome relations (KM, HR, OR)",
            "univariable": tables.get("univariable", pd.DataFrame()),
            "km_logrank": surv,
            "cox": cox,
        },
        "16_17": {
            "item": "Marker effects adjusted for standard prognostic variables, with CIs",
            "adjusted_for": prep.adjust_for,
            "effects": tables.get("effects", pd.DataFrame()),
        },
    }
    return _clean(
        {
            "provenance": provenance,
            "settings": spec.as_dict(),
            "warnings": warnings,
            "data": {"n": n, "n_events": n_events, "n_candidate_parameters": n_par},
            "tripod_ai": dict(sorted(items.items(), key=lambda kv: _order(kv[0]))),
            "remark": remark,
        }
    )


def _late(feature: str) -> bool:
    from biomarker.models.spec import on_treatment_visit

    return on_treatment_visit(feature) is not None


def _order(number: str) -> tuple[int, str]:
    digits = "".join(ch for ch in number if ch.isdigit())
    return int(digits), number[len(digits) :]


def _survival_counts(surv: pd.DataFrame, cox: pd.DataFrame) -> list[dict]:
    if not len(surv) and not len(cox):
        return []
    parts = []
    if len(surv):
        parts.append(surv.groupby(["endpoint", "grouping"], sort=False)[["n", "n_events"]].sum().reset_index())
    if len(cox):
        parts.append(cox[["endpoint", "feature", "n", "n_events"]].rename(columns={"feature": "grouping"}))
    return _clean(pd.concat(parts, ignore_index=True))


__all__ = ["tripod_report"]
