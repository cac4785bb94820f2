"""Stage 6 of :func:`~biomarker.models.run.run_models`: the performance tables of the cross-validated models and
what a clinician would ask next (net benefit, a published model on this cohort, was the sample big enough)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from biomarker.models.prepare import Prepared
from biomarker.models.spec import ModelSpec
from biomarker.models.threads import one_thread

SUMMARY_COLUMNS = (
    "model",
    "kind",
    "n",
    "n_events",
    "auc",
    "auc_ci_lower",
    "auc_ci_upper",
    "auc_ci_method",
    "null_auc_mean",
    "p",
    "p_text",
    "p_method",
    "auc_repeat_sd",
    "brier",
    "brier_ci_lower",
    "brier_ci_upper",
    "brier_reference",
    "calibration_slope",
    "calibration_intercept",
    "sensitivity",
    "specificity",
    "n_repeats",
    "n_splits",
)


def _rule_row(rule, X: pd.DataFrame, y: np.ndarray) -> dict:
    from scipy.stats import fisher_exact

    from biomarker.models.delong import delong_auc

    flag = rule.fit(X, y).predict(X)
    est = delong_auc(y, flag)
    tp, fn = int(((flag == 1) & (y == 1)).sum()), int(((flag == 0) & (y == 1)).sum())
    fp, tn = int(((flag == 1) & (y == 0)).sum()), int(((flag == 0) & (y == 0)).sum())
    p = float(fisher_exact([[tp, fn], [fp, tn]]).pvalue)
    return {
        "auc": est.auc,
        "auc_ci_lower": est.ci_lower,
        "auc_ci_upper": est.ci_upper,
        "auc_ci_method": "DeLong (the fixed rule itself; nothing learned)",
        "null_auc_mean": 0.5,
        "auc_repeat_sd": 0.0,
        "sensitivity": tp / max(tp + fn, 1),
        "specificity": tn / max(tn + fp, 1),
        "p": p,
        "p_text": f"p = {p:.2g}",
        "p_method": "Fisher exact (fixed rule)",
    }


def model_specification(estimators: Mapping[str, object], X: pd.DataFrame, y: np.ndarray) -> tuple[pd.DataFrame, dict]:
    """TRIPOD+AI item 22: what someone needs to apply each final model (refitted on all patients): imputation values,
    scaler means and SDs, coefficients; for tree models the settings and a statement that the fitted object is
    needed. Returns the coefficient table and a per-model dict."""
    from biomarker.models.estimators import coefficients

    rows, spec = [], {}
    for name, est in estimators.items():
        if not hasattr(est, "named_steps"):
            continue
        with one_thread():
            fitted = est.fit(X, y)
        pre, model = fitted.named_steps["preprocess"], fitted.named_steps["model"]
        steps: dict[str, dict] = {
            c: {"impute_median": float(m)} for c, m in zip(pre.numeric, pre.medians_, strict=True)
        }
        for term, mean, sd in zip(pre.get_feature_names_out(), pre.means_, pre.scales_, strict=False):
            steps.setdefault(str(term), {}).update({"scale_mean": float(mean), "scale_sd": float(sd)})
        steps.update({c: {"levels": list(levels)} for c, levels in pre.levels_.items()})
        entry = {
            "preprocessing": steps,
            "model": type(model).__name__,
            "params": {
                k: v for k, v in model.get_params().items() if isinstance(v, int | float | str | bool) or v is None
            },
        }
        coefs = coefficients(fitted)
        if len(coefs):
            entry["coefficients"] = dict(zip(coefs["term"], coefs["coefficient"].astype(float), strict=True))
            entry["C"] = getattr(model, "C_", None)
            rows.append(coefs.assign(model=name))
        else:
            entry["statement"] = (
                "tree ensemble: no closed form; applying it needs the fitted object, refitted with "
                "these settings and seed on this table"
            )
        spec[name] = entry
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["term", "coefficient", "model"])
    return table, spec


def specification_rows(spec22: Mapping[str, dict], indicators: list[str]) -> pd.DataFrame:
    """The item-22 dict as a tidy table ``model, item, term, value`` (values as text)."""
    rows = []
    for model, entry in spec22.items():
        rows.append({"model": model, "item": "estimator", "term": "", "value": entry["model"]})
        rows += [{"model": model, "item": "param", "term": k, "value": str(v)} for k, v in entry["params"].items()]
        for column, steps in entry["preprocessing"].items():
            for key, value in steps.items():
                text = ", ".join(value) if isinstance(value, list) else f"{value:.10g}"
                rows.append({"model": model, "item": key, "term": column, "value": text})
        rows += [
            {"model": model, "item": "coefficient", "term": t, "value": f"{c:.10g}"}
            for t, c in entry.get("coefficients", {}).items()
        ]
        if entry.get("C") is not None:
            rows.append({"model": model, "item": "chosen_C", "term": "", "value": f"{entry['C']:.10g}"})
        if "statement" in entry:
            rows.append({"model": model, "item": "statement", "term": "", "value": entry["statement"]})
        rows.append({"model": model, "item": "missing_indicators", "term": "", "value": ", ".join(indicators)})
    return pd.DataFrame(rows, columns=["model", "item", "term", "value"])


def performance_tables(
    prep: Prepared,
    spec: ModelSpec,
    X: pd.DataFrame,
    estimators: Mapping[str, object],
    kinds: Mapping[str, str],
    cv: Mapping,
    pvals: pd.DataFrame,
    boot: pd.DataFrame,
    indicators: list[str],
) -> dict[str, pd.DataFrame]:
    """``model_performance``, ``oof_predictions``, ``roc``, ``calibration``, ``importance``, ``coefficients``,
    ``fold_coefficients``, ``fold_cutoffs``, ``model_specification``."""
    from biomarker.models.estimators import ClinicalRule
    from biomarker.models.validation import bootstrap_metrics, calibration_bins, calibration_slope_intercept, roc_band

    y, n, n_events = prep.y, prep.n, prep.n_events
    pv = pvals.set_index("model") if len(pvals) else pd.DataFrame()
    bt = boot.set_index("model") if len(boot) else pd.DataFrame()
    rows, oof_rows, roc_rows, cal_rows = [], [], [], []
    for name, res in cv.items():
        brier_ci = bootstrap_metrics(y, res.oof, n_bootstrap=spec.n_bootstrap, seed=spec.seed)
        cal = np.array([calibration_slope_intercept(y, p) for p in res.oof])
        row = {
            "model": name,
            "kind": kinds[name],
            "n": n,
            "n_events": n_events,
            "auc": float(np.mean(res.auc)),
            "auc_repeat_sd": float(np.std(res.auc, ddof=1)) if len(res.auc) > 1 else np.nan,
            "brier": float(np.mean(res.brier)),
            "brier_ci_lower": brier_ci["brier_ci_lower"],
            "brier_ci_upper": brier_ci["brier_ci_upper"],
            "brier_reference": float(y.mean() * (1 - y.mean())),
            "calibration_slope": float(np.nanmean(cal[:, 0])) if np.isfinite(cal[:, 0]).any() else np.nan,
            "calibration_intercept": float(np.nanmean(cal[:, 1])) if np.isfinite(cal[:, 1]).any() else np.nan,
            "n_repeats": spec.n_repeats,
            "n_splits": res.n_splits,
        }
        if name == "clinical_rule":
            row.update(_rule_row(ClinicalRule(prep.rule), X, y))
        if name in bt.index:
            b = bt.loc[name]
            row.update(
                auc_ci_lower=float(b["auc_ci_lower"]),
                auc_ci_upper=float(b["auc_ci_upper"]),
                auc_ci_method=f"refit bootstrap ({int(b['n_refit_bootstrap'])} resamples, whole procedure "
                "cross-validated again; AUC +/- 1.96 SD)",
            )
        if name in pv.index:
            r = pv.loc[name]
            row.update(
                p=float(r["permutation_p"]),
                p_text=str(r["p_text"]),
                null_auc_mean=float(r["null_auc_mean"]),
                p_method=f"permutation ({int(r['n_permutations'])} x, whole procedure refitted; statistic = "
                f"the AUC shown, mean of {spec.n_repeats} CV repeats)",
            )
        rows.append(row)
        for r in range(res.oof.shape[0]):
            oof_rows.append(
                pd.DataFrame(
                    {
                        "model": name,
                        "repeat": r,
                        prep.id_col: prep.data[prep.id_col].to_numpy(),
                        "outcome": y,
                        "predicted": res.oof[r],
                    }
                )
            )
        roc_rows.append(roc_band(y, res.oof, seed=spec.seed).assign(model=name))
        cal_rows.append(calibration_bins(y, res.oof.mean(axis=0)).assign(model=name))
    tables = {
        "model_performance": pd.DataFrame(rows).reindex(columns=list(SUMMARY_COLUMNS)),
        "oof_predictions": pd.concat(oof_rows, ignore_index=True),
        "roc": pd.concat(roc_rows, ignore_index=True)[["model", "fpr", "tpr", "tpr_lower", "tpr_upper"]],
        "calibration": pd.concat(cal_rows, ignore_index=True),
    }
    imp = [
        res.importance.groupby("feature", sort=False)["auc_drop"]
        .agg(["mean", "std"])
        .reset_index()
        .rename(columns={"mean": "auc_drop_mean", "std": "auc_drop_sd"})
        .assign(model=name)
        for name, res in cv.items()
        if len(res.importance)
    ]
    if imp:
        importance = pd.concat(imp, ignore_index=True)
        importance["rank"] = importance.groupby("model")["auc_drop_mean"].rank(ascending=False, method="min")
        tables["importance"] = importance.sort_values(["model", "rank"], kind="stable")[
            ["model", "feature", "auc_drop_mean", "auc_drop_sd", "rank"]
        ].reset_index(drop=True)
    final = {m: e for m, e in estimators.items() if m in spec.models}
    coefs, spec22 = model_specification(final, X, y)
    tables["model_specification"] = specification_rows(spec22, indicators)
    fold = [res.fold_coefficients.assign(model=name) for name, res in cv.items() if len(res.fold_coefficients)]
    if fold:
        fc = pd.concat(fold, ignore_index=True)
        tables["fold_coefficients"] = fc[["model", "repeat", "fold", "term", "coefficient"]]
        spread = (
            fc.groupby(["model", "term"])["coefficient"]
            .agg(
                fold_median="median",
                fold_p2_5=lambda v: v.quantile(0.025),
                fold_p97_5=lambda v: v.quantile(0.975),
                fold_nonzero=lambda v: float(np.mean(np.abs(v) > 1e-8)),
            )
            .reset_index()
        )
        tables["coefficients"] = coefs.merge(spread, on=["model", "term"], how="left")[
            ["model", "term", "coefficient", "fold_median", "fold_p2_5", "fold_p97_5", "fold_nonzero"]
        ]
    cut = [res.fold_cutoffs.assign(model=name) for name, res in cv.items() if len(res.fold_cutoffs)]
    if cut:
        tables["fold_cutoffs"] = pd.concat(cut, ignore_index=True)[["model", "repeat", "fold", "cutoff"]]
    return tables


def clinical_use_tables(
    prep: Prepared, spec: ModelSpec, cv: Mapping, tables: Mapping[str, pd.DataFrame]
) -> dict[str, pd.DataFrame]:
    """``decision_curve`` (net benefit of the repeat-averaged out-of-fold predictions; a rule by its flags),
    ``external_validation`` and ``external_predictions`` (published models, fixed coefficients), ``sample_size``
    (Riley et al. minimum sample size for the candidate parameters of the models fitted)."""
    from biomarker.models.clinical_use import apply_external, net_benefit, riley_sample_size
    from biomarker.models.estimators import ClinicalRule

    out: dict[str, pd.DataFrame] = {}
    curves = []
    for name, res in cv.items():
        p = res.oof.mean(axis=0)
        if name == "clinical_rule":
            p = ClinicalRule(prep.rule).fit(prep.data, prep.y).predict(prep.data).astype(float)
        curves.append(net_benefit(prep.y, p).assign(model=name))
    if curves:
        out["decision_curve"] = pd.concat(curves, ignore_index=True)[["model", "threshold", "net_benefit", "treat_all"]]
    if spec.external:
        perf, preds = apply_external(prep.data, prep.y, spec.external, prep.id_col, prep.source)
        out["external_validation"], out["external_predictions"] = perf, preds
    out["sample_size"] = pd.DataFrame(
        [
            {
                **riley_sample_size(candidate_parameters(prep), prep.n_events / prep.n),
                "n_available": prep.n,
                "n_events_available": prep.n_events,
            }
        ]
    )
    return out


def candidate_parameters(prep: Prepared) -> int:
    """Candidate parameters of the models: one per numeric feature, one per missing indicator that could be used,
    one per category level beyond the first."""
    data = prep.data
    return (
        len(prep.numeric)
        + int(sum(data[f].isna().any() for f in prep.numeric))
        + sum(max(int(data[c].nunique(dropna=False)) - 1, 1) for c in prep.categorical)
    )


__all__ = [
    "SUMMARY_COLUMNS",
    "candidate_parameters",
    "clinical_use_tables",
    "model_specification",
    "performance_tables",
    "specification_rows",
]
