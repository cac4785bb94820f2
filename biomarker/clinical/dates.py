"""ISO 8601 dates of SDTM, partial dates completed by a stated rule and flagged (ADaM ``*DTF``)."""

from __future__ import annotations

import re

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
    flags = pd.Series(None, index=frame.index, dtype=object)
    if pd.api.types.is_datetime64_any_dtype(s):
        return pd.to_datetime(s).dt.normalize().astype("datetime64[ns]"), flags
    text = s.map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v).strip())
    text = text.astype("string")
    present = text.notna() & (text != "")
    iso = text.str.match(_ISO_DATE.pattern).fillna(False).astype(bool)
    date9 = text.str.match(_DATE9.pattern).fillna(False).astype(bool)
    partial = text.str.match(_PARTIAL_DATE.pattern).fillna(False).astype(bool)
    out = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    if iso.any():
        out[iso] = pd.to_datetime(text[iso].str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    if date9.any():
        out[date9] = pd.to_datetime(text[date9].str.upper(), format="%d%b%Y", errors="coerce")
    if partial.any() and impute != "refuse":
        for idx in partial[partial].index:
            value = str(text[idx]).rstrip("-T ")
            try:
                out[idx], flags[idx] = _complete(value, impute)
            except ValueError:
                continue
    bad = present & out.isna()
    if bad.any():
        idx = bad.idxmax()
        hint = "write complete ISO 8601 dates (YYYY-MM-DD)"
        if partial[idx]:
            hint = "partial dates are refused by the imputation rule 'refuse'; set partial_dates: first|mid|last"
        raise InputError(
            source,
            f"unparseable date {text[idx]!r} in {col}",
            where=where(frame.loc[idx], lesion_col=lesion_col),
            hint=hint,
        )
    return out, flags
