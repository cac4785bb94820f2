"""The clinical sections of the report, in ICH E3 section 14 order: study and data, disposition, baseline,
exposure, efficacy, safety. Each builder takes the store's tables (name -> frame) and nothing else.

The study-and-data section is built in :mod:`biomarker.report.sections_study` and the table lookups shared by
every section are in :mod:`biomarker.report.store_frames`; both are re-exported here."""

from __future__ import annotations

import logging

import pandas as pd

from biomarker.report import csr
from biomarker.report.section import Section, format_frame
from biomarker.report.sections_study import biomarker_populations, populations_table, study_section
from biomarker.report.store_frames import PATIENT_TABLES, Tables, patient_table, pick, subject_col
from biomarker.report.tables import fmt_estimate_ci, fmt_n_pct

log = logging.getLogger(__name__)


def disposition_section(tables: Tables) -> Section:
    """CONSORT-style flow and the table behind it."""
    from biomarker import plots

    sec = Section("disposition", "Disposition")
    own = pick(tables, "disposition")
    measures = pick(tables, "safety_measures")
    n_safety = int(measures["n_population"].iloc[0]) if measures is not None and len(measures) else None
    if own is None and pick(tables, "bor") is None and pick(tables, "os") is None:
        sec.missing("Disposition", "the store has no clinical tables (no clinical data in this run)")
        return sec
    pops = pick(tables, "populations")
    if (
        own is not None
        and pops is not None
        and {"population", "n_subjects"} <= set(pops.columns)
        and {"dsdecod", "n_subjects"} <= set(own.columns)
    ):
        flow = [
            (str(p).replace("_", " ").capitalize(), int(n))
            for p, n in zip(pops["population"], pops["n_subjects"], strict=True)
        ]
        treated = next(
            (i for i, (p, _) in enumerate(flow) if p.lower().startswith(("treated", "safety"))), len(flow) - 1
        )
        exits = [(str(d).capitalize(), int(n)) for d, n in zip(own["dsdecod"], own["n_subjects"], strict=True)]
        sec.figure(
            plots.consort_flow(flow, {treated: exits}),
            "Flow of subjects through the study (CONSORT style); right: treated subjects by disposition event (DS).",
        )
        shown = own.copy()
        if "pct_treated" in shown:
            n_treated = flow[treated][1]
            shown["subjects_n_pct"] = [
                f"{int(k)} ({p:.1f})" for k, p in zip(shown["n_subjects"], shown["pct_treated"], strict=True)
            ]
            shown = shown.drop(columns=["n_subjects", "pct_treated"]).rename(
                columns={"subjects_n_pct": f"Subjects, n (%) (N = {n_treated})"}
            )
        sec.table(format_frame(shown, "disposition", "Disposition of treated subjects (DS)"))
        return sec
    steps = csr.disposition_counts(pick(tables, "bor"), pick(tables, "os"), n_safety)
    if len(steps) > 1:
        flow = [s for s in steps if not s[0].startswith(("Died", "Alive", "Follow-up"))]
        status = [s for s in steps if s[0].startswith(("Died", "Alive", "Follow-up"))]
        sec.figure(
            plots.consort_flow(flow, {len(flow) - 1: status} if status else None),
            "Flow of subjects through the study (CONSORT style); right: status at data cut-off.",
        )
    if own is not None:
        sec.table(format_frame(own, "disposition", "Disposition (from DS)"))
    else:
        frame = pd.DataFrame(steps, columns=["step", "subjects_n"])
        sec.table(format_frame(frame, "disposition", "Disposition derived from the survival and response tables"))
        sec.missing(
            "Discontinuation by reason (DS)",
            "the store has no disposition table; the endpoints step does not derive DS yet",
        )
    return sec


def baseline_section(tables: Tables) -> Section:
    """Demographic and baseline characteristics: the first table of a trial report."""
    sec = Section("baseline", "Baseline characteristics")
    patients = patient_table(tables)
    if patients is None:
        sec.missing("Baseline characteristics", "the store has no patient table and no BOR table")
        return sec
    sec.table(csr.baseline_table(patients))
    return sec


def exposure_section(tables: Tables) -> Section:
    """Cycles, duration and dose intensity per drug, reductions and interruptions."""
    sec = Section("exposure", "Exposure")
    summary, own = pick(tables, "exposure_summary"), pick(tables, "exposure")
    if summary is None and own is None:
        sec.missing(
            "Exposure and dose intensity per drug",
            "the store has no exposure table; the endpoints step does not derive EX yet",
        )
    if summary is not None:
        sec.table(
            format_frame(
                summary,
                "exposure_summary",
                "Exposure per drug",
                ["Relative dose intensity: delivered against planned dose per unit time."],
            )
        )
    if own is not None:
        sec.table(format_frame(own, "exposure", "Exposure per subject and drug"), max_rows=120)
    return sec


def efficacy_section(tables: Tables) -> Section:
    """BOR table with exact CIs, time-to-event medians and rates, the efficacy figures (months)."""
    from biomarker import plots

    sec = Section("efficacy", "Efficacy (RECIST 1.1)")
    bor = pick(tables, "bor")
    if bor is None:
        sec.missing("Efficacy", "the store has no BOR table (no clinical data in this run)")
        return sec
    table = csr.bor_table(bor)
    data = table.data.set_index("response")
    for key, label in (
        ("Objective response rate (CR + PR)", "ORR, % (95% CI)"),
        ("Disease control rate (CR + PR + SD + NON-CR/NON-PD)", "DCR, % (95% CI)"),
    ):
        r = data.loc[key]
        sec.kpis.append({"value": fmt_estimate_ci(r["pct"], r["ci_lower_pct"], r["ci_upper_pct"]), "label": label})
    estimates = pick(tables, "km_estimates")
    if estimates is not None:
        for row in estimates.itertuples():
            if row.endpoint in ("pfs", "os"):
                sec.kpis.append(
                    {
                        "value": fmt_estimate_ci(
                            row.median_months, row.median_ci_lower_months, row.median_ci_upper_months
                        ),
                        "label": f"median {row.endpoint.upper()}, months (95% CI)",
                    }
                )
    sec.table(table)
    summary = pick(tables, "summary")
    if summary is not None and "cbr" in set(summary["endpoint"]):
        sec.table(format_frame(summary[summary["endpoint"] == "cbr"], "clinical_benefit_rate", "Clinical benefit"))
    else:
        sec.missing("Clinical benefit rate", "the endpoints step does not compute CBR yet")
    if estimates is not None:
        follow = csr.reverse_km_follow_up(pick(tables, "os")) if pick(tables, "os") is not None else None
        sec.table(csr.time_to_event_table(estimates, pick(tables, "km_landmarks"), follow))
    ttr = pick(tables, "ttr")
    if ttr is not None and len(ttr):
        sec.note(
            f"Time to response among {len(ttr)} responders: median {ttr['ttr_months'].median():.1f} months "
            f"(range {ttr['ttr_months'].min():.1f}–{ttr['ttr_months'].max():.1f})."
        )
    _efficacy_figures(sec, tables, bor, estimates, plots)
    for name in sorted(tables):  # iRECIST and independent review, whatever the endpoints step names them
        short = name.removeprefix("endpoint_")
        if name.startswith("endpoint_") and ("irecist" in short or "independent" in short):
            label = "iRECIST (secondary analysis)" if "irecist" in short else "Independent review"
            frame = tables[name]
            col = next((c for c in frame.columns if c.startswith("bor")), None)
            if col is not None and "usubjid" in frame:
                counts = (
                    frame[col]
                    .fillna("NE")
                    .astype(str)
                    .value_counts()
                    .rename_axis("response")
                    .reset_index(name="n_subjects")
                )
                n = frame["usubjid"].nunique()
                counts[f"Subjects, n (%) (N = {n})"] = [fmt_n_pct(int(k), n) for k in counts["n_subjects"]]
                sec.table(format_frame(counts.drop(columns="n_subjects"), short, f"{label}: best overall response"))
            elif "timepoints" not in short:
                sec.table(format_frame(frame, short, f"{label}: {short.replace('_', ' ')}"))
    disc = pick(tables, "bor_discrepancies")
    if disc is not None and len(disc):
        sec.table(format_frame(disc, "bor_discrepancies", "Subjects whose derived and investigator BOR differ"))
    return sec


def _efficacy_figures(sec: Section, tables: Tables, bor: pd.DataFrame, estimates: pd.DataFrame | None, plots) -> None:
    if bor["best_pct_change_from_baseline"].notna().any():
        sec.figure(
            plots.waterfall(bor),
            "Best % change of the target-lesion sum per subject, coloured by BOR; "
            "dashed lines: +20% (progression) and -30% (partial response).",
        )
    tp = pick(tables, "recist_timepoints")
    if tp is not None and tp["pct_change_from_baseline"].notna().any():
        spider = tp.merge(bor[["usubjid", "bor"]], on="usubjid", how="left")
        spider["months_from_first_dose"] = spider["days_from_first_dose"].clip(lower=0) / 30.4375
        sec.figure(
            plots.spider(spider, x_col="months_from_first_dose", x_label="Months from first dose"),
            "% change of the target-lesion sum from baseline over time, per subject.",
        )
    lanes, events = pick(tables, "swimmer_lanes"), pick(tables, "swimmer_events")
    if lanes is not None and events is not None and len(lanes):
        sec.figure(
            plots.swimmer(lanes, events), "Time on study per subject (months) with response, progression and death."
        )
    curves, risk = pick(tables, "km_curves"), pick(tables, "km_at_risk")
    if curves is None or risk is None:
        return
    titles = {"pfs": "Progression-free survival", "os": "Overall survival", "dor": "Duration of response"}
    for endpoint in ("pfs", "os", "dor"):
        c = curves[curves["endpoint"] == endpoint]
        if c.empty:
            continue
        fig = plots.km_plot(
            c.rename(columns={"endpoint": "group"}),
            risk[risk["endpoint"] == endpoint].rename(columns={"endpoint": "group"}),
            title=titles[endpoint],
            y_label=f"{titles[endpoint]} probability",
            x_label="Months from first response" if endpoint == "dor" else "Months from first dose",
        )
        if estimates is not None and endpoint in set(estimates["endpoint"]):
            e = estimates.set_index("endpoint").loc[endpoint]
            plots.mark_km_median(fig, e["median_months"], e["median_ci_lower_months"], e["median_ci_upper_months"])
        sec.figure(
            fig,
            f"{titles[endpoint]}: Kaplan-Meier estimate with 95% CI band, censoring ticks, the "
            "median and its 95% CI marked, numbers at risk.",
        )


def safety_section(tables: Tables) -> Section:
    """AE overview, AE by SOC/PT (all grades, grade >= 3), by maximum grade, deaths and grade 5."""
    sec = Section("safety", "Safety")
    measures = pick(tables, "ae_overview", "safety_measures")
    if measures is None:
        sec.missing("Safety", "the store has no adverse-event tables (no clinical data in this run)")
        return sec
    if {"measure", "measure_label", "n_subjects", "n_population"} <= set(measures.columns):
        overview = csr.safety_overview_table(measures)
        n_pop = int(measures["n_population"].iloc[0])
        for row in overview.data.itertuples():
            if row.measure in ("any_ae", "grade_3_plus", "serious"):
                sec.kpis.append({"value": fmt_n_pct(row.n_subjects, n_pop), "label": f"{row.measure_label}, n (%)"})
    else:
        overview = format_frame(measures, "ae_overview", "Overview of adverse events")
        n_pop = None
    sec.table(overview)
    own = pick(tables, "ae_by_soc_pt")
    grades = pick(tables, "ae_grades")
    if grades is not None and n_pop is not None:  # all grades and grade >= 3 side by side
        sec.table(csr.ae_by_soc_pt_table(grades, n_pop))
    elif own is not None:
        sec.table(format_frame(own, "ae_by_soc_pt", "Adverse events by SOC and PT"))
    worst = pick(tables, "ae_worst_grade")
    if worst is not None and n_pop is not None:
        sec.table(csr.ae_by_max_grade_table(worst, n_pop))
    own = pick(tables, "ae_by_max_grade")
    if own is not None and n_pop is not None and {"level", "soc", "pt"} <= set(own.columns):
        sec.table(csr.ae_grade_columns_table(own, n_pop))
    elif own is not None:
        sec.table(format_frame(own, "ae_by_max_grade", "Adverse events by maximum grade"))
    own = pick(tables, "deaths")
    if own is not None:
        sec.table(
            format_frame(
                own,
                "deaths",
                f"Deaths (n = {len(own)}) and grade 5 adverse events",
                ["On treatment: from first to last dose; the 30-day window counts from the last dose."],
            )
        )
    elif pick(tables, "os") is not None:
        sec.table(csr.deaths_table(pick(tables, "os"), worst))
        sec.missing(
            "Deaths on treatment and within 30 days of the last dose", "the store has no exposure (EX) dates yet"
        )
    return sec


__all__ = [
    "PATIENT_TABLES",
    "Tables",
    "baseline_section",
    "biomarker_populations",
    "disposition_section",
    "efficacy_section",
    "exposure_section",
    "patient_table",
    "pick",
    "populations_table",
    "safety_section",
    "study_section",
    "subject_col",
]
