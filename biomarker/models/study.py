"""The study-folder form: assemble the patient table of a study and run :func:`run_models` on it with the
trial's pre-specified analyses (response, PFS and OS, TMB >= 10 and PD-L1 category groups)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from biomarker.files import sha256_file
from biomarker.models.features import assemble_features, default_features
from biomarker.models.result import ModelResults, write_tsv
from biomarker.models.run import run_models
from biomarker.models.spec import ModelSpec

#: The fixed clinical rule: TMB >= 10 mut/Mb or PD-L1 TPS >= 50 % (the interval's lower bound, since labs often
#: report only ">=50%").
STUDY_RULE: dict[str, float] = {"tmb_per_mb": 10.0, "pdl1_tps_low_pct": 50.0}
#: Pre-specified survival groupings of the protocol: TMB-high at 10 mut/Mb and the PD-L1 TPS categories.
STUDY_GROUPS: dict[str, float | None] = {"tmb_per_mb": 10.0, "pdl1_category": None}


def run_study_models(
    study_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None,
    *,
    tmb_table: str | os.PathLike[str] | pd.DataFrame | None = None,
    endpoints=None,
    table: pd.DataFrame | None = None,
    progress=None,
    **spec_fields,
) -> ModelResults:
    """:func:`assemble_features` then :func:`run_models` for a study folder, with the trial's pre-specified analyses
    as defaults; the table is written as ``features.tsv`` beside the results.

    Parameters
    ----------
    study_dir, out_dir
        Study folder and output folder (``None``: compute only).
    tmb_table, endpoints
        As for :func:`~biomarker.models.features.assemble_features`.
    table
        An already assembled patient table (e.g. from the store): skips the assembly.
    progress
        Passed to :func:`run_models`.
    **spec_fields
        :class:`~biomarker.models.spec.ModelSpec` fields (``outcome``, ``features``, ``landmark``, ``seed``,
        ``n_permutations``, ...); unset ones get the study defaults (baseline :func:`default_features`, PFS and OS,
        TMB >= 10 and PD-L1 category groups, the TMB/PD-L1 rule).

    Examples
    --------
    >>> res = run_study_models("runs/sim01/study", "runs/sim01/results/models")  # doctest: +SKIP
    """
    ModelSpec.from_mapping(spec_fields)  # unknown keys fail before the (slow) assembly
    if table is None:
        table = assemble_features(study_dir, tmb_table, endpoints=endpoints)
    study = Path(study_dir)
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
    provenance: dict = {"study_dir": str(study), "sources": table.attrs.get("sources", {})}
    if out_dir is not None:
        features_file = write_tsv(table, Path(out_dir) / "features.tsv")
        inputs = sorted(p for pattern in ("samplesheet.csv", "clinical/*", "adam/*", "pathology/*", "flow/*.csv")
                        for p in study.glob(pattern) if p.is_file())
        if isinstance(tmb_table, str | os.PathLike) and Path(tmb_table).is_file():
            inputs.append(Path(tmb_table))
        provenance.update(input=str(features_file), input_sha256=sha256_file(features_file), study_inputs={
            str(p.relative_to(study) if p.is_relative_to(study) else p): sha256_file(p) for p in inputs})
    return run_models(table, spec, out_dir=out_dir, provenance=provenance, progress=progress)


__all__ = ["STUDY_GROUPS", "STUDY_RULE", "run_study_models"]
