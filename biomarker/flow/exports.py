"""Read TBNK results as labs export them: FACSCanto clinical software, BD MultiSET, CDISC LB, or a mapped layout.

Layouts (``layout=`` or detected from the header):

``facscanto``
    ``CD3+ %Lymphs``, ``CD3+ Abs Cnt``, ``CD3+CD4+ ...``, ``CD3+CD8+ ...``, ``CD16+CD56+ ...``, ``CD19+ ...``,
    ``CD45+ Abs Cnt``; ids ``Patient ID``, ``Visit``, ``Sample ID``, ``Collection Date``.
``multiset``
    ``(Average) CD3+ %Lymph``, ``(Average) CD3+CD4+ Abs Cnt``, ``(Average) CD3-CD19+ ...``,
    ``(Average) CD3-CD16+56+ ...``, ``Lymphosum``; ids ``Patient ID`` / ``Case Number``, ``Visit``, ``Sample ID``.
``lb``
    CDISC LB long table: ``USUBJID, VISIT, LBTESTCD, LBORRES, LBORRESU`` (or ``LBSTRESN, LBSTRESU``), one
    row per test; ``CD4LY`` (or unit ``%``) is % of lymphocytes, ``CD4`` with a count unit is absolute.
``mapping``
    any other layout, given a mapping (dict or YAML): ``columns: {our field: their column}`` with fields
    ``usubjid, visit, sample_id, collection_date`` and :data:`~biomarker.flow.qc.VALUE_COLUMNS`, and
    ``units: cells/uL`` or ``10^9/L`` (one for all, or per field).

Absolute counts are converted to cells/uL (1 x 10^9/L = 1 cell/nL = 1000 cells/uL; 1 x 10^6/L = 1 cell/uL).
A unit in the column name (``CD3 Abs (10^9/L)``) is honoured; an unknown unit is an error.

Exports are read as labs send them: tab- or comma-delimited, CR/LF/CRLF line ends, ``.`` for empty (MultiSET),
dates like ``Wed, Jun 3, 2015 3:21 PM``; the instrument's own QC columns (lymphocyte and bead events, error codes)
become flags (:mod:`biomarker.flow.export_qc`); columns and units are recognised in
:mod:`biomarker.flow.export_columns`. Subject and visit come from the export's columns or from a manifest
(``file, subject, visit, date``: ``file`` matches a row's sample id or any of its file-name columns), never from a
file name.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from biomarker import __version__
from biomarker.errors import ConfigError, InputError
from biomarker.files import sha256_file
from biomarker.flow.export_columns import ID_FIELDS, column_map, detect_layout, load_mapping
from biomarker.flow.export_columns import UNITS as UNITS  # re-exported: the unit table and its factor
from biomarker.flow.export_columns import unit_factor as unit_factor
from biomarker.flow.qc import VALUE_COLUMNS, QcRules, finish_table
from biomarker.lab_tables import read_table

log = logging.getLogger(__name__)

LAYOUTS: tuple[str, ...] = ("facscanto", "multiset", "lb", "mapping")


def normalise_visit(text: object) -> str:
    """``Cycle 1 Day 1``, ``C1 D1``, ``c1d1`` -> ``C1D1``; other visits upper-cased without spaces.

    Examples
    --------
    >>> normalise_visit("Cycle 2 Day 1"), normalise_visit("c4 d1"), normalise_visit("Screening")
    ('C2D1', 'C4D1', 'SCREENING')
    """
    s = str(text).strip()
    m = re.fullmatch(r"(?:c|cycle)\s*(\d+)\s*[,/_-]?\s*(?:d|day)\s*(\d+)", s, flags=re.IGNORECASE)
    if m:
        return f"C{int(m.group(1))}D{int(m.group(2))}"
    return re.sub(r"\s+", " ", s).upper()


def read_tbnk_export(
    path: str | os.PathLike[str],
    layout: str | None = None,
    mapping: Mapping[str, Any] | str | os.PathLike[str] | None = None,
    qc: QcRules = QcRules(),  # noqa: B008 - frozen dataclass, safe as a default
    *,
    sheet: str | int = 0,
    manifest: str | os.PathLike[str] | Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Read a TBNK lab export into one row per subject and visit.

    Parameters
    ----------
    path
        CSV/TSV (optionally gzipped) or XLSX.
    layout
        ``facscanto``, ``multiset``, ``lb`` or ``mapping``; None detects it from the header (``mapping`` when a
        mapping is given).
    mapping
        dict or YAML file: ``columns: {our field: their column}`` and optional ``units``.
    qc
        Limits of the QC flags.
    sheet
        XLSX sheet name or index.
    manifest
        CSV (or :func:`~biomarker.flow.manifest.read_manifest` mapping) ``file, subject, visit, date`` naming the
        subject and visit of rows whose export has no such columns (``file`` = the row's sample id or file name).

    Returns
    -------
    pandas.DataFrame
        :data:`~biomarker.flow.qc.TBNK_COLUMNS`: ``usubjid, visit``, ``{cd3,cd4,cd8,b,nk}_pct_lymph`` and
        ``_abs_per_ul``, ``lymph_abs_per_ul``, ``cd4_cd8_ratio``, ``lymphosum_pct``, ``qc_flags`` (``;``-joined,
        see :mod:`biomarker.flow.qc`; impossible values are blanked), ``sample_id``, ``collection_date``,
        ``source`` (file and row).

    Raises
    ------
    InputError
        Unknown layout, no subject or visit (neither a column nor the manifest), a value that is not a number or
        a date, an unknown unit, or the same subject and visit twice.

    Examples
    --------
    >>> t = read_tbnk_export("study/flow/tbnk.csv")  # doctest: +SKIP
    >>> t.loc[0, ["usubjid", "visit", "cd8_abs_per_ul", "qc_flags"]]  # doctest: +SKIP
    """
    from biomarker.flow.manifest import read_manifest

    path = Path(path)
    user = load_mapping(mapping)
    entries = read_manifest(manifest) if isinstance(manifest, str | os.PathLike) else manifest
    header, rows, where = read_table(path, sheet)
    layout = layout or detect_layout(header, user, path)
    if layout not in LAYOUTS:
        raise ConfigError(f"unknown TBNK layout {layout!r}; one of {', '.join(LAYOUTS)}")
    if layout == "lb":
        from biomarker.flow.lb_table import read_lb

        records, flags = read_lb(path, header, rows, where)
    else:
        columns = column_map(path, header, layout, user, manifest=entries is not None)
        records, flags = _read_wide(path, header, rows, where, columns, entries, qc)
    table = pd.DataFrame(records)
    _check_duplicates(path, table)
    out = finish_table(table, qc, flags)
    out.attrs["provenance"] = {
        "package": "nsclc-biomarker",
        "version": __version__,
        "input": str(path),
        "sha256": sha256_file(path),
        "layout": layout,
        "qc": qc.__dict__.copy(),
        "manifest": None if manifest is None else str(manifest),
    }
    log.info("%s: %d TBNK result(s) (%s layout), %d flagged", path, len(out), layout, int((out.qc_flags != "").sum()))
    return out


def _number(path: Path, value: object, where: str, column: str) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    s = str(value).strip().rstrip("%").strip()
    if s == "" or s.lower() in ("na", "n/a", "nd", "-", "."):
        return math.nan
    try:
        return float(s)
    except ValueError:
        raise InputError(
            path, f"column {column!r}: {value!r} is not a number", where=where, hint="fix the value or leave it blank"
        ) from None


def _read_wide(
    path: Path,
    header: list[str],
    rows: list[dict[str, Any]],
    where: list[str],
    columns: Mapping[str, tuple[str, float]],
    manifest: Mapping[str, Any] | None,
    qc: QcRules,
) -> tuple[list[dict[str, Any]], list[list[str]]]:
    from biomarker.flow.export_qc import instrument_flags, is_empty, parse_date, qc_columns

    instrument = qc_columns(header)
    name_columns = [h for h in header if "file name" in h.lower()]
    records, flags = [], []
    for row, loc in zip(rows, where, strict=True):
        rec: dict[str, Any] = {}
        for field in ID_FIELDS:
            if field in columns:
                v = row.get(columns[field][0])
                rec[field] = None if is_empty(v) else str(v).strip()
        if manifest is not None:
            _from_manifest(path, loc, rec, row, name_columns, manifest)
        if not rec.get("usubjid") or not rec.get("visit"):
            absent = " and ".join(f for f in ("usubjid", "visit") if not rec.get(f))
            raise InputError(
                path,
                f"no {absent} for this row (empty or '.')",
                where=loc,
                hint="fill them, or give a manifest (file, subject, visit, date) keyed by sample id",
            )
        rec["visit"] = normalise_visit(rec["visit"])
        try:
            rec["collection_date"] = parse_date(rec.get("collection_date"))
        except ValueError as exc:
            raise InputError(
                path, f"collection date {exc}", where=loc, hint="write dates as YYYY-MM-DD (or as the instrument does)"
            ) from None
        for field in VALUE_COLUMNS:
            if field in columns:
                col, factor = columns[field]
                rec[field] = _number(path, row.get(col), loc, col) * factor
        row_flags, withhold = instrument_flags(row, instrument, qc)
        if withhold:
            for field in VALUE_COLUMNS:
                if field.endswith("_abs_per_ul"):
                    rec[field] = math.nan
        rec["source"] = f"{path.name}:{loc}"
        records.append(rec)
        flags.append(row_flags)
    return records, flags


def _from_manifest(
    path: Path,
    loc: str,
    rec: dict[str, Any],
    row: Mapping[str, Any],
    name_columns: list[str],
    manifest: Mapping[str, Any],
) -> None:
    """Fill subject, visit and date from the manifest row whose ``file`` is this row's sample id or file name."""
    keys = [rec.get("sample_id")] + [str(row.get(c) or "").strip() for c in name_columns]
    entry = next((manifest[k] for k in keys if k and k in manifest), None)
    if entry is None:
        if rec.get("usubjid") and rec.get("visit"):
            return
        raise InputError(
            path,
            f"row not in the manifest (sample id {rec.get('sample_id')!r})",
            where=loc,
            hint="add it to the manifest: file (= sample id), subject, visit, date",
        )
    for field, value in (("usubjid", entry.usubjid), ("visit", entry.visit)):
        if rec.get(field) and normalise_visit(rec[field]) != normalise_visit(value):
            raise InputError(
                path,
                f"{field} {rec[field]!r} differs from the manifest's {value!r} ({entry.where})",
                where=loc,
                hint="correct the export or the manifest",
            )
        rec[field] = value
    if entry.collection_date:
        rec["collection_date"] = entry.collection_date


def _check_duplicates(path: Path, table: pd.DataFrame) -> None:
    if table.empty:
        raise InputError(path, "no TBNK results")
    dup = table.duplicated(["usubjid", "visit"], keep=False)
    if dup.any():
        first = table[dup].iloc[0]
        rows = table[dup & (table.usubjid == first.usubjid) & (table.visit == first.visit)]["source"].tolist()
        raise InputError(
            path,
            f"subject {first.usubjid} visit {first.visit} appears more than once ({', '.join(rows)})",
            where=rows[-1].split(":", 1)[-1],
            hint="keep one result per subject and visit (a repeat tube: keep the reported one)",
        )
