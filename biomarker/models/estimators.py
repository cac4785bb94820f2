"""The model families, each a scikit-learn estimator that takes the raw feature frame.

Everything learned from data -- imputation values, missing indicators, scaling, one-hot levels,
hyper-parameters and cut-offs -- lives inside the estimator, so cross-validation refits it on each
training fold and nothing leaks from the held-out patients.

- ``logistic_l2``: ridge logistic regression, ``C`` chosen by an inner 3-fold CV (log-loss; :class:`TunedLogistic`)
- ``elastic_net``: elastic-net logistic regression (``l1_ratio`` 0.5), ``C`` chosen the same way
- ``random_forest``: 100 trees, ``min_samples_leaf=3`` (pre-specified, not tuned)
- ``hist_gradient_boosting``: shallow, slow boosting for small samples (pre-specified, not tuned)
- :class:`ClinicalRule`: a fixed rule such as TMB >= 10 or TPS >= 50 % (nothing learned but the two
  response rates that turn it into a probability)
- :class:`CutoffClassifier`: one marker dichotomised at a cut-off that is either given or learned on the
  training data only (Youden index)

No resampling for class imbalance: probabilities stay calibrated to the cohort's response rate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.pipeline import Pipeline

from biomarker.errors import ConfigError
from biomarker.models.ridge import C_GRID, TunedLogistic, ridge_logistic
from biomarker.models.spec import MODEL_FAMILIES

#: The pre-specified clinical rule: positive if TMB >= 10 mut/Mb or PD-L1 TPS >= 50 %.
DEFAULT_RULE: dict[str, float] = {"tmb_per_mb": 10.0, "pdl1_tps_pct": 50.0}


def _as_text(X):
    """Categories as strings, missing values (None, NaN, NA) as the level ``"missing"``."""
    frame = pd.DataFrame(X)
    return frame.astype(object).where(frame.notna(), "missing").astype(str)


def _text_column(values: pd.Series) -> np.ndarray:
    """One category column as a string array, missing values as ``"missing"``."""
    arr = values.to_numpy(dtype=object)
    return np.array(["missing" if m else str(v) for v, m in zip(arr, pd.isna(arr), strict=True)], dtype=object)


def _numbers(X: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The columns as a float matrix (text that is not a number becomes NaN).

    Column by column: ``X[columns]`` copies a sub-frame first, and this runs for every fold, permutation and
    bootstrap resample (twice as long, ~7 s of the test suite)."""
    out = np.empty((len(X), len(columns)))
    for j, column in enumerate(columns):
        values = X[column]
        if isinstance(values.dtype, np.dtype) and values.dtype.kind in "biuf":
            # numpy dtypes hold no pd.NA: assigned as they are (converting to float); to_numpy(float, na_value=nan)
            # costs ~85 us on an int64 column for an NA check that cannot find one
            out[:, j] = values.to_numpy()
        elif pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
            out[:, j] = values.to_numpy(dtype=float, na_value=np.nan)
        else:
            out[:, j] = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return out


def _rounding_sd(means: np.ndarray, n: int) -> np.ndarray:
    """The standard deviation a constant column can show from rounding alone: its computed mean may be off by
    ~n x machine epsilon x |mean|, so every deviation, and their SD, is at most that. A column whose SD is no
    larger is constant (it is centred, not divided by noise into values of order 1, as it was)."""
    return n * np.finfo(float).eps * np.abs(means)


def _column_medians(values: np.ndarray) -> np.ndarray:
    """Median of each column's non-missing values (NaN for an empty column): ``numpy.nanmedian(values, axis=0)``
    to the bit, at a third of its cost on a training fold."""
    out = np.full(values.shape[1], np.nan)
    for j in range(values.shape[1]):
        column = values[:, j]
        column = column[~np.isnan(column)]
        if column.size:
            out[j] = np.median(column)
    return out


class Preprocessor(TransformerMixin, BaseEstimator):
    """Median imputation (with a missing-indicator column for ``indicators``; default every numeric feature) and
    standardisation of numbers; one-hot encoding of categories with ``"missing"`` as a level and unknown levels
    ignored. Everything is learned in ``fit`` (so, inside CV, on the training fold only).

    The same steps as a scikit-learn ``ColumnTransformer`` of ``SimpleImputer``/``StandardScaler``/``OneHotEncoder``
    (whose input validation cost more than the models on 50 patients), in plain numpy.

    Examples
    --------
    >>> pre = Preprocessor(["tmb"], ["pdl1_category"])
    >>> X = pd.DataFrame({"tmb": [1.0, None, 3.0], "pdl1_category": ["<1", "1-49", None]})
    >>> list(pre.fit(X).get_feature_names_out())
    ['tmb', 'missingindicator_tmb', 'pdl1_category_1-49', 'pdl1_category_<1', 'pdl1_category_missing']
    >>> pre.transform(X)[:, 0].round(3).tolist()  # median-imputed, then standardised
    [-1.225, 0.0, 1.225]
    """

    def __init__(
        self, numeric: Sequence[str] = (), categorical: Sequence[str] = (), indicators: Sequence[str] | None = None
    ) -> None:
        self.numeric = numeric
        self.categorical = categorical
        self.indicators = indicators

    def fit(self, X: pd.DataFrame, y=None) -> Preprocessor:
        self._fit(X)
        return self

    def fit_transform(self, X: pd.DataFrame, y=None, **fit_params) -> np.ndarray:
        """``fit(X).transform(X)`` with the numbers read and imputed once (what a pipeline calls on each fold)."""
        return self._assemble(X, self._fit(X))

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        return self._assemble(X, self._numeric_block(X))

    def _fit(self, X: pd.DataFrame) -> np.ndarray:
        """Learn the medians, indicator columns, means, scales and levels; returns the imputed numeric block."""
        numeric = list(self.numeric)
        flagged = set(numeric if self.indicators is None else self.indicators)
        values = _numbers(X, numeric)
        self.medians_ = np.nan_to_num(_column_medians(values))
        self.indicator_columns_ = [c for c in numeric if c in flagged]
        design = self._numeric_block(X, values)
        self.means_ = design.mean(axis=0) if len(design) else np.zeros(design.shape[1])
        sd = design.std(axis=0) if len(design) else np.ones(design.shape[1])
        self.scales_ = np.where(sd > _rounding_sd(self.means_, len(design)), sd, 1.0)
        self.levels_ = {c: sorted(set(_text_column(X[c]))) for c in self.categorical}
        return design

    def _numeric_block(self, X: pd.DataFrame, values: np.ndarray | None = None) -> np.ndarray:
        numeric = list(self.numeric)
        if not numeric:
            return np.empty((len(X), 0))
        values = _numbers(X, numeric) if values is None else values
        missing = np.isnan(values)
        filled = np.where(missing, self.medians_[None, :], values)
        idx = [numeric.index(c) for c in self.indicator_columns_]
        return np.column_stack([filled, missing[:, idx].astype(float)]) if idx else filled

    def _assemble(self, X: pd.DataFrame, block: np.ndarray) -> np.ndarray:
        parts = [(block - self.means_) / self.scales_]
        for c, levels in self.levels_.items():
            text = _text_column(X[c])
            parts.append((text[:, None] == np.array(levels, dtype=object)[None, :]).astype(float))
        return np.column_stack(parts) if parts else np.empty((len(X), 0))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        names = [*self.numeric, *(f"missingindicator_{c}" for c in self.indicator_columns_)]
        names += [f"{c}_{lv}" for c, levels in self.levels_.items() for lv in levels]
        return np.array(names, dtype=object)


def preprocessor(
    numeric: Sequence[str], categorical: Sequence[str], indicators: Sequence[str] | None = None
) -> Preprocessor:
    """The :class:`Preprocessor` of a model family."""
    return Preprocessor(list(numeric), list(categorical), None if indicators is None else list(indicators))


def neg_log_loss(estimator, X, y) -> float:
    """Inner-CV score: minus the mean log-loss (a lean stand-in for scikit-learn's ``"neg_log_loss"`` scorer,
    whose input validation cost more than the fits on 50 patients)."""
    p = np.clip(estimator.predict_proba(X)[:, 1], 1e-15, 1 - 1e-15)
    y = np.asarray(y, dtype=float)
    return float(np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def make_estimator(
    family: str,
    numeric: Sequence[str],
    categorical: Sequence[str] = (),
    *,
    seed: int = 0,
    indicators: Sequence[str] | None = None,
):
    """A fresh, unfitted estimator of one model family on the named columns.

    Parameters
    ----------
    family
        One of :data:`MODEL_FAMILIES`.
    numeric, categorical
        Column names of the feature frame.
    seed
        Seed of the family's randomness (inner CV splits, trees).
    indicators
        Numeric columns that get a missing-indicator column (default: all).

    Examples
    --------
    >>> est = make_estimator("logistic_l2", ["tmb_log2"])
    >>> X = pd.DataFrame({"tmb_log2": [1.0, 2, 3, 4, 5, 6, 7, 8, 9]})
    >>> p = est.fit(X, [0, 0, 0, 1, 0, 1, 0, 1, 1]).predict_proba(X)[:, 1]
    >>> bool(p[-1] > p[0])
    True
    """
    pre = preprocessor(numeric, categorical, indicators)
    if family == "logistic_l2":
        model = TunedLogistic(0.0, seed)
    elif family == "elastic_net":
        model = TunedLogistic(0.5, seed)
    elif family == "random_forest":
        model = RandomForestClassifier(
            n_estimators=100, min_samples_leaf=3, max_features="sqrt", n_jobs=1, random_state=seed
        )
    elif family == "hist_gradient_boosting":
        model = HistGradientBoostingClassifier(
            learning_rate=0.1,
            max_iter=50,
            max_leaf_nodes=4,
            min_samples_leaf=5,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=seed,
        )
    else:
        raise ConfigError(f"unknown model family {family!r}; choose from {', '.join(MODEL_FAMILIES)}")
    return Pipeline([("preprocess", pre), ("model", model)])


def _rates(positive: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Response rates (with a +1/2 continuity so they are never exactly 0 or 1) among rule-negative and -positive."""
    out = []
    for flag in (False, True):
        sel = positive == flag
        out.append((y[sel].sum() + 0.5) / (sel.sum() + 1.0))
    return out[0], out[1]


class _BinaryRule(ClassifierMixin, BaseEstimator):
    """A classifier that flags patients by a rule (``_flag``); probabilities are the training response rates
    of flagged and unflagged patients (``rate_positive_``, ``rate_negative_``) set by ``fit``."""

    def _flag(self, X: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = np.where(self._flag(X), self.rate_positive_, self.rate_negative_)
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self._flag(X).astype(int)


class ClinicalRule(_BinaryRule):
    """A fixed, pre-specified rule: positive when any named marker is at or above its threshold.

    Nothing about the rule is learned; ``fit`` only records the response rate among rule-positive and
    rule-negative training patients, so that ``predict_proba`` gives probabilities (for the Brier
    score and calibration). A missing marker does not meet its criterion.

    Parameters
    ----------
    thresholds
        Column -> threshold, e.g. ``{"tmb_per_mb": 10, "pdl1_tps_pct": 50}``.

    Examples
    --------
    >>> X = pd.DataFrame({"tmb_per_mb": [2, 12, 5, 3], "pdl1_tps_pct": [60, 0, None, 10]})
    >>> ClinicalRule({"tmb_per_mb": 10, "pdl1_tps_pct": 50}).fit(X, [1, 1, 0, 0]).predict(X).tolist()
    [1, 1, 0, 0]
    """

    def __init__(self, thresholds: Mapping[str, float] | None = None) -> None:
        self.thresholds = thresholds

    def _flag(self, X: pd.DataFrame) -> np.ndarray:
        rule = dict(self.thresholds or DEFAULT_RULE)
        flag = np.zeros(len(X), dtype=bool)
        for column, threshold in rule.items():
            values = pd.to_numeric(X[column], errors="coerce").to_numpy(float)
            flag |= np.nan_to_num(values, nan=-np.inf) >= threshold
        return flag

    def fit(self, X: pd.DataFrame, y) -> ClinicalRule:
        y = np.asarray(y, dtype=int)
        self.classes_ = np.array([0, 1])
        self.rate_negative_, self.rate_positive_ = _rates(self._flag(X), y)
        return self


class CutoffClassifier(_BinaryRule):
    """One marker dichotomised at a cut-off: given in advance, or learned from the training data only.

    With ``cutoff=None`` the cut-off maximising Youden's J (sensitivity + specificity - 1) on the data
    passed to ``fit`` is chosen (the midpoint between adjacent observed values). Used inside
    cross-validation this is the honest way to evaluate a data-driven cut-off: each training fold
    learns its own, and the held-out patients judge it. The package never offers a cut-off chosen on
    all patients together with its performance on the same patients.

    Parameters
    ----------
    feature
        Column of the marker.
    cutoff
        Pre-specified cut-off (``>= cutoff`` is positive), or ``None`` to learn it.
    higher_is_positive
        Pre-specified direction of the association.

    Examples
    --------
    >>> X = pd.DataFrame({"tmb": [1.0, 2, 3, 8, 9, 10]})
    >>> CutoffClassifier("tmb").fit(X, [0, 0, 0, 1, 1, 1]).cutoff_
    5.5
    """

    def __init__(self, feature: str = "", cutoff: float | None = None, higher_is_positive: bool = True) -> None:
        self.feature = feature
        self.cutoff = cutoff
        self.higher_is_positive = higher_is_positive

    def _values(self, X: pd.DataFrame) -> np.ndarray:
        v = pd.to_numeric(X[self.feature], errors="coerce").to_numpy(float)
        return v if self.higher_is_positive else -v

    def _flag(self, X: pd.DataFrame) -> np.ndarray:
        cut = self.cutoff_ if self.higher_is_positive else -self.cutoff_
        return np.nan_to_num(self._values(X), nan=-np.inf) >= cut

    def fit(self, X: pd.DataFrame, y) -> CutoffClassifier:
        y = np.asarray(y, dtype=int)
        self.classes_ = np.array([0, 1])
        if self.cutoff is not None:
            self.cutoff_ = float(self.cutoff)
        else:
            v = self._values(X)
            ok = ~np.isnan(v)
            v, yy = v[ok], y[ok]
            levels = np.unique(v)
            candidates = (levels[:-1] + levels[1:]) / 2 if len(levels) > 1 else levels
            n_pos, n_neg = max(1, int(yy.sum())), max(1, int((1 - yy).sum()))
            best, best_j = candidates[0], -np.inf
            for c in candidates:
                flag = v >= c
                j = (flag & (yy == 1)).sum() / n_pos - (flag & (yy == 0)).sum() / n_neg
                if j > best_j:
                    best, best_j = c, j
            self.cutoff_ = float(best if self.higher_is_positive else -best)
        self.rate_negative_, self.rate_positive_ = _rates(self._flag(X), y)
        return self


def coefficients(fitted) -> pd.DataFrame:
    """Standardised coefficients (log-odds per SD, or per level) of a fitted logistic pipeline.

    Returns an empty frame for models without coefficients.
    """
    try:
        model = fitted.named_steps["model"]
        names = fitted.named_steps["preprocess"].get_feature_names_out()
    except (AttributeError, KeyError):
        return pd.DataFrame(columns=["term", "coefficient"])
    if not hasattr(model, "coef_"):
        return pd.DataFrame(columns=["term", "coefficient"])
    rows = [{"term": "(intercept)", "coefficient": float(np.ravel(model.intercept_)[0])}]
    rows += [
        {"term": str(n).split("__", 1)[-1], "coefficient": float(c)} for n, c in zip(names, model.coef_[0], strict=True)
    ]
    return pd.DataFrame(rows)


__all__ = [
    "C_GRID",
    "DEFAULT_RULE",
    "MODEL_FAMILIES",
    "ClinicalRule",
    "CutoffClassifier",
    "Preprocessor",
    "TunedLogistic",
    "coefficients",
    "make_estimator",
    "preprocessor",
    "ridge_logistic",
]
