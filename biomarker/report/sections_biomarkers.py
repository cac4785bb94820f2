"""The exploratory biomarker sections: TMB (funnel, warnings), PD-L1, TILs, TBNK, each biomarker against
response and survival, then the response models. Builders take the store's tables (name -> frame).

The last two (outcomes, models) are built in :mod:`biomarker.report.sections_outcomes` and re-exported here."""

from __future__ import annotations

import math

import pandas as pd

from biomarker.report.section import Section, format_frame
from biomarker.report.sections_outcomes import models_section, outcomes_section
from biomarker.report.store_frames import Tables, pick, subject_col
from biomarker.report.tables import CsrTable, fmt_estimate_ci, fmt_median_range, fmt_n_pct

#: TBNK measures drawn over visits (the rest are in the tables).
TBNK_MEASURES = {
    "cd3_pct_lymph": "CD3+ (% lymphocytes)",
    "cd4_pct_lymph": "CD4+ (% lymphocytes)",
    "cd8_pct_lymph": "CD8+ (% lymphocytes)",
    "nk_pct_lymph": "NK (% lymphocytes)",
    "b_pct_lymph": "B (% lymphocytes)",
    "cd8_abs_per_ul": "CD8+ (cells/µL)",
}


def response_groups(bor: pd.DataFrame | None) -> pd.Series:
    """``usubjid -> responder / non-responder / not evaluable`` from the confirmed BOR."""
    if bor is None:
        return pd.Series(dtype=str)
    values = bor.set_index("usubjid")["bor"].fillna("NE")
    return values.map(lambda b: "responder" if b in ("CR", "PR") else "not evaluable" if b == "NE" else "non-responder")


def change_summary(features: pd.DataFrame, groups: pd.Series, measures: list[str]) -> pd.DataFrame:
    """Mean change from baseline with a t-based 95% CI per measure, on-treatment visit and response group.

    Parameters
    ----------
    features
        Long TBNK table ``usubjid, visit, measure, change`` (baseline rows have change 0 and are skipped).

    Examples
    --------
    >>> f = pd.DataFrame({"usubjid": ["a", "b", "c"], "visit": "C2D1", "measure": "m", "change": [1.0, 3.0, 5.0],
    ...                   "baseline_value": 1.0, "value": 2.0})
    >>> s = change_summary(f, pd.Series({"a": "responder", "b": "responder", "c": "responder"}), ["m"])
    >>> int(s["n"].iloc[0]), float(s["mean"].iloc[0]), round(float(s["ci_lower"].iloc[0]), 3)
    (3, 3.0, -1.968)
    """
    from scipy import stats

    data = features[features["measure"].isin(measures) & features["change"].notna()].copy()
    baseline = data.groupby("visit")["change"].apply(lambda s: bool((s == 0).all()))  # the baseline visit
    data = data[~data["visit"].map(baseline)]
    data["group"] = data["usubjid"].map(groups).fillna("not evaluable")
    rows = []
    for (measure, visit, group), g in data.groupby(["measure", "visit", "group"], sort=True):
        v = g["change"].astype(float)
        n, mean = len(v), float(v.mean())
        if n > 1:
            half = float(stats.t.ppf(0.975, n - 1) * v.std(ddof=1) / math.sqrt(n))
            lo, hi = mean - half, mean + half
        else:
            lo = hi = float("nan")
        rows.append(
            {"measure": measure, "visit": visit, "group": group, "n": n, "mean": mean, "ci_lower": lo, "ci_upper": hi}
        )
    return pd.DataFrame(rows, columns=["measure", "visit", "group", "n", "mean", "ci_lower", "ci_upper"])


def tmb_section(tables: Tables) -> Section:
    """TMB distribution, the per-tumour filter funnel, warnings and failures."""
    from biomarker import plots

    sec = Section("tmb", "Biomarkers: tumour mutational burden")
    results = tables.get("tmb_results")
    if results is None or results.empty:
        sec.missing("TMB", "the store has no TMB results (no samplesheet in this run)")
        return sec
    ok = results[results["status"] == "ok"].sort_values("sample")
    failed = results[results["status"] == "failed"]
    stale = results[results["status"] == "stale"]  # dropped from the samplesheet: not a failure, never used
    n_high = int(ok["tmb_high"].fillna(False).astype(bool).sum())
    sec.kpis += [
        {"value": str(len(ok)), "label": "tumours with TMB"},
        {"value": fmt_median_range(ok["tmb_per_mb"]) or "-", "label": "median (range) mut/Mb"},
        {"value": fmt_n_pct(n_high, len(ok)), "label": "TMB-high, n (%)"},
        {"value": str(len(failed)), "label": "failed samples"},
    ]
    if len(stale):
        sec.note(
            f"{len(stale)} tumour(s) are no longer in the samplesheet (stale): kept in the table below for the "
            "record, counted neither as analysed nor as failed, never used: "
            + ", ".join(sorted(stale["sample"].astype(str))[:10])
            + (" ..." if len(stale) > 10 else "")
        )
    if len(ok):
        sec.figure(
            plots.tmb_distribution(ok),
            "TMB per tumour with its exact Poisson 95% CI (log scale); dashed line: TMB-high cut-off.",
        )
        audit = tables.get("tmb_filter_audit")
        if audit is not None and len(audit):
            sec.figure(
                plots.tmb_audit(audit, ok),
                "Filter funnel per tumour: share of ALT alleles removed by "
                "the first filter that removed each, and counted.",
            )
    cols = [
        c
        for c in (
            "sample",
            subject_col(results),
            "status",
            "preset",
            "counted_variants",
            "territory_bp",
            "tmb_per_mb",
            "tmb_ci95_low_per_mb",
            "tmb_ci95_high_per_mb",
            "tmb_high",
            "caller",
            "annotator",
            "warnings",
            "reason",
        )
        if c in results.columns
    ]
    sec.table(
        format_frame(
            results.sort_values("sample")[cols],
            "tmb_results",
            "TMB per tumour",
            ["TMB = counted variants / territory (Mb); 95% CI exact Poisson."],
        ),
        max_rows=200,
    )
    if "warnings" in results and results["warnings"].fillna("").astype(str).str.len().gt(0).any():
        warned = results[results["warnings"].fillna("").astype(str).str.len() > 0]
        sec.note(f"{len(warned)} tumour(s) carry warnings: see the Warnings column.")
    elif "warnings" in results:
        sec.note("No tumour carries a TMB warning.")
    else:
        sec.missing("Per-tumour warnings", "the TMB results in this store have no warnings column")
    return sec


def pdl1_til_section(tables: Tables) -> Section:
    """PD-L1 by category and assay, TPS against response (points and ranges, never a box), stromal TILs."""
    from biomarker import plots

    sec = Section("pdl1", "Biomarkers: PD-L1 and tumour-infiltrating lymphocytes")
    pdl1 = tables.get("pdl1")
    if pdl1 is None or pdl1.empty:
        sec.missing("PD-L1 and TILs", "the store has no pdl1 table (no pathology file in this run)")
        return sec
    groups = response_groups(pick(tables, "bor"))
    data = pdl1.assign(group=pdl1["usubjid"].map(groups).fillna("not evaluable"))
    order = ["<1", "1-49", ">=50"]
    sec.figure(
        plots.category_counts(
            data,
            category_col="pdl1_category",
            panel_col="assay",
            order=order,
            title="PD-L1 TPS category by assay",
            xlabel="TPS category (%)",
        ),
        "Subjects per PD-L1 tumour proportion score category, per assay.",
    )
    rows = []
    for (assay, group), g in data.groupby(["assay", "group"], dropna=False):
        counts = g["pdl1_category"].value_counts()
        rows.append(
            {
                "assay": assay,
                "response": group,
                "n": len(g),
                **{f"TPS {c}%": fmt_n_pct(int(counts.get(c, 0)), len(g)) for c in order},
                "missing": fmt_n_pct(int(g["pdl1_category"].isna().sum()), len(g)),
            }
        )
    frame = pd.DataFrame(rows)
    sec.table(
        CsrTable(
            "pdl1_by_category",
            "PD-L1 TPS category by assay and response",
            frame.rename(columns={"assay": "Assay", "response": "Response", "n": "N", "missing": "Missing"}),
            frame,
            ["n (%) of the subjects of the row."],
        )
    )
    sec.figure(
        plots.score_by_response(
            data,
            value_col="pdl1_tps_pct",
            low_col="pdl1_tps_low_pct",
            high_col="pdl1_tps_high_pct",
            ylabel="PD-L1 TPS (%)",
            title="PD-L1 TPS by confirmed response",
        ),
        "PD-L1 TPS of every subject by response: points are exact scores, bars scores reported as a range "
        "(e.g. 1-49%); black line: median of the exact scores.",
    )
    if "til_stromal_pct" in data and data["til_stromal_pct"].notna().any():
        sec.figure(
            plots.score_by_response(
                data, value_col="til_stromal_pct", ylabel="Stromal TILs (%)", title="Stromal TILs by confirmed response"
            ),
            "Stromal tumour-infiltrating lymphocytes (% of stromal area) by response.",
        )
        tils = [
            {"response": g, "n": int(s.notna().sum()), "median_range": fmt_median_range(s)}
            for g, s in data.groupby("group")["til_stromal_pct"]
        ]
        t = pd.DataFrame(tils)
        sec.table(
            CsrTable(
                "til_by_response",
                "Stromal TILs (%) by response",
                t.rename(columns={"response": "Response", "n": "Subjects (n)", "median_range": "Median (range), %"}),
                t,
            )
        )
    return sec


def tbnk_section(tables: Tables) -> Section:
    """TBNK subsets over visits by response, change from baseline with CIs, QC flags and withheld values."""
    from biomarker import plots

    sec = Section("tbnk", "Biomarkers: TBNK lymphocyte subsets")
    features = tables.get("tbnk_features")
    if features is None or features.empty:
        sec.missing("TBNK", "the store has no TBNK tables (no flow file in this run)")
        return sec
    groups = response_groups(pick(tables, "bor"))
    long = features.assign(group=features["usubjid"].map(groups).fillna("not evaluable"))
    visits = sorted(long["visit"].astype(str).unique(), key=_visit_key)
    measures = [m for m in TBNK_MEASURES if m in set(long["measure"])]
    sec.figure(
        plots.measure_over_visits(long, measures=measures, labels=TBNK_MEASURES, visit_order=visits),
        "Each subject's values over visits (thin lines) and the median per visit and response group (bold).",
    )
    summary = change_summary(long, groups, measures)
    if len(summary):
        summary["visit"] = pd.Categorical(summary["visit"], [v for v in visits if v in set(summary["visit"])])
        summary = summary.sort_values(["measure", "visit", "group"])
        summary["visit"] = summary["visit"].astype(str)
        sec.figure(
            plots.change_from_baseline(summary, labels=TBNK_MEASURES),
            "Mean change from baseline with t-based 95% CI, per on-treatment visit and response group.",
        )
        shown = pd.DataFrame(
            {
                "Measure": summary["measure"].map(TBNK_MEASURES).fillna(summary["measure"]),
                "Visit": summary["visit"],
                "Response": summary["group"],
                "Subjects (n)": summary["n"].astype(str),
                "Mean change (95% CI)": [
                    fmt_estimate_ci(m, lo, hi)
                    for m, lo, hi in zip(summary["mean"], summary["ci_lower"], summary["ci_upper"], strict=True)
                ],
            }
        )
        sec.table(
            CsrTable(
                "tbnk_change_from_baseline",
                "Change from baseline by response",
                shown,
                summary,
                ["Change = on-treatment value minus baseline (absolute units of the measure)."],
            )
        )
    flags = long["qc_flags"].fillna("").astype(str) if "qc_flags" in long else pd.Series(dtype=str)
    status = tables.get("tbnk_tube_status")
    if status is not None and len(status) and "status" in status:
        counts = status["status"].astype(str).value_counts()
        sec.note("FCS tubes: " + ", ".join(f"{k} {int(v)}" for k, v in counts.items()) + ".")
        bad = status[status["status"].astype(str) != "ok"]
        if len(bad):
            sec.table(format_frame(bad, "tbnk_tube_status", "FCS tubes flagged or failed, with the reason"))
    qc = pick(tables, "tbnk_qc")
    if qc is not None and len(qc):
        sec.table(
            format_frame(
                qc, "tbnk_qc", "TBNK QC flags (values of a flagged subset are withheld from the models by default)"
            )
        )
    elif qc is not None:
        sec.note("No TBNK result carries a QC flag.")
    elif "qc_flags" in long:
        flagged = long[flags.str.len() > 0]
        if len(flagged):
            sec.table(
                format_frame(
                    flagged[["usubjid", "visit", "measure", "value", "qc_flags"]],
                    "tbnk_qc_flags",
                    "TBNK values carrying QC flags",
                )
            )
        else:
            sec.note("No TBNK value carries a QC flag.")
    from biomarker.report.sections_genomic import tbnk_flagged_and_gate_plots

    tbnk_flagged_and_gate_plots(sec, tables)
    return sec


def _visit_key(visit: str) -> tuple[int, int, str]:
    import re

    m = re.match(r"C(\d+)D(\d+)", visit)
    return (int(m.group(1)), int(m.group(2)), visit) if m else (0 if "SCREEN" in visit.upper() else 999, 0, visit)


__all__ = [
    "TBNK_MEASURES",
    "change_summary",
    "models_section",
    "outcomes_section",
    "pdl1_til_section",
    "response_groups",
    "tbnk_section",
    "tmb_section",
]
