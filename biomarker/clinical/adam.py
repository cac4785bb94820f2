"""ADaM inputs (ADSL, ADRS, ADTTE, ADAE) mapped onto the SDTM-shaped frames the endpoints use.

A column map says, for each ADaM dataset, which of its columns holds each variable we need:
``{dataset: {our_name: their_column}}``. :data:`DEFAULT_ADAM_MAP` follows the ADaM IG names; pass
only what differs, e.g. ``column_map={"adsl": {"RFSTDTC": "TRT01SDT"}}``, and it is merged over the
defaults. ADSL becomes DM, ADRS (``PARAMCD = OVR``, admiral's code, else ``OVRLRESP``; ``ANL01FL``
honoured) becomes RS and its ``BOR``/``CBOR`` rows the sponsor's BOR shown beside ours, ADAE (``TRTEMFL``)
becomes AE, and ADTTE's ``PFS``/``OS`` parameters (``AVAL`` in ``AVALU``, days by default; ``CNSR = 1``
censored) become the time-to-event
tables. There are no lesion data in ADaM, so the RECIST engine does not run: responses are the
investigator's time points from ADRS, to which our BOR rules are applied.

Files are ``adsl.csv`` / ``adsl.xpt`` etc. in one folder (``STUDYDIR/adam`` or given directly).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from biomarker.clinical.sdtm import find_domain_file, normalise, read_table
from biomarker.clinical.survival import days_to_months
from biomarker.errors import InputError

log = logging.getLogger(__name__)

#: ADaM dataset -> {our variable: ADaM column}. ``None`` means optional and absent by default.
DEFAULT_ADAM_MAP: dict[str, dict[str, str | None]] = {
    "adsl": {
        "STUDYID": "STUDYID",
        "USUBJID": "USUBJID",
        "RFSTDTC": "TRTSDT",
        "RFENDTC": "TRTEDT",
        "AGE": "AGE",
        "SEX": "SEX",
        "DTHFL": "DTHFL",
        "DTHDTC": "DTHDT",
    },
    "adrs": {
        "USUBJID": "USUBJID",
        "RSTESTCD": "PARAMCD",
        "RSSTRESC": "AVALC",
        "RSDTC": "ADT",
        "VISIT": "AVISIT",
        "VISITNUM": "AVISITN",
        "RSEVAL": None,
        "ANL01FL": "ANL01FL",
    },
    "adae": {
        "USUBJID": "USUBJID",
        "AETERM": "AETERM",
        "AEDECOD": "AEDECOD",
        "AEBODSYS": "AEBODSYS",
        "AETOXGR": "AETOXGR",
        "AESER": "AESER",
        "AEREL": "AEREL",
        "AEACN": "AEACN",
        "AESTDTC": "ASTDT",
        "AEENDTC": "AENDT",
        "TRTEMFL": "TRTEMFL",
    },
    "adtte": {"USUBJID": "USUBJID", "PARAMCD": "PARAMCD", "AVAL": "AVAL", "CNSR": "CNSR", "AVALU": "AVALU"},
}
#: ADTTE AVALU -> days per unit; without AVALU, AVAL is read as days (with a warning).
AVALU_DAYS = {
    "DAYS": 1.0,
    "DAY": 1.0,
    "WEEKS": 7.0,
    "WEEK": 7.0,
    "MONTHS": 30.4375,
    "MONTH": 30.4375,
    "YEARS": 365.25,
    "YEAR": 365.25,
}
#: Which SDTM domain each ADaM dataset stands in for.
ADAM_TO_SDTM = {"adsl": "dm", "adrs": "rs", "adae": "ae"}
#: ``PARAMCD`` of the ADRS time-point response and of each ADTTE endpoint.
DEFAULT_ADAM_PARAMS = {"overall_response": "OVR", "bor": "BOR", "cbor": "CBOR", "pfs": "PFS", "os": "OS"}
#: Codes tried, in order, when the time-point response code is left at its default (admiral: OVR; SDTM: OVRLRESP).
DEFAULT_RESPONSE_CODES = ("OVR", "OVRLRESP")
_REQUIRED = {
    "adsl": ("USUBJID", "RFSTDTC"),
    "adrs": ("USUBJID", "RSSTRESC", "RSDTC"),
    "adae": ("USUBJID", "AETOXGR", "AESTDTC"),
    "adtte": ("USUBJID", "PARAMCD", "AVAL", "CNSR"),
}


def merge_column_map(
    overrides: Mapping[str, Mapping[str, str | None]] | None,
) -> dict[str, dict[str, str | None]]:
    """Defaults with user overrides applied (dataset and variable names are case-insensitive).

    Examples
    --------
    >>> merge_column_map({"ADSL": {"rfstdtc": "TRT01SDT"}})["adsl"]["RFSTDTC"]
    'TRT01SDT'
    """
    merged = copy.deepcopy(DEFAULT_ADAM_MAP)
    for dataset, mapping in (overrides or {}).items():
        key = dataset.lower()
        if key not in merged:
            raise InputError(
                None,
                f"unknown ADaM dataset {dataset!r} in the column map",
                hint=f"use one of {', '.join(merged)}",
            )
        for ours, theirs in mapping.items():
            merged[key][ours.upper()] = None if theirs is None else str(theirs).upper()
    return merged


def apply_column_map(frame: pd.DataFrame, dataset: str, mapping: Mapping[str, str | None], source: str) -> pd.DataFrame:
    """Rename an ADaM frame's columns to our variable names, keeping only the mapped ones.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["S1"], "TRTSDT": ["2024-01-01"]})
    >>> apply_column_map(adsl, "adsl", DEFAULT_ADAM_MAP["adsl"], "adsl.csv").columns.tolist()
    ['USUBJID', 'RFSTDTC']
    """
    frame = frame.rename(columns=lambda c: str(c).strip().upper())
    out = {}
    for ours, theirs in mapping.items():
        if theirs is not None and theirs in frame.columns:
            out[ours] = frame[theirs]
        elif ours in _REQUIRED[dataset]:
            raise InputError(
                source,
                f"no column {theirs} for {ours}",
                where="header",
                hint=f"map it: column_map={{'{dataset}': {{'{ours}': '<your column>'}}}}",
            )
    return pd.DataFrame(out, index=frame.index)


@dataclass
class AdamStudy:
    """ADaM inputs mapped to our frames.

    Attributes
    ----------
    dm, rs, ae
        Normalised SDTM-shaped frames (from ADSL, ADRS, ADAE; ``ae``/``rs`` empty when absent).
    tte
        ``usubjid, endpoint (pfs/os), days, months, event`` from ADTTE (empty when absent).
    files
        Dataset -> file read.
    """

    dm: pd.DataFrame
    rs: pd.DataFrame
    ae: pd.DataFrame
    tte: pd.DataFrame
    studyid: str = ""
    files: dict[str, Path] = field(default_factory=dict)
    sponsor_bor: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["usubjid", "paramcd", "bor"]))


def read_adam(
    folder: str | Path,
    column_map: Mapping[str, Mapping[str, str | None]] | None = None,
    *,
    params: Mapping[str, str] | None = None,
) -> AdamStudy:
    """Read ADSL (required), ADRS, ADAE and ADTTE (optional) from a folder through a column map.

    Parameters
    ----------
    folder
        Folder with ``adsl.csv``/``adsl.xpt`` etc. (or a study folder with an ``adam/`` sub-folder).
    column_map
        Overrides of :data:`DEFAULT_ADAM_MAP`.
    params
        ``PARAMCD`` values: ``overall_response`` (ADRS time-point response, default ``OVR`` then ``OVRLRESP``),
        ``bor`` / ``cbor`` (the sponsor's unconfirmed / confirmed BOR, default ``BOR`` / ``CBOR``),
        ``pfs`` and ``os`` (ADTTE; default ``PFS``, ``OS``). Overrides merge over
        :data:`DEFAULT_ADAM_PARAMS`.

    Examples
    --------
    >>> adam = read_adam("study/adam", {"adsl": {"RFSTDTC": "TRT01SDT"}})  # doctest: +SKIP
    >>> adam.tte.groupby("endpoint").event.sum()  # doctest: +SKIP
    """
    folder = Path(folder)
    if (folder / "adam").is_dir():
        folder = folder / "adam"
    mapping = merge_column_map(column_map)
    response_default = not params or "overall_response" not in params
    params = {**DEFAULT_ADAM_PARAMS, **(params or {})}
    files: dict[str, Path] = {}
    frames: dict[str, pd.DataFrame] = {}
    for dataset in ("adsl", "adrs", "adae", "adtte"):
        path = find_domain_file(folder, dataset)
        if path is None:
            if dataset == "adsl":
                raise InputError(folder / "adsl.csv", "file not found", hint="ADaM input needs at least ADSL")
            continue
        files[dataset] = path
        raw, first_line = read_table(path)
        mapped = apply_column_map(raw, dataset, mapping[dataset], str(path))
        if dataset == "adtte":
            frames[dataset] = mapped.assign(_LINE=range(first_line, first_line + len(mapped)))
            continue
        if dataset == "adrs":
            sponsor_bor = _sponsor_bor(mapped, params)
            codes = DEFAULT_RESPONSE_CODES if response_default else (params["overall_response"],)
            mapped = _response_rows(mapped, codes, str(path))
            mapped = _flagged(mapped, "ANL01FL", str(path))
        if dataset == "adae":
            mapped = _flagged(mapped, "TRTEMFL", str(path))
        frames[ADAM_TO_SDTM[dataset]] = normalise(mapped, ADAM_TO_SDTM[dataset], str(path), first_line=first_line)
    dm = frames["dm"]
    empty = {
        name: normalise(pd.DataFrame(columns=["USUBJID", *cols]), name, f"{name} (absent)")
        for name, cols in (("rs", ["RSSTRESC", "RSDTC"]), ("ae", ["AETOXGR", "AESTDTC"]))
    }
    tte_params = {k: v for k, v in params.items() if k not in ("overall_response", "bor", "cbor")}
    tte = _tte(frames.get("adtte"), tte_params, str(files.get("adtte", "adtte")))
    studyid = str(dm["STUDYID"].dropna().iloc[0]) if "STUDYID" in dm and dm["STUDYID"].notna().any() else ""
    return AdamStudy(
        dm=dm,
        rs=frames.get("rs", empty["rs"]),
        ae=frames.get("ae", empty["ae"]),
        tte=tte,
        studyid=studyid,
        files=files,
        **({"sponsor_bor": sponsor_bor} if "adrs" in files else {}),
    )


def _flagged(frame: pd.DataFrame, flag: str, source: str) -> pd.DataFrame:
    """Keep the records flagged ``Y`` (ADaM ANL01FL / TRTEMFL) when the flag is present and used."""
    if flag not in frame:
        return frame
    yes = frame[flag].astype("string").str.strip().str.upper().eq("Y").fillna(False)
    if not yes.any():
        return frame.drop(columns=flag)
    log.info("%s: %d of %d records kept by %s = Y", source, int(yes.sum()), len(frame), flag)
    return frame[yes].drop(columns=flag)


def _sponsor_bor(adrs: pd.DataFrame, params: Mapping[str, str]) -> pd.DataFrame:
    """The sponsor's own BOR rows (admiral ``BOR``/``CBOR``): ``usubjid, paramcd (bor/cbor), bor``."""
    if "RSTESTCD" not in adrs:
        return pd.DataFrame(columns=["usubjid", "paramcd", "bor"])
    codes = adrs["RSTESTCD"].astype("string").str.strip().str.upper()
    by_code = {str(params[k]).upper(): k for k in ("bor", "cbor")}
    rows = adrs[codes.isin(list(by_code)).fillna(False)]
    return pd.DataFrame(
        {
            "usubjid": rows["USUBJID"].astype(str),
            "paramcd": codes[rows.index].map(by_code),
            "bor": rows["RSSTRESC"].astype("string").str.strip().str.upper().astype(object),
        }
    ).reset_index(drop=True)


def _response_rows(adrs: pd.DataFrame, paramcds: tuple[str, ...], source: str) -> pd.DataFrame:
    if "RSTESTCD" not in adrs:
        return adrs.assign(RSTESTCD="OVRLRESP")
    codes = adrs["RSTESTCD"].astype("string").str.strip().str.upper()
    for paramcd in paramcds:
        keep = adrs[codes == paramcd.upper()]
        if len(keep):
            return keep.assign(RSTESTCD="OVRLRESP")
    if len(adrs):
        found = ", ".join(sorted(codes.dropna().unique()))
        raise InputError(
            source,
            f"no time-point responses (PARAMCD {' or '.join(paramcds)})",
            where="PARAMCD",
            hint=f"found {found}; set params={{'overall_response': '<code>'}}",
        )
    return adrs.assign(RSTESTCD="OVRLRESP")


def _tte(adtte: pd.DataFrame | None, params: Mapping[str, str], source: str) -> pd.DataFrame:
    columns = ["usubjid", "endpoint", "days", "months", "event"]
    if adtte is None or adtte.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    by_code = {code.upper(): name for name, code in params.items()}
    if "AVALU" not in adtte or adtte["AVALU"].isna().all():
        log.warning("%s: no AVALU: AVAL read as days", source)
    for _, row in adtte.iterrows():
        code = str(row["PARAMCD"]).strip().upper()
        if code not in by_code:
            continue
        try:
            aval, cnsr = float(row["AVAL"]), int(float(row["CNSR"]))
        except (TypeError, ValueError) as exc:
            raise InputError(
                source,
                f"AVAL/CNSR not numeric ({row['AVAL']!r}, {row['CNSR']!r})",
                where=f"line {row['_LINE']}, subject {row['USUBJID']}",
            ) from exc
        if aval < 0:
            raise InputError(source, f"negative AVAL {aval:g}", where=f"line {row['_LINE']}, subject {row['USUBJID']}")
        unit = row.get("AVALU")
        unit = "DAYS" if unit is None or pd.isna(unit) else str(unit).strip().upper()
        if unit not in AVALU_DAYS:
            raise InputError(
                source,
                f"unknown AVALU {row['AVALU']!r}",
                where=f"line {row['_LINE']}, subject {row['USUBJID']}",
                hint="AVALU is DAYS, WEEKS, MONTHS or YEARS",
            )
        aval *= AVALU_DAYS[unit]
        rows.append(
            {
                "usubjid": row["USUBJID"],
                "endpoint": by_code[code],
                "days": aval,
                "months": days_to_months(aval),
                "event": 0 if cnsr else 1,
            }
        )
    return pd.DataFrame(rows, columns=columns)
