"""Time-point responses as RS records them (one evaluator, one category) and their comparison with ours."""

from __future__ import annotations

import logging

import pandas as pd

from biomarker.clinical.bor import BorRules, derive_bor
from biomarker.clinical.evaluators import INVESTIGATOR, RECIST11, rs_for
from biomarker.clinical.recist import CR, NE, NON_CR_NON_PD, PD, PR, SD
from biomarker.clinical.sdtm import first_dose_dates

log = logging.getLogger(__name__)

_RS_SYNONYMS = {
    "NONCR/NONPD": NON_CR_NON_PD,
    "NON CR/NON PD": NON_CR_NON_PD,
    "NON-CR / NON-PD": NON_CR_NON_PD,
    "NOT EVALUABLE": NE,
    "NOT EVALUATED": NE,
    "NOT ASSESSED": NE,
    "UNK": NE,
    "UNKNOWN": NE,
    "COMPLETE RESPONSE": CR,
    "PARTIAL RESPONSE": PR,
    "STABLE DISEASE": SD,
    "PROGRESSIVE DISEASE": PD,
}


def investigator_timepoints(
    rs: pd.DataFrame, dm: pd.DataFrame, *, evaluator: str = INVESTIGATOR, category: str = RECIST11
) -> pd.DataFrame:
    """RS time-point responses (``RSTESTCD == OVRLRESP``) of one evaluator and one category (RECIST 1.1 by
    default: iRECIST rows are never mixed in) in the shape of our time points.

    Examples
    --------
    >>> inv = investigator_timepoints(study.rs, study.dm)  # doctest: +SKIP
    """
    first_dose = first_dose_dates(dm)
    rs = rs_for(rs, category, evaluator)
    rs = rs[rs["USUBJID"].isin(first_dose.index)]
    if "RSTESTCD" in rs and rs["RSTESTCD"].notna().any():
        rs = rs[rs["RSTESTCD"].astype(str).str.upper() == "OVRLRESP"]
    resp = rs["RSSTRESC"].fillna(rs.get("RSORRES")).astype("string").str.upper().str.strip()
    resp = resp.replace(_RS_SYNONYMS)
    undated = rs["RSDTC_DT"].isna()
    if undated.any():
        log.warning("%d investigator responses without RSDTC ignored", int(undated.sum()))
        rs, resp = rs[~undated], resp[~undated]
    dates = rs["RSDTC_DT"]
    days = (dates - rs["USUBJID"].map(first_dose)).dt.days
    return pd.DataFrame(
        {
            "usubjid": rs["USUBJID"].to_numpy(),
            "visit": rs["VISIT"].to_numpy(),
            "visitnum": rs["VISITNUM"].to_numpy() if "VISITNUM" in rs else None,
            "assessment_date": dates.to_numpy(),
            "days_from_first_dose": days.to_numpy(),
            "is_baseline": (days <= 0).to_numpy(),
            "overall_response": resp.astype(object).to_numpy(),
        }
    )


def compare_with_investigator(
    ours_tp: pd.DataFrame,
    ours_bor: pd.DataFrame,
    rs: pd.DataFrame,
    dm: pd.DataFrame,
    rules: BorRules | None = None,
    **kwargs,
) -> pd.DataFrame:
    """Subjects whose derived BOR or time-point responses differ from the investigator's.

    The investigator's BOR is derived from RS time points with the same :class:`BorRules`. Time points
    are paired by visit label (or by date when a side has no ``VISIT``).

    Returns
    -------
    DataFrame
        ``usubjid, bor_derived, bor_investigator, bor_differs, visits_differing`` (``visit:
        ours/theirs`` joined by ``; ``), one row per subject with any difference.

    Examples
    --------
    >>> compare_with_investigator(tp, bor, study.rs, study.dm)  # doctest: +SKIP
    """
    inv_tp = investigator_timepoints(rs, dm)
    inv_bor = derive_bor(inv_tp, dm, rules, **kwargs)
    merged = ours_bor[["usubjid", "bor"]].merge(
        inv_bor[["usubjid", "bor"]], on="usubjid", how="outer", suffixes=("_derived", "_investigator")
    )
    cols = ["usubjid", "assessment_date", "visit", "overall_response"]
    ours = ours_tp.loc[~ours_tp["is_baseline"].astype(bool), cols].copy()
    theirs = inv_tp.loc[~inv_tp["is_baseline"].astype(bool), cols].copy()
    # pair time points by VISITNUM, else by visit label when both sides have one (scan dates of a visit may
    # differ), else by date
    ours["visitnum"] = ours_tp.get("visitnum")
    theirs["visitnum"] = inv_tp.get("visitnum")
    by_num = ours["visitnum"].notna().all() and theirs["visitnum"].notna().all()
    by_visit = ours["visit"].notna().all() and theirs["visit"].notna().all()
    for frame in (ours, theirs):
        if by_num:
            frame["key"] = frame["visitnum"].astype(float).map("{:g}".format)
        elif by_visit:
            frame["key"] = frame["visit"].astype(str)
        else:
            frame["key"] = frame["assessment_date"].dt.strftime("%Y-%m-%d")
    ours, theirs = ours.drop(columns="visitnum"), theirs.drop(columns="visitnum")
    both = ours.merge(theirs, on=["usubjid", "key"], how="outer", suffixes=("", "_inv"))
    both["visit"] = both["visit"].fillna(both["visit_inv"])
    both["assessment_date"] = both["assessment_date"].fillna(both["assessment_date_inv"])
    differ = both[both["overall_response"].fillna("missing") != both["overall_response_inv"].fillna("missing")]
    detail = (
        differ.sort_values(["usubjid", "assessment_date"])
        .assign(
            text=lambda d: (
                d["visit"].astype(str)
                + ": "
                + d["overall_response"].fillna("missing")
                + "/"
                + d["overall_response_inv"].fillna("missing")
            )
        )
        .groupby("usubjid")["text"]
        .agg("; ".join)
    )
    merged["bor_differs"] = merged["bor_derived"].fillna("") != merged["bor_investigator"].fillna("")
    merged["visits_differing"] = merged["usubjid"].map(detail).fillna("")
    out = merged[merged["bor_differs"] | (merged["visits_differing"] != "")]
    return out[["usubjid", "bor_derived", "bor_investigator", "bor_differs", "visits_differing"]].reset_index(drop=True)
