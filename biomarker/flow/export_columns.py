"""Which column of a TBNK lab export holds which of our fields, and in which unit.

:func:`detect_layout` names the layout from the header (FACSCanto, MultiSET, CDISC LB, or a user's mapping);
:func:`column_map` maps our fields (:data:`ID_FIELDS` and :data:`~biomarker.flow.qc.VALUE_COLUMNS`) to the
export's columns with the factor turning each absolute count into cells/uL (:func:`unit_factor`). The rows are
read in :mod:`biomarker.flow.exports`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from biomarker.errors import ConfigError, InputError
from biomarker.flow.qc import VALUE_COLUMNS
from biomarker.lab_tables import read_mapping

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


def load_mapping(mapping: Mapping[str, Any] | str | os.PathLike[str] | None) -> dict[str, Any]:
    """A user's TBNK mapping (dict or YAML), checked: ``{"columns": {our field: their column}, "units": ...}``."""
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


def detect_layout(header: list[str], user: Mapping[str, Any], path: Path) -> str:
    """The export's layout (one of ``LAYOUTS`` in :mod:`biomarker.flow.exports`) from its header."""
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


def column_map(
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
                factor = count_factor(path, m.group("unit").strip("() "), f"column {h!r}")
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


def count_factor(path: Path, unit: str, where: str) -> float:
    """:func:`unit_factor`, with an unknown unit an :class:`InputError` naming the file and where."""
    try:
        return unit_factor(unit)
    except ValueError:
        raise InputError(
            path, f"unknown count unit {unit!r}", where=where, hint=f"units: {', '.join(sorted(UNITS))}"
        ) from None
