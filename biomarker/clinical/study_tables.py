"""Study-level tables a trial statistician expects: populations, disposition, exposure and deaths.

- ``populations``: screened (every DM subject), enrolled (not a screen failure), treated = safety (a first
  dose), efficacy-evaluable (treated, with a baseline tumour assessment in the window and at least one
  post-baseline assessment, or progression or death before one);
- ``disposition``: treated subjects by DS disposition event (``DSCAT = DISPOSITION EVENT``, or every record
  without DSCAT) and epoch where given, n (%) of the treated;
- ``exposure`` per subject and drug from EX (first and last dose, days on drug -- to the end of the last cycle
  for intermittent dosing --, administrations, cumulative dose, dose intensity per week and relative to the
  planned dose) and ``exposure_summary`` per drug;
- ``deaths``: every death with its day, whether on treatment (first to last dose) or within 30 days of the
  last dose, and the grade 5 AE terms of the subject.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from biomarker.clinical.cleaning import present_max, present_min
from biomarker.clinical.records import source_of, where
from biomarker.clinical.sdtm import first_dose_dates, last_dose_dates
from biomarker.errors import InputError

#: Administrations per day by EXDOSFRQ for a record spanning EXSTDTC..EXENDTC; others count once.
DAILY = {"QD": 1.0, "BID": 2.0, "TID": 3.0, "QID": 4.0, "Q12H": 2.0, "Q24H": 1.0}
#: Days one administration covers, by EXDOSFRQ, for intermittent dosing: the exposure runs to the end of the
#: last cycle (last dose + interval - 1 day).
INTERVAL_DAYS = {"QW": 7, "Q2W": 14, "Q3W": 21, "Q4W": 28, "Q6W": 42}
#: Planned dose per drug for the relative dose intensity: (mg per administration, days between administrations).
PLANNED = {"TORIPALIMAB": (240.0, 21.0), "AXITINIB": (5.0, 0.5)}


def screen_failures(dm: pd.DataFrame, ds: pd.DataFrame) -> set[str]:
    """Subjects never enrolled: DS ``SCREEN FAILURE``, ARMCD ``SCRNFAIL``, or no first dose and no enrolment."""
    out: set[str] = set()
    if not ds.empty:
        decod = ds["DSDECOD"].astype("string").str.upper().str.strip()
        out |= set(ds.loc[decod.eq("SCREEN FAILURE").fillna(False), "USUBJID"])
    for col in ("ARMCD", "ACTARMCD", "ARM"):
        if col in dm:
            arm = dm[col].astype("string").str.upper().str.replace(" ", "", regex=False)
            out |= set(dm.loc[arm.isin(["SCRNFAIL", "SCREENFAILURE"]).fillna(False), "USUBJID"])
    return out


def populations(dm: pd.DataFrame, ds: pd.DataFrame, timepoints: pd.DataFrame, pfs: pd.DataFrame) -> pd.DataFrame:
    """Analysis populations with counts: ``population, definition, n_subjects``.

    ``timepoints`` are the analysis time points (``is_baseline``), ``pfs`` the PFS table (events).
    """
    screened = set(dm["USUBJID"])
    enrolled = screened - screen_failures(dm, ds)
    treated = set(first_dose_dates(dm).index)
    evaluable = efficacy_evaluable(timepoints, pfs) & treated
    rows = [
        ("screened", "every subject in DM", len(screened)),
        ("enrolled", "screened and not a screen failure", len(enrolled)),
        ("safety", "treated: at least one dose (RFXSTDTC/RFSTDTC)", len(treated)),
        (
            "efficacy_evaluable",
            "treated, baseline tumour assessment and a post-baseline assessment (or progression or death before one)",
            len(evaluable),
        ),
    ]
    return pd.DataFrame(rows, columns=["population", "definition", "n_subjects"])


def efficacy_evaluable(timepoints: pd.DataFrame, pfs: pd.DataFrame) -> set[str]:
    """Subjects with a baseline and a post-baseline assessment, or an event (PD, death) before one."""
    if timepoints.empty:
        return set()
    base = set(timepoints.loc[timepoints["is_baseline"].astype(bool), "usubjid"])
    post = set(timepoints.loc[~timepoints["is_baseline"].astype(bool), "usubjid"])
    events = set(pfs.loc[pfs["pfs_event"].eq(1), "usubjid"]) if len(pfs) else set()
    return base & (post | events)


def disposition(ds: pd.DataFrame, dm: pd.DataFrame) -> pd.DataFrame:
    """Subjects by disposition event: ``epoch, dsdecod, n_subjects, pct_treated``."""
    cols = ["epoch", "dsdecod", "n_subjects", "pct_treated"]
    if ds.empty:
        return pd.DataFrame(columns=cols)
    cat = ds["DSCAT"].astype("string").str.upper() if "DSCAT" in ds else pd.Series(pd.NA, index=ds.index)
    treated = ds["USUBJID"].isin(first_dose_dates(dm).index)
    events = ds[(cat.isna() | cat.eq("DISPOSITION EVENT").fillna(False)) & treated]
    epoch = events["EPOCH"] if "EPOCH" in events else pd.Series(None, index=events.index, dtype=object)
    frame = pd.DataFrame(
        {
            "usubjid": events["USUBJID"],
            "epoch": epoch.fillna("ALL").astype(str),
            "dsdecod": events["DSDECOD"].astype(str).str.upper(),
        }
    )
    n_treated = len(first_dose_dates(dm))
    counts = frame.groupby(["epoch", "dsdecod"])["usubjid"].nunique().rename("n_subjects").reset_index()
    counts["pct_treated"] = 100.0 * counts["n_subjects"] / n_treated if n_treated else np.nan
    return counts.sort_values(["epoch", "n_subjects", "dsdecod"], ascending=[True, False, True]).reset_index(drop=True)


def _sum(values: np.ndarray) -> float:
    """``float(Series.sum())`` to the bit: missing values as 0, numpy's pairwise summation in the same order."""
    return float(np.where(np.isnan(values), 0.0, values).sum())


def _administrations(ex: pd.DataFrame) -> pd.Series:
    freq = ex["EXDOSFRQ"].astype("string").str.upper().str.strip()
    per_day = freq.map(DAILY)
    days = (ex["EXENDTC_DT"].fillna(ex["EXSTDTC_DT"]) - ex["EXSTDTC_DT"]).dt.days + 1
    return pd.Series(np.where(per_day.notna(), days * per_day.fillna(0), 1.0), index=ex.index).fillna(1.0)


def exposure(
    ex: pd.DataFrame, dm: pd.DataFrame, planned: Mapping[str, tuple[float, float]] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Exposure per subject and drug, and a per-drug summary.

    Returns
    -------
    per_subject, summary
        ``usubjid, drug, first_dose_date, last_dose_date, duration_days, n_administrations, cumulative_dose,
        dose_unit, dose_intensity_per_week, relative_dose_intensity_pct`` and ``drug, n_subjects,
        median_duration_days, median_cumulative_dose, median_relative_dose_intensity_pct``. The relative dose
        intensity needs a planned dose (``planned``: drug -> (dose per administration, days between them)).
    """
    planned = {k.upper(): v for k, v in (planned or PLANNED).items()}
    cols = [
        "usubjid",
        "drug",
        "first_dose_date",
        "last_dose_date",
        "duration_days",
        "n_administrations",
        "cumulative_dose",
        "dose_unit",
        "dose_intensity_per_week",
        "relative_dose_intensity_pct",
    ]
    treated = first_dose_dates(dm).index
    ex = ex[ex["USUBJID"].isin(treated) & ex["EXSTDTC_DT"].notna()]
    if ex.empty:
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=["drug", "n_subjects"])
    unnamed = ex["EXTRT"].isna() | ex["EXTRT"].astype(str).str.strip().eq("")
    if unnamed.any():  # astype(str) made it a drug called "NAN" or "NONE" in the exposure tables
        raise InputError(
            source_of(ex, "ex"),
            "a dosed EX record has no EXTRT (treatment name)",
            where=where(ex[unnamed].iloc[0]),
            hint="fill EXTRT with the study drug's name on every EX record",
        )
    ex = ex.assign(
        DRUG=ex["EXTRT"].astype(str).str.upper(),
        N_ADMIN=_administrations(ex),
        END=ex["EXENDTC_DT"].fillna(ex["EXSTDTC_DT"]),
    )
    ex = ex.assign(DOSE_TOTAL=ex["EXDOSE"].astype(float) * ex["N_ADMIN"])
    # each subject and drug's rows as positions into plain columns: per-group pandas calls cost ~20x the sums
    groups: dict[tuple, list[int]] = {}
    for i, key in enumerate(zip(ex["USUBJID"].tolist(), ex["DRUG"].tolist(), strict=True)):
        groups.setdefault(key, []).append(i)
    starts, ends = ex["EXSTDTC_DT"].tolist(), ex["END"].tolist()
    freqs = ex["EXDOSFRQ"].tolist() if "EXDOSFRQ" in ex else None
    units_of = ex["EXDOSU"].tolist() if "EXDOSU" in ex else None
    doses, admins = ex["DOSE_TOTAL"].to_numpy(dtype=float), ex["N_ADMIN"].to_numpy(dtype=float)
    rows = []
    for (subject, drug), idx in sorted(groups.items()):
        first, last = present_min((starts[i] for i in idx), pd.NaT), present_max((ends[i] for i in idx), pd.NaT)
        freq = freqs[max(idx, key=lambda i: (ends[i], -i))] if freqs is not None else None
        cover = INTERVAL_DAYS.get(str(freq).upper().strip(), 1) if freq is not None and not pd.isna(freq) else 1
        duration = int((last - first).days) + cover
        total = _sum(doses[idx])
        per_week = total / duration * 7.0
        rdi = np.nan
        if drug in planned:
            dose, every = planned[drug]
            rdi = 100.0 * per_week / (dose / every * 7.0)
        units = list(dict.fromkeys(u for i in idx if not pd.isna(u := units_of[i]))) if units_of is not None else []
        rows.append(
            (
                subject,
                drug,
                first,
                last,
                duration,
                _sum(admins[idx]),
                total,
                units[0] if len(units) == 1 else None,
                per_week,
                rdi,
            )
        )
    per_subject = pd.DataFrame(rows, columns=cols)
    summary = (
        per_subject.groupby("drug")
        .agg(
            n_subjects=("usubjid", "nunique"),
            median_duration_days=("duration_days", "median"),
            median_cumulative_dose=("cumulative_dose", "median"),
            median_relative_dose_intensity_pct=("relative_dose_intensity_pct", "median"),
        )
        .reset_index()
    )
    return per_subject, summary


def deaths(
    dm: pd.DataFrame, teae: pd.DataFrame | None, *, window_days: int = 30, data_cutoff: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Deaths of treated subjects: ``usubjid, death_date, death_day, on_treatment, within_30_days_of_last_dose,
    grade_5_ae`` (``within_..._days`` follows ``window_days``; day 1 is the first dose)."""
    cols = [
        "usubjid",
        "death_date",
        "death_day",
        "on_treatment",
        f"within_{window_days}_days_of_last_dose",
        "grade_5_ae",
    ]
    first, last = first_dose_dates(dm), last_dose_dates(dm)
    dead = dm[dm["DTHDTC_DT"].notna() & dm["USUBJID"].isin(first.index)]
    if data_cutoff is not None:
        dead = dead[dead["DTHDTC_DT"] <= data_cutoff]
    g5 = {}
    if teae is not None and len(teae) and "GRADE" in teae:
        fatal = teae[teae["GRADE"].eq(5) | teae.get("OUT", pd.Series(index=teae.index, dtype=object)).eq("fatal")]
        g5 = fatal.groupby("USUBJID")["AEDECOD"].agg(lambda s: "; ".join(sorted(set(map(str, s))))).to_dict()
    rows = []
    for _, r in dead.iterrows():
        subject, date = r["USUBJID"], r["DTHDTC_DT"]
        end = last.get(subject, pd.NaT)
        on = bool(not pd.isna(end) and date <= end)
        within = bool(not pd.isna(end) and date <= end + pd.Timedelta(days=window_days))
        rows.append((subject, date, int((date - first[subject]).days) + 1, on, within, g5.get(subject)))
    return pd.DataFrame(rows, columns=cols)
