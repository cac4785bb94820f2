"""The steps of a study run: each computes a result from the user's files (first steps) or from store tables
(patients, models) and is written to the store with its provenance, in one transaction.

Every first step carries a ``step_key`` (SHA-256 of its inputs' SHA-256s, parameters and package version) in
its provenance: a re-run skips a step whose key is already in the store (``force`` recomputes).

========== =============================================== ===========================================
step       reads                                           writes (store tables)
========== =============================================== ===========================================
tmb        samplesheet, BEDs (``biomarker.batch``)          samples, tmb_results, tmb_filter_audit
pathology  the ``pathology:`` file                          pdl1
tbnk       the ``tbnk:`` export or the ``fcs:`` folder      tbnk, tbnk_features, tbnk_features_wide
genomic    samplesheet tumours whose TMB is ok, ``genomic:``  genomic_features, signature_exposures,
                                                           sbs96_catalogue, comutation_variants, genomic_provenance
endpoints  the ``clinical:`` folder (SDTM or ADaM)          subjects, endpoint_<name>
patients   store tables only                                patients, patient_feature_sources
models     the ``patients`` store table only                model_<name>
========== =============================================== ===========================================
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from biomarker import store as st
from biomarker.results import Result, jsonable, make_provenance

if TYPE_CHECKING:
    import pandas as pd


log = logging.getLogger(__name__)


#: The store tables each step owns: (names, prefix). ``run`` drops them when the config stops naming the step's
#: input, so a later step never reads an earlier configuration's results.
STEP_TABLES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "pathology": ((st.PDL1,), None),
    "tbnk": (
        (
            st.TBNK,
            st.TBNK_FEATURES,
            st.TBNK_FEATURES_WIDE,
            "tbnk_qc",
            "tbnk_tube_status",
            "tbnk_gates",
            "tbnk_gate_plots",
        ),
        None,
    ),
    "genomic": (
        (
            "genomic_features",
            "signature_exposures",
            "sbs96_catalogue",
            "comutation_variants",
            "genomic_provenance",
            "genomic_sample_status",
        ),
        None,
    ),
    "endpoints": ((st.SUBJECTS,), st.ENDPOINT_PREFIX),
    "models": ((), st.MODEL_PREFIX),
}


def step_key(provenance: dict[str, Any]) -> str:
    """SHA-256 of what decides a step's output: inputs' SHA-256s, parameters, package version."""
    basis = {
        "version": provenance.get("version"),
        "parameters": provenance.get("parameters"),
        "inputs": {k: v.get("sha256") for k, v in provenance.get("inputs", {}).items()},
    }
    return hashlib.sha256(json.dumps(jsonable(basis), sort_keys=True).encode()).hexdigest()


def table_key(frame: pd.DataFrame, options: dict[str, Any]) -> str:
    """SHA-256 of a table's content, the options and the package version (the models' step key)."""
    from biomarker import __version__

    digest = hashlib.sha256(frame.to_csv(index=False, float_format="%.12g").encode())
    digest.update(json.dumps(jsonable({"options": options, "version": __version__}), sort_keys=True).encode())
    return digest.hexdigest()


def unchanged(store: st.Store, table: str, key: str) -> bool:
    """Whether ``table`` is stored with this step key (so the step can be skipped)."""
    return table in store.tables() and store.provenance(table).get("step_key") == key


# -- first steps: the user's files -> results -----------------------------------------------------
def compute_pathology(path: str | os.PathLike[str], options: dict[str, Any] | None = None) -> Result:
    """PD-L1 and TILs per subject from a pathology export (``biomarker.ihc.read_pathology``)."""
    from biomarker import ihc

    options = dict(options or {})
    frame = ihc.read_pathology(path, **options)
    provenance = make_provenance("pathology", options, {"pathology": path}, reader=frame.attrs.pop("provenance", {}))
    provenance["step_key"] = step_key(provenance)
    return Result("pathology", {st.PDL1: frame}, provenance, plotters={"pdl1_category": _pdl1_plot})


def _pdl1_plot(tables: Any) -> Any:
    from biomarker.plots._figure import new_figure

    counts = tables[st.PDL1]["pdl1_category"].fillna("not evaluable").value_counts().sort_index()
    fig = new_figure(5, 3.5)
    ax = fig.subplots()
    ax.bar(counts.index.astype(str), counts.to_numpy(), color="#4c72b0")
    ax.set_xlabel("PD-L1 TPS category (%)")
    ax.set_ylabel("subjects")
    return fig


def compute_tbnk(
    export: str | os.PathLike[str] | None = None,
    fcs: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> Result:
    """TBNK per subject and visit, from a lab export or by gating a folder of FCS files, with the features."""
    from biomarker import flow

    if export is not None:
        table = flow.read_tbnk_export(export)
        tables: dict[str, pd.DataFrame] = {st.TBNK: table, "tbnk_qc": flow.qc_long(table)}
        inputs: dict[str, Any] = {"tbnk": export}
    else:  # one unreadable tube fails alone, with its reason in tbnk_tube_status (issue 11)
        files = sorted(Path(fcs).glob("*.fcs"))  # type: ignore[arg-type]
        gated = flow.gate_tubes(files, on_error="skip", progress=progress)
        tables = dict(gated.tables)
        table = tables[st.TBNK]
        for row in tables["tbnk_tube_status"].query("status == 'failed'").itertuples():
            log.warning("TBNK tube %s failed: %s", row.file, row.reason)
        inputs = {f"fcs/{p.name}": p for p in files}
        tables["tbnk_gate_plots"] = gate_plots(gated)
    long, wide = flow.tbnk_features(table)
    left_out = int(wide.attrs.get("flagged_left_out", 0))
    wide = wide.reset_index() if "usubjid" not in wide.columns else wide
    provenance = make_provenance(
        "tbnk",
        {"source": "export" if export is not None else "fcs"},
        inputs,
        reader=table.attrs.pop("provenance", {}),
        flagged_left_out=left_out,
    )
    provenance["step_key"] = step_key(provenance)
    tables.update({st.TBNK_FEATURES: long, st.TBNK_FEATURES_WIDE: wide})
    return Result("tbnk", tables, provenance, summary_table=st.TBNK_FEATURES_WIDE)


def gate_plots(gated: Any) -> pd.DataFrame:
    """The gate plot of every flagged tube as an embedded PNG (``file, flags, png_base64``), so the report,
    which reads the store only, shows what a flow core signs off by looking."""
    import base64

    import pandas as pd

    from biomarker.errors import BiomarkerError
    from biomarker.png import figure_png

    rows = []
    for outcome in getattr(gated, "_outcomes", []):
        if not outcome.flags or outcome.status == "failed":
            continue
        try:
            fig = gated.plot(outcome.path.name)
        except BiomarkerError as exc:
            log.warning("no gate plot for %s: %s", outcome.path.name, exc)
            continue
        rows.append(
            {
                "file": outcome.path.name,
                "flags": ";".join(outcome.flags),
                "png_base64": base64.b64encode(figure_png(fig, 80)).decode(),
            }
        )
    return pd.DataFrame(rows, columns=["file", "flags", "png_base64"])


def compute_endpoints(
    clinical: str | os.PathLike[str], out_dir: str | os.PathLike[str] | None, options: dict[str, Any] | None = None
) -> tuple[Any, Result]:
    """Trial endpoints (``biomarker.clinical.run_endpoints``) and the ``subjects`` covariates from DM.

    Returns the endpoint result as the clinical module made it and a :class:`Result` of the store tables.
    """
    from biomarker.clinical import run_endpoints

    config = endpoint_config(options or {})
    result = run_endpoints(clinical, out_dir, config)
    tables = {st.ENDPOINT_PREFIX + k: v for k, v in result.tables.items()}
    subjects = _subjects(clinical)
    if subjects is not None:
        tables[st.SUBJECTS] = subjects
    inputs = {k: v.get("file") for k, v in result.provenance.get("inputs", {}).items()}
    provenance = make_provenance(
        "endpoints",
        result.provenance.get("parameters", {}),
        inputs,
        **{k: v for k, v in result.provenance.items() if k not in ("inputs", "parameters")},
    )
    provenance["step_key"] = step_key(provenance)
    return result, Result("endpoints", tables, provenance, summary_table=st.ENDPOINT_PREFIX + "summary")


def clinical_inputs(folder: str | os.PathLike[str]) -> dict[str, Path]:
    """The files an endpoint run may read: every file directly in ``folder`` (SDTM/ADaM files or ``study.json``
    there; not a study.yaml, whose endpoint options are the step's parameters, nor a log) and every file under its
    ``clinical/`` and ``adam/`` folders; name (relative path) -> path.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> for name in ("dm.csv", "clinical/tr.csv", "vcf/T.vcf", "study.yaml"):
    ...     (root / name).parent.mkdir(exist_ok=True); _ = (root / name).write_text("x")
    >>> sorted(clinical_inputs(root))
    ['clinical/tr.csv', 'dm.csv']
    """
    root = Path(folder)
    files = (
        [p for p in root.iterdir() if p.is_file() and p.suffix.lower() not in (".yaml", ".yml", ".log")]
        if root.is_dir()
        else []
    )
    for sub in ("clinical", "adam"):
        if (root / sub).is_dir():
            files += [p for p in (root / sub).rglob("*") if p.is_file()]
    return {p.relative_to(root).as_posix(): p for p in sorted(files)}


def endpoint_config(options: dict[str, Any]) -> Any:
    """An ``EndpointConfig`` from the ``endpoints:`` block of study.yaml (keys checked; figures off unless set)."""
    from biomarker.clinical import EndpointConfig

    return EndpointConfig.from_mapping({"figures": False, **options})


def _subjects(clinical: str | os.PathLike[str]) -> pd.DataFrame | None:
    from biomarker.clinical.sdtm import clinical_folder, find_domain_file, read_domain
    from biomarker.errors import BiomarkerError, InputError
    from biomarker.models.patients import covariates_from_dm

    try:  # DM alone (the endpoints have read and checked every domain already)
        folder = clinical_folder(clinical)
        path = find_domain_file(folder, "dm")
        if path is None:
            raise InputError(folder / "dm.csv", "file not found")
        return covariates_from_dm(read_domain(path, "dm"))
    except BiomarkerError as exc:
        log.warning("no subjects table (covariates) from %s: %s", clinical, exc)
        return None


# -- later steps: store tables only -----------------------------------------------------------------
def compute_models(
    patients: pd.DataFrame, out_dir: str | os.PathLike[str], options: dict[str, Any], jobs: int = 1
) -> Any:
    """The trial's pre-specified response models on the store's patient table (``run_study_models``)."""
    from biomarker.models import run_study_models

    options = dict(options)
    outcome = options.pop("outcome", "response")
    options.setdefault("n_jobs", jobs)
    return run_study_models(patients, out_dir, outcome=outcome, **options)


def save(
    store: st.Store,
    result: Any,
    *,
    prefix: str = "",
    run_id: int | None = None,
    drop_prefix: str | None = None,
    provenance: dict[str, Any] | None = None,
) -> list[str]:
    """Write a result's tables (``prefix + name``) and provenance to the store in one transaction."""
    prov = provenance if provenance is not None else getattr(result, "provenance", {})
    name = getattr(result, "name", None) or prov.get("step", "step")
    return store.write_tables(name, result.tables, prov, prefix=prefix, run_id=run_id, drop_prefix=drop_prefix)


# -- results read back from the store --------------------------------------------------------------
_ENDPOINT_FIGURES = ("waterfall", "spider", "swimmer", "km_pfs", "km_os", "km_dor")


def empty() -> pd.DataFrame:
    """An empty frame (a table the store does not hold)."""
    import pandas as pd

    return pd.DataFrame()


def tmb_result(tables: dict[str, pd.DataFrame]) -> Result:
    """The TMB result from its store tables (a ``summary`` by status added; figures ``tmb``, ``tmb_audit``)."""
    import pandas as pd

    from biomarker import plots

    results = tables.get("tmb_results", empty())
    if len(results):
        summary = results.groupby("status").agg(
            tumours=("sample", "size"),
            median_tmb_per_mb=("tmb_per_mb", "median"),
            presets=("preset", lambda p: ", ".join(sorted(set(p.dropna())))),
        )
        tables = {"summary": summary.reset_index(), **tables}
    else:
        tables = {"summary": pd.DataFrame(columns=["status", "tumours", "median_tmb_per_mb", "presets"]), **tables}

    def ok(t: Any) -> pd.DataFrame:
        return t["tmb_results"][t["tmb_results"]["status"] == "ok"].sort_values("sample")

    return Result(
        "tmb",
        tables,
        {"presets": sorted(set(results.get("preset", pd.Series()).dropna()))},
        plotters={
            "tmb": lambda t: plots.tmb_distribution(ok(t)),
            "tmb_audit": lambda t: plots.tmb_audit(t["tmb_filter_audit"], ok(t)),
        },
    )


def endpoints_result(tables: dict[str, pd.DataFrame]) -> Result:
    """The endpoint result from its store tables (names without ``endpoint_``), with its figures."""
    from biomarker.plots.endpoints import endpoint_figures

    def draw(name: str) -> Callable[[Any], Any]:
        return lambda t: endpoint_figures(dict(t), only=name)[name]

    provenance = tables.get("summary", empty()).attrs.get("provenance", {})
    return Result("endpoints", tables, provenance, plotters={n: draw(n) for n in _ENDPOINT_FIGURES} if tables else None)


def models_result(tables: dict[str, pd.DataFrame]) -> Result:
    """The models' result from their store tables (names without ``model_``), with their figures."""
    from biomarker.plots.models import model_figure_names, model_figures

    def draw(name: str) -> Callable[[Any], Any]:
        return lambda t: model_figures(dict(t), only=name)[name]

    provenance = tables.get("model_performance", empty()).attrs.get("provenance", {})
    names = model_figure_names(tables) if tables else []
    return Result(
        "models",
        tables,
        provenance,
        plotters={n: draw(n) for n in names},
        summary_table="model_performance" if tables else None,
    )


__all__ = [
    "STEP_TABLES",
    "clinical_inputs",
    "compute_endpoints",
    "compute_models",
    "compute_pathology",
    "compute_tbnk",
    "empty",
    "endpoint_config",
    "endpoints_result",
    "models_result",
    "save",
    "step_key",
    "table_key",
    "tmb_result",
    "unchanged",
]
