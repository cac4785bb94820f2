"""One self-contained HTML report of a study run, built from the cohort store.

Every figure is a PNG embedded as base64, so the file can be mailed or archived alone. Sections
appear only for the tables the store holds (a TMB-only run gives a TMB-only report).
"""

from __future__ import annotations

import base64
import io
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from biomarker import __version__
from biomarker.files import atomic_write
from biomarker.store import Store

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

log = logging.getLogger(__name__)
ENDPOINT_PREFIX = "endpoint_"
MODEL_PREFIX = "model_"


@dataclass
class Section:
    """A report section: headline numbers, then figures, tables and notes in order."""

    anchor: str
    title: str
    kpis: list[dict[str, str]] = field(default_factory=list)
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def figure(self, fig: Figure, caption: str) -> None:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110)
        self.blocks.append({"kind": "figure", "data": base64.b64encode(buf.getvalue()).decode(), "caption": caption})

    def table(self, frame: pd.DataFrame, caption: str = "", max_rows: int = 200) -> None:
        shown = frame.head(max_rows)
        html = shown.to_html(index=False, classes="data", border=0, na_rep="", float_format=lambda v: f"{v:.4g}")
        more = f" (first {max_rows} of {len(frame)} rows)" if len(frame) > max_rows else ""
        self.blocks.append({"kind": "table", "html": html, "caption": caption + more})

    def note(self, text: str) -> None:
        self.blocks.append({"kind": "note", "text": text})


def _fmt_ci(row: pd.Series, pct: bool) -> str:
    scale, unit = (100.0, "%") if pct else (1.0, "")
    est = row["estimate"] * scale
    lo, hi = row.get("ci_lower"), row.get("ci_upper")
    if lo != lo or lo is None:  # NaN
        return f"{est:.1f}{unit}"
    hi_text = "NR" if hi != hi or hi is None else f"{hi * scale:.1f}"
    return f"{est:.1f}{unit} ({lo * scale:.1f}-{hi_text})"


def _efficacy(tables: dict[str, pd.DataFrame]) -> Section | None:
    from biomarker.clinical.run import make_figures

    if "summary" not in tables:
        return None
    sec = Section("efficacy", "Efficacy (RECIST 1.1)")
    summary = tables["summary"]
    derived = summary[summary["source"] == "derived"].set_index("endpoint")
    for key, label, pct in (("orr", "ORR, 95% CI", True), ("dcr", "DCR, 95% CI", True),
                            ("pfs_median", "median PFS, months", False), ("os_median", "median OS, months", False)):
        if key in derived.index:
            sec.kpis.append({"value": _fmt_ci(derived.loc[key], pct), "label": label})
    figures = make_figures(tables)
    captions = {"waterfall": "Best % change of the target-lesion sum, coloured by best overall response.",
                "swimmer": "Time on study per subject with response, progression and death.",
                "spider": "% change from baseline over time per subject.",
                "km_pfs": "Progression-free survival (Kaplan-Meier, 95% CI, numbers at risk).",
                "km_os": "Overall survival (Kaplan-Meier, 95% CI, numbers at risk).",
                "km_dor": "Duration of response among responders."}
    for name in ("waterfall", "swimmer", "spider", "km_pfs", "km_os", "km_dor"):
        if name in figures:
            sec.figure(figures[name], captions[name])
    sec.table(summary, "Every endpoint with its 95% confidence interval (exact Clopper-Pearson for rates; "
                       "Kaplan-Meier with log-log CI for times).")
    if "bor_discrepancies" in tables and len(tables["bor_discrepancies"]):
        sec.table(tables["bor_discrepancies"], "Subjects whose derived and investigator responses differ.")
    return sec


def _safety(tables: dict[str, pd.DataFrame]) -> Section | None:
    if "safety_measures" not in tables:
        return None
    sec = Section("safety", "Safety")
    measures = tables["safety_measures"]
    overall = measures[measures["level"] == "overall"]
    for row in overall.itertuples():
        sec.kpis.append({"value": row.n_pct, "label": row.measure_label})
    by_term = measures[measures["level"] != "overall"].copy()
    if len(by_term):
        by_term["term"] = by_term["pt"].where(by_term["level"] == "pt", by_term["soc"].str.upper())
        wide = by_term.pivot_table(index=["soc", "level", "term"], columns="measure_label", values="n_pct",
                                   aggfunc="first", fill_value="")
        wide.columns.name = None
        order = [m for m in overall["measure_label"] if m in wide.columns]
        wide = wide.reset_index().sort_values(["soc", "level", "term"], key=lambda c: c.map(
            {"soc": "0", "pt": "1"}).fillna(c) if c.name == "level" else c)
        sec.table(wide[["term", *order]].rename(columns={"term": "system organ class / preferred term"}),
                  "Subjects with at least one event, n (%), by system organ class (capitals) and preferred term.",
                  max_rows=400)
    return sec


def _tmb(store: Store) -> Section | None:
    from biomarker import plots

    results = store.table("tmb_results")
    if results.empty:
        return None
    sec = Section("tmb", "Tumour mutational burden")
    ok = results[results["status"] == "ok"].sort_values("sample")
    failed = results[results["status"] != "ok"]
    sec.kpis += [{"value": str(len(ok)), "label": "tumours with TMB"},
                 {"value": f"{ok['tmb_per_mb'].median():.1f}" if len(ok) else "-", "label": "median mut/Mb"},
                 {"value": str(int(ok["tmb_high"].sum())), "label": "TMB-high"},
                 {"value": str(len(failed)), "label": "failed samples"}]
    if len(ok):
        sec.figure(plots.tmb_distribution(ok), "TMB per tumour with its exact Poisson 95% CI (log scale).")
        audit = store.table("tmb_filter_audit")
        if len(audit):
            sec.figure(plots.tmb_audit(audit, ok), "Per-sample audit: share of ALT alleles each filter removed.")
    cols = ["sample", "status", "preset", "counted_variants", "territory_bp", "tmb_per_mb", "tmb_ci95_low_per_mb",
            "tmb_ci95_high_per_mb", "tmb_high", "caller", "annotator", "reason"]
    sec.table(results.sort_values("sample")[cols], "Per-sample results and provenance keys are in the store.")
    return sec


def _biomarkers(tables: dict[str, pd.DataFrame]) -> Section | None:
    """PD-L1, TMB, TILs and TBNK by response, univariable effects, and the cross-validated models."""
    if "model_performance" not in tables:
        return None
    from biomarker.models.run import make_figures

    sec = Section("biomarkers", "Biomarkers and response (exploratory)")
    perf = tables["model_performance"]
    for row in perf.itertuples():
        if hasattr(row, "auc"):
            sec.kpis.append({"value": f"{row.auc:.2f} ({row.auc_ci_lower:.2f}-{row.auc_ci_upper:.2f})",
                             "label": f"CV AUC, {row.model}"})
    figures = make_figures(tables)
    captions = {"biomarker_by_response": "Each biomarker by confirmed objective response (every patient shown).",
                "forest": "Univariable effects with 95% CIs.",
                "roc": "Cross-validated ROC curves (out-of-fold predictions pooled per repeat) with CI bands.",
                "calibration": "Calibration of the out-of-fold predicted probabilities."}
    for name in ("biomarker_by_response", "forest", "roc", "calibration"):
        if name in figures:
            sec.figure(figures[name], captions[name])
    for name, fig in figures.items():
        if name.startswith("km_"):
            sec.figure(fig, "Kaplan-Meier by pre-specified biomarker group, with log-rank p.")
    if "univariable" in tables:
        sec.table(tables["univariable"], "Univariable analysis: AUC with DeLong CI, Mann-Whitney p, "
                                         "Benjamini-Hochberg q.")
    sec.table(perf, "Cross-validated performance: everything learned from the data was learned inside the "
                    "training folds; p from a permutation test refitting the whole pipeline.")
    if "missingness" in tables:
        sec.table(tables["missingness"], "Missing values per feature.")
    return sec


def build_report(
    store_path: str | os.PathLike[str],
    out_html: str | os.PathLike[str],
    *,
    title: str = "biomarker study report",
    subtitle: str = "",
    extra_sections: list[Section] | None = None,
) -> Path:
    """Write the HTML report of everything in the store (atomically) and return its path.

    Examples
    --------
    >>> build_report("study.duckdb", "report.html", title="TAX-201")  # doctest: +SKIP
    """
    from jinja2 import Environment, PackageLoader, select_autoescape

    with Store(store_path, read_only=True) as store:
        names = store.tables()
        tables = {n.removeprefix(ENDPOINT_PREFIX): store.table(n) for n in names if n.startswith(ENDPOINT_PREFIX)}
        models = {n.removeprefix(MODEL_PREFIX): store.table(n) for n in names if n.startswith(MODEL_PREFIX)}
        sections = [s for s in (_efficacy(tables), _safety(tables), _tmb(store), _biomarkers(models))
                    if s is not None]
    sections += extra_sections or []
    env = Environment(loader=PackageLoader("biomarker.report", "templates"), autoescape=select_autoescape(["html"]))
    html = env.get_template("report.html.j2").render(
        title=title, subtitle=subtitle, sections=sections,
        provenance=f"Generated by biomarker {__version__} from {Path(store_path).name}.",
    )
    out = Path(out_html)
    with atomic_write(out, encoding="utf-8") as fh:
        fh.write(html)
    log.info("report: %s (%d sections)", out, len(sections))
    return out
