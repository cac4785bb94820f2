"""Overall survival: death is the event; everyone else is censored at the last date known alive.

DM is taken to record every death up to the cut-off. By default (``censor_at="last_contact"``, ADaM's LSTALVDT)
a living subject is censored at the latest complete (not imputed) date of any domain -- SV contacts, scans,
AEs, doses, disposition, medication -- capped at the cut-off; a withdrawal record only ends follow-up through
that rule (later records still count). ``censor_at="cutoff"`` censors a subject still in survival follow-up at
the data cut-off and one whose follow-up ended (DS ``WITHDRAWAL BY SUBJECT``, ``LOST TO FOLLOW-UP``) on that date.
A death after the cut-off is censored at the cut-off. A partial death date is completed by the imputation rule
(first day by default) but never on or before the last date known alive (then the day after it, with a warning).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from biomarker.clinical.sdtm import first_dose_dates
from biomarker.clinical.survival import days_to_months

log = logging.getLogger(__name__)

#: DS terms after which a subject's survival is no longer followed.
FOLLOW_UP_ENDED = ("WITHDRAWAL BY SUBJECT", "LOST TO FOLLOW-UP", "WITHDRAWAL OF CONSENT")


def death_dates(dm: pd.DataFrame) -> pd.Series:
    """``USUBJID`` -> date of death (``DTHDTC``; ``DTHFL = Y`` without a date is an input error upstream)."""
    flagged = dm["DTHFL"].astype("string").str.upper().eq("Y").fillna(False) & dm["DTHDTC_DT"].isna()
    for subject in dm.loc[flagged, "USUBJID"]:
        log.warning("subject %s has DTHFL=Y but no DTHDTC: not counted as a death", subject)
    dead = dm[dm["DTHDTC_DT"].notna()]
    return dead.set_index("USUBJID")["DTHDTC_DT"]


def _no_earlier_than_alive(subject: str, death, dm: pd.DataFrame, last_alive: pd.Series):
    """SAP rule for a partial death date: imputed (first day) but never on or before the last date known alive,
    else the day after it."""
    if pd.isna(death) or "DTHDTC_DTF" not in dm:
        return death
    flag = dm.loc[dm["USUBJID"] == subject, "DTHDTC_DTF"]
    alive = last_alive.get(subject, pd.NaT)
    if len(flag) and flag.notna().any() and not pd.isna(alive) and death <= alive:
        log.warning(
            "subject %s: partial death date imputed to %s, not after the last date known alive %s: "
            "death set to the day after",
            subject,
            f"{death:%Y-%m-%d}",
            f"{alive:%Y-%m-%d}",
        )
        return alive + pd.Timedelta(days=1)
    return death


def _day(date: pd.Timestamp, dose: pd.Timestamp) -> int:
    return max(int((date - dose).days) + 1, 1)


OS_COLUMNS = ("usubjid", "os_date", "os_days", "os_months", "os_event", "os_censor_reason")


def last_known_alive(domains: dict[str, pd.DataFrame], data_cutoff: pd.Timestamp | None = None) -> pd.Series:
    """``USUBJID`` -> last date known alive (ADaM LSTALVDT): the latest complete date in any domain (``*_DT``
    columns whose ``*_DTF`` imputation flag is empty; death dates excluded), capped at the cut-off.

    Examples
    --------
    >>> last_known_alive({"dm": study.dm, "tr": study.tr})  # doctest: +SKIP
    """
    parts = []
    for frame in domains.values():
        if frame is None or frame.empty:
            continue
        cols = [c for c in frame.columns if c.endswith("_DT") and c != "DTHDTC_DT"]
        if not cols:
            continue
        if all(frame[c].dtype == np.dtype("datetime64[ns]") for c in cols):
            latest = pd.Series(_latest_complete(frame, cols), index=frame.index)
        else:
            dates = frame[cols].copy()
            for col in cols:
                flag = f"{col}F"
                if flag in frame:
                    dates.loc[frame[flag].notna(), col] = pd.NaT
            latest = dates.max(axis=1)
        parts.append(pd.DataFrame({"USUBJID": frame["USUBJID"], "date": latest}))
    if not parts:
        return pd.Series(dtype="datetime64[ns]")
    allp = pd.concat(parts).dropna()
    if data_cutoff is not None:
        allp["date"] = allp["date"].clip(upper=data_cutoff)
    return allp.groupby("USUBJID")["date"].max()


def _latest_complete(frame: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """Per row, the latest of the ``datetime64[ns]`` columns ``cols`` whose imputation flag is empty (``NaT`` when
    none): on the int64 view, where ``NaT`` is the smallest value, so a row maximum skips it as ``max(axis=1)``
    does, without a ``.loc`` assignment per column."""
    stacked = np.empty((len(frame), len(cols)), dtype="i8")
    for j, col in enumerate(cols):
        values = frame[col].to_numpy().view("i8").copy()
        flag = f"{col}F"
        if flag in frame:
            values[frame[flag].notna().to_numpy()] = np.iinfo("i8").min
        stacked[:, j] = values
    return stacked.max(axis=1).view("datetime64[ns]")


def follow_up_ended(ds: pd.DataFrame | None) -> pd.Series:
    """``USUBJID`` -> date survival follow-up ended (DS ``WITHDRAWAL BY SUBJECT`` or ``LOST TO FOLLOW-UP``).

    Examples
    --------
    >>> follow_up_ended(study.ds)  # doctest: +SKIP
    """
    if ds is None or ds.empty:
        return pd.Series(dtype="datetime64[ns]")
    decod = ds["DSDECOD"].astype("string").str.upper().str.strip()
    hits = ds[decod.isin(list(FOLLOW_UP_ENDED)).fillna(False)]
    return hits.groupby("USUBJID")["DSSTDTC_DT"].min()


def derive_os(
    dm: pd.DataFrame,
    last_alive: pd.Series,
    *,
    data_cutoff: pd.Timestamp | None = None,
    follow_up_end: pd.Series | None = None,
    censor_at: str = "cutoff",
) -> pd.DataFrame:
    """Overall survival per treated subject: death is the event, otherwise censored.

    Parameters
    ----------
    dm
        Normalised DM; ``DTHDTC`` is taken to record every death up to the data cut-off.
    last_alive
        ``USUBJID`` -> last date known alive (see :func:`last_known_alive`).
    data_cutoff
        A death after it is censored at the cut-off.
    follow_up_end
        ``USUBJID`` -> end of survival follow-up (see :func:`follow_up_ended`).
    censor_at
        ``"cutoff"`` (default): a subject still in survival follow-up is censored at the data cut-off,
        one whose follow-up ended (withdrawal, lost to follow-up) on the date it ended;
        ``"last_contact"``: everyone at the last date known alive.

    Examples
    --------
    >>> os_ = derive_os(study.dm, last_known_alive(vars(study)), data_cutoff=study.data_cutoff)  # doctest: +SKIP
    """
    if censor_at not in ("cutoff", "last_contact"):
        raise ValueError(f"censor_at must be 'cutoff' or 'last_contact', not {censor_at!r}")
    first_dose = first_dose_dates(dm)
    deaths = death_dates(dm)
    ended = follow_up_end if follow_up_end is not None else pd.Series(dtype="datetime64[ns]")
    rows = []
    for subject, dose in first_dose.items():
        death = deaths.get(subject, pd.NaT)
        death = _no_earlier_than_alive(subject, death, dm, last_alive)
        if not pd.isna(death) and (data_cutoff is None or death <= data_cutoff):
            date, event, reason = death, 1, None
        else:
            alive = last_alive.get(subject, pd.NaT)
            reason = "alive at last contact"
            if not pd.isna(death):  # died after the cut-off: alive at the cut-off
                alive, reason = data_cutoff, "alive at data cut-off"
            elif censor_at == "cutoff" and data_cutoff is not None:
                if subject in ended.index and not pd.isna(ended[subject]):
                    alive, reason = min(ended[subject], data_cutoff), "survival follow-up ended"
                else:
                    alive, reason = data_cutoff, "alive at data cut-off"
            date = dose if pd.isna(alive) else max(alive, dose)
            event = 0
        days = _day(date, dose)
        rows.append(
            {
                "usubjid": subject,
                "os_date": date,
                "os_days": days,
                "os_months": days_to_months(days),
                "os_event": event,
                "os_censor_reason": reason,
            }
        )
    return pd.DataFrame.from_records(rows, columns=list(OS_COLUMNS))
