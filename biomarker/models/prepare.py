"""Stage 1 of :func:`~biomarker.models.run.run_models`: check a patient table against a :class:`ModelSpec` and
derive what every later stage reads (the analysis rows, the survival rows, the column roles)."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from biomarker.errors import ConfigError, InputError
from biomarker.models.estimators import DEFAULT_RULE
from biomarker.models.spec import ModelSpec

log = logging.getLogger(__name__)

#: Fewest patients in the smaller outcome class for cross-validated models (two per fold of a 2-fold split
#: leaves too few for the inner tuning split).
MIN_PER_CLASS = 4


@dataclass
class Prepared:
    """A checked analysis: ``data`` (rows with the outcome, sorted by id, outcome 0/1), ``survival`` (every row
    with survival data, whatever its outcome), resolved column names and the exclusions."""

    data: pd.DataFrame
    survival: pd.DataFrame
    y: np.ndarray
    id_col: str
    outcome: str
    features: list[str]
    numeric: list[str]
    categorical: list[str]
    uni_features: list[str]
    uni_categorical: list[str] | None
    times: list[str]
    events: list[str]
    change: str | None
    rule: dict[str, float] | None
    cutoff_features: list[str]
    adjust_for: list[str]
    source: Path | None
    n_excluded_missing_outcome: int
    landmark: dict | None = None
    exclusions: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def n_events(self) -> int:
        return int(self.y.sum())


def read_patient_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV/TSV (by extension; other extensions are sniffed) patient table."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file")
    suffix = "".join(path.suffixes[-2:]).lower()
    if ".tsv" in suffix or ".txt" in suffix or ".tab" in suffix:
        return pd.read_csv(path, sep="\t")
    if ".csv" in suffix:
        return pd.read_csv(path)
    return pd.read_csv(path, sep=None, engine="python")


def resolve(frame: pd.DataFrame, name: str, what: str, source) -> str:
    """The frame's spelling of a column (exact, else case-insensitive), or an :class:`InputError`."""
    if name in frame.columns:
        return name
    lower = {str(c).lower(): c for c in frame.columns}
    if str(name).lower() in lower:
        return lower[str(name).lower()]
    raise InputError(
        source,
        f"no {what} column {name!r}",
        where="header",
        hint=f"columns are: {', '.join(map(str, frame.columns[:40]))}",
    )


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
        raise InputError(
            source,
            f"outcome {values.name!r} is not 0/1 (e.g. {values[bad].iloc[0]!r})",
            hint="pass positive= (CLI: --positive) naming the value(s) that count as the event",
        )
    return numeric.astype(float)


def text_in_numbers(frame: pd.DataFrame, column: str, id_col: str, source) -> None:
    """Refuse a mostly numeric column with text cells (``"n/a"``, ``"12,5"``, ``"<1"``): analysed as categories it
    would become a many-level factor; the error names the cells.

    Examples
    --------
    >>> t = pd.DataFrame({"id": ["a", "b", "c", "d"], "tmb": ["3.1", "12", "n/a", "7"]})
    >>> text_in_numbers(t, "tmb", "id", None)
    Traceback (most recent call last):
    ...
    biomarker.errors.InputError: tmb: column 'tmb' is numeric but 1 cell is text: id c = 'n/a'; ...
    """
    values = frame[column]
    if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
        return
    present = values.notna() & (values.astype(str).str.strip() != "")
    numeric = pd.to_numeric(values.where(present), errors="coerce")
    text = present & numeric.isna()
    if present.sum() == 0 or not text.any() or numeric.notna().sum() < max(3, 0.5 * present.sum()):
        return
    cells = [f"{id_col} {i} = {v!r}" for i, v in zip(frame.loc[text, id_col], values[text], strict=True)]
    more = f" and {len(cells) - 5} more" if len(cells) > 5 else ""
    raise InputError(
        source,
        f"column {column!r} is numeric but {len(cells)} cell{'s' if len(cells) > 1 else ''} "
        f"{'are' if len(cells) > 1 else 'is'} text: {'; '.join(cells[:5])}{more}",
        where=column,
        hint="correct the cells, leave them empty for missing, or list the column under categorical",
    )


def prepare(raw: pd.DataFrame, spec: ModelSpec, source: Path | None = None) -> Prepared:
    """Check the table against the spec and build the analysis rows (see :class:`Prepared`)."""
    from biomarker.models.landmark import apply_landmark, refuse_on_treatment
    from biomarker.models.univariable import is_categorical

    if not spec.features:
        raise ConfigError("models: no features given")
    id_col = resolve(raw, spec.id_col, "id", source)
    outcome = resolve(raw, spec.outcome, "outcome", source)
    features = [resolve(raw, f, "feature", source) for f in spec.features]
    uni_features = [resolve(raw, f, "feature", source) for f in (spec.univariable_features or spec.features)]
    refuse_on_treatment(list(dict.fromkeys([*features, *uni_features])), spec)
    times = [resolve(raw, t, "time", source) for t in spec.time]
    events = [resolve(raw, e, "event", source) for e in spec.event]
    change = resolve(raw, spec.change, "change", source) if spec.change else None
    dup = raw[id_col].astype(str).duplicated()
    if dup.any():
        raise InputError(
            source,
            f"patient {raw.loc[dup, id_col].iloc[0]!r} has more than one row",
            where=id_col,
            hint="one row per patient",
        )
    for column in spec.groups:
        resolve(raw, column, "grouping", source)
    if spec.rule is True:
        rule = dict(DEFAULT_RULE) if all(c in raw.columns for c in DEFAULT_RULE) else None
    else:
        rule = dict(spec.rule) if spec.rule else None
    rule = {resolve(raw, c, "rule", source): v for c, v in (rule or {}).items()} or None
    cutoff_features = [resolve(raw, c, "cut-off feature", source) for c in spec.cutoff_features]
    adjust_for = [
        c
        for c in (next((x for x in raw.columns if str(x).lower() == a.lower()), None) for a in spec.adjust_for)
        if c is not None
    ]
    declared = {resolve(raw, c, "categorical", source) for c in (spec.categorical or ())}
    for f in dict.fromkeys([*features, *uni_features, *cutoff_features, *(rule or {})]):
        if f not in declared:
            text_in_numbers(raw, f, id_col, source)

    y_all = binary_outcome(raw[outcome], spec.positive, source)
    n_excluded = int(y_all.isna().sum())
    if n_excluded:
        log.info("%d patients without %s are excluded from the response analyses", n_excluded, outcome)
    keep = list(
        dict.fromkeys(
            [
                id_col,
                outcome,
                *features,
                *uni_features,
                *(rule or {}),
                *cutoff_features,
                *times,
                *events,
                *([change] if change else []),
                *spec.groups,
                *adjust_for,
            ]
        )
    )
    order = lambda f: f.sort_values(id_col, key=lambda s: s.astype(str), kind="stable").reset_index(drop=True)  # noqa: E731
    survival = order(raw[keep].copy())
    data = raw.loc[y_all.notna(), keep].copy()
    data[outcome] = y_all[y_all.notna()].astype(int)
    landmark, exclusions = None, pd.DataFrame(columns=["usubjid", "reason"])
    if spec.landmark is not None:
        lm_cols = [
            c
            for c in raw.columns
            if str(c).lower()
            in {spec.landmark_time.lower(), spec.landmark_event.lower(), str(spec.response_time or "").lower()}
        ]
        data = data.join(raw.loc[data.index, [c for c in lm_cols if c not in data.columns]])
        data, exclusions, landmark = apply_landmark(data, spec, id_col, source)
        data = data[keep]
    data = order(data)
    y = data[outcome].to_numpy(int)
    n, n_events = len(y), int(y.sum())
    if min(n_events, n - n_events) < MIN_PER_CLASS:
        raise InputError(
            source,
            f"{outcome!r} has {n_events} events among {n} patients",
            hint=(f"cross-validated models need at least {MIN_PER_CLASS} patients in each outcome class"),
        )

    categorical = [f for f in features if f in declared or (spec.categorical is None and is_categorical_text(data[f]))]
    numeric = [f for f in features if f not in categorical]
    for frame in (data, survival):
        for f in numeric:
            is_bool = pd.api.types.is_bool_dtype(frame[f])
            frame[f] = frame[f].astype(float) if is_bool else pd.to_numeric(frame[f], errors="coerce")
    uni_cat = (
        None if spec.categorical is None else [f for f in uni_features if f in declared or is_categorical(data[f])]
    )
    return Prepared(
        data=data,
        survival=survival,
        y=y,
        id_col=id_col,
        outcome=outcome,
        features=features,
        numeric=numeric,
        categorical=categorical,
        uni_features=uni_features,
        uni_categorical=uni_cat,
        times=times,
        events=events,
        change=change,
        rule=rule,
        cutoff_features=cutoff_features,
        adjust_for=adjust_for,
        source=source,
        n_excluded_missing_outcome=n_excluded,
        landmark=landmark,
        exclusions=exclusions,
    )


def is_categorical_text(series: pd.Series) -> bool:
    """Text, category or boolean-text columns (the model families one-hot encode them)."""
    return (
        series.dtype == object or pd.api.types.is_string_dtype(series) or isinstance(series.dtype, pd.CategoricalDtype)
    )


__all__ = ["MIN_PER_CLASS", "Prepared", "binary_outcome", "prepare", "read_patient_table", "resolve", "text_in_numbers"]
