"""Read PD-L1 and TIL results from a pathology table (CSV, TSV or XLSX) into one tidy row per specimen and assay.

Two layouts are recognised from the header:

- long: an assay column (``ASSAY``, ``Antibody``, ``Clone``) beside ``PDL1_TPS`` / ``TPS`` / ``TC``, ``CPS`` and
  ``IC`` columns (the simulator's ``pathology/pdl1_til.csv``);
- wide: one column per assay and score, named with the clone, e.g. ``22C3 TPS``, ``PDL1_SP263_TC``,
  ``SP142 IC``, ``28-8 TPS``.

Column names are matched case-insensitively, ignoring spaces, ``_``, ``-`` and ``%``; a user's own names go in
the ``columns:`` part of the mapping (``our field: their column``).
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
from biomarker.ihc.scores import Score, load_spellings, parse_score
from biomarker.lab_tables import read_mapping, read_table

log = logging.getLogger(__name__)

#: Output columns of :func:`read_pathology`, in order.
PATHOLOGY_COLUMNS: tuple[str, ...] = (
    "usubjid",
    "specimen_id",
    "assay",
    "pdl1_tps_pct",
    "pdl1_tps_low_pct",
    "pdl1_tps_high_pct",
    "pdl1_category",
    "pdl1_cps",
    "pdl1_cps_low",
    "pdl1_cps_high",
    "pdl1_ic_pct",
    "pdl1_ic_low_pct",
    "pdl1_ic_high_pct",
    "tissue_adequate",
    "til_stromal_pct",
    "pdl1_tps_reported",
    "report_date",
    "source_row",
)
#: Known PD-L1 clones and how labs write them (normalised, see :func:`_key`).
ASSAYS: dict[str, str] = {"22c3": "22C3", "288": "28-8", "sp263": "SP263", "sp142": "SP142"}
_FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "usubjid": ("usubjid", "subjid", "subjectid", "subject", "patientid", "patient", "caseid"),
    "specimen_id": ("specimenid", "specimen", "blockid", "block", "accession", "accessionnumber", "sampleid"),
    "assay": ("assay", "pdl1assay", "antibody", "clone", "pdl1clone", "pdl1antibody"),
    "tps": (
        "pdl1tps",
        "tps",
        "pdl1tpspct",
        "tpspct",
        "pdl1tc",
        "tc",
        "tumourproportionscore",
        "tumorproportionscore",
        "pdl1score",
        "pdl1",
        "pdl1expression",
    ),
    "cps": ("pdl1cps", "cps", "combinedpositivescore"),
    "ic": ("pdl1ic", "ic", "icscore", "immunecell", "immunecellscore"),
    "til": (
        "tilstromalpct",
        "tilstromal",
        "stromaltil",
        "stromaltils",
        "tils",
        "til",
        "stil",
        "stils",
        "tilspct",
        "tilpct",
    ),
    "report_date": ("reportdate", "date", "signoutdate", "lbdtc"),
}
_CLONES = "(22c3|288|sp263|sp142)"
_KINDS = "(tps|tc|cps|ic)"
_WIDE = re.compile(rf"^(?:pdl1)?{_CLONES}(?:pdl1)?{_KINDS}$|^(?:pdl1)?{_KINDS}{_CLONES}$")


def _key(name: object) -> str:
    """Normalised column name: lower case without spaces, ``_``, ``-``, ``%``, brackets or ``(%)``."""
    return re.sub(r"[\s_\-%()\[\].:/]", "", str(name).strip().lower())


def read_pathology(
    path: str | os.PathLike[str],
    mapping: Mapping[str, Any] | str | os.PathLike[str] | None = None,
    *,
    assay: str | None = None,
    sheet: str | int = 0,
) -> pd.DataFrame:
    """Read PD-L1 (TPS, CPS, IC) and stromal TIL scores.

    Parameters
    ----------
    path
        CSV/TSV (optionally gzipped) or XLSX.
    mapping
        Extra spellings (``{"weakly positive": "1-49%"}``) as a dict or YAML file; a YAML with ``spellings:``
        and ``columns:`` keys also renames columns (``columns: {usubjid: Patient, tps: "PD-L1 %"}``; fields
        ``usubjid, specimen_id, assay, tps, cps, ic, til, report_date``).
    assay
        The clone when the table has no assay column (e.g. ``"22C3"``).
    sheet
        XLSX sheet name or index.

    Returns
    -------
    pandas.DataFrame
        :data:`PATHOLOGY_COLUMNS`: ``pdl1_tps_pct`` is the reported number (NaN when only a category was
        given), ``pdl1_tps_low_pct``/``pdl1_tps_high_pct`` bound it (``<1%`` is 0..1, ``>=50%`` 50..100),
        ``pdl1_category`` is ``<1`` / ``1-49`` / ``>=50``, ``tissue_adequate`` False for not evaluable.
        ``source_row`` is the line (CSV) or row (XLSX). ``df.attrs["provenance"]`` names the file and SHA-256.

    Raises
    ------
    InputError
        An unknown spelling or impossible value (TPS above 100 or negative), naming file, row and value;
        no subject or score column; one subject, assay and specimen reported twice with conflicting values
        (``55%`` on one line, ``<1%`` on another), naming both lines. Identical repeats, or one report
        completing the other, are kept with a warning.

    Examples
    --------
    >>> df = read_pathology("study/pathology/pdl1_til.csv")  # doctest: +SKIP
    >>> df[["usubjid", "pdl1_tps_pct", "pdl1_category", "tissue_adequate"]].head(2)  # doctest: +SKIP
    """
    path = Path(path)
    spellings = load_spellings(mapping)
    user_columns = _user_columns(mapping)
    header, rows, where = read_table(path, sheet)
    keys = {_key(h): h for h in header}
    found: dict[str, str] = {}
    for field, aliases in _FIELD_ALIASES.items():
        if field in user_columns:
            if user_columns[field] not in header:
                raise InputError(
                    path,
                    f"mapped column {user_columns[field]!r} (for {field}) is not in the header",
                    where="header",
                    hint=f"columns are: {', '.join(header)}",
                )
            found[field] = user_columns[field]
            continue
        hit = next((keys[a] for a in aliases if a in keys), None)
        if hit is not None:
            found[field] = hit
    wide = _wide_columns(header)
    if "usubjid" not in found:
        raise InputError(
            path,
            "no subject column (USUBJID, Subject, Patient ID)",
            where="header",
            hint="name it USUBJID or map it: columns: {usubjid: <your column>}",
        )
    score_columns = [found[f] for f in ("tps", "cps", "ic") if f in found]
    if not score_columns and not wide:
        raise InputError(
            path,
            "no PD-L1 score column (PDL1_TPS, TPS, CPS, IC or <clone> TPS)",
            where="header",
            hint="map it: columns: {tps: <your column>}",
        )
    default_assay = _assay_name(assay) if assay else None
    out: list[dict[str, Any]] = []
    for row, loc in zip(rows, where, strict=True):
        subject = _text(row.get(found["usubjid"]))
        if not subject:
            if all(not _text(v) for v in row.values()):
                continue
            raise InputError(path, "empty subject id", where=loc)
        base = {
            "usubjid": subject,
            "specimen_id": _text(row.get(found["specimen_id"])) if "specimen_id" in found else None,
            "report_date": _text(row.get(found["report_date"])) if "report_date" in found else None,
            "til_stromal_pct": _til(row, found, path, loc, spellings),
            "source_row": loc,
        }
        if score_columns:
            row_assay = _assay_name(_text(row.get(found["assay"]))) if "assay" in found else default_assay
            out.append(
                _record(base, row_assay, row, found.get("tps"), found.get("cps"), found.get("ic"), path, loc, spellings)
            )
        for clone, cols in wide.items():
            values = [row.get(c) for c in cols.values()]
            if all(not _text(v) for v in values) and score_columns:
                continue
            out.append(
                _record(base, clone, row, cols.get("tps"), cols.get("cps"), cols.get("ic"), path, loc, spellings)
            )
    _check_duplicates(out, path)
    df = pd.DataFrame(out, columns=list(PATHOLOGY_COLUMNS))
    for col in PATHOLOGY_COLUMNS:
        if col.endswith(("_pct", "_cps", "_low", "_high")) and col != "pdl1_tps_reported":
            df[col] = df[col].astype(float)
    df["tissue_adequate"] = df["tissue_adequate"].astype("boolean")
    df.attrs["provenance"] = {
        "package": "nsclc-biomarker",
        "version": __version__,
        "input": str(path),
        "sha256": sha256_file(path),
        "spellings": dict(spellings),
    }
    log.info("%s: %d PD-L1 result(s), %d not evaluable", path, len(df), int((df["tissue_adequate"] == False).sum()))  # noqa: E712
    return df


#: What two reports of one subject, assay and specimen must agree on (when both give it).
_COMPARED = (
    "pdl1_tps_pct",
    "pdl1_tps_low_pct",
    "pdl1_tps_high_pct",
    "pdl1_cps",
    "pdl1_cps_low",
    "pdl1_cps_high",
    "pdl1_ic_pct",
    "pdl1_ic_low_pct",
    "pdl1_ic_high_pct",
    "tissue_adequate",
    "til_stromal_pct",
)
_SHOWN = (
    ("pdl1_tps_reported", "TPS"),
    ("pdl1_category", "category"),
    ("pdl1_cps", "CPS"),
    ("pdl1_ic_pct", "IC"),
    ("til_stromal_pct", "TIL"),
)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _conflict(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """The fields two reports both give with different values."""
    return [c for c in _COMPARED if not _missing(a[c]) and not _missing(b[c]) and a[c] != b[c]]


def _describe(record: Mapping[str, Any]) -> str:
    shown = [f"{label} {record[k]}" for k, label in _SHOWN if not _missing(record[k])]
    if record["tissue_adequate"] is False:
        shown.append("not evaluable")
    return ", ".join(shown) or "no score"


def _check_duplicates(records: list[dict[str, Any]], path: Path) -> None:
    """Refuse one subject, assay and specimen reported twice with different values: which one is true is
    not ours to guess. Repeats that agree (or complete each other) stay, with a warning."""
    first: dict[tuple[str, str, str], dict[str, Any]] = {}
    for record in records:
        key = (record["usubjid"], record["assay"], record["specimen_id"] or "")
        seen = first.setdefault(key, record)
        if seen is record:
            continue
        clash = _conflict(seen, record)
        specimen = f" specimen {key[2]}" if key[2] else ""
        if clash:
            raise InputError(
                path,
                f"subject {key[0]} ({key[1]}{specimen}) is reported twice with conflicting values: "
                f"{seen['source_row']}: {_describe(seen)}; {record['source_row']}: {_describe(record)}",
                where=f"{seen['source_row']} and {record['source_row']}",
                hint="keep the one valid report (or give each specimen its own specimen id)",
            )
        log.warning(
            "%s: subject %s (%s%s) is listed twice (%s and %s) with agreeing values",
            path,
            key[0],
            key[1],
            specimen,
            seen["source_row"],
            record["source_row"],
        )


def _record(
    base: dict[str, Any],
    assay: str | None,
    row: Mapping[str, Any],
    tps_col: str | None,
    cps_col: str | None,
    ic_col: str | None,
    path: Path,
    loc: str,
    spellings: Mapping[str, object],
) -> dict[str, Any]:
    tps = _score(row, tps_col, path, loc, spellings, "TPS")
    cps = _score(row, cps_col, path, loc, spellings, "CPS")
    ic = _score(row, ic_col, path, loc, spellings, "IC")
    judged = [s.evaluable for s in (tps, cps, ic) if s.evaluable is not None]
    adequate = None if not judged else any(judged)
    return {
        **base,
        "assay": assay or "unspecified",
        "pdl1_tps_pct": tps.value,
        "pdl1_tps_low_pct": tps.low,
        "pdl1_tps_high_pct": tps.high,
        "pdl1_category": tps.category,
        "pdl1_cps": cps.value,
        "pdl1_cps_low": cps.low,
        "pdl1_cps_high": cps.high,
        "pdl1_ic_pct": ic.value,
        "pdl1_ic_low_pct": ic.low,
        "pdl1_ic_high_pct": ic.high,
        "tissue_adequate": adequate,
        "pdl1_tps_reported": _text(row.get(tps_col)) if tps_col else None,
    }


def _score(
    row: Mapping[str, Any], col: str | None, path: Path, loc: str, spellings: Mapping[str, object], what: str
) -> Score:
    if col is None:
        return parse_score(None)
    value = row.get(col)
    try:
        return parse_score(value, spellings=spellings)
    except ValueError as exc:
        raise InputError(
            path,
            f"{what} column {col!r}: {exc}",
            where=loc,
            hint="scores are 0-100 (e.g. 55, 55%, <1%, >=50%, 1-49%, not evaluable); "
            "map other spellings with a mapping file",
        ) from None


def _til(
    row: Mapping[str, Any], found: Mapping[str, str], path: Path, loc: str, spellings: Mapping[str, object]
) -> float:
    if "til" not in found:
        return math.nan
    s = _score(row, found["til"], path, loc, spellings, "TIL")
    if not math.isnan(s.value):
        return s.value
    if math.isnan(s.low):
        return math.nan
    return (s.low + s.high) / 2  # a reported range: its midpoint (TILs are scored in 5-10% steps)


def _wide_columns(header: list[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for h in header:
        m = _WIDE.match(_key(h))
        if not m:
            continue
        clone, score = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        field = "tps" if score in ("tps", "tc") else score
        out.setdefault(ASSAYS[clone], {})[field] = h
    return out


def _assay_name(text: str | None) -> str | None:
    if not text:
        return None
    k = _key(text)
    for key, name in ASSAYS.items():
        if key in k:
            return name
    log.warning("assay %r is not one of 22C3, 28-8, SP263, SP142: kept as written", text)
    return str(text).strip()


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _user_columns(mapping: Mapping[str, Any] | str | os.PathLike[str] | None) -> dict[str, str]:
    data = read_mapping(mapping, "the pathology mapping", "columns: {our field: their column}, spellings: ...")
    columns = data.get("columns")
    if not columns:
        return {}
    unknown = sorted(set(columns) - set(_FIELD_ALIASES))
    if unknown:
        raise ConfigError(f"unknown field(s) in columns: {', '.join(unknown)}; known: {', '.join(_FIELD_ALIASES)}")
    return {k: str(v) for k, v in columns.items()}
