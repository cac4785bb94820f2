"""A sample manifest: which subject and visit each file (or export row) is, never guessed from a file name.

A CSV (or TSV/XLSX) with columns ``file`` (an FCS file name, or an export row's sample id or file name),
``subject`` (or ``usubjid``), ``visit`` and optionally ``date`` (collection date).

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "manifest.csv"
>>> _ = p.write_text("file,subject,visit,date" + chr(10) + "t1.fcs,S-01,Cycle 1 Day 1,2024-01-02" + chr(10))
>>> read_manifest(p)["t1.fcs"]
ManifestEntry(usubjid='S-01', visit='C1D1', collection_date='2024-01-02', where='line 2')
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from biomarker.errors import InputError
from biomarker.flow.exports import normalise_visit
from biomarker.lab_tables import read_table


@dataclass(frozen=True)
class ManifestEntry:
    """Subject, visit and collection date of one file or export row."""

    usubjid: str
    visit: str
    collection_date: str | None
    where: str


def read_manifest(path: str | os.PathLike[str]) -> dict[str, ManifestEntry]:
    """file -> :class:`ManifestEntry`.

    Raises
    ------
    InputError
        Missing columns, an empty subject or visit, or the same file twice.
    """
    path = Path(path)
    header, rows, where = read_table(path)
    keys = {h.strip().lower(): h for h in header}
    file_col = keys.get("file") or keys.get("filename") or keys.get("sample")
    subject_col = keys.get("subject") or keys.get("usubjid")
    visit_col = keys.get("visit")
    date_col = keys.get("date") or keys.get("collection_date")
    missing = [n for n, c in (("file", file_col), ("subject", subject_col), ("visit", visit_col)) if c is None]
    if missing:
        raise InputError(
            path,
            f"manifest without column(s) {', '.join(missing)}",
            where="header",
            hint="a manifest has columns file, subject, visit, date",
        )
    out: dict[str, ManifestEntry] = {}
    for row, loc in zip(rows, where, strict=True):
        name = str(row.get(file_col) or "").strip()
        subject = str(row.get(subject_col) or "").strip()
        visit = str(row.get(visit_col) or "").strip()
        if not name or not subject or not visit or "." in (subject, visit):
            raise InputError(path, "empty file, subject or visit", where=loc)
        key = Path(name).name
        if key in out:
            raise InputError(path, f"{key} is listed twice (also {out[key].where})", where=loc)
        date = str(row.get(date_col) or "").strip() if date_col else ""
        out[key] = ManifestEntry(subject, normalise_visit(visit), date or None, loc)
    return out
