"""Naming a record in an error message: its file, line, subject, lesion and visit."""

from __future__ import annotations

import pandas as pd


def source_of(frame: pd.DataFrame, default: str) -> str:
    """File a frame was read from (``frame.attrs["source"]``), else ``default``."""
    return str(frame.attrs.get("source", default))


def where(row: pd.Series | dict, *, lesion_col: str | None = None, visit: bool = True) -> str:
    """Describe a record for an error message: line, subject, lesion and visit when known.

    Examples
    --------
    >>> where({"_LINE": 4, "USUBJID": "S-001", "TRLNKID": "T01", "VISIT": "WEEK 6"}, lesion_col="TRLNKID")
    'line 4, subject S-001, lesion T01, visit WEEK 6'
    """
    get = row.get
    parts = []
    line = get("_LINE")
    if line is not None and not pd.isna(line):
        parts.append(f"line {int(line)}")
    if get("USUBJID") is not None:
        parts.append(f"subject {get('USUBJID')}")
    if lesion_col and get(lesion_col) is not None and not pd.isna(get(lesion_col)):
        parts.append(f"lesion {get(lesion_col)}")
    if visit and get("VISIT") is not None and not pd.isna(get("VISIT")):
        parts.append(f"visit {get('VISIT')}")
    return ", ".join(parts)
