"""The report's last two sections: each biomarker against response and survival, then the cross-validated
response models. Builders take the store's tables (name -> frame); the models step's tables feed both."""

from __future__ import annotations

import pandas as pd

from biomarker.report.section import Section, format_frame
from biomarker.report.store_frames import Tables
from biomarker.report.tables import CsrTable, fmt_estimate_ci


def outcomes_section(tables: Tables) -> Section:
    """Each biomarker against ORR (rates with CIs) and against PFS/OS (medians, HR with CIs)."""
    from biomarker import plots

    sec = Section("biomarker_outcomes", "Biomarkers against response and survival")
    rates = tables.get("model_categorical_rates")
    if rates is None:
        sec.missing("Biomarkers against outcome", "the models step did not run (no model tables in the store)")
        return sec
    names = {
        "sex": "Sex",
        "ecog": "ECOG PS",
        "smoking": "Smoking",
        "histology": "Histology",
        "tmb_high": "TMB >= 10 mut/Mb (1 = yes)",
        "pdl1_category": "PD-L1 TPS category (%)",
    }
    sec.figure(
        plots.rates_by_level(rates, labels=names),
        "Objective response rate per level with exact 95% CI; n per level in brackets.",
    )
    shown = pd.DataFrame(
        {
            "Feature": rates["feature"],
            "Level": rates["level"].astype(str),
            "Responders / N": [f"{int(e)} / {int(n)}" for e, n in zip(rates["n_events"], rates["n"], strict=True)],
            "ORR, % (95% CI)": [
                fmt_estimate_ci(r, lo, hi, scale=100)
                for r, lo, hi in zip(rates["rate"], rates["ci_lower"], rates["ci_upper"], strict=True)
            ],
        }
    )
    sec.table(
        CsrTable(
            "orr_by_level",
            "Objective response rate by biomarker level",
            shown,
            rates,
            ["95% CI: exact (Clopper-Pearson)."],
        )
    )
    groups = tables.get("model_survival_groups")
    if groups is not None and len(groups):
        sec.table(
            format_frame(
                groups,
                "survival_by_group",
                "PFS and OS by pre-specified biomarker group",
                ["Medians by Kaplan-Meier (months); HR by Cox regression against the first group; log-rank p."],
            )
        )
    cox = tables.get("model_cox")
    if cox is not None and len(cox):
        sec.table(
            format_frame(
                cox,
                "cox_univariable",
                "Univariable Cox regression per biomarker",
                ["HR per SD of the biomarker; q: Benjamini-Hochberg."],
            )
        )
    return sec


def models_section(tables: Tables) -> Section:
    """Cross-validated response models: performance with CIs, univariable table, ROC, calibration, forest, KM."""
    sec = Section("models", "Response models (exploratory)")
    models = {n.removeprefix("model_"): f for n, f in tables.items() if n.startswith("model_")}
    perf = models.get("model_performance")
    if perf is None:
        sec.missing("Response models", "the models step did not run or could not fit (see the run notes)")
        return sec
    from biomarker.plots.models import model_figures

    for row in perf.itertuples():
        if hasattr(row, "auc"):
            sec.kpis.append(
                {
                    "value": fmt_estimate_ci(row.auc, row.auc_ci_lower, row.auc_ci_upper, decimals=2),
                    "label": f"CV AUC (95% CI), {row.model}",
                }
            )
    if "box_points" in models and "box_stats" in models:  # the ordinal PD-L1 score has its own section, no box
        models = {
            **models,
            **{
                k: models[k][~models[k]["feature"].astype(str).str.contains("ordinal")]
                for k in ("box_points", "box_stats")
            },
        }
    figures = model_figures(models)
    captions = {
        "biomarker_by_response": "Each continuous biomarker by confirmed objective response (every patient "
        "shown; n per group under the axis).",
        "forest": "Univariable effects with 95% CIs.",
        "roc": "Cross-validated ROC curves (out-of-fold predictions pooled per repeat) with CI bands.",
        "calibration": "Calibration of the out-of-fold predicted probabilities.",
    }
    for name in ("biomarker_by_response", "forest", "roc", "calibration"):
        if name in figures:
            sec.figure(figures[name], captions[name])
    for name, fig in figures.items():
        if name.startswith("km_"):
            sec.figure(fig, "Kaplan-Meier by pre-specified biomarker group (months), with log-rank p.")
    if "univariable" in models:
        sec.table(
            format_frame(
                models["univariable"],
                "univariable",
                "Univariable analysis",
                ["AUC with DeLong CI, Mann-Whitney p, Benjamini-Hochberg q."],
            )
        )
    sec.table(
        format_frame(
            perf,
            "model_performance",
            "Cross-validated performance",
            [
                "Everything learned from the data was learned inside the training folds; p from a "
                "permutation test refitting the whole pipeline."
            ],
        )
    )
    if "missingness" in models:
        sec.table(format_frame(models["missingness"], "missingness", "Missing values per feature"))
    return sec
