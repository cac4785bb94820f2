"""Stages 3 and 4 of :func:`~biomarker.clinical.lesions.lesion_records`: each lesion's baseline, then the checks.

:func:`choose_baseline` marks the last assessment of each lesion on or before the first dose (within the baseline
window) as its baseline; :func:`drop_duplicates` drops exact repeats and refuses two different values at one
visit; :func:`check_lesions` refuses a lesion followed up but absent at baseline and a target not measured there.
"""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd

from biomarker.clinical.sdtm import where
from biomarker.errors import InputError

log = logging.getLogger(__name__)


BASELINE_VISIT = re.compile(r"SCREEN|BASELINE|PRE-?TREAT|PRE-?DOSE", re.IGNORECASE)


def choose_baseline(recs: pd.DataFrame, src: str, first_dose: pd.Series, window_days: int) -> pd.DataFrame:
    """Mark the baseline record of each lesion; drop older pre-dose records; check visit labels against dates."""
    if recs.empty:
        return recs
    # the labels checked on plain values; a Series is built only for the record an error names
    for i, (visit, day) in enumerate(zip(recs["VISIT"].tolist(), recs["DAY"].tolist(), strict=True)):
        if day == 0 or visit is None or pd.isna(visit):
            continue
        labelled_baseline = BASELINE_VISIT.search(str(visit)) is not None
        if day < 0 and not labelled_baseline:
            row = recs.iloc[i]
            raise InputError(
                src,
                f"visit {visit} is dated before first dose ({first_dose[row['USUBJID']]:%Y-%m-%d})",
                where=where(row, lesion_col="LESION"),
                hint="check TRDTC and RFSTDTC",
            )
        if day > 0 and labelled_baseline:
            raise InputError(
                src,
                f"baseline visit {visit} is dated after first dose",
                where=where(recs.iloc[i], lesion_col="LESION"),
                hint="check TRDTC and RFSTDTC",
            )
    # the windows, subjects and each lesion's last pre-dose date on plain lists (a pandas selection costs ~20x)
    subjects, days, dates = recs["USUBJID"].tolist(), recs["DAY"].tolist(), recs["DATE"].tolist()
    too_old = [day <= 0 and day < -window_days for day in days]
    in_window = {s for s, day, old in zip(subjects, days, too_old, strict=True) if day <= 0 and not old}
    old_only = {s for s, old in zip(subjects, too_old, strict=True) if old} - in_window
    for subject in sorted(old_only):
        oldest = int(-max(day for s, day, old in zip(subjects, days, too_old, strict=True) if old and s == subject))
        log.warning(
            "subject %s: the last baseline scan is %d days before first dose, outside the %d-day baseline window: "
            "not evaluable for response (set baseline_window_days to change the window)",
            subject,
            oldest,
            window_days,
        )
    keep_subjects = (in_window | {s for s, day in zip(subjects, days, strict=True) if day > 0}) - old_only
    kept = [i for i, (s, old) in enumerate(zip(subjects, too_old, strict=True)) if s in keep_subjects and not old]
    # the last pre-dose assessment of each lesion and test is its baseline
    keys = list(zip(subjects, recs["LESION"].tolist(), recs["TEST"].tolist(), strict=True))
    latest: dict[tuple, pd.Timestamp] = {}
    for i in kept:
        if days[i] <= 0 and not any(pd.isna(k) for k in keys[i]):
            latest[keys[i]] = max(latest[keys[i]], dates[i]) if keys[i] in latest else dates[i]
    older = [days[i] <= 0 and keys[i] in latest and dates[i] < latest[keys[i]] for i in kept]
    # two boolean selections, as pandas keeps a RangeIndex through them
    first = np.zeros(len(recs), dtype=bool)
    first[kept] = True
    recs = recs[first].copy()
    recs = recs[~np.array(older, dtype=bool)].copy()
    recs["BASELINE"] = recs["DAY"] <= 0
    recs.loc[recs["BASELINE"], "VISITKEY"] = "BASELINE"
    recs.loc[recs["BASELINE"] & recs["VISIT"].isna(), "VISIT"] = "BASELINE"
    new_at_base = recs[recs["BASELINE"] & recs["CLASS"].eq("NEW")]
    if len(new_at_base):
        raise InputError(src, "new lesion recorded at baseline", where=where(new_at_base.iloc[0], lesion_col="LESION"))
    return recs


def drop_duplicates(recs: pd.DataFrame, src: str) -> pd.DataFrame:
    """Drop exact repeats of a record (warning); two different values at one visit are an error."""
    keys = ["USUBJID", "LESION", "TEST", "VISITKEY"]
    exact = recs.duplicated([*keys, "VALUE_MM", "STATE"], keep="first")
    if exact.any():
        log.warning(
            "%s: %d records repeat another with the same value at the same visit (first at %s): one kept",
            src,
            int(exact.sum()),
            where(recs[exact].iloc[0], lesion_col="LESION"),
        )
        recs = recs[~exact]
    clash = recs.duplicated(keys, keep="first")
    if clash.any():
        row = recs[clash].iloc[0]
        raise InputError(
            src,
            f"{row['TEST']} recorded twice at one visit with different values",
            where=where(row, lesion_col="LESION"),
            hint="keep one measurement per lesion and visit",
        )
    return recs


def check_lesions(recs: pd.DataFrame, src: str) -> None:
    """Every followed-up target/non-target was seen at baseline; every baseline target was measured."""
    base = recs[recs["BASELINE"]]
    at_baseline = set(zip(base["USUBJID"], base["LESION"], strict=True))
    follow = recs[~recs["BASELINE"] & recs["CLASS"].isin(["TARGET", "NON-TARGET"])]
    missing = [(s, les) not in at_baseline for s, les in zip(follow["USUBJID"], follow["LESION"], strict=True)]
    if any(missing):
        row = follow[missing].iloc[0]
        raise InputError(
            src,
            f"{row['CLASS'].lower()} lesion assessed at {row['VISIT']} but absent at baseline",
            where=where(row, lesion_col="LESION", visit=False),
            hint="a lesion first seen after baseline is a NEW lesion",
        )
    targets = base[base["CLASS"] == "TARGET"]
    unmeasured = targets[targets["VALUE_MM"].isna()]
    if len(unmeasured):
        row = unmeasured.iloc[0]
        raise InputError(
            src, "target lesion not measured at baseline", where=where(row, lesion_col="LESION", visit=False)
        )
    counts = targets.groupby("USUBJID").size()
    for subject, n in counts[counts > 5].items():
        log.warning("subject %s has %d target lesions (RECIST 1.1 allows 5)", subject, n)
