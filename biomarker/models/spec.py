"""``ModelSpec``: every setting of a response-model run, validated once, from keywords, a dict or a YAML ``models:``
block; and the rules on time (baseline vs on-treatment features, the landmark).

On-treatment features (a TBNK value at C2D1, a change from baseline) are missing for patients who progressed or
died before the sample: using them in an analysis of response from the start of treatment is guarantee-time
(immortal-time) bias. They are refused unless the spec asks for a landmark analysis, which keeps only the patients
still on study, progression-free, alive and without a response at the landmark (see :mod:`biomarker.models.landmark`).
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from biomarker.errors import ConfigError

#: The pre-specified primary model (plus the clinical rule when its columns are present). One model, not a bake-off:
#: at ~50 patients tree ensembles do not beat penalised logistic regression (Christodoulou et al., J Clin Epidemiol
#: 2019), choosing the best of several adds optimism, and each family multiplies the cost of the permutation test
#: and the refit bootstrap. ``random_forest``, ``hist_gradient_boosting`` and ``elastic_net`` (whose variable
#: selection is unstable from fold to fold at this size) are available through ``models``.
DEFAULT_MODELS = ("logistic_l2",)
#: Model families :func:`~biomarker.models.estimators.make_estimator` knows, in report order.
MODEL_FAMILIES = ("logistic_l2", "elastic_net", "random_forest", "hist_gradient_boosting")
#: Standard prognostic covariates for adjusted marker effects (those present in the table are used).
DEFAULT_ADJUST = ("ecog", "smoking", "histology", "age_years")
#: Days per month (365.25 / 12) for turning a cycle-day visit into months since C1D1.
DAYS_PER_MONTH = 30.4375
_VISIT = re.compile(r"(?:^|_)c(\d+)d(\d+)$", re.IGNORECASE)
_CHANGE = re.compile(r"(?:^|_)(change|delta|fold_change|ratio_to_baseline)(?:_|$)", re.IGNORECASE)


def visit_day(visit: str, cycle_days: int = 21) -> int:
    """Study day (C1D1 = day 0) of a cycle-day visit name such as ``C2D1``.

    Examples
    --------
    >>> visit_day("C2D1"), visit_day("c4d1")
    (21, 63)
    """
    m = _VISIT.search(str(visit).strip()) or re.fullmatch(r"c(\d+)d(\d+)", str(visit).strip(), re.IGNORECASE)
    if not m:
        raise ConfigError(f"landmark {visit!r} is neither a number of months nor a visit like C2D1")
    return (int(m.group(1)) - 1) * cycle_days + int(m.group(2)) - 1


def on_treatment_visit(column: str) -> str | None:
    """The on-treatment visit a feature column belongs to, or ``None`` for a baseline feature.

    A column is on-treatment when it names a visit after C1D1 (``..._c2d1``) or is a change from baseline.

    Examples
    --------
    >>> on_treatment_visit("cd8_pct_lymph_change_c2d1"), on_treatment_visit("cd8_pct_lymph_c1d1")
    ('C2D1', None)
    >>> on_treatment_visit("tmb_log2") is None
    True
    """
    m = _VISIT.search(column)
    if m and (int(m.group(1)), int(m.group(2))) != (1, 1):
        return f"C{m.group(1)}D{m.group(2)}"
    if _CHANGE.search(column):
        return m.group(0).lstrip("_").upper() if m else "on treatment"
    return None


def check_groupings(groups: Mapping[str, float | None] | None) -> dict[str, float | None]:
    """Validate pre-specified groupings: ``{column: cut-off}`` (a number; ``>=`` is high) or ``{column: None}``
    (a categorical column as it is). Anything else -- "median", "optimal", a list to search -- is refused.

    Examples
    --------
    >>> check_groupings({"tmb_per_mb": 10, "pdl1_category": None})
    {'tmb_per_mb': 10.0, 'pdl1_category': None}
    """
    out: dict[str, float | None] = {}
    for column, cut in (groups or {}).items():
        if cut is None:
            out[column] = None
        elif isinstance(cut, int | float) and not isinstance(cut, bool) and math.isfinite(cut):
            out[column] = float(cut)
        else:
            raise ConfigError(
                f"grouping of {column!r} must be a pre-specified number or None (categories), not {cut!r}: "
                "cut-offs chosen on the outcome data give optimistic p-values; learn them inside CV folds "
                "with CutoffClassifier instead"
            )
    return out


def _tuple(value: Any, name: str) -> tuple:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    try:
        return tuple(value)
    except TypeError:
        raise ConfigError(f"models: {name} must be a list, not {value!r}") from None


@dataclass(frozen=True)
class ModelSpec:
    """What to model and how; validated on creation (a :class:`~biomarker.errors.ConfigError` names the problem).

    Parameters
    ----------
    outcome
        Binary outcome column (0/1, boolean, or text with ``positive``).
    features
        Candidate predictors (empty: the baseline default set of the study table).
    id_col
        Patient identifier column (matched case-insensitively).
    positive
        Value(s) of a text outcome that count as the event.
    time, event
        Time-to-event column(s) in months and their 1/0 event columns, e.g. ``("pfs_months", "os_months")``.
    groups
        Pre-specified survival groupings ``{column: cut-off or None}``.
    change
        Continuous outcome for Spearman correlations (e.g. ``best_pct_change``).
    univariable_features, categorical
        Columns for the univariable tests (default: ``features``) and columns to treat as categories.
    models, rule, cutoff_features
        Model families; the fixed clinical rule (``True``: TMB >= 10 or TPS >= 50 when present); markers whose
        cut-off is learned inside the training folds.
    adjust_for
        Prognostic covariates of the adjusted (Firth) marker effects (those present are used).
    landmark
        ``None`` (baseline features only), a visit (``"C2D1"``) or months: a landmark analysis that allows
        on-treatment features (see :mod:`biomarker.models.landmark`).
    landmark_time, landmark_event, response_time
        Columns that decide who is still at risk at the landmark (defaults ``pfs_months``, ``pfs_event``) and the
        time to first response (optional; without it responses before the landmark cannot be excluded).
    missingness_alpha
        Level of the screen for informative missingness (Firth penalised likelihood-ratio test of the outcome on
        the missing indicator). 0.2 rather than 0.05: at n = 50 a test at 0.05 has little power, and a missed
        informative pattern turns into a false discovery while a false flag only drops one indicator column.
    missing_indicators
        ``"auto"``: missing-indicator columns only for features without informative missingness; ``"never"``;
        ``"always"`` (a flagged indicator is then used, with a warning in the outputs).
    external
        Published models applied with fixed coefficients (external validation): ``{name: {intercept: b0,
        coefficients: {column: b}, transform: {column: log2|log2p1|log|none}}}``.
    seed, n_repeats, n_splits, n_permutations, permutation_models, n_bootstrap, n_refit_bootstrap, n_jobs
        Randomness and effort: CV repeats and folds; outcome permutations (0 skips the test); bootstrap resamples
        of the percentile CIs and of the refit bootstrap of the CV AUC interval; worker processes (0:
        ``$BIOMARKER_JOBS`` when set, else the cores this process may use).
    figures, dpi
        Draw PNG figures when writing.

    Examples
    --------
    >>> spec = ModelSpec.from_mapping({"outcome": "response", "features": ["tmb_log2"], "n_repeats": 2})
    >>> spec.features, spec.n_repeats
    (('tmb_log2',), 2)
    >>> ModelSpec.from_mapping({"outcom": "response"})
    Traceback (most recent call last):
    ...
    biomarker.errors.ConfigError: models: unknown key 'outcom'; allowed keys: outcome, features, ...
    """

    outcome: str = "response"
    features: tuple[str, ...] = ()
    id_col: str = "usubjid"
    positive: tuple[str, ...] | None = None
    time: tuple[str, ...] = ()
    event: tuple[str, ...] = ()
    groups: Mapping[str, float | None] = field(default_factory=dict)
    change: str | None = None
    univariable_features: tuple[str, ...] | None = None
    categorical: tuple[str, ...] | None = None
    models: tuple[str, ...] = DEFAULT_MODELS
    rule: Mapping[str, float] | bool | None = True
    cutoff_features: tuple[str, ...] = ()
    adjust_for: tuple[str, ...] = DEFAULT_ADJUST
    landmark: str | float | None = None
    landmark_time: str = "pfs_months"
    landmark_event: str = "pfs_event"
    response_time: str | None = None
    missingness_alpha: float = 0.2
    missing_indicators: str = "auto"
    external: Mapping[str, Mapping] = field(default_factory=dict)
    seed: int = 7
    n_repeats: int = 5
    n_splits: int = 5
    n_permutations: int = 100
    permutation_models: tuple[str, ...] | None = None
    n_bootstrap: int = 1000
    n_refit_bootstrap: int = 100
    n_jobs: int = 0
    figures: bool = True
    dpi: int = 150

    def __post_init__(self) -> None:
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        for name in ("features", "time", "event", "models", "cutoff_features", "adjust_for"):
            set_(name, _tuple(getattr(self, name), name))
        for name in ("positive", "univariable_features", "categorical", "permutation_models"):
            if getattr(self, name) is not None:
                value = getattr(self, name)
                set_(
                    name,
                    (str(value),)
                    if isinstance(value, int | float) and not isinstance(value, bool)
                    else _tuple(value, name),
                )
        if not isinstance(self.outcome, str) or not self.outcome:
            raise ConfigError("models: outcome must be a column name")
        if len(set(self.features)) != len(self.features):
            raise ConfigError("models: a feature is listed twice")
        if self.outcome in self.features:
            raise ConfigError(f"models: the outcome {self.outcome!r} is also listed as a feature")
        if len(self.time) != len(self.event):
            raise ConfigError("models: give one event column per time column")
        unknown = [m for m in self.models if m not in MODEL_FAMILIES]
        if unknown:
            raise ConfigError(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODEL_FAMILIES)}")
        set_("groups", check_groupings(self.groups))
        if isinstance(self.rule, Mapping):
            set_("rule", {str(k): float(v) for k, v in self.rule.items()})
        for name in ("n_repeats", "n_splits", "n_permutations", "n_bootstrap", "n_refit_bootstrap", "n_jobs", "dpi"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"models: {name} must be a whole number >= 0, not {value!r}")
        if self.n_repeats < 1 or self.n_splits < 2:
            raise ConfigError("models: n_repeats must be >= 1 and n_splits >= 2")
        if not 0 < float(self.missingness_alpha) < 1:
            raise ConfigError(f"models: missingness_alpha must be in (0, 1), not {self.missingness_alpha!r}")
        if self.missing_indicators not in ("auto", "never", "always"):
            raise ConfigError("models: missing_indicators is one of auto, never, always")
        if self.landmark is not None:
            self.landmark_months  # noqa: B018  (validates)
        for name, model in dict(self.external).items():
            if not isinstance(model, Mapping) or not isinstance(model.get("coefficients"), Mapping):
                raise ConfigError(f"models: external model {name!r} needs coefficients: {{column: value}}")
            extra = set(model) - {"intercept", "coefficients", "transform", "reference"}
            if extra:
                raise ConfigError(
                    f"models: external model {name!r} has unknown key(s) {', '.join(sorted(extra))}; "
                    "allowed: intercept, coefficients, transform, reference"
                )

    @property
    def landmark_months(self) -> float | None:
        """The landmark in months since C1D1 (a visit is converted with 21-day cycles)."""
        if self.landmark is None:
            return None
        if isinstance(self.landmark, int | float) and not isinstance(self.landmark, bool):
            if not math.isfinite(self.landmark) or self.landmark <= 0:
                raise ConfigError(f"models: landmark must be > 0 months, not {self.landmark!r}")
            return float(self.landmark)
        return visit_day(str(self.landmark)) / DAYS_PER_MONTH

    @classmethod
    def keys(cls) -> list[str]:
        """The allowed keys of a ``models:`` block, in order."""
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None = None, **overrides: Any) -> ModelSpec:
        """A spec from a mapping (e.g. the ``models:`` block of study.yaml), keyword overrides winning.

        Raises
        ------
        ConfigError
            Naming an unknown key and the allowed ones, or an impossible value.
        """
        merged = {**dict(values or {}), **overrides}
        allowed = cls.keys()
        for key in merged:
            if key not in allowed:
                raise ConfigError(f"models: unknown key {key!r}; allowed keys: {', '.join(allowed)}")
        return cls(**merged)

    @classmethod
    def read_yaml_block(cls, path: str | os.PathLike[str]) -> dict[str, Any]:
        """The ``models:`` block of a YAML file (or the whole mapping), checked against the allowed keys."""
        import yaml

        data = yaml.safe_load(Path(path).read_text()) or {}
        if not isinstance(data, Mapping):
            raise ConfigError(f"{path}: expected a mapping")
        block = data.get("models", data)
        if not isinstance(block, Mapping):
            raise ConfigError(f"{path}: models is a mapping, e.g. {{outcome: response}}")
        cls.from_mapping(block)
        return dict(block)

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str], **overrides: Any) -> ModelSpec:
        """A spec from a YAML file: its ``models:`` block if it has one, else the whole mapping."""
        return cls.from_mapping(cls.read_yaml_block(path), **overrides)

    def replace(self, **changes: Any) -> ModelSpec:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """Plain, JSON-friendly settings (for provenance and report.json)."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = (
                list(value) if isinstance(value, tuple) else (dict(value) if isinstance(value, Mapping) else value)
            )
        out["landmark_months"] = self.landmark_months
        return out


__all__ = [
    "DAYS_PER_MONTH",
    "DEFAULT_ADJUST",
    "DEFAULT_MODELS",
    "MODEL_FAMILIES",
    "ModelSpec",
    "check_groupings",
    "on_treatment_visit",
    "visit_day",
]
