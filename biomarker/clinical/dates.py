"""ISO 8601 dates of SDTM, partial dates completed by a stated rule and flagged (ADaM ``*DTF``)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from biomarker.clinical.records import where
from biomarker.errors import ConfigError, InputError

IMPUTATION_RULES = ("first", "mid", "last", "refuse")

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ].*)?$")
_DATE9 = re.compile(r"^\d{1,2}[A-Za-z]{3}\d{4}$")
_PARTIAL_DATE = re.compile(r"^\d{4}(?:-\d{2})?-*T?$")


def parse_dates(
    frame: pd.DataFrame, col: str, source: str, *, lesion_col: str | None = None, impute: str = "refuse"
) -> pd.Series:
    """Parse an ISO 8601 date column (``YYYY-MM-DD``, time part ignored) into ``datetime64``.

    Already-parsed datetimes (from XPT) pass through; SAS ``DATE9`` text (``05JAN2024``) is accepted
    for ADaM inputs. Missing values stay missing; a partial date is completed by ``impute`` (see
    :func:`parse_partial_dates`); anything else raises :class:`InputError` naming the line, subject and lesion.

    Examples
    --------
    >>> df = pd.DataFrame({"USUBJID": ["S1", "S1"], "D": ["2024-03-01T10:00", None]})
    >>> parse_dates(df, "D", "x.csv").dt.strftime("%Y-%m-%d").tolist()
    ['2024-03-01', nan]
    """
    return parse_partial_dates(frame, col, source, lesion_col=lesion_col, impute=impute)[0]


def _complete(text: str, rule: str) -> tuple[pd.Timestamp, str]:
    parts = text.split("-")
    year = int(parts[0])
    if len(parts) == 1:
        month, flag = {"first": 1, "mid": 7, "last": 12}[rule], "M"
        day = {"first": 1, "mid": 1, "last": 31}[rule]
        return pd.Timestamp(year, month, day), flag
    month = int(parts[1])
    if not 1 <= month <= 12:
        raise ValueError(text)
    last = pd.Timestamp(year, month, 1).days_in_month
    day = {"first": 1, "mid": 15, "last": last}[rule]
    return pd.Timestamp(year, month, day), "D"


def parse_partial_dates(
    frame: pd.DataFrame, col: str, source: str, *, lesion_col: str | None = None, impute: str = "first"
) -> tuple[pd.Series, pd.Series]:
    """Parse a date column; complete partial dates (``2014-02``, ``2014``) and flag them.

    Parameters
    ----------
    frame, col, source, lesion_col
        The table, its date column, its file (for errors) and the lesion column (for errors).
    impute
        ``first`` (day 1 / 1 January), ``mid`` (day 15 / 1 July), ``last`` (last day of the month / 31
        December) or ``refuse`` (a partial date is an error). Domain rules refine this later (an AE
        start is never imputed before the first dose of the same month).

    Returns
    -------
    dates, flags
        ``datetime64`` dates and the ADaM-style imputation flag (``D``: day imputed, ``M``: month
        and day imputed, missing when the date was complete).

    Examples
    --------
    >>> df = pd.DataFrame({"USUBJID": ["S1", "S1"], "D": ["2014-02", "2014"]})
    >>> d, f = parse_partial_dates(df, "D", "x.csv", impute="last")
    >>> d.dt.strftime("%Y-%m-%d").tolist(), f.tolist()
    (['2014-02-28', '2014-12-31'], ['D', 'M'])
    """
    if impute not in IMPUTATION_RULES:
        raise ConfigError(f"partial-date imputation must be one of {', '.join(IMPUTATION_RULES)}, not {impute!r}")
    s = frame[col]
    if pd.api.types.is_datetime64_any_dtype(s):
        return pd.to_datetime(s).dt.normalize().astype("datetime64[ns]"), pd.Series(
            None, index=frame.index, dtype=object
        )
    # one Python pass over the values: the columns are short, and four pandas string operations per column
    # cost more than the parsing (the property tests read hundreds of small studies)
    text = [None if v is None or (isinstance(v, float) and v != v) else str(v).strip() for v in s.tolist()]
    kind_of = {v: _kind(v) for v in set(text)}  # per distinct text: dates repeat over thousands of rows
    kinds = [kind_of[v] for v in text]
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
    for kind, fmt, prepare in (("iso", "%Y-%m-%d", lambda v: v[:10]), ("date9", "%d%b%Y", str.upper)):
        at = [i for i, k in enumerate(kinds) if k == kind]
        if at:
            out[at] = pd.to_datetime([prepare(text[i]) for i in at], format=fmt, errors="coerce").to_numpy()
    flagged: list[str | float] = [np.nan] * len(text)  # a missing flag is NaN, as in an object column pandas makes
    if impute != "refuse":
        completed: dict[str, tuple[np.datetime64, str] | None] = {}
        for i in (i for i, k in enumerate(kinds) if k == "partial"):
            if text[i] not in completed:
                try:
                    day, flag = _complete(text[i].rstrip("-T "), impute)
                    completed[text[i]] = (day.to_datetime64(), flag)
                except ValueError:
                    completed[text[i]] = None
            if completed[text[i]] is not None:
                out[i], flagged[i] = completed[text[i]]
    nat = np.isnat(out)
    bad = next((i for i, v in enumerate(text) if v and nat[i]), None)
    if bad is not None:
        hint = "write complete ISO 8601 dates (YYYY-MM-DD)"
        if kinds[bad] == "partial":
            hint = "partial dates are refused by the imputation rule 'refuse'; set partial_dates: first|mid|last"
        raise InputError(
            source,
            f"unparseable date {text[bad]!r} in {col}",
            where=where(frame.iloc[bad], lesion_col=lesion_col),
            hint=hint,
        )
    return pd.Series(out, index=frame.index), pd.Series(flagged, index=frame.index, dtype=object)


def _kind(value: str | None) -> str | None:
    """``iso``, ``date9``, ``partial`` or None: which form a stripped date text has."""
    if not value:
        return None
    if _ISO_DATE.match(value):
        return "iso"
    if _DATE9.match(value):
        return "date9"
    return "partial" if _PARTIAL_DATE.match(value) else None
