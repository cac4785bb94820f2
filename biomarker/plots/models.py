"""The figures of a response-model run, drawn from its result tables (nothing computed here)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd


def model_figure_names(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """Names of the figures the tables allow."""
    names = []
    if len(tables.get("box_stats", ())):
        names.append("biomarker_by_response")
    if len(tables.get("roc", ())):
        names += ["roc", "calibration"]
    if len(tables.get("effects", ())) or len(tables.get("cox", ())):
        names.append("forest")
    if len(tables.get("decision_curve", ())):
        names.append("decision_curve")
    km = tables.get("km_curves")
    if km is not None and len(km):
        names += [f"km_{e}_{g}" for e, g in km[["endpoint", "grouping"]].drop_duplicates().itertuples(index=False)]
    return names


def forest_rows(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Odds ratios (per doubling, per 10 points, per SD; unadjusted) and Cox hazard ratios as one tidy frame.

    Examples
    --------
    >>> eff = pd.DataFrame({"feature": ["tmb"], "unit": ["per doubling"], "odds_ratio": [3.0], "ci_lower": [1.2],
    ...                     "ci_upper": [7.5], "p": [0.02]})
    >>> forest_rows({"effects": eff})[["label", "estimate"]].values.tolist()
    [['tmb (per doubling)', 3.0]]
    """
    parts = []
    eff = tables.get("effects")
    if eff is not None and len(eff):
        e = eff.dropna(subset=["odds_ratio"])
        parts.append(
            pd.DataFrame(
                {
                    "panel": "Response: odds ratio",
                    "label": e["feature"] + " (" + e["unit"] + ")",
                    "estimate": e["odds_ratio"],
                    "ci_lower": e["ci_lower"],
                    "ci_upper": e["ci_upper"],
                    "p": e["p"],
                }
            )
        )
    cox = tables.get("cox")
    if cox is not None and len(cox):
        c = cox.dropna(subset=["hazard_ratio"])
        parts.append(
            pd.DataFrame(
                {
                    "panel": c["endpoint"].str.upper() + ": hazard ratio",
                    "label": c["feature"]
                    + " ("
                    + c["unit"]
                    + ", n "
                    + c["n"].astype(str)
                    + ", "
                    + c["n_events"].astype(str)
                    + " events)",
                    "estimate": c["hazard_ratio"],
                    "ci_lower": c["hr_ci_lower"],
                    "ci_upper": c["hr_ci_upper"],
                    "p": c["p"],
                }
            )
        )
    return (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["panel", "label", "estimate", "ci_lower", "ci_upper", "p"])
    )


def model_figures(tables: Mapping[str, pd.DataFrame], only: str | None = None) -> dict:
    """Figures of a run (name -> Figure), or only the one named."""
    from biomarker.plots.biomarker_response import biomarker_by_response
    from biomarker.plots.calibration import calibration_plot
    from biomarker.plots.decision import decision_curve_plot
    from biomarker.plots.forest import forest_plot
    from biomarker.plots.km import km_plot
    from biomarker.plots.roc import roc_plot

    figs = {}
    perf = tables.get("model_performance", pd.DataFrame())
    labels = {
        r["model"]: f"{r['model']} AUC {r['auc']:.2f} ({r['auc_ci_lower']:.2f}-{r['auc_ci_upper']:.2f})"
        + (f", null {r['null_auc_mean']:.2f}" if pd.notna(r.get("null_auc_mean")) else "")
        for _, r in perf.iterrows()
    }
    for name in model_figure_names(tables):
        if only is not None and name != only:
            continue
        if name == "biomarker_by_response":
            figs[name] = biomarker_by_response(tables["box_points"], tables["box_stats"])
        elif name == "roc":
            figs[name] = roc_plot(tables["roc"].assign(label=tables["roc"]["model"].map(labels)))
        elif name == "calibration":
            slopes = {
                r["model"]: f"{r['model']}: slope {r['calibration_slope']:.2f}, "
                f"intercept {r['calibration_intercept']:.2f}"
                for _, r in perf.iterrows()
            }
            cal = tables["calibration"]
            figs[name] = calibration_plot(cal.assign(label=cal["model"].map(slopes)))
        elif name == "forest":
            rows = forest_rows(tables)
            if len(rows):
                figs[name] = forest_plot(rows, title="Effects (unadjusted odds ratios; Cox hazard ratios)")
        elif name == "decision_curve":
            figs[name] = decision_curve_plot(tables["decision_curve"])
        elif name.startswith("km_"):
            km, risk, groups = tables["km_curves"], tables["km_at_risk"], tables["survival_groups"]
            for (endpoint, grouping), c in km.groupby(["endpoint", "grouping"], sort=False):
                if f"km_{endpoint}_{grouping}" != name:
                    continue
                r = risk[(risk["endpoint"] == endpoint) & (risk["grouping"] == grouping)]
                s = groups[(groups["endpoint"] == endpoint) & (groups["grouping"] == grouping)]
                title = (
                    f"{str(endpoint).upper()} by {grouping} (n {int(s['n'].sum())}, "
                    f"{int(s['n_events'].sum())} events; log-rank p = {s['logrank_p'].iloc[0]:.3g})"
                )
                figs[name] = km_plot(c, r, title=title)
    return figs


__all__ = ["forest_rows", "model_figure_names", "model_figures"]
