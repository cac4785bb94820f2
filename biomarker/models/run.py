"""``run_models``: univariable associations, cross-validated prediction models, survival by biomarker,
tables, figures and ``report.json`` for any one-row-per-patient table.
"""

from __future__ import annotations

import json
import logging
import os
import time as _time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from biomarker.errors import ConfigError, InputError
from biomarker.files import atomic_replace, sha256_file
from biomarker.models.estimators import DEFAULT_RULE, MODEL_FAMILIES, ClinicalRule, CutoffClassifier, make_estimator
from biomarker.models.univariable import check_groupings, is_categorical

log = logging.getLogger(__name__)

#: Model families fitted by default (plus the clinical rule when its columns are present). The elastic net is
#: available but not a default: at ~50 patients its variable selection is unstable from fold to fold.
DEFAULT_MODELS = ("logistic_l2", "random_forest", "hist_gradient_boosting")
SUMMARY_COLUMNS = (
    "model", "kind", "n", "n_events", "auc", "auc_ci_lower", "auc_ci_upper", "auc_repeat_sd", "brier",
    "brier_ci_lower", "brier_ci_upper", "brier_reference", "calibration_slope", "calibration_intercept",
    "sensitivity", "specificity", "p", "p_method", "null_auc_mean", "n_repeats", "n_splits",
)


@dataclass
class ModelResults:
    """What :func:`run_models` computed and wrote.

    Attributes
    ----------
    summary
        One row per model (:data:`SUMMARY_COLUMNS`): cross-validated AUC with bootstrap CI, Brier score
        (``brier_reference`` is that of always predicting the event rate), calibration slope/intercept,
        and ``p``: the permutation p (``p_method`` says which test; the fixed rule gets Fisher's exact test).
    tables
        Name -> tidy table (each written as ``<name>.tsv``): ``univariable``, ``categorical_rates``,
        ``missingness``, ``model_performance``, ``oof_predictions``, ``permutation_null``, ``importance``,
        ``coefficients``, ``fold_coefficients``, ``fold_cutoffs``, ``survival_groups``, ``cox``, ``km_curves``,
        ``km_at_risk``, ``roc``, ``calibration``, ``analysis_table``.
    report
        The ``report.json`` content (TRIPOD+AI / REMARK items -> numbers).
    files
        Name -> file written.
    """

    summary: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    report: dict
    files: dict[str, Path] = field(default_factory=dict)

    def plot(self, name: str):
        """Draw one figure: ``biomarker_by_response``, ``roc``, ``calibration``, ``forest`` or
        ``km_<endpoint>_<grouping>``; returns a matplotlib Figure.

        Examples
        --------
        >>> res.plot("roc")  # doctest: +SKIP
        """
        figs = make_figures(self.tables, only=name)
        if name not in figs:
            raise KeyError(f"no figure {name!r}; available: {', '.join(make_figure_names(self.tables))}")
        return figs[name]

    def __repr__(self) -> str:
        cols = ["model", "auc", "auc_ci_lower", "auc_ci_upper", "brier", "calibration_slope", "p"]
        return f"ModelResults({len(self.tables)} tables, {len(self.files)} files)\n{self.summary[cols].to_string()}"


def read_patient_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV/TSV (by extension; other extensions are sniffed) patient table."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file")
    suffix = "".join(path.suffixes[-2:]).lower()
    if ".tsv" in suffix or ".txt" in suffix or ".tab" in suffix:
        return pd.read_csv(path, sep="\t", comment=None)
    if ".csv" in suffix:
        return pd.read_csv(path)
    return pd.read_csv(path, sep=None, engine="python")


def _resolve(frame: pd.DataFrame, name: str, what: str, source) -> str:
    if name in frame.columns:
        return name
    lower = {c.lower(): c for c in frame.columns}
    if name.lower() in lower:
        return lower[name.lower()]
    raise InputError(source, f"no {what} column {name!r}", where="header",
                     hint=f"columns are: {', '.join(map(str, frame.columns[:40]))}")


def binary_outcome(values: pd.Series, positive: Sequence | None = None, source=None) -> pd.Series:
    """0/1 (float, NaN for missing) from a 0/1, boolean or two-valued text column.

    Examples
    --------
    >>> binary_outcome(pd.Series(["PR", "SD", None, "CR"]), positive=["CR", "PR"]).tolist()
    [1.0, 0.0, nan, 1.0]
    """
    if positive is not None:
        pos = {str(p) for p in ([positive] if isinstance(positive, str | int | float) else positive)}
        return values.map(lambda v: np.nan if pd.isna(v) else float(str(v) in pos))
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    numeric = pd.to_numeric(values, errors="coerce")
    bad = values.notna() & ~numeric.isin([0, 1])
    if bad.any():
        raise InputError(source, f"outcome {values.name!r} is not 0/1 (e.g. {values[bad].iloc[0]!r})",
                         hint="pass positive= (CLI: --positive) naming the value(s) that count as the event")
    return numeric.astype(float)


def _map(fn, items: list, n_jobs: int) -> list:
    if n_jobs == 1 or len(items) < 2:
        return [fn(i) for i in items]
    from joblib import Parallel, delayed

    return Parallel(n_jobs=n_jobs, backend="loky")(delayed(fn)(i) for i in items)


def _cv_job(args):
    from threadpoolctl import threadpool_limits

    from biomarker.models.validation import repeated_cv

    name, est, X, y, kwargs = args
    with threadpool_limits(1):
        return name, repeated_cv(est, X, y, **kwargs)


def _fit_final(est, X, y):
    from threadpoolctl import threadpool_limits

    from biomarker.models.estimators import coefficients

    with threadpool_limits(1):
        return coefficients(est.fit(X, y))


def run_models(
    table_or_path: str | os.PathLike[str] | pd.DataFrame,
    outcome: str,
    features: Sequence[str],
    id_col: str = "USUBJID",
    time: str | Sequence[str] | None = None,
    event: str | Sequence[str] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    *,
    seed: int = 7,
    n_repeats: int = 10,
    n_splits: int = 5,
    n_permutations: int = 100,
    permutation_repeats: int = 1,
    permutation_models: Sequence[str] | None = None,
    n_bootstrap: int = 1000,
    models: Sequence[str] = DEFAULT_MODELS,
    rule: Mapping[str, float] | bool | None = True,
    cutoff_features: Sequence[str] = (),
    categorical: Sequence[str] | None = None,
    groups: Mapping[str, float | None] | None = None,
    change: str | None = None,
    positive: Sequence | str | None = None,
    univariable_features: Sequence[str] | None = None,
    n_jobs: int = 1,
    figures: bool = True,
    dpi: int = 150,
    provenance: Mapping | None = None,
) -> ModelResults:
    """Association and prediction of a binary outcome (e.g. objective response) from biomarkers, validated
    honestly, with survival by biomarker group; writes tables, figures and ``report.json`` to ``out_dir``.

    Parameters
    ----------
    table_or_path
        One row per patient (frame, CSV or TSV).
    outcome
        Binary outcome column (0/1, boolean, or text with ``positive``). Patients without it are excluded.
    features
        Candidate predictors of the models (and of the univariable analysis).
    id_col
        Patient identifier (matched case-insensitively, so ``usubjid`` works too); must be unique.
    time, event
        Time-to-event column(s) in months and their 1/0 event column(s) (same length), e.g.
        ``["pfs_months", "os_months"]`` and ``["pfs_event", "os_event"]``: Kaplan-Meier by ``groups`` with
        log-rank tests and univariable Cox hazard ratios.
    out_dir
        Folder for the outputs (``None``: compute only).
    seed
        Seeds every random step; same inputs and seed give byte-identical tables.
    n_repeats, n_splits
        Repeated stratified K-fold CV.
    n_permutations, permutation_repeats
        Outcome permutations for the permutation test (0 to skip) and the CV repeats in its statistic.
        Models are permuted in batches and a model stops once 10 permuted AUCs have reached its own
        (sequential p-value, see :func:`~biomarker.models.validation.permutation_test`).
    permutation_models
        Models to permutation-test (default: all but the fixed rule, which gets Fisher's exact test).
    n_bootstrap
        Bootstrap resamples for the CIs.
    models
        Model families (:data:`~biomarker.models.estimators.MODEL_FAMILIES`).
    rule
        The fixed clinical rule as ``{column: threshold}`` (positive if any is reached); ``True`` uses
        TMB >= 10 mut/Mb or PD-L1 TPS >= 50 % when those columns exist; ``None``/``False`` for none.
    cutoff_features
        Markers for which a dichotomising cut-off is learned inside each training fold
        (:class:`~biomarker.models.estimators.CutoffClassifier`) and evaluated by CV.
    categorical
        Feature columns to treat as categories (default: text/boolean columns for the models; text,
        boolean and 0/1 columns for the univariable tests).
    groups
        Pre-specified groupings for survival: ``{column: cut-off}`` or ``{column: None}`` (categories).
    change
        Continuous outcome for Spearman correlations (e.g. ``best_pct_change``).
    positive
        Value(s) of a text outcome that count as the event.
    univariable_features
        Columns for the univariable tests (default: ``features``), e.g. to add ``tmb_high`` and
        ``pdl1_category`` for Fisher's exact tests.
    n_jobs
        Processes for the CV and permutation test (the machine's cores are shared: 1 or 2).
    figures, dpi
        Draw the PNG figures.
    provenance
        Extra provenance to record (e.g. the study files a frame was assembled from, with their SHA-256).

    Returns
    -------
    ModelResults

    Examples
    --------
    >>> res = run_models("patients.csv", "response", ["tmb_log2", "pdl1_tps_pct"], out_dir="out")  # doctest: +SKIP
    >>> res.summary[["model", "auc", "auc_ci_lower", "auc_ci_upper", "p"]]  # doctest: +SKIP
    """
    from biomarker.models.features import missingness
    from biomarker.models.survival import cox_univariable, survival_by_group
    from biomarker.models.univariable import box_stats, univariable_binary
    from biomarker.models.validation import (
        bootstrap_metrics,
        calibration_bins,
        calibration_slope_intercept,
        permutation_test,
        roc_band,
    )

    started = _time.perf_counter()
    source = None if isinstance(table_or_path, pd.DataFrame) else Path(table_or_path)
    raw = table_or_path.copy() if isinstance(table_or_path, pd.DataFrame) else read_patient_table(table_or_path)
    if not features:
        raise ConfigError("no features given")
    id_col = _resolve(raw, id_col, "id", source)
    outcome = _resolve(raw, outcome, "outcome", source)
    features = [_resolve(raw, f, "feature", source) for f in features]
    if len(set(features)) != len(features):
        raise ConfigError("a feature is listed twice")
    if outcome in features:
        raise ConfigError(f"the outcome {outcome!r} is also listed as a feature")
    uni_features = [_resolve(raw, f, "feature", source) for f in (univariable_features or features)]
    times = [time] if isinstance(time, str) else list(time or [])
    events = [event] if isinstance(event, str) else list(event or [])
    if len(times) != len(events):
        raise ConfigError("give one event column per time column")
    times = [_resolve(raw, t, "time", source) for t in times]
    events = [_resolve(raw, e, "event", source) for e in events]
    change = _resolve(raw, change, "change", source) if change else None
    dup = raw[id_col].astype(str).duplicated()
    if dup.any():
        raise InputError(source, f"patient {raw.loc[dup, id_col].iloc[0]!r} has more than one row",
                         where=id_col, hint="one row per patient")
    groups = check_groupings(groups)
    for column in groups:
        _resolve(raw, column, "grouping", source)
    if rule is True:
        rule_map = dict(DEFAULT_RULE) if all(c in raw.columns for c in DEFAULT_RULE) else None
    else:
        rule_map = dict(rule) if rule else None
    for column in rule_map or {}:
        _resolve(raw, column, "rule", source)
    for column in cutoff_features:
        _resolve(raw, column, "cut-off feature", source)
    unknown = [m for m in models if m not in MODEL_FAMILIES]
    if unknown:
        raise ConfigError(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODEL_FAMILIES)}")

    y_all = binary_outcome(raw[outcome], positive, source)
    n_excluded = int(y_all.isna().sum())
    if n_excluded:
        log.info("%d patients without %s are excluded", n_excluded, outcome)
    keep_cols = list(dict.fromkeys([id_col, outcome, *features, *uni_features, *(rule_map or {}), *cutoff_features,
                                    *times, *events, *([change] if change else []), *groups]))
    data = raw.loc[y_all.notna(), keep_cols].copy()
    data[outcome] = y_all[y_all.notna()].astype(int)
    data = data.sort_values(id_col, key=lambda s: s.astype(str), kind="stable").reset_index(drop=True)
    y = data[outcome].to_numpy(int)
    n, n_events = len(y), int(y.sum())
    if n_events < 2 or n - n_events < 2:
        raise InputError(source, f"{outcome!r} has {n_events} events among {n} patients",
                         hint="cross-validation needs at least 2 patients in each class")

    cat_models = [f for f in features if (f in (categorical or [])) or (
        categorical is None and (data[f].dtype == object or pd.api.types.is_string_dtype(data[f])
                                 or isinstance(data[f].dtype, pd.CategoricalDtype)))]
    numeric = [f for f in features if f not in cat_models]
    for f in numeric:
        is_bool = pd.api.types.is_bool_dtype(data[f])
        data[f] = data[f].astype(float) if is_bool else pd.to_numeric(data[f], errors="coerce")
    cat_uni = None if categorical is None else [f for f in uni_features if f in categorical or is_categorical(data[f])]
    tables: dict[str, pd.DataFrame] = {}

    # -- univariable -------------------------------------------------------------------------------
    tables["missingness"] = missingness(data, uni_features, outcome)
    uni, rates = univariable_binary(data, outcome, uni_features, categorical=cat_uni, change=change)
    tables["univariable"], tables["categorical_rates"] = uni, rates
    box_feats = [f for f in uni_features if uni.set_index("feature").loc[f, "kind"] == "numeric"]
    tables["box_points"], tables["box_stats"] = box_stats(data, outcome, box_feats)

    # -- survival ----------------------------------------------------------------------------------
    surv, curves, risks, coxes = [], [], [], []
    for t, e in zip(times, events, strict=True):
        sub = data.dropna(subset=[t, e])
        s, c, r = survival_by_group(sub, t, e, groups)
        surv.append(s)
        curves.append(c)
        risks.append(r)
        coxes.append(cox_univariable(sub, t, e, [f for f in uni_features if f in numeric or is_categorical(sub[f])]))
    if times:
        tables["survival_groups"] = pd.concat(surv, ignore_index=True)
        tables["cox"] = pd.concat(coxes, ignore_index=True)
        tables["km_curves"] = pd.concat(curves, ignore_index=True)
        tables["km_at_risk"] = pd.concat(risks, ignore_index=True)

    # -- models ------------------------------------------------------------------------------------
    X = data[list(dict.fromkeys([*features, *(rule_map or {}), *cutoff_features]))]
    estimators: dict[str, object] = {m: make_estimator(m, numeric, cat_models, seed=seed) for m in models}
    estimators.update({f"cutoff_{c}": CutoffClassifier(c) for c in cutoff_features})
    kinds = {**{m: "model" for m in models}, **{f"cutoff_{c}": "learned cut-off" for c in cutoff_features}}
    jobs = [(name, est, X, y, {"n_splits": n_splits, "n_repeats": n_repeats, "seed": seed,
                               "importance_features": features if name in models else (),
                               "keep_coefficients": name in ("logistic_l2", "elastic_net")})
            for name, est in estimators.items()]
    if rule_map:
        estimators_rule = ClinicalRule(rule_map)
        jobs.append(("clinical_rule", estimators_rule, X, y, {"n_splits": n_splits, "n_repeats": n_repeats,
                                                              "seed": seed}))
        kinds["clinical_rule"] = "fixed rule"
    cv = dict(_map(_cv_job, jobs, n_jobs))
    log.info("cross-validation of %d models done in %.1f s", len(cv), _time.perf_counter() - started)

    pvals = pd.DataFrame(columns=["model", "permutation_p", "null_auc_mean"])
    null = pd.DataFrame(columns=["model", "permutation", "auc"])
    to_permute = {k: v for k, v in estimators.items() if permutation_models is None or k in permutation_models}
    if n_permutations > 0 and to_permute:
        observed = {name: float(np.mean(cv[name].auc[:permutation_repeats])) for name in to_permute}
        pvals, null = permutation_test(to_permute, X, y, observed, n_permutations=n_permutations, n_splits=n_splits,
                                       n_repeats=permutation_repeats, seed=seed, n_jobs=n_jobs)
        log.info("permutation test done in %.1f s", _time.perf_counter() - started)
    tables["permutation_null"] = null

    rows, oof_rows, roc_rows, cal_rows = [], [], [], []
    for name, res in cv.items():
        boot = bootstrap_metrics(y, res.oof, n_bootstrap=n_bootstrap, seed=seed)
        cal = np.array([calibration_slope_intercept(y, p) for p in res.oof])
        row = {"model": name, "kind": kinds[name], "n": n, "n_events": n_events, "auc": float(np.mean(res.auc)),
               "auc_ci_lower": boot["auc_ci_lower"], "auc_ci_upper": boot["auc_ci_upper"],
               "auc_repeat_sd": float(np.std(res.auc, ddof=1)) if len(res.auc) > 1 else np.nan,
               "brier": float(np.mean(res.brier)), "brier_ci_lower": boot["brier_ci_lower"],
               "brier_ci_upper": boot["brier_ci_upper"], "brier_reference": float(y.mean() * (1 - y.mean())),
               "calibration_slope": float(np.nanmean(cal[:, 0])) if np.isfinite(cal[:, 0]).any() else np.nan,
               "calibration_intercept": float(np.nanmean(cal[:, 1])) if np.isfinite(cal[:, 1]).any() else np.nan,
               "n_repeats": n_repeats, "n_splits": res.n_splits}
        if name == "clinical_rule":
            from scipy.stats import fisher_exact

            from biomarker.models.delong import delong_auc

            flag = estimators_rule.fit(X, y).predict(X)
            est = delong_auc(y, flag)
            tp, fn = int(((flag == 1) & (y == 1)).sum()), int(((flag == 0) & (y == 1)).sum())
            fp, tn = int(((flag == 1) & (y == 0)).sum()), int(((flag == 0) & (y == 0)).sum())
            row.update(auc=est.auc, auc_ci_lower=est.ci_lower, auc_ci_upper=est.ci_upper, auc_repeat_sd=0.0,
                       sensitivity=tp / max(tp + fn, 1), specificity=tn / max(tn + fp, 1),
                       p=float(fisher_exact([[tp, fn], [fp, tn]]).pvalue), p_method="Fisher exact (fixed rule; "
                       "AUC with DeLong CI of the rule itself)")
        elif len(pvals) and name in set(pvals["model"]):
            pr = pvals.set_index("model").loc[name]
            row.update(p=float(pr["permutation_p"]), null_auc_mean=float(pr["null_auc_mean"]),
                       p_method=f"permutation ({int(pr['n_permutations'])} x, refit)")
        rows.append(row)
        for r in range(res.oof.shape[0]):
            oof_rows.append(pd.DataFrame({"model": name, "repeat": r, id_col: data[id_col].to_numpy(),
                                          "outcome": y, "predicted": res.oof[r]}))
        roc_rows.append(roc_band(y, res.oof, seed=seed).assign(model=name))
        cal_rows.append(calibration_bins(y, res.oof.mean(axis=0)).assign(model=name))
    summary = pd.DataFrame(rows).reindex(columns=list(SUMMARY_COLUMNS))
    tables["model_performance"] = summary
    tables["oof_predictions"] = pd.concat(oof_rows, ignore_index=True)
    tables["roc"] = pd.concat(roc_rows, ignore_index=True)[["model", "fpr", "tpr", "tpr_lower", "tpr_upper"]]
    tables["calibration"] = pd.concat(cal_rows, ignore_index=True)
    imp = [
        res.importance.groupby("feature", sort=False)["auc_drop"].agg(["mean", "std"]).reset_index()
        .rename(columns={"mean": "auc_drop_mean", "std": "auc_drop_sd"}).assign(model=name)
        for name, res in cv.items() if len(res.importance)
    ]
    if imp:
        importance = pd.concat(imp, ignore_index=True)
        importance["rank"] = importance.groupby("model")["auc_drop_mean"].rank(ascending=False, method="min")
        tables["importance"] = importance.sort_values(["model", "rank"], kind="stable")[
            ["model", "feature", "auc_drop_mean", "auc_drop_sd", "rank"]].reset_index(drop=True)
    fold_coefs = [res.fold_coefficients.assign(model=name) for name, res in cv.items() if len(res.fold_coefficients)]
    if fold_coefs:
        fc = pd.concat(fold_coefs, ignore_index=True)
        tables["fold_coefficients"] = fc[["model", "repeat", "fold", "term", "coefficient"]]
        final = [_fit_final(estimators[m], X, y).assign(model=m) for m in models if m in ("logistic_l2", "elastic_net")]
        coefs = pd.concat(final, ignore_index=True)
        spread = fc.groupby(["model", "term"])["coefficient"].agg(
            fold_median="median", fold_p2_5=lambda v: v.quantile(0.025), fold_p97_5=lambda v: v.quantile(0.975),
            fold_nonzero=lambda v: float(np.mean(np.abs(v) > 1e-8))).reset_index()
        tables["coefficients"] = coefs.merge(spread, on=["model", "term"], how="left")[
            ["model", "term", "coefficient", "fold_median", "fold_p2_5", "fold_p97_5", "fold_nonzero"]]
    cut = [res.fold_cutoffs.assign(model=name) for name, res in cv.items() if len(res.fold_cutoffs)]
    if cut:
        tables["fold_cutoffs"] = pd.concat(cut, ignore_index=True)[["model", "repeat", "fold", "cutoff"]]
    tables["analysis_table"] = data

    settings = {"outcome": outcome, "positive": positive, "features": list(features), "numeric": numeric,
                "categorical": cat_models, "univariable_features": uni_features, "id_col": id_col, "time": times,
                "event": events, "change": change, "groups": groups, "models": list(models), "rule": rule_map,
                "cutoff_features": list(cutoff_features), "seed": seed, "n_repeats": n_repeats, "n_splits": n_splits,
                "n_permutations": n_permutations, "permutation_repeats": permutation_repeats,
                "permutation_models": list(to_permute),
                "n_bootstrap": n_bootstrap}
    # candidate parameters: one per numeric feature, one per missing indicator, one per category level beyond the first
    n_params = (len(numeric) + int(sum(data[f].isna().any() for f in numeric))
                + sum(max(int(data[c].nunique(dropna=False)) - 1, 1) for c in cat_models))
    data_summary = {"n": n, "n_events": n_events, "event_rate": n_events / n, "n_excluded_missing_outcome": n_excluded,
                    "n_splits": next(iter(cv.values())).n_splits if cv else n_splits,
                    "n_candidate_parameters": n_params}
    from biomarker import __version__
    from biomarker.models.report import tripod_report

    provenance = {"package": "nsclc-biomarker", "version": __version__, "command": "model",
                  "input": str(source) if source else "DataFrame",
                  "input_sha256": sha256_file(source) if source else None, **(provenance or {})}
    report = tripod_report(settings=settings, data_summary=data_summary, tables=tables, provenance=provenance)
    result = ModelResults(summary=summary, tables=tables, report=report)
    if out_dir is not None:
        result.files = write_results(result, Path(out_dir), figures=figures, dpi=dpi)
    log.info("models: done in %.1f s", _time.perf_counter() - started)
    return result


def write_tsv(frame: pd.DataFrame, path: Path) -> Path:
    """TSV, atomically, floats with 10 significant digits (byte-identical for the same inputs and seed)."""
    return atomic_replace(path, lambda p: frame.to_csv(p, sep="\t", index=False, float_format="%.10g",
                                                       lineterminator="\n", date_format="%Y-%m-%d"))


def write_results(result: ModelResults, out_dir: Path, *, figures: bool = True, dpi: int = 150) -> dict[str, Path]:
    """Write every table, ``report.json`` and (optionally) the figures of a run to ``out_dir``."""
    files: dict[str, Path] = {}
    for name, frame in result.tables.items():
        if name in ("box_points",):
            continue
        files[name] = write_tsv(frame, out_dir / f"{name}.tsv")
    files["report"] = atomic_replace(out_dir / "report.json", lambda p: p.write_text(
        json.dumps(result.report, indent=2, sort_keys=True, allow_nan=False) + "\n"))
    if figures:
        for name, fig in make_figures(result.tables).items():
            files[name] = atomic_replace(out_dir / f"{name}.png", lambda p, fig=fig: fig.savefig(
                p, dpi=dpi, format="png", metadata={"Software": None}))
    return files


def make_figure_names(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """Names of the figures the tables allow."""
    names = []
    if len(tables.get("box_stats", ())):
        names.append("biomarker_by_response")
    if len(tables.get("roc", ())):
        names += ["roc", "calibration"]
    if len(tables.get("univariable", ())):
        names.append("forest")
    km = tables.get("km_curves")
    if km is not None and len(km):
        names += [f"km_{e}_{g}" for e, g in km[["endpoint", "grouping"]].drop_duplicates().itertuples(index=False)]
    return names


def forest_rows(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Odds ratios (univariable) and hazard ratios (Cox) as one tidy frame for the forest plot."""
    parts = []
    uni = tables.get("univariable")
    if uni is not None and len(uni):
        u = uni.dropna(subset=["odds_ratio"])
        parts.append(pd.DataFrame({"panel": "Response: odds ratio", "label": u["feature"] + " (" + u["odds_ratio_unit"]
                                   .fillna("") + ")", "estimate": u["odds_ratio"], "ci_lower": u["odds_ratio_ci_lower"],
                                   "ci_upper": u["odds_ratio_ci_upper"], "p": u["odds_ratio_p"]}))
    cox = tables.get("cox")
    if cox is not None and len(cox):
        c = cox.dropna(subset=["hazard_ratio"])
        parts.append(pd.DataFrame({"panel": c["endpoint"].str.upper() + ": hazard ratio",
                                   "label": c["feature"] + " (" + c["unit"] + ")", "estimate": c["hazard_ratio"],
                                   "ci_lower": c["hr_ci_lower"], "ci_upper": c["hr_ci_upper"], "p": c["p"]}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["panel", "label", "estimate", "ci_lower", "ci_upper", "p"])


def make_figures(tables: Mapping[str, pd.DataFrame], only: str | None = None) -> dict:
    """Figures of a run (name -> Figure), drawn by :mod:`biomarker.plots` from the result tables."""
    from biomarker.plots.biomarker_response import biomarker_by_response
    from biomarker.plots.calibration import calibration_plot
    from biomarker.plots.forest import forest_plot
    from biomarker.plots.km import km_plot
    from biomarker.plots.roc import roc_plot

    figs = {}
    perf = tables.get("model_performance", pd.DataFrame())
    labels = {r["model"]: f"{r['model']} AUC {r['auc']:.2f} ({r['auc_ci_lower']:.2f}-{r['auc_ci_upper']:.2f})"
              for _, r in perf.iterrows()}
    for name in make_figure_names(tables):
        if only is not None and name != only:
            continue
        if name == "biomarker_by_response":
            figs[name] = biomarker_by_response(tables["box_points"], tables["box_stats"])
        elif name == "roc":
            figs[name] = roc_plot(tables["roc"].assign(label=tables["roc"]["model"].map(labels)))
        elif name == "calibration":
            slopes = {r["model"]: f"{r['model']}: slope {r['calibration_slope']:.2f}, "
                      f"intercept {r['calibration_intercept']:.2f}" for _, r in perf.iterrows()}
            cal = tables["calibration"]
            figs[name] = calibration_plot(cal.assign(label=cal["model"].map(slopes)))
        elif name == "forest":
            rows = forest_rows(tables)
            if len(rows):
                figs[name] = forest_plot(rows)
        elif name.startswith("km_"):
            km, risk = tables["km_curves"], tables["km_at_risk"]
            for (endpoint, grouping), c in km.groupby(["endpoint", "grouping"], sort=False):
                if f"km_{endpoint}_{grouping}" != name:
                    continue
                r = risk[(risk["endpoint"] == endpoint) & (risk["grouping"] == grouping)]
                s = tables["survival_groups"]
                p = s[(s["endpoint"] == endpoint) & (s["grouping"] == grouping)]["logrank_p"].iloc[0]
                figs[name] = km_plot(c, r, title=f"{str(endpoint).upper()} by {grouping} (log-rank p = {p:.3g})")
    return figs


__all__ = ["DEFAULT_MODELS", "SUMMARY_COLUMNS", "ModelResults", "binary_outcome", "make_figures", "read_patient_table",
           "run_models", "write_results"]
