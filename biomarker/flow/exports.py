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
become flags (:mod:`biomarker.flow.export_qc`). Subject and visit come from the export's columns or from a manifest
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
from biomarker.flow.qc import VALUE_COLUMNS, QcRules, finish_table
from biomarker.lab_tables import read_mapping, read_table

log = logging.getLogger(__name__)

LAYOUTS: tuple[str, ...] = ("facscanto", "multiset", "lb", "mapping")
ID_FIELDS: tuple[str, ...] = ("usubjid", "visit", "sample_id", "collection_date")
_ID_ALIASES: dict[str, tuple[str, ...]] = {
    "usubjid": ("usubjid", "patientid", "subjectid", "subject", "subjid", "casenumber", "patient"),
    "visit": ("visit", "visitname", "timepoint", "visitid"),
    "sample_id": ("sampleid", "samplename", "specimenid", "accession"),
    "collection_date": ("collectiondate", "lbdtc", "drawdate", "dateofcollection"),
}
#: Marker strings (normalised) -> subset prefix.
_MARKERS: dict[str, str] = {
    "cd3+": "cd3",
    "cd3+cd4+": "cd4",
    "cd4+cd3+": "cd4",
    "cd3+cd8+": "cd8",
    "cd8+cd3+": "cd8",
    "cd19+": "b",
    "cd3-cd19+": "b",
    "cd16+cd56+": "nk",
    "cd16+56+": "nk",
    "cd3-cd16+cd56+": "nk",
    "cd3-cd16+56+": "nk",
    "cd56+cd16+": "nk",
    "cd45+": "lymph",
    "cd3+cd4+cd8+": "dp_t",
    "cd3+cd4-cd8-": "dn_t",
}
_EXPORT_COLUMN = re.compile(
    r"^(?:\(average\))?\s*(?P<markers>[cd0-9+\-]+)\s*(?P<kind>%\s*lymphs?|abs\.?\s*cnt)"
    r"\s*(?P<unit>\(.*\))?$",
    re.IGNORECASE,
)
#: Unit spellings (normalised) -> factor to cells/uL.
UNITS: dict[str, float] = {
    "cells/ul": 1.0,
    "/ul": 1.0,
    "cells/µl": 1.0,
    "/µl": 1.0,
    "cells/mm3": 1.0,
    "/mm3": 1.0,
    "ul-1": 1.0,
    "10^9/l": 1000.0,
    "x10^9/l": 1000.0,
    "10e9/l": 1000.0,
    "x10e9/l": 1000.0,
    "10*9/l": 1000.0,
    "x10*9/l": 1000.0,
    "10^9cells/l": 1000.0,
    "g/l": 1000.0,
    "giga/l": 1000.0,
    "/nl": 1000.0,
    "cells/nl": 1000.0,
    "10^6/l": 1.0,
    "x10^6/l": 1.0,
    "10e6/l": 1.0,
    "x10e6/l": 1.0,
    "10*6/l": 1.0,
    "x10*6/l": 1.0,
    "cells/ml": 0.001,
    "/ml": 0.001,
    "10^3/ul": 1000.0,
    "x10^3/ul": 1000.0,
    "k/ul": 1000.0,
}


def unit_factor(unit: str) -> float:
    """Factor turning a count in ``unit`` into cells/uL.

    Examples
    --------
    >>> unit_factor("10^9/L"), unit_factor("cells/uL"), unit_factor("x10E9/L")
    (1000.0, 1.0, 1000.0)
    """
    key = re.sub(r"\s+", "", str(unit).strip().lower()).replace("μ", "µ").replace("×", "x")
    if key in UNITS:
        return UNITS[key]
    raise ValueError(f"unknown count unit {unit!r}")


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
    user = _load_mapping(mapping)
    entries = read_manifest(manifest) if isinstance(manifest, str | os.PathLike) else manifest
    header, rows, where = read_table(path, sheet)
    layout = layout or _detect(header, user, path)
    if layout not in LAYOUTS:
        raise ConfigError(f"unknown TBNK layout {layout!r}; one of {', '.join(LAYOUTS)}")
    if layout == "lb":
        from biomarker.flow.lb_table import read_lb

        records, flags = read_lb(path, header, rows, where)
    else:
        columns = _columns(path, header, layout, user, manifest=entries is not None)
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


def _load_mapping(mapping: Mapping[str, Any] | str | os.PathLike[str] | None) -> dict[str, Any]:
    data = read_mapping(mapping, "the TBNK mapping", "columns: {our field: their column}, units: ...")
    columns = dict(data.get("columns") or {k: v for k, v in data.items() if k != "units"})
    known = set(ID_FIELDS) | set(VALUE_COLUMNS)
    unknown = sorted(set(columns) - known)
    if unknown:
        raise ConfigError(
            f"unknown field(s) in the TBNK mapping: {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    units = data.get("units")
    if isinstance(units, Mapping):
        bad = sorted(set(units) - {c for c in VALUE_COLUMNS if "abs" in c})
        if bad:
            raise ConfigError(f"units given for {', '.join(bad)}: only absolute-count fields have units")
    for u in units.values() if isinstance(units, Mapping) else [units] if units else []:
        try:
            unit_factor(u)
        except ValueError as exc:
            raise ConfigError(f"TBNK mapping: {exc}; known: {', '.join(sorted(UNITS))}") from None
    return {"columns": {k: str(v) for k, v in columns.items()}, "units": units}


def _detect(header: list[str], user: Mapping[str, Any], path: Path) -> str:
    keys = {h.strip().lower() for h in header}
    if user.get("columns"):
        return "mapping"
    if "lbtestcd" in keys or "lbtest" in keys:
        return "lb"
    if any(k.startswith("(average)") for k in keys):
        return "multiset"
    if any(_EXPORT_COLUMN.match(h.strip()) for h in header):
        return "facscanto"
    raise InputError(
        path,
        "not a known TBNK export (FACSCanto, MultiSET or CDISC LB)",
        where="header",
        hint="give a mapping file: columns: {usubjid: ..., visit: ..., cd3_pct_lymph: ...}",
    )


def _id_key(name: str) -> str:
    return re.sub(r"[\s_\-]", "", name.strip().lower())


def _columns(
    path: Path, header: list[str], layout: str, user: Mapping[str, Any], manifest: bool = False
) -> dict[str, tuple[str, float]]:
    """our field -> (their column, unit factor)."""
    out: dict[str, tuple[str, float]] = {}
    units = user.get("units")
    if layout != "mapping":
        keys = {_id_key(h): h for h in header}
        for field, aliases in _ID_ALIASES.items():
            hit = next((keys[a] for a in aliases if a in keys), None)
            if hit is not None:
                out[field] = (hit, 1.0)
        for h in header:
            m = _EXPORT_COLUMN.match(h.strip())
            if not m:
                continue
            subset = _MARKERS.get(m.group("markers").lower())
            if subset is None:
                continue
            kind = "pct_lymph" if "%" in m.group("kind") else "abs_per_ul"
            if subset == "lymph" and kind == "pct_lymph":
                continue
            field = f"{subset}_{kind}"
            factor = 1.0
            if kind == "abs_per_ul" and m.group("unit"):
                factor = _factor(path, m.group("unit").strip("() "), f"column {h!r}")
            out.setdefault(field, (h, factor))
    for field, column in user.get("columns", {}).items():
        if column not in header:
            raise InputError(
                path,
                f"mapped column {column!r} (for {field}) is not in the header",
                where="header",
                hint=f"columns are: {', '.join(header)}",
            )
        out[field] = (column, 1.0)
    if units:
        for field in [f for f in out if f.endswith("abs_per_ul")]:
            unit = units.get(field) if isinstance(units, Mapping) else units
            if unit:
                out[field] = (out[field][0], unit_factor(unit))
    missing = [f for f in ("usubjid", "visit") if f not in out]
    if missing and not manifest:
        raise InputError(
            path,
            f"no {' or '.join(missing)} column",
            where="header",
            hint="give a manifest (CSV: file, subject, visit, date; file = the row's sample id), name "
            "the columns Patient ID and Visit, or map them: columns: {usubjid: ..., visit: ...}",
        )
    if not any(f in out for f in VALUE_COLUMNS):
        raise InputError(
            path,
            "no TBNK result column (e.g. 'CD3+ %Lymphs', 'CD3+ Abs Cnt')",
            where="header",
            hint="map them: columns: {cd3_pct_lymph: ..., cd3_abs_per_ul: ...}",
        )
    return out


def _factor(path: Path, unit: str, where: str) -> float:
    try:
        return unit_factor(unit)
    except ValueError:
        raise InputError(
            path, f"unknown count unit {unit!r}", where=where, hint=f"units: {', '.join(sorted(UNITS))}"
        ) from None


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
