"""The clinical tables of a study report computed from store tables (pure functions, no I/O).

Each function takes the store frames it needs and returns a :class:`~biomarker.report.tables.CsrTable`.
When the endpoints step writes a table of the CSR's own (``endpoint_disposition``, ``endpoint_exposure`` ...)
the report shows that one; these functions derive the rest from the per-subject tables the store holds
today (``endpoint_bor``, ``endpoint_os``, ``endpoint_ae_grades``, ``endpoint_ae_worst_grade``, the patient
table). The safety tables live in :mod:`biomarker.report.csr_safety` and are re-exported here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from biomarker.report.csr_safety import (
    ae_by_max_grade_table,
    ae_by_soc_pt_table,
    ae_grade_columns_table,
    deaths_table,
    safety_overview_table,
)
from biomarker.report.tables import (
    CsrTable,
    exact_ci,
    fmt_estimate_ci,
    fmt_median_range,
    fmt_n_pct,
)

#: Best overall response categories in CSR order.
BOR_CATEGORIES = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")
#: Baseline characteristics: (column, label, kind); kind is "continuous" or "categorical".
BASELINE_ROWS = (
    ("age_years", "Age (years)", "continuous"),
    ("sex", "Sex", "categorical"),
    ("ecog", "ECOG performance status", "categorical"),
    ("smoking", "Smoking history", "categorical"),
    ("histology", "Histology", "categorical"),
    ("stage", "Stage at study entry", "categorical"),
    ("prior_lines", "Prior lines of systemic therapy", "categorical"),
    ("pdl1_category", "PD-L1 TPS category (%)", "categorical"),
    ("tmb_per_mb", "TMB (mut/Mb)", "continuous"),
    ("tmb_high", "TMB-high (>= 10 mut/Mb)", "categorical"),
)
_CATEGORY_ORDER = {"pdl1_category": ["<1", "1-49", ">=50"], "sex": ["F", "M"]}


def _level_label(value: object) -> str:
    if isinstance(value, bool | np.bool_):  # before the numbers: a bool is an int in Python
        return "Yes" if value else "No"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def baseline_table(patients: pd.DataFrame) -> CsrTable:
    """Baseline characteristics of every subject of ``patients`` (one row per ``usubjid``).

    Continuous rows are ``median (range)`` with their n; categorical rows ``n (%)`` of all subjects,
    with a ``Missing`` row when a value is missing. Characteristics the table lacks are named in a footnote.

    Examples
    --------
    >>> p = pd.DataFrame({"usubjid": ["a", "b", "c"], "age_years": [50, 61, 72], "sex": ["F", "M", "M"]})
    >>> t = baseline_table(p)
    >>> t.frame.iloc[:, 1].tolist()[:4]
    ['', '61.0 (50.0–72.0)', '', '1 (33.3)']
    """
    n_all = int(patients["usubjid"].nunique())
    col = f"All subjects (N = {n_all})"
    rows: list[tuple[str, str]] = []
    data: list[dict[str, object]] = []
    absent = []
    for column, label, kind in BASELINE_ROWS:
        if column not in patients.columns:
            absent.append(label)
            continue
        values = patients[column]
        n_missing = int(values.isna().sum())
        if kind == "continuous":
            rows += [(label, ""), ("  Median (range)", fmt_median_range(values))]
            v = values.dropna().astype(float)
            data.append(
                {
                    "characteristic": label,
                    "level": "median",
                    "n": len(v),
                    "value": v.median() if len(v) else None,
                    "min": v.min() if len(v) else None,
                    "max": v.max() if len(v) else None,
                }
            )
        else:
            rows.append((label, ""))
            present = values.dropna()
            if column == "tmb_high":  # stored as a boolean or as 0/1
                present = present.astype(bool)
            counts = present.map(_level_label).value_counts()
            order = [lv for lv in _CATEGORY_ORDER.get(column, []) if lv in counts.index]
            order += sorted(lv for lv in counts.index if lv not in order)
            for level in order:
                rows.append((f"  {level}", fmt_n_pct(int(counts[level]), n_all)))
                data.append(
                    {
                        "characteristic": label,
                        "level": level,
                        "n": int(counts[level]),
                        "value": 100.0 * counts[level] / n_all,
                    }
                )
        if n_missing:
            rows.append(("  Missing", fmt_n_pct(n_missing, n_all)))
            data.append(
                {"characteristic": label, "level": "missing", "n": n_missing, "value": 100.0 * n_missing / n_all}
            )
    frame = pd.DataFrame(rows, columns=["Characteristic", col])
    notes = ["Categorical characteristics: n (%) of all subjects; continuous: median (minimum–maximum)."]
    if absent:
        notes.append("Not in the store, so not shown: " + ", ".join(absent) + ".")
    return CsrTable(
        "baseline_characteristics", "Demographic and baseline characteristics", frame, pd.DataFrame(data), notes
    )


def bor_table(bor: pd.DataFrame, *, column: str = "bor") -> CsrTable:
    """Best overall response n (%) with exact 95% CIs, then ORR (CR + PR) and DCR (CR + PR + SD + NON-CR/NON-PD).

    Examples
    --------
    >>> b = pd.DataFrame({"usubjid": list("abcde"), "bor": ["PR", "PR", "SD", "PD", None]})
    >>> t = bor_table(b)
    >>> t.frame.set_index("Response").loc["Objective response rate (CR + PR)"].tolist()
    ['2 (40.0)', '40.0 (5.3, 85.3)']
    """
    n = int(bor["usubjid"].nunique())
    values = bor[column].fillna("NE").astype(str).str.upper()
    unknown = sorted(set(values) - set(BOR_CATEGORIES))
    values = values.where(values.isin(BOR_CATEGORIES), "NE")
    rows, data = [], []

    def add(label: str, k: int) -> None:
        lo, hi = exact_ci(k, n)
        rows.append((label, fmt_n_pct(k, n), fmt_estimate_ci(k / n if n else float("nan"), lo, hi, scale=100)))
        data.append(
            {
                "response": label,
                "n": k,
                "n_subjects": n,
                "pct": 100.0 * k / n if n else None,
                "ci_lower_pct": 100 * lo,
                "ci_upper_pct": 100 * hi,
            }
        )

    for category in BOR_CATEGORIES:
        add(category, int((values == category).sum()))
    add("Objective response rate (CR + PR)", int(values.isin(["CR", "PR"]).sum()))
    add(
        "Disease control rate (CR + PR + SD + NON-CR/NON-PD)",
        int(values.isin(["CR", "PR", "SD", "NON-CR/NON-PD"]).sum()),
    )
    if "clinical_benefit" in bor:
        add("Clinical benefit rate", int(bor["clinical_benefit"].fillna(False).astype(bool).sum()))
    frame = pd.DataFrame(rows, columns=["Response", f"n (%) (N = {n})", "% (95% CI)"])
    notes = [
        "Best overall response by RECIST 1.1, derived from the tumour measurements with confirmation "
        "(CR and PR confirmed at least 4 weeks later). 95% CI: exact (Clopper-Pearson).",
        "NE: not evaluable (no post-baseline assessment or too early for SD).",
    ]
    if unknown:
        notes.append("Responses counted as NE because they are not RECIST 1.1 categories: " + ", ".join(unknown))
    return CsrTable("best_overall_response", "Best overall response (RECIST 1.1)", frame, pd.DataFrame(data), notes)


def time_to_event_table(
    estimates: pd.DataFrame, landmarks: pd.DataFrame | None, follow_up: tuple[float, float, float] | None = None
) -> CsrTable:
    """Medians (95% CI), numbers of events and landmark rates (95% CI) per time-to-event endpoint.

    Parameters
    ----------
    estimates
        ``endpoint, n_subjects, n_events, median_months, median_ci_lower_months, median_ci_upper_months``.
    landmarks
        ``endpoint, time_months, survival, ci_lower, ci_upper``.
    follow_up
        Median follow-up by reverse Kaplan-Meier with its CI (months), when known.
    """
    names = {
        "pfs": "Progression-free survival",
        "os": "Overall survival",
        "dor": "Duration of response",
        "ttr": "Time to response",
    }
    rows, data = [], []
    for est in estimates.itertuples(index=False):
        label = names.get(str(est.endpoint), str(est.endpoint))
        median = fmt_estimate_ci(est.median_months, est.median_ci_lower_months, est.median_ci_upper_months)
        rows.append((label, str(int(est.n_subjects)), str(int(est.n_events)), median))
        data.append(est._asdict())
        if landmarks is not None:
            for lm in landmarks[landmarks["endpoint"] == est.endpoint].itertuples(index=False):
                rows.append(
                    (
                        f"  {label}: rate at {lm.time_months:g} months, % (95% CI)",
                        "",
                        "",
                        fmt_estimate_ci(lm.survival, lm.ci_lower, lm.ci_upper, scale=100),
                    )
                )
                data.append(
                    {
                        "endpoint": f"{est.endpoint}_rate_{lm.time_months:g}m",
                        "median_months": lm.survival,
                        "median_ci_lower_months": lm.ci_lower,
                        "median_ci_upper_months": lm.ci_upper,
                    }
                )
    if follow_up is not None:
        rows.append(("Follow-up (reverse Kaplan-Meier)", "", "", fmt_estimate_ci(*follow_up)))
        data.append(
            {
                "endpoint": "follow_up",
                "median_months": follow_up[0],
                "median_ci_lower_months": follow_up[1],
                "median_ci_upper_months": follow_up[2],
            }
        )
    frame = pd.DataFrame(rows, columns=["Endpoint", "Subjects (n)", "Events (n)", "Median, months (95% CI)"])
    notes = [
        "Kaplan-Meier estimates; 95% CI of the median by the Brookmeyer-Crowley method with log-log "
        "transformation; NE: not estimable (the curve does not fall below the bound).",
        "Duration of response among confirmed responders.",
    ]
    return CsrTable("time_to_event", "Time-to-event endpoints", frame, pd.DataFrame(data), notes)


def reverse_km_follow_up(os_table: pd.DataFrame) -> tuple[float, float, float] | None:
    """Median follow-up (months) by reverse Kaplan-Meier (death censors, censoring is the event), with 95% CI."""
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    data = os_table.dropna(subset=["os_months", "os_event"])
    if data.empty or (data["os_event"] == 1).all():
        return None
    kmf = KaplanMeierFitter().fit(data["os_months"], 1 - data["os_event"].astype(int))
    ci = median_survival_times(kmf.confidence_interval_)
    return float(kmf.median_survival_time_), float(ci.iloc[0, 0]), float(ci.iloc[0, 1])


def disposition_counts(
    bor: pd.DataFrame | None, os_table: pd.DataFrame | None, n_safety: int | None
) -> list[tuple[str, int]]:
    """CONSORT steps derivable without DS: enrolled, treated, response-evaluable, died, alive at cut-off."""
    steps: list[tuple[str, int]] = []
    subjects = set()
    for frame in (bor, os_table):
        if frame is not None:
            subjects |= set(frame["usubjid"])
    steps.append(("Enrolled", len(subjects)))
    if n_safety is not None:
        steps.append(("Treated (safety population)", n_safety))
    if bor is not None:
        evaluable = bor["n_assessments"].fillna(0) > 1 if "n_assessments" in bor else bor["bor"].notna()
        steps.append(("With a post-baseline tumour assessment", int(evaluable.sum())))
    if os_table is not None:
        steps.append(("Died", int((os_table["os_event"] == 1).sum())))
        reason = os_table.get("os_censor_reason", pd.Series(dtype=str)).fillna("")
        alive = (os_table["os_event"] == 0) & reason.str.contains("cut-off", case=False)
        steps.append(("Alive and in follow-up at data cut-off", int(alive.sum())))
        steps.append(("Follow-up ended before cut-off (alive)", int(((os_table["os_event"] == 0) & ~alive).sum())))
    return steps


def provenance_tables(prov: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The store's long ``provenance`` table split into input files (``inputs.<name>.file/.sha256``) and settings.

    Examples
    --------
    >>> p = pd.DataFrame({"step": "pathology", "table_name": "pdl1", "key": ["inputs.pathology.file",
    ...                   "inputs.pathology.sha256", "parameters.assay"], "value": ['"p.csv"', '"ab12"', '"22C3"']})
    >>> inputs, settings = provenance_tables(p)
    >>> inputs.to_dict("records"), settings["value"].tolist()
    ([{'step': 'pathology', 'input': 'pathology', 'file': 'p.csv', 'sha256': 'ab12'}], ['22C3'])
    """
    import json

    def text(value: object) -> str:
        try:
            parsed = json.loads(str(value))
        except (TypeError, ValueError):
            return "" if value is None else str(value)
        return parsed if isinstance(parsed, str) else json.dumps(parsed)

    prov = prov.drop_duplicates(["step", "key"])
    inputs: dict[tuple[str, str], dict[str, str]] = {}
    settings = []
    for row in prov.itertuples(index=False):
        key = str(row.key)
        parts = key.split(".")
        if parts[0] == "inputs" and len(parts) >= 3 and parts[-1] in ("file", "sha256", "path"):
            entry = inputs.setdefault((str(row.step), ".".join(parts[1:-1])), {})
            entry["file" if parts[-1] == "path" else parts[-1]] = text(row.value)
        elif parts[0] in ("parameters", "settings", "preset", "version", "package_version", "data_cutoff") or key in (
            "ci_method",
            "rate_ci_method",
            "cr_then_pr",
            "evaluator",
            "response_criteria",
        ):
            settings.append({"step": str(row.step), "setting": key, "value": text(row.value)})
    frame = pd.DataFrame(
        [
            {
                "step": step,
                "input": name,
                "file": str(v.get("file", "")).rsplit("/", 1)[-1],
                "sha256": v.get("sha256", ""),
            }
            for (step, name), v in sorted(inputs.items())
        ],
        columns=["step", "input", "file", "sha256"],
    )
    return frame, pd.DataFrame(settings, columns=["step", "setting", "value"])


__all__ = [
    "BASELINE_ROWS",
    "BOR_CATEGORIES",
    "ae_by_max_grade_table",
    "ae_by_soc_pt_table",
    "ae_grade_columns_table",
    "baseline_table",
    "bor_table",
    "deaths_table",
    "disposition_counts",
    "provenance_tables",
    "reverse_km_follow_up",
    "safety_overview_table",
    "time_to_event_table",
]
