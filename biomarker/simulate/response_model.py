"""The logistic model that links biomarkers to objective response, with tunable effect sizes.

``logit P(response) = intercept + sum_k beta_k * z_k`` where ``z_k`` is feature ``k``
standardised with the *population* mean and SD (fixed, from a large seeded draw of
:func:`biomarker.simulate.cohort.draw_baseline`), not the study's own. Features:

========================  ==================================================  ============
feature                   definition                                          default beta
========================  ==================================================  ============
``log_tmb``               natural log of true TMB (mut/Mb)                    0.8
``pdl1_tps``              true PD-L1 tumour proportion score (%)              0.7
``nk_pct_baseline``       NK (CD16+CD56+) % of lymphocytes at C1D1            0.3
``cd8_change``            CD8+ % of lymphocytes, C2D1 minus C1D1 (points)     0.3
``til_pct``               stromal TILs (%), correlated with PD-L1, no effect  0
``age``, ``sex_male``,    no effect                                           0
``ecog``
========================  ==================================================  ============

The intercept is solved so that the population ORR (after the ``P_NE`` share of patients who are
not evaluable) equals ``TARGET_ORR``. Responders are CR with probability ``P_CR``, otherwise PR;
non-responders are PD with probability ``P_PD_GIVEN_NONRESPONSE``, otherwise SD.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from biomarker.simulate.cohort import draw_baseline

FEATURES: tuple[str, ...] = (
    "log_tmb",
    "pdl1_tps",
    "nk_pct_baseline",
    "cd8_change",
    "til_pct",
    "age",
    "sex_male",
    "ecog",
)
DEFAULT_EFFECTS: dict[str, float] = {
    "log_tmb": 0.8,
    "pdl1_tps": 0.7,
    "nk_pct_baseline": 0.3,
    "cd8_change": 0.3,
    "til_pct": 0.0,
    "age": 0.0,
    "sex_male": 0.0,
    "ecog": 0.0,
}
TARGET_ORR = 0.27
P_NE = 0.04
P_CR = 0.12
P_PD_GIVEN_NONRESPONSE = 0.40
_MC_SEED = 880301
_MC_N = 40000


def feature_matrix(x: Mapping[str, np.ndarray]) -> np.ndarray:
    """Raw (unstandardised) feature columns, in :data:`FEATURES` order, from baseline draws."""
    cols = {
        "log_tmb": np.log(np.asarray(x["tmb"], dtype=float)),
        "pdl1_tps": np.asarray(x["pdl1_tps"], dtype=float),
        "nk_pct_baseline": np.asarray(x["nk_pct_baseline"], dtype=float),
        "cd8_change": np.asarray(x["cd8_change"], dtype=float),
        "til_pct": np.asarray(x["til_pct"], dtype=float),
        "age": np.asarray(x["age"], dtype=float),
        "sex_male": (np.asarray(x["sex"]) == "M").astype(float),
        "ecog": np.asarray(x["ecog"], dtype=float),
    }
    return np.column_stack([cols[f] for f in FEATURES])


def _expit(v: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-v))


@dataclass
class ResponseModel:
    """A calibrated response model; see the module docstring.

    Examples
    --------
    >>> m = ResponseModel.build(null=True)
    >>> set(m.coefficients.values())
    {0.0}
    """

    coefficients: dict[str, float]
    means: dict[str, float]
    sds: dict[str, float]
    intercept: float
    null: bool
    expected_orr: float
    extra: dict[str, float] = field(default_factory=dict)

    @classmethod
    def build(cls, effects: Mapping[str, float] | None = None, null: bool = False) -> ResponseModel:
        """Calibrate the model for ``effects`` (log-odds per population SD; unknown keys are an error)."""
        coefs = dict(DEFAULT_EFFECTS)
        for key, value in (effects or {}).items():
            if key not in coefs:
                raise ValueError(f"unknown effect {key!r}; known: {', '.join(FEATURES)}")
            coefs[key] = float(value)
        if null:
            coefs = dict.fromkeys(coefs, 0.0)
        raw = feature_matrix(draw_baseline(np.random.default_rng(_MC_SEED), _MC_N))
        mu, sd = raw.mean(axis=0), raw.std(axis=0)
        z = (raw - mu) / sd
        lin = z @ np.asarray([coefs[f] for f in FEATURES])
        target = TARGET_ORR / (1 - P_NE)
        lo, hi = -10.0, 10.0
        for _ in range(80):
            mid = (lo + hi) / 2
            if _expit(mid + lin).mean() < target:
                lo = mid
            else:
                hi = mid
        intercept = round((lo + hi) / 2, 6)
        orr = float((1 - P_NE) * _expit(intercept + lin).mean())
        return cls(
            coefs,
            {f: float(m) for f, m in zip(FEATURES, mu, strict=True)},
            {f: float(s) for f, s in zip(FEATURES, sd, strict=True)},
            intercept,
            null,
            orr,
        )

    def linear_predictor(self, x: Mapping[str, np.ndarray]) -> np.ndarray:
        """``intercept + sum beta z`` for baseline-like arrays ``x``."""
        raw = feature_matrix(x)
        mu = np.asarray([self.means[f] for f in FEATURES])
        sd = np.asarray([self.sds[f] for f in FEATURES])
        return self.intercept + ((raw - mu) / sd) @ np.asarray([self.coefficients[f] for f in FEATURES])

    def probability(self, x: Mapping[str, np.ndarray]) -> np.ndarray:
        """P(objective response | evaluable)."""
        return _expit(self.linear_predictor(x))

    def draw_class(self, rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
        """Planted best overall response (CR/PR/SD/PD/NE) for response probabilities ``p``."""
        n = len(p)
        u_ne, u_resp, u_sub = rng.random(n), rng.random(n), rng.random(n)
        out = np.where(
            u_resp < p, np.where(u_sub < P_CR, "CR", "PR"), np.where(u_sub < P_PD_GIVEN_NONRESPONSE, "PD", "SD")
        )
        return np.where(u_ne < P_NE, "NE", out)

    def to_json(self, cohort_p: np.ndarray | None = None) -> dict:
        """The model as written to ``truth/response_model.json``."""
        out = {
            "model": "logistic",
            "formula": "logit P(CR or PR | evaluable) = intercept + sum_k coefficient_k * (x_k - mean_k) / sd_k",
            "null": self.null,
            "intercept": self.intercept,
            "features": {
                f: {"coefficient": self.coefficients[f], "mean": round(self.means[f], 6), "sd": round(self.sds[f], 6)}
                for f in FEATURES
            },
            "effects": dict(self.coefficients),
            "feature_definitions": {
                "log_tmb": "ln(true TMB, mutations per Mb)",
                "pdl1_tps": "true PD-L1 TPS, percent",
                "nk_pct_baseline": "CD16+CD56+ percent of lymphocytes at C1D1 (latent)",
                "cd8_change": "CD3+CD8+ percent of lymphocytes, C2D1 minus C1D1 (latent, points)",
                "til_pct": "stromal TIL percent",
                "age": "years",
                "sex_male": "1 if male",
                "ecog": "ECOG 0/1",
            },
            "p_not_evaluable": P_NE,
            "p_cr_given_response": P_CR,
            "p_pd_given_nonresponse": P_PD_GIVEN_NONRESPONSE,
            "target_orr": TARGET_ORR,
            "expected_orr": round(self.expected_orr, 6),
        }
        if cohort_p is not None:
            out["expected_orr_cohort"] = round(float((1 - P_NE) * np.mean(cohort_p)), 6)
        return out
