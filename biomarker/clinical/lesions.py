"""Lesion records from TU/TR as sponsors deliver them: one row per lesion per assessment, validated.

Stages of :func:`lesion_records`:

1. :func:`lesion_table` -- TU: lesion class (TARGET / NON-TARGET / NEW), nodal or not, one row per lesion;
2. :func:`measurements` -- TR: the record that measures each lesion (non-nodal targets by ``LDIAM``, nodal
   targets by their short axis, ``SAXIS`` or ``LPERP``; states ``TUMSTATE`` for the others), units
   converted to mm (``TRSTRESU`` mm or cm; anything else is an error), visits keyed by ``VISITNUM`` and date
   (several ``UNSCHEDULED`` visits are normal);
3. :func:`choose_baseline` -- the baseline is the last assessment of each lesion on or before the first dose,
   at most ``baseline_window_days`` before it; a subject whose only pre-dose scans are older is not
   evaluable (warning), not an error;
4. :func:`check_lesions` -- a lesion followed up but absent at baseline, a target not measured at baseline.

Stages 3 and 4 live in :mod:`biomarker.clinical.lesion_checks` (imported here).

Exact duplicate records (the same value twice at one visit, as pilot data has) are dropped with a warning;
two different values for one lesion at one visit are an error.
"""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd

from biomarker.clinical.lesion_checks import BASELINE_VISIT as BASELINE_VISIT  # re-exported
from biomarker.clinical.lesion_checks import check_lesions, choose_baseline, drop_duplicates
from biomarker.clinical.sdtm import first_dose_dates, source_of, where
from biomarker.errors import InputError

log = logging.getLogger(__name__)

PRESENT, ABSENT, UNEQUIVOCAL = "PRESENT", "ABSENT", "UNEQUIVOCAL PROGRESSION"
STATES = {PRESENT, ABSENT, UNEQUIVOCAL}
NOT_ASSESSED = {"NOT EVALUABLE", "NE", "NOT ASSESSED", "NOT DONE", "ND", "UNK", "UNKNOWN"}
TOO_SMALL_MM = 5.0  # RECIST 1.1: a lesion too small to measure counts 5 mm
SHORT_AXIS_TESTS = ("SAXIS", "LPERP")
#: TRSTRESU -> factor to mm; a missing unit is read as mm (the study-format contract).
UNIT_TO_MM = {"MM": 1.0, "CM": 10.0}
_UNSCHEDULED = re.compile(r"UNSCHED", re.IGNORECASE)
#: The TR columns :func:`measurements` reads (those present).
_TR_COLUMNS = (
    "_LINE",
    "USUBJID",
    "TRLNKID",
    "TRTESTCD",
    "TRDTC_DT",
    "VISIT",
    "VISITNUM",
    "TRSTRESN",
    "TRSTRESU",
    "TRSTRESC",
    "TRORRES",
    "TRORRESU",
)

RECORD_COLUMNS = [
    "USUBJID",
    "LESION",
    "CLASS",
    "NODAL",
    "TEST",
    "VISIT",
    "VISITKEY",
    "VISITNUM",
    "DATE",
    "DAY",
    "BASELINE",
    "VALUE_MM",
    "STATE",
    "_LINE",
]


def lesion_table(tu: pd.DataFrame) -> pd.DataFrame:
    """TU validated: one row per ``(USUBJID, TULNKID)`` with ``CLASS`` and ``NODAL``.

    Examples
    --------
    >>> tu = pd.DataFrame({"USUBJID": ["S1"], "TULNKID": ["T01"], "TUORRES": ["target"], "TULOC": ["LYMPH NODE"]})
    >>> row = lesion_table(tu).iloc[0]; (row["CLASS"], bool(row["NODAL"]))
    ('TARGET', True)
    """
    src = source_of(tu, "tu")
    tu = tu[tu["USUBJID"].notna()]
    classes = tu["TUORRES"].astype("string").str.upper().str.strip()
    bad = tu[~classes.isin(["TARGET", "NON-TARGET", "NEW"])]
    if len(bad):
        row = bad.iloc[0]
        raise InputError(
            src,
            f"TUORRES must be TARGET, NON-TARGET or NEW, not {row['TUORRES']!r}",
            where=where(row, lesion_col="TULNKID"),
        )
    tu = tu.assign(CLASS=classes)
    dup = tu.duplicated(["USUBJID", "TULNKID"], keep="first")
    if dup.any():
        row = tu[dup].iloc[0]
        raise InputError(
            src,
            "lesion ID appears twice in TU",
            where=where(row, lesion_col="TULNKID"),
            hint="give every lesion of a subject its own TULNKID (several evaluators: see the evaluator setting)",
        )
    return tu.assign(NODAL=tu["TULOC"].astype("string").str.upper().str.startswith("LYMPH NODE").fillna(False))


def _state(row: dict) -> str | None:
    for col in ("TRSTRESC", "TRORRES"):
        value = row.get(col)
        if value is not None and not pd.isna(value):
            value = str(value).strip().upper()
            return None if value in NOT_ASSESSED else value
    return None


def _measure(row: dict, src: str) -> float:
    value = row.get("TRSTRESN")
    unit = row.get("TRSTRESU")
    if value is None or pd.isna(value):
        for col in ("TRSTRESC", "TRORRES"):
            text = row.get(col)
            if text is None or pd.isna(text):
                continue
            text = str(text).strip().upper()
            if text.startswith("TOO SMALL"):
                return TOO_SMALL_MM
            try:
                value = float(text)
            except ValueError:
                continue
            if col == "TRORRES":
                unit = row.get("TRORRESU", unit)
            break
        else:
            return float("nan")
    key = "MM" if unit is None or pd.isna(unit) else str(unit).strip().upper()
    if key not in UNIT_TO_MM:
        raise InputError(
            src,
            f"unknown unit {unit!r} for a lesion measurement",
            where=where(row, lesion_col="TRLNKID"),
            hint="TRSTRESU is mm or cm",
        )
    return round(float(value) * UNIT_TO_MM[key], 9)


def visit_key(visit, visitnum, date: pd.Timestamp) -> str:
    """Key of one assessment: ``VISITNUM`` (plus the date for an unscheduled visit), else the date.

    Examples
    --------
    >>> visit_key("UNSCHEDULED", 4.1, pd.Timestamp("2024-03-02"))
    '4.1|2024-03-02'
    >>> visit_key("WEEK 6", 3, pd.Timestamp("2024-02-12"))
    '3'
    """
    day = f"{date:%Y-%m-%d}"
    if visitnum is None or pd.isna(visitnum):
        return day
    num = f"{float(visitnum):g}"
    if visit is not None and not pd.isna(visit) and _UNSCHEDULED.search(str(visit)):
        return f"{num}|{day}"
    return num


def measurements(tr: pd.DataFrame, lesions: pd.DataFrame, first_dose: pd.Series, dm_src: str) -> pd.DataFrame:
    """TR records that measure or describe a lesion (``RECORD_COLUMNS``; ``BASELINE`` not yet decided)."""
    src = source_of(tr, "tr")
    tr = tr[tr["USUBJID"].notna()]
    info = {
        (u, lesion): (klass, bool(nodal))
        for u, lesion, klass, nodal in zip(
            lesions["USUBJID"], lesions["TULNKID"], lesions["CLASS"], lesions["NODAL"], strict=True
        )
    }
    # each record as a dict of the columns read here: iterrows builds a Series per row (~10x the work)
    names = [c for c in _TR_COLUMNS if c in tr.columns]
    rows = (dict(zip(names, values, strict=True)) for values in zip(*(tr[c].tolist() for c in names), strict=True))
    first_dose = first_dose.to_dict()
    records = []
    for row in rows:
        subject, lesion = row["USUBJID"], row["TRLNKID"]
        if (subject, lesion) not in info:
            raise InputError(
                src,
                "lesion not identified in TU",
                where=where(row, lesion_col="TRLNKID"),
                hint="every TRLNKID needs a TU record with the same TULNKID",
            )
        test = str(row["TRTESTCD"]).upper()
        if test not in ("LDIAM", "TUMSTATE", *SHORT_AXIS_TESTS):
            continue
        if subject not in first_dose:
            raise InputError(
                dm_src, "tumour assessments for a subject without first dose (RFSTDTC)", where=f"subject {subject}"
            )
        date = row["TRDTC_DT"]
        if pd.isna(date):
            raise InputError(src, "assessment without a date (TRDTC)", where=where(row, lesion_col="TRLNKID"))
        klass, nodal = info[(subject, lesion)]
        value, state = float("nan"), None
        if test == "TUMSTATE":
            state = _state(row)
            if klass == "TARGET" and (state is None or state == PRESENT):
                continue  # a state on a target adds nothing to its measurement
            if state is not None and state not in STATES:
                raise InputError(
                    src,
                    f"unknown lesion state {state!r}",
                    where=where(row, lesion_col="TRLNKID"),
                    hint="TUMSTATE is PRESENT, ABSENT or UNEQUIVOCAL PROGRESSION",
                )
        elif klass != "TARGET":
            continue  # measurements of non-target or new lesions are not used
        else:
            value = _measure(row, src)
            if value < 0:
                raise InputError(src, f"negative diameter {value:g} mm", where=where(row, lesion_col="TRLNKID"))
        records.append(
            (
                subject,
                lesion,
                klass,
                nodal,
                test,
                row.get("VISIT"),
                visit_key(row.get("VISIT"), row.get("VISITNUM"), date),
                row.get("VISITNUM"),
                date,
                int((date - first_dose[subject]).days),
                False,
                value,
                state,
                row.get("_LINE"),
            )
        )
    recs = pd.DataFrame.from_records(records, columns=RECORD_COLUMNS)
    return _keep_measuring_test(recs, src)


def _keep_measuring_test(recs: pd.DataFrame, src: str) -> pd.DataFrame:
    """Per target and visit keep the test RECIST measures it by; the other diameter is not used."""
    klass, test, nodal = recs["CLASS"].tolist(), recs["TEST"].tolist(), recs["NODAL"].tolist()
    keys = list(zip(recs["USUBJID"].tolist(), recs["LESION"].tolist(), recs["VISITKEY"].tolist(), strict=True))
    target = [c == "TARGET" and t != "TUMSTATE" for c, t in zip(klass, test, strict=True)]
    wanted = [t in SHORT_AXIS_TESTS if n else t == "LDIAM" for t, n in zip(test, nodal, strict=True)]
    has_wanted = {k for k, tg, w in zip(keys, target, wanted, strict=True) if tg and w}
    orphan = next(
        (i for i, (tg, w) in enumerate(zip(target, wanted, strict=True)) if tg and not w and keys[i] not in has_wanted),
        None,
    )
    if orphan is not None:
        row = recs.iloc[orphan]
        kind, expected = ("nodal", "SAXIS or LPERP") if row["NODAL"] else ("non-nodal", "LDIAM")
        raise InputError(
            src,
            f"{kind} target measured as {row['TEST']}",
            where=where(row, lesion_col="LESION"),
            hint=f"RECIST 1.1 measures {kind} targets by {expected}",
        )
    keep = np.array([not tg or w for tg, w in zip(target, wanted, strict=True)], dtype=bool)
    recs = recs[keep]
    renamed = ["SAXIS" if t in SHORT_AXIS_TESTS else t for t, k in zip(test, keep, strict=True) if k]
    return recs.assign(TEST=pd.Series(renamed, index=recs.index, dtype=object))


def new_from_tu(lesions: pd.DataFrame, first_dose: pd.Series) -> pd.DataFrame:
    """NEW lesions identified in TU (with ``TUDTC``) but without a TR state."""
    src = source_of(lesions, "tu")
    rows = []
    new = lesions[lesions["CLASS"] == "NEW"]
    for _, row in new.iterrows():
        subject, date = row["USUBJID"], row.get("TUDTC_DT")
        if subject not in first_dose.index or date is None or pd.isna(date):
            continue
        day = int((date - first_dose[subject]).days)
        if day <= 0:
            raise InputError(src, "new lesion identified at baseline", where=where(row, lesion_col="TULNKID"))
        rows.append(
            {
                "USUBJID": subject,
                "LESION": row["TULNKID"],
                "CLASS": "NEW",
                "NODAL": bool(row["NODAL"]),
                "TEST": "TUMSTATE",
                "VISIT": row.get("VISIT"),
                "VISITKEY": visit_key(row.get("VISIT"), row.get("VISITNUM"), date),
                "VISITNUM": row.get("VISITNUM", np.nan),
                "DATE": date,
                "DAY": day,
                "BASELINE": False,
                "VALUE_MM": np.nan,
                "STATE": PRESENT,
                "_LINE": row.get("_LINE"),
            }
        )
    return pd.DataFrame.from_records(rows, columns=RECORD_COLUMNS)


def _align_unnumbered(recs: pd.DataFrame) -> pd.DataFrame:
    """A record without ``VISITNUM`` joins the numbered visit of its subject on the same date, else the same label."""
    loose = recs["VISITNUM"].isna().to_numpy()
    if not loose.any() or loose.all():
        return recs
    subjects, dates, visits, keys = (recs[c].tolist() for c in ("USUBJID", "DATE", "VISIT", "VISITKEY"))
    by_date: dict[tuple, str] = {}  # the first numbered record of each subject and date, then of each label
    by_label: dict[tuple, str] = {}
    for i in np.flatnonzero(~loose):
        by_date.setdefault((subjects[i], dates[i]), keys[i])
        if not pd.isna(visits[i]):
            by_label.setdefault((subjects[i], visits[i]), keys[i])
    for i in np.flatnonzero(loose):
        if (subjects[i], dates[i]) in by_date:
            keys[i] = by_date[(subjects[i], dates[i])]
        elif visits[i] is not None and not pd.isna(visits[i]) and (subjects[i], visits[i]) in by_label:
            keys[i] = by_label[(subjects[i], visits[i])]
    return recs.assign(VISITKEY=pd.Series(keys, index=recs.index, dtype=object))


def lesion_records(
    tu: pd.DataFrame, tr: pd.DataFrame, dm: pd.DataFrame, *, baseline_window_days: int = 28
) -> pd.DataFrame:
    """Validate TU/TR of one evaluator and return one row per lesion per assessment (``RECORD_COLUMNS``).

    Raises :class:`InputError` naming the file, line, subject and lesion for: a lesion ID repeated in TU,
    a TR record of a lesion TU does not identify, a negative or missing baseline diameter, two different
    values for one lesion at one visit, a lesion followed up but absent at baseline, a new lesion at
    baseline, a follow-up visit dated before the first dose, an unknown unit, and a subject without a
    first dose. A scan older than ``baseline_window_days`` before the first dose is not a baseline (warning).

    Examples
    --------
    >>> recs = lesion_records(study.tu, study.tr, study.dm)  # doctest: +SKIP
    """
    first_dose = first_dose_dates(dm)
    tr_src = source_of(tr, "tr")
    lesions = lesion_table(tu)
    parts = [measurements(tr, lesions, first_dose, source_of(dm, "dm")), new_from_tu(lesions, first_dose)]
    parts = [frame for frame in parts if len(frame)]
    if not parts:
        return pd.DataFrame(columns=RECORD_COLUMNS)
    recs = _align_unnumbered(pd.concat(parts, ignore_index=True))
    recs = choose_baseline(recs, tr_src, first_dose, baseline_window_days)
    recs = drop_duplicates(recs, tr_src)
    check_lesions(recs, tr_src)
    return recs.reset_index(drop=True)
