"""The study form: take the patient table of a study's store and run :func:`run_models` on it with the
trial's pre-specified analyses (response, PFS and OS, TMB >= 10 and PD-L1 category groups)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from biomarker.files import sha256_file
from biomarker.models.features import default_features
from biomarker.models.result import ModelResults, write_tsv
from biomarker.models.run import run_models
from biomarker.models.spec import ModelSpec

#: The fixed clinical rule: TMB >= 10 mut/Mb or PD-L1 TPS >= 50 % (the interval's lower bound, since labs often
#: report only ">=50%").
STUDY_RULE: dict[str, float] = {"tmb_per_mb": 10.0, "pdl1_tps_low_pct": 50.0}
#: Pre-specified survival groupings of the protocol: TMB-high at 10 mut/Mb and the PD-L1 TPS categories.
STUDY_GROUPS: dict[str, float | None] = {"tmb_per_mb": 10.0, "pdl1_category": None}


def run_study_models(
    patients: pd.DataFrame | str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None,
    *,
    progress=None,
    **spec_fields,
) -> ModelResults:
    """:func:`run_models` on a study's patient table with the trial's pre-specified analyses as defaults; with an
    ``out_dir`` the table is written as ``features.tsv`` beside the results.

    Parameters
    ----------
    patients
        The patient table (:func:`~biomarker.models.patients.patient_table`), or the study store (a ``.duckdb``
        file or a folder holding one) it is assembled from. Nothing else is read.
    out_dir
        Output folder (``None``: compute only).
    progress
        Passed to :func:`run_models`.
    **spec_fields
        :class:`~biomarker.models.spec.ModelSpec` fields (``outcome``, ``features``, ``landmark``, ``seed``,
        ``n_permutations``, ...); unset ones get the study defaults (baseline :func:`default_features`, PFS and OS,
        TMB >= 10 and PD-L1 category groups, the TMB/PD-L1 rule).

    Examples
    --------
    >>> res = run_study_models("results/study.duckdb", "results/models")  # doctest: +SKIP
    """
    ModelSpec.from_mapping(spec_fields)  # unknown keys fail before the table is read
    store = None
    if isinstance(patients, pd.DataFrame):
        table = patients
    else:
        from biomarker.models.patients import patient_table
        from biomarker.store import find_store

        store = find_store(patients)
        table = patient_table(store)
    given = {k: v for k, v in spec_fields.items() if v is not None}
    features = list(given.pop("features", None) or default_features(table, given.get("landmark")))
    extra = [c for c in ("tmb_high", "pdl1_category") if c in table.columns and c not in features]
    defaults = {
        "id_col": "usubjid",
        "features": features,
        "time": [t for t in ("pfs_months", "os_months") if t in table.columns],
        "event": [e for e in ("pfs_event", "os_event") if e in table.columns],
        "change": "best_pct_change" if "best_pct_change" in table.columns else None,
        "groups": {k: v for k, v in STUDY_GROUPS.items() if k in table.columns},
        "rule": {k: v for k, v in STUDY_RULE.items() if k in table.columns} or None,
        "univariable_features": [*features, *extra],
    }
    spec = ModelSpec.from_mapping(defaults, **given)
    provenance: dict = {"sources": table.attrs.get("sources", {})}
    if store is not None:
        provenance.update(store=str(store), store_sha256=sha256_file(store))
    if out_dir is not None:
        features_file = write_tsv(table, Path(out_dir) / "features.tsv")
        provenance.update(input=str(features_file), input_sha256=sha256_file(features_file))
    return run_models(table, spec, out_dir=out_dir, provenance=provenance, progress=progress)


__all__ = ["STUDY_GROUPS", "STUDY_RULE", "run_study_models"]
