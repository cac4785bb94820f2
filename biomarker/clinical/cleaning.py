"""Raw domain values cleaned for :func:`~biomarker.clinical.sdtm.normalise`: text stripped (missing as ``None``),
numbers parsed with an error naming the record; and the smallest or largest present value of plain record values
(what ``Series.min``/``max`` give, for the derivations that walk records as tuples)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from biomarker.clinical.contract import MISSING_TEXT
from biomarker.clinical.records import where
from biomarker.errors import InputError


def clean_text(column: pd.Series | np.ndarray) -> list[str | None] | np.ndarray:
    """Every value as stripped text, ``None`` for missing (NaN, NA, an empty string, ``NA``, ``.``).

    A column of text (what CSV gives) is cleaned once per distinct value (codes from ``pd.factorize``, in C):
    clinical columns repeat few values over thousands of rows. Anything else is cleaned value by value in
    Python, so that ``1`` and ``1.0`` (one value to a hash table) keep their own text."""
    missing = set(MISSING_TEXT)
    values = column if isinstance(column, np.ndarray) else column.to_numpy(dtype=object)
    codes, uniques = pd.factorize(values)
    if all(type(u) is str for u in uniques) and all(is_missing(values[i]) for i in np.flatnonzero(codes < 0)):
        cleaned = [None if (text := u.strip()) in missing else text for u in uniques]
        return np.array([*cleaned, None], dtype=object)[codes]
    out: list[str | None] = []
    for value in values.tolist():
        if is_missing(value):
            out.append(None)
            continue
        text = str(value).strip()
        out.append(None if text in missing else text)
    return out


def is_missing(value) -> bool:
    """``None``, ``pd.NA`` or a float NaN (what a CSV or XPT reader gives for an empty cell)."""
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def present_min(values: Iterable, default=None):
    """The smallest non-missing value, ``default`` when there is none (``Series.min(skipna=True)`` on plain values).

    Examples
    --------
    >>> present_min([3.0, float("nan"), 1.0], None), present_min([None], "none")
    (1.0, 'none')
    """
    present = [v for v in values if not pd.isna(v)]
    return min(present) if present else default


def present_max(values: Iterable, default=None):
    """The largest non-missing value, ``default`` when there is none (see :func:`present_min`)."""
    present = [v for v in values if not pd.isna(v)]
    return max(present) if present else default


def parse_numbers(frame: pd.DataFrame, col: str, source: str, *, lesion_col: str | None) -> np.ndarray:
    """A column as float64 (``pd.to_numeric``); a value that is not a number is an error naming its record."""
    raw = frame[col].to_numpy()
    num = np.asarray(pd.to_numeric(raw, errors="coerce"))
    bad = ~pd.isna(raw) & pd.isna(num)
    if bad.any():
        row = frame.loc[frame.index[int(np.argmax(bad))]]
        raise InputError(source, f"{col} is not a number: {row[col]!r}", where=where(row, lesion_col=lesion_col))
    return num.astype(float)
