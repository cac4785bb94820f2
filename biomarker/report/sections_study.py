"""The report's first section, study and data: the data cut-off, analysis populations, parameters and rules,
software versions, and every input file with its SHA-256. The builder takes the store's tables and nothing else."""

from __future__ import annotations

from importlib import metadata

import pandas as pd

from biomarker import __version__
from biomarker.report import csr
from biomarker.report.section import Section, format_frame
from biomarker.report.store_frames import Tables, patient_table, pick, subject_col

_VERSIONS = (
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "lifelines",
    "scikit-learn",
    "cyvcf2",
    "duckdb",
    "matplotlib",
    "jinja2",
)


def study_section(tables: Tables, title: str) -> Section:
    """Study and data: populations, parameters, software versions, input files with SHA-256."""
    sec = Section("study", "Study and data")
    sec.kpis.append({"value": title, "label": "study"})
    sec.kpis.append({"value": data_cutoff(tables) or "not recorded", "label": "data cut-off"})
    sec.table(populations_table(tables))
    params = parameter_rows(tables)
    if params:
        sec.table(format_frame(pd.DataFrame(params), "parameters", "Parameters and rules used"))
    _add_step_provenance(sec, tables)
    warnings = pick(tables, "warnings")
    if warnings is not None and len(warnings):
        sec.table(format_frame(warnings, "endpoint_warnings", "Warnings raised while deriving the endpoints"))
    _add_runs_and_versions(sec, tables)
    tmb = tables.get("tmb_results")
    if tmb is not None and len(tmb):
        sec.table(
            format_frame(
                tumour_inputs(tmb, tables.get("samples")),
                "input_files",
                "Tumour inputs with SHA-256 (VCF/MAF and territory BED)",
            ),
            max_rows=60,
        )
    return sec


def data_cutoff(tables: Tables) -> str | None:
    """The data cut-off: the latest run's, else the one a step recorded in its provenance, else ``None``."""
    runs = tables.get("runs")
    cutoff = None
    if runs is not None and len(runs):
        for col in ("data_cutoff", "data_cut_off", "cutoff_date"):
            if col in runs and runs[col].notna().any():
                cutoff = str(runs[col].dropna().iloc[-1])
    prov = tables.get("provenance")
    if cutoff is None and prov is not None and {"key", "value"} <= set(prov.columns):
        found = prov.loc[prov["key"].astype(str).str.endswith("data_cutoff") & prov["value"].notna(), "value"]
        cutoff = str(found.iloc[-1]).strip('"') if len(found) and str(found.iloc[-1]) != "null" else None
    return cutoff


def parameter_rows(tables: Tables) -> list[dict[str, object]]:
    """The TMB presets (with their parameters' SHA-256) and the models' resampling settings, one row each."""
    params: list[dict[str, object]] = []
    tmb = tables.get("tmb_results")
    if tmb is not None and len(tmb):
        for (preset, digest), grp in tmb.groupby(["preset", "params_sha256"], dropna=False):
            params.append(
                {
                    "step": "TMB",
                    "parameter": "preset (parameters SHA-256)",
                    "value": f"{preset} ({str(digest)[:16]}...)",
                    "tumours": len(grp),
                }
            )
    perf = tables.get("model_model_performance")
    if perf is not None and len(perf):
        row = perf.iloc[0]
        for key in ("n_splits", "n_repeats", "p_method"):
            if key in perf:
                params.append(
                    {"step": "models", "parameter": key.replace("_", " "), "value": str(row[key]), "tumours": None}
                )
    return params


def _add_step_provenance(sec: Section, tables: Tables) -> None:
    """The settings and input files every step recorded in the store's ``provenance`` table."""
    prov = tables.get("provenance")
    if prov is not None and len(prov) and {"step", "key", "value"} <= set(prov.columns):
        inputs, settings = csr.provenance_tables(prov)
        if len(settings):
            sec.table(
                format_frame(settings, "step_parameters", "Parameters and rules recorded by each step"), max_rows=120
            )
        if len(inputs):
            sec.table(format_frame(inputs, "step_inputs", "Input files of each step with SHA-256"), max_rows=120)
    else:
        sec.missing(
            "RECIST and endpoint options",
            "the store has no provenance table yet (the run records endpoint options only in its output folder)",
        )


def _add_runs_and_versions(sec: Section, tables: Tables) -> None:
    """The latest runs that wrote the store, then the software versions of this report's build."""
    runs = tables.get("runs")
    if runs is not None and len(runs):
        cols = [
            c
            for c in (
                "run_id",
                "command",
                "package_version",
                "started_at",
                "finished_at",
                "status",
                "data_cutoff",
                "config_sha256",
            )
            if c in runs.columns
        ]
        sec.table(
            format_frame(runs.sort_values("run_id")[cols].tail(20), "runs", "Runs that wrote this store (latest 20)"),
            max_rows=20,
        )
    versions = [{"package": "biomarker", "version": __version__}]
    for name in _VERSIONS:
        try:
            versions.append({"package": name, "version": metadata.version(name)})
        except metadata.PackageNotFoundError:
            continue
    sec.table(format_frame(pd.DataFrame(versions), "software_versions", "Software versions (report build)"))


def tumour_inputs(tmb: pd.DataFrame, samples: pd.DataFrame | None) -> pd.DataFrame:
    """Each tumour's input file and territory BED (file names) with their SHA-256."""
    inputs = samples if samples is not None else pd.DataFrame(columns=["sample", "input_path", "bed_path"])
    files = (
        tmb[["sample", "input_sha256", "bed_sha256"]]
        .merge(inputs[["sample", "input_path", "bed_path"]], on="sample", how="left")
        .sort_values("sample")
    )
    for col in ("input_path", "bed_path"):
        files[col] = files[col].map(lambda p: "" if p is None or p != p else str(p).rsplit("/", 1)[-1])
    return files[["sample", "input_path", "input_sha256", "bed_path", "bed_sha256"]].rename(
        columns={"input_path": "input_file", "bed_path": "territory_bed"}
    )


def biomarker_populations(tables: Tables) -> list[tuple[str, int]]:
    """Subjects evaluable for each biomarker (a value in the store)."""
    rows = []
    tmb = tables.get("tmb_results")
    if tmb is not None:
        rows.append(("Biomarker-evaluable: TMB", tmb.loc[tmb["status"] == "ok", subject_col(tmb)].nunique()))
    pdl1 = tables.get("pdl1")
    if pdl1 is not None:
        rows.append(
            ("Biomarker-evaluable: PD-L1 category", pdl1.loc[pdl1["pdl1_category"].notna(), "usubjid"].nunique())
        )
        if "til_stromal_pct" in pdl1:
            rows.append(
                ("Biomarker-evaluable: stromal TILs", pdl1.loc[pdl1["til_stromal_pct"].notna(), "usubjid"].nunique())
            )
    tbnk = tables.get("tbnk")
    if tbnk is not None:
        rows.append(("Biomarker-evaluable: TBNK (any visit)", tbnk["usubjid"].nunique()))
    genomic = tables.get("genomic_features")
    if genomic is not None and "exposures_reported" in genomic:
        rows.append(
            (
                "Biomarker-evaluable: signature exposures",
                genomic.loc[genomic["exposures_reported"].fillna(False).astype(bool), "usubjid"].nunique(),
            )
        )
    return [(label, int(n)) for label, n in rows]


def populations_table(tables: Tables):
    """Analysis populations with counts: the endpoints step's clinical populations when the store has them (else
    derived per domain), then the subjects evaluable for each biomarker."""
    own = pick(tables, "populations")
    if own is not None and {"population", "n_subjects"} <= set(own.columns):
        frame = own.assign(population=own["population"].astype(str).str.replace("_", " ").str.capitalize())
        extra = pd.DataFrame(
            [
                {"population": label, "definition": "a value in the store", "n_subjects": n}
                for label, n in biomarker_populations(tables)
            ]
        )
        frame = pd.concat([frame, extra], ignore_index=True)[
            [c for c in ("population", "definition", "n_subjects") if c in frame.columns or c in extra.columns]
        ]
        return format_frame(frame, "populations", "Analysis populations")
    if own is not None:
        return format_frame(own, "populations", "Analysis populations")
    rows = []
    patients = patient_table(tables)
    if patients is not None:
        rows.append(("Enrolled (subjects in the clinical data)", patients["usubjid"].nunique()))
    measures = pick(tables, "safety_measures")
    if measures is not None and len(measures):
        rows.append(("Safety (received at least one dose)", int(measures["n_population"].iloc[0])))
    bor = pick(tables, "bor")
    if bor is not None:
        rows.append(("Efficacy-evaluable (a BOR other than NE)", int((bor["bor"].fillna("NE") != "NE").sum())))
    rows += biomarker_populations(tables)
    frame = pd.DataFrame(rows, columns=["population", "subjects_n"])
    return format_frame(
        frame,
        "populations",
        "Analysis populations",
        ["Derived from the store's per-domain tables (the endpoints step has no populations table yet)."],
    )
