"""``run_models``: a patient table and a :class:`~biomarker.models.spec.ModelSpec` in, a
:class:`~biomarker.models.result.ModelResults` out, in stages:

1. :func:`~biomarker.models.prepare.prepare` -- check columns, refuse on-treatment features outside a landmark
   analysis, apply the landmark, build the analysis and survival rows;
2. :func:`associations` -- missingness (with the informative-missingness screen), univariable tests, effects per
   doubling / 10 points / SD, unadjusted and Firth-adjusted;
3. :func:`survival_tables` -- Kaplan-Meier, log-rank and Cox on every patient with survival data;
4. :func:`cross_validate` -- repeated CV of every model (missing indicators only where missingness is not
   informative);
5. :func:`resample` -- permutation test and refit bootstrap, on all cores, with progress;
6. :func:`~biomarker.models.performance.performance_tables` and
   :func:`~biomarker.models.performance.clinical_use_tables`; then ``report.json``.
"""

from __future__ import annotations

import logging
import os
import time as _time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biomarker.errors import ConfigError
from biomarker.models.estimators import ClinicalRule, CutoffClassifier, make_estimator
from biomarker.models.prepare import Prepared, binary_outcome, prepare, read_patient_table
from biomarker.models.result import ModelResults, write_tsv
from biomarker.models.spec import DEFAULT_MODELS, ModelSpec, on_treatment_visit
from biomarker.models.threads import one_thread

log = logging.getLogger(__name__)

#: ``progress(stage, done, total)``: called as the long stages advance.
Progress = Callable[[str, int, int], None]


#: Environment variable: the worker count the models use when none is given (``n_jobs`` 0, ``-j`` left out).
JOBS_ENV = "BIOMARKER_JOBS"


def default_jobs() -> int:
    """Worker processes when none are asked for: ``$BIOMARKER_JOBS`` when set, else the cores this process may
    run on (a batch scheduler's CPU set, not the node's count). Anything but a whole number from 1 up in the
    variable is a :class:`~biomarker.errors.ConfigError`."""
    named = os.environ.get(JOBS_ENV, "").strip()
    if named:
        if not named.isdigit() or int(named) < 1:
            raise ConfigError(f"${JOBS_ENV} is {named!r}: give a whole number of worker processes, 1 or more")
        return int(named)
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    return max(1, len(cores))


def _n_jobs(spec: ModelSpec) -> int:
    return spec.n_jobs or default_jobs()


def _map(fn, items: list, n_jobs: int) -> list:
    if n_jobs == 1 or len(items) < 2:
        return [fn(i) for i in items]
    from joblib import Parallel, delayed

    return Parallel(n_jobs=n_jobs, backend="loky")(delayed(fn)(i) for i in items)


def _cv_job(args):
    from biomarker.models.validation import repeated_cv

    name, est, X, y, kwargs = args
    with one_thread():
        return name, repeated_cv(est, X, y, **kwargs)


def associations(prep: Prepared, spec: ModelSpec) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Stage 2: ``missingness``, ``univariable``, ``categorical_rates``, ``box_points``/``box_stats``, ``effects``;
    and the warnings about informative missingness."""
    from biomarker.models.effects import marker_effects
    from biomarker.models.features import missingness
    from biomarker.models.univariable import box_stats, univariable_binary

    data, outcome = prep.data, prep.outcome
    tables: dict[str, pd.DataFrame] = {}
    miss = missingness(data, prep.uni_features, outcome, alpha=spec.missingness_alpha)
    tables["missingness"] = miss
    uni, rates = univariable_binary(
        data, outcome, prep.uni_features, categorical=prep.uni_categorical, change=prep.change
    )
    tables["univariable"], tables["categorical_rates"] = uni, rates
    kinds = uni.set_index("feature")["kind"]
    box_feats = [f for f in prep.uni_features if kinds.get(f) == "numeric"]
    tables["box_points"], tables["box_stats"] = box_stats(data, outcome, box_feats)
    tables["effects"] = marker_effects(data, outcome, box_feats, prep.adjust_for)
    warnings = []
    for _, r in miss[miss["informative"]].iterrows():
        used = spec.missing_indicators == "always" and r["feature"] in prep.numeric
        warnings.append(
            f"{r['feature']}: missing for {r['n_missing_events']} events and {r['n_missing_non_events']} non-events "
            f"(Firth likelihood-ratio p = {r['missing_vs_outcome_p']:.3g} < {spec.missingness_alpha}): its "
            "missingness may carry outcome information, "
            + (
                "and its missing indicator IS used (missing_indicators: always)"
                if used
                else "so its missing indicator is not used by the models (median imputation only)"
            )
        )
    return tables, warnings


def survival_tables(prep: Prepared, spec: ModelSpec) -> dict[str, pd.DataFrame]:
    """Stage 3: KM/log-rank by the pre-specified groups and univariable Cox, on every patient with survival data
    (not only those with the binary outcome); each row states its n and events. On-treatment features are left
    out of the Cox models (from C1D1 they carry guarantee-time bias)."""
    from biomarker.models.survival import cox_univariable, survival_by_group
    from biomarker.models.univariable import is_categorical

    surv, curves, risks, coxes = [], [], [], []
    base = prep.survival
    for t, e in zip(prep.times, prep.events, strict=True):
        sub = base.dropna(subset=[t, e])
        s, c, r = survival_by_group(sub, t, e, spec.groups)
        surv.append(s)
        curves.append(c)
        risks.append(r)
        feats = [
            f
            for f in prep.uni_features
            if not on_treatment_visit(f)
            and (f in prep.numeric or is_categorical(sub[f]) or pd.api.types.is_numeric_dtype(sub[f]))
        ]
        coxes.append(cox_univariable(sub, t, e, feats))
    if not prep.times:
        return {}
    return {
        "survival_groups": pd.concat(surv, ignore_index=True),
        "cox": pd.concat(coxes, ignore_index=True),
        "km_curves": pd.concat(curves, ignore_index=True),
        "km_at_risk": pd.concat(risks, ignore_index=True),
    }


def indicator_columns(prep: Prepared, spec: ModelSpec, missing: pd.DataFrame) -> list[str]:
    """Numeric features that get a missing-indicator column (see ``ModelSpec.missing_indicators``)."""
    if spec.missing_indicators == "never":
        return []
    flagged = set(missing.loc[missing["informative"], "feature"]) if spec.missing_indicators == "auto" else set()
    return [f for f in prep.numeric if f not in flagged and prep.data[f].isna().any()]


def cross_validate(prep: Prepared, spec: ModelSpec, indicators: list[str], n_jobs: int):
    """Stage 4: repeated stratified CV of every model family, learned cut-off and the fixed rule."""
    X = prep.data[list(dict.fromkeys([*prep.features, *(prep.rule or {}), *prep.cutoff_features]))]
    estimators: dict[str, object] = {
        m: make_estimator(m, prep.numeric, prep.categorical, seed=spec.seed, indicators=indicators) for m in spec.models
    }
    estimators.update({f"cutoff_{c}": CutoffClassifier(c) for c in prep.cutoff_features})
    kinds = {**{m: "model" for m in spec.models}, **{f"cutoff_{c}": "learned cut-off" for c in prep.cutoff_features}}
    common = {"n_splits": spec.n_splits, "n_repeats": spec.n_repeats, "seed": spec.seed}
    jobs = [
        (
            name,
            est,
            X,
            prep.y,
            {
                **common,
                "importance_features": prep.features if name in spec.models else (),
                "keep_coefficients": name in ("logistic_l2", "elastic_net"),
            },
        )
        for name, est in estimators.items()
    ]
    if prep.rule:
        jobs.append(("clinical_rule", ClinicalRule(prep.rule), X, prep.y, common))
        kinds["clinical_rule"] = "fixed rule"
    cv = dict(_map(_cv_job, jobs, n_jobs))
    return X, estimators, kinds, cv


def resample(
    X: pd.DataFrame,
    y: np.ndarray,
    estimators: Mapping[str, object],
    cv: Mapping,
    spec: ModelSpec,
    n_jobs: int,
    progress: Progress | None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Stage 5: the permutation test (its statistic is the printed AUC: the mean over all CV repeats) and the
    refit bootstrap of the AUC interval."""
    from biomarker.models.validation import permutation_test, refit_bootstrap

    observed = {name: float(np.mean(cv[name].auc)) for name in estimators}
    tell = (lambda stage: lambda done, total: progress(stage, done, total)) if progress else (lambda stage: None)
    to_permute = {
        k: v for k, v in estimators.items() if spec.permutation_models is None or k in spec.permutation_models
    }
    pvals = pd.DataFrame(columns=["model", "permutation_p", "p_text", "null_auc_mean", "n_permutations"])
    null = pd.DataFrame(columns=["model", "permutation", "auc"])
    if spec.n_permutations > 0 and to_permute:
        pvals, null = permutation_test(
            to_permute,
            X,
            y,
            {k: observed[k] for k in to_permute},
            n_permutations=spec.n_permutations,
            n_splits=spec.n_splits,
            n_repeats=spec.n_repeats,
            seed=spec.seed,
            n_jobs=n_jobs,
            progress=tell("permutations"),
        )
    boot = pd.DataFrame(columns=["model", "auc_refit_sd", "auc_ci_lower", "auc_ci_upper", "n_refit_bootstrap"])
    draws = pd.DataFrame(columns=["model", "resample", "auc"])
    if spec.n_refit_bootstrap > 1 and estimators:
        boot, draws = refit_bootstrap(
            estimators,
            X,
            y,
            observed,
            n_bootstrap=spec.n_refit_bootstrap,
            n_splits=spec.n_splits,
            seed=spec.seed,
            n_jobs=n_jobs,
            progress=tell("refit bootstrap"),
        )
    return pvals, null, boot, draws


def run_models(
    table: str | os.PathLike[str] | pd.DataFrame,
    spec: ModelSpec | Mapping[str, Any] | None = None,
    *,
    out_dir: str | os.PathLike[str] | None = None,
    provenance: Mapping | None = None,
    progress: Progress | None = None,
    **fields: Any,
) -> ModelResults:
    """Association and honest prediction of a binary outcome (e.g. objective response) from biomarkers, with
    survival by biomarker group.

    Parameters
    ----------
    table
        One row per patient (frame, CSV or TSV).
    spec
        A :class:`ModelSpec` or a mapping of its fields; keyword ``fields`` override it (e.g. ``outcome="response",
        features=["tmb_log2"]``); an unknown field is a :class:`~biomarker.errors.ConfigError`.
    out_dir
        Write the tables, figures and ``report.json`` there (``None``: compute only).
    provenance
        Extra provenance (e.g. the study files a frame was assembled from, with their SHA-256).
    progress
        ``progress(stage, done, total)`` for the permutation and bootstrap stages.

    Returns
    -------
    ModelResults

    Examples
    --------
    >>> res = run_models("patients.csv", outcome="response", features=["tmb_log2", "pdl1_tps_pct"])  # doctest: +SKIP
    >>> res.summary[["model", "auc", "auc_ci_lower", "auc_ci_upper", "null_auc_mean", "p_text"]]  # doctest: +SKIP
    """
    from biomarker.models.performance import clinical_use_tables, performance_tables
    from biomarker.models.report import tripod_report

    started = _time.perf_counter()
    if isinstance(spec, ModelSpec):
        spec = spec.replace(**fields) if fields else spec
    else:
        spec = ModelSpec.from_mapping(spec, **fields)
    source = None if isinstance(table, pd.DataFrame) else Path(table)
    raw = table.copy() if isinstance(table, pd.DataFrame) else read_patient_table(table)
    prep = prepare(raw, spec, source)
    n_jobs = _n_jobs(spec)

    tables, warnings = associations(prep, spec)
    tables.update(survival_tables(prep, spec))
    indicators = indicator_columns(prep, spec, tables["missingness"])
    X, estimators, kinds, cv = cross_validate(prep, spec, indicators, n_jobs)
    log.info("cross-validation of %d models done in %.1f s", len(cv), _time.perf_counter() - started)
    pvals, null, boot, draws = resample(X, prep.y, estimators, cv, spec, n_jobs, progress)
    tables["permutation_null"], tables["refit_bootstrap"] = null, draws
    tables.update(performance_tables(prep, spec, X, estimators, kinds, cv, pvals, boot, indicators))
    tables.update(clinical_use_tables(prep, spec, cv, tables))
    if prep.landmark is not None:
        tables["landmark_exclusions"] = prep.exclusions
        warnings.append(
            f"landmark analysis at {spec.landmark}: {prep.landmark['n_excluded']} of "
            f"{prep.landmark['n_before']} patients excluded; outcome = "
            f"{prep.landmark['outcome_meaning']}"
        )
    tables["analysis_table"] = prep.data

    from biomarker import __version__
    from biomarker.files import sha256_file

    prov = {
        "package": "nsclc-biomarker",
        "version": __version__,
        "command": "model",
        "input": str(source) if source else "DataFrame",
        "input_sha256": sha256_file(source) if source else None,
        "settings": spec.as_dict(),
        **(provenance or {}),
    }
    report = tripod_report(
        spec=spec, prep=prep, tables=tables, provenance=prov, warnings=warnings, indicators=indicators
    )
    result = ModelResults(tables=tables, report=report, provenance=prov, warnings=warnings)
    if out_dir is not None:
        result.write(out_dir, figures=spec.figures, dpi=spec.dpi)
    log.info("models: done in %.1f s", _time.perf_counter() - started)
    return result


__all__ = [
    "DEFAULT_MODELS",
    "ModelResults",
    "Progress",
    "associations",
    "binary_outcome",
    "cross_validate",
    "indicator_columns",
    "read_patient_table",
    "resample",
    "run_models",
    "survival_tables",
    "write_tsv",
]
