"""iRECIST (Seymour et al., Lancet Oncol 2017) best overall response from RS time points, a secondary analysis.

Time-point responses are ``iCR``, ``iPR``, ``iSD``, ``NON-iCR/NON-iUPD``, ``iUPD`` (unconfirmed progression),
``iCPD`` (progression confirmed at the next assessment, 4-8 weeks later) and ``NE``. Rules:

- assessments end at ``iCPD`` (or at new anticancer therapy); ``iUPD`` does not end them: a later ``iSD``,
  ``iPR`` or ``iCR`` resets the bar, and a response after it needs its own confirmation;
- ``iCR`` / ``iPR`` are confirmed as in RECIST 1.1 (:class:`~biomarker.clinical.bor.BorRules`), an ``iUPD``
  between the two breaks the confirmation;
- otherwise ``iSD`` (``NON-iCR/NON-iUPD``) after the SD minimum; otherwise ``iCPD`` when confirmed, ``iUPD``
  when progression was never confirmed (e.g. the subject stopped), else ``NE``.
"""

from __future__ import annotations

import logging

import pandas as pd

from biomarker.clinical.bor import BorRules, bor_call
from biomarker.clinical.recist import CR, NE, NON_CR_NON_PD, PD, PR, SD

_TO_RECIST = {"ICR": CR, "IPR": PR, "ISD": SD, "NON-ICR/NON-IUPD": NON_CR_NON_PD, "ICPD": PD, "NE": NE}
_FROM_RECIST = {CR: "iCR", PR: "iPR", SD: "iSD", NON_CR_NON_PD: "NON-iCR/NON-iUPD", PD: "iCPD", NE: "NE"}
IUPD = "iUPD"
#: iRECIST: progression is confirmed at the next assessment 4-8 weeks after iUPD.
CONFIRM_PD_DAYS = (28, 56)
log = logging.getLogger(__name__)
IRECIST_RESPONSES = ("iCR", "iPR", "iSD", "NON-iCR/NON-iUPD", IUPD, "iCPD", "NE")


def irecist_bor(responses: list[str], days: list[float], rules: BorRules | None = None) -> str:
    """Best overall response by iRECIST of one subject (responses in any case, e.g. ``iPR`` or ``IPR``).

    Examples
    --------
    >>> irecist_bor(["iUPD", "iSD", "iPR", "iPR"], [42, 84, 126, 168])
    'iPR'
    >>> irecist_bor(["iUPD", "iCPD"], [42, 84])
    'iCPD'
    >>> irecist_bor(["iSD", "iUPD"], [21, 42])
    'iUPD'
    >>> irecist_bor(["iPR", "iUPD", "iPR"], [42, 84, 126])
    'iSD'
    """
    rules = rules or BorRules()
    upper = [str(r).strip().upper() for r in responses]
    unknown = sorted({r for r in upper if r not in _TO_RECIST and r != IUPD.upper()})
    if unknown:
        raise ValueError(f"not iRECIST responses: {', '.join(unknown)}")
    mapped = [_TO_RECIST.get(r, IUPD) for r in upper]
    call = bor_call(mapped, days, rules)
    if call.bor in (CR, PR, SD, NON_CR_NON_PD, PD):
        return _FROM_RECIST[call.bor]
    return IUPD if IUPD in mapped else NE


def irecist_timepoints(rs: pd.DataFrame, first_dose: pd.Series) -> pd.DataFrame:
    """iRECIST overall responses (``RSCAT = iRECIST``, ``RSTESTCD = OVRLRESP``) of treated subjects."""
    cat = rs["RSCAT"].astype("string").str.upper().str.strip() if "RSCAT" in rs else pd.Series(dtype="string")
    test = rs["RSTESTCD"].astype("string").str.upper()
    sub = rs[cat.eq("IRECIST").fillna(False) & test.eq("OVRLRESP").fillna(False)]
    sub = sub[sub["USUBJID"].isin(first_dose.index) & sub["RSDTC_DT"].notna()]
    days = (sub["RSDTC_DT"] - sub["USUBJID"].map(first_dose)).dt.days
    return (
        pd.DataFrame(
            {
                "usubjid": sub["USUBJID"].to_numpy(),
                "visit": sub["VISIT"].to_numpy(),
                "visitnum": sub["VISITNUM"].to_numpy(),
                "assessment_date": sub["RSDTC_DT"].to_numpy(),
                "days_from_first_dose": days.to_numpy(),
                "irecist_response": sub["RSSTRESC"].fillna(sub["RSORRES"]).to_numpy(),
            }
        )
        .sort_values(["usubjid", "assessment_date"], kind="stable")
        .reset_index(drop=True)
    )


def derive_irecist_bor(
    timepoints: pd.DataFrame,
    first_dose: pd.Series,
    rules: BorRules | None = None,
    *,
    new_therapy: pd.Series | None = None,
    data_cutoff: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """iRECIST BOR of every treated subject with iRECIST assessments: ``usubjid, bor_irecist, n_assessments``."""
    therapy = {} if new_therapy is None else new_therapy.to_dict()
    # each subject's (date, day, response) as plain tuples: per-subject pandas filters cost ~20x the rules
    groups: dict[str, list[tuple]] = {}
    columns = (
        timepoints[c].tolist() for c in ("usubjid", "assessment_date", "days_from_first_dose", "irecist_response")
    )
    for subject, *values in zip(*columns, strict=True):
        if not pd.isna(subject):
            groups.setdefault(subject, []).append(tuple(values))
    rows = []
    for subject in sorted(groups):
        g = groups[subject]
        if data_cutoff is not None:
            g = [a for a in g if a[0] <= data_cutoff]
        start = therapy.get(subject, pd.NaT)
        if not pd.isna(start):
            g = [a for a in g if a[0] <= start]
        g = [a for a in g if a[1] > 0]
        days, responses = [a[1] for a in g], [a[2] for a in g]
        _check_icpd_window(subject, days, [str(r).upper() for r in responses])
        bor = irecist_bor(responses, [float(d) for d in days], rules)
        rows.append({"usubjid": subject, "bor_irecist": bor if g else NE, "n_assessments": len(g)})
    return pd.DataFrame(rows, columns=["usubjid", "bor_irecist", "n_assessments"])


def _check_icpd_window(subject: str, days: list[float], responses: list[str]) -> None:
    """Warn when an iCPD is not 4-8 weeks after the iUPD it confirms (the RS value is kept as recorded); ``responses``
    upper-cased, in date order."""
    last_iupd = None
    for day, resp in zip(days, responses, strict=True):
        if resp == "IUPD":
            last_iupd = day if last_iupd is None else last_iupd
        elif resp == "ICPD" and last_iupd is not None:
            gap = int(day - last_iupd)
            if not CONFIRM_PD_DAYS[0] <= gap <= CONFIRM_PD_DAYS[1]:
                log.warning("subject %s: iCPD %d days after iUPD (iRECIST confirms at 4-8 weeks)", subject, gap)
            return
        elif resp in ("ISD", "IPR", "ICR"):
            last_iupd = None
