"""Is a model worth using? Decision curves (net benefit), a published model applied with fixed coefficients
(external validation), and the minimum sample size for developing a model (Riley et al.)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from biomarker.errors import InputError

#: Threshold probabilities of the decision curves.
THRESHOLDS = np.round(np.arange(0.05, 0.61, 0.01), 2)
_TRANSFORMS = {
    "none": lambda v: v,
    "log2": np.log2,
    "log2p1": lambda v: np.log2(v + 1.0),
    "log": np.log,
    "log1p": np.log1p,
}


def net_benefit(y: np.ndarray, p: np.ndarray, thresholds: np.ndarray = THRESHOLDS) -> pd.DataFrame:
    """Net benefit of treating patients whose predicted probability reaches each threshold (Vickers & Elkin 2006):
    ``TP/n - FP/n * t/(1-t)``; ``treat_all`` is the same for everyone treated. A 0/1 ``p`` is a rule.

    Examples
    --------
    >>> nb = net_benefit(np.array([1, 1, 0, 0]), np.array([0.9, 0.8, 0.3, 0.1]), np.array([0.5]))
    >>> nb[["net_benefit", "treat_all"]].values.tolist()
    [[0.5, 0.0]]
    """
    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    n = len(y)
    prev = y.mean()
    rows = []
    for t in thresholds:
        treat = p >= t
        w = t / (1 - t)
        benefit = (np.sum(treat & (y == 1)) - w * np.sum(treat & (y == 0))) / n
        rows.append({"threshold": float(t), "net_benefit": benefit, "treat_all": prev - w * (1 - prev)})
    return pd.DataFrame(rows)


def apply_external(
    frame: pd.DataFrame, y: np.ndarray, models: Mapping[str, Mapping], id_col: str, source=None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply published models with fixed coefficients (nothing refitted) and judge them on this cohort.

    Each model is ``{intercept: b0, coefficients: {column: b}, transform: {column: none|log2|log2p1|log|log1p},
    reference: text}``; the linear predictor is ``b0 + sum b * transform(x)``, the probability its logistic.
    Patients missing a predictor are left out (counted).

    Returns
    -------
    performance, predictions
        ``model, n, n_events, n_missing_predictors, auc, auc_ci_lower, auc_ci_upper, brier, calibration_slope,
        calibration_intercept, observed_expected`` and ``model, <id>, outcome, predicted``.

    Examples
    --------
    >>> t = pd.DataFrame({"id": list("abcdef"), "tmb": [1, 2, 4, 8, 16, 32.0]})
    >>> perf, _ = apply_external(t, np.array([0, 0, 1, 0, 1, 1]), {"m": {"intercept": -3,
    ...                          "coefficients": {"tmb": 1}, "transform": {"tmb": "log2"}}}, "id")
    >>> round(float(perf.auc.iloc[0]), 3)
    0.889
    """
    from biomarker.models.delong import delong_auc
    from biomarker.models.validation import calibration_slope_intercept

    rows, preds = [], []
    for name, model in models.items():
        lp = np.full(len(frame), float(model.get("intercept", 0.0)))
        missing = np.zeros(len(frame), dtype=bool)
        for column, beta in model["coefficients"].items():
            match = next((c for c in frame.columns if str(c).lower() == str(column).lower()), None)
            if match is None:
                raise InputError(source, f"external model {name!r} needs column {column!r}", where="header")
            how = str((model.get("transform") or {}).get(column, "none"))
            if how not in _TRANSFORMS:
                raise InputError(
                    source,
                    f"external model {name!r}: unknown transform {how!r} of {column!r}",
                    hint=f"use one of {', '.join(_TRANSFORMS)}",
                )
            x = pd.to_numeric(frame[match], errors="coerce").to_numpy(float)
            with np.errstate(divide="ignore", invalid="ignore"):
                v = _TRANSFORMS[how](x)
            missing |= ~np.isfinite(v)
            lp = lp + float(beta) * np.nan_to_num(v)
        keep = ~missing
        p = 1 / (1 + np.exp(-lp[keep]))
        yy = np.asarray(y)[keep]
        est = delong_auc(yy, p)
        slope, intercept = calibration_slope_intercept(yy, p)
        rows.append(
            {
                "model": name,
                "reference": model.get("reference"),
                "n": int(keep.sum()),
                "n_events": int(yy.sum()),
                "n_missing_predictors": int(missing.sum()),
                "auc": est.auc,
                "auc_ci_lower": est.ci_lower,
                "auc_ci_upper": est.ci_upper,
                "brier": float(np.mean((p - yy) ** 2)),
                "calibration_slope": slope,
                "calibration_intercept": intercept,
                "observed_expected": float(yy.sum() / p.sum()),
            }
        )
        preds.append(
            pd.DataFrame({"model": name, id_col: frame.loc[keep, id_col].to_numpy(), "outcome": yy, "predicted": p})
        )
    return pd.DataFrame(rows), (pd.concat(preds, ignore_index=True) if preds else pd.DataFrame())


def riley_sample_size(
    n_parameters: int,
    prevalence: float,
    r2_cs: float | None = None,
    *,
    shrinkage: float = 0.9,
    optimism: float = 0.05,
    margin: float = 0.05,
) -> dict:
    """Minimum sample size to develop a logistic prediction model (Riley et al., BMJ 2020; Stat Med 2019).

    Criteria: (i) expected uniform shrinkage >= ``shrinkage``; (ii) optimism of Nagelkerke's R2 <= ``optimism``;
    (iii) the overall risk estimated within +/- ``margin``. Without an anticipated Cox-Snell R2 the conservative
    default of the paper is used: 15 % of its maximum for this prevalence.

    Examples
    --------
    >>> r = riley_sample_size(24, 0.3, 0.288)  # criterion (i): 623, the worked example of Riley et al. 2020
    >>> r["criterion_i_n"], r["criterion_iii_n"], r["minimum_n"]
    (623, 323, 623)
    """
    phi = float(prevalence)
    max_r2 = 1 - (phi**phi * (1 - phi) ** (1 - phi)) ** 2
    assumed = r2_cs is None
    r2 = 0.15 * max_r2 if assumed else float(r2_cs)

    def n_for(s: float) -> int:
        return math.ceil(n_parameters / ((s - 1) * math.log(1 - r2 / s)))

    s_ii = r2 / (r2 + optimism * max_r2)
    n_i, n_ii = n_for(shrinkage), n_for(s_ii)
    n_iii = math.ceil((1.959964 / margin) ** 2 * phi * (1 - phi))
    n_min = max(n_i, n_ii, n_iii)
    return {
        "n_candidate_parameters": n_parameters,
        "prevalence": phi,
        "anticipated_r2_cs": r2,
        "r2_cs_assumed": "15% of the maximum Cox-Snell R2 (Riley et al. 2020 default)" if assumed else "given",
        "max_r2_cs": max_r2,
        "criterion_i_n": n_i,
        "criterion_ii_n": n_ii,
        "criterion_iii_n": n_iii,
        "minimum_n": n_min,
        "minimum_events": math.ceil(n_min * phi),
        "events_per_candidate_parameter_needed": n_min * min(phi, 1 - phi) / max(n_parameters, 1),
    }


__all__ = ["THRESHOLDS", "apply_external", "net_benefit", "riley_sample_size"]
