"""Efficacy endpoints: ORR, DCR, time to response, duration of response, PFS and OS.

All times run from the first dose, which is day 1: ``days = date - first_dose + 1`` (so a subject
censored on the day of first dose has 1 day), and ``months = days / 30.4375``.

PFS censoring follows the FDA guidance *Clinical Trial Endpoints for the Approval of Cancer Drugs
and Biologics* (2018), table of PFS date conventions:

===========================================================  ==========================================
situation                                                    PFS date, outcome
===========================================================  ==========================================
no baseline tumour assessment                                first dose (day 1), censored
progression (first PD time point) or death                   earliest of the two, event
new anticancer therapy before progression or death           last adequate assessment before it, censored
progression or death after two or more missed assessments    last adequate assessment before, censored
no progression, no death                                     last adequate assessment, censored
===========================================================  ==========================================

An *adequate* assessment is a post-baseline time point whose overall response is not ``NE``;
when there is none the date is the first dose. Two or more assessments are *missed* when the
event comes more than ``2 * interval_days + window_days`` after the last adequate assessment
(or the first dose). Records after the data cut-off are ignored; a death after it is censored.

OS: see :mod:`biomarker.clinical.overall_survival` (re-exported here).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from biomarker.clinical.cleaning import present_max
from biomarker.clinical.overall_survival import (
    FOLLOW_UP_ENDED,
    OS_COLUMNS,
    death_dates,
    derive_os,
    follow_up_ended,
    last_known_alive,
)
from biomarker.clinical.recist import CR, NE, NON_CR_NON_PD, PD, PR, SD
from biomarker.clinical.sdtm import first_dose_dates
from biomarker.clinical.survival import days_to_months
from biomarker.errors import ConfigError
from biomarker.intervals import binomial_exact_ci

RESPONDERS = (CR, PR)
DISEASE_CONTROL = (CR, PR, SD, NON_CR_NON_PD)
#: DS terms after which a subject's survival is no longer followed.
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PfsRules:
    """PFS censoring parameters.

    Attributes
    ----------
    interval_days
        Protocol tumour-assessment interval (every 6 weeks: 42).
    window_days
        Visit window added to two intervals before an event counts as after two missed assessments.

    Examples
    --------
    >>> PfsRules().interval_days
    42
    """

    interval_days: int = 42
    window_days: int = 7

    def __post_init__(self) -> None:
        if self.interval_days <= 0 or self.window_days < 0:
            raise ConfigError(f"PfsRules needs interval_days > 0 and window_days >= 0, not {self}")

    def as_dict(self) -> dict:
        """The rules as a plain dict (for provenance)."""
        return asdict(self)


def clopper_pearson(successes: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Clopper-Pearson) confidence interval of a proportion (:func:`biomarker.intervals.binomial_exact_ci`).

    Examples
    --------
    >>> lo, hi = clopper_pearson(14, 50)
    >>> round(lo, 4), round(hi, 4)
    (0.1623, 0.4249)
    """
    return binomial_exact_ci(successes, n, 1.0 - alpha)


def response_rates(bor: pd.DataFrame, *, bor_col: str = "bor", alpha: float = 0.05) -> pd.DataFrame:
    """ORR (CR + PR), DCR (CR + PR + SD + NON-CR/NON-PD) and, when ``bor`` has ``clinical_benefit``, CBR
    (see :func:`clinical_benefit`), with exact Clopper-Pearson CIs.

    The denominator is every subject in ``bor`` (all treated subjects).

    Returns
    -------
    DataFrame
        ``endpoint, n_subjects, n_responders, proportion, ci_lower, ci_upper``.

    Examples
    --------
    >>> bor = pd.DataFrame({"bor": ["PR"] * 14 + ["SD"] * 20 + ["PD"] * 16})
    >>> response_rates(bor).round(4).values.tolist()[0]
    ['orr', 50, 14, 0.28, 0.1623, 0.4249]
    """
    n = len(bor)
    rows = []
    rates = [("orr", bor[bor_col].isin(RESPONDERS)), ("dcr", bor[bor_col].isin(DISEASE_CONTROL))]
    if "clinical_benefit" in bor and bor_col == "bor":
        rates.append(("cbr", bor["clinical_benefit"].fillna(False).astype(bool)))
    for name, hit in rates:
        k = int(hit.sum())
        lo, hi = clopper_pearson(k, n, alpha)
        rows.append(
            {
                "endpoint": name,
                "n_subjects": n,
                "n_responders": k,
                "proportion": k / n if n else np.nan,
                "ci_lower": lo,
                "ci_upper": hi,
            }
        )
    return pd.DataFrame(rows)


#: CM records that are anticancer therapy: by category (CMCAT/CMSCAT) or class (CMCLAS, ATC level 1 text/code).
ANTICANCER_CM_CATEGORIES = ("ANTICANCER", "ANTI-CANCER", "ANTINEOPLASTIC", "SUBSEQUENT THERAPY", "NEW THERAPY")
ANTICANCER_CM_CLASSES = ("ANTINEOPLASTIC", "L01")


def clinical_benefit(bor: pd.DataFrame, timepoints: pd.DataFrame, min_days: int = 168) -> pd.Series:
    """Clinical benefit per subject of ``bor``: confirmed CR or PR, or SD (NON-CR/NON-PD) with a time point of
    SD or better at least ``min_days`` (24 weeks) after the first dose and before any progression.

    Examples
    --------
    >>> bor = pd.DataFrame({"usubjid": ["A", "B"], "bor": ["SD", "SD"]})
    >>> tp = pd.DataFrame({"usubjid": ["A", "B"], "is_baseline": [False] * 2, "days_from_first_dose": [170, 120],
    ...                    "overall_response": ["SD", "SD"]})
    >>> clinical_benefit(bor, tp).tolist()
    [True, False]
    """
    post = timepoints[~timepoints["is_baseline"].astype(bool)].sort_values(["usubjid", "days_from_first_dose"])
    durable = set()
    for subject, g in post.groupby("usubjid"):
        for day, resp in zip(g["days_from_first_dose"], g["overall_response"], strict=True):
            if resp == PD:
                break
            if resp in DISEASE_CONTROL and day >= min_days:
                durable.add(subject)
                break
    stable = bor["bor"].isin((SD, NON_CR_NON_PD)) & bor["usubjid"].isin(durable)
    return (bor["bor"].isin(RESPONDERS) | stable).reset_index(drop=True)


def new_therapy_dates(
    ds: pd.DataFrame,
    cm: pd.DataFrame | None = None,
    dm: pd.DataFrame | None = None,
    *,
    study_drugs: tuple[str, ...] = ("TORIPALIMAB", "AXITINIB"),
    categories: tuple[str, ...] = ANTICANCER_CM_CATEGORIES,
    classes: tuple[str, ...] = ANTICANCER_CM_CLASSES,
) -> pd.Series:
    """``USUBJID`` -> earliest start of new anticancer therapy after the first dose.

    Sources: DS ``NEW ANTICANCER THERAPY`` and CM records whose category (``CMCAT``/``CMSCAT``) or class
    (``CMCLAS``) names anticancer therapy, that are not a study drug and start after the first dose
    (``dm`` needed for CM).

    Examples
    --------
    >>> new_therapy_dates(study.ds, study.cm, study.dm)  # doctest: +SKIP
    """
    parts = []
    if ds is not None and not ds.empty:
        hits = ds[ds["DSDECOD"].astype("string").str.upper().str.contains("ANTICANCER", na=False)]
        parts.append(hits[["USUBJID", "DSSTDTC_DT"]].rename(columns={"DSSTDTC_DT": "date"}))
    if cm is not None and not cm.empty and dm is not None:

        def has(col: str, words: tuple[str, ...]) -> pd.Series:
            if col not in cm:
                return pd.Series(False, index=cm.index)
            text = cm[col].astype("string").str.upper()
            return text.apply(lambda v: bool(v) and any(w in v for w in words) if isinstance(v, str) else False)

        anticancer = has("CMCAT", categories) | has("CMSCAT", categories) | has("CMCLAS", classes)
        names = cm["CMDECOD"].fillna(cm["CMTRT"]).astype("string").str.upper()
        study = names.apply(lambda v: isinstance(v, str) and any(d.upper() in v for d in study_drugs))
        first = cm["USUBJID"].map(first_dose_dates(dm))
        after = cm["CMSTDTC_DT"].notna() & first.notna() & (cm["CMSTDTC_DT"] > first)
        hits = cm[anticancer & ~study & after]
        parts.append(hits[["USUBJID", "CMSTDTC_DT"]].rename(columns={"CMSTDTC_DT": "date"}))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.Series(dtype="datetime64[ns]")
    return pd.concat(parts).groupby("USUBJID")["date"].min().dropna()


def _assessments(timepoints: pd.DataFrame, response_col: str) -> dict[str, list[tuple]]:
    """Subject -> ``(assessment_date, response)`` of its post-baseline time points in date order (a stable sort,
    as per subject), as plain tuples: per-subject pandas selections and sorts cost ~20x the rules."""
    post = timepoints[~timepoints["is_baseline"].astype(bool)].sort_values("assessment_date", kind="stable")
    groups: dict[str, list[tuple]] = {}
    for subject, date, response in zip(
        post["usubjid"].tolist(), post["assessment_date"].tolist(), post[response_col].tolist(), strict=True
    ):
        groups.setdefault(subject, []).append((date, response))
    return groups


def _day(date: pd.Timestamp, dose: pd.Timestamp) -> int:
    return max(int((date - dose).days) + 1, 1)


PFS_COLUMNS = (
    "usubjid",
    "pfs_date",
    "pfs_days",
    "pfs_months",
    "pfs_event",
    "pfs_event_type",
    "pfs_censor_reason",
)


def derive_pfs(
    timepoints: pd.DataFrame,
    dm: pd.DataFrame,
    ds: pd.DataFrame | None = None,
    *,
    data_cutoff: pd.Timestamp | None = None,
    rules: PfsRules | None = None,
    response_col: str = "overall_response",
    new_therapy: pd.Series | None = None,
) -> pd.DataFrame:
    """Progression-free survival per treated subject with FDA censoring (see the module docstring).

    Parameters
    ----------
    timepoints
        Time-point responses with ``usubjid, assessment_date, is_baseline`` and ``response_col``.
    dm
        Normalised DM (first dose, death).
    ds
        Normalised DS (new anticancer therapy); optional.
    new_therapy
        ``USUBJID`` -> start of new anticancer therapy (see :func:`new_therapy_dates`); replaces DS's.
    data_cutoff
        Data cut-off date.
    rules
        :class:`PfsRules`.

    Returns
    -------
    DataFrame
        ``PFS_COLUMNS``: ``pfs_event`` is 1 for PD or death; ``pfs_event_type`` ``PD``/``DEATH``;
        ``pfs_censor_reason`` says why a subject is censored.

    Examples
    --------
    >>> pfs = derive_pfs(tp, study.dm, study.ds, data_cutoff=study.data_cutoff)  # doctest: +SKIP
    """
    rules = rules or PfsRules()
    first_dose = first_dose_dates(dm)
    deaths = death_dates(dm)
    if new_therapy is not None:
        nact = new_therapy
    else:
        nact = new_therapy_dates(ds) if ds is not None else pd.Series(dtype="datetime64[ns]")
    groups = _assessments(timepoints, response_col)
    has_baseline = set(timepoints.loc[timepoints["is_baseline"].astype(bool), "usubjid"])
    nact, deaths = nact.to_dict(), deaths.to_dict()
    max_gap = 2 * rules.interval_days + rules.window_days
    rows = []
    for subject, dose in first_dose.items():
        post = groups.get(subject, [])  # (date, response) after baseline, by date
        if data_cutoff is not None:
            post = [a for a in post if a[0] <= data_cutoff]
        therapy = nact.get(subject, pd.NaT)
        if not pd.isna(therapy):
            post = [a for a in post if a[0] <= therapy]
        death = deaths.get(subject, pd.NaT)
        if not pd.isna(death) and data_cutoff is not None and death > data_cutoff:
            death = pd.NaT
        if not pd.isna(death) and not pd.isna(therapy) and death > therapy:
            death = pd.NaT
        # adequate assessments that are not PD (the last of them before an event is the censoring date)
        not_pd = [a[0] for a in post if not pd.isna(a[1]) and a[1] != NE and a[1] != PD]
        pd_date = next((a[0] for a in post if a[1] == PD), pd.NaT)

        def last_before(before: pd.Timestamp | None, default: pd.Timestamp, *, _not_pd=not_pd) -> pd.Timestamp:
            ok = _not_pd if before is None else [d for d in _not_pd if d < before]
            return present_max(ok, pd.NaT) if ok else default

        if subject not in has_baseline:
            date, event, etype, reason = dose, 0, None, "no baseline tumour assessment"
        else:
            candidates = [(d, t) for d, t in ((pd_date, PD), (death, "DEATH")) if not pd.isna(d)]
            if candidates:
                ev_date, ev_type = min(candidates, key=lambda c: c[0])
                last = last_before(ev_date, dose)
                if (ev_date - max(last, dose)).days > max_gap:
                    date, event, etype, reason = last, 0, None, "event after two or more missed assessments"
                else:
                    date, event, etype, reason = ev_date, 1, ev_type, None
            elif not pd.isna(therapy):
                date, event, etype, reason = last_before(None, dose), 0, None, "new anticancer therapy"
            else:
                date, event, etype, reason = last_before(None, dose), 0, None, "no progression or death"
        days = _day(date, dose)
        rows.append(
            {
                "usubjid": subject,
                "pfs_date": date,
                "pfs_days": days,
                "pfs_months": days_to_months(days),
                "pfs_event": event,
                "pfs_event_type": etype,
                "pfs_censor_reason": reason,
            }
        )
    return pd.DataFrame.from_records(rows, columns=list(PFS_COLUMNS))


DOR_COLUMNS = ("usubjid", "response_date", "dor_days", "dor_months", "dor_event")


def derive_dor(bor: pd.DataFrame, pfs: pd.DataFrame) -> pd.DataFrame:
    """Duration of response of confirmed responders: first response to PD or death (PFS rules).

    Examples
    --------
    >>> bor = pd.DataFrame({"usubjid": ["A"], "bor": ["PR"], "first_response_date": [pd.Timestamp("2024-02-12")]})
    >>> pfs = pd.DataFrame({"usubjid": ["A"], "pfs_date": [pd.Timestamp("2024-06-03")], "pfs_event": [1]})
    >>> derive_dor(bor, pfs)[["dor_days", "dor_event"]].values.tolist()
    [[113, 1]]
    """
    resp = bor[bor["bor"].isin(RESPONDERS)].merge(pfs[["usubjid", "pfs_date", "pfs_event"]], on="usubjid")
    days = ((resp["pfs_date"] - resp["first_response_date"]).dt.days + 1).clip(lower=1)
    return pd.DataFrame(
        {
            "usubjid": resp["usubjid"],
            "response_date": resp["first_response_date"],
            "dor_days": days.astype(int),
            "dor_months": days_to_months(days.astype(float)),
            "dor_event": resp["pfs_event"].astype(int),
        }
    ).reset_index(drop=True)


def time_to_response(bor: pd.DataFrame) -> pd.DataFrame:
    """Time to first (confirmed) response of responders, days and months from first dose (day 1).

    Examples
    --------
    >>> bor = pd.DataFrame({"usubjid": ["A", "B"], "bor": ["PR", "SD"], "first_response_day": [43, None]})
    >>> time_to_response(bor)[["usubjid", "ttr_days"]].values.tolist()
    [['A', 43]]
    """
    resp = bor[bor["bor"].isin(RESPONDERS)]
    days = resp["first_response_day"].astype(int)
    return pd.DataFrame(
        {"usubjid": resp["usubjid"], "ttr_days": days, "ttr_months": days_to_months(days.astype(float))}
    ).reset_index(drop=True)


__all__ = [
    "DISEASE_CONTROL",
    "FOLLOW_UP_ENDED",
    "OS_COLUMNS",
    "PFS_COLUMNS",
    "RESPONDERS",
    "PfsRules",
    "clinical_benefit",
    "clopper_pearson",
    "death_dates",
    "derive_dor",
    "derive_os",
    "derive_pfs",
    "follow_up_ended",
    "last_known_alive",
    "new_therapy_dates",
    "response_rates",
    "time_to_response",
]
