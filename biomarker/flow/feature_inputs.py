"""What TBNK features may need besides the TBNK table: first-dose dates (baseline) and a blood count (NLR).

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "cbc.csv").write_text("usubjid,visit,neutrophils,lymphocytes,unit" + chr(10) + "S1,C1D1,4.2,1.4,10^9/L")
>>> row = read_cbc(d / "cbc.csv").iloc[0]
>>> float(row.neutrophils_abs_per_ul), float(row.lymphocytes_abs_per_ul)
(4200.0, 1400.0)
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd

from biomarker.errors import InputError
from biomarker.flow.export_qc import is_empty, parse_date
from biomarker.flow.exports import normalise_visit, unit_factor
from biomarker.lab_tables import read_table


def _columns(path: Path, header: list[str], wanted: dict[str, tuple[str, ...]]) -> dict[str, str | None]:
    keys = {h.strip().lower(): h for h in header}
    return {field: next((keys[a] for a in aliases if a in keys), None) for field, aliases in wanted.items()}


def read_first_dose(path: str | os.PathLike[str]) -> dict[str, str]:
    """usubjid -> first dose date (ISO), from a CSV with ``usubjid`` (or ``subject``) and ``first_dose`` (or
    ``rfstdtc``, ``exstdtc``); SDTM DM with RFSTDTC works as it is.

    Raises
    ------
    InputError
        Missing columns, a date that is not a date, or a subject twice with different dates.
    """
    path = Path(path)
    header, rows, where = read_table(path)
    cols = _columns(path, header, {"usubjid": ("usubjid", "subject"), "date": ("first_dose", "rfstdtc", "exstdtc")})
    if cols["usubjid"] is None or cols["date"] is None:
        raise InputError(path, "first-dose table without usubjid and first_dose (or RFSTDTC) columns", where="header")
    out: dict[str, str] = {}
    for row, loc in zip(rows, where, strict=True):
        subject = str(row.get(cols["usubjid"]) or "").strip()
        try:
            date = parse_date(row.get(cols["date"]))
        except ValueError as exc:
            raise InputError(path, f"first dose {exc}", where=loc) from None
        if not subject or date is None:
            continue  # screen failures have no first dose
        if out.get(subject, date) != date:
            raise InputError(path, f"{subject} has two first doses ({out[subject]} and {date})", where=loc)
        out[subject] = date
    return out


def _value(path: Path, v: object, factor: float, loc: str) -> float:
    if is_empty(v):
        return math.nan
    try:
        return float(str(v).strip()) * factor
    except ValueError:
        raise InputError(path, f"{v!r} is not a number", where=loc) from None


def read_cbc(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A blood count as ``usubjid, visit, neutrophils_abs_per_ul, lymphocytes_abs_per_ul`` (cells/uL).

    The file has ``usubjid``, ``visit``, ``neutrophils`` (or ``anc``), optionally ``lymphocytes`` (or ``alc``),
    and ``unit`` (per row: cells/uL, 10^9/L, ...). An unknown unit is an error.
    """
    path = Path(path)
    header, rows, where = read_table(path)
    cols = _columns(
        path,
        header,
        {
            "usubjid": ("usubjid", "subject"),
            "visit": ("visit",),
            "neut": ("neutrophils", "anc", "neut"),
            "lymph": ("lymphocytes", "alc", "lym"),
            "unit": ("unit", "units"),
        },
    )
    missing = [f for f in ("usubjid", "visit", "neut", "unit") if cols[f] is None]
    if missing:
        raise InputError(
            path,
            f"CBC without column(s) {', '.join(missing)}",
            where="header",
            hint="columns: usubjid, visit, neutrophils, lymphocytes, unit",
        )
    records = []
    for row, loc in zip(rows, where, strict=True):
        try:
            factor = unit_factor(str(row.get(cols["unit"]) or ""))
        except ValueError as exc:
            raise InputError(path, str(exc), where=loc, hint="units: cells/uL, 10^9/L, 10^6/L, ...") from None

        neut, lymph = (_value(path, row.get(c) if c else None, factor, loc) for c in (cols["neut"], cols["lymph"]))
        records.append(
            {
                "usubjid": str(row.get(cols["usubjid"]) or "").strip(),
                "visit": normalise_visit(row.get(cols["visit"]) or ""),
                "neutrophils_abs_per_ul": neut,
                "lymphocytes_abs_per_ul": lymph,
            }
        )
    return pd.DataFrame(records, columns=["usubjid", "visit", "neutrophils_abs_per_ul", "lymphocytes_abs_per_ul"])
